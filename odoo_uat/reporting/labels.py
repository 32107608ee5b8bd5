"""What the report says about each scenario beyond its steps (labels, requirement links, categories) and about the
run as a whole (Allure's environment section).

- severity: a feature or scenario tag (`@blocker`, `@critical`, `@normal`, `@minor`, `@trivial`), else the cycle's
  default (`DEFAULT_SEVERITY`);
- owner: the process owner the site's profile names (`process_owners:`) for the cycle's process (`CYCLE_PROCESS`);
- requirement links: tags such as `@REQ-PUR-001`, linked through the pattern in `--uat-requirement-link` or
  $UAT_REQUIREMENT_LINK (`https://jira.example.org/browse/{}`), else kept as a tag and a link without a URL;
- categories: the outcome model (odoo_uat/outcomes.py) as Allure categories: a broken business expectation, an
  environment failure, a blocked cell and a harness error are told apart by the `outcome` label each result carries
  (Allure 3, the report's configuration) and by the first line of its trace (Allure 2's categories.json).
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from odoo_uat.outcomes import Outcome
from odoo_uat.redaction import redact

SEVERITIES = ("blocker", "critical", "normal", "minor", "trivial")
# Without a severity tag: what a broken cycle costs a site's go-live (procurement, stock and the books stop a site;
# a preventive plan or a helpdesk escalation can be worked around for a while).
DEFAULT_SEVERITY = {
    "requisition_to_receipt": "critical",
    "transfer_to_consumption": "critical",
    "month_end_close": "critical",
    "preventive_maintenance": "normal",
    "helpdesk_escalation": "normal",
}
# The process (a key of the profile's `process_owners:`) whose owner signs each cycle off.
CYCLE_PROCESS = {
    "requisition_to_receipt": "procurement",
    "transfer_to_consumption": "inventory",
    "preventive_maintenance": "biomedical",
    "helpdesk_escalation": "service",
    "month_end_close": "finance",
}
REQUIREMENT_TAG = re.compile(r"REQ-[A-Za-z0-9][A-Za-z0-9_.-]*")
REQUIREMENT_LINK_VARIABLE = "UAT_REQUIREMENT_LINK"

OUTCOME_LABEL = "outcome"
TRACE_OUTCOME_PREFIX = "UAT outcome: "
CATEGORIES: tuple[tuple[str, Outcome, str], ...] = (
    (
        "Broken business expectation (FAILED)",
        Outcome.FAILED,
        "A business expectation did not hold, or Odoo refused what a role had to do: a finding about the site.",
    ),
    (
        "Environment failure (rerun)",
        Outcome.ENVIRONMENT,
        "Odoo was unreachable, stopped or timed out: nothing is known about the site; run it again.",
    ),
    (
        "Blocked cell (profile, login or feature)",
        Outcome.BLOCKED,
        "The cell could not be tested as written: its site profile, a role's login or a feature step.",
    ),
    (
        "Harness error",
        Outcome.HARNESS_ERROR,
        "The harness itself broke (a bug of the harness, not a finding about the site).",
    ),
)


def severity_of(tags: Iterable[str], cycle: str | None) -> str:
    given = [tag.lower() for tag in tags if tag.lower() in SEVERITIES]
    if given:  # the most serious tag wins (a scenario tag adds to its feature's)
        return min(given, key=SEVERITIES.index)
    return DEFAULT_SEVERITY.get(cycle or "", "normal")


def process_owner(profile: Any, cycle: str | None) -> tuple[str, str] | None:
    """(process, person) for the cycle, from the profile's `process_owners:`; None when it names nobody for it.

    Read defensively: a profile schema without process owners, or with another shape, gives no owner."""
    owners = getattr(profile, "process_owners", None)
    process = CYCLE_PROCESS.get(cycle or "")
    if not isinstance(owners, Mapping) or process is None:
        return None
    person = owners.get(process)
    if isinstance(person, str) and person.strip():
        return process, person.strip()
    name = getattr(person, "name", None) or (person.get("name") if isinstance(person, Mapping) else None)
    return (process, str(name)) if name else None


def requirement_url(requirement: str, pattern: str | None) -> str:
    """The requirement's URL by the configured pattern (`{}` stands for the tag), or "" without a pattern."""
    if not pattern:
        return ""
    return pattern.format(requirement) if "{}" in pattern else pattern.rstrip("/") + "/" + requirement


# -- categories ---------------------------------------------------------------------------------------------------


def allure3_categories() -> list[dict[str, Any]]:
    """Categories for Allure 3's configuration: matched on the `outcome` label of each result."""
    return [
        {
            "id": f"uat-{outcome.value.replace(' ', '-')}",
            "name": name,
            "matchers": [{"labels": {OUTCOME_LABEL: f"^{re.escape(outcome.value)}$"}}],
            "expand": outcome is Outcome.FAILED,
        }
        for name, outcome, _ in CATEGORIES
    ]


def allure2_categories() -> list[dict[str, Any]]:
    """categories.json (read by Allure 2 and Allure 3's classic plugin): matched on the trace's first line."""
    return [
        {
            "name": name,
            "description": description,
            "matchedStatuses": ["failed", "broken"],
            "traceRegex": f"(?s){re.escape(TRACE_OUTCOME_PREFIX + outcome.value)}\\b.*",
        }
        for name, outcome, description in CATEGORIES
    ]


# -- the environment section ---------------------------------------------------------------------------------------


def harness_version() -> str:
    try:
        return importlib.metadata.version("odoo-uat")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def harness_commit(root: Path) -> str:
    """The harness's git commit (with "+changes" when its tree has uncommitted changes), or "unknown"."""
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+changes" if dirty else "") if head else "unknown"


def properties_text(values: Mapping[str, str]) -> str:
    """Java properties (environment.properties): one `key=value` a line, escaped so any value stays on its line."""
    lines = []
    for key, value in values.items():
        safe_key = re.sub(r"[^A-Za-z0-9_.-]", "_", key)
        text = redact(str(value))
        escaped = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
        escaped = "".join(char if ord(char) < 128 else _unicode_escape(char) for char in escaped)
        lines.append(f"{safe_key}={escaped}")
    return "\n".join(lines) + "\n"


def _unicode_escape(char: str) -> str:
    """`\\uXXXX`, as a surrogate pair beyond the first 65,536 code points (Java properties are UTF-16)."""
    units = char.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(units[index : index + 2], 'big'):04x}" for index in range(0, len(units), 2))
