"""Which scenario runs for which site: a miniature project on the harness's own plugins, run by pytester.

The miniature has three sites (NORTH and SOUTH share a company, LAB is its own; SOUTH has no
requisition-to-receipt section) and three features: one untagged, one `@per_company`, one tagged with a
cycle. Its steps only read `site_code`, so no Odoo is needed even when ODOO_URL is set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fixtures.options
from odoo_uat.errors import ExitCode
from tests.support import CLINIC_PROFILE

MINI_CONFTEST = """
from __future__ import annotations

import os

from pytest_bdd import given, then

from odoo_uat.errors import (
    AuthenticationFailed,
    BusinessExpectationFailed,
    RecordRef,
    RoleUnavailable,
    TargetUnreachable,
)

pytest_plugins = ["fixtures.options", "fixtures.target", "odoo_uat.reporting"]


@given("the scenario runs for its site")
def runs_for_its_site(site_code: str) -> None:
    assert site_code in {"NORTH", "SOUTH", "LAB"}


@then("the site's supplies arrive, except at the laboratory")
def supplies_arrive(site_code: str) -> None:
    if site_code == "LAB":
        raise BusinessExpectationFailed(
            expectation="The storekeeper receives the supplier's lots into the site's stock",
            site="LAB (Harbour Diagnostics Laboratory)",
            role="storekeeper (hdl.storekeeper)",
            found="0 of 18 units received",
            record=RecordRef("stock.picking", 42, "HDL/IN/00007", "https://uat.example.org/odoo/stock.picking/42"),
            odoo_message="You need to supply a Lot/Serial number for product: Reagent (session "
            + os.environ["UAT_ROLE_PASSWORD"]
            + ")",
        )


@then("the site meets the fate the test chose for it")
def fate(site_code: str) -> None:
    chosen = dict(item.split("=") for item in os.environ.get("FATES", "").split(",") if item).get(site_code)
    if chosen == "blocked":
        raise RoleUnavailable(site_code, "storekeeper", "hdl.storekeeper", AuthenticationFailed("login refused"))
    if chosen == "environment":
        raise TargetUnreachable("Odoo stopped answering during stock.picking.button_validate")
    if chosen == "harness":
        raise KeyError("amount_total")
"""

FATES_FEATURE = (
    "@requisition_to_receipt\nFeature: Fates\n  Scenario: Meets its fate\n    Given the scenario runs for its site\n"
    "    Then the site meets the fate the test chose for it\n"
)

FEATURES = {
    "every_site": "Feature: Every site\n  Scenario: Runs at each site\n    Given the scenario runs for its site\n",
    "per_company": (
        "@per_company\nFeature: Once per company\n"
        "  Scenario: Runs once for each company\n    Given the scenario runs for its site\n"
    ),
    "requisition_to_receipt": (
        "@requisition_to_receipt\nFeature: Requisition to receipt\n"
        "  Scenario: Supplies arrive\n    Given the scenario runs for its site\n"
        "    Then the site's supplies arrive, except at the laboratory\n"
    ),
}

INI = """
[pytest]
bdd_features_base_dir = features/
filterwarnings = ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning
markers =
    live: needs a real Odoo target
    per_company: once per company
    requisition_to_receipt: the requisition-to-receipt cycle
