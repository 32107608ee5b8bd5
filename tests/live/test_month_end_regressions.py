"""Month-end close on Meridian, a rollout the harness did not configure, on the real bundled Odoo 19.

Meridian Care Partners (tests/rollouts/meridian.py) values its saline bags MCP-SAL-500 perpetually at AVERAGE
cost, tracks every supply by lot, keeps its adjustments in a general journal "GJ", and gives its accountant
only Accounting / Invoicing + Administration / Access Rights. The close must pass there three runs in a row
with no configuration left changed, and fail safely: each regression below is one change an administrator
could really make in Odoo's screens, applied over RPC as admin and reverted afterwards. Every reference of the
profiles still resolves and only behaviour changes, so the run fails the month-end close with a finding that
names the broken expectation (exit 1), the accountant's other cycle (requisition-to-receipt, which bills)
keeps its outcome, and nothing of the run stays posted in the period it closes: a regression found before
posting leaves no entry at all, one found after the accrual was posted has it reversed at teardown.

Fixture `meridian_target` (tests/live/conftest.py): a copy of the Meridian template for this module, with `.admin`
for the regressions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from odoo_uat.cycles.month_end_close import period_to_close
from tests.live.bundle import UatResult
from tests.live.conftest import MERIDIAN_SITES, MeridianTarget, RunUat
from tests.rollouts.meridian import JsonRpc

SITES_DIR = str(MERIDIAN_SITES)
CYCLE = "month_end_close"
OTHER = "requisition_to_receipt"  # the accountant's other cycle that posts (she bills the order)
SCENARIOS_FAILED = 1
COMPANY = "Meridian Care Partners"
Revert = Callable[[], None]


def _one(admin: JsonRpc, model: str, domain: list[Any]) -> int:
    found = admin.search(model, domain)
    assert len(found) == 1, f"{model} {domain}: {found}"
    return found[0]


def _company(admin: JsonRpc) -> int:
    return _one(admin, "res.company", [("name", "=", COMPANY)])


def _lock_exception_for_everyone(admin: JsonRpc) -> Revert:
    """An accountant reopens Q3 for the auditors and forgets it: everyone may post before the lock again."""
    exception = admin.call(
        "account.lock_exception",
        "create",
        {
            "company_id": _company(admin),
            "user_id": False,
            "lock_date_field": "fiscalyear_lock_date",
            "lock_date": "2026-01-01",
            "reason": "Reopen the year for the auditors",
        },
    )
    return lambda: admin.call("account.lock_exception", "action_revoke", [exception])


def _accountant_loses_access_rights(admin: JsonRpc) -> Revert:
    """Someone tidies up "administrator-like" rights: the accountant can no longer write the company."""
    user = _one(admin, "res.users", [("login", "=", "f.haddad@meridiancare.example")])
    group = admin.call("ir.model.data", "check_object_reference", "base", "group_erp_manager")[1]
    admin.call("res.users", "write", [user], {"group_ids": [(3, group)]})
    return lambda: admin.call("res.users", "write", [user], {"group_ids": [(4, group)]})


def _iv_fluids_periodic(admin: JsonRpc) -> Revert:
    """The IV fluids category is switched to Odoo 19's default valuation, Periodic (at closing)."""
    category = _one(admin, "product.category", [("complete_name", "=", "Clinical consumables / IV fluids")])
    context = {"allowed_company_ids": [_company(admin)]}
    previous = admin.call("product.category", "read", [category], ["property_valuation"], context=context)[0]
    admin.call("product.category", "write", [category], {"property_valuation": "periodic"}, context=context)
    return lambda: admin.call(
        "product.category",
        "write",
        [category],
        {"property_valuation": previous["property_valuation"]},
        context=context,
    )


@dataclass(frozen=True)
class Regression:
    id: str
    apply: Callable[[JsonRpc], Revert]
    expectation: str  # what the finding must name: the start of the broken expectation
    posts_first: bool  # found after the accrual was posted (so its reversal is what keeps the period clean)


REGRESSIONS = (
    Regression(
        "lock-exception-for-everyone",
        _lock_exception_for_everyone,
        f"No active lock exception of {COMPANY} lets anyone post into",
        True,
    ),
    Regression(
        "accountant-loses-access-rights",
        _accountant_loses_access_rights,
        f"Odoo lets the accountant set {COMPANY}'s Global Lock Date",
        False,
    ),
    Regression(
        "iv-fluids-periodic",
        _iv_fluids_periodic,
        f"MCP-SAL-500 is a storable supply valued Perpetual (at invoicing) in {COMPANY}",
        False,
    ),
)


def _cells(result: UatResult) -> dict[tuple[str, str], str]:
    readiness = result.readiness()
    assert readiness is not None, result.output[-3000:]
    return {(site, cycle): outcome for site, cycles in readiness["sites"].items() for cycle, outcome in cycles.items()}


def _run_id(result: UatResult) -> str:
    readiness = result.readiness()
    assert readiness is not None
    return str(readiness["run_id"])


def _run(run_uat: RunUat, meridian: MeridianTarget, marker: str) -> UatResult:
    return run_uat(meridian.target, "run", "--sites-dir", SITES_DIR, "--", "-m", marker, timeout=900)


def _left_in_period(admin: JsonRpc, run_id: str) -> list[dict[str, Any]]:
    """Entries of the run dated in the period it closes that are still in effect (posted and not reversed)."""
    period = period_to_close(date.today())
    rows: list[dict[str, Any]] = admin.call(
        "account.move",
        "search_read",
        [
            ("ref", "=like", f"{run_id}/%"),
            ("state", "=", "posted"),
            ("date", ">=", period.start.isoformat()),
            ("date", "<=", period.end.isoformat()),
            ("reversal_move_ids", "=", False),
        ],
        ["name", "ref", "date"],
    )
    return rows


