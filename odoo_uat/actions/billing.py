"""Billing actions: the accountant turns a supplier's bill for a purchase order into a vendor bill (from the
order, with the supplier's bill date and reference) and posts it. The interface steps call and its RPC
implementation.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from odoo_uat.actions.base import ActionContext, RpcActions, action
from odoo_uat.errors import RecordRef

BILL = "account.move"


class BillingActions(Protocol):
    """What a role does in billing."""

    def bill_order(self, order: RecordRef, bill_date: date, reference: str) -> RecordRef:
        """Create the vendor bill from the order (what was received, at the order's price) and give it the
        supplier's bill date and reference; the bill stays a draft until it is posted."""
        ...

    def post_bill(self, bill: RecordRef) -> None:
        """Post (confirm) a draft vendor bill."""
        ...


class RpcBilling(RpcActions):
    domain = "billing"

    @action("create the vendor bill from the order with the supplier's bill date and reference")
    def bill_order(self, order: RecordRef, bill_date: date, reference: str) -> RecordRef:
        gateway = self.context.gateway
        opened = gateway.call("purchase.order", "action_create_invoice", [order.id])
        bill_id = int(opened["res_id"])
        gateway.write(BILL, [bill_id], {"invoice_date": bill_date.isoformat(), "ref": reference})
        return gateway.record(BILL, bill_id, reference)

    @action("post the vendor bill (Confirm)")
    def post_bill(self, bill: RecordRef) -> None:
        self.context.gateway.call(BILL, "action_post", [bill.id])


def _conforms(context: ActionContext) -> BillingActions:
    return RpcBilling(context)
