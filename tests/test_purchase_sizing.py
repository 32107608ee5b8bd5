"""Sizing an order against the approval limit, offline: whole units either side of a share of the limit, and the
unit price that brings a one-unit order to an amount to the cent (or the nearest totals when Odoo's tax rounding
skips it). The live scenarios (features/purchase_approval.feature) prove Odoo's own rule on the bundled Odoo."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

import pytest

from odoo_uat.cycles import requisition_to_receipt as r2r
from odoo_uat.language import PARSE_TYPES


def _with_tax(rate: str) -> tuple[list[float], Callable[[float], float]]:
    """A one-unit order under a percent tax rounded half up to the cent, as Odoo 19 rounds a line's tax."""
    prices: list[float] = []

    def total_at(price: float) -> float:
        prices.append(price)
        untaxed = Decimal(str(price))
        tax = (untaxed * Decimal(rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return float(untaxed + tax)

    return prices, total_at


@pytest.mark.parametrize(
    ("target", "unit_total", "round_up", "units"),
    [
        (4500.0, 51.75, False, 86),  # 90% of 5,000.00 at 45.00 + 15%: 4,450.50
        (5500.0, 51.75, True, 107),  # 110%: 5,537.25
        (2970.0, 241.5, False, 12),  # 99% of 3,000.00 at 210.00 + 15%: 2,898.00
        (3030.0, 241.5, True, 13),  # 101%: 3,139.50
        (5000.0, 50.0, True, 100),  # exactly the limit: no float error pushes it to 101
        (5000.0, 50.0, False, 100),
        (5500.000000000001, 55.0, True, 100),  # float noise in a share of the limit is not a cent
    ],
)
def test_whole_units_round_down_below_the_share_and_up_from_it(
    target: float, unit_total: float, round_up: bool, units: int
) -> None:
    assert r2r.whole_units_for(target, unit_total, round_up=round_up) == units


def test_a_unit_without_a_total_cannot_size_an_order() -> None:
    with pytest.raises(ValueError, match="cannot size"):
        r2r.whole_units_for(100.0, 0.0, round_up=False)


@pytest.mark.parametrize(("wanted", "price"), [(5000.0, 4347.83), (4999.99, 4347.82), (2999.99, 2608.69)])
def test_one_unit_is_priced_to_an_amount_to_the_cent(wanted: float, price: float) -> None:
    prices, total_at = _with_tax("0.15")
    search = r2r.price_for_total(wanted, r2r.PricedTotal(45.0, total_at(45.0)), total_at)
    assert search.reached(wanted)
    assert search.last == r2r.PricedTotal(price, wanted)
    assert len(prices) <= 3  # the agreed price, then one or two prices typed on the order


def test_a_total_the_tax_rounding_skips_is_named_by_its_nearest_totals() -> None:
    """With 15% no price makes 3,000.00: 2,608.69 gives 2,999.99 and 2,608.70 gives 3,000.01."""
    _, total_at = _with_tax("0.15")
    search = r2r.price_for_total(3000.0, r2r.PricedTotal(210.0, total_at(210.0)), total_at)
    assert not search.reached(3000.0)
    assert search.below == r2r.PricedTotal(2608.69, 2999.99)
    assert search.above == r2r.PricedTotal(2608.70, 3000.01)


def test_an_order_already_at_the_amount_is_left_as_it_is() -> None:
    prices, total_at = _with_tax("0")
    search = r2r.price_for_total(45.0, r2r.PricedTotal(45.0, 45.0), total_at)
    assert search.reached(45.0)
    assert prices == []


def test_amounts_are_compared_to_the_cent() -> None:
    assert r2r.same_amount(4999.99, 4999.990000001)
    assert not r2r.same_amount(4999.99, 5000.0)


@pytest.mark.parametrize(("written", "value"), [("4,000.00", 4000.0), ("4000", 4000.0), ("2,999.99", 2999.99)])
def test_a_tester_writes_an_amount_with_or_without_separators(written: str, value: float) -> None:
    assert PARSE_TYPES["Amount"](written) == value
