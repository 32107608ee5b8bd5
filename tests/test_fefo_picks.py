"""The lots Odoo 19 reserves, worked out from the quants (no Odoo needed).

What Odoo does (stock/models/stock_quant.py, product_expiry/models/stock_quant.py and stock_move.py, 19.0):
- `_gather` searches the quants under the source location ordered by the removal strategy's order:
  FEFO (product_expiry's `_get_removal_strategy_order`) `removal_date, in_date, id`; FIFO `in_date ASC, id`.
  The ORM adds no NULLS clause, so PostgreSQL's default for ascending order puts quants without a removal date
  (lots without an expiry date, untracked stock) after every dated one. Then
  `res.sorted(lambda q: not q.lot_id)`, a stable sort: tracked stock first, the order kept within each group.
- product_expiry reserves with `with_expiration=move.date`, which adds to that search
  `removal_date >= move date OR removal_date IS NULL`: a lot whose removal date has passed is not reserved, one
  whose removal date is the move's date still is.
- `_get_reserve_quantity` walks those quants taking `quantity - reserved_quantity` from each, skipping quants with
  nothing free, until the move's quantity is met or the stock runs out (a partial reservation: the picking is
  "partially available").

So on equal removal dates the earlier incoming date (`in_date`) goes first, and on equal removal and incoming
dates the older quant (lower id). Expected picks below are written by hand from those rules. The tie-breaks
were also seen on the bundled Odoo 19 (1 December 2026): a FEFO move of 40 over lots A and B (same removal date,
B in earlier), Y and X (same removal and incoming dates, Y's quant older), N (no expiry date), E (removal date
passed) and 50 untracked reserved B 8, A 8, Y 5, X 5, N 10, untracked 4, as test_odoo_tie_breaks_seen_live says.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from odoo_uat.cycles.transfer_to_consumption import (
    LotQuantity,
    MovedLot,
    Quant,
    merge,
    other_method,
    plan_picks,
    removal_order,
    reserved,
)

STORE = "NSC/Stock"
SHELF = "NSC/Stock/Shelf 2"
MOVE_DATE = datetime(2026, 12, 1, 9, 30)  # the internal transfer's date (naive UTC, as Odoo keeps it)


def day(month: int, dom: int, year: int = 2026, hour: int = 0) -> datetime:
    return datetime(year, month, dom, hour)


def quant(
    quant_id: int,
    lot: str,
    quantity: float,
    removal: datetime | None,
    arrived: datetime,
    reserved_quantity: float = 0.0,
    location: str = STORE,
) -> Quant:
    return Quant(quant_id, lot, location, quantity, reserved_quantity, removal, arrived)


def picks(*lines: tuple[str, float] | tuple[str, float, str]) -> tuple[LotQuantity, ...]:
    return tuple(LotQuantity(line[0], line[2] if len(line) == 3 else STORE, line[1]) for line in lines)


# The delivery of the bundled profile: the longest-dated lot arrives first, so FEFO and FIFO differ.
DELIVERY = [
    quant(11, "LOT-1", 20, day(11, 21, 2028), day(11, 1, hour=8)),  # expires in ~720 days, received first
    quant(12, "LOT-2", 10, day(3, 1, 2027), day(11, 2, hour=8)),  # ~90 days
    quant(13, "LOT-3", 10, day(5, 30, 2027), day(11, 3, hour=8)),  # ~180 days
]


def test_fefo_takes_the_earliest_expiry_first_whatever_the_arrival() -> None:
    assert plan_picks(DELIVERY, 25, "fefo", MOVE_DATE) == picks(("LOT-2", 10), ("LOT-3", 10), ("LOT-1", 5))


def test_fifo_takes_the_earliest_arrival_first() -> None:
    assert plan_picks(DELIVERY, 25, "fifo", MOVE_DATE) == picks(("LOT-1", 20), ("LOT-2", 5))


def test_the_order_the_quants_are_read_in_does_not_matter() -> None:
    assert plan_picks(DELIVERY[::-1], 25, "fefo", MOVE_DATE) == picks(("LOT-2", 10), ("LOT-3", 10), ("LOT-1", 5))


def test_equal_removal_dates_go_by_incoming_date() -> None:
    """`removal_date, in_date, id`: the lot that came in earlier leaves first, even from a younger quant."""
    same_expiry = day(6, 30, 2027)
    stock = [
        quant(21, "LOT-A", 8, same_expiry, day(11, 10)),
        quant(22, "LOT-B", 8, same_expiry, day(11, 5)),  # younger record, earlier arrival
        quant(23, "LOT-C", 8, day(7, 31, 2027), day(10, 1)),
    ]
    assert plan_picks(stock, 12, "fefo", MOVE_DATE) == picks(("LOT-B", 8), ("LOT-A", 4))


def test_equal_removal_and_incoming_dates_go_by_quant_id() -> None:
    same_expiry, same_arrival = day(6, 30, 2027), day(11, 10, hour=14)
    stock = [
        quant(32, "LOT-Y", 5, same_expiry, same_arrival),
        quant(31, "LOT-X", 5, same_expiry, same_arrival),
    ]
    assert plan_picks(stock, 7, "fefo", MOVE_DATE) == picks(("LOT-X", 5), ("LOT-Y", 2))


def test_equal_incoming_dates_in_fifo_go_by_quant_id() -> None:
    same_arrival = day(11, 10, hour=14)
    stock = [
        quant(42, "LOT-Q", 5, day(1, 31, 2027), same_arrival),
        quant(41, "LOT-P", 5, day(12, 31, 2027), same_arrival),
    ]
    assert plan_picks(stock, 6, "fifo", MOVE_DATE) == picks(("LOT-P", 5), ("LOT-Q", 1))


def test_a_partly_reserved_lot_gives_only_what_is_free() -> None:
    """Another picking holds 4 of LOT-2's 10: 6 are free. A lot held in full is passed over."""
    stock = [
        quant(11, "LOT-1", 20, day(11, 21, 2028), day(11, 1, hour=8)),
        quant(12, "LOT-2", 10, day(3, 1, 2027), day(11, 2, hour=8), reserved_quantity=4),
        quant(13, "LOT-3", 10, day(5, 30, 2027), day(11, 3, hour=8), reserved_quantity=10),
    ]
    assert plan_picks(stock, 25, "fefo", MOVE_DATE) == picks(("LOT-2", 6), ("LOT-1", 19))


