"""The README's promises that code can check: its exit-code table is the ExitCode enum, row for row."""

from __future__ import annotations

import re

import click
import pytest

from odoo_uat.config import PROJECT_ROOT
from odoo_uat.errors import ExitCode

# A row of the table under "### Exit codes": | 22 | NOT_A_UAT_TARGET | meaning |  (backticks allowed)
EXIT_CODE_ROW = re.compile(r"^\|\s*`?(?P<code>\d+)`?\s*\|\s*`?(?P<name>[A-Z][A-Z0-9_]*)`?\s*\|(?P<meaning>[^|]*)\|\s*$")


def exit_code_rows() -> list[tuple[int, str, str]]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    return [
        (int(match["code"]), match["name"], match["meaning"].strip())
        for line in section.splitlines()
        if (match := EXIT_CODE_ROW.match(line))
    ]


def test_readme_exit_code_table_lists_every_exit_code_with_its_number() -> None:
    rows = exit_code_rows()

    assert [(code, name) for code, name, _ in rows] == [(int(member), member.name) for member in ExitCode]
    assert all(meaning for _, _, meaning in rows), "every exit code needs a meaning in the README"


def test_pytests_codes_pass_through_and_the_harnesss_own_never_clash_with_them() -> None:
    passed_through = {
        ExitCode.OK: pytest.ExitCode.OK,
        ExitCode.SCENARIOS_FAILED: pytest.ExitCode.TESTS_FAILED,
        ExitCode.NO_SCENARIOS: pytest.ExitCode.NO_TESTS_COLLECTED,
        ExitCode.PYTEST_INTERNAL_ERROR: pytest.ExitCode.INTERNAL_ERROR,
        ExitCode.PYTEST_USAGE: pytest.ExitCode.USAGE_ERROR,
    }
    harness_own = [member for member in ExitCode if member not in passed_through and member != ExitCode.USAGE]

    assert all(int(ours) == int(pytests) for ours, pytests in passed_through.items())
    assert click.UsageError.exit_code == ExitCode.USAGE
    assert {int(member) for member in harness_own}.isdisjoint(int(code) for code in pytest.ExitCode)
    assert all(10 <= int(member) < 126 for member in harness_own)  # shells reserve 126 and up


def test_the_readmes_complete_profile_is_the_bundled_clinic_profile() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    clinic = (PROJECT_ROOT / "fixtures" / "sites" / "clinic.yaml").read_text(encoding="utf-8")

    assert f"```yaml\n{clinic}```" in readme
