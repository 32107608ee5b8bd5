"""Everything a run reports: Allure evidence, the business failure text, and readiness by site.

It is a pytest plugin (loaded by the root conftest) and the only package that talks to Allure. Every text
that leaves the run passes through `redact`, which removes passwords, API keys and session cookies.

Evidence under each Gherkin step (Allure): every business check (`record_check`), each role's action as a
sub-step (`action_step`), one table of the RPC calls the step made, each record it acted on as its Odoo URL
(odoo_uat/reporting/calls.py, fed by the gateway's call listeners), before/after tables of the quantities
it checked (`record_quantities`, odoo_uat/reporting/quantities.py) and, in browser mode, the screenshot
(fixtures/browser.py). Each scenario's labels: site, cycle, mode, role(s), severity, the process owner, its
outcome (odoo_uat/reporting/labels.py); its links: requirements, and each record it checked or created. The run's
results directory also gets categories.json and environment.properties. `uat report` builds the HTML report from
all of this (odoo_uat/allure_report.py).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import allure
import allure_commons
import pluggy
import pytest
from allure_commons.model2 import Label, Link

from odoo_uat.actions.base import ActionRecord, Mode
from odoo_uat.config import PROJECT_ROOT
from odoo_uat.cycles import CYCLE_NAMES, REQUIRED_MODULES
from odoo_uat.errors import BusinessExpectationFailed, ExitCode, RecordRef
from odoo_uat.gateway import OdooGateway, RpcCall
from odoo_uat.keys import CALL_COUNTER, MODE_OF_ITEM, RUN_ID, SELECTED_SITES, SITE_OF_ITEM
from odoo_uat.outcomes import SEVERITY, Classified, Outcome, classify, most_serious, run_exit_code
from odoo_uat.redaction import install_redaction, redact
from odoo_uat.reporting import labels
from odoo_uat.reporting.calls import CallRow, RecordLink, attachment_name, render_step_csv, row_of
from odoo_uat.reporting.quantities import record_quantities
from odoo_uat.run_dirs import stop_reason

__all__ = ["record_quantities"]  # the before/after tables of quantity checks (steps and cycles call it from here)

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
    if item is None:
        return
    checker = role.split(" (", 1)[0].strip()  # "requester (nsc.requester)"; "(configuration, read by ...)": none
    if ROLE_NAME.fullmatch(checker):
        item.stash.setdefault(ROLES_OF_ITEM, set()).add(checker)
    if record is not None:  # browser mode shows the checked record after the step
        item.stash[CHECKED_IN_STEP] = (record, role)
        if record.url:
            link = RecordLink(record.model, record.id, record.url, record.name, checked=True)
            item.stash.setdefault(RECORDS_OF_ITEM, {})[(record.model, record.id)] = link  # named: wins


# -- what each role did (odoo_uat/actions) --------------------------------------------------------------------

ACTIONS_OF_ITEM = pytest.StashKey[list[ActionRecord]]()  # per test: the role actions it performed, in order
SCREENSHOT_SECONDS = pytest.StashKey[list[float]]()  # per browser-mode test: what each step's screenshot took
_running: ContextVar[pytest.Item | None] = ContextVar("uat_running_item", default=None)


@contextmanager
def action_step(label: str) -> Iterator[None]:
    """A role's action is an Allure step of its Gherkin step; its evidence (screenshots) nests under it, and the
    RPC calls it makes are marked with it in the step's table of calls."""
    item = _running.get()
    outer = item.stash.get(ACTION_IN_PROGRESS, "") if item is not None else ""
    if item is not None:
        item.stash[ACTION_IN_PROGRESS] = label
    try:
        with allure.step(redact(label)):
            yield
    finally:
        if item is not None:
            item.stash[ACTION_IN_PROGRESS] = outer


def record_action(record: ActionRecord) -> None:
    """Count an action for the scenario being run (the report's "browser actions: N of N")."""
    item = _running.get()
    if item is not None:
        item.stash.setdefault(ACTIONS_OF_ITEM, []).append(record)
        item.stash.setdefault(ROLES_OF_ITEM, set()).add(record.role)


# -- the RPC calls of each step (the gateway's call listeners, odoo_uat/reporting/calls.py) -----------------------


@dataclass
class StepEvidence:
    """What one Gherkin step (or the scenario outside its steps) did in Odoo, for its table."""

    rows: list[CallRow] = field(default_factory=list)


