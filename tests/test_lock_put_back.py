"""Putting a period lock back after an interrupted close, and the close turn that decides who may do it (no Odoo).

The expected results come from Odoo 19's documented lock-date behaviour (account/models/company.py,
"Lock Dates" in the Accounting documentation), not from re-running the implementation:
- a company keeps one date per lock field; `fiscalyear_lock_date` (Global Lock Date) False means no lock, and
  writing False (or an earlier date) reopens the period for every user;
- `hard_lock_date` (Hard Lock Date) can never be decreased or removed ("The Hard Lock Date cannot be
  decreased or removed"), so a UAT run must never write it, whatever a note says;
- a lock date someone changed after the run set it is that person's decision, not the run's to undo.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest

from odoo_uat.actions.base import ActionContext
from odoo_uat.actions.closing import WRITABLE_LOCK_FIELDS, RpcClosing
from odoo_uat.cycles import month_end_close as mec
from odoo_uat.errors import OdooMissingRecord, OdooValidationError, TargetBusy
from odoo_uat.gateway import OdooGateway
from odoo_uat.references import ResolvedSite

COMPANY = 1
RUN = "UAT-20261201-120000-ab12"
OTHER_RUN = "UAT-20261201-120500-cd34"
END_OF_OCTOBER = date(2026, 10, 31)


class Company:
    """The one thing a put-back reads and writes: a company's lock dates, and the system parameters."""

    def __init__(self, **locks: date | None) -> None:
        self.locks: dict[str, Any] = {
            "fiscalyear_lock_date": False,
            "hard_lock_date": False,
            **{k: (v.isoformat() if v else False) for k, v in locks.items()},
        }
        self.writes: list[dict[str, Any]] = []
        self.params: dict[int, tuple[str, str]] = {}
        self._next_id = 100

    # what the put-back and the turn call on a gateway
    def read_one(self, model: str, record_id: int, fields: list[str]) -> dict[str, Any]:
        assert (model, record_id) == ("res.company", COMPANY)
        return {"id": record_id, **{name: self.locks[name] for name in fields}}

    def write(self, model: str, ids: list[int], values: dict[str, Any]) -> None:
        if model == "res.company":
            self.writes.append(values)
            self.locks.update(values)
            return
        assert model == "ir.config_parameter"
        for record_id in ids:
            if record_id not in self.params:
                raise OdooMissingRecord("Record does not exist or has been deleted.", model=model, method="write")
            self.params[record_id] = (self.params[record_id][0], str(values["value"]))

    def call(self, model: str, method: str, **kwargs: Any) -> Any:
        assert (model, method) == ("ir.config_parameter", "set_param")
        found = [i for i, (key, _) in self.params.items() if key == kwargs["key"]]
        for record_id in found:
            del self.params[record_id]
        if kwargs["value"] is not False:
            self.create(model, {"key": kwargs["key"], "value": kwargs["value"]})
        return True

    def create(self, model: str, values: dict[str, Any]) -> int:
        if any(key == values["key"] for key, _ in self.params.values()):  # ir_config_parameter_key_uniq
            raise OdooValidationError("Key must be unique.", model=model, method="create")
        self._next_id += 1
        self.params[self._next_id] = (str(values["key"]), str(values["value"]))
        return self._next_id

    def search_read(self, model: str, domain: list[Any], fields: list[str], **_: Any) -> list[dict[str, Any]]:
        ((_field, operator, wanted),) = domain
        prefix = str(wanted).removesuffix("%")
        return [
            {"id": i, "key": key, "value": value}
            for i, (key, value) in self.params.items()
            if (key == wanted if operator == "=" else key.startswith(prefix))
        ]

    def unlink(self, model: str, ids: list[int]) -> None:
        for record_id in ids:
            if record_id not in self.params:
                raise OdooMissingRecord("Record does not exist or has been deleted.", model=model, method="unlink")
            del self.params[record_id]

    def param_keys(self) -> set[str]:
        return {key for key, _ in self.params.values()}


def gateway(company: Company) -> OdooGateway:
    return cast(OdooGateway, company)


def accountant(company: Company) -> RpcClosing:
    """The accountant's closing actions over RPC, writing the fake company's lock as Odoo would be asked to."""
    site = cast(ResolvedSite, SimpleNamespace(company_id=COMPANY))
    return RpcClosing(ActionContext(role="accountant", site=site, login="accountant", gateway=gateway(company)))


def note(previous: date | None, lock: date = END_OF_OCTOBER, field: str = "fiscalyear_lock_date") -> mec.LockRestore:
    return mec.LockRestore(COMPANY, field, previous, lock, f"{RUN}/CLINIC/MEC-LOCK")


