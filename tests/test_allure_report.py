"""`uat report`: the single-file HTML report Allure 3 builds from a run's results, opened in Chromium.

The results come from the miniature of tests/test_reporting_evidence.py (fake Odoo, real plugins); the report is
built by the Allure 3 CLI that `npm ci` installs (package.json), and read in Debian's Chromium with Playwright, as
a business reader would open the mailed file. Every file the run and the report produced is searched for the
passwords used, the report's embedded data (base64) decoded first.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures.browser import DEBIAN_CHROMIUM
from odoo_uat import config
from odoo_uat.allure_report import REPORT_FILE, ReportToolMissing, allure_command, build_report
from odoo_uat.cli import main
from odoo_uat.errors import ExitCode
from tests.fake_odoo import FakeOdoo
from tests.support import ROLE_PASSWORD
from tests.test_reporting_evidence import TECHNICAL_PASSWORD, mini, odoo, run_mini

__all__ = ["mini", "odoo"]  # the miniature's fixtures, shared with the evidence tests

PASSWORDS = (ROLE_PASSWORD, TECHNICAL_PASSWORD, "Note-Secret-2026")
_EMBEDDED = re.compile(r'd\("([^"]+)","([A-Za-z0-9+/=]*)"\)')


def embedded_files(report: Path) -> dict[str, str]:
    """The data a single-file Allure 3 report carries inside it (results, attachments), decoded."""
    html = report.read_text(encoding="utf-8")
    return {name: base64.b64decode(data).decode("utf-8", errors="replace") for name, data in _EMBEDDED.findall(html)}


def every_text_written(*places: Path) -> str:
    texts = []
    for place in places:
        for path in [place] if place.is_file() else sorted(p for p in place.rglob("*") if p.is_file()):
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
            if path.name == REPORT_FILE:
                texts.extend(embedded_files(path).values())
    return "\n".join(texts)


@pytest.fixture
def recorded_run(mini: pytest.Pytester) -> Path:
    """A finished run's directory (allure-results inside), recorded from the miniature."""
    run_mini(mini)
    return mini.path


