"""Month-end close on Odoo 19 Community: drafts, trial balance, stock valuation, the period lock.

The period closed is "last month": the latest calendar month that ended at least two days before today, so
a lock never reaches today in any time zone and never touches what other cycles post today. The period lock
is the company's Global Lock Date (`fiscalyear_lock_date`), the soft lock for every user and journal; the
irreversible `hard_lock_date` is never written. Odoo 19 Community has no lock-date screen: the accountant
sets the date on the company record.

Runs may share a database, so a company's close is done by one run at a time: a run takes the company's
close turn, a lock held in the database (`uat.period_lock.<company id>`, `PeriodCloseTurn`), waits a bounded
time while another run holds it, and takes it over from a run proven dead. Setting the lock is the one change
of configuration a run makes, so it is bookkept under the run's id: before the lock is written, the previous
value goes into `uat.lock_restore.<company id>.<run id>`; the lock is put back and the note removed when the
scenario ends, and the run that takes over a dead run's turn puts back what that run left (see
docs/cycles/month_end_close.md). This module holds the intent; the steps decide what the business expected.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from odoo_uat.errors import (
    ConfigurationError,
    OdooError,
    OdooMissingRecord,
    OdooUserError,
    OdooValidationError,
    TargetBusy,
    UatError,
)
from odoo_uat.gateway import OdooGateway, Row, many2one_id
from odoo_uat.references import Reference, ResolvedSite, Scope
from odoo_uat.schema import CycleProfile, Strict

REQUIRED_MODULES = ("account", "stock_account")

LockDateField = Literal["fiscalyear_lock_date"]
WRITABLE_LOCK_FIELDS = ("fiscalyear_lock_date",)  # never hard_lock_date: Odoo cannot undo it
RESTORE_KEY_PREFIX = "uat.lock_restore."  # + "<company id>.<run id>": one run's note of the lock it set
TURN_KEY_PREFIX = "uat.period_lock."  # + "<company id>": which run holds the company's close
WAIT_ENV, DEFAULT_TURN_WAIT = "UAT_PERIOD_LOCK_WAIT", 180.0  # seconds a run waits for another's close
STALE_ENV, DEFAULT_STALE_AFTER = "UAT_PERIOD_LOCK_STALE", 90.0  # seconds without heartbeat: presumed dead
HEARTBEAT_EVERY = 10.0  # seconds between a holder's heartbeats
POLL_EVERY = 2.0  # seconds between a waiting run's looks at the lock
LOCK_REFUSAL = "prior to and inclusive of"  # Odoo's "You cannot add/modify entries prior to and inclusive of ..."


class InterruptedCloseRepaired(UserWarning):
    """A run took over the close of a run proven dead (killed) and put back what it had left."""


class WaitedForPeriodLock(UserWarning):
    """A run waited for another run's close of the same company."""


class AccrualEntry(Strict):
    debit_account: str = Field(description="account code debited by the test entries, e.g. an expense account")
    credit_account: str = Field(description="account code credited by the test entries, e.g. accrued liabilities")
    amount: float = Field(gt=0, description="amount of each test entry, in the company's currency")


class ValuedReceipt(Strict):
    product: str = Field(description="internal reference of a storable supply valued perpetually, standard cost")
    supplier: str = Field(description="res.partner name of the supplier who delivers and bills it")
    receipt_operation: str = Field(default="IN", description="sequence code of the warehouse's receipt type")
    quantity: float = Field(gt=0, description="units received and billed in one run")
    unit_cost: float = Field(gt=0, description="expectation: the supply's standard cost; the bill's unit price")


