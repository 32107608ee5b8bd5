"""Month-end close on Odoo 19 Community: drafts, trial balance, stock valuation, the period lock.

The period closed is "last month": the latest calendar month that ended at least two days before today, so
a lock never reaches today in any time zone and never touches what other cycles post today. The period lock
is the company's Global Lock Date (`fiscalyear_lock_date`), the soft lock for every user and journal; the
irreversible `hard_lock_date` is never written. Odoo 19 Community has no lock-date screen: the accountant's
action writes the date on the company record over RPC, in both modes (odoo_uat/actions/closing.py).

Runs may share a database, so a company's close is done by one run at a time: a run takes the company's
close turn, a lock held in the database (`uat.period_lock.<company id>`, `PeriodCloseTurn`), waits a bounded
time while another run holds it, and takes it over from a run proven dead. Setting the lock is the one change
of configuration a run makes, so it is bookkept under the run's id: before the lock is written, the previous
value goes into `uat.lock_restore.<company id>.<run id>`; the lock is put back and the note removed when the
scenario ends, and the run that takes over a dead run's turn puts back what that run left (see
docs/cycles/month_end_close.md). This module reads Odoo and holds the harness's own machinery (the turn, the
notes); what a role does is its actions' (`actor.closing`, `actor.receiving`); the steps decide what the business
expected.
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
from typing import Any, Literal, Protocol

from pydantic import Field

from odoo_uat.actions.closing import WRITABLE_LOCK_FIELDS
from odoo_uat.cycles.receiving import SupplierLot
from odoo_uat.errors import (
    ConfigurationError,
    OdooMissingRecord,
    OdooValidationError,
    TargetBusy,
    UatError,
)
from odoo_uat.gateway import OdooGateway, Row, many2one_id
from odoo_uat.references import Reference, ResolvedSite, Scope
from odoo_uat.run_dirs import process_alive, signals_deferred
from odoo_uat.schema import CycleProfile, Strict

REQUIRED_MODULES = ("account", "stock_account")

LockDateField = Literal["fiscalyear_lock_date"]
RESTORE_KEY_PREFIX = "uat.lock_restore."  # + "<company id>.<run id>": one run's note of the lock it set
TURN_KEY_PREFIX = "uat.period_lock."  # + "<company id>": which run holds the company's close
WAIT_ENV, DEFAULT_TURN_WAIT = "UAT_PERIOD_LOCK_WAIT", 180.0  # seconds a run waits for another's close
STALE_ENV, DEFAULT_STALE_AFTER = "UAT_PERIOD_LOCK_STALE", 90.0  # seconds without heartbeat: presumed dead
HEARTBEAT_EVERY = 10.0  # seconds between a holder's heartbeats
POLL_EVERY = 2.0  # seconds between a waiting run's looks at the lock
LOCK_REFUSAL = "prior to and inclusive of"  # Odoo's "You cannot add/modify entries prior to and inclusive of ..."


VALUATION_IN_ODOO: dict[str, str] = {"perpetual": "real_time", "periodic": "periodic"}
VALUATION_NAMES: dict[str, str] = {"real_time": "Perpetual (at invoicing)", "periodic": "Periodic (at closing)"}
COST_METHOD_NAMES: dict[str, str] = {"standard": "standard cost", "fifo": "FIFO cost", "average": "average cost"}
LOCK_GROUPS = (
    "Administration / Access Rights (write the company) and Accounting / Invoicing (read bank statement lines)"
)
STOCK_ACCOUNT_TYPE = "asset_current"  # Odoo's charts keep stock valuation accounts among the current assets
DEFAULT_SHELF_LIFE_DAYS = 365  # expiry of the run's lots when the supply has no expiration time of its own


class InterruptedCloseRepaired(UserWarning):
    """A run took over the close of a run proven dead (killed) and put back what it had left."""


class CloseEntriesLeftPosted(UserWarning):
    """The run could not reverse what it posted in the period it closes: the evidence names the entries."""


class WaitedForPeriodLock(UserWarning):
    """A run waited for another run's close of the same company."""


