"""Requisition-to-receipt on Odoo 19 Community: RFQ, two-step approval, lot receipt, vendor bill.

A requisition here is a request for quotation (a draft purchase order) that the site's requester raises:
Odoo 19's Purchase Agreements have no requester workflow. This module holds the profile section and what the
steps read (what Odoo holds); what a role does is in odoo_uat/actions (purchasing, receiving, billing), and the
steps decide whether what Odoo holds is what the business expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import Field

from odoo_uat.cycles.receiving import SupplierLot
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


@dataclass(frozen=True)
class Receipt:
    picking_id: int
    picking_name: str
    lots: tuple[SupplierLot, ...]
    validate_answer: str  # what Odoo asked on validation and what the harness answered
    on_hand_before: float  # the site's on-hand quantity of the product just before validation


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
    return gateway.read_one("res.company", company_id, ["po_double_validation", "po_double_validation_amount"])


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
