"""Two wards of one site (features/ward_supply.feature), offline: the step texts a tester writes bind to one
definition each, "the ward" and a quoted ward take the same path, the reference rollout provisions the wards
its profiles name, and each delivery of a run gets lot numbers of its own. That the transfers and consumptions
happen in Odoo as the feature says is proven live, by the feature's own runs."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_uat.catalogue import StepDefinition, step_definitions
from odoo_uat.config import PROJECT_ROOT
from odoo_uat.cycles.transfer_to_consumption import fresh_lot_prefix
from odoo_uat.profiles import load_profiles
from odoo_uat.provisioning.transfer_to_consumption import named_wards

REFERENCE_SITES = PROJECT_ROOT / "fixtures" / "sites"
MERIDIAN_SITES = PROJECT_ROOT / "tests" / "rollouts" / "meridian" / "sites"


def _bound(keyword: str, text: str) -> list[StepDefinition]:
    return [definition for definition in step_definitions() if definition.matches(keyword, text)]


@pytest.mark.parametrize(
    ("keyword", "text", "function"),
    [
        (
            "when",
            "the storekeeper requests 30 units of the site's supply from the store for the ward",
            "storekeeper_requests_units",
        ),
        (
            "when",
            'the storekeeper requests 24 units of the site\'s supply from the store for the "second ward"',
            "storekeeper_requests_units_for_named_ward",
        ),
        ("when", "the nurse records 25 units of the site's supply used on the ward", "nurse_records_units"),
        (
            "when",
            'the nurse records 10 units of the site\'s supply used on the "NSC/Ward B"',
            "nurse_records_units_on_named_ward",
        ),
        (
            "then",
            "stock by lot moved from the store to the ward by exactly the transferred quantities",
            "transfer_moved_stock",
        ),
        (
            "then",
            'stock by lot moved from the store to the "second ward" by exactly the transferred quantities',
            "transfer_moved_stock_to_named_ward",
        ),
        (
            "then",
            "stock by lot moved from the ward to consumption by exactly the consumed quantities",
            "consumption_moved_stock",
        ),
        (
            "then",
            'stock by lot moved from the "second ward" to consumption by exactly the consumed quantities',
            "consumption_moved_stock_from_named_ward",
        ),
    ],
)
def test_an_outline_row_binds_the_ward_it_says_to_exactly_one_definition(
    keyword: str, text: str, function: str
) -> None:
    """`<ward>` is "the ward" (the profile's) or a ward in quotes: either way one definition, never both."""
    bound = _bound(keyword, text)
    assert [definition.context.step_func.__name__ for definition in bound] == [function]


def test_the_reference_and_meridian_profiles_name_a_second_ward_beside_their_own() -> None:
    for sites in (REFERENCE_SITES, MERIDIAN_SITES):
        for item in load_profiles(sites):
            section = item.profile.transfer_to_consumption
            assert section is not None, item.path
            second = item.profile.names["location"]["second ward"]
            assert second != section.ward_location
            assert second.split("/")[0] == section.ward_location.split("/")[0] == item.profile.warehouse
            assert named_wards(item) == [second]


def test_provisioning_leaves_out_names_that_are_no_ward_and_the_profile_s_own_ward() -> None:
    item = load_profiles(REFERENCE_SITES)[0]
    section = item.profile.transfer_to_consumption
    assert section is not None
    profile = item.profile.model_copy(
        update={
            "names": {
                "location": {
                    "second ward": "NSC/Ward B",
                    "Third Ward ": "NSC/Ward C",
                    "quarantine": "NSC/Quarantine",
                    "first ward": section.ward_location,
                }
            }
        }
    )
    assert named_wards(item.model_copy(update={"profile": profile})) == ["NSC/Ward B", "NSC/Ward C"]


class _Lots:
    """Answers the one stock.lot search `fresh_lot_prefix` makes, like Odoo's `=like`."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def search_read(self, model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
        assert model == "stock.lot"
        assert fields == ["name"]
        pattern = next(value for name, _, value in domain if name == "name")
        assert pattern.endswith("%")
        return [{"name": name} for name in self.names if name.startswith(pattern[:-1])]


@pytest.mark.parametrize(
    ("taken", "prefix"),
    [
        ([], "RUN-CLINIC-T2C-LOT"),
        (["OTHER-RUN-CLINIC-T2C-LOT-1"], "RUN-CLINIC-T2C-LOT"),
        (["RUN-CLINIC-T2C-LOT-1", "RUN-CLINIC-T2C-LOT-2"], "RUN-CLINIC-T2C-LOT-B2"),
        (["RUN-CLINIC-T2C-LOT-1", "RUN-CLINIC-T2C-LOT-B2-1", "RUN-CLINIC-T2C-LOT-B2-2"], "RUN-CLINIC-T2C-LOT-B3"),
    ],
)
def test_each_delivery_of_a_run_gets_lot_numbers_of_its_own(taken: list[str], prefix: str) -> None:
    """A lot number is unique per product and company: a run's second delivery (an outline's next row, the
    cycle's other feature) numbers its lots under a batch of its own."""
    assert fresh_lot_prefix(_Lots(taken), 7, "RUN-CLINIC-T2C-LOT") == prefix  # type: ignore[arg-type]


def test_the_ward_supply_outline_supplies_the_profile_s_ward_and_the_second_ward() -> None:
    feature = (PROJECT_ROOT / "features" / "ward_supply.feature").read_text(encoding="utf-8")
    rows = [line.split("|")[1].strip() for line in feature.splitlines() if line.strip().startswith("| the ")]
    assert rows == ["the ward", 'the "second ward"']
