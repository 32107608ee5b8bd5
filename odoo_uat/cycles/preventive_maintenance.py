"""Preventive maintenance on Odoo 19 Community: a recurring preventive request on biomedical equipment.

In Odoo 19 the recurrence lives on the request itself (`recurring_maintenance`, `repeat_interval`,
`repeat_unit`, `repeat_type`, `repeat_until`). Odoo copies the request into its next occurrence only when
`stage_id` is written to a done stage, dates the copy from the previous `schedule_date` (not the completion
date) and keeps the copy's name. A run never completes the configured request itself (that would walk the
real schedule forward every night): the technician works a run-tagged request that takes its recurrence
from the configured one. This module reads and describes what the checks look at; what the technician does is
in odoo_uat/actions/maintenance.py, and the steps decide what the business expected.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from dateutil.relativedelta import relativedelta
from pydantic import Field

from odoo_uat.errors import ConfigurationError, FeatureFileError
from odoo_uat.gateway import OdooGateway, Row, many2one_id
from odoo_uat.references import Reference, ResolvedSite, Scope
from odoo_uat.schema import CycleProfile, Strict

REQUIRED_MODULES = ("maintenance",)

RepeatUnit = Literal["day", "week", "month", "year"]
ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"


class MaintenanceInterval(Strict):
    every: int = Field(ge=1, description="how many units between two preventive maintenances")
    unit: RepeatUnit = Field(description="day, week, month or year (Odoo's repeat_unit)")

    def describe(self) -> str:
        return f"{self.every} {self.unit}{'s' if self.every != 1 else ''}"

    def after(self, moment: datetime) -> datetime:
        return moment + relativedelta(**{f"{self.unit}s": self.every})  # type: ignore[arg-type]


# An interval as a tester writes it in a feature: "90 days", "6 months", "1 year", "2 weeks".
INTERVAL_PATTERN = r"\d+ (?:days?|weeks?|months?|years?)"
_INTERVAL = re.compile(r"^\s*(?P<every>\d+) (?P<unit>day|week|month|year)s?\s*$", re.IGNORECASE)


def parse_interval(text: str) -> MaintenanceInterval:
    """ "6 months" -> every 6 month; a feature-file error (exit 13) for anything else (zero, a unit Odoo's
    recurrence does not have)."""
    match = _INTERVAL.match(text)
    if not match or int(match["every"]) < 1:
        raise FeatureFileError(f'"{text}" is not an interval: write e.g. "90 days", "2 weeks", "6 months" or "1 year"')
    return MaintenanceInterval(every=int(match["every"]), unit=match["unit"].lower())  # type: ignore[arg-type]


def planned_gap(previous: datetime, following: datetime) -> str:
    """What Odoo actually planned between two scheduled dates, in a tester's words: "6 months", "26 weeks",
    "3 months 2 days", "1 year", "90 days", "-1 day" (the next one before the previous one)."""
    if following < previous:
        return f"-{planned_gap(following, previous)}"
    gap = relativedelta(following, previous)
    parts: list[tuple[int, str]] = [(gap.years, "year"), (gap.months, "month")]
    if gap.years or gap.months or gap.days % 7:
        parts.append((gap.days, "day"))
    else:
        parts.append((gap.days // 7, "week"))
    parts += [(gap.hours, "hour"), (gap.minutes, "minute")]
    words = [f"{count} {unit}{'s' if count != 1 else ''}" for count, unit in parts if count]
    return " ".join(words) or "0 days"


def due_after(interval: MaintenanceInterval, previous: datetime, following: datetime) -> bool:
    """Whether `following` is exactly `interval` after `previous`, counted as Odoo counts its recurrence (calendar
    months and years, so "6 months" after 31 August is 28 or 29 February)."""
    return interval.after(previous) == following


class PreventiveMaintenanceProfile(CycleProfile):
    equipment: str = Field(description="maintenance.equipment name (used by provisioning and in messages)")
    equipment_serial: str = Field(description="maintenance.equipment serial number: the natural key")
    team: str = Field(description="maintenance.team name of the site's biomedical team")
    preventive_request: str = Field(
        description="name of the equipment's current (never closed, not cancelled) maintenance.request: the "
        "configured plan (expectation: preventive and recurring)"
    )
    interval: MaintenanceInterval = Field(description="expectation: the site services the equipment this often")
    work_stage: str = Field(
        default="In Progress", description="maintenance.stage a technician works a request in (expectation: not done)"
    )
    done_stage: str = Field(
        default="Repaired", description="maintenance.stage that closes a request (expectation: 'Request Done')"
    )

    def references(self, scope: Scope) -> list[Reference]:
        key = "preventive_maintenance"
        return [
            Reference(f"{key}.equipment_serial", "maintenance.equipment", "serial_no", self.equipment_serial),
            Reference(f"{key}.team", "maintenance.team", "name", self.team),
            Reference(
                f"{key}.preventive_request",
                "maintenance.request",
                "name",
                self.preventive_request,
                # Which occurrence of the plan: Odoo's earlier occurrences carry the same name, each with the date
                # it was closed; the current one has none and is not cancelled. Told by the request's own dates,
                # not by its stage's "Request Done" flag, which is configuration (an expectation of the scenario).
                domain=(
                    ("equipment_id.serial_no", "=", self.equipment_serial),
                    ("close_date", "=", False),
                    ("archive", "=", False),
                ),
                archivable=False,  # requests have `archive`, not `active`
            ),
            Reference(
                f"{key}.work_stage", "maintenance.stage", "name", self.work_stage, company_field=None, archivable=False
            ),
            Reference(
                f"{key}.done_stage", "maintenance.stage", "name", self.done_stage, company_field=None, archivable=False
            ),
        ]


def section_of(site: ResolvedSite) -> PreventiveMaintenanceProfile:
    section = site.profile.preventive_maintenance
    if section is None:
        raise ConfigurationError(f"Site {site.code} has no preventive_maintenance section in {site.loaded.path}")
    return section


REQUEST_FIELDS = [
    "name",
    "company_id",
    "equipment_id",
    "maintenance_team_id",
    "user_id",
    "stage_id",
    "done",
    "close_date",
    "archive",
    "maintenance_type",
    "schedule_date",
    "schedule_end",
    "recurring_maintenance",
    "repeat_interval",
    "repeat_unit",
    "repeat_type",
    "repeat_until",
]

# What a run-tagged occurrence takes over from the configured request, so the site's own plan is what is tested.
COPIED_FIELDS = (
    "maintenance_type",
    "recurring_maintenance",
    "repeat_interval",
    "repeat_unit",
    "repeat_type",
    "repeat_until",
    "schedule_date",
    "schedule_end",
)

RECURRENCE_FIELDS = ("recurring_maintenance", "repeat_interval", "repeat_unit", "repeat_type", "repeat_until")


@dataclass(frozen=True)
class PreventivePlan:
    """The configured request as read at the start of the scenario: the real schedule that must not move."""

    id: int
    name: str
    equipment_id: int
    team_id: int
    stage_id: int
    schedule_date: str
    values: dict[str, Any]  # the configured request as Odoo returned it
    equipment: str = ""  # how the checks name the equipment: "Infusion pump (NSC-IP-0001)"

    def recurrence(self) -> str:
        return describe_recurrence(self.values)

    @property
    def team(self) -> str:
        """The team's name as Odoo has it on the request."""
        team = self.values.get("maintenance_team_id")
        return str(team[1]) if isinstance(team, list | tuple) and len(team) > 1 else "(no team)"


