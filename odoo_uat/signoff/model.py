"""A finished run read back from its directory: what the sign-off pack shows and what an approval approves.

A run directory (`reports/runs/<run id>/`, odoo_uat/run_dirs.py) holds `readiness.json` (per site and cycle: the
verdict, the reasons, each scenario's outcome and mode) and `allure-results/` (per scenario: its title, feature,
tags, labels site/mode, steps, the failure message and the evidence attached under each step). Readiness is the
truth for outcomes (Allure's own status cannot tell an environment failure from a blocked cell); Allure gives the
rest: requirement tags, the failing step, the failure's full text and the screenshot.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pytest_bdd.scenario import make_python_name

from odoo_uat.cycles import CYCLE_NAMES
from odoo_uat.errors import UnknownRunError
from odoo_uat.redaction import redact
from odoo_uat.run_dirs import PARTIAL_SUFFIX, READINESS_JSON
from odoo_uat.run_id import is_run_id

RESULTS_DIR = "allure-results"
RESULT_SUFFIX = "-result.json"
# A requirement a feature or scenario is tagged with: @REQ-PUR-001 (pytest-bdd drops the @; Allure keeps a tag label)
REQUIREMENT_TAG = re.compile(r"REQ-[A-Za-z0-9][A-Za-z0-9_.-]*")
VIA_SITES = re.compile(r"^run once per company, via site (?P<sites>.+)$")
# How a broken business expectation is written (odoo_uat.errors.BusinessExpectationFailed.render)
EXPECTATION_HEAD = "Business expectation broken: "
FIELD_LINE = re.compile(r"^\s+(?P<key>[A-Za-z][A-Za-z _-]*?):\s+(?P<value>.*)$")
RECORD_URL = re.compile(r"<(?P<url>https?://[^>\s]+)>")
# "odoo_uat.errors.OdooTimeout: ..." -> "...": the exception's dotted name says nothing to a business reader
EXCEPTION_PREFIX = re.compile(r"^(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*: |^[A-Za-z_]\w*(?:Error|Exception|Failed): ")
NOT_GREEN = ("FAILED", "environment", "blocked", "harness error")


def cycle_title(cycle: str) -> str:
    return cycle.replace("_", " ").capitalize()


@dataclass(frozen=True)
class BrokenExpectation:
    """A broken business expectation as the run wrote it: what should hold, where, as whom, on what, Odoo's words."""

    expectation: str
    site: str = ""
    role: str = ""
    record: str = ""
    record_url: str = ""
    found: str = ""
    odoo_said: str = ""
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Evidence:
    """What a failed scenario left to show why: its failing step, its message, its broken checks, its screen."""

    failed_step: str = ""
    message: str = ""
    broken_checks: tuple[str, ...] = ()
    screenshot: Path | None = None


@dataclass(frozen=True)
class ScenarioResult:
    site: str  # the site that ran it
    cycle: str
    title: str
    outcome: str
    mode: str = ""
    reason: str = ""
    feature: str = ""
    requirements: tuple[str, ...] = ()
    result_file: str = ""  # its Allure result file, when one was found
    broken: BrokenExpectation | None = None
    evidence: Evidence | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Cell:
    """One site x cycle of the matrix, with the scenarios its verdict comes from (another site's for a per-company
    scenario run via that site)."""

    site: str
    cycle: str
    verdict: str
    modes: tuple[str, ...] = ()
    vias: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    scenarios: tuple[ScenarioResult, ...] = ()


@dataclass(frozen=True)
class RunResults:
    run_id: str
    directory: Path
    readiness: Mapping[str, Any]
    sites: tuple[str, ...]
    cycles: tuple[str, ...]
    cells: Mapping[tuple[str, str], Cell]
    scenarios: tuple[ScenarioResult, ...]
    ready: Mapping[str, str]
    interrupted: str = ""
    exit_code: int = 0
    environment: tuple[tuple[str, str], ...] = ()
    started: datetime | None = None
    ended: datetime | None = None
    features: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = field(default=())  # result files that are not JSON (shown, never silently dropped)

    def cell(self, site: str, cycle: str) -> Cell:
        return self.cells[(site, cycle)]

    def site_cells(self, site: str) -> list[Cell]:
        return [self.cells[(site, cycle)] for cycle in self.cycles if (site, cycle) in self.cells]

    def site_scenarios(self, site: str) -> list[ScenarioResult]:
        """The scenarios behind the site's cells, each once."""
        seen: list[ScenarioResult] = []
        for cell in self.site_cells(site):
            seen.extend(scenario for scenario in cell.scenarios if scenario not in seen)
        return seen

    def requirements(self, sites: Sequence[str]) -> dict[str, list[ScenarioResult]]:
        """Each requirement tag of the scenarios behind these sites' cells, with its scenarios."""
        traced: dict[str, list[ScenarioResult]] = {}
        for site in sites:
            for scenario in self.site_scenarios(site):
                for requirement in scenario.requirements:
                    entries = traced.setdefault(requirement, [])
                    if scenario not in entries:
                        entries.append(scenario)
        return dict(sorted(traced.items()))


