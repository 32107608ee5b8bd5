"""Configuration regressions a customer could really make on Meridian: each fails its cycle with a finding.

On a database configured by tests/rollouts/meridian.py (a rollout the harness did not build), with the profiles
of tests/rollouts/meridian/sites as they are, each test applies one regression over RPC as the administrator, runs
every cycle of both sites, and puts the configuration back (checked by reading it again). Every reference still
resolves (no cell is blocked), the run exits 1, the regressed cycle is FAILED at the sites it touches with the
expectation named, and every other cell passes.

Preventive maintenance: the "Completed" stage no longer closes a request ('Request Done' unticked); West's
ventilator serviced every 6 months instead of 4; East's autoclave request no longer recurrent.
Requisition to receipt: the purchase approval minimum raised to 10,000; two-step approval switched off;
East's receipt type switched to always keep a backorder.

Before the first regression, West's ventilator plan is completed once as in any real database, so a completed
request shares the plan's name: the profile's reference must still pick the current one when the done flag is off.
Last, roles: a profile whose EAST requester is also its approver blocks that site's approval scenario only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.live.bundle import UatResult
from tests.live.conftest import MERIDIAN_SITES, REGRESSIONS_FULL, MeridianTarget, RunUat, regression_scope
from tests.rollouts.meridian import JsonRpc

SITES = ("EAST", "WEST")
CYCLES = (
    "requisition_to_receipt",
    "transfer_to_consumption",
    "preventive_maintenance",
    "helpdesk_escalation",
    "month_end_close",
)


def _current_request(admin: JsonRpc, name: str) -> int:
    """The plan's current occurrence: never closed, not cancelled (as the profile's reference resolves it)."""
    return _one(
        admin, "maintenance.request", [("name", "=", name), ("close_date", "=", False), ("archive", "=", False)]
    )


def _one(admin: JsonRpc, model: str, domain: list[Any]) -> int:
    ids = admin.search(model, domain, context={"active_test": False})
    assert len(ids) == 1, f"{model} {domain}: {ids}"
    return ids[0]


@contextmanager
def regressed(admin: JsonRpc, model: str, record_id: int, change: Mapping[str, Any]) -> Iterator[None]:
    """Apply a customer's change to one record, then put back what it was and check it is back."""
    fields = list(change)
    before = admin.search_read(model, [("id", "=", record_id)], fields, context={"active_test": False})[0]
    original = {field: before[field] for field in fields}
    assert original != dict(change), f"{model} #{record_id} already has {change}"
    admin.write(model, [record_id], dict(change))
    try:
        yield
    finally:
        admin.write(model, [record_id], original)
        after = admin.search_read(model, [("id", "=", record_id)], fields, context={"active_test": False})[0]
        assert {field: after[field] for field in fields} == original


def _run_under_regression(run_uat: RunUat, target: MeridianTarget, cycle: str) -> UatResult:
    return run_uat(target, "run", "--sites-dir", str(MERIDIAN_SITES), *regression_scope(cycle), timeout=900)


def assert_only_this_cycle_fails(result: UatResult, cycle: str, expectations: Mapping[str, str]) -> None:
    """Exit 1; `cycle` FAILED at the sites in `expectations`, naming the expectation; every other cell passed."""
    output = result.output
    readiness = result.readiness()
    assert readiness is not None, output[-3000:]
    cells = readiness["sites"]
    reasons = readiness["reasons"]
    blocked = {(site, name) for site in SITES for name, verdict in cells[site].items() if verdict == "blocked"}
    assert not blocked, f"every reference still resolves, nothing is blocked: {blocked}\n{reasons}"
    for site in SITES:
        expected = expectations.get(site)
        verdict = cells[site][cycle]
        if expected is None:
            assert verdict == "passed", f"{site} {cycle}: {verdict} {reasons.get(site, {}).get(cycle)}"
            continue
        assert verdict == "FAILED", f"{site} {cycle}: {verdict}\n{output[-3000:]}"
        assert any(expected in reason for reason in reasons[site][cycle]), reasons[site][cycle]
        assert expected in output, output[-3000:]
    others = {
        (site, name): verdict
        for site in SITES
        for name, verdict in cells[site].items()
        if name != cycle and verdict != "passed" and REGRESSIONS_FULL  # without it, only `cycle` ran
    }
    assert not others, f"every other cycle still passes: {others}\n{reasons}"
    exit_code = result.exit_code
    assert exit_code == 1, output[-3000:]


