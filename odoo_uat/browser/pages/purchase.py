"""The purchase order (RFQ) form and the purchase orders list, as the requester, the approver and the accountant
use them: intent methods on the generic page objects, no assertions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser import failures, waits
from odoo_uat.browser.pages._base import PageObject, quoted
from odoo_uat.browser.pages.form import Form
from odoo_uat.browser.pages.list_view import ListView
from odoo_uat.browser.pages.many2one import Many2One
from odoo_uat.browser.pages.web_client import WebClient, open_form
from odoo_uat.browser.pages.x2many import X2Many
from odoo_uat.errors import OdooUserError

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

ORDER = "purchase.order"
RFQ_ACTION = "purchase.purchase_rfq"  # Purchase > Orders > Requests for Quotation
ORDERS_ACTION = "purchase.purchase_form_action"  # Purchase > Orders > Purchase Orders (its list has "Create Bills")


_FORM = ".o_action_manager .o_form_view"


class PurchaseOrderForm:
    """The RFQ / purchase order form.

    Usage::

        form = PurchaseOrderForm(page, base_url)
        form.open_new()
        form.choose_vendor("MedSupply Partners")
        form.fill_vendor_reference("UAT-.../RFQ")
        form.choose_operation_type("NSC: Receipts")           # raises HiddenField when the role cannot see it
        form.add_product_line("MS-GLOVE", "[MS-GLOVE] Gloves", 120, 45.0)
        form.fill_source_document("UAT-.../RFQ")             # on the "Other Information" tab
        order_id = form.save()
        form.confirm(); form.can_approve(); form.approve(); form.cancel()
    """

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.client = WebClient(page, base_url)
        self.form = Form(page, model=ORDER)

    def open_new(self) -> None:
        open_form(self.page, lambda: self.client.new_record(ORDER, action=RFQ_ACTION))

    def open(self, order_id: int) -> None:
        open_form(self.page, lambda: self.client.open_record(ORDER, order_id, action=RFQ_ACTION))

    # -- what the requester types ---------------------------------------------------------------------------------
    def has_field(self, name: str) -> bool:
        return self.form.has_field(name)

    def choose_vendor(self, vendor: str) -> None:
        Many2One(self.page, model=ORDER).choose("partner_id", vendor)

    def choose_operation_type(self, operation_type: str) -> None:
        Many2One(self.page, model=ORDER).choose("picking_type_id", operation_type)

    def fill_vendor_reference(self, reference: str) -> None:
        self.form.fill("partner_ref", reference)

    def fill_source_document(self, origin: str) -> bool:
        """Types the Source Document on the "Other Information" tab; False when the form shows no such field."""
        self.open_tab("purchase_delivery_invoice")
        shown = self.form.has_field("origin")
        if shown:
            self.form.fill("origin", origin)
        self.open_tab("products")
        return shown

    def open_tab(self, name: str) -> None:
        tab = self.form.view.locator(f".o_notebook .nav-link[name={quoted(name)}]").first
        self.form.act(f"open tab {name}", tab.click, tab.locator("xpath=self::*[contains(@class,'active')]"))

    def lines(self) -> X2Many:
        return X2Many(self.page, "order_line", model=ORDER)

    def add_product_line(self, search: str, product: str, quantity: float, unit_price: float) -> None:
        """ "Add a product": the product (typed `search`, picked by its label `product`), quantity and unit price."""
        lines = self.lines()
        lines.add_line("Add a product")
        lines.choose("product_id", search, option=product)
        lines.fill("product_qty", _number(quantity))
        lines.fill("price_unit", _number(unit_price))

    def set_line_quantity(self, index: int, quantity: float) -> None:
        lines = self.lines()
        lines.edit_row(index, "product_qty")
        lines.fill("product_qty", _number(quantity))

    def set_line_unit_price(self, index: int, unit_price: float) -> None:
        lines = self.lines()
        lines.edit_row(index, "price_unit")
        lines.fill("price_unit", _number(unit_price))

    def save(self) -> int | None:
        return self.form.save()

    def name(self) -> str:
        return self.form.value("name")

    # -- header buttons -------------------------------------------------------------------------------------------
    def confirm(self) -> None:
        self.form.press("button_confirm")

    def can_approve(self) -> bool:
        return self.form.has_button("button_approve")

    def approve(self) -> None:
        self.form.press("button_approve")

    def can_cancel(self) -> bool:
        return self.form.has_button("button_cancel")

    def cancel(self) -> None:
        self.form.press("button_cancel")

    def state(self) -> str:
        """The statusbar's current state as shown ("RFQ", "To Approve", "Purchase Order", "Cancelled")."""
        return (
            self.form.view.locator("div.o_field_widget[name=state] button[role=radio][aria-checked=true]")
            .first.inner_text()
            .strip()
        )


class PurchaseOrderList(PageObject):
    """Purchase > Orders > Purchase Orders: find an order and use a list header button on it ("Create Bills")."""

    def __init__(self, page: Page, base_url: str) -> None:
        super().__init__(page, page.locator(".o_action_manager"), model=ORDER)
        self.client = WebClient(page, base_url)
        self.list = ListView(page, model=ORDER)

    def open(self) -> None:
        self.client.open_action(ORDERS_ACTION)

    def select(self, order_name: str) -> bool:
        """Searches the order by its reference and ticks its row; False when the list does not show it."""
        self.list.search(order_name)
        row = self.list.rows().filter(has_text=order_name).first
        if row.count() == 0:
            return False
        box = row.locator("td.o_list_record_selector input[type=checkbox]").first
        self.act(f"select {order_name}", lambda: box.check(force=True), self.header_buttons())
        return True

    def header_buttons(self) -> Locator:
        return self.page.locator(".o_control_panel .o_control_panel_actions, .o_list_buttons, .o_list_selection_box")

    def has_header_button(self, name: str) -> bool:
        return self._header_button(name).count() > 0

    def press_header_button(self, name: str, result: Locator) -> None:
        """Presses a list header button and waits for `result` (the form it opens).

        Odoo 19 marks a required field that is still empty as invalid as soon as such a form opens (a new vendor
        bill's Bill Date): that is the next thing to type, not a refusal, so only an error dialog or a danger
        notification counts here."""
        before = failures.mark(self.page)
        self._header_button(name).click()
        result.or_(self.page.locator(f"{failures.ERROR_DIALOG}, {failures.DANGER_NOTIFICATION}")).first.wait_for(
            state="visible", timeout=waits.DEFAULT_TIMEOUT_MS
        )
        waits.wait_idle(self.page)
        dialog = failures.read_error_dialog(self.page)
        if dialog is not None:
            raise failures.error_for(dialog.title, dialog.body, model=ORDER, method=name)
        dangers = failures.danger_notifications(self.page, before)
        if dangers:
            raise OdooUserError(" ".join(dangers), model=ORDER, method=name)

    def _header_button(self, name: str) -> Locator:
        return self.page.locator(f".o_control_panel button[name={quoted(name)}]").first


def _number(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value}"
