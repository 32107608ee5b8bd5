"""The scorecard as a terminal table, as JSON (readiness-scorecard.json) and as Markdown (readiness-scorecard.md).

The JSON is the stable form other tools (the sign-off pack) read: per site its figure, the UAT status per cycle
and each rule's result with its findings, each finding naming the site and the record (model, id, display name,
Odoo URL). Every text is passed through the harness's redaction, like every other output of a run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from odoo_uat.redaction import redact
from odoo_uat.scorecard.rules import Finding, RuleResult, RuleStatus
from odoo_uat.scorecard.score import Scorecard, SiteScore

JSON_NAME = "readiness-scorecard.json"
MARKDOWN_NAME = "readiness-scorecard.md"
FINDINGS_ON_SCREEN = 5  # per rule; the Markdown and the JSON have them all

HOW = (
    "A site's readiness is the share of its checks that are met, rounded down (100 % only when all are): each cycle "
    "its profile has (met when its latest run verdict is `passed`) and each data-quality rule that applies (met when "
    "it found nothing). A rule the profile switched off (`off`, with its reason) or with nothing in scope (`n/a`) is "
    "not counted; a rule `not measured` (the master data could not be read when the run ended) counts as not met."
)


def _figure(value: int | None) -> str:
    return "-" if value is None else f"{value}%"


def _fraction(met: int, total: int, what: str) -> str:
    return f"{met}/{total} {what}"


def _record_json(finding: Finding) -> dict[str, Any]:
    record = finding.record
    return {
        "site": finding.site,
        "rule": finding.rule,
        "model": record.model,
        "id": record.id,
        "name": record.name,
        "url": record.url,
        "problem": finding.problem,
    }


def _rule_json(rule: RuleResult) -> dict[str, Any]:
    return {
        "rule": rule.rule,
        "expectation": rule.expectation,
        "status": str(rule.status),
        "checked": rule.checked,
        "note": rule.note,
        "findings": [_record_json(finding) for finding in rule.findings],
    }


def _site_json(site: SiteScore) -> dict[str, Any]:
    return {
        "site": site.code,
        "name": site.name,
        "company": site.company,
        "warehouse": site.warehouse,
        "readiness_percent": site.readiness,
        "met": site.met,
        "of": site.total,
        "run_id": site.run_id,
        "run_dir": site.run_path,
        "uat": {
            "percent": site.uat_percent,
            "passed": site.cycles_passed,
            "of": len(site.cycles),
            "cycles": [
                {"cycle": cycle.cycle, "verdict": cycle.verdict, "met": cycle.met, "reasons": list(cycle.reasons)}
                for cycle in site.cycles
            ],
        },
        "data_quality": {
            "percent": site.data_quality_percent,
            "clean": site.rules_clean,
            "of": len(site.rules_counted),
            "rules": [_rule_json(rule) for rule in site.rules],
        },
        "reasons": site.reasons(),
        "notes": site.notes,
    }


def as_json(card: Scorecard) -> dict[str, Any]:
    document = {
        "generated": card.generated,
        "target": {"url": card.url, "database": card.database},
        "runs_dir": card.runs_dir,
        "how": HOW,
        "sites": [_site_json(site) for site in card.sites],
        "notes": card.notes,
    }
    redacted: dict[str, Any] = json.loads(redact(json.dumps(document)))
    return redacted


def render_table(card: Scorecard) -> str:
    headers = ("site", "readiness", "UAT", "data quality", "run")
    rows = [
        (
            site.code,
            _figure(site.readiness),
            _fraction(site.cycles_passed, len(site.cycles), "cycles passed"),
            _fraction(site.rules_clean, len(site.rules_counted), "rules clean"),
            site.run_id or "(no run)",
        )
        for site in card.sites
    ]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [f"readiness scorecard of {card.url} ({card.database}), {card.generated}", ""]
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [headers, *rows]]
    for site in card.sites:
        lines += ["", f"{site.code} ({site.name}): {site.met} of {site.total} checks met"]
        for cycle in site.cycles:
            if not cycle.met:
                why = "; ".join(cycle.reasons)
                lines.append(f"  cycle {cycle.cycle}: {cycle.verdict}" + (f": {why}" if why else ""))
        for rule in site.rules:
            lines.extend(_rule_lines(rule))
        lines.extend(f"  note: {note}" for note in site.notes)
    lines.extend(f"note: {note}" for note in card.notes)
    return redact("\n".join(lines))


def _rule_lines(rule: RuleResult) -> list[str]:
    if rule.status is RuleStatus.CLEAN:
        return [f"  rule {rule.rule}: clean ({rule.checked} checked)" + (f"; {rule.note}" if rule.note else "")]
    if rule.status is RuleStatus.NOT_MEASURED:
        return [f"  rule {rule.rule}: not measured ({rule.note})"]
    if rule.status is not RuleStatus.FINDINGS:
        return [f"  rule {rule.rule}: {rule.status}: {rule.note}"]
    count = len(rule.findings)
    lines = [
        f"  rule {rule.rule}: {count} finding{'s' if count != 1 else ''} of {rule.checked} checked ({rule.expectation})"
    ]
    lines += [f"    {finding.record}: {finding.problem}" for finding in rule.findings[:FINDINGS_ON_SCREEN]]
    if count > FINDINGS_ON_SCREEN:
        lines.append(f"    ... and {count - FINDINGS_ON_SCREEN} more in {MARKDOWN_NAME}")
    if rule.note:
        lines.append(f"    ({rule.note})")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _link(finding: Finding) -> str:
    record = finding.record
    label = _cell(f"{record.model} #{record.id} {record.name}".strip())
    return f"[{label}]({record.url})" if record.url else label


def as_markdown(card: Scorecard) -> str:
    lines = [
        "# Readiness scorecard by site",
        "",
        f"Target {card.url}, database `{card.database}`; generated {card.generated}.",
        "",
        "| Site | Readiness | UAT | Data quality | Run |",
        "|---|---|---|---|---|",
    ]
    for site in card.sites:
        lines.append(
            f"| {site.code} ({_cell(site.name)}) | **{_figure(site.readiness)}** ({site.met}/{site.total}) | "
            f"{_figure(site.uat_percent)} ({_fraction(site.cycles_passed, len(site.cycles), 'cycles passed')}) | "
            f"{_figure(site.data_quality_percent)} "
            f"({_fraction(site.rules_clean, len(site.rules_counted), 'rules clean')}) | "
            f"{site.run_id or '(no run)'} |"
        )
    lines += ["", HOW]
    for site in card.sites:
        lines += _site_markdown(site)
    if card.notes:
        lines += ["", "## Notes", "", *(f"- {_cell(note)}" for note in card.notes)]
    return redact("\n".join(lines) + "\n")


def _site_markdown(site: SiteScore) -> list[str]:
    lines = [
        "",
        f"## {site.code}: {_figure(site.readiness)}",
        "",
        f"{site.name}; company {site.company}; warehouse {site.warehouse}; "
        + (f"UAT status from run {site.run_id}." if site.run_id else "no finished run of this site."),
        "",
        "| Cycle | Verdict | Why |",
        "|---|---|---|",
    ]
    lines += [
        f"| {cycle.cycle} | {cycle.verdict} | {_cell('; '.join(cycle.reasons)) if not cycle.met else ''} |"
        for cycle in site.cycles
    ]
    lines += ["", "| Data-quality rule | Expected | Result | Checked |", "|---|---|---|---|"]
    for rule in site.rules:
        result = f"{len(rule.findings)} findings" if rule.status is RuleStatus.FINDINGS else str(rule.status)
        if rule.note:
            result += f" ({_cell(rule.note)})"
        lines.append(f"| {rule.rule} | {_cell(rule.expectation)} | {result} | {rule.checked} |")
    for rule in site.rules:
        if rule.findings:
            lines += ["", f"### {site.code}: {rule.rule}", ""]
            lines += [f"- {_link(finding)}: {_cell(finding.problem)}" for finding in rule.findings]
    if site.notes:
        lines += ["", f"Notes for {site.code}:", "", *(f"- {_cell(note)}" for note in site.notes)]
    return lines


def write_scorecard(card: Scorecard, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path, markdown_path = directory / JSON_NAME, directory / MARKDOWN_NAME
    json_path.write_text(json.dumps(as_json(card), indent=2) + "\n", encoding="utf-8")
    markdown_path.write_text(as_markdown(card), encoding="utf-8")
    return json_path, markdown_path
