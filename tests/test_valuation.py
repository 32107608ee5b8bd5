"""The month-end close's valuation arithmetic, per cost method (no Odoo).

Expected figures are worked by hand from Odoo 19's documented behaviour (stock_account/models/stock_move.py and
product.py), not by re-running the implementation:
- a delivery without a purchase order, bill or return is valued at the product's `standard_price` times the
  quantity (`_get_value_from_std_price`): the standard cost at standard cost, the running unit cost at FIFO or
  average cost;
- after an incoming move, FIFO and average products get `standard_price = total_value / qty_available`
  (`_update_standard_price`); a standard-cost product keeps its standard cost;
- the stock value of a standard-cost product is its quantity at the standard cost (`_compute_value`).
The live runs on the reference rollout (standard cost) and Meridian (average cost) prove Odoo does this.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from odoo_uat.cycles import month_end_close as mec
from odoo_uat.references import Scope


def stock(quantity: float, value: float, unit_cost: float) -> mec.SupplyStock:
    return mec.SupplyStock(quantity=quantity, value=value, unit_cost=unit_cost)


def test_a_delivery_without_an_order_is_valued_at_the_unit_cost_before_it() -> None:
    assert mec.delivery_value(2.10, 40) == pytest.approx(84.00)
    assert mec.delivery_value(1.85, 24) == pytest.approx(44.40)
    assert mec.delivery_value(38.5, 6) == pytest.approx(231.00)


def test_standard_cost_does_not_move_with_a_delivery() -> None:
    before = stock(quantity=10, value=18.50, unit_cost=1.85)
    assert mec.unit_cost_after("standard", before, 24, 44.40) == pytest.approx(1.85)


def test_average_cost_averages_the_delivery_in() -> None:
    # 100 units worth 200.00 (2.00 each), 40 more valued 84.00: 284.00 / 140 = 2.028571...
    before = stock(quantity=100, value=200.00, unit_cost=2.00)
    assert mec.unit_cost_after("average", before, 40, 84.00) == pytest.approx(284.00 / 140)
    assert mec.unit_cost_after("average", before, 40, 84.00) == pytest.approx(2.0285714, abs=1e-7)


def test_a_delivery_at_the_running_cost_leaves_average_and_fifo_cost_where_they_were() -> None:
    # Meridian: every run receives 40 bags at the running average cost of 2.10, so the cost stays 2.10
    before = stock(quantity=80, value=168.00, unit_cost=2.10)
    received = mec.delivery_value(before.unit_cost, 40)
    for method in ("average", "fifo"):
        assert mec.unit_cost_after(method, before, 40, received) == pytest.approx(2.10)


def test_fifo_unit_cost_is_the_remaining_stack_over_its_quantity() -> None:
    # two lots left: 30 at 9.80 and 20 at 10.30 (values 294.00 + 206.00); 50 more valued at 10.00 each
    before = stock(quantity=50, value=500.00, unit_cost=10.00)
    assert mec.unit_cost_after("fifo", before, 50, 500.00) == pytest.approx(10.00)
    before = stock(quantity=50, value=500.00, unit_cost=10.00)
    assert mec.unit_cost_after("fifo", before, 25, 262.50) == pytest.approx(762.50 / 75)


def test_from_empty_stock_the_cost_is_the_delivery_s_unit_value() -> None:
    assert mec.unit_cost_after("average", stock(0, 0.0, 2.10), 40, 84.00) == pytest.approx(2.10)


def test_no_quantity_keeps_the_cost() -> None:
    assert mec.unit_cost_after("average", stock(-40, -84.0, 2.10), 40, 84.00) == pytest.approx(2.10)


def test_the_bill_is_at_the_delivery_s_value_per_unit_to_the_price_digits() -> None:
    assert mec.billed_unit_price(84.00, 40, 2) == pytest.approx(2.10)
    assert mec.billed_unit_price(100.00, 3, 2) == pytest.approx(33.33)
    assert mec.billed_unit_price(100.00, 3, 4) == pytest.approx(33.3333)
    assert mec.billed_unit_price(5.0, 0, 2) == 0.0


def test_same_amount_is_within_the_tolerance() -> None:
    assert mec.same_amount(84.00, 84.004, 0.005)
    assert not mec.same_amount(84.00, 84.02, 0.005)


@pytest.mark.parametrize(
    ("tracking", "quantity", "lots"),
    [("lot", 40, [("P-L1", 40.0)]), ("serial", 3, [("P-S1", 1.0), ("P-S2", 1.0), ("P-S3", 1.0)])],
)
def test_the_run_s_lots(tracking: str, quantity: float, lots: list[tuple[str, float]]) -> None:
    today = date(2026, 12, 1)
    planned = mec.plan_run_lots("P", quantity, tracking, 730, today)
    assert [(lot.name, lot.quantity) for lot in planned] == lots
    assert {lot.expiration for lot in planned} == {today + timedelta(days=730)}


def test_a_supply_without_an_expiration_time_gets_a_year() -> None:
    (lot,) = mec.plan_run_lots("P", 5, "lot", 0, date(2026, 12, 1))
    assert lot.expiration == date(2027, 12, 1)


def test_profile_expectations_name_the_cost_method() -> None:
    profile = mec.MonthEndCloseProfile.model_validate(
        {
            "journal": "GJ",
            "entries": {"debit_account": "630000", "credit_account": "230000", "amount": 1250.0},
            "stock_valuation_account": "110100",
            "valued_receipt": {
                "product": "MCP-SAL-500",
                "supplier": "Atlas Medical Distribution",
                "quantity": 40,
                "cost_method": "average",
                "unit_cost": 2.1,
            },
        }
    )
    assert profile.company_expectations()["valuation of MCP-SAL-500"] == "perpetual, average cost, unit cost 2.10"
    periodic = profile.valued_receipt.model_copy(
        update={"valuation": "periodic", "cost_method": None, "unit_cost": None}
    )
    assert (
        mec.MonthEndCloseProfile.model_validate(
            {**profile.model_dump(), "valued_receipt": periodic.model_dump()}
        ).company_expectations()["valuation of MCP-SAL-500"]
        == "periodic"
    )


def test_the_receipt_type_reference_is_a_natural_key_only() -> None:
    """Its kind (a receipt) is an expectation checked in the scenario, not a filter of the reference."""
    profile = mec.MonthEndCloseProfile.model_validate(
        {
            "entries": {"debit_account": "600000", "credit_account": "211100", "amount": 420.0},
            "stock_valuation_account": "110100",
            "valued_receipt": {"product": "MS-NACL-10", "supplier": "MedSupply Partners", "quantity": 24},
        }
    )

    (kind,) = [ref for ref in profile.references(Scope(1, 7)) if ref.key.endswith("receipt_operation")]
    assert kind.domain == (("warehouse_id", "=", 7),)
