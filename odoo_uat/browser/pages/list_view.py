"""The list view of an action: search, read rows, open a row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser import waits
from odoo_uat.browser.pages._base import PageObject, quoted

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


class ListView(PageObject):
    """The list on screen (after `WebClient.open_action(...)`).

    Usage::

        orders = ListView(page, model="purchase.order")
        orders.search("P00012")                    # types in the search bar and presses Enter
        orders.row_count()
        orders.cell_text(0, "name")                # "P00012"
        orders.open_row_with("P00012")             # opens the first row showing that text: its form
    """

    def __init__(self, page: Page, *, model: str = "") -> None:
        super().__init__(page, page.locator(".o_action_manager"), model=model)

    def rows(self) -> Locator:
        return self.root.locator(".o_list_view tbody tr.o_data_row")

    def row_count(self) -> int:
        waits.wait_idle(self.page)
        return self.rows().count()

    def cell_text(self, index: int, name: str) -> str:
        return self.rows().nth(index).locator(f"td[name={quoted(name)}]").first.inner_text().strip()

    def search(self, text: str) -> None:
        """Searches `text` with the search bar's default filter (Enter picks the first proposal)."""
        box = self.root.locator(".o_searchview_input").first

        def type_search() -> None:
            box.fill(text)
            box.press("Enter")

        self.act(f"search {text}", type_search, self.root.locator(".o_searchview_facet").filter(has_text=text))

    def clear_search(self) -> None:
        facets = self.root.locator(".o_searchview_facet .o_facet_remove")
        while facets.count():
            self.act("clear search", facets.first.click)

    def open_row(self, index: int) -> None:
        cell = self.rows().nth(index).locator("td.o_data_cell").first
        self.act(f"open row {index}", cell.click, self.root.locator(".o_form_view"))

    def open_row_with(self, text: str) -> None:
        row = self.rows().filter(has_text=text).first
        self.act(f"open {text}", row.locator("td.o_data_cell").first.click, self.root.locator(".o_form_view"))