class AccrualEntry(Strict):
    debit_account: str = Field(description="account code debited by the test entries, e.g. an expense account")
    credit_account: str = Field(description="account code credited by the test entries, e.g. accrued liabilities")
    amount: float = Field(gt=0, description="amount of each test entry, in the company's currency")


class ValuedReceipt(Strict):
    product: str = Field(description="internal reference of a storable supply; how it is valued is an expectation")
    supplier: str = Field(description="res.partner name of the supplier who delivers and bills it")
    receipt_operation: str = Field(
        default="IN", description="sequence code of a receipt type of the site's warehouse (expectation: a receipt)"
    )
    quantity: float = Field(gt=0, description="units received and billed in one run")
    valuation: Literal["perpetual", "periodic"] = Field(
        default="perpetual",
        description="expectation: Perpetual (at invoicing) or Periodic (at closing), Odoo 19's default",
    )
    cost_method: Literal["standard", "fifo", "average"] | None = Field(
        default=None, description="expectation, when given: the supply's cost method (standard, fifo, average)"
    )
    unit_cost: float | None = Field(
        default=None,
        gt=0,
        description="expectation, when given: the supply's unit cost before the delivery (its standard cost, or "
        "its running FIFO/average cost); Odoo values a delivery without an order at it",
    )


class MonthEndCloseProfile(CycleProfile):
    journal: str = Field(
        default="MISC", description="account.journal code of the test entries (expectation: a general journal)"
    )
    entries: AccrualEntry = Field(description="the accrual and the backdated entry the accountant posts")
    stock_valuation_account: str = Field(
        description="expectation: code of the supply's stock valuation account (its category's, else the company's)"
    )
    valued_receipt: ValuedReceipt
    lock_date_field: LockDateField = Field(
        default="fiscalyear_lock_date",
        description="expectation: the company field that locks a period for every user (Global Lock Date)",
    )

    def company_expectations(self) -> dict[str, str]:
        receipt = self.valued_receipt
        valuation: list[str] = [receipt.valuation]
        if receipt.cost_method:
            valuation.append(COST_METHOD_NAMES[receipt.cost_method])
        if receipt.unit_cost is not None:
            valuation.append(f"unit cost {receipt.unit_cost:.2f}")
        return {
            "period lock date field": self.lock_date_field,
            "stock valuation account": self.stock_valuation_account,
            f"valuation of {receipt.product}": ", ".join(valuation),
        }

    def references(self, scope: Scope) -> list[Reference]:
        """Natural keys only: what each record must be like (a general journal, a receipt type) is checked in the
        scenario, as a finding, before anything is posted."""
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
                domain=(("warehouse_id", "=", scope.warehouse_id),),
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


# -- the close's configuration, checked before anything is posted ------------------------------------


def journal_setup(gateway: OdooGateway, journal_id: int) -> Row:
    """The journal as Odoo has it, archived or not (the reference resolves archived records too)."""
    rows = gateway.with_context(active_test=False).read(
        "account.journal", [journal_id], ["name", "code", "type", "active", "company_id"]
    )
    return rows[0]


def account_setup(gateway: OdooGateway, account_id: int) -> Row:
    rows = gateway.with_context(active_test=False).read(
        "account.account", [account_id], ["code", "name", "account_type", "active"]
    )
    return rows[0]


def receipt_type_setup(gateway: OdooGateway, picking_type_id: int) -> Row:
    return gateway.read_one(
        "stock.picking.type",
        picking_type_id,
        ["name", "code", "default_location_dest_id", "use_create_lots", "active"],
    )


