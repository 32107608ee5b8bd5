"""Before/after tables: wherever a business quantity is checked (on-hand by lot and location, an account's balance,
an SLA's state), the report shows what it was before, what it is after, the change and, when the check knows it,
the change expected.

`record_quantities(title, before=..., after=..., by=(...))` attaches one table (CSV, which Allure shows as a table)
under the current step. Keys are tuples naming a row (`("Nitrile gloves", "LOT-1", "NSC/Stock")`, `by` names their
columns) or plain strings; values are numbers, or a state such as an SLA's "expired" (its change column then says
"changed" or nothing). Outside a running test it does nothing (no Allure plugin is there to receive it).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from typing import TypeVar

import allure

from odoo_uat.redaction import redact

Key = TypeVar("Key", bound=str | tuple[str, ...])  # a row: a name, or a tuple of names (columns `by`)
Value = float | int | str | None
TOLERANCE = 1e-6
HELD, BROKEN = "as expected", "NOT as expected"


def record_quantities(
    title: str,
    *,
    before: Mapping[Key, Value],
    after: Mapping[Key, Value],
    by: Sequence[str] = ("what",),
    expected: Mapping[Key, Value] | None = None,
    unit: str = "",
) -> None:
    """Attach a before/after table of `title` under the current step, one row per key of either side.

    `expected` gives the change each numeric key should show (a key it leaves out should not change), or the state
    a state should end in: the table then says of each row whether it is as expected. The check decides; the table
    shows what it decided on."""
    allure.attach(
        render_quantities(before=before, after=after, by=by, expected=expected, unit=unit),
        name=f"before/after: {redact(title)[:90]}",
        attachment_type=allure.attachment_type.CSV,
    )


def render_quantities(
    *,
    before: Mapping[Key, Value],
    after: Mapping[Key, Value],
    by: Sequence[str] = ("what",),
    expected: Mapping[Key, Value] | None = None,
    unit: str = "",
) -> str:
    keys = sorted(set(before) | set(after) | set(expected or {}), key=_sort_key)
    suffix = f" ({unit})" if unit else ""
    header = [*by, f"before{suffix}", f"after{suffix}", "change"]
    if expected is not None:
        header += ["expected change", "verdict"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for key in keys:
        named = [str(part) for part in key] if isinstance(key, tuple) else [str(key)]
        cells = (named + [""] * len(by))[: len(by)]
        was, now = before.get(key), after.get(key)
        row = [*cells, _number(was), _number(now), _change(was, now)]
        if expected is not None:
            wanted = expected.get(key, 0 if _numeric(was, now) else was)
            row += [_signed(wanted), HELD if _holds(was, now, wanted) else BROKEN]
        writer.writerow(row)
    return redact(buffer.getvalue())


def _sort_key(key: str | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(str(part) for part in key) if isinstance(key, tuple) else (str(key),)


def _numeric(*values: Value) -> bool:
    return all(value is None or (isinstance(value, int | float) and not isinstance(value, bool)) for value in values)


def _number(value: Value) -> str:
    if value is None:
        return "-"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _plain(value)
    return str(value)


def _plain(value: float, *, signed: bool = False) -> str:
    """Every digit up to 6 decimals, none after the last significant one: 1,080 / 0.35 / 123,456.78 (a balance
    in the millions keeps its cents, which 6 significant digits would not)."""
    text = f"{value:{'+' if signed else ''},.6f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", "+0", ""} else text


def _signed(value: Value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _plain(value, signed=True)
    return _number(value)


def _change(was: Value, now: Value) -> str:
    if _numeric(was, now):
        delta = float(now or 0) - float(was or 0)
        return "0" if abs(delta) < TOLERANCE else _plain(delta, signed=True)
    return "" if was == now else "changed"


def _holds(was: Value, now: Value, wanted: Value) -> bool:
    if _numeric(was, now) and isinstance(wanted, int | float):
        return math.isclose(float(now or 0) - float(was or 0), float(wanted), abs_tol=TOLERANCE)
    return now == wanted
