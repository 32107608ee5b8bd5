"""Captures the rendered HTML of the Odoo 19 screens the cycles use, for the offline page-object tests.

It drives a real Odoo (a provisioned reference rollout: vendor "MedSupply Partners", lot-tracked gloves
"MS-GLOVE-NIT-M") through the page objects themselves, so a capture is also a live run of them, and saves
`page.content()` after idle under tests/pages/html/ with every <script> and stylesheet link removed: the session
info script holds the CSRF token, and nothing else in a script is needed to check locators.

    .venv/bin/python -m tools.capture_pages --url http://127.0.0.1:8069 --db pages_ref --login admin
    (password from ODOO_PASSWORD; it only reaches /web/session/authenticate, never the page)

Written records (one RFQ confirmed and partly received with its backorder and bill, one maintenance request,
one helpdesk ticket) make a reference database unfit for a clean `uat snapshot` comparison: use a throw-away one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import sync_playwright

from odoo_uat.browser import failures, waits
from odoo_uat.browser.pages import (
    Chatter,
    Dialog,
    Form,
    ListView,
    Many2One,
    Notifications,
    SmartButtons,
    Statusbar,
    WebClient,
    X2Many,
)
from odoo_uat.errors import OdooUserError, OdooValidationError

if TYPE_CHECKING:
    from playwright.sync_api import Page

OUT = Path(__file__).resolve().parent.parent / "tests" / "pages" / "html"
# What this tool captures (other helpers' domain captures may sit beside them in OUT).
PAGES = (
    "invalid_field_toast",
    "many2one_dropdown",
    "purchase_form_edit",
    "purchase_form_confirmed",
    "purchase_list",
    "receipt_form",
    "receipt_lots_dialog",
    "backorder_wizard",
    "vendor_bill_form",
    "internal_transfer_form",
    "journal_entry_form",
    "error_dialog",
    "maintenance_form",
    "helpdesk_kanban",
    "helpdesk_ticket_form",
)
VENDOR = "MedSupply Partners"
PRODUCT_CODE = "MS-GLOVE-NIT-M"
PRODUCT = "[MS-GLOVE-NIT-M] Nitrile examination gloves, medium (box of 100)"

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_CSRF_INPUT = re.compile(r"<input\b[^>]*name=\"csrf_token\"[^>]*>", re.IGNORECASE)
# What a person sees in inputs lives in DOM properties, which page.content() leaves out: copy it into attributes.
_FREEZE_VALUES = """() => {
    document.querySelectorAll("input, textarea").forEach((input) => {
        if (input.type === "checkbox" || input.type === "radio") {
            input.toggleAttribute("checked", input.checked);
        } else if (input.type !== "file" && input.type !== "password") {
            if (input.tagName === "TEXTAREA") { input.textContent = input.value; }
            else { input.setAttribute("value", input.value); }
        }
    });
    document.querySelectorAll("select option").forEach((option) => option.toggleAttribute("selected", option.selected));
}"""
_FORBIDDEN = ("csrf_token", "session_id", "__session_info__")


def authenticate(base_url: str, db: str, login: str, password: str) -> str:
    """A web session's id from /web/session/authenticate (the cookie the browser context is given)."""
    body = {"jsonrpc": "2.0", "method": "call", "params": {"db": db, "login": login, "password": password}}
    request = urllib.request.Request(
        f"{base_url}/web/session/authenticate",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        reply = json.loads(answer.read())
        if reply.get("error"):
            raise SystemExit(f"login refused: {reply['error'].get('data', {}).get('message', reply['error'])}")
        for header in answer.headers.get_all("Set-Cookie") or []:
            if header.startswith("session_id="):
                return str(header.split(";", 1)[0].split("=", 1)[1])
    raise SystemExit("Odoo answered the login without a session cookie")


def clean_html(html: str) -> str:
    """The page's HTML without scripts, stylesheet links and CSRF inputs; refuses to return a secret."""
    cleaned = _CSRF_INPUT.sub("", _LINK.sub("", _SCRIPT.sub("", html)))
    for word in _FORBIDDEN:
        if word in cleaned:
            raise SystemExit(f"captured HTML still mentions {word!r}: not saved")
    return "<!-- Odoo 19 web client, captured by tools/capture_pages.py -->\n" + cleaned


class Capture:
    def __init__(self, page: Page, out: Path) -> None:
        self.page = page
        self.out = out
        self.saved: list[str] = []

    def save(self, name: str, *, idle: bool = True) -> None:
        if idle:
            waits.wait_idle(self.page)
        self.page.evaluate(_FREEZE_VALUES)
        (self.out / f"{name}.html").write_text(clean_html(self.page.content()), encoding="utf-8")
        self.saved.append(name)
        print(f"captured {name}.html", flush=True)


def timed(label: str, step: Callable[[], object]) -> None:
    started = time.perf_counter()
    step()
    print(f"  {label}: {time.perf_counter() - started:.2f} s", flush=True)


def capture_all(page: Page, base_url: str, out: Path) -> list[str]:
    shot = Capture(page, out)
    client = WebClient(page, base_url)
    toasts = Notifications(page)

    # Purchase order: a refused save (danger toast + invalid field), the autocomplete, an edited line, confirmed.
    timed("new RFQ", lambda: client.new_record("purchase.order", action="purchase.purchase_rfq"))
    order = Form(page, model="purchase.order")
    try:
        order.save()
        raise SystemExit("saving an RFQ without a vendor was not refused")
    except OdooValidationError:
        shot.save("invalid_field_toast", idle=False)  # at once: the toast closes itself after ~4 s
    toasts.close_all()
    timed("vendor", lambda: Many2One(page, model="purchase.order").choose("partner_id", VENDOR))
    lines = X2Many(page, "order_line", model="purchase.order")
    timed("add line", lines.add_line)
    product_input = lines.selected_row().locator("div.o_field_widget[name=product_id] input")
    product_input.fill(PRODUCT_CODE)
    page.locator(".o-autocomplete--dropdown-menu [role=option]").first.wait_for()
    shot.save("many2one_dropdown")
    timed("product", lambda: lines.choose("product_id", PRODUCT_CODE, option=PRODUCT))
    timed("quantity", lambda: lines.fill("product_qty", 5))
    shot.save("purchase_form_edit")
    order_id = order.save()
    if order_id is None:
        raise SystemExit("the RFQ got no id")
    timed("confirm", lambda: order.press("button_confirm"))
    shot.save("purchase_form_confirmed")

    timed("orders list", lambda: client.open_action("purchase.purchase_form_action"))
    ListView(page, model="purchase.order").rows().first.wait_for()
    shot.save("purchase_list")

    # Receipt: lots dialog, then a partial validation that asks the backorder question.
    client.open_record("purchase.order", order_id, action="purchase.purchase_form_action")
    timed("receipt", lambda: SmartButtons(page, model="purchase.order").open("action_view_picking"))
    shot.save("receipt_form")
    moves = X2Many(page, "move_ids", model="stock.picking")
    dialog = Dialog(page, model="stock.move")
    timed("lots dialog", lambda: moves.press_in_row(0, "action_show_details", result=page.locator(".modal")))
    move_lines = X2Many(page, "move_line_ids", dialog.root, model="stock.move")
    if move_lines.row_count():  # Odoo suggests a line for the whole quantity: the lot goes on it
        timed("edit lot line", lambda: move_lines.edit_row(0, "lot_name"))
    else:
        timed("add lot line", move_lines.add_line)
    timed("lot name", lambda: move_lines.fill("lot_name", "CAPTURE-LOT-1"))
    timed("lot quantity", lambda: move_lines.fill("quantity", 2))
    shot.save("receipt_lots_dialog")
    timed("save lots", lambda: dialog.press(label="Save"))
    receipt = Form(page, model="stock.picking")
    timed("validate", lambda: receipt.press("button_validate", result=page.locator(".modal")))
    shot.save("backorder_wizard")
    timed("backorder", lambda: Dialog(page, model="stock.backorder.confirmation").press("process"))

    # Vendor bill (from the order when this login may bill it, otherwise a new one).
    client.open_record("purchase.order", order_id, action="purchase.purchase_form_action")
    if order.has_button("action_create_invoice"):
        bill_lines = page.locator(".o_form_view .o_field_widget[name=invoice_line_ids]")
        timed("bill", lambda: order.press("action_create_invoice", result=bill_lines))
    else:
        timed("bill", lambda: client.new_record("account.move", action="account.action_move_in_invoice_type"))
    shot.save("vendor_bill_form")
    Form(page, model="account.move").discard()

    # Internal transfer and journal entry forms; posting an empty entry gives a UserError dialog.
    timed("transfer", lambda: client.new_record("stock.picking", action="stock.action_picking_tree_internal"))
    shot.save("internal_transfer_form")
    Form(page, model="stock.picking").discard()
    timed("entry", lambda: client.new_record("account.move", action="account.action_move_journal_line"))
    shot.save("journal_entry_form")
    entry = Form(page, model="account.move")
    try:
        entry.press("action_post")
        raise SystemExit("posting an empty journal entry was not refused")
    except OdooUserError:
        shot.save("error_dialog")
    failures.close_error_dialog(page)
    entry.discard()

    # Maintenance request: stages and chatter.
    timed(
        "maintenance",
        lambda: client.new_record("maintenance.request", action="maintenance.hr_equipment_request_action"),
    )
    request = Form(page, model="maintenance.request")
    request.fill("name", "Capture: infusion pump check")
    request.save()
    timed("stage", lambda: Statusbar(page, "stage_id", model="maintenance.request").move_to("In Progress"))
    timed("note", lambda: Chatter(page, model="maintenance.request").log_note("Captured for the page-object tests"))
    shot.save("maintenance_form")

    # Helpdesk: a saved ticket first, so that the kanban has a card on a fresh database; then the kanban; then the
    # ticket's form again, with its folded stages behind "...".
    timed("ticket", lambda: client.new_record("helpdesk.ticket", action="helpdesk_mgmt.helpdesk_ticket_action"))
    ticket = Form(page, model="helpdesk.ticket")
    ticket.fill("name", "Capture: printer offline")
    ticket_body = ticket.field("description").locator("[contenteditable=true]").first
    if ticket_body.count():
        ticket_body.fill("The ward printer is offline.")
    ticket.save()
    ticket_id = ticket.record_id()
    if ticket_id is None:
        raise SystemExit("the captured ticket was not saved")
    timed("tickets", lambda: client.open_action("helpdesk_mgmt.helpdesk_ticket_action"))
    timed("kanban", lambda: client.switch_view("kanban"))
    shot.save("helpdesk_kanban")
    timed(
        "ticket again",
        lambda: client.open_record("helpdesk.ticket", ticket_id, action="helpdesk_mgmt.helpdesk_ticket_action"),
    )
    shot.save("helpdesk_ticket_form")
    if tuple(shot.saved) != PAGES:
        raise SystemExit(f"captured {shot.saved}, expected {list(PAGES)}: update PAGES")
    return shot.saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("ODOO_URL", "http://127.0.0.1:8069"))
    parser.add_argument("--db", default=os.environ.get("ODOO_DB", ""))
    parser.add_argument("--login", default=os.environ.get("ODOO_USER", "admin"))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--chromium", default=os.environ.get("UAT_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--headed", action="store_true")
    args = parser.parse_args(argv)
    password = os.environ.get("ODOO_PASSWORD", "")
    if not args.db or not password:
        parser.error("--db (or ODOO_DB) and ODOO_PASSWORD are required")
    base_url = args.url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    session = authenticate(base_url, args.db, args.login, password)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=not args.headed)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=base_url)
        context.add_cookies([{"name": "session_id", "value": session, "url": base_url}])
        page = context.new_page()
        waits.prepare(page)
        try:
            saved = capture_all(page, base_url, args.out)
        finally:
            context.request.post(f"{base_url}/web/session/logout", max_redirects=0, fail_on_status_code=False)
            browser.close()
    print(f"{len(saved)} pages captured under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
