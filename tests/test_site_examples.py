"""The `site` column of an Examples table: a row runs for the sites it names only (deselected, not skipped,
elsewhere); an empty cell or no column means every site. A miniature project on the harness's own plugins, run by
pytester (no Odoo: its one step records which site ran which row)."""

from __future__ import annotations

from pathlib import Path

import pytest

import fixtures.options
from tests.support import CLINIC_PROFILE

MINI_CONFTEST = """
from __future__ import annotations

import os

from pytest_bdd import given, parsers

pytest_plugins = ["fixtures.options", "fixtures.target", "odoo_uat.reporting"]


@given(parsers.parse("an order of {size:d} units is placed"))
def order_placed(site_code: str, size: int) -> None:
    with open(os.environ["RUNS_FILE"], "a", encoding="utf-8") as runs:
        runs.write(f"{site_code} {size}\\n")
"""

SITE_RULES = """\
Feature: Site rules
  Scenario Outline: An order of <size> units
    Given an order of <size> units is placed

    Examples:
      | size | site        |
      | 10   | CLINIC      |
      | 20   | LAB         |
      | 30   | CLINIC, LAB |
      | 40   |             |
      | 60   | hosp        |

  Scenario Outline: An order of <size> units anywhere
    Given an order of <size> units is placed

    Examples:
      | size |
      | 50   |
"""

INI = """
[pytest]
bdd_features_base_dir = features/
filterwarnings = ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning
markers =
    live: needs a real Odoo target
    per_company: once per company
"""

EVERY_SITE = ("CLINIC", "HOSP", "LAB")


def _profile(code: str, company: str, warehouse: str) -> str:
    return (
        CLINIC_PROFILE.format(warehouse=warehouse)
        .replace("code: CLINIC", f"code: {code}")
        .replace("Harbour Health Group", company)
    )


@pytest.fixture
def mini(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(MINI_CONFTEST)
    pytester.makefile(".ini", pytest=INI)
    (pytester.mkdir("features") / "site_rules.feature").write_text(SITE_RULES, encoding="utf-8")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "test_features.py").write_text(
        'from pytest_bdd import scenarios\n\nscenarios(".")\n', encoding="utf-8"
    )
    sites = pytester.mkdir("sites")
    (sites / "clinic.yaml").write_text(_profile("CLINIC", "Harbour Health Group", "NSC"), "utf-8")
    (sites / "hospital.yaml").write_text(_profile("HOSP", "Harbour Health Group", "HGH"), "utf-8")
    (sites / "lab.yaml").write_text(_profile("LAB", "Harbour Diagnostics Ltd", "HDL"), "utf-8")
    monkeypatch.setattr(fixtures.options, "SCENARIOS_DIR", pytester.path / "scenarios")
    monkeypatch.setenv("UAT_SITES_DIR", str(sites))
    monkeypatch.setenv("UAT_ROLE_PASSWORD", "Role-Secret-2026")
    monkeypatch.setenv("ODOO_URL", "http://odoo.invalid")
    monkeypatch.setenv("RUNS_FILE", str(pytester.path / "runs.txt"))
    return pytester


def runs(mini: pytest.Pytester) -> list[tuple[str, int]]:
    path = mini.path / "runs.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return sorted((site, int(size)) for site, size in (line.split() for line in lines))


def test_each_examples_row_runs_for_the_sites_its_site_column_names_and_is_deselected_elsewhere(
    mini: pytest.Pytester,
) -> None:
    result = mini.runpytest("-v", "-p", "no:randomly", "scenarios")

    assert runs(mini) == sorted(
        [
            ("CLINIC", 10),  # CLINIC only
            ("LAB", 20),  # LAB only
            ("CLINIC", 30),  # "CLINIC, LAB"
            ("LAB", 30),
            *((site, 40) for site in EVERY_SITE),  # an empty cell: every site
            ("HOSP", 60),  # a code is read whatever its case
            *((site, 50) for site in EVERY_SITE),  # no site column: every site
        ]
    )
    # 6 rows x 3 sites = 18 items: 11 run; the 7 of a site its row does not name are deselected, not skipped
    result.assert_outcomes(passed=11, deselected=7)
    assert "skipped" not in result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK


def test_a_run_for_one_site_runs_its_rows_and_the_rows_for_every_site(mini: pytest.Pytester) -> None:
    result = mini.runpytest("-v", "-p", "no:randomly", "scenarios", "--uat-site", "LAB")

    assert runs(mini) == [("LAB", 20), ("LAB", 30), ("LAB", 40), ("LAB", 50)]
    result.assert_outcomes(passed=4, deselected=2)  # the CLINIC row and the HOSP row
    result.stdout.fnmatch_lines(["*test_an_order_of_size_units?LAB-20-LAB? PASSED*"])
    assert "skipped" not in result.parseoutcomes()


def test_without_a_target_every_row_is_deselected_not_skipped(
    mini: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ODOO_URL")

    result = mini.runpytest("-p", "no:randomly", "scenarios")

    assert runs(mini) == []
    result.assert_outcomes(deselected=18)
    assert "skipped" not in result.parseoutcomes()


def test_the_row_a_site_runs_is_labelled_with_its_values(mini: pytest.Pytester) -> None:
    result = mini.runpytest("--collect-only", "-q", "-p", "no:randomly", "scenarios", "--uat-site", "CLINIC")

    collected = sorted(line.split("::")[1] for line in result.outlines if line.startswith("scenarios/"))
    assert len(collected) == 4, collected  # 10 (CLINIC), 30 (CLINIC, LAB), 40 (every site), 50 (no column)
    assert all("CLINIC" in test_id for test_id in collected), collected
    assert not any(Path(test_id).name.endswith("60]") for test_id in collected)
