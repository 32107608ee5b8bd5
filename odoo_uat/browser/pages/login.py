"""Odoo's login form. The harness logs in by storage state (no typed password in a trace); this page object
serves the hand-written benchmark and the tests of the login itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser import waits
from odoo_uat.browser.pages._base import PageObject
from odoo_uat.errors import AuthenticationFailed

if TYPE_CHECKING:
    from playwright.sync_api import Page


class LoginPage(PageObject):
    """Usage::

    LoginPage(page, "http://127.0.0.1:8069").log_in("admin", secret.reveal(), db="uat_dev")
    """

    def __init__(self, page: Page, base_url: str) -> None:
        super().__init__(page)
        self.base_url = base_url.rstrip("/")

    def log_in(self, login: str, password: str, *, db: str = "") -> None:
        """Types the credentials and waits for the web client; raises AuthenticationFailed with Odoo's words."""
        query = f"?db={db}" if db else ""
        self.page.goto(f"{self.base_url}/web/login{query}", wait_until="domcontentloaded")
        form = self.page.locator("form.oe_login_form")
        form.locator("input[name=login]").wait_for(state="visible", timeout=waits.DEFAULT_TIMEOUT_MS)
        form.locator("input[name=login]").fill(login)
        form.locator("input[name=password]").fill(password)
        form.locator("button[type=submit]").click()
        refused = self.page.locator("form.oe_login_form .alert-danger")
        # The web client's home may be any action (Discuss for many users): wait for it to be mounted, not a view.
        self.page.wait_for_function(
            """() => document.querySelector("form.oe_login_form .alert-danger")
                || (window.odoo && window.odoo.isReady === true && document.querySelector(".o_action_manager > *"))""",
            timeout=waits.DEFAULT_TIMEOUT_MS,
        )
        if refused.count():
            raise AuthenticationFailed(f"Odoo refused the login of {login!r}: {refused.inner_text().strip()}")
        waits.wait_idle(self.page)
