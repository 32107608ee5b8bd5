"""Everything a run reports: Allure evidence, the business failure text, and readiness by site.

It is a pytest plugin (loaded by the root conftest) and the only module that talks to Allure. Every text
that leaves the run passes through `redact`, which removes passwords, API keys and session cookies.
"""

from __future__ import annotations

import json
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import allure
import pytest

from odoo_uat.actions.base import ActionRecord, Mode
from odoo_uat.cycles import CYCLE_NAMES
from odoo_uat.errors import BusinessExpectationFailed, ExitCode, RecordRef
from odoo_uat.keys import CALL_COUNTER, MODE_OF_ITEM, RUN_ID, SELECTED_SITES, SITE_OF_ITEM
from odoo_uat.outcomes import SEVERITY, Classified, Outcome, classify, most_serious, run_exit_code
from odoo_uat.redaction import install_redaction, redact
from odoo_uat.run_dirs import stop_reason

CYCLES = CYCLE_NAMES

# -- evidence ---------------------------------------------------------------------------------------


def attach_text(name: str, text: str) -> None:
    allure.attach(redact(text), name=name, attachment_type=allure.attachment_type.TEXT)


def attach_json(name: str, data: Any) -> None:
    allure.attach(
        redact(json.dumps(data, indent=2, default=str, ensure_ascii=False)),
        name=name,
        attachment_type=allure.attachment_type.JSON,
    )


# per test: the record the current step last checked, and who read it (a role, or the technical user)
CHECKED_IN_STEP = pytest.StashKey[tuple[RecordRef, str] | None]()


def record_check(expectation: str, *, site: str, role: str, found: str, record: RecordRef | None, holds: bool) -> None:
    """Each business check, passed or not, is evidence: what was expected, by whom, and what Odoo held."""
    verdict = "HELD" if holds else "BROKEN"
    lines = [
        f"{verdict}: {expectation}",
        f"site: {site}",
        f"role: {role}",
        f"record: {record or '-'}",
        f"found: {found or '(as expected)'}",
    ]
    attach_text(f"{verdict}: {expectation[:90]}", "\n".join(lines))
    item = _running.get()
    if item is not None and record is not None:  # browser mode shows the checked record after the step
        item.stash[CHECKED_IN_STEP] = (record, role)


# -- what each role did (odoo_uat/actions) --------------------------------------------------------------------

ACTIONS_OF_ITEM = pytest.StashKey[list[ActionRecord]]()  # per test: the role actions it performed, in order
SCREENSHOT_SECONDS = pytest.StashKey[list[float]]()  # per browser-mode test: what each step's screenshot took
_running: ContextVar[pytest.Item | None] = ContextVar("uat_running_item", default=None)


@contextmanager
def action_step(label: str) -> Iterator[None]:
    """A role's action is an Allure step of its Gherkin step; its evidence (screenshots, calls) nests under it."""
    with allure.step(redact(label)):
        yield


def record_action(record: ActionRecord) -> None:
    """Count an action for the scenario being run (the report's "browser actions: N of N")."""
    item = _running.get()
    if item is not None:
        item.stash.setdefault(ACTIONS_OF_ITEM, []).append(record)


# -- readiness by site ------------------------------------------------------------------------------

NOT_RUN = "not run"
NOT_APPLICABLE = "n/a"


@dataclass
class BrowserActionCount:
    """The role actions of browser-mode scenarios: which were done on screen, which stay on RPC by design (and
    why), and which a browser scenario still did over RPC without a reason (no browser implementation yet)."""

    scenarios: int = 0
    on_screen: dict[str, int] = field(default_factory=dict)  # action -> times done
    by_design: dict[str, str] = field(default_factory=dict)  # action -> why it stays on RPC
    not_on_screen: dict[str, int] = field(default_factory=dict)

    def add(self, actions: list[ActionRecord]) -> None:
        self.scenarios += 1
        for record in actions:
            name = f"{record.domain}: {record.name}" if record.domain else record.name
            if record.why_rpc:
                self.by_design[name] = record.why_rpc
            elif record.performed is Mode.BROWSER:
                self.on_screen[name] = self.on_screen.get(name, 0) + 1
            else:
                self.not_on_screen[name] = self.not_on_screen.get(name, 0) + 1

    def summary(self) -> str:
        wanted = len(self.on_screen) + len(self.not_on_screen)
        line = f"browser actions: {len(self.on_screen)} of {wanted} done on screen"
        if self.not_on_screen:
            line += " (not on screen: " + ", ".join(sorted(self.not_on_screen)) + ")"
        line += f"; {len(self.by_design)} stay on RPC by design"
        if self.by_design:
            line += " (" + "; ".join(f"{name}: {why}" for name, why in sorted(self.by_design.items())) + ")"
        return line

    def as_json(self) -> dict[str, Any]:
        return {
            "scenarios": self.scenarios,
            "on_screen": len(self.on_screen),
            "of": len(self.on_screen) + len(self.not_on_screen),
            "done_on_screen": dict(sorted(self.on_screen.items())),
            "not_on_screen": dict(sorted(self.not_on_screen.items())),
            "stay_on_rpc_by_design": dict(sorted(self.by_design.items())),
        }


