"""`uat run` writes the readiness scorecard into its run directory at its end (odoo_uat/scorecard/after_run.py).

Plumbing only: pytest's run of the scenarios is replaced by one that leaves a readiness.json in the run's staging
directory (as the scenarios would), and the data-quality reads go to the fake Odoo (tests/fake_odoo.py) or to a
port nothing listens on. What the six rules find on real master data is tested live (tests/live/test_data_quality.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from odoo_uat import run_dirs
from odoo_uat.cli import main
from odoo_uat.errors import TargetUnreachable
from odoo_uat.profiles import load_profile
from odoo_uat.scorecard.after_run import not_measured_reason
from odoo_uat.scorecard.expectations import RULES
from odoo_uat.scorecard.rules import RuleStatus
from odoo_uat.scorecard.score import unmeasured_site
from odoo_uat.scorecard.uat_status import RunResults
from tests.fake_odoo import FakeOdoo
from tests.support import CLINIC_PROFILE, free_port, target_env

SCORECARD = "readiness-scorecard.json"


def scenarios_that_leave(
    verdict: str, exit_code: int, *, interrupted: str = "", readiness: str | None = None
) -> Callable[[list[str]], int]:
    """A stand-in for pytest.main: the run's scenarios ended with `verdict` for CLINIC and `exit_code`."""

    def run_scenarios(args: list[str]) -> int:
        staging = Path(args[args.index("--uat-report-dir") + 1])
        document = {
            "run_id": args[args.index("--uat-run-id") + 1],
            "interrupted": interrupted,
            "exit_code": exit_code,
            "sites": {"CLINIC": {"requisition_to_receipt": verdict}},
            "reasons": {"CLINIC": {} if verdict == "passed" else {"requisition_to_receipt": [f"it was {verdict}"]}},
            "ready": {"CLINIC": "yes" if verdict == "passed" else "no"},
            "scenarios": [],
        }
        (staging / "readiness.json").write_text(
            readiness if readiness is not None else json.dumps(document), encoding="utf-8"
        )
        return exit_code

    return run_scenarios


def uat_run(env: dict[str, str], sites_dir: Path, *extra: str) -> tuple[Result, Path | None]:
    result = CliRunner().invoke(main, ["run", "--sites-dir", str(sites_dir), "--no-report", *extra], env=env)
    runs = sorted((Path(env["UAT_REPORTS_DIR"]) / "runs").glob("UAT-*"))
    return result, runs[-1] if runs else None


