"""Two `uat run`s on one database at once: both complete, and neither touches the other's records, lock or notes.

Runs of sites of different companies share nothing but the database. Runs of the same site share the
company's month-end close, which only one run may do at a time: the second waits for the first through the
company's period lock held in the database (`uat.period_lock.<company id>`) and says so. Every assertion
about "the other run" is made through the run tags (`<run id>/<site>/...`) and the run-keyed notes.
"""

from __future__ import annotations

import json
import os
import re
import socket
from datetime import UTC, datetime, timedelta

from tests.live.bundle import LiveTarget, OdooBundle, UatResult
from tests.live.conftest import BackgroundUat, RunUat, StartUat

ENVIRONMENT = 20  # exit code and readiness of a run that could not get what it needed from the target
RUN_TIMEOUT = 900  # two full runs share two cores
RUN_ID = re.compile(r"uat: run (UAT-\d{8}-\d{6}-[0-9a-f]{4}) against")
WAITING = re.compile(
    r"waiting for run (UAT-\d{8}-\d{6}-[0-9a-f]{4}), which holds the period lock of (.+?) since ([0-9: -]+) UTC"
)
WAITED_SECONDS = re.compile(r"\(waited ([0-9.]+) s\)")


def run_id_of(result: UatResult) -> str:
    found = RUN_ID.search(result.stdout)
    assert found, f"no run id in the output of uat {' '.join(result.args)}:\n{result.output[-2000:]}"
    return found.group(1)


def harness_params(bundle: OdooBundle, target: LiveTarget) -> list[str]:
    """The harness's own system parameters besides the marker: period locks and lock notes."""
    rows = bundle.psql(
        target.database,
        "SELECT key FROM ir_config_parameter WHERE key LIKE 'uat.%' AND key <> 'uat.target' ORDER BY key",
    )
    return rows.splitlines()


def lock_dates(bundle: OdooBundle, target: LiveTarget) -> dict[str, str]:
    rows = bundle.psql(
        target.database,
        "SELECT name, coalesce(fiscalyear_lock_date::text, ''), coalesce(hard_lock_date::text, '') "
        "FROM res_company ORDER BY id",
    )
    return {name: f"{lock}|{hard}" for name, lock, hard in (row.split("|") for row in rows.splitlines())}


def tagged(bundle: OdooBundle, target: LiveTarget, run_id: str) -> dict[str, str]:
    """What one run left, by its tag: journal entries by state, tickets by open/closed, purchase orders by site."""
    sql = f"""
        SELECT 'move ' || split_part(ref, '/', 2) || ' ' || split_part(ref, '/', 3) || ' ' || state, count(*)
          FROM account_move WHERE ref LIKE '{run_id}/%' GROUP BY 1
        UNION ALL
        SELECT 'ticket ' || split_part(t.name, '/', 2) || ' ' || CASE WHEN s.closed THEN 'closed' ELSE 'open' END,
               count(*)
          FROM helpdesk_ticket t JOIN helpdesk_ticket_stage s ON s.id = t.stage_id
         WHERE t.name LIKE '{run_id}/%' GROUP BY 1
        UNION ALL
        SELECT 'order ' || split_part(coalesce(partner_ref, origin, ''), '/', 2), count(*)
          FROM purchase_order WHERE coalesce(partner_ref, origin, '') LIKE '{run_id}/%' GROUP BY 1
    """
    rows = bundle.psql(target.database, sql)
    return dict(row.rsplit("|", 1) for row in rows.splitlines())


def start_together(start_uat: StartUat, target: LiveTarget, *site_args: tuple[str, ...]) -> list[UatResult]:
    runs: list[BackgroundUat] = [start_uat(target, "run", *args) for args in site_args]
    return [run.finish(timeout=RUN_TIMEOUT) for run in runs]


def assert_completed(result: UatResult) -> None:
    assert result.exit_code == 0, f"uat {' '.join(result.args)} exited {result.exit_code}:\n{result.output[-4000:]}"
    assert result.partial_dirs == []
    readiness = result.readiness()
    assert readiness is not None


def assert_left_clean(bundle: OdooBundle, target: LiveTarget, before: dict[str, str]) -> None:
    assert harness_params(bundle, target) == []  # every period lock released, every run's note removed
    assert lock_dates(bundle, target) == before  # every lock put back; hard_lock_date never written


