"""`uat report RUN`: one self-contained HTML file of a run's evidence, built by Allure 3 (npm package `allure`).

The run's `allure-results/` (allure-pytest-bdd, completed by odoo_uat/reporting) go through Allure 3's CLI
(`allure generate` with the Awesome plugin's `singleFile` option: no Java, no server, one file that can be mailed)
into `reports/runs/<run id>/report.html`. Allure 3 keeps the history of the reports it built in one file,
`reports/history.jsonl` (beside the runs): each report shows its scenarios' earlier results and trends. Rebuilding
a run's report replaces that run's entry in the history instead of counting it twice.

Which Allure: $UAT_ALLURE (a path to an Allure 3 CLI), else `node_modules/.bin/allure` of the harness checkout or
of the current directory (`npm ci` installs it from package.json), else an `allure` on PATH that is Allure 3.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from odoo_uat import config
from odoo_uat.errors import ConfigurationError, UnknownRunError
from odoo_uat.redaction import redact
from odoo_uat.reporting import labels

ALLURE_VARIABLE = "UAT_ALLURE"
REPORT_FILE = "report.html"
HISTORY_FILE = "history.jsonl"
HISTORY_LIMIT = 100  # runs a report's history and trends go back over
RESULTS_DIR = "allure-results"
BUILD_TIMEOUT = 600.0  # seconds; a report of a few hundred scenarios builds in well under a minute
_SECRET_HINTS = ("PASSWORD", "API_KEY", "APIKEY", "TOKEN", "SECRET")
HIDDEN_LABELS = ("host", "thread", "framework", "language")  # the machine's, not the business reader's


class ReportToolMissing(ConfigurationError):
    """Allure 3 (or Node.js, which runs it) is not installed where the harness looks for it."""


@dataclass(frozen=True)
class BuiltReport:
    path: Path
    seconds: float
    size: int  # bytes

    def describe(self) -> str:
        return f"{self.path} ({self.size / 1_000_000:.1f} MB, built in {self.seconds:.1f} s)"


def run_directory(run: str | Path, reports_dir: Path | None = None) -> Path:
    """A finished run's directory from its id (under reports/runs) or its path, when it holds Allure results."""
    runs = (reports_dir or config.reports_dir()) / "runs"
    for candidate in (Path(run), runs / str(run)):
        if (candidate / RESULTS_DIR).is_dir():
            return candidate
    known = sorted(path.name for path in runs.glob("UAT-*") if (path / RESULTS_DIR).is_dir()) if runs.is_dir() else []
    hint = f"; the latest runs there: {', '.join(known[-3:])}" if known else f"; {runs} holds no run"
    raise UnknownRunError(f"No run {str(run)!r} with Allure results under {runs}{hint}")


def latest_run(reports_dir: Path | None = None) -> Path:
    runs = (reports_dir or config.reports_dir()) / "runs"
    finished = sorted(path for path in runs.glob("UAT-*") if (path / RESULTS_DIR).is_dir()) if runs.is_dir() else []
    if not finished:
        raise UnknownRunError(f"{runs} holds no finished run to report on")
    return finished[-1]


def allure_command() -> list[str]:
    """The Allure 3 CLI to run, or ReportToolMissing saying how to install it."""
    given = os.environ.get(ALLURE_VARIABLE)
    if given:
        if shutil.which(given) is None and not Path(given).is_file():
            raise ReportToolMissing(f"${ALLURE_VARIABLE}={given!r} is not an executable Allure 3 CLI")
        return [given]
    for root in (config.PROJECT_ROOT, Path.cwd()):
        local = root / "node_modules" / ".bin" / "allure"
        if local.exists():
            if shutil.which("node") is None:
                raise ReportToolMissing(f"{local} needs Node.js (node) on PATH to build the report")
            return [str(local)]
    on_path = shutil.which("allure")
    if on_path is not None and _is_allure3(on_path):
        return [on_path]
    raise ReportToolMissing(
        "Allure 3 is not installed: run `npm ci` in the harness checkout (package.json pins the npm package "
        f"`allure`; Node.js 20 or newer), or set ${ALLURE_VARIABLE} to an Allure 3 CLI"
    )


def _is_allure3(executable: str) -> bool:
    try:
        answer = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=60, check=False, env=_tool_environment()
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return answer.stdout.strip().startswith("3.")


def _tool_environment() -> dict[str, str]:
    """The build's environment: the run's own, without any secret (Allure needs none), and without colours."""
    kept = {
        name: value for name, value in os.environ.items() if not any(hint in name.upper() for hint in _SECRET_HINTS)
    }
    return {**kept, "NO_COLOR": "1", "FORCE_COLOR": "0"}


def report_settings(run_id: str, output: Path, history: Path) -> dict[str, object]:
    """Allure 3's configuration (allurerc): one file, the run's name, the history file, the UAT categories."""
    name = f"UAT run {run_id}"
    return {
        "name": name,
        "output": str(output),
        "historyPath": str(history),
        "historyLimit": HISTORY_LIMIT,
        "hideLabels": list(HIDDEN_LABELS),
        "categories": labels.allure3_categories(),
        "plugins": {
            "awesome": {
                "options": {
                    "singleFile": True,
                    "reportName": name,
                    "reportLanguage": "en",
                    "groupBy": ["site", "feature"],  # a tree by site, then cycle (feature), then scenario
                    "stepTreeExpansion": "expand_failed_only",
                }
            }
        },
    }


def build_report(
    run_dir: Path,
    *,
    history: Path | None = None,
    output: Path | None = None,
    timeout: float = BUILD_TIMEOUT,
) -> BuiltReport:
    """Build `run_dir/report.html` (or `output`) from `run_dir/allure-results`; the history file gains this run."""
    results = run_dir / RESULTS_DIR
    if not any(results.glob("*-result.json")):
        raise UnknownRunError(f"{results} holds no Allure result: no scenario of run {run_dir.name} was reported")
    command = allure_command()
    history = history or run_dir.parent.parent / HISTORY_FILE
    history.parent.mkdir(parents=True, exist_ok=True)
    target = output or run_dir / REPORT_FILE
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="uat-report-") as work_dir:
        work = Path(work_dir)
        settings = report_settings(run_dir.name, work / "report", history)
        _forget_in_history(history, str(settings["name"]))
        (work / "allurerc.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
        try:
            answer = subprocess.run(
                [*command, "generate", str(results.resolve()), "--config", str(work / "allurerc.json")],
                cwd=work,
                env=_tool_environment(),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise ConfigurationError(
                f"Allure did not build the report of {run_dir.name} within {timeout:g} s"
            ) from error
        built = work / "report" / "index.html"
        if answer.returncode != 0 or not built.is_file():
            said = redact((answer.stderr or answer.stdout).strip())[-2000:]
            raise ConfigurationError(
                f"Allure could not build the report of {run_dir.name} (exit {answer.returncode}): {said}"
            )
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(built, partial)
        partial.replace(target)
    return BuiltReport(target, time.perf_counter() - started, target.stat().st_size)


def _forget_in_history(history: Path, report_name: str) -> None:
    """A rebuilt report replaces its run's entry in the history (Allure would append a second one)."""
    if not history.is_file():
        return
    lines = history.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if _entry_name(line) != report_name]
    if len(kept) != len(lines):
        partial = history.with_name(history.name + ".partial")
        partial.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
        partial.replace(history)


def _entry_name(line: str) -> str:
    try:
        entry = json.loads(line)
    except ValueError:
        return ""
    return str(entry.get("name", "")) if isinstance(entry, dict) else ""