STEP_EVIDENCE = pytest.StashKey[StepEvidence]()  # per test: the open Gherkin step's calls
OUTSIDE_STEPS = pytest.StashKey[StepEvidence]()  # per test: calls before its first step and after its last one
ACTION_IN_PROGRESS = pytest.StashKey[str]()  # per test: the role's action being performed, if any
ROLES_OF_ITEM = pytest.StashKey[set[str]]()  # per test: the roles that acted, checked or called Odoo
RECORDS_OF_ITEM = pytest.StashKey[dict[tuple[str, int], RecordLink]]()  # per test: records checked or created
LOGIN_ROLES = pytest.StashKey[dict[str, list[str]]]()  # per test: the site's logins and the roles each plays
STEP_FIELDS = pytest.StashKey[dict[str, set[str]]]()  # per test: step text -> its typed fields (step parameters)
SHARED_SETUP = pytest.StashKey[int]()  # per test: run-wide fixtures being set up (nested) during it
NOT_EVIDENCE = pytest.StashKey[bool]()  # per test: the report's own reads are going on (environment facts)
SCENARIO_LINKS_LIMIT = 40  # record links on a scenario (its steps' tables hold every one)
ROLE_NAME = re.compile(r"[a-z][a-z0-9_]*")  # a profile's role (requester, helpdesk_lead), not a description


def _evidence_of(item: pytest.Item) -> StepEvidence:
    """The open step's evidence, or the scenario's outside any step (a run-wide fixture being set up inside a step,
    such as the sites' references resolved when the first step needs them, is not that step's doing)."""
    evidence = item.stash.get(STEP_EVIDENCE, None)
    if evidence is not None and not item.stash.get(SHARED_SETUP, 0):
        return evidence
    return item.stash.setdefault(OUTSIDE_STEPS, StepEvidence())


def _who(item: pytest.Item, login: str) -> tuple[str, list[str]]:
    """`requester, approver (nsc.buyer)`: a login named by the roles it plays at the scenario's site."""
    if LOGIN_ROLES not in item.stash:
        site = item.stash.get(SITE_OF_ITEM, None)
        profile = next(
            (entry.profile for entry in item.config.stash.get(SELECTED_SITES, []) if entry.profile.code == site), None
        )
        mapping: dict[str, list[str]] = {}
        for role, user in profile.roles.items() if profile is not None else ():
            mapping.setdefault(user.login, []).append(role)
        item.stash[LOGIN_ROLES] = mapping
    roles = item.stash[LOGIN_ROLES].get(login, [])
    if roles:
        return f"{', '.join(roles)} ({login})", roles
    if login == os.environ.get("ODOO_USER"):
        return f"technical user ({login})", []
    return login, []


def hear_call(call: RpcCall) -> None:
    """The gateway's call listener: the call joins the table of the step (of the scenario) it was made in.

    Evidence never breaks a scenario: a listener that cannot summarise a call leaves it out of the table."""
    item = _running.get()
    if item is None or item.stash.get(NOT_EVIDENCE, False):  # outside any scenario, another thread, our own reads
        return
    try:
        who, roles = _who(item, call.login)
        _evidence_of(item).rows.append(row_of(call, who=who, action=item.stash.get(ACTION_IN_PROGRESS, "")))
        if len(roles) == 1:  # a login several roles share does not say which of them called
            item.stash.setdefault(ROLES_OF_ITEM, set()).update(roles)
        if call.method == "create" and not call.error:
            for record in _evidence_of(item).rows[-1].records:
                item.stash.setdefault(RECORDS_OF_ITEM, {}).setdefault((record.model, record.id), record)
        elif call.method == "unlink" and not call.error:
            # a record the scenario deleted (its own turn-taking marker, a dismissed reminder) has no page to open:
            # the scenario keeps no link to it; the step's call table still says it was deleted
            for record in _evidence_of(item).rows[-1].records:
                item.stash.get(RECORDS_OF_ITEM, {}).pop((record.model, record.id), None)
    except Exception:  # pragma: no cover - a summary that failed must not fail the business call it describes
        return


def _attach_calls(evidence: StepEvidence, *, outside_steps: bool = False) -> None:
    if not evidence.rows:
        return
    name = attachment_name(evidence.rows)
    allure.attach(
        render_step_csv(evidence.rows),
        name=f"{name} outside the steps (set-up, putting back)" if outside_steps else name,
        attachment_type=allure.attachment_type.CSV,
    )


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
            # one reason, said once: the lock date is set and cleared over RPC for the same reason
            names_by_reason: dict[str, list[str]] = {}
            for name, why in sorted(self.by_design.items()):
                names_by_reason.setdefault(why, []).append(name)
            line += " (" + "; ".join(f"{' and '.join(names)}: {why}" for why, names in names_by_reason.items()) + ")"
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
    group = parser.getgroup("uat")
    group.addoption(
        "--uat-report-dir",
        default=None,
        metavar="DIR",
        help="write readiness.md and readiness.json (readiness by site and cycle) into DIR",
    )
    group.addoption(
        "--uat-requirement-link",
        default=None,
        metavar="PATTERN",
        help="link requirement tags (@REQ-PUR-001) to PATTERN, '{}' standing for the tag, e.g. "
        f"https://jira.example.org/browse/{{}} (default: ${labels.REQUIREMENT_LINK_VARIABLE})",
    )


