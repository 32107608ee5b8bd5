"""Page objects, one per Odoo 19 web-client view pattern: locators and intent methods, never an assertion.

Each class takes the role's Playwright page (`screen.page`) and, for nested use, `within=` (a dialog, a row).
Intent methods wait for their own visible result and then for the web client's idle (odoo_uat.browser.waits),
and raise what Odoo refused on screen as the RPC error types (odoo_uat.browser.failures): OdooUserError,
OdooAccessError, OdooValidationError, OdooMissingRecord, with Odoo's message word for word. Whether a role may
do something is a business fact: ask `has_button(...)` / `can_move()` / `is_editable(...)` and let the caller decide.

    from odoo_uat.browser.pages import Dialog, Form, Many2One, Statusbar, WebClient, X2Many

    client = WebClient(page, screen.base_url)
    client.new_record("purchase.order", action="purchase.purchase_rfq")
    Many2One(page, model="purchase.order").choose("partner_id", "Acme Medical")
    lines = X2Many(page, "order_line", model="purchase.order")
    lines.add_line()
    lines.choose("product_id", "Gauze")
    lines.fill("product_qty", 10)
    form = Form(page, model="purchase.order")
    order_id = form.save()
    form.press("button_confirm")

Domain page objects (pages/<domain>.py) subclass `PageObject` and do each step through `self.act(intent, do,
result)`: it marks the screen, does it, waits for the result or a refusal, then idle, and raises the refusal.
"""

from odoo_uat.browser.pages._base import PageObject, quoted
from odoo_uat.browser.pages.chatter import Chatter
from odoo_uat.browser.pages.dialog import Dialog
from odoo_uat.browser.pages.form import Form
from odoo_uat.browser.pages.kanban import KanbanView
from odoo_uat.browser.pages.list_view import ListView
from odoo_uat.browser.pages.login import LoginPage
from odoo_uat.browser.pages.many2one import Many2One
from odoo_uat.browser.pages.notifications import Notification, Notifications
from odoo_uat.browser.pages.smart_buttons import SmartButtons
from odoo_uat.browser.pages.statusbar import Statusbar
from odoo_uat.browser.pages.web_client import Location, WebClient
from odoo_uat.browser.pages.x2many import X2Many

__all__ = [
    "Chatter",
    "Dialog",
    "Form",
    "KanbanView",
    "ListView",
    "Location",
    "LoginPage",
    "Many2One",
    "Notification",
    "Notifications",
    "PageObject",
    "SmartButtons",
    "Statusbar",
    "WebClient",
    "X2Many",
    "quoted",
]
