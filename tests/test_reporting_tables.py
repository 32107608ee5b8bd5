"""The before/after tables under quantity checks, as a business owner reads them: money with its cents, a flag as
yes/no, the check's own verdict on a row it judges (a tolerance, one of several states, a figure shown but not
checked), rows in the order a step gives them; and the pure pieces the steps build their rows from (a lot's stock
inside or outside a site, what is reserved by lot)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pytest

import steps.billing
import steps.purchase
from odoo_uat.cycles import receiving as rcv
from odoo_uat.cycles import requisition_to_receipt as r2r
from odoo_uat.cycles import transfer_to_consumption as t2c
from odoo_uat.reporting.quantities import NOT_CHECKED, Judged, Money, render_quantities
from steps.ward_stock import _by_lot


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_money_keeps_its_cents_in_every_column() -> None:
    rows = table(
        render_quantities(
            before={"stock valuation account": Money(1_234_500.0)},
            after={"stock valuation account": Money(1_230_449.5)},
            expected={"stock valuation account": -4_050.5},
        )
    )

    assert rows == [
        {
            "what": "stock valuation account",
            "before": "1,234,500.00",
            "after": "1,230,449.50",
            "change": "-4,050.50",
            "expected change": "-4,050.50",
            "verdict": "as expected",
        }
    ]


def test_money_that_did_not_move_says_0_00_and_units_say_0() -> None:
    rows = table(
        render_quantities(
            before={"value": Money(10.0), "units": 5.0},
            after={"value": Money(10.0), "units": 5.0},
            expected={"value": 0.0, "units": 0.0},
        )
    )

    assert [(row["what"], row["change"], row["expected change"]) for row in rows] == [
        ("units", "0", "0"),
        ("value", "0.00", "0.00"),
    ]


def test_a_row_the_check_judges_shows_its_words_and_its_verdict() -> None:
    rows = table(
        render_quantities(
            before={"deadline": None, "SLA state": "ongoing", "units ordered": 120.0},
            after={"deadline": "Mon 2026-11-30 10:00:01 UTC", "SLA state": "failed", "units ordered": 120.0},
            expected={
                "deadline": Judged("Mon 2026-11-30 10:00:00 UTC (2 working hours later)", True),
                "SLA state": Judged("expired or failed", False),
                "units ordered": NOT_CHECKED,
            },
            sort=False,
        )
    )

    assert rows == [
        {
            "what": "deadline",
            "before": "-",
            "after": "Mon 2026-11-30 10:00:01 UTC",
            "change": "changed",
            "expected change": "Mon 2026-11-30 10:00:00 UTC (2 working hours later)",
            "verdict": "as expected",  # within the check's two seconds: the table says what the check decided
        },
        {
            "what": "SLA state",
            "before": "ongoing",
            "after": "failed",
            "change": "changed",
            "expected change": "expired or failed",
            "verdict": "NOT as expected",
        },
        {
            "what": "units ordered",
            "before": "120",
            "after": "120",
            "change": "0",
            "expected change": "",
            "verdict": "not checked",
        },
    ]


def test_a_flag_reads_yes_or_no_and_is_compared_as_a_state() -> None:
    rows = table(
        render_quantities(
            before={"SLA breached": False, "ticket closed": False},
            after={"SLA breached": True, "ticket closed": False},
            expected={"SLA breached": True, "ticket closed": True},
        )
    )

    assert [(row["what"], row["before"], row["after"], row["change"], row["verdict"]) for row in rows] == [
        ("SLA breached", "no", "yes", "changed", "as expected"),
        ("ticket closed", "no", "no", "", "NOT as expected"),
    ]


def test_rows_keep_the_steps_order_unless_sorted() -> None:
    before = {"units ordered": 120.0, "units received": 0.0, "amount billed": Money(0.0)}
    after = {"units ordered": 120.0, "units received": 90.0, "amount billed": Money(4050.0)}

    given_order = [row["what"] for row in table(render_quantities(before=before, after=after, sort=False))]
    sorted_order = [row["what"] for row in table(render_quantities(before=before, after=after))]

    assert given_order == ["units ordered", "units received", "amount billed"]
    assert sorted_order == ["amount billed", "units ordered", "units received"]


def test_a_row_only_after_the_action_has_no_before_and_a_full_change() -> None:
    rows = table(render_quantities(before={}, after={("LOT-1", "NSC/Stock"): 45.0}, by=("lot", "location")))

    assert rows == [{"lot": "LOT-1", "location": "NSC/Stock", "before": "-", "after": "45", "change": "+45"}]


# -- the pieces the steps build their rows from --------------------------------------------------------------------

HELD = (
    rcv.LotHeld("LOT-1", 10, "NSC/Stock", 30.0, 30.0),
    rcv.LotHeld("LOT-1", 11, "NSC/Stock/Shelf 2", 15.0, 5.0),
    rcv.LotHeld("LOT-1", 20, "HGH/Stock", 4.0, 4.0),
    rcv.LotHeld("LOT-2", 10, "NSC/Stock", 7.0, 0.0),
)


def test_a_lots_stock_adds_up_inside_a_site_outside_it_and_anywhere() -> None:
    site = {10, 11}

    assert rcv.held_in(HELD, "LOT-1", site) == (45.0, 35.0)
    assert rcv.held_in(HELD, "LOT-1", site, inside=False) == (4.0, 4.0)
    assert rcv.held_in(HELD, "LOT-1") == (49.0, 39.0)
    assert rcv.held_in(HELD, "LOT-3", site) == (0.0, 0.0)


def test_what_is_reserved_is_added_up_by_lot_and_location() -> None:
    def quant(quant_id: int, lot: str, location: str, reserved: float) -> t2c.Quant:
        return t2c.Quant(quant_id, lot, location, 50.0, reserved, None, datetime(2026, 11, 1))

    stock = [quant(1, "A", "NSC/Stock", 5.0), quant(2, "A", "NSC/Stock", 3.0), quant(3, "", "NSC/Stock", 0.0)]

    reserved = t2c.reserved_at(stock)

    assert reserved == (t2c.LotQuantity("A", "NSC/Stock", 8.0), t2c.LotQuantity("", "NSC/Stock", 0.0))
    assert _by_lot(reserved) == {("A", "NSC/Stock"): 8.0, ("(no lot)", "NSC/Stock"): 0.0}


# -- the tables the steps attach, from given figures ---------------------------------------------------------------


@pytest.fixture
def attached(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What the steps under test pass to `record_quantities`, rendered as the report shows it."""
    tables: list[dict[str, Any]] = []

    def capture(title: str, **table_of: Any) -> None:
        tables.append({"title": title, "rows": table(render_quantities(**table_of))})

    for module in (steps.billing, steps.purchase):
        monkeypatch.setattr(module, "record_quantities", capture)
    return tables