def assert_isolated(bundle: OdooBundle, target: LiveTarget, runs: dict[str, str]) -> None:
    """Each run's records carry only its own sites; its close entries are posted, none deleted by the other."""
    for run_id, site in runs.items():
        mine = tagged(bundle, target, run_id)
        assert mine, f"run {run_id} left no tagged records"
        assert {key.split()[1] for key in mine} == {site}, mine
        assert not any(key.startswith(f"move {site} MEC-") and key.endswith(" draft") for key in mine), mine
        assert mine.get(f"move {site} MEC-ACCRUAL posted") == "1", mine
        assert not any(key.startswith("ticket") and key.endswith(" open") for key in mine), mine


def test_runs_of_two_companies_share_a_database(
    odoo_bundle: OdooBundle, fresh_target: LiveTarget, start_uat: StartUat
) -> None:
    before = lock_dates(odoo_bundle, fresh_target)
    clinic, lab = start_together(start_uat, fresh_target, ("--site", "CLINIC"), ("--site", "LAB"))
    assert_completed(clinic)
    assert_completed(lab)
    runs = {run_id_of(clinic): "CLINIC", run_id_of(lab): "LAB"}
    assert_isolated(odoo_bundle, fresh_target, runs)
    assert_left_clean(odoo_bundle, fresh_target, before)
    for result in (clinic, lab):  # different companies: different period locks, nobody waits or repairs
        assert "waiting for run" not in result.output
        assert "InterruptedCloseRepaired" not in result.output


def test_runs_of_one_site_take_turns_at_the_close(
    odoo_bundle: OdooBundle, fresh_target: LiveTarget, start_uat: StartUat
) -> None:
    before = lock_dates(odoo_bundle, fresh_target)
    first, second = start_together(start_uat, fresh_target, ("--site", "CLINIC"), ("--site", "CLINIC"))
    ids = {run_id_of(first), run_id_of(second)}
    assert len(ids) == 2
    assert_isolated(odoo_bundle, fresh_target, dict.fromkeys(ids, "CLINIC"))
    assert_left_clean(odoo_bundle, fresh_target, before)
    waits = [(result, WAITING.search(result.output)) for result in (first, second)]
    waiting = [(result, found) for result, found in waits if found]
    assert len(waiting) == 1, "exactly one run waits for the other's close:\n" + "\n".join(
        result.output[-3000:] for result in (first, second)
    )
    waiter, said = waiting[0]
    assert said.group(1) == ({run_id_of(first), run_id_of(second)} - {run_id_of(waiter)}).pop()
    assert said.group(2) == "Harbour Health Group"
    waited = WAITED_SECONDS.search(waiter.output[said.start() :])
    assert waited is not None
    print(f"\n{run_id_of(waiter)} waited {waited.group(1)} s for {said.group(1)} ({said.group(0)})")
    for result in (first, second):
        assert "InterruptedCloseRepaired" not in result.output  # a live run's close is never "put right"
    # Last, so a failure of another cycle under concurrency does not hide what the close did.
    assert_completed(first)
    assert_completed(second)


def test_a_run_that_waits_too_long_ends_as_environment_and_touches_nothing(
    odoo_bundle: OdooBundle, fresh_target: LiveTarget, run_uat: RunUat
) -> None:
    """Another run (here: a live holder planted for this test process) keeps the close past the bounded wait."""
    company = odoo_bundle.psql(fresh_target.database, "SELECT id FROM res_company WHERE name = 'Harbour Health Group'")
    now = datetime.now(UTC)
    holder = {
        "run": "UAT-20261201-000000-beef",
        "host": socket.gethostname(),
        "pid": os.getpid(),  # alive for the whole drill
        "since": now.isoformat(timespec="seconds"),
        "heartbeat": (now + timedelta(hours=1)).isoformat(timespec="seconds"),  # never stale during the drill
    }
    value = json.dumps(holder).replace("'", "''")
    odoo_bundle.psql(
        fresh_target.database,
        "INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date) "
        f"VALUES ('uat.period_lock.{company}', '{value}', 1, 1, now(), now())",
    )
    before = lock_dates(odoo_bundle, fresh_target)
    result = run_uat(
        fresh_target, "run", "--site", "CLINIC", "--", "-m", "month_end_close", env_extra={"UAT_PERIOD_LOCK_WAIT": "6"}
    )
    assert result.exit_code == ENVIRONMENT, result.output[-3000:]
    readiness = result.readiness()
    assert readiness is not None
    assert readiness["sites"]["CLINIC"]["month_end_close"] == "environment"
    assert "waiting for run UAT-20261201-000000-beef, which holds the period lock of Harbour Health Group" in (
        result.output
    )
    assert "still held by run UAT-20261201-000000-beef" in json.dumps(readiness)
    assert harness_params(odoo_bundle, fresh_target) == [f"uat.period_lock.{company}"]  # the holder's, untouched
    assert lock_dates(odoo_bundle, fresh_target) == before
