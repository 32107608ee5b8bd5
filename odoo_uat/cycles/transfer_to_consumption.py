"""Transfer-to-consumption on Odoo 19 Community: store to ward by internal transfer, ward to consumption.

The storekeeper moves lot- and expiry-tracked supplies from the site's store to a ward; the ward's nurse
then records what was used, an operation from the ward into a consumption location. That location
carries a valuation account (an expense), which is how Odoo 19 books consumption: in perpetual valuation
("at invoicing") a stock move posts an entry only when one of its locations has `valuation_account_id`.

This module holds the intent (what a role does, what Odoo then holds) and the removal order the business
expects, computed from the quants independently of Odoo's own reservation; the steps compare the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import Field, model_validator

from odoo_uat.cycles.receiving import SupplierLot
from odoo_uat.errors import ConfigurationError
from odoo_uat.gateway import OdooGateway, Row, many2one_id
from odoo_uat.references import Reference, ResolvedSite, Scope
from odoo_uat.schema import CycleProfile, Strict

REQUIRED_MODULES = ("stock", "stock_account", "product_expiry", "account")

SECTION = "transfer_to_consumption"

RemovalMethod = Literal["fefo", "fifo"]

REMOVAL_NAMES: dict[str, str] = {
    "fefo": "first expiry, first out (FEFO)",
    "fifo": "first in, first out (FIFO)",
}


def other_method(method: str) -> str:
    """The strategy a misconfigured site would fall back to: what the test must be able to tell apart."""
    return "fifo" if method == "fefo" else "fefo"


class ReceivedLot(Strict):
    quantity: float = Field(gt=0, description="units of this supplier lot in the delivery that stocks the store")
    expires_in_days: int = Field(ge=30, description="the lot's expiry date, in days from the day of the run")


class TransferToConsumptionProfile(CycleProfile):
    product: str = Field(description="product internal reference; lot- and expiry-tracked, perpetual valuation")
    product_category: str = Field(description="product.category full name: removal strategy and valuation")
    supplier: str = Field(description="res.partner name of the supplier whose delivery stocks the store")
    receipt_operation: str = Field(default="IN", description="sequence code of the warehouse's receipt type")
    store_location: str = Field(description="full name of the location the ward is supplied from, e.g. 'NSC/Stock'")
    ward_location: str = Field(description="full name of the ward's stock location, e.g. 'NSC/Ward A'")
    consumption_location: str = Field(description="full name of the location used supplies go to")
    internal_operation: str = Field(default="INT", description="sequence code of the warehouse's internal type")
    consumption_operation: str = Field(default="CONS", description="sequence code of the ward's consumption type")
    removal_strategy: RemovalMethod = Field(default="fefo", description="expectation: the order lots are taken in")
    unit_cost: float = Field(gt=0, description="the product's standard cost in the site's company")
    received_lots: list[ReceivedLot] = Field(
        min_length=2, max_length=10, description="the supplier's delivery, in the order its delivery note lists lots"
    )
    transfer_quantity: float = Field(gt=0, description="units the storekeeper moves to the ward")
    consume_quantity: float = Field(gt=0, description="units the nurse records as used on the ward")
    expense_account: str = Field(description="code of the expense account consumption is booked to")
    stock_valuation_account: str = Field(description="code of the stock valuation account consumption is taken from")

    @model_validator(mode="after")
    def _quantities_make_a_meaningful_test(self) -> TransferToConsumptionProfile:
        received = sum(lot.quantity for lot in self.received_lots)
        largest = max(lot.quantity for lot in self.received_lots)
        expiries = [lot.expires_in_days for lot in self.received_lots]
        if len(set(expiries)) != len(expiries):
            raise ValueError("received_lots need different expires_in_days, or the removal order cannot be seen")
        if not largest < self.transfer_quantity < received:
            # more than any one lot, so the reservation spans lots; less than the delivery, so it has to choose
            raise ValueError(
                f"transfer_quantity {self.transfer_quantity:g} must exceed the largest lot ({largest:g}) "
                f"and stay below the delivery ({received:g})"
            )
        if self.consume_quantity > self.transfer_quantity:
            raise ValueError(
                f"consume_quantity {self.consume_quantity:g} exceeds transfer_quantity {self.transfer_quantity:g}"
            )
        return self

    def company_expectations(self) -> dict[str, str]:
        return {
            f"stock valuation account of category {self.product_category!r}": self.stock_valuation_account,
            f"standard cost of {self.product}": f"{self.unit_cost:.2f}",
        }

    def references(self, scope: Scope) -> list[Reference]:
        key = SECTION
        in_warehouse = ("warehouse_id", "=", scope.warehouse_id)
        return [
            Reference(f"{key}.product", "product.product", "default_code", self.product),
            Reference(
                f"{key}.product_category",
                "product.category",
                "complete_name",
                self.product_category,
                company_field=None,
                archivable=False,
            ),
            Reference(f"{key}.supplier", "res.partner", "name", self.supplier),
            Reference(
                f"{key}.receipt_operation",
                "stock.picking.type",
                "sequence_code",
                self.receipt_operation,
                domain=(in_warehouse, ("code", "=", "incoming")),
            ),
            Reference(f"{key}.store_location", "stock.location", "complete_name", self.store_location),
            Reference(f"{key}.ward_location", "stock.location", "complete_name", self.ward_location),
            Reference(f"{key}.consumption_location", "stock.location", "complete_name", self.consumption_location),
            Reference(
                f"{key}.internal_operation",
                "stock.picking.type",
                "sequence_code",
                self.internal_operation,
                domain=(in_warehouse, ("code", "=", "internal")),
            ),
            Reference(
                f"{key}.consumption_operation",
                "stock.picking.type",
                "sequence_code",
                self.consumption_operation,
                domain=(in_warehouse, ("code", "=", "outgoing")),
            ),
            Reference(
                f"{key}.removal_strategy",
                "product.removal",
                "method",
                self.removal_strategy,
                company_field=None,
                archivable=False,
            ),
            *self.account_references(scope),
        ]

    def account_references(self, scope: Scope) -> list[Reference]:
        """The accounts, by code. An account's code is kept per company (Odoo 19), so these resolve with the
        site's company active, as `resolve_site` does for every section."""
        key = SECTION
        of_company = (("company_ids", "in", [scope.company_id]),)
        return [
            Reference(f"{key}.{name}", "account.account", "code", code, domain=of_company, company_field=None)
            for name, code in (
                ("expense_account", self.expense_account),
                ("stock_valuation_account", self.stock_valuation_account),
            )
        ]


