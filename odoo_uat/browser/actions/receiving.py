"""Receiving on Odoo's screens: the browser implementation of `ReceivingActions`.

The storekeeper opens the receipt, presses the product row's "Details" button, replaces the line Odoo proposed by
one line per supplier lot (number, expiry date, quantity), saves the dialog and presses "Validate"; where Odoo asks
"Create Backorder?" she answers "Create Backorder" or "No Backorder", and where it warns that lots are expired she
answers "Proceed except expired" or "Confirm" as the scenario says. A delivery without an order starts from a new
receipt: operation type, "Receive From", Source Document, a product line with its demand, "Mark as To Do".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from odoo_uat.actions.base import BrowserActions, action
from odoo_uat.actions.receiving import MOST_QUESTIONS, Delivery, ExpiredLots, Received
from odoo_uat.browser.pages.dialog import Dialog
from odoo_uat.browser.pages.receipt import PICKING, ReceiptForm, TypedDates
from odoo_uat.errors import OdooAccessError, OdooError, OdooMissingRecord, OdooValidationError, RecordRef
from odoo_uat.gateway import many2one_id

if TYPE_CHECKING:
    from odoo_uat.actions.base import ActionContext
    from odoo_uat.actions.receiving import ReceivingActions
    from odoo_uat.cycles.receiving import SupplierLot


class BrowserReceiving(BrowserActions):
    domain = "receiving"

    def _form(self) -> ReceiptForm:
        return ReceiptForm(self.screen.page, self.screen.base_url)

    def _cannot_see(self, what: str, method: str) -> OdooAccessError:
        return OdooAccessError(f"The receipt form shows {self.context.who()} no {what}", model=PICKING, method=method)

    def _product(self, product_id: int) -> tuple[str, str]:
        """What the storekeeper types to find the product, and the label Odoo shows for it."""
        row = self.context.gateway.read_one("product.product", product_id, ["display_name", "default_code"])
        return str(row["default_code"] or row["display_name"]), str(row["display_name"])

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
        form = self._form()
        form.open(receipt.id)
        self._record_lots(form, product_id, lots)
        return self._validate(form, receipt, keep_backorder=keep_backorder, expired_lots=expired_lots)

    @action("create the receipt of a supplier's delivery, record its lots and validate it")
    def receive_delivery(self, delivery: Delivery, lots: Sequence[SupplierLot]) -> Received:
        gateway = self.context.gateway
        receipt_type = gateway.read_one("stock.picking.type", delivery.picking_type_id, ["display_name"])
        supplier = gateway.read_one("res.partner", delivery.partner_id, ["display_name"])
        search, product = self._product(delivery.product_id)
        form = self._form()
        form.open_new()
        form.choose("picking_type_id", str(receipt_type["display_name"]))
        form.choose("partner_id", str(supplier["display_name"]))
        if delivery.destination_location_id and form.has_field("location_dest_id"):
            destination = gateway.read_one("stock.location", delivery.destination_location_id, ["display_name"])
            if form.value("location_dest_id") != destination["display_name"]:
                form.choose("location_dest_id", str(destination["display_name"]))
        form.fill_source_document(delivery.run_tag)
        form.add_product(search, product, delivery.quantity)
        picking_id = form.save()
        if not picking_id:  # pragma: no cover - save raises what Odoo refused
            raise OdooError("The receipt was not saved", model=PICKING, method="receive delivery")
        picking = gateway.read_one(PICKING, picking_id, ["name", "location_id", "location_dest_id"])
        for field, label, wanted in (
            ("location_id", "Source Location", delivery.source_location_id),
            ("location_dest_id", "Destination Location", delivery.destination_location_id),
        ):
            if wanted and many2one_id(picking[field]) != wanted:  # the form hides the field from this role
                raise OdooValidationError(
                    f"The receipt form lets {self.context.who()} set no '{label}' other than "
                    f"{picking[field][1]}, which Odoo took from the operation type and the supplier",
                    model=PICKING,
                    method="receive delivery",
                )
        receipt = gateway.record(PICKING, picking_id, str(picking["name"]))
        if not form.has_button("action_confirm"):
            raise self._cannot_see("'Mark as To Do' button", "action_confirm")
        form.mark_as_to_do()
        if lots:
            self._record_lots(form, delivery.product_id, lots)
        # an untracked supply: "Mark as To Do" already proposes the whole demand as received
        return self._validate(form, receipt, keep_backorder=True, expired_lots=None)

    def _record_lots(self, form: ReceiptForm, product_id: int, lots: Sequence[SupplierLot]) -> None:
        search, product = self._product(product_id)
        row = form.move_row(search)
        if row is None:
            raise OdooMissingRecord(f"The receipt shows no operation for {product}", model=PICKING, method="lots")
        dates = typed_dates(self.context)
        details = form.open_lots_of(row)
        if not details.has_column("lot_name"):
            raise self._cannot_see("'Lot/Serial Number' column in the detailed operations", "lots")
        details.clear()
        for lot in lots:
            details.add_lot(lot.name, dates.noon_of(lot.expiration), lot.quantity)
        details.save()

    def _validate(
        self, form: ReceiptForm, receipt: RecordRef, *, keep_backorder: bool, expired_lots: ExpiredLots | None
    ) -> Received:
        """Presses "Validate" and answers each question Odoo asks in turn (a short receipt: the backorder; lots
        expired or past their removal date: the expiry confirmation), until it asks no more."""
        if not form.has_button("button_validate"):
            raise self._cannot_see("'Validate' button", "button_validate")
        form.validate()
        answers: list[str] = []
        warning = ""
        for _ in range(MOST_QUESTIONS):
            backorder = form.backorder_question()
            if backorder is not None:
                label = backorder.answer(keep=keep_backorder)
                answers.append(f"Odoo asked about a backorder; the storekeeper answered '{label}'")
                continue
            expiry = form.expiry_question()
            if expiry is not None:
                warning = expiry.text()
                if expired_lots is None:
                    answers.append(f"Odoo warned about expired lots ({warning!r}); the storekeeper did not answer")
                    break
                label = expiry.answer(refuse=expired_lots is ExpiredLots.REFUSE)
                answers.append(f"Odoo warned about expired lots; the storekeeper answered '{label}'")
                continue
            other = Dialog(self.screen.page)
            if other.is_open():
                answers.append(f"Odoo asked '{other.title()}' on validation; the storekeeper did not answer")
            break
        if not answers:
            answers.append("Odoo validated without asking about a backorder")
        return Received(receipt, "; ".join(answers), expiry_warning=warning)


def typed_dates(context: ActionContext) -> TypedDates:
    """How this role's user types dates: the formats of the user's language."""
    gateway = context.gateway
    lang = gateway.read_one("res.users", gateway.uid, ["lang"])["lang"] or "en_US"
    formats = gateway.search_read("res.lang", [("code", "=", lang)], ["date_format", "time_format"])
    if not formats:
        return TypedDates()
    return TypedDates(str(formats[0]["date_format"]), str(formats[0]["time_format"]))


def _conforms(context: ActionContext) -> ReceivingActions:
    return BrowserReceiving(context)
