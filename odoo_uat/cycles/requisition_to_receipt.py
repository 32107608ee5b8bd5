"""Requisition-to-receipt on Odoo 19 Community: RFQ, two-step approval, lot receipt, vendor bill.

A requisition here is a request for quotation (a draft purchase order) that the site's requester raises:
Odoo 19's Purchase Agreements have no requester workflow. This module holds the profile section and what the
steps read (what Odoo holds); what a role does is in odoo_uat/actions (purchasing, receiving, billing), and the
steps decide whether what Odoo holds is what the business expected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from pydantic import Field

from odoo_uat.cycles.receiving import LotHeld, SupplierLot
from odoo_uat.duties import SegregatedRoles, SharedRolesNote
from odoo_uat.errors import ConfigurationError
from odoo_uat.gateway import OdooGateway, Row
from odoo_uat.references import Reference, ResolvedSite, Scope
from odoo_uat.schema import CycleProfile, Strict

REQUIRED_MODULES = ("purchase", "purchase_stock", "stock", "product_expiry", "account")

CYCLE = "requisition_to_receipt"
# The scenario proves the requester cannot approve an order waiting for approval: one user in both roles
# defeats that (doctor: exit 11; the scenario is blocked with that reason).
REQUESTER_IS_NOT_APPROVER = SegregatedRoles(CYCLE, ("requester", "approver"), "the requester cannot approve the order")
# Allowed (a small clinic's practice manager orders and receives), but a business owner should see it named.
REQUESTER_RECEIVES = SharedRolesNote(
    CYCLE,
    ("requester", "storekeeper"),
    "the requester receives her own order (allowed; a segregation-of-duties point for the business owner)",
)
DUTIES = (REQUESTER_IS_NOT_APPROVER, REQUESTER_RECEIVES)


class ShortShipment(Strict):
    receive_percent: int = Field(ge=1, le=99, description="share of the ordered quantity that arrives first")
    backorder: bool = Field(description="expectation: the rest stays open as a backorder (false: it is cancelled)")


class RequisitionToReceiptProfile(CycleProfile):
    supplier: str = Field(description="res.partner name of the supplier")
    product: str = Field(description="product internal reference (expectation: lot- and expiry-tracked)")
    receipt_operation: str = Field(
        default="IN", description="sequence code of an operation type of the warehouse (expectation: a receipt)"
    )
    stock_location: str = Field(description="full name of the location receipts land in, e.g. 'CLIN/Stock'")
    approval_limit: float = Field(gt=0, description="expectation: orders above this, tax included, need approval")
    order_quantity: float = Field(gt=0)
    unit_price: float = Field(gt=0)
    lots: int = Field(default=2, ge=1, le=10, description="supplier lots in the first delivery")
    shelf_life_days: int = Field(default=540, ge=30, description="expiry date of the supplier's lots, from today")
    short_shipment: ShortShipment

    def company_expectations(self) -> dict[str, str]:
        return {"purchase approval limit (po_double_validation_amount)": f"{self.approval_limit:.2f}"}

    def references(self, scope: Scope) -> list[Reference]:
        key = "requisition_to_receipt"
        return [
            Reference(f"{key}.supplier", "res.partner", "name", self.supplier),
            Reference(f"{key}.product", "product.product", "default_code", self.product),
            Reference(
                f"{key}.receipt_operation",
                "stock.picking.type",
                "sequence_code",
                self.receipt_operation,
                # the warehouse scopes the key (each warehouse has its own IN); that it is a receipt is an expectation
                domain=(("warehouse_id", "=", scope.warehouse_id),),
            ),
            Reference(f"{key}.stock_location", "stock.location", "complete_name", self.stock_location),
        ]


def section_of(site: ResolvedSite) -> RequisitionToReceiptProfile:
    section = site.profile.requisition_to_receipt
    if section is None:
        raise ConfigurationError(f"Site {site.code} has no requisition_to_receipt section in {site.loaded.path}")
    return section


PO_FIELDS = [
    "name",
    "state",
    "amount_total",
    "amount_untaxed",
    "origin",
    "picking_ids",
    "invoice_ids",
    "order_line",
    "company_id",
    "partner_id",
    "currency_id",
]


@dataclass(frozen=True)
class PurchaseOrder:
    id: int
    name: str
    origin: str
    raised: OrderStanding | None = None  # how it stood when the requester had raised it (before confirming)


@dataclass(frozen=True)
class Receipt:
    picking_id: int
    picking_name: str
    lots: tuple[SupplierLot, ...]
    validate_answer: str  # what Odoo asked on validation and what the harness answered
    on_hand_before: float  # the site's on-hand quantity of the product just before validation
    lots_before: tuple[LotHeld, ...] = ()  # where the supplier's lots were, in any site, just before the receipt
    quantities_before: ReceiptQuantities | None = None  # received and awaited on the order, just before it


@dataclass(frozen=True)
class ReceiptQuantities:
    """The product on an order's receipts: how much was received (done moves) and how much is still awaited."""

    received: float
    awaited: float


