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

from odoo_uat.errors import ConfigurationError
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

    def recurrence(self) -> str:
        return describe_recurrence(self.values)


@dataclass(frozen=True)
class Occurrence:
    """The run's own preventive request on the real equipment."""

    id: int
    name: str
    schedule_date: str


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


def plan_of(row: Row) -> PreventivePlan:
    return PreventivePlan(
        id=int(row["id"]),
        name=str(row["name"]),
        equipment_id=many2one_id(row["equipment_id"]) or 0,
        team_id=many2one_id(row["maintenance_team_id"]) or 0,
        stage_id=many2one_id(row["stage_id"]) or 0,
        schedule_date=str(row["schedule_date"] or ""),
        values=dict(row),
    )


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


def run_requests(gateway: OdooGateway, run_tag: str, equipment_id: int) -> list[Row]:
    """Every request of one run on the equipment: its own occurrence and what Odoo derived from it."""
    return gateway.search_read(
        "maintenance.request",
        [("name", "=like", f"{run_tag}:%"), ("equipment_id", "=", equipment_id)],
        REQUEST_FIELDS,
        order="id",
    )


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