@dataclass(frozen=True)
class CellResult:
    """One scenario's outcome in one (site, cycle) cell; `via` is the site that ran a per-company scenario."""

    outcome: Outcome
    reason: str = ""
    via: str = ""
    exit_code: ExitCode = ExitCode.OK
    mode: str = ""  # rpc or browser: how the scenario's roles acted


@dataclass
class Readiness:
    """Outcome of each (site, cycle): what a business owner signs off, site by site (odoo_uat.outcomes)."""

    run_id: str
    results: dict[str, dict[str, list[CellResult]]] = field(default_factory=dict)
    scenarios: list[dict[str, Any]] = field(default_factory=list)  # per scenario: outcome, time, RPC round trips
    # the cycles each site's profile has; a cycle a site does not do is "n/a", not a gap in its readiness
    expected: dict[str, set[str]] = field(default_factory=dict)
    interrupted: str = ""  # why the run stopped early (Ctrl-C, SIGTERM), if it did
    browser_actions: BrowserActionCount = field(default_factory=BrowserActionCount)

    def add(self, site: str, cycle: str, result: CellResult | Outcome) -> None:
        cell = result if isinstance(result, CellResult) else CellResult(result)
        self.results.setdefault(site, {}).setdefault(cycle, []).append(cell)

    def verdict(self, site: str, cycle: str) -> str:
        cells = self.results.get(site, {}).get(cycle, [])
        if not cells:
            return NOT_RUN if cycle in self.expected.get(site, set(CYCLES)) else NOT_APPLICABLE
        return str(most_serious([cell.outcome for cell in cells]))

    def failure_reasons(self, site: str, cycle: str) -> list[str]:
        """Why a cell is not green, each reason once."""
        notes: list[str] = []
        for cell in self.results.get(site, {}).get(cycle, []):
            if cell.outcome is not Outcome.PASSED and cell.reason and cell.reason not in notes:
                notes.append(cell.reason)
        return notes

    def modes(self, site: str, cycle: str) -> list[str]:
        """How the cell's scenarios ran (rpc, browser), each mode once."""
        found = {cell.mode for cell in self.results.get(site, {}).get(cycle, []) if cell.mode}
        return [mode.value for mode in Mode if mode.value in found]

    def vias(self, site: str, cycle: str) -> list[str]:
        """The other sites that ran a once-per-company scenario this cell answers for."""
        return sorted({cell.via for cell in self.results.get(site, {}).get(cycle, []) if cell.via and cell.via != site})

    def reasons(self, site: str, cycle: str) -> list[str]:
        """Why a cell is not green, and which site ran it when it answers for a whole company."""
        vias = self.vias(site, cycle)
        return self.failure_reasons(site, cycle) + (
            ["run once per company, via site " + ", ".join(vias)] if vias else []
        )

    def sites(self) -> list[str]:
        """Sites with a result, or with a cycle to do (a selected site none of whose cycles ran is incomplete)."""
        return sorted(set(self.results) | {site for site, cycles in self.expected.items() if cycles})

    def as_markdown(self) -> str:
        header = "| Site | " + " | ".join(CYCLES) + " | Ready |"
        rows = [header, "|" + "---|" * (len(CYCLES) + 2)]
        for site in self.sites():
            verdicts = []
            for cycle in CYCLES:
                vias, modes = self.vias(site, cycle), self.modes(site, cycle)
                verdicts.append(
                    self.verdict(site, cycle)
                    + (f" (via {', '.join(vias)})" if vias else "")
                    + (f" [{', '.join(modes)}]" if modes else "")
                )
            rows.append(f"| {site} | " + " | ".join(verdicts) + f" | {self.ready(site)} |")
        notes = [
            f"- {site} / {cycle}: {reason}"
            for site in self.sites()
            for cycle in CYCLES
            for reason in self.failure_reasons(site, cycle)
        ]
        legend = (
            "\n`passed`: every business expectation held. `FAILED`: a business expectation broke (a finding "
            "about the target). `environment`: Odoo was unreachable, stopped or timed out; nothing is known, rerun. "
            "`blocked`: the cell could not be tested as written (profile, a role's login, a feature step). "
            "`harness error`: the harness itself broke. `not run`: the profile has the cycle but it did not run. "
            "`n/a`: the site's profile has no such cycle. `(via X)`: a once-per-company scenario run for site X. "
            "`[rpc]`, `[browser]`: how the cell's roles acted (over RPC, or in Odoo's web client).\n\n"
            "`Ready`: yes when every cycle the site's profile has passed; no when one FAILED; "
            "unknown when one has no business verdict (environment, blocked, harness error); incomplete when "
            "one was not run.\n"
        )
        text = f"# UAT readiness by site, run {self.run_id}\n\n"
        if self.interrupted:
            text += f"**The run was interrupted ({self.interrupted}): cells not run are incomplete.**\n\n"
        text += "\n".join(rows) + "\n" + legend
        if notes:
            text += "\n## Why cells are not green\n\n" + "\n".join(notes) + "\n"
        return text

    def ready(self, site: str) -> str:
        verdicts = [self.verdict(site, cycle) for cycle in CYCLES]
        if Outcome.FAILED in verdicts:
            return "no"
        if any(verdict in {Outcome.ENVIRONMENT, Outcome.BLOCKED, Outcome.HARNESS_ERROR} for verdict in verdicts):
            return "unknown"
        return "incomplete" if NOT_RUN in verdicts else "yes"

    def exit_code(self) -> ExitCode:
        """The run's exit code from what its scenarios found (precedence in odoo_uat.outcomes)."""
        return run_exit_code(
            [Classified(Outcome(entry["outcome"]), ExitCode(entry["exit_code"]), "") for entry in self.scenarios]
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "interrupted": self.interrupted,
            "exit_code": int(self.exit_code()),
            "sites": {site: {cycle: self.verdict(site, cycle) for cycle in CYCLES} for site in self.sites()},
            "reasons": {
                site: {cycle: self.reasons(site, cycle) for cycle in CYCLES if self.reasons(site, cycle)}
                for site in self.sites()
            },
            "ready": {site: self.ready(site) for site in self.sites()},
            "scenarios": self.scenarios,
            **({"browser_actions": self.browser_actions.as_json()} if self.browser_actions.scenarios else {}),
        }


