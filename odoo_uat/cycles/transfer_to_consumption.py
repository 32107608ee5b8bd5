"""Transfer-to-consumption on Odoo 19 Community: store to ward by internal transfer, ward to consumption.

The storekeeper moves lot- and expiry-tracked supplies from the site's store to a ward; the ward's nurse
then records what was used, an operation (of any kind the rollout chose) from the ward into a consumption
location. That location carries a valuation account (an expense), which is how Odoo 19 books consumption: a
stock move posts an entry only when one of its locations has `valuation_account_id` and the product is valued
perpetually ("at invoicing"); valued periodically ("at closing"), the move is still valued and the stock
closing reclassifies it to that account.

The profile REFERENCES records by natural keys (an operation type by its sequence code in the site's warehouse,
a location by its full name, ...); what the cycle relies on about them (the consumption type delivers into the
consumption location, which carries the expense account; the supply is lot- and expiry-tracked; the store and
the ward are internal locations of the site; the removal strategy; the valuation) is read here
(`configuration`) and checked by the scenario as expectations, before anything is posted.

What a role does (plan, mark as To Do, validate) is the ward stock actions' (odoo_uat/actions/ward_stock.py).
This module reads what Odoo then holds and works out the removal order the business expects, computed from the
quants independently of Odoo's own reservation, and the value Odoo should give a consumption under the
product's cost method, computed from Odoo's own records (`expected_out_value`).
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
ValuationMode = Literal["perpetual", "periodic"]
VALUATION_IN_ODOO: dict[str, str] = {"perpetual": "real_time", "periodic": "periodic"}
VALUATION_NAMES: dict[str, str] = {"real_time": "Perpetual (at invoicing)", "periodic": "Periodic (at closing)"}
COST_METHOD_NAMES: dict[str, str] = {
    "standard": "Standard Price",
    "fifo": "First In First Out (FIFO)",
    "average": "Average Cost (AVCO)",
}
OPERATION_KINDS: dict[str, str] = {
    "incoming": "Receipt",
    "outgoing": "Delivery",
    "internal": "Internal Transfer",
    "mrp_operation": "Manufacturing",
    "dropship": "Dropship",
}
CONSUMPTION_USAGES = ("inventory", "production")  # stock sent there leaves the company's valued stock

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
    product: str = Field(description="product internal reference; EXPECTATION: storable, lot- and expiry-tracked")
    product_category: str = Field(
        description="product.category full name; EXPECTATION: the product's category (removal strategy, valuation)"
    )
    supplier: str = Field(description="res.partner name of the supplier whose delivery stocks the store")
    receipt_operation: str = Field(
        default="IN", description="sequence code of an operation type of the site's warehouse; EXPECTATION: a receipt"
    )
    store_location: str = Field(
        description="full name of the location the ward is supplied from, e.g. 'NSC/Stock'; "
        "EXPECTATION: an internal location of the site's warehouse"
    )
    ward_location: str = Field(
        description="full name of the ward's stock location, e.g. 'NSC/Ward A'; "
        "EXPECTATION: an internal location of the site's warehouse, beside the store (not inside it)"
    )
    consumption_location: str = Field(
        description="full name of the location used supplies go to; EXPECTATION: a consumption location "
        "(usage inventory or production) carrying expense_account as its valuation account"
    )
    internal_operation: str = Field(
        default="INT",
        description="sequence code of an operation type of the site's warehouse; EXPECTATION: an internal transfer",
    )
    consumption_operation: str = Field(
        default="CONS",
        description="sequence code of the operation type the ward records consumption with, in the site's "
        "warehouse (any kind); EXPECTATION: its default destination is consumption_location",
    )
    removal_strategy: RemovalMethod = Field(default="fefo", description="expectation: the order lots are taken in")
    valuation: ValuationMode = Field(
        default="perpetual",
        description="EXPECTATION: how the product is valued in the site's company: perpetual (an entry at "
        "each consumption) or periodic (Odoo 19's default: booked at the stock closing)",
    )
    unit_cost: float | None = Field(
        default=None,
        gt=0,
        description="the standard cost `uat provision` gives the product in the site's company (reference rollout "
        "only); a run values consumption from Odoo's own records under the product's cost method, not from this",
    )
    received_lots: list[ReceivedLot] = Field(
        min_length=2, max_length=10, description="the supplier's delivery, in the order its delivery note lists lots"
    )
    transfer_quantity: float = Field(gt=0, description="units the storekeeper moves to the ward")
    consume_quantity: float = Field(gt=0, description="units the nurse records as used on the ward")
    expense_account: str = Field(
        description="EXPECTATION: code of the consumption location's valuation account (the expense debited)"
    )
    stock_valuation_account: str = Field(
        description="EXPECTATION: code of the product's stock valuation account (credited) in the site's company"
    )

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
        expected = {
            f"stock valuation account of category {self.product_category!r}": self.stock_valuation_account,
            f"valuation of category {self.product_category!r}": self.valuation,
        }
        if self.unit_cost is not None:
            expected[f"provisioned standard cost of {self.product}"] = f"{self.unit_cost:.2f}"
        return expected

    def references(self, scope: Scope) -> list[Reference]:
        """Natural keys only. An operation type is the one with that sequence code in the site's warehouse,
        whatever its kind: its kind and default locations are expectations the scenario checks."""
        key = SECTION
        in_warehouse = (("warehouse_id", "=", scope.warehouse_id),)
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
            *(
                Reference(f"{key}.{name}", "stock.picking.type", "sequence_code", code, domain=in_warehouse)
                for name, code in (
                    ("receipt_operation", self.receipt_operation),
                    ("internal_operation", self.internal_operation),
                    ("consumption_operation", self.consumption_operation),
                )
            ),
            Reference(f"{key}.store_location", "stock.location", "complete_name", self.store_location),
            Reference(f"{key}.ward_location", "stock.location", "complete_name", self.ward_location),
            Reference(f"{key}.consumption_location", "stock.location", "complete_name", self.consumption_location),
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
    from_location_id: int  # the locations asked for: a ward a feature names, or the profile's
    to_location_id: int
    expected: tuple[LotQuantity, ...]  # by the profile's removal strategy, computed from the quants
    other_order: tuple[LotQuantity, ...]  # what the other strategy would take: shows the check can tell
    strategy_in_odoo: str  # the removal strategy Odoo's configuration applies, with where it is set
    reserved_before: tuple[LotQuantity, ...] = ()  # reserved at the source, by lot, before it was planned


def reserved_at(stock: Iterable[Quant]) -> tuple[LotQuantity, ...]:
    """What of these quants is reserved (by any movement), by lot and location."""
    return tuple(merge(LotQuantity(q.lot, q.location, q.reserved) for q in stock))


@dataclass(frozen=True)
class ExpectedValue:
    """The value Odoo should give an outgoing move, worked out from Odoo's records just before it is done."""

    amount: float
    basis: str  # how, for the evidence: the cost method and the records it was computed from