def section_of(site: ResolvedSite) -> TransferToConsumptionProfile:
    section = site.profile.transfer_to_consumption
    if section is None:
        raise ConfigurationError(f"Site {site.code} has no {SECTION} section in {site.loaded.path}")
    return section


# -- the records a run works with -------------------------------------------------------------------


@dataclass(frozen=True)
class LotQuantity:
    """A quantity of one lot at one location: a reservation line, a done line, or a planned pick."""

    lot: str
    location: str
    quantity: float

    def __str__(self) -> str:
        return f"{self.lot} x {self.quantity:g} from {self.location}"


@dataclass(frozen=True)
class Quant:
    id: int
    lot: str  # "" for untracked stock
    location: str
    quantity: float
    reserved: float
    removal_date: datetime | None
    in_date: datetime | None

    @property
    def free(self) -> float:
        return self.quantity - self.reserved


StockKey = tuple[str, str, str]  # product, lot, location
StockByLot = dict[StockKey, float]


@dataclass(frozen=True)
class Movement:
    """A transfer or consumption as planned: the picking and the lots the business expects it to take."""

    picking_id: int
    picking_name: str
    origin: str
    quantity: float
    from_location: str
    to_location: str
    expected: tuple[LotQuantity, ...]  # by the profile's removal strategy, computed from the quants
    other_order: tuple[LotQuantity, ...]  # what the other strategy would take: shows the check can tell
    strategy_in_odoo: str  # the removal strategy Odoo's configuration applies, with where it is set


