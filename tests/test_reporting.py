"""What leaves a run: business failures a signer can read, readiness by site and cycle (secrets: test_redaction)."""

from __future__ import annotations

from pathlib import Path

import pytest

from odoo_uat.actors import Actor, expect
from odoo_uat.config import DEFAULT_SITES_DIR, Secret, TargetSettings
from odoo_uat.cycles import CYCLE_NAMES
from odoo_uat.errors import (
    AuthenticationFailed,
    BusinessExpectationFailed,
    ExitCode,
    OdooError,
    OdooTimeout,
    OdooUserError,
    ProfileError,
    RecordRef,
    RoleUnavailable,
    TargetUnreachable,
)
from odoo_uat.gateway import OdooGateway, SessionPool
from odoo_uat.outcomes import Classified, Outcome, classify, run_exit_code
from odoo_uat.profiles import load_profile
from odoo_uat.references import ResolvedSite
from odoo_uat.reporting import CellResult, Readiness
from tests.test_gateway import RecordingTransport


def failure() -> BusinessExpectationFailed:
    return BusinessExpectationFailed(
        expectation="Purchases above 5,000.00 need a purchase manager's approval",
        site="CLINIC (Northside Clinic; company Harbour Health Group; warehouse NSC)",
        role="requester (nsc.requester)",
        found="state 'purchase' right after confirmation",
        record=RecordRef("purchase.order", 17, "P00017", "https://uat.example.org/odoo/purchase.order/17"),
        odoo_message="",
        details={"amount_total": "6,210.00"},
    )


def test_business_failure_names_expectation_site_role_record_and_what_was_found() -> None:
    error = failure()

    assert str(error).splitlines() == [
        "Business expectation broken: Purchases above 5,000.00 need a purchase manager's approval",
        "  site:      CLINIC (Northside Clinic; company Harbour Health Group; warehouse NSC)",
        "  role:      requester (nsc.requester)",
        "  record:    purchase.order #17 'P00017' <https://uat.example.org/odoo/purchase.order/17>",
        "  found:     state 'purchase' right after confirmation",
        "  Odoo said: (no error from Odoo)",
        "  amount_total: 6,210.00",
    ]
    assert isinstance(error, AssertionError)  # pytest reports it as a failure, not an error
    assert error.exit_code == ExitCode.SCENARIOS_FAILED


@pytest.fixture
def clinic() -> ResolvedSite:
    loaded = load_profile(DEFAULT_SITES_DIR / "clinic.yaml")
    return ResolvedSite(loaded, company_id=1, company_name="Harbour Health Group", warehouse_id=3)


@pytest.fixture
def requester(clinic: ResolvedSite) -> Actor:
    settings = TargetSettings(url="https://uat.example.org/", database="uat", user="admin", password=Secret("x"))
    gateway = OdooGateway(
        RecordingTransport("nsc.requester"),
        login="nsc.requester",
        base_url=settings.base_url,
        counter=SessionPool(settings).counter,
    )
    return Actor(role="requester", site=clinic, session=gateway)


def test_odoo_refusal_inside_doing_becomes_a_business_failure_with_odoo_words(requester: Actor) -> None:
    order = requester.record("purchase.order", 17, "P00017")

    with (
        pytest.raises(BusinessExpectationFailed) as broken,
        requester.doing("The requester confirms the RFQ", record=order),
    ):
        raise OdooUserError(
            "The vendor MedSupply Partners is blocked.", model="purchase.order", method="button_confirm"
        )

    error = broken.value
    assert error.expectation == "The requester confirms the RFQ"
    assert error.site == "CLINIC (Northside Clinic; company Harbour Health Group; warehouse NSC)"
    assert error.role == "requester (nsc.requester)"
    assert error.found == "Odoo refused purchase.order.button_confirm"
    assert error.odoo_message == "The vendor MedSupply Partners is blocked."
    assert "<https://uat.example.org/odoo/purchase.order/17>" in str(error)
    assert isinstance(error.__cause__, OdooUserError)


