"""Browser mode's plumbing, offline: which mode each scenario runs in, what the report says of it, the evidence.

A miniature project on the harness's own plugins, run by pytester. Its steps act through a tiny actions class in
both modes; its browser stage is a stand-in whose pages "screenshot" to a fixed PNG, so no browser and no Odoo
are needed. Browser mode against the real Odoo: tests/live/test_browser_drills.py (and browser_evidence.py).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import fixtures.browser
import fixtures.options
from fixtures.browser import clean_of_secrets
from odoo_uat import config
from odoo_uat.cli import main
from odoo_uat.config import Secret
from odoo_uat.reporting import BrowserActionCount
from tests.support import CLINIC_PROFILE, ROLE_PASSWORD

MINI_CONFTEST = """
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pytest_bdd import given, then, when

from odoo_uat.actions.base import ActionContext, BrowserActions, Mode, RpcActions, action
from odoo_uat.errors import BusinessExpectationFailed

pytest_plugins = ["fixtures.options", "fixtures.mode", "fixtures.target", "fixtures.browser", "odoo_uat.reporting"]

PNG = bytes.fromhex("89504e470d0a1a0a") + b"stand-in"


class Page:
    def __init__(self) -> None:
        self.url = "about:blank"

    def is_closed(self) -> bool:
        return False

    def screenshot(self, **options: object) -> bytes:
        return PNG


class Screen:
    def __init__(self, stage: "Stage", role: str) -> None:
        self.role, self.login, self.base_url, self._stage = role, role, "http://odoo.invalid", stage
        self.opened = None

    @property
    def page(self) -> Page:
        self.opened = self.opened or Page()
        self._stage.acted_in_step = self
        self._stage.last_active = self
        return self.opened


class Evidence:
    def __init__(self, traces: list[Path]) -> None:
        self.traces, self.videos = traces, []


class Stage:
    timeout = 5.0
    base_url = "http://odoo.invalid"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.acted_in_step = None
        self.last_active = None

    def screen_for(self, role, login, secret, company_id):
        return Screen(self, role)

    def begin_scenario(self, name: str) -> None:
        self.name, self.last_active = name, None

    def begin_step(self) -> None:
        self.acted_in_step = None

    def screen_of(self, role):
        return None

    def technical_screen(self):
        return Screen(self, "technical user")

    def show(self, screen, url):
        return screen.page

    def has_error_dialog(self, page) -> bool:
        return False

    def has_unsaved_form(self, page) -> bool:
        return False

    def end_scenario(self, *, keep_trace: bool) -> Evidence:
        if not keep_trace:
            return Evidence([])
        trace = self.directory / f"{self.name}-trace.zip"
        import zipfile

        with zipfile.ZipFile(trace, "w") as archive:
            archive.writestr(
                "trace.network",
                json.dumps({"Cookie": "session_id=0123456789abcdef; cids=1", "typed": os.environ["UAT_ROLE_PASSWORD"]}),
            )
        return Evidence([trace])


@pytest.fixture(scope="session")
def odoo_stage(tmp_path_factory: pytest.TempPathFactory) -> Stage:
    return Stage(tmp_path_factory.mktemp("stage"))


class RpcDemo(RpcActions):
    domain = "demo"

    @action("record the lots")
    def record_lots(self) -> None: ...

    @action("run the scheduler")
    def run_scheduler(self) -> None: ...


class BrowserDemo(BrowserActions):
    domain = "demo"

    @action("record the lots")
    def record_lots(self) -> None:
        self.screen.page

    @action("run the scheduler", stays_on_rpc="no person runs it: the scheduler does")
    def run_scheduler(self) -> None: ...


@given("the scenario runs for its site")
def runs_for_its_site(site_code: str) -> None:
    assert site_code == "CLINIC"


@when("the storekeeper records the lots and the scheduler runs")
def storekeeper_acts(request: pytest.FixtureRequest, scenario_mode: Mode) -> None:
    screen = None
    if scenario_mode is Mode.BROWSER:
        screen = request.getfixturevalue("browser_stage").screen_for("storekeeper", "nsc.storekeeper", None, 1)
    context = ActionContext(role="storekeeper", site=None, login="nsc.storekeeper", gateway=None, screen=screen)
    actions = (BrowserDemo if scenario_mode is Mode.BROWSER else RpcDemo)(context)
    actions.record_lots()
    actions.run_scheduler()


