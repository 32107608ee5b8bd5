"""Maintenance: the biomedical technician completes a preventive maintenance; Odoo plans the next one.

The technician never completes the site's configured preventive request: that would move the real
equipment's schedule one interval forward on every run. They work this run's own occurrence, which takes
equipment, team, schedule and recurrence from the configured request, so the site's recurrence is what is
tested. Odoo names the next occurrence like the one completed, so it carries the run's tag too; the
technician cancels it at the end, and a teardown cancels whatever a failed run left open.

What the technician does goes through `actor.maintenance` (over RPC or on Odoo's screens, by the scenario's
mode); checks read through the technician's read-only gateway.

The equipment is the profile's ("the site's equipment") or one a feature names (`the "second device"`: a serial
number, a name, or a name the site profile gives under `names: equipment:`); everything after the first step works
from the plan that step found (`preventive_plan`), so both run the same checks. An interval a feature names
("6 months") is an expectation compared with what Odoo planned; without one, the profile's interval is expected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from fixtures.actors import Cast
from fixtures.factories.preventive_maintenance import PreventiveOccurrenceFactory
from odoo_uat.actions.base import Mode
from odoo_uat.actions.maintenance import MaintenanceActions
from odoo_uat.actors import Actor
from odoo_uat.cycles import preventive_maintenance as pm
from odoo_uat.errors import OdooError, RecordRef
from odoo_uat.gateway import Row, many2one_id
from odoo_uat.language import EQUIPMENT, named
from odoo_uat.references import ResolvedSite
from odoo_uat.reporting import record_quantities
from odoo_uat.run_id import tag

_section = pm.section_of


def parse_interval(text: str) -> pm.MaintenanceInterval:
    """The parse type of an interval a feature names: `{interval:Interval}`."""
    return pm.parse_interval(text)


parse_interval.pattern = pm.INTERVAL_PATTERN  # type: ignore[attr-defined]  # read by `parse`
parse_interval.describe = (  # type: ignore[attr-defined]  # read by the catalogue
    'an interval: a whole number of days, weeks, months or years ("90 days", "2 weeks", "6 months", "1 year"), '
    "counted as Odoo counts its recurrence (calendar months and years)"
)
STEP_TYPES: Mapping[str, Callable[[str], Any]] = {"Interval": parse_interval}


def _profile_equipment_label(site: ResolvedSite) -> str:
    section = _section(site)
    return f"{section.equipment} ({section.equipment_serial})"


def _plan_record(technician: Actor, plan: pm.PreventivePlan) -> RecordRef:
    return technician.record("maintenance.request", plan.id, plan.name)


def _occurrence_record(technician: Actor, occurrence: pm.Occurrence) -> RecordRef:
    return technician.record("maintenance.request", occurrence.id, occurrence.name)


def _run_tag(run_id: str, site: ResolvedSite) -> str:
    """What every request of this run at this site is named with; each scenario adds its own number to it when
    the run already has one (`pm.fresh_run_tag`), so two scenarios on one equipment never share a name."""
    return tag(run_id, site.code, "PM")


@given("the site's equipment has an open recurring preventive maintenance request", target_fixture="preventive_plan")
def equipment_has_preventive_plan(site: ResolvedSite, cast: Cast) -> pm.PreventivePlan:
    """Reads the configured request (by the profile's natural keys) and checks, before the run creates anything,
    what the scenario relies on: the request is the team's recurring preventive plan, the done stage closes a
    request and the work stage does not. Each is an expectation: a customer's change is a finding, not a profile
    error."""
    section = _section(site)
    technician = cast["technician"]
    label = _profile_equipment_label(site)
    request_id = site.id("preventive_maintenance.preventive_request")
    record = technician.record("maintenance.request", request_id, section.preventive_request)
    with technician.doing(f"The technician can open the preventive maintenance request of {label}", record=record):
        row = pm.read_request(technician.gateway, request_id)
    plan = pm.plan_of(row, equipment=label)
    technician.expect(
        plan.team_id == site.id("preventive_maintenance.team"),
        f"The preventive maintenance of {label} is assigned to the site's team {section.team!r}",
        found=f"team {plan.team}",
        record=record,
    )
    _check_plan_and_stages(site, technician, plan, record)
    return plan


@given(
    parsers.parse('the "{equipment}" has an open recurring preventive maintenance request'),
    target_fixture="preventive_plan",
)
def named_equipment_has_preventive_plan(site: ResolvedSite, cast: Cast, equipment: str) -> pm.PreventivePlan:
    """The equipment the feature names (serial number, name, or the profile's `names: equipment:`) and its one
    configured plan: the open recurring preventive request of the site's company on it (never closed, not
    cancelled, not a run's own). None or several is a finding; then the same checks as for the site's equipment,
    the team being the one that looks after the equipment."""
    technician = cast["technician"]
    found = named(site, technician.gateway, EQUIPMENT, equipment)  # no such equipment: blocks the row, naming it
    with technician.doing(f'The technician can open the "{equipment}" and its maintenance requests'):
        device = pm.read_equipment(technician.gateway, found.id)
        rows = pm.equipment_plans(technician.gateway, device.id, site.company_id)
        # with none, what the equipment has instead (a plan switched off, corrective requests only...)
        shown = rows or pm.open_requests_on(technician.gateway, device.id)
    label = device.label()
    technician.expect(
        len(rows) == 1,
        f'The "{equipment}", {label}, has one configured preventive plan: an open recurring preventive maintenance '
        f"request of {site.company_name} on it",
        found=f"{len(rows)} such request(s)"
        + ("" if rows else f"; open requests on the equipment: {len(shown)}")
        + "".join(f"; #{row['id']} {row['name']!r} ({_company(row)}): {pm.describe_plan(row)}" for row in shown),
        record=technician.record("maintenance.equipment", device.id, label),
    )
    plan = pm.plan_of(rows[0], equipment=label)
    record = _plan_record(technician, plan)
    technician.expect(
        device.team_id is not None and plan.team_id == device.team_id,
        f"The preventive maintenance of {label} is assigned to the team that looks after the equipment "
        f"({device.team!r} on the equipment's form)",
        found=f"team {plan.team}",
        record=record,
    )
    _check_plan_and_stages(site, technician, plan, record)
    return plan


def _company(row: Row) -> str:
    return str(row["company_id"][1]) if row.get("company_id") else "no company"


def _check_plan_and_stages(site: ResolvedSite, technician: Actor, plan: pm.PreventivePlan, record: RecordRef) -> None:
    """What completing a run's occurrence of the plan relies on: the plan can plan a next occurrence, the profile's
    done stage closes a request and its work stage does not."""
    section = _section(site)
    done_stage_id = site.id("preventive_maintenance.done_stage")
    work_stage_id = site.id("preventive_maintenance.work_stage")
    with technician.doing("The technician can read the site's maintenance stages"):
        done_stage_closes = pm.read_stage(technician.gateway, done_stage_id).done
        work_stage_closes = pm.read_stage(technician.gateway, work_stage_id).done
    defects = pm.plan_defects(plan.values)
    technician.expect(
        not defects,
        f"The preventive maintenance request of {plan.equipment} is configured to plan its next "
        "occurrence when completed (preventive, 'Recurrent' on, a valid end, a scheduled date)",
        found="; ".join([*defects, pm.describe_plan(plan.values)]),
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


@pytest.fixture
def leftover_run_requests_cancelled(site: ResolvedSite, cast: Cast, run_id: str) -> Iterator[None]:
    """Teardown: a scenario that stopped before its own clean-up leaves no open request or reminder behind. It
    looks for any of the run's requests at the site, on whichever equipment the scenario worked (the tag names
    the run and the site; an earlier scenario's requests are cancelled already)."""
    yield
    technician = cast["technician"]
    try:
        _cancel_what_the_run_left(technician, _run_tag(run_id, site))
    except OdooError as exc:
        pytest.fail(f"Clean-up of the run's preventive requests at {site.code} failed: {exc}", pytrace=False)


def _cancel_what_the_run_left(technician: Actor, run_tag: str) -> None:
    """The technician's own actions, over RPC whatever the scenario's mode: a failed browser scenario may have left
    its screen on an error dialog, and putting things back must not depend on it."""
    rows = pm.run_requests(technician.gateway, run_tag, None, numbered=True)
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
    run_tag = pm.fresh_run_tag(technician.gateway, _run_tag(run_id, site))
    typed = PreventiveOccurrenceFactory.build(run_tag=run_tag, plan=preventive_plan, company_id=site.company_id)
    with technician.doing(f"The technician can open a preventive maintenance request on {preventive_plan.equipment}"):
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
    return pm.Occurrence(
        id=record.id, name=str(row["name"]), schedule_date=str(row["schedule_date"] or ""), run_tag=run_tag
    )


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
def technician_logs_note(cast: Cast, occurrence: pm.Occurrence, preventive_plan: pm.PreventivePlan) -> None:
    """An internal note in the request's chatter; it must stay on the request's history for the team only."""
    technician = cast["technician"]
    record = _occurrence_record(technician, occurrence)
    note = f"{occurrence.run_tag}: preventive maintenance of {preventive_plan.equipment} carried out as planned"
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
    cast: Cast, occurrence: pm.Occurrence, preventive_plan: pm.PreventivePlan
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
        f"Completing a preventive maintenance of {preventive_plan.equipment} plans exactly one open next "
        "occurrence, named like the completed one",
        found=f"{len(derived)} request(s) named {occurrence.name!r} besides the completed one: "
        + (", ".join(_summary(row) for row in derived) or "none"),
        record=_occurrence_record(technician, occurrence),
        details={"configured recurrence": preventive_plan.recurrence()},
    )
    row = derived[0]
    return pm.Occurrence(
        id=int(row["id"]),
        name=str(row["name"]),
        schedule_date=str(row["schedule_date"] or ""),
        run_tag=occurrence.run_tag,
    )


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
    _check_due(cast["technician"], _section(site).interval, occurrence, next_occurrence, preventive_plan)


@then(
    parsers.parse(
        "the next occurrence is due {interval:Interval} after the previous scheduled date", extra_types=STEP_TYPES
    )
)
def next_occurrence_due_interval(
    cast: Cast,
    occurrence: pm.Occurrence,
    next_occurrence: pm.Occurrence,
    preventive_plan: pm.PreventivePlan,
    interval: pm.MaintenanceInterval,
) -> None:
    """Previous scheduled date plus the interval the feature names (the expectation), compared with the date Odoo
    planned, not with the configured repeat fields."""
    _check_due(cast["technician"], interval, occurrence, next_occurrence, preventive_plan)


def _check_due(
    technician: Actor,
    interval: pm.MaintenanceInterval,
    occurrence: pm.Occurrence,
    next_occurrence: pm.Occurrence,
    plan: pm.PreventivePlan,
) -> None:
    """The next occurrence's scheduled date is the completed one's plus `interval`; the before/after table shows
    both dates, the change in days and the change `interval` means from that date."""
    previous = pm.parse_datetime(occurrence.schedule_date)
    expected = interval.after(previous)
    planned = pm.parse_datetime(next_occurrence.schedule_date) if next_occurrence.schedule_date else None
    gap = pm.planned_gap(previous, planned) if planned is not None else "no scheduled date"
    row = (plan.equipment, f"scheduled date (expected: {interval.describe()} after the previous)")
    days = (plan.equipment, f"scheduled date, in days after the previous (Odoo planned {gap})")
    record_quantities(
        f"next occurrence of {plan.equipment}, due {interval.describe()} later",
        by=("equipment", "what"),
        before={row: occurrence.schedule_date, days: 0},
        after={row: next_occurrence.schedule_date or None, days: (planned - previous).days if planned else None},
        expected={row: pm.format_datetime(expected), days: (expected - previous).days},
    )
    technician.expect(
        planned is not None and pm.due_after(interval, previous, planned),
        f"The next preventive maintenance of {plan.equipment} is due {interval.describe()} after the "
        f"previous scheduled date {occurrence.schedule_date}, i.e. on {pm.format_datetime(expected)}",
        found=f"next occurrence due {next_occurrence.schedule_date or '(no date)'}: Odoo planned it {gap} after "
        "the previous scheduled date",
        record=_occurrence_record(technician, next_occurrence),
        details={
            "configured request": str(_plan_record(technician, plan)),
            "configured recurrence": plan.recurrence(),
        },
    )


@then("the next occurrence keeps the equipment, the team and the recurrence")
def next_occurrence_keeps_plan(cast: Cast, next_occurrence: pm.Occurrence, preventive_plan: pm.PreventivePlan) -> None:
    """Same equipment, the configured request's team (checked to be the expected one), and its recurrence."""
    technician = cast["technician"]
    row = pm.read_request(technician.gateway, next_occurrence.id)
    differences = [
        f"{field}: {row[field]!r} (configured {preventive_plan.values[field]!r})"
        for field in pm.RECURRENCE_FIELDS
        if row[field] != preventive_plan.values[field]
    ]
    if many2one_id(row["equipment_id"]) != preventive_plan.equipment_id:
        differences.append(f"equipment {row['equipment_id']}")
    if many2one_id(row["maintenance_team_id"]) != preventive_plan.team_id:
        differences.append(f"team {row['maintenance_team_id']}")
    if row["maintenance_type"] != "preventive":
        differences.append(f"type {row['maintenance_type']!r}")
    technician.expect(
        not differences,
        f"The next occurrence stays a preventive maintenance of {preventive_plan.equipment} for the team "
        f"{preventive_plan.team!r}, recurring as configured ({preventive_plan.recurrence()})",
        found="; ".join(differences),
        record=_occurrence_record(technician, next_occurrence),
    )


@then("the equipment's configured preventive schedule has not moved")
def configured_schedule_unchanged(cast: Cast, preventive_plan: pm.PreventivePlan) -> None:
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
        f"The real preventive schedule of {preventive_plan.equipment} is where it was: the run completed only "
        "its own occurrence",
        found="; ".join(moved),
        record=_plan_record(technician, preventive_plan),
    )