@pytest.fixture
def closing(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the scorecard was in the staging directory when the run directory got its final name."""
    seen: list[bool] = []
    close = run_dirs.close_staging

    def close_staging(staging: Path, final: Path) -> Path | None:
        seen.append((staging / SCORECARD).is_file())
        return close(staging, final)

    monkeypatch.setattr(run_dirs, "close_staging", close_staging)
    return seen


def test_the_run_writes_its_scorecard_before_its_directory_is_final_and_keeps_its_exit_code(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path, monkeypatch: pytest.MonkeyPatch, closing: list[bool]
) -> None:
    monkeypatch.setattr(pytest, "main", scenarios_that_leave("FAILED", 1))

    result, run_dir = uat_run(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == 1, result.output
    assert run_dir is not None
    assert closing == [True]
    document = json.loads((run_dir / SCORECARD).read_text(encoding="utf-8"))
    (site,) = document["sites"]
    assert (site["site"], site["run_id"], site["run_dir"]) == ("CLINIC", run_dir.name, str(run_dir))
    assert site["uat"]["cycles"] == [
        {"cycle": "requisition_to_receipt", "verdict": "FAILED", "met": False, "reasons": ["it was FAILED"]}
    ]
    statuses = [rule["status"] for rule in site["data_quality"]["rules"]]
    assert len(statuses) == len(RULES)
    assert "not measured" not in statuses, site["data_quality"]["rules"]
    assert document["target"] == {"url": fake_odoo.url, "database": fake_odoo.database}
    assert (run_dir / "readiness-scorecard.md").is_file()
    assert f"uat: readiness scorecard CLINIC {site['readiness_percent']}% (0/1 cycles passed, " in result.output
    assert "readiness-scorecard.json in " in result.output
    assert fake_odoo.model_calls(), "the data quality was read from Odoo"
    assert fake_odoo.writes() == []


def test_no_scorecard_writes_none_reads_no_data_quality_and_says_how_to_write_it_later(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pytest, "main", scenarios_that_leave("passed", 0))
    calls_before = len(fake_odoo.model_calls())

    result, run_dir = uat_run(target_env(fake_odoo, reports_dir), sites_dir, "--no-scorecard")

    assert result.exit_code == 0, result.output
    assert run_dir is not None
    assert (run_dir / "readiness.json").is_file()
    assert not (run_dir / SCORECARD).exists()
    assert "no readiness scorecard (--no-scorecard; `uat readiness --run RUN` writes it)" in result.output
    assert len(fake_odoo.model_calls()) == calls_before  # no data-quality read


def test_odoo_down_at_the_end_leaves_the_results_and_exit_code_and_says_not_measured(
    sites_dir: Path, reports_dir: Path, monkeypatch: pytest.MonkeyPatch, closing: list[bool]
) -> None:
    monkeypatch.setattr(pytest, "main", scenarios_that_leave("passed", 0))
    down = f"http://127.0.0.1:{free_port()}"
    env = {
        "ODOO_URL": down,
        "ODOO_DB": "uat",
        "ODOO_USER": "admin",
        "ODOO_PASSWORD": "admin",
        "UAT_ROLE_PASSWORD": "Role-Secret-2026",
        "UAT_REPORTS_DIR": str(reports_dir),
    }

    result, run_dir = uat_run(env, sites_dir)

    assert result.exit_code == 0, result.output
    assert run_dir is not None
    readiness = json.loads((run_dir / "readiness.json").read_text(encoding="utf-8"))
    assert readiness["sites"] == {"CLINIC": {"requisition_to_receipt": "passed"}}
    assert readiness["ready"] == {"CLINIC": "yes"}
    (site,) = json.loads((run_dir / SCORECARD).read_text(encoding="utf-8"))["sites"]
    rules = site["data_quality"]["rules"]
    assert {rule["status"] for rule in rules} == {"not measured"}
    assert all(rule["note"].startswith(f"environment: Odoo at {down} does not answer") for rule in rules), rules
    assert (site["uat"]["passed"], site["data_quality"]["of"], site["readiness_percent"]) == (1, 6, 14)
    assert any(reason.startswith("rule duplicate_products: not measured (environment: ") for reason in site["reasons"])
    assert "uat: readiness scorecard CLINIC 14% (1/1 cycles passed, data quality not measured)" in result.output
    assert "uat: data quality not measured for CLINIC: environment: Odoo at" in result.stderr
    markdown = (run_dir / "readiness-scorecard.md").read_text(encoding="utf-8")
    assert "| duplicate_products | " in markdown
    assert "| not measured (environment: Odoo at" in markdown
    assert closing == [True]


def test_an_interrupted_run_is_not_measured_and_says_why_without_asking_odoo(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pytest, "main", scenarios_that_leave("not run", 2, interrupted="SIGTERM received"))

    result, run_dir = uat_run(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == 2, result.output
    assert run_dir is not None
    (site,) = json.loads((run_dir / SCORECARD).read_text(encoding="utf-8"))["sites"]
    assert {rule["note"] for rule in site["data_quality"]["rules"]} == {
        "interrupted: the run was interrupted (SIGTERM received)"
    }
    assert fake_odoo.calls == []


def test_a_run_whose_readiness_cannot_be_read_gets_no_scorecard_and_keeps_its_exit_code(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pytest, "main", scenarios_that_leave("FAILED", 1, readiness="{}"))

    result, run_dir = uat_run(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == 1, result.output
    assert run_dir is not None
    assert not (run_dir / SCORECARD).exists()
    assert "uat: no readiness scorecard: " in result.output
    assert "`uat readiness --run RUN` writes it" in result.output
    assert fake_odoo.calls == []


def test_a_rule_not_measured_counts_as_a_check_not_met_and_a_rule_switched_off_keeps_its_reason(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "clinic.yaml"
    profile.write_text(
        CLINIC_PROFILE.format(warehouse="NSC")
        + 'data_quality:\n  duplicate_products: {switched_off: "merged in wave 2 (CR-114)"}\n',
        encoding="utf-8",
    )
    run = RunResults("UAT-20261202-090000-aaaa", tmp_path, {"CLINIC": {"requisition_to_receipt": "passed"}}, {})
    why = not_measured_reason(TargetUnreachable("Odoo at http://odoo.example does not answer: connection refused"))

    site = unmeasured_site(load_profile(profile), run, tmp_path, why)

    assert why == "environment: Odoo at http://odoo.example does not answer: connection refused"
    assert [(rule.rule, rule.status) for rule in site.rules][:2] == [
        ("duplicate_products", RuleStatus.OFF),
        ("medical_supplies_tracked", RuleStatus.NOT_MEASURED),
    ]
    assert site.rules[0].note == "merged in wave 2 (CR-114)"
    assert (site.met, site.total, site.readiness, site.data_quality_percent) == (1, 6, 16, 0)