@then("the lots are in stock")
def lots_in_stock(request: pytest.FixtureRequest, scenario_mode: Mode) -> None:
    with open(os.environ["MODES_FILE"], "a", encoding="utf-8") as modes:
        modes.write(f"{request.node.name} {scenario_mode.value}\\n")
    if os.environ.get("BREAK_IT"):
        raise BusinessExpectationFailed(
            expectation="The lots are in stock", site="CLINIC", role="storekeeper", found="none", record=None
        )
"""

SCENARIO = (
    "  Scenario: {name}\n    Given the scenario runs for its site\n"
    "    When the storekeeper records the lots and the scheduler runs\n    Then the lots are in stock\n"
)
FEATURES = {
    "untagged": "@requisition_to_receipt\nFeature: Untagged\n" + SCENARIO.format(name="Untagged receipt"),
    "pinned_rpc": "@rpc @requisition_to_receipt\nFeature: Pinned to RPC\n" + SCENARIO.format(name="RPC transfer"),
    "pinned_browser_scenario": (
        "@requisition_to_receipt\nFeature: One scenario pinned to the browser\n"
        "  @browser\n" + SCENARIO.format(name="Browser close")
    ),
}
INI = """
[pytest]
bdd_features_base_dir = features/
filterwarnings = ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning
markers =
    live: needs a real Odoo target
    per_company: once per company
    requisition_to_receipt: the requisition-to-receipt cycle