def interrupted(company: Company, restore: mec.LockRestore) -> None:
    """What a run killed after setting its lock leaves: the note under its run id, and the lock."""
    mec.remember_lock(gateway(company), restore)
    if restore.field in WRITABLE_LOCK_FIELDS:
        company.locks[restore.field] = restore.lock.isoformat()


# -- the put-back --------------------------------------------------------------------------------------


def test_a_lock_set_on_a_company_with_none_is_removed_again() -> None:
    company = Company()
    interrupted(company, note(previous=None))
    found = mec.pending_restore(gateway(company), COMPANY, RUN)  # what the next run reads back
    assert found == note(previous=None)
    done = mec.put_back(gateway(company), gateway(company), accountant(company), found)
    assert company.locks["fiscalyear_lock_date"] is False  # Odoo reads "no lock" as False
    assert company.writes[-1] == {"fiscalyear_lock_date": False}
    assert "put back from 2026-10-31 to (none)" in done
    assert mec.restore_key(COMPANY, RUN) not in company.param_keys()


def test_a_lock_set_over_an_earlier_lock_goes_back_to_that_date() -> None:
    company = Company(fiscalyear_lock_date=date(2026, 9, 30))
    interrupted(company, note(previous=date(2026, 9, 30)))
    mec.put_back(gateway(company), gateway(company), accountant(company), note(previous=date(2026, 9, 30)))
    assert company.locks["fiscalyear_lock_date"] == "2026-09-30"
    assert company.param_keys() == set()


def test_a_lock_changed_by_someone_since_is_left_alone_and_the_note_dropped() -> None:
    company = Company()
    interrupted(company, note(previous=None))
    company.locks["fiscalyear_lock_date"] = "2026-11-15"  # the finance team locked further meanwhile
    done = mec.put_back(gateway(company), gateway(company), accountant(company), note(previous=None))
    assert company.writes == []
    assert company.locks["fiscalyear_lock_date"] == "2026-11-15"
    assert "left at 2026-11-15" in done
    assert company.param_keys() == set()


def test_a_lock_that_never_reached_the_company_is_not_written() -> None:
    """Killed between writing the note and writing the lock: the company still has its previous value."""
    company = Company(fiscalyear_lock_date=date(2026, 6, 30))
    mec.remember_lock(gateway(company), note(previous=date(2026, 6, 30)))
    done = mec.put_back(gateway(company), gateway(company), accountant(company), note(previous=date(2026, 6, 30)))
    assert company.writes == []
    assert "never changed" in done


def test_the_hard_lock_date_is_never_written_even_when_a_note_names_it() -> None:
    company = Company(hard_lock_date=date(2026, 10, 31))
    tampered = note(previous=None, field="hard_lock_date")
    interrupted(company, tampered)
    done = mec.put_back(gateway(company), gateway(company), accountant(company), tampered)
    assert company.writes == []
    assert company.locks["hard_lock_date"] == "2026-10-31"
    assert "never writes" in done
    with pytest.raises(ValueError, match="never writes hard_lock_date"):
        accountant(company).clear_lock_date("hard_lock_date")


def test_a_put_back_writes_only_the_global_lock_date() -> None:
    company = Company(hard_lock_date=date(2025, 12, 31))
    keeper = mec.PeriodLock(gateway(company), gateway(company), accountant(company), COMPANY)
    keeper.lock("fiscalyear_lock_date", END_OF_OCTOBER, f"{RUN}/CLINIC/MEC-LOCK")
    keeper.put_back()
    assert [set(values) for values in company.writes] == [{"fiscalyear_lock_date"}, {"fiscalyear_lock_date"}]
    assert company.locks["fiscalyear_lock_date"] is False
    assert company.locks["hard_lock_date"] == "2025-12-31"


def test_a_run_never_locks_yesterday_or_later() -> None:
    company = Company()
    keeper = mec.PeriodLock(gateway(company), gateway(company), accountant(company), COMPANY)
    with pytest.raises(ValueError, match="never locks yesterday"):
        keeper.lock("fiscalyear_lock_date", date.today() - timedelta(days=1), f"{RUN}/CLINIC/MEC-LOCK")


def test_notes_are_keyed_by_run_so_one_run_never_reads_another_runs() -> None:
    company = Company()
    mec.remember_lock(gateway(company), note(previous=None))
    assert mec.pending_restore(gateway(company), COMPANY, OTHER_RUN) is None
    assert mec.pending_restore(gateway(company), COMPANY, RUN) == note(previous=None)
    assert mec.notes_of_other_runs(gateway(company), COMPANY, {OTHER_RUN}) == [RUN]
    assert mec.restore_key(COMPANY, RUN) == f"uat.lock_restore.1.{RUN}"


def test_a_note_keeps_an_empty_previous_lock_as_none() -> None:
    text = note(previous=None).to_json()
    assert json.loads(text)["previous"] is None
    assert mec.LockRestore.from_json(COMPANY, text).previous is None
    assert mec.LockRestore.from_json(COMPANY, text).run_id == RUN


