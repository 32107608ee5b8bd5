"""What every page object shares: the part of the screen it works in and the action-then-check rhythm."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser import failures, waits

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Locator, Page


def quoted(value: str) -> str:
    """A value for a CSS attribute selector: `[name={quoted(name)}]`."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class PageObject:
    """A view pattern inside `within` (the whole page, or a dialog / a row for nested use)."""

    def __init__(self, page: Page, within: Locator | None = None, *, model: str = "") -> None:
        self.page = page
        self.root: Locator = within if within is not None else page.locator("body")
        self.model = model
        waits.prepare(page)

    def act(
        self,
        intent: str,
        do: Callable[[], None],
        result: Locator | None = None,
        *,
        state: waits.ElementState = "visible",
        model: str = "",
    ) -> None:
        """Does `do`, waits for `result` (when given) or for a refusal, then for idle, and raises what Odoo
        refused on screen as an OdooError naming `intent` as the method."""
        before = failures.mark(self.page)
        do()
        if result is not None and state == "visible":
            # A refusal replaces the result on screen: wait for whichever comes first.
            result.or_(self.page.locator(failures.REFUSAL_SIGNS)).first.wait_for(
                state="visible", timeout=waits.DEFAULT_TIMEOUT_MS
            )
        waits.wait_idle(self.page)
        failures.raise_if_refused(self.page, model=model or self.model, method=intent, since=before)
        if result is not None:
            # Not refused: the result itself (a stale sign of refusal, e.g. a toast still closing, may have ended
            # the first wait early).
            result.first.wait_for(state=state, timeout=waits.DEFAULT_TIMEOUT_MS)
