"""Service desk: a ticket's SLA on the team's working calendar, its breach, escalation to tier 2, resolution.

The site's escalation is its own automation rule, run by Odoo's scheduled check; the harness tests that
rule and never creates or changes it. To see a breach without waiting for a real deadline, the technical
user moves the run ticket's SLA deadline into the window the next check handles and runs the check the way
its "Run Manually" button does. Nothing else is moved: not the clock, not the rule, not the calendar.

A feature may name the ticket's category and the SLA policy it must get (features/ticket_categories.feature): the
category and the policy are found by name (odoo_uat.language), the ticket keeps the profile's tags and priority, and
the deadline Odoo planned is checked against the stated working hours on the team's calendar.

What a person does goes through `actor.service_desk` (over RPC or on Odoo's screens, by the scenario's mode);
the technical user's simulations go through its own `service_desk` actions, which stay on RPC in browser mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest
from pytest_bdd import given, parsers, then, when

from fixtures.actors import Cast
from fixtures.factories.helpdesk_escalation import ServiceDeskTicketFactory
from odoo_uat import reporting
from odoo_uat.actions.base import Mode
from odoo_uat.actors import Actor, expect
from odoo_uat.cycles import helpdesk_escalation as hd
from odoo_uat.errors import OdooError, ProfileError, RecordRef
from odoo_uat.gateway import OdooGateway
from odoo_uat.language import SLA_POLICY, TICKET_CATEGORY, Kind, named
from odoo_uat.references import ResolvedSite
from odoo_uat.reporting import record_quantities
from odoo_uat.reporting.quantities import NOT_CHECKED, Expected, Judged, Value
from odoo_uat.run_id import tag

_section = hd.section_of
CONFIGURATION_READER = "(configuration, read by the technical user)"
TECHNICAL_USER = "technical user"
DEADLINE_TOLERANCE = timedelta(seconds=2)  # Odoo plans from the creation's microseconds and reports seconds


def _record_sla(title: str, rows: list[tuple[str, Value, Value, Expected]], *, by: tuple[str, ...] = ("what",)) -> None:
    """One before/after table of a ticket's SLA (rows: what, before, after, expected), in the order given."""
    record_quantities(
        title,
        before={name: was for name, was, _, _ in rows},
        after={name: now for name, _, now, _ in rows},
        by=by,
        expected={name: wanted for name, _, _, wanted in rows},
        sort=False,
    )


def _sla_rows(
    helpdesk: hd.HelpdeskAdapter,
    ticket: hd.TicketView,
    lines: list[hd.SlaLine],
    wanted: int,
    planned: Expected,
    calendar: str,
    zone: str,
) -> list[tuple[str, Value, Value, Expected]]:
    """The ticket's SLAs as Odoo planned them (none before it was raised), deadlines in the calendar's time zone:
    the one the check wants is judged by `planned`, the others are shown."""
    rows: list[tuple[str, Value, Value, Expected]] = [
        (f"{helpdesk.category_label} of the ticket", None, ticket.category_name or "(none)", NOT_CHECKED),
        ("raised", None, hd.fmt(ticket.create_date, zone), NOT_CHECKED),
        ("working calendar", None, calendar, NOT_CHECKED),
    ]
    if not any(line.policy_id == wanted for line in lines):
        rows.append(("deadline under the expected SLA", None, None, Judged("the ticket held to it", False)))
    for line in lines:
        rows.append(
            (
                f"deadline under {line.policy_name!r}",
                None,
                hd.fmt(line.deadline, zone),
                planned if line.policy_id == wanted else NOT_CHECKED,
            )
        )
        rows.append((f"state under {line.policy_name!r}", None, line.state, NOT_CHECKED))
    return rows


def _ticket_record(actor: Actor, ticket: hd.TicketView) -> RecordRef:
    return actor.record("helpdesk.ticket", ticket.id, f"{ticket.number} {ticket.name}")


def _category_kind(helpdesk: hd.HelpdeskAdapter) -> Kind:
    """What a feature's ticket "category" names: OCA's ticket category, Enterprise's ticket type (one noun, so a
    profile's `names: {ticket category: ...}` serves both)."""
    if helpdesk.category_model == TICKET_CATEGORY.model:
        return TICKET_CATEGORY
    return replace(TICKET_CATEGORY, model=helpdesk.category_model, keys=(helpdesk.category_key,))


def _calendar(site: ResolvedSite, gateway: OdooGateway) -> hd.WorkingCalendar:
    return hd.read_calendar(gateway, site.id("helpdesk_escalation.working_calendar"))


def _ticket_attributes(
    site: ResolvedSite, gateway: OdooGateway, helpdesk: hd.HelpdeskAdapter, category: hd.Named | None = None
) -> hd.TicketAttributes:
    """The run's ticket as the profile describes it, its references resolved; the priority as Odoo keys it.

    `category`: the one a feature names, in place of the profile's (the profile's tags and priority stay).
    """
    section = _section(site)
    wanted = section.ticket
    labels = hd.priority_labels(gateway)
    if wanted.priority is None:
        priority = hd.default_priority(gateway)
    else:
        keys = {label: key for key, label in labels.items()}
        if wanted.priority not in keys:
            raise ProfileError(
                str(site.loaded.path),
                "helpdesk_escalation.ticket.priority",
                f"{wanted.priority!r} is not a ticket priority of this Odoo ({', '.join(map(repr, labels.values()))})",
            )
        priority = keys[wanted.priority]
    if category is None and wanted.category is not None:
        category = hd.Named(site.id("helpdesk_escalation.ticket.category"), wanted.category)
    return hd.TicketAttributes(
        team=hd.Named(site.id("helpdesk_escalation.service_desk_team"), section.service_desk_team),
        category=category,
        tags=tuple(hd.Named(site.id(hd.tag_key(index)), name) for index, name in enumerate(wanted.tags)),
        priority=priority,
        priority_label=labels.get(priority, priority),
        category_label=helpdesk.category_label,
    )