@dataclass(frozen=True)
class Validation:
    """What held just before a movement was validated, and what Odoo answered."""

    stock_before: StockByLot
    value_before: float
    answer: str


@dataclass(frozen=True)
class ConsumptionValidation(Validation):
    """A consumption's validation, with what the stock leaving should be valued at, computed just before."""

    expected_value: ExpectedValue
    expense_before: float | None = None  # the ward's expense account's balance just before, in the company
    valuation_before: float | None = None  # the stock valuation account's balance just before


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


def fresh_lot_prefix(gateway: OdooGateway, product_id: int, prefix: str) -> str:
    """`prefix`, else `prefix-B2`, `prefix-B3`, ...: the first that no lot of the product is numbered under yet.
    A lot number is unique per product and company, and a run receives one delivery per scenario (an outline's
    every row, each feature of the cycle): each gets lots of its own."""
    taken = [
        str(row["name"])
        for row in gateway.search_read(
            "stock.lot", [("product_id", "=", product_id), ("name", "=like", f"{prefix}-%")], ["name"]
        )
    ]
    batch, candidate = 1, prefix
    while any(name.startswith(f"{candidate}-") for name in taken):
        batch += 1
        candidate = f"{prefix}-B{batch}"
    return candidate


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


def picking_moves(gateway: OdooGateway, picking_id: int) -> list[Row]:
    return gateway.search_read(
        "stock.move",
        [("picking_id", "=", picking_id)],
        ["state", "quantity", "value", "account_move_id", "is_out"],
    )


