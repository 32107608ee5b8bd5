"""Accounting screens of the month-end close: the journal entry form (Journal Items, Post, Reverse Entry, Reset to
Draft, Delete) and a vendor bill typed without an order. Intent methods on the generic page objects; locators
live here; no assertions: whether a role gets a tab or a button is asked (`has_...`) and the caller decides.

Odoo 19 facts they rely on (addons/account/views/account_move_views.xml, web/static/src/views/fields/datetime):
- the Journal Items tab (`line_ids`) is shown only to "Show Accounting Features - Readonly"
  (account.group_account_readonly, implied by "Show Full Accounting Features"): an Invoicing-only user gets the
  entry form without it, and no Journal Entries menu;
- a date field with a value is a button until clicked; clicked, it becomes an input, and the date picker applies
  what was typed on the input's "change" event (Enter or Tab alone close the picker with the old value);
- a vendor bill's Product column is hidden by default (`optional="conditional"`, account's
  product_label_section_and_note_field_o2m): a person shows it from the list's optional-columns menu;
- "Reverse Entry" is an action button (its name is the action's id): it is found by its label; the wizard
  (`account.move.reversal`) shows Journal and Reversal Date for an entry, "Reverse" is `refund_moves`;
- deleting a record: the cog next to the breadcrumb, "Delete", then the confirmation dialog's "Delete".
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from odoo_uat.browser import failures, waits
from odoo_uat.browser.pages._base import PageObject, quoted
from odoo_uat.browser.pages.dialog import Dialog
from odoo_uat.browser.pages.form import Form
from odoo_uat.browser.pages.many2one import Many2One
from odoo_uat.browser.pages.statusbar import Statusbar
from odoo_uat.browser.pages.web_client import WebClient
from odoo_uat.browser.pages.x2many import X2Many
from odoo_uat.errors import OdooValidationError

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

MOVE = "account.move"
ENTRIES_ACTION = "entries"  # Accounting > Journal Entries (account.action_move_journal_line)
BILLS_ACTION = "vendor-bills"  # Vendors > Bills (account.action_move_in_invoice)
REVERSAL = "account.move.reversal"


def typed_date(day: date, date_format: str) -> str:
    """A date as the user's language writes it (res.lang.date_format, strftime codes: "%m/%d/%Y" in en_US)."""
    return day.strftime(date_format)


TOOLTIP = ".o-tooltip"


def leave_tooltips(page: Page) -> None:
    """Moves the pointer off the form: a truncated cell's or a date's tooltip would take the next click."""
    page.mouse.move(0, 0)
    if page.locator(TOOLTIP).count():
        page.locator(TOOLTIP).first.wait_for(state="detached", timeout=waits.DEFAULT_TIMEOUT_MS)


class DateInput(PageObject):
    """A date field of the form or dialog `within`, typed the way a person does (click, type, leave)."""

    def __init__(self, page: Page, name: str, within: Locator, *, model: str = "") -> None:
        super().__init__(page, within, model=model)
        self.name = name
        self.widget = self.root.locator(f"div.o_field_widget[name={quoted(name)}]").first

    def shown(self) -> str:
        """The date the field holds, in the user's format ('' when empty)."""
        button = self.widget.locator("button[data-field]")
        if button.count():
            return (button.first.get_attribute("value") or "").strip()
        editor = self.widget.locator("input")
        return editor.first.input_value().strip() if editor.count() else ""

    def set(self, text: str) -> None:
        def type_date() -> None:
            self.widget.locator("button[data-field], input").first.click()
            editor = self.widget.locator("input").first
            editor.fill(text)
            editor.dispatch_event("change")  # what applies the typed date (see the module's docstring)
            leave_tooltips(self.page)

        self.act(f"fill {self.name}", type_date, self.widget.locator(f"button[data-field][value={quoted(text)}]"))
        if self.shown() != text:
            raise OdooValidationError(
                f"The date field {self.name!r} shows {self.shown()!r} after typing {text!r}",
                model=self.model,
                method=f"fill {self.name}",
            )


