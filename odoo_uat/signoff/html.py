"""The sign-off pack as HTML: one self-contained page (styles inline, screenshots embedded) per site and for all.

Rendered with Jinja2 (autoescaping on: every text from a run is escaped), template `pack.html.j2` beside this
module, laid out for A4 portrait so that Chromium prints the same page as the PDF (odoo_uat/signoff/pdf.py).
Every text is redacted (odoo_uat/redaction.py) once more as the page is written: the run's results already were.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from odoo_uat.outcomes import SEVERITY
from odoo_uat.redaction import redact
from odoo_uat.signoff.approvals import ApprovalStatus, Verdict
from odoo_uat.signoff.model import NOT_GREEN, Cell, RunResults, ScenarioResult, cycle_title
from odoo_uat.signoff.scorecard import PackScorecard

TEMPLATE = "pack.html.j2"
ALL_SITES = "ALL"
STATUS_CLASS = {
    "passed": "passed",
    "FAILED": "failed",
    "environment": "environment",
    "blocked": "blocked",
    "harness error": "harness",
    "not run": "notrun",
    "n/a": "na",
}
SEVERITY_ORDER = [str(outcome) for outcome in SEVERITY] + ["not run", "n/a"]


@dataclass(frozen=True)
class SiteFacts:
    """What the pack says about a site besides its results: from its profile, when the profile was found."""

    code: str
    name: str = ""
    company: str = ""
    warehouse: str = ""
    owners: Mapping[str, str] = field(default_factory=dict)
    profile_found: bool = False


@dataclass(frozen=True)
class SiteSignoff:
    facts: SiteFacts
    ready: str
    verdict: Verdict
    digest: str
    statuses: Sequence[ApprovalStatus]
    problems: Sequence[str] = ()  # files in the approvals folder that are not approvals


def worst(outcomes: Sequence[str]) -> str:
    return min(outcomes, key=lambda outcome: SEVERITY_ORDER.index(outcome) if outcome in SEVERITY_ORDER else 0)


def _data_uri(path: Path | None) -> str:
    if path is None or not path.is_file():
        return ""
    kind = "image/png" if path.suffix.lower() == ".png" else "image/jpeg"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _scorecard_items(run: RunResults, sites: Sequence[str], scorecard: PackScorecard) -> list[str]:
    """The readiness scorecard's open items: a scorecard to produce, data quality not measured, rules with findings."""
    if scorecard.state != "present":
        return [f"No readiness scorecard for these results: {_scorecard_fix(run, scorecard)}"]
    items: list[str] = []
    for site in sites:
        card = scorecard.sites.get(site)
        if card is None:
            items.append(f"{site}: the readiness scorecard has no entry for it: `uat readiness --run {run.run_id}`")
            continue
        for rule in card.rules:
            if rule.status == "not measured":
                items.append(f"{site}: data quality not measured ({rule.title}: {rule.note}): rerun the measure")
            elif rule.status == "findings":
                first = "; ".join(finding.name or f"{finding.model} #{finding.id}" for finding in rule.first)
                more = f" and {rule.count - len(rule.first)} more" if rule.count > len(rule.first) else ""
                items.append(f"{site}: data quality: {rule.title}: {rule.count} record(s) to correct ({first}{more})")
    return items


def _scorecard_fix(run: RunResults, scorecard: PackScorecard) -> str:
    command = f"`uat readiness --run {run.run_id}` (read-only) writes it into the run directory"
    if scorecard.state == "unreadable":
        return f"readiness-scorecard.json cannot be read ({scorecard.problem}); {command}"
    return f"the run directory has no readiness-scorecard.json; {command}"


def _scorecard_context(run: RunResults, sites: Sequence[str], scorecard: PackScorecard) -> dict[str, Any]:
    return {
        "state": scorecard.state,
        "fix": _scorecard_fix(run, scorecard) if scorecard.state != "present" else "",
        "command": f"uat readiness --run {run.run_id}",
        "generated": scorecard.generated,
        "database": scorecard.database,
        "sites": [
            {
                "code": site,
                "card": scorecard.sites.get(site),
                "other_run": (
                    scorecard.sites[site].run_id
                    if site in scorecard.sites and scorecard.sites[site].run_id not in ("", run.run_id)
                    else ""
                ),
            }
            for site in sites
        ],
    }


def _open_items(
    run: RunResults, sites: Sequence[str], signoffs: Mapping[str, SiteSignoff], scorecard: PackScorecard
) -> list[str]:
    """What stands between these results and go-live, most serious first."""
    items: list[str] = []
    cells = [cell for site in sites for cell in run.site_cells(site)]
    advice = {
        "harness error": "the harness itself broke: nothing is known about the site; report it and rerun",
        "environment": "Odoo was unreachable or timed out: nothing is known about the site; rerun",
        "blocked": "the cell could not be tested as written: fix the profile, the role's login or the feature, rerun",
        "FAILED": "a business expectation broke: fix the configuration and rerun, or accept it with conditions",
    }
    for verdict in SEVERITY_ORDER:
        for cell in cells:
            if cell.verdict == verdict and verdict in advice:
                reason = "; ".join(reason for reason in cell.reasons if not reason.startswith("run once per company"))
                items.append(
                    f"{cell.site} / {cycle_title(cell.cycle)}: {verdict}: {advice[verdict]}"
                    + (f" ({reason})" if reason else "")
                )
    for site in sites:
        missing = [cycle_title(cell.cycle) for cell in run.site_cells(site) if cell.verdict == "not run"]
        if missing:
            items.append(f"{site}: not run in this run although its profile has them: {', '.join(missing)}")
    if run.interrupted:
        items.insert(0, f"The run was interrupted ({run.interrupted}): cells not run are incomplete")
    for site in sites:
        signoff = signoffs.get(site)
        if signoff is None:
            continue
        if signoff.verdict.label != "GO":
            items.append(f"{site}: go-live {signoff.verdict.label}: {'; '.join(signoff.verdict.reasons)}")
        items.extend(f"{site}: approvals folder: {problem}" for problem in signoff.problems)
    return items + _scorecard_items(run, sites, scorecard)