class MonthEndCloseProfile(CycleProfile):
    journal: str = Field(default="MISC", description="account.journal code of the test entries (a general journal)")
    entries: AccrualEntry = Field(description="the accrual and the backdated entry the accountant posts")
    stock_valuation_account: str = Field(description="expectation: code of the company's stock valuation account")
    valued_receipt: ValuedReceipt
    lock_date_field: LockDateField = Field(
        default="fiscalyear_lock_date",
        description="expectation: the company field that locks a period for every user (Global Lock Date)",
    )

    def company_expectations(self) -> dict[str, str]:
        product = self.valued_receipt.product
        return {
            "period lock date field": self.lock_date_field,
            "stock valuation account (account_stock_valuation_id)": self.stock_valuation_account,
            f"valuation of {product}": f"perpetual, standard cost {self.valued_receipt.unit_cost:.2f}",
        }

    def references(self, scope: Scope) -> list[Reference]:
        key = "month_end_close"
        # An account's code is kept per company in Odoo 19; resolve_site looks them up as the site's company.
        of_company = (("company_ids", "in", [scope.company_id]),)
        accounts = (
            ("entries.debit_account", self.entries.debit_account),
            ("entries.credit_account", self.entries.credit_account),
            ("stock_valuation_account", self.stock_valuation_account),
        )
        return [
            *(
                Reference(f"{key}.{name}", "account.account", "code", code, domain=of_company, company_field=None)
                for name, code in accounts
            ),
            Reference(f"{key}.journal", "account.journal", "code", self.journal, archivable=True),
            Reference(f"{key}.valued_receipt.product", "product.product", "default_code", self.valued_receipt.product),
            Reference(f"{key}.valued_receipt.supplier", "res.partner", "name", self.valued_receipt.supplier),
            Reference(
                f"{key}.valued_receipt.receipt_operation",
                "stock.picking.type",
                "sequence_code",
                self.valued_receipt.receipt_operation,
                domain=(("warehouse_id", "=", scope.warehouse_id), ("code", "=", "incoming")),
            ),
        ]


def section_of(site: ResolvedSite) -> MonthEndCloseProfile:
    section = site.profile.month_end_close
    if section is None:
        raise ConfigurationError(f"Site {site.code} has no month_end_close section in {site.loaded.path}")
    return section


# -- the period ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def label(self) -> str:
        return self.start.strftime("%B %Y")

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def period_to_close(today: date) -> Period:
    """The latest calendar month that ended at least two days ago: its lock never reaches today anywhere."""
    anchor = today - timedelta(days=2)
    end = (anchor + timedelta(days=1)).replace(day=1) - timedelta(days=1)
    return Period(start=end.replace(day=1), end=end)


def to_date(value: Any) -> date | None:
    """Odoo returns dates as 'YYYY-MM-DD' or False; Odoo's date.min reads back as '1-01-01'."""
    if not value:
        return None
    year, month, day = (int(part) for part in str(value)[:10].split("-"))
    return date(year, month, day)


# -- accounts and the ledger -----------------------------------------------------------------------


def account_in_company(gateway: OdooGateway, company_id: int, code: str) -> Row | None:
    """The company's account with this code; `gateway` must be pinned to that company (codes are per company)."""
    rows = gateway.search_read(
        "account.account", [("code", "=", code), ("company_ids", "in", [company_id])], ["code", "name"], limit=2
    )
    return rows[0] if len(rows) == 1 else None


def company_accounting(gateway: OdooGateway, company_id: int) -> Row:
    return gateway.read_one(
        "res.company", company_id, ["name", "currency_id", "account_stock_valuation_id", "inventory_valuation"]
    )


def rounding_of(gateway: OdooGateway, currency_id: int) -> float:
    return float(gateway.read_one("res.currency", currency_id, ["rounding"])["rounding"])


def draft_entries(gateway: OdooGateway, company_id: int, period: Period) -> list[Row]:
    return gateway.search_read(
        "account.move",
        [
            ("company_id", "=", company_id),
            ("state", "=", "draft"),
            ("date", ">=", period.start.isoformat()),
            ("date", "<=", period.end.isoformat()),
        ],
        ["name", "ref", "date", "move_type", "journal_id"],
        order="date, id",
        limit=20,
    )


