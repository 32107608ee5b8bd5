"""The transfer page object (odoo_uat/browser/pages/transfer.py) against HTML captured from the bundled Odoo 19
(tools/capture_pages.py: a new internal transfer, the backorder question), offline: each intent's locator finds
the one element it stands for on the screens the storekeeper and the nurse use."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from odoo_uat.browser import waits
from odoo_uat.browser.pages.transfer import LOCATION_FIELDS, TransferForm

HTML = Path(__file__).parent / "pages" / "html"
ORIGIN = "http://odoo.capture"
HIDING_RULES = ".d-none { display: none !important; } .invisible { visibility: hidden !important; }"


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def captured() -> Iterator[Callable[[str], Page]]:
    """Opens a capture on one Chromium page served from a fake origin (stylesheets are not captured: only the two
    Bootstrap rules that hide things are added)."""
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(executable_path=_chromium())
        context = browser.new_context(viewport={"width": 1400, "height": 900})

        def serve(route: Route) -> None:
            page_file = HTML / route.request.url.removeprefix(f"{ORIGIN}/")
            if not route.request.url.endswith(".html") or not page_file.is_file():
                route.fulfill(status=404, body="")
                return
            body = page_file.read_text(encoding="utf-8")
            route.fulfill(
                status=200,
                content_type="text/html",
                body=body.replace("</head>", f"<style>{HIDING_RULES}</style></head>", 1),
            )

        context.route(f"{ORIGIN}/**", serve)
        page = context.new_page()
        waits.prepare(page)

        def open_capture(name: str) -> Page:
            page.goto(f"{ORIGIN}/{name}.html")
            return page

        yield open_capture
        context.close()
        browser.close()


def test_a_new_transfer_shows_what_the_storekeeper_fills(captured: Callable[[str], Page]) -> None:
    page = captured("internal_transfer_form")
    transfer = TransferForm(page, ORIGIN)
    for name in ("picking_type_id", *LOCATION_FIELDS, "origin"):
        assert transfer.shows(name), name
    assert transfer.shown("picking_type_id").endswith(": Internal Transfers")
    assert transfer.moves().widget.count() == 1
    assert transfer.moves().widget.locator(".o_field_x2many_list_row_add a").inner_text().strip() == "Add a Product"
    assert transfer.can_mark_as_to_do()
    assert not transfer.can_check_availability()
    assert transfer.question() is None
    assert transfer.backorder_question() is None


def test_the_backorder_question_is_recognised(captured: Callable[[str], Page]) -> None:
    page = captured("backorder_wizard")
    transfer = TransferForm(page, ORIGIN)
    question = transfer.question()
    assert question is not None
    assert question.title() == "Create Backorder?"
    assert transfer.backorder_question() is not None