def test_lots_without_an_expiry_date_come_after_every_dated_lot() -> None:
    """ORDER BY removal_date puts NULL last: a lot with no expiry date leaves after dated ones, even if older."""
    stock = [
        quant(51, "LOT-UNDATED", 10, None, day(9, 1)),
        quant(52, "LOT-LATE", 5, day(12, 31, 2029), day(11, 20)),
        quant(53, "LOT-SOON", 5, day(2, 28, 2027), day(11, 25)),
    ]
    assert plan_picks(stock, 12, "fefo", MOVE_DATE) == picks(("LOT-SOON", 5), ("LOT-LATE", 5), ("LOT-UNDATED", 2))


def test_lots_without_an_expiry_date_go_by_arrival_among_themselves() -> None:
    stock = [
        quant(61, "LOT-N2", 4, None, day(10, 2)),
        quant(62, "LOT-N1", 4, None, day(10, 1)),
    ]
    assert plan_picks(stock, 6, "fefo", MOVE_DATE) == picks(("LOT-N1", 4), ("LOT-N2", 2))


@pytest.mark.parametrize("method", ["fefo", "fifo"])
def test_untracked_stock_comes_after_every_lot(method: str) -> None:
    """`sorted(lambda q: not q.lot_id)`: stock without a lot is last, however early it arrived."""
    stock = [
        quant(71, "", 50, None, day(1, 1)),
        quant(72, "LOT-1", 5, day(3, 1, 2027), day(11, 1)),
    ]
    assert plan_picks(stock, 8, method, MOVE_DATE) == picks(("LOT-1", 5), ("", 3))


def test_more_than_is_free_reserves_everything_there_is() -> None:
    """Odoo reserves what it can (min(quantity, available)) and leaves the move partially available."""
    stock = [
        quant(81, "LOT-1", 3, day(3, 1, 2027), day(11, 1)),
        quant(82, "LOT-2", 4, day(4, 1, 2027), day(11, 2), reserved_quantity=1),
    ]
    planned = plan_picks(stock, 100, "fefo", MOVE_DATE)
    assert planned == picks(("LOT-1", 3), ("LOT-2", 3))
    assert sum(line.quantity for line in planned) == 6


def test_nothing_free_plans_nothing() -> None:
    stock = [quant(91, "LOT-1", 5, day(3, 1, 2027), day(11, 1), reserved_quantity=5)]
    assert plan_picks(stock, 2, "fefo", MOVE_DATE) == ()


def test_a_lot_past_its_removal_date_is_not_reserved() -> None:
    """product_expiry reserves with `removal_date >= move date OR no removal date`: equal to the move's date is
    still reservable, a second earlier is not."""
    stock = [
        quant(101, "LOT-EXPIRED", 10, datetime(2026, 12, 1, 9, 29, 59), day(6, 1)),
        quant(102, "LOT-LAST-DAY", 2, MOVE_DATE, day(7, 1)),
        quant(103, "LOT-GOOD", 10, day(6, 1, 2027), day(8, 1)),
    ]
    assert plan_picks(stock, 5, "fefo", MOVE_DATE) == picks(("LOT-LAST-DAY", 2), ("LOT-GOOD", 3))


def test_an_expired_lot_is_not_reserved_in_fifo_either() -> None:
    """The expiry filter is product_expiry's, not FEFO's: it applies whatever the removal strategy."""
    stock = [
        quant(111, "LOT-OLD", 10, day(11, 30), day(1, 1)),
        quant(112, "LOT-NEW", 10, day(6, 1, 2027), day(2, 1)),
    ]
    assert plan_picks(stock, 4, "fifo", MOVE_DATE) == picks(("LOT-NEW", 4))


