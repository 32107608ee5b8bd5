"""The catalogue and the tester's language together: typed parameters and data tables read from a step's code,
tables checked against the columns a step reads, what a step needs checked across outlines, tables and Backgrounds,
Examples `site` codes checked against the site profiles, and the catalogue's own problems failing the check."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import pytest
from click.testing import CliRunner
from pytest_bdd import parsers
from pytest_bdd.steps import StepFunctionContext

from odoo_uat import catalogue, config
from odoo_uat.catalogue import (
    BUNDLED_ROLLOUTS_SITES_DIRS,
    StepDefinition,
    catalogue_problems,
    check_features,
    describe_steps,
    known_sites,
    parse_features,
    step_definitions,
)
from odoo_uat.cli import main
from odoo_uat.config import DEFAULT_FEATURES_DIR, DEFAULT_SITES_DIR, PROJECT_ROOT
from odoo_uat.errors import ExitCode
from odoo_uat.language import (
    EXPIRES,
    LOCATION,
    PARSE_TYPES,
    PRODUCT,
    QUANTITY,
    TICKET_CATEGORY,
    Column,
    Kind,
    named,
    reads_table,
    table_rows,
)
from tests.fake_odoo import FakeOdoo
from tests.support import CLINIC_PROFILE, target_env

# -- miniature step functions: the catalogue reads them (their signatures and code); nothing calls them ----------

LOT_COLUMNS = (Column("lot"), QUANTITY, EXPIRES)
OPTIONAL_NOTE = [Column("note", required=False, describe="any remark")]


def _raises_an_order(run_id: str) -> dict[str, str]:
    return {"run": run_id}


@reads_table(*LOT_COLUMNS)
def _lots_arrive_for_the_order(datatable: Sequence[Sequence[str]], order: dict[str, str]) -> None:
    """Declares its table with @reads_table."""


def _lots_read_by_the_step(datatable: Sequence[Sequence[str]], order: dict[str, str]) -> None:
    """Reads its table with its own table_rows call: the catalogue reads the columns from it."""
    table_rows(datatable, [Column("lot"), QUANTITY, *OPTIONAL_NOTE], step="the lots")


def _read_somewhere_else(datatable: Sequence[Sequence[str]]) -> None:
    table_rows(datatable, LOT_COLUMNS, step="the lots")


def _lots_read_elsewhere(datatable: Sequence[Sequence[str]]) -> None:
    _read_somewhere_else(datatable)


def _find_ward(site: Any, actor: Any, said: str) -> Any:
    return named(site, actor.gateway, LOCATION, said)


def _units_to_a_named_ward(site: Any, cast: Any, units: int, ward: str, when: int, worth: float) -> None:
    _find_ward(site, cast["storekeeper"], ward)


def _product_named_in_the_step(site: Any, uat_target: Any, product: str) -> None:
    named(site, uat_target, PRODUCT, product)


def _category_kind(helpdesk: Any) -> Kind:
    if helpdesk.category_model == TICKET_CATEGORY.model:
        return TICKET_CATEGORY
    return replace(TICKET_CATEGORY, model=helpdesk.category_model)


def _category_named_through_a_variable(site: Any, uat_target: Any, category: str) -> None:
    kind = _category_kind(uat_target)
    named(site, uat_target, kind, category)


def _an_answer(text: str) -> bool:
    return text == "accepting"


_an_answer.pattern = "accepting|refusing"  # type: ignore[attr-defined]


def _answer_explained(text: str) -> bool:
    return text == "accepting"


_answer_explained.pattern = "accepting|refusing"  # type: ignore[attr-defined]
_answer_explained.describe = '"accepting" or "refusing"'  # type: ignore[attr-defined]


def _takes_an_answer(answer: bool) -> None:
    pass


Step = tuple[Literal["given", "when", "then"], str, Callable[..., object], str | None]


def definitions(*steps: Step, extra_types: dict[str, Callable[[str], Any]] | None = None) -> list[StepDefinition]:
    types = {**PARSE_TYPES, **(extra_types or {})}
    return describe_steps(
        (
            "mini",
            StepFunctionContext(
                type=keyword,
                step_func=function,
                parser=parsers.parse(text, extra_types=types),
                target_fixture=fixture,
            ),
        )
        for keyword, text, function, fixture in steps
    )


RAISE: Step = ("given", "an order is raised", _raises_an_order, "order")
LOTS: Step = ("when", "these lots arrive for the order:", _lots_arrive_for_the_order, None)
LOTS_BY_CALL: Step = ("when", "these lots are counted:", _lots_read_by_the_step, None)
WARD: Step = (
    "when",
    'the storekeeper sends {units:d} units to the "{ward}" {when:RelativeDay} worth {worth:Amount}',
    _units_to_a_named_ward,
    None,
)


def by_text(found: list[StepDefinition]) -> dict[str, StepDefinition]:
    return {definition.text: definition for definition in found}


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / f"{name}.feature"
    path.write_text(text, encoding="utf-8")
    return path


# -- what the catalogue reads from a step's code ----------------------------------------------------------------


def test_each_typed_field_is_described_in_a_testers_words_and_a_named_record_by_its_kind() -> None:
    found = by_text(definitions(WARD, ("given", "the product {product} is in stock", _product_named_in_the_step, None)))

    assert found[WARD[1]].parameter_words() == [
        ("units", "a whole number"),
        ("ward", LOCATION.describe()),  # handed to language.named through the module's own _find_ward
        ("when", 'a day relative to today ("today", "in 30 days", "3 days ago", "tomorrow", "yesterday")'),
        ("worth", 'an amount or quantity ("5,000", "4999.99", "12")'),
    ]
    assert LOCATION.describe() == (
        "a location: its full name (with its parents, as Odoo shows it), or a name the site profile gives it under "
        "`names: location:`"
    )
    assert found["the product {product} is in stock"].parameter_words() == [("product", PRODUCT.describe())]
    category = definitions(("when", 'a ticket of category "{category}"', _category_named_through_a_variable, None))
    assert category[0].parameter_words() == [("category", TICKET_CATEGORY.describe())]
    assert PRODUCT.describe().startswith("a product: its internal reference or name, or a name the site profile")


def test_the_columns_of_a_table_are_read_from_the_declaration_or_the_steps_own_table_rows_call() -> None:
    found = by_text(definitions(RAISE, LOTS, LOTS_BY_CALL))

    assert found[LOTS[1]].table == LOT_COLUMNS
    assert [column.header for column in found[LOTS_BY_CALL[1]].table or ()] == ["lot", "quantity", "note"]
    assert found[RAISE[1]].table is None
    assert catalogue_problems(list(found.values())) == []


def test_a_table_whose_columns_cannot_be_read_and_an_unexplained_type_are_catalogue_problems() -> None:
    found = definitions(
        ("when", "some lots arrive:", _lots_read_elsewhere, None),
        ("when", "the storekeeper answers {answer:Answer}", _takes_an_answer, None),
        extra_types={"Answer": _an_answer},
    )

    problems = catalogue_problems(found)

    assert len(problems) == 2, problems
    assert problems[0].endswith(
        "'When some lots arrive:': reads a data table whose columns cannot be read from its code: declare them with "
        "@reads_table(...) (odoo_uat.language) or call table_rows(datatable, COLUMNS, ...) in the step"
    )
    assert problems[1].endswith(
        "'When the storekeeper answers {answer:Answer}': the type 'Answer' of field 'answer' is not one the "
        "catalogue can explain to a tester: use one of odoo_uat.language.FIELD_TYPES or give the parse type a "
        "`describe` text"
    )


def test_a_parse_type_with_a_describe_text_explains_itself() -> None:
    found = definitions(
        ("when", "the storekeeper answers {answer:Answer}", _takes_an_answer, None),
        extra_types={"Answer": _answer_explained},
    )

    assert found[0].parameter_words() == [("answer", '"accepting" or "refusing"')]
    assert catalogue_problems(found) == []


def test_every_bundled_step_that_reads_a_table_declares_its_columns_and_every_field_is_explained() -> None:
    steps = step_definitions()

    assert catalogue_problems(steps) == []
    for definition in steps:
        assert definition.table is not None or not definition.reads_table, definition.title
        assert [name for name, _ in definition.parameter_words()] == list(definition.fields), definition.title


def test_the_markdown_shows_each_steps_parameters_and_table_columns() -> None:
    markdown = CliRunner().invoke(main, ["steps", "--markdown"]).output

    for definition in step_definitions():
        block = markdown.split(f"**{definition.keyword.capitalize()}** {definition.text}\n")[1].split("\n- **")[0]
        for name, words in definition.parameter_words():
            assert f"`{name}` {words}" in block, definition.title
        if definition.table is not None:
            columns = "; ".join(f"`{column.header}` {column.describe}" for column in definition.table)
            assert f"  - table: {columns}" in block, definition.title


# -- the check: tables, outlines, Backgrounds --------------------------------------------------------------------


def test_a_table_that_does_not_fit_the_steps_columns_is_rejected_naming_the_step_and_the_column(
    tmp_path: Path,
) -> None:
    feature = write(
        tmp_path / "features",
        "lots",
        "Feature: Lots\n"
        "  Scenario: A misspelt column\n"
        "    Given an order is raised\n"
        "    When these lots arrive for the order:\n"
        "      | lot | qty | expires    |\n"
        "      | A1  | 10  | in 30 days |\n"
        "  Scenario: A day that is no day\n"
        "    Given an order is raised\n"
        "    When these lots arrive for the order:\n"
        "      | lot | quantity | expires |\n"
        "      | A1  | 10       | soon    |\n"
        "  Scenario: Fine\n"
        "    Given an order is raised\n"
        "    When these lots arrive for the order:\n"
        "      | Lot | Quantity | Expires     |\n"
        "      | A1  | 1,000    | 3 days ago  |\n",
    )

    problems = [str(problem) for problem in check_features(parse_features(feature.parent), definitions(RAISE, LOTS))]

    assert problems == [
        f"{feature}:4: When 'these lots arrive for the order:': the table's columns are lot, qty, expires; "
        "this step reads lot, quantity, expires",
        f"{feature}:9: When 'these lots arrive for the order:': row 1, column expires: 'soon' is not a day relative "
        'to today ("in 30 days", "3 days ago")',
    ]


def test_a_table_an_outline_fills_is_checked_for_each_examples_row_and_the_row_is_named(tmp_path: Path) -> None:
    feature = write(
        tmp_path / "features",
        "outline",
        "Feature: Outline\n"
        "  Scenario Outline: Lots expiring <expires>\n"
        "    Given an order is raised\n"
        "    When these lots arrive for the order:\n"
        "      | lot | quantity   | expires   |\n"
        "      | A1  | <quantity> | <expires> |\n"
        "\n"
        "    Examples:\n"
        "      | quantity | expires    |\n"
        "      | 10       | in 30 days |\n"
        "      | ten      | today      |\n",
    )

    problems = [str(problem) for problem in check_features(parse_features(feature.parent), definitions(RAISE, LOTS))]

    assert problems == [
        f"{feature}:4: When 'these lots arrive for the order:': row 1, column quantity: 'ten' is not a number "
        "(scenario 'Lots expiring <expires>' (Examples row quantity=ten, expires=today))"
    ]


def test_a_step_with_a_table_before_the_step_that_provides_what_it_needs_is_rejected(tmp_path: Path) -> None:
    feature = write(
        tmp_path / "features",
        "early",
        "Feature: Early\n"
        "  Scenario: Lots before the order\n"
        "    When these lots arrive for the order:\n"
        "      | lot | quantity | expires    |\n"
        "      | A1  | 10       | in 30 days |\n"
        "    Given an order is raised\n",
    )

    problems = [str(problem) for problem in check_features(parse_features(feature.parent), definitions(RAISE, LOTS))]

    assert len(problems) == 1
    assert problems[0].startswith(
        f"{feature}:3: When 'these lots arrive for the order:': needs `order`, which no earlier step of scenario "
        "'Lots before the order' provides"
    )
    assert problems[0].endswith("steps that provide `order`:\n      Given an order is raised")


def test_a_background_step_whose_need_nothing_before_it_provides_is_rejected_once(tmp_path: Path) -> None:
    feature = write(
        tmp_path / "features",
        "background",
        "Feature: Background\n"
        "  Background:\n"
        "    When these lots arrive for the order:\n"
        "      | lot | quantity | expires |\n"
        "      | A1  | 10       | today   |\n"
        "  Scenario: One\n"
        "    Given an order is raised\n"
        "  Scenario: Two\n"
        "    Given an order is raised\n",
    )

    problems = check_features(parse_features(feature.parent), definitions(RAISE, LOTS))

    assert [(problem.line, "needs `order`" in str(problem)) for problem in problems] == [(3, True)]


def test_each_examples_row_of_an_outline_with_a_background_is_checked_in_the_order_it_runs(tmp_path: Path) -> None:
    feature = write(
        tmp_path / "features",
        "outline_background",
        "Feature: Outline with a background\n"
        "  Background:\n"
        "    Given <first>\n"
        "  Scenario Outline: After <first>\n"
        "    When these lots are counted:\n"
        "      | lot | quantity |\n"
        "      | A1  | 1        |\n"
        "    And these lots arrive for the order:\n"
        "      | lot | quantity | expires |\n"
        "      | A1  | 1        | today   |\n"
        "\n"
        "    Examples:\n"
        "      | first              |\n"
        "      | an order is raised |\n"
        "      | nothing at all     |\n",
    )

    problems = [
        str(problem)
        for problem in check_features(parse_features(feature.parent), definitions(RAISE, LOTS, LOTS_BY_CALL))
    ]

    assert problems[0] == f"{feature}:3: Given 'nothing at all': no step definition matches"
    assert problems[1].startswith(
        f"{feature}:5: When 'these lots are counted:': needs `order`, which no earlier step of scenario "
        "'After <first>' (Examples row first=nothing at all) provides"
    )
    assert problems[2].startswith(f"{feature}:8: When 'these lots arrive for the order:': needs `order`")
    assert len(problems) == 3


# -- the done criterion, through the command a tester and CI run --------------------------------------------------

CONFIRM = "the requester confirms the requisition"  # needs `requisition`
APPROVAL_POLICY = "the site requires a manager's approval for purchases above its approval limit"  # needs nothing


def test_a_scenario_whose_step_order_leaves_a_need_unmet_is_rejected_by_steps_check_and_nothing_is_written(
    tmp_path: Path, fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    feature = write(
        tmp_path / "features",
        "unmet",
        "@requisition_to_receipt\n"
        "Feature: Unmet\n"
        "  Scenario: Confirmed before anything raised it\n"
        f"    Given {APPROVAL_POLICY}\n"
        f"    When {CONFIRM}\n",
    )
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}

    result = CliRunner().invoke(
        main,
        ["steps", "--check", str(feature.parent), "--sites-dir", str(sites_dir)],
        env=target_env(fake_odoo, reports_dir),
    )

    assert result.exit_code == ExitCode.FEATURE
    assert result.output.splitlines()[1] == (
        f"{feature}:5: When '{CONFIRM}': needs `requisition`, which no earlier step of scenario "
        "'Confirmed before anything raised it' provides"
    )
    assert "steps that provide `requisition`:" in result.output
    assert {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()} == before
    assert not reports_dir.exists()
    assert fake_odoo.calls == []


def test_a_catalogue_problem_fails_steps_check_naming_the_step_and_its_undeclared_parameter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def _confirms_what_nobody_provides(requisiton: object) -> None:
        pass

    real = catalogue.step_definitions
    broken = definitions(("when", "the order is confirmed somehow", _confirms_what_nobody_provides, None))
    monkeypatch.setattr(catalogue, "step_definitions", lambda: [*real(), *broken])
    write(tmp_path / "features", "fine", f"Feature: Fine\n  Scenario: One\n    Given {APPROVAL_POLICY}\n")

    result = CliRunner().invoke(main, ["steps", "--check", str(tmp_path / "features")])

    assert result.exit_code == ExitCode.FEATURE
    lines = result.output.splitlines()
    assert lines[0] == (
        "uat: FeatureFileError: 1 catalogue problem(s): the catalogue cannot tell what these steps need or take, "
        "so no feature file can be checked against them:"
    )
    assert lines[1].endswith(
        ": 'When the order is confirmed somehow': parameter 'requisiton' is neither a typed field of the step "
        "text, a harness fixture (odoo_uat.catalogue.HARNESS_FIXTURES) nor provided by any step (target_fixture)"
    )


def test_uat_run_rejects_a_table_that_does_not_fit_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    real = catalogue.step_definitions
    monkeypatch.setattr(catalogue, "step_definitions", lambda: [*real(), *definitions(RAISE, LOTS)])
    feature = write(
        tmp_path / "features",
        "lots",
        "Feature: Lots\n"
        "  Scenario: A misspelt column\n"
        "    Given an order is raised\n"
        "    When these lots arrive for the order:\n"
        "      | lot | quantity | expiry     |\n"
        "      | A1  | 10       | in 30 days |\n",
    )
    monkeypatch.setattr(config, "DEFAULT_FEATURES_DIR", feature.parent)

    result = CliRunner().invoke(main, ["run", "--sites-dir", str(sites_dir)], env=target_env(fake_odoo, reports_dir))

    assert result.exit_code == ExitCode.FEATURE, result.output
    assert (
        f"{feature}:4: When 'these lots arrive for the order:': the table's columns are lot, quantity, expiry; "
        "this step reads lot, quantity, expires"
    ) in result.output
    assert not reports_dir.exists()
    assert fake_odoo.calls == []


# -- the `site` column of Examples -------------------------------------------------------------------------------

SITE_OUTLINE = (
    "@requisition_to_receipt\n"
    "Feature: Site rules\n"
    "  Scenario Outline: The rule at <where>\n"
    f"    Given {APPROVAL_POLICY}\n"
    "\n"
    "    Examples:\n"
    "      | where          | site          |\n"
    "      # a comment line between rows\n"
    "      | the clinic     | CLINIC        |\n"
    "      | every site     |               |\n"
    "      | two sites      | clinic, LABB  |\n"
    "      | the lab        | LAB           |\n"
)


def sites(tmp_path: Path, *profiles: tuple[str, bool]) -> Path:
    directory = tmp_path / "sites"
    directory.mkdir()
    for code, with_cycle in profiles:
        text = CLINIC_PROFILE.format(warehouse=code).replace("code: CLINIC", f"code: {code}")
        (directory / f"{code.lower()}.yaml").write_text(
            text if with_cycle else text.split("requisition_to_receipt:")[0], encoding="utf-8"
        )
    return directory


def test_an_examples_site_that_names_no_site_profile_is_rejected_with_file_line_and_code(tmp_path: Path) -> None:
    feature = write(tmp_path / "features", "site_rules", SITE_OUTLINE)
    directory = sites(tmp_path, ("CLINIC", True), ("LAB", True))

    result = CliRunner().invoke(main, ["steps", "--check", str(feature.parent), "--sites-dir", str(directory)])

    assert result.exit_code == ExitCode.FEATURE
    assert result.output.splitlines()[1:] == [
        f"{feature}:11: scenario 'The rule at <where>': the Examples row's site 'LABB' names no site profile "
        "(the sites are CLINIC, EAST, HOSP, LAB, WEST): the row would never run"  # with the bundled rollouts' sites
    ]


def test_an_examples_site_whose_profile_lacks_the_cycle_is_rejected(tmp_path: Path) -> None:
    feature = write(tmp_path / "features", "site_rules", SITE_OUTLINE.replace("LABB", "LAB"))
    directory = sites(tmp_path, ("CLINIC", True), ("LAB", False))

    result = CliRunner().invoke(main, ["steps", "--check", str(feature.parent), "--sites-dir", str(directory)])

    assert result.exit_code == ExitCode.FEATURE
    assert result.output.splitlines()[1:] == [
        f"{feature}:{line}: scenario 'The rule at <where>': the Examples row's site 'LAB' has no "
        "requisition_to_receipt section in its profile: the row would never run"
        for line in (11, 12)
    ]


def test_sites_of_every_rollout_given_are_known_and_an_empty_site_cell_means_every_site(tmp_path: Path) -> None:
    feature = write(tmp_path / "features", "site_rules", SITE_OUTLINE.replace("LABB", "LAB"))
    clinic = sites(tmp_path, ("CLINIC", True))
    (tmp_path / "second").mkdir()
    lab = sites(tmp_path / "second", ("LAB", True))

    result = CliRunner().invoke(
        main, ["steps", "--check", str(feature.parent), "--sites-dir", str(clinic), "--sites-dir", str(lab)]
    )

    assert result.exit_code == ExitCode.OK, result.output
    assert result.output == (
        "uat: every step of 1 feature files (1 scenarios) is bound and gets what it needs from an earlier step\n"
    )


def test_the_profiles_are_not_read_when_no_examples_table_has_a_site_column(tmp_path: Path) -> None:
    feature = write(tmp_path / "features", "plain", f"Feature: Plain\n  Scenario: One\n    Given {APPROVAL_POLICY}\n")

    result = CliRunner().invoke(
        main, ["steps", "--check", str(feature.parent), "--sites-dir", str(tmp_path / "no-such-dir")]
    )

    assert result.exit_code == ExitCode.OK, result.output


def test_the_sites_of_the_bundled_rollouts_are_known_and_a_programmes_own_profile_of_a_code_comes_first(
    tmp_path: Path,
) -> None:
    own = sites(tmp_path, ("LAB", False), ("NORTH", True))

    known = known_sites([own])

    assert sorted(known) == ["CLINIC", "EAST", "HOSP", "LAB", "NORTH", "WEST"]
    assert known["LAB"] == frozenset()  # the programme's LAB, without the bundled LAB's cycles
    assert "requisition_to_receipt" in known["NORTH"]
    assert "helpdesk_escalation" in known["WEST"]
    assert [path.resolve() for path in BUNDLED_ROLLOUTS_SITES_DIRS] == [
        DEFAULT_SITES_DIR.resolve(),
        (PROJECT_ROOT / "tests" / "rollouts" / "meridian" / "sites").resolve(),
    ]


def test_the_bundled_features_pass_the_check_with_their_site_columns() -> None:
    result = CliRunner().invoke(main, ["steps", "--check", str(DEFAULT_FEATURES_DIR)])

    assert result.exit_code == ExitCode.OK, result.output


def test_the_same_problem_in_two_feature_files_is_named_in_each(tmp_path: Path) -> None:
    text = "Feature: Early\n  Scenario: Lots before the order\n    When these lots arrive for the order:\n" + (
        "      | lot | quantity | expires |\n      | A1  | 1        | today   |\n"
    )
    first = write(tmp_path / "features", "first", text)
    second = write(tmp_path / "features", "second", text)

    problems = check_features(parse_features(tmp_path / "features"), definitions(RAISE, LOTS))

    assert [(problem.file, problem.line) for problem in problems] == [(str(first), 3), (str(second), 3)]


def test_a_site_column_in_a_per_company_scenario_is_rejected(tmp_path: Path) -> None:
    feature = write(tmp_path / "features", "site_rules", SITE_OUTLINE.replace("Feature:", "@per_company\nFeature:"))
    directory = sites(tmp_path, ("CLINIC", True), ("LAB", True))

    result = CliRunner().invoke(main, ["steps", "--check", str(feature.parent), "--sites-dir", str(directory)])

    assert result.exit_code == ExitCode.FEATURE
    assert result.output.splitlines()[1:] == [
        f"{feature}:7: scenario 'The rule at <where>' runs once per company (@per_company), for the first selected "
        "site of each: a `site` column would leave the rows of its other sites unrun"
    ]
