"""Maintenance: the biomedical technician completes a preventive maintenance; Odoo plans the next one.

The technician never completes the site's configured preventive request: that would move the real
equipment's schedule one interval forward on every run. They work this run's own occurrence, which takes
equipment, team, schedule and recurrence from the configured request, so the site's recurrence is what is
tested. Odoo names the next occurrence like the one completed, so it carries the run's tag too; the
technician cancels it at the end, and a teardown cancels whatever a failed run left open.

What the technician does goes through `actor.maintenance` (over RPC or on Odoo's screens, by the scenario's
mode); checks read through the technician's read-only gateway.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from pytest_bdd import given, then, when

from fixtures.actors import Cast
from fixtures.factories.preventive_maintenance import PreventiveOccurrenceFactory
from odoo_uat.actions.base import Mode
from odoo_uat.actions.maintenance import MaintenanceActions
from odoo_uat.actors import Actor
from odoo_uat.cycles import preventive_maintenance as pm
from odoo_uat.errors import OdooError, RecordRef
from odoo_uat.gateway import Row, many2one_id
from odoo_uat.references import ResolvedSite
from odoo_uat.run_id import tag

_section = pm.section_of


def _equipment_label(site: ResolvedSite) -> str:
    section = _section(site)
    return f"{section.equipment} ({section.equipment_serial})"


def _plan_record(technician: Actor, plan: pm.PreventivePlan) -> RecordRef:
    return technician.record("maintenance.request", plan.id, plan.name)


def _occurrence_record(technician: Actor, occurrence: pm.Occurrence) -> RecordRef:
    return technician.record("maintenance.request", occurrence.id, occurrence.name)


def _run_tag(run_id: str, site: ResolvedSite) -> str:
    return tag(run_id, site.code, "PM")


@given("the site's equipment has an open recurring preventive maintenance request", target_fixture="preventive_plan")
def equipment_has_preventive_plan(site: ResolvedSite, cast: Cast) -> pm.PreventivePlan:
    """Reads the configured request (by the profile's natural keys) and checks, before the run creates anything,
    what the scenario relies on: the request is the team's recurring preventive plan, the done stage closes a
    request and the work stage does not. Each is an expectation: a customer's change is a finding, not a profile
    error."""
    section = _section(site)
    technician = cast["technician"]
    request_id = site.id("preventive_maintenance.preventive_request")
    done_stage_id = site.id("preventive_maintenance.done_stage")
    work_stage_id = site.id("preventive_maintenance.work_stage")
    record = technician.record("maintenance.request", request_id, section.preventive_request)
    with technician.doing(
        f"The technician can open the preventive maintenance request of {_equipment_label(site)}", record=record
    ):
        row = pm.read_request(technician.gateway, request_id)
        done_stage_closes = pm.read_stage(technician.gateway, done_stage_id).done
        work_stage_closes = pm.read_stage(technician.gateway, work_stage_id).done
    plan = pm.plan_of(row)
    technician.expect(
        plan.team_id == site.id("preventive_maintenance.team"),
        f"The preventive maintenance of {_equipment_label(site)} is assigned to the site's team {section.team!r}",
        found=f"team {row['maintenance_team_id'][1] if row['maintenance_team_id'] else '(none)'}",
        record=record,
    )
    defects = pm.plan_defects(row)
    technician.expect(
        not defects,
        f"The preventive maintenance request of {_equipment_label(site)} is configured to plan its next "
        "occurrence when completed (preventive, 'Recurrent' on, a valid end, a scheduled date)",
        found="; ".join([*defects, pm.describe_plan(row)]),
        record=record,
        details={"configured recurrence": plan.recurrence()},
    )
    technician.expect(
        done_stage_closes,
        f"Moving a request to the stage {section.done_stage!r} closes it ('Request Done' ticked on the stage): "
        "the profile names it as the done stage",
        found=pm.describe_done_flag(section.done_stage, done_stage_closes),
        record=technician.record("maintenance.stage", done_stage_id, section.done_stage),
    )
    technician.expect(
        not work_stage_closes,
        f"Moving a request to the stage {section.work_stage!r} starts work without closing it ('Request Done' "
        "not ticked): the profile names it as the work stage",
        found=pm.describe_done_flag(section.work_stage, work_stage_closes),
        record=technician.record("maintenance.stage", work_stage_id, section.work_stage),
    )
    return plan


@pytest.fixture
def leftover_run_requests_cancelled(site: ResolvedSite, cast: Cast, run_id: str) -> Iterator[None]:
    """Teardown: a scenario that stopped before its own clean-up leaves no open request or reminder behind."""
    yield
    technician = cast["technician"]
    try:
        _cancel_what_the_run_left(
            technician, _run_tag(run_id, site), site.id("preventive_maintenance.equipment_serial")
        )
    except OdooError as exc:
        pytest.fail(f"Clean-up of the run's preventive requests at {site.code} failed: {exc}", pytrace=False)


def _cancel_what_the_run_left(technician: Actor, run_tag: str, equipment_id: int) -> None:
    """The technician's own actions, over RPC whatever the scenario's mode: a failed browser scenario may have left
    its screen on an error dialog, and putting things back must not depend on it."""
    rows = pm.run_requests(technician.gateway, run_tag, equipment_id)
    reminders = pm.reminders_on(technician.gateway, [int(row["id"]) for row in rows])
    if not any(pm.is_open(row) for row in rows) and not reminders:
        return
    putting_back: MaintenanceActions = replace(technician, mode=Mode.RPC, screen=None).maintenance
    for row in rows:
        if pm.is_open(row):
            putting_back.cancel(technician.record("maintenance.request", int(row["id"]), str(row["name"])))
    if reminders:
        putting_back.dismiss_reminders(
            [technician.record("maintenance.request", int(row["id"]), str(row["name"])) for row in rows]
        )


@given(
    "the technician opens this run's occurrence of the preventive maintenance with the configured recurrence",
    target_fixture="occurrence",
)
def technician_opens_run_occurrence(
    site: ResolvedSite,
    cast: Cast,
    run_id: str,
    preventive_plan: pm.PreventivePlan,
    leftover_run_requests_cancelled: None,
) -> pm.Occurrence:
    """A new request named with the run id, on the same equipment and team, with the configured recurrence."""
    technician = cast["technician"]
    typed = PreventiveOccurrenceFactory.build(
        run_tag=_run_tag(run_id, site), plan=preventive_plan, company_id=site.company_id
    )
    with technician.doing(f"The technician can open a preventive maintenance request on {_equipment_label(site)}"):
        record = technician.maintenance.open_request(typed)
    row = pm.read_request(technician.gateway, record.id)
    copied = {field: row[field] for field in pm.COPIED_FIELDS}
    expected = {field: preventive_plan.values[field] for field in pm.COPIED_FIELDS}
    technician.expect(
        copied == expected and many2one_id(row["maintenance_team_id"]) == preventive_plan.team_id,
        "The run's occurrence has the configured request's team, schedule and recurrence",
        found=f"run occurrence {copied}, team {row['maintenance_team_id']}; configured {expected}",
        record=record,
    )
    return pm.Occurrence(id=record.id, name=str(row["name"]), schedule_date=str(row["schedule_date"]))


@when("the technician starts work on the preventive maintenance")
def technician_starts_work(site: ResolvedSite, cast: Cast, occurrence: pm.Occurrence) -> None:
    """Moves the run's occurrence to the profile's work stage (e.g. In Progress)."""
    technician = cast["technician"]
    stage = pm.read_stage(technician.gateway, site.id("preventive_maintenance.work_stage"))
    with technician.doing(
        f"The technician can move the preventive maintenance to {stage.name!r}",
        record=_occurrence_record(technician, occurrence),
    ):
        technician.maintenance.start_work(_occurrence_record(technician, occurrence), stage)


@when("the technician logs a note of the work done on the preventive maintenance")
def technician_logs_note(site: ResolvedSite, cast: Cast, run_id: str, occurrence: pm.Occurrence) -> None:
    """An internal note in the request's chatter; it must stay on the request's history for the team only."""
    technician = cast["technician"]
    record = _occurrence_record(technician, occurrence)
    note = f"{_run_tag(run_id, site)}: preventive maintenance of {_equipment_label(site)} carried out as planned"
    with technician.doing("The technician can log a note on the preventive maintenance", record=record):
        technician.maintenance.log_note(record, note)
    author = many2one_id(technician.gateway.read_one("res.users", technician.gateway.uid, ["partner_id"])["partner_id"])
    logged = [message for message in pm.messages_on(technician.gateway, occurrence.id) if note in message.text]
    technician.expect(
        any(message.internal and message.author_id == author for message in logged),
        "The technician's note is on the preventive maintenance's history as an internal note (not sent to the "
        "followers), signed by the technician",
        found=", ".join(f"{message.subtype} by partner #{message.author_id}" for message in logged)
        or "no message with the note's text",
        record=record,
    )


@when("the technician completes the preventive maintenance")
def technician_completes(site: ResolvedSite, cast: Cast, occurrence: pm.Occurrence) -> None:
    """Moves the run's occurrence to the profile's done stage: this is when Odoo plans the next occurrence."""
    technician = cast["technician"]
    stage = pm.read_stage(technician.gateway, site.id("preventive_maintenance.done_stage"))
    with technician.doing(
        f"The technician can complete the preventive maintenance (move it to {stage.name!r}) "
        "and Odoo plans the next one",
        record=_occurrence_record(technician, occurrence),
    ):
        technician.maintenance.complete(_occurrence_record(technician, occurrence), stage)


@then("the preventive maintenance is closed with today's close date")
def maintenance_closed(site: ResolvedSite, cast: Cast, occurrence: pm.Occurrence) -> None:
    """Done stage and a close date of today."""
    technician = cast["technician"]
    row = pm.read_request(technician.gateway, occurrence.id)
    # Odoo stamps the server's date; the harness may sit in another time zone than the server
    today = {date.today(), datetime.now(UTC).date()}
    closed_on = pm.parse_date(row["close_date"])
    technician.expect(
        bool(row["done"]) and closed_on in today,
        f"A completed preventive maintenance is closed: in the done stage {_section(site).done_stage!r} "
        "with today's close date",
        found=f"stage {row['stage_id'][1] if row['stage_id'] else '(none)'} (done: {row['done']}), "
        f"close date {row['close_date'] or '(none)'}",
        record=_occurrence_record(technician, occurrence),
    )


@then(
    "Odoo plans exactly one next occurrence of the preventive maintenance, named after the run",
    target_fixture="next_occurrence",
)
def exactly_one_next_occurrence(
    site: ResolvedSite, cast: Cast, occurrence: pm.Occurrence, preventive_plan: pm.PreventivePlan
) -> pm.Occurrence:
    """Found by name: Odoo copies the completed request, subject included, into its next occurrence."""
    technician = cast["technician"]
    derived = [
        row
        for row in pm.same_name_requests(technician.gateway, occurrence.name, preventive_plan.equipment_id)
        if row["id"] != occurrence.id
    ]
    technician.expect(
        len(derived) == 1 and not derived[0]["done"] and not derived[0]["archive"],
        f"Completing a preventive maintenance of {_equipment_label(site)} plans exactly one open next "
        "occurrence, named like the completed one",
        found=f"{len(derived)} request(s) named {occurrence.name!r} besides the completed one: "
        + (", ".join(_summary(row) for row in derived) or "none"),
        record=_occurrence_record(technician, occurrence),
        details={"configured recurrence": preventive_plan.recurrence()},
    )
    row = derived[0]
    return pm.Occurrence(id=int(row["id"]), name=str(row["name"]), schedule_date=str(row["schedule_date"]))


def _summary(row: Row) -> str:
    stage = row["stage_id"][1] if row["stage_id"] else "(no stage)"
    return f"#{row['id']} due {row['schedule_date']} in {stage}{' (cancelled)' if row['archive'] else ''}"


@then("the next occurrence is due the site's interval after the previous scheduled date")
def next_occurrence_due(
    site: ResolvedSite,
    cast: Cast,
    occurrence: pm.Occurrence,
    next_occurrence: pm.Occurrence,
    preventive_plan: pm.PreventivePlan,
) -> None:
    """Previous scheduled date plus the interval in the profile (the expectation), not the completion date."""
    interval = _section(site).interval
    technician = cast["technician"]
    previous = pm.parse_datetime(occurrence.schedule_date)
    expected = pm.format_datetime(interval.after(previous))
    technician.expect(
        next_occurrence.schedule_date == expected,
        f"The next preventive maintenance of {_equipment_label(site)} is due {interval.describe()} after the "
        f"previous scheduled date {occurrence.schedule_date}, i.e. on {expected}",
        found=f"next occurrence due {next_occurrence.schedule_date}",
        record=_occurrence_record(technician, next_occurrence),
        details={
            "configured request": str(_plan_record(technician, preventive_plan)),
            "configured recurrence": preventive_plan.recurrence(),
        },
    )


@then("the next occurrence keeps the equipment, the team and the recurrence")
def next_occurrence_keeps_plan(
    site: ResolvedSite, cast: Cast, next_occurrence: pm.Occurrence, preventive_plan: pm.PreventivePlan
) -> None:
    """Same equipment, the profile's team, and the recurrence of the configured request."""
    technician = cast["technician"]
    row = pm.read_request(technician.gateway, next_occurrence.id)
    differences = [
        f"{field}: {row[field]!r} (configured {preventive_plan.values[field]!r})"
        for field in pm.RECURRENCE_FIELDS
        if row[field] != preventive_plan.values[field]
    ]
    if many2one_id(row["equipment_id"]) != preventive_plan.equipment_id:
        differences.append(f"equipment {row['equipment_id']}")
    if many2one_id(row["maintenance_team_id"]) != site.id("preventive_maintenance.team"):
        differences.append(f"team {row['maintenance_team_id']}")
    if row["maintenance_type"] != "preventive":
        differences.append(f"type {row['maintenance_type']!r}")
    technician.expect(
        not differences,
        f"The next occurrence stays a preventive maintenance of {_equipment_label(site)} for the team "
        f"{_section(site).team!r}, recurring as configured ({preventive_plan.recurrence()})",
        found="; ".join(differences),
        record=_occurrence_record(technician, next_occurrence),
    )


@then("the equipment's configured preventive schedule has not moved")
def configured_schedule_unchanged(site: ResolvedSite, cast: Cast, preventive_plan: pm.PreventivePlan) -> None:
    """The configured request kept its stage, date and recurrence, and no new occurrence of it appeared."""
    technician = cast["technician"]
    now = pm.read_request(technician.gateway, preventive_plan.id)
    watched = ("stage_id", "schedule_date", "close_date", "archive", *pm.RECURRENCE_FIELDS)
    moved = [
        f"{field}: {preventive_plan.values[field]!r} -> {now[field]!r}"
        for field in watched
        if now[field] != preventive_plan.values[field]
    ]
    siblings = [
        row
        for row in pm.same_name_requests(technician.gateway, preventive_plan.name, preventive_plan.equipment_id)
        if row["id"] != preventive_plan.id and not row["done"] and not row["archive"]
    ]
    moved += [f"a new open occurrence {_summary(row)}" for row in siblings]
    technician.expect(
        not moved,
        f"The real preventive schedule of {_equipment_label(site)} is where it was: the run completed only "
        "its own occurrence",
        found="; ".join(moved),
        record=_plan_record(technician, preventive_plan),
    )


@when("the technician cancels the run's next occurrence and dismisses the run's maintenance reminders")
def technician_cancels_next(site: ResolvedSite, cast: Cast, run_id: str, next_occurrence: pm.Occurrence) -> None:
    """The request form's Cancel button (archived, recurrence off); reminders on the run's requests dismissed."""
    technician = cast["technician"]
    with technician.doing(
        "The technician can cancel a planned preventive maintenance and dismiss maintenance reminders",
        record=_occurrence_record(technician, next_occurrence),
    ):
        technician.maintenance.cancel(_occurrence_record(technician, next_occurrence))
        rows = pm.run_requests(
            technician.gateway, _run_tag(run_id, site), site.id("preventive_maintenance.equipment_serial")
        )
        with_reminders = {int(row["res_id"]) for row in pm.reminders_on(technician.gateway, [r["id"] for r in rows])}
        technician.maintenance.dismiss_reminders(
            [
                technician.record("maintenance.request", int(row["id"]), str(row["name"]))
                for row in rows
                if int(row["id"]) in with_reminders
            ]
        )


@then("no preventive maintenance of this run is left open on the equipment")
def nothing_left_open(site: ResolvedSite, cast: Cast, run_id: str, occurrence: pm.Occurrence) -> None:
    """No request named with the run id is open on the equipment, and none carries a reminder."""
    technician = cast["technician"]
    rows = pm.run_requests(
        technician.gateway, _run_tag(run_id, site), site.id("preventive_maintenance.equipment_serial")
    )
    open_rows = [row for row in rows if pm.is_open(row)]
    reminders = pm.reminders_on(technician.gateway, [int(row["id"]) for row in rows])
    technician.expect(
        not open_rows and not reminders,
        f"The run leaves no open preventive maintenance and no reminder on {_equipment_label(site)}: its next "
        "occurrence is cancelled (archived, recurrence off)",
        found=f"open: {', '.join(_summary(row) for row in open_rows) or 'none'}; "
        f"reminders on request(s) {sorted({int(row['res_id']) for row in reminders}) or 'none'}",
        record=_occurrence_record(technician, occurrence),
    )