def moves_value(move_rows: list[Row]) -> float:
    """The value Odoo gave these stock moves (stock.move.value, in the company's currency)."""
    return sum(float(row["value"]) for row in move_rows)


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


def stock_by_lot(gateway: OdooGateway, location_ids: list[int], product_id: int) -> StockByLot:
    """The product's quants at these locations and below them: (product, lot, location) -> quantity."""
    rows = gateway.search_read(
        "stock.quant",
        [("location_id", "child_of", location_ids), ("product_id", "=", product_id)],
        ["product_id", "lot_id", "location_id", "quantity"],
    )
    stock: StockByLot = {}
    for row in rows:
        key = (str(row["product_id"][1]), str(row["lot_id"][1]) if row["lot_id"] else "", str(row["location_id"][1]))
        stock[key] = stock.get(key, 0.0) + float(row["quantity"])
    return stock


def stock_changes(before: StockByLot, after: StockByLot) -> StockByLot:
    """What changed, by (product, lot, location); the check's step shows before and after as a table."""
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


def removal_in_odoo(gateway: OdooGateway, product_id: int, location_id: int) -> tuple[str, str]:
    """Odoo's rule (stock.quant._get_removal_strategy): the product category's strategy, else the nearest
    location's up the tree, else FIFO. Returns the method and a description with where it is set."""
    product = gateway.read_one("product.product", product_id, ["categ_id"])
    category_id = many2one_id(product["categ_id"])
    if category_id is not None:
        category = gateway.read_one("product.category", category_id, ["complete_name", "removal_strategy_id"])
        removal_id = many2one_id(category["removal_strategy_id"])
        if removal_id is not None:
            return _removal_method(gateway, removal_id), (
                f"{category['removal_strategy_id'][1]} (product category {category['complete_name']})"
            )
    current: int | None = location_id
    while current is not None:
        location = gateway.read_one("stock.location", current, ["complete_name", "removal_strategy_id", "location_id"])
        removal_id = many2one_id(location["removal_strategy_id"])
        if removal_id is not None:
            return _removal_method(gateway, removal_id), (
                f"{location['removal_strategy_id'][1]} (location {location['complete_name']})"
            )
        current = many2one_id(location["location_id"])
    return "fifo", "First In First Out (FIFO) (Odoo's default: neither category nor locations set one)"


def _removal_method(gateway: OdooGateway, removal_id: int) -> str:
    return str(gateway.read_one("product.removal", removal_id, ["method"])["method"])


def removal_strategy_in_odoo(gateway: OdooGateway, product_id: int, location_id: int) -> str:
    """The removal strategy Odoo applies, with where it is set, for a failure's diagnosis."""
    return removal_in_odoo(gateway, product_id, location_id)[1]


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


# -- the configuration the cycle relies on: read here, checked by the scenario as expectations ------------


@dataclass(frozen=True)
class OperationType:
    id: int
    name: str  # display name, e.g. "Meridian West Hospital: Ward usage"
    sequence_code: str
    kind: str  # stock.picking.type.code: incoming, outgoing, internal, ...
    default_source_id: int | None
    default_source: str
    default_destination_id: int | None
    default_destination: str

    @property
    def kind_name(self) -> str:
        return OPERATION_KINDS.get(self.kind, self.kind)

    def describe(self) -> str:
        return (
            f"{self.name} ({self.sequence_code}): kind {self.kind_name}, default {self.default_source or '(none)'} "
            f"-> {self.default_destination or '(none)'}"
        )


