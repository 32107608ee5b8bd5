"""A ticket's category decides its SLA (features/ticket_categories.feature), offline parts.

The reference rollout's desks hold a critical-equipment ticket to a policy of its own and every other ticket to the
desk's standard policy, whose "Filter" leaves that category out (OCA attaches every policy that matches, so without
it a critical ticket would be held to both). Here: the harness's reading of those filters agrees, before any ticket
exists; the feature's step texts parse their typed fields; an Enterprise helpdesk's "category" is its ticket type.
The live counterpart is the feature itself, run against the bundled Odoo.
"""

from __future__ import annotations

from pytest_bdd.parsers import parse

from odoo_uat.cycles.helpdesk_escalation import Named, SlaFilters, TicketAttributes, adapter_for, sla_match
from odoo_uat.language import TICKET_CATEGORY
from odoo_uat.provisioning.helpdesk_escalation import (
    CRITICAL_CATEGORY,
    CRITICAL_SLA_HOURS,
    TICKET_CATEGORIES,
    critical_sla_policy_name,
)
from steps.service_desk import _category_kind

DESK = Named(1, "Northside Clinic Service Desk")
CRITICAL = Named(7, CRITICAL_CATEGORY)
FACILITIES = Named(8, "Facilities")
STANDARD = SlaFilters(
    Named(3, "Northside Clinic Service Desk: resolve within 8 working hours"),
    True,
    (DESK,),
    (),
    (),
    "any",
    domain=repr([("category_id", "!=", CRITICAL.id)]),  # as provisioning writes it
)
CRITICAL_POLICY = SlaFilters(Named(4, critical_sla_policy_name(DESK.name)), True, (DESK,), (CRITICAL,), (), "any")


def raised(category: Named | None) -> TicketAttributes:
    return TicketAttributes(DESK, category, (), "1", "Medium")


def test_a_critical_equipment_ticket_is_held_to_the_critical_policy_alone() -> None:
    assert sla_match(CRITICAL_POLICY, raised(CRITICAL)).matches
    standard = sla_match(STANDARD, raised(CRITICAL))
    assert not standard.matches
    assert standard.reasons == (f"its filter {STANDARD.domain} excludes the ticket",)


def test_any_other_ticket_is_held_to_the_standard_policy_alone() -> None:
    for category in (FACILITIES, None):
        assert sla_match(STANDARD, raised(category)).matches
        assert not sla_match(CRITICAL_POLICY, raised(category)).matches


def test_the_critical_policy_is_named_for_its_desk_and_hours() -> None:
    assert CRITICAL_CATEGORY in TICKET_CATEGORIES
    assert critical_sla_policy_name(DESK.name) == (
        f"Northside Clinic Service Desk: critical equipment within {CRITICAL_SLA_HOURS} working hours"
    )


def test_the_step_texts_parse_their_typed_fields() -> None:
    when = parse('the tier-1 agent raises a ticket of category "{category}" at the site\'s service desk')
    then = parse('the ticket is under the SLA "{policy}" with a deadline {hours:g} working hours after it was raised')

    assert when.parse_arguments(
        'the tier-1 agent raises a ticket of category "Hardware / Printers" at the site\'s service desk'
    ) == {"category": "Hardware / Printers"}
    assert then.parse_arguments(
        'the ticket is under the SLA "West: clinical systems (24 h)" with a deadline 24 working hours after it was '
        "raised"
    ) == {"policy": "West: clinical systems (24 h)", "hours": 24.0}
    assert then.parse_arguments(
        'the ticket is under the SLA "X" with a deadline 2.5 working hours after it was raised'
    ) == {"policy": "X", "hours": 2.5}


def test_a_category_is_an_oca_ticket_category_or_an_enterprise_ticket_type() -> None:
    assert _category_kind(adapter_for("helpdesk_mgmt")) is TICKET_CATEGORY
    enterprise = _category_kind(adapter_for("helpdesk"))
    assert (enterprise.noun, enterprise.model, enterprise.keys) == (
        TICKET_CATEGORY.noun,
        "helpdesk.ticket.type",
        ("name",),
    )