@dataclass(frozen=True)
class SupplyValuation:
    """How Odoo values the supply in the site's company: product, category and company records."""

    product_id: int
    name: str
    category: str
    valuation: str  # real_time | periodic
    cost_method: str  # standard | fifo | average
    unit_cost: float  # standard_price: the standard cost, or Odoo's running FIFO/average cost
    lot_valuated: bool
    tracking: str  # none | lot | serial
    storable: bool
    expiration_days: int  # the product's expiration time (product_expiry), 0 when it has none
    stock_account_id: int | None
    stock_account_source: str

    @property
    def perpetual(self) -> bool:
        return self.valuation == "real_time"

    def describe(self) -> str:
        return (
            f"valuation {VALUATION_NAMES.get(self.valuation, self.valuation)}, "
            f"{COST_METHOD_NAMES.get(self.cost_method, self.cost_method)}, unit cost {self.unit_cost:g}"
            + (", valued by lot" if self.lot_valuated else "")
            + f" (category {self.category})"
        )


def supply_valuation(gateway: OdooGateway, product_id: int, company_id: int) -> SupplyValuation:
    """Read as the site's company: valuation, cost method and accounts are company-dependent in Odoo 19.

    The stock valuation account Odoo uses for the supply is its category's, else the company's
    (`product.template._get_product_accounts`).
    """
    fields = ["display_name", "valuation", "cost_method", "standard_price", "categ_id", "lot_valuated", "tracking"]
    fields += ["is_storable", "use_expiration_date", "expiration_time"]
    known = gateway.fields_of("product.product")
    product = gateway.read_one("product.product", product_id, [name for name in fields if name in known])
    category_id = many2one_id(product["categ_id"]) or 0
    category = gateway.read_one(
        "product.category", category_id, ["complete_name", "property_stock_valuation_account_id"]
    )
    account_id = many2one_id(category["property_stock_valuation_account_id"])
    source = f"category {category['complete_name']}"
    if account_id is None:
        account_id = many2one_id(company_accounting(gateway, company_id)["account_stock_valuation_id"])
        source = "the company's default"
    return SupplyValuation(
        product_id=product_id,
        name=str(product["display_name"]),
        category=str(category["complete_name"]),
        valuation=str(product["valuation"]),
        cost_method=str(product["cost_method"]),
        unit_cost=float(product["standard_price"] or 0.0),
        lot_valuated=bool(product.get("lot_valuated")),
        tracking=str(product.get("tracking") or "none"),
        storable=bool(product.get("is_storable")),
        expiration_days=int(product.get("expiration_time") or 0) if product.get("use_expiration_date") else 0,
        stock_account_id=account_id,
        stock_account_source=source,
    )


@dataclass(frozen=True)
class LockRights:
    """What Odoo lets a user do that setting the Global Lock Date needs (Community 19 has no lock-date screen)."""

    write_company: bool  # res.company write: Administration / Access Rights
    read_statement_lines: bool  # read during the lock's validation (`_validate_locks`): any accounting group

    @property
    def may_lock(self) -> bool:
        return self.write_company and self.read_statement_lines

    def describe(self) -> str:
        return (
            f"{'may' if self.write_company else 'may NOT'} write the company record; "
            f"{'may' if self.read_statement_lines else 'may NOT'} read bank statement lines"
        )


def lock_rights(gateway: OdooGateway, company_id: int) -> LockRights:
    """Asked of Odoo as the user (`has_access`), so nothing is written to find out."""
    return LockRights(
        write_company=bool(gateway.call("res.company", "has_access", [company_id], operation="write")),
        read_statement_lines=bool(gateway.call("account.bank.statement.line", "has_access", [], operation="read")),
    )


# -- stock valuation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValuationReading:
    """The stock valuation account's balance and the perpetually valued stock's value, at one moment."""

    account_id: int
    account_code: str
    balance: float
    stock_value: float
    last_line_id: int  # the newest journal item then, to name what was posted on the account since
    supply: SupplyStock  # the valued supply alone
    books: PeriodBooks | None = None  # last month's books then: the "before" of the close's checks


