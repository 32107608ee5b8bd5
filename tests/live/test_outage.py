"""Odoo stopped or hung mid-run: an environment failure, never a finding about the site, and nothing is lost.

Each drill runs `uat run` (all bundled sites) in the background against a PRIVATE second Odoo server (the
bundle's odoo-bin and conf on a free port, no cron threads, serving only the drill's database), waits until
the first scenario has finished, then stops (SIGTERM) or freezes (SIGSTOP) that server. The scenario in
progress must end as "environment" within 30 s (stopped) or within the call timeout (hung); the scenarios
after it must fail at once (the pool's outage breaker), not each wait out a timeout; the run exits 20, and
its directory keeps readiness and the Allure results of everything that ran.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.live.bundle import REPO_ROOT, LiveTarget, OdooBundle, drill_args, uat_command
from tests.live.conftest import COVERAGE
from tests.support import free_port

ENVIRONMENT = 20
STOPPED_WITHIN = 30.0  # the bound for a stopped server
CALL_TIMEOUT = 10  # UAT_CALL_TIMEOUT for the hung-server drill
FAIL_FAST = 2.0  # seconds a scenario after the outage may take at most: no call of it reaches the wire


class PrivateOdoo:
    """A second odoo-bin of the bundle on its own port, serving only one database: a drill may stop it."""

    def __init__(self, bundle: OdooBundle, database: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._bundle = bundle
        self._database = database
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, within: float = 120.0) -> None:
        # Like `serve`: odoo-bin without the caller's PG*/ODOO_*/UAT_* variables. No cron threads, so this server
        # never runs another helper's scheduled actions; its own log, so the shared server's log stays its own.
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PG", "ODOO_", "UAT_"))}
        command = [
            str(self._bundle.venv_python),
            str(self._bundle.odoo_bin),
            "-c",
            str(self._bundle.conf_path),
            "--http-port",
            str(self.port),
            "--logfile",
            str(self._log),
            "--max-cron-threads",
            "0",
            "--db-filter",
            f"^{self._database}$",
            "-d",
            self._database,
        ]
        with self._log.with_suffix(".out").open("ab") as console:  # odoo-bin's own warnings before its log opens
            self.process = subprocess.Popen(
                command, env=env, stdin=subprocess.DEVNULL, stdout=console, stderr=console, start_new_session=True
            )
        deadline = time.monotonic() + within
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the private Odoo on {self.url} did not start; its log: {self._log}")
            time.sleep(0.5)

    def answers(self) -> bool:
        request = urllib.request.Request(
            self.url + "/web/webclient/version_info", data=b'{"jsonrpc": "2.0", "params": {}}', method="POST"
        )
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return bool(json.loads(response.read()).get("result"))
        except (OSError, ValueError):
            return False

    def signal(self, signum: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def stop(self, grace: float = 5.0) -> str:
        """SIGTERM, as an operator's `systemctl stop` does; SIGKILL if it has not gone after `grace` seconds."""
        if self.process is None or self.process.poll() is not None:
            return "not running"
        started = time.monotonic()
        self.process.send_signal(signal.SIGCONT)  # a frozen process cannot act on SIGTERM
        self.process.terminate()
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            return f"SIGKILL after {grace:g} s of SIGTERM"
        return f"SIGTERM, gone in {time.monotonic() - started:.1f} s"


@pytest.fixture
def private_odoo(odoo_bundle: OdooBundle, fresh_target: LiveTarget, tmp_path: Path) -> Iterator[PrivateOdoo]:
    server = PrivateOdoo(odoo_bundle, fresh_target.database, tmp_path / "private-odoo.log")
    server.start()
    yield server
    print(f"private Odoo at the end of the drill: {server.stop()}")  # how the teardown went, in the log