@dataclass(frozen=True)
class Occurrence:
    """The run's own preventive request on the real equipment."""

    id: int
    name: str
    schedule_date: str
    run_tag: str = ""  # what the scenario named it with ("<run id>/<SITE>/PM", "-2" for a second scenario)


def read_request(gateway: OdooGateway, request_id: int) -> Row:
    return gateway.read_one("maintenance.request", request_id, REQUEST_FIELDS)


@dataclass(frozen=True)
class Stage:
    """A maintenance stage as Odoo names it (the customer's name, the one the statusbar shows)."""

    id: int
    name: str
    done: bool  # "Request Done": moving a request there closes it and plans a preventive request's next one


def read_stage(gateway: OdooGateway, stage_id: int) -> Stage:
    row = gateway.read_one("maintenance.stage", stage_id, ["name", "done"])
    return Stage(id=stage_id, name=str(row["name"]), done=bool(row["done"]))


def describe_done_flag(name: str, done: bool) -> str:
    return f"stage {name!r}: 'Request Done' {'ticked' if done else 'not ticked'}"


def plan_of(row: Row, equipment: str = "") -> PreventivePlan:
    """The configured request; `equipment` is how the checks name its equipment (default: Odoo's display name)."""
    shown = row["equipment_id"][1] if isinstance(row.get("equipment_id"), list | tuple) else "(no equipment)"
    return PreventivePlan(
        id=int(row["id"]),
        name=str(row["name"]),
        equipment_id=many2one_id(row["equipment_id"]) or 0,
        team_id=many2one_id(row["maintenance_team_id"]) or 0,
        stage_id=many2one_id(row["stage_id"]) or 0,
        schedule_date=str(row["schedule_date"] or ""),
        values=dict(row),
        equipment=equipment or str(shown),
    )