def operation_type(gateway: OdooGateway, type_id: int) -> OperationType:
    row = gateway.read_one(
        "stock.picking.type",
        type_id,
        ["display_name", "sequence_code", "code", "default_location_src_id", "default_location_dest_id"],
    )
    source, destination = row["default_location_src_id"], row["default_location_dest_id"]
    return OperationType(
        id=type_id,
        name=str(row["display_name"]),
        sequence_code=str(row["sequence_code"]),
        kind=str(row["code"]),
        default_source_id=many2one_id(source),
        default_source=str(source[1]) if source else "",
        default_destination_id=many2one_id(destination),
        default_destination=str(destination[1]) if destination else "",
    )


@dataclass(frozen=True)
class Location:
    id: int
    name: str  # complete name
    usage: str
    warehouse_id: int | None  # the warehouse whose view location it is under
    warehouse: str
    valuation_account_id: int | None


def location(gateway: OdooGateway, location_id: int) -> Location:
    row = gateway.read_one(
        "stock.location", location_id, ["complete_name", "usage", "warehouse_id", "valuation_account_id"]
    )
    return Location(
        id=location_id,
        name=str(row["complete_name"]),
        usage=str(row["usage"]),
        warehouse_id=many2one_id(row["warehouse_id"]),
        warehouse=str(row["warehouse_id"][1]) if row["warehouse_id"] else "",
        valuation_account_id=many2one_id(row["valuation_account_id"]),
    )


def is_inside(gateway: OdooGateway, location_id: int, ancestor_id: int) -> bool:
    """The location is `ancestor_id` or lies below it: its stock counts as the ancestor's."""
    return bool(gateway.search_count("stock.location", [("id", "=", location_id), ("id", "child_of", ancestor_id)]))


@dataclass(frozen=True)
class Supply:
    id: int
    name: str
    is_storable: bool
    tracking: str  # none, lot, serial
    use_expiration_date: bool
    category_id: int | None
    category: str

    def describe(self) -> str:
        return (
            f"storable: {'yes' if self.is_storable else 'no'}, tracking: {self.tracking}, "
            f"expiry dates: {'yes' if self.use_expiration_date else 'no'}, category: {self.category or '(none)'}"
        )


def supply(gateway: OdooGateway, product_id: int) -> Supply:
    row = gateway.read_one(
        "product.product", product_id, ["display_name", "is_storable", "tracking", "use_expiration_date", "categ_id"]
    )
    return Supply(
        id=product_id,
        name=str(row["display_name"]),
        is_storable=bool(row["is_storable"]),
        tracking=str(row["tracking"]),
        use_expiration_date=bool(row["use_expiration_date"]),
        category_id=many2one_id(row["categ_id"]),
        category=str(row["categ_id"][1]) if row["categ_id"] else "",
    )


@dataclass(frozen=True)
class Valuation:
    """How Odoo values the product in the active company (the category's settings, else the company's)."""

    mode: str  # product.valuation: real_time or periodic
    cost_method: str  # standard, fifo, average
    lot_valuated: bool
    stock_account_id: int | None
    stock_account_source: str

    def describe(self) -> str:
        return (
            f"valuation {VALUATION_NAMES.get(self.mode, self.mode)}, cost method "
            f"{COST_METHOD_NAMES.get(self.cost_method, self.cost_method)}"
            + (", valued by lot" if self.lot_valuated else "")
        )


def valuation(gateway: OdooGateway, product_id: int, company_id: int) -> Valuation:
    """As `_get_product_accounts` finds the stock valuation account: the category's (company-dependent, with
    its fallback), else the company's `account_stock_valuation_id`."""
    product = gateway.read_one("product.product", product_id, ["valuation", "cost_method", "lot_valuated", "categ_id"])
    account_id: int | None = None
    source = ""
    category_id = many2one_id(product["categ_id"])
    if category_id is not None:
        category = gateway.read_one(
            "product.category", category_id, ["complete_name", "property_stock_valuation_account_id"]
        )
        account_id = many2one_id(category["property_stock_valuation_account_id"])
        source = f"category {category['complete_name']}"
    if account_id is None:
        company = gateway.read_one("res.company", company_id, ["account_stock_valuation_id"])
        account_id = many2one_id(company["account_stock_valuation_id"])
        source = "the company's default"
    return Valuation(
        mode=str(product["valuation"]),
        cost_method=str(product["cost_method"]),
        lot_valuated=bool(product["lot_valuated"]),
        stock_account_id=account_id,
        stock_account_source=source,
    )