_allure_hook = pluggy.HookimplMarker("allure")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    install_redaction(config)
    config.stash[READINESS] = Readiness(run_id=config.stash.get(RUN_ID, "UAT-unknown"))
    config.addinivalue_line("markers", "requirement(tag): a requirement the scenario covers (@REQ-PUR-001 tags)")
    config.addinivalue_line(
        "markers", f"severity(level): the scenario's severity ({', '.join(labels.SEVERITIES)} tags)"
    )
    finisher = _ResultFinisher(config)
    name = f"odoo_uat.reporting-{id(config)}"
    allure_commons.plugin_manager.register(finisher, name)
    config.add_cleanup(lambda: allure_commons.plugin_manager.unregister(name=name))


def pytest_bdd_apply_tag(tag: str, function: Callable[..., object]) -> bool | None:
    """@REQ-PUR-001 and @critical are not pytest markers of their own (--strict-markers would refuse them): they
    become `requirement` and `severity` markers, which the report turns into links and labels."""
    if labels.REQUIREMENT_TAG.fullmatch(tag):
        pytest.mark.requirement(tag)(function)
        return True
    if tag.lower() in labels.SEVERITIES:
        pytest.mark.severity(tag.lower())(function)
        return True
    return None


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
    item = request.node
    site_code = item.stash.get(SITE_OF_ITEM, None)
    if site_code is None:
        return
    allure.dynamic.tag(f"site:{site_code}")
    allure.dynamic.label("site", site_code)
    mode = item.stash.get(MODE_OF_ITEM, None)
    if mode is not None:
        allure.dynamic.tag(f"mode:{mode.value}")
        allure.dynamic.label("mode", mode.value)
    allure.dynamic.parameter("run", request.config.stash[RUN_ID], excluded=True)
    cycle = _cycle_of(item)
    if cycle is not None:
        allure.dynamic.label("cycle", cycle)
    tags = [str(marker.args[0]) for marker in item.iter_markers("severity") if marker.args]
    allure.dynamic.severity(allure.severity_level(labels.severity_of(tags, cycle)))
    profile = next(
        (entry.profile for entry in request.config.stash.get(SELECTED_SITES, []) if entry.profile.code == site_code),
        None,
    )
    owner = labels.process_owner(profile, cycle)
    if owner is not None:
        allure.dynamic.label("process", owner[0])
        allure.dynamic.label("owner", redact(owner[1]))
    pattern = request.config.getoption("--uat-requirement-link") or os.environ.get(labels.REQUIREMENT_LINK_VARIABLE)
    requirements = sorted({str(marker.args[0]) for marker in item.iter_markers("requirement") if marker.args})
    for requirement in requirements:
        allure.dynamic.tag(requirement)  # the sign-off pack's traceability reads the tag (odoo_uat/signoff)
        url = labels.requirement_url(requirement, pattern)
        if url:
            allure.dynamic.link(url, link_type="tms", name=requirement)


def pytest_bdd_after_scenario(request: pytest.FixtureRequest) -> None:
    _note_environment(request)  # after the steps: by then the scenario has needed the target


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> Generator[None, object, object]:
    """As soon as the run's session pool exists (a step may be the first to need it), its calls are heard; calls a
    run-wide fixture makes while it is set up go to the scenario's table, not to the step that first needed it."""
    running = _running.get()
    item = running if running is not None and fixturedef.scope != "function" else None
    if item is not None:
        item.stash[SHARED_SETUP] = item.stash.get(SHARED_SETUP, 0) + 1
    try:
        result = yield
    finally:
        if item is not None:
            item.stash[SHARED_SETUP] -= 1
    counter = request.config.stash.get(CALL_COUNTER, None)
    if counter is not None and hear_call not in counter.listeners:
        counter.listeners.append(hear_call)  # from now on every call of the run lands in its step's table
    return result


ENVIRONMENT = pytest.StashKey[dict[str, str]]()  # per run: Odoo's version, edition, modules (environment.properties)