# -- who may put it back: the close turn -------------------------------------------------------------------


NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def holder(run: str = OTHER_RUN, host: str = "ci-1", pid: int = 4242, beat_ago: float = 0) -> mec.TurnHolder:
    return mec.TurnHolder(run, host, pid, NOW - timedelta(minutes=5), NOW - timedelta(seconds=beat_ago))


def dead(who: mec.TurnHolder, *, watched: float = 0.0, alive: bool = True) -> str | None:
    return mec.why_holder_is_dead(
        who,
        my_run_id=RUN,
        host="ci-1",
        now=NOW,
        stale_after=90,
        watched_still_for=watched,
        alive=lambda _pid: alive,
    )


def test_a_holder_whose_process_is_gone_is_dead_at_once() -> None:
    assert dead(holder(), alive=False) == "its process 4242 on ci-1 is gone"


def test_a_holder_that_beats_is_waited_for() -> None:
    assert dead(holder(beat_ago=5)) is None
    assert dead(holder(host="ci-2", beat_ago=5), watched=600) is None


def test_a_stale_heartbeat_is_dead_only_once_this_run_saw_it_stand_still() -> None:
    other_machine = holder(host="ci-2", beat_ago=3600)
    assert dead(other_machine, watched=0) is None  # just seen: the server may have frozen everyone
    reason = dead(other_machine, watched=2 * mec.HEARTBEAT_EVERY)
    assert reason is not None
    assert "3600 s old" in reason


def test_an_unreadable_holder_goes_stale() -> None:
    read = mec.TurnHolder.from_json("not json")
    assert read.heartbeat == datetime.fromtimestamp(0, UTC)
    assert dead(read, watched=60) is not None


def turn(company: Company, **kwargs: Any) -> mec.PeriodCloseTurn:
    return mec.PeriodCloseTurn(gateway(company), COMPANY, "Harbour Health Group", RUN, poll_every=0.01, **kwargs)


def test_the_turn_is_taken_and_released_through_one_row() -> None:
    company = Company()
    mine = turn(company)
    assert mine.take() is None
    assert company.param_keys() == {"uat.period_lock.1"}
    assert "released by run" in mine.release()
    assert company.param_keys() == set()


def test_a_run_waits_a_bounded_time_for_a_live_holder_and_says_who() -> None:
    company = Company()
    company.create("ir.config_parameter", {"key": "uat.period_lock.1", "value": holder(beat_ago=1).to_json()})
    said: list[str] = []
    mine = turn(company, wait=0.05, say=said.append)
    with pytest.raises(TargetBusy, match=f"still held by run {OTHER_RUN}"):
        mine.take()
    assert said
    assert said[0].startswith(f"waiting for run {OTHER_RUN}, which holds the period lock of Harbour")
    assert not mine.held


def test_a_dead_holders_turn_is_taken_over_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """A holder on another machine whose heartbeat stood still for two heartbeats (shrunk here to 1 ms)."""
    monkeypatch.setattr(mec, "HEARTBEAT_EVERY", 0.001)
    company = Company()
    gone = mec.TurnHolder(OTHER_RUN, "another-machine", 1, NOW, datetime.fromtimestamp(0, UTC))
    company.create("ir.config_parameter", {"key": "uat.period_lock.1", "value": gone.to_json()})
    mine = turn(company, wait=5)
    takeover = mine.take()
    assert takeover is not None
    assert takeover.holder.run_id == OTHER_RUN
    assert "heartbeat" in takeover.reason
    assert mine.held
    values = [json.loads(value) for key, value in company.params.values() if key == "uat.period_lock.1"]
    assert [value["run"] for value in values] == [RUN]


def test_a_holder_that_lost_its_turn_never_releases_its_successors() -> None:
    company = Company()
    mine = turn(company)
    mine.take()
    (row_id,) = company.params
    company.unlink("ir.config_parameter", [row_id])  # taken over by another run meanwhile
    company.create("ir.config_parameter", {"key": "uat.period_lock.1", "value": holder().to_json()})
    assert "already been taken over" in mine.release()
    assert company.param_keys() == {"uat.period_lock.1"}


def test_a_run_that_lost_its_turn_never_sets_the_lock() -> None:
    company = Company()
    mine = turn(company)
    mine.take()
    mine.lost = True  # what the heartbeat finds when another run took the turn over
    keeper = mec.PeriodLock(gateway(company), gateway(company), accountant(company), COMPANY, mine)
    with pytest.raises(TargetBusy, match="no longer holds the period lock"):
        keeper.lock("fiscalyear_lock_date", END_OF_OCTOBER, f"{RUN}/CLINIC/MEC-LOCK")
    assert company.writes == []
    assert mec.restore_key(COMPANY, RUN) not in company.param_keys()
