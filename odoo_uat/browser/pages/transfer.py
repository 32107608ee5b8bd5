"""A transfer (stock.picking) of any operation type as the storekeeper or the nurse uses it: a new transfer from
Inventory > Operations > Transfers, its operation type, locations (shown only where the Storage Locations setting
is on, and not the side an operation type of kind receipt or delivery fixes), Source Document and product lines,
then "Mark as Todo", "Check Availability", "Validate" and the question Odoo may ask on Validate.
Intent methods on the generic page objects; locators live here, no assertions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser.pages._base import quoted
from odoo_uat.browser.pages.dialog import Dialog
from odoo_uat.browser.pages.many2one import DROPDOWN, Many2One
from odoo_uat.browser.pages.receipt import PICKING, PickingForm, number

if TYPE_CHECKING:
    from playwright.sync_api import Locator

TRANSFERS_ACTION = "stock.action_picking_tree_all"  # Inventory > Operations > Transfers
LOCATION_FIELDS = ("location_id", "location_dest_id")
# Any dialog but an error dialog (failures reads those): a question Odoo asks on Validate.
_QUESTION = ".o_dialog:not(:has(.o_error_dialog)) .modal:not(.o_inactive_modal)"


class TransferForm(PickingForm):
    """A transfer's form.

    Usage::

        transfer = TransferForm(page, base_url)
        transfer.open_new()
        transfer.choose_operation_type("Internal Transfers", "Northside Clinic: Internal Transfers")
        if transfer.shows("location_dest_id") and transfer.shown("location_dest_id") != "NSC/Ward A":
            transfer.choose("location_dest_id", "NSC/Ward A")
        transfer.fill_source_document("UAT-.../WARD-TRANSFER")
        transfer.add_product("MS-NACL-10", "[MS-NACL-10] Saline 10 ml", 30)
        picking_id = transfer.save()
        transfer.mark_as_to_do()
        if transfer.can_check_availability():
            transfer.check_availability()
        transfer.validate()                      # then, if Odoo asks: transfer.question()
    """

    action = TRANSFERS_ACTION

    # -- the header a person fills ------------------------------------------------------------------------------
    def shows(self, name: str) -> bool:
        """The field is on this role's form and can be typed in (Odoo leaves fields of missing groups out)."""
        return self.form.has_field(name) and self.form.is_editable(name)

    def shown(self, name: str) -> str:
        """What a many2one of the header shows (its record's display name)."""
        return Many2One(self.page, model=PICKING).value(name)

    def choose(self, name: str, label: str, *, search: str = "") -> None:
        """A many2one of the header: type `search` (default: `label`), pick the option labelled `label`."""
        fields = Many2One(self.page, model=PICKING)
        _settle_dropdown(fields, fields.input(name))
        fields.choose(name, search or label, option=label)

    def choose_operation_type(self, search: str, label: str) -> None:
        """The operation type: Odoo then proposes its default locations."""
        self.choose("picking_type_id", label, search=search)

    def add_product(self, search: str, product: str, demand: float) -> None:
        """ "Add a Product": the product (typed `search`, picked by its label `product`) and its demand."""
        moves = self.moves()
        moves.add_line("Add a Product")
        row = Many2One(self.page, moves.selected_row(), model=PICKING)
        _settle_dropdown(row, row.input("product_id"))
        row.choose("product_id", search, option=product)
        moves.fill("product_uom_qty", number(demand))

    # -- header buttons ------------------------------------------------------------------------------------------
    def can_mark_as_to_do(self) -> bool:
        return self.form.has_button("action_confirm")

    def mark_as_to_do(self) -> None:
        """ "Mark as Todo": Odoo confirms the transfer and, where the operation type says so, reserves at once."""
        self.form.press("action_confirm", result=self.form.button("action_confirm"), state="detached")

    def can_check_availability(self) -> bool:
        return self.form.has_button("action_assign")

    def check_availability(self) -> None:
        self.form.press("action_assign")

    def can_validate(self) -> bool:
        return self.form.has_button("button_validate")

    def validate(self) -> None:
        """ "Validate": done when the button leaves the header, or Odoo asks a question (see `question`)."""
        done = self.form.view.locator(f".o_statusbar_buttons:not(:has(button[name={quoted('button_validate')}]))")
        self.form.press("button_validate", result=self._question_locator().or_(done))

    # -- the question Odoo may ask on Validate -----------------------------------------------------------------
    def question(self) -> Dialog | None:
        dialog = Dialog(self.page)
        return dialog if dialog.is_open() else None

    def _question_locator(self) -> Locator:
        return self.page.locator(_QUESTION)


def _settle_dropdown(fields: Many2One, field_input: Locator) -> None:
    """Opens the field's dropdown and lets its first list (the answer to an empty search) arrive, so that the
    click with which `Many2One.choose` starts closes it instead of opening it: then the only list that can show
    after typing is the answer to the search. On a starved CPU the 250 ms debounce can fire after the page
    looked quiet, and the empty search's list, still on screen, offered an option that the search's answer
    then replaced under the click."""
    fields.act("open the dropdown", field_input.click, fields.page.locator(DROPDOWN))
