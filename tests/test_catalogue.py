"""The step catalogue: generated docs are current, every step is bound once, bad feature files are named."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

from click.testing import CliRunner
from pytest_bdd.steps import step_function_context_registry

from odoo_uat.catalogue import STEPS_PACKAGE, parse_features, require_bound_steps, step_definitions
from odoo_uat.cli import main
from odoo_uat.config import DEFAULT_FEATURES_DIR, PROJECT_ROOT
from odoo_uat.cycles import CYCLE_NAMES
from odoo_uat.errors import ExitCode

BILL_POSTED = "the bill is posted"  # a catalogued step (billing) the feature files below use


def check(directory: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["steps", "--check", str(directory)])
    return result.exit_code, result.output


def test_every_step_of_the_bundled_features_is_bound() -> None:
    features = require_bound_steps(DEFAULT_FEATURES_DIR)

    assert sorted(Path(feature.filename).name for feature in features) == sorted(
        path.name for path in DEFAULT_FEATURES_DIR.glob("*.feature")
    )
    assert all(feature.scenarios for feature in features)


def test_steps_check_passes_on_a_copy_of_the_bundled_features(tmp_path: Path) -> None:
    shutil.copytree(DEFAULT_FEATURES_DIR, tmp_path / "features")

    exit_code, output = check(tmp_path / "features")

    count = len(list(DEFAULT_FEATURES_DIR.glob("*.feature")))
    assert exit_code == ExitCode.OK, output
    assert output.startswith(f"uat: every step of {count} feature files (")


def test_every_bundled_feature_is_tagged_with_exactly_one_cycle() -> None:
    for feature in parse_features(DEFAULT_FEATURES_DIR):
        cycles = sorted(set(feature.tags) & set(CYCLE_NAMES))
        assert len(cycles) == 1, f"{feature.filename} is tagged {sorted(feature.tags)}: it needs one cycle tag"
        assert Path(feature.filename).stem == cycles[0]


def test_malformed_feature_file_is_named_with_its_line(tmp_path: Path) -> None:
    features = tmp_path / "features"
    features.mkdir()
    broken = features / "broken.feature"
    broken.write_text(
        f"Feature: Broken\n  Scenario: One\n    Given {BILL_POSTED}\n    this line is no Gherkin\n", encoding="utf-8"
    )

    exit_code, output = check(features)

    assert exit_code == ExitCode.FEATURE
    assert output.startswith(f"uat: FeatureFileError: {broken}:4: ")
    assert "(line: 'this line is no Gherkin')" in output


def test_unknown_step_is_named_with_file_line_and_closest_catalogued_steps(tmp_path: Path) -> None:
    features = tmp_path / "features"
    features.mkdir()
    feature = features / "typo.feature"
    feature.write_text(
        "Feature: Typo\n"
        "  Scenario: One\n"
        "    Given the site requires manager approval for purchases above its limit\n"
        f"    Then {BILL_POSTED}\n"
        "    And the bill is paid by the cashier\n",
        encoding="utf-8",
    )

    exit_code, output = check(features)

    assert exit_code == ExitCode.FEATURE
    lines = output.splitlines()
    assert (
        lines[0] == f"uat: FeatureFileError: 2 step(s) in {features} are not in the step catalogue (run `uat steps`):"
    )
    assert lines[1] == (
        f"{feature}:3: Given 'the site requires manager approval for purchases above its limit': "
        "no step definition matches"
    )
    assert lines[2].strip() == "closest catalogued steps:"
    assert lines[3].strip() == ("Given the site requires a manager's approval for purchases above its approval limit")
    assert f"{feature}:5: Then 'the bill is paid by the cashier': no step definition matches" in output
    assert f"      Then {BILL_POSTED}" in output


def test_a_when_step_used_as_given_is_not_bound(tmp_path: Path) -> None:
    features = tmp_path / "features"
    features.mkdir()
    (features / "keyword.feature").write_text(
        "Feature: Keyword\n  Scenario: One\n    Given the accountant bills the order\n", encoding="utf-8"
    )

    exit_code, output = check(features)

    assert exit_code == ExitCode.FEATURE
    assert "keyword.feature:3: Given 'the accountant bills the order': no step definition matches" in output


def test_docs_steps_md_is_the_generated_catalogue() -> None:
    generated = CliRunner().invoke(main, ["steps", "--markdown"])

    assert generated.exit_code == ExitCode.OK
    documented = (PROJECT_ROOT / "docs" / "STEPS.md").read_text(encoding="utf-8")
    assert documented == generated.output, "docs/STEPS.md is stale: run `make catalogue`"


def test_every_catalogued_step_is_in_the_markdown_once() -> None:
    markdown = CliRunner().invoke(main, ["steps", "--markdown"]).output

    for definition in step_definitions():
        assert markdown.count(f"**{definition.keyword.capitalize()}** {definition.text}") == 1, definition.text


def test_every_step_text_has_exactly_one_definition() -> None:
    step_definitions()  # imports every step module
    functions_by_text: dict[str, set[str]] = defaultdict(set)
    for context in list(step_function_context_registry.values()):
        module = context.step_func.__module__
        if module.startswith(f"{STEPS_PACKAGE}."):
            functions_by_text[context.parser.name].add(f"{module}.{context.step_func.__qualname__}")

    assert functions_by_text, "no step definitions found"
    duplicated = {text: sorted(functions) for text, functions in functions_by_text.items() if len(functions) > 1}
    assert duplicated == {}
