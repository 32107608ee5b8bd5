"""The tester's language offline: relative days, the parse type, data tables, profile names. Named records are
resolved against the real Odoo by the scenarios that use them (features/*.feature, run in CI)."""

from __future__ import annotations

import pytest
from pytest_bdd import parsers

from odoo_uat.errors import ExitCode, FeatureFileError
from odoo_uat.language import (
    EXPIRES,
    FIELD_TYPES,
    KINDS,
    LOCATION,
    PARSE_TYPES,
    QUANTITY,
    Column,
    days_from_today,
    declared_columns,
    example_sites,
    reads_table,
    table_rows,
    whole_number,
)
from odoo_uat.profiles import SiteProfile


@pytest.mark.parametrize(
    ("text", "days"),
    [("today", 0), ("in 30 days", 30), ("in 1 day", 1), ("3 days ago", -3), ("tomorrow", 1), ("Yesterday", -1)],
)
def test_a_day_relative_to_today_is_a_signed_number_of_days(text: str, days: int) -> None:
    assert days_from_today(text) == days


def test_a_day_that_is_not_relative_to_today_is_a_feature_error_with_the_forms_it_takes() -> None:
    with pytest.raises(FeatureFileError, match='"next week" is not a day relative to today: write "today"') as error:
        days_from_today("next week")
    assert error.value.exit_code == ExitCode.FEATURE


def test_a_step_text_reads_a_relative_day_as_a_typed_field() -> None:
    parser = parsers.parse("a lot expiring {when:RelativeDay} arrives", extra_types=PARSE_TYPES)

    assert parser.parse_arguments("a lot expiring in 10 days arrives") == {"when": 10}
    assert parser.parse_arguments("a lot expiring 2 days ago arrives") == {"when": -2}
    assert not parser.is_matching("a lot expiring soon arrives")


def test_a_table_becomes_typed_rows_keyed_by_header_whatever_the_case() -> None:
    table = [["Quantity", "expires"], ["20", "in 720 days"], ["1,000", "5 days ago"]]

    assert table_rows(table, [QUANTITY, EXPIRES], step="the lots") == [
        {"quantity": 20.0, "expires": 720},
        {"quantity": 1000.0, "expires": -5},
    ]


def test_an_optional_column_may_be_left_out() -> None:
    rows = table_rows([["quantity"], ["4"]], [QUANTITY, Column("lot", required=False)], step="s")

    assert rows == [{"quantity": 4.0}]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([["quantity", "expires"]], "the table needs a header row and at least one row"),
        ([["quantity", "expiry"], ["1", "today"]], "the table's columns are quantity, expiry; this step reads"),
        ([["expires"], ["today"]], "this step reads quantity, expires"),
        ([["quantity", "expires"], ["many", "today"]], "row 1, column quantity: 'many' is not a number"),
        ([["quantity", "expires"], ["1", "soon"]], "row 1, column expires: 'soon' is not a day relative to today"),
    ],
)
def test_a_table_that_does_not_fit_the_step_is_a_feature_error_naming_the_cell(
    table: list[list[str]], message: str
) -> None:
    with pytest.raises(FeatureFileError, match=r"^the lots: ") as error:
        table_rows(table, [QUANTITY, EXPIRES], step="the lots")
    assert message in str(error.value)


def test_a_whole_number_column_refuses_a_fraction() -> None:
    with pytest.raises(FeatureFileError, match=r"'2\.5' is not a whole number"):
        table_rows([["units"], ["2.5"]], [Column("units", whole_number, describe="a whole number")], step="s")


def _profile(**extra: object) -> dict[str, object]:
    return {"code": "X", "name": "X", "company": "C", "warehouse": "W", "roles": {}, **extra}


def test_a_profile_gives_names_to_its_records_by_kind() -> None:
    profile = SiteProfile.model_validate(_profile(names={"location": {"second ward": "NSC/Ward B"}}))

    assert profile.names == {"location": {"second ward": "NSC/Ward B"}}


def test_a_profile_name_for_an_unknown_kind_is_refused_with_the_kinds_there_are() -> None:
    with pytest.raises(ValueError, match=r"unknown kind\(s\) ward; a name is given to a product, location"):
        SiteProfile.model_validate(_profile(names={"ward": {"second ward": "NSC/Ward B"}}))


@pytest.mark.parametrize(
    ("example", "sites"),
    [
        ({"size": "10", "site": "CLINIC"}, {"CLINIC"}),
        ({"size": "10", "site": "CLINIC, LAB"}, {"CLINIC", "LAB"}),
        ({"size": "10", " Site ": "lab"}, {"LAB"}),
        ({"size": "10", "site": "  "}, None),  # an empty cell: every site
        ({"size": "10"}, None),  # no site column: every site
    ],
)
def test_an_examples_row_is_for_the_sites_its_site_column_names(
    example: dict[str, str], sites: set[str] | None
) -> None:
    assert example_sites(example) == sites


@pytest.mark.parametrize(("text", "amount"), [("5,000", 5000.0), ("4,999.99", 4999.99), ("12", 12.0), ("0.5", 0.5)])
def test_an_amount_is_written_with_or_without_thousands_separators(text: str, amount: float) -> None:
    parser = parsers.parse("an order worth {amount:Amount} is raised", extra_types=PARSE_TYPES)

    assert parser.parse_arguments(f"an order worth {text} is raised") == {"amount": amount}


def test_an_amount_is_not_any_text() -> None:
    parser = parsers.parse("an order worth {amount:Amount} is raised", extra_types=PARSE_TYPES)

    assert not parser.is_matching("an order worth a lot is raised")


def test_a_step_declares_the_columns_of_its_table_and_keeps_its_function() -> None:
    columns = (Column("lot"), QUANTITY, EXPIRES)

    def receive(datatable: list[list[str]]) -> None:
        pass

    declared = reads_table(*columns)(receive)

    assert declared is receive
    assert declared_columns(receive) == columns
    assert declared_columns(test_a_step_declares_the_columns_of_its_table_and_keeps_its_function) is None


def test_every_type_a_step_text_can_take_is_explained_and_every_kind_says_how_a_tester_names_it() -> None:
    assert set(PARSE_TYPES) <= set(FIELD_TYPES)
    assert LOCATION.describe() == (
        "a location: its full name (with its parents, as Odoo shows it), or a name the site profile gives it under "
        "`names: location:`"
    )
    for kind in KINDS:
        assert kind.describe().startswith(("a ", "an ")), kind.noun
        assert f"`names: {kind.noun}:`" in kind.describe()
