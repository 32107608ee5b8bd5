"""Purchasing actions: the requester raises, resizes, confirms and cancels a requisition (an RFQ); a purchase
manager approves it. The interface steps call, the data a requester types, and the RPC implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from odoo_uat.actions.base import ActionContext, Attempt, RpcActions, action
from odoo_uat.errors import OdooAccessError, RecordRef

ORDER = "purchase.order"


@dataclass(frozen=True)
class Requisition:
    """What the requester types on a new RFQ: the supplier, the operation type it is received through, one
    product line, and the run's tag as the order's Source Document and Vendor Reference."""

    run_tag: str
    partner_id: int
    company_id: int
    picking_type_id: int
    product_id: int
    quantity: float
    unit_price: float


class PurchasingActions(Protocol):
    """What a role does in purchasing."""

    def raise_requisition(self, requisition: Requisition) -> RecordRef:
        """Create the RFQ for the requisition's supplier, operation type and product line; return the order."""
        ...

    def change_ordered_quantity(self, order: RecordRef, quantity: float) -> None:
        """Edit the quantity of the order's (single) product line."""
        ...

    def change_unit_price(self, order: RecordRef, unit_price: float) -> None:
        """Edit the unit price of the order's (single) product line."""
        ...

    def confirm(self, order: RecordRef) -> None:
        """Confirm the RFQ ("Confirm Order"): above the approval limit it then waits for a manager."""
        ...

    def approve(self, order: RecordRef) -> None:
        """Approve an order waiting for approval ("Approve Order")."""
        ...

    def try_to_approve(self, order: RecordRef) -> Attempt:
        """Try to approve an order waiting for approval; `refused` says how the role was stopped, if it was."""
        ...

    def cancel(self, order: RecordRef) -> None:
        """Cancel the order ("Cancel")."""
        ...


class RpcPurchasing(RpcActions):
    domain = "purchasing"

    @action("raise a requisition (RFQ) for the supplier with one product line")
    def raise_requisition(self, requisition: Requisition) -> RecordRef:
        gateway = self.context.gateway
        order_id = gateway.create(
            ORDER,
            {
                "partner_id": requisition.partner_id,
                "company_id": requisition.company_id,
                "picking_type_id": requisition.picking_type_id,
                "origin": requisition.run_tag,
                "partner_ref": requisition.run_tag,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": requisition.product_id,
                            "product_qty": requisition.quantity,
                            "price_unit": requisition.unit_price,
                        },
                    )
                ],
            },
        )
        name = gateway.read_one(ORDER, order_id, ["name"])["name"]
        return gateway.record(ORDER, order_id, str(name))

    @action("change the ordered quantity on the requisition")
    def change_ordered_quantity(self, order: RecordRef, quantity: float) -> None:
        gateway = self.context.gateway
        lines = gateway.search("purchase.order.line", [("order_id", "=", order.id), ("display_type", "=", False)])
        gateway.write("purchase.order.line", lines, {"product_qty": quantity})

    @action("change the unit price on the requisition")
    def change_unit_price(self, order: RecordRef, unit_price: float) -> None:
        gateway = self.context.gateway
        lines = gateway.search("purchase.order.line", [("order_id", "=", order.id), ("display_type", "=", False)])
        gateway.write("purchase.order.line", lines, {"price_unit": unit_price})

    @action("confirm the requisition (Confirm Order)")
    def confirm(self, order: RecordRef) -> None:
        self.context.gateway.call(ORDER, "button_confirm", [order.id])

    @action("approve the order (Approve Order)")
    def approve(self, order: RecordRef) -> None:
        self.context.gateway.call(ORDER, "button_approve", [order.id])

    @action("try to approve the order (Approve Order)")
    def try_to_approve(self, order: RecordRef) -> Attempt:
        gateway = self.context.gateway
        try:
            gateway.call(ORDER, "button_approve", [order.id])
        except OdooAccessError as refusal:  # a site may stop the role by access rights
            return Attempt(refused=f"Odoo refused: {refusal.odoo_message}")
        # Odoo 19's button_approve silently leaves out orders the user may not approve: no effect is a refusal
        state = gateway.read_one(ORDER, order.id, ["state"])["state"]
        if state == "to approve":
            return Attempt(refused="Odoo accepted the call and left the order waiting for approval")
        return Attempt()

    @action("cancel the order (Cancel)")
    def cancel(self, order: RecordRef) -> None:
        self.context.gateway.call(ORDER, "button_cancel", [order.id])


def _conforms(context: ActionContext) -> PurchasingActions:
    return RpcPurchasing(context)
