"""One2many/many2many lists inside a form: add a line, edit the selected row's cells, open a row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser import failures, waits
from odoo_uat.browser.pages._base import PageObject, quoted
from odoo_uat.browser.pages.many2one import Many2One

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


_LINE_ADDED = """({ widget, before, refusal }) =>
    (widget.querySelectorAll("tbody tr.o_data_row").length > before
        && widget.querySelector("tbody tr.o_data_row.o_selected_row"))
    || document.querySelector(".modal .o_form_view")
    || document.querySelector(refusal)"""


class X2Many(PageObject):
    """The x2many field `field` of the form on screen (or of a dialog's form: pass it as `within`).

    Usage::

        lines = X2Many(page, "order_line", model="purchase.order")
        lines.add_line()                                   # a new editable row becomes the selected row
        lines.choose("product_id", "Gauze")                # many2one cell of the selected row
        lines.fill("product_qty", 10)                      # other cells of the selected row
        lines.row_count()                                  # data rows shown
        lines.cell_text(0, "product_id")                   # what row 0 shows in that column
        lines.edit_row(0)                                  # select row 0 for editing (editable lists)
        lines.open_row(0)                                  # open row 0 (non-editable lists: a dialog opens)
        lines.press_in_row(0, "action_show_details")       # a button of row 0, e.g. the lots dialog of a move
    """

    def __init__(self, page: Page, field: str, within: Locator | None = None, *, model: str = "") -> None:
        super().__init__(page, within if within is not None else page.locator(".o_action_manager"), model=model)
        self.name = field
        self.widget = self.root.locator(f"div.o_field_widget[name={quoted(field)}]").first

    def rows(self) -> Locator:
        return self.widget.locator("tbody tr.o_data_row")

    def row(self, index: int) -> Locator:
        return self.rows().nth(index)

    def row_count(self) -> int:
        waits.wait_idle(self.page)
        return self.rows().count()

    def selected_row(self) -> Locator:
        return self.widget.locator("tr.o_data_row.o_selected_row").first

    def add_line(self, label: str = "") -> None:
        """Clicks "Add a line" (or the add link labelled `label`, e.g. "Add a product") and waits for the new row."""
        links = self.widget.locator(".o_field_x2many_list_row_add a")
        link = links.filter(has_text=label).first if label else links.first
        before = self.rows().count()
        widget = self.widget.element_handle(timeout=waits.DEFAULT_TIMEOUT_MS)

        def add() -> None:
            link.click()
            # A new row being edited (at the bottom or the top: lists differ), a dialog for non-editable lists, or
            # a refusal; not an already selected row, which clicking "Add a line" only commits.
            self.page.wait_for_function(
                _LINE_ADDED,
                arg={"widget": widget, "before": before, "refusal": failures.ERROR_DIALOG},
                timeout=waits.DEFAULT_TIMEOUT_MS,
            )

        self.act(f"add a line to {self.name}", add)

    def cell(self, name: str, row: Locator | None = None) -> Locator:
        return (row or self.selected_row()).locator(f"td[name={quoted(name)}]").first

    def fill(self, name: str, value: str | float) -> None:
        """Types `value` into column `name` of the selected row."""
        editor = self.cell(name).locator("input, textarea").first

        def type_value() -> None:
            editor.fill(str(value))
            editor.blur()

        self.act(f"fill {self.name}.{name}", type_value)

    def choose(self, name: str, search: str, *, option: str = "") -> None:
        """Picks a many2one value in column `name` of the selected row (see Many2One.choose)."""
        Many2One(self.page, self.selected_row(), model=self.model).choose(name, search, option=option)

    def cell_text(self, index: int, name: str) -> str:
        cell = self.row(index).locator(f"td[name={quoted(name)}]").first
        editor = cell.locator("input")
        return editor.first.input_value().strip() if editor.count() else cell.inner_text().strip()

    def edit_row(self, index: int, column: str = "") -> None:
        """Selects row `index` for editing by clicking one of its cells (column `column` when given)."""
        row = self.row(index)
        target = row.locator(f"td[name={quoted(column)}]").first if column else row.locator("td.o_data_cell").first
        self.act(
            f"edit {self.name} row {index}",
            target.click,
            row.locator("xpath=self::tr[contains(@class,'o_selected_row')]"),
        )

    def open_row(self, index: int) -> None:
        """Opens row `index` the way a click does in a non-editable list: its form in a dialog."""
        target = self.row(index).locator("td.o_data_cell").first
        self.act(f"open {self.name} row {index}", target.click, self.page.locator(".modal .o_form_view"))

    def press_in_row(self, index: int, button: str, *, result: Locator | None = None) -> None:
        """Clicks the button named `button` in row `index` (e.g. "action_show_details" for a move's lots)."""
        target = self.row(index).locator(f"button[name={quoted(button)}]").first
        self.act(button, target.click, result)

    def find_row(self, text: str) -> int | None:
        """The index of the first row showing `text` (in its cells or in the inputs of the row being edited)."""
        shown = self.rows().evaluate_all(
            """(rows) => rows.map((row) => [row.innerText]
                .concat(Array.from(row.querySelectorAll("input, textarea"), (input) => input.value)).join(" "))"""
        )
        for index, line in enumerate(shown):
            if text in str(line):
                return index
        return None