@pytest.fixture
def helpdesk_technical_user(site: ResolvedSite, uat_target: OdooGateway, scenario_mode: Mode) -> Actor:
    """The harness's technical user at the site: it simulates what no person does (the SLA deadline passing,
    the scheduler's escalation check) and cleans up; its actions stay on RPC in browser mode, and say why."""
    return Actor(TECHNICAL_USER, site, uat_target.for_company(site.company_id), mode=scenario_mode)


@pytest.fixture
def leftover_run_tickets_archived(site: ResolvedSite, helpdesk_technical_user: Actor, run_id: str) -> Iterator[None]:
    """Teardown: a scenario that stopped half-way leaves no open run ticket in the site's queues."""
    yield
    try:
        helpdesk_technical_user.service_desk.archive_leftover_tickets(tag(run_id, site.code, "TICKET"))
    except OdooError as exc:
        pytest.fail(f"Clean-up of the run's open tickets at {site.code} failed: {exc}", pytrace=False)


@given(
    "the site's service desk plans SLA deadlines on its expected working calendar",
    target_fixture="helpdesk",
)
def service_desk_configured(site: ResolvedSite, uat_target: OdooGateway) -> hd.HelpdeskAdapter:
    """Checks the team's calendar, the closing stage, the SLA policy, and that its filters hold the profile's ticket.

    The helpdesk installed, the team's SLA and calendar, the calendar's weekly hours, the resolution stage closing
    a ticket, the policy's hours and target stage, and, before any ticket exists, the policy's own filters applied
    to the ticket the profile describes (category, tags, priority).
    """
    section = _section(site)
    installed = hd.installed_helpdesk(uat_target)
    found_app = installed or "neither helpdesk_mgmt with helpdesk_mgmt_sla nor helpdesk"
    expect(
        installed == section.helpdesk_app,
        f"The site runs the helpdesk its profile names ({section.helpdesk_app})",
        site=site,
        role=CONFIGURATION_READER,
        found=f"installed: {found_app}",
    )
    helpdesk = hd.adapter_for(section.helpdesk_app)
    if not helpdesk.verified_live:
        reporting.attach_text("helpdesk adapter", f"{helpdesk.app}: adapter not verified against a live database")
    team_id = site.id("helpdesk_escalation.service_desk_team")
    team = helpdesk.team(uat_target, team_id)
    team_record = uat_target.record(helpdesk.team_model, team_id, team.name)
    calendar = _calendar(site, uat_target)
    expect(
        team.uses_sla and team.calendar_id == calendar.id,
        f"The service desk {section.service_desk_team!r} uses SLA policies and plans them on the working "
        f"calendar {section.working_calendar!r}",
        site=site,
        role=CONFIGURATION_READER,
        found=f"SLA {'on' if team.uses_sla else 'off'}, working calendar #{team.calendar_id or '(none)'} "
        f"(expected #{calendar.id})",
        record=team_record,
    )
    weekly = calendar.weekly_hours()
    expect(
        abs(weekly - section.weekly_hours) < 0.01 and not calendar.flexible,
        f"The working calendar {section.working_calendar!r} has {section.weekly_hours:g} fixed working hours a week",
        site=site,
        role=CONFIGURATION_READER,
        found=f"{weekly:g} hours a week{' (flexible hours)' if calendar.flexible else ''}, time zone {calendar.tz}",
        record=uat_target.record("resource.calendar", calendar.id, calendar.name),
    )
    stage_id = site.id("helpdesk_escalation.resolution_stage")
    stage_name, stage_closes = helpdesk.stage_closes(uat_target, stage_id)
    expect(
        stage_closes,
        f"The resolution stage {section.resolution_stage!r} closes a ticket",
        site=site,
        role=CONFIGURATION_READER,
        found=f"stage {stage_name!r} {'closes' if stage_closes else 'does NOT close'} the tickets moved to it",
        record=uat_target.record(helpdesk.stage_model, stage_id, stage_name),
    )
    policy = helpdesk.sla_policy(uat_target, site.id("helpdesk_escalation.sla_policy"), calendar.hours_per_day)
    policy_record = uat_target.record(helpdesk.sla_model, policy.id, policy.name)
    target = "(none)" if policy.target_stage_id is None else f"#{policy.target_stage_id}"
    if policy.target_stage_id == stage_id:
        target = repr(stage_name)
    expect(
        abs(policy.hours - section.sla_hours) <= 0.01 and policy.target_stage_id == stage_id,
        f"The SLA policy {section.sla_policy!r} gives the service desk's tickets {section.sla_hours:g} working "
        f"hours to reach {section.resolution_stage!r}",
        site=site,
        role=CONFIGURATION_READER,
        found=f"{policy.hours:g} working hours to reach stage {target}",
        record=policy_record,
    )
    # Before any ticket exists: the policy's own selection, applied to the ticket the profile describes.
    filters = helpdesk.sla_filters(uat_target, policy.id, hd.priority_labels(uat_target))
    ticket = _ticket_attributes(site, uat_target, helpdesk)
    match = hd.sla_match(filters, ticket)
    expect(
        match.matches,
        f"The SLA policy {section.sla_policy!r} holds the ticket the run raises ({ticket.describe()})",
        site=site,
        role=CONFIGURATION_READER,
        found=f"the policy selects {filters.describe()}"
        + (f": {'; '.join(match.reasons)}" if match.reasons else "")
        + (f"; {match.undecided}" if match.undecided else ""),
        record=policy_record,
    )
    return helpdesk


