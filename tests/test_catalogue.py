"""The step catalogue: generated docs are current, every step is bound once and gets what it needs, bad feature files
are named, and every step declares what it needs in its signature."""

from __future__ import annotations

import importlib.util
import shutil
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_bdd.parsers import get_parser
from pytest_bdd.steps import StepFunctionContext, step_function_context_registry

from odoo_uat import config
from odoo_uat.catalogue import (
    HARNESS_FIXTURES,
    STEPS_PACKAGE,
    StepDefinition,
    catalogue_problems,
    check_features,
    describe_steps,
    fixture_functions,
    parse_features,
    require_bound_steps,
    roles_by_cycle,
    step_definitions,
)
from odoo_uat.cli import main
from odoo_uat.config import DEFAULT_FEATURES_DIR, PROJECT_ROOT
from odoo_uat.cycles import CYCLE_NAMES
from odoo_uat.errors import ExitCode
from odoo_uat.profiles import ROLE_NAMES
from tests.fake_odoo import FakeOdoo
from tests.support import target_env

BILL_POSTED = "the bill is posted"  # a catalogued step (billing) the feature files below use


def check(directory: Path, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["steps", "--check", str(directory), *options])
    return result.exit_code, result.output


def test_every_step_of_the_bundled_features_is_bound() -> None:
    features = require_bound_steps(DEFAULT_FEATURES_DIR)

    assert sorted(Path(feature.filename).name for feature in features) == sorted(
        path.name for path in DEFAULT_FEATURES_DIR.glob("*.feature")
    )
    assert all(feature.scenarios for feature in features)


def test_steps_check_passes_on_a_copy_of_the_bundled_features(tmp_path: Path) -> None:
    shutil.copytree(DEFAULT_FEATURES_DIR, tmp_path / "features")  # as `uat init` copies them into a programme

    exit_code, output = check(tmp_path / "features")  # their Examples' sites are those of the bundled rollouts

    count = len(list(DEFAULT_FEATURES_DIR.glob("*.feature")))
    assert exit_code == ExitCode.OK, output
    assert output.startswith(f"uat: every step of {count} feature files (")


def test_every_bundled_feature_is_tagged_with_exactly_one_cycle() -> None:
    for feature in parse_features(DEFAULT_FEATURES_DIR):
        cycles = sorted(set(feature.tags) & set(CYCLE_NAMES))
        assert len(cycles) == 1, f"{feature.filename} is tagged {sorted(feature.tags)}: it needs one cycle tag"
        if Path(feature.filename).stem in CYCLE_NAMES:  # a cycle's own file; variations have names of their own
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
    assert lines[0] == (
        f"uat: FeatureFileError: 3 step problem(s) in the feature files under {features} "
        "(the catalogue, with what each step needs: `uat steps`):"
    )
    assert lines[1] == (
        f"{feature}:3: Given 'the site requires manager approval for purchases above its limit': "
        "no step definition matches"
    )
    assert lines[2].strip() == "closest catalogued steps:"
    assert lines[3].strip() == ("Given the site requires a manager's approval for purchases above its approval limit")
    assert f"{feature}:5: Then 'the bill is paid by the cashier': no step definition matches" in output
    assert f"      Then {BILL_POSTED}" in output
    # and the bill posted before any step billed the order:
    assert f"{feature}:4: Then {BILL_POSTED!r}: needs `vendor_bill`, which no earlier step of scenario 'One'" in output


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


# -- what a step needs: the check against the order of a scenario's steps -----------------------------------

CONFIRM = "the requester confirms the requisition"  # needs `requisition`
RAISE_ABOVE = "the requester raises a requisition for the site's lot-tracked supply above the approval limit"
APPROVAL_POLICY = "the site requires a manager's approval for purchases above its approval limit"  # needs nothing


def write_feature(tmp_path: Path, name: str, text: str) -> tuple[Path, Path]:
    directory = tmp_path / "features"
    directory.mkdir(exist_ok=True)
    path = directory / f"{name}.feature"
    path.write_text(text, encoding="utf-8")
    return directory, path


def providers_of(record: str) -> list[str]:
    return [definition.title for definition in step_definitions() if definition.provides == record]