class JournalEntryForm:
    """Accounting > Journal Entries: a new entry or an existing one.

    Usage::

        entry = JournalEntryForm(page, base_url)
        entry.open_new()
        entry.has_journal_items()                     # False for an Invoicing-only user
        entry.fill_reference("UAT-.../MEC-ACCRUAL"); entry.fill_date("10/31/2026")
        entry.choose_journal("Miscellaneous Operations")
        entry.add_line("600000 Expenses", "label", debit=420.0)
        entry_id = entry.save(); entry.post()
        entry.reverse(on="10/31/2026", journal="Miscellaneous Operations")   # -> the reversal's id
    """

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.client = WebClient(page, base_url)
        self.form = Form(page, model=MOVE)

    def open_new(self) -> None:
        self.client.new_record(MOVE, action=ENTRIES_ACTION)

    def open(self, move_id: int) -> None:
        self.client.open_record(MOVE, move_id)

    def record_id(self) -> int | None:
        return self.form.record_id()

    def state(self) -> str:
        """The statusbar's current state as shown ("Draft", "Posted", "Cancelled")."""
        return Statusbar(self.page, "state", model=MOVE).current()

    def has_journal_items(self) -> bool:
        waits.wait_idle(self.page)
        return self.form.has_field("line_ids")

    def fill_reference(self, reference: str) -> None:
        self.form.fill("ref", reference)

    def fill_date(self, text: str) -> None:
        DateInput(self.page, "date", self.form.view, model=MOVE).set(text)

    def choose_journal(self, journal: str) -> None:
        if Many2One(self.page, self.form.view, model=MOVE).value("journal_id") != journal:
            Many2One(self.page, self.form.view, model=MOVE).choose("journal_id", journal)

    def add_line(self, account: str, label: str, *, debit: float = 0.0, credit: float = 0.0) -> None:
        """A journal item: account (its display name, "code name"), label, debit and credit. Odoo proposes the
        balancing amount on a new line: both amounts are typed over."""
        lines = X2Many(self.page, "line_ids", self.form.view, model=MOVE)
        leave_tooltips(self.page)
        lines.add_line()
        lines.choose("account_id", account.split(" ", 1)[0], option=account)
        leave_tooltips(self.page)
        lines.fill("name", label)
        lines.fill("debit", debit)
        lines.fill("credit", credit)
        leave_tooltips(self.page)

    def save(self) -> int | None:
        leave_tooltips(self.page)
        return self.form.save()

    def abandon(self) -> None:
        """Discards what was typed and not saved, so Odoo does not save a half-typed record when the page closes."""
        leave_tooltips(self.page)
        self.form.discard()

    def can_post(self) -> bool:
        return self.form.has_button("action_post")

    def post(self) -> None:
        """ "Post" (an entry) or "Confirm" (a bill): the statusbar shows Posted, or Odoo's refusal is raised."""
        posted = self.form.view.locator(".o_statusbar_status button[aria-checked=true]", has_text="Posted")
        self.form.press("action_post", result=posted)

    def can_reverse(self) -> bool:
        return self.form.has_button(label="Reverse Entry")

    def reverse(self, *, on: str, journal: str) -> int | None:
        """ "Reverse Entry", then in the wizard the journal and the reversal date, then "Reverse": Odoo opens the
        reversal, whose id is returned."""
        before = self.record_id()
        wizard = Dialog(self.page, model=REVERSAL)
        self.form.press_label("Reverse Entry", result=wizard.root)
        wizard = Dialog(self.page, model=REVERSAL)
        if Many2One(self.page, wizard.root, model=REVERSAL).value("journal_id") != journal:
            Many2One(self.page, wizard.root, model=REVERSAL).choose("journal_id", journal)
        DateInput(self.page, "date", wizard.root, model=REVERSAL).set(on)
        wizard.press("refund_moves")
        self.page.wait_for_function(
            "(before) => { const m = window.location.pathname.match(/\\/(\\d+)\\/?$/);"
            " return !!m && Number(m[1]) !== before && !!document.querySelector('.o_form_view'); }",
            arg=before or 0,
            timeout=waits.DEFAULT_TIMEOUT_MS,
        )
        waits.wait_idle(self.page)
        return self.record_id()

    def can_reset_to_draft(self) -> bool:
        return self.form.has_button("button_draft")

    def reset_to_draft(self) -> None:
        """ "Reset to Draft": the statusbar shows Draft, or Odoo's refusal is raised (its dialog's words)."""
        draft = self.form.view.locator(".o_statusbar_status button[aria-checked=true]", has_text="Draft")
        self.form.press("button_draft", result=draft)

    def delete(self) -> None:
        """The cog's "Delete" and the confirmation's "Delete"; raises what Odoo refused."""
        cog = self.page.locator(".o_control_panel .o_breadcrumb .dropdown-toggle").first
        menu = self.page.locator(".o-dropdown--menu")
        self.form.act("open the record's actions", cog.click, menu)
        confirm = Dialog(self.page, model=MOVE)
        self.form.act("delete", menu.get_by_text("Delete", exact=True).first.click, confirm.root)
        before = failures.mark(self.page)
        Dialog(self.page, model=MOVE).press(label="Delete")
        failures.raise_if_refused(self.page, model=MOVE, method="unlink", since=before)


