"""The page objects against HTML captured from the bundled Odoo 19 (tools/capture_pages.py), offline.

Each captured page is served from a fake origin to one Chromium page (so the page objects' init scripts run as on
Odoo: the toast recorder sees the captured danger notification), with the two Bootstrap rules that hide things
(`d-none`, `invisible`) since stylesheets are not captured. Every locator of every page object must resolve to
exactly the element it stands for, and failures.py must read the captured refusals word for word.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from odoo_uat.browser import failures, waits
from odoo_uat.browser.pages import (
    Chatter,
    Dialog,
    Form,
    KanbanView,
    ListView,
    Many2One,
    Notifications,
    SmartButtons,
    Statusbar,
    WebClient,
    X2Many,
)
from odoo_uat.browser.pages.many2one import _FIND_OPTION, DROPDOWN
from odoo_uat.errors import OdooUserError, OdooValidationError
from tools.capture_pages import PAGES, clean_html

# The live drill (tests/live/test_page_capture.py) points this at a fresh capture to run the same checks on it;
# read at import, before tests/conftest.py clears UAT_* variables for each test.
HTML = Path(os.environ.get("UAT_PAGES_HTML") or Path(__file__).parent / "pages" / "html")
ORIGIN = "http://odoo.capture"
HIDING_RULES = ".d-none { display: none !important; } .invisible { visibility: hidden !important; }"
PRODUCT = "[MS-GLOVE-NIT-M] Nitrile examination gloves, medium (box of 100)"


def _chromium() -> str | None:
    """Debian's chromium when present (Playwright's own download needs the internet), else Playwright's."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=_chromium())
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def odoo_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})

    def serve(route: Route) -> None:
        page_file = HTML / route.request.url.removeprefix(f"{ORIGIN}/")
        if not route.request.url.endswith(".html") or not page_file.is_file():
            route.fulfill(status=404, body="")  # images and the like: not captured, not needed
            return
        body = page_file.read_text(encoding="utf-8")
        body = body.replace("</head>", f"<style>{HIDING_RULES}</style></head>", 1)
        route.fulfill(status=200, content_type="text/html", body=body)

    context.route(f"{ORIGIN}/**", serve)
    page = context.new_page()
    waits.prepare(page)
    yield page
    context.close()


@pytest.fixture
def load(odoo_page: Page) -> Callable[[str], Page]:
    def open_capture(name: str) -> Page:
        odoo_page.goto(f"{ORIGIN}/{name}.html")
        return odoo_page

    return open_capture


def count(locator: Any) -> int:
    return int(locator.count())


def test_every_capture_is_present_and_free_of_secrets() -> None:
    present = {path.stem for path in HTML.glob("*.html")}
    assert set(PAGES) <= present, set(PAGES) - present
    for path in HTML.glob("*.html"):  # domain helpers' captures too
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text, path.name
        for word in ("csrf_token", "session_id", "__session_info__"):
            assert word not in text, (path.name, word)


def test_the_capture_tool_refuses_to_keep_a_secret() -> None:
    assert "<script" not in clean_html('<html><script>odoo.__session_info__ = {"x": 1}</script><body/></html>')
    with pytest.raises(SystemExit, match="csrf_token"):
        clean_html('<html><body><a href="/x?csrf_token=abc">x</a></body></html>')


def test_form_fields_are_the_forms_own_not_its_lines_columns(load: Callable[[str], Page]) -> None:
    page = load("purchase_form_edit")
    form = Form(page, model="purchase.order")
    assert count(form.field("partner_id")) == 1
    assert form.value("partner_id") == "MedSupply Partners"
    assert count(form.field("product_id")) == 0  # a column of order_line, not a field of the order
    assert count(form.field("order_line")) == 1
    assert form.has_field("date_planned")
    assert form.is_dirty()
    assert count(Many2One(page).input("partner_id")) == 1


def test_x2many_rows_and_selected_row_cells(load: Callable[[str], Page]) -> None:
    page = load("purchase_form_edit")
    lines = X2Many(page, "order_line", model="purchase.order")
    assert count(lines.rows()) == 1
    assert count(lines.selected_row()) == 1
    assert count(lines.cell("product_id").locator("input")) == 1
    assert lines.cell_text(0, "product_id") == PRODUCT
    assert lines.cell_text(0, "product_qty") == "5.00"
    assert count(lines.widget.locator(".o_field_x2many_list_row_add a")) >= 1
    assert lines.find_row("Nitrile") == 0
    assert lines.find_row("no such product") is None
    assert count(Many2One(page, lines.selected_row()).input("product_id")) == 1


