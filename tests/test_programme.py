"""A programme's own suite: `uat init`, --features-dir / UAT_FEATURES_DIR, and what a release ships. No Odoo."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from odoo_uat import config
from odoo_uat.cli import main
from odoo_uat.cycles import CYCLE_NAMES
from odoo_uat.draft_profile import STATE, Draft, Entry, placeholder
from odoo_uat.errors import ExitCode
from odoo_uat.profiles import load_profiles
from odoo_uat.programme import EXAMPLE_PROFILE_HEADER

PROGRAMME_FILES = {".gitignore", "README.md", "environments.example.yaml"}
UNBOUND_STEP = "Given a step no harness module defines"


def init(directory: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["init", str(directory), *args])
    return result.exit_code, result.output


def uat(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`uat` in its own process, as a programme runs it from its own directory."""
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "odoo_uat", *args], cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )


def test_init_lays_out_a_programme_with_the_bundled_features_and_example_profiles(tmp_path: Path) -> None:
    programme = tmp_path / "programme"

    exit_code, output = init(programme)

    assert exit_code == ExitCode.OK, output
    assert {path.name for path in programme.iterdir()} == PROGRAMME_FILES | {"features", "sites"}
    for bundled in config.DEFAULT_FEATURES_DIR.glob("*.feature"):
        assert (programme / "features" / bundled.name).read_text(encoding="utf-8") == bundled.read_text(
            encoding="utf-8"
        )
    bundled_sites = sorted(path.name for path in config.DEFAULT_SITES_DIR.glob("*.yaml"))
    assert sorted(path.name for path in (programme / "sites").glob("*.yaml")) == bundled_sites
    for profile in (programme / "sites").glob("*.yaml"):
        assert profile.read_text(encoding="utf-8").startswith(EXAMPLE_PROFILE_HEADER)
        assert "EXAMPLE PROFILE" in profile.read_text(encoding="utf-8")
    assert len(load_profiles(programme / "sites")) == len(bundled_sites)  # the header keeps them valid YAML
    ignored = (programme / ".gitignore").read_text(encoding="utf-8").split()
    assert "reports/" in ignored
    assert "environments.yaml" in ignored
    example = yaml.safe_load((programme / "environments.example.yaml").read_text(encoding="utf-8"))
    assert set(next(iter(example.values()))) == {"url", "database", "user", "password_env"}
    readme = (programme / "README.md").read_text(encoding="utf-8")
    for command in (
        "uat doctor --offline",
        "uat doctor --sites-dir",
        "uat run --features-dir features --sites-dir sites",
    ):
        assert command in readme


def test_init_refuses_a_directory_that_is_not_empty_unless_forced(tmp_path: Path) -> None:
    programme = tmp_path / "programme"
    programme.mkdir()
    (programme / "notes.txt").write_text("the programme's own file", encoding="utf-8")

    exit_code, output = init(programme)

    assert exit_code == ExitCode.CONFIGURATION
    assert f"uat: ConfigurationError: {programme} is not empty" in output
    assert "--force" in output
    assert [path.name for path in programme.iterdir()] == ["notes.txt"]

    exit_code, output = init(programme, "--force")

    assert exit_code == ExitCode.OK, output
    assert (programme / "notes.txt").read_text(encoding="utf-8") == "the programme's own file"
    assert (programme / "features").is_dir()


def test_init_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "programme"
    target.write_text("", encoding="utf-8")

    exit_code, output = init(target)

    assert exit_code != ExitCode.OK
    assert "programme" in output


def test_doctor_offline_passes_on_a_new_programme_from_its_own_directory(tmp_path: Path) -> None:
    programme = tmp_path / "programme"
    init(programme)

    done = uat("doctor", "--offline", "--sites-dir", "sites", "--features-dir", "features", cwd=programme)

    assert done.returncode == ExitCode.OK, done.stdout + done.stderr
    assert "0 with a problem" in done.stdout