@dataclass(frozen=True)
class PeriodBooks:
    """What the close counts in the period it closes, at one moment: draft entries dated in it, the trial balance's
    totals at its end, and the active lock exceptions that would reach into it."""

    drafts: int
    debit: float
    credit: float
    lock_exceptions: int


def period_books(gateway: OdooGateway, company_id: int, period: Period, lock_field: str) -> PeriodBooks:
    lines = trial_balance(gateway, company_id, period.end)
    return PeriodBooks(
        drafts=draft_count(gateway, company_id, period),
        debit=float(sum(line.debit for line in lines)),
        credit=float(sum(line.credit for line in lines)),
        lock_exceptions=len(exceptions_against(gateway, company_id, lock_field, period.end)),
    )


def draft_count(gateway: OdooGateway, company_id: int, period: Period) -> int:
    """How many draft journal entries of the company are dated in the period (draft_entries lists the first 20)."""
    return gateway.search_count(
        "account.move",
        [
            ("company_id", "=", company_id),
            ("state", "=", "draft"),
            ("date", ">=", period.start.isoformat()),
            ("date", "<=", period.end.isoformat()),
        ],
    )


@dataclass(frozen=True)
class SupplyStock:
    """The supply's quantity, value (`product.total_value`) and unit cost (`standard_price`) in the company."""

    quantity: float
    value: float
    unit_cost: float