ORDER_STATES = {  # purchase.order.state as Odoo 19's screens name it
    "draft": "RFQ",
    "sent": "RFQ Sent",
    "to approve": "To Approve",
    "purchase": "Purchase Order",
    "done": "Locked",
    "cancel": "Cancelled",
}


@dataclass(frozen=True)
class OrderStanding:
    """An order at one moment: its state (as the screens name it), its total tax included, its receipts still
    awaited, and the approval limit of its company then."""

    state: str
    total: float
    open_receipts: int
    approval_limit: float


def order_standing(
    gateway: OdooGateway, company_reader: OdooGateway, order: PurchaseOrder, company_id: int
) -> OrderStanding:
    """`gateway` reads the order as its role; `company_reader` the company's approval limit (a setting)."""
    row = read_order(gateway, order.id)
    open_receipts = [r for r in receipts_of(gateway, order) if r["state"] not in {"done", "cancel"}]
    limit = company_approval_rule(company_reader, company_id)["po_double_validation_amount"]
    return OrderStanding(
        state=ORDER_STATES.get(str(row["state"]), str(row["state"])),
        total=float(row["amount_total"]),
        open_receipts=len(open_receipts),
        approval_limit=float(limit or 0.0),
    )


def receipt_quantities(gateway: OdooGateway, order: PurchaseOrder, product_id: int) -> ReceiptQuantities:
    """Done quantities and open demand of the product on every receipt of the order (backorders included)."""
    pickings = [int(row["id"]) for row in receipts_of(gateway, order)]
    moves = gateway.search_read(
        "stock.move",
        [("picking_id", "in", pickings), ("product_id", "=", product_id)],
        ["state", "quantity", "product_uom_qty"],
    )
    return ReceiptQuantities(
        received=float(sum(float(row["quantity"]) for row in moves if row["state"] == "done")),
        awaited=float(sum(float(row["product_uom_qty"]) for row in moves if row["state"] not in {"done", "cancel"})),
    )


RECEIPT_TYPE_FIELDS = ["name", "code", "default_location_dest_id", "create_backorder"]
PRODUCT_FIELDS = ["display_name", "is_storable", "tracking", "use_expiration_date"]


def receipt_type(gateway: OdooGateway, type_id: int) -> Row:
    return gateway.read_one("stock.picking.type", type_id, RECEIPT_TYPE_FIELDS)


def is_receipt(row: Row) -> bool:
    """Odoo plans a purchase order's receipt only through a type whose type of operation is Receipt."""
    return bool(row["code"] == "incoming")


def describe_receipt_type(row: Row) -> str:
    destination = row["default_location_dest_id"][1] if row["default_location_dest_id"] else "(none)"
    return (
        f"{row['name']}: type of operation {row['code']!r}, default destination {destination}, "
        f"backorders {row['create_backorder']!r}"
    )


# Odoo 19's stock.picking.type.create_backorder: what validating a short receipt does with the rest.
BACKORDER_CHOICES = {"ask": "asks the storekeeper", "always": "always keeps a backorder", "never": "never keeps one"}