def test_many2one_finds_the_exact_option_never_a_create_entry(load: Callable[[str], Page]) -> None:
    page = load("many2one_dropdown")
    assert count(page.locator(DROPDOWN)) == 1

    def find(label: str) -> Any:
        return page.evaluate(_FIND_OPTION, {"menu": DROPDOWN, "label": label, "quietMs": 0})

    for label in (PRODUCT, "Nitrile examination gloves, medium (box of 100)"):
        found = find(label)
        assert found, label
        assert count(page.locator(f"{DROPDOWN} [id='{found['id']}']")) == 1
        assert PRODUCT in found["forms"]
    assert find('Create "MS-GLOVE-NIT-M"') is False
    assert find("Search more...") is False
    assert find("Nitrile") is False  # a part of the label is not the label
    assert Many2One(page)._offered() == [PRODUCT]


def test_confirmed_order_header_statusbar_and_smart_buttons(load: Callable[[str], Page]) -> None:
    page = load("purchase_form_confirmed")
    form = Form(page, model="purchase.order")
    assert not form.is_dirty()  # the save button is there but invisible
    assert not form.has_button("button_confirm")
    assert form.has_button("button_cancel")
    assert form.has_button(label="Cancel")
    assert count(form.button("action_view_picking")) == 1  # the header "Receive", not the smart button
    bar = Statusbar(page, "state", model="purchase.order")
    assert bar.current() == "Purchase Order"
    assert bar.stages() == ["RFQ", "RFQ Sent", "Purchase Order"]
    smart = SmartButtons(page, model="purchase.order")
    assert smart.has("action_view_picking")
    assert "Receipt" in smart.text("action_view_picking")
    assert not smart.has("action_view_invoice")


def test_list_view_rows_cells_and_search(load: Callable[[str], Page]) -> None:
    page = load("purchase_list")
    orders = ListView(page, model="purchase.order")
    assert orders.row_count() >= 1
    assert orders.cell_text(0, "name").startswith("P0")
    assert count(orders.root.locator(".o_searchview_input")) == 1
    assert count(orders.rows().filter(has_text=orders.cell_text(0, "name")).first.locator("td.o_data_cell")) >= 1


def test_receipt_moves_lots_button_and_validate(load: Callable[[str], Page]) -> None:
    page = load("receipt_form")
    moves = X2Many(page, "move_ids", model="stock.picking")
    assert count(moves.rows()) == 1
    assert count(moves.row(0).locator("button[name='action_show_details']")) == 1
    receipt = Form(page, model="stock.picking")
    assert receipt.has_button("button_validate")
    assert Statusbar(page, "state").current() == "Ready"
    assert not Dialog(page).is_open()


def test_lots_dialog_fields_are_the_dialogs(load: Callable[[str], Page]) -> None:
    page = load("receipt_lots_dialog")
    dialog = Dialog(page, model="stock.move")
    assert dialog.is_open()
    assert dialog.title() == "Detailed Operations"
    lines = X2Many(page, "move_line_ids", dialog.root, model="stock.move")
    assert count(lines.rows()) >= 1
    assert count(lines.selected_row()) == 1
    assert count(lines.cell("lot_name").locator("input")) == 1
    assert count(lines.cell("quantity").locator("input")) == 1
    assert lines.cell_text(0, "lot_name") == "CAPTURE-LOT-1"
    assert count(dialog.button(label="Save")) == 1
    assert count(dialog.form().field("move_line_ids")) == 1
    # the receipt form behind the dialog is still reachable, and distinct
    assert count(X2Many(page, "move_ids").rows()) == 1
    assert count(Form(page).field("move_line_ids")) == 0


def test_backorder_wizard_buttons(load: Callable[[str], Page]) -> None:
    page = load("backorder_wizard")
    wizard = Dialog(page, model="stock.backorder.confirmation")
    assert wizard.title() == "Create Backorder?"
    assert wizard.has_button("process")
    assert wizard.has_button("process_cancel_backorder")
    assert wizard.has_button(label="No Backorder")
    assert not wizard.has_button("button_validate")


def test_bill_transfer_and_entry_forms(load: Callable[[str], Page]) -> None:
    page = load("vendor_bill_form")
    bill = Form(page, model="account.move")
    assert count(bill.field("partner_id")) == 1
    assert count(X2Many(page, "invoice_line_ids").widget) == 1
    assert Statusbar(page, "state").current() == "Draft"
    page = load("internal_transfer_form")
    transfer = Form(page, model="stock.picking")
    for name in ("picking_type_id", "location_id", "location_dest_id", "move_ids"):
        assert count(transfer.field(name)) == 1, name
    page = load("journal_entry_form")
    entry = Form(page, model="account.move")
    for name in ("ref", "date", "journal_id"):
        assert count(entry.field(name)) == 1, name
    assert entry.has_button("action_post")