class SupplierBillForm(JournalEntryForm):
    """Vendors > Bills, a new bill typed from the supplier's paper bill (no purchase order).

    Usage::

        bill = SupplierBillForm(page, base_url)
        bill.open_new()
        bill.choose_vendor("MedSupply Partners"); bill.fill_bill_date("12/02/2026"); bill.fill_reference("...")
        bill.add_product_line("[MS-NACL-10] Sodium chloride ...", "MS-NACL-10", 24, 1.85)
        bill_id = bill.save(); bill.post()       # "Confirm"
    """

    def open_new(self) -> None:
        self.client.new_record(MOVE, action=BILLS_ACTION)

    def choose_vendor(self, vendor: str) -> None:
        Many2One(self.page, self.form.view, model=MOVE).choose("partner_id", vendor)

    def fill_bill_date(self, text: str) -> None:
        DateInput(self.page, "invoice_date", self.form.view, model=MOVE).set(text)

    def show_product_column(self) -> None:
        """Shows the invoice lines' Product column (hidden by default on bills) from the optional-columns menu."""
        lines = X2Many(self.page, "invoice_line_ids", self.form.view, model=MOVE)
        if lines.widget.locator("thead th[data-name=product_id]").count():
            return
        toggle = lines.widget.locator(
            ".o_optional_columns_dropdown .dropdown-toggle, .o_optional_columns_dropdown button"
        )
        menu = self.page.locator(".o-dropdown--menu")
        lines.act("open the optional columns", toggle.first.click, menu)
        product = menu.locator(".o-dropdown-item", has_text="Product").locator("input[type=checkbox]").first
        lines.act("show the Product column", product.check, lines.widget.locator("thead th[data-name=product_id]"))
        self.page.keyboard.press("Escape")

    def add_product_line(self, product: str, search: str, quantity: float, unit_price: float) -> None:
        """An invoice line: the product (picked by its display name, found by `search`), quantity and unit price
        typed over what Odoo proposes."""
        self.show_product_column()
        lines = X2Many(self.page, "invoice_line_ids", self.form.view, model=MOVE)
        leave_tooltips(self.page)
        lines.add_line("Add a line")
        lines.choose("product_id", search, option=product)
        leave_tooltips(self.page)
        lines.fill("quantity", quantity)
        lines.fill("price_unit", unit_price)
        leave_tooltips(self.page)
