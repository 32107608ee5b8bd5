"""The receipt (stock.picking of type Receipt) as the storekeeper uses it: the operations, each move's detailed
operations dialog where supplier lots are typed, "Mark as To Do", "Validate", the backorder question and the
confirmation Odoo asks for when lots are expired. Intent methods on the generic page objects, no assertions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from odoo_uat.browser.pages._base import quoted
from odoo_uat.browser.pages.dialog import Dialog
from odoo_uat.browser.pages.form import Form
from odoo_uat.browser.pages.many2one import Many2One
from odoo_uat.browser.pages.web_client import WebClient, open_form
from odoo_uat.browser.pages.x2many import X2Many

if TYPE_CHECKING:
    from playwright.sync_api import Page

PICKING = "stock.picking"
BACKORDER_WIZARD = "stock.backorder.confirmation"
EXPIRY_WIZARD = "expiry.picking.confirmation"
RECEIPTS_ACTION = "stock.action_picking_tree_incoming"  # Inventory > Operations > Receipts


class PickingForm:
    """What a receipt's and a transfer's form share (both are stock.picking forms, opened through `action`)."""

    action = ""  # the menu action the form is opened through, so the breadcrumbs are a person's

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.client = WebClient(page, base_url)
        self.form = Form(page, model=PICKING)

    def open(self, picking_id: int) -> None:
        open_form(self.page, lambda: self.client.open_record(PICKING, picking_id, action=self.action))

    def open_new(self) -> None:
        open_form(self.page, lambda: self.client.new_record(PICKING, action=self.action))

    def fill_source_document(self, origin: str) -> None:
        self.form.fill("origin", origin)

    def moves(self) -> X2Many:
        return X2Many(self.page, "move_ids", model=PICKING)

    def save(self) -> int | None:
        return self.form.save()

    def state(self) -> str:
        """The statusbar's current state as shown ("Draft", "Waiting", "Ready", "Done")."""
        return (
            self.form.view.locator("div.o_field_widget[name=state] button[role=radio][aria-checked=true]")
            .first.inner_text()
            .strip()
        )

    def backorder_question(self) -> BackorderQuestion | None:
        """Odoo's "Create Backorder?" wizard, when validating less than the demand opened it."""
        dialog = Dialog(self.page, model=BACKORDER_WIZARD)
        if dialog.is_open() and dialog.has_button("process_cancel_backorder"):
            return BackorderQuestion(dialog)
        return None


class ReceiptForm(PickingForm):
    """A receipt's form.

    Usage::

        receipt = ReceiptForm(page, base_url)
        receipt.open(picking_id)
        lots = receipt.open_lots_of("MS-GLOVE")          # the move's detailed operations dialog
        lots.clear(); lots.add_lot("LOT-1", "12/31/2027 12:00:00", 40); lots.save()
        receipt.validate()                                # then, if Odoo asks:
        receipt.backorder_question().answer(keep=True)
        receipt.expiry_question().answer(refuse=True)     # "Proceed except expired"
    """

    action = RECEIPTS_ACTION

    # -- a new receipt ----------------------------------------------------------------------------------------
    def has_field(self, name: str) -> bool:
        return self.form.has_field(name)

    def value(self, name: str) -> str:
        return self.form.value(name)

    def choose(self, name: str, label: str, *, search: str = "") -> None:
        """A many2one of the receipt's header (operation type, "Receive From", locations)."""
        Many2One(self.page, model=PICKING).choose(name, search or label, option=label)

    def add_product(self, search: str, product: str, demand: float) -> None:
        """ "Add a Product": the product and its demand."""
        moves = self.moves()
        moves.add_line("Add a Product")
        moves.choose("product_id", search, option=product)
        moves.fill("product_uom_qty", number(demand))

    def name(self) -> str:
        return self.form.value("name")

    # -- header -----------------------------------------------------------------------------------------------
    def has_button(self, name: str) -> bool:
        return self.form.has_button(name)

    def mark_as_to_do(self) -> None:
        self.form.press("action_confirm")

    def validate(self) -> None:
        """Presses "Validate"; Odoo may answer with a question (a dialog): see `backorder_question`."""
        self.form.press("button_validate")

    # -- lots -------------------------------------------------------------------------------------------------
    def move_row(self, product: str) -> int | None:
        """The operations row of `product` (any text the row shows, e.g. its internal reference)."""
        return self.moves().find_row(product)

    def open_lots_of(self, row: int) -> DetailedOperations:
        """The row's "Details" button: the detailed operations dialog where lots are typed."""
        self.moves().press_in_row(row, "action_show_details", result=self.page.locator(".modal .o_form_view"))
        return DetailedOperations(self.page)

    def expiry_question(self) -> ExpiryQuestion | None:
        """Odoo's "Confirmation" wizard, when validating found lots expired or past their removal date."""
        dialog = Dialog(self.page, model=EXPIRY_WIZARD)
        if dialog.is_open() and dialog.has_button("process_no_expired"):
            return ExpiryQuestion(dialog)
        return None


