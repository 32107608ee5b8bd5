"""Drill: the page objects drive the real Odoo 19, and the offline tests' captured HTML is still what it renders.

On a fresh clone of the provisioned template, tools/capture_pages.py walks the screens the cycles use through the
page objects themselves (an RFQ with a refused save, its lines, confirmation, the receipt's lots dialog, the
backorder wizard, a bill, a transfer, a refused journal entry with its error dialog, a maintenance request moved
through its stages with a chatter note, the helpdesk kanban and a ticket) and saves each screen. Then the offline
page-object tests (tests/test_page_objects.py) run on that fresh capture: what passes against the committed HTML
must pass against what this Odoo renders today.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.live.bundle import REPO_ROOT, LiveTarget
from tools.capture_pages import PAGES


def test_page_objects_work_on_the_real_odoo_and_match_the_capture(fresh_target: LiveTarget, tmp_path: Path) -> None:
    captured = tmp_path / "html"
    capture = subprocess.run(
        [sys.executable, "-m", "tools.capture_pages", "--db", fresh_target.database, "--out", str(captured)],
        cwd=REPO_ROOT,
        env=fresh_target.env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert capture.returncode == 0, capture.stdout + capture.stderr
    assert "15 pages captured" in capture.stdout
    assert sorted(path.stem for path in captured.glob("*.html")) == sorted(PAGES)

    offline = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "tests/test_page_objects.py",
        ],
        cwd=REPO_ROOT,
        env={**fresh_target.env, "UAT_PAGES_HTML": str(captured)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert offline.returncode == 0, offline.stdout[-4000:] + offline.stderr[-2000:]
