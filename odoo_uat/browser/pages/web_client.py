"""Navigation in Odoo 19's web client: open a record, a new form, an action or a menu, and check where we landed.

A path Odoo does not know silently lands on Discuss, and a record id that does not exist (or that the role may
not read) lands on the list with a danger notification: both are detected here, never silently accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from playwright.sync_api import Error as PlaywrightError

from odoo_uat.browser import failures, waits
from odoo_uat.browser.pages._base import PageObject, quoted
from odoo_uat.errors import OdooMissingRecord

if TYPE_CHECKING:
    from playwright.sync_api import Page

_VIEW = ".o_action_manager .o_view_controller, .o_action_manager .o_action"
_FORM = ".o_action_manager .o_form_view"
_DISCUSS = ".o-mail-Discuss"
_CLIENT_SHOWS_SOMETHING = """() => window.odoo && window.odoo.isReady === true
    && Boolean(document.querySelector(".o_action_manager > *, .o_notification"))"""
_RECORD_PATH = re.compile(r"/(\d+)/?$")


@dataclass(frozen=True)
class Location:
    """Where the web client is: the URL path and, on a saved record's form, its id."""

    path: str
    record_id: int | None

    @property
    def is_new_record(self) -> bool:
        return self.path.rstrip("/").endswith("/new")


class WebClient(PageObject):
    """Navigation. `base_url` is the Odoo address (the role screen's `base_url`).

    Usage::

        client = WebClient(screen.page, screen.base_url)
        client.open_record("purchase.order", 42)          # the form of PO 42, or OdooMissingRecord / UnexpectedScreen
        client.new_record("purchase.order")               # an empty form
        client.open_action("purchase.purchase_rfq")       # an action by XML id (list/kanban...)
        client.open_menu("Purchase", "Orders", "Purchase Orders")
        client.switch_view("kanban")
        client.location().record_id                       # 42
    """

    def __init__(self, page: Page, base_url: str) -> None:
        super().__init__(page)
        self.base_url = base_url.rstrip("/")

    def goto(self, path: str) -> None:
        """Opens `path` (e.g. "/odoo/purchase.order/42") and waits until the web client shows a view."""
        self.page.goto(self.base_url + path, wait_until="domcontentloaded")
        # Before the web client starts, nothing is in flight and `odoo.isReady` is not even set: wait for it to be
        # ready and to show something (a view, Discuss for a bad path, or a danger toast for a missing record),
        # then for idle.
        self.page.wait_for_function(_CLIENT_SHOWS_SOMETHING, timeout=waits.DEFAULT_TIMEOUT_MS)
        waits.wait_idle(self.page)

    def open_record(self, model: str, record_id: int, *, action: str = "") -> None:
        """Opens the form of `model` record `record_id` (through `action`'s path or XML id when given, so the
        breadcrumbs and the form view are the ones a person gets from the menu)."""
        before = failures.mark(self.page)
        self.goto(f"/odoo/{self._action_segment(action) if action else model}/{record_id}")
        form = self.page.locator(_FORM)
        if form.count() == 0 or self.location().record_id != record_id:
            missing = failures.danger_notifications(self.page, before)
            if missing:
                raise OdooMissingRecord(" ".join(missing), model=model, method=f"open record {record_id}")
            raise failures.UnexpectedScreen(
                f"Opening {model} #{record_id} landed on {self.location().path} without its form"
                f"{' (Discuss: Odoo does not know that path)' if self.on_discuss() else ''}"
            )
        failures.raise_if_refused(self.page, model=model, method=f"open record {record_id}", since=before)

    def new_record(self, model: str, *, action: str = "") -> None:
        """Opens an empty form of `model` (through `action` when given: its defaults and context apply)."""
        before = failures.mark(self.page)
        self.goto(f"/odoo/{self._action_segment(action) if action else model}/new")
        if self.page.locator(_FORM).count() == 0 or not self.location().is_new_record:
            raise failures.UnexpectedScreen(f"A new {model} form did not open: landed on {self.location().path}")
        failures.raise_if_refused(self.page, model=model, method="new record", since=before)

    def open_action(self, action: str) -> None:
        """Opens an action by XML id ("purchase.purchase_rfq") or by its URL path ("purchase")."""
        before = failures.mark(self.page)
        self.goto(f"/odoo/{self._action_segment(action)}")
        if self.page.locator(_VIEW).count() == 0 and not ("discuss" in action and self.on_discuss()):
            missing = failures.danger_notifications(self.page, before)
            if missing:
                raise OdooMissingRecord(" ".join(missing), model="", method=f"open action {action}")
            raise failures.UnexpectedScreen(
                f"Opening action {action!r} showed no view: landed on {self.location().path}"
            )
        if self.on_discuss() and "discuss" not in action:
            raise failures.UnexpectedScreen(f"Opening action {action!r} landed on Discuss: Odoo does not know it")
        failures.raise_if_refused(self.page, model="", method=f"open action {action}", since=before)

    def open_menu(self, app: str, *sections: str) -> None:
        """Clicks through the menus the way a person does: the app in the apps menu, then each section."""
        self.act(
            f"open menu {app}",
            lambda: self._click_app(app),
            self.page.locator(_VIEW),
        )
        for section in sections:
            entry = (
                self.page.locator(".o_menu_sections")
                .get_by_role("menuitem", name=section, exact=True)
                .or_(self.page.locator(".o_menu_sections, .o-dropdown--menu").get_by_text(section, exact=True))
            )
            self.act(f"open menu {section}", entry.first.click)

    def switch_view(self, kind: str) -> None:
        """Switches the action on screen to its `kind` view ("list", "kanban", "form"...), as the view switcher does."""
        switcher = self.page.locator(f".o_control_panel button.o_switch_view.o_{kind}").first
        self.act(f"switch to {kind}", switcher.click, self.page.locator(f".o_action_manager .o_{kind}_view"))

    def location(self) -> Location:
        path = urlparse(self.page.url).path
        match = _RECORD_PATH.search(path)
        return Location(path=path, record_id=int(match.group(1)) if match else None)

    def on_discuss(self) -> bool:
        return self.location().path.rstrip("/").endswith("/discuss") or self.page.locator(_DISCUSS).count() > 0

    def _click_app(self, app: str) -> None:
        self.page.locator(".o_navbar_apps_menu button").click()
        self.page.locator(".o-dropdown--menu .o_app[data-menu-xmlid], .o-dropdown--menu .o_app").filter(
            has_text=re.compile(rf"^\s*{re.escape(app)}\s*$")
        ).first.click()

    @staticmethod
    def _action_segment(action: str) -> str:
        return f"action-{action}" if "." in action else action


__all__ = ["Location", "WebClient", "quoted"]


def open_form(page: Page, opening: Callable[[], None]) -> None:
    """Runs a WebClient opening (`open_record`/`new_record`) and lets a slow web client finish rendering the form.

    The web client loads some views' code lazily (script tags the idle counter does not see), so on a busy server
    it can look idle before the form is drawn: the opening then reports the wrong screen. The form appearing after
    all settles it; a screen that stays wrong is still reported."""
    try:
        opening()
    except failures.UnexpectedScreen as wrong_screen:
        try:
            page.locator(_FORM).first.wait_for(state="visible", timeout=waits.DEFAULT_TIMEOUT_MS)
        except PlaywrightError:
            raise wrong_screen from None
        waits.wait_idle(page)
