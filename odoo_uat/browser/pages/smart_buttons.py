"""Smart buttons: in Odoo 19 they sit in the control panel, `.o_control_panel button.oe_stat_button[name=...]`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser import waits
from odoo_uat.browser.pages._base import PageObject, quoted

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


class SmartButtons(PageObject):
    """The smart buttons of the record on screen.

    Usage::

        smart = SmartButtons(page, model="purchase.order")
        smart.has("action_view_picking")           # the "Receipt" button is shown
        smart.text("action_view_picking")          # "1 Receipt"
        smart.open("action_view_picking")          # opens what it links to (a form or a list)
    """

    def __init__(self, page: Page, *, model: str = "") -> None:
        super().__init__(page, page.locator(".o_action_manager"), model=model)

    def button(self, name: str) -> Locator:
        return self.root.locator(f".o_control_panel button.oe_stat_button[name={quoted(name)}]").first

    def has(self, name: str) -> bool:
        waits.wait_idle(self.page)
        return self.button(name).count() > 0 and self.button(name).is_visible()

    def text(self, name: str) -> str:
        return " ".join(self.button(name).inner_text().split())

    def open(self, name: str) -> None:
        """Clicks the smart button and waits for the view it opens (the breadcrumb grows)."""
        crumbs = self.page.locator(".o_breadcrumb .breadcrumb-item, .o_breadcrumb .o_back_button")
        before = crumbs.count()
        target = self.button(name)
        self.act(name, target.click, crumbs.nth(before))
