"""Everything a run reports: Allure evidence, the business failure text, and readiness by site.

It is a pytest plugin (loaded by the root conftest) and the only module that talks to Allure. Every text
that leaves the run passes through `redact`, which removes passwords, API keys and session cookies.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import allure
import pytest

from odoo_uat.cycles import CYCLE_NAMES
from odoo_uat.errors import BusinessExpectationFailed, RecordRef
from odoo_uat.keys import CALL_COUNTER, RUN_ID, SELECTED_SITES, SITE_OF_ITEM

CYCLES = CYCLE_NAMES

_SECRET_ENV_HINTS = ("PASSWORD", "API_KEY", "APIKEY", "TOKEN", "SECRET")
_SECRET_PATTERNS = [
    re.compile(r"(session_id=)[^;\s\"']+", re.IGNORECASE),
    re.compile(r"(authorization:\s*bearer\s+)\S+", re.IGNORECASE),
    re.compile(r"([\"']?(?:password|passwd|api_key|apikey|token)[\"']?\s*[:=]\s*[\"']?)[^\"',\s}]+", re.IGNORECASE),
]


def _secret_values() -> list[str]:
    """Values of every environment variable that looks like it holds a secret (role passwords included)."""
    values = {
        value
        for name, value in os.environ.items()
        if value and len(value) >= 4 and any(hint in name.upper() for hint in _SECRET_ENV_HINTS)
    }
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    for secret in _secret_values():
        text = text.replace(secret, "********")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + "********", text)
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


# -- evidence ---------------------------------------------------------------------------------------


def attach_text(name: str, text: str) -> None:
    allure.attach(redact(text), name=name, attachment_type=allure.attachment_type.TEXT)


def attach_json(name: str, data: Any) -> None:
    allure.attach(
        redact(json.dumps(data, indent=2, default=str, ensure_ascii=False)),
        name=name,
        attachment_type=allure.attachment_type.JSON,
    )


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


# -- readiness by site ------------------------------------------------------------------------------

OUTCOME = pytest.StashKey[str]()


@dataclass
class Readiness:
    """Outcome of each (site, cycle): what a business owner signs off, site by site."""

    run_id: str
    results: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    scenarios: list[dict[str, Any]] = field(default_factory=list)  # per scenario: time and RPC round trips
    # the cycles each site's profile has; a cycle a site does not do is "n/a", not a gap in its readiness
    expected: dict[str, set[str]] = field(default_factory=dict)

    def add(self, site: str, cycle: str, outcome: str) -> None:
        self.results.setdefault(site, {}).setdefault(cycle, []).append(outcome)

    def verdict(self, site: str, cycle: str) -> str:
        outcomes = self.results.get(site, {}).get(cycle, [])
        if not outcomes:
            return "not run" if cycle in self.expected.get(site, set(CYCLES)) else "n/a"
        if all(outcome == "passed" for outcome in outcomes):
            return "passed"
        return "FAILED" if "failed" in outcomes else "ERROR"

    def as_markdown(self) -> str:
        header = "| Site | " + " | ".join(CYCLES) + " | Ready |"
        rows = [header, "|" + "---|" * (len(CYCLES) + 2)]
        for site in sorted(self.results):
            verdicts = [self.verdict(site, cycle) for cycle in CYCLES]
            rows.append(f"| {site} | " + " | ".join(verdicts) + f" | {self.ready(site)} |")
        legend = (
            "\n`Ready`: yes when every cycle the site's profile has passed; no when one failed; "
            "incomplete when one was not run. `n/a`: the site's profile has no such cycle.\n"
        )
        return f"# UAT readiness by site, run {self.run_id}\n\n" + "\n".join(rows) + "\n" + legend

    def ready(self, site: str) -> str:
        verdicts = [self.verdict(site, cycle) for cycle in CYCLES]
        if any(verdict in {"FAILED", "ERROR"} for verdict in verdicts):
            return "no"
        return "incomplete" if "not run" in verdicts else "yes"

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "sites": {site: {cycle: self.verdict(site, cycle) for cycle in CYCLES} for site in self.results},
            "ready": {site: self.ready(site) for site in self.results},
            "scenarios": self.scenarios,
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
    logging.getLogger().addFilter(_RedactingFilter())
    for handler in logging.getLogger().handlers:
        handler.addFilter(_RedactingFilter())
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
    allure.dynamic.parameter("run", request.config.stash[RUN_ID], excluded=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    excinfo = call.excinfo
    if excinfo is not None and isinstance(excinfo.value, BusinessExpectationFailed):
        # The business reader sees the broken expectation first; pytest's traceback stays below it.
        report.longrepr = redact(excinfo.value.render()) + "\n\n" + redact(str(report.longrepr))
    site = item.stash.get(SITE_OF_ITEM, None)
    cycle = _cycle_of(item)
    if site and cycle and (report.when == "call" or report.outcome != "passed"):
        outcome = report.outcome if report.when == "call" else "error"
        for covered in _sites_covered(item, site, cycle):
            item.config.stash[READINESS].add(covered, cycle, outcome)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Time each scenario and count its RPC round trips (setup and teardown included)."""
    counter = item.config.stash.get(CALL_COUNTER, None)
    calls_before = counter.round_trips if counter else 0
    started = time.perf_counter()
    result = yield
    site, cycle = item.stash.get(SITE_OF_ITEM, None), _cycle_of(item)
    counter = item.config.stash.get(CALL_COUNTER, None)
    if site and cycle:
        item.config.stash[READINESS].scenarios.append(
            {
                "site": site,
                "cycle": cycle,
                "scenario": item.name,
                "seconds": round(time.perf_counter() - started, 3),
                "round_trips": (counter.round_trips - calls_before) if counter else 0,
            }
        )
    return result


def pytest_sessionfinish(session: pytest.Session) -> None:
    directory = session.config.getoption("--uat-report-dir")
    readiness = session.config.stash.get(READINESS, None)
    if not directory or readiness is None or not readiness.results:
        return
    for entry in session.config.stash.get(SELECTED_SITES, []):
        readiness.expected[entry.profile.code] = set(entry.profile.cycle_sections())
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    _write_atomically(target / "readiness.md", readiness.as_markdown())
    _write_atomically(target / "readiness.json", json.dumps(readiness.as_json(), indent=2))


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