def order_line(**figures: float) -> Mapping[str, Any]:
    return {"product_id": [7, "Nitrile gloves"], "price_unit": 45.0, "product_qty": 120.0, **figures}


def test_the_three_way_match_shows_ordered_received_billed_and_the_amount(attached: list[dict[str, Any]]) -> None:
    before = dict(order_line(qty_received=90.0, qty_invoiced=0.0))
    after = dict(order_line(qty_received=90.0, qty_invoiced=100.0))
    billed = [{"quantity": 100.0, "price_unit": 45.0}]

    steps.billing._record_three_way("P00008", before, after, 90.0, billed, 100.0)

    (attachment,) = attached
    assert attachment["title"] == "three-way match: order P00008, receipt, bill"
    by_row = {row["what"]: row for row in attachment["rows"]}
    assert list(by_row) == [
        "units ordered",
        "units received on the order",
        "units billed on the order",
        "units on this bill",
        "unit price on this bill",
        "amount on this bill, before tax",
    ]
    assert by_row["units ordered"]["verdict"] == "not checked"
    assert by_row["units received on the order"]["verdict"] == "as expected"
    assert (by_row["units billed on the order"]["change"], by_row["units billed on the order"]["verdict"]) == (
        "+100",
        "NOT as expected",
    )
    assert by_row["units on this bill"]["verdict"] == "NOT as expected"
    assert by_row["unit price on this bill"]["verdict"] == "as expected"
    amount = by_row["amount on this bill, before tax"]
    assert (amount["before"], amount["after"], amount["expected change"], amount["verdict"]) == (
        "-",
        "4,500.00",
        "4,050.00 (received x order's price)",
        "NOT as expected",
    )


def test_the_order_against_the_approval_limit_shows_state_total_and_limit(attached: list[dict[str, Any]]) -> None:
    raised = r2r.OrderStanding(state="RFQ", total=4_999.99, open_receipts=0, approval_limit=5_000.0)
    confirmed = r2r.OrderStanding(state="To Approve", total=4_999.99, open_receipts=0, approval_limit=5_000.0)

    steps.purchase._record_standing("the order", raised, confirmed, state="Purchase Order", side="below")

    rows = {row["what"]: row for row in attached[0]["rows"]}
    assert rows["order state"]["verdict"] == "NOT as expected"  # it waits, though below the limit
    total = rows["order total, tax included"]
    assert (total["before"], total["after"], total["expected change"], total["verdict"]) == (
        "4,999.99",
        "4,999.99",
        "below the limit",
        "as expected",
    )
    limit = rows["company's approval limit (Purchase settings)"]
    assert (limit["after"], limit["change"], limit["verdict"]) == ("5,000.00", "0.00", "as expected")
    assert "receipts awaited from the supplier" not in rows  # not asked for: not shown


def test_an_order_raised_without_a_reading_shows_no_before(attached: list[dict[str, Any]]) -> None:
    cancelled = r2r.OrderStanding(state="Cancelled", total=100.0, open_receipts=0, approval_limit=5_000.0)

    steps.purchase._record_standing(
        "the order", None, cancelled, state="Cancelled", receipts=Judged("none awaited", True)
    )

    rows = {row["what"]: row for row in attached[0]["rows"]}
    assert rows["order state"]["before"] == "-"
    assert (
        rows["receipts awaited from the supplier"]["after"],
        rows["receipts awaited from the supplier"]["verdict"],
    ) == (
        "0",
        "as expected",
    )
