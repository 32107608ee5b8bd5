"""Reference configuration for helpdesk escalation (OCA helpdesk_mgmt + helpdesk_mgmt_sla, base_automation).

Per site: a tier-1 service desk team on a 40-hour working calendar with SLA on, an SLA policy with the
profile's hours and resolution stage, a tier-2 team led by the site's helpdesk lead, and the automation rule
that escalates a breached SLA: a time trigger on the SLA line's deadline whose actions move the ticket to
tier 2, assign it, raise its priority and post a note. Everything is found by name first, so a second
provisioning changes nothing. `uat run` never imports this module.

Ticket categories (features/ticket_categories.feature): the group's shared categories, and per desk a second
policy for critical equipment (CRITICAL_SLA_HOURS). The desk's standard policy leaves that category out with its
"Filter" (OCA applies every matching policy, so without it a critical ticket would be held to both).
"""

from __future__ import annotations

from collections.abc import Iterator

from odoo_uat.cycles.helpdesk_escalation import HelpdeskEscalationProfile, priority_labels
from odoo_uat.errors import ConfigurationError
from odoo_uat.gateway import OdooGateway
from odoo_uat.profiles import LoadedProfile
from odoo_uat.provisioning.builder import Builder

CALENDAR_TZ = "Europe/London"
# Monday to Friday, 08:00-12:00 and 13:00-17:00 with a lunch break: 40 hours a week
WORKING_WEEK = [
    (str(day), name, period, hour_from, hour_to)
    for day, name in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"))
    for period, hour_from, hour_to in (("morning", 8.0, 12.0), ("lunch", 12.0, 13.0), ("afternoon", 13.0, 17.0))
]
# Ticket categories shared by the group's companies; a critical-equipment ticket has its own, shorter SLA.
CRITICAL_CATEGORY = "Critical equipment"
TICKET_CATEGORIES = (CRITICAL_CATEGORY, "Facilities")
CRITICAL_SLA_HOURS = 2


def critical_sla_policy_name(service_desk_team: str) -> str:
    return f"{service_desk_team}: critical equipment within {CRITICAL_SLA_HOURS} working hours"


def provision(builder: Builder, sites: list[LoadedProfile]) -> Iterator[str]:
    categories: dict[str, int] = {}
    for item in sites:
        section = item.profile.helpdesk_escalation
        if section is None:
            continue
        if section.helpdesk_app != "helpdesk_mgmt":
            yield f"{item.profile.code}: helpdesk escalation on {section.helpdesk_app} is not provisioned (OCA only)"
            continue
        company_id, company = builder.site_company(item)
        categories = categories or _categories(builder)
        critical_id = categories[CRITICAL_CATEGORY]
        calendar_id = _calendar(builder, section)
        stage_id = _resolution_stage(builder, section)
        agent_id = builder.user_id(item.profile.role("helpdesk_agent").login)
        lead_id = builder.user_id(item.profile.role("helpdesk_lead").login)
        team_id = builder.ensure(
            "helpdesk.ticket.team",
            [("name", "=", section.service_desk_team), ("company_id", "=", company_id)],
            {
                "name": section.service_desk_team,
                "company_id": company_id,
                "use_sla": True,
                "resource_calendar_id": calendar_id,
                "user_ids": [(4, agent_id)],
            },
            gateway=company,
        )
        _add_members(company, team_id, [agent_id])
        tier2_team_id = None
        if section.escalation.team is not None:
            tier2_team_id = builder.ensure(
                "helpdesk.ticket.team",
                [("name", "=", section.escalation.team), ("company_id", "=", company_id)],
                {
                    "name": section.escalation.team,
                    "company_id": company_id,
                    "user_id": lead_id,
                    "resource_calendar_id": calendar_id,
                    "user_ids": [(4, lead_id)],
                },
                gateway=company,
            )
            _add_members(company, tier2_team_id, [lead_id])
        sla_hours = int(section.sla_hours)
        if sla_hours != section.sla_hours:
            raise ConfigurationError(
                f"{item.path}: helpdesk_escalation.sla_hours: OCA SLA policies count whole hours, "
                f"got {section.sla_hours}"
            )
        builder.ensure(
            "helpdesk.sla",
            [("name", "=", section.sla_policy), ("company_id", "=", company_id)],
            {
                "name": section.sla_policy,
                "company_id": company_id,
                "team_ids": [(6, 0, [team_id])],
                "hours": sla_hours,
                "days": 0,
                "stage_id": stage_id,
                "domain": repr([("category_id", "!=", critical_id)]),  # critical equipment has its own policy
            },
            gateway=company,
        )
        builder.ensure(
            "helpdesk.sla",
            [("name", "=", critical_sla_policy_name(section.service_desk_team)), ("company_id", "=", company_id)],
            {
                "name": critical_sla_policy_name(section.service_desk_team),
                "company_id": company_id,
                "team_ids": [(6, 0, [team_id])],
                "category_ids": [(6, 0, [critical_id])],
                "hours": CRITICAL_SLA_HOURS,
                "days": 0,
                "stage_id": stage_id,
            },
            gateway=company,
        )
        escalate_to_user = builder.user_id(section.escalation.user) if section.escalation.user else None
        rule_id = _escalation_rule(builder, section, team_id, tier2_team_id, escalate_to_user)
        yield (
            f"{item.profile.code}: team {section.service_desk_team!r} on {section.working_calendar!r}, "
            f"SLA {section.sla_policy!r} ({sla_hours} h; {CRITICAL_CATEGORY.lower()}: {CRITICAL_SLA_HOURS} h), "
            f"escalation rule #{rule_id} to "
            f"{section.escalation.team or section.escalation.user} at priority {section.escalation.priority!r}"
        )


