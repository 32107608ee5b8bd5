"""Supplier lots as a delivery note gives them, shared by the cycles that stock a site (requisition-to-receipt,
transfer-to-consumption, month-end close). Recording them on a receipt is the storekeeper's receiving action:
odoo_uat/actions/receiving.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SupplierLot:
    """A lot as the supplier's delivery note gives it: number, quantity, expiry date."""

    name: str
    quantity: float
    expiration: date
