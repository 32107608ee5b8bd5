"""The evidence of every run, offline: each step's table of RPC calls (who, what, records linked to Odoo, secrets
removed), the scenario's labels (site, cycle, role, severity, process owner, outcome, requirement links), the
run's categories and environment section, and before/after tables.

A miniature project on the harness's own plugins, run by pytester against the fake Odoo (plumbing only: the
business behaviour is tested against the real Odoo, tests/live). Its steps act through the cast's real gateways,
so the calls travel the same path as a real run's: gateway, call listener, Allure step.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import fixtures.options
from odoo_uat.gateway import CallCounter, OdooGateway, RpcCall
from odoo_uat.reporting import labels
from odoo_uat.reporting.calls import COLUMNS, render_step_csv, row_of, summarise_arguments
from odoo_uat.reporting.quantities import render_quantities
from tests.fake_odoo import FakeOdoo
from tests.support import CLINIC_PROFILE, ROLE_PASSWORD, seed_reference_rollout

TECHNICAL_PASSWORD = "Tech-Secret-2026"
REQUIREMENT_LINK = "https://jira.example.org/browse/{}"

MINI_CONFTEST = """
from __future__ import annotations

import os

import pytest
from pytest_bdd import given, parsers, then, when

from odoo_uat import reporting

pytest_plugins = [
    "fixtures.options", "fixtures.mode", "fixtures.target", "fixtures.actors", "odoo_uat.reporting"
]


@given("the requester notes a supplier contact", target_fixture="contact")
def requester_notes_contact(cast) -> int:
    session = cast["requester"].session  # the miniature's own step: the harness's steps act through actions
    contact = session.create("res.partner", {"name": "UAT contact", "comment": "token=" + os.environ["SECRET_NOTE"]})
    session.write("res.partner", [contact], {"password": os.environ["UAT_ROLE_PASSWORD"]})
    scratch = session.create("res.partner", {"name": "UAT scratch contact"})
    session.unlink("res.partner", [scratch])  # deleted again: no link to it may stay on the scenario
    return contact


@when(parsers.parse("the storekeeper counts {quantity:d} units"), target_fixture="counted")
def storekeeper_counts(cast, quantity: int) -> int:
    cast["storekeeper"].gateway.search_count("stock.quant", [("quantity", ">", 0)])
    reporting.record_quantities(
        "On hand at NSC/Stock",
        before={("Nitrile gloves", "LOT-1"): 10.0},
        after={("Nitrile gloves", "LOT-1"): 10.0 + quantity},
        by=("product", "lot"),
        expected={("Nitrile gloves", "LOT-1"): quantity},
    )
    return quantity


@then("the contact is on file")
def contact_on_file(cast, contact: int) -> None:
    requester = cast["requester"]
    rows = requester.gateway.read("res.partner", [contact], ["name"])
    record = requester.record("res.partner", contact, "UAT contact")
    requester.expect(bool(rows), "The supplier contact is on file", found="", record=record)


@then("the contact has a tax id")
def contact_has_tax_id(cast, contact: int) -> None:
    requester = cast["requester"]
    rows = requester.gateway.read("res.partner", [contact], ["vat"])
    requester.expect(
        bool(rows and rows[0].get("vat")),
        "The supplier contact has a tax id",
        found="no tax id",
        record=requester.record("res.partner", contact, "UAT contact"),
    )
"""

FEATURE = """@requisition_to_receipt @REQ-PUR-001
Feature: Evidence
  @critical @REQ-PUR-002
  Scenario: A contact noted and counted
    Given the requester notes a supplier contact
    When the storekeeper counts 12 units
    Then the contact is on file

  Scenario: A contact without a tax id
    Given the requester notes a supplier contact
    Then the contact has a tax id
