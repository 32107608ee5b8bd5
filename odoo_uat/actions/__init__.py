"""What a role does, chosen by mode: one actions interface per business domain, an RPC and a browser implementation.

Steps call only the interfaces (`actor.purchasing.confirm(order)`); checks keep reading Odoo through the actor's
read-only gateway. Each implementation method is wrapped by `action`, which names the action in the evidence,
counts it for the report ("browser actions: N of N") and says when a browser-mode action stays on RPC because no
person does it on a screen, or no Community 19 screen offers it.

The domains, their interfaces and implementations are listed once, in `DOMAINS` (odoo_uat/actions/registry.py).
"""

from __future__ import annotations

from odoo_uat.actions.base import (
    ActionContext,
    ActionRecord,
    Attempt,
    BrowserActions,
    Mode,
    RpcActions,
    action,
)

__all__ = ["ActionContext", "ActionRecord", "Attempt", "BrowserActions", "Mode", "RpcActions", "action"]
