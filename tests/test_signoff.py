"""The sign-off pack's model, the digest and the approvals, from RECORDED results (tests/signoff_run/).

tests/signoff_run/UAT-20261202-013000-5a9e is a trimmed composite of real runs of the bundled Odoo (reports/runs/):
CLINIC's requisition to receipt FAILED in the browser (the accountant's bill refused, with its screenshot), its
preventive maintenance and month-end close passed over RPC; LAB's requisition to receipt blocked (a role's password
unset), its preventive maintenance met an outage (environment), its month-end close passed. Requirement tags
(REQ-...) were added to the results' tag labels, as pytest-bdd records a feature's @REQ-... tags. Its
readiness-scorecard.json (and .md) was produced live: `uat readiness --run` on that run directory against a freshly
provisioned reference database, LAB's profile switching supplier_terms_and_vat off with its reason, and LAB's EDTA
tube's cost removed in LAB's company first (so one rule has more findings than the pack lists): CLINIC 54 % (two
rules with one finding each), LAB 50 % (product_cost_and_uom: 4 products without a cost).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from odoo_uat.cli import SIGNOFF_DECISIONS, main
from odoo_uat.config import PROJECT_ROOT
from odoo_uat.errors import ExitCode, InvalidInput, UnknownRunError, UnknownSiteError
from odoo_uat.signoff.approvals import (
    DECISIONS,
    STALE,
    SUPERSEDED,
    VALID,
    ApprovalStatus,
    approvals_dir,
    assess,
    go_live_verdict,
    load_approvals,
    newer_runs_of_site,
    record_approval,
)
from odoo_uat.signoff.digest import site_digest, site_results
from odoo_uat.signoff.model import (
    _AllureScenario,
    _match,
    example_of,
    load_run,
    parse_broken_expectation,
    resolve_run_dir,
)
from odoo_uat.signoff.pack import build_pack, read_site_facts
from odoo_uat.signoff.scorecard import read_scorecard, site_scorecard_document

RECORDED = PROJECT_ROOT / "tests" / "signoff_run"
RUN_ID = "UAT-20261202-013000-5a9e"
SITES_DIR = PROJECT_ROOT / "fixtures" / "sites"
CLINIC_FAILED = "3ac813af-f720-4c69-98a3-118302367262-result.json"
LAB_ENVIRONMENT = "4413ef1a-68f6-40e9-ba0f-827322fd7e6a-result.json"
SCORECARD = "readiness-scorecard.json"
CLINIC_OWNERS = {
    "procurement": "Helen Marsh",
    "inventory": "Owen Price",
    "biomedical": "Ravi Menon",
    "service": "Grace Liu",
    "finance": "Daniel Brooks",
}


def recorded_run(reports: Path, run_id: str = RUN_ID) -> Path:
    """A copy of the recorded run under reports/runs/, as `uat run` leaves it."""
    target = reports / "runs" / run_id
    shutil.copytree(RECORDED / RUN_ID, target)
    if run_id != RUN_ID:
        readiness = json.loads((target / "readiness.json").read_text(encoding="utf-8"))
        readiness["run_id"] = run_id
        (target / "readiness.json").write_text(json.dumps(readiness, indent=2), encoding="utf-8")
    return target


def newer_run_of(reports: Path, site: str, run_id: str = "UAT-20261202-020000-beef") -> Path:
    """A later run that ran one cycle for `site` only."""
    target = reports / "runs" / run_id
    (target / "allure-results").mkdir(parents=True)
    readiness = {
        "run_id": run_id,
        "interrupted": "",
        "exit_code": 0,
        "sites": {site: {"preventive_maintenance": "passed", "month_end_close": "not run"}},
        "reasons": {site: {}},
        "ready": {site: "incomplete"},
        "scenarios": [{"site": site, "cycle": "preventive_maintenance", "outcome": "passed", "scenario": "test_x"}],
    }
    (target / "readiness.json").write_text(json.dumps(readiness), encoding="utf-8")
    return target


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return recorded_run(tmp_path / "reports")


def test_the_model_reads_each_cell_with_its_scenarios_and_modes(run_dir: Path) -> None:
    run = load_run(run_dir)

    assert run.run_id == RUN_ID
    assert run.sites == ("CLINIC", "LAB")
    assert {(site, cycle): cell.verdict for (site, cycle), cell in run.cells.items() if cell.verdict != "not run"} == {
        ("CLINIC", "requisition_to_receipt"): "FAILED",
        ("CLINIC", "preventive_maintenance"): "passed",
        ("CLINIC", "month_end_close"): "passed",
        ("LAB", "requisition_to_receipt"): "blocked",
        ("LAB", "preventive_maintenance"): "environment",
        ("LAB", "month_end_close"): "passed",
    }
    requisition = run.cell("CLINIC", "requisition_to_receipt")
    assert requisition.modes == ("browser",)
    assert [scenario.outcome for scenario in requisition.scenarios] == ["FAILED", "passed"]
    assert all(scenario.result_file for scenario in run.scenarios), "every readiness scenario found its Allure result"
    assert run.cell("LAB", "preventive_maintenance").modes == ("browser",)
    assert run.ready == {"CLINIC": "no", "LAB": "unknown"}
    assert run.features == ("Month-end close", "Preventive maintenance", "Requisition to receipt")


def test_a_broken_expectation_keeps_expectation_site_role_record_and_odoos_words_with_its_screen(
    run_dir: Path,
) -> None:
    failed = next(scenario for scenario in load_run(run_dir).scenarios if scenario.outcome == "FAILED")

    assert failed.broken is not None
    assert failed.evidence is not None
    assert failed.broken.expectation == "The accountant can create the vendor bill from the order"
    assert failed.broken.site.startswith("CLINIC (Northside Clinic")
    assert failed.broken.role == "accountant (hhg.accountant)"
    assert failed.broken.record == "purchase.order #13 'P00013'"
    assert failed.broken.record_url == "http://127.0.0.1:8069/odoo/purchase.order/13"
    assert failed.broken.found == "Odoo refused purchase.order.action_create_invoice"
    assert failed.broken.odoo_said == "Invalid fields: (invalid on screen: invoice_date)"
    assert failed.evidence.failed_step == "When the accountant bills the order"
    assert failed.evidence.screenshot is not None
    assert failed.evidence.screenshot.read_bytes()[:4] == b"\x89PNG"


def test_a_message_that_is_not_a_broken_expectation_is_not_parsed_as_one() -> None:
    assert parse_broken_expectation("odoo_uat.errors.OdooTimeout: Odoo did not answer within 60 s") is None
    parsed = parse_broken_expectation(
        "Business expectation broken: Stock rises\n  site:      LAB\n  role:      storekeeper (x)\n"
        "  record:    (none created yet)\n  found:     12\n  Odoo said: (no error from Odoo)\n  lot:       L-1"
    )
    assert parsed is not None
    assert parsed.odoo_said == ""
    assert parsed.details == (("lot", "L-1"),)


def test_requirements_are_traced_to_their_scenarios_and_results(run_dir: Path) -> None:
    run = load_run(run_dir)
    traced = run.requirements(["CLINIC", "LAB"])

    assert list(traced) == ["REQ-BME-001", "REQ-FIN-001", "REQ-FIN-002", "REQ-PUR-001", "REQ-PUR-002"]
    assert [(scenario.site, scenario.outcome) for scenario in traced["REQ-PUR-001"]] == [
        ("CLINIC", "FAILED"),
        ("CLINIC", "passed"),
        ("LAB", "blocked"),
        ("LAB", "blocked"),
    ]
    assert [(scenario.site, scenario.outcome) for scenario in traced["REQ-BME-001"]] == [
        ("CLINIC", "passed"),
        ("LAB", "environment"),
    ]
    assert list(run.requirements(["LAB"])) == [
        "REQ-BME-001",
        "REQ-FIN-001",
        "REQ-FIN-002",
        "REQ-PUR-001",
        "REQ-PUR-002",
    ]


def test_a_run_is_found_by_id_or_directory_and_an_unknown_or_unfinished_one_is_refused(
    tmp_path: Path, run_dir: Path
) -> None:
    reports = tmp_path / "reports"
    assert resolve_run_dir(RUN_ID, reports) == run_dir
    assert resolve_run_dir(str(run_dir), reports) == run_dir
    with pytest.raises(UnknownRunError, match="the latest runs there: UAT-20261202-013000-5a9e"):
        resolve_run_dir("UAT-20991231-000000-dead", reports)
    (reports / "runs" / ".UAT-20261202-030000-aaaa.partial").mkdir()
    with pytest.raises(UnknownRunError, match="has not finished"):
        resolve_run_dir("UAT-20261202-030000-aaaa", reports)
    assert UnknownRunError("x").exit_code == ExitCode.UNKNOWN_RUN
    assert int(ExitCode.UNKNOWN_RUN) == 14


# -- the digest --------------------------------------------------------------------------------------------------


def test_the_digest_covers_exactly_the_sites_readiness_results_and_their_attachments(run_dir: Path) -> None:
    clinic = site_results(run_dir, "CLINIC")
    lab = site_results(run_dir, "LAB")

    assert CLINIC_FAILED in clinic["allure_results"]
    assert LAB_ENVIRONMENT in lab["allure_results"]
    assert not set(clinic["allure_results"]) & set(lab["allure_results"])
    assert len(clinic["allure_results"]) == 4
    assert len(lab["allure_results"]) == 4
    assert {entry["site"] for entry in clinic["readiness"]["scenarios"]} == {"CLINIC"}
    assert clinic["readiness"]["cells"]["requisition_to_receipt"] == "FAILED"
    assert "6d57a848-371a-4c87-bfef-2a3d98f7eae5-attachment.png" in clinic["attachments"]
    assert "missing" not in clinic["attachments"].values()
    assert site_digest(run_dir, "CLINIC") == site_digest(run_dir, "CLINIC")
    assert site_digest(run_dir, "CLINIC").startswith("sha256:")
    assert len(site_digest(run_dir, "CLINIC")) == 71


def test_the_digest_covers_the_sites_scorecard_entry_and_the_target_it_was_measured_on(run_dir: Path) -> None:
    clinic = site_results(run_dir, "CLINIC")["scorecard"]
    lab = site_results(run_dir, "LAB")["scorecard"]

    assert clinic["file"] == SCORECARD
    assert clinic["target"] == {"url": "http://127.0.0.1:8069", "database": "h10s_ref"}
    assert (clinic["site"]["site"], clinic["site"]["readiness_percent"]) == ("CLINIC", 54)
    assert (lab["site"]["site"], lab["site"]["readiness_percent"]) == ("LAB", 50)
    assert [rule["status"] for rule in lab["site"]["data_quality"]["rules"]] == [
        "clean",
        "clean",
        "findings",
        "off",
        "clean",
        "clean",
    ]
    assert site_scorecard_document(run_dir, "HOSP") == {
        "file": SCORECARD,
        "target": clinic["target"],
        "site": None,
    }


def _edit_scorecard(run_dir: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = run_dir / SCORECARD
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def _clinic(document: dict[str, Any]) -> dict[str, Any]:
    return next(site for site in document["sites"] if site["site"] == "CLINIC")


def test_a_hand_edit_of_the_scorecard_changes_that_sites_digest_only(run_dir: Path) -> None:
    def digests() -> dict[str, str]:
        return {site: site_digest(run_dir, site) for site in ("CLINIC", "LAB")}

    before = digests()
    _edit_scorecard(run_dir, lambda document: document.update(generated="2026-12-09T10:00:00+00:00"))
    assert digests() == before, "measured again to the same result: the approved content is unchanged"

    _edit_scorecard(run_dir, lambda document: _clinic(document).update(readiness_percent=100))
    assert site_digest(run_dir, "CLINIC") != before["CLINIC"]
    assert site_digest(run_dir, "LAB") == before["LAB"]

    (run_dir / SCORECARD).write_text("{ not JSON", encoding="utf-8")
    unreadable = digests()
    (run_dir / SCORECARD).unlink()
    absent = digests()
    assert len({before["CLINIC"], unreadable["CLINIC"], absent["CLINIC"]}) == 3
    assert len({before["LAB"], unreadable["LAB"], absent["LAB"]}) == 3


def test_an_approval_is_stale_after_the_scorecard_is_edited_by_hand(tmp_path: Path, run_dir: Path) -> None:
    approvals = tmp_path / "approvals"
    approval = record_approval(
        run_dir, "CLINIC", by="Helen Marsh", role="procurement", decision="approve", directory=approvals
    )

    def status() -> ApprovalStatus:
        recorded, _ = load_approvals(approvals, RUN_ID, "CLINIC")
        return assess(recorded, run_dir, RUN_ID, "CLINIC", CLINIC_OWNERS)[-1]

    assert json.loads(approval.path.read_text(encoding="utf-8"))["results"]["readiness_percent"] == 54
    assert status().state == VALID

    def supplier_fixed(document: dict[str, Any]) -> None:  # as if someone hid the finding the owner was shown
        rule = next(
            rule for rule in _clinic(document)["data_quality"]["rules"] if rule["rule"] == "supplier_terms_and_vat"
        )
        rule.update(status="clean", findings=[])

    _edit_scorecard(run_dir, supplier_fixed)

    assert status().state == STALE
    assert status().reasons[0].startswith("the results under it changed since it was recorded (approved sha256:")


def test_without_a_scorecard_the_pack_says_so_and_how_to_produce_it(tmp_path: Path, run_dir: Path) -> None:
    (run_dir / SCORECARD).unlink()
    (run_dir / "readiness-scorecard.md").unlink()

    files = build_pack(run_dir, sites_dir=SITES_DIR, approvals_directory=tmp_path / "approvals", pdf=False)

    assert files.notes == [
        f"run {RUN_ID} has no readable readiness scorecard (absent); the pack says so: "
        f"`uat readiness --run {RUN_ID}` writes it, then build the pack again"
    ]
    for name in ("ALL.html", "CLINIC.html"):
        page = (run_dir / "signoff" / name).read_text(encoding="utf-8")
        section = page[page.index('<section id="scorecard">') : page.index('<section id="traceability">')]
        assert "No readiness scorecard for these results: the run directory has no readiness-scorecard.json" in section
        assert f"uat readiness --run {RUN_ID}` (read-only) writes it into the run directory" in section
        assert "rule-" not in section
        assert "No readiness scorecard for these results" in page[page.index('<section id="open-items">') :]
    assert read_scorecard(run_dir).state == "absent"


def test_a_scorecard_that_took_a_sites_status_from_another_run_says_so_on_the_page(
    tmp_path: Path, run_dir: Path
) -> None:
    _edit_scorecard(run_dir, lambda document: _clinic(document).update(run_id="UAT-20261201-090000-aaaa"))

    build_pack(run_dir, sites_dir=SITES_DIR, approvals_directory=tmp_path / "approvals", sites=["CLINIC"], pdf=False)

    page = (run_dir / "signoff" / "CLINIC.html").read_text(encoding="utf-8")
    assert "This scorecard took CLINIC's UAT status from run UAT-20261201-090000-aaaa, not from this run" in page
    assert f"uat readiness --run {RUN_ID}" in page


def test_the_pack_reads_each_sites_scorecard_with_its_first_findings(run_dir: Path) -> None:
    scorecard = read_scorecard(run_dir)
    lab = scorecard.sites["LAB"]
    costs = next(rule for rule in lab.rules if rule.rule == "product_cost_and_uom")
    suppliers = next(rule for rule in lab.rules if rule.rule == "supplier_terms_and_vat")

    assert (scorecard.state, scorecard.database, sorted(scorecard.sites)) == ("present", "h10s_ref", ["CLINIC", "LAB"])
    assert (lab.readiness, lab.met, lab.of, lab.run_id) == (50, 5, 10, RUN_ID)
    assert [(cycle.cycle, cycle.verdict) for cycle in lab.cycles][:3] == [
        ("requisition_to_receipt", "blocked"),
        ("transfer_to_consumption", "not run"),
        ("preventive_maintenance", "environment"),
    ]
    assert (costs.status, costs.count, costs.checked) == ("findings", 4, 5)
    assert [finding.name for finding in costs.first] == [
        "[LAB-REAG-CBC] Haematology reagent pack (CBC), 1 l",
        "[MS-SYR-10] Syringe 10 ml, Luer lock",
        "[MS-CANN-IV-22] IV cannula 22G",
    ]
    assert (suppliers.status, suppliers.note) == (
        "off",
        "LabChem Diagnostics is contracted and paid by the group's shared services; finance checks its terms and "
        "tax id (CR-207)",
    )


def test_a_hand_edit_changes_that_sites_digest_only_and_a_reformatting_changes_none(run_dir: Path) -> None:
    before = {site: site_digest(run_dir, site) for site in ("CLINIC", "LAB")}
    result = run_dir / "allure-results" / CLINIC_FAILED
    data = json.loads(result.read_text(encoding="utf-8"))
    result.write_text(json.dumps(data, indent=4, sort_keys=True), encoding="utf-8")  # same content, other layout
    assert {site: site_digest(run_dir, site) for site in ("CLINIC", "LAB")} == before

    data["status"] = "passed"
    result.write_text(json.dumps(data), encoding="utf-8")
    assert site_digest(run_dir, "CLINIC") != before["CLINIC"]
    assert site_digest(run_dir, "LAB") == before["LAB"]


def test_an_edited_screenshot_or_readiness_cell_changes_the_digest(run_dir: Path) -> None:
    before = site_digest(run_dir, "CLINIC")
    screenshot = run_dir / "allure-results" / "6d57a848-371a-4c87-bfef-2a3d98f7eae5-attachment.png"
    screenshot.write_bytes(screenshot.read_bytes() + b"\0")
    after_screenshot = site_digest(run_dir, "CLINIC")
    readiness = json.loads((run_dir / "readiness.json").read_text(encoding="utf-8"))
    readiness["sites"]["CLINIC"]["requisition_to_receipt"] = "passed"
    (run_dir / "readiness.json").write_text(json.dumps(readiness), encoding="utf-8")

    assert len({before, after_screenshot, site_digest(run_dir, "CLINIC")}) == 3


# -- approvals -----------------------------------------------------------------------------------------------------


def test_an_approval_is_one_plain_json_file_with_sorted_keys_bound_to_the_digest(tmp_path: Path, run_dir: Path) -> None:
    approvals = tmp_path / "approvals"
    moment = datetime(2026, 12, 2, 4, 30, 12, tzinfo=UTC)
    approval = record_approval(
        run_dir,
        "clinic",
        by="  Helen   Marsh ",
        role="procurement",
        decision="approve-with-conditions",
        comment="the bill date on screen is fixed before go-live",
        directory=approvals,
        now=moment,
    )

    assert approval.path == approvals / RUN_ID / "CLINIC" / "20261202T043012Z-procurement.json"
    text = approval.path.read_text(encoding="utf-8")
    document = json.loads(text)
    assert list(document) == sorted(document)
    assert text.endswith("}\n")
    assert "\n  " in text
    assert document["by"] == "Helen Marsh"
    assert document["site"] == "CLINIC"
    assert document["digest"] == site_digest(run_dir, "CLINIC")
    assert document["recorded_at"] == "2026-12-02T04:30:12Z"
    assert document["results"]["cells"]["requisition_to_receipt"] == "FAILED"
    assert [path.name for path in approval.path.parent.iterdir()] == [approval.path.name]  # no temporary file left


def test_an_approval_is_valid_then_stale_after_a_newer_run_of_its_site(tmp_path: Path, run_dir: Path) -> None:
    approvals = tmp_path / "approvals"
    for site, person in (("CLINIC", "Helen Marsh"), ("LAB", "Nadia Rossi")):
        record_approval(run_dir, site, by=person, role="procurement", decision="approve", directory=approvals)

    def state(site: str, owners: dict[str, str]) -> ApprovalStatus:
        recorded, _ = load_approvals(approvals, RUN_ID, site)
        return assess(recorded, run_dir, RUN_ID, site, owners)[-1]

    assert state("LAB", {"procurement": "Nadia Rossi"}).state == VALID
    assert state("LAB", {"procurement": "Nadia Rossi"}).counts
    newer_run_of(tmp_path / "reports", "LAB")

    lab = state("LAB", {"procurement": "Nadia Rossi"})
    assert lab.state == STALE
    assert not lab.counts
    assert lab.reasons == ("a newer run of LAB exists: UAT-20261202-020000-beef",)
    assert state("CLINIC", CLINIC_OWNERS).state == VALID, "a newer run of another site leaves CLINIC's approval valid"
    assert newer_runs_of_site(run_dir.parent, RUN_ID, "CLINIC") == []


def test_an_approval_is_stale_after_a_result_file_is_edited_by_hand(tmp_path: Path, run_dir: Path) -> None:
    approvals = tmp_path / "approvals"
    record_approval(run_dir, "CLINIC", by="Helen Marsh", role="procurement", decision="approve", directory=approvals)
    result = run_dir / "allure-results" / CLINIC_FAILED
    result.write_text(result.read_text(encoding="utf-8").replace('"status": "failed"', '"status": "passed"', 1))

    recorded, _ = load_approvals(approvals, RUN_ID, "CLINIC")
    [status] = assess(recorded, run_dir, RUN_ID, "CLINIC", CLINIC_OWNERS)

    assert status.state == STALE
    assert status.reasons[0].startswith("the results under it changed since it was recorded (approved sha256:")


def test_a_later_decision_of_the_same_role_supersedes_the_earlier_which_stays_on_file(
    tmp_path: Path, run_dir: Path
) -> None:
    approvals = tmp_path / "approvals"
    for minute, decision in ((30, "reject"), (45, "approve")):
        record_approval(
            run_dir,
            "CLINIC",
            by="Helen Marsh",
            role="procurement",
            decision=decision,
            directory=approvals,
            now=datetime(2026, 12, 2, 4, minute, tzinfo=UTC),
        )
    recorded, problems = load_approvals(approvals, RUN_ID, "CLINIC")
    statuses = assess(recorded, run_dir, RUN_ID, "CLINIC", CLINIC_OWNERS)

    assert problems == []
    assert [(status.approval.decision, status.state) for status in statuses] == [
        ("reject", SUPERSEDED),
        ("approve", VALID),
    ]


def test_go_live_needs_a_valid_approval_by_each_named_process_owner(tmp_path: Path, run_dir: Path) -> None:
    approvals = tmp_path / "approvals"

    def verdict() -> tuple[str, tuple[str, ...]]:
        recorded, _ = load_approvals(approvals, RUN_ID, "CLINIC")
        result = go_live_verdict("no", CLINIC_OWNERS, assess(recorded, run_dir, RUN_ID, "CLINIC", CLINIC_OWNERS))
        return result.label, result.reasons

    assert verdict()[0] == "PENDING"
    assert len(verdict()[1]) == 5
    for role, person in CLINIC_OWNERS.items():
        record_approval(run_dir, "CLINIC", by=person, role=role, decision="approve", directory=approvals)
    label, reasons = verdict()
    assert label == "GO WITH CONDITIONS"
    assert reasons == ("readiness is 'no': the owners approved with open items (listed in this pack)",)
    record_approval(run_dir, "CLINIC", by="Someone Else", role="finance", decision="approve", directory=approvals)
    assert verdict() == ("PENDING", ("no valid approval from the finance owner (Daniel Brooks)",))
    record_approval(
        run_dir, "CLINIC", by="Daniel Brooks", role="finance", decision="reject", comment="no bill", directory=approvals
    )
    assert verdict() == ("NO GO", ("Daniel Brooks (finance) rejected: no bill",))
    assert go_live_verdict("yes", {}, []).label == "PENDING"


def test_go_for_a_ready_site_with_every_owner_approving(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    run_dir = recorded_run(reports)
    readiness = json.loads((run_dir / "readiness.json").read_text(encoding="utf-8"))
    readiness["ready"]["CLINIC"] = "yes"
    (run_dir / "readiness.json").write_text(json.dumps(readiness), encoding="utf-8")
    approvals = tmp_path / "approvals"
    for role, person in CLINIC_OWNERS.items():
        record_approval(run_dir, "CLINIC", by=person, role=role, decision="approve", directory=approvals)
    recorded, _ = load_approvals(approvals, RUN_ID, "CLINIC")

    assert (
        go_live_verdict("yes", CLINIC_OWNERS, assess(recorded, run_dir, RUN_ID, "CLINIC", CLINIC_OWNERS)).label == "GO"
    )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"site": "NOPE"}, UnknownSiteError),
        ({"decision": "maybe"}, InvalidInput),
        ({"role": "Procurement Lead"}, InvalidInput),
        ({"by": "   "}, InvalidInput),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    tmp_path: Path, run_dir: Path, change: dict[str, str], error: type[Exception]
) -> None:
    given = {"site": "CLINIC", "by": "Helen Marsh", "role": "procurement", "decision": "approve", **change}
    approvals = tmp_path / "approvals"

    with pytest.raises(error):
        record_approval(
            run_dir, given["site"], by=given["by"], role=given["role"], decision=given["decision"], directory=approvals
        )
    assert not approvals.exists()


def test_the_approvals_directory_is_the_option_then_the_environment_then_the_reports_dir(tmp_path: Path) -> None:
    assert approvals_dir(tmp_path / "mine", {"UAT_APPROVALS_DIR": "/elsewhere"}) == tmp_path / "mine"
    assert approvals_dir(None, {"UAT_APPROVALS_DIR": "/elsewhere"}) == Path("/elsewhere")
    assert approvals_dir(None, {"UAT_REPORTS_DIR": str(tmp_path)}) == tmp_path / "approvals"


def test_the_profiles_name_their_process_owners() -> None:
    facts, notes = read_site_facts(SITES_DIR)
    meridian, meridian_notes = read_site_facts(PROJECT_ROOT / "tests" / "rollouts" / "meridian" / "sites")

    assert facts["CLINIC"].owners == CLINIC_OWNERS
    assert all(set(site.owners) == set(CLINIC_OWNERS) for site in [*facts.values(), *meridian.values()])
    assert notes == []
    assert meridian_notes == []


# -- the command line ----------------------------------------------------------------------------------------------


def test_cli_decisions_are_the_stores() -> None:
    assert SIGNOFF_DECISIONS == DECISIONS


def test_uat_signoff_approve_records_and_says_valid_then_stale(
    tmp_path: Path, run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UAT_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("UAT_APPROVALS_DIR", str(tmp_path / "programme-approvals"))
    runner = CliRunner()
    args = ["signoff", "approve", RUN_ID, "--site", "LAB", "--by", "Nadia Rossi", "--role", "procurement"]

    first = runner.invoke(main, [*args, "--decision", "approve", "--sites-dir", str(SITES_DIR)])
    assert first.exit_code == 0, first.output
    assert "it is valid" in first.output
    assert len(list((tmp_path / "programme-approvals" / RUN_ID / "LAB").glob("*.json"))) == 1

    newer_run_of(tmp_path / "reports", "LAB")
    second = runner.invoke(main, [*args, "--decision", "reject", "--sites-dir", str(SITES_DIR)])
    assert second.exit_code == 0, second.output
    assert "it is STALE: a newer run of LAB exists: UAT-20261202-020000-beef" in second.output


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["UAT-20991231-000000-dead", "--site", "LAB"], ExitCode.UNKNOWN_RUN, "No finished run"),
        ([RUN_ID, "--site", "HOSP"], ExitCode.UNKNOWN_SITE, "has no results for site HOSP"),
        ([RUN_ID, "--site", "LAB", "--decision", "maybe"], ExitCode.USAGE, "'maybe' is not one of"),
        ([RUN_ID, "--site", "LAB", "--role", "Head of Finance"], ExitCode.USAGE, "a process owner role is a plain"),
    ],
)
def test_uat_signoff_approve_refuses_bad_input_with_its_code_and_writes_nothing(
    tmp_path: Path, run_dir: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], code: ExitCode, says: str
) -> None:
    monkeypatch.setenv("UAT_REPORTS_DIR", str(tmp_path / "reports"))
    approvals = tmp_path / "programme-approvals"
    defaults = {"--by": "Nadia Rossi", "--role": "procurement", "--decision": "approve"}
    given = args + [item for key, value in defaults.items() if key not in args for item in (key, value)]

    result = CliRunner().invoke(main, ["signoff", "approve", *given, "--approvals-dir", str(approvals)])

    assert result.exit_code == int(code), result.output
    assert says in result.output
    assert not approvals.exists()


def test_uat_signoff_refuses_an_unknown_run_or_site(
    tmp_path: Path, run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UAT_REPORTS_DIR", str(tmp_path / "reports"))
    runner = CliRunner()

    unknown_run = runner.invoke(main, ["signoff", "UAT-20991231-000000-dead", "--no-pdf"])
    unknown_site = runner.invoke(main, ["signoff", RUN_ID, "--site", "HOSP", "--no-pdf"])

    assert unknown_run.exit_code == ExitCode.UNKNOWN_RUN
    assert unknown_site.exit_code == ExitCode.UNKNOWN_SITE
    assert not (run_dir / "signoff").exists()


def test_without_requirement_tags_the_pack_says_there_is_nothing_to_trace(tmp_path: Path, run_dir: Path) -> None:
    for path in (run_dir / "allure-results").glob("*-result.json"):
        path.write_text(path.read_text(encoding="utf-8").replace('"value": "REQ-', '"value": "X-'), encoding="utf-8")

    files = build_pack(run_dir, sites_dir=SITES_DIR, approvals_directory=tmp_path / "approvals", pdf=False)

    page = (run_dir / "signoff" / "ALL.html").read_text(encoding="utf-8")
    assert [path.name for path in files.html] == ["CLINIC.html", "LAB.html", "ALL.html"]
    assert files.pdf == []
    assert "No scenario of this run carries a requirement tag" in page
    assert "REQ-PUR-002" not in page
    assert "REQ-BME-001" not in page


def test_uat_signoff_builds_the_pages_into_the_run_directory_and_says_the_verdicts(
    tmp_path: Path, run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UAT_REPORTS_DIR", str(tmp_path / "reports"))

    result = CliRunner().invoke(main, ["signoff", RUN_ID, "--no-pdf", "--site", "LAB", "--sites-dir", str(SITES_DIR)])

    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (run_dir / "signoff").iterdir()) == ["ALL.html", "LAB.html"]
    assert result.output.splitlines()[-1].startswith(f"uat: sign-off pack of run {RUN_ID} in ")
    assert result.output.splitlines()[-1].endswith("; go-live: LAB PENDING")


def _outline_result(file: str, start: int, equipment: str, interval: str) -> _AllureScenario:
    data = {
        "name": "Each piece of the site's equipment is planned again at its own preventive interval",
        "parameters": [
            {"name": "site", "value": "CLINIC, HOSP, LAB"},
            {"name": "equipment", "value": equipment},
            {"name": "interval", "value": interval},
            {"name": "site_code", "value": "'CLINIC'"},
            {"name": "run", "value": "'UAT-1'", "excluded": True},
        ],
    }
    return _AllureScenario(file, data, "CLINIC", "preventive_maintenance", "test_each_piece", start)


def test_each_examples_row_is_told_apart_by_its_values_and_matched_to_its_own_result() -> None:
    # the rows ran in the other order than their results' files sort: each readiness entry still finds its own
    second = _outline_result("a.json", 1, '"second device"', "6 months")
    default = _outline_result("b.json", 2, "site's equipment", "the site's interval")
    entry = {"site": "CLINIC", "cycle": "preventive_maintenance"}

    first_row = _match(
        {**entry, "scenario": "test_each_piece[CLINIC-site's equipment-the site's interval]"}, [second, default]
    )
    second_row = _match(
        {**entry, "scenario": 'test_each_piece[CLINIC-CLINIC, HOSP, LAB-"second device"-6 months]'}, [second, default]
    )

    assert (first_row, second_row) == (default, second)
    # in the pack, a row reads with its own values; the site column and the run id are not a row's values
    assert example_of(second.data) == 'equipment "second device", interval 6 months'