def _add_members(gateway: OdooGateway, team_id: int, user_ids: list[int]) -> None:
    members = set(gateway.read_one("helpdesk.ticket.team", team_id, ["user_ids"])["user_ids"])
    missing = [uid for uid in user_ids if uid not in members]
    if missing:
        gateway.write("helpdesk.ticket.team", [team_id], {"user_ids": [(4, uid) for uid in missing]})


def _categories(builder: Builder) -> dict[str, int]:
    """The ticket categories, shared by every company (company_id False) like the calendar."""
    return {
        name: builder.ensure(
            "helpdesk.ticket.category",
            [("name", "=", name), ("company_id", "=", False)],
            {"name": name, "company_id": False},
        )
        for name in TICKET_CATEGORIES
    }


def _calendar(builder: Builder, section: HelpdeskEscalationProfile) -> int:
    """One calendar shared by every company (company_id False), so each site references it by name."""
    return builder.ensure(
        "resource.calendar",
        [("name", "=", section.working_calendar), ("company_id", "=", False)],
        {
            "name": section.working_calendar,
            "company_id": False,
            "tz": CALENDAR_TZ,
            "attendance_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"{name} {period.capitalize()}",
                        "dayofweek": day,
                        "day_period": period,
                        "hour_from": hour_from,
                        "hour_to": hour_to,
                    },
                )
                for day, name, period, hour_from, hour_to in WORKING_WEEK
            ],
        },
    )


def _resolution_stage(builder: Builder, section: HelpdeskEscalationProfile) -> int:
    found = builder.gateway.search("helpdesk.ticket.stage", [("name", "=", section.resolution_stage)], limit=1)
    if found:
        return found[0]
    return builder.gateway.create(
        "helpdesk.ticket.stage",
        {"name": section.resolution_stage, "sequence": 4, "closed": True, "fold": True, "company_id": False},
    )


def _escalation_rule(
    builder: Builder,
    section: HelpdeskEscalationProfile,
    team_id: int,
    tier2_team_id: int | None,
    user_id: int | None,
) -> int:
    gateway = builder.gateway
    escalation = section.escalation
    model_id = gateway.search("ir.model", [("model", "=", "helpdesk.ticket.sla")], limit=1)[0]
    deadline_field_id = gateway.search(
        "ir.model.fields", [("model", "=", "helpdesk.ticket.sla"), ("name", "=", "deadline")], limit=1
    )[0]
    priorities = {label: key for key, label in priority_labels(gateway).items()}
    if escalation.priority not in priorities:
        raise ConfigurationError(
            f"helpdesk_escalation.escalation.priority: {escalation.priority!r} is not a ticket priority "
            f"({', '.join(priorities)})"
        )
    rule_id = builder.ensure(
        "base.automation",
        [("name", "=", escalation.automation_rule)],
        {
            "name": escalation.automation_rule,
            "model_id": model_id,
            "trigger": "on_time",
            "trg_date_id": deadline_field_id,
            "trg_date_range": 0,
            "trg_date_range_mode": "after",
            "trg_date_range_type": "minutes",
            "filter_domain": repr([("ticket_id.team_id", "=", team_id), ("state", "=", "in_progress")]),
            "active": True,
        },
    )
    targets = [
        name
        for name in (escalation.team, escalation.user and f"user {escalation.user}", f"priority {escalation.priority}")
        if name
    ]
    note = f"{escalation.note_contains}: escalated to {', '.join(targets)} by the rule '{escalation.automation_rule}'."
    actions: list[tuple[str, dict[str, object]]] = []
    if tier2_team_id is not None:
        actions.append(("Escalate: move to the tier-2 team", _write("ticket_id.team_id", str(tier2_team_id))))
    if user_id is not None:
        actions.append(("Escalate: assign to the tier-2 user", _write("ticket_id.user_id", str(user_id))))
    actions.append(("Escalate: raise the priority", _write("ticket_id.priority", priorities[escalation.priority])))
    code = f"record.ticket_id.message_post(body={note!r}, message_type='comment', subtype_xmlid='mail.mt_note')"
    actions.append(("Escalate: post a note on the ticket", {"state": "code", "code": code}))
    for sequence, (name, values) in enumerate(actions, start=1):
        builder.ensure(
            "ir.actions.server",
            [("base_automation_id", "=", rule_id), ("name", "=", name)],
            {
                "name": name,
                "model_id": model_id,
                "usage": "base_automation",
                "base_automation_id": rule_id,
                "sequence": sequence,
                **values,
            },
        )
    return rule_id


def _write(path: str, value: str) -> dict[str, object]:
    return {"state": "object_write", "update_path": path, "evaluation_type": "value", "value": value}
