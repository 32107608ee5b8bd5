"""One module per business cycle: its part of the site profile, and what its roles do in Odoo.

Each module defines its profile section (a pydantic model with `references()`), `REQUIRED_MODULES`
(the Odoo modules its scenarios need) and the intent functions its steps call.
"""

from __future__ import annotations

from collections.abc import Iterable

from odoo_uat.cycles import (
    helpdesk_escalation,
    month_end_close,
    preventive_maintenance,
    requisition_to_receipt,
    transfer_to_consumption,
)
from odoo_uat.errors import MissingModule
from odoo_uat.gateway import OdooGateway

REQUIRED_MODULES: dict[str, tuple[str, ...]] = {
    "requisition_to_receipt": requisition_to_receipt.REQUIRED_MODULES,
    "transfer_to_consumption": transfer_to_consumption.REQUIRED_MODULES,
    "preventive_maintenance": preventive_maintenance.REQUIRED_MODULES,
    "helpdesk_escalation": helpdesk_escalation.REQUIRED_MODULES,
    "month_end_close": month_end_close.REQUIRED_MODULES,
}
CYCLE_NAMES = tuple(REQUIRED_MODULES)


def require_modules(gateway: OdooGateway, cycles: Iterable[str]) -> None:
    """Before a run resolves anything: every Odoo module the selected cycles need is installed."""
    needed = {module: cycle for cycle in cycles for module in REQUIRED_MODULES[cycle]}
    missing = sorted(set(needed) - gateway.installed_modules(needed))
    if missing:
        raise MissingModule(
            "The target lacks Odoo module(s) "
            + ", ".join(f"{module} (needed by {needed[module]})" for module in missing)
            + "; install them, or run without those cycles (uat run -- -m 'not <cycle>')"
        )
