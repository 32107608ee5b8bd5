"""The UAT status of a site's cycles, from the readiness.json a run left in its directory (odoo_uat.run_dirs).

By default each site's status comes from the latest finished run of that site in the reports directory (run ids
sort by their UTC time; a run still in progress, `.<id>.partial`, is not finished); `--run` names one run for
every site. A cycle the profile has counts as met only when its verdict is `passed`; anything else (FAILED,
environment, blocked, harness error, not run, no run at all) is a reason the site is not ready.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odoo_uat.errors import ConfigurationError, UnknownRunError
from odoo_uat.run_dirs import READINESS_JSON

PASSED = "passed"
NOT_RUN = "not run"
NO_RUN = "no run"


@dataclass(frozen=True)
class RunResults:
    run_id: str
    path: Path
    verdicts: dict[str, dict[str, str]]  # site -> cycle -> verdict
    reasons: dict[str, dict[str, list[str]]]
    interrupted: str = ""

    def has(self, site: str) -> bool:
        return site in self.verdicts


@dataclass(frozen=True)
class CycleStatus:
    cycle: str
    verdict: str
    reasons: tuple[str, ...] = ()

    @property
    def met(self) -> bool:
        return self.verdict == PASSED


def load_run(directory: Path) -> RunResults:
    """A run directory's readiness.json; a missing or malformed one is a configuration error naming the file."""
    path = directory / READINESS_JSON
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigurationError(f"{path} cannot be read: {error.strerror}") from error
    except ValueError as error:
        raise ConfigurationError(f"{path} is not JSON: {error}") from error
    sites = document.get("sites") if isinstance(document, dict) else None
    if not isinstance(sites, dict) or not all(isinstance(cycles, dict) for cycles in sites.values()):
        raise ConfigurationError(f"{path} has no 'sites' mapping of site -> cycle -> verdict; is it a run's readiness?")
    reasons = document.get("reasons") or {}
    return RunResults(
        run_id=str(document.get("run_id") or directory.name),
        path=directory,
        verdicts={str(site): {str(c): str(v) for c, v in cycles.items()} for site, cycles in sites.items()},
        reasons={
            str(site): {str(c): [str(line) for line in lines] for c, lines in by_cycle.items()}
            for site, by_cycle in reasons.items()
            if isinstance(by_cycle, dict)
        },
        interrupted=str(document.get("interrupted") or ""),
    )


def finished_runs(runs_dir: Path) -> list[Path]:
    """Run directories with a readiness.json, oldest first (a `.partial` directory is a run still going)."""
    if not runs_dir.is_dir():
        return []
    return sorted(
        path
        for path in runs_dir.iterdir()
        if path.is_dir() and not path.name.startswith(".") and (path / READINESS_JSON).is_file()
    )


def find_run(reference: str, runs_dir: Path) -> RunResults:
    """`--run`: a run id of the reports directory, or a run directory's path (exit 14 when it names no run)."""
    for candidate in (Path(reference), runs_dir / reference):
        if (candidate / READINESS_JSON).is_file():
            return load_run(candidate)
    known = ", ".join(path.name for path in finished_runs(runs_dir)[-5:]) or "none"
    raise UnknownRunError(
        f"--run {reference}: no run directory with {READINESS_JSON} there or in {runs_dir} (latest runs: {known})"
    )


def latest_runs(runs_dir: Path, sites: Iterable[str]) -> tuple[dict[str, RunResults | None], list[str]]:
    """Each site's latest finished run (None: the site has none), and the run directories that could not be read."""
    wanted = list(sites)
    latest: dict[str, RunResults | None] = dict.fromkeys(wanted)
    unreadable = []
    for directory in reversed(finished_runs(runs_dir)):
        if all(latest[site] is not None for site in wanted):
            break
        try:
            run = load_run(directory)
        except ConfigurationError as error:
            unreadable.append(str(error))
            continue
        for site in wanted:
            if latest[site] is None and run.has(site):
                latest[site] = run
    return latest, unreadable


def cycle_statuses(site: str, cycles: Sequence[str], run: RunResults | None, runs_dir: Path) -> list[CycleStatus]:
    """The status of each cycle the site's profile has, as `run` left it."""
    if run is None:
        return [CycleStatus(cycle, NO_RUN, (f"no finished run of site {site} in {runs_dir}",)) for cycle in cycles]
    if not run.has(site):
        return [CycleStatus(cycle, NOT_RUN, (f"site {site} is not in run {run.run_id}",)) for cycle in cycles]
    statuses = []
    for cycle in cycles:
        verdict = run.verdicts[site].get(cycle, NOT_RUN)
        if verdict == "n/a":  # the run's profile had no such section; the profile has it now
            verdict = NOT_RUN
        reasons = tuple(run.reasons.get(site, {}).get(cycle, ()))
        if verdict == NOT_RUN and not reasons:
            reasons = (f"not run in {run.run_id}" + (f" (interrupted: {run.interrupted})" if run.interrupted else ""),)
        statuses.append(CycleStatus(cycle, verdict, reasons))
    return statuses
