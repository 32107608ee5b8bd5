"""Drills of browser mode against the real Odoo: what a tester sees when a role or the server stops a step on screen.

Each drill works on a fresh copy of the provisioned template and runs requisition-to-receipt in browser mode for one
site. It changes one piece of configuration as the administrator would (admin JSON-RPC) and puts it back in a
`finally`, whatever the run did; it reads the configuration again to show it is back. The runs create only their
own run-tagged records.

- A role without the group it needs: the approver's Purchase right goes from "Administrator"
  (`purchase.group_purchase_manager`) down to "User". The approval scenario FAILS (exit 1) naming the approver and
  the action the order's form did not let it do (no "Approve Order" button); the other scenario passes; with the
  group back, the approval scenario passes. (Without any Purchase right at all, Odoo 19's web client cannot even
  read the order: opened through the RFQ action it falls back to the list without a word, which the harness
  reports as an unexpected screen, a harness error; see the report of issue 8.)
- A server-side UserError raised during a browser step: the site's supplier loses its Vendor Location (Inventory tab
  of the contact, a field a data steward can clear). Odoo then refuses to plan the receipt when the order is
  approved: "You must set a Vendor Location for this partner ...". That text appears word for word in the failure
  message of the run's output and under the Gherkin step in which the approver pressed "Approve Order", in the
  Allure results (the scenario above the approval limit only: within the limit the requester's "Confirm Order"
  meets the same refusal, which adds nothing but minutes).

Both drills also check the evidence those runs leave (tests/live/browser_evidence.py), on a target whose
administrator has a generated password and API key: a screenshot under every Gherkin step; the failing scenario's
Playwright trace kept and attached, a passing scenario's not; no password, API key or live session cookie in any
file, trace member or output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from odoo_uat.config import DEFAULT_SITES_DIR
from odoo_uat.profiles import load_profile
from tests.live.browser_evidence import (
    assert_a_screenshot_under_every_step,
    assert_nothing_logs_anyone_in,
    assert_traces_kept_only_for_failures,
    with_generated_secrets,
)
from tests.live.bundle import LiveTarget, UatResult
from tests.live.conftest import RunUat
from tests.rollouts.meridian import JsonRpc

SITE = "CLINIC"
CYCLE = "requisition_to_receipt"
PROFILE = load_profile(DEFAULT_SITES_DIR / "clinic.yaml").profile
APPROVER_GROUP = "purchase.group_purchase_manager"  # Purchase: Administrator
PURCHASE_USER = "purchase.group_purchase_user"  # Purchase: User
APPROVAL_SCENARIO = "approved, received short with lots"  # in the name of the scenario above the approval limit
WITHIN_LIMIT_SCENARIO = "confirmed at once"
BROWSER_RUN_TIMEOUT = 1800  # one single-threaded Odoo shared by several runs: a browser cycle can take minutes


# -- the administrator's changes, each put back ------------------------------------------------------------------


def _admin(target: LiveTarget) -> JsonRpc:
    return JsonRpc(target.url, target.database, "admin", target.env["ODOO_PASSWORD"])


def _one(admin: JsonRpc, model: str, domain: list[Any]) -> int:
    ids = admin.search(model, domain)
    assert len(ids) == 1, f"{model} {domain}: {ids}"
    return ids[0]


def _groups_of(admin: JsonRpc, user_id: int) -> tuple[set[int], set[int]]:
    row = admin.call("res.users", "read", [user_id], ["group_ids", "all_group_ids"])[0]
    return set(row["group_ids"]), set(row["all_group_ids"])


@contextmanager
def demoted(admin: JsonRpc, login: str, taken: str, left: str) -> Iterator[None]:
    """The user's access right is lowered from group `taken` to group `left` (in the user form: Purchase
    "Administrator" -> "User") for the block; the groups are put back exactly as they were whatever happens."""
    user_id = _one(admin, "res.users", [("login", "=", login)])
    taken_id, left_id = admin.xmlid(taken), admin.xmlid(left)
    before, _ = _groups_of(admin, user_id)
    assert taken_id in before, f"{login} does not have {taken} to begin with"
    admin.write("res.users", [user_id], {"group_ids": [(3, taken_id), (4, left_id)]})
    try:
        _, effective = _groups_of(admin, user_id)
        assert taken_id not in effective, f"{login} still has {taken} through another group"
        assert left_id in effective
        yield
    finally:
        put_back = [(4, taken_id)] + ([] if left_id in before else [(3, left_id)])
        admin.write("res.users", [user_id], {"group_ids": put_back})
        after, _ = _groups_of(admin, user_id)
        assert after == before, f"{login}'s groups were not put back: {sorted(before)} -> {sorted(after)}"


@contextmanager
def supplier_without_vendor_location(admin: JsonRpc, partner_id: int, company_id: int) -> Iterator[str]:
    """The supplier's Vendor Location (a company-dependent field) cleared for the site's company; put back after.
    Yields the supplier's name."""
    context = {"allowed_company_ids": [company_id], "lang": "en_US"}

    def read() -> dict[str, Any]:
        rows: list[dict[str, Any]] = admin.call(
            "res.partner", "read", [partner_id], ["name", "property_stock_supplier"], context=context
        )
        return rows[0]

    before = read()
    assert before["property_stock_supplier"], f"{before['name']} has no Vendor Location to begin with"
    admin.call("res.partner", "write", [partner_id], {"property_stock_supplier": False}, context=context)
    try:
        assert read()["property_stock_supplier"] is False
        yield str(before["name"])
    finally:
        location_id = before["property_stock_supplier"][0]
        admin.call("res.partner", "write", [partner_id], {"property_stock_supplier": location_id}, context=context)
        assert read()["property_stock_supplier"] == before["property_stock_supplier"], "Vendor Location not put back"


