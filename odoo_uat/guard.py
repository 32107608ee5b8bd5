"""The UAT marker: a person marks a database as a UAT target; nothing is written to one that is not.

The marker is the system parameter `uat.target`, whose value must be the database's own name, so a
copied or renamed production database does not pass.
"""

from __future__ import annotations

from odoo_uat.errors import NotAUatTarget
from odoo_uat.gateway import OdooGateway

MARKER_KEY = "uat.target"


def marker_value(gateway: OdooGateway) -> str | None:
    rows = gateway.search_read("ir.config_parameter", [("key", "=", MARKER_KEY)], ["value"], limit=1)
    return str(rows[0]["value"]) if rows else None


def require_uat_target(gateway: OdooGateway, database: str) -> None:
    """Refuse, before anything is written, unless the marker names this very database."""
    value = marker_value(gateway)
    if value is None:
        raise NotAUatTarget(
            f"Database {database!r} is not marked as a UAT target, so the harness writes nothing to it. "
            f"A person who owns it marks it in Settings > Technical > System Parameters with key "
            f"{MARKER_KEY!r} and value {database!r} (see README, 'Marking a database')."
        )
    if value != database:
        raise NotAUatTarget(
            f"Database {database!r} carries the UAT marker of {value!r}: it is a copy or was renamed. "
            f"Re-mark it with value {database!r} if it really is a UAT target."
        )


def mark_database(gateway: OdooGateway, database: str) -> None:
    """Only `uat provision --mark-blank-database NAME` calls this, on a database it found blank."""
    gateway.call("ir.config_parameter", "set_param", key=MARKER_KEY, value=database)