# -- finding the run ---------------------------------------------------------------------------------------------


def resolve_run_dir(run: str | Path, reports_dir: Path) -> Path:
    """A run's directory from its id (under reports_dir/runs) or its path; an unknown or unfinished run is refused."""
    runs = reports_dir / "runs"
    given = Path(run)
    for candidate in (given, runs / str(run)):
        if (candidate / READINESS_JSON).is_file():
            return candidate
    name = given.name
    if (runs / f".{name}{PARTIAL_SUFFIX}").exists() or name.endswith(PARTIAL_SUFFIX):
        raise UnknownRunError(
            f"Run {name} has not finished (its directory is still .{name.removeprefix('.')}): "
            "a run is signed off once it has ended"
        )
    known = (
        sorted(path.name for path in runs.glob("UAT-*") if (path / READINESS_JSON).is_file()) if runs.is_dir() else []
    )
    hint = f"; the latest runs there: {', '.join(known[-3:])}" if known else f"; {runs} holds no finished run"
    what = "run id" if is_run_id(name) else "run id or run directory"
    raise UnknownRunError(f"No finished run {str(run)!r}: no {what} with a {READINESS_JSON} under {runs}{hint}")


# -- Allure results ----------------------------------------------------------------------------------------------


def result_files(run_dir: Path) -> list[Path]:
    directory = run_dir / RESULTS_DIR
    return sorted(directory.glob(f"*{RESULT_SUFFIX}")) if directory.is_dir() else []


