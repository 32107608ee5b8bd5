"""Requisition-to-receipt as a tester would script it by hand: raw Playwright, no harness.

The baseline of benchmarks/browser_benchmark.py. Each function is one person's action on Odoo 19's web client,
written the way a tester writes a quick script: the selectors of odoo19-facts.md ("Web client"), Playwright's
auto-waiting, and one `expect` on the action's visible result before the next action. No page objects, no idle
counter, no error reading, no screenshots, no trace.

Every action starts by opening its record by URL (the role's page may be anywhere), exactly like the harness's
browser actions do, so the two sides do the same work per action.

Usage (a page already logged in as the role, e.g. with `logged_in_context`)::

    order_id = raise_rfq(page, Rfq("MedSupply Partners", "Northside Clinic: Receipts", "MS-GLOVE-NIT-M", 120, 45.0,
                                   "UAT-.../CLINIC/RFQ"))
    confirm(page, order_id)
    approve(approver_page, order_id)
    receive_lots(storekeeper_page, receipt_id, [("LOT-1", 45, date(2027, 12, 1))], keep_backorder=True)
    bill_id = create_bill(accountant_page, "P00042", date.today(), "UAT-.../CLINIC/BILL")
    post_bill(accountant_page, bill_id)
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

TIMEOUT_MS = 60_000  # one single-threaded Odoo shared by several runs can take seconds per request
SAVED_RECORD = re.compile(r"/(\d+)$")


@dataclass(frozen=True)
class Rfq:
    """What the requester types: the vendor and the operation type as their labels, the product by its code."""

    vendor: str
    operation_type: str
    product_code: str
    quantity: float
    unit_price: float
    tag: str  # the run's tag: Vendor Reference and Source Document


# -- logging in (outside the timed actions) ---------------------------------------------------------------------


def web_session(base_url: str, database: str, login: str, password: str) -> str:
    """A session id for `login`, from the web client's own login route (no typing in a login form)."""
    body = json.dumps(
        {"jsonrpc": "2.0", "method": "call", "params": {"db": database, "login": login, "password": password}}
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/web/session/authenticate", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session_id="):
                return str(header.split(";", 1)[0].split("=", 1)[1])
    raise RuntimeError(f"Odoo set no session cookie for {login}")


def end_web_session(base_url: str, session_id: str) -> None:
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}}).encode()
    request = urllib.request.Request(
        f"{base_url}/web/session/destroy",
        data=body,
        headers={"Content-Type": "application/json", "Cookie": f"session_id={session_id}"},
    )
    with urllib.request.urlopen(request, timeout=60):
        pass


def logged_in_context(browser: Browser, base_url: str, session_id: str, company_id: int) -> BrowserContext:
    """A browser context carrying the session cookie and the active company (storage state), like the harness's."""
    host = base_url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
    cookies: list[dict[str, Any]] = [
        {
            "name": "session_id",
            "value": session_id,
            "domain": host,
            "path": "/",
            "expires": -1,
            "httpOnly": True,
            "secure": False,
            "sameSite": "Lax",
        },
        {
            "name": "cids",
            "value": str(company_id),
            "domain": host,
            "path": "/",
            "expires": -1,
            "httpOnly": False,
            "secure": False,
            "sameSite": "Lax",
        },
    ]
    state: Any = {"cookies": cookies, "origins": []}
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1440, "height": 900}, locale="en-US", storage_state=state
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


# -- the actions --------------------------------------------------------------------------------------------------


def _open(page: Page, path: str) -> None:
    page.goto(path)
    expect(page.locator(".o_form_view")).to_be_visible(timeout=TIMEOUT_MS)


def _pick(page: Page, field: str, text: str, option: str) -> None:
    """A many2one: type, click the option, check the input took it (the dropdown lags the typing by 250 ms)."""
    field_input = page.locator(f"div[name={field}] input").first
    field_input.fill(text)
    page.locator(".o-autocomplete--dropdown-menu [role=option]").filter(has_text=option).first.click()
    expect(field_input).to_have_value(re.compile(re.escape(option)), timeout=TIMEOUT_MS)


def raise_rfq(page: Page, rfq: Rfq) -> int:
    """Requester: new RFQ, vendor, vendor reference, operation type, one product line, Source Document, Save."""
    _open(page, "/odoo/action-purchase.purchase_rfq/new")
    _pick(page, "partner_id", rfq.vendor, rfq.vendor)
    page.locator("div[name=partner_ref] input").fill(rfq.tag)
    _pick(page, "picking_type_id", rfq.operation_type, rfq.operation_type)
    page.locator("div[name=order_line] .o_field_x2many_list_row_add a").first.click()
    row = page.locator("div[name=order_line] tr.o_selected_row")
    row_product = row.locator("div[name=product_id] input")
    row_product.fill(rfq.product_code)
    page.locator(".o-autocomplete--dropdown-menu [role=option]").filter(has_text=rfq.product_code).first.click()
    expect(row_product).to_have_value(re.compile(re.escape(rfq.product_code)), timeout=TIMEOUT_MS)
    row.locator("div[name=product_qty] input").fill(_number(rfq.quantity))
    row.locator("div[name=price_unit] input").fill(_number(rfq.unit_price))
    page.locator(".o_notebook .nav-link[name=purchase_delivery_invoice]").click()
    page.locator("div[name=origin] input").fill(rfq.tag)
    page.locator(".o_form_button_save").click()
    expect(page).to_have_url(SAVED_RECORD, timeout=TIMEOUT_MS)
    match = SAVED_RECORD.search(page.url)
    assert match is not None
    return int(match.group(1))