@dataclass(frozen=True)
class Validation:
    """What held just before a movement was validated, and what Odoo answered."""

    stock_before: StockByLot
    value_before: float
    unit_cost: float
    answer: str


# -- receiving the supplier's delivery into the store -----------------------------------------------


def plan_supplier_lots(lot_prefix: str, lots: Iterable[ReceivedLot], today: date | None = None) -> list[SupplierLot]:
    start = today or date.today()
    return [
        SupplierLot(
            name=f"{lot_prefix}-{index + 1}",
            quantity=lot.quantity,
            expiration=start + timedelta(days=lot.expires_in_days),
        )
        for index, lot in enumerate(lots)
    ]


def picking_type_locations(gateway: OdooGateway, picking_type_id: int) -> tuple[int, int]:
    row = gateway.read_one(
        "stock.picking.type", picking_type_id, ["default_location_src_id", "default_location_dest_id"]
    )
    source, destination = many2one_id(row["default_location_src_id"]), many2one_id(row["default_location_dest_id"])
    if source is None or destination is None:
        raise ConfigurationError(f"stock.picking.type #{picking_type_id} has no default locations")
    return source, destination


def lots_at(gateway: OdooGateway, product_id: int, location_id: int, lot_names: list[str]) -> dict[str, float]:
    rows = gateway.search_read(
        "stock.quant",
        [("product_id", "=", product_id), ("location_id", "child_of", location_id), ("lot_id.name", "in", lot_names)],
        ["lot_id", "quantity"],
    )
    found: dict[str, float] = {}
    for row in rows:
        name = str(row["lot_id"][1])
        found[name] = found.get(name, 0.0) + float(row["quantity"])
    return found


# -- pickings ---------------------------------------------------------------------------------------


def read_picking(gateway: OdooGateway, picking_id: int) -> Row:
    return gateway.read_one(
        "stock.picking", picking_id, ["name", "state", "origin", "move_ids", "location_id", "location_dest_id"]
    )


def move_date(gateway: OdooGateway, picking_id: int) -> datetime:
    """The date Odoo reserves for: lots whose removal date is before it are not reserved (product_expiry)."""
    moves = gateway.search_read("stock.move", [("picking_id", "=", picking_id)], ["date"], limit=1)
    return _datetime(moves[0]["date"]) or now()


def now() -> datetime:
    """Odoo keeps datetimes in UTC, without a time zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def confirm(gateway: OdooGateway, picking_id: int) -> None:
    """'Mark as To Do': Odoo reserves at once where the operation type reserves at confirmation."""
    gateway.call("stock.picking", "action_confirm", [picking_id])
    if read_picking(gateway, picking_id)["state"] != "assigned":
        gateway.call("stock.picking", "action_assign", [picking_id])


@dataclass(frozen=True)
class MovedLot:
    lot: str
    source: str
    destination: str
    quantity: float


def move_lines(gateway: OdooGateway, picking_id: int) -> list[MovedLot]:
    """The picking's operations: reserved ones before validation, done ones after."""
    rows = gateway.search_read(
        "stock.move.line",
        [("picking_id", "=", picking_id)],
        ["lot_id", "location_id", "location_dest_id", "quantity"],
        order="id",
    )
    return [
        MovedLot(
            lot=str(row["lot_id"][1]) if row["lot_id"] else "",
            source=str(row["location_id"][1]),
            destination=str(row["location_dest_id"][1]),
            quantity=float(row["quantity"]),
        )
        for row in rows
    ]