class DetailedOperations:
    """A move's "Detailed Operations" dialog: one line per lot (number, expiry date, quantity)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialog = Dialog(page, model="stock.move")
        self.lines = X2Many(page, "move_line_ids", within=self.dialog.root, model="stock.move.line")

    def clear(self) -> None:
        """Removes the lines Odoo proposed (the whole demand without a lot), as a storekeeper deletes them."""
        while self.lines.rows().count():
            before = self.lines.rows().count()
            trash = self.lines.row(0).locator(".o_list_record_remove button[name=delete]").first
            self.lines.act("remove a proposed line", trash.click)
            if self.lines.rows().count() >= before:  # pragma: no cover - Odoo kept it: leave it to the refusal
                break

    def add_lot(self, lot_name: str, expiry: str, quantity: float) -> None:
        """A new line: the supplier's lot number, its expiry date (as the user types a date and time, see
        `TypedDates`) and the quantity received."""
        self.lines.add_line()
        self.lines.fill("lot_name", lot_name)
        if self.lines.cell("expiration_date").count():
            self.fill_datetime("expiration_date", expiry)
        self.lines.fill("quantity", number(quantity))

    def fill_datetime(self, column: str, text: str) -> None:
        """Odoo 19 shows a list row's datetime as a button until it is clicked; then it takes typed text."""
        cell = self.lines.cell(column)
        shown = cell.locator("button.o_input, input").first

        def type_datetime() -> None:
            shown.click()
            editor = cell.locator("input").first
            editor.fill(text)
            editor.press("Tab")  # Enter would also move the list editor on to a new line

        self.lines.act(f"fill {column}", type_datetime)

    def has_column(self, name: str) -> bool:
        return self.dialog.root.locator(f"th[data-name={quoted(name)}]").count() > 0

    def save(self) -> None:
        self.dialog.press_label("Save")


class BackorderQuestion:
    """ "You have processed less products than the initial demand": Create Backorder / No Backorder."""

    def __init__(self, dialog: Dialog) -> None:
        self.dialog = dialog

    def answer(self, *, keep: bool) -> str:
        """Answers and returns the label of the button pressed."""
        label = "Create Backorder" if keep else "No Backorder"
        self.dialog.press("process" if keep else "process_cancel_backorder")
        return label


class ExpiryQuestion:
    """ "You are going to deliver ... which is expired or should at least be removed from stock. Do you confirm you
    want to proceed?": Confirm / Proceed except expired / Discard."""

    def __init__(self, dialog: Dialog) -> None:
        self.dialog = dialog

    def text(self) -> str:
        return self.dialog.text()

    def answer(self, *, refuse: bool) -> str:
        """Answers and returns the label of the button pressed."""
        label = "Proceed except expired" if refuse else "Confirm"
        self.dialog.press("process_no_expired" if refuse else "process")
        return label


@dataclass(frozen=True)
class TypedDates:
    """How the user types dates: the `date_format` and `time_format` of the user's language (strftime codes,
    which the web client follows), e.g. en_US '%m/%d/%Y' and '%I:%M:%S %p'."""

    date_format: str = "%m/%d/%Y"
    time_format: str = "%I:%M:%S %p"

    def day(self, value: date) -> str:
        return value.strftime(self.date_format)

    def noon_of(self, value: date) -> str:
        """A date as a datetime at noon, so that no timezone moves it to another day."""
        return datetime.combine(value, time(12, 0)).strftime(f"{self.date_format} {self.time_format}")


def number(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value}"