@dataclass(frozen=True)
class TrialBalanceLine:
    account: str
    debit: float
    credit: float


def trial_balance(gateway: OdooGateway, company_id: int, until: date) -> list[TrialBalanceLine]:
    """Posted journal items up to `until`, totalled by account (formatted_read_group: read_group is deprecated)."""
    groups = gateway.call(
        "account.move.line",
        "formatted_read_group",
        domain=[("company_id", "=", company_id), ("parent_state", "=", "posted"), ("date", "<=", until.isoformat())],
        groupby=["account_id"],
        aggregates=["debit:sum", "credit:sum"],
    )
    account_ids = [int(group["account_id"][0]) for group in groups if group.get("account_id")]
    codes = {int(row["id"]): str(row["code"]) for row in gateway.read("account.account", account_ids, ["code"])}
    return [
        TrialBalanceLine(
            account=(
                f"{codes.get(int(group['account_id'][0]), '?')} {group['account_id'][1]}"
                if group.get("account_id")
                else "(no account)"
            ),
            debit=float(group.get("debit:sum") or 0.0),
            credit=float(group.get("credit:sum") or 0.0),
        )
        for group in groups
    ]


def account_balance(gateway: OdooGateway, company_id: int, account_id: int) -> float:
    """Debit minus credit of the posted journal items on one account."""
    groups = gateway.call(
        "account.move.line",
        "formatted_read_group",
        domain=[("company_id", "=", company_id), ("parent_state", "=", "posted"), ("account_id", "=", account_id)],
        groupby=[],
        aggregates=["balance:sum"],
    )
    return float(groups[0].get("balance:sum") or 0.0) if groups else 0.0


def read_move(gateway: OdooGateway, move_id: int) -> Row:
    return gateway.read_one("account.move", move_id, ["name", "ref", "state", "date", "amount_total"])


def post(gateway: OdooGateway, move_id: int) -> None:
    gateway.call("account.move", "action_post", [move_id])


def discard_draft(gateway: OdooGateway, move_id: int) -> None:
    """A test entry Odoo refused to post is deleted, so no draft of the run stays in the period."""
    try:
        if read_move(gateway, move_id)["state"] == "draft":
            gateway.unlink("account.move", [move_id])
    except OdooError:
        pass  # the step's own failure names the entry; a leftover draft is reported by the next run


def drafts_of_run(gateway: OdooGateway, company_id: int, run_id: str) -> list[Row]:
    """Draft entries this cycle created in one run (`<run id>/<site>/MEC-...`), e.g. a run killed before posting."""
    return gateway.search_read(
        "account.move",
        [("company_id", "=", company_id), ("state", "=", "draft"), ("ref", "=like", run_entry_pattern(run_id))],
        ["name", "ref", "date"],
        limit=50,
    )


def run_entry_pattern(run_id: str) -> str:
    """The references of one run's entries and bills of this cycle, as `run_id.tag` makes them."""
    return f"{run_id}/%/MEC-%"


def reset_to_draft(gateway: OdooGateway, move_id: int) -> str:
    """The accountant's 'Reset to Draft'; returns Odoo's refusal, or '' when Odoo did it."""
    try:
        gateway.call("account.move", "button_draft", [move_id])
    except OdooUserError as refusal:
        return refusal.odoo_message
    return ""


# -- stock valuation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValuationReading:
    """The stock valuation account's balance and the perpetually valued stock's value, at one moment."""

    account_id: int
    account_code: str
    balance: float
    stock_value: float
    last_line_id: int  # the newest journal item then, to name what was posted on the account since


def product_valuation(gateway: OdooGateway, product_id: int) -> Row:
    return gateway.read_one(
        "product.product", product_id, ["display_name", "valuation", "cost_method", "standard_price", "categ_id"]
    )