def backorder_policy_allows(create_backorder: str, keep_backorder: bool) -> bool:
    """Whether the type's backorder setting lets the site's expectation happen ('ask': the storekeeper answers)."""
    return create_backorder == "ask" or (create_backorder == "always") == keep_backorder


def supply(gateway: OdooGateway, product_id: int) -> Row:
    return gateway.read_one("product.product", product_id, PRODUCT_FIELDS)


def supply_defects(row: Row) -> list[str]:
    """What keeps a product from being received as supplier lots with expiry dates."""
    defects = []
    if not row["is_storable"]:
        defects.append("it is not tracked in inventory ('Track Inventory' off)")
    if row["tracking"] != "lot":
        defects.append(f"it is tracked {row['tracking']!r}, not by lots")
    if not row["use_expiration_date"]:
        defects.append("it has no expiry dates ('Expiration Date' off)")
    return defects


def describe_supply(row: Row) -> str:
    return (
        f"{row['display_name']}: storable {row['is_storable']}, tracking {row['tracking']!r}, "
        f"expiry dates {row['use_expiration_date']}"
    )


def read_order(gateway: OdooGateway, order_id: int) -> Row:
    return gateway.read_one("purchase.order", order_id, PO_FIELDS)


def order_lines(gateway: OdooGateway, order_id: int) -> list[Row]:
    return gateway.search_read(
        "purchase.order.line",
        [("order_id", "=", order_id), ("display_type", "=", False)],
        ["product_id", "product_qty", "qty_received", "qty_invoiced", "price_unit", "price_total"],
    )


def company_approval_rule(gateway: OdooGateway, company_id: int) -> Row:
    return gateway.read_one(
        "res.company", company_id, ["po_double_validation", "po_double_validation_amount", "currency_id"]
    )


def currency_rounding(gateway: OdooGateway, currency_id: int) -> float:
    """The smallest step of an amount in this currency (0.01 for cents)."""
    return float(gateway.read_one("res.currency", currency_id, ["rounding"])["rounding"])


# Sizing an order against the approval limit. Odoo 19 (purchase.order._approval_allowed) approves an order at
# once when its total, tax included, is LESS than the company's limit (converted from the company's currency to
# the order's); an order of exactly the limit waits for a purchase manager like a larger one.


def _in_steps(amount: float, step: float) -> Decimal:
    """`amount` as a whole number of currency steps (cents), so sizing does not suffer float error."""
    return (Decimal(str(amount)) / Decimal(str(step))).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def whole_units_for(target: float, unit_total: float, *, round_up: bool, step: float = 0.01) -> int:
    """How many whole units of `unit_total` make `target`: rounded down (not above it) or up (not below it)."""
    if unit_total <= 0:
        raise ValueError(f"a unit total of {unit_total} cannot size an order")
    units = _in_steps(target, step) / _in_steps(unit_total, step)
    return int(units.to_integral_value(rounding=ROUND_CEILING if round_up else ROUND_FLOOR))


def unit_price_for_total(wanted_total: float, unit_price: float, total: float, *, step: float = 0.01) -> float:
    """The unit price that brings an order of one unit from `total` (at `unit_price`) to `wanted_total`.

    Proportional: what the order adds to its price (its taxes, tax included) scales with the price. Rounded to
    the currency's step; Odoo's own tax rounding may still leave the total one step off (the caller checks).
    """
    exact = Decimal(str(unit_price)) * Decimal(str(wanted_total)) / Decimal(str(total))
    return float(_in_steps(float(exact), step) * Decimal(str(step)))


def same_amount(first: float, second: float, step: float = 0.01) -> bool:
    return _in_steps(first, step) == _in_steps(second, step)


@dataclass(frozen=True)
class PricedTotal:
    unit_price: float
    total: float  # the order's total, tax included, for one unit at that price


@dataclass(frozen=True)
class PriceSearch:
    """Where pricing one unit to a wanted total ended: the last price tried, and the nearest totals either side."""

    last: PricedTotal
    below: PricedTotal | None
    above: PricedTotal | None

    def reached(self, wanted_total: float, step: float = 0.01) -> bool:
        return same_amount(self.last.total, wanted_total, step)