@given("the site's escalation rule for breached SLAs is active", target_fixture="escalation_rule")
def escalation_rule_active(
    site: ResolvedSite, uat_target: OdooGateway, helpdesk: hd.HelpdeskAdapter
) -> hd.EscalationRule:
    """Reads the site's automation rule: active, a time trigger on the SLA deadline, with actions."""
    section = _section(site)
    rule = hd.read_rule(uat_target, site.id("helpdesk_escalation.escalation.automation_rule"))
    expect(
        rule.active
        and rule.model == helpdesk.sla_line_model
        and rule.trigger == "on_time"
        and rule.date_field == helpdesk.deadline_field
        and rule.action_count > 0,
        f"The automation rule {section.escalation.automation_rule!r} is active and acts when a ticket's SLA "
        f"deadline ({helpdesk.sla_line_model}.{helpdesk.deadline_field}) has passed",
        site=site,
        role=CONFIGURATION_READER,
        found=rule.describe(),
        record=uat_target.record("base.automation", rule.id, rule.name),
    )
    expect(
        not (rule.uses_calendar and rule.delay_unit == "day"),
        "The escalation fires a fixed delay after the deadline (the harness cannot simulate a delay in working days)",
        site=site,
        role=CONFIGURATION_READER,
        found=rule.describe(),
        record=uat_target.record("base.automation", rule.id, rule.name),
    )
    return rule


def _raise_ticket(
    site: ResolvedSite, agent: Actor, run_id: str, helpdesk: hd.HelpdeskAdapter, category: hd.Named | None = None
) -> hd.TicketView:
    """The tier-1 agent raises the run's ticket (the profile's, or of the named `category`) and opens it."""
    section = _section(site)
    agent_id = site.id("roles.helpdesk_agent")
    agent_name = str(agent.gateway.read_one("res.users", agent_id, ["name"])["name"])
    ticket = ServiceDeskTicketFactory.build(
        run_tag=tag(run_id, site.code, "TICKET"),
        title=section.ticket_title,
        attributes=_ticket_attributes(site, agent.gateway, helpdesk, category),
        company_id=site.company_id,
        assignee=hd.Named(agent_id, agent_name),
        app=helpdesk.app,
    )
    about = f" of {helpdesk.category_label} {category.name!r}" if category is not None else ""
    with agent.doing(f"The tier-1 agent can raise a ticket{about} at {section.service_desk_team!r}"):
        record = agent.service_desk.raise_ticket(ticket)
    with agent.doing("The tier-1 agent can open the ticket they raised", record=record):
        return helpdesk.ticket(agent.gateway, record.id)


@when("the tier-1 agent raises a ticket at the site's service desk", target_fixture="ticket")
def agent_raises_ticket(
    site: ResolvedSite,
    cast: Cast,
    run_id: str,
    helpdesk: hd.HelpdeskAdapter,
    leftover_run_tickets_archived: None,
) -> hd.TicketView:
    return _raise_ticket(site, cast["helpdesk_agent"], run_id, helpdesk)


@when(
    parsers.parse('the tier-1 agent raises a ticket of category "{category}" at the site\'s service desk'),
    target_fixture="ticket",
)
def agent_raises_ticket_of_category(
    site: ResolvedSite,
    cast: Cast,
    run_id: str,
    uat_target: OdooGateway,
    helpdesk: hd.HelpdeskAdapter,
    leftover_run_tickets_archived: None,
    category: str,
) -> hd.TicketView:
    """The ticket carries the named category (its name, full name, or the profile's `names:` for it), and the
    profile's tags and priority (helpdesk_escalation.ticket). A category the site does not have blocks the example."""
    kind = _category_kind(helpdesk)
    found = named(site, uat_target, kind, category)
    full_name = str(uat_target.read_one(kind.model, found.id, ["display_name"])["display_name"])
    return _raise_ticket(site, cast["helpdesk_agent"], run_id, helpdesk, hd.Named(found.id, full_name))


