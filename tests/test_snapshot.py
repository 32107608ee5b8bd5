"""The configuration snapshot compares each field as Odoo stores it: float rounding is not a change."""

from __future__ import annotations

import pytest

from odoo_uat.snapshot import PRECISION, compare, same_value


@pytest.mark.parametrize(
    ("old", "new", "places", "same"),
    [
        (18.9, 18.900000000000002, 2, True),  # Odoo's FIFO recomputation of standard_price
        (18.9, 18.900000000000002, None, True),  # a plain float: only representation noise is ignored
        (18.9, 18.91, 2, False),
        (18.9, 18.91, None, False),
        (0.35, 0.354, 2, True),  # below the field's precision, Odoo stores the same 0.35
        (0.35, 0.36, 2, False),
        (5000, 5000.0, 2, True),
        (False, 0.0, 2, False),  # unset is not zero
        ([3, "NSC/Stock"], [3, "NSC/Stock"], None, True),
        ("fefo", "fifo", None, False),
    ],
)
def test_values_compare_at_their_fields_precision(old: object, new: object, places: int | None, same: bool) -> None:
    assert same_value(old, new, places) is same


def test_compare_uses_the_precision_recorded_in_the_snapshot() -> None:
    before = {
        PRECISION: {"product.template": {"standard_price": 2}},
        "product.template": {"7@1": {"standard_price": 18.9, "name": "Syringe 10 ml"}},
    }
    noise = {**before, "product.template": {"7@1": {"standard_price": 18.900000000000002, "name": "Syringe 10 ml"}}}
    changed = {**before, "product.template": {"7@1": {"standard_price": 19.5, "name": "Syringe 10 ml"}}}

    assert compare(before, noise) == []
    assert compare(before, changed) == ["product.template #7@1.standard_price: 18.9 -> 19.5"]
