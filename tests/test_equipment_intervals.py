"""Each piece of equipment at its own interval (features/equipment_intervals.feature), offline: how an interval a
tester writes is read, how what Odoo planned is compared with it and described in a finding, that the outline's
rows bind to one definition each (the profile's equipment and interval stay the default), that each scenario of a
run names its requests with a tag of its own, and that both rollouts name a second device their configuration
provides. That Odoo plans each device's next occurrence as the feature says is proven live, by the feature's runs
on both rollouts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from pytest_bdd import parsers

from odoo_uat.catalogue import StepDefinition, step_definitions
from odoo_uat.config import PROJECT_ROOT
from odoo_uat.cycles import preventive_maintenance as pm
from odoo_uat.errors import FeatureFileError
from odoo_uat.profiles import load_profiles
from odoo_uat.provisioning.preventive_maintenance import OTHER_EQUIPMENT_NAMES, named_equipment
from steps.maintenance import STEP_TYPES

REFERENCE_SITES = PROJECT_ROOT / "fixtures" / "sites"
MERIDIAN_SITES = PROJECT_ROOT / "tests" / "rollouts" / "meridian" / "sites"
FEATURE = PROJECT_ROOT / "features" / "equipment_intervals.feature"


@pytest.mark.parametrize(
    ("text", "every", "unit"),
    [
        ("90 days", 90, "day"),
        ("1 day", 1, "day"),
        ("2 weeks", 2, "week"),
        ("6 months", 6, "month"),
        ("1 month", 1, "month"),
        ("1 year", 1, "year"),
        ("3 Years", 3, "year"),
        (" 4 months ", 4, "month"),
    ],
)
def test_an_interval_is_a_whole_number_of_days_weeks_months_or_years(text: str, every: int, unit: str) -> None:
    interval = pm.parse_interval(text)

    assert (interval.every, interval.unit) == (every, unit)


@pytest.mark.parametrize("text", ["0 days", "six months", "6", "3 hours", "1.5 years", "6 months later", ""])
def test_anything_else_is_a_feature_file_error_that_says_how_to_write_one(text: str) -> None:
    with pytest.raises(FeatureFileError, match=r'write e\.g\. "90 days", "2 weeks", "6 months" or "1 year"'):
        pm.parse_interval(text)


def test_the_step_text_reads_the_interval_as_a_typed_field_and_leaves_the_sites_interval_to_its_own_step() -> None:
    parser = parsers.parse(
        "the next occurrence is due {interval:Interval} after the previous scheduled date", extra_types=STEP_TYPES
    )

    parsed = parser.parse_arguments("the next occurrence is due 6 months after the previous scheduled date")
    assert parsed is not None
    assert parsed["interval"] == pm.MaintenanceInterval(every=6, unit="month")
    assert not parser.is_matching("the next occurrence is due the site's interval after the previous scheduled date")
    assert not parser.is_matching("the next occurrence is due six months after the previous scheduled date")


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("previous", "following", "words"),
    [
        ("2027-01-01 08:00", "2027-07-01 08:00", "6 months"),
        ("2027-01-01 08:00", "2027-04-01 08:00", "3 months"),
        ("2027-01-01 08:00", "2028-01-01 08:00", "1 year"),
        ("2027-01-01 08:00", "2028-03-01 08:00", "1 year 2 months"),
        ("2027-08-31 08:00", "2028-02-29 08:00", "6 months"),  # the end of a shorter month
        ("2027-01-01 08:00", "2027-04-03 08:00", "3 months 2 days"),
        ("2027-01-01 08:00", "2027-01-15 08:00", "2 weeks"),
        ("2027-01-01 08:00", "2027-01-31 08:00", "30 days"),
        ("2027-01-01 08:00", "2027-01-01 20:00", "12 hours"),
        ("2027-01-01 08:00", "2027-01-01 08:00", "0 days"),
        ("2027-07-01 08:00", "2027-01-01 08:00", "-6 months"),
    ],
)
def test_what_odoo_planned_is_said_in_a_testers_words(previous: str, following: str, words: str) -> None:
    assert pm.planned_gap(at(previous), at(following)) == words


@pytest.mark.parametrize(
    ("interval", "previous", "following", "due"),
    [
        ("6 months", "2027-01-01 08:00", "2027-07-01 08:00", True),
        ("6 months", "2027-01-01 08:00", "2027-06-30 08:00", False),
        ("6 months", "2027-01-01 08:00", "2027-07-01 09:00", False),  # the time of day is kept too
        ("6 months", "2027-08-31 08:00", "2028-02-29 08:00", True),  # calendar months, as Odoo counts them
        ("26 weeks", "2027-01-01 08:00", "2027-07-01 08:00", False),  # 26 weeks is not 6 months
        ("26 weeks", "2027-01-01 08:00", "2027-07-02 08:00", True),
        ("90 days", "2027-01-01 08:00", "2027-04-01 08:00", True),
        ("3 months", "2027-01-01 08:00", "2027-05-01 08:00", False),
        ("1 year", "2028-02-29 08:00", "2029-02-28 08:00", True),
    ],
)
def test_the_next_occurrence_is_due_when_the_interval_after_the_previous_date_is_what_odoo_planned(
    interval: str, previous: str, following: str, due: bool
) -> None:
    assert pm.due_after(pm.parse_interval(interval), at(previous), at(following)) is due


def test_the_catalogue_explains_the_interval_to_a_tester() -> None:
    (definition,) = _bound("then", "the next occurrence is due 6 months after the previous scheduled date")

    assert definition.context.step_func.__name__ == "next_occurrence_due_interval"
    ((name, words),) = definition.parameter_words()
    assert name == "interval"
    assert '"90 days", "2 weeks", "6 months", "1 year"' in words


def _bound(keyword: str, text: str) -> list[StepDefinition]:
    return [definition for definition in step_definitions() if definition.matches(keyword, text)]


@pytest.mark.parametrize(
    ("keyword", "text", "function"),
    [
        (
            "given",
            "the site's equipment has an open recurring preventive maintenance request",
            "equipment_has_preventive_plan",
        ),
        (
            "given",
            'the "second device" has an open recurring preventive maintenance request',
            "named_equipment_has_preventive_plan",
        ),
        (
            "given",
            'the "HGH-DF-0001" has an open recurring preventive maintenance request',
            "named_equipment_has_preventive_plan",
        ),
        (
            "then",
            "the next occurrence is due the site's interval after the previous scheduled date",
            "next_occurrence_due",
        ),
        (
            "then",
            "the next occurrence is due 3 months after the previous scheduled date",
            "next_occurrence_due_interval",
        ),
    ],
)
def test_an_outline_row_binds_the_equipment_and_interval_it_says_to_exactly_one_definition(
    keyword: str, text: str, function: str
) -> None:
    """`<equipment>` is "site's equipment" (the profile's) or a device in quotes, `<interval>` "the site's
    interval" (the profile's) or an interval: either way one definition, never both."""
    assert [definition.context.step_func.__name__ for definition in _bound(keyword, text)] == [function]


def test_the_named_equipment_step_names_its_record_by_the_equipment_kind() -> None:
    (definition,) = _bound("given", 'the "second device" has an open recurring preventive maintenance request')

    assert [(name, kind.noun) for name, kind in definition.named_kinds] == [("equipment", "equipment")]
    assert definition.provides == "preventive_plan"


def test_each_scenario_of_a_run_names_its_requests_with_a_tag_of_its_own() -> None:
    base = "UAT-20261202-064447-d543/CLINIC/PM"

    assert pm.next_run_tag(base, []) == base
    assert pm.next_run_tag(base, [f"{base}: Preventive maintenance - Infusion pump NSC-IP-0001"]) == f"{base}-2"
    assert pm.next_run_tag(base, [f"{base}: a", f"{base}: a", f"{base}-2: b"]) == f"{base}-3"
    # another run's or site's tags that merely start alike do not count
    assert pm.next_run_tag(base, [f"{base}X: a", f"{base}-2X: b"]) == base


def test_a_runs_own_requests_are_never_taken_for_the_configured_plan() -> None:
    assert pm.is_run_request("UAT-20261202-064447-d543/CLINIC/PM-2: Preventive maintenance - Defibrillator")
    assert not pm.is_run_request("Preventive maintenance - Defibrillator HGH-DF-0001")
    assert not pm.is_run_request("UAT check of the defibrillator")


class RecordingGateway:
    """Records the domains a read is made with and answers nothing (the domain is what is tested)."""

    def __init__(self) -> None:
        self.domains: list[list[Any]] = []

    def search_read(self, model: str, domain: list[Any], fields: list[str], **kwargs: Any) -> list[dict[str, Any]]:
        self.domains.append(list(domain))
        return []


def test_the_teardown_finds_every_scenarios_requests_of_the_run_at_the_site_and_a_step_only_its_own() -> None:
    gateway = RecordingGateway()

    pm.run_requests(gateway, "UAT-1/CLINIC/PM", 7)  # type: ignore[arg-type]
    pm.run_requests(gateway, "UAT-1/CLINIC/PM", None, numbered=True)  # type: ignore[arg-type]

    assert gateway.domains == [
        [("name", "=like", "UAT-1/CLINIC/PM:%"), ("equipment_id", "=", 7)],
        ["|", ("name", "=like", "UAT-1/CLINIC/PM:%"), ("name", "=like", "UAT-1/CLINIC/PM-%:%")],
    ]


def test_both_rollouts_name_a_second_device_besides_the_profiles_own_equipment() -> None:
    for sites in (REFERENCE_SITES, MERIDIAN_SITES):
        for item in load_profiles(sites):
            section = item.profile.preventive_maintenance
            assert section is not None, item.path
            second = item.profile.names["equipment"]["second device"]
            assert second != section.equipment_serial, item.path
            assert named_equipment(item) == [second]


def test_the_reference_rollout_provisions_each_second_device_under_a_name_of_its_own() -> None:
    serials = {item.profile.names["equipment"]["second device"] for item in load_profiles(REFERENCE_SITES)}

    assert serials == set(OTHER_EQUIPMENT_NAMES)


def test_the_outline_rows_cover_the_profiles_default_a_named_device_and_a_sites_own_device() -> None:
    text = FEATURE.read_text(encoding="utf-8")

    assert "| site's equipment  | the site's interval |" in text
    assert '| CLINIC, HOSP, LAB | "second device" | 6 months |' in text
    assert '| WEST, EAST | "second device" | 3 months |' in text
    assert '| HOSP              | "HGH-DF-0001"   | 3 months |' in text
