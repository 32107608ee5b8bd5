"""Supplier lots as a delivery note gives them, shared by the cycles that stock a site (requisition-to-receipt,
transfer-to-consumption, month-end close), and what the checks read about received lots. Recording them on a
receipt is the storekeeper's receiving action: odoo_uat/actions/receiving.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from odoo_uat.errors import FeatureFileError
from odoo_uat.gateway import OdooGateway, Row
from odoo_uat.language import EXPIRES, Column, number, table_rows


@dataclass(frozen=True)
class SupplierLot:
    """A lot as the supplier's delivery note gives it: number, quantity, expiry date."""

    name: str
    quantity: float
    expiration: date


# -- a delivery note written as a feature file's data table ------------------------------------------------------


def positive_quantity(cell: str) -> float:
    value = number(cell)
    if value <= 0:
        raise ValueError(cell)
    return value


LOT_QUANTITY = Column("quantity", positive_quantity, describe="a quantity above zero")
SUPPLIER_LOT_COLUMNS = (LOT_QUANTITY, EXPIRES)


@dataclass(frozen=True)
class TableLot:
    """A supplier lot of a feature's table: the lot, and the day relative to today the tester wrote for its expiry
    (so a later step can name it: "the lot with expiry date 3 days ago")."""

    lot: SupplierLot
    expires_in_days: int

    def said(self) -> str:
        return said_day(self.expires_in_days)


def said_day(days: int) -> str:
    """A signed number of days as a feature writes it: 'in 45 days', '3 days ago', 'today'."""
    if days == 0:
        return "today"
    unit = "day" if abs(days) == 1 else "days"
    return f"in {days} {unit}" if days > 0 else f"{-days} {unit} ago"


def table_lots(
    datatable: Sequence[Sequence[str]], lot_prefix: str, *, step: str, today: date | None = None
) -> list[TableLot]:
    """The table's lots (columns quantity, expires), in the table's order, numbered `<prefix>-1`, `-2`, ...

    A missing or unknown column, or a cell of the wrong type (a quantity that is not above zero, an expiry that is
    not a day relative to today) is a feature-file error (exit 13) naming the row and the column.
    """
    today = today or date.today()
    rows = table_rows(datatable, SUPPLIER_LOT_COLUMNS, step=step)
    lots: list[TableLot] = []
    for index, row in enumerate(rows, start=1):
        quantity, days = float(row[LOT_QUANTITY.header]), int(row[EXPIRES.header])
        lots.append(TableLot(SupplierLot(f"{lot_prefix}-{index}", quantity, today + timedelta(days=days)), days))
    return lots


def lot_expiring(lots: Sequence[TableLot], days: int, *, step: str) -> TableLot:
    """The one lot of the table whose expiry the feature names; a feature-file error (exit 13) if none or several."""
    matching = [lot for lot in lots if lot.expires_in_days == days]
    if len(matching) != 1:
        written = ", ".join(lot.said() for lot in lots)
        how_many = "no lot" if not matching else f"{len(matching)} lots"
        raise FeatureFileError(
            f"{step}: the supplier lots' table has {how_many} with expiry date {said_day(days)} "
            f"(its expiry dates: {written})"
        )
    return matching[0]


@dataclass(frozen=True)
class LotsReceipt:
    """A receipt the storekeeper recorded a table of supplier lots on, and what Odoo said when she validated it."""

    picking_id: int
    picking_name: str
    product_id: int
    lots: tuple[TableLot, ...]
    validate_answer: str  # what Odoo asked on validation and what the storekeeper answered
    expiry_warning: str  # Odoo's words when it warned about expired lots; empty if it did not
    stock_before: tuple[LotHeld, ...] = ()  # where the table's lots were, in any site, just before the receipt


# -- what the checks read --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotHeld:
    """One lot's stock at one internal location: what a before/after table of lots shows, row by row."""

    lot: str
    location_id: int
    location: str  # its full name, e.g. "NSC/Stock"
    quantity: float
    available: float  # what of it may still be issued (Odoo counts a lot past its removal date as not available)


def lots_held(gateway: OdooGateway, product_id: int, lot_names: Sequence[str]) -> tuple[LotHeld, ...]:
    """Where these lots of the product are, at every internal location the gateway sees (a run's lot numbers are
    its own, so before they are received this is nothing)."""
    if not lot_names:
        return ()
    rows = gateway.search_read(
        "stock.quant",
        [
            ("product_id", "=", product_id),
            ("lot_id.name", "in", list(lot_names)),
            ("quantity", "!=", 0),
            ("location_id.usage", "=", "internal"),
        ],
        ["lot_id", "location_id", "quantity", "available_quantity"],
    )
    return tuple(
        LotHeld(
            lot=str(row["lot_id"][1]) if row["lot_id"] else "",
            location_id=int(row["location_id"][0]),
            location=str(row["location_id"][1]),
            quantity=float(row["quantity"]),
            available=float(row["available_quantity"]),
        )
        for row in rows
    )


def held_in(
    held: Sequence[LotHeld], lot: str, location_ids: set[int] | None = None, *, inside: bool = True
) -> tuple[float, float]:
    """(quantity, available) of one lot at these locations (None: anywhere), or outside them (`inside` False)."""
    rows = [
        row for row in held if row.lot == lot and (location_ids is None or (row.location_id in location_ids) == inside)
    ]
    return float(sum(row.quantity for row in rows)), float(sum(row.available for row in rows))


LOT_FIELDS = ["name", "expiration_date", "removal_date", "alert_date", "product_expiry_alert"]


def lot_named(gateway: OdooGateway, product_id: int, name: str) -> Row | None:
    """The product's lot of that number with its dates and Odoo's "expired" flag (product_expiry_alert)."""
    rows = gateway.search_read("stock.lot", [("product_id", "=", product_id), ("name", "=", name)], LOT_FIELDS)
    return rows[0] if rows else None


def on_expiration_alerts(gateway: OdooGateway, lot_id: int, now: datetime | None = None) -> bool:
    """Whether the lot is on Inventory's "Expiration Alerts" (the lots filter: alert date reached)."""
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S")
    return bool(gateway.search_count("stock.lot", [("id", "=", lot_id), ("alert_date", "<=", moment)]))


def lot_stock(gateway: OdooGateway, product_id: int, lot_name: str) -> list[Row]:
    """Every internal quant holding the lot, with what of it is still available (Odoo counts a lot past its
    removal date as not available)."""
    return gateway.search_read(
        "stock.quant",
        [
            ("product_id", "=", product_id),
            ("lot_id.name", "=", lot_name),
            ("quantity", "!=", 0),
            ("location_id.usage", "=", "internal"),
        ],
        ["location_id", "quantity", "available_quantity", "company_id"],
    )


def quantity_in(rows: Sequence[Row], location_ids: set[int], field: str = "quantity") -> float:
    return float(sum(row[field] for row in rows if _id(row["location_id"]) in location_ids))


def locations_under(gateway: OdooGateway, location_id: int) -> set[int]:
    return set(gateway.search("stock.location", [("id", "child_of", location_id)]))


def picking_state(gateway: OdooGateway, picking_id: int) -> str:
    return str(gateway.read_one("stock.picking", picking_id, ["state"])["state"])


def expiry_day(row: Row) -> str:
    """The day of a lot's expiry date as Odoo stores it (UTC), 'YYYY-MM-DD', or '' when it has none."""
    return str(row.get("expiration_date") or "")[:10]


def _id(value: Any) -> int | None:
    return int(value[0]) if value else None