@dataclass
class BackgroundRun:
    """`uat run` in the background, watched through the readiness.json it rewrites after every scenario."""

    process: subprocess.Popen[bytes]
    reports_dir: Path
    started: float
    output: Path
    ended: float = 0.0
    finished_at: dict[int, float] = field(default_factory=dict)  # scenarios recorded -> when we first saw them

    @property
    def runs(self) -> Path:
        return self.reports_dir / "runs"

    def recorded(self) -> list[dict[str, Any]]:
        """The scenarios recorded so far (in the staging directory while it runs, in the run directory after)."""
        for path in sorted(self.runs.glob(".*.partial/readiness.json")) + sorted(
            self.runs.glob("UAT-*/readiness.json")
        ):
            try:
                scenarios = json.loads(path.read_text(encoding="utf-8"))["scenarios"]
            except (OSError, ValueError, KeyError):
                continue  # between the write and the rename
            now = time.monotonic()
            for count in range(1, len(scenarios) + 1):  # several may have ended between two looks
                self.finished_at.setdefault(count, now)
            return list(scenarios)
        return []

    def wait_for_scenarios(self, count: int, within: float) -> float:
        """Block until `count` scenarios are recorded; returns when that was first seen."""
        deadline = time.monotonic() + within
        while len(self.recorded()) < count:
            if self.process.poll() is not None:
                raise AssertionError(f"the run ended before {count} scenario(s) were recorded:\n{self.text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {count} scenario(s) recorded within {within} s:\n{self.text()}")
            time.sleep(0.05)
        return min(seen for recorded, seen in self.finished_at.items() if recorded >= count)

    def wait(self, within: float) -> int:
        """Wait for the run to end, watching its records so each scenario's end is timed as it happens."""
        deadline = time.monotonic() + within
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError(f"the run did not end within {within} s:\n{self.text()}")
            self.recorded()
            time.sleep(0.05)
        self.ended = time.monotonic()
        self.recorded()
        return self.process.returncode

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")[-6000:]


def start_run(target: LiveTarget, server: PrivateOdoo, tmp_path: Path, **env_extra: str) -> BackgroundRun:
    reports_dir = tmp_path / "reports"
    reports_dir.mkdir()
    env = {**target.env, "ODOO_URL": server.url, **env_extra, "UAT_REPORTS_DIR": str(reports_dir)}
    env["PYTHONUNBUFFERED"] = "1"
    if COVERAGE is not None and COVERAGE.data_file:
        env["COVERAGE_FILE"] = COVERAGE.data_file
    output = tmp_path / "uat-run.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            uat_command(drill_args(["run"]), COVERAGE),
            env=env,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return BackgroundRun(process=process, reports_dir=reports_dir, started=time.monotonic(), output=output)


@dataclass(frozen=True)
class Timings:
    in_progress_ended_after: float  # seconds from the stop to the record of the scenario that was running
    rest_took: float  # seconds from then to the end of the run (the scenarios after it, teardown, reports)
    total: float
    remaining: int


