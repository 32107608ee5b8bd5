"""A run killed in the middle of the month-end close, once with SIGTERM and once with SIGKILL.

The drill starts `uat run --site CLINIC -- -m "helpdesk_escalation or month_end_close"` in the background
(the helpdesk scenario finishes first, so there are results to keep) and waits until the run has set Harbour
Health Group's Global Lock Date (its run-keyed lock note is in the database), then signals it.
- SIGTERM: `uat run` stops in order: the scenario's teardowns run, so the lock is put back, the note and the
  company's period lock are removed, and the results written so far are kept.
- SIGKILL: nothing of the run's own runs any more. The next run finds the company's period lock held by a
  process that is gone, takes it over, puts back the lock date from the dead run's note, deletes that note,
  names the interrupted run (a warning and an Allure attachment), then does its own close; and leaves no
  `.partial` directory older than its own.
"""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import pytest

from tests.live.bundle import LiveTarget, OdooBundle, UatResult
from tests.live.conftest import BackgroundUat, RunUat, StartUat

COMPANY = "Harbour Health Group"
CLOSE = ("run", "--site", "CLINIC", "--", "-m", "month_end_close")
# The helpdesk scenario runs first and finishes, so "the results so far are kept" has something to keep.
TICKET_THEN_CLOSE = ("run", "--site", "CLINIC", "--", "-m", "helpdesk_escalation or month_end_close")
LOCK_SET_WITHIN = 180.0  # seconds from start until the run has set the lock (two cores shared with others)
RUN_ID = re.compile(r"uat: run (UAT-\d{8}-\d{6}-[0-9a-f]{4}) against")


def company_id(bundle: OdooBundle, target: LiveTarget) -> int:
    return int(bundle.psql(target.database, f"SELECT id FROM res_company WHERE name = '{COMPANY}'"))


def lock_date(bundle: OdooBundle, target: LiveTarget) -> str:
    """The company's Global Lock Date and Hard Lock Date, '' for none."""
    return bundle.psql(
        target.database,
        "SELECT coalesce(fiscalyear_lock_date::text, '') || '|' || coalesce(hard_lock_date::text, '') "
        f"FROM res_company WHERE name = '{COMPANY}'",
    )


def harness_params(bundle: OdooBundle, target: LiveTarget) -> dict[str, str]:
    rows = bundle.psql(
        target.database,
        "SELECT key, value FROM ir_config_parameter WHERE key LIKE 'uat.%' AND key <> 'uat.target' ORDER BY key",
    )
    return dict(row.split("|", 1) for row in rows.splitlines())


def run_id_from(text: str) -> str:
    found = RUN_ID.search(text)
    assert found, f"no run id in:\n{text[-2000:]}"
    return found.group(1)


def wait_until_locked(bundle: OdooBundle, target: LiveTarget, run: BackgroundUat) -> str:
    """Poll until the run's lock note exists and the lock date is set; returns the run's id."""
    deadline = time.monotonic() + LOCK_SET_WITHIN
    company = company_id(bundle, target)
    while time.monotonic() < deadline:
        assert run.process.poll() is None, f"the run ended before it locked:\n{run.output_so_far()[-3000:]}"
        notes = [key for key in harness_params(bundle, target) if key.startswith(f"uat.lock_restore.{company}.")]
        if notes and lock_date(bundle, target).split("|")[0]:
            return notes[0].rsplit(".", 1)[-1]
        time.sleep(0.2)
    pytest.fail(f"the run did not set the lock within {LOCK_SET_WITHIN:.0f} s:\n{run.output_so_far()[-3000:]}")


def attachments_mentioning(run_dir: Path, text: str) -> list[Path]:
    return [
        path
        for path in (run_dir / "allure-results").glob("*-attachment.txt")
        if text in path.read_text(errors="replace")
    ]


def test_a_run_stopped_with_sigterm_puts_its_lock_back_and_keeps_its_results(
    odoo_bundle: OdooBundle, fresh_target: LiveTarget, start_uat: StartUat, tmp_path: Path
) -> None:
    before = lock_date(odoo_bundle, fresh_target)
    run = start_uat(fresh_target, *TICKET_THEN_CLOSE, reports_dir=tmp_path / "reports")
    locked_by = wait_until_locked(odoo_bundle, fresh_target, run)
    assert lock_date(odoo_bundle, fresh_target) != before
    run.process.send_signal(signal.SIGTERM)
    stopped: UatResult = run.finish(timeout=120)
    print(f"\nSIGTERM: run {locked_by} exited {stopped.exit_code} after {stopped.duration:.1f} s")
    assert run_id_from(stopped.stdout) == locked_by
    assert stopped.exit_code != 0, stopped.output[-3000:]
    assert lock_date(odoo_bundle, fresh_target) == before  # the teardown put it back
    assert harness_params(odoo_bundle, fresh_target) == {}  # note deleted, period lock released
    assert stopped.partial_dirs == [], "an orderly stop keeps its results under the run's id, not .partial"
    kept = stopped.run_dir()
    assert kept.name == locked_by
    assert (kept / "readiness.json").is_file()
    assert attachments_mentioning(kept, "put back from"), "the put-back is in the kept evidence"


def test_the_run_after_a_sigkilled_one_reports_it_and_puts_its_lock_back(
    odoo_bundle: OdooBundle, fresh_target: LiveTarget, start_uat: StartUat, run_uat: RunUat, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    before = lock_date(odoo_bundle, fresh_target)
    killed = start_uat(fresh_target, *TICKET_THEN_CLOSE, reports_dir=reports)
    dead_run = wait_until_locked(odoo_bundle, fresh_target, killed)
    killed.process.send_signal(signal.SIGKILL)
    gone = killed.finish(timeout=60)
    assert gone.exit_code == -signal.SIGKILL
    left = harness_params(odoo_bundle, fresh_target)
    company = company_id(odoo_bundle, fresh_target)
    assert f"uat.lock_restore.{company}.{dead_run}" in left  # what the next run must put right
    assert dead_run in left[f"uat.period_lock.{company}"]
    assert lock_date(odoo_bundle, fresh_target) != before

    started = time.monotonic()
    following = run_uat(fresh_target, *CLOSE, reports_dir=reports, timeout=600)
    print(
        f"\nSIGKILL: run {dead_run} killed (exit {gone.exit_code}); next run exited {following.exit_code} "
        f"in {time.monotonic() - started:.1f} s"
    )
    assert following.exit_code == 0, following.output[-4000:]
    assert f"the interrupted run {dead_run} held the period lock" in following.output  # the warning, by run id
    assert lock_date(odoo_bundle, fresh_target) == before  # put back from the dead run's note
    assert harness_params(odoo_bundle, fresh_target) == {}  # its note deleted, the period lock released
    mine = [path for path in following.run_dirs if path.name == run_id_from(following.stdout)]
    assert len(mine) == 1
    assert attachments_mentioning(mine[0], f"the interrupted run {dead_run}"), "the Allure attachment names it"
    older = [path for path in following.partial_dirs if path.name < f".{mine[0].name}.partial"]
    assert older == [], f"the killed run's staging directory is still there: {older}"
    print(f"run directories after the next run: {sorted(path.name for path in following.run_dirs)}")
