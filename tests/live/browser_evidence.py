"""What a browser-mode run must leave behind, checked on a run directory of the live drills (test_browser_drills.py).

- Evidence a business owner signs: every scenario says it ran in the browser, and every Gherkin step in the Allure
  results has a PNG screenshot attached under it; a passing scenario keeps no trace, a failing one its Playwright
  trace (attached in Allure, a zip holding a `.trace`).
- Nothing that logs anyone in: no file of the run directory (traces opened member by member) and no output holds
  a password or API key, and every session cookie found anywhere in them is refused by Odoo after the run.
"""

from __future__ import annotations

import json
import re
import secrets
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.live.bundle import LiveTarget, UatResult
from tests.live.test_secrets import WebSession

GHERKIN_KEYWORDS = ("Given ", "When ", "Then ", "And ", "But ", "* ")
# Odoo 19 session ids: 84 URL-safe characters (odoo/http.py, STORED_SESSION_BYTES + the rotating part)
SESSION_ID = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{84}(?![A-Za-z0-9_-])")


def with_generated_secrets(fresh_target: LiveTarget) -> tuple[LiveTarget, list[str]]:
    """The target with a generated admin password and API key (RPC uses the key, the technical screen the
    password); returns it and every secret a run on it is given, the roles' template password included."""
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


def assert_a_screenshot_under_every_step(result: UatResult) -> int:
    """Every scenario ran in the browser and every Gherkin step of it has a PNG; returns how many steps."""
    readiness = result.readiness()
    assert readiness is not None, result.output[-4000:]
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
            if step["status"] == "skipped":
                continue  # after a failing step, the rest of the scenario never ran
            steps += 1
            types = [attachment.get("type") for attachment in step.get("attachments", [])]
            assert "image/png" in types, f"{scenario['name']}: no screenshot under {step['name']!r}"
    return steps


def assert_traces_kept_only_for_failures(result: UatResult) -> int:
    """A failing scenario has its Playwright trace attached; a passing one keeps none. Returns how many traces."""
    run_dir = result.run_dir()
    traces = 0
    for scenario in allure_results(run_dir):
        kept = [item for item in scenario.get("attachments", []) if item.get("type") == "application/zip"]
        if scenario["status"] == "passed":
            assert not kept, f"{scenario['name']} passed and kept a trace"
            continue
        assert kept, f"{scenario['name']}: no Playwright trace attached"
        with zipfile.ZipFile(run_dir / "allure-results" / kept[0]["source"]) as archive:
            assert any(name.endswith(".trace") for name in archive.namelist())
        traces += 1
    return traces