"""


def profile(code: str, company: str, warehouse: str, *, cycle: bool) -> str:
    text = CLINIC_PROFILE.format(warehouse=warehouse)
    text = text.replace("code: CLINIC", f"code: {code}").replace("Harbour Health Group", company)
    return text if cycle else text.split("requisition_to_receipt:")[0]


@pytest.fixture
def mini(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(MINI_CONFTEST)
    pytester.makefile(".ini", pytest=INI)
    features = pytester.mkdir("features")
    for name, text in FEATURES.items():
        (features / f"{name}.feature").write_text(text, encoding="utf-8")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "test_features.py").write_text(
        'from pytest_bdd import scenarios\n\nscenarios(".")\n', encoding="utf-8"
    )
    sites = pytester.mkdir("sites")
    (sites / "north.yaml").write_text(profile("NORTH", "Harbour Health Group", "NSC", cycle=True), "utf-8")
    (sites / "south.yaml").write_text(profile("SOUTH", "Harbour Health Group", "HGH", cycle=False), "utf-8")
    (sites / "lab.yaml").write_text(profile("LAB", "Harbour Diagnostics Ltd", "HDL", cycle=True), "utf-8")
    pytester.makepyfile(test_plain="def test_plain_unit_test() -> None:\n    assert 1 + 1 == 2\n")
    # The harness treats what is under its scenarios directory as the live suite; here, the miniature's.
    monkeypatch.setattr(fixtures.options, "SCENARIOS_DIR", pytester.path / "scenarios")
    monkeypatch.setenv("UAT_SITES_DIR", str(sites))
    monkeypatch.setenv("UAT_ROLE_PASSWORD", "Role-Secret-2026")
    return pytester


def collected_ids(result: pytest.RunResult) -> list[str]:
    return sorted(line.split("::")[1] for line in result.outlines if line.startswith("scenarios/"))


def test_each_scenario_runs_per_site_per_company_or_per_cycle_section(
    mini: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ODOO_URL", "http://odoo.invalid")

    result = mini.runpytest("--collect-only", "-q", "scenarios")

    assert collected_ids(result) == [
        "test_runs_at_each_site[LAB]",
        "test_runs_at_each_site[NORTH]",
        "test_runs_at_each_site[SOUTH]",
        "test_runs_once_for_each_company[LAB]",
        "test_runs_once_for_each_company[NORTH]",
        "test_supplies_arrive[LAB]",
        "test_supplies_arrive[NORTH]",
    ]
    result.stdout.fnmatch_lines(["7 tests collected*"])


def test_site_option_limits_the_sites_and_a_cycle_no_selected_site_has_is_deselected(
    mini: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ODOO_URL", "http://odoo.invalid")

    result = mini.runpytest("-v", "scenarios", "--uat-site", "south")

    result.assert_outcomes(passed=2, deselected=1)
    result.stdout.fnmatch_lines(
        ["*test_runs_at_each_site?SOUTH? PASSED*", "*test_runs_once_for_each_company?SOUTH? PASSED*"]
    )
    assert result.ret == pytest.ExitCode.OK


def test_without_odoo_url_scenarios_are_deselected_not_skipped(mini: pytest.Pytester) -> None:
    result = mini.runpytest()

    result.assert_outcomes(passed=1, deselected=7)
    assert result.ret == pytest.ExitCode.OK
    assert "skipped" not in result.parseoutcomes()


def test_without_odoo_url_and_only_scenarios_nothing_runs_exit_5(mini: pytest.Pytester) -> None:
    result = mini.runpytest("scenarios")

    result.assert_outcomes(deselected=7)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_unknown_site_stops_collection_with_the_known_codes(
    mini: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ODOO_URL", "http://odoo.invalid")

    result = mini.runpytest("scenarios", "--uat-site", "WARD9")

    assert result.ret == ExitCode.UNKNOWN_SITE  # as `uat run --site WARD9`; not pytest's 2 (collection error)
    result.stdout.fnmatch_lines(["*UnknownSiteError: Unknown site(s) WARD9; the profiles define LAB, NORTH, SOUTH*"])


def test_run_id_must_look_like_one(mini: pytest.Pytester) -> None:
    result = mini.runpytest("--uat-run-id", "nightly")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--uat-run-id 'nightly' is not a run id like UAT-20261129-013000-ab12*"])


def test_readiness_by_site_and_the_business_failure_in_the_report(
    mini: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ODOO_URL", "http://odoo.invalid")
    report_dir = tmp_path / "run"

    result = mini.runpytest(
        "scenarios", "--uat-report-dir", str(report_dir), "--uat-run-id", "UAT-20261129-013000-ab12"
    )

    result.assert_outcomes(passed=6, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*Business expectation broken: The storekeeper receives the supplier's lots into the site's stock",
            "*  site:      LAB (Harbour Diagnostics Laboratory)",
            "*  role:      storekeeper (hdl.storekeeper)",
            "*  record:    stock.picking #42 'HDL/IN/00007' <https://uat.example.org/odoo/stock.picking/42>",
            "*  found:     0 of 18 units received",
            "*  Odoo said: You need to supply a Lot/Serial number for product: Reagent (session ********)",
        ]
    )
    assert "Role-Secret-2026" not in result.stdout.str()
    readiness = (report_dir / "readiness.md").read_text(encoding="utf-8")
    assert readiness.startswith("# UAT readiness by site, run UAT-20261129-013000-ab12\n")
    rows = [line for line in readiness.splitlines() if line.startswith(("| LAB", "| NORTH", "| SOUTH"))]
    assert rows == [
        "| LAB | FAILED | n/a | n/a | n/a | n/a | no |",
        "| NORTH | passed | n/a | n/a | n/a | n/a | yes |",
    ]
    data = json.loads((report_dir / "readiness.json").read_text(encoding="utf-8"))
    assert data["run_id"] == "UAT-20261129-013000-ab12"
    assert {site: verdicts["requisition_to_receipt"] for site, verdicts in data["sites"].items()} == {
        "LAB": "FAILED",
        "NORTH": "passed",
    }
    assert sorted((entry["site"], entry["cycle"], entry["round_trips"]) for entry in data["scenarios"]) == [
        ("LAB", "requisition_to_receipt", 0),
        ("NORTH", "requisition_to_receipt", 0),
    ]


@pytest.mark.parametrize(
    ("fates", "exit_code", "verdicts"),
    [
        ("LAB=blocked", ExitCode.AUTHENTICATION, {"LAB": "blocked", "NORTH": "passed"}),
        ("LAB=blocked,NORTH=environment", ExitCode.ENVIRONMENT, {"LAB": "blocked", "NORTH": "environment"}),
        ("NORTH=harness", ExitCode.HARNESS_ERROR, {"LAB": "passed", "NORTH": "harness error"}),
    ],
)
def test_each_outcome_has_its_readiness_verdict_and_the_most_serious_gives_the_exit_code(
    mini: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fates: str,
    exit_code: ExitCode,
    verdicts: dict[str, str],
) -> None:
    monkeypatch.setenv("ODOO_URL", "http://odoo.invalid")
    monkeypatch.setenv("FATES", fates)
    (mini.path / "features" / "requisition_to_receipt.feature").write_text(FATES_FEATURE, encoding="utf-8")
    report_dir = tmp_path / "run"

    result = mini.runpytest("scenarios", "-k", "fate", "--uat-report-dir", str(report_dir))

    assert result.ret == exit_code  # the other sites' scenarios still ran: a blocked cell blocks only itself
    result.stdout.fnmatch_lines(["*= UAT outcomes =*", f"LAB: ready *(requisition_to_receipt {verdicts['LAB']}, *"])
    data = json.loads((report_dir / "readiness.json").read_text(encoding="utf-8"))
    assert {site: cycles["requisition_to_receipt"] for site, cycles in data["sites"].items()} == verdicts
    assert data["exit_code"] == exit_code
    if "LAB=blocked" in fates:
        assert data["reasons"]["LAB"]["requisition_to_receipt"] == [
            "Site LAB: the storekeeper (hdl.storekeeper) cannot act in this run: login refused"
        ]
