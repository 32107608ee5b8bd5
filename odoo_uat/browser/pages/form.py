"""The form view: fields by name, header buttons, save and discard."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from odoo_uat.browser import waits
from odoo_uat.browser.pages._base import PageObject, quoted

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

_RECORD_PATH = re.compile(r"/(\d+)/?$")


class Form(PageObject):
    """A form view: the main one, or the one inside a dialog (`Dialog(page).form()`).

    Usage::

        form = Form(page, model="purchase.order")
        form.fill("partner_ref", "REF-1")          # char/text/integer/float/monetary
        form.fill_date("date_planned", "12/01/2026 10:00:00")
        form.select("priority", "Urgent")          # a selection field shown as <select>
        form.set_checked("active", True)
        form.value("name")                         # what the field shows, as text
        form.save()                                # -> record id (raises the OdooError Odoo showed)
        form.press("button_confirm")               # a header button by its method / action name
        form.press_label("Confirm Order")          # a header button by its label
        form.has_button("button_approve")          # False when the role does not get that button
        form.record_id()
    """

    def __init__(self, page: Page, within: Locator | None = None, *, model: str = "") -> None:
        super().__init__(page, within if within is not None else page.locator(".o_action_manager"), model=model)
        self.view = self.root.locator(".o_form_view").first

    # -- fields -------------------------------------------------------------------------------------------------
    def field(self, name: str) -> Locator:
        """The field widget `name` of this form (not the same-named columns of its one2many lists)."""
        return self.view.locator(
            f"div.o_field_widget[name={quoted(name)}]:not(.o_field_x2many div.o_field_widget)"
        ).first

    def input(self, name: str) -> Locator:
        return self.field(name).locator("input:not([type=checkbox]), textarea").first

    def has_field(self, name: str) -> bool:
        return self.field(name).count() > 0

    def is_editable(self, name: str) -> bool:
        """The field is on screen and a person can type in it (not readonly for this role/state)."""
        field = self.field(name)
        if field.count() == 0 or "o_readonly_modifier" in (field.get_attribute("class") or ""):
            return False
        editor = field.locator("input, textarea, select, .note-editable, [contenteditable=true]")
        return editor.count() > 0 and editor.first.is_editable()

    def fill(self, name: str, value: str | float) -> None:
        """Types `value` into a char/text/number field and leaves it (Odoo commits the value on change)."""
        editor = self.input(name)

        def type_value() -> None:
            editor.fill(str(value))
            editor.blur()

        self.act(f"fill {name}", type_value)

    def fill_date(self, name: str, value: str) -> None:
        """Types a date/datetime in the user's format (en_US: 12/31/2026 or 12/31/2026 10:00:00) and applies it."""
        editor = self.input(name)

        def type_date() -> None:
            editor.fill(value)
            editor.press("Enter")
            editor.blur()

        self.act(f"fill {name}", type_date)

    def select(self, name: str, label: str) -> None:
        """Picks `label` in a selection field shown as a <select>."""
        chooser = self.field(name).locator("select")

        def pick() -> None:
            chooser.select_option(label=label)

        self.act(f"select {name}", pick)

    def set_checked(self, name: str, checked: bool) -> None:
        box = self.field(name).locator("input[type=checkbox]")
        self.act(f"set {name}", lambda: box.set_checked(checked, force=True))

    def value(self, name: str) -> str:
        """What the field shows: an input's value, a select's chosen label, otherwise its text."""
        field = self.field(name)
        field.wait_for(state="attached", timeout=waits.DEFAULT_TIMEOUT_MS)
        editor = field.locator("input:not([type=checkbox]), textarea")
        if editor.count():
            return editor.first.input_value().strip()
        chooser = field.locator("select")
        if chooser.count():
            return str(chooser.evaluate("(s) => s.options[s.selectedIndex] ? s.options[s.selectedIndex].text : ''"))
        return field.inner_text().strip()

    def open_tab(self, tab: str) -> None:
        """Opens the notebook page `tab` (its `name` or its label): Odoo renders only the open page's fields."""
        tabs = self.view.locator(".o_notebook_headers .nav-link")
        target = tabs.and_(self.page.locator(f"[name={quoted(tab)}]")).or_(tabs.filter(has_text=tab)).first
        self.act(f"open tab {tab}", target.click, target.and_(self.page.locator(".active")))

    # -- record ---------------------------------------------------------------------------------------------------
    def record_id(self) -> int | None:
        """The id of the record on screen (from the URL: `/new` until it is saved)."""
        match = _RECORD_PATH.search(urlparse(self.page.url).path)
        return int(match.group(1)) if match else None

    def is_dirty(self) -> bool:
        return self.page.locator(".o_form_button_save:visible").count() > 0

    def save(self) -> int | None:
        """Saves the record when it has changes; returns its id. Raises what Odoo refused (missing fields too)."""
        button = self.root.locator(".o_form_button_save").first
        if self.root.locator(".o_form_button_save:visible").count():
            self.act("save", button.click, button, state="hidden")
        return self.record_id()

    def discard(self) -> None:
        button = self.root.locator(".o_form_button_cancel").first
        if self.root.locator(".o_form_button_cancel:visible").count():
            self.act("discard", button.click, button, state="hidden")

    # -- buttons --------------------------------------------------------------------------------------------------
    def button(self, name: str) -> Locator:
        """A header button by its `name` (the method or action it calls)."""
        return self.view.locator(f".o_statusbar_buttons button[name={quoted(name)}]").first

    def button_labelled(self, label: str) -> Locator:
        return self.view.locator(".o_statusbar_buttons").get_by_role("button", name=label, exact=True).first

    def has_button(self, name: str = "", *, label: str = "") -> bool:
        """Whether the role gets that header button here (Odoo leaves invisible buttons out of the DOM)."""
        waits.wait_idle(self.page)
        target = self.button_labelled(label) if label else self.button(name)
        return target.count() > 0 and target.is_visible()

    def press(self, name: str, *, result: Locator | None = None, state: waits.ElementState = "visible") -> None:
        """Clicks the header button `name` and waits for `result` (when given), then for idle; raises the
        OdooError Odoo showed (e.g. OdooUserError with the dialog's text)."""
        target = self.button(name)
        self.act(name, target.click, result, state=state)

    def press_label(self, label: str, *, result: Locator | None = None, state: waits.ElementState = "visible") -> None:
        target = self.button_labelled(label)
        self.act(label, target.click, result, state=state)

    def press_in_form(self, name: str, *, result: Locator | None = None) -> None:
        """Clicks a button of the form's body (not the header) by name, e.g. an `oe_link` button in a sheet."""
        target = self.view.locator(f".o_form_sheet button[name={quoted(name)}]").first
        self.act(name, target.click, result)