@then(
    "the ticket gets the site's SLA policy with a deadline on the team's working calendar",
    target_fixture="sla_line",
)
def ticket_gets_sla(
    site: ResolvedSite, cast: Cast, uat_target: OdooGateway, helpdesk: hd.HelpdeskAdapter, ticket: hd.TicketView
) -> hd.SlaLine:
    section = _section(site)
    agent = cast["helpdesk_agent"]
    record = _ticket_record(agent, ticket)
    policy_id = site.id("helpdesk_escalation.sla_policy")
    sla = _sla_as_raised(site, agent, uat_target, helpdesk, ticket, policy_id, section.sla_hours)
    calendar, planned = sla.calendar, sla.planned
    agent.expect(
        len(sla.held) == 1,
        f"A ticket raised at {section.service_desk_team!r} is held to the SLA policy {section.sla_policy!r}",
        found=_slas_found(uat_target, helpdesk, ticket, sla, policy_id),
        record=record,
    )
    line = sla.held[0]
    agent.expect(
        sla.on_calendar,
        f"The SLA deadline is {section.sla_hours:g} working hours after the ticket was raised, counted on "
        f"the calendar {section.working_calendar!r} (nights, weekends and public holidays excluded)",
        found=f"raised {hd.fmt(ticket.create_date, calendar.tz)}, "
        f"Odoo's deadline {hd.fmt(line.deadline, calendar.tz)}, calendar says {hd.fmt(planned, calendar.tz)}",
        record=record,
    )
    reporting.attach_text(
        "SLA deadline on the working calendar",
        f"raised {hd.fmt(ticket.create_date, calendar.tz)}\ndeadline {hd.fmt(line.deadline, calendar.tz)}\n"
        f"policy {line.policy_name} ({section.sla_hours:g} working hours, calendar {calendar.name})",
    )
    return line


def _deadline_judged(
    held: list[hd.SlaLine], planned: datetime | None, hours: float, calendar: hd.WorkingCalendar
) -> Judged:
    """The check's verdict on the deadline: the calendar's, to DEADLINE_TOLERANCE."""
    deadline = held[0].deadline if len(held) == 1 else None
    on_calendar = planned is not None and deadline is not None and abs(deadline - planned) <= DEADLINE_TOLERANCE
    return Judged(f"{hd.fmt(planned, calendar.tz)} ({hours:g} working hours later)", on_calendar)


def _slas_found(
    uat_target: OdooGateway, helpdesk: hd.HelpdeskAdapter, ticket: hd.TicketView, sla: SlaAsRaised, policy_id: int
) -> str:
    """The SLAs on the ticket and, when the expected one does not hold it alone, why."""
    found = "SLAs on the ticket: " + (", ".join(repr(line.policy_name) for line in sla.lines) or "none")
    if len(sla.held) != 1:
        found += f"; {_why_not_held(uat_target, helpdesk, ticket, policy_id)}"
    return found


def _why_not_held(uat_target: OdooGateway, helpdesk: hd.HelpdeskAdapter, ticket: hd.TicketView, policy_id: int) -> str:
    """The ticket as Odoo stored it, and what the policy selects now: why a policy does not hold the ticket."""
    filters = helpdesk.sla_filters(uat_target, policy_id, hd.priority_labels(uat_target))
    return (
        f"the ticket has team {ticket.team_name!r}, {helpdesk.category_label} {ticket.category_name or '(none)'!r}, "
        f"tags {', '.join(map(repr, ticket.tag_names)) or '(none)'}; the policy selects {filters.describe()}"
    )


@dataclass(frozen=True)
class SlaAsRaised:
    """The ticket's SLA lines as the agent saw them, those of the policy expected, the deadline that policy should
    give on the team's calendar, and whether Odoo's deadline is that one (the verdict its table showed)."""

    lines: list[hd.SlaLine]
    held: list[hd.SlaLine]
    planned: datetime | None
    calendar: hd.WorkingCalendar
    on_calendar: bool


def _sla_as_raised(
    site: ResolvedSite,
    agent: Actor,
    uat_target: OdooGateway,
    helpdesk: hd.HelpdeskAdapter,
    ticket: hd.TicketView,
    policy_id: int,
    hours: float,
) -> SlaAsRaised:
    """Reads the ticket's SLA as the agent and puts its before/after table under the step, whatever the checks find."""
    with agent.doing("The tier-1 agent can see the ticket's SLA", record=_ticket_record(agent, ticket)):
        lines = helpdesk.sla_lines(agent.gateway, ticket.id)
    held = [line for line in lines if line.policy_id == policy_id]
    calendar = _calendar(site, uat_target)
    planned = hd.plan_working_hours(calendar, ticket.create_date, hours)
    judged = _deadline_judged(held, planned, hours, calendar)
    _record_sla(
        "the ticket's SLA from when it was raised",
        _sla_rows(helpdesk, ticket, lines, policy_id, judged, calendar.name, calendar.tz),
    )
    return SlaAsRaised(lines, held, planned, calendar, on_calendar=bool(judged.holds))


def _about(helpdesk: hd.HelpdeskAdapter, ticket: hd.TicketView) -> str:
    return f"A ticket of {helpdesk.category_label} {ticket.category_name or '(none)'!r} raised at {ticket.team_name!r}"


