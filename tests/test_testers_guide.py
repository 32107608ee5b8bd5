"""docs/TESTERS.md cannot drift: every Gherkin example in it is a passage of a feature file CI runs, every profile
excerpt a passage of a bundled site profile, and every `uat run ... -k` line in it selects a scenario."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from odoo_uat.config import DEFAULT_FEATURES_DIR, DEFAULT_SITES_DIR, PROJECT_ROOT

GUIDE = PROJECT_ROOT / "docs" / "TESTERS.md"
MERIDIAN_SITES = PROJECT_ROOT / "tests" / "rollouts" / "meridian" / "sites"
FENCE = re.compile(r"^```(?P<language>\w*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[str]:
    return [
        match["body"] for match in FENCE.finditer(GUIDE.read_text(encoding="utf-8")) if match["language"] == language
    ]


def lines_of(text: str) -> list[str]:
    """A passage as lines without their indentation or trailing spaces (indentation is the guide's own)."""
    return [line.strip() for line in text.rstrip("\n").splitlines()]


def is_passage_of(block: str, files: list[Path]) -> bool:
    wanted = lines_of(block)
    for path in files:
        have = lines_of(path.read_text(encoding="utf-8"))
        if any(have[start : start + len(wanted)] == wanted for start in range(len(have) - len(wanted) + 1)):
            return True
    return False


def test_every_gherkin_example_of_the_guide_is_taken_from_a_feature_file_ci_runs() -> None:
    features = sorted(DEFAULT_FEATURES_DIR.glob("*.feature"))
    examples = blocks("gherkin")

    assert len(examples) >= 8, "the guide shows a scenario, a variation, an outline, site rows, a table, a named record"
    drifted = [block for block in examples if not is_passage_of(block, features)]
    assert drifted == [], "these examples of docs/TESTERS.md are in no features/*.feature file:\n\n" + "\n\n".join(
        drifted
    )


def test_every_profile_excerpt_of_the_guide_is_taken_from_a_bundled_site_profile() -> None:
    profiles = sorted([*DEFAULT_SITES_DIR.glob("*.yaml"), *MERIDIAN_SITES.glob("*.yaml")])
    excerpts = blocks("yaml")

    assert excerpts, "the guide shows a profile's names: section"
    assert [block for block in excerpts if not is_passage_of(block, profiles)] == []


def test_the_guide_shows_each_construct_a_tester_needs() -> None:
    examples = "\n".join(blocks("gherkin"))

    assert "Scenario Outline:" in examples
    assert "Examples:" in examples
    assert re.search(r"^\s*\| site\s+\|", examples, re.MULTILINE), "an Examples table with a site column"
    assert re.search(r"^\s*\|\s*CLINIC, HOSP\s*\|", examples, re.MULTILINE), "a row for several sites"
    assert re.search(r":\n\s+\| quantity\s+\| expires\s+\|\n", examples), "a step with a data table"
    assert '"second ward"' in examples, "a record named by the profile's names:"
    assert re.search(r"\bin \d+ days\b", examples), "a day relative to today"


def test_the_readme_links_the_guide() -> None:
    assert "(docs/TESTERS.md)" in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def run_lines() -> list[list[str]]:
    commands = [
        shlex.split(line) for block in blocks("sh") for line in block.splitlines() if line.startswith("uat run")
    ]
    return [command for command in commands if "-k" in command or "-m" in command]


@pytest.mark.parametrize("command", run_lines(), ids=" ".join)
def test_every_run_line_of_the_guide_selects_a_scenario(command: list[str]) -> None:
    site = command[command.index("--site") + 1]
    pytest_args = command[command.index("--") + 1 :]
    environment = {name: value for name, value in os.environ.items() if not name.startswith(("ODOO_", "UAT_"))}
    environment |= {"ODOO_URL": "http://odoo.invalid", "ODOO_DB": "uat", "ODOO_USER": "admin", "ODOO_PASSWORD": "-"}

    collect = [sys.executable, "-m", "pytest", "scenarios", "--collect-only", "-q", "-p", "no:randomly"]
    collected = subprocess.run(
        [*collect, "--uat-site", site, *pytest_args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    selected = [line for line in collected.stdout.splitlines() if line.startswith("scenarios/")]
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert selected, collected.stdout
    assert all(f"[{site}" in line for line in selected)