def test_expect_raises_only_when_the_expectation_breaks(requester: Actor, clinic: ResolvedSite) -> None:
    requester.expect(True, "The order waits for approval", found="state 'to approve'")

    with pytest.raises(BusinessExpectationFailed) as broken:
        expect(False, "The order waits for approval", site=clinic, role="approver", found="state 'draft'")

    assert broken.value.record is None
    assert "  record:    (none created yet)" in str(broken.value)
    assert "  found:     state 'draft'" in str(broken.value)


def test_readiness_verdicts_by_site_and_cycle() -> None:
    readiness = Readiness(run_id="UAT-20261129-013000-ab12")
    readiness.expected = {
        "CLINIC": {"requisition_to_receipt", "preventive_maintenance"},
        "HOSP": {"requisition_to_receipt"},
        "LAB": {"requisition_to_receipt"},
        "WARD": {"requisition_to_receipt", "month_end_close"},
        "DOWN": {"requisition_to_receipt"},
    }
    readiness.add("CLINIC", "requisition_to_receipt", Outcome.PASSED)
    readiness.add("CLINIC", "preventive_maintenance", Outcome.PASSED)
    readiness.add("HOSP", "requisition_to_receipt", Outcome.PASSED)
    readiness.add("HOSP", "requisition_to_receipt", CellResult(Outcome.FAILED, "Business expectation broken: x"))
    readiness.add("LAB", "requisition_to_receipt", CellResult(Outcome.BLOCKED, "Site LAB: the storekeeper ..."))
    readiness.add("WARD", "requisition_to_receipt", Outcome.PASSED)
    readiness.add("DOWN", "requisition_to_receipt", CellResult(Outcome.ENVIRONMENT, "Odoo stopped answering"))
    readiness.add("DOWN", "requisition_to_receipt", CellResult(Outcome.FAILED, "Business expectation broken: y"))

    assert readiness.verdict("CLINIC", "requisition_to_receipt") == "passed"
    assert readiness.verdict("CLINIC", "month_end_close") == "n/a"
    assert readiness.verdict("WARD", "month_end_close") == "not run"
    assert readiness.verdict("HOSP", "requisition_to_receipt") == "FAILED"
    assert readiness.verdict("LAB", "requisition_to_receipt") == "blocked"
    # an outage outranks a finding: nothing the cell found after Odoo went away can be trusted
    assert readiness.verdict("DOWN", "requisition_to_receipt") == "environment"
    assert readiness.reasons("LAB", "requisition_to_receipt") == ["Site LAB: the storekeeper ..."]
    lines = readiness.as_markdown().splitlines()
    assert lines[0] == "# UAT readiness by site, run UAT-20261129-013000-ab12"
    assert lines[2] == "| Site | " + " | ".join(CYCLE_NAMES) + " | Ready |"
    by_site = {line.split(" | ")[0].removeprefix("| "): line for line in lines[4:9]}
    assert by_site["CLINIC"].endswith("| yes |")
    assert by_site["WARD"].endswith("| incomplete |")
    assert by_site["HOSP"].endswith("| no |")
    assert by_site["LAB"].endswith("| unknown |")
    assert by_site["DOWN"].endswith("| unknown |")
    assert readiness.as_json()["sites"]["HOSP"]["requisition_to_receipt"] == "FAILED"
    assert readiness.as_json()["ready"] == {
        "CLINIC": "yes",
        "DOWN": "unknown",
        "HOSP": "no",
        "LAB": "unknown",
        "WARD": "incomplete",
    }


def test_a_per_company_cell_says_which_site_ran_it() -> None:
    readiness = Readiness(run_id="UAT-20261129-013000-ab12")
    readiness.expected = {"CLINIC": {"month_end_close"}, "HOSP": {"month_end_close"}}
    for site in ("CLINIC", "HOSP"):
        readiness.add(
            site, "month_end_close", CellResult(Outcome.FAILED, "Business expectation broken: z", via="CLINIC")
        )

    assert "| HOSP | n/a | n/a | n/a | n/a | FAILED (via CLINIC) | no |" in readiness.as_markdown()
    assert readiness.reasons("HOSP", "month_end_close") == [
        "Business expectation broken: z",
        "run once per company, via site CLINIC",
    ]