@then(
    parsers.parse('the ticket is under the SLA "{policy}" with a deadline {hours:g} working hours after it was raised'),
    target_fixture="sla_line",
)
def ticket_under_named_sla(
    site: ResolvedSite,
    cast: Cast,
    uat_target: OdooGateway,
    helpdesk: hd.HelpdeskAdapter,
    ticket: hd.TicketView,
    policy: str,
    hours: float,
) -> hd.SlaLine:
    """The named policy (its name, or the profile's `names:` for it) holds the ticket, and Odoo's deadline is the
    working hours the example states, counted on the team's calendar from the moment the ticket was raised."""
    wanted = named(site, uat_target, SLA_POLICY, policy)
    agent = cast["helpdesk_agent"]
    record = _ticket_record(agent, ticket)
    sla = _sla_as_raised(site, agent, uat_target, helpdesk, ticket, wanted.id, hours)
    calendar, planned = sla.calendar, sla.planned
    agent.expect(
        len(sla.held) == 1,
        f"{_about(helpdesk, ticket)} is held to the SLA policy {wanted.key!r}",
        found=_slas_found(uat_target, helpdesk, ticket, sla, wanted.id),
        record=record,
    )
    line = sla.held[0]
    granted = "" if line.hours is None else f" (the policy grants {line.hours:g} working hours)"
    agent.expect(
        sla.on_calendar,
        f"Under {wanted.key!r} the ticket is due {hours:g} working hours after it was raised, counted on the "
        f"calendar {calendar.name!r} (nights, weekends and public holidays excluded)",
        found=f"raised {hd.fmt(ticket.create_date, calendar.tz)}, Odoo's deadline {hd.fmt(line.deadline, calendar.tz)}"
        f"{granted}, {hours:g} working hours on the calendar end {hd.fmt(planned, calendar.tz)}",
        record=record,
    )
    reporting.attach_text(
        "SLA deadline on the working calendar",
        f"{helpdesk.category_label} {ticket.category_name or '(none)'}\n"
        f"raised {hd.fmt(ticket.create_date, calendar.tz)}\n"
        f"deadline {hd.fmt(line.deadline, calendar.tz)}\n"
        f"policy {line.policy_name} ({hours:g} working hours, calendar {calendar.name})",
    )
    return line


@then("the ticket is under no other SLA")
def ticket_under_no_other_sla(
    cast: Cast, uat_target: OdooGateway, helpdesk: hd.HelpdeskAdapter, ticket: hd.TicketView, sla_line: hd.SlaLine
) -> None:
    """No other policy holds the ticket: its category chose one SLA (each policy that matches adds its own)."""
    agent = cast["helpdesk_agent"]
    record = _ticket_record(agent, ticket)
    with agent.doing("The tier-1 agent can see the ticket's SLA", record=record):
        others = [line for line in helpdesk.sla_lines(agent.gateway, ticket.id) if line.id != sla_line.id]
    held = "SLA policies holding the ticket"
    _record_sla(
        "SLA policies holding the ticket",
        [(held, None, 1 + len(others), Judged(f"1 ({sla_line.policy_name})", not others))]
        + [(f"also {line.policy_name!r}", None, hd.fmt(line.deadline), Judged("not held", False)) for line in others],
    )
    described = [
        f"{line.policy_name!r} (due {hd.fmt(line.deadline)}; it selects "
        f"{helpdesk.sla_filters(uat_target, line.policy_id, hd.priority_labels(uat_target)).describe()})"
        for line in others
    ]
    agent.expect(
        not others,
        f"{_about(helpdesk, ticket)} is held to the SLA policy {sla_line.policy_name!r} alone",
        found=f"also held to {'; '.join(described)}" if others else f"only {sla_line.policy_name!r}",
        record=record,
    )


@then("the ticket's SLA is not breached yet")
def sla_not_breached(cast: Cast, helpdesk: hd.HelpdeskAdapter, ticket: hd.TicketView, sla_line: hd.SlaLine) -> None:
    agent = cast["helpdesk_agent"]
    current = helpdesk.ticket(agent.gateway, ticket.id)
    line = next(line for line in helpdesk.sla_lines(agent.gateway, ticket.id) if line.id == sla_line.id)
    _record_sla(
        f"SLA {line.policy_name!r} when the ticket got it and now, before its deadline",
        [
            ("SLA deadline", hd.fmt(sla_line.deadline), hd.fmt(line.deadline), NOT_CHECKED),
            ("SLA state (as Odoo stores it)", sla_line.state, line.state, NOT_CHECKED),
            ("SLA breached", sla_line.breached, line.breached, False),
            ("ticket reported as breached", ticket.sla_breached, current.sla_breached, False),
        ],
    )
    agent.expect(
        not current.sla_breached and not line.breached,
        "A ticket whose SLA deadline is still ahead is not reported as breached",
        found=f"ticket breached={current.sla_breached}, SLA {line.policy_name!r} state {line.state!r} "
        f"deadline {hd.fmt(line.deadline)}",
        record=_ticket_record(agent, current),
    )


@when("the ticket's SLA deadline passes without a resolution", target_fixture="breach")
def deadline_passes(
    helpdesk_technical_user: Actor,
    helpdesk: hd.HelpdeskAdapter,
    escalation_rule: hd.EscalationRule,
    ticket: hd.TicketView,
    sla_line: hd.SlaLine,
) -> hd.SimulatedBreach:
    """Simulated: the technical user moves this run ticket's SLA deadline into the past, where the next check looks."""
    simulation = helpdesk_technical_user.service_desk
    breach = simulation.let_sla_deadline_pass(helpdesk, sla_line, escalation_rule, ticket.create_date)
    reporting.attach_text(
        "simulated breach",
        f"SLA line #{breach.line_id}: deadline {hd.fmt(breach.real_deadline)} (planned by Odoo) moved to "
        f"{hd.fmt(breach.simulated_deadline)}; the rule's last check ran {hd.fmt(breach.window_start)}",
    )
    return breach