def test_error_dialog_becomes_a_user_error_word_for_word(load: Callable[[str], Page]) -> None:
    page = load("error_dialog")
    dialog = failures.read_error_dialog(page)
    assert dialog == failures.ErrorDialogText(title="Invalid Operation", body="Even magicians can't post nothing!")
    error = failures.refusal(page, model="account.move", method="action_post")
    assert isinstance(error, OdooUserError)
    assert error.odoo_message == "Even magicians can't post nothing!"
    assert (error.model, error.method, error.odoo_type) == ("account.move", "action_post", "odoo.exceptions.UserError")
    assert not Dialog(page).is_open()  # an error dialog is not a wizard


def test_danger_toast_and_invalid_field_become_a_validation_error(load: Callable[[str], Page]) -> None:
    page = load("invalid_field_toast")
    assert failures.invalid_fields(page) == [failures.InvalidField(name="partner_id", label="Vendor")]
    toasts = Notifications(page)
    assert toasts.dangers() == ["Missing required fields"]
    assert toasts.visible() == ["Missing required fields"]
    error = failures.refusal(page, model="purchase.order", method="save")
    assert isinstance(error, OdooValidationError)
    assert error.odoo_message == "Missing required fields (invalid on screen: Vendor)"
    with pytest.raises(OdooValidationError, match="Missing required fields"):
        failures.raise_if_refused(page, model="purchase.order", method="save")
    later = failures.mark(page)
    assert failures.danger_notifications(page, later) == []  # a stale toast is not the next action's
    assert failures.refusal(page, model="purchase.order", method="choose partner_id", since=later) is None


def test_an_invalid_field_without_a_danger_notification_refuses_nothing(load: Callable[[str], Page]) -> None:
    """Some forms open with an empty required field already marked (a bill's date): no save was refused."""
    page = load("invalid_field_toast")
    page.evaluate("() => { document.querySelectorAll('.o_notification').forEach((n) => n.remove()); }")
    since = failures.mark(page)
    assert failures.invalid_fields(page) == [failures.InvalidField(name="partner_id", label="Vendor")]
    assert failures.refusal(page, model="purchase.order", method="open", since=since) is None


def test_error_titles_choose_the_exception() -> None:
    kinds = {
        "Access Error": "OdooAccessError",
        "Validation Error": "OdooValidationError",
        "Invalid Operation": "OdooUserError",
        "User Error": "OdooUserError",
        "Missing Record": "OdooMissingRecord",
        "": "OdooUserError",  # the form's "Oh snap!" dialog has no title
        "Odoo Server Error": "OdooError",
    }
    for title, kind in kinds.items():
        error = failures.error_for(title, "message", model="m", method="x")
        assert type(error).__name__ == kind, title
        assert error.odoo_message == "message"


def test_maintenance_stages_and_chatter(load: Callable[[str], Page]) -> None:
    page = load("maintenance_form")
    bar = Statusbar(page, "stage_id", model="maintenance.request")
    assert bar.current() == "In Progress"
    assert bar.stages()[:2] == ["New Request", "In Progress"]
    assert bar.can_move()
    chatter = Chatter(page, model="maintenance.request")
    assert count(chatter.root) == 1
    assert count(chatter.root.locator(".o-mail-Chatter-logNote")) == 1
    assert count(chatter.root.locator(".o-mail-Chatter-sendMessage")) == 1
    assert "Captured for the page-object tests" in chatter.messages()


def test_helpdesk_ticket_folded_stages_sit_behind_one_visible_more_button(load: Callable[[str], Page]) -> None:
    page = load("helpdesk_ticket_form")
    bar = Statusbar(page, "stage_id", model="helpdesk.ticket")
    assert bar.current() == "New"
    toggles = bar.widget.locator("button.dropdown-toggle[aria-label='More...']")
    assert count(toggles) == 2
    assert [toggle.is_visible() for toggle in toggles.all()] == [True, False]
    assert count(bar.widget.get_by_role("radio", name="In Progress", exact=True)) == 1
    assert count(bar.widget.get_by_role("radio", name="Done", exact=True)) == 0  # folded


def test_views_of_an_action_are_found_by_the_web_client(load: Callable[[str], Page]) -> None:
    for name, view in (("helpdesk_kanban", ".o_kanban_view"), ("purchase_list", ".o_list_view")):
        page = load(name)
        client = WebClient(page, ORIGIN)
        assert count(page.locator(".o_action_manager .o_view_controller")) == 1
        assert count(page.locator(view)) == 1
        assert not client.on_discuss()


def test_kanban_columns_and_cards(load: Callable[[str], Page]) -> None:
    page = load("helpdesk_kanban")
    board = KanbanView(page, model="helpdesk.ticket")
    assert count(board.root) == 1
    assert board.columns() == ["New", "In Progress", "Awaiting", "Done", "Cancelled", "Rejected"]
    cards = board.cards_in("New")
    assert len(cards) == count(board.column("New").locator(".o_kanban_record")) >= 1
    assert count(board.card(cards[0].split(" ")[0])) == 1
    assert board.cards_in("Done") == []
