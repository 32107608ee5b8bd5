"""The kanban view: columns (stages), the cards in them, opening a card, dragging it to another column."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser import failures, waits
from odoo_uat.browser.pages._base import PageObject

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

_COLUMN_TITLES = """(columns) => columns.map((column) => {
    const title = column.querySelector(".o_column_title");
    // a folded column shows its record count after the title: "Rejected(1)"
    return title ? title.textContent.replace(/\\s+/g, " ").replace(/\\s*\\(\\d+\\)$/, "").trim() : "";
})"""


class KanbanView(PageObject):
    """The kanban on screen (after `WebClient.open_action(...)` / `switch_view("kanban")`).

    Usage::

        board = KanbanView(page, model="helpdesk.ticket")
        board.columns()                               # ["New", "In Progress", "Awaiting", "Done", ...]
        board.cards_in("New")                         # the cards' texts in that column
        board.open_card("Printer offline")            # its form
        board.move_card("Printer offline", "In Progress")   # drag and drop, as a person does
    """

    def __init__(self, page: Page, *, model: str = "") -> None:
        super().__init__(page, page.locator(".o_action_manager .o_kanban_view").first, model=model)

    def column(self, title: str) -> Locator:
        groups = self.root.locator(".o_kanban_group")
        return groups.filter(has=self.page.locator(".o_column_title", has_text=title)).first

    def columns(self) -> list[str]:
        waits.wait_idle(self.page)
        return [str(title) for title in self.root.locator(".o_kanban_group").evaluate_all(_COLUMN_TITLES)]

    def card(self, text: str) -> Locator:
        return self.root.locator(".o_kanban_record").filter(has_text=text).first

    def cards_in(self, title: str) -> list[str]:
        waits.wait_idle(self.page)
        return [" ".join(t.split()) for t in self.column(title).locator(".o_kanban_record").all_inner_texts()]

    def open_card(self, text: str) -> None:
        card = self.card(text)
        self.act(f"open {text}", card.click, self.page.locator(".o_action_manager .o_form_view"))

    def move_card(self, text: str, title: str) -> None:
        """Drags the card showing `text` into column `title`; waits until the card sits there."""
        card = self.card(text)
        target = self.column(title)

        def drag() -> None:
            # Odoo's draggable starts after the pointer moved a few pixels and follows pointer moves: a one-jump
            # drag (Locator.drag_to) is not seen, so the pointer travels in steps like a hand.
            start, end = card.bounding_box(), target.bounding_box()
            if start is None or end is None:
                raise failures.UnexpectedScreen(f"the card {text!r} or the column {title!r} is not on screen")
            mouse = self.page.mouse
            mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
            mouse.down()
            mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + start["height"] / 2 + 10, steps=5)
            mouse.move(end["x"] + end["width"] / 2, end["y"] + min(end["height"] / 2, 120), steps=20)
            mouse.up()

        self.act(f"move {text} to {title}", drag, target.locator(".o_kanban_record").filter(has_text=text))
