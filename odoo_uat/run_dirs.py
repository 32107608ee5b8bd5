"""Where a run keeps its evidence, and what happens to it when the run ends early.

A run writes into `runs/.<run id>.partial/` and renames it to `runs/<run id>/` when it ends. What it keeps:
- scenarios ran (readiness.json exists, whatever their outcome, interrupted runs included): the directory;
- nothing ran (bad input, target down or refused before the first scenario): nothing, the directory goes.
Readiness is written after every scenario, so a run killed outright (SIGKILL, power loss) still leaves the
results of the scenarios it finished; the next `uat run` finds its `.partial` directory, sees that its process
is gone, marks it interrupted and moves it to `runs/<run id>/` (or removes it when no scenario had finished),
and says so. SIGTERM is an orderly stop: pytest stops after tearing down the scenario in progress (which puts
back what it changed), and the results so far are kept.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

OWNER_FILE = "owner.json"
READINESS_JSON = "readiness.json"
READINESS_MD = "readiness.md"
PARTIAL_SUFFIX = ".partial"

_stop_reason: list[str] = []  # why this process was asked to stop (a signal), for the readiness banner


def _process_start(pid: int) -> str:
    """The kernel's start time of `pid` (field 22 of /proc/PID/stat), so a reused pid is not taken for the run."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def process_alive(pid: int) -> bool:
    """Whether a process of this machine still runs (a zombie, killed but not yet reaped, does not count)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return True  # no /proc: the signal answered, so it runs
    return stat.rpartition(")")[2].split()[0] != "Z"


def _alive(owner: dict[str, object]) -> bool:
    pid = owner.get("pid")
    if not isinstance(pid, int) or owner.get("host") != socket.gethostname():
        return True  # another machine's run: not ours to judge
    if not process_alive(pid):
        return False
    started = owner.get("process_start")  # the same pid may since have gone to another process
    return not started or _process_start(pid) in {"", started}


def open_staging(runs: Path, run_id: str) -> Path:
    """The run's `.partial` directory, which appears with its owner file already in it.

    Why: another run starting at the same moment settles the `.partial` directories whose owner is gone; one
    seen between its creation and its owner file would be taken for a killed run's and moved away.
    """
    staging = runs / f".{run_id}{PARTIAL_SUFFIX}"
    opening = runs / f".{run_id}.opening"
    (opening / "allure-results").mkdir(parents=True)
    owner = {
        "run_id": run_id,
        "pid": os.getpid(),
        "process_start": _process_start(os.getpid()),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (opening / OWNER_FILE).write_text(json.dumps(owner, indent=1), encoding="utf-8")
    opening.replace(staging)
    return staging


def close_staging(staging: Path, final: Path) -> Path | None:
    """Keep the run's directory when scenarios ran; remove it when nothing did. Returns where it is kept.

    The directory leaves its `.partial` name before its owner file goes, for the reason given in open_staging.
    """
    if (staging / READINESS_JSON).exists():
        staging.replace(final)
        (final / OWNER_FILE).unlink(missing_ok=True)
        return final
    removing = staging.with_name(f"{staging.name}.removing")
    staging.replace(removing)
    shutil.rmtree(removing, ignore_errors=True)
    return None


def settle_interrupted_runs(runs: Path) -> list[str]:
    """Finish what runs killed outright left behind; say what was found. Runs still alive are left alone."""
    lines: list[str] = []
    if not runs.is_dir():
        return lines
    for staging in sorted(runs.glob(f".UAT-*{PARTIAL_SUFFIX}")):
        run_id = staging.name.removeprefix(".").removesuffix(PARTIAL_SUFFIX)
        try:
            owner = json.loads((staging / OWNER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            owner = {}
        if owner and _alive(owner):
            continue
        # Claimed by renaming it first: of two runs starting together, one settles it and the other skips it.
        claimed = staging.with_name(f"{staging.name}.settling-{os.getpid()}")
        try:
            staging.replace(claimed)
        except FileNotFoundError:
            continue
        (claimed / OWNER_FILE).unlink(missing_ok=True)
        readiness = claimed / READINESS_JSON
        if not readiness.exists():
            shutil.rmtree(claimed, ignore_errors=True)
            lines.append(f"run {run_id} was interrupted before any scenario finished; its partial files were removed")
            continue
        reason = f"killed: its process {owner.get('pid', '?')} ended without finishing the run"
        _mark_interrupted(claimed, reason)
        claimed.replace(runs / run_id)
        lines.append(f"run {run_id} was interrupted ({reason}); the scenarios it finished are kept in {runs / run_id}")
    return lines


def _mark_interrupted(directory: Path, reason: str) -> None:
    readiness = directory / READINESS_JSON
    data = json.loads(readiness.read_text(encoding="utf-8"))
    data["interrupted"] = reason
    readiness.write_text(json.dumps(data, indent=2), encoding="utf-8")
    markdown = directory / READINESS_MD
    if markdown.exists():
        text = markdown.read_text(encoding="utf-8")
        title, _, rest = text.partition("\n\n")
        banner = f"**The run was interrupted ({reason}): cells not run are incomplete.**"
        markdown.write_text(f"{title}\n\n{banner}\n\n{rest}", encoding="utf-8")


def stop_reason() -> str:
    return _stop_reason[-1] if _stop_reason else ""


_shielded: list[int] = [0]  # how many put-backs are running that a signal must not cut in half
_deferred: list[str] = []  # signals received during one, acted on when it ends


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Putting back what a run changed (a company's lock and the note of it) is not cut in half by SIGTERM or
    Ctrl-C: a signal received inside the block stops the run as soon as the block ends, not in its middle."""
    _shielded[0] += 1
    try:
        yield
    finally:
        _shielded[0] -= 1
    if not _shielded[0] and _deferred:
        name = _deferred.pop()
        _deferred.clear()
        raise KeyboardInterrupt(name)


@contextmanager
def orderly_stop_on_signals() -> Iterator[None]:
    """SIGTERM and Ctrl-C stop the run in order: teardowns run, the results so far are kept, exit code 2."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        _stop_reason.append(f"{name} received")
        if _shielded[0]:
            _deferred.append(name)
            return
        raise KeyboardInterrupt(name)

    previous = {number: signal.signal(number, interrupt) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
