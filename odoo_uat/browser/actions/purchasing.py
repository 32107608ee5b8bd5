"""Purchasing on Odoo's screens: the browser implementation of `PurchasingActions`.

The requester fills a new RFQ form (vendor, operation type, vendor reference, a product line, the Source Document
on "Other Information"), saves and presses "Confirm Order"; the approver presses "Approve Order". Odoo 19 leaves
"Approve Order" out of the page for users outside Purchase / Administrator, so a requester's attempt is refused by
the missing button (or, where a site shows it, by Odoo's answer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.actions.base import Attempt, BrowserActions, action
from odoo_uat.browser.pages.purchase import ORDER, PurchaseOrderForm
from odoo_uat.errors import OdooAccessError, OdooError, RecordRef

if TYPE_CHECKING:
    from odoo_uat.actions.base import ActionContext
    from odoo_uat.actions.purchasing import PurchasingActions, Requisition


class BrowserPurchasing(BrowserActions):
    domain = "purchasing"

    def _form(self) -> PurchaseOrderForm:
        return PurchaseOrderForm(self.screen.page, self.screen.base_url)

    def _open(self, order: RecordRef) -> PurchaseOrderForm:
        form = self._form()
        form.open(order.id)
        return form

    def _cannot_see(self, what: str, method: str) -> OdooAccessError:
        return OdooAccessError(
            f"The purchase order form shows {self.context.who()} no {what}", model=ORDER, method=method
        )

    @action("raise a requisition (RFQ) for the supplier with one product line")
    def raise_requisition(self, requisition: Requisition) -> RecordRef:
        gateway = self.context.gateway
        vendor = gateway.with_context(show_vat=True).read_one("res.partner", requisition.partner_id, ["display_name"])
        product = gateway.read_one("product.product", requisition.product_id, ["display_name", "default_code"])
        receipt_type = gateway.read_one("stock.picking.type", requisition.picking_type_id, ["display_name"])
        form = self._form()
        form.open_new()
        form.choose_vendor(str(vendor["display_name"]))
        form.fill_vendor_reference(requisition.run_tag)
        if not form.has_field("picking_type_id"):
            raise self._cannot_see("'Deliver To' (operation type) field", "raise requisition")
        form.choose_operation_type(str(receipt_type["display_name"]))
        form.add_product_line(
            str(product["default_code"] or product["display_name"]),
            str(product["display_name"]),
            requisition.quantity,
            requisition.unit_price,
        )
        if not form.fill_source_document(requisition.run_tag):
            raise self._cannot_see("'Source Document' field", "raise requisition")
        order_id = form.save()
        if not order_id:  # pragma: no cover - save raises what Odoo refused
            raise OdooError("The RFQ was not saved", model=ORDER, method="raise requisition")
        name = gateway.read_one(ORDER, order_id, ["name"])["name"]
        return gateway.record(ORDER, order_id, str(name))

    @action("change the ordered quantity on the requisition")
    def change_ordered_quantity(self, order: RecordRef, quantity: float) -> None:
        form = self._open(order)
        form.set_line_quantity(0, quantity)
        form.save()

    @action("change the unit price on the requisition")
    def change_unit_price(self, order: RecordRef, unit_price: float) -> None:
        form = self._open(order)
        form.set_line_unit_price(0, unit_price)
        form.save()

    @action("confirm the requisition (Confirm Order)")
    def confirm(self, order: RecordRef) -> None:
        self._open(order).confirm()

    @action("approve the order (Approve Order)")
    def approve(self, order: RecordRef) -> None:
        form = self._open(order)
        if not form.can_approve():
            raise self._cannot_see("'Approve Order' button", "button_approve")
        form.approve()

    @action("try to approve the order (Approve Order)")
    def try_to_approve(self, order: RecordRef) -> Attempt:
        form = self._open(order)
        if not form.can_approve():
            return Attempt(refused=f"the order's form shows {self.context.who()} no 'Approve Order' button")
        try:
            form.approve()
        except OdooError as refusal:
            return Attempt(refused=f"Odoo refused: {refusal.odoo_message}")
        state = self.context.gateway.read_one(ORDER, order.id, ["state"])["state"]
        if state == "to approve":
            return Attempt(refused="'Approve Order' left the order waiting for approval")
        return Attempt()

    @action("cancel the order (Cancel)")
    def cancel(self, order: RecordRef) -> None:
        form = self._open(order)
        if not form.can_cancel():
            raise self._cannot_see("'Cancel' button", "button_cancel")
        form.cancel()


def _conforms(context: ActionContext) -> PurchasingActions:
    return BrowserPurchasing(context)
