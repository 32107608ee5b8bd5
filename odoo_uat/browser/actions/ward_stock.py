"""Ward stock on Odoo's screens: the browser implementation of `WardStockActions`.

The storekeeper and the nurse open a new transfer from Inventory > Operations > Transfers, choose the profile's
operation type (Odoo proposes its default locations), set the source and destination where their form shows
them, type the Source Document and the product line with its demand, save, press "Mark as Todo" (and "Check
Availability" where Odoo did not reserve at once), then open the transfer and press "Validate". Odoo ticks every
line as picked when none is (stock.picking._pre_action_done_hook), which is what the RPC implementation does
explicitly. A question Odoo asks on Validate (a backorder) is left unanswered and closed, as over RPC, and said in
the same words.

What the role's screen does not offer is refused as an OdooAccessError naming the missing control, so the scenario
fails naming the role and what it could not do on screen. Display names to type and pick are read over the role's
session (what the person reads on the delivery note or the shelf label), never written.
"""

from __future__ import annotations

from odoo_uat.actions.base import ActionContext, BrowserActions, action
from odoo_uat.actions.ward_stock import (
    VALIDATED,
    WardConsumption,
    WardMovement,
    WardStockActions,
    WardTransfer,
    unanswered,
)
from odoo_uat.browser.pages.receipt import BACKORDER_WIZARD, PICKING
from odoo_uat.browser.pages.transfer import LOCATION_FIELDS, TransferForm
from odoo_uat.errors import OdooAccessError, RecordRef
from odoo_uat.gateway import many2one_id

_LABELS = {"location_id": "Source Location", "location_dest_id": "Destination Location"}
_BUTTONS = {
    "action_confirm": "Mark as Todo",
    "button_validate": "Validate",
}


class BrowserWardStock(BrowserActions):
    domain = "ward_stock"

    @action("plan a transfer from the store to the ward and mark it as To Do")
    def request_transfer(self, transfer: WardTransfer) -> RecordRef:
        return self._plan_and_confirm(transfer)

    @action("validate the transfer to the ward")
    def validate_transfer(self, transfer: RecordRef) -> str:
        return self._validate(transfer)

    @action("record the supplies used on the ward and mark the consumption as To Do")
    def record_consumption(self, consumption: WardConsumption) -> RecordRef:
        return self._plan_and_confirm(consumption)

    @action("validate the consumption")
    def validate_consumption(self, consumption: RecordRef) -> str:
        return self._validate(consumption)

    # -- on screen -------------------------------------------------------------------------------------------
    def _form(self) -> TransferForm:
        return TransferForm(self.screen.page, self.screen.base_url)

    def _plan_and_confirm(self, movement: WardMovement) -> RecordRef:
        gateway = self.context.gateway
        operation = gateway.read_one("stock.picking.type", movement.picking_type_id, ["name", "display_name"])
        product = gateway.read_one("product.product", movement.product_id, ["default_code", "display_name"])
        wanted = {"location_id": movement.source_location_id, "location_dest_id": movement.destination_location_id}
        labels = {
            int(row["id"]): str(row["display_name"])
            for row in gateway.read("stock.location", list(wanted.values()), ["display_name"])
        }
        form = self._form()
        form.open_new()
        form.choose_operation_type(str(operation["name"]), str(operation["display_name"]))
        for field in LOCATION_FIELDS:  # where the form shows them; elsewhere the operation type's default stays
            label = labels[wanted[field]]
            if form.shows(field) and form.shown(field) != label:
                form.choose(field, label)
        form.fill_source_document(movement.run_tag)
        form.add_product(
            str(product["default_code"] or product["display_name"]), str(product["display_name"]), movement.quantity
        )
        picking_id = form.save()
        if picking_id is None:  # pragma: no cover - save raises what Odoo refused
            raise OdooAccessError("the transfer was not saved", model=PICKING, method="save")
        self._check_locations(picking_id, wanted, labels)
        self._require(form.can_mark_as_to_do(), "action_confirm")
        form.mark_as_to_do()
        if form.can_check_availability():
            form.check_availability()
        name = str(gateway.read_one(PICKING, picking_id, ["name"])["name"])
        return gateway.record(PICKING, picking_id, name)

    def _validate(self, picking: RecordRef) -> str:
        form = self._form()
        form.open(picking.id)
        self._require(form.can_validate(), "button_validate")
        form.validate()
        question = form.question()
        if question is None:
            return VALIDATED
        asked = BACKORDER_WIZARD if form.backorder_question() is not None else question.title() or "a question"
        question.close()  # the RPC implementation does not answer either: the scenario's checks report it
        return unanswered(asked)

    def _check_locations(self, picking_id: int, wanted: dict[str, int], labels: dict[int, str]) -> None:
        """A location the form did not show keeps the operation type's default: it must be the one asked for."""
        saved = self.context.gateway.read_one(PICKING, picking_id, list(LOCATION_FIELDS))
        for field in LOCATION_FIELDS:
            found = many2one_id(saved[field])
            if found != wanted[field]:
                shown = saved[field][1] if saved[field] else "(none)"
                raise OdooAccessError(
                    f"{_LABELS[field]} {labels[wanted[field]]} cannot be chosen on {self.context.who()}'s transfer "
                    f"form (not shown to the role, or not offered); Odoo kept {shown}",
                    model=PICKING,
                    method=f"choose {field}",
                    odoo_type="web_client.hidden_field",
                )

    def _require(self, present: bool, button: str) -> None:
        if not present:
            raise OdooAccessError(
                f"the {_BUTTONS[button]} button is not on {self.context.who()}'s screen",
                model=PICKING,
                method=button,
                odoo_type="web_client.absent_control",
            )


def _conforms(context: ActionContext) -> WardStockActions:
    return BrowserWardStock(context)
