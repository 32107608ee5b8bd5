"""Month-end close on Odoo 19 Community: drafts, trial balance, stock valuation, the period lock.

The period closed is "last month": the latest calendar month that ended at least two days before today, so
a lock never reaches today in any time zone and never touches what other cycles post today. The period lock
is the company's Global Lock Date (`fiscalyear_lock_date`), the soft lock for every user and journal; the
irreversible `hard_lock_date` is never written. Odoo 19 Community has no lock-date screen: the accountant
sets the date on the company record.

Setting the lock is the one change of configuration a run makes, so it is bookkept: before the lock is
written, the previous value goes into the system parameter `uat.lock_restore.<company id>` (see
docs/cycles/month_end_close.md for why there); the lock is put back and the parameter removed when the
scenario ends, and the next run puts back a lock an interrupted run left behind. This module holds the
intent; the steps decide what the business expected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import Field

from odoo_uat.errors import ConfigurationError, OdooError, OdooUserError
from odoo_uat.gateway import OdooGateway, Row, many2one_id
from odoo_uat.references import Reference, ResolvedSite, Scope
from odoo_uat.schema import CycleProfile, Strict

REQUIRED_MODULES = ("account", "stock_account")

LockDateField = Literal["fiscalyear_lock_date"]
RESTORE_KEY_PREFIX = "uat.lock_restore."
RUN_ENTRY_PATTERN = "UAT-%/MEC-%"  # the references of this cycle's entries and bills, as `run_id.tag` makes them
LOCK_REFUSAL = "prior to and inclusive of"  # Odoo's "You cannot add/modify entries prior to and inclusive of ..."


class InterruptedCloseRepaired(UserWarning):
    """A run found a period lock an interrupted run had left behind, and put it back."""


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


def leftover_drafts(gateway: OdooGateway, company_id: int) -> list[Row]:
    """Draft entries of this cycle's earlier runs (a run killed between creating and posting one)."""
    return gateway.search_read(
        "account.move",
        [("company_id", "=", company_id), ("state", "=", "draft"), ("ref", "=like", RUN_ENTRY_PATTERN)],
        ["name", "ref", "date"],
        limit=50,
    )


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
    run_tag: str

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


def restore_key(company_id: int) -> str:
    return f"{RESTORE_KEY_PREFIX}{company_id}"


def pending_restore(technical: OdooGateway, company_id: int) -> LockRestore | None:
    """The restore note a run left for this company, if it never put its lock back (a killed run)."""
    rows = technical.search_read("ir.config_parameter", [("key", "=", restore_key(company_id))], ["value"], limit=1)
    return LockRestore.from_json(company_id, str(rows[0]["value"])) if rows else None


def remember_lock(technical: OdooGateway, restore: LockRestore) -> None:
    technical.call("ir.config_parameter", "set_param", key=restore_key(restore.company_id), value=restore.to_json())


def forget_lock(technical: OdooGateway, company_id: int) -> None:
    technical.call("ir.config_parameter", "set_param", key=restore_key(company_id), value=False)


def set_lock_date(gateway: OdooGateway, company_id: int, field: str, value: date | None) -> None:
    gateway.write("res.company", [company_id], {field: value.isoformat() if value else False})


def put_back(technical: OdooGateway, accountant: OdooGateway, restore: LockRestore) -> str:
    """Put the lock back as it was before `restore`'s run, then drop the note; say what was done.

    A lock someone changed since is left alone: the note no longer describes the company's state.
    """
    current = to_date(accountant.read_one("res.company", restore.company_id, [restore.field])[restore.field])
    if current == restore.lock:
        set_lock_date(accountant, restore.company_id, restore.field, restore.previous)
        done = f"{restore.field} put back from {restore.lock} to {restore.previous or '(none)'}"
    elif current == restore.previous:
        done = f"{restore.field} was never changed (still {current or '(none)'})"
    else:
        done = (
            f"{restore.field} left at {current}: it changed since the run set {restore.lock} "
            f"(it was {restore.previous or '(none)'} before)"
        )
    forget_lock(technical, restore.company_id)
    return done


class PeriodLock:
    """Sets a company's period lock and puts it back; the note is written before the lock, always."""

    def __init__(self, technical: OdooGateway, accountant: OdooGateway, company_id: int) -> None:
        self._technical = technical
        self._accountant = accountant
        self._company_id = company_id
        self.restore: LockRestore | None = None

    def lock(self, field: str, lock: date, run_tag: str) -> LockRestore:
        if lock >= date.today() - timedelta(days=1):
            raise ValueError(f"a UAT run never locks yesterday or later (asked for {lock})")
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
