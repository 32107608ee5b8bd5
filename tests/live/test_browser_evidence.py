"""Drill: a browser-mode run leaves the evidence a business owner signs, and nothing that logs anyone in.

On a fresh clone of the provisioned template, the technical user gets a generated password and an API key (RPC
uses the key, the evidence screens the password); the roles keep the template's generated password. Then:
- a browser-mode `uat run` of one cycle for one site passes, every scenario says it ran in the browser, and
  EVERY Gherkin step in the Allure results has a PNG screenshot attached under it;
- the same cycle with the site's profile pointing at another warehouse's stock (a business finding after the
  roles have acted on screen) fails, and keeps the failing scenario's Playwright trace, attached in Allure;
- no file of either run directory (traces opened, member by member), and no output, holds a password or API key,
  and every session cookie found anywhere in them is refused by Odoo after the run.

The cycle is requisition-to-receipt (UAT_BROWSER_EVIDENCE_CYCLE picks another while a cycle's browser actions are
being built).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from odoo_uat.config import DEFAULT_SITES_DIR
from tests.live.bundle import LiveTarget, UatResult
from tests.live.test_secrets import WebSession

RunUat = Callable[..., UatResult]
CYCLE = os.environ.get("UAT_BROWSER_EVIDENCE_CYCLE", "requisition_to_receipt")
SITE = "CLINIC"
GHERKIN_KEYWORDS = ("Given ", "When ", "Then ", "And ", "But ", "* ")
# Odoo 19 session ids: 84 URL-safe characters (odoo/http.py, STORED_SESSION_BYTES + the rotating part)
SESSION_ID = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{84}(?![A-Za-z0-9_-])")


@pytest.fixture
def browser_target(fresh_target: LiveTarget) -> tuple[LiveTarget, list[str]]:
    """The target with a generated admin password and API key; returns it and every secret the run is given."""
    admin = WebSession(fresh_target.url, fresh_target.database, "admin", fresh_target.env["ODOO_PASSWORD"])
    api_key = admin.new_api_key()
    password = secrets.token_urlsafe(18)
    admin.call("res.users", "write", [[admin.uid], {"password": password}])
    target = fresh_target.with_env(ODOO_PASSWORD=password, ODOO_API_KEY=api_key)
    return target, [password, api_key, fresh_target.role_password]


def run_files(run_dir: Path) -> Iterator[tuple[str, str]]:
    """(where, text) of every file of a run directory; a zip (a trace) member by member."""
    for path in sorted(run_dir.rglob("*")):
        if not path.is_file():
            continue
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{path}!{member}", archive.read(member).decode("utf-8", errors="replace")
        else:
            yield str(path), path.read_bytes().decode("utf-8", errors="replace")


def session_ids_in(text: str) -> set[str]:
    """Candidate session ids: 84-character URL-safe tokens near a mention of a session cookie."""
    found: set[str] = set()
    for mention in re.finditer(r"session_id", text):
        found.update(SESSION_ID.findall(text[mention.start() : mention.start() + 400]))
    return found


def odoo_accepts(url: str, session_id: str) -> bool:
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}}).encode()
    request = urllib.request.Request(
        f"{url}/web/session/get_session_info",
        data=body,
        headers={"Content-Type": "application/json", "Cookie": f"session_id={session_id}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answer: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError:  # a session without a database does not even find the route: refused
        return False
    return bool((answer.get("result") or {}).get("uid"))


def assert_nothing_logs_anyone_in(result: UatResult, url: str, known_secrets: list[str]) -> int:
    """No secret in any file or output; every session cookie found is dead. Returns how many files were read."""
    files = 0
    cookies: set[str] = set()
    places = [("output", result.output), *run_files(result.run_dir())]
    for where, text in places:
        files += 1
        for secret in known_secrets:
            assert secret not in text, f"a password or API key is in {where}"
        cookies |= session_ids_in(text)
    alive = [cookie[:6] + "..." for cookie in cookies if odoo_accepts(url, cookie)]
    assert not alive, f"session cookies Odoo still accepts after the run: {alive}"
    return files


def allure_results(run_dir: Path) -> list[dict[str, Any]]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((run_dir / "allure-results").glob("*-result.json"))
    ]


def test_a_browser_run_has_a_screenshot_under_every_step_and_no_live_secret(
    browser_target: tuple[LiveTarget, list[str]], run_uat: RunUat
) -> None:
    target, known_secrets = browser_target

    result = run_uat(target, "run", "--site", SITE, "--mode", "browser", "--", "-m", CYCLE, timeout=1500)

    assert result.exit_code == 0, result.output[-6000:]
    readiness = result.readiness()
    assert readiness is not None
    assert readiness["scenarios"]
    assert {entry["mode"] for entry in readiness["scenarios"]} == {"browser"}
    assert "browser actions:" in result.stdout
    results = allure_results(result.run_dir())
    assert len(results) == len(readiness["scenarios"])
    steps = 0
    for scenario in results:
        assert {"name": "mode", "value": "browser"} in scenario["labels"]
        for step in scenario["steps"]:
            if not step["name"].startswith(GHERKIN_KEYWORDS):
                continue  # a fixture's teardown (the harness's clean-up) is a step of the scenario too
            steps += 1
            types = [attachment.get("type") for attachment in step.get("attachments", [])]
            assert "image/png" in types, f"{scenario['name']}: no screenshot under {step['name']!r}"
    assert steps >= 6
    assert not list(result.run_dir().rglob("*.zip")), "a passing run keeps no trace"
    assert assert_nothing_logs_anyone_in(result, target.url, known_secrets) > len(results)


def test_a_failing_browser_scenario_keeps_its_trace_which_holds_no_live_secret(
    browser_target: tuple[LiveTarget, list[str]], run_uat: RunUat, tmp_path: Path
) -> None:
    target, known_secrets = browser_target
    sites = tmp_path / "sites"
    sites.mkdir()
    profile = (DEFAULT_SITES_DIR / "clinic.yaml").read_text(encoding="utf-8")
    # The lots arrive in NSC/Stock as configured; the profile now expects them in the hospital's stock.
    (sites / "clinic.yaml").write_text(profile.replace("stock_location: NSC/Stock", "stock_location: HGH/Stock"))
    assert "HGH/Stock" in (sites / "clinic.yaml").read_text(encoding="utf-8")

    result = run_uat(
        target,
        "run",
        "--sites-dir",
        str(sites),
        "--site",
        SITE,
        "--mode",
        "browser",
        "--",
        "-m",
        "requisition_to_receipt",
        timeout=1500,
    )

    assert result.exit_code == 1, result.output[-6000:]
    failed = [scenario for scenario in allure_results(result.run_dir()) if scenario["status"] != "passed"]
    assert failed
    for scenario in failed:
        traces = [
            attachment for attachment in scenario.get("attachments", []) if attachment.get("type") == "application/zip"
        ]
        assert traces, f"{scenario['name']}: no Playwright trace attached"
        with zipfile.ZipFile(result.run_dir() / "allure-results" / traces[0]["source"]) as archive:
            assert any(name.endswith(".trace") for name in archive.namelist())
        broken = next(step for step in scenario["steps"] if step["status"] != "passed")
        assert "image/png" in [attachment.get("type") for attachment in broken.get("attachments", [])]
    assert list((result.run_dir() / "browser").glob("*-trace.zip"))
    assert_nothing_logs_anyone_in(result, target.url, known_secrets)