def latest_line_id(gateway: OdooGateway) -> int:
    found = gateway.search("account.move.line", [], order="id desc", limit=1)
    return found[0] if found else 0


def postings_since(gateway: OdooGateway, account_id: int, after_line_id: int) -> list[Row]:
    """Journal items posted on an account after a reading: what moved it, for a reader of a failure."""
    return gateway.search_read(
        "account.move.line",
        [("account_id", "=", account_id), ("id", ">", after_line_id), ("parent_state", "=", "posted")],
        ["move_name", "ref", "balance"],
        order="id",
        limit=20,
    )


def perpetual_stock_value(gateway: OdooGateway) -> float:
    """Total value of the company's perpetually valued stock (product.total_value: Odoo 19 has no valuation layers)."""
    rows = gateway.search_read(
        "product.product", [("is_storable", "=", True), ("valuation", "=", "real_time")], ["total_value"]
    )
    return float(sum(float(row["total_value"] or 0.0) for row in rows))


def receipt_locations(gateway: OdooGateway, picking_type_id: int, partner_id: int) -> tuple[int, int]:
    """Where a delivery from this supplier comes from and goes to through this receipt type."""
    kind = gateway.read_one("stock.picking.type", picking_type_id, ["default_location_dest_id"])
    partner = gateway.read_one("res.partner", partner_id, ["property_stock_supplier"])
    source, destination = many2one_id(partner["property_stock_supplier"]), many2one_id(kind["default_location_dest_id"])
    if source is None or destination is None:
        raise ConfigurationError(f"stock.picking.type #{picking_type_id} has no default destination location")
    return source, destination


def receive_in_full(gateway: OdooGateway, picking_id: int) -> str:
    """Confirm the receipt, take every move's quantity as received, validate; returns Odoo's final state."""
    gateway.call("stock.picking", "action_confirm", [picking_id])
    moves = gateway.search_read("stock.move", [("picking_id", "=", picking_id)], ["product_uom_qty"])
    for move in moves:
        gateway.write("stock.move", [move["id"]], {"quantity": move["product_uom_qty"], "picked": True})
    gateway.call("stock.picking", "button_validate", [picking_id])
    return str(gateway.read_one("stock.picking", picking_id, ["state"])["state"])


# -- the lock --------------------------------------------------------------------------------------


def lock_state(gateway: OdooGateway, company_id: int, field: str) -> Row:
    """The company's lock dates and the ones in force for the calling user (lock exceptions applied)."""
    return gateway.read_one(
        "res.company", company_id, [field, f"user_{field}", "hard_lock_date", "user_hard_lock_date"]
    )


def exceptions_against(gateway: OdooGateway, company_id: int, field: str, lock: date) -> list[Row]:
    """Active lock exceptions that would let someone post on or before `lock` despite the company's lock."""
    return gateway.search_read(
        "account.lock_exception",
        [
            ("company_id", "=", company_id),
            ("state", "=", "active"),
            ("lock_date_field", "=", field),
            "|",
            ("lock_date", "=", False),
            ("lock_date", "<", lock.isoformat()),
        ],
        ["display_name", "user_id", "lock_date", "end_datetime", "reason"],
    )


