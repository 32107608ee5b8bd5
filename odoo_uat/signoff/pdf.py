"""The pack's pages printed as A4 PDFs by Chromium through Playwright (`page.pdf`).

The browser is the one browser mode uses (fixtures/browser.py): Debian's /usr/bin/chromium when present (Playwright's
own download needs the internet), else Playwright's. One browser prints every page of a pack; each PDF is written
whole or not at all (a temporary file, then a rename).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from odoo_uat.errors import ConfigurationError
from odoo_uat.redaction import redact

if TYPE_CHECKING:
    from playwright.sync_api import Browser

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
# Skia (Chromium's PDF writer) writes one "/Type /Page" object per page, uncompressed
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![s\w])")


def footer(run_id: str, scope: str) -> str:
    return (
        '<div style="font-size:7pt;width:100%;padding:0 12mm;color:#555;font-family:sans-serif;display:flex;'
        'justify-content:space-between;"><span>UAT sign-off &middot; run '
        f"{run_id} &middot; {scope}</span>"
        '<span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>'
    )


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(DEBIAN_CHROMIUM) if DEBIAN_CHROMIUM.exists() else None, headless=True
            )
        except Error as error:
            first = (str(error).strip().splitlines() or ["(no message)"])[0]
            raise ConfigurationError(
                "The sign-off PDFs need Chromium (apt-get install chromium, or playwright install chromium), "
                f"which did not start: {redact(first)}; `uat signoff --no-pdf` writes the HTML pages only"
            ) from error
        try:
            yield browser
        finally:
            browser.close()


def print_pdfs(pages: Sequence[tuple[Path, Path, str, str]]) -> None:
    """Print each (html, pdf, run id, scope) to an A4 PDF, in one browser."""
    if not pages:
        return
    with chromium() as browser:
        page = browser.new_page()
        try:
            for html, pdf, run_id, scope in pages:
                page.goto(html.resolve().as_uri(), wait_until="load")
                partial = pdf.with_name(f".{pdf.name}.{os.getpid()}.partial")
                try:
                    page.pdf(
                        path=str(partial),
                        format="A4",
                        print_background=True,
                        display_header_footer=True,
                        header_template="<span></span>",
                        footer_template=footer(run_id, scope),
                        margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
                    )
                    partial.replace(pdf)
                finally:
                    partial.unlink(missing_ok=True)
        finally:
            page.close()


def page_count(pdf: Path) -> int:
    return len(PAGE_OBJECT.findall(pdf.read_bytes()))
