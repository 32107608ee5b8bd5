"""The statusbar of a form: its stages (some folded behind "..."), the current one, and moving to another."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser import waits
from odoo_uat.browser.pages._base import PageObject, quoted
from odoo_uat.errors import OdooMissingRecord

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


_STAGE_LABELS = """(stages) => stages.map((stage) => {
    const copy = stage.cloneNode(true);
    copy.querySelectorAll(".text-muted").forEach((duration) => duration.remove());
    return copy.textContent.replace(/\\s+/g, " ").trim();
})"""


class Statusbar(PageObject):
    """The statusbar widget of field `field` (a `stage_id` or a `state`) on the form on screen.

    Usage::

        bar = Statusbar(page, "stage_id", model="maintenance.request")
        bar.current()                  # "New Request"
        bar.stages()                   # every stage, folded ones included
        bar.move_to("Repaired")        # clicks it (opening the "..." dropdown when it is folded)
        bar.can_move()                 # False when the bar is read-only for this role/state
    """

    def __init__(self, page: Page, field: str = "stage_id", within: Locator | None = None, *, model: str = "") -> None:
        super().__init__(page, within if within is not None else page.locator(".o_action_manager"), model=model)
        self.field = field
        self.widget = self.root.locator(f"div.o_field_widget[name={quoted(field)}] .o_statusbar_status").first

    def current(self) -> str:
        waits.wait_idle(self.page)
        return self._labels(self.widget.locator("button[role=radio][aria-checked=true]"))[0]

    def stages(self) -> list[str]:
        """The stages shown inline and those folded behind the "..." buttons, in screen order."""
        waits.wait_idle(self.page)
        # Odoo renders the inline stages in reverse order (its CSS turns them round); some may be hidden (d-none)
        # because they sit in a "..." dropdown for lack of room: they are still here, so only folded ones are added.
        inline = self._labels(self.widget.locator("button[role=radio]"))[::-1]
        folded: list[str] = []
        for toggle in self._visible_toggles():
            toggle.click()
            folded.extend(self._labels(self._menu_items()))
            toggle.click()
        return inline + [stage for stage in folded if stage not in inline]

    def can_move(self) -> bool:
        radios = self.widget.locator("button[role=radio]:not([aria-checked=true])")
        return radios.count() > 0 and radios.first.is_enabled()

    def move_to(self, stage: str) -> None:
        """Moves the record to `stage` the way a person does: a click on it, through "..." if it is folded."""
        radios = self.widget.locator("button[role=radio]:visible")

        def click_stage() -> None:
            if stage in (labels := self._labels(radios)):
                radios.nth(labels.index(stage)).click()
                return
            for toggle in self._visible_toggles():
                toggle.click()
                items = self._menu_items()
                if stage in (labels := self._labels(items)):
                    items.nth(labels.index(stage)).click()
                    return
                toggle.click()
            raise OdooMissingRecord(
                f"the statusbar offers no stage {stage!r}: {self.stages()}",
                model=self.model,
                method=f"move {self.field} to {stage}",
            )

        self.act(
            f"move {self.field} to {stage}",
            click_stage,
            self.widget.locator("button[role=radio][aria-checked=true]").filter(has_text=stage),
        )

    def _visible_toggles(self) -> list[Locator]:
        return [t for t in self.widget.locator("button.dropdown-toggle[aria-label='More...']").all() if t.is_visible()]

    @staticmethod
    def _labels(stages: Locator) -> list[str]:
        """The stages' names without the time-in-stage a duration statusbar adds ("New 3m" is "New")."""
        return [str(label) for label in stages.evaluate_all(_STAGE_LABELS)]

    def _menu_items(self) -> Locator:
        return self.page.locator(".o-dropdown--menu .o-dropdown-item, .o-dropdown--menu .dropdown-item")