@dataclass(frozen=True)
class LockRestore:
    """What a run changed on a company's lock, written down before the change so it can be put back."""

    company_id: int
    field: str
    previous: date | None
    lock: date
    run_tag: str  # `<run id>/<site>/MEC-LOCK`

    @property
    def run_id(self) -> str:
        return self.run_tag.partition("/")[0]

    def to_json(self) -> str:
        return json.dumps(
            {
                "run": self.run_tag,
                "field": self.field,
                "previous": self.previous.isoformat() if self.previous else None,
                "lock": self.lock.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, company_id: int, text: str) -> LockRestore:
        data = json.loads(text)
        return cls(
            company_id=company_id,
            field=str(data["field"]),
            previous=to_date(data.get("previous")),
            lock=date.fromisoformat(str(data["lock"])),
            run_tag=str(data.get("run", "?")),
        )

    def describe(self) -> str:
        return f"{self.field} {self.previous or '(none)'} -> {self.lock} by {self.run_tag}"


def restore_key(company_id: int, run_id: str) -> str:
    """One run's note for one company: two runs never read or delete each other's."""
    return f"{RESTORE_KEY_PREFIX}{company_id}.{run_id}"


def legacy_restore_key(company_id: int) -> str:
    """The per-company note of harness versions before run-keyed notes; put back by whoever holds the turn."""
    return f"{RESTORE_KEY_PREFIX}{company_id}"


def pending_restore(technical: OdooGateway, company_id: int, run_id: str | None) -> LockRestore | None:
    """The restore note `run_id` left for this company (None: the legacy per-company note), if it never put back."""
    key = restore_key(company_id, run_id) if run_id else legacy_restore_key(company_id)
    rows = technical.search_read("ir.config_parameter", [("key", "=", key)], ["value"], limit=1)
    return LockRestore.from_json(company_id, str(rows[0]["value"])) if rows else None


def notes_of_other_runs(technical: OdooGateway, company_id: int, run_ids: set[str]) -> list[str]:
    """Run ids of restore notes for this company that belong to none of `run_ids` (for the evidence only)."""
    prefix = f"{RESTORE_KEY_PREFIX}{company_id}."
    rows = technical.search_read("ir.config_parameter", [("key", "=like", f"{prefix}%")], ["key"])
    found = {str(row["key"])[len(prefix) :] for row in rows}
    return sorted(found - run_ids)


def remember_lock(technical: OdooGateway, restore: LockRestore) -> None:
    technical.call(
        "ir.config_parameter",
        "set_param",
        key=restore_key(restore.company_id, restore.run_id),
        value=restore.to_json(),
    )


def forget_lock(technical: OdooGateway, restore: LockRestore, *, legacy: bool = False) -> None:
    key = legacy_restore_key(restore.company_id) if legacy else restore_key(restore.company_id, restore.run_id)
    technical.call("ir.config_parameter", "set_param", key=key, value=False)


def set_lock_date(gateway: OdooGateway, company_id: int, field: str, value: date | None) -> None:
    if field not in WRITABLE_LOCK_FIELDS:  # hard_lock_date is irreversible: nothing the harness does writes it
        raise ValueError(f"a UAT run never writes {field} (only {', '.join(WRITABLE_LOCK_FIELDS)})")
    gateway.write("res.company", [company_id], {field: value.isoformat() if value else False})


@dataclass(frozen=True)
class PutBack:
    """What putting a note's lock back means, given the company's lock now."""

    write: bool  # True: write `value` on the note's field
    value: date | None
    says: str


def plan_put_back(restore: LockRestore, current: date | None) -> PutBack:
    """Odoo keeps one date per lock field and `False` means no lock: put back the previous value, None included.

    Only a lock that still holds the date the run set is put back; a lock someone changed since is left alone
    (the note no longer describes the company). A note about any other field than the Global Lock Date is
    never acted on: `hard_lock_date` cannot be undone in Odoo, so the harness never writes it.
    """
    if restore.field not in WRITABLE_LOCK_FIELDS:
        return PutBack(
            False, None, f"{restore.field} left alone: a UAT run never writes it (note {restore.describe()})"
        )
    if current == restore.lock:
        return PutBack(
            True, restore.previous, f"{restore.field} put back from {restore.lock} to {restore.previous or '(none)'}"
        )
    if current == restore.previous:
        return PutBack(False, None, f"{restore.field} was never changed (still {current or '(none)'})")
    return PutBack(
        False,
        None,
        f"{restore.field} left at {current or '(none)'}: it changed since the run set {restore.lock} "
        f"(it was {restore.previous or '(none)'} before)",
    )


def put_back(technical: OdooGateway, accountant: OdooGateway, restore: LockRestore, *, legacy: bool = False) -> str:
    """Put the lock back as it was before `restore`'s run, then drop the note; say what was done."""
    if restore.field in WRITABLE_LOCK_FIELDS:
        row = accountant.read_one("res.company", restore.company_id, [restore.field])
        plan = plan_put_back(restore, to_date(row[restore.field]))
    else:
        plan = plan_put_back(restore, None)
    if plan.write:
        set_lock_date(accountant, restore.company_id, restore.field, plan.value)
    forget_lock(technical, restore, legacy=legacy)
    return plan.says


class PeriodLock:
    """Sets a company's period lock and puts it back; the run's note is written before the lock, always."""

    def __init__(
        self, technical: OdooGateway, accountant: OdooGateway, company_id: int, turn: PeriodCloseTurn | None = None
    ) -> None:
        self._technical = technical
        self._accountant = accountant
        self._company_id = company_id
        self._turn = turn
        self.restore: LockRestore | None = None

    def lock(self, field: str, lock: date, run_tag: str) -> LockRestore:
        if lock >= date.today() - timedelta(days=1):
            raise ValueError(f"a UAT run never locks yesterday or later (asked for {lock})")
        if self._turn is not None and not self._turn.held:  # taken over as stale: another run closes now
            raise TargetBusy(
                f"Run {self._turn.run_id} no longer holds the period lock of {self._turn.company_name} "
                "(another run took it over while this one was silent); it does not set the lock"
            )
        previous = to_date(self._accountant.read_one("res.company", self._company_id, [field])[field])
        self.restore = LockRestore(self._company_id, field, previous, lock, run_tag)
        remember_lock(self._technical, self.restore)
        set_lock_date(self._accountant, self._company_id, field, lock)
        return self.restore

    def put_back(self) -> str | None:
        if self.restore is None:
            return None
        done = put_back(self._technical, self._accountant, self.restore)
        self.restore = None
        return done


# -- the company's close turn: one run at a time ------------------------------------------------------------


def turn_key(company_id: int) -> str:
    return f"{TURN_KEY_PREFIX}{company_id}"


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TurnHolder:
    """Who holds a company's close turn: the value of its `uat.period_lock.<company id>` parameter."""

    run_id: str
    host: str
    pid: int
    since: datetime
    heartbeat: datetime

    def to_json(self) -> str:
        return json.dumps(
            {
                "run": self.run_id,
                "host": self.host,
                "pid": self.pid,
                "since": self.since.isoformat(timespec="seconds"),
                "heartbeat": self.heartbeat.isoformat(timespec="seconds"),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> TurnHolder:
        """A value the harness did not write (edited by hand) reads as a holder that never beats: it goes stale."""
        try:
            data = json.loads(text)
            return cls(
                run_id=str(data["run"]),
                host=str(data["host"]),
                pid=int(data["pid"]),
                since=_utc(str(data["since"])),
                heartbeat=_utc(str(data["heartbeat"])),
            )
        except (ValueError, KeyError, TypeError):
            epoch = datetime.fromtimestamp(0, UTC)
            return cls(run_id=f"(unreadable: {text[:40]!r})", host="?", pid=0, since=epoch, heartbeat=epoch)

    def beating(self, now: datetime) -> TurnHolder:
        return TurnHolder(self.run_id, self.host, self.pid, self.since, now)


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
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True  # no /proc: the signal answered, so it runs


def why_holder_is_dead(
    holder: TurnHolder,
    *,
    my_run_id: str,
    host: str,
    now: datetime,
    stale_after: float,
    watched_still_for: float,
    alive: Callable[[int], bool] = process_alive,
) -> str | None:
    """Why a holder's turn may be taken over, or None while it may still be working.

    Dead for sure: its process on this machine is gone. Presumed dead: its heartbeat (written every
    HEARTBEAT_EVERY seconds) is older than `stale_after` and did not move while this run watched it for two
    heartbeats, so a server that froze everyone for a while does not make a live holder look dead.
    """
    if holder.run_id == my_run_id:
        return "it is this run's own, left by an earlier attempt"
    if holder.host == host and not alive(holder.pid):
        return f"its process {holder.pid} on {host} is gone"
    age = (now - holder.heartbeat).total_seconds()
    if age > stale_after and watched_still_for >= 2 * HEARTBEAT_EVERY:
        return (
            f"its heartbeat is {age:.0f} s old (stale after {stale_after:.0f} s) and did not move for "
            f"{watched_still_for:.0f} s"
        )
    return None


@dataclass(frozen=True)
class Takeover:
    """A turn taken over from a run proven dead: what was put right is up to the new holder."""

    holder: TurnHolder
    reason: str


def _seconds_from_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name}={raw!r} is not a number of seconds") from exc
    if value < 0:
        raise ConfigurationError(f"{name}={raw!r}: a wait cannot be negative")
    return value


def turn_wait() -> float:
    """How long a run waits for another run's close of the same company (UAT_PERIOD_LOCK_WAIT, seconds)."""
    return _seconds_from_env(WAIT_ENV, DEFAULT_TURN_WAIT)


def turn_stale_after() -> float:
    """How old a holder's heartbeat must be before its turn may be taken over (UAT_PERIOD_LOCK_STALE, seconds)."""
    return _seconds_from_env(STALE_ENV, DEFAULT_STALE_AFTER)


class PeriodCloseTurn:
    """A company's close, one run at a time, through a lock held in the database.

    The lock is the system parameter `uat.period_lock.<company id>`. Its key is unique in Odoo
    (`ir_config_parameter_key_uniq`) and each JSON-RPC call is one transaction, so `create` is an atomic
    create-if-absent: of two runs creating it at once, PostgreSQL makes the second wait for the first's commit,
    then refuses it ("Key must be unique"). The value names the holder (run id, host, process, since) and a
    heartbeat a background thread refreshes on its own connection. Every later write and the release address
    the row by its id, so a holder whose turn was taken over (a new row) can never write over its successor.
    """

    def __init__(
        self,
        technical: OdooGateway,
        company_id: int,
        company_name: str,
        run_id: str,
        *,
        heartbeat_gateway: Callable[[], OdooGateway] | None = None,
        wait: float = DEFAULT_TURN_WAIT,
        stale_after: float = DEFAULT_STALE_AFTER,
        say: Callable[[str], None] = lambda _line: None,
        poll_every: float = POLL_EVERY,
    ) -> None:
        self._technical = technical
        self.company_id = company_id
        self.company_name = company_name
        self.run_id = run_id
        self._heartbeat_gateway = heartbeat_gateway
        self.wait = wait
        self.stale_after = stale_after
        self._say = say
        self._poll_every = poll_every
        self._row_id: int | None = None
        self._holder = self._me()
        self._stop = threading.Event()
        self._beater: threading.Thread | None = None
        self.lost = False  # the heartbeat found the row gone: another run took the turn over
        self.waited_for: list[str] = []  # what the run said while it waited
        self.waited_seconds = 0.0
        self.takeover: Takeover | None = None

    @property
    def held(self) -> bool:
        return self._row_id is not None and not self.lost

    def _me(self) -> TurnHolder:
        now = datetime.now(UTC)
        return TurnHolder(self.run_id, socket.gethostname(), os.getpid(), now, now)

    def take(self) -> Takeover | None:
        """Wait (bounded) for the turn; take it over from a holder proven dead. Returns that takeover, if any."""
        started = time.monotonic()
        deadline = started + self.wait
        key = turn_key(self.company_id)
        announced: tuple[str, str] | None = None
        watched: tuple[str, float] | None = None  # (heartbeat seen, when first seen)
        pending: Takeover | None = None
        me = self._me()
        while True:
            try:
                self._row_id = self._technical.create("ir.config_parameter", {"key": key, "value": me.to_json()})
            except OdooValidationError:
                pass  # "Key must be unique": someone holds it
            else:
                self._holder = me
                self.takeover = pending
                self.waited_seconds = time.monotonic() - started
                self._start_heartbeat()
                return pending
            rows = self._technical.search_read("ir.config_parameter", [("key", "=", key)], ["value"], limit=1)
            if not rows:
                continue  # released between our create and our read
            holder = TurnHolder.from_json(str(rows[0]["value"]))
            now_mono = time.monotonic()
            seen = holder.heartbeat.isoformat()
            if watched is None or watched[0] != seen:
                watched = (seen, now_mono)
            reason = why_holder_is_dead(
                holder,
                my_run_id=self.run_id,
                host=socket.gethostname(),
                now=datetime.now(UTC),
                stale_after=self.stale_after,
                watched_still_for=now_mono - watched[1],
            )
            if reason is not None:
                with contextlib.suppress(OdooMissingRecord):  # another waiter removed it first
                    self._technical.unlink("ir.config_parameter", [int(rows[0]["id"])])
                pending = Takeover(holder, reason)  # ours only if our next create wins
                continue
            pending = None
            if announced != (holder.run_id, holder.since.isoformat()):
                announced = (holder.run_id, holder.since.isoformat())
                line = (
                    f"waiting for run {holder.run_id}, which holds the period lock of {self.company_name} since "
                    f"{holder.since:%Y-%m-%d %H:%M:%S} UTC (host {holder.host}, process {holder.pid}); "
                    f"waiting at most {self.wait:.0f} s"
                )
                self.waited_for.append(line)
                self._say(line)
            if now_mono >= deadline:
                self.waited_seconds = now_mono - started
                raise TargetBusy(
                    f"Run {self.run_id} waited {self.waited_seconds:.0f} s for the period lock of "
                    f"{self.company_name}, still held by run {holder.run_id} since {holder.since:%Y-%m-%d %H:%M:%S} "
                    f"UTC (host {holder.host}, process {holder.pid}, heartbeat {holder.heartbeat:%H:%M:%S}); "
                    f"rerun when it has finished, or raise {WAIT_ENV}"
                )
            time.sleep(max(0.0, min(self._poll_every, deadline - now_mono)))

    def _start_heartbeat(self) -> None:
        if self._heartbeat_gateway is None or self._row_id is None:
            return
        self._stop.clear()
        self._beater = threading.Thread(
            target=self._beat, args=(self._row_id,), name=f"uat-period-lock-{self.company_id}", daemon=True
        )
        self._beater.start()

    def _beat(self, row_id: int) -> None:
        """Refresh the heartbeat on a connection of its own (a gateway is not shared between threads)."""
        assert self._heartbeat_gateway is not None
        gateway: OdooGateway | None = None
        me = self._holder
        while not self._stop.wait(HEARTBEAT_EVERY):
            try:
                gateway = gateway or self._heartbeat_gateway()
                gateway.write("ir.config_parameter", [row_id], {"value": me.beating(datetime.now(UTC)).to_json()})
            except OdooMissingRecord:
                self.lost = True
                return
            except UatError:
                continue  # Odoo busy or away: the next beat tries again; a long silence makes the turn stale

    def release(self) -> str:
        """Give the turn back (teardown, pass or fail); says what happened."""
        self._stop.set()
        if self._beater is not None:
            self._beater.join(timeout=1.0)  # a beat stuck on a hung server must not hold up the teardown
        row_id, self._row_id = self._row_id, None
        if row_id is None:
            return "the period lock was not held"
        try:
            self._technical.unlink("ir.config_parameter", [row_id])
        except OdooMissingRecord:
            return f"the period lock of {self.company_name} had already been taken over by another run"
        return f"period lock of {self.company_name} released by run {self.run_id}"