def _press_header_button(page: Page, name: str) -> None:
    """Click a header button and wait until the form reloaded without it (Odoo hides a done step's button)."""
    button = page.locator(f".o_statusbar_buttons button[name={name}]")
    button.click()
    expect(button).to_have_count(0, timeout=TIMEOUT_MS)


def confirm(page: Page, order_id: int) -> None:
    """Requester: "Confirm Order"."""
    _open(page, f"/odoo/action-purchase.purchase_rfq/{order_id}")
    _press_header_button(page, "button_confirm")


def approve(page: Page, order_id: int) -> None:
    """Approver: "Approve Order"."""
    _open(page, f"/odoo/action-purchase.purchase_rfq/{order_id}")
    _press_header_button(page, "button_approve")


def receive_lots(page: Page, receipt_id: int, lots: Sequence[tuple[str, float, date]], *, keep_backorder: bool) -> None:
    """Storekeeper: on the receipt's (only) product line, "Detailed Operations": one line per supplier lot (number,
    expiry date, quantity), Save, Validate, then answer the backorder question."""
    _open(page, f"/odoo/action-stock.action_picking_tree_all/{receipt_id}")
    page.locator("div[name=move_ids] button[name=action_show_details]").first.click()
    dialog = page.locator(".modal:has(div[name=move_line_ids])")
    lines = dialog.locator("div[name=move_line_ids]")
    expect(lines).to_be_visible(timeout=TIMEOUT_MS)
    rows = lines.locator("tr.o_data_row")
    for index, (name, quantity, expiry) in enumerate(lots):
        if index == 0 and rows.count():  # Odoo proposes one line for the whole demand: it becomes the first lot
            rows.first.locator("td[name=lot_name]").click()
        else:
            lines.locator(".o_field_x2many_list_row_add a").first.click()
        row = rows.nth(index)
        expect(row).to_have_class(re.compile(r"\bo_selected_row\b"), timeout=TIMEOUT_MS)
        row.locator("div[name=lot_name] input").fill(name)
        # a datetime holding a value shows a button; focusing it turns it into the input
        row.locator("div[name=expiration_date] .o_input").click()
        expiry_input = row.locator("div[name=expiration_date] input")
        expiry_input.fill(f"{expiry:%m/%d/%Y} 12:00:00")
        expiry_input.press("Tab")  # Enter can leave the date picker open over the next row
        quantity_input = row.locator("div[name=quantity] input")
        quantity_input.click()  # a click elsewhere closes the date picker, which would cover the next row
        quantity_input.fill(_number(quantity))
    dialog.locator(".modal-footer button.o_form_button_save").click()
    expect(dialog).to_have_count(0, timeout=TIMEOUT_MS)
    page.locator(".o_statusbar_buttons button[name=button_validate]").click()
    answer = page.locator(f".modal button[name={'process' if keep_backorder else 'process_cancel_backorder'}]")
    answer.click()
    expect(page.locator("div[name=state] [aria-checked=true]")).to_have_text("Done", timeout=TIMEOUT_MS)


def create_bill(page: Page, order_name: str, bill_date: date, reference: str) -> int:
    """Accountant: Purchase Orders list, the order ticked, "Create Bills", the supplier's bill date and reference,
    Save. (Odoo 19's order form has no "Create Bill" button: the list has it.)"""
    page.goto("/odoo/action-purchase.purchase_form_action")
    search = page.locator(".o_searchview_input")
    search.fill(order_name)
    search.press("Enter")
    row = page.locator(".o_list_view tr.o_data_row").filter(has_text=order_name)
    expect(page.locator(".o_list_view tr.o_data_row")).to_have_count(1, timeout=TIMEOUT_MS)
    row.locator("td.o_list_record_selector input").check(force=True)
    page.locator(".o_control_panel button[name=action_create_invoice]").click()
    bill_date_input = page.locator(".o_form_view div[name=invoice_date] input")
    bill_date_input.fill(f"{bill_date:%m/%d/%Y}")
    bill_date_input.press("Enter")
    page.locator(".o_form_view div[name=ref] input").fill(reference)
    page.locator(".o_form_button_save").click()
    expect(page.locator(".o_form_button_save")).to_be_hidden(timeout=TIMEOUT_MS)
    match = SAVED_RECORD.search(page.url)
    assert match is not None, page.url
    return int(match.group(1))


def post_bill(page: Page, bill_id: int) -> None:
    """Accountant: "Confirm" on the draft bill."""
    _open(page, f"/odoo/action-account.action_move_in_invoice_type/{bill_id}")
    page.locator(".o_statusbar_buttons button[name=action_post]").click()
    expect(page.locator("div[name=state] [aria-checked=true]")).to_have_text("Posted", timeout=TIMEOUT_MS)


def _number(value: float) -> str:
    return f"{value:g}"