# -- what a consumption should be valued at, from Odoo's own records -----------------------------------------


@dataclass(frozen=True)
class FifoLayer:
    """An incoming move that still has stock on hand in Odoo's FIFO stack (stock.move.remaining_*)."""

    move: str  # the move's reference
    quantity: float  # the move's quantity
    value: float  # the move's value
    remaining_qty: float
    remaining_value: float


def fifo_layers(gateway: OdooGateway, product_id: int, company_id: int, depth: int = 200) -> list[FifoLayer]:
    """The product's incoming moves with stock remaining, oldest first, as Odoo 19's FIFO stack orders them
    (`_run_fifo_get_stack`: date, then id). Only the latest `depth` moves can hold what is on hand."""
    rows = gateway.search_read(
        "stock.move",
        [("product_id", "=", product_id), ("company_id", "=", company_id), ("is_in", "=", True)],
        ["reference", "quantity", "value", "remaining_qty", "remaining_value"],
        order="date desc, id desc",
        limit=depth,
    )
    return [
        FifoLayer(
            move=str(row["reference"]),
            quantity=float(row["quantity"]),
            value=float(row["value"]),
            remaining_qty=float(row["remaining_qty"]),
            remaining_value=float(row["remaining_value"]),
        )
        for row in reversed(rows)
        if float(row["remaining_qty"]) > 1e-9
    ]


def fifo_value(layers: list[FifoLayer], quantity: float, fallback_unit_cost: float) -> ExpectedValue:
    """Take `quantity` from the oldest layers first, each at its remaining value per unit. Beyond the stack,
    Odoo extrapolates at the last layer's unit value (or the product's cost when there is none)."""
    left, amount, parts = quantity, 0.0, []
    for layer in layers:
        if left <= 1e-9:
            break
        taken = min(left, layer.remaining_qty)
        unit = layer.remaining_value / layer.remaining_qty
        amount += unit * taken
        left -= taken
        parts.append(f"{taken:g} of {layer.move} at {unit:,.4f}")
    if left > 1e-9:
        last = layers[-1] if layers else None
        unit = last.value / last.quantity if last and last.quantity else fallback_unit_cost
        amount += unit * left
        parts.append(f"{left:g} beyond the stack at {unit:,.4f}")
    return ExpectedValue(amount, "FIFO, oldest remaining receipts first: " + ("; ".join(parts) or "nothing"))


def expected_out_value(
    gateway: OdooGateway, product_id: int, company_id: int, lots: tuple[LotQuantity, ...]
) -> ExpectedValue:
    """The value Odoo 19 gives stock leaving the company's valued locations (`stock.move._set_value`), worked
    out before the move from Odoo's records: by lot when the product is valued by lot (each lot's cost); at
    FIFO from the remaining value of the oldest incoming moves; at standard or average cost, the product's
    cost (for average cost Odoo keeps the running weighted average there)."""
    product = gateway.read_one("product.product", product_id, ["cost_method", "lot_valuated", "standard_price"])
    cost = float(product["standard_price"])
    quantity = sum(line.quantity for line in lots)
    if product["lot_valuated"]:
        rows = gateway.search_read(
            "stock.lot",
            [("product_id", "=", product_id), ("name", "in", [line.lot for line in lots])],
            ["name", "standard_price"],
        )
        by_lot = {str(row["name"]): float(row["standard_price"]) for row in rows}
        amount = sum(line.quantity * by_lot.get(line.lot, cost) for line in lots)
        parts = "; ".join(f"{line.lot} {line.quantity:g} x {by_lot.get(line.lot, cost):,.4f}" for line in lots)
        return ExpectedValue(amount, f"valued by lot, each at its lot's cost: {parts}")
    method = str(product["cost_method"])
    if method == "fifo":
        return fifo_value(fifo_layers(gateway, product_id, company_id), quantity, cost)
    return ExpectedValue(
        quantity * cost,
        f"{COST_METHOD_NAMES.get(method, method)}: {quantity:g} x the product's cost {cost:,.4f}",
    )