def bad_features(tmp_path: Path) -> Path:
    features = tmp_path / "our-features"
    features.mkdir()
    (features / "ours.feature").write_text(
        f"@preventive_maintenance\nFeature: Ours\n  Scenario: Unbound\n    {UNBOUND_STEP}\n", encoding="utf-8"
    )
    return features


@pytest.mark.parametrize("how", ["option", "environment", "check value"])
def test_steps_check_reads_the_programmes_features(tmp_path: Path, how: str) -> None:
    features = bad_features(tmp_path)
    args = {
        "option": ["steps", "--check", "--features-dir", str(features)],
        "environment": ["steps", "--check"],
        "check value": ["steps", "--check", str(features)],
    }[how]
    env = {"UAT_FEATURES_DIR": str(features)} if how == "environment" else {}

    result = CliRunner().invoke(main, args, env=env)

    assert result.exit_code == ExitCode.FEATURE, result.output
    assert "ours.feature" in result.output
    assert "Unbound" in result.output or UNBOUND_STEP.removeprefix("Given ") in result.output


def test_a_missing_features_directory_is_a_configuration_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["steps", "--check", "--features-dir", str(tmp_path / "nowhere")])

    assert result.exit_code == ExitCode.CONFIGURATION
    assert "nowhere does not exist (set --features-dir or UAT_FEATURES_DIR)" in result.output


def test_uat_run_checks_the_programmes_features_before_anything_is_written(tmp_path: Path) -> None:
    features = bad_features(tmp_path)
    reports = tmp_path / "reports"
    env = {
        "ODOO_URL": "http://127.0.0.1:9",  # never reached: the feature check comes first
        "ODOO_DB": "uat",
        "ODOO_USER": "admin",
        "ODOO_PASSWORD": "admin",
        "UAT_REPORTS_DIR": str(reports),
    }

    result = CliRunner().invoke(main, ["run", "--features-dir", str(features)], env=env)

    assert result.exit_code == ExitCode.FEATURE, result.output
    assert "ours.feature" in result.output
    assert not reports.exists()


def test_uat_run_binds_the_feature_files_of_the_programme(tmp_path: Path) -> None:
    """A programme's feature file, under a name and title of its own, is what `uat run` collects, and nothing else."""
    programme = tmp_path / "programme"
    init(programme)
    bundled = (programme / "features" / "preventive_maintenance.feature").read_text(encoding="utf-8")
    for path in (programme / "features").glob("*.feature"):
        path.unlink()
    (programme / "features" / "our_equipment.feature").write_text(
        bundled.replace("Feature: ", "Feature: Our programme's ", 1), encoding="utf-8"
    )
    env = {
        "ODOO_URL": "http://127.0.0.1:9",  # collecting reaches no Odoo
        "ODOO_DB": "uat",
        "ODOO_USER": "admin",
        "ODOO_PASSWORD": "admin",
        "UAT_REPORTS_DIR": str(tmp_path / "reports"),
    }

    done = uat(
        "run",
        "--features-dir",
        "features",
        "--sites-dir",
        "sites",
        "--",
        "--collect-only",
        "-q",
        cwd=programme,
        env=env,
    )

    collected = [line for line in done.stdout.splitlines() if "::" in line]
    assert collected, done.stdout + done.stderr
    assert all("test_features.py::" in line for line in collected)
    assert len(collected) == bundled.count("Scenario") * len(list((programme / "sites").glob("*.yaml")))
    names = " ".join(collected)
    assert "month_end" not in names
    assert "requisition" not in names


def test_reports_of_an_installed_harness_go_to_the_programme_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(config, "INSTALLED", True)

    assert config.reports_dir({}) == tmp_path / "reports"
    assert config.reports_dir({"UAT_REPORTS_DIR": "/elsewhere"}) == Path("/elsewhere")


def test_features_dir_comes_from_the_option_then_the_environment_then_the_harness(tmp_path: Path) -> None:
    assert config.features_dir({}) == config.DEFAULT_FEATURES_DIR
    assert config.features_dir({"UAT_FEATURES_DIR": str(tmp_path)}) == tmp_path
    assert config.features_dir({"UAT_FEATURES_DIR": "/x"}, override=tmp_path / "y") == tmp_path / "y"


