"""The readiness scorecard of a run, read back for the pack's "Readiness scorecard" section and for the digest.

`uat run` writes `readiness-scorecard.json` into its run directory at its end (odoo_uat/scorecard/after_run.py);
`uat readiness --run RUN` writes it (again) later. The pack shows, per site, what that file says: the readiness
figure, the UAT status per cycle, each data-quality rule with its verdict, its count and the first records it
found; a run directory without the file says so, and how to produce it. Every text is redacted as it is read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from odoo_uat.redaction import redact
from odoo_uat.scorecard.expectations import EXPECTATIONS
from odoo_uat.scorecard.render import JSON_NAME

FIRST_FINDINGS = 3  # records shown per rule in the pack; the count says how many there are, the JSON has them all
RULE_TITLES = {
    "duplicate_products": "Duplicate products",
    "medical_supplies_tracked": "Medical supplies tracked by lot and expiry",
    "product_cost_and_uom": "Products with cost and unit of measure",
    "supplier_terms_and_vat": "Suppliers with payment terms and tax id",
    "equipment_maintenance": "Equipment with team and preventive schedule",
    "role_groups": "Role users with the groups their role needs",
}
VERDICT_CLASS = {"clean": "passed", "findings": "failed", "not measured": "environment", "off": "na", "n/a": "na"}


@dataclass(frozen=True)
class ScorecardFinding:
    model: str
    id: int
    name: str  # the record's display name: its natural key as Odoo shows it ([code] name, a partner's name, ...)
    url: str
    problem: str


@dataclass(frozen=True)
class ScorecardRule:
    rule: str
    title: str
    expectation: str
    status: str  # clean, findings, off, n/a, not measured
    css: str
    checked: int
    count: int
    note: str
    first: tuple[ScorecardFinding, ...]


@dataclass(frozen=True)
class ScorecardCycle:
    cycle: str
    verdict: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class SiteScorecard:
    site: str
    readiness: int | None
    met: int
    of: int
    uat_percent: int | None
    uat_passed: int
    uat_of: int
    quality_percent: int | None
    quality_clean: int
    quality_of: int
    run_id: str
    cycles: tuple[ScorecardCycle, ...]
    rules: tuple[ScorecardRule, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackScorecard:
    """What the run directory holds: `state` is `present`, `absent` or `unreadable` (with `problem`)."""

    state: str
    generated: str = ""
    database: str = ""
    sites: Mapping[str, SiteScorecard] = field(default_factory=dict)
    problem: str = ""


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int:
    return _int_or_none(value) or 0


def _text(value: Any) -> str:
    return redact(str(value)) if value not in (None, "") else ""


def _finding(entry: Mapping[str, Any]) -> ScorecardFinding:
    return ScorecardFinding(
        model=_text(entry.get("model")),
        id=_int(entry.get("id")),
        name=_text(entry.get("name")),
        url=_text(entry.get("url")),
        problem=_text(entry.get("problem")),
    )


def _rule(entry: Mapping[str, Any]) -> ScorecardRule:
    rule = str(entry.get("rule", ""))
    status = str(entry.get("status", ""))
    findings = [item for item in entry.get("findings") or [] if isinstance(item, dict)]
    return ScorecardRule(
        rule=rule,
        title=RULE_TITLES.get(rule, rule.replace("_", " ").capitalize()),
        expectation=_text(entry.get("expectation") or EXPECTATIONS.get(rule, "")),
        status=status,
        css=VERDICT_CLASS.get(status, "na"),
        checked=_int(entry.get("checked")),
        count=len(findings),
        note=_text(entry.get("note")),
        first=tuple(_finding(item) for item in findings[:FIRST_FINDINGS]),
    )


def _site(entry: Mapping[str, Any]) -> SiteScorecard:
    uat = _mapping(entry.get("uat"))
    quality = _mapping(entry.get("data_quality"))
    return SiteScorecard(
        site=str(entry.get("site", "")),
        readiness=_int_or_none(entry.get("readiness_percent")),
        met=_int(entry.get("met")),
        of=_int(entry.get("of")),
        uat_percent=_int_or_none(uat.get("percent")),
        uat_passed=_int(uat.get("passed")),
        uat_of=_int(uat.get("of")),
        quality_percent=_int_or_none(quality.get("percent")),
        quality_clean=_int(quality.get("clean")),
        quality_of=_int(quality.get("of")),
        run_id=str(entry.get("run_id", "")),
        cycles=tuple(
            ScorecardCycle(
                str(cycle.get("cycle", "")),
                str(cycle.get("verdict", "")),
                tuple(_text(reason) for reason in cycle.get("reasons") or []),
            )
            for cycle in uat.get("cycles") or []
            if isinstance(cycle, dict)
        ),
        rules=tuple(_rule(rule) for rule in quality.get("rules") or [] if isinstance(rule, dict)),
        notes=tuple(_text(note) for note in entry.get("notes") or []),
    )


def _document(run_dir: Path) -> tuple[str, Any, bytes]:
    """(`absent` | `unreadable` | `present`, the parsed JSON or the error, the file's bytes)."""
    path = run_dir / JSON_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return "absent", None, b""
    except OSError as error:
        return "unreadable", error.strerror or str(error), b""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return "unreadable", f"not JSON: {error}", raw
    if not isinstance(document, dict) or not isinstance(document.get("sites"), list):
        return "unreadable", "no `sites` list: not a readiness scorecard", raw
    return "present", document, raw


def read_scorecard(run_dir: Path) -> PackScorecard:
    state, document, _ = _document(run_dir)
    if state != "present":
        return PackScorecard(state, problem=redact(str(document or "")))
    target = _mapping(document.get("target"))
    sites = {
        str(entry.get("site")): _site(entry)
        for entry in document["sites"]
        if isinstance(entry, dict) and entry.get("site")
    }
    return PackScorecard(
        "present",
        generated=_text(document.get("generated")),
        database=_text(target.get("database")),
        sites=sites,
    )


def site_scorecard_document(run_dir: Path, site: str) -> dict[str, Any]:
    """The part of the run's scorecard a site's approval is bound to (odoo_uat/signoff/digest.py): the site's own
    entry (figure, UAT status per cycle, every rule with its verdict, findings and notes) and the target it was
    measured on; the time it was measured and other sites' entries are not part of it. A file that is not a
    scorecard counts by the sha256 of its bytes; no file at all is recorded as absent."""
    state, document, raw = _document(run_dir)
    if state == "absent":
        return {"file": "absent"}
    if state == "unreadable":
        return {"file": "unreadable", "sha256": hashlib.sha256(raw).hexdigest()}
    entries = [entry for entry in document["sites"] if isinstance(entry, dict) and entry.get("site") == site]
    return {"file": JSON_NAME, "target": document.get("target"), "site": entries[0] if entries else None}
