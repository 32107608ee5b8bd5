"""Transfer-to-consumption without an Odoo: what the profile references, and the FIFO value of a consumption.

What Odoo 19 does (stock_account/models/product.py and stock_move.py, 19.0): an outgoing move of a FIFO product
is valued by `_run_fifo`, which walks the stack of incoming moves still holding stock (`_run_fifo_get_stack`:
the latest incoming moves covering the quantity on hand, oldest first; only part of the oldest remains) and
takes each at its value per unit; beyond the stack it extrapolates at the last move's unit value.
`stock.move.remaining_qty` / `remaining_value` expose that stack, and `fifo_value` walks them the same way.
The live runs (tests/rollouts/meridian, FIFO supplies) check the same against Odoo's own numbers.
"""

from __future__ import annotations

import math

import pytest

from odoo_uat.cycles.transfer_to_consumption import FifoLayer, TransferToConsumptionProfile, fifo_value
from odoo_uat.references import Scope

SECTION = {
    "product": "MCP-SYR-5",
    "product_category": "Clinical consumables",
    "supplier": "Atlas Medical Distribution",
    "store_location": "MCW/Stock",
    "ward_location": "MCW/Ward 5 North",
    "consumption_location": "Patient use - West",
    "consumption_operation": "USE",
    "received_lots": [{"quantity": 40, "expires_in_days": 400}, {"quantity": 40, "expires_in_days": 150}],
    "transfer_quantity": 60,
    "consume_quantity": 45,
    "expense_account": "500000",
    "stock_valuation_account": "110100",
}


def layer(move: str, quantity: float, value: float, remaining: float) -> FifoLayer:
    return FifoLayer(move, quantity, value, remaining, value * remaining / quantity)


def test_fifo_takes_the_oldest_remaining_stock_first_at_its_own_price() -> None:
    layers = [layer("IN/1", 100, 28.0, 30), layer("IN/2", 50, 15.0, 50), layer("IN/3", 40, 20.0, 40)]
    expected = fifo_value(layers, 60, fallback_unit_cost=9.99)
    # 30 left of IN/1 at 0.28, then 30 of IN/2 at 0.30; never the product's cost
    assert math.isclose(expected.amount, 30 * 0.28 + 30 * 0.30)
    assert "30 of IN/1 at 0.2800; 30 of IN/2 at 0.3000" in expected.basis


def test_fifo_beyond_the_stack_extrapolates_at_the_last_incoming_price() -> None:
    expected = fifo_value([layer("IN/1", 10, 5.0, 10)], 12, fallback_unit_cost=9.99)
    assert math.isclose(expected.amount, 12 * 0.5)
    assert "2 beyond the stack at 0.5000" in expected.basis


def test_fifo_without_stock_uses_the_products_cost() -> None:
    assert math.isclose(fifo_value([], 3, fallback_unit_cost=1.5).amount, 4.5)


def test_operation_types_are_referenced_by_sequence_code_in_the_warehouse_only() -> None:
    """The kind of a type (receipt, internal, delivery) is an expectation of the scenario, not a filter."""
    section = TransferToConsumptionProfile.model_validate(SECTION)
    references = {ref.key: ref for ref in section.references(Scope(company_id=1, warehouse_id=2))}
    for name, code in (("receipt_operation", "IN"), ("internal_operation", "INT"), ("consumption_operation", "USE")):
        reference = references[f"transfer_to_consumption.{name}"]
        assert (reference.model, reference.field, reference.value) == ("stock.picking.type", "sequence_code", code)
        assert reference.domain == (("warehouse_id", "=", 2),)


def test_valuation_is_an_expectation_and_the_provisioned_cost_is_optional() -> None:
    section = TransferToConsumptionProfile.model_validate(SECTION)
    assert section.valuation == "perpetual"
    assert section.unit_cost is None
    assert "provisioned standard cost of MCP-SYR-5" not in section.company_expectations()
    periodic = TransferToConsumptionProfile.model_validate({**SECTION, "valuation": "periodic", "unit_cost": 0.28})
    assert periodic.company_expectations()["valuation of category 'Clinical consumables'"] == "periodic"
    assert periodic.company_expectations()["provisioned standard cost of MCP-SYR-5"] == "0.28"
    with pytest.raises(ValueError, match="valuation"):
        TransferToConsumptionProfile.model_validate({**SECTION, "valuation": "at closing"})
