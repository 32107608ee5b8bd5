"""Ward stock actions: the storekeeper moves supplies from the site's store to a ward by internal transfer, and
the ward's nurse records what was used with the site's consumption operation, as an interface and its RPC
implementation.

Each movement is planned as a person types it on the operation type's form (`WardTransfer`,
`WardConsumption`: source, destination, the supply and its quantity, the run's tag as Source Document), marked
as To Do so that Odoo reserves lots (Check Availability where the operation type does not reserve at
confirmation), then validated with every line ticked as picked. A movement in full raises no question; where
Odoo asks one anyway (a backorder), it is left unanswered and said in words, in both modes, so the scenario's
check of the movement's state reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from odoo_uat.actions.base import ActionContext, RpcActions, action
from odoo_uat.errors import RecordRef
from odoo_uat.gateway import OdooGateway

VALIDATED = "Odoo validated without asking anything"


def unanswered(question_model: str) -> str:
    """The words for a question Odoo asked on Validate that neither implementation answers."""
    return f"Odoo asked {question_model} on validation; the harness did not answer"


@dataclass(frozen=True)
class WardMovement:
    """One supply moved between two of the site's locations with one operation type, as typed on its form."""

    run_tag: str  # the Source Document
    picking_type_id: int
    source_location_id: int
    destination_location_id: int
    product_id: int
    quantity: float


@dataclass(frozen=True)
class WardTransfer(WardMovement):
    """The storekeeper's internal transfer from the store to a ward."""


@dataclass(frozen=True)
class WardConsumption(WardMovement):
    """The nurse's record of supplies used on the ward: from the ward to its consumption location."""


class WardStockActions(Protocol):
    def request_transfer(self, transfer: WardTransfer) -> RecordRef:
        """Plan the transfer on the internal operation's form and mark it as To Do; Odoo reserves lots."""
        ...

    def validate_transfer(self, transfer: RecordRef) -> str:
        """Tick every line as picked and Validate; returns, in words, how Odoo answered."""
        ...

    def record_consumption(self, consumption: WardConsumption) -> RecordRef:
        """Record what was used on the consumption operation's form and mark it as To Do; Odoo reserves lots."""
        ...

    def validate_consumption(self, consumption: RecordRef) -> str:
        """Tick every line as picked and Validate; returns, in words, how Odoo answered."""
        ...


class RpcWardStock(RpcActions):
    domain = "ward_stock"

    @action("plan a transfer from the store to the ward and mark it as To Do")
    def request_transfer(self, transfer: WardTransfer) -> RecordRef:
        return plan_and_confirm(self.context.gateway, transfer)

    @action("validate the transfer to the ward")
    def validate_transfer(self, transfer: RecordRef) -> str:
        return validate(self.context.gateway, transfer.id)

    @action("record the supplies used on the ward and mark the consumption as To Do")
    def record_consumption(self, consumption: WardConsumption) -> RecordRef:
        return plan_and_confirm(self.context.gateway, consumption)

    @action("validate the consumption")
    def validate_consumption(self, consumption: RecordRef) -> str:
        return validate(self.context.gateway, consumption.id)


# -- what the RPC implementation sends ---------------------------------------------------------------------


def plan_and_confirm(gateway: OdooGateway, movement: WardMovement) -> RecordRef:
    """Create the draft picking as its form would, then 'Mark as To Do': Odoo reserves at once where the
    operation type reserves at confirmation; elsewhere the person presses Check Availability."""
    picking_id = gateway.create(
        "stock.picking",
        {
            "picking_type_id": movement.picking_type_id,
            "origin": movement.run_tag,
            "location_id": movement.source_location_id,
            "location_dest_id": movement.destination_location_id,
            "move_ids": [
                (
                    0,
                    0,
                    {
                        "product_id": movement.product_id,
                        "product_uom_qty": movement.quantity,
                        "location_id": movement.source_location_id,
                        "location_dest_id": movement.destination_location_id,
                    },
                )
            ],
        },
    )
    gateway.call("stock.picking", "action_confirm", [picking_id])
    if _state(gateway, picking_id) != "assigned":
        gateway.call("stock.picking", "action_assign", [picking_id])
    name = str(gateway.read_one("stock.picking", picking_id, ["name"])["name"])
    return gateway.record("stock.picking", picking_id, name)


def validate(gateway: OdooGateway, picking_id: int) -> str:
    """Tick every line as picked, then Validate. A question Odoo asks (its wizards act only when the action's
    context, button_validate_picking_ids, is passed back) is not answered: a movement in full raises none."""
    move_ids = gateway.read_one("stock.picking", picking_id, ["move_ids"])["move_ids"]
    gateway.write("stock.move", move_ids, {"picked": True})
    result = gateway.call("stock.picking", "button_validate", [picking_id])
    if isinstance(result, dict) and result.get("res_model"):
        return unanswered(str(result["res_model"]))
    return VALIDATED


def _state(gateway: OdooGateway, picking_id: int) -> str:
    return str(gateway.read_one("stock.picking", picking_id, ["state"])["state"])


def _conforms(context: ActionContext) -> WardStockActions:
    return RpcWardStock(context)