def _print_findings(result: UatResult, lines: Sequence[str] = ("Business expectation broken", "found:")) -> None:
    """The findings as the run printed them (shown with -s, kept in the test log)."""
    for line in result.output.splitlines():
        if any(marker in line for marker in lines):
            print(line)


# -- preventive maintenance -------------------------------------------------------------------------


def test_done_stage_that_no_longer_closes_a_request_fails_preventive_maintenance(
    meridian_target: MeridianTarget, run_uat: RunUat
) -> None:
    admin = meridian_target.admin
    completed = _one(admin, "maintenance.stage", [("name", "=", "Completed")])
    # History, as in any real database: West's ventilator was serviced once, so Odoo holds a completed request
    # and its next occurrence under the same name. Unticking the flag must not make the reference ambiguous.
    admin.write(
        "maintenance.request", [_current_request(admin, "PPM Ventilator MCW-VENT-017")], {"stage_id": completed}
    )
    assert len(admin.search("maintenance.request", [("name", "=", "PPM Ventilator MCW-VENT-017")])) == 2
    with regressed(admin, "maintenance.stage", completed, {"done": False}):
        result = _run_under_regression(run_uat, meridian_target, "preventive_maintenance")
    _print_findings(result)
    expectation = "Moving a request to the stage 'Completed' closes it ('Request Done' ticked on the stage)"
    assert_only_this_cycle_fails(result, "preventive_maintenance", {"EAST": expectation, "WEST": expectation})
    assert "found:     stage 'Completed': 'Request Done' not ticked" in result.output


def test_ventilator_serviced_less_often_than_the_site_expects_fails_preventive_maintenance(
    meridian_target: MeridianTarget, run_uat: RunUat
) -> None:
    admin = meridian_target.admin
    request = _current_request(admin, "PPM Ventilator MCW-VENT-017")
    with regressed(admin, "maintenance.request", request, {"repeat_interval": 6}):
        result = _run_under_regression(run_uat, meridian_target, "preventive_maintenance")
    _print_findings(result)
    assert_only_this_cycle_fails(
        result,
        "preventive_maintenance",
        {"WEST": "The next preventive maintenance of Ventilator (MCW-VENT-017) is due 4 months after the previous"},
    )
    assert "configured recurrence: every 6 month(s), forever" in result.output


def test_autoclave_request_no_longer_recurrent_fails_preventive_maintenance(
    meridian_target: MeridianTarget, run_uat: RunUat
) -> None:
    admin = meridian_target.admin
    request = _current_request(admin, "PPM Steam autoclave MCE-AUTO-003")
    with regressed(admin, "maintenance.request", request, {"recurring_maintenance": False}):
        result = _run_under_regression(run_uat, meridian_target, "preventive_maintenance")
    _print_findings(result)
    assert_only_this_cycle_fails(
        result,
        "preventive_maintenance",
        {"EAST": "The preventive maintenance request of Steam autoclave (MCE-AUTO-003) is configured to plan its next"},
    )
    assert "found:     'Recurrent' is off; preventive request in stage 'New Request'" in result.output


# -- requisition to receipt -------------------------------------------------------------------------


def _company(admin: JsonRpc) -> int:
    return _one(admin, "res.company", [("name", "=", "Meridian Care Partners")])


APPROVAL = "Purchases above 7,500.00 (tax included) need a purchase manager's approval"


