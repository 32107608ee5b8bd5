"""What a run keeps: results of the scenarios that ran, whatever the outcome; nothing when nothing ran; and
what a killed run left behind is settled by the next run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from odoo_uat import run_dirs
from odoo_uat.run_dirs import close_staging, open_staging, settle_interrupted_runs
from tests.fake_odoo import FakeOdoo
from tests.support import run_uat, runs_left, target_env

RUN = "UAT-20261201-120000-ab12"


def readiness(directory: Path) -> dict[str, object]:
    return dict(json.loads((directory / "readiness.json").read_text(encoding="utf-8")))


def write_readiness(staging: Path) -> None:
    (staging / "readiness.json").write_text(json.dumps({"run_id": RUN, "interrupted": ""}), encoding="utf-8")
    (staging / "readiness.md").write_text(f"# UAT readiness by site, run {RUN}\n\n| Site |\n", encoding="utf-8")


def dead_pid() -> int:
    """The pid of a process that has ended (and was reaped), so nothing answers to it."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_run_that_ran_scenarios_is_kept_and_one_that_ran_none_is_removed(tmp_path: Path) -> None:
    ran = open_staging(tmp_path, RUN)
    write_readiness(ran)
    nothing = open_staging(tmp_path, "UAT-20261201-120001-cd34")

    assert close_staging(ran, tmp_path / RUN) == tmp_path / RUN
    assert close_staging(nothing, tmp_path / "UAT-20261201-120001-cd34") is None
    assert sorted(path.name for path in tmp_path.iterdir()) == [RUN]
    assert not (tmp_path / RUN / "owner.json").exists()


def test_a_killed_runs_finished_scenarios_are_kept_marked_interrupted(tmp_path: Path) -> None:
    staging = open_staging(tmp_path, RUN)
    write_readiness(staging)
    owner = json.loads((staging / "owner.json").read_text(encoding="utf-8"))
    owner["pid"] = dead_pid()
    (staging / "owner.json").write_text(json.dumps(owner), encoding="utf-8")

    lines = settle_interrupted_runs(tmp_path)

    assert lines == [
        f"run {RUN} was interrupted (killed: its process {owner['pid']} ended without finishing the run); "
        f"the scenarios it finished are kept in {tmp_path / RUN}"
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == [RUN]
    assert str(readiness(tmp_path / RUN)["interrupted"]).startswith("killed: its process")
    assert "**The run was interrupted (killed" in (tmp_path / RUN / "readiness.md").read_text(encoding="utf-8")


def test_a_killed_run_that_finished_nothing_leaves_nothing(tmp_path: Path) -> None:
    staging = open_staging(tmp_path, RUN)
    (staging / "owner.json").write_text(json.dumps({"pid": dead_pid(), "host": os.uname().nodename}), "utf-8")

    assert settle_interrupted_runs(tmp_path) == [
        f"run {RUN} was interrupted before any scenario finished; its partial files were removed"
    ]
    assert list(tmp_path.iterdir()) == []


def test_a_run_still_in_progress_is_left_alone(tmp_path: Path) -> None:
    staging = open_staging(tmp_path, RUN)  # owned by this very process, which is alive
    write_readiness(staging)

    assert settle_interrupted_runs(tmp_path) == []
    assert staging.is_dir()


def test_a_run_being_opened_or_closed_is_never_seen_without_its_owner(tmp_path: Path) -> None:
    """Another run settling `.partial` directories at any moment must not take a live run's for a killed one's."""
    seen_without_owner: list[str] = []

    def looked_at_after(method: str) -> object:
        real = getattr(Path, method)

        def then_look(self: Path, *args: object, **kwargs: object) -> object:  # another run looks after each move
            done = real(self, *args, **kwargs)
            for staging in tmp_path.glob(".UAT-*.partial"):
                if not (staging / "owner.json").exists():
                    seen_without_owner.append(f"{staging.name} after {method}")
            return done

        return then_look

    with pytest.MonkeyPatch.context() as patch:
        for method in ("mkdir", "replace", "unlink"):
            patch.setattr(Path, method, looked_at_after(method))
        ran = open_staging(tmp_path, RUN)
        write_readiness(ran)
        close_staging(ran, tmp_path / RUN)
        nothing = open_staging(tmp_path, "UAT-20261201-120001-cd34")
        close_staging(nothing, tmp_path / "UAT-20261201-120001-cd34")

    assert seen_without_owner == []
    assert sorted(path.name for path in tmp_path.iterdir()) == [RUN]


def test_a_killed_run_settled_by_another_run_first_is_skipped(tmp_path: Path) -> None:
    staging = open_staging(tmp_path, RUN)
    write_readiness(staging)
    (staging / "owner.json").write_text(json.dumps({"pid": dead_pid(), "host": os.uname().nodename}), "utf-8")
    listed = sorted(tmp_path.glob(".UAT-*.partial"))
    assert settle_interrupted_runs(tmp_path)  # the other run got there first

    with pytest.MonkeyPatch.context() as patch:  # this run had listed it before the other moved it
        patch.setattr(Path, "glob", lambda self, pattern: iter(listed))
        assert settle_interrupted_runs(tmp_path) == []

    assert sorted(path.name for path in tmp_path.iterdir()) == [RUN]


def test_sigterm_becomes_an_orderly_interruption() -> None:
    with pytest.raises(KeyboardInterrupt), run_dirs.orderly_stop_on_signals():
        signal.raise_signal(signal.SIGTERM)  # the handler runs before raise_signal returns

    assert run_dirs.stop_reason() == "SIGTERM received"


def test_uat_env_before_the_command_selects_the_named_target(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path, tmp_path: Path
) -> None:
    environments = tmp_path / "environments.yaml"
    environments.write_text(
        f"nightly:\n  url: {fake_odoo.url}\n  database: {fake_odoo.database}\n  user: admin\n"
        "  password_env: NIGHTLY_PASSWORD\n",
        encoding="utf-8",
    )
    env = target_env(fake_odoo, reports_dir)
    for name in ("ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_PASSWORD"):
        env.pop(name)
    env.update({"UAT_ENVIRONMENTS_FILE": str(environments), "NIGHTLY_PASSWORD": "admin"})

    doctor = run_uat("--env", "nightly", "doctor", "--sites-dir", str(sites_dir), env=env)

    assert "No such option" not in doctor.stderr
    assert f"{fake_odoo.url} database {fake_odoo.database}" in doctor.stdout
    assert runs_left(reports_dir) == []


def test_a_signal_during_a_put_back_stops_the_run_when_the_put_back_is_done_not_in_its_middle() -> None:
    done: list[str] = []

    def put_back_then_go_on() -> None:
        with run_dirs.orderly_stop_on_signals():
            with run_dirs.signals_deferred():
                done.append("lock put back")
                os.kill(os.getpid(), signal.SIGTERM)  # delivered here, between the two halves
                done.append("note of the lock removed")
            done.append("the scenario went on")  # never: the run stops as the put-back ends

    with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
        put_back_then_go_on()

    assert done == ["lock put back", "note of the lock removed"]
    assert run_dirs.stop_reason() == "SIGTERM received"