def assert_outage_reported(run: BackgroundRun, code: int, before: int, outage_at: float) -> Timings:
    """Exit 20; cells before the outage passed, the rest "environment" (never FAILED); the run directory kept."""
    output = run.text()
    assert code == ENVIRONMENT, f"exit {code}, not {ENVIRONMENT} (environment):\n{output}"
    run_dirs = sorted(path for path in run.runs.iterdir() if path.is_dir() and not path.name.startswith("."))
    assert len(run_dirs) == 1, f"one run directory kept, found {run_dirs}:\n{output}"
    assert not list(run.runs.glob(".*.partial")), "no .partial directory left behind"
    run_dir = run_dirs[0]
    readiness = json.loads((run_dir / "readiness.json").read_text(encoding="utf-8"))
    scenarios = readiness["scenarios"]
    assert len(scenarios) > before, f"no scenario recorded after the outage:\n{output}"
    assert [entry["outcome"] for entry in scenarios[:before]] == ["passed"] * before, scenarios[:before]
    affected = scenarios[before:]
    assert {entry["outcome"] for entry in affected} == {"environment"}, json.dumps(affected, indent=1)
    assert all(entry["exit_code"] == ENVIRONMENT for entry in affected)
    failed_fast = affected[1:]
    assert all("has been unreachable since" in entry["reason"] for entry in failed_fast), json.dumps(affected)
    assert all(entry["seconds"] < FAIL_FAST for entry in failed_fast), [entry["seconds"] for entry in affected]
    verdicts = readiness["sites"]
    for entry in affected:
        assert verdicts[entry["site"]][entry["cycle"]] == "environment", (entry, verdicts)
    affected_cells = {(entry["site"], entry["cycle"]) for entry in affected}
    for entry in scenarios[:before]:
        if (entry["site"], entry["cycle"]) not in affected_cells:
            assert verdicts[entry["site"]][entry["cycle"]] == "passed", (entry, verdicts)
    assert "FAILED" not in json.dumps(verdicts), verdicts
    assert readiness["exit_code"] == ENVIRONMENT
    assert set(readiness["ready"].values()) <= {"unknown", "yes", "incomplete"}, readiness["ready"]
    assert "environment" in (run_dir / "readiness.md").read_text(encoding="utf-8")
    assert any((run_dir / "allure-results").glob("*-result.json")), "the Allure results of the run are kept"
    ended = run.finished_at.get(before + 1)
    assert ended is not None, "the scenario in progress at the outage was never recorded"
    return Timings(
        in_progress_ended_after=round(ended - outage_at, 1),
        rest_took=round(run.ended - ended, 1),
        total=round(run.ended - run.started, 1),
        remaining=len(affected) - 1,
    )


def report(name: str, timings: Timings, first_reason: str) -> None:
    print(  # the measured figures belong in the test output (pytest -s, or the CI log)
        f"\n{name}: in-progress scenario ended {timings.in_progress_ended_after} s after the outage "
        f"({first_reason}); {timings.remaining} later scenario(s) failed fast in {timings.rest_took} s; "
        f"run took {timings.total} s"
    )


def test_odoo_stopped_mid_run_is_an_environment_failure_and_the_results_so_far_are_kept(
    fresh_target: LiveTarget, private_odoo: PrivateOdoo, tmp_path: Path
) -> None:
    run = start_run(fresh_target, private_odoo, tmp_path)
    run.wait_for_scenarios(1, within=300)
    before = len(run.recorded())
    stopped_at = time.monotonic()
    how = private_odoo.stop()

    code = run.wait(within=300)
    timings = assert_outage_reported(run, code, before, stopped_at)
    private_odoo.start()  # later, Odoo is back: the outage was the environment's, not the database's

    first = run.recorded()[before]
    report(f"Odoo stopped ({how})", timings, first["reason"])
    assert timings.in_progress_ended_after <= STOPPED_WITHIN, timings
    assert first["reason"].startswith(f"Odoo at {private_odoo.url} "), first
    assert private_odoo.answers()


def test_odoo_hung_mid_run_is_an_environment_failure_within_the_call_timeout(
    fresh_target: LiveTarget, private_odoo: PrivateOdoo, tmp_path: Path
) -> None:
    run = start_run(fresh_target, private_odoo, tmp_path, UAT_CALL_TIMEOUT=str(CALL_TIMEOUT))
    run.wait_for_scenarios(1, within=300)
    before = len(run.recorded())
    frozen_at = time.monotonic()
    private_odoo.signal(signal.SIGSTOP)
    try:
        code = run.wait(within=300)
    finally:
        private_odoo.signal(signal.SIGCONT)
    timings = assert_outage_reported(run, code, before, frozen_at)

    first = run.recorded()[before]
    report("Odoo hung", timings, first["reason"])
    # Bounded by the call timeout: the call waiting when the server froze, plus the scenario's own bookkeeping.
    assert timings.in_progress_ended_after <= CALL_TIMEOUT + 3, timings
    assert f"within {CALL_TIMEOUT} s" in first["reason"], first
    assert private_odoo.answers(), "after SIGCONT the server answers again"