"""


@pytest.fixture
def mini(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(MINI_CONFTEST)
    pytester.makefile(".ini", pytest=INI)
    features = pytester.mkdir("features")
    for name, text in FEATURES.items():
        (features / f"{name}.feature").write_text(text, encoding="utf-8")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "test_features.py").write_text(
        'from pytest_bdd import scenarios\n\nscenarios(".")\n', encoding="utf-8"
    )
    sites = pytester.mkdir("sites")
    (sites / "clinic.yaml").write_text(CLINIC_PROFILE.format(warehouse="NSC"), "utf-8")
    monkeypatch.setattr(fixtures.options, "SCENARIOS_DIR", pytester.path / "scenarios")
    monkeypatch.setenv("UAT_SITES_DIR", str(sites))
    monkeypatch.setenv("UAT_ROLE_PASSWORD", ROLE_PASSWORD)
    monkeypatch.setenv("MODES_FILE", str(pytester.path / "modes.txt"))
    monkeypatch.setenv("ODOO_URL", "http://odoo.invalid")  # the miniature's scenarios are the live suite
    return pytester


def modes_seen(mini: pytest.Pytester) -> dict[str, str]:
    lines = (mini.path / "modes.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split(" ") for line in lines)


def readiness(report_dir: Path) -> dict[str, Any]:
    return json.loads((report_dir / "readiness.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def allure_results(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*-result.json"))]


def test_untagged_scenarios_run_over_rpc_by_default_and_readiness_says_so(mini: pytest.Pytester) -> None:
    report_dir = mini.path / "run"

    result = mini.runpytest("scenarios", "-p", "no:randomly", "--uat-report-dir", str(report_dir))

    result.assert_outcomes(passed=3)
    assert modes_seen(mini) == {
        "test_untagged_receipt[CLINIC]": "rpc",
        "test_rpc_transfer[CLINIC]": "rpc",
        "test_browser_close[CLINIC]": "browser",  # its tag pins it whatever the run's mode
    }
    scenarios = {entry["scenario"]: entry["mode"] for entry in readiness(report_dir)["scenarios"]}
    assert scenarios == modes_seen(mini)
    markdown = (report_dir / "readiness.md").read_text(encoding="utf-8")
    assert "| CLINIC | passed [rpc, browser] | n/a | n/a | n/a | n/a | yes |" in markdown


def test_mode_option_sets_untagged_scenarios_and_tags_pin_theirs_in_one_run(mini: pytest.Pytester) -> None:
    report_dir = mini.path / "run"

    result = mini.runpytest("scenarios", "-p", "no:randomly", "--mode", "browser", "--uat-report-dir", str(report_dir))

    result.assert_outcomes(passed=3)
    assert modes_seen(mini) == {
        "test_untagged_receipt[CLINIC]": "browser",
        "test_rpc_transfer[CLINIC]": "rpc",
        "test_browser_close[CLINIC]": "browser",
    }
    assert [entry["mode"] for entry in readiness(report_dir)["scenarios"]] == ["browser", "rpc", "browser"]


def test_uat_mode_sets_the_mode_when_no_option_is_given(mini: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UAT_MODE", "browser")

    mini.runpytest("scenarios", "-p", "no:randomly").assert_outcomes(passed=3)

    assert modes_seen(mini)["test_untagged_receipt[CLINIC]"] == "browser"
    assert modes_seen(mini)["test_rpc_transfer[CLINIC]"] == "rpc"


def test_an_unknown_uat_mode_is_a_usage_error(mini: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UAT_MODE", "chrome")

    result = mini.runpytest("scenarios", "-p", "no:randomly")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "UAT_MODE='chrome' is not one of: rpc, browser" in result.stderr.str()


def test_the_report_counts_the_actions_of_browser_scenarios(mini: pytest.Pytester) -> None:
    report_dir = mini.path / "run"

    result = mini.runpytest("scenarios", "-p", "no:randomly", "--mode", "browser", "--uat-report-dir", str(report_dir))

    result.stdout.fnmatch_lines(
        [
            "*UAT outcomes*",
            "browser actions: 1 of 1 done on screen; 1 stay on RPC by design "
            "(demo: run the scheduler: no person runs it: the scheduler does)",
        ]
    )
    # each browser scenario's three steps were screenshot (the figures say what it cost); RPC ones were not
    assert [entry.get("screenshots") for entry in readiness(report_dir)["scenarios"]] == [3, None, 3]
    counted = readiness(report_dir)["browser_actions"]
    assert counted["scenarios"] == 2  # the RPC-pinned scenario's actions are not browser actions
    assert counted["done_on_screen"] == {"demo: record the lots": 2}
    assert counted["stay_on_rpc_by_design"] == {"demo: run the scheduler": "no person runs it: the scheduler does"}


def test_an_rpc_run_says_nothing_of_browser_actions(mini: pytest.Pytester) -> None:
    report_dir = mini.path / "run"
    (mini.path / "features" / "pinned_browser_scenario.feature").unlink()

    result = mini.runpytest("scenarios", "-p", "no:randomly", "--uat-report-dir", str(report_dir))

    result.assert_outcomes(passed=2)
    assert "browser actions" not in result.stdout.str()
    assert "browser_actions" not in readiness(report_dir)


def test_every_step_of_a_browser_scenario_has_a_screenshot_inside_it_and_rpc_steps_none(
    mini: pytest.Pytester,
) -> None:
    results_dir = mini.path / "allure-results"

    mini.runpytest("scenarios", "-p", "no:randomly", "--alluredir", str(results_dir)).assert_outcomes(passed=3)

    by_name = {result["name"]: result for result in allure_results(results_dir)}
    browser, rpc = by_name["Browser close"], by_name["Untagged receipt"]
    assert len(browser["steps"]) == 3
    for step in browser["steps"]:
        assert [attachment["type"] for attachment in step["attachments"]][-1] == "image/png", step["name"]
    # the acting step's screenshot shows the role that acted; steps where no role acted show the technical user's
    screens = [step["attachments"][-1]["name"].split(": ", 1) for step in browser["steps"]]
    assert [who for who, _ in screens] == ["screen of technical user", "screen of storekeeper", "screen of storekeeper"]
    # each screenshot names the page's address: the record's Odoo URL in a real run
    assert all(address.startswith(("http", "about:", "data:")) for _, address in screens), screens
    assert all(attachment["type"] != "image/png" for step in rpc["steps"] for attachment in step.get("attachments", []))
    assert {"name": "mode", "value": "browser"} in browser["labels"]
    assert {"name": "tag", "value": "mode:rpc"} in rpc["labels"]


def test_a_failing_browser_scenario_keeps_its_trace_cleaned_of_secrets(
    mini: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    results_dir = mini.path / "allure-results"
    monkeypatch.setenv("BREAK_IT", "1")
    Secret("0123456789abcdef")  # the stage registers each session id it opens as a secret

    mini.runpytest("scenarios", "-p", "no:randomly", "--alluredir", str(results_dir)).assert_outcomes(failed=3)

    browser = next(result for result in allure_results(results_dir) if result["name"] == "Browser close")
    traces = [attachment for attachment in browser["attachments"] if attachment["type"] == "application/zip"]
    assert len(traces) == 1
    with zipfile.ZipFile(results_dir / traces[0]["source"]) as archive:
        network = archive.read("trace.network").decode()
    assert "0123456789abcdef" not in network
    assert ROLE_PASSWORD not in network
    assert "cids=1" in network  # the rest of the trace is kept as it was
    rpc = next(result for result in allure_results(results_dir) if result["name"] == "Untagged receipt")
    assert not rpc.get("attachments")  # no stage, no trace, in RPC mode


def test_clean_of_secrets_masks_secrets_in_text_members_and_keeps_binary_ones(tmp_path: Path) -> None:
    secret = Secret("s3cr3t-session-id")
    archive = tmp_path / "trace.zip"
    binary = bytes(range(256))
    with zipfile.ZipFile(archive, "w") as writing:
        writing.writestr("trace.trace", f'{{"cookie": "session_id={secret.reveal()}"}}')
        writing.writestr("resources/image.png", binary)

    clean_of_secrets(archive)

    with zipfile.ZipFile(archive) as reading:
        assert secret.reveal() not in reading.read("trace.trace").decode()
        assert reading.read("resources/image.png") == binary


def test_uat_run_passes_the_mode_and_browser_options_to_pytest(
    monkeypatch: pytest.MonkeyPatch, sites_dir: Path, tmp_path: Path
) -> None:
    seen: list[list[str]] = []

    def fake_pytest_main(args: list[str]) -> int:
        seen.append(list(args))
        return 0

    monkeypatch.setattr(pytest, "main", fake_pytest_main)
    monkeypatch.setattr(config, "DEFAULT_FEATURES_DIR", config.DEFAULT_FEATURES_DIR)
    env = {
        "ODOO_URL": "http://odoo.invalid",
        "ODOO_DB": "uat",
        "ODOO_USER": "admin",
        "ODOO_PASSWORD": "admin-password",
        "UAT_REPORTS_DIR": str(tmp_path / "reports"),
    }
    runner = CliRunner()

    browser = runner.invoke(
        main,
        ["run", "--sites-dir", str(sites_dir), "--mode", "browser", "--headed", "--slowmo", "250", "--video"],
        env=env,
    )
    default = runner.invoke(main, ["run", "--sites-dir", str(sites_dir)], env=env)

    assert browser.exit_code == 0, browser.output
    assert "mode browser" in browser.output
    assert seen[0][seen[0].index("--mode") + 1] == "browser"
    assert {"--headed", "--browser-video"} <= set(seen[0])
    assert seen[0][seen[0].index("--slowmo") + 1] == "250.0"
    assert default.exit_code == 0, default.output
    assert "mode rpc" in default.output
    assert not {"--mode", "--headed", "--slowmo", "--browser-video"} & set(seen[1])
    assert runner.invoke(main, ["run", "--mode", "chrome"], env=env).exit_code == 2


def test_video_without_an_ffmpeg_is_a_usage_error_that_says_how_to_get_one(
    mini: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fixtures.browser, "ffmpeg_for_video", lambda: None)

    result = mini.runpytest("scenarios", "-p", "no:randomly", "--browser-video")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "needs an ffmpeg: pip install imageio-ffmpeg" in result.stderr.str()


def test_actions_that_stay_on_rpc_for_one_reason_are_named_together_with_it_once() -> None:
    why = "no Community screen for lock dates"
    count = BrowserActionCount(
        on_screen={"closing: post an entry": 1},
        by_design={"closing: set the lock date": why, "closing: clear the lock date": why, "desk: run cron": "no one"},
    )

    assert count.summary() == (
        "browser actions: 1 of 1 done on screen; 3 stay on RPC by design "
        f"(closing: clear the lock date and closing: set the lock date: {why}; desk: run cron: no one)"
    )
