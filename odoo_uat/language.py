"""The tester's language: values a feature file names, relative dates and data tables, for parametrised steps.

A tester varies a scenario in Gherkin alone: a quantity, a percentage of a limit, a product, a location, a ward,
a supplier, a ticket category, a date relative to today, a table of lots. The steps that take such values (see
docs/TESTERS.md and the catalogue) read them with typed `parsers.parse` fields and turn them into Odoo records
here, by the same natural keys a site profile uses:

- `named(site, gateway, KIND, text)`: the record a feature names, looked up within the site's company (its
  records or shared ones), first through the site profile's `names:` section (`names: {location: {second ward:
  NSC/Ward B}}`, so a feature can say "second ward" at every site), then by the kind's natural key. A name
  that matches no record, or several, blocks that scenario at that site with the key and the candidates Odoo
  has, exactly as a profile reference would (ProfileError, exit 11); the other sites and examples still run.
- `days_from_today("in 30 days")`: "today", "in N days", "N days ago" (a signed number of days); in a step text,
  `{when:RelativeDay}`, and `{amount:Amount}` for "5,000.00" (`parsers.parse(..., extra_types=PARSE_TYPES)`).
  `FIELD_TYPES` says what each type takes in a tester's words, for the catalogue (a step module's own parse type
  explains itself with a `describe` text).
- `table_rows(datatable, COLUMNS)`: a step's data table as typed rows; a missing or unknown column, or a cell
  of the wrong type, is a feature-file error (exit 13) naming the row and the column. `@reads_table(*COLUMNS)`
  declares them on the step, so the catalogue shows them and `uat steps --check` checks a table before a run.
- `example_sites(row)`: the sites an outline's Examples row is for (its `site` column; empty or absent: every
  site), which fixtures/options.py deselects the row for elsewhere.

What a named record must be like (a supply that is lot-tracked, a ward that is internal) is not checked here:
that is an expectation of the scenario, so a customer's change is a finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from odoo_uat.errors import FeatureFileError, ProfileError
from odoo_uat.gateway import OdooGateway
from odoo_uat.references import Reference, ResolvedSite, Scope, resolve_reference


@dataclass(frozen=True)
class Kind:
    """A kind of record a feature can name: its noun in Gherkin, its model and natural keys.

    The keys are tried in order (a product by internal reference, then by name); the first that matches exactly
    one record wins. `company_field` limits the search to the site's company and shared records.
    """

    noun: str
    model: str
    keys: tuple[str, ...]
    company_field: str | None = "company_id"
    domain: tuple[Any, ...] = ()
    archivable: bool = True

    def describe(self) -> str:
        """How a tester names one, for the catalogue: "a product: its internal reference or name, or ..."."""
        keys = " or ".join(KEY_WORDS.get(key, key) for key in self.keys)
        first = self.noun.split()[0]
        # "an SLA policy": an initialism whose first letter is said with a vowel sound
        vowel = first[0].lower() in "aeiou" or (first.isupper() and first[0] in "FHLMNRSX")
        article = "an" if vowel else "a"
        return f"{article} {self.noun}: its {keys}, or a name the site profile gives it under `names: {self.noun}:`"


# What a natural key is called in a tester's words.
KEY_WORDS: Mapping[str, str] = {
    "default_code": "internal reference",
    "name": "name",
    "complete_name": "full name (with its parents, as Odoo shows it)",
    "serial_no": "serial number",
    "code": "code",
    "sequence_code": "sequence code",
}

PRODUCT = Kind("product", "product.product", ("default_code", "name"))
LOCATION = Kind("location", "stock.location", ("complete_name",))
SUPPLIER = Kind("supplier", "res.partner", ("name",))
TICKET_CATEGORY = Kind("ticket category", "helpdesk.ticket.category", ("name", "complete_name"))  # or "Parent / Child"
SLA_POLICY = Kind("SLA policy", "helpdesk.sla", ("name",))
TICKET_TAG = Kind("ticket tag", "helpdesk.ticket.tag", ("name",))
EQUIPMENT = Kind("equipment", "maintenance.equipment", ("serial_no", "name"))
ACCOUNT = Kind("account", "account.account", ("code",), company_field=None)  # codes are per company in Odoo 19
JOURNAL = Kind("journal", "account.journal", ("code", "name"))
OPERATION_TYPE = Kind("operation type", "stock.picking.type", ("sequence_code", "name"))
KINDS: tuple[Kind, ...] = (
    PRODUCT,
    LOCATION,
    SUPPLIER,
    TICKET_CATEGORY,
    SLA_POLICY,
    TICKET_TAG,
    EQUIPMENT,
    ACCOUNT,
    JOURNAL,
    OPERATION_TYPE,
)


@dataclass(frozen=True)
class Named:
    """A record a feature named: its id, and the words the feature used (for messages and the report)."""

    id: int
    model: str
    said: str
    key: str  # the natural key it was found by, e.g. "NSC/Ward B" for "second ward"


def profile_name(site: ResolvedSite, kind: Kind, said: str) -> str | None:
    """The natural key the site profile gives to a name a feature uses (`names: {<noun>: {<name>: <key>}}`)."""
    return site.profile.names.get(kind.noun, {}).get(said)


def named(site: ResolvedSite, gateway: OdooGateway, kind: Kind, said: str) -> Named:
    """The record of `kind` a feature names, within the site's company; ProfileError (blocks the cell) if none.

    `gateway` is read-only and should act as the site's company (`gateway.for_company`), since some natural keys
    (an account's code) are per company in Odoo 19.
    """
    said = said.strip()
    aliased = profile_name(site, kind, said)
    value = aliased or said
    where = str(site.loaded.path) if aliased else f"a scenario run for site {site.code}"
    key = f"names.{kind.noun}.{said}" if aliased else f'the {kind.noun} "{said}"'
    scope = Scope(company_id=site.company_id, warehouse_id=site.warehouse_id)
    site_gateway = gateway.for_company(site.company_id)
    first_problem: ProfileError | None = None
    for field in kind.keys:
        reference = Reference(
            key,
            kind.model,
            field,
            value,
            domain=kind.domain,
            company_field=kind.company_field,
            archivable=kind.archivable,
        )
        try:
            record_id = resolve_reference(site_gateway, where, reference, scope)
        except ProfileError as problem:
            first_problem = first_problem or problem
            continue
        return Named(id=record_id, model=kind.model, said=said, key=value)
    assert first_problem is not None  # a kind has at least one key
    raise first_problem


_RELATIVE_DAY = re.compile(
    r"^\s*(?:(?P<today>today)|in (?P<ahead>\d+) days?|(?P<ago>\d+) days? ago|(?P<tomorrow>tomorrow)|"
    r"(?P<yesterday>yesterday))\s*$",
    re.IGNORECASE,
)


def days_from_today(text: str) -> int:
    """ "in 30 days" -> 30, "3 days ago" -> -3, "today" -> 0 (also "tomorrow", "yesterday")."""
    match = _RELATIVE_DAY.match(text)
    if not match:
        raise FeatureFileError(f'"{text}" is not a day relative to today: write "today", "in 30 days" or "3 days ago"')
    if match["today"]:
        return 0
    if match["tomorrow"]:
        return 1
    if match["yesterday"]:
        return -1
    if match["ahead"] is not None:
        return int(match["ahead"])
    return -int(match["ago"])


def parse_relative_day(text: str) -> int:
    """The parse type for a relative day in a step text: `parsers.parse("... {when:RelativeDay}", PARSE_TYPES)`."""
    return days_from_today(text)


parse_relative_day.pattern = (  # type: ignore[attr-defined]  # the `parse` library reads a converter's pattern
    r"today|tomorrow|yesterday|in \d+ days?|\d+ days? ago"
)


def parse_amount(text: str) -> float:
    """The parse type for an amount or a quantity a tester writes with separators: "5,000", "4,999.99", "12"."""
    return float(text.replace(",", ""))


parse_amount.pattern = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"  # type: ignore[attr-defined]

# Extra types for `parsers.parse(..., extra_types=PARSE_TYPES)`: `{when:RelativeDay}`, `{amount:Amount}`.
PARSE_TYPES: Mapping[str, Callable[[str], Any]] = {"RelativeDay": parse_relative_day, "Amount": parse_amount}

# What a typed field of a step text takes, in a tester's words, by its format spec (`{percent:d}` -> "d"): the
# catalogue (docs/STEPS.md) shows it beside the step; a step whose field has a type missing here is a catalogue
# problem (CI), so every parameter a tester sees is explained.
FIELD_TYPES: Mapping[str, str] = {
    "": "text",
    "w": "a word",
    "d": "a whole number",
    "n": "a whole number, with thousands separators allowed (1,000)",
    "f": "a decimal number (4.5)",
    "F": "a decimal number (4.5)",
    "g": "a number (12, 4.5)",
    "RelativeDay": 'a day relative to today ("today", "in 30 days", "3 days ago", "tomorrow", "yesterday")',
    "Amount": 'an amount or quantity ("5,000", "4999.99", "12")',
    # steps/receiving.py: the storekeeper's answer when Odoo warns that lots are expired
    "ExpiredLotAnswer": '"refusing" (Proceed except expired) or "accepting" (Confirm)',
}


@dataclass(frozen=True)
class Column:
    """A data-table column a step reads: its header as the tester writes it, and how a cell becomes a value."""

    header: str
    convert: Callable[[str], Any] = str
    required: bool = True
    describe: str = "text"


def number(cell: str) -> float:
    return float(cell.replace(",", ""))


def whole_number(cell: str) -> int:
    value = number(cell)
    if not value.is_integer():
        raise ValueError(cell)
    return int(value)


QUANTITY = Column("quantity", number, describe="a number")
EXPIRES = Column("expires", days_from_today, describe='a day relative to today ("in 30 days", "3 days ago")')


def table_rows(datatable: Sequence[Sequence[str]], columns: Sequence[Column], *, step: str) -> list[dict[str, Any]]:
    """A step's data table (header row first) as typed rows keyed by header; FeatureFileError naming the cell.

    Headers are matched without regard to case or surrounding spaces. Optional columns left out are absent from
    the rows; an unknown header is refused, so a misspelt column is never silently ignored.
    """
    if not datatable or len(datatable) < 2:
        raise FeatureFileError(f"{step}: the table needs a header row and at least one row")
    by_header = {column.header.lower(): column for column in columns}
    headers = [cell.strip().lower() for cell in datatable[0]]
    unknown = [header for header in headers if header not in by_header]
    missing = [column.header for column in columns if column.required and column.header.lower() not in headers]
    if unknown or missing:
        expected = ", ".join(f"{column.header}{'' if column.required else ' (optional)'}" for column in columns)
        found = ", ".join(datatable[0])
        raise FeatureFileError(f"{step}: the table's columns are {found}; this step reads {expected}")
    rows: list[dict[str, Any]] = []
    for number_, cells in enumerate(datatable[1:], start=1):
        row: dict[str, Any] = {}
        for header, cell in zip(headers, cells, strict=True):
            column = by_header[header]
            try:
                row[column.header] = column.convert(cell.strip())
            except (ValueError, FeatureFileError):
                raise FeatureFileError(
                    f"{step}: row {number_}, column {column.header}: {cell.strip()!r} is not {column.describe}"
                ) from None
        rows.append(row)
    return rows


SITE_COLUMN = "site"


def example_sites(example: Mapping[str, str]) -> set[str] | None:
    """The sites an Examples row is for: its `site` column, one code or several ("CLINIC, LAB"); None: every site.

    A row whose `site` cell is empty, like a table without the column, is for every selected site: a tester
    leaves the cell empty for a rule that holds everywhere and writes a code where a site has its own rule.
    """
    cell = next((value for header, value in example.items() if header.strip().lower() == SITE_COLUMN), None)
    if cell is None or not cell.strip():
        return None
    return {code.strip().upper() for code in cell.split(",") if code.strip()}


# The attribute `reads_table` sets on a step function, which the catalogue reads.
TABLE_ATTRIBUTE = "__uat_table_columns__"

StepFunction = TypeVar("StepFunction", bound=Callable[..., Any])


def reads_table(*columns: Column) -> Callable[[StepFunction], StepFunction]:
    """Declares the data table a step reads, so the catalogue shows its columns and `uat steps --check` rejects a
    feature whose table does not fit (a missing or unknown column, a cell of the wrong type) before a run:

        LOTS = (Column("lot"), QUANTITY, EXPIRES)

        @given("the supplier delivers these lots:", target_fixture="delivery")
        @reads_table(*LOTS)
        def supplier_delivers(datatable: list[list[str]], ...) -> ...:
            rows = table_rows(datatable, LOTS, step="the supplier delivers these lots")

    Column converters must be pure (no Odoo): the check runs them on the feature's cells. Without this
    declaration the catalogue reads the columns from the step's own `table_rows(datatable, COLUMNS, ...)` call.
    """

    def declare(function: StepFunction) -> StepFunction:
        setattr(function, TABLE_ATTRIBUTE, tuple(columns))
        return function

    return declare


def declared_columns(function: Callable[..., Any]) -> tuple[Column, ...] | None:
    """The columns a step function declared with `reads_table`, or None."""
    columns = getattr(function, TABLE_ATTRIBUTE, None)
    return tuple(columns) if columns is not None else None
