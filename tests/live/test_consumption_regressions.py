"""Configuration regressions a customer could make on Meridian's consumption, on the real bundled Odoo 19.

Meridian Care Partners (tests/rollouts/meridian.py) is a rollout the harness did not configure: ward consumption
is an INTERNAL operation type "Ward usage" (USE) into a Production location valued on 500000, supplies at FIFO.
Each regression below is one change an administrator could really make in Odoo's screens, applied over RPC as
admin and reverted afterwards. In each, every reference of the profiles still resolves (doctor is clean) and
only behaviour changes, so the run must fail the transfer-to-consumption cycle with a finding that names the
broken expectation (exit 1), before the cycle posts anything, while the other cycles keep the outcome they have
without the regression. A snapshot taken before the regression compares equal after the revert.

Fixture `meridian_target` (tests/live/conftest.py): a copy of the Meridian template for this module. The other
cycles are run under each regression only with UAT_REGRESSIONS_FULL=1 (conftest.regression_scope).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.live.bundle import UatResult, run_uat_process
from tests.live.conftest import COVERAGE, MERIDIAN_SITES, REGRESSIONS_FULL, MeridianTarget, RunUat
from tests.rollouts.meridian import JsonRpc

SITES_DIR = str(MERIDIAN_SITES)
CYCLE = "transfer_to_consumption"
SCENARIOS_FAILED = 1
Revert = Callable[[], None]


def _one(admin: JsonRpc, model: str, domain: list[Any]) -> int:
    found = admin.search(model, domain)
    assert len(found) == 1, f"{model} {domain}: {found}"
    return found[0]


def _change(admin: JsonRpc, model: str, domain: list[Any], values: dict[str, Any]) -> Revert:
    """Write `values` on the one record `domain` finds, as admin; return what puts the previous values back."""
    record_id = _one(admin, model, domain)
    row = admin.search_read(model, [("id", "=", record_id)], list(values))[0]
    previous = {key: value[0] if isinstance(value, list) else value for key, value in row.items() if key in values}
    admin.write(model, [record_id], values)
    return lambda: admin.write(model, [record_id], previous)


CONSUMABLES = [("complete_name", "=", "Clinical consumables")]


def _remove_west_valuation_account(admin: JsonRpc) -> Revert:
    return _change(
        admin, "stock.location", [("complete_name", "=", "Patient use - West")], {"valuation_account_id": False}
    )


def _category_removal_fifo(admin: JsonRpc) -> Revert:
    fifo = _one(admin, "product.removal", [("method", "=", "fifo")])
    return _change(admin, "product.category", CONSUMABLES, {"removal_strategy_id": fifo})


def _east_ward_usage_into_inventory_adjustment(admin: JsonRpc) -> Revert:
    adjustment = _one(admin, "stock.location", [("usage", "=", "inventory"), ("name", "=", "Inventory adjustment")])
    return _change(
        admin,
        "stock.picking.type",
        [("warehouse_id.code", "=", "MCE"), ("sequence_code", "=", "USE")],
        {"default_location_dest_id": adjustment},
    )


def _category_periodic(admin: JsonRpc) -> Revert:
    return _change(admin, "product.category", CONSUMABLES, {"property_valuation": "periodic"})


@dataclass(frozen=True)
class Regression:
    id: str
    apply: Callable[[JsonRpc], Revert]
    expectation: str  # what the finding must name: the start of the broken expectation
    failing: tuple[str, ...]  # the sites whose transfer_to_consumption fails


REGRESSIONS = (
    Regression(
        "valuation-account-removed",
        _remove_west_valuation_account,
        "The consumption location Patient use - West carries the valuation account 500000",
        ("WEST",),
    ),
    Regression(
        "removal-strategy-fifo",
        _category_removal_fifo,
        "Odoo takes MCP-SYR-5 out of MCW/Stock and MCW/Ward 5 North first expiry, first out (FEFO)",
        ("EAST", "WEST"),
    ),
    Regression(
        "ward-usage-default-destination",
        _east_ward_usage_into_inventory_adjustment,
        "The consumption operation Meridian East Clinic: Ward usage (USE) records what is used into the "
        "consumption location Patient use - East",
        ("EAST",),
    ),
    Regression(
        "category-periodic",
        _category_periodic,
        "MCP-SYR-5 is valued Perpetual (at invoicing) in Meridian Care Partners",
        ("EAST", "WEST"),
    ),
)


def _cells(result: UatResult) -> dict[tuple[str, str], str]:
    readiness = result.readiness()
    assert readiness is not None, result.output[-3000:]
    return {(site, cycle): outcome for site, cycles in readiness["sites"].items() for cycle, outcome in cycles.items()}


def cells_run_id(result: UatResult) -> str:
    readiness = result.readiness()
    assert readiness is not None
    return str(readiness["run_id"])


def _run(run_uat: RunUat, meridian: MeridianTarget, marker: str) -> UatResult:
    return run_uat(meridian.target, "run", "--sites-dir", SITES_DIR, "--", "-m", marker)


@pytest.fixture(scope="module")
def other_cycles_baseline(
    meridian_target: MeridianTarget, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], str]:
    """The other cycles' outcomes on Meridian without any regression: what each regression must leave alone."""
    if not REGRESSIONS_FULL:
        return {}
    result = run_uat_process(
        meridian_target.target.env,
        ["run", "--sites-dir", SITES_DIR, "--", "-m", f"not {CYCLE}"],
        reports_dir=tmp_path_factory.mktemp("baseline-reports"),
        timeout=900,
        coverage=COVERAGE,
    )
    cells = {key: outcome for key, outcome in _cells(result).items() if key[1] != CYCLE}
    assert "passed" in cells.values(), result.output[-3000:]
    return cells


