"""The UAT guard: an unmarked (or copied) database is refused before anything is written to it.

`uat run` starts pytest, so it runs in a process of its own against the fake Odoo; `uat provision` runs
in-process. Every refusal is checked three ways: its exit code, its message, and the fake Odoo's record
of calls (no create, write, unlink, set_param, button_* or action_* call arrived).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from odoo_uat.cli import main
from odoo_uat.errors import ExitCode
from tests.fake_odoo import FakeOdoo
from tests.support import CLINIC_PROFILE, free_port, run_uat, runs_left, target_env

NOT_MARKED = "Database 'uat_fake' is not marked as a UAT target, so the harness writes nothing to it."
MARKED_FOR_ANOTHER = "Database 'uat_fake' carries the UAT marker of 'production': it is a copy or was renamed."


def provision(env: dict[str, str], sites_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["provision", "--sites-dir", str(sites_dir), *args], env=env)


def test_provision_refuses_an_unmarked_database(fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path) -> None:
    fake_odoo.set_marker(None)

    result = provision(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == ExitCode.NOT_A_UAT_TARGET, result.output
    assert result.stderr.startswith(f"uat: NotAUatTarget: {NOT_MARKED}")
    assert result.stdout == ""
    assert fake_odoo.writes() == []


def test_provision_refuses_to_mark_a_database_it_was_not_told_the_name_of(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    fake_odoo.set_marker(None)

    result = provision(target_env(fake_odoo, reports_dir), sites_dir, "--mark-blank-database", "otherdb")

    assert result.exit_code == ExitCode.NOT_A_UAT_TARGET, result.output
    assert result.stderr == (
        "uat: NotAUatTarget: --mark-blank-database 'otherdb' does not name the target database 'uat_fake'; "
        "nothing was written\n"
    )
    assert fake_odoo.writes() == []


def test_provision_refuses_to_mark_a_database_holding_business_documents(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    fake_odoo.set_marker(None)
    fake_odoo.add("purchase.order", name="P00042")
    fake_odoo.add("account.move", name="BILL/2026/0001")

    result = provision(target_env(fake_odoo, reports_dir), sites_dir, "--mark-blank-database", "uat_fake")

    assert result.exit_code == ExitCode.NOT_A_UAT_TARGET, result.output
    assert "Database 'uat_fake' is not blank (it has purchase.order, account.move records); it will not be marked" in (
        result.stderr
    )
    assert fake_odoo.writes() == []
    assert [row for row in fake_odoo.rows("ir.config_parameter") if row["key"] == "uat.target"] == []


def test_provision_cannot_re_mark_a_copy_of_another_uat_database(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    fake_odoo.set_marker("production")

    result = provision(target_env(fake_odoo, reports_dir), sites_dir, "--mark-blank-database", "uat_fake")

    assert result.exit_code == ExitCode.NOT_A_UAT_TARGET, result.output
    assert MARKED_FOR_ANOTHER in result.stderr
    assert fake_odoo.writes() == []


def test_provision_marks_a_blank_database_named_twice_before_anything_else(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    fake_odoo.set_marker(None)

    result = provision(target_env(fake_odoo, reports_dir), sites_dir, "--mark-blank-database", "uat_fake")

    # Marked first; then provisioning stops before configuring anything: the fake lacks the `contacts` module.
    assert result.stdout.startswith("marked 'uat_fake' as a UAT target\n")
    assert result.exit_code == ExitCode.MISSING_MODULE, result.output
    assert "uat: MissingModule: Odoo cannot install contacts: not on its addons path" in result.stderr
    [marking] = fake_odoo.writes()
    assert (marking.model, marking.model_method) == ("ir.config_parameter", "set_param")
    assert marking.kwargs == {"key": "uat.target", "value": "uat_fake"}


# -- uat run: refusals before any scenario writes -------------------------------------------------------


def broken_warehouse(sites_dir: Path) -> str:
    profile = sites_dir / "clinic.yaml"
    profile.write_text(CLINIC_PROFILE.format(warehouse="NSX"), encoding="utf-8")
    return f"ProfileError: {profile}: warehouse: no stock.warehouse has code = 'NSX'; candidates: 'WH', 'NSC'"


@pytest.mark.parametrize(
    ("situation", "exit_code"),
    [
        ("unmarked", ExitCode.NOT_A_UAT_TARGET),
        ("marked for another database", ExitCode.NOT_A_UAT_TARGET),
        ("wrong password", ExitCode.AUTHENTICATION),
        ("odoo down", ExitCode.UNREACHABLE),
        ("missing module", ExitCode.MISSING_MODULE),
    ],
)
def test_run_stops_with_its_exit_code_writes_nothing_and_keeps_no_results(
    situation: str, exit_code: ExitCode, fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    env = target_env(fake_odoo, reports_dir)
    down_url = f"http://127.0.0.1:{free_port()}"
    expected = {
        "unmarked": f"NotAUatTarget: {NOT_MARKED}",
        "marked for another database": f"NotAUatTarget: {MARKED_FOR_ANOTHER}",
        "wrong password": "AuthenticationFailed: Odoo at http://127.0.0.1:",
        "odoo down": f"TargetUnreachable: Odoo at {down_url} does not answer",
        "missing module": "MissingModule: The target lacks Odoo module(s) product_expiry (needed by "
        "requisition_to_receipt)",
    }
    if situation == "unmarked":
        fake_odoo.set_marker(None)
    elif situation == "marked for another database":
        fake_odoo.set_marker("production")
    elif situation == "wrong password":
        env["ODOO_PASSWORD"] = "letmein"
    elif situation == "missing module":
        next(row for row in fake_odoo.rows("ir.module.module") if row["name"] == "product_expiry")["state"] = (
            "to install"
        )
    else:
        env["ODOO_URL"] = down_url

    result = run_uat("run", "--sites-dir", str(sites_dir), env=env)

    assert result.returncode == exit_code, result.stdout + result.stderr
    assert expected[situation] in result.stdout
    assert result.stderr.endswith(f"stopped (exit code {int(exit_code)}) before any scenario ran; no results kept\n")
    assert runs_left(reports_dir) == []
    assert fake_odoo.writes() == []
    assert "letmein" not in result.stdout + result.stderr


def test_run_without_odoo_url_exits_configuration_before_anything(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    env = {name: value for name, value in target_env(fake_odoo, reports_dir).items() if name != "ODOO_URL"}

    result = CliRunner().invoke(main, ["run", "--sites-dir", str(sites_dir)], env=env)

    assert result.exit_code == ExitCode.CONFIGURATION, result.output
    assert result.stderr == (
        "uat: ConfigurationError: The target Odoo is not configured: set ODOO_URL. See README, 'Target'.\n"
    )
    assert not reports_dir.exists()
    assert fake_odoo.calls == []


def test_run_with_unknown_site_exits_unknown_site_before_anything(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    result = CliRunner().invoke(
        main,
        ["run", "--sites-dir", str(sites_dir), "--site", "CLINIC", "--site", "ward9"],
        env=target_env(fake_odoo, reports_dir),
    )

    assert result.exit_code == ExitCode.UNKNOWN_SITE, result.output
    assert result.stderr == "uat: UnknownSiteError: Unknown site(s) WARD9; the profiles define CLINIC\n"
    assert not reports_dir.exists()
    assert fake_odoo.calls == []


def test_run_with_broken_profile_yaml_exits_profile_before_anything(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    profile = sites_dir / "clinic.yaml"
    profile.write_text(CLINIC_PROFILE.format(warehouse="NSC").replace("warehouse: NSC", "warehous: NSC"), "utf-8")

    result = CliRunner().invoke(main, ["run", "--sites-dir", str(sites_dir)], env=target_env(fake_odoo, reports_dir))

    assert result.exit_code == ExitCode.PROFILE, result.output
    assert result.stderr == (
        f"uat: ProfileErrors: {profile}: warehouse: is required but missing\n"
        f"{profile}: warehous: is not a known key (a typo?)\n"
    )
    assert not reports_dir.exists()
    assert fake_odoo.calls == []


def test_a_broken_reference_blocks_its_sites_scenarios_and_the_run_keeps_that_verdict(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    expected = broken_warehouse(sites_dir).removeprefix("ProfileError: ")

    result = run_uat("run", "--sites-dir", str(sites_dir), env=target_env(fake_odoo, reports_dir))

    assert result.returncode == ExitCode.PROFILE, result.stdout + result.stderr
    [run] = runs_left(reports_dir)
    readiness = json.loads((reports_dir / "runs" / run / "readiness.json").read_text(encoding="utf-8"))
    assert readiness["sites"]["CLINIC"]["requisition_to_receipt"] == "blocked"
    assert all(reason == expected for reason in readiness["reasons"]["CLINIC"]["requisition_to_receipt"])
    assert readiness["ready"] == {"CLINIC": "unknown"}
    assert fake_odoo.writes() == []