READINESS = pytest.StashKey[Readiness]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("uat").addoption(
        "--uat-report-dir",
        default=None,
        metavar="DIR",
        help="write readiness.md and readiness.json (readiness by site and cycle) into DIR",
    )


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    install_redaction(config)
    config.stash[READINESS] = Readiness(run_id=config.stash.get(RUN_ID, "UAT-unknown"))


def _cycle_of(item: pytest.Item) -> str | None:
    return next((cycle for cycle in CYCLES if item.get_closest_marker(cycle)), None)


def _sites_covered(item: pytest.Item, site: str, cycle: str) -> list[str]:
    """A @per_company scenario runs for one site but answers for every selected site of its company."""
    if not item.get_closest_marker("per_company"):
        return [site]
    selected = item.config.stash.get(SELECTED_SITES, [])
    company = next((entry.profile.company for entry in selected if entry.profile.code == site), None)
    return [
        entry.profile.code
        for entry in selected
        if entry.profile.company == company and getattr(entry.profile, cycle) is not None
    ] or [site]


@pytest.hookimpl(trylast=True)  # after allure-pytest-bdd has opened the scenario's test case
def pytest_bdd_before_scenario(request: pytest.FixtureRequest) -> None:
    site_code = request.node.stash.get(SITE_OF_ITEM, None)
    if site_code is None:
        return
    allure.dynamic.tag(f"site:{site_code}")
    allure.dynamic.label("site", site_code)
    mode = request.node.stash.get(MODE_OF_ITEM, None)
    if mode is not None:
        allure.dynamic.tag(f"mode:{mode.value}")
        allure.dynamic.label("mode", mode.value)
    allure.dynamic.parameter("run", request.config.stash[RUN_ID], excluded=True)


PHASE_RESULTS = pytest.StashKey[list[tuple[str, Classified]]]()  # per test: (phase, what its exception meant)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    excinfo = call.excinfo
    if excinfo is not None and isinstance(excinfo.value, BusinessExpectationFailed):
        # The business reader sees the broken expectation first; pytest's traceback stays below it.
        report.longrepr = redact(excinfo.value.render()) + "\n\n" + redact(str(report.longrepr))
    if report.failed:
        error = excinfo.value if excinfo is not None else None
        classified = (
            classify(error)
            if error is not None
            else Classified(Outcome.HARNESS_ERROR, ExitCode.HARNESS_ERROR, f"{report.when} failed without exception")
        )
        if error is not None and not isinstance(error, Exception):  # KeyboardInterrupt, SystemExit: not a verdict
            return report
        classified = Classified(classified.outcome, classified.exit_code, redact(classified.reason))
        item.stash.setdefault(PHASE_RESULTS, []).append((report.when, classified))
    return report