def environment_rows(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The run's environment, one row per fact; the installed modules on one row (`module.<name>=<version>`)."""
    rows = [(key, value) for key, value in pairs if not key.startswith("module.")]
    modules = [f"{key.removeprefix('module.')} {value}" for key, value in pairs if key.startswith("module.")]
    return rows + ([("modules", ", ".join(modules))] if modules else [])


def _matrix_cell(cell: Cell) -> dict[str, Any]:
    passed = sum(1 for scenario in cell.scenarios if scenario.outcome == "passed")
    return {
        "verdict": cell.verdict,
        "css": STATUS_CLASS.get(cell.verdict, "na"),
        "modes": ", ".join(cell.modes),
        "vias": ", ".join(site for site in cell.vias if site != cell.site),
        "count": f"{passed} of {len(cell.scenarios)} passed" if cell.scenarios else "",
    }


def _scenario_row(scenario: ScenarioResult) -> dict[str, Any]:
    return {
        "title": scenario.title,
        "feature": scenario.feature,
        "site": scenario.site,
        "cycle": cycle_title(scenario.cycle),
        "outcome": scenario.outcome,
        "css": STATUS_CLASS.get(scenario.outcome, "na"),
        "mode": scenario.mode,
        "reason": scenario.reason,
    }


def page_context(
    run: RunResults,
    sites: Sequence[str],
    facts: Mapping[str, SiteFacts],
    signoffs: Mapping[str, SiteSignoff],
    *,
    scope: str,
    generated_at: datetime,
    harness_version: str,
    run_reference: str,
    scorecard: PackScorecard | None = None,
) -> dict[str, Any]:
    """Everything one page shows, as plain values (the template only lays it out)."""
    scorecard = scorecard or PackScorecard("absent")
    scenarios = [scenario for site in sites for scenario in run.site_scenarios(site)]
    unique: list[ScenarioResult] = []
    for scenario in scenarios:
        if scenario not in unique:
            unique.append(scenario)
    traced = run.requirements(sites)
    images: dict[str, str] = {}
    failures = []
    for scenario in unique:
        if scenario.outcome != "FAILED":
            continue
        picture = _data_uri(scenario.evidence.screenshot if scenario.evidence else None)
        key = f"uat-screenshot-{len(images)}" if picture else ""
        if picture:
            images[key] = picture
        failures.append(
            {**_scenario_row(scenario), "broken": scenario.broken, "evidence": scenario.evidence, "screenshot": key}
        )
    apart = [
        {
            "site": cell.site,
            "cycle": cycle_title(cell.cycle),
            "verdict": cell.verdict,
            "css": STATUS_CLASS.get(cell.verdict, "na"),
            "scenarios": [
                {**_scenario_row(scenario), "message": scenario.evidence.message if scenario.evidence else ""}
                for scenario in cell.scenarios
                if scenario.outcome in NOT_GREEN and scenario.outcome != "FAILED"
            ],
            "reasons": [reason for reason in cell.reasons if not reason.startswith("run once per company")],
        }
        for verdict in ("harness error", "environment", "blocked")
        for site in sites
        for cell in run.site_cells(site)
        if cell.verdict == verdict
    ]
    return {
        "scope": scope,
        "single_site": scope != ALL_SITES,
        "run": run,
        "run_reference": run_reference,
        "environment": environment_rows(run.environment),
        "sites": list(sites),
        "facts": facts,
        "cycles": [(cycle, cycle_title(cycle)) for cycle in run.cycles],
        "matrix": {(site, cycle): _matrix_cell(run.cell(site, cycle)) for site in sites for cycle in run.cycles},
        "scenario_count": len(unique),
        "outcome_counts": {
            outcome: sum(1 for scenario in unique if scenario.outcome == outcome)
            for outcome in SEVERITY_ORDER
            if any(scenario.outcome == outcome for scenario in unique)
        },
        "modes": sorted({scenario.mode for scenario in unique if scenario.mode}),
        "requirements": [
            {
                "tag": tag,
                "result": worst([scenario.outcome for scenario in entries]),
                "css": STATUS_CLASS.get(worst([scenario.outcome for scenario in entries]), "na"),
                "scenarios": [_scenario_row(scenario) for scenario in entries],
            }
            for tag, entries in traced.items()
        ],
        "untraced": [_scenario_row(scenario) for scenario in unique if not scenario.requirements],
        "failures": failures,
        "apart": apart,
        "not_run": [
            {"site": cell.site, "cycle": cycle_title(cell.cycle)}
            for site in sites
            for cell in run.site_cells(site)
            if cell.verdict == "not run"
        ],
        "open_items": _open_items(run, sites, signoffs, scorecard),
        "scorecard": _scorecard_context(run, sites, scorecard),
        "signoffs": [signoffs[site] for site in sites if site in signoffs],
        "generated_at": generated_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "harness_version": harness_version,
        "images": images,  # embedded after the page is redacted: base64 is not text to search for secrets
        "status_class": STATUS_CLASS,
        "cycle_title": cycle_title,
    }


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a name the template expects and the context lacks is a bug, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["redact"] = redact
    return environment


def render_page(context: Mapping[str, Any]) -> str:
    page = redact(_environment().get_template(TEMPLATE).render(**context))
    for key, picture in context["images"].items():
        page = page.replace(f'src="{key}"', f'src="{picture}"', 1)
    return page
