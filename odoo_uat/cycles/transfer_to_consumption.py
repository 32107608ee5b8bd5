"""Transfer-to-consumption on Odoo 19 Community (to be completed with the cycle)."""

from __future__ import annotations

from odoo_uat.references import Reference, Scope
from odoo_uat.schema import CycleProfile

REQUIRED_MODULES = ("stock", "stock_account", "product_expiry", "account")


class TransferToConsumptionProfile(CycleProfile):
    def references(self, scope: Scope) -> list[Reference]:
        return []
