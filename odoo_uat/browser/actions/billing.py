"""Billing on Odoo's screens: the browser implementation of `BillingActions`.

Odoo 19's purchase order form has no "Create Bill" button: the accountant ticks the order in Purchase > Orders >
Purchase Orders and presses the list's "Create Bills", which opens the draft bill; she types the supplier's bill
date and reference, saves, and presses "Confirm".
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from odoo_uat.actions.base import BrowserActions, action
from odoo_uat.browser.actions.receiving import typed_dates
from odoo_uat.browser.pages.bill import BILL, VendorBillForm
from odoo_uat.browser.pages.purchase import ORDER, PurchaseOrderList
from odoo_uat.errors import OdooAccessError, OdooError, RecordRef

if TYPE_CHECKING:
    from odoo_uat.actions.base import ActionContext
    from odoo_uat.actions.billing import BillingActions


class BrowserBilling(BrowserActions):
    domain = "billing"

    def _cannot_see(self, what: str, model: str, method: str) -> OdooAccessError:
        return OdooAccessError(f"Odoo's screens show {self.context.who()} no {what}", model=model, method=method)

    @action("create the vendor bill from the order with the supplier's bill date and reference")
    def bill_order(self, order: RecordRef, bill_date: date, reference: str) -> RecordRef:
        page, base_url = self.screen.page, self.screen.base_url
        orders = PurchaseOrderList(page, base_url)
        orders.open()
        if not orders.select(order.name):
            raise self._cannot_see(f"order {order.name} in Purchase Orders", ORDER, "action_create_invoice")
        if not orders.has_header_button("action_create_invoice"):
            raise self._cannot_see("'Create Bills' button on the selected order", ORDER, "action_create_invoice")
        bill = VendorBillForm(page, base_url)
        orders.press_header_button("action_create_invoice", bill.view())
        bill.fill_bill_date(typed_dates(self.context).day(bill_date))
        bill.fill_reference(reference)
        bill_id = bill.save()
        if not bill_id:  # pragma: no cover - save raises what Odoo refused
            raise OdooError("The vendor bill was not saved", model=BILL, method="bill order")
        return self.context.gateway.record(BILL, bill_id, reference)

    @action("post the vendor bill (Confirm)")
    def post_bill(self, bill: RecordRef) -> None:
        form = VendorBillForm(self.screen.page, self.screen.base_url)
        form.open(bill.id)
        if not form.can_confirm():
            raise self._cannot_see("'Confirm' button on the vendor bill", BILL, "action_post")
        form.confirm()


def _conforms(context: ActionContext) -> BillingActions:
    return BrowserBilling(context)