@dataclass(frozen=True)
class Equipment:
    """A piece of equipment as the checks name it, with the team that looks after it (its form's team)."""

    id: int
    name: str
    serial: str
    team_id: int | None
    team: str

    def label(self) -> str:
        return f"{self.name} ({self.serial})" if self.serial else self.name


def read_equipment(gateway: OdooGateway, equipment_id: int) -> Equipment:
    row = gateway.read_one("maintenance.equipment", equipment_id, ["name", "serial_no", "maintenance_team_id"])
    team = row["maintenance_team_id"]
    return Equipment(
        id=equipment_id,
        name=str(row["name"]),
        serial=str(row["serial_no"] or ""),
        team_id=many2one_id(team),
        team=str(team[1]) if team else "(no team)",
    )


# A run's own request: its subject starts with a run tag ("UAT-20261129-013000-ab12/CLINIC/PM: ...").
_RUN_REQUEST = re.compile(r"^UAT-\d{8}-\d{6}-[0-9a-f]{4}/")


def is_run_request(name: str) -> bool:
    """A request a run created (its occurrence, or the next one Odoo copied from it), not the customer's plan."""
    return bool(_RUN_REQUEST.match(name))


def equipment_plans(gateway: OdooGateway, equipment_id: int, company_id: int) -> list[Row]:
    """The equipment's configured preventive plan(s): recurring preventive requests of the site's company on it,
    never closed (no close date: not done) and not cancelled, other than a run's own. Exactly one is what the site
    should have. Told by the request's own dates, as the profile's plan is (a stage's "Request Done" flag is
    configuration: a plan sitting in a done stage is found, and reported as a defect of the plan)."""
    rows = gateway.search_read(
        "maintenance.request",
        [
            ("equipment_id", "=", equipment_id),
            ("company_id", "=", company_id),
            ("maintenance_type", "=", "preventive"),
            ("recurring_maintenance", "=", True),
            ("close_date", "=", False),
            ("archive", "=", False),
        ],
        REQUEST_FIELDS,
        order="id",
    )
    return [row for row in rows if not is_run_request(str(row["name"]))]


def open_requests_on(gateway: OdooGateway, equipment_id: int) -> list[Row]:
    """Every request on the equipment that is neither closed nor cancelled, whatever its type or company (what a
    finding shows when the equipment has no configured plan), other than a run's own."""
    rows = gateway.search_read(
        "maintenance.request",
        [("equipment_id", "=", equipment_id), ("close_date", "=", False), ("archive", "=", False)],
        REQUEST_FIELDS,
        order="id",
    )
    return [row for row in rows if not is_run_request(str(row["name"]))]


def next_run_tag(base: str, names: list[str]) -> str:
    """The first of `base`, `base-2`, `base-3`... that no request name uses as its tag ("<tag>: <name>"), so that
    two scenarios of one run on the same equipment (the plain scenario and an outline's row) each find their own."""
    used = {name.split(": ", 1)[0] for name in names}
    if base not in used:
        return base
    number = 2
    while f"{base}-{number}" in used:
        number += 1
    return f"{base}-{number}"


def fresh_run_tag(gateway: OdooGateway, base: str) -> str:
    """A run tag no request of the run carries yet (`next_run_tag` over the requests named with `base`)."""
    rows = gateway.search_read("maintenance.request", [("name", "=like", f"{base}%")], ["name"])
    return next_run_tag(base, [str(row["name"]) for row in rows])


def describe_recurrence(row: Row) -> str:
    if not row.get("recurring_maintenance"):
        return f"{row.get('maintenance_type')} request, recurrence off"
    until = f"until {row.get('repeat_until') or '(no end date)'}" if row.get("repeat_type") == "until" else "forever"
    return f"every {row.get('repeat_interval')} {row.get('repeat_unit')}(s), {until}"


def describe_plan(row: Row) -> str:
    """The configured request as the scenario found it, for the evidence of a check that held or broke."""
    stage = row["stage_id"][1] if row.get("stage_id") else "(no stage)"
    recurrence = describe_recurrence(row) if row.get("recurring_maintenance") else "recurrence off"
    return (
        f"{row.get('maintenance_type')} request in stage {stage!r}, {recurrence}, "
        f"scheduled {row.get('schedule_date') or '(no date)'}"
    )