def price_for_total(
    wanted_total: float,
    first: PricedTotal,
    total_at: Callable[[float], float],
    *,
    step: float = 0.01,
    tries: int = 4,
) -> PriceSearch:
    """Price one unit so the order's total, tax included, is exactly `wanted_total`.

    `total_at(price)` sets the unit price on the order and returns its total. Each try scales the price by what is
    still missing, kept strictly between the nearest prices already found below and above. It stops when the
    total is reached, when two prices one step apart fall either side of it (Odoo's tax rounding skips that total:
    no one-line order comes to it), or after `tries` prices.
    """
    below = first if first.total < wanted_total else None
    above = first if first.total > wanted_total else None
    last = first
    for _ in range(tries):
        if same_amount(last.total, wanted_total, step):
            break
        if below and above and _in_steps(above.unit_price, step) - _in_steps(below.unit_price, step) <= 1:
            break
        price = unit_price_for_total(wanted_total, last.unit_price, last.total, step=step)
        if below and price <= below.unit_price:
            price = below.unit_price + step
        if above and price >= above.unit_price:
            price = above.unit_price - step
        price = float(_in_steps(price, step) * Decimal(str(step)))
        last = PricedTotal(price, total_at(price))
        if last.total < wanted_total and not same_amount(last.total, wanted_total, step):
            below = last if below is None or last.total > below.total else below
        elif last.total > wanted_total and not same_amount(last.total, wanted_total, step):
            above = last if above is None or last.total < above.total else above
    return PriceSearch(last, below, above)


def receipts_of(gateway: OdooGateway, order: PurchaseOrder) -> list[Row]:
    """Receipts Odoo derived from the order, traced through their origin (the order's name)."""
    return gateway.search_read(
        "stock.picking",
        [("origin", "=", order.name), ("picking_type_code", "=", "incoming")],
        ["name", "state", "backorder_id", "picking_type_id", "location_dest_id", "move_ids"],
        order="id",
    )


def plan_supplier_lots(lot_prefix: str, quantity: float, lots: int, shelf_life_days: int) -> list[SupplierLot]:
    """Split `quantity` into `lots` supplier lots with the last lot taking the remainder."""
    whole = int(quantity)
    base, remainder = divmod(whole, lots)
    expiry = date.today() + timedelta(days=shelf_life_days)
    return [
        SupplierLot(
            name=f"{lot_prefix}-L{index + 1}",
            quantity=float(base + (remainder if index == lots - 1 else 0)),
            expiration=expiry + timedelta(days=30 * index),
        )
        for index in range(lots)
    ]


def on_hand(gateway: OdooGateway, product_id: int, location_id: int) -> float:
    rows = gateway.search_read(
        "stock.quant", [("product_id", "=", product_id), ("location_id", "child_of", location_id)], ["quantity"]
    )
    return float(sum(row["quantity"] for row in rows))


def lot_whereabouts(gateway: OdooGateway, product_id: int, lot_names: list[str]) -> list[Row]:
    """Every internal quant, at any site of any company, holding one of these lots."""
    return gateway.search_read(
        "stock.quant",
        [
            ("product_id", "=", product_id),
            ("lot_id.name", "in", lot_names),
            ("quantity", "!=", 0),
            ("location_id.usage", "=", "internal"),
        ],
        ["lot_id", "location_id", "quantity", "company_id"],
    )


def lots_with_expiry(gateway: OdooGateway, product_id: int, lot_names: list[str]) -> list[Row]:
    return gateway.search_read(
        "stock.lot", [("product_id", "=", product_id), ("name", "in", lot_names)], ["name", "expiration_date"]
    )


def bill_lines(gateway: OdooGateway, bill_id: int) -> list[Row]:
    return gateway.search_read(
        "account.move.line",
        [("move_id", "=", bill_id), ("display_type", "=", "product")],
        ["product_id", "quantity", "price_unit", "purchase_line_id"],
    )