def test_one_lot_on_two_shelves_gives_a_line_per_shelf() -> None:
    """The same lot under the store: two quants, two locations; the earlier arrival leaves first."""
    expiry = day(3, 1, 2027)
    stock = [
        quant(121, "LOT-1", 4, expiry, day(11, 5), location=SHELF),
        quant(122, "LOT-1", 4, expiry, day(11, 1)),
        quant(123, "LOT-2", 10, day(4, 1, 2027), day(10, 1)),
    ]
    assert plan_picks(stock, 9, "fefo", MOVE_DATE) == picks(("LOT-1", 4), ("LOT-1", 4, SHELF), ("LOT-2", 1))


def test_two_quants_of_one_lot_at_one_location_are_one_line() -> None:
    expiry = day(3, 1, 2027)
    stock = [
        quant(131, "LOT-1", 3, expiry, day(11, 1)),
        quant(132, "LOT-1", 3, expiry, day(11, 2)),
    ]
    assert plan_picks(stock, 5, "fefo", MOVE_DATE) == picks(("LOT-1", 5))


def test_a_quantity_that_ends_on_a_lot_boundary_takes_nothing_from_the_next() -> None:
    assert plan_picks(DELIVERY, 20, "fefo", MOVE_DATE) == picks(("LOT-2", 10), ("LOT-3", 10))


def test_quants_with_nothing_on_hand_are_passed_over() -> None:
    stock = [
        quant(141, "LOT-ZERO", 0, day(1, 15, 2027), day(11, 1)),
        quant(142, "LOT-NEGATIVE", -2, day(1, 20, 2027), day(11, 1)),
        quant(143, "LOT-1", 5, day(3, 1, 2027), day(11, 1)),
    ]
    assert plan_picks(stock, 3, "fefo", MOVE_DATE) == picks(("LOT-1", 3))


def test_fractional_quantities() -> None:
    stock = [
        quant(151, "LOT-1", 0.75, day(3, 1, 2027), day(11, 1)),
        quant(152, "LOT-2", 2.5, day(4, 1, 2027), day(11, 1)),
    ]
    assert plan_picks(stock, 1.5, "fefo", MOVE_DATE) == picks(("LOT-1", 0.75), ("LOT-2", 0.75))


def test_removal_order_keys() -> None:
    stock = [
        quant(3, "C", 1, None, day(1, 1)),
        quant(2, "B", 1, day(5, 1, 2027), day(1, 3)),
        quant(1, "A", 1, day(5, 1, 2027), day(1, 2)),
        quant(4, "D", 1, day(2, 1, 2027), day(1, 9)),
    ]
    assert [q.lot for q in removal_order(stock, "fefo")] == ["D", "A", "B", "C"]
    assert [q.lot for q in removal_order(stock, "fifo")] == ["C", "A", "B", "D"]


def test_the_other_strategy() -> None:
    assert other_method("fefo") == "fifo"
    assert other_method("fifo") == "fefo"


def test_merge_keeps_first_appearance_and_adds_up() -> None:
    lines = [LotQuantity("L2", STORE, 1), LotQuantity("L1", STORE, 2), LotQuantity("L2", STORE, 3)]
    assert merge(lines) == [LotQuantity("L2", STORE, 4), LotQuantity("L1", STORE, 2)]


def test_reserved_lines_are_read_per_lot_and_source() -> None:
    lines = [
        MovedLot("LOT-2", STORE, "NSC/Ward A", 6),
        MovedLot("LOT-1", STORE, "NSC/Ward A", 9),
        MovedLot("LOT-2", STORE, "NSC/Ward A", 4),
    ]
    assert reserved(lines) == picks(("LOT-2", 10), ("LOT-1", 9))


def test_odoo_tie_breaks_seen_live() -> None:
    """The stock of the live check in the module's docstring, planned by hand the same way."""
    stock = [
        quant(1, "H5-A", 8, day(6, 30, 2027), day(11, 10)),
        quant(2, "H5-B", 8, day(6, 30, 2027), day(11, 5)),
        quant(3, "H5-Y", 5, day(7, 15, 2027), day(11, 10, hour=14)),
        quant(4, "H5-X", 5, day(7, 15, 2027), day(11, 10, hour=14)),
        quant(5, "H5-N", 10, None, day(9, 1)),
        quant(6, "H5-E", 10, day(11, 30), day(6, 1)),
        quant(7, "", 50, None, day(1, 1)),
    ]
    assert plan_picks(stock, 40, "fefo", datetime(2026, 12, 1, 21, 45, 8)) == picks(
        ("H5-B", 8), ("H5-A", 8), ("H5-Y", 5), ("H5-X", 5), ("H5-N", 10), ("", 4)
    )