def plan_defects(row: Row) -> list[str]:
    """Configuration problems that make the configured request unable to plan its next occurrence."""
    defects = []
    if row.get("done"):
        defects.append(f"it sits in the done stage {row['stage_id'][1] if row.get('stage_id') else ''!r}")
    if row.get("maintenance_type") != "preventive":
        defects.append(f"the request is {row.get('maintenance_type')!r}, not 'preventive'")
    if not row.get("recurring_maintenance"):
        defects.append("'Recurrent' is off")
    if row.get("repeat_type") == "until" and not row.get("repeat_until"):
        # Odoo 19 then fails at completion comparing the next date with an empty end date (a TypeError)
        defects.append("it repeats 'until' an end date but has none (Odoo cannot complete such a request)")
    if not row.get("schedule_date"):
        defects.append("it has no scheduled date (Odoo would date the next occurrence from the completion time)")
    return defects


def same_name_requests(gateway: OdooGateway, name: str, equipment_id: int) -> list[Row]:
    """Requests Odoo derived from an occurrence: its next occurrence keeps the name (`copy()`)."""
    return gateway.search_read(
        "maintenance.request",
        [("name", "=", name), ("equipment_id", "=", equipment_id)],
        REQUEST_FIELDS,
        order="id",
    )


def run_requests(gateway: OdooGateway, run_tag: str, equipment_id: int | None, *, numbered: bool = False) -> list[Row]:
    """Every request of one scenario on the equipment (None: on any equipment): its own occurrence and what Odoo
    derived from it; with `numbered`, those of every scenario of the run too (tagged `<run_tag>-2`, `-3`...: see
    `next_run_tag`)."""
    domain: list[Any] = [("name", "=like", f"{run_tag}:%")]
    if numbered:
        domain = ["|", *domain, ("name", "=like", f"{run_tag}-%:%")]
    if equipment_id is not None:
        domain.append(("equipment_id", "=", equipment_id))
    return gateway.search_read("maintenance.request", domain, REQUEST_FIELDS, order="id")


def is_open(row: Row) -> bool:
    return not row["done"] and not row["archive"]


def reminders_on(gateway: OdooGateway, request_ids: list[int]) -> list[Row]:
    """Open activities (the technician's 'Maintenance Request' to-dos) on these requests.

    Odoo 19 re-creates the reminder on a request even as it moves to a done stage (`write` marks it done, then
    `activity_update` schedules a new one from `schedule_date`), so a completed request keeps one too, and
    cancelling a request (archiving it) leaves its reminder in place.
    """
    return gateway.search_read(
        "mail.activity",
        [("res_model", "=", "maintenance.request"), ("res_id", "in", request_ids)],
        ["res_id", "summary", "activity_type_id", "user_id", "date_deadline"],
    )


@dataclass(frozen=True)
class LoggedMessage:
    """A message in a request's chatter, as its history shows it."""

    text: str  # the body without its HTML
    author_id: int
    subtype: str
    internal: bool  # a note: employees only, not sent to the followers


def messages_on(gateway: OdooGateway, request_id: int) -> list[LoggedMessage]:
    """The messages people wrote on a request (not Odoo's tracking of changed fields), newest first."""
    rows = gateway.search_read(
        "mail.message",
        [("model", "=", "maintenance.request"), ("res_id", "=", request_id), ("message_type", "=", "comment")],
        ["body", "author_id", "subtype_id"],
    )
    subtype_ids = {many2one_id(row["subtype_id"]) for row in rows} - {None}
    internal = {
        int(row["id"]): bool(row["internal"])
        for row in gateway.read("mail.message.subtype", sorted(i for i in subtype_ids if i), ["internal"])
    }
    return [
        LoggedMessage(
            text=plain_text(str(row["body"] or "")),
            author_id=many2one_id(row["author_id"]) or 0,
            subtype=str(row["subtype_id"][1]) if row["subtype_id"] else "",
            internal=internal.get(many2one_id(row["subtype_id"]) or 0, False),
        )
        for row in rows
    ]


def plain_text(body: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def parse_datetime(value: str) -> datetime:
    return datetime.strptime(value, ODOO_DATETIME)


def format_datetime(value: datetime) -> str:
    return value.strftime(ODOO_DATETIME)


def parse_date(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None