@then("the ticket's SLA is reported as breached")
def sla_reported_breached(
    cast: Cast,
    helpdesk: hd.HelpdeskAdapter,
    ticket: hd.TicketView,
    sla_line: hd.SlaLine,
    breach: hd.SimulatedBreach,
) -> None:
    agent = cast["helpdesk_agent"]
    current = helpdesk.ticket(agent.gateway, ticket.id)
    line = next(line for line in helpdesk.sla_lines(agent.gateway, ticket.id) if line.id == breach.line_id)
    _record_sla(
        f"SLA {line.policy_name!r} before its deadline passed and now",
        [
            ("SLA deadline", hd.fmt(sla_line.deadline), hd.fmt(line.deadline), hd.fmt(breach.simulated_deadline)),
            ("SLA state (as Odoo stores it)", sla_line.state, line.state, NOT_CHECKED),
            ("SLA breached", sla_line.breached, line.breached, True),
            ("ticket reported as breached", ticket.sla_breached, current.sla_breached, True),
        ],
    )
    agent.expect(
        current.sla_breached and line.breached,
        "Once its SLA deadline has passed without a resolution, the ticket is reported as breached",
        found=f"ticket breached={current.sla_breached}, SLA {line.policy_name!r} state {line.state!r} "
        f"breached={line.breached}, deadline {hd.fmt(line.deadline)}",
        record=_ticket_record(agent, current),
    )


@dataclass(frozen=True)
class EscalationCheck:
    """The scheduled check as this run saw it: the last check it ran, and the deadline the ticket missed."""

    run: hd.CheckRun
    breach: hd.SimulatedBreach
    attempts: int
    escalated_before: bool  # the rule had already acted when this run's first check started
    ticket_before: hd.TicketView | None = None  # the ticket just before this run's first check
    noted_before: bool = False  # the escalation's note was in its chatter then


CHECK_ATTEMPTS = 3  # checks run for one ticket before the rule is judged on what it did


def _traces(
    site: ResolvedSite, uat_target: OdooGateway, helpdesk: hd.HelpdeskAdapter, ticket: hd.TicketView
) -> hd.RuleTraces:
    """What the site's rule has visibly done to the run's ticket since it was raised (read as the technical user)."""
    reader = uat_target.for_company(site.company_id)
    now = helpdesk.ticket(reader, ticket.id)
    texts = [hd.plain_text(str(note["body"])) for note in hd.notes_since(reader, ticket.id, ticket.create_date)]
    return hd.rule_traces(ticket, now, texts, _section(site).escalation)


@when("the site's scheduled escalation check runs", target_fixture="check_run")
def escalation_check_runs(
    site: ResolvedSite,
    uat_target: OdooGateway,
    helpdesk_technical_user: Actor,
    helpdesk: hd.HelpdeskAdapter,
    escalation_rule: hd.EscalationRule,
    ticket: hd.TicketView,
    sla_line: hd.SlaLine,
    breach: hd.SimulatedBreach,
) -> EscalationCheck:
    """Runs Odoo's scheduled action for time-based automation rules now, as its "Run Manually" button does.

    The check is database-wide. If another run's check (or Odoo's scheduler) moved the rule's window past
    this ticket's deadline before seeing it, the rule never looked at the ticket: its deadline is written into
    the next window again and the check rerun, at most CHECK_ATTEMPTS times. A ticket the rule already acted
    on, whoever ran the check, is not moved again.
    """
    # Whether the rule's filter selects the line is read BEFORE what the rule has done: Odoo's own scheduler may run
    # the rule at any moment once the deadline is past, and the rule then moves the ticket out of its filter (its
    # team). Read in this order, a rule that acted in between is seen as having acted, never as a rule that does
    # not apply (a false finding CI met once, with Meridian's rule, under load).
    selects = hd.rule_selects(uat_target, escalation_rule, sla_line.id)
    escalated_before = _traces(site, uat_target, helpdesk, ticket).seen
    reader = uat_target.for_company(site.company_id)
    ticket_before = helpdesk.ticket(reader, ticket.id)
    noted_before = _noted(
        site, [hd.plain_text(str(n["body"])) for n in hd.notes_since(reader, ticket.id, ticket.create_date)]
    )
    expect(
        selects is not False or escalated_before,
        f"The automation rule {escalation_rule.name!r} applies to the breached SLA of a ticket of "
        f"{_section(site).service_desk_team!r}",
        site=site,
        role=CONFIGURATION_READER,
        found=f"its filter {escalation_rule.filter_domain} "
        + {True: "selects", False: "does NOT select", None: "is evaluated by Odoo's check for"}[selects]
        + f" the run ticket's SLA line #{sla_line.id}",
        record=uat_target.record("base.automation", escalation_rule.id, escalation_rule.name),
    )
    simulation = helpdesk_technical_user.service_desk
    log: list[str] = []
    attempt = 0
    while True:
        attempt += 1
        check = simulation.run_escalation_check()
        if check.busy_answers:
            log.append(
                f"check {attempt}: waited {check.waited:.1f} s while it ran elsewhere (Odoo: {check.busy_answers[-1]})"
            )
        log.append(
            f"check {attempt} started {hd.fmt(check.started_at)}" + (" with an error" if check.odoo_error else "")
        )
        if check.odoo_error or escalated_before or attempt >= CHECK_ATTEMPTS:
            break
        if _traces(site, uat_target, helpdesk, ticket).seen:
            break
        breach = simulation.let_sla_deadline_pass(helpdesk, sla_line, escalation_rule, ticket.create_date)
        log.append(
            f"the rule had not touched the ticket: deadline written again at {hd.fmt(breach.simulated_deadline)} "
            f"(the rule's window then started {hd.fmt(breach.window_start)})"
        )
    if escalated_before:
        log.insert(0, "the rule had already acted on the ticket before this run's check (the scheduler or another run)")
    reporting.attach_text("escalation check", "\n".join(log))
    expect(
        not check.odoo_error,
        f"The scheduled action {check.cron_name!r} runs the site's automation rules without error",
        site=site,
        role=CONFIGURATION_READER,
        found="Odoo reported an error" if check.odoo_error else f"ran without error ({attempt} check(s) by this run)",
        record=uat_target.record("ir.cron", check.cron_id, check.cron_name),
        details={"Odoo said": check.odoo_error} if check.odoo_error else None,
    )
    return EscalationCheck(check, breach, attempt, escalated_before, ticket_before, noted_before)