@pytest.mark.parametrize("regression", REGRESSIONS, ids=lambda regression: regression.id)
def test_a_consumption_regression_fails_that_cycle_with_a_finding_and_nothing_else(
    meridian_target: MeridianTarget,
    other_cycles_baseline: dict[tuple[str, str], str],
    run_uat: RunUat,
    tmp_path: Path,
    regression: Regression,
) -> None:
    target = meridian_target.target
    before = tmp_path / "before.json"
    assert run_uat(target, "snapshot", "-o", str(before)).exit_code == 0
    clean = _run(run_uat, meridian_target, CYCLE)
    assert clean.exit_code == 0, f"without the regression the cycle passes:\n{clean.output[-4000:]}"

    revert = regression.apply(meridian_target.admin)
    try:
        doctor = run_uat(target, "doctor", "--sites-dir", SITES_DIR)
        consumption = _run(run_uat, meridian_target, CYCLE)
        others = _run(run_uat, meridian_target, f"not {CYCLE}") if REGRESSIONS_FULL else None
    finally:
        revert()

    assert doctor.exit_code == 0, f"every reference still resolves:\n{doctor.output[-4000:]}"
    assert consumption.exit_code == SCENARIOS_FAILED, consumption.output[-4000:]
    assert f"Business expectation broken: {regression.expectation}" in consumption.output, consumption.output[-4000:]
    cells = _cells(consumption)
    for site in ("EAST", "WEST"):
        assert cells[(site, CYCLE)] == ("FAILED" if site in regression.failing else "passed"), (site, cells)
    # the finding came from the configuration check: at a failing site nothing was received, moved or posted
    run_id = cells_run_id(consumption)
    for site in regression.failing:
        made = meridian_target.admin.search("stock.picking", [("origin", "=like", f"{run_id}/{site}/%")])
        assert made == [], f"{site}: the run created pickings {made} before finding the regression"
    if others is not None:
        assert {key: outcome for key, outcome in _cells(others).items() if key[1] != CYCLE} == other_cycles_baseline
    compare = run_uat(target, "snapshot", "--compare", str(before))
    assert compare.exit_code == 0, f"the run and the revert leave the configuration as it was:\n{compare.output}"
