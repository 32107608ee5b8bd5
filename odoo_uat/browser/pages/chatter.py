"""The chatter of a form: log a note, send a message, read the thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser import waits
from odoo_uat.browser.pages._base import PageObject
from odoo_uat.errors import OdooUserError

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

_CHATTER = ".o-mail-Chatter"


class Chatter(PageObject):
    """The chatter next to (or under) the form on screen.

    Usage::

        chatter = Chatter(page, model="maintenance.request")
        chatter.log_note("Replaced the pump seal")
        chatter.send_message("Your request is done")
        chatter.messages()                 # message texts, newest first
    """

    def __init__(self, page: Page, *, model: str = "") -> None:
        super().__init__(page, page.locator(_CHATTER).first, model=model)

    def log_note(self, text: str) -> None:
        self._post(".o-mail-Chatter-logNote", text, "log note")

    def send_message(self, text: str) -> None:
        self._post(".o-mail-Chatter-sendMessage", text, "send message")

    def messages(self) -> list[str]:
        waits.wait_idle(self.page)
        return [t.strip() for t in self.root.locator(".o-mail-Message .o-mail-Message-body").all_inner_texts()]

    def _post(self, opener: str, text: str, intent: str) -> None:
        composer = self.root.locator(".o-mail-Composer-input").first
        message = self._message_with(text)
        before = message.count()

        def write() -> None:
            self.root.locator(opener).first.click()
            composer.wait_for(state="visible", timeout=waits.DEFAULT_TIMEOUT_MS)
            composer.fill(text)
            waits.wait_idle(self.page)
            question = self.page.locator(".o-mail-RecipientsInputTagsListPopover span.pt-2")
            if question.count() and question.first.is_visible():
                # A suggested recipient has no email address: Odoo asks for one before anything can be sent.
                raise OdooUserError(" ".join(question.first.inner_text().split()), model=self.model, method=intent)
            self.root.locator(".o-mail-Composer-send").first.click()

        self.act(intent, write, message.nth(before))

    def _message_with(self, text: str) -> Locator:
        return self.root.locator(".o-mail-Message").filter(has_text=text)
