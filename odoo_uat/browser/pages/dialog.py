"""Dialogs: wizards (a form in a modal), confirmations, and the buttons of their footer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser import waits
from odoo_uat.browser.pages._base import PageObject
from odoo_uat.browser.pages.form import Form

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# The topmost dialog that is not an error dialog (errors are read by odoo_uat.browser.failures).
_DIALOG = ".o_dialog:not(:has(.o_error_dialog)) .modal:not(.o_inactive_modal)"


class Dialog(PageObject):
    """The open (topmost) dialog.

    Usage::

        dialog = Dialog(page, model="stock.backorder.confirmation")
        dialog.is_open()
        dialog.title()                               # "Create Backorder?"
        dialog.form().fill("note", "...")            # fields inside a wizard
        dialog.press("process")                      # a footer/body button by name (closes the dialog)
        dialog.press_label("No Backorder")           # ... or by its label
        dialog.has_button(label="Validate")
        dialog.close()                               # the "x"
    """

    def __init__(self, page: Page, *, model: str = "") -> None:
        super().__init__(page, page.locator(_DIALOG).last, model=model)

    def is_open(self) -> bool:
        return self.page.locator(_DIALOG).count() > 0

    def wait_open(self) -> None:
        waits.settle(self.page, self.root)

    def title(self) -> str:
        title = self.root.locator(".modal-title")
        return title.first.inner_text().strip() if title.count() else ""

    def text(self) -> str:
        return self.root.locator(".modal-body").first.inner_text().strip()

    def form(self) -> Form:
        return Form(self.page, self.root, model=self.model)

    def button(self, name: str = "", *, label: str = "") -> Locator:
        if label:
            return self.root.get_by_role("button", name=label, exact=True).first
        return self.root.locator(f"button[name='{name}']").first

    def has_button(self, name: str = "", *, label: str = "") -> bool:
        return self.is_open() and self.button(name, label=label).count() > 0

    def press(self, name: str = "", *, label: str = "", closes: bool = True, result: Locator | None = None) -> None:
        """Clicks a button of the dialog; waits for the dialog to close (when `closes`) or for `result`."""
        target = self.button(name, label=label)
        if result is None and closes:
            # This very dialog going away is the visible result (another one, e.g. a backorder wizard, may open
            # in its place, so the element is watched, not a position among the dialogs).
            this_dialog = self.root.element_handle(timeout=waits.DEFAULT_TIMEOUT_MS)
            self.act(name or label, target.click)
            this_dialog.wait_for_element_state("hidden", timeout=waits.DEFAULT_TIMEOUT_MS)
        else:
            self.act(name or label, target.click, result)

    def press_label(self, label: str, *, closes: bool = True, result: Locator | None = None) -> None:
        self.press(label=label, closes=closes, result=result)

    def close(self) -> None:
        target = self.root.locator(".modal-header .btn-close").first
        self.act("close dialog", target.click, self.root, state="detached")