def _note_environment(request: pytest.FixtureRequest) -> None:
    """Once per run: what the report's environment section says of Odoo (read as the technical user, and not
    shown among the scenario's calls)."""
    config = request.config
    if ENVIRONMENT in config.stash or "uat_target" not in request.fixturenames:
        return
    facts: dict[str, str] = {}
    config.stash[ENVIRONMENT] = facts
    request.node.stash[NOT_EVIDENCE] = True
    try:
        gateway: OdooGateway = request.getfixturevalue("uat_target")
        facts["odoo.version"] = gateway.server_version.label
        modules = sorted({name for names in REQUIRED_MODULES.values() for name in names} | {"web_enterprise"})
        rows = gateway.search_read(
            "ir.module.module",
            [("name", "in", modules), ("state", "=", "installed")],
            ["name", "latest_version"],
        )
        installed = {str(row["name"]): str(row.get("latest_version") or "") for row in rows}
        facts["odoo.edition"] = "enterprise" if "web_enterprise" in installed else "community"
        for name in sorted(installed):
            facts[f"module.{name}"] = installed[name] or "installed"
    except Exception as error:  # the environment section says what it could not read; the scenario goes on
        facts["odoo.unread"] = f"{type(error).__name__}: {error}"
    finally:
        request.node.stash[NOT_EVIDENCE] = False


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_before_step(request: pytest.FixtureRequest) -> None:
    request.node.stash[STEP_EVIDENCE] = StepEvidence()


@pytest.hookimpl(trylast=True)
def pytest_bdd_before_step_call(
    request: pytest.FixtureRequest, step: Any, step_func: Callable[..., object], step_func_args: dict[str, Any]
) -> None:
    """Remember the step's own fields (its typed text), so its Allure parameters keep them and drop the fixtures
    it was given (whole site profiles, the cast: noise for a reader, and long)."""
    fields = request.node.stash.setdefault(STEP_FIELDS, {})
    fields[f"{step.keyword} {step.name}"] = set(step_func_args) - set(request.fixturenames)


# tryfirst: allure-pytest-bdd closes the Gherkin step in these same hooks; the table must land inside it.
@pytest.hookimpl(tryfirst=True)
def pytest_bdd_after_step(request: pytest.FixtureRequest) -> None:
    _close_step(request.node)


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_step_error(request: pytest.FixtureRequest) -> None:
    _close_step(request.node)


def _close_step(item: pytest.Item) -> None:
    evidence = item.stash.get(STEP_EVIDENCE, None)
    if evidence is None:
        return
    del item.stash[STEP_EVIDENCE]
    _attach_calls(evidence)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    """The calls made outside the steps (a fixture's set-up, putting back at teardown) go under the scenario."""
    try:
        return (yield)
    finally:
        evidence = item.stash.get(OUTSIDE_STEPS, None)
        if evidence is not None:
            del item.stash[OUTSIDE_STEPS]
            _attach_calls(evidence, outside_steps=True)


class _ResultFinisher:
    """Completes each scenario's Allure result just before it is written, when everything about it is known."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config

    @_allure_hook(tryfirst=True)
    def report_result(self, result: Any) -> None:
        item = _running.get()
        # another run's plugin in the same process (pytester) leaves this run's results alone
        if item is None or item.config is not self._config or SITE_OF_ITEM not in item.stash:
            return
        outcome = _scenario_result(item)
        result.labels.append(Label(name=labels.OUTCOME_LABEL, value=str(outcome.outcome)))
        for role in sorted(item.stash.get(ROLES_OF_ITEM, None) or ()):
            result.labels.append(Label(name="role", value=role))
        if outcome.outcome is not Outcome.PASSED and result.statusDetails is not None:
            trace = result.statusDetails.trace or ""
            result.statusDetails.trace = f"{labels.TRACE_OUTCOME_PREFIX}{outcome.outcome}\n{trace}"
        records = list(item.stash.get(RECORDS_OF_ITEM, {}).values())[:SCENARIO_LINKS_LIMIT]
        result.links.extend(Link(type="link", url=record.url, name=redact(record.label())) for record in records)
        fields = item.stash.get(STEP_FIELDS, {})
        for step in result.steps:
            kept = fields.get(step.name)
            if kept is not None:
                step.parameters = [parameter for parameter in step.parameters if parameter.name in kept]


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
        _write_allure_run_files(session.config)
    return (yield)


def _write_allure_run_files(config: pytest.Config) -> None:
    """categories.json and environment.properties, beside the results (Allure reads both from there)."""
    directory = getattr(config.option, "allure_report_dir", None)
    if not directory:
        return
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    _write_atomically(target / "categories.json", json.dumps(labels.allure2_categories(), indent=2))
    sites = [entry.profile.code for entry in config.stash.get(SELECTED_SITES, [])]
    facts = {
        "run.id": config.stash.get(RUN_ID, "UAT-unknown"),
        "sites": ", ".join(sites),
        "odoo.url": os.environ.get("ODOO_URL", ""),
        "odoo.database": os.environ.get("ODOO_DB", ""),
        **config.stash.get(ENVIRONMENT, {}),
        "harness.version": labels.harness_version(),
        "harness.commit": labels.harness_commit(PROJECT_ROOT),
    }
    _write_atomically(target / "environment.properties", labels.properties_text(facts))


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