def test_a_checkout_is_its_own_project_root() -> None:
    assert not config.INSTALLED
    assert (config.PROJECT_ROOT / "steps" / "__init__.py").is_file()
    assert (config.PROJECT_ROOT / "pyproject.toml").is_file()


def shipped_packages() -> tuple[list[str], dict[str, str]]:
    document = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = document["tool"]["setuptools"]
    return setuptools["packages"], setuptools["package-dir"]


def test_a_release_ships_every_package_of_the_harness_and_its_suite() -> None:
    """pyproject.toml lists packages one by one (the suite is mapped under odoo_uat._suite): a new subpackage
    missing from the list would be missing from every installed harness."""
    packages, mapping = shipped_packages()
    assert mapping == {"odoo_uat._suite": "."}
    on_disk = {
        ".".join(path.parent.relative_to(config.PROJECT_ROOT).parts)
        for top in ("odoo_uat", "steps", "fixtures", "scenarios")
        for path in (config.PROJECT_ROOT / top).rglob("__init__.py")
    }
    as_shipped = {name if name.startswith("odoo_uat") else f"odoo_uat._suite.{name}" for name in on_disk}
    assert set(packages) == as_shipped | {"odoo_uat._suite"}


def test_the_cycles_markers_come_from_the_one_list_of_cycles(pytestconfig: pytest.Config) -> None:
    document = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "markers" not in document["tool"]["pytest"]["ini_options"]
    registered = {line.split(":")[0] for line in pytestconfig.getini("markers")}
    assert {*CYCLE_NAMES, "live", "per_company"} <= registered


def test_a_draft_names_every_placeholder_and_renders_comments() -> None:
    draft = Draft(
        entries=[
            Entry("code", "WEST"),
            Entry("section", children=[placeholder("limit", "orders above it need approval"), Entry("x", "1", "why")]),
            Entry("optional", "fefo", "expectation", commented_out=True),
        ],
        header=["a draft"],
    )

    text = draft.text()

    assert draft.placeholders() == ["section.limit"]
    assert draft.filled() == ["code", "section.x"]
    assert f"  limit: null  # {STATE} orders above it need approval" in text
    assert "# optional: fefo  # expectation" in text
    assert yaml.safe_load(text) == {"code": "WEST", "section": {"limit": None, "x": "1"}}


def test_a_programmes_own_steps_and_fixtures_packages_do_not_shadow_the_harnesss(tmp_path: Path) -> None:
    """`python -m` puts the programme's directory first on sys.path; the harness's suite still comes first."""
    programme = tmp_path / "programme"
    init(programme)
    for name in ("steps", "fixtures"):
        (programme / name).mkdir()
        (programme / name / "__init__.py").write_text(f"raise ImportError('the programme own {name}')\n")

    env = {
        "ODOO_URL": "http://127.0.0.1:9",  # collecting reaches no Odoo
        "ODOO_DB": "uat",
        "ODOO_USER": "admin",
        "ODOO_PASSWORD": "admin",
        "UAT_REPORTS_DIR": str(tmp_path / "reports"),
    }

    done = uat("steps", "--check", "--features-dir", "features", cwd=programme)
    doctor = uat("doctor", "--offline", "--features-dir", "features", "--sites-dir", "sites", cwd=programme)
    collected = uat(
        "run", "--features-dir", "features", "--sites-dir", "sites", "--", "--co", "-q", cwd=programme, env=env
    )

    assert done.returncode == ExitCode.OK, done.stdout + done.stderr
    assert "is bound" in done.stdout
    assert doctor.returncode == ExitCode.OK, doctor.stdout + doctor.stderr
    assert collected.returncode == ExitCode.OK, collected.stdout + collected.stderr
    assert "the programme own" not in collected.stdout + collected.stderr
    assert sum("test_features.py::" in line for line in collected.stdout.splitlines()) >= len(CYCLE_NAMES)
