"""Receiving actions: the storekeeper records what a supplier delivered (lots, quantities, expiry dates) and
validates the receipt, answering Odoo's backorder question as the site expects.

Used by every cycle that stocks a site: requisition-to-receipt (the order's receipt), transfer-to-consumption
(the store's delivery) and month-end close (a valued delivery).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from odoo_uat.actions.base import RpcActions, action
from odoo_uat.cycles.receiving import SupplierLot
from odoo_uat.errors import RecordRef
from odoo_uat.gateway import OdooGateway, many2one_id


@dataclass(frozen=True)
class Delivery:
    """A supplier's delivery that arrives without an order, as the storekeeper types the receipt.

    Locations left at 0 take the receipt type's defaults (as the web client does).
    """

    run_tag: str  # the receipt's Source Document: the run's tag
    picking_type_id: int
    partner_id: int
    product_id: int
    quantity: float
    source_location_id: int = 0
    destination_location_id: int = 0


@dataclass(frozen=True)
class Received:
    """What the storekeeper saw happen: the receipt and, in words, how Odoo answered Validate."""

    receipt: RecordRef
    answer: str


class ReceivingActions(Protocol):
    def receive_lots(
        self, receipt: RecordRef, product_id: int, lots: Sequence[SupplierLot], *, keep_backorder: bool = True
    ) -> Received:
        """Record the supplier's lots (number, quantity, expiry date) on an existing receipt, in delivery-note
        order, and validate it; where Odoo asks about a backorder, answer `keep_backorder`."""
        ...

    def receive_delivery(self, delivery: Delivery, lots: Sequence[SupplierLot]) -> Received:
        """Create the receipt for a delivery without an order, mark it to do, record its lots (an untracked supply
        is taken in full when `lots` is empty) and validate it."""
        ...


class RpcReceiving(RpcActions):
    domain = "receiving"

    @action("record the supplier's lots with expiry dates on the receipt and validate it")
    def receive_lots(
        self, receipt: RecordRef, product_id: int, lots: Sequence[SupplierLot], *, keep_backorder: bool = True
    ) -> Received:
        gateway = self.context.gateway
        record_lots(gateway, receipt.id, product_id, lots)
        return Received(receipt, validate(gateway, receipt.id, keep_backorder=keep_backorder))

    @action("create the receipt of a supplier's delivery, record its lots and validate it")
    def receive_delivery(self, delivery: Delivery, lots: Sequence[SupplierLot]) -> Received:
        gateway = self.context.gateway
        source, destination = delivery.source_location_id, delivery.destination_location_id
        if not source or not destination:
            kind = gateway.read_one(
                "stock.picking.type", delivery.picking_type_id, ["default_location_src_id", "default_location_dest_id"]
            )
            partner = gateway.read_one("res.partner", delivery.partner_id, ["property_stock_supplier"])
            source = source or many2one_id(partner["property_stock_supplier"]) or 0
            destination = destination or many2one_id(kind["default_location_dest_id"]) or 0
        picking_id = gateway.create(
            "stock.picking",
            {
                "picking_type_id": delivery.picking_type_id,
                "partner_id": delivery.partner_id,
                "origin": delivery.run_tag,
                "location_id": source,
                "location_dest_id": destination,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": delivery.product_id,
                            "product_uom_qty": delivery.quantity,
                            "location_id": source,
                            "location_dest_id": destination,
                        },
                    )
                ],
            },
        )
        name = str(gateway.read_one("stock.picking", picking_id, ["name"])["name"])
        receipt = gateway.record("stock.picking", picking_id, name)
        gateway.call("stock.picking", "action_confirm", [picking_id])
        if lots:
            record_lots(gateway, picking_id, delivery.product_id, lots)
        else:
            take_in_full(gateway, picking_id)
        return Received(receipt, validate(gateway, picking_id, keep_backorder=True))


def record_lots(gateway: OdooGateway, picking_id: int, product_id: int, lots: Sequence[SupplierLot]) -> None:
    """What the storekeeper types on the receipt: one line per supplier lot with its expiry date, picked,
    in the order of the delivery note (which sets the order the lots arrive in)."""
    picking = gateway.read_one("stock.picking", picking_id, ["move_ids"])
    moves = gateway.search_read(
        "stock.move",
        [("id", "in", picking["move_ids"]), ("product_id", "=", product_id)],
        ["product_uom", "location_id", "location_dest_id", "move_line_ids"],
    )
    move = moves[0]
    commands: list[Any] = [(2, line_id) for line_id in move["move_line_ids"]]
    commands += [
        (
            0,
            0,
            {
                "product_id": product_id,
                "product_uom_id": many2one_id(move["product_uom"]),
                "location_id": many2one_id(move["location_id"]),
                "location_dest_id": many2one_id(move["location_dest_id"]),
                "lot_name": lot.name,
                "expiration_date": f"{lot.expiration.isoformat()} 00:00:00",
                "quantity": lot.quantity,
                "picked": True,
            },
        )
        for lot in lots
    ]
    gateway.write("stock.move", [move["id"]], {"move_line_ids": commands, "picked": True})


def take_in_full(gateway: OdooGateway, picking_id: int) -> None:
    """An untracked supply: every move's demand is taken as received."""
    for move in gateway.search_read("stock.move", [("picking_id", "=", picking_id)], ["product_uom_qty"]):
        gateway.write("stock.move", [move["id"]], {"quantity": move["product_uom_qty"], "picked": True})


def validate(gateway: OdooGateway, picking_id: int, *, keep_backorder: bool) -> str:
    """Validate; where Odoo asks about a backorder, answer as the site expects.

    Odoo 19's wizard buttons do nothing unless the action's context (button_validate_picking_ids) is
    passed back, so the wizard is created and answered with that context.
    """
    result = gateway.call("stock.picking", "button_validate", [picking_id])
    if not isinstance(result, dict) or result.get("res_model") != "stock.backorder.confirmation":
        if isinstance(result, dict) and result.get("res_model"):
            return f"Odoo asked {result['res_model']} on validation; the storekeeper did not answer"
        return "Odoo validated without asking about a backorder"
    wizard = gateway.with_context(**dict(result.get("context") or {}))
    wizard_id = wizard.create("stock.backorder.confirmation", {"pick_ids": [(6, 0, [picking_id])]})
    if keep_backorder:
        wizard.call("stock.backorder.confirmation", "process", [wizard_id])
        return "Odoo asked about a backorder; the storekeeper answered 'Create Backorder'"
    wizard.call("stock.backorder.confirmation", "process_cancel_backorder", [wizard_id])
    return "Odoo asked about a backorder; the storekeeper answered 'No Backorder'"