def _noted(site: ResolvedSite, texts: list[str]) -> bool:
    wanted = _section(site).escalation.note_contains.lower()
    return any(wanted in text.lower() for text in texts)


@then("the ticket is escalated as the site configured it")
def ticket_escalated(
    site: ResolvedSite, cast: Cast, helpdesk: hd.HelpdeskAdapter, ticket: hd.TicketView, check_run: EscalationCheck
) -> None:
    """Judged on the ticket as it is now and the notes since it was raised: whoever's check ran the rule."""
    section = _section(site)
    escalation = section.escalation
    lead = cast["helpdesk_lead"]
    record = _ticket_record(lead, ticket)
    with lead.doing("The tier-2 lead can open the escalated ticket", record=record):
        current = helpdesk.ticket(lead.gateway, ticket.id)
        labels = hd.priority_labels(lead.gateway)
        notes = hd.notes_since(lead.gateway, ticket.id, ticket.create_date)
    expected, wrong = [], []
    if escalation.team is not None:
        expected.append(f"moved to {escalation.team!r}")
        if current.team_id != site.id("helpdesk_escalation.escalation.team"):
            wrong.append(f"team is {current.team_name or '(none)'!r}")
    if escalation.user is not None:
        expected.append(f"assigned to {escalation.user}")
        if current.user_id != site.id("helpdesk_escalation.escalation.user"):
            wrong.append(f"assigned to {current.user_name or '(nobody)'!r}")
    expected.append(f"priority raised to {escalation.priority!r}")
    if labels.get(current.priority) != escalation.priority:
        wrong.append(f"priority is {labels.get(current.priority, current.priority)!r}")
    expected.append(f"a note saying {escalation.note_contains!r}")
    texts = [hd.plain_text(str(note["body"])) for note in notes]
    matching = [text for text in texts if escalation.note_contains.lower() in text.lower()]
    if not matching:
        wrong.append(
            "no such note in the chatter" + (f" (messages: {' | '.join(t for t in texts if t)})" if any(texts) else "")
        )
    if wrong and check_run.attempts > 1:
        wrong.append(f"the scheduled check ran {check_run.attempts} times for this ticket")
    _record_escalation(site, escalation, check_run, current, labels, bool(matching))
    as_found = (
        f"team {current.team_name or '(none)'!r}, assigned to {current.user_name or '(nobody)'!r}, "
        f"priority {labels.get(current.priority, current.priority)!r}, note {matching[0] if matching else '(none)'!r}"
    )
    lead.expect(
        not wrong,
        f"When a ticket's SLA is breached, the rule {escalation.automation_rule!r} escalates it: "
        + ", ".join(expected),
        found="; ".join(wrong) if wrong else as_found,
        record=record,
    )


def _record_escalation(
    site: ResolvedSite,
    escalation: hd.Escalation,
    check_run: EscalationCheck,
    current: hd.TicketView,
    labels: dict[str, str],
    noted: bool,
) -> None:
    """The ticket just before this run's escalation check and now, judged as the check judges it."""
    was = check_run.ticket_before
    rows: list[tuple[str, Value, Value, Expected]] = []
    if escalation.team is not None:
        wanted = current.team_id == site.id("helpdesk_escalation.escalation.team")
        rows.append(("team", was.team_name if was else None, current.team_name, Judged(escalation.team, wanted)))
    if escalation.user is not None:
        wanted = current.user_id == site.id("helpdesk_escalation.escalation.user")
        rows.append(("assigned to", was.user_name if was else None, current.user_name, Judged(escalation.user, wanted)))
    priority = labels.get(current.priority, current.priority)
    rows += [
        (
            "priority",
            labels.get(was.priority, was.priority) if was else None,
            priority,
            Judged(escalation.priority, priority == escalation.priority),
        ),
        (
            f"a note saying {escalation.note_contains!r} in its chatter",
            check_run.noted_before if was else None,
            noted,
            Judged("yes", noted),
        ),
        ("stage", was.stage_name if was else None, current.stage_name, NOT_CHECKED),
        ("SLA reported as breached", was.sla_breached if was else None, current.sla_breached, NOT_CHECKED),
    ]
    _record_sla(
        "the ticket before the escalation check and now"
        + (" (the rule had already acted before this run's check)" if check_run.escalated_before else ""),
        rows,
    )


