"""Notifications (toasts), recorded as they appear: danger toasts close themselves after ~4 s."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from playwright.sync_api import Error as PlaywrightError

from odoo_uat.browser import waits
from odoo_uat.browser.pages._base import PageObject

if TYPE_CHECKING:
    from playwright.sync_api import Page


@dataclass(frozen=True)
class Notification:
    type: str  # "danger", "warning", "success", "info"
    text: str


class Notifications(PageObject):
    """Every notification shown on this page since `waits.prepare(page)` (the init script records them).

    Usage::

        toasts = Notifications(page)
        mark = toasts.mark()
        ...                                         # an action
        toasts.since(mark)                          # [Notification("danger", "Missing required fields")]
        toasts.dangers(mark)                        # ["Missing required fields"]
        toasts.close_all()                          # close the ones still on screen before the next action
    """

    def __init__(self, page: Page) -> None:
        super().__init__(page)

    def all(self) -> list[Notification]:
        seen = self.page.evaluate("() => window.__uatNotifications || []")
        return [Notification(type=str(n.get("type", "")), text=str(n.get("text", ""))) for n in seen]

    def mark(self) -> int:
        return len(self.all())

    def since(self, mark: int) -> list[Notification]:
        return self.all()[mark:]

    def dangers(self, mark: int = 0) -> list[str]:
        return [n.text for n in self.since(mark) if n.type == "danger"]

    def visible(self) -> list[str]:
        return [text.strip() for text in self.page.locator(".o_notification .o_notification_content").all_inner_texts()]

    def close_all(self) -> None:
        """Closes the notifications still on screen, so a stale one is not taken for the next action's."""
        for button in self.page.locator(".o_notification .o_notification_close").all():
            with contextlib.suppress(PlaywrightError):  # it closed itself meanwhile
                button.click(timeout=2_000)
        self.page.locator(".o_notification").first.wait_for(state="detached", timeout=waits.DEFAULT_TIMEOUT_MS)
