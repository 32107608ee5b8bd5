"""`uat doctor` against the fake Odoo: every problem is named, with its own exit code, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from odoo_uat import config
from odoo_uat.catalogue import roles_by_cycle
from odoo_uat.cli import main
from odoo_uat.config import DEFAULT_SITES_DIR
from odoo_uat.doctor import cycles_by_role
from odoo_uat.errors import ExitCode
from odoo_uat.profiles import load_profile
from tests.fake_odoo import FakeOdoo
from tests.support import CLINIC_PROFILE, free_port, target_env

# CLINIC_PROFILE has requisition-to-receipt, whose steps also act as the storekeeper and the accountant.
R2R_ROLES = ("storekeeper", "accountant")
APPROVER_LINE = "  approver:  {login: hhg.approver, password_env: UAT_ROLE_PASSWORD}\n"


def clinic_profile(warehouse: str = "NSC", *, roles: tuple[str, ...] = R2R_ROLES) -> str:
    """CLINIC_PROFILE with these further roles (login nsc.<role>)."""
    text = CLINIC_PROFILE.format(warehouse=warehouse)
    assert APPROVER_LINE in text
    extra = "".join(f"  {role}: {{login: nsc.{role}, password_env: UAT_ROLE_PASSWORD}}\n" for role in roles)
    return text.replace(APPROVER_LINE, APPROVER_LINE + extra)


@pytest.fixture(autouse=True)
def every_role_of_the_cycle(fake_odoo: FakeOdoo, sites_dir: Path) -> None:
    """The test profile gets every role its cycle acts as, and the fake Odoo their users."""
    (sites_dir / "clinic.yaml").write_text(clinic_profile(), encoding="utf-8")
    for role in R2R_ROLES:
        fake_odoo.add("res.users", login=f"nsc.{role}", name=role, company_ids=[1])


def doctor(env: dict[str, str], sites_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["doctor", "--sites-dir", str(sites_dir), *args], env=env)


def check_line(output: str, check: str) -> str:
    """The table row of one check: its first words ("connect", "role login CLINIC approver")."""
    words = check.split()
    return next(line for line in output.splitlines() if line.split()[1 : 1 + len(words)] == words)


def test_ready_target_passes_every_check(fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path) -> None:
    result = doctor(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == ExitCode.OK, result.output
    assert f"database {fake_odoo.database}, Odoo 19.0, as admin over jsonrpc" in result.output
    assert "10 references resolve" in result.output
    assert "nsc.requester logs in" in result.output
    for role in ("requester", "approver", *R2R_ROLES):
        assert "; acts in requisition_to_receipt" in check_line(result.output, f"role login CLINIC {role}")
    assert result.output.rstrip().endswith("checks: 13 ok, 0 with a problem")
    assert fake_odoo.writes() == []


def test_unknown_warehouse_names_file_key_value_and_candidates(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    profile = sites_dir / "clinic.yaml"
    profile.write_text(clinic_profile("NSX"), encoding="utf-8")

    result = doctor(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == ExitCode.PROFILE, result.output
    failed = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1
    assert failed[0].split()[1:5] == ["profile", "reference", "CLINIC", "warehouse"]
    assert failed[0].endswith(f"{profile}: warehouse: no stock.warehouse has code = 'NSX'; candidates: 'WH', 'NSC'")
    assert "checks: 12 ok, 1 with a problem" in result.output
    assert fake_odoo.writes() == []


def test_unmarked_database_is_refused(fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path) -> None:
    fake_odoo.set_marker(None)

    result = doctor(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == ExitCode.NOT_A_UAT_TARGET, result.output
    assert f"Database '{fake_odoo.database}' is not marked as a UAT target" in check_line(result.output, "UAT marker")
    assert fake_odoo.writes() == []


def test_marker_of_another_database_is_refused(fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path) -> None:
    fake_odoo.set_marker("production")

    result = doctor(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == ExitCode.NOT_A_UAT_TARGET, result.output
    assert "carries the UAT marker of 'production': it is a copy or was renamed" in result.output


def test_missing_module_has_its_own_exit_code(fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path) -> None:
    next(row for row in fake_odoo.rows("ir.module.module") if row["name"] == "product_expiry")["state"] = "uninstalled"

    result = doctor(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == ExitCode.MISSING_MODULE, result.output
    assert [line.split() for line in result.output.splitlines() if line.startswith("FAIL")] == [
        ["FAIL", "module", "product_expiry", "not", "installed"]
    ]


def test_role_that_cannot_log_in_is_named(fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path) -> None:
    env = {**target_env(fake_odoo, reports_dir), "UAT_ROLE_PASSWORD": "stale-password"}

    result = doctor(env, sites_dir)

    assert result.exit_code == ExitCode.AUTHENTICATION, result.output
    failed = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert [line.split()[1:5] for line in failed] == [
        ["role", "login", "CLINIC", "accountant"],
        ["role", "login", "CLINIC", "approver"],
        ["role", "login", "CLINIC", "requester"],
        ["role", "login", "CLINIC", "storekeeper"],
    ]
    assert "refused the login 'nsc.requester'" in failed[2]
    assert "stale-password" not in result.output


def test_odoo_down_exits_unreachable(fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"

    result = doctor(target_env(fake_odoo, reports_dir, url=url), sites_dir)

    assert result.exit_code == ExitCode.UNREACHABLE, result.output
    assert f"Odoo at {url} does not answer" in check_line(result.output, "connect")
    assert "checks: 0 ok, 1 with a problem" in result.output


def test_wrong_password_exits_authentication(fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path) -> None:
    result = doctor(target_env(fake_odoo, reports_dir, password="letmein"), sites_dir)

    assert result.exit_code == ExitCode.AUTHENTICATION, result.output
    assert f"refused the login 'admin' on database '{fake_odoo.database}'" in result.output
    assert "letmein" not in result.output


@pytest.mark.parametrize("missing", ["ODOO_URL", "ODOO_DB", "ODOO_PASSWORD"])
def test_missing_target_setting_exits_configuration(
    missing: str, fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    env = {name: value for name, value in target_env(fake_odoo, reports_dir).items() if name != missing}

    result = doctor(env, sites_dir)

    assert result.exit_code == ExitCode.CONFIGURATION, result.output
    assert result.stderr.startswith("uat: ConfigurationError: The target Odoo is not configured: set " + missing)
    assert fake_odoo.calls == []


def test_url_without_scheme_exits_configuration(fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path) -> None:
    result = doctor(target_env(fake_odoo, reports_dir, url="odoo.example.org:8069"), sites_dir)

    assert result.exit_code == ExitCode.CONFIGURATION
    assert "ODOO_URL must start with http:// or https://, got 'odoo.example.org:8069'" in result.stderr


def test_unknown_site_exits_unknown_site(fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path) -> None:
    result = doctor(target_env(fake_odoo, reports_dir), sites_dir, "--site", "WARD9")

    assert result.exit_code == ExitCode.UNKNOWN_SITE
    assert result.stderr == "uat: UnknownSiteError: Unknown site(s) WARD9; the profiles define CLINIC\n"
    assert fake_odoo.calls == []


def test_a_role_the_cycle_acts_as_missing_from_the_profile_names_site_cycle_and_role(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    profile = sites_dir / "clinic.yaml"
    profile.write_text(clinic_profile(roles=("storekeeper",)), encoding="utf-8")  # no accountant

    result = doctor(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == ExitCode.PROFILE, result.output
    failed = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1, result.output
    assert failed[0].split()[1:5] == ["cycle", "role", "CLINIC", "accountant"]
    assert failed[0].endswith(
        f"site CLINIC: cycle requisition_to_receipt acts as the accountant, but {profile} has no "
        "roles.accountant (add its login and password_env)"
    )
    assert "nsc.storekeeper logs in" in check_line(result.output, "role login CLINIC storekeeper")
    assert fake_odoo.writes() == []


def test_a_role_that_several_cycles_act_as_is_named_with_all_of_them(tmp_path: Path) -> None:
    bundled = yaml.safe_load((config.DEFAULT_SITES_DIR / "clinic.yaml").read_text(encoding="utf-8"))
    del bundled["roles"]["storekeeper"]
    path = tmp_path / "clinic.yaml"
    path.write_text(yaml.safe_dump(bundled), encoding="utf-8")

    needed = cycles_by_role(load_profile(path), roles_by_cycle())

    assert needed["storekeeper"] == ["requisition_to_receipt", "transfer_to_consumption", "month_end_close"]
    assert needed["technician"] == ["preventive_maintenance"]
    assert set(needed) == {
        "requester",
        "approver",
        "storekeeper",
        "nurse",
        "technician",
        "helpdesk_agent",
        "helpdesk_lead",
        "accountant",
    }


def test_feature_files_that_do_not_parse_are_a_doctor_problem(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    features = tmp_path / "features"
    features.mkdir()
    (features / "broken.feature").write_text(
        "Feature: Broken\n  Scenario: One\n    Given a step\n    no Gherkin\n", encoding="utf-8"
    )
    monkeypatch.setattr(config, "DEFAULT_FEATURES_DIR", features)

    result = doctor(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == ExitCode.FEATURE, result.output
    assert f"{features}/broken.feature:4: " in check_line(result.output, "cycle roles")


def test_doctor_lists_every_broken_reference_of_every_profile_in_one_pass(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    clinic = clinic_profile().replace("supplier: MedSupply Partners", "supplier: MedSupply Partner")
    (sites_dir / "clinic.yaml").write_text(clinic.replace("product: MS-GLOVE-NIT-M", "product: MS-GLOVE-XL"), "utf-8")
    (sites_dir / "other.yaml").write_text(clinic_profile("NSX").replace("code: CLINIC", "code: OTHER"), "utf-8")

    result = doctor(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == ExitCode.PROFILE, result.output
    failed = [line.split()[1:5] for line in result.output.splitlines() if line.startswith("FAIL")]
    assert failed == [
        ["profile", "reference", "CLINIC", "requisition_to_receipt.supplier"],
        ["profile", "reference", "CLINIC", "requisition_to_receipt.product"],
        ["profile", "reference", "OTHER", "warehouse"],
    ]
    assert "(blocks requisition_to_receipt)" in result.output


def test_offline_doctor_checks_every_bundled_profile_without_an_odoo(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["doctor", "--offline", "--sites-dir", str(DEFAULT_SITES_DIR)], env={})

    assert result.exit_code == ExitCode.OK, result.output
    assert [line.split()[3] for line in result.output.splitlines() if line.startswith("OK   profile schema")] == [
        "CLINIC",
        "HOSP",
        "LAB",
    ]


def test_offline_doctor_names_the_file_and_key_of_every_planted_problem(tmp_path: Path) -> None:
    sites = tmp_path / "planted"
    sites.mkdir()
    for path in DEFAULT_SITES_DIR.glob("*.yaml"):
        (sites / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    clinic, lab = sites / "clinic.yaml", sites / "laboratory.yaml"
    clinic.write_text(clinic.read_text(encoding="utf-8").replace("  lots: 2\n", "  lotz: 2\n"), encoding="utf-8")
    lab.write_text(lab.read_text(encoding="utf-8").replace("code: LAB\n", "code: lab lab\n"), encoding="utf-8")

    result = CliRunner().invoke(main, ["doctor", "--offline", "--sites-dir", str(sites)], env={})

    assert result.exit_code == ExitCode.PROFILE, result.output
    problems = [line.split("  ")[-1].strip() for line in result.output.splitlines() if line.startswith("FAIL")]
    assert problems[0] == f"{clinic}: requisition_to_receipt.lotz: is not a known key (a typo?)"
    assert problems[1].startswith(f"{lab}: code: String should match pattern")


MERIDIAN_SITES = Path(__file__).resolve().parent / "rollouts" / "meridian" / "sites"


def _planted_meridian(tmp_path: Path, east_approver: str) -> Path:
    """Meridian's two profiles, EAST's approver replaced by `east_approver`."""
    sites = tmp_path / "meridian"
    sites.mkdir()
    for path in MERIDIAN_SITES.glob("*.yaml"):
        (sites / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    east = sites / "east.yaml"
    text = east.read_text(encoding="utf-8")
    assert "approver:       {login: j.adeyemi@meridiancare.example," in text
    east.write_text(text.replace("j.adeyemi@meridiancare.example", east_approver), encoding="utf-8")
    return sites


def test_doctor_warns_when_a_requester_receives_her_own_order_without_failing(tmp_path: Path) -> None:
    sites = _planted_meridian(tmp_path, "j.adeyemi@meridiancare.example")  # as shipped: m.santos orders and receives

    result = CliRunner().invoke(main, ["doctor", "--offline", "--sites-dir", str(sites)], env={})

    assert result.exit_code == ExitCode.OK, result.output
    warned = [line for line in result.output.splitlines() if line.startswith("WARN")]
    assert len(warned) == 1
    assert warned[0].split()[1:7] == ["segregation", "of", "duties", "EAST", "requester", "="]
    assert warned[0].endswith(
        "site EAST: m.santos@meridiancare.example is both the requester and the storekeeper in "
        "requisition_to_receipt: the requester receives her own order (allowed; a segregation-of-duties point "
        "for the business owner)"
    )
    assert result.output.rstrip().endswith("0 with a problem, 1 warning")


def test_doctor_says_a_profile_whose_requester_is_its_approver_defeats_the_segregation_test(tmp_path: Path) -> None:
    sites = _planted_meridian(tmp_path, "M.Santos@meridiancare.example")  # one person, another spelling

    result = CliRunner().invoke(main, ["doctor", "--offline", "--sites-dir", str(sites)], env={})

    assert result.exit_code == ExitCode.PROFILE, result.output
    failed = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1
    assert failed[0].split()[1:8] == ["segregation", "of", "duties", "EAST", "requester", "=", "approver"]
    assert failed[0].endswith(
        f"{sites / 'east.yaml'}: roles.approver: site EAST: the requester and the approver are the same user "
        "'m.santos@meridiancare.example', which defeats the requisition_to_receipt test that the requester cannot "
        "approve the order; name a different approver for this site"
    )
    assert "WARN  segregation of duties  EAST requester = storekeeper" in result.output  # still noted


def test_doctor_against_odoo_reports_the_defeated_segregation_too(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    (sites_dir / "clinic.yaml").write_text(clinic_profile().replace("login: hhg.approver", "login: nsc.requester"))

    result = doctor(target_env(fake_odoo, reports_dir), sites_dir)

    assert result.exit_code == ExitCode.PROFILE, result.output
    failed = [line.split()[1:8] for line in result.output.splitlines() if line.startswith("FAIL")]
    assert failed == [["segregation", "of", "duties", "CLINIC", "requester", "=", "approver"]]
    assert "the requester and the approver are the same user 'nsc.requester'" in result.output
    assert fake_odoo.writes() == []
