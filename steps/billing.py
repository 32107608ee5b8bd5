"""Billing: the vendor bill on received quantities at the order's price (three-way match)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from pytest_bdd import then, when

from fixtures.actors import Cast
from odoo_uat.cycles import requisition_to_receipt as r2r
from odoo_uat.errors import RecordRef
from odoo_uat.gateway import Row, many2one_id
from odoo_uat.references import ResolvedSite
from odoo_uat.reporting import record_quantities
from odoo_uat.reporting.quantities import NOT_CHECKED, Expected, Judged, Money, Value
from odoo_uat.run_id import tag


@dataclass(frozen=True)
class VendorBill:
    """The bill the accountant made from the order, and the order's line of the site's supply just before."""

    record: RecordRef
    order_line_before: Row | None  # ordered, received and billed quantities, price; None if the order had no such line


def _supply_line(lines: list[Row], product_id: int) -> Row | None:
    return next((line for line in lines if many2one_id(line["product_id"]) == product_id), None)


@when("the accountant bills the order", target_fixture="vendor_bill")
def accountant_bills(site: ResolvedSite, cast: Cast, requisition: r2r.PurchaseOrder, run_id: str) -> VendorBill:
    accountant = cast["accountant"]
    order = accountant.record("purchase.order", requisition.id, requisition.name)
    product_id = site.id("requisition_to_receipt.product")
    before = _supply_line(r2r.order_lines(accountant.gateway, requisition.id), product_id)
    with accountant.doing("The accountant can create the vendor bill from the order", record=order):
        bill = accountant.billing.bill_order(order, date.today(), tag(run_id, site.code, "BILL"))
    with accountant.doing("The accountant can post a vendor bill that matches order and receipt", record=bill):
        accountant.billing.post_bill(bill)
    return VendorBill(record=bill, order_line_before=before)


def _record_three_way(
    order_name: str, before: Row | None, after: Row, received: float, billed: list[Row], billed_quantity: float
) -> None:
    """Ordered, received and billed, quantity and amount: the order's line before the bill and now, and the bill."""
    price = float(after["price_unit"])
    billed_amount = sum(float(line["quantity"]) * float(line["price_unit"]) for line in billed)
    prices = sorted({float(line["price_unit"]) for line in billed})
    rows: list[tuple[str, Value, Value, Expected]] = [
        ("units ordered", _of(before, "product_qty"), float(after["product_qty"]), NOT_CHECKED),
        (
            "units received on the order",
            _of(before, "qty_received"),
            float(after["qty_received"]),
            Judged(f"{received:g} (the receipt)", math.isclose(float(after["qty_received"]), received)),
        ),
        ("units billed on the order", _of(before, "qty_invoiced"), float(after["qty_invoiced"]), received),
        (
            "units on this bill",
            None,
            billed_quantity,
            Judged(f"{received:g} (received)", math.isclose(billed_quantity, received)),
        ),
        (
            "unit price on this bill",
            None,
            ", ".join(f"{value:,.2f}" for value in prices) or "-",
            Judged(f"{price:,.2f} (the order's)", prices == [price]),
        ),
        (
            "amount on this bill, before tax",
            None,
            Money(round(billed_amount, 2)),
            Judged(
                f"{received * price:,.2f} (received x order's price)",
                math.isclose(billed_amount, received * price, abs_tol=0.005),
            ),
        ),
    ]
    record_quantities(
        f"three-way match: order {order_name}, receipt, bill",
        before={name: was for name, was, _, _ in rows},
        after={name: now for name, _, now, _ in rows},
        by=("what",),
        expected={name: wanted for name, _, _, wanted in rows},
        sort=False,
    )


def _of(line: Row | None, field: str) -> float | None:
    return float(line[field]) if line is not None else None


@then("the bill is for the received quantity at the order's price")
def bill_matches(
    site: ResolvedSite, cast: Cast, requisition: r2r.PurchaseOrder, receipt: r2r.Receipt, vendor_bill: VendorBill
) -> None:
    accountant = cast["accountant"]
    gateway = accountant.gateway
    product_id = site.id("requisition_to_receipt.product")
    order_line = next(
        line for line in r2r.order_lines(gateway, requisition.id) if many2one_id(line["product_id"]) == product_id
    )
    received = sum(lot.quantity for lot in receipt.lots)
    billed = [
        line for line in r2r.bill_lines(gateway, vendor_bill.record.id) if many2one_id(line["product_id"]) == product_id
    ]
    billed_quantity = sum(float(line["quantity"]) for line in billed)
    _record_three_way(requisition.name, vendor_bill.order_line_before, order_line, received, billed, billed_quantity)
    prices = {float(line["price_unit"]) for line in billed}
    mismatches = []
    if not math.isclose(billed_quantity, received):
        mismatches.append(f"billed {billed_quantity:g} but received {received:g}")
    if not math.isclose(float(order_line["qty_received"]), received):
        mismatches.append(f"order shows {order_line['qty_received']:g} received, the receipt {received:g}")
    if prices != {float(order_line["price_unit"])}:
        mismatches.append(f"billed at {sorted(prices)} but ordered at {order_line['price_unit']}")
    accountant.expect(
        not mismatches,
        "Three-way match: the vendor bill is for the quantity received, at the price on the order",
        found="; ".join(mismatches),
        record=vendor_bill.record,
        details={"order": str(accountant.record("purchase.order", requisition.id, requisition.name))},
    )


@then("the bill is posted")
def bill_posted(cast: Cast, vendor_bill: VendorBill) -> None:
    accountant = cast["accountant"]
    bill = accountant.gateway.read_one("account.move", vendor_bill.record.id, ["state", "name", "invoice_origin"])
    accountant.expect(
        bill["state"] == "posted",
        "The vendor bill is posted to the books",
        found=f"bill {bill['name']} is {bill['state']!r} (origin {bill['invoice_origin']})",
        record=vendor_bill.record,
    )
