"""Before/after tables: wherever a business quantity is checked (on-hand by lot and location, an account's balance,
an SLA's state), the report shows what it was before, what it is after, the change and, when the check knows it,
the change expected.

`record_quantities(title, before=..., after=..., by=(...))` attaches one table (CSV, which Allure shows as a table)
under the current step. Keys are tuples naming a row (`("Nitrile gloves", "LOT-1", "NSC/Stock")`, `by` names their
columns) or plain strings; values are numbers, or a state such as an SLA's "expired" (its change column then says
"changed" or nothing; yes/no for a flag). Outside a running test it does nothing (no Allure plugin is there to
receive it).

Where a row's verdict is not a plain change or end state (a deadline within two seconds, a state that may end as one
of several, a figure shown for context and not checked), the check gives its own decision for that row as `Judged`,
so the table never says otherwise than the check.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import allure

from odoo_uat.redaction import redact

Key = TypeVar("Key", bound=str | tuple[str, ...])  # a row: a name, or a tuple of names (columns `by`)
Value = float | int | str | bool | None
TOLERANCE = 1e-6
HELD, BROKEN, UNCHECKED = "as expected", "NOT as expected", "not checked"


@dataclass(frozen=True)
class Judged:
    """A row's expectation as the check words it and decides it: `holds` None shows a figure the check does not
    judge (context for a reader, e.g. the ordered quantity beside the billed one)."""

    expected: str
    holds: bool | None


class Money(float):
    """An amount of money: shown with its cents always (5,000.00), whatever `_plain` would drop, as are the change
    and the expected change of its row."""

    __slots__ = ()


NOT_CHECKED = Judged("", None)
Expected = Value | Judged


def record_quantities(
    title: str,
    *,
    before: Mapping[Key, Value],
    after: Mapping[Key, Value],
    by: Sequence[str] = ("what",),
    expected: Mapping[Key, Expected] | None = None,
    unit: str = "",
    sort: bool = True,
) -> None:
    """Attach a before/after table of `title` under the current step, one row per key of either side.

    `expected` gives the change each numeric key should show (a key it leaves out should not change), or the state
    a state should end in: the table then says of each row whether it is as expected. The check decides; the table
    shows what it decided on. Rows come sorted by their key, or (`sort` False) in the order the mappings give them:
    before's keys, then after's, then expected's."""
    allure.attach(
        render_quantities(before=before, after=after, by=by, expected=expected, unit=unit, sort=sort),
        name=f"before/after: {redact(title)[:90]}",
        attachment_type=allure.attachment_type.CSV,
    )


def render_quantities(
    *,
    before: Mapping[Key, Value],
    after: Mapping[Key, Value],
    by: Sequence[str] = ("what",),
    expected: Mapping[Key, Expected] | None = None,
    unit: str = "",
    sort: bool = True,
) -> str:
    keys = list(dict.fromkeys([*before, *after, *(expected or {})]))
    if sort:
        keys.sort(key=_sort_key)
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
        money = isinstance(was, Money) or isinstance(now, Money)
        row = [*cells, _number(was, money), _number(now, money), _change(was, now, money)]
        if expected is not None:
            wanted = expected.get(key, 0 if _numeric(was, now) else was)
            row += _judgement(was, now, wanted, money)
        writer.writerow(row)
    return redact(buffer.getvalue())


def _sort_key(key: str | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(str(part) for part in key) if isinstance(key, tuple) else (str(key),)


def _numeric(*values: Value) -> bool:
    return all(value is None or (isinstance(value, int | float) and not isinstance(value, bool)) for value in values)


def _judgement(was: Value, now: Value, wanted: Expected, money: bool = False) -> list[str]:
    """The expected-change and verdict cells of one row."""
    if isinstance(wanted, Judged):
        verdict = UNCHECKED if wanted.holds is None else HELD if wanted.holds else BROKEN
        return [wanted.expected, verdict]
    return [_signed(wanted, money), HELD if _holds(was, now, wanted) else BROKEN]


def _number(value: Value, money: bool = False) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return _cents(value) if money else _plain(value)
    return str(value)


def _plain(value: float, *, signed: bool = False) -> str:
    """Every digit up to 6 decimals, none after the last significant one: 1,080 / 0.35 / 123,456.78 (a balance
    in the millions keeps its cents, which 6 significant digits would not)."""
    text = f"{value:{'+' if signed else ''},.6f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", "+0", ""} else text


def _cents(value: float, *, signed: bool = False) -> str:
    """Money: every digit and always the cents, 1,234,567.80 (a change of nothing is 0.00, unsigned)."""
    if abs(value) < 0.005:
        return "0.00"
    return f"{value:{'+' if signed else ''},.2f}"


def _signed(value: Value, money: bool = False) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _cents(value, signed=True) if money else _plain(value, signed=True)
    return _number(value)


def _change(was: Value, now: Value, money: bool = False) -> str:
    if _numeric(was, now):
        delta = float(now or 0) - float(was or 0)
        if abs(delta) < TOLERANCE:
            return "0.00" if money else "0"
        return _cents(delta, signed=True) if money else _plain(delta, signed=True)
    return "" if was == now else "changed"


def _holds(was: Value, now: Value, wanted: Value) -> bool:
    if _numeric(was, now) and isinstance(wanted, int | float):
        return math.isclose(float(now or 0) - float(was or 0), float(wanted), abs_tol=TOLERANCE)
    return now == wanted
