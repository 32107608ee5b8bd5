"""Receiving supplier lots, shared by the cycles that stock a site (requisition-to-receipt, transfer-to-consumption)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from odoo_uat.gateway import OdooGateway, many2one_id


@dataclass(frozen=True)
class SupplierLot:
    """A lot as the supplier's delivery note gives it: number, quantity, expiry date."""

    name: str
    quantity: float
    expiration: date


def record_lots_on_receipt(gateway: OdooGateway, picking_id: int, product_id: int, lots: list[SupplierLot]) -> None:
    """What the storekeeper types on the receipt: one line per supplier lot with its expiry date, picked,
    in the order of the delivery note (which sets the order the lots arrive in)."""
    picking = gateway.read_one("stock.picking", picking_id, ["move_ids"])
    moves = gateway.search_read(
        "stock.move",
        [("id", "in", picking["move_ids"]), ("product_id", "=", product_id)],
        ["product_uom", "location_id", "location_dest_id", "move_line_ids"],
    )
    move = moves[0]
    commands: list[Any] = [(2, line_id) for line_id in move["move_line_ids"]]
    commands += [
        (
            0,
            0,
            {
                "product_id": product_id,
                "product_uom_id": many2one_id(move["product_uom"]),
                "location_id": many2one_id(move["location_id"]),
                "location_dest_id": many2one_id(move["location_dest_id"]),
                "lot_name": lot.name,
                "expiration_date": f"{lot.expiration.isoformat()} 00:00:00",
                "quantity": lot.quantity,
                "picked": True,
            },
        )
        for lot in lots
    ]
    gateway.write("stock.move", [move["id"]], {"move_line_ids": commands, "picked": True})