def supply_stock(gateway: OdooGateway, product_id: int) -> SupplyStock:
    row = gateway.read_one("product.product", product_id, ["qty_available", "total_value", "standard_price"])
    return SupplyStock(
        quantity=float(row["qty_available"] or 0.0),
        value=float(row["total_value"] or 0.0),
        unit_cost=float(row["standard_price"] or 0.0),
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


def plan_run_lots(
    lot_prefix: str, quantity: float, tracking: str, shelf_life_days: int, today: date
) -> list[SupplierLot]:
    """The supplier's lots of a run's delivery: one lot for lot tracking, one serial a unit for serial tracking."""
    expiry = today + timedelta(days=shelf_life_days or DEFAULT_SHELF_LIFE_DAYS)
    if tracking == "serial":
        return [SupplierLot(f"{lot_prefix}-S{index + 1}", 1.0, expiry) for index in range(int(quantity))]
    return [SupplierLot(f"{lot_prefix}-L1", quantity, expiry)]


def picking_state(gateway: OdooGateway, picking_id: int) -> str:
    return str(gateway.read_one("stock.picking", picking_id, ["state"])["state"])


def reversals_of(gateway: OdooGateway, move_id: int) -> list[int]:
    """The entries that reverse `move_id` (Odoo's reversal_move_ids), so a teardown never reverses twice."""
    return [int(i) for i in gateway.read_one("account.move", move_id, ["reversal_move_ids"])["reversal_move_ids"]]


def receipt_move(gateway: OdooGateway, picking_id: int, product_id: int) -> Row:
    """The delivery's stock move of the supply, with the value Odoo gave it (`stock.move.value`)."""
    rows = gateway.search_read(
        "stock.move",
        [("picking_id", "=", picking_id), ("product_id", "=", product_id)],
        ["reference", "quantity", "value", "state"],
        limit=1,
    )
    if not rows:
        raise ConfigurationError(f"stock.picking #{picking_id} has no move of product #{product_id}")
    return rows[0]


def posted_on(gateway: OdooGateway, move_id: int, account_id: int) -> float:
    """Debit minus credit of one journal entry's items on one account (the entry's own amounts)."""
    rows = gateway.search_read(
        "account.move.line", [("move_id", "=", move_id), ("account_id", "=", account_id)], ["balance"]
    )
    return float(sum(float(row["balance"] or 0.0) for row in rows))


def accounts_of(gateway: OdooGateway, move_id: int) -> list[str]:
    rows = gateway.search_read("account.move.line", [("move_id", "=", move_id)], ["account_id", "balance"])
    return [f"{row['account_id'][1] if row['account_id'] else '(none)'} {float(row['balance']):+,.2f}" for row in rows]


# -- valuation arithmetic (pure: unit-tested in tests/test_valuation.py) --------------------------------------------


def delivery_value(unit_cost_before: float, quantity: float) -> float:
    """What Odoo 19 values a delivery without a purchase order at: the supply's unit cost before it, per unit.

    `stock.move._get_value_data` tries bills, orders and returns first; a delivery with none of them falls to
    `_get_value_from_std_price`: the product's `standard_price`, which is the standard cost at standard cost and
    Odoo's running unit cost at FIFO or average cost. (A supply valued by lot uses the lot's cost.)
    """
    return unit_cost_before * quantity


def unit_cost_after(cost_method: str, before: SupplyStock, received_quantity: float, received_value: float) -> float:
    """The supply's unit cost after a delivery: unchanged at standard cost; at FIFO or average cost Odoo sets it to
    the stock's value over its quantity (`product.product._update_standard_price`), so the delivery is averaged in.
    """
    if cost_method == "standard":
        return before.unit_cost
    quantity = before.quantity + received_quantity
    if quantity <= 0:
        return before.unit_cost
    return (before.value + received_value) / quantity


def same_amount(first: float, second: float, tolerance: float) -> bool:
    return abs(first - second) <= tolerance


def billed_unit_price(move_value: float, move_quantity: float, price_digits: int) -> float:
    """The bill's unit price for a delivery: what Odoo valued it at, per unit, to the product price's precision."""
    return round(move_value / move_quantity, price_digits) if move_quantity else 0.0


def price_digits(gateway: OdooGateway) -> int:
    """The digits of a product's cost ("Product Price" precision), as any user may read them (`fields_get`)."""
    described = gateway.call("product.product", "fields_get", allfields=["standard_price"], attributes=["digits"])
    digits = described.get("standard_price", {}).get("digits")
    return int(digits[1]) if isinstance(digits, list) and len(digits) == 2 else 2


# -- what the run posted in the period it closes: reversed at teardown ---------------------------------


def run_entries_in_period(gateway: OdooGateway, company_id: int, run_id: str, period: Period) -> list[Row]:
    """Posted, unreversed journal entries of one run's close dated in the period (accrual, a backdated entry)."""
    return gateway.search_read(
        "account.move",
        [
            ("company_id", "=", company_id),
            ("state", "=", "posted"),
            ("move_type", "=", "entry"),
            ("ref", "=like", run_entry_pattern(run_id)),
            ("date", ">=", period.start.isoformat()),
            ("date", "<=", period.end.isoformat()),
            ("reversal_move_ids", "=", False),
        ],
        ["name", "ref", "date", "journal_id"],
        order="id",
    )


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


class LockWriter(Protocol):
    """Who writes the site's company's lock: the accountant's closing actions (`actor.closing`)."""

    def set_lock_date(self, field: str, lock: date) -> None: ...

    def clear_lock_date(self, field: str) -> None: ...


def write_lock(writer: LockWriter, field: str, value: date | None) -> None:
    if value is None:
        writer.clear_lock_date(field)
    else:
        writer.set_lock_date(field, value)


def put_back(
    technical: OdooGateway, reader: OdooGateway, writer: LockWriter, restore: LockRestore, *, legacy: bool = False
) -> str:
    """Put the lock back as it was before `restore`'s run, then drop the note; say what was done.

    `reader` reads the company's lock as the accountant, `writer` is the accountant's closing actions; the note
    is the harness's own, on the technical session.
    """
    # The lock and its note go back together: a SIGTERM or Ctrl-C in between would leave a note of a lock already
    # put back (the next run would tidy it, but the drill of a stopped run rightly says this one must).
    with signals_deferred():
        if restore.field in WRITABLE_LOCK_FIELDS:
            row = reader.read_one("res.company", restore.company_id, [restore.field])
            plan = plan_put_back(restore, to_date(row[restore.field]))
        else:
            plan = plan_put_back(restore, None)
        if plan.write:
            write_lock(writer, restore.field, plan.value)
        forget_lock(technical, restore, legacy=legacy)
    return plan.says


class PeriodLock:
    """Sets a company's period lock and puts it back; the run's note is written before the lock, always.

    The lock is the accountant's to set (`writer`, the accountant's closing actions for the site's company,
    `company_id`); the note is the harness's, written with the technical session.
    """

    def __init__(
        self,
        technical: OdooGateway,
        reader: OdooGateway,
        writer: LockWriter,
        company_id: int,
        turn: PeriodCloseTurn | None = None,
    ) -> None:
        self._technical = technical
        self._reader = reader
        self._writer = writer
        self._company_id = company_id
        self._turn = turn
        self.restore: LockRestore | None = None

    def lock(self, field: str, lock: date, run_tag: str) -> LockRestore:
        if lock >= date.today() - timedelta(days=1):
            raise ValueError(f"a UAT run never locks yesterday or later (asked for {lock})")
        if field not in WRITABLE_LOCK_FIELDS:
            raise ValueError(f"a UAT run never writes {field} (only {', '.join(WRITABLE_LOCK_FIELDS)})")
        if self._turn is not None and not self._turn.held:  # taken over as stale: another run closes now
            raise TargetBusy(
                f"Run {self._turn.run_id} no longer holds the period lock of {self._turn.company_name} "
                "(another run took it over while this one was silent); it does not set the lock"
            )
        previous = to_date(self._reader.read_one("res.company", self._company_id, [field])[field])
        self.restore = LockRestore(self._company_id, field, previous, lock, run_tag)
        remember_lock(self._technical, self.restore)
        self._writer.set_lock_date(field, lock)
        return self.restore

    def put_back(self) -> str | None:
        if self.restore is None:
            return None
        done = put_back(self._technical, self._reader, self._writer, self.restore)
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
        key: str | None = None,
        subject: str | None = None,
    ) -> None:
        self._technical = technical
        self.company_id = company_id
        self.company_name = company_name
        # Any other resource one run at a time uses the same mechanism under its own key (a store's stock of a supply)
        self.key = key or turn_key(company_id)
        self.subject = subject or f"the period lock of {company_name}"
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
        key = self.key
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
                    f"waiting for run {holder.run_id}, which holds {self.subject} since "
                    f"{holder.since:%Y-%m-%d %H:%M:%S} UTC (host {holder.host}, process {holder.pid}); "
                    f"waiting at most {self.wait:.0f} s"
                )
                self.waited_for.append(line)
                self._say(line)
            if now_mono >= deadline:
                self.waited_seconds = now_mono - started
                raise TargetBusy(
                    f"Run {self.run_id} waited {self.waited_seconds:.0f} s for "
                    f"{self.subject}, still held by run {holder.run_id} since {holder.since:%Y-%m-%d %H:%M:%S} "
                    f"UTC (host {holder.host}, process {holder.pid}, heartbeat {holder.heartbeat:%H:%M:%S}); "
                    f"rerun when it has finished, or raise {WAIT_ENV}"
                )
            time.sleep(max(0.0, min(self._poll_every, deadline - now_mono)))

    def _start_heartbeat(self) -> None:
        if self._heartbeat_gateway is None or self._row_id is None:
            return
        self._stop.clear()
        self._beater = threading.Thread(
            target=self._beat, args=(self._row_id,), name=f"uat-turn-{self.key}", daemon=True
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
            return f"{self.subject} had already been taken over by another run"
        return f"{self.subject} released by run {self.run_id}"
