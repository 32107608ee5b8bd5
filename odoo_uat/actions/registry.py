"""The one list of action domains: each domain's interface and its RPC and browser implementations.

Implementations are named by import path so that RPC-only runs never import Playwright.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from odoo_uat.actions.base import ActionContext, Mode


@dataclass(frozen=True)
class Domain:
    name: str
    what: str  # the actions, for people reading the catalogue and the report
    rpc: str  # "module:Class"
    browser: str

    def implementation(self, mode: Mode) -> type[Any]:
        module, _, cls = (self.rpc if mode is Mode.RPC else self.browser).partition(":")
        return getattr(importlib.import_module(module), cls)  # type: ignore[no-any-return]


DOMAINS: dict[str, Domain] = {
    domain.name: domain
    for domain in (
        Domain(
            "purchasing",
            "raise, resize, confirm, approve and cancel a requisition (RFQ)",
            "odoo_uat.actions.purchasing:RpcPurchasing",
            "odoo_uat.browser.actions.purchasing:BrowserPurchasing",
        ),
        Domain(
            "receiving",
            "record supplier lots with expiry dates on a receipt and validate it, answering the backorder question",
            "odoo_uat.actions.receiving:RpcReceiving",
            "odoo_uat.browser.actions.receiving:BrowserReceiving",
        ),
        Domain(
            "billing",
            "create a vendor bill from an order and post it",
            "odoo_uat.actions.billing:RpcBilling",
            "odoo_uat.browser.actions.billing:BrowserBilling",
        ),
        Domain(
            "ward_stock",
            "plan, confirm and validate an internal transfer to a ward; record and validate consumption",
            "odoo_uat.actions.ward_stock:RpcWardStock",
            "odoo_uat.browser.actions.ward_stock:BrowserWardStock",
        ),
        Domain(
            "maintenance",
            "open, work, complete and cancel a maintenance request; log a note",
            "odoo_uat.actions.maintenance:RpcMaintenance",
            "odoo_uat.browser.actions.maintenance:BrowserMaintenance",
        ),
        Domain(
            "service_desk",
            "raise, move and resolve a ticket",
            "odoo_uat.actions.service_desk:RpcServiceDesk",
            "odoo_uat.browser.actions.service_desk:BrowserServiceDesk",
        ),
        Domain(
            "closing",
            "post and reverse journal entries, set and clear a lock date",
            "odoo_uat.actions.closing:RpcClosing",
            "odoo_uat.browser.actions.closing:BrowserClosing",
        ),
    )
}


def actions_for(domain: str, mode: Mode, context: ActionContext) -> Any:
    return DOMAINS[domain].implementation(mode)(context)