def test_approval_minimum_raised_fails_requisition_to_receipt(meridian_target: MeridianTarget, run_uat: RunUat) -> None:
    admin = meridian_target.admin
    with regressed(admin, "res.company", _company(admin), {"po_double_validation_amount": 10000.0}):
        result = _run_under_regression(run_uat, meridian_target, "requisition_to_receipt")
    _print_findings(result)
    assert_only_this_cycle_fails(result, "requisition_to_receipt", {"EAST": APPROVAL, "WEST": APPROVAL})
    assert "po_double_validation='two_step', limit=10000.0" in result.output


def test_two_step_approval_switched_off_fails_requisition_to_receipt(
    meridian_target: MeridianTarget, run_uat: RunUat
) -> None:
    admin = meridian_target.admin
    with regressed(admin, "res.company", _company(admin), {"po_double_validation": "one_step"}):
        result = _run_under_regression(run_uat, meridian_target, "requisition_to_receipt")
    _print_findings(result)
    assert_only_this_cycle_fails(result, "requisition_to_receipt", {"EAST": APPROVAL, "WEST": APPROVAL})
    assert "po_double_validation='one_step', limit=7500.0" in result.output


def test_east_receipts_that_always_keep_a_backorder_fail_requisition_to_receipt(
    meridian_target: MeridianTarget, run_uat: RunUat
) -> None:
    admin = meridian_target.admin
    receipts = _one(admin, "stock.picking.type", [("warehouse_id.code", "=", "MCE"), ("sequence_code", "=", "IN")])
    with regressed(admin, "stock.picking.type", receipts, {"create_backorder": "always"}):
        result = _run_under_regression(run_uat, meridian_target, "requisition_to_receipt")
    _print_findings(result)
    assert_only_this_cycle_fails(
        result,
        "requisition_to_receipt",
        {"EAST": "The receipt type Receipts lets a short shipment close the receipt without a backorder"},
    )
    assert "'Create Backorder' is 'always': validating a short receipt always keeps a backorder" in result.output


# -- roles that share a user ------------------------------------------------------------------------


def test_a_requester_who_is_also_the_approver_blocks_only_the_approval_scenario(
    meridian_target: MeridianTarget, run_uat: RunUat, tmp_path: Path
) -> None:
    """EAST's profile gives the approval to its requester (who already receives): that scenario is blocked before
    any order is raised, exit 11; East's order within the limit and West still run and pass."""
    sites = tmp_path / "sites"
    sites.mkdir()
    for path in MERIDIAN_SITES.glob("*.yaml"):
        (sites / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    east = sites / "east.yaml"
    text = east.read_text(encoding="utf-8")
    assert "approver:       {login: j.adeyemi@meridiancare.example" in text
    east.write_text(text.replace("j.adeyemi@meridiancare.example", "m.santos@meridiancare.example"), "utf-8")

    result = run_uat(meridian_target, "run", "--sites-dir", str(sites), "--", "-m", "requisition_to_receipt")

    output = result.output
    readiness = result.readiness()
    assert readiness is not None, output[-3000:]
    assert result.exit_code == 11, output[-3000:]
    assert {site: readiness["sites"][site]["requisition_to_receipt"] for site in SITES} == {
        "EAST": "blocked",
        "WEST": "passed",
    }
    outcomes = {(row["site"], row["scenario"].split("[")[0]): row for row in readiness["scenarios"]}
    blocked = outcomes[
        ("EAST", "test_an_order_above_the_approval_limit_is_approved_received_short_with_lots_and_billed_on_receipt")
    ]
    assert blocked["outcome"] == "blocked"
    assert blocked["exit_code"] == 11
    assert blocked["reason"] == (
        f"{east}: roles.approver: site EAST: the requester and the approver are the same user "
        "'m.santos@meridiancare.example', which defeats the requisition_to_receipt test that the requester cannot "
        "approve the order; name a different approver for this site"
    )
    within = outcomes[("EAST", "test_an_order_within_the_approval_limit_is_confirmed_at_once_and_can_be_cancelled")]
    assert within["outcome"] == "passed"
    east_orders = meridian_target.admin.search("purchase.order", [("origin", "=like", f"{readiness['run_id']}/EAST/%")])
    assert len(east_orders) == 1, "the blocked scenario raised no order; the one order is the cancelled one"
