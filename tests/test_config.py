"""Target settings from the environment (or a named environment), run ids, and the snapshot command."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from odoo_uat.cli import main
from odoo_uat.config import DEFAULT_REPORTS_DIR, DEFAULT_SITES_DIR, load_target, reports_dir, sites_dir
from odoo_uat.errors import ConfigurationError, ExitCode
from odoo_uat.run_id import is_run_id, new_run_id, tag
from tests.fake_odoo import FakeOdoo
from tests.support import target_env

TARGET = {"ODOO_URL": "https://uat.example.org:8443/", "ODOO_DB": "uat", "ODOO_USER": "uat-bot"}


def test_target_from_the_environment_hides_its_secret() -> None:
    settings = load_target({**TARGET, "ODOO_PASSWORD": "pw-1234", "ODOO_API_KEY": "key-5678"})

    assert (settings.host, settings.port, settings.uses_tls) == ("uat.example.org", 8443, True)
    assert settings.base_url == "https://uat.example.org:8443"
    assert settings.password.reveal() == "key-5678"  # an API key wins over a password
    assert "key-5678" not in repr(settings)
    assert settings.transport == "jsonrpc"


def test_timeouts_default_to_10_s_to_connect_and_60_s_per_call_and_follow_the_environment() -> None:
    default = load_target({**TARGET, "ODOO_PASSWORD": "pw"})
    tuned = load_target({**TARGET, "ODOO_PASSWORD": "pw", "UAT_CONNECT_TIMEOUT": "2.5", "UAT_CALL_TIMEOUT": " 600 "})

    assert (default.connect_timeout, default.call_timeout) == (10.0, 60.0)
    assert (tuned.connect_timeout, tuned.call_timeout) == (2.5, 600.0)


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf", "nan"])
@pytest.mark.parametrize("name", ["UAT_CONNECT_TIMEOUT", "UAT_CALL_TIMEOUT"])
def test_a_timeout_that_is_not_a_positive_number_is_a_configuration_error(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=f"{name} must be a number of seconds greater than 0, got '{value}'"):
        load_target({**TARGET, "ODOO_PASSWORD": "pw", name: value})


def test_unknown_transport_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="UAT_TRANSPORT must be 'jsonrpc' or 'json2', got 'xmlrpc'"):
        load_target({**TARGET, "ODOO_PASSWORD": "pw", "UAT_TRANSPORT": "xmlrpc"})


def test_everything_missing_is_named_at_once() -> None:
    with pytest.raises(ConfigurationError) as missing:
        load_target({})

    assert str(missing.value) == (
        "The target Odoo is not configured: set ODOO_URL, ODOO_DB, ODOO_USER, ODOO_PASSWORD (or ODOO_API_KEY). "
        "See README, 'Target'."
    )


def test_named_environment_reads_its_password_from_the_variable_it_names(tmp_path: Path) -> None:
    file = tmp_path / "environments.yaml"
    file.write_text(
        "nightly:\n  url: http://odoo.test:8069\n  database: uat_nightly\n  user: uat-bot\n"
        "  password_env: NIGHTLY_PASSWORD\n",
        encoding="utf-8",
    )
    environ = {"UAT_ENVIRONMENTS_FILE": str(file), "NIGHTLY_PASSWORD": "n1ght"}

    settings = load_target(environ, env_name="nightly")

    assert (settings.url, settings.database, settings.user) == ("http://odoo.test:8069", "uat_nightly", "uat-bot")
    assert settings.password.reveal() == "n1ght"
    with pytest.raises(ConfigurationError, match=r"no environment named 'weekly' \(known: nightly\)"):
        load_target(environ, env_name="weekly")
    with pytest.raises(ConfigurationError, match="environment 'nightly' asked for, but the file does not exist"):
        load_target({"UAT_ENVIRONMENTS_FILE": str(tmp_path / "none.yaml")}, env_name="nightly")


def test_directories_default_to_the_checkout_and_follow_the_environment(tmp_path: Path) -> None:
    assert reports_dir({}) == DEFAULT_REPORTS_DIR
    assert reports_dir({"UAT_REPORTS_DIR": str(tmp_path)}) == tmp_path
    assert sites_dir({}) == DEFAULT_SITES_DIR
    assert sites_dir({"UAT_SITES_DIR": str(tmp_path)}) == tmp_path
    assert sites_dir({"UAT_SITES_DIR": "/elsewhere"}, override=tmp_path) == tmp_path


def test_run_id_format_and_record_tag() -> None:
    run_id = new_run_id(datetime(2026, 11, 29, 1, 30, 0, tzinfo=UTC))

    assert run_id.startswith("UAT-20261129-013000-")
    assert is_run_id(run_id)
    assert not is_run_id("UAT-2026-11-29")
    assert tag(run_id, "CLINIC", "RFQ") == f"{run_id}/CLINIC/RFQ"
    assert new_run_id() != new_run_id()


def test_snapshot_compare_lists_configuration_changes_and_exits_26(
    fake_odoo: FakeOdoo, reports_dir: Path, tmp_path: Path
) -> None:
    env = target_env(fake_odoo, reports_dir)
    before = tmp_path / "before.json"
    taken = CliRunner().invoke(main, ["snapshot", "-o", str(before)], env=env)
    assert taken.exit_code == ExitCode.OK, taken.output
    snapshot = json.loads(before.read_text(encoding="utf-8"))
    assert snapshot["stock.warehouse"]["2"]["code"] == "NSC"
    unchanged = CliRunner().invoke(main, ["snapshot", "--compare", str(before)], env=env)
    receipts = next(row for row in fake_odoo.rows("stock.picking.type") if row["name"] == "NSC: Receipts")
    receipts["sequence_code"] = "REC"

    changed = CliRunner().invoke(main, ["snapshot", "--compare", str(before)], env=env)

    assert unchanged.exit_code == ExitCode.OK
    assert unchanged.output.endswith(f"uat: 0 configuration difference(s) since {before}\n")
    assert changed.exit_code == ExitCode.SNAPSHOT_DIFFERS
    assert changed.output.splitlines() == [
        f"stock.picking.type #{receipts['id']}.sequence_code: 'IN' -> 'REC'",
        f"uat: 1 configuration difference(s) since {before}",
    ]
    assert fake_odoo.writes() == []