@when("the technician cancels the run's next occurrence and dismisses the run's maintenance reminders")
def technician_cancels_next(cast: Cast, next_occurrence: pm.Occurrence, preventive_plan: pm.PreventivePlan) -> None:
    """The request form's Cancel button (archived, recurrence off); reminders on the run's requests dismissed."""
    technician = cast["technician"]
    with technician.doing(
        "The technician can cancel a planned preventive maintenance and dismiss maintenance reminders",
        record=_occurrence_record(technician, next_occurrence),
    ):
        technician.maintenance.cancel(_occurrence_record(technician, next_occurrence))
        rows = pm.run_requests(technician.gateway, next_occurrence.run_tag, preventive_plan.equipment_id)
        with_reminders = {int(row["res_id"]) for row in pm.reminders_on(technician.gateway, [r["id"] for r in rows])}
        technician.maintenance.dismiss_reminders(
            [
                technician.record("maintenance.request", int(row["id"]), str(row["name"]))
                for row in rows
                if int(row["id"]) in with_reminders
            ]
        )


@then("no preventive maintenance of this run is left open on the equipment")
def nothing_left_open(cast: Cast, occurrence: pm.Occurrence, preventive_plan: pm.PreventivePlan) -> None:
    """No request named with the scenario's run tag is open on the equipment, and none carries a reminder."""
    technician = cast["technician"]
    rows = pm.run_requests(technician.gateway, occurrence.run_tag, preventive_plan.equipment_id)
    open_rows = [row for row in rows if pm.is_open(row)]
    reminders = pm.reminders_on(technician.gateway, [int(row["id"]) for row in rows])
    technician.expect(
        not open_rows and not reminders,
        f"The run leaves no open preventive maintenance and no reminder on {preventive_plan.equipment}: its next "
        "occurrence is cancelled (archived, recurrence off)",
        found=f"open: {', '.join(_summary(row) for row in open_rows) or 'none'}; "
        f"reminders on request(s) {sorted({int(row['res_id']) for row in reminders}) or 'none'}",
        record=_occurrence_record(technician, occurrence),
    )
