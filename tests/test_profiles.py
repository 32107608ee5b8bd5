"""Site profiles: the bundled ones validate; a broken one is named by file, key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from odoo_uat.config import DEFAULT_SITES_DIR
from odoo_uat.errors import ConfigurationError, ExitCode, ProfileError, ProfileErrors, UnknownSiteError
from odoo_uat.profiles import ROLE_NAMES, LoadedProfile, load_profile, load_profiles, select_sites
from tests.support import CLINIC_PROFILE

GOOD = CLINIC_PROFILE.format(warehouse="NSC")


def problems_of(path: Path) -> list[tuple[str, str, str]]:
    """(file, key, problem) of every error loading `path` reports."""
    with pytest.raises((ProfileError, ProfileErrors)) as raised:
        load_profile(path)
    error = raised.value
    assert error.exit_code == ExitCode.PROFILE
    errors = error.errors if isinstance(error, ProfileErrors) else [error] if isinstance(error, ProfileError) else []
    return [(e.file, e.key, e.problem) for e in errors]


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", sorted(DEFAULT_SITES_DIR.glob("*.yaml")), ids=lambda path: path.name)
def test_every_bundled_profile_validates(path: Path) -> None:
    loaded = load_profile(path)

    assert loaded.path == path
    assert set(loaded.profile.roles) <= set(ROLE_NAMES)
    assert loaded.profile.cycle_sections(), f"{path.name} has no cycle section, so no scenario runs for it"


def test_bundled_sites_are_the_three_example_sites() -> None:
    profiles = {item.profile.code: item.profile for item in load_profiles(DEFAULT_SITES_DIR)}

    assert sorted(profiles) == ["CLINIC", "HOSP", "LAB"]
    assert {code: (p.company, p.warehouse) for code, p in profiles.items()} == {
        "CLINIC": ("Harbour Health Group", "NSC"),
        "HOSP": ("Harbour Health Group", "HGH"),
        "LAB": ("Harbour Diagnostics Ltd", "HDL"),
    }


def test_missing_key_names_file_key_and_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "clinic.yaml", GOOD.replace("warehouse: NSC\n", ""))

    assert problems_of(path) == [(str(path), "warehouse", "is required but missing")]


def test_unknown_key_is_reported_as_a_probable_typo(tmp_path: Path) -> None:
    path = write(tmp_path, "clinic.yaml", GOOD.replace("warehouse: NSC", "warehous: NSC"))

    assert problems_of(path) == [
        (str(path), "warehouse", "is required but missing"),
        (str(path), "warehous", "is not a known key (a typo?)"),
    ]


def test_typo_inside_a_cycle_section_names_the_dotted_key(tmp_path: Path) -> None:
    path = write(tmp_path, "clinic.yaml", GOOD.replace("  unit_price: 45.0", "  unit_prize: 45.0"))

    assert problems_of(path) == [
        (str(path), "requisition_to_receipt.unit_price", "is required but missing"),
        (str(path), "requisition_to_receipt.unit_prize", "is not a known key (a typo?)"),
    ]


def test_out_of_range_value_names_the_nested_key_and_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, "clinic.yaml", GOOD.replace("receive_percent: 75", "receive_percent: 150"))

    [(file, key, problem)] = problems_of(path)

    assert (file, key) == (str(path), "requisition_to_receipt.short_shipment.receive_percent")
    assert problem == "Input should be less than or equal to 99 (got 150)"


def test_broken_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "clinic.yaml", GOOD.replace("company: Harbour Health Group", "company: Harbour: Health"))

    assert problems_of(path) == [
        (str(path), "line 3, column 17", "not valid YAML: mapping values are not allowed here")
    ]


def test_a_list_instead_of_a_mapping_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "clinic.yaml", "- CLINIC\n- HOSP\n")

    assert problems_of(path) == [(str(path), "(top level)", "expected a mapping of keys (code, name, company, ...)")]


def test_unknown_role_lists_the_roles_there_are(tmp_path: Path) -> None:
    path = write(tmp_path, "clinic.yaml", GOOD.replace("  approver: ", "  chef: "))

    [(file, key, problem)] = problems_of(path)

    assert (file, key) == (str(path), "roles")
    assert "unknown role(s) chef; roles are " + ", ".join(ROLE_NAMES) in problem


def test_password_is_never_in_a_profile_only_the_variable_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, "clinic.yaml", GOOD.replace("password_env: UAT_ROLE_PASSWORD}", "password: hunter22}", 1))

    problems = problems_of(path)

    assert (str(path), "roles.requester.password_env", "is required but missing") in problems
    assert (str(path), "roles.requester.password", "is not a known key (a typo?)") in problems


def test_role_password_variable_unset_is_a_configuration_error(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, "clinic.yaml", GOOD)).profile

    with pytest.raises(
        ConfigurationError, match=r"'nsc\.requester' is read from \$UAT_ROLE_PASSWORD, which is not set"
    ):
        profile.role("requester").secret()
    with pytest.raises(ConfigurationError, match=r"Site CLINIC has no 'nurse' role in its profile"):
        profile.role("nurse")


def test_duplicate_site_code_names_both_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a_clinic.yaml", GOOD)
    second = write(tmp_path, "b_clinic.yaml", GOOD.replace("name: Northside Clinic", "name: Northside Clinic (copy)"))

    with pytest.raises(ProfileErrors) as raised:
        load_profiles(tmp_path)

    assert [(e.file, e.key, e.problem) for e in raised.value.errors] == [
        (str(second), "code", f"'CLINIC' is also the code in {first}")
    ]


def test_every_broken_profile_is_reported_in_one_pass(tmp_path: Path) -> None:
    write(tmp_path, "clinic.yaml", GOOD.replace("warehouse: NSC\n", ""))
    write(tmp_path, "hospital.yml", GOOD.replace("code: CLINIC", "code: hosp"))

    with pytest.raises(ProfileErrors) as raised:
        load_profiles(tmp_path)

    assert [(Path(e.file).name, e.key) for e in raised.value.errors] == [
        ("clinic.yaml", "warehouse"),
        ("hospital.yml", "code"),
    ]
    assert "String should match pattern" in raised.value.errors[1].problem


def test_sites_directory_missing_or_empty_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_profiles(tmp_path / "nowhere")
    with pytest.raises(ConfigurationError, match=r"No site profiles \(\*\.yaml\) in"):
        load_profiles(tmp_path)


@pytest.fixture
def bundled() -> list[LoadedProfile]:
    return load_profiles(DEFAULT_SITES_DIR)


def test_select_sites_defaults_to_all_and_accepts_lower_case(bundled: list[LoadedProfile]) -> None:
    assert select_sites(bundled, []) == bundled
    assert [item.profile.code for item in select_sites(bundled, ["lab", "CLINIC", "LAB"])] == ["LAB", "CLINIC"]


def test_select_unknown_site_lists_the_known_codes(bundled: list[LoadedProfile]) -> None:
    with pytest.raises(UnknownSiteError) as raised:
        select_sites(bundled, ["CLINIC", "WARD9"])

    assert str(raised.value) == "Unknown site(s) WARD9; the profiles define CLINIC, HOSP, LAB"
    assert raised.value.exit_code == ExitCode.UNKNOWN_SITE
