"""Receiving actions: the storekeeper records what a supplier delivered (lots, quantities, expiry dates) and
validates the receipt, answering Odoo's backorder question as the site expects and, when a lot has expired (or is
past its removal date), Odoo's expiry confirmation as the scenario says.

Used by every cycle that stocks a site: requisition-to-receipt (the order's receipt), transfer-to-consumption
(the store's delivery) and month-end close (a valued delivery).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
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


class ExpiredLots(StrEnum):
    """The storekeeper's answer when Odoo 19 (product_expiry) warns, on Validate, that lots of the receipt are
    expired or past their removal date: the buttons of its "Confirmation" dialog."""

    REFUSE = "Proceed except expired"  # the flagged lines are dropped; the rest is validated
    ACCEPT = "Confirm"  # every line is validated, the flagged lots too


@dataclass(frozen=True)
class Received:
    """What the storekeeper saw happen: the receipt and, in words, how Odoo answered Validate."""

    receipt: RecordRef
    answer: str
    expiry_warning: str = ""  # Odoo's words when it warned about expired lots; empty when it did not


class ReceivingActions(Protocol):
    def receive_lots(
        self,
        receipt: RecordRef,
        product_id: int,
        lots: Sequence[SupplierLot],
        *,
        keep_backorder: bool = True,
        expired_lots: ExpiredLots | None = None,
    ) -> Received:
        """Record the supplier's lots (number, quantity, expiry date) on an existing receipt, in delivery-note
        order, and validate it; where Odoo asks about a backorder, answer `keep_backorder`; where it warns about
        expired lots, answer `expired_lots` (None: leave the warning unanswered and the receipt not validated)."""
        ...

    def receive_delivery(self, delivery: Delivery, lots: Sequence[SupplierLot]) -> Received:
        """Create the receipt for a delivery without an order, mark it to do, record its lots (an untracked supply
        is taken in full when `lots` is empty) and validate it."""
        ...


class RpcReceiving(RpcActions):
    domain = "receiving"

    @action("record the supplier's lots with expiry dates on the receipt and validate it")
    def receive_lots(
        self,
        receipt: RecordRef,
        product_id: int,
        lots: Sequence[SupplierLot],
        *,
        keep_backorder: bool = True,
        expired_lots: ExpiredLots | None = None,
    ) -> Received:
        gateway = self.context.gateway
        record_lots(gateway, receipt.id, product_id, lots)
        return validated(gateway, receipt, keep_backorder=keep_backorder, expired_lots=expired_lots)

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
        return validated(gateway, receipt, keep_backorder=True, expired_lots=None)


def record_lots(gateway: OdooGateway, picking_id: int, product_id: int, lots: Sequence[SupplierLot]) -> None:
    """What the storekeeper types on the receipt: one line per supplier lot with its expiry date, picked,
    in the order of the delivery note (which sets the order the lots arrive in).

    Each line belongs to the receipt as well as to its move, as the web client's detailed operations make it
    (their context gives the picking): Odoo sets no picking on a line created through its move, and the checks
    Validate runs on the receipt's lines (product_expiry's expired lots) would not see it.
    """
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
                "picking_id": picking_id,
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


BACKORDER_WIZARD = "stock.backorder.confirmation"
EXPIRY_WIZARD = "expiry.picking.confirmation"
# Each answer may lead Odoo to ask the next question (a short receipt: backorder; then expired lots, or the other
# way round when refusing the expired lots makes the receipt short): more than this is a loop, not a person.
MOST_QUESTIONS = 4


def validated(
    gateway: OdooGateway, receipt: RecordRef, *, keep_backorder: bool, expired_lots: ExpiredLots | None
) -> Received:
    """Press Validate and answer each question Odoo asks, as the storekeeper would, until it asks no more.

    Odoo 19's wizard buttons do nothing unless the action's context (button_validate_picking_ids) is passed
    back, so each wizard is created and answered with the context of the action that opened it.
    """
    answers: list[str] = []
    warning = ""
    result = gateway.call("stock.picking", "button_validate", [receipt.id])
    for _ in range(MOST_QUESTIONS):
        question = result.get("res_model") if isinstance(result, dict) else None
        if not question:
            break
        wizard = gateway.with_context(**dict(result.get("context") or {}))
        if question == BACKORDER_WIZARD:
            wizard_id = wizard.create(BACKORDER_WIZARD, {"pick_ids": [(6, 0, [receipt.id])]})
            label = "Create Backorder" if keep_backorder else "No Backorder"
            answers.append(f"Odoo asked about a backorder; the storekeeper answered '{label}'")
            method = "process" if keep_backorder else "process_cancel_backorder"
            result = wizard.call(BACKORDER_WIZARD, method, [wizard_id])
        elif question == EXPIRY_WIZARD:
            wizard_id = wizard.create(EXPIRY_WIZARD, {})
            warning = str(wizard.read_one(EXPIRY_WIZARD, wizard_id, ["description"])["description"] or "")
            if expired_lots is None:
                answers.append(f"Odoo warned about expired lots ({warning!r}); the storekeeper did not answer")
                break
            answers.append(f"Odoo warned about expired lots; the storekeeper answered '{expired_lots.value}'")
            method = "process" if expired_lots is ExpiredLots.ACCEPT else "process_no_expired"
            result = wizard.call(EXPIRY_WIZARD, method, [wizard_id])
        else:
            answers.append(f"Odoo asked {question} on validation; the storekeeper did not answer")
            break
    if not answers:
        answers.append("Odoo validated without asking about a backorder")
    return Received(receipt, "; ".join(answers), expiry_warning=warning)