# -- reading a run ------------------------------------------------------------------------------------------------


def _run_browser(run_uat: RunUat, target: LiveTarget, *pytest_args: str) -> UatResult:
    return run_uat(
        target, "run", "--site", SITE, "--mode", "browser", "--", "-m", CYCLE, *pytest_args, timeout=BROWSER_RUN_TIMEOUT
    )


def _scenarios(result: UatResult) -> dict[str, dict[str, Any]]:
    """readiness.json's scenarios by name (every one ran in the browser)."""
    readiness = result.readiness()
    assert readiness is not None, result.output[-4000:]
    scenarios = {str(entry["scenario"]): entry for entry in readiness["scenarios"]}
    assert scenarios, result.output[-4000:]
    assert {entry.get("mode") for entry in scenarios.values()} == {"browser"}
    return scenarios


def _plain(text: str) -> str:
    """A scenario's name or title as bare lowercase words: pytest names use underscores, Allure titles commas."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _entry(scenarios: dict[str, dict[str, Any]], words: str) -> dict[str, Any]:
    found = [entry for name, entry in scenarios.items() if _plain(words) in _plain(name)]
    assert len(found) == 1, f"no single scenario named like {words!r}: {sorted(scenarios)}"
    return found[0]


def _allure_scenario(run_dir: Path, words: str) -> dict[str, Any]:
    results: list[dict[str, Any]] = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((run_dir / "allure-results").glob("*-result.json"))
    ]
    found = [result for result in results if _plain(words) in _plain(str(result.get("name", "")))]
    assert len(found) == 1, f"no single Allure result named like {words!r}: {[r.get('name') for r in results]}"
    return found[0]


def _texts_under(step: dict[str, Any], results_dir: Path) -> list[str]:
    """Everything a reader of the Allure report sees under a step: its and its sub-steps' status messages and
    traces, and its text attachments."""
    details = step.get("statusDetails") or {}
    texts = [str(details.get("message") or ""), str(details.get("trace") or "")]
    for attachment in step.get("attachments", []):
        if str(attachment.get("type", "")).startswith("text/"):
            texts.append((results_dir / attachment["source"]).read_text(encoding="utf-8", errors="replace"))
    for inner in step.get("steps", []):
        texts.extend(_texts_under(inner, results_dir))
    return texts


def _failed_step(scenario: dict[str, Any], words: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [step for step in scenario["steps"] if words in str(step.get("name", ""))]
    assert steps, f"{scenario['name']}: no step named like {words!r}: {[s.get('name') for s in scenario['steps']]}"
    step = steps[0]
    assert step["status"] in {"failed", "broken"}, f"{step['name']!r} is {step['status']}"
    return step


@pytest.fixture
def secret_target(fresh_target: LiveTarget) -> tuple[LiveTarget, list[str]]:
    """A fresh target whose administrator has a generated password and API key, and every secret a run gets."""
    return with_generated_secrets(fresh_target)


# -- the drills -------------------------------------------------------------------------------------------------


def test_a_role_without_its_group_fails_naming_the_role_and_the_action_then_passes_with_it_back(
    secret_target: tuple[LiveTarget, list[str]], run_uat: RunUat
) -> None:
    fresh_target, known_secrets = secret_target
    admin = _admin(fresh_target)
    approver = PROFILE.roles["approver"].login

    with demoted(admin, approver, APPROVER_GROUP, PURCHASE_USER):
        result = _run_browser(run_uat, fresh_target)

    assert result.exit_code == 1, result.output[-6000:]
    scenarios = _scenarios(result)
    approval = _entry(scenarios, APPROVAL_SCENARIO)
    assert approval["outcome"] == "FAILED", approval
    assert "approver" in approval["reason"], approval
    assert "approve" in approval["reason"].lower(), approval
    # the failure names the role's user and what the screen did not let it do
    assert f"role:      approver ({approver})" in result.output, result.output[-6000:]
    assert f"approver ({approver}) no 'Approve Order' button" in result.output, result.output[-6000:]
    # only the scenario that needs the approver fails
    assert _entry(scenarios, WITHIN_LIMIT_SCENARIO)["outcome"] == "passed", scenarios

    again = _run_browser(run_uat, fresh_target, "-k", "approved_received_short")  # the scenario that failed

    assert again.exit_code == 0, again.output[-6000:]
    assert {entry["outcome"] for entry in _scenarios(again).values()} == {"passed"}
    # the evidence of a passing browser run: a screenshot under every step, no trace, nothing that logs anyone in
    assert assert_a_screenshot_under_every_step(again) >= 6
    assert assert_traces_kept_only_for_failures(again) == 0
    assert not list(again.run_dir().rglob("*.zip")), "a passing run keeps no trace"
    assert assert_traces_kept_only_for_failures(result) == 1  # the approval's, not the other scenario's
    for run in (result, again):
        assert assert_nothing_logs_anyone_in(run, fresh_target.url, known_secrets) > len(_scenarios(run))


def test_a_server_user_error_during_a_browser_step_is_reported_word_for_word_under_that_step(
    secret_target: tuple[LiveTarget, list[str]], run_uat: RunUat
) -> None:
    fresh_target, known_secrets = secret_target
    admin = _admin(fresh_target)
    section = PROFILE.requisition_to_receipt
    assert section is not None
    partner_id = _one(admin, "res.partner", [("name", "=", section.supplier)])
    company_id = _one(admin, "res.company", [("name", "=", PROFILE.company)])

    with supplier_without_vendor_location(admin, partner_id, company_id) as supplier:
        result = _run_browser(run_uat, fresh_target, "-k", "approved_received_short")

    odoo_said = f"You must set a Vendor Location for this partner {supplier}"
    assert result.exit_code == 1, result.output[-6000:]
    assert f"Odoo said: {odoo_said}" in result.output, result.output[-6000:]
    assert _entry(_scenarios(result), APPROVAL_SCENARIO)["outcome"] == "FAILED"
    run_dir = result.run_dir()
    # the approver's "Approve Order" is what plans the receipt, so Odoo refuses it there
    step = _failed_step(_allure_scenario(run_dir, APPROVAL_SCENARIO), "the approver approves the order")
    under = _texts_under(step, run_dir / "allure-results")
    assert any(odoo_said in text for text in under), f"{step['name']!r}: {under}"
    assert "image/png" in [attachment.get("type") for attachment in step.get("attachments", [])]
    # the evidence of a failing browser run: its trace kept and attached, and nothing in it logs anyone in
    assert assert_a_screenshot_under_every_step(result) >= 3
    assert assert_traces_kept_only_for_failures(result) == 1
    assert list((run_dir / "browser").glob("*-trace.zip"))
    assert_nothing_logs_anyone_in(result, fresh_target.url, known_secrets)