def _entries_of(admin: JsonRpc, run_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = admin.call(
        "account.move", "search_read", [("ref", "=like", f"{run_id}/%")], ["name", "ref", "state", "date"]
    )
    return rows


def _lock_of(admin: JsonRpc) -> Any:
    return admin.call("res.company", "read", [_company(admin)], ["fiscalyear_lock_date"])[0]["fiscalyear_lock_date"]


def test_the_close_passes_three_runs_in_a_row_and_leaves_the_configuration_as_it_was(
    meridian_target: MeridianTarget, run_uat: RunUat, tmp_path: Path
) -> None:
    target, admin = meridian_target.target, meridian_target.admin
    before = tmp_path / "before.json"
    assert run_uat(target, "snapshot", "-o", str(before)).exit_code == 0
    lock_before = _lock_of(admin)
    for attempt in range(3):
        result = _run(run_uat, meridian_target, CYCLE)
        assert result.exit_code == 0, f"run {attempt + 1}:\n{result.output[-4000:]}"
        assert _cells(result)[("EAST", CYCLE)] == "passed"
        run_id = _run_id(result)
        assert _left_in_period(admin, run_id) == [], "the accrual is reversed at teardown, on a pass too"
        lots = admin.call("stock.lot", "search_read", [("name", "=like", f"{run_id}-%")], ["name"])
        assert lots, "the lot-tracked supply was received with the run's lots"
    compare = run_uat(target, "snapshot", "--compare", str(before))
    assert compare.exit_code == 0, compare.output[-3000:]
    assert "0 configuration difference" in compare.output, compare.output[-3000:]
    assert _lock_of(admin) == lock_before


@pytest.mark.parametrize("regression", REGRESSIONS, ids=lambda regression: regression.id)
def test_a_close_regression_fails_the_close_with_a_finding_and_leaves_nothing_posted(
    meridian_target: MeridianTarget, run_uat: RunUat, tmp_path: Path, regression: Regression
) -> None:
    target, admin = meridian_target.target, meridian_target.admin
    baseline = _run(run_uat, meridian_target, OTHER)
    assert baseline.exit_code == 0, f"without the regression {OTHER} passes:\n{baseline.output[-4000:]}"
    lock_before = _lock_of(admin)

    revert = regression.apply(admin)
    try:
        before = tmp_path / "before.json"  # with the regression in place: what the failed run must not change
        assert run_uat(target, "snapshot", "-o", str(before)).exit_code == 0
        doctor = run_uat(target, "doctor", "--sites-dir", SITES_DIR)
        result = _run(run_uat, meridian_target, f"{CYCLE} or {OTHER}")
        compare = run_uat(target, "snapshot", "--compare", str(before))
    finally:
        revert()

    assert doctor.exit_code == 0, f"every reference still resolves:\n{doctor.output[-4000:]}"
    assert result.exit_code == SCENARIOS_FAILED, result.output[-4000:]
    assert f"Business expectation broken: {regression.expectation}" in result.output, result.output[-4000:]
    cells = _cells(result)
    assert cells[("EAST", CYCLE)] == "FAILED", cells
    for site in ("EAST", "WEST"):
        assert cells[(site, OTHER)] == "passed", (site, cells)
    assert compare.exit_code == 0, compare.output[-3000:]
    assert "0 configuration difference" in compare.output, compare.output[-3000:]
    assert _lock_of(admin) == lock_before, "the lock is as it was"
    run_id = _run_id(result)
    assert _left_in_period(admin, run_id) == [], "nothing of the run stays in effect in the period it closes"
    close_entries = [row for row in _entries_of(admin, run_id) if "/MEC-" in str(row["ref"])]
    if regression.posts_first:
        assert any(str(row["ref"]).endswith("/MEC-ACCRUAL") for row in close_entries), close_entries
    else:
        assert close_entries == [], f"found before anything was posted: {close_entries}"


def test_periodic_valuation_is_a_valid_configuration_with_the_checks_that_apply(
    meridian_target: MeridianTarget, run_uat: RunUat, tmp_path: Path
) -> None:
    """A programme whose saline bags are valued Periodic (at closing), Odoo 19's default, and whose profile says so:
    the close passes, the account-follows-stock check is recorded as not applicable (with why), and what applies
    to periodic valuation holds: the delivery was valued at cost and the bill left the stock valuation account."""
    sites = tmp_path / "sites"
    sites.mkdir()
    for profile in Path(SITES_DIR).glob("*.yaml"):
        text = profile.read_text(encoding="utf-8")
        assert text.count("    valuation: perpetual") == 1, profile
        (sites / profile.name).write_text(
            text.replace("    valuation: perpetual", "    valuation: periodic  #"), encoding="utf-8"
        )
    revert = _iv_fluids_periodic(meridian_target.admin)
    try:
        result = run_uat(meridian_target.target, "run", "--sites-dir", str(sites), "--", "-m", CYCLE, timeout=900)
    finally:
        revert()
    assert result.exit_code == 0, result.output[-4000:]
    evidence = [path.read_text(encoding="utf-8") for path in result.run_dir().glob("allure-results/*-attachment.txt")]
    not_applicable = [text for text in evidence if text.startswith("NOT APPLICABLE: The stock valuation account")]
    assert len(not_applicable) == 1, "recorded as not applicable, not passed"
    assert "inventory closing entry" in not_applicable[0]
    assert not any(text.startswith("HELD: The stock valuation account") for text in evidence)
    assert any(text.startswith("HELD: The supplier's bill for a periodically valued supply") for text in evidence)
    assert any(text.startswith("HELD: Odoo valued the delivery") for text in evidence)