def test_the_report_is_one_html_file_whose_step_shows_its_calls_and_record_links_in_chromium(
    recorded_run: Path, odoo: FakeOdoo, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    assert DEBIAN_CHROMIUM.exists(), "Chromium is needed: apt-get install chromium (.ci/run installs it)"
    history = tmp_path / "history.jsonl"

    built = build_report(recorded_run, history=history)

    assert built.path == recorded_run / REPORT_FILE
    assert built.size > 100_000
    assert sorted(path.name for path in built.path.parent.glob("*.html")) == [REPORT_FILE]  # nothing beside it
    contact = next(row["id"] for row in odoo.rows("res.partner") if row.get("name") == "UAT contact")
    record_url = f"{odoo.url}/odoo/res.partner/{contact}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(DEBIAN_CHROMIUM))
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(built.path.as_uri())
            page.get_by_text("A contact noted and counted").first.click()
            page.get_by_text("Given the requester notes a supplier contact").click()
            page.get_by_text("RPC calls: 4 (").click()
            calls = page.locator("table").filter(has_text="res.partner.create")
            calls.wait_for()
            assert calls.is_visible()
            assert "requester (nsc.requester)" in calls.inner_text()
            assert record_url in calls.inner_text()  # the created record, as its Odoo URL
            record_link = page.locator(f"a[href='{record_url}']")  # and a click away, among the scenario's links
            assert record_link.first.is_visible()
            # the scratch contact the step deleted again has a row in the table but no link among the scenario's
            assert page.locator("a[href^='" + odoo.url + "/odoo/res.partner/']").count() == 1
            assert page.locator("a[href='https://jira.example.org/browse/REQ-PUR-002']").is_visible()
            assert page.get_by_text("Helen Marsh").first.is_visible()  # the process owner's label
            assert not page.get_by_text("pytest-bdd").count()  # the machine's labels are hidden
        finally:
            browser.close()
    written = every_text_written(recorded_run, history)
    assert "res.partner.create" in "".join(embedded_files(built.path).values())  # the search reads inside it
    for password in PASSWORDS:
        assert password not in written


def test_each_report_adds_its_run_to_the_history_and_a_rebuild_replaces_it(recorded_run: Path, tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    second = tmp_path / "runs" / "UAT-20261202-050000-ab12"
    second.mkdir(parents=True)
    (second / "allure-results").symlink_to(recorded_run / "allure-results")

    build_report(recorded_run, history=history)
    build_report(second, history=history)
    build_report(second, history=history)

    names = [json.loads(line)["name"] for line in history.read_text(encoding="utf-8").splitlines()]
    assert names == [f"UAT run {recorded_run.name}", "UAT run UAT-20261202-050000-ab12"]
    embedded = embedded_files(second / REPORT_FILE)
    assert any("history" in name for name in embedded), sorted(embedded)[:20]


def test_uat_report_builds_a_runs_report_by_its_id(
    recorded_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = tmp_path / "reports"
    run_dir = reports / "runs" / "UAT-20261202-043000-cd34"
    run_dir.mkdir(parents=True)
    (run_dir / "allure-results").symlink_to(recorded_run / "allure-results")
    monkeypatch.setenv("UAT_REPORTS_DIR", str(reports))

    result = CliRunner().invoke(main, ["report", "UAT-20261202-043000-cd34"])

    assert result.exit_code == 0, result.output
    assert (run_dir / REPORT_FILE).is_file()
    assert (reports / "history.jsonl").is_file()
    assert re.search(r"report of run UAT-20261202-043000-cd34: .*report\.html \(\d+\.\d MB, built in", result.output)


def test_uat_report_names_an_unknown_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UAT_REPORTS_DIR", str(tmp_path / "reports"))

    result = CliRunner().invoke(main, ["report", "UAT-20990101-000000-0000"])

    assert result.exit_code == ExitCode.UNKNOWN_RUN
    assert "No run 'UAT-20990101-000000-0000' with Allure results" in result.output


def test_without_allure_installed_the_report_says_how_to_install_it(
    recorded_run: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path / "elsewhere")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))

    with pytest.raises(ReportToolMissing, match=r"run `npm ci` in the harness checkout"):
        allure_command()
    with pytest.raises(ReportToolMissing):
        build_report(recorded_run, history=tmp_path / "history.jsonl")
    assert not (recorded_run / REPORT_FILE).exists()


def test_uat_run_builds_the_report_at_its_end_and_keeps_its_exit_code_when_it_cannot(
    recorded_run: Path, monkeypatch: pytest.MonkeyPatch, sites_dir: Path, tmp_path: Path
) -> None:
    def fake_pytest_main(args: list[str]) -> int:
        """A run whose scenario broke an expectation: its results and readiness in its staging directory."""
        staging = Path(args[args.index("--uat-report-dir") + 1])
        for path in (recorded_run / "allure-results").iterdir():
            shutil.copy(path, staging / "allure-results" / path.name)
        (staging / "readiness.json").write_text("{}", encoding="utf-8")
        return 1

    monkeypatch.setattr(pytest, "main", fake_pytest_main)
    env = {
        "ODOO_URL": "http://odoo.invalid",
        "ODOO_DB": "uat",
        "ODOO_USER": "admin",
        "ODOO_PASSWORD": "admin-password",
        "UAT_REPORTS_DIR": str(tmp_path / "reports"),
    }
    runner = CliRunner()

    built = runner.invoke(main, ["run", "--sites-dir", str(sites_dir)], env=env)
    skipped = runner.invoke(main, ["run", "--sites-dir", str(sites_dir), "--no-report"], env=env)
    missing = runner.invoke(
        main, ["run", "--sites-dir", str(sites_dir)], env={**env, "UAT_ALLURE": str(tmp_path / "no-allure")}
    )

    reports = sorted((tmp_path / "reports" / "runs").glob(f"UAT-*/{REPORT_FILE}"))
    assert built.exit_code == 1, built.output
    assert re.search(r"uat: report .*report\.html \(\d+\.\d MB, built in \d+\.\d s\)", built.output)
    assert skipped.exit_code == 1
    assert "uat: report" not in skipped.output
    assert missing.exit_code == 1  # the run's own code, whatever became of its report
    assert "uat: no HTML report: $UAT_ALLURE=" in missing.output
    assert len(reports) == 1
