"""`uat draft-profile` on the REAL bundled Odoo 19: the reference rollout and Meridian, a rollout it did not configure.

A draft is read, never written: the target's snapshot compares equal around it. Its references are the target's
(checked against the profiles written by hand for each rollout: the same record, or the hand-written one among the
candidates the draft lists where several fit). Its expectations are `null` placeholders marked STATE, so the draft
as written fails `uat doctor --offline` naming them; filled in with what the programme states (here: the values of
the hand-written profile), it passes `uat doctor --offline` and `uat doctor` against the target.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from odoo_uat.config import DEFAULT_SITES_DIR
from odoo_uat.draft_profile import STATE
from tests.live.bundle import REPO_ROOT, LiveTarget
from tests.live.conftest import RunUat

PROFILE_ERROR = 11
MERIDIAN_SITES = REPO_ROOT / "tests" / "rollouts" / "meridian" / "sites"

# Keys whose record the reference rollout has exactly one of, per site: the draft must name that very record.
UNIQUE_REFERENCES = (
    "company",
    "warehouse",
    "requisition_to_receipt.receipt_operation",
    "requisition_to_receipt.stock_location",
    "transfer_to_consumption.store_location",
    "transfer_to_consumption.ward_location",
    "transfer_to_consumption.consumption_location",
    "transfer_to_consumption.internal_operation",
    "transfer_to_consumption.consumption_operation",
    "transfer_to_consumption.expense_account",
    "transfer_to_consumption.stock_valuation_account",
    "preventive_maintenance.equipment_serial",
    "preventive_maintenance.team",
    "preventive_maintenance.preventive_request",
    "preventive_maintenance.work_stage",
    "helpdesk_escalation.service_desk_team",
    "helpdesk_escalation.working_calendar",
    "helpdesk_escalation.sla_policy",
    "helpdesk_escalation.resolution_stage",
    "month_end_close.stock_valuation_account",
)
# Where several records fit, the hand-written choice must be the draft's or among the candidates it lists. (The
# accounts of the accountant's test entries are any expense and liability accounts: the draft offers some, and the
# online doctor below proves the ones it wrote resolve.)
CHOSEN_REFERENCES = (
    "requisition_to_receipt.product",
    "transfer_to_consumption.product",
    "preventive_maintenance.done_stage",
    "helpdesk_escalation.escalation.automation_rule",
    "month_end_close.journal",
    "month_end_close.valued_receipt.product",
    *(f"roles.{role}.login" for role in ("requester", "approver", "storekeeper", "nurse", "technician", "accountant")),
)


def value_at(document: Mapping[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def line_of(text: str, path: str) -> str:
    """The draft's line for a dotted key (the key's last part, under its section's header)."""
    *parents, last = path.split(".")
    lines = text.splitlines()
    start = 0
    for depth, parent in enumerate(parents):
        start = next(i for i in range(start, len(lines)) if lines[i].startswith("  " * depth + f"{parent}:"))
    indent = "  " * len(parents)
    return next(line for line in lines[start:] if line.startswith(f"{indent}{last}:"))


def filled_in(draft: Mapping[str, Any], stated: Mapping[str, Any]) -> dict[str, Any]:
    """Every placeholder (None) of the draft replaced by what the programme states for that key."""
    result: dict[str, Any] = {}
    for key, value in draft.items():
        if isinstance(value, Mapping) and value:
            nested = stated.get(key)
            result[key] = filled_in(value, nested if isinstance(nested, Mapping) else {})
        else:
            result[key] = stated.get(key) if value is None else value
    return result


def draft_and_check(
    run_uat: RunUat, target: LiveTarget, tmp_path: Path, warehouse: str, code: str, password_env: str
) -> tuple[str, dict[str, Any]]:
    """Draft one site's profile, read-only; its placeholders fail doctor --offline; return text and document."""
    reports = tmp_path / "reports"
    before = tmp_path / "before.json"
    assert run_uat(target, "snapshot", "-o", str(before), reports_dir=reports).exit_code == 0
    draft_path = tmp_path / "draft" / f"{code.lower()}.yaml"
    draft_path.parent.mkdir()

    drafted = run_uat(
        target,
        "draft-profile",
        "--warehouse",
        warehouse,
        "--code",
        code,
        "--password-env",
        password_env,
        "-o",
        str(draft_path),
        reports_dir=reports,
    )

    assert drafted.exit_code == 0, drafted.output
    compared = run_uat(target, "snapshot", "--compare", str(before), reports_dir=reports)
    assert compared.exit_code == 0, compared.output  # read-only: 0 configuration differences
    assert "uat: 0 configuration difference(s)" in compared.stdout
    text = draft_path.read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    assert document["code"] == code
    assert all(value_at(document, f"roles.{role}.password_env") == password_env for role in document["roles"])
    offline = run_uat(target, "doctor", "--offline", "--sites-dir", str(draft_path.parent), reports_dir=reports)
    assert offline.exit_code == PROFILE_ERROR, offline.output
    for key in ("approval_limit", "weekly_hours", "sla_hours", "interval.every"):
        assert key in offline.output
    assert text.count(f"# {STATE}") >= 10
    return text, document