def test_the_catalogue_derives_needs_and_provides_from_the_signatures() -> None:
    by_title = {definition.title: definition for definition in step_definitions()}

    assert by_title[f"When {CONFIRM}"].needs == ("requisition",)
    assert by_title[f"When {CONFIRM}"].provides is None
    assert by_title[f"Given {RAISE_ABOVE}"].needs == ()
    assert by_title[f"Given {RAISE_ABOVE}"].provides == "requisition"
    assert by_title["Then the bill is for the received quantity at the order's price"].needs == (
        "requisition",
        "receipt",
        "vendor_bill",
    )
    assert len(providers_of("requisition")) >= 2  # the order above the limit and the one worth a percentage of it


def test_a_step_needing_what_no_earlier_step_provides_is_rejected_naming_file_line_step_need_and_providers(
    tmp_path: Path,
) -> None:
    features, feature = write_feature(
        tmp_path,
        "confirm_first",
        "@requisition_to_receipt\n"
        "Feature: Confirm first\n"
        "  Scenario: Confirmed before it is raised\n"
        f"    Given {APPROVAL_POLICY}\n"
        f"    When {CONFIRM}\n"
        f"    Given {RAISE_ABOVE}\n",
    )

    exit_code, output = check(features)

    assert exit_code == ExitCode.FEATURE
    lines = output.splitlines()
    assert lines[0].startswith("uat: FeatureFileError: 1 step problem(s) in the feature files under ")
    assert lines[1] == (
        f"{feature}:5: When '{CONFIRM}': needs `requisition`, "
        "which no earlier step of scenario 'Confirmed before it is raised' provides"
    )
    assert lines[2] == "    steps that provide `requisition`:"
    assert [line.strip() for line in lines[3:]] == providers_of("requisition")
    assert f"Given {RAISE_ABOVE}" in output


def test_what_the_background_or_an_earlier_step_provides_is_available(tmp_path: Path) -> None:
    features, _ = write_feature(
        tmp_path,
        "background",
        "Feature: Background provides\n"
        "  Background:\n"
        f"    Given {RAISE_ABOVE}\n"
        "  Scenario: Confirmed after the background raised it\n"
        f"    When {CONFIRM}\n"
        "    Then the order waits for a manager's approval\n",
    )

    exit_code, output = check(features)

    assert exit_code == ExitCode.OK, output
    assert output == (
        "uat: every step of 1 feature files (1 scenarios) is bound and gets what it needs from an earlier step\n"
    )


def test_each_examples_row_of_an_outline_is_checked_and_the_row_is_named(tmp_path: Path) -> None:
    features, feature = write_feature(
        tmp_path,
        "outline",
        "Feature: Outline\n"
        "  Scenario Outline: Confirmed after <what>\n"
        "    Given <setup>\n"
        f"    When {CONFIRM}\n"
        "\n"
        "    Examples:\n"
        "      | what      | setup |\n"
        f"      | raising   | {RAISE_ABOVE} |\n"
        f"      | the rules | {APPROVAL_POLICY} |\n",
    )

    exit_code, output = check(features)

    assert exit_code == ExitCode.FEATURE, output
    assert output.splitlines()[1] == (
        f"{feature}:4: When '{CONFIRM}': needs `requisition`, which no earlier step of scenario "
        f"'Confirmed after <what>' (Examples row what=the rules, setup={APPROVAL_POLICY}) provides"
    )
    assert output.count("needs `requisition`") == 1  # the row that raises the requisition is fine


def test_a_data_table_the_step_does_not_take_is_rejected(tmp_path: Path) -> None:
    features, feature = write_feature(
        tmp_path,
        "table",
        "Feature: Table\n"
        "  Scenario: A table nothing reads\n"
        f"    Given {RAISE_ABOVE}\n"
        "      | product        | quantity |\n"
        "      | MS-GLOVE-NIT-M | 10       |\n",
    )

    exit_code, output = check(features)

    assert exit_code == ExitCode.FEATURE
    assert f"{feature}:3: Given {RAISE_ABOVE!r}: the step has a data table, which its definition (purchase)" in output


def test_uat_run_rejects_a_missing_need_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    features, feature = write_feature(
        tmp_path, "confirm_first", f"Feature: Confirm first\n  Scenario: Nothing raised\n    When {CONFIRM}\n"
    )
    monkeypatch.setattr(config, "DEFAULT_FEATURES_DIR", features)

    result = CliRunner().invoke(main, ["run", "--sites-dir", str(sites_dir)], env=target_env(fake_odoo, reports_dir))

    assert result.exit_code == ExitCode.FEATURE, result.output
    assert f"{feature}:3: When '{CONFIRM}': needs `requisition`" in result.output
    assert not reports_dir.exists()
    assert fake_odoo.calls == []