"""

INI = """
[pytest]
bdd_features_base_dir = features/
addopts = --strict-markers
filterwarnings = ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning
"""

PROFILE = CLINIC_PROFILE.replace(
    "roles:\n",
    "process_owners: {{procurement: Helen Marsh, finance: Daniel Brooks}}\nroles:\n"
    "  storekeeper: {{login: nsc.storekeeper, password_env: UAT_ROLE_PASSWORD}}\n",
)


@pytest.fixture
def odoo() -> Iterator[FakeOdoo]:
    fake = seed_reference_rollout(FakeOdoo(role_password=ROLE_PASSWORD, admin_password=TECHNICAL_PASSWORD))
    fake.add("res.users", login="nsc.storekeeper", name="nsc.storekeeper", company_ids=[1])
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def mini(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, odoo: FakeOdoo) -> pytest.Pytester:
    pytester.makeconftest(MINI_CONFTEST)
    pytester.makefile(".ini", pytest=INI)
    (pytester.mkdir("features") / "evidence.feature").write_text(FEATURE, encoding="utf-8")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "test_features.py").write_text(
        'from pytest_bdd import scenarios\n\nscenarios(".")\n', encoding="utf-8"
    )
    sites = pytester.mkdir("sites")
    (sites / "clinic.yaml").write_text(PROFILE.format(warehouse="NSC"), "utf-8")
    monkeypatch.setattr(fixtures.options, "SCENARIOS_DIR", pytester.path / "scenarios")
    for name, value in {
        "UAT_SITES_DIR": str(sites),
        "UAT_ROLE_PASSWORD": ROLE_PASSWORD,
        "ODOO_URL": odoo.url,
        "ODOO_DB": odoo.database,
        "ODOO_USER": "admin",
        "ODOO_PASSWORD": TECHNICAL_PASSWORD,
        "SECRET_NOTE": "Note-Secret-2026",
        "UAT_REQUIREMENT_LINK": REQUIREMENT_LINK,
    }.items():
        monkeypatch.setenv(name, value)
    return pytester


def run_mini(mini: pytest.Pytester) -> Path:
    """Run the miniature (one scenario passes, one breaks an expectation); its Allure results directory."""
    results = mini.path / "allure-results"
    outcome = mini.runpytest("scenarios", "-p", "no:randomly", "--alluredir", str(results))
    outcome.assert_outcomes(passed=1, failed=1)
    return results


def results_by_name(directory: Path) -> dict[str, dict[str, Any]]:
    found = [json.loads(path.read_text(encoding="utf-8")) for path in directory.glob("*-result.json")]
    return {result["name"]: result for result in found}


def label_values(result: dict[str, Any], name: str) -> list[str]:
    return [label["value"] for label in result["labels"] if label["name"] == name]


def attachment(directory: Path, step: dict[str, Any], prefix: str) -> str:
    found = [entry for entry in step.get("attachments", []) if entry["name"].startswith(prefix)]
    assert len(found) == 1, [entry["name"] for entry in step.get("attachments", [])]
    assert found[0]["type"] == "text/csv"  # Allure shows a CSV as a table, every row in view
    return (directory / str(found[0]["source"])).read_text(encoding="utf-8")


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def every_text(directory: Path) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace") for path in directory.rglob("*") if path.is_file()
    )


# -- the calls of each step ---------------------------------------------------------------------------------------


def test_each_step_carries_one_table_of_its_calls_with_role_records_and_no_secret(
    mini: pytest.Pytester, odoo: FakeOdoo
) -> None:
    results = run_mini(mini)

    passed = results_by_name(results)["A contact noted and counted"]
    given, when, then = passed["steps"]
    contact = next(row["id"] for row in odoo.rows("res.partner") if row.get("name") == "UAT contact")
    url = f"{odoo.url}/odoo/res.partner/{contact}"
    created, written_to, _, _ = table(attachment(results, given, "RPC calls: 4 ("))
    assert list(created) == list(COLUMNS)
    assert (created["role (login)"], created["call"], created["records"]) == (
        "requester (nsc.requester)",
        "res.partner.create",
        url,  # the record it created, as its Odoo URL
    )
    assert created["answer"] == f"id {contact}"
    assert "token=********" in created["arguments"]
    assert (written_to["call"], written_to["records"]) == ("res.partner.write", url)
    assert written_to["arguments"] == "vals={password: ********}"  # masked where it is summarised
    [counted] = table(attachment(results, when, "RPC calls: 1 ("))
    assert (counted["role (login)"], counted["call"]) == ("storekeeper (nsc.storekeeper)", "stock.quant.search_count")
    [checked] = table(attachment(results, then, "RPC calls: 1 ("))
    assert (checked["call"], checked["records"], checked["answer"]) == ("res.partner.read", url, "1 row")
    outside = [entry["name"] for entry in passed["attachments"]]
    assert any(name.endswith("outside the steps (set-up, putting back)") for name in outside), outside
    written = every_text(results)
    for secret in (ROLE_PASSWORD, TECHNICAL_PASSWORD, "Note-Secret-2026"):
        assert secret not in written


def test_a_step_keeps_its_own_fields_as_parameters_and_not_the_fixtures_it_was_given(mini: pytest.Pytester) -> None:
    results = run_mini(mini)

    given, when, _ = results_by_name(results)["A contact noted and counted"]["steps"]
    assert given.get("parameters", []) == []  # `cast` (every role's session) is not a parameter
    assert [(parameter["name"], parameter["value"]) for parameter in when["parameters"]] == [("quantity", "12")]


def test_a_quantity_check_shows_before_after_and_the_change_expected(mini: pytest.Pytester) -> None:
    results = run_mini(mini)

    when = results_by_name(results)["A contact noted and counted"]["steps"][1]
    rows = table(attachment(results, when, "before/after: On hand at NSC/Stock"))
    assert rows == [
        {
            "product": "Nitrile gloves",
            "lot": "LOT-1",
            "before": "10",
            "after": "22",
            "change": "+12",
            "expected change": "+12",
            "verdict": "as expected",
        }
    ]


# -- labels, categories, environment ------------------------------------------------------------------------------


def test_a_scenario_is_labelled_with_site_cycle_roles_severity_owner_outcome_and_requirement_links(
    mini: pytest.Pytester, odoo: FakeOdoo
) -> None:
    results = run_mini(mini)

    passed, broken = (
        results_by_name(results)[name] for name in ("A contact noted and counted", "A contact without a tax id")
    )
    assert label_values(passed, "site") == ["CLINIC"]
    assert label_values(passed, "cycle") == ["requisition_to_receipt"]
    assert label_values(passed, "mode") == ["rpc"]
    assert label_values(passed, "role") == ["requester", "storekeeper"]
    assert label_values(passed, "severity") == ["critical"]  # its tag
    assert label_values(broken, "severity") == ["critical"]  # the cycle's default
    assert label_values(passed, "owner") == ["Helen Marsh"]
    assert label_values(passed, "process") == ["procurement"]
    assert label_values(passed, "outcome") == ["passed"]
    assert label_values(broken, "outcome") == ["FAILED"]
    assert {"REQ-PUR-001", "REQ-PUR-002"} <= set(label_values(passed, "tag"))
    links = {link["name"]: link["url"] for link in passed["links"]}
    assert links["REQ-PUR-002"] == "https://jira.example.org/browse/REQ-PUR-002"
    assert links["REQ-PUR-001"] == "https://jira.example.org/browse/REQ-PUR-001"
    contacts = [name for name in links if name.startswith("res.partner #")]
    assert len(contacts) == 1, links  # the contact kept; not the scratch contact the step deleted again
    assert links[contacts[0]].startswith(f"{odoo.url}/odoo/res.partner/")
    assert broken["statusDetails"]["trace"].startswith(labels.TRACE_OUTCOME_PREFIX + "FAILED\n")


def test_the_results_directory_has_the_uat_categories_and_the_environment_section(
    mini: pytest.Pytester, odoo: FakeOdoo
) -> None:
    results = run_mini(mini)

    categories = json.loads((results / "categories.json").read_text(encoding="utf-8"))
    assert [category["name"] for category in categories] == [name for name, _, _ in labels.CATEGORIES]
    failed = results_by_name(results)["A contact without a tax id"]
    matching = [c["name"] for c in categories if re.match(c["traceRegex"], failed["statusDetails"]["trace"])]
    assert matching == ["Broken business expectation (FAILED)"]
    properties = dict(
        line.split("=", 1) for line in (results / "environment.properties").read_text(encoding="utf-8").splitlines()
    )
    assert properties["odoo.version"] == "19.0"
    assert properties["odoo.edition"] == "community"
    assert properties["odoo.database"] == odoo.database
    assert properties["module.purchase"] == "installed"
    assert properties["sites"] == "CLINIC"
    assert properties["run.id"].startswith("UAT-")
    assert properties["harness.version"]
    assert properties["harness.commit"]
    assert TECHNICAL_PASSWORD not in json.dumps(properties)


def test_requirement_and_severity_tags_pass_strict_markers_without_a_link_pattern(
    mini: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UAT_REQUIREMENT_LINK")

    results = run_mini(mini)

    passed = results_by_name(results)["A contact noted and counted"]
    assert {"REQ-PUR-001", "REQ-PUR-002"} <= set(label_values(passed, "tag"))
    assert not [link for link in passed["links"] if link["name"].startswith("REQ-")]


# -- the pieces, directly -----------------------------------------------------------------------------------------


def test_arguments_are_summarised_in_one_line_with_secret_keys_masked() -> None:
    summary = summarise_arguments(
        {
            "domain": [("login", "=", "nsc.requester")],
            "fields": ["name", "state"],
            "vals": {"name": "x", "new_password": "whatever-it-is", "api_key": "k-123456"},
            "context": {"allowed_company_ids": [1]},
        }
    )

    assert summary == (
        "domain=[('login', '=', 'nsc.requester')] fields=[name, state] "
        "vals={name: 'x', new_password: ********, api_key: ********}"
    )


def test_a_call_row_names_the_records_a_create_made_and_what_odoo_answered() -> None:
    created = RpcCall(
        "nsc.requester", "purchase.order", "create", (), {"vals_list": [{}]}, 0.0123, [17], "", "http://o"
    )
    refused = RpcCall("nsc.requester", "purchase.order", "button_approve", (17,), {}, 0.002, None, "OdooAccessError")

    row, failed = row_of(created, who="requester"), row_of(refused, who="requester", action="approver: approve")

    assert [record.url for record in row.records] == ["http://o/odoo/purchase.order/17"]
    assert (row.outcome, round(row.milliseconds, 1)) == ("id 17", 12.3)
    assert (failed.outcome, failed.failed) == ("error: OdooAccessError", True)
    rows = table(render_step_csv([row, failed]))
    assert [(entry["#"], entry["answer"], entry["in the action"]) for entry in rows] == [
        ("1", "id 17", ""),
        ("2", "error: OdooAccessError", "approver: approve"),
    ]


def test_the_gateway_tells_its_listeners_of_each_call_and_not_without_one() -> None:
    class Transport:
        uid = 2
        server_version = None

        def call(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> Any:
            if method == "unlink":
                raise RuntimeError("refused")
            return [{"id": 1}]

    counter = CallCounter()
    gateway = OdooGateway(Transport(), login="nsc.requester", base_url="http://o/", counter=counter)  # type: ignore[arg-type]
    heard: list[RpcCall] = []
    gateway.search_read("res.partner", [], ["name"])  # nobody listens: nothing to tell
    counter.listeners.append(heard.append)
    gateway.read("res.partner", [1], ["name"])
    with pytest.raises(RuntimeError):
        gateway.unlink("res.partner", [1])

    assert [(call.method, call.ids, call.error, call.base_url) for call in heard] == [
        ("read", (1,), "", "http://o"),
        ("unlink", (1,), "RuntimeError", "http://o"),
    ]
    assert counter.round_trips == 3


def test_a_state_is_compared_as_a_state_in_a_before_after_table() -> None:
    page = render_quantities(
        before={"deadline state": "running"},
        after={"deadline state": "expired"},
        by=("sla",),
        expected={"deadline state": "expired"},
    )

    assert table(page) == [
        {
            "sla": "deadline state",
            "before": "running",
            "after": "expired",
            "change": "changed",
            "expected change": "expired",
            "verdict": "as expected",
        }
    ]


@pytest.mark.parametrize(
    ("tags", "cycle", "severity"),
    [
        ((), "requisition_to_receipt", "critical"),
        ((), "helpdesk_escalation", "normal"),
        (("minor",), "month_end_close", "minor"),
        (("trivial", "Blocker"), "helpdesk_escalation", "blocker"),
        ((), None, "normal"),
    ],
)
def test_severity_is_the_most_serious_tag_else_the_cycles_default(
    tags: tuple[str, ...], cycle: str | None, severity: str
) -> None:
    assert labels.severity_of(tags, cycle) == severity


def test_process_owner_is_read_defensively_from_any_profile_shape() -> None:
    class Named:
        name = "Ravi Menon"

    class Profile:
        def __init__(self, owners: object) -> None:
            self.process_owners = owners

    assert labels.process_owner(Profile({"biomedical": "Ravi Menon"}), "preventive_maintenance") == (
        "biomedical",
        "Ravi Menon",
    )
    assert labels.process_owner(Profile({"biomedical": Named()}), "preventive_maintenance") == (
        "biomedical",
        "Ravi Menon",
    )
    assert labels.process_owner(Profile({"finance": "X"}), "preventive_maintenance") is None
    assert labels.process_owner(Profile(None), "month_end_close") is None
    assert labels.process_owner(object(), "month_end_close") is None


def test_each_outcome_that_is_not_a_pass_falls_in_exactly_one_category_of_each_allure() -> None:
    for _, outcome, _ in labels.CATEGORIES:
        allure3 = [
            rule["name"]
            for rule in labels.allure3_categories()
            for matcher in rule["matchers"]
            if re.search(matcher["labels"][labels.OUTCOME_LABEL], str(outcome))
        ]
        trace = f"{labels.TRACE_OUTCOME_PREFIX}{outcome}\nTraceback (most recent call last): ..."
        allure2 = [rule["name"] for rule in labels.allure2_categories() if re.fullmatch(rule["traceRegex"], trace)]
        assert allure3 == allure2
        assert len(allure3) == 1, (outcome, allure3)
    passed = f"{labels.TRACE_OUTCOME_PREFIX}passed\n"
    assert not [rule for rule in labels.allure2_categories() if re.fullmatch(rule["traceRegex"], passed)]