@pytest.mark.parametrize(
    ("outcomes", "exit_code"),
    [
        ([], ExitCode.OK),
        ([(Outcome.PASSED, ExitCode.OK)], ExitCode.OK),
        ([(Outcome.PASSED, ExitCode.OK), (Outcome.FAILED, ExitCode.SCENARIOS_FAILED)], ExitCode.SCENARIOS_FAILED),
        (
            [(Outcome.FAILED, ExitCode.SCENARIOS_FAILED), (Outcome.BLOCKED, ExitCode.AUTHENTICATION)],
            ExitCode.AUTHENTICATION,
        ),
        ([(Outcome.BLOCKED, ExitCode.PROFILE), (Outcome.ENVIRONMENT, ExitCode.ENVIRONMENT)], ExitCode.ENVIRONMENT),
        (
            [(Outcome.ENVIRONMENT, ExitCode.ENVIRONMENT), (Outcome.HARNESS_ERROR, ExitCode.HARNESS_ERROR)],
            ExitCode.HARNESS_ERROR,
        ),
    ],
)
def test_a_runs_exit_code_is_that_of_its_most_serious_outcome(
    outcomes: list[tuple[Outcome, ExitCode]], exit_code: ExitCode
) -> None:
    assert run_exit_code([Classified(outcome, code, "") for outcome, code in outcomes]) == exit_code


@pytest.mark.parametrize(
    ("error", "outcome", "exit_code"),
    [
        (failure(), Outcome.FAILED, ExitCode.SCENARIOS_FAILED),
        (
            OdooUserError("No.", model="purchase.order", method="button_confirm"),
            Outcome.FAILED,
            ExitCode.SCENARIOS_FAILED,
        ),
        (TargetUnreachable("Odoo stopped answering"), Outcome.ENVIRONMENT, ExitCode.ENVIRONMENT),
        (OdooTimeout("no answer within 60 s"), Outcome.ENVIRONMENT, ExitCode.ENVIRONMENT),
        (
            RoleUnavailable("LAB", "storekeeper", "hdl.storekeeper", AuthenticationFailed("refused")),
            Outcome.BLOCKED,
            ExitCode.AUTHENTICATION,
        ),
        (ProfileError("lab.yaml", "warehouse", "no such warehouse"), Outcome.BLOCKED, ExitCode.PROFILE),
        (KeyError("amount_total"), Outcome.HARNESS_ERROR, ExitCode.HARNESS_ERROR),
        (
            OdooError("connection to server failed", model="x", method="y", odoo_type="psycopg2.OperationalError"),
            Outcome.ENVIRONMENT,
            ExitCode.ENVIRONMENT,
        ),
    ],
)
def test_each_error_stands_for_one_outcome(error: Exception, outcome: Outcome, exit_code: ExitCode) -> None:
    classified = classify(error)

    assert (classified.outcome, classified.exit_code) == (outcome, exit_code)


def test_a_role_that_cannot_log_in_names_the_site_and_the_role() -> None:
    error = RoleUnavailable("LAB", "storekeeper", "hdl.storekeeper", AuthenticationFailed("wrong password"))

    assert str(error) == "Site LAB: the storekeeper (hdl.storekeeper) cannot act in this run: wrong password"


def test_no_readiness_file_when_no_scenario_ran(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makeconftest('pytest_plugins = ["fixtures.options", "odoo_uat.reporting"]\n')
    pytester.makepyfile(test_unit="def test_unit() -> None:\n    assert True\n")

    result = pytester.runpytest("--uat-report-dir", str(tmp_path / "run"))

    result.assert_outcomes(passed=1)
    assert not (tmp_path / "run").exists()