# -- the check agrees with what pytest-bdd does at run time --------------------------------------------------

MINI_STEPS = """
from __future__ import annotations

from pytest_bdd import given, parsers, then, when


@given("an order is raised", target_fixture="order")
def order_raised() -> dict[str, str]:
    return {"state": "draft"}


@given("nothing in particular")
def nothing_in_particular() -> None:
    pass


@when("the order is confirmed")
def order_confirmed(order: dict[str, str]) -> None:
    order["state"] = "confirmed"


@then(parsers.parse("the order is {state}"))
def order_is(order: dict[str, str], state: str) -> None:
    assert order["state"] == state
"""

MINI_FEATURES = {
    "in_order": "Feature: In order\n  Scenario: Raised then confirmed\n    Given an order is raised\n"
    "    When the order is confirmed\n    Then the order is confirmed\n",
    "background": "Feature: Background\n  Background:\n    Given an order is raised\n"
    "  Scenario: Confirmed\n    When the order is confirmed\n",
    "out_of_order": "Feature: Out of order\n  Scenario: Confirmed first\n    Given nothing in particular\n"
    "    When the order is confirmed\n    Given an order is raised\n",
    "outline": "Feature: Outline\n  Scenario Outline: After <setup>\n    Given <setup>\n"
    "    Then the order is draft\n\n    Examples:\n      | setup |\n      | an order is raised |\n"
    "      | nothing in particular |\n",
}