def read_result(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def labels(result: Mapping[str, Any], name: str) -> list[str]:
    return [
        str(label.get("value", ""))
        for label in result.get("labels", [])
        if isinstance(label, dict) and label.get("name") == name
    ]


def site_of(result: Mapping[str, Any]) -> str:
    site = labels(result, "site")
    if site:
        return site[0]
    return next((tag.removeprefix("site:") for tag in labels(result, "tag") if tag.startswith("site:")), "")


def cycle_of(result: Mapping[str, Any]) -> str:
    given = [cycle for cycle in labels(result, "cycle") if cycle in CYCLE_NAMES]
    return given[0] if given else next((tag for tag in labels(result, "tag") if tag in CYCLE_NAMES), "")


def requirements_of(result: Mapping[str, Any]) -> tuple[str, ...]:
    """Requirement tags (labels `tag`, or links named like one, as a link pattern would make them)."""
    found = [tag for tag in labels(result, "tag") if REQUIREMENT_TAG.fullmatch(tag)]
    found += [
        str(link.get("name"))
        for link in result.get("links", [])
        if isinstance(link, dict) and REQUIREMENT_TAG.fullmatch(str(link.get("name", "")))
    ]
    return tuple(sorted(set(found)))


def _steps(steps: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for step in steps:
        yield step
        yield from _steps(step.get("steps", []))


def _failed_step(result: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The Gherkin step that failed (a top-level step: nested ones are its actions)."""
    return next((step for step in result.get("steps", []) if step.get("status") in {"failed", "broken"}), None)


def _attachments(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = list(node.get("attachments", []))
    for step in _steps(node.get("steps", [])):
        found.extend(step.get("attachments", []))
    return found


def strip_exception_name(message: str) -> str:
    return EXCEPTION_PREFIX.sub("", message.strip(), count=1)


def parse_broken_expectation(message: str) -> BrokenExpectation | None:
    """The fields of a BusinessExpectationFailed message, or None when the message is not one."""
    lines = strip_exception_name(message).splitlines()
    if not lines or not lines[0].startswith(EXPECTATION_HEAD):
        return None
    known: dict[str, str] = {}
    details: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line.strip():
            break  # the traceback, if any, follows a blank line
        match = FIELD_LINE.match(line)
        if match is None:
            continue
        key, value = match["key"].strip(), match["value"].strip()
        if key.lower() in {"site", "role", "record", "found", "odoo said"}:
            known[key.lower()] = value
        else:
            details.append((key, value))
    record = known.get("record", "")
    url = RECORD_URL.search(record)
    odoo_said = known.get("odoo said", "")
    return BrokenExpectation(
        expectation=lines[0].removeprefix(EXPECTATION_HEAD).strip(),
        site=known.get("site", ""),
        role=known.get("role", ""),
        record=RECORD_URL.sub("", record).strip(),
        record_url=url["url"] if url else "",
        found=known.get("found", ""),
        odoo_said="" if odoo_said == "(no error from Odoo)" else odoo_said,
        details=tuple(details),
    )


def _evidence(result: Mapping[str, Any], results_dir: Path) -> Evidence:
    step = _failed_step(result)
    where: Mapping[str, Any] = step if step is not None else result
    pictures = [item for item in _attachments(where) if str(item.get("type", "")).startswith("image/")]
    if not pictures:  # failed in setup or teardown: the last screen the scenario showed
        pictures = [item for item in _attachments(result) if str(item.get("type", "")).startswith("image/")]
    screenshot = results_dir / str(pictures[-1].get("source", "")) if pictures else None
    broken: list[str] = []
    for item in _attachments(where):
        if str(item.get("name", "")).startswith("BROKEN") and item.get("type") == "text/plain":
            try:
                text = (results_dir / str(item.get("source", ""))).read_text(encoding="utf-8")
            except OSError:
                continue
            broken.append(redact(text.strip())[:1500])
    details = result.get("statusDetails") or {}
    message = strip_exception_name(str(details.get("message", "")))
    return Evidence(
        failed_step=str(step.get("name", "")) if step is not None else "",
        message=redact(message)[:3000],
        broken_checks=tuple(broken),
        screenshot=screenshot if screenshot is not None and screenshot.is_file() else None,
    )


@dataclass
class _AllureScenario:
    file: str
    data: dict[str, Any]
    site: str
    cycle: str
    python_name: str
    start: int
    claimed: bool = False


def _allure_scenarios(run_dir: Path) -> tuple[list[_AllureScenario], list[str]]:
    found: list[_AllureScenario] = []
    unreadable: list[str] = []
    for path in result_files(run_dir):
        data = read_result(path)
        if data is None:
            unreadable.append(path.name)
            continue
        found.append(
            _AllureScenario(
                file=path.name,
                data=data,
                site=site_of(data),
                cycle=cycle_of(data),
                python_name="test_" + make_python_name(str(data.get("name", ""))),
                start=int(data.get("start") or 0),
            )
        )
    found.sort(key=lambda entry: (entry.start, entry.file))
    return found, unreadable


def _match(entry: Mapping[str, Any], candidates: list[_AllureScenario]) -> _AllureScenario | None:
    """The Allure result of a readiness scenario: same site and cycle, its test name from the scenario's title."""
    item = str(entry.get("scenario", "")).split("[", 1)[0]
    same_cell = [
        candidate
        for candidate in candidates
        if not candidate.claimed and candidate.site == entry.get("site") and candidate.cycle == entry.get("cycle")
    ]
    exact = [candidate for candidate in same_cell if candidate.python_name == item]
    # a repeated title gets a numbered test name (test_x_1); an outline's title may hold its <parameters>
    near = [
        candidate
        for candidate in same_cell
        if item.startswith(candidate.python_name) or candidate.python_name.startswith(item)
    ]
    # an outline's rows share one test name: its id ("[CLINIC-...-"second device"-6 months]") ends with the row's
    # values, which tells them apart
    row_id = str(entry.get("scenario", "")).partition("[")[2].removesuffix("]")
    same_row = [
        candidate
        for candidate in (*exact, *near)
        if (values := example_values(candidate.data)) and row_id.endswith("-".join(values))
    ]
    for chosen in (*same_row, *exact, *near):
        chosen.claimed = True
        return chosen
    return None


def _scenario(entry: Mapping[str, Any], allure: _AllureScenario | None, results_dir: Path) -> ScenarioResult:
    outcome = str(entry.get("outcome", ""))
    reason = redact(str(entry.get("reason", "")))
    data = allure.data if allure is not None else {}
    title = str(data.get("name") or entry.get("scenario", ""))
    example = example_of(data)
    if example:  # an outline's rows share a title: each row is told apart by its values
        title = f"{title} ({example})"
    broken = evidence = None
    if outcome in NOT_GREEN:
        evidence = _evidence(data, results_dir) if data else Evidence(message=reason)
        if outcome == "FAILED":
            broken = parse_broken_expectation(evidence.message) or parse_broken_expectation(reason)
            if broken is not None:
                broken = BrokenExpectation(
                    expectation=redact(broken.expectation),
                    site=redact(broken.site),
                    role=redact(broken.role),
                    record=redact(broken.record),
                    record_url=redact(broken.record_url),
                    found=redact(broken.found),
                    odoo_said=redact(broken.odoo_said),
                    details=tuple((key, redact(value)) for key, value in broken.details),
                )
    return ScenarioResult(
        site=str(entry.get("site", "")),
        cycle=str(entry.get("cycle", "")),
        title=redact(title),
        outcome=outcome,
        mode=str(entry.get("mode") or (labels(data, "mode") or [""])[0]),
        reason=reason,
        feature=(labels(data, "feature") or [""])[0],
        requirements=requirements_of(data),
        result_file=allure.file if allure is not None else "",
        broken=broken,
        evidence=evidence,
        seconds=float(entry.get("seconds") or 0.0),
    )


# Parameters an Allure result carries that are not a row of the feature's Examples: the site the cell belongs to (its
# own column in every table of the pack), the run id, and an Examples row's `site` column (which sites the row is for).
NOT_EXAMPLE_VALUES = frozenset({"site_code", "run", "site"})


def _example_parameters(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The parameters of a result that are the values of an outline's Examples row, in the feature's column order."""
    return [
        parameter
        for parameter in data.get("parameters") or ()
        if isinstance(parameter, dict)
        and parameter.get("name") not in NOT_EXAMPLE_VALUES
        and not parameter.get("excluded")
    ]


def example_values(data: Mapping[str, Any]) -> list[str]:
    """The values of an outline's Examples row a result ran with, in the feature's column order."""
    return [str(parameter.get("value", "")) for parameter in _example_parameters(data)]


def example_of(data: Mapping[str, Any]) -> str:
    """An Examples row in words, for a reader: 'equipment "second device", interval 6 months'."""
    return ", ".join(f"{parameter['name']} {parameter.get('value', '')}" for parameter in _example_parameters(data))


# -- the run -------------------------------------------------------------------------------------------------------


def read_readiness(run_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((run_dir / READINESS_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnknownRunError(f"{run_dir / READINESS_JSON} cannot be read as a run's readiness: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("sites"), dict):
        raise UnknownRunError(f"{run_dir / READINESS_JSON} is not a run's readiness (no sites)")
    return data


def via_sites(reasons: Sequence[str]) -> tuple[str, ...]:
    """The sites that ran a once-per-company scenario for a cell (readiness says "run once per company, via ...")."""
    vias: list[str] = []
    for reason in reasons:
        match = VIA_SITES.match(reason)
        if match:
            vias.extend(site.strip() for site in match["sites"].split(","))
    return tuple(vias)


def read_environment(run_dir: Path, readiness: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """What the run recorded of its environment: readiness.json's `environment`, Allure's environment.properties."""
    pairs: dict[str, str] = {}
    recorded = readiness.get("environment")
    if isinstance(recorded, dict):
        pairs.update({str(key): str(value) for key, value in recorded.items()})
    properties = run_dir / RESULTS_DIR / "environment.properties"
    if properties.is_file():
        for line in properties.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip() and not key.lstrip().startswith(("#", "!")):
                pairs.setdefault(key.strip().replace("\\ ", " "), value.strip())
    return tuple((key, redact(value)) for key, value in pairs.items())


def _moment(milliseconds: int) -> datetime | None:
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC) if milliseconds else None


def load_run(run_dir: Path) -> RunResults:
    readiness = read_readiness(run_dir)
    results_dir = run_dir / RESULTS_DIR
    allure, unreadable = _allure_scenarios(run_dir)
    entries = [entry for entry in readiness.get("scenarios", []) if isinstance(entry, dict)]
    scenarios = tuple(_scenario(entry, _match(entry, allure), results_dir) for entry in entries)
    sites = tuple(readiness["sites"])
    cycles = tuple(
        dict.fromkeys(
            cycle for verdicts in readiness["sites"].values() if isinstance(verdicts, dict) for cycle in verdicts
        )
    )
    cells: dict[tuple[str, str], Cell] = {}
    all_reasons = readiness.get("reasons", {})
    for site, verdicts in readiness["sites"].items():
        for cycle, verdict in verdicts.items():
            reasons = tuple(redact(str(reason)) for reason in all_reasons.get(site, {}).get(cycle, []))
            vias = via_sites(reasons)
            behind = tuple(
                scenario for scenario in scenarios if scenario.cycle == cycle and scenario.site in {site, *vias}
            )
            modes = tuple(dict.fromkeys(scenario.mode for scenario in behind if scenario.mode))
            cells[(site, cycle)] = Cell(site, cycle, str(verdict), modes, vias, reasons, behind)
    starts = [entry.start for entry in allure if entry.start]
    stops = [int(entry.data.get("stop") or 0) for entry in allure if entry.data.get("stop")]
    return RunResults(
        run_id=str(readiness.get("run_id") or run_dir.name),
        directory=run_dir,
        readiness=readiness,
        sites=sites,
        cycles=cycles,
        cells=cells,
        scenarios=scenarios,
        ready={str(site): str(value) for site, value in readiness.get("ready", {}).items()},
        interrupted=redact(str(readiness.get("interrupted") or "")),
        exit_code=int(readiness.get("exit_code") or 0),
        environment=read_environment(run_dir, readiness),
        started=_moment(min(starts)) if starts else None,
        ended=_moment(max(stops)) if stops else None,
        features=tuple(sorted({feature for entry in allure for feature in labels(entry.data, "feature")})),
        unreadable=tuple(unreadable),
    )
