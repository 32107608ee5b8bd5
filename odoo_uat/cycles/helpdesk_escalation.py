"""Helpdesk escalation on Odoo 19 Community (to be completed with the cycle)."""

from __future__ import annotations

from odoo_uat.references import Reference, Scope
from odoo_uat.schema import CycleProfile

REQUIRED_MODULES = ("helpdesk_mgmt", "helpdesk_mgmt_sla", "base_automation")


class HelpdeskEscalationProfile(CycleProfile):
    def references(self, scope: Scope) -> list[Reference]:
        return []