def test_the_check_rejects_exactly_the_scenarios_pytest_bdd_fails_for_a_missing_fixture(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(mini_steps=MINI_STEPS)
    pytester.makeconftest('pytest_plugins = ["mini_steps"]\n')
    pytester.makefile(".ini", pytest="[pytest]\nbdd_features_base_dir = features/\n")
    features = pytester.mkdir("features")
    for name, text in MINI_FEATURES.items():
        (features / f"{name}.feature").write_text(text, encoding="utf-8")
    pytester.makepyfile(test_features='from pytest_bdd import scenarios\n\nscenarios(".")\n')
    spec = importlib.util.spec_from_file_location("h6_mini_steps", pytester.path / "mini_steps.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    contexts = [
        ("mini", context)
        for context in list(step_function_context_registry.values())
        if context.step_func.__module__ == "h6_mini_steps"
    ]

    problems = check_features(parse_features(features), describe_steps(contexts))
    run = pytester.runpytest_subprocess("-q", "-p", "no:randomly", "-p", "no:cacheprovider")

    assert sorted((Path(p.file).name, p.line, p.text) for p in problems) == [
        ("out_of_order.feature", 4, "the order is confirmed"),
        ("outline.feature", 4, "the order is draft"),
    ]
    run.assert_outcomes(passed=3, failed=2)
    assert run.stdout.str().count("fixture 'order' not found") == 2
    failed = sorted(line.split(" - ")[0] for line in run.outlines if line.startswith("FAILED"))
    assert failed == [
        "FAILED test_features.py::test_after_setup[nothing in particular]",
        "FAILED test_features.py::test_confirmed_first",
    ]


# -- the declaration is the signature: CI fails on a parameter nobody provides -----------------------------


def _raises_an_order(cast: object, run_id: str) -> object:
    return cast["requester"]  # type: ignore[index]


def _confirms_with_a_typo(cast: object, requisiton: object) -> None:
    cast["requester"]  # type: ignore[index]


def _acts_as_a_role_it_is_given(cast: object, requisition: object, role: str) -> None:
    cast[role]  # type: ignore[index]


def _reads_lots(datatable: list[list[str]], site: object) -> None:
    pass


def synthetic(*steps: tuple[str, Callable[..., object], str | None]) -> list[StepDefinition]:
    return describe_steps(
        ("mini", StepFunctionContext(type="given", step_func=function, parser=get_parser(text), target_fixture=fixture))
        for text, function, fixture in steps
    )


def test_every_parameter_of_every_step_is_a_typed_field_a_harness_fixture_or_a_provided_record() -> None:
    assert catalogue_problems(step_definitions()) == []


def test_an_undeclared_parameter_and_an_unreadable_role_are_catalogue_problems() -> None:
    definitions = synthetic(
        ("an order is raised", _raises_an_order, "requisition"),
        ("the order is confirmed", _confirms_with_a_typo, None),
        (
            "the {role} acts on the order",
            _acts_as_a_role_it_is_given,
            None,
        ),
    )

    problems = catalogue_problems(definitions)

    here = Path(__file__).relative_to(PROJECT_ROOT)
    assert len(problems) == 3, problems
    assert problems[0].startswith(f"{here}:")
    assert problems[0].endswith(
        ": 'Given the order is confirmed': parameter 'requisiton' is neither a typed field of the step text, "
        "a harness fixture (odoo_uat.catalogue.HARNESS_FIXTURES) nor provided by any step (target_fixture)"
    )
    assert problems[1].endswith(
        ": 'Given the {role} acts on the order': parameter 'role' is neither a typed field of the step text, "
        "a harness fixture (odoo_uat.catalogue.HARNESS_FIXTURES) nor provided by any step (target_fixture)"
    )
    assert problems[2].endswith(
        '_acts_as_a_role_it_is_given uses the cast other than as cast["<role>"]: '
        "the roles it acts as cannot be read from the code"
    )
    by_text = {definition.text: definition for definition in definitions}
    assert by_text["an order is raised"].roles == ("requester",)
    assert by_text["the {role} acts on the order"].needs == ("requisition",)
    assert by_text["the {role} acts on the order"].fields == ()  # a plain string step: no typed field


def test_a_step_that_needs_a_data_table_is_rejected_without_one(tmp_path: Path) -> None:
    definitions = synthetic(("the supplier's lots arrive", _reads_lots, None))
    features, feature = write_feature(
        tmp_path,
        "lots",
        "Feature: Lots\n  Scenario: With a table\n    Given the supplier's lots arrive\n      | lot | quantity |\n"
        "      | A1  | 10       |\n  Scenario: Without\n    Given the supplier's lots arrive\n",
    )

    problems = check_features(parse_features(features), definitions)

    assert [str(problem) for problem in problems] == [
        f'{feature}:7: Given "the supplier\'s lots arrive": the step needs a data table'
    ]


def test_every_harness_fixture_is_a_fixture_of_the_module_it_is_listed_with() -> None:
    defined = fixture_functions()

    for name, module in HARNESS_FIXTURES.items():
        if module == "pytest":
            continue
        assert name in defined, f"HARNESS_FIXTURES lists {name!r}, which no harness plugin or step module defines"
        assert defined[name].__module__ == module, name


# -- roles, cycles and the generated catalogue ---------------------------------------------------------------


def test_the_roles_of_each_cycle_are_read_from_its_steps() -> None:
    assert roles_by_cycle() == {
        "requisition_to_receipt": {"requester", "approver", "storekeeper", "accountant"},
        "transfer_to_consumption": {"storekeeper", "nurse", "accountant"},
        "preventive_maintenance": {"technician"},
        "helpdesk_escalation": {"helpdesk_agent", "helpdesk_lead"},
        "month_end_close": {"accountant", "storekeeper"},  # the storekeeper receives the valued delivery
    }


def test_every_bundled_cycle_and_every_catalogued_role_is_known() -> None:
    for definition in step_definitions():
        assert set(definition.roles) <= set(ROLE_NAMES), definition.title
    assert all(roles_by_cycle()[cycle] for cycle in CYCLE_NAMES)


def test_the_markdown_shows_needs_provides_roles_cycles_and_an_example_per_step() -> None:
    markdown = CliRunner().invoke(main, ["steps", "--markdown"]).output

    entry = markdown.split(f"- **When** {CONFIRM}\n")[1].split("\n- **")[0].splitlines()
    assert entry[0].startswith(
        "  - needs `requisition`; provides nothing; as requester; cycles: requisition_to_receipt ("
    )
    assert "requisition_to_receipt.feature" in entry[0]
    assert entry[1].startswith(f"  - e.g. `When {CONFIRM}` (features/requisition_to_receipt.feature:")
    assert f"| `requisition` | Given {RAISE_ABOVE} (purchase)<br>" in markdown
    for definition in step_definitions():
        block = markdown.split(f"**{definition.keyword.capitalize()}** {definition.text}\n")[1].split("\n- **")[0]
        assert "; provides " in block, definition.title
        assert "; cycles: " in block, definition.title
