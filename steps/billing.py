"""Billing: the vendor bill on received quantities at the order's price (three-way match)."""

from __future__ import annotations

import math
from datetime import date

from pytest_bdd import then, when

from fixtures.actors import Cast
from odoo_uat.cycles import requisition_to_receipt as r2r
from odoo_uat.errors import RecordRef
from odoo_uat.gateway import many2one_id
from odoo_uat.references import ResolvedSite
from odoo_uat.run_id import tag


@when("the accountant bills the order", target_fixture="vendor_bill")
def accountant_bills(site: ResolvedSite, cast: Cast, requisition: r2r.PurchaseOrder, run_id: str) -> RecordRef:
    accountant = cast["accountant"]
    order = accountant.record("purchase.order", requisition.id, requisition.name)
    with accountant.doing("The accountant can create the vendor bill from the order", record=order):
        bill = accountant.billing.bill_order(order, date.today(), tag(run_id, site.code, "BILL"))
    with accountant.doing("The accountant can post a vendor bill that matches order and receipt", record=bill):
        accountant.billing.post_bill(bill)
    return bill


@then("the bill is for the received quantity at the order's price")
def bill_matches(
    site: ResolvedSite, cast: Cast, requisition: r2r.PurchaseOrder, receipt: r2r.Receipt, vendor_bill: RecordRef
) -> None:
    accountant = cast["accountant"]
    gateway = accountant.gateway
    product_id = site.id("requisition_to_receipt.product")
    order_line = next(
        line for line in r2r.order_lines(gateway, requisition.id) if many2one_id(line["product_id"]) == product_id
    )
    received = sum(lot.quantity for lot in receipt.lots)
    billed = [line for line in r2r.bill_lines(gateway, vendor_bill.id) if many2one_id(line["product_id"]) == product_id]
    billed_quantity = sum(float(line["quantity"]) for line in billed)
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
        record=vendor_bill,
        details={"order": str(accountant.record("purchase.order", requisition.id, requisition.name))},
    )


@then("the bill is posted")
def bill_posted(cast: Cast, vendor_bill: RecordRef) -> None:
    accountant = cast["accountant"]
    bill = accountant.gateway.read_one("account.move", vendor_bill.id, ["state", "name", "invoice_origin"])
    accountant.expect(
        bill["state"] == "posted",
        "The vendor bill is posted to the books",
        found=f"bill {bill['name']} is {bill['state']!r} (origin {bill['invoice_origin']})",
        record=vendor_bill,
    )