def reserved(lines: Iterable[MovedLot]) -> tuple[LotQuantity, ...]:
    return tuple(merge(LotQuantity(line.lot, line.source, line.quantity) for line in lines))


def validate(gateway: OdooGateway, picking_id: int) -> str:
    """Tick every line as picked, then Validate. Odoo 19's wizards only act when the action's context
    (button_validate_picking_ids) is passed back; a movement in full raises none."""
    move_ids = read_picking(gateway, picking_id)["move_ids"]
    gateway.write("stock.move", move_ids, {"picked": True})
    result = gateway.call("stock.picking", "button_validate", [picking_id])
    if isinstance(result, dict) and result.get("res_model"):
        return f"Odoo asked {result['res_model']} on validation; the harness did not answer"
    return "Odoo validated without asking anything"


def picking_moves(gateway: OdooGateway, picking_id: int) -> list[Row]:
    return gateway.search_read(
        "stock.move", [("picking_id", "=", picking_id)], ["state", "quantity", "value", "account_move_id"]
    )


# -- stock by lot, removal order, value --------------------------------------------------------------


def _datetime(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def quants(gateway: OdooGateway, product_id: int, location_id: int) -> list[Quant]:
    """Every quant of the product at the location and below it: what a reservation there chooses from."""
    rows = gateway.search_read(
        "stock.quant",
        [("product_id", "=", product_id), ("location_id", "child_of", location_id)],
        ["lot_id", "location_id", "quantity", "reserved_quantity", "removal_date", "in_date"],
        order="id",
    )
    return [
        Quant(
            id=int(row["id"]),
            lot=str(row["lot_id"][1]) if row["lot_id"] else "",
            location=str(row["location_id"][1]),
            quantity=float(row["quantity"]),
            reserved=float(row["reserved_quantity"]),
            removal_date=_datetime(row["removal_date"]),
            in_date=_datetime(row["in_date"]),
        )
        for row in rows
    ]


def removal_order(stock: list[Quant], method: str) -> list[Quant]:
    """The order the business takes lots in. FEFO: earliest removal date first (lots without one last),
    then earliest arrival; FIFO: earliest arrival. Ties go to the older record, as in any stock ledger."""
    never = datetime.max
    if method == "fefo":
        return sorted(stock, key=lambda q: (q.removal_date or never, q.in_date or never, q.id))
    return sorted(stock, key=lambda q: (q.in_date or never, q.id))


def plan_picks(stock: list[Quant], quantity: float, method: str, at: datetime) -> tuple[LotQuantity, ...]:
    """Take `quantity` from the free stock in removal order, skipping lots already past their removal
    date at `at` (they may no longer be issued)."""
    usable = [q for q in stock if q.free > 0 and (q.removal_date is None or q.removal_date >= at)]
    tracked_first = sorted(removal_order(usable, method), key=lambda q: not q.lot)
    picks: list[LotQuantity] = []
    left = quantity
    for quant in tracked_first:
        if left <= 0:
            break
        taken = min(quant.free, left)
        picks.append(LotQuantity(lot=quant.lot, location=quant.location, quantity=taken))
        left -= taken
    return tuple(merge(picks))


def merge(lines: Iterable[LotQuantity]) -> list[LotQuantity]:
    """Add up lines of the same lot at the same location, keeping the order they first appear in."""
    totals: dict[tuple[str, str], float] = {}
    for line in lines:
        totals[(line.lot, line.location)] = totals.get((line.lot, line.location), 0.0) + line.quantity
    return [LotQuantity(lot, location, quantity) for (lot, location), quantity in totals.items()]


def stock_by_lot(gateway: OdooGateway, location_ids: list[int]) -> StockByLot:
    """Every quant, of any product, at these locations and below them: (product, lot, location) -> quantity."""
    rows = gateway.search_read(
        "stock.quant", [("location_id", "child_of", location_ids)], ["product_id", "lot_id", "location_id", "quantity"]
    )
    stock: StockByLot = {}
    for row in rows:
        key = (str(row["product_id"][1]), str(row["lot_id"][1]) if row["lot_id"] else "", str(row["location_id"][1]))
        stock[key] = stock.get(key, 0.0) + float(row["quantity"])
    return stock


def stock_changes(before: StockByLot, after: StockByLot) -> StockByLot:
    changes: StockByLot = {}
    for key in set(before) | set(after):
        change = after.get(key, 0.0) - before.get(key, 0.0)
        if abs(change) > 1e-6:
            changes[key] = change
    return changes


def product_name(gateway: OdooGateway, product_id: int) -> str:
    return str(gateway.read_one("product.product", product_id, ["display_name"])["display_name"])


def stock_value(gateway: OdooGateway, product_id: int) -> float:
    """The product's stock value in the active company (Odoo 19: product.total_value)."""
    return float(gateway.read_one("product.product", product_id, ["total_value"])["total_value"])


def unit_cost(gateway: OdooGateway, product_id: int) -> float:
    return float(gateway.read_one("product.product", product_id, ["standard_price"])["standard_price"])


def removal_strategy_in_odoo(gateway: OdooGateway, product_id: int, location_id: int) -> str:
    """Odoo's rule (stock.quant._get_removal_strategy): the product category's strategy, else the nearest
    location's up the tree, else FIFO. Returned with where it comes from, for a failure's diagnosis."""
    product = gateway.read_one("product.product", product_id, ["categ_id"])
    category_id = many2one_id(product["categ_id"])
    if category_id is not None:
        category = gateway.read_one("product.category", category_id, ["complete_name", "removal_strategy_id"])
        if category["removal_strategy_id"]:
            return f"{category['removal_strategy_id'][1]} (product category {category['complete_name']})"
    current: int | None = location_id
    while current is not None:
        location = gateway.read_one("stock.location", current, ["complete_name", "removal_strategy_id", "location_id"])
        if location["removal_strategy_id"]:
            return f"{location['removal_strategy_id'][1]} (location {location['complete_name']})"
        current = many2one_id(location["location_id"])
    return "First In First Out (FIFO) (Odoo's default: neither category nor locations set one)"


def location_valuation_account(gateway: OdooGateway, location_id: int) -> str:
    row = gateway.read_one("stock.location", location_id, ["complete_name", "valuation_account_id"])
    account_id = many2one_id(row["valuation_account_id"])
    return account_code(gateway, account_id) if account_id else "(none)"


def account_code(gateway: OdooGateway, account_id: int) -> str:
    """The account's code in the active company (codes are kept per company in Odoo 19)."""
    row = gateway.read_one("account.account", account_id, ["code", "name"])
    return f"{row['code']} {row['name']}"


@dataclass(frozen=True)
class EntryLine:
    account: str  # "code name" in the site's company
    debit: float
    credit: float


@dataclass(frozen=True)
class JournalEntry:
    id: int
    name: str
    state: str
    lines: tuple[EntryLine, ...]


def journal_entries(gateway: OdooGateway, move_rows: list[Row]) -> list[JournalEntry]:
    """The entries Odoo posted for these stock moves (stock.move.account_move_id)."""
    entry_ids = sorted({found for row in move_rows if (found := many2one_id(row["account_move_id"])) is not None})
    entries = []
    for entry in gateway.read("account.move", entry_ids, ["name", "state"]):
        rows = gateway.search_read(
            "account.move.line", [("move_id", "=", entry["id"])], ["account_id", "debit", "credit"], order="id"
        )
        lines = tuple(
            EntryLine(
                account=account_code(gateway, int(row["account_id"][0])),
                debit=float(row["debit"]),
                credit=float(row["credit"]),
            )
            for row in rows
        )
        entries.append(JournalEntry(int(entry["id"]), str(entry["name"]), str(entry["state"]), lines))
    return entries