def assert_references_match(text: str, document: Mapping[str, Any], truth: Mapping[str, Any]) -> None:
    for path in UNIQUE_REFERENCES:
        assert value_at(document, path) == value_at(truth, path), path
    for path in CHOSEN_REFERENCES:
        expected = value_at(truth, path)
        line = line_of(text, path)
        assert value_at(document, path) == expected or repr(str(expected)) in line, (path, expected, line)


def assert_filled_draft_passes_doctor(
    run_uat: RunUat, target: LiveTarget, tmp_path: Path, document: Mapping[str, Any], truth: Mapping[str, Any]
) -> None:
    sites = tmp_path / "filled"
    sites.mkdir()
    (sites / "site.yaml").write_text(yaml.safe_dump(filled_in(document, truth), sort_keys=False), encoding="utf-8")

    offline = run_uat(target, "doctor", "--offline", "--sites-dir", str(sites))
    online = run_uat(target, "doctor", "--sites-dir", str(sites))

    assert offline.exit_code == 0, offline.output
    assert online.exit_code == 0, online.output
    assert ", 0 with a problem" in online.stdout


@pytest.mark.parametrize(("warehouse", "code", "profile"), [("NSC", "CLINIC", "clinic.yaml")])
def test_draft_of_a_reference_site_names_its_records_and_passes_doctor_once_filled_in(
    run_uat: RunUat, fresh_target: LiveTarget, tmp_path: Path, warehouse: str, code: str, profile: str
) -> None:
    truth_path = DEFAULT_SITES_DIR / profile
    truth = yaml.safe_load(truth_path.read_text(encoding="utf-8"))

    text, document = draft_and_check(run_uat, fresh_target, tmp_path, warehouse, code, "UAT_ROLE_PASSWORD")

    assert_references_match(text, document, truth)
    assert document["helpdesk_escalation"]["ticket"] == {}  # the reference SLA selects on no category or tag
    assert_filled_draft_passes_doctor(run_uat, fresh_target, tmp_path, document, truth)


@pytest.mark.parametrize(("warehouse", "code"), [("MCW", "WEST"), ("MCE", "EAST")])
def test_draft_of_a_meridian_site_finds_what_its_odoo_has(
    run_uat: RunUat, meridian_target: LiveTarget, tmp_path: Path, warehouse: str, code: str
) -> None:
    truth_path = MERIDIAN_SITES / f"{code.lower()}.yaml"
    truth = yaml.safe_load(truth_path.read_text(encoding="utf-8"))

    text, document = draft_and_check(run_uat, meridian_target, tmp_path, warehouse, code, "MERIDIAN_ROLE_PASSWORD")

    assert_references_match(text, document, truth)
    # Meridian's own choices, which a draft that assumed the reference rollout would miss:
    consumption = document["transfer_to_consumption"]
    assert consumption["consumption_operation"] == "USE"  # an INTERNAL type into a valued consumption location
    assert consumption["consumption_location"] == truth["transfer_to_consumption"]["consumption_location"]
    assert document["helpdesk_escalation"]["ticket"] == {
        "category": truth["helpdesk_escalation"]["ticket"]["category"],
        "tags": truth["helpdesk_escalation"]["ticket"]["tags"],
    }
    assert re.search(r"done_stage: Completed\b", text)
    # a Meridian user holds several roles: the hand-written choice is always among the candidates
    for role in ("helpdesk_agent", "helpdesk_lead"):
        assert truth["roles"][role]["login"] in line_of(text, f"roles.{role}.login")
    assert_filled_draft_passes_doctor(run_uat, meridian_target, tmp_path, document, truth)