@then("the tier-2 lead finds the escalated ticket in their open queue")
def lead_finds_ticket(site: ResolvedSite, cast: Cast, ticket: hd.TicketView) -> None:
    escalation = _section(site).escalation
    lead = cast["helpdesk_lead"]
    domain: list[tuple[str, str, object]] = [("closed", "=", False)]
    if escalation.team is not None:
        domain.append(("team_id", "=", site.id("helpdesk_escalation.escalation.team")))
    if escalation.user is not None:
        domain.append(("user_id", "=", site.id("helpdesk_escalation.escalation.user")))
    with lead.doing("The tier-2 lead can list the open tickets of their queue"):
        queue = lead.gateway.search("helpdesk.ticket", domain)
    lead.expect(
        ticket.id in queue,
        "The escalated ticket is in the tier-2 lead's open queue ("
        + ", ".join(
            filter(None, [escalation.team and f"team {escalation.team}", escalation.user and f"user {escalation.user}"])
        )
        + ")",
        found=f"{len(queue)} open ticket(s) in that queue, "
        + ("this one among them" if ticket.id in queue else "not this one"),
        record=_ticket_record(lead, ticket),
    )


@dataclass(frozen=True)
class TicketAt:
    """A ticket and its SLAs as Odoo held them at one moment (the "before" of a check)."""

    ticket: hd.TicketView
    sla_lines: tuple[hd.SlaLine, ...]


@when("the tier-2 lead resolves the ticket", target_fixture="ticket_before_resolution")
def lead_resolves(site: ResolvedSite, cast: Cast, helpdesk: hd.HelpdeskAdapter, ticket: hd.TicketView) -> TicketAt:
    """The ticket and its SLAs just before the lead resolved it: the "before" of the breach's record."""
    section = _section(site)
    lead = cast["helpdesk_lead"]
    stage = hd.Named(site.id("helpdesk_escalation.resolution_stage"), section.resolution_stage)
    record = _ticket_record(lead, ticket)
    before = TicketAt(helpdesk.ticket(lead.gateway, ticket.id), tuple(helpdesk.sla_lines(lead.gateway, ticket.id)))
    with lead.doing(f"The tier-2 lead can move the ticket to {section.resolution_stage!r}", record=record):
        lead.service_desk.resolve_ticket(record, stage)
    return before


@then("the ticket is closed and its SLA breach stays on record")
def breach_stays_on_record(
    site: ResolvedSite,
    cast: Cast,
    helpdesk: hd.HelpdeskAdapter,
    ticket: hd.TicketView,
    check_run: EscalationCheck,
    ticket_before_resolution: TicketAt,
) -> None:
    section = _section(site)
    breach = check_run.breach  # the deadline last written: the one the ticket missed
    lead = cast["helpdesk_lead"]
    current = helpdesk.ticket(lead.gateway, ticket.id)
    record = _ticket_record(lead, current)
    now = next((line for line in helpdesk.sla_lines(lead.gateway, ticket.id) if line.id == breach.line_id), None)
    was = next((line for line in ticket_before_resolution.sla_lines if line.id == breach.line_id), None)
    before = ticket_before_resolution.ticket
    missed = breach.simulated_deadline.replace(microsecond=0)
    failed = " or ".join(sorted(helpdesk.failed_states))
    _record_sla(
        "the ticket and its SLA before the lead resolved it and now",
        [
            ("stage", before.stage_name, current.stage_name, NOT_CHECKED),
            ("closed", before.closed, current.closed, True),
            (
                "SLA state (as Odoo stores it)",
                was.state if was else None,
                now.state if now else None,
                Judged(failed, now is not None and now.state in helpdesk.failed_states),
            ),
            ("SLA breached", was.breached if was else None, now.breached if now else None, True),
            ("ticket reported as breached", before.sla_breached, current.sla_breached, True),
            (
                "SLA deadline",
                hd.fmt(was.deadline) if was else None,
                hd.fmt(now.deadline) if now else None,
                Judged(f"{hd.fmt(missed)} (the one it missed)", now is not None and now.deadline == missed),
            ),
        ],
    )
    lead.expect(
        current.closed,
        f"A ticket moved to {section.resolution_stage!r} is closed",
        found=f"stage {current.stage_name!r}, closed={current.closed}",
        record=record,
    )
    line = next(line for line in helpdesk.sla_lines(lead.gateway, ticket.id) if line.id == breach.line_id)
    lead.expect(
        line.state in helpdesk.failed_states
        and line.breached
        and current.sla_breached
        and line.deadline == breach.simulated_deadline.replace(microsecond=0),
        "After resolution the ticket's SLA stays recorded as breached, with the deadline it missed",
        found=f"SLA {line.policy_name!r} state {line.state!r} (breached={line.breached}), ticket breached="
        f"{current.sla_breached}, deadline {hd.fmt(line.deadline)} (missed {hd.fmt(breach.simulated_deadline)})",
        record=record,
    )
