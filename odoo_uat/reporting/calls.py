"""What a Gherkin step did in Odoo, as one readable table: each RPC call (who, what, on which records, how long,
how it ended), each record as its Odoo URL.

The gateway tells the run's `CallCounter` of each call (odoo_uat.gateway.RpcCall); the reporting plugin turns it
into a `CallRow` at once (so no Odoo answer is kept longer than the call) and renders a step's rows as one CSV
attachment under that step, which Allure shows as a table. Secrets are removed twice: values under a
secret-sounding key are masked when the arguments are summarised, and the whole table passes through `redact`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from odoo_uat.gateway import RpcCall
from odoo_uat.redaction import MASK, redact

ARGUMENTS_WIDTH = 220  # characters of a call's argument summary; the rest is cut, marked with an ellipsis
LINKS_PER_CALL = 5  # record links shown in a call's row; more are counted
_SECRET_KEYS = ("password", "passwd", "api_key", "apikey", "token", "secret", "session")


@dataclass(frozen=True)
class RecordLink:
    """A record the step touched or checked, and where Odoo shows it ({base}/odoo/<model>/<id>)."""

    model: str
    id: int
    url: str
    name: str = ""
    checked: bool = False  # a business check named it (else a call acted on it)

    def label(self) -> str:
        return f"{self.model} #{self.id}" + (f" {self.name}" if self.name else "")


@dataclass(frozen=True)
class CallRow:
    """One RPC call of a step, already summarised and free of Odoo's full answer."""

    who: str  # "requester (nsc.requester)", "technical user (admin)"
    call: str  # "purchase.order.button_confirm"
    arguments: str
    records: tuple[RecordLink, ...]
    milliseconds: float
    outcome: str  # "3 rows", "id 42", "ok", or the error's type
    failed: bool = False
    action: str = ""  # the role's action (odoo_uat/actions) the call was made in, if any


def row_of(call: RpcCall, *, who: str, action: str = "") -> CallRow:
    """Summarise a call the moment it ends: the table keeps this, never Odoo's answer itself."""
    touched = list(call.ids)
    if call.method == "create" and not call.error:
        touched += _ids_in(call.result)
    records = tuple(
        RecordLink(call.model, record_id, f"{call.base_url}/odoo/{call.model}/{record_id}")
        for record_id in dict.fromkeys(touched)
    )
    return CallRow(
        who=who,
        call=f"{call.model}.{call.method}",
        arguments=summarise_arguments(call.kwargs),
        records=records,
        milliseconds=call.seconds * 1000,
        outcome=f"error: {call.error}" if call.error else _answer(call),
        failed=bool(call.error),
        action=action,
    )


def _ids_in(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, int) and not isinstance(item, bool)]
    return []


def _answer(call: RpcCall) -> str:
    result = call.result
    if call.method == "create":
        ids = _ids_in(result)
        return f"id {ids[0]}" if len(ids) == 1 else f"ids {', '.join(map(str, ids))}"
    if isinstance(result, list):
        return f"{len(result)} row{'s' if len(result) != 1 else ''}"
    if isinstance(result, bool) or result is None:
        return "ok"
    if isinstance(result, int | float):
        return f"{result:g}"
    if isinstance(result, dict):
        kind = result.get("res_model") or result.get("type") or ""
        return f"action {kind}" if kind else f"{len(result)} keys"
    return "ok"


def summarise_arguments(kwargs: Mapping[str, Any]) -> str:
    """`domain=[('state', '=', 'draft')] fields=[name, state]`: the arguments in one short line, secrets masked.

    The context (company, active_test) is left out: it is the same for every call of a role at a site."""
    parts = [f"{name}={_short(value)}" for name, value in kwargs.items() if name != "context"]
    text = " ".join(parts)
    return text if len(text) <= ARGUMENTS_WIDTH else text[: ARGUMENTS_WIDTH - 1] + "…"


def _short(value: Any, depth: int = 0) -> str:
    if depth > 3:
        return "…"
    if isinstance(value, Mapping):
        return (
            "{"
            + ", ".join(
                f"{key}: {MASK if _is_secret_key(key) else _short(item, depth + 1)}" for key, item in value.items()
            )
            + "}"
        )
    if isinstance(value, list | tuple):
        if value and all(isinstance(item, str) for item in value) and depth == 0:
            return "[" + ", ".join(value) + "]"  # a list of field names reads best unquoted
        inner = ", ".join(_short(item, depth + 1) for item in list(value)[:12])
        more = f", … {len(value) - 12} more" if len(value) > 12 else ""
        return ("(" if isinstance(value, tuple) else "[") + inner + more + (")" if isinstance(value, tuple) else "]")
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:59] + "…")
    return repr(value)


def _is_secret_key(key: Any) -> bool:
    return isinstance(key, str) and any(hint in key.lower() for hint in _SECRET_KEYS)


# -- the step's table --------------------------------------------------------------------------------------------

# The short columns first: the long ones (records, arguments, the action) take what width is left.
COLUMNS = ("#", "call", "role (login)", "answer", "ms", "records", "arguments", "in the action")


def attachment_name(rows: Sequence[CallRow]) -> str:
    total = sum(row.milliseconds for row in rows)
    failed = sum(row.failed for row in rows)
    return f"RPC calls: {len(rows)} ({total:,.0f} ms" + (f", {failed} refused" if failed else "") + ")"


def render_step_csv(rows: Sequence[CallRow]) -> str:
    """The step's calls as one CSV table (Allure shows it as a table, every row in view, in a report opened from
    disk as much as from a server); each record is its Odoo URL."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for number, row in enumerate(rows, start=1):
        urls = " ".join(record.url for record in row.records[:LINKS_PER_CALL])
        if len(row.records) > LINKS_PER_CALL:
            urls += f" (+{len(row.records) - LINKS_PER_CALL} more)"
        writer.writerow(
            [number, row.call, row.who, row.outcome, f"{row.milliseconds:,.0f}", urls, row.arguments, row.action]
        )
    return redact(buffer.getvalue())
