"""The vendor bill form as the accountant uses it: the supplier's bill date and reference, save, "Confirm".
Intent methods on the generic page objects, no assertions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser.pages.form import Form
from odoo_uat.browser.pages.web_client import WebClient, open_form

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

BILL = "account.move"
BILLS_ACTION = "account.action_move_in_invoice_type"  # Accounting > Vendors > Bills


class VendorBillForm:
    """A vendor bill's form (the one "Create Bills" opens, or `open(bill_id)`).

    Usage::

        bill = VendorBillForm(page, base_url)
        bill.fill_bill_date(date.today()); bill.fill_reference("UAT-.../BILL")
        bill_id = bill.save()
        bill.confirm()
    """

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.client = WebClient(page, base_url)
        self.form = Form(page, model=BILL)

    def open(self, bill_id: int) -> None:
        open_form(self.page, lambda: self.client.open_record(BILL, bill_id, action=BILLS_ACTION))

    def view(self) -> Locator:
        return self.form.view

    def has_field(self, name: str) -> bool:
        return self.form.has_field(name)

    def fill_bill_date(self, day: str) -> None:
        """The supplier's bill date, as the user types a date (see receipt.TypedDates)."""
        self.form.fill_date("invoice_date", day)

    def fill_reference(self, reference: str) -> None:
        self.form.fill("ref", reference)

    def save(self) -> int | None:
        return self.form.save()

    def record_id(self) -> int | None:
        return self.form.record_id()

    def can_confirm(self) -> bool:
        return self.form.has_button("action_post")

    def confirm(self) -> None:
        """ "Confirm": posts the bill."""
        self.form.press("action_post")