def _scenario_result(item: pytest.Item) -> Classified:
    """The most serious of what the scenario's setup, call and teardown ended in."""
    phases = item.stash.get(PHASE_RESULTS, [])
    if not phases:
        return Classified(Outcome.PASSED, ExitCode.OK, "")
    worst = most_serious([classified.outcome for _, classified in phases])
    return next(classified for _, classified in phases if classified.outcome is worst)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Record each scenario's outcome in its cells, with its time and RPC round trips (setup and teardown included)."""
    counter = item.config.stash.get(CALL_COUNTER, None)
    calls_before = counter.round_trips if counter else 0
    started = time.perf_counter()
    running = _running.set(item)
    try:
        result = yield
    finally:
        _running.reset(running)
    site, cycle = item.stash.get(SITE_OF_ITEM, None), _cycle_of(item)
    counter = item.config.stash.get(CALL_COUNTER, None)
    outcome = _scenario_result(item)
    mode = item.stash.get(MODE_OF_ITEM, None)
    if site and cycle:
        readiness = item.config.stash[READINESS]
        for covered in _sites_covered(item, site, cycle):
            readiness.add(
                covered,
                cycle,
                CellResult(
                    outcome.outcome,
                    outcome.reason,
                    via=site,
                    exit_code=outcome.exit_code,
                    mode=mode.value if mode else "",
                ),
            )
        if mode is Mode.BROWSER:
            readiness.browser_actions.add(item.stash.get(ACTIONS_OF_ITEM, []))
        readiness.scenarios.append(
            {
                "site": site,
                "cycle": cycle,
                **({"mode": mode.value} if mode else {}),
                "scenario": item.name,
                "outcome": str(outcome.outcome),
                "exit_code": int(outcome.exit_code),
                "reason": outcome.reason,
                "seconds": round(time.perf_counter() - started, 3),
                "round_trips": (counter.round_trips - calls_before) if counter else 0,
                **_screenshot_figures(item),
            }
        )
        _write_readiness(item.config, readiness)  # after every scenario: a run killed outright keeps what it finished
    return result


def _screenshot_figures(item: pytest.Item) -> dict[str, Any]:
    shots = item.stash.get(SCREENSHOT_SECONDS, [])
    return {"screenshots": len(shots), "screenshot_seconds": round(sum(shots), 3)} if shots else {}


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Generator[None, None, None]:
    """Write readiness by site and give the run the exit code of its most serious outcome."""
    readiness = session.config.stash.get(READINESS, None)
    if readiness is not None and readiness.results:
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            readiness.interrupted = stop_reason() or "stopped before every scenario ran"
        elif exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            session.exitstatus = int(readiness.exit_code())
        _write_readiness(session.config, readiness)
    return (yield)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """pytest counts an outage or a blocked cell as "failed"; the business reader gets the outcomes and readiness."""
    readiness = terminalreporter.config.stash.get(READINESS, None)
    if readiness is None or not readiness.scenarios:
        return
    counts: dict[str, int] = {}
    for entry in readiness.scenarios:
        counts[entry["outcome"]] = counts.get(entry["outcome"], 0) + 1
    terminalreporter.section("UAT outcomes")
    order = [str(outcome) for outcome in reversed(SEVERITY)]
    terminalreporter.line(", ".join(f"{counts[name]} {name}" for name in order if name in counts))
    for site in readiness.sites():
        verdicts = ", ".join(f"{cycle} {readiness.verdict(site, cycle)}" for cycle in CYCLES)
        terminalreporter.line(redact(f"{site}: ready {readiness.ready(site)} ({verdicts})"))
    if readiness.browser_actions.scenarios:
        terminalreporter.line(redact(readiness.browser_actions.summary()))


def _write_readiness(config: pytest.Config, readiness: Readiness) -> None:
    directory = config.getoption("--uat-report-dir")
    if not directory:
        return
    for entry in config.stash.get(SELECTED_SITES, []):
        readiness.expected[entry.profile.code] = set(entry.profile.cycle_sections())
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    _write_atomically(target / "readiness.md", readiness.as_markdown())
    _write_atomically(target / "readiness.json", json.dumps(readiness.as_json(), indent=2))


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
