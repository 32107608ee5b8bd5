"""Which SLA policy holds the run's ticket, decided before the ticket is raised (odoo_uat.cycles.helpdesk_escalation).

The rules are those of OCA helpdesk_mgmt_sla 19.0 (`helpdesk.ticket._get_sla_ticket_domain`, `_get_sla`): a policy's
teams, categories and tags each select nothing when empty; a ticket needs the policy's team, its category, and ANY
of its tags; a ticket without a category (or tags) matches only a policy without categories (or tags); then the
policy's "Filter" domain. Enterprise (not verified live): ALL tags, one priority, customers. The live counterpart,
Odoo attaching (or not) the policy to real tickets, is tests/live/test_helpdesk_regressions.py.
"""

from __future__ import annotations

import pytest

from odoo_uat.cycles.helpdesk_escalation import (
    HelpdeskEscalationProfile,
    Named,
    SlaFilters,
    TicketAttributes,
    domain_holds,
    sla_match,
)
from odoo_uat.references import Scope

WEST = Named(1, "West Hospital Service Desk")
EAST = Named(2, "East Clinic Service Desk")
EQUIPMENT = Named(10, "Clinical equipment")
SYSTEMS = Named(11, "Clinical systems")
SAFETY = Named(20, "Patient safety")
INFECTION = Named(21, "Infection control")
POLICY = Named(5, "West Hospital Service Desk: clinical equipment, patient safety (6 h)")


def ticket(
    *, team: Named = WEST, category: Named | None = EQUIPMENT, tags: tuple[Named, ...] = (SAFETY,), priority: str = "1"
) -> TicketAttributes:
    labels = {"0": "Low", "1": "Medium", "2": "High", "3": "Very High"}
    return TicketAttributes(team, category, tags, priority, labels[priority])


def oca(
    *,
    teams: tuple[Named, ...] = (WEST,),
    categories: tuple[Named, ...] = (EQUIPMENT,),
    tags: tuple[Named, ...] = (SAFETY,),
    domain: str = "[]",
    active: bool = True,
) -> SlaFilters:
    return SlaFilters(POLICY, active, teams, categories, tags, "any", domain=domain)


def test_meridian_policy_holds_a_ticket_of_its_category_and_tag() -> None:
    match = sla_match(oca(), ticket())
    assert match.matches
    assert not match.undecided


@pytest.mark.parametrize(
    ("raised", "reason"),
    [
        (ticket(category=None, tags=()), "selects category 'Clinical equipment'; the ticket has no category"),
        (ticket(tags=()), "tagged with any of 'Patient safety'; the ticket's tags: none"),
        (ticket(category=None), "the ticket has no category"),
        (ticket(category=SYSTEMS), "the ticket has 'Clinical systems'"),
        (ticket(tags=(INFECTION,)), "the ticket's tags: 'Infection control'"),
        (ticket(team=EAST), "it applies to teams 'West Hospital Service Desk', not 'East Clinic Service Desk'"),
    ],
    ids=["bare ticket (today's harness)", "no tag", "no category", "other category", "other tag", "other team"],
)
def test_a_ticket_outside_the_policy_is_named_with_the_reason(raised: TicketAttributes, reason: str) -> None:
    match = sla_match(oca(), raised)
    assert not match.matches
    assert any(reason in text for text in match.reasons), match.reasons


def test_any_one_of_the_policys_tags_is_enough_on_oca() -> None:
    assert sla_match(oca(tags=(SAFETY, INFECTION)), ticket(tags=(INFECTION,))).matches


def test_empty_selections_select_every_ticket_and_a_bare_ticket_only_matches_them() -> None:
    open_policy = oca(teams=(), categories=(), tags=())
    assert sla_match(open_policy, ticket(category=None, tags=())).matches
    assert sla_match(open_policy, ticket(team=EAST)).matches  # a ticket WITH category and tags still matches


def test_an_archived_policy_holds_nothing() -> None:
    match = sla_match(oca(active=False), ticket())
    assert match.reasons == ("the policy is archived",)


def test_the_policys_filter_is_applied_to_the_ticket() -> None:
    assert sla_match(oca(domain="[('priority', '=', '1')]"), ticket()).matches
    match = sla_match(oca(domain="[('priority', 'in', ['2', '3'])]"), ticket())
    assert match.reasons == ("its filter [('priority', 'in', ['2', '3'])] excludes the ticket",)


def test_a_filter_the_harness_cannot_evaluate_is_left_to_odoo_and_said() -> None:
    match = sla_match(oca(domain="[('partner_id.country_id.code', '=', 'CA')]"), ticket())
    assert match.matches
    assert "decided by Odoo when the ticket is raised" in match.undecided


def test_enterprise_needs_every_tag_the_priority_and_no_customer() -> None:
    policy = SlaFilters(
        POLICY, True, (WEST,), (), (SAFETY, INFECTION), "all", priority="2", priority_label="High", customers=()
    )
    assert sla_match(policy, ticket(tags=(SAFETY, INFECTION), priority="2")).matches
    reasons = sla_match(policy, ticket(tags=(SAFETY,), priority="1")).reasons
    assert any("all of 'Patient safety', 'Infection control'" in reason for reason in reasons)
    assert any("priority 'High' only; the ticket's priority is 'Medium'" in reason for reason in reasons)
    with_customers = SlaFilters(POLICY, True, (WEST,), (), (), "all", priority="1", customers=(Named(7, "Acme"),))
    assert sla_match(with_customers, ticket()).reasons == (
        "it applies to customers 'Acme'; the run's ticket has no customer",
    )


def test_descriptions_name_the_policys_filters_and_the_tickets_attributes() -> None:
    assert oca().describe() == (
        "teams 'West Hospital Service Desk', category 'Clinical equipment', tags: any of 'Patient safety'"
    )
    assert ticket(category=None, tags=()).describe() == (
        "team 'West Hospital Service Desk', category (none), tags (none), priority 'Medium'"
    )


VALUES = {"team_id": 1, "category_id": 10, "tag_ids": [20, 22], "priority": "1"}


@pytest.mark.parametrize(
    ("domain", "holds"),
    [
        ("[]", True),
        ("[('team_id', '=', 1)]", True),
        ("[('team_id', '!=', 1)]", False),
        ("[('category_id', 'in', [10, 11])]", True),
        ("[('category_id', '=', False)]", False),
        ("[('tag_ids', 'in', [21])]", False),
        ("[('tag_ids', '=', 22)]", True),
        ("[('tag_ids', 'not in', [21])]", True),
        ("[('tag_ids', '=', False)]", False),
        ("['|', ('priority', '=', '3'), ('team_id', '=', 1)]", True),
        ("['!', ('priority', '=', '1')]", False),
        ("[('priority', '>=', '2')]", False),
        ("[('team_id', '=', 1), ('priority', '=', '3')]", False),
        ("[('team_id', '=', 1), ('stage_id.closed', '=', False)]", None),  # a field not known before creation
        ("[('user_id', '=', uid)]", None),  # context variable: only Odoo can evaluate it
        ("not a domain", None),
    ],
)
def test_domain_evaluation(domain: str, holds: bool | None) -> None:
    assert domain_holds(domain, VALUES) is holds


def test_the_profile_names_the_ticket_attributes_as_references_by_natural_key() -> None:
    section = HelpdeskEscalationProfile.model_validate(
        {
            "service_desk_team": "West Hospital Service Desk",
            "working_calendar": "Meridian service hours",
            "weekly_hours": 72,
            "sla_policy": POLICY.name,
            "sla_hours": 6,
            "resolution_stage": "Closed",
            "ticket": {"category": "Clinical equipment", "tags": ["Patient safety"], "priority": "Medium"},
            "escalation": {"automation_rule": "R", "team": "Tier 2", "priority": "High", "note_contains": "SLA breach"},
        }
    )
    references = {ref.key: ref for ref in section.references(Scope(company_id=1, warehouse_id=1))}
    category = references["helpdesk_escalation.ticket.category"]
    assert (category.model, category.field, category.value) == (
        "helpdesk.ticket.category",
        "complete_name",
        "Clinical equipment",
    )
    tag = references["helpdesk_escalation.ticket.tags[0]"]
    assert (tag.model, tag.field, tag.value) == ("helpdesk.ticket.tag", "name", "Patient safety")
    # A reference is a natural key only: nothing about the record's properties is in its search.
    assert all(ref.domain in ((), (("active", "in", [True, False]),)) for ref in references.values())
    assert section.ticket.priority == "Medium"  # a label checked against the target's priorities in the scenario


def test_a_profile_without_ticket_attributes_raises_a_bare_ticket() -> None:
    section = HelpdeskEscalationProfile.model_validate(
        {
            "service_desk_team": "T",
            "working_calendar": "C",
            "weekly_hours": 40,
            "sla_policy": "P",
            "sla_hours": 8,
            "escalation": {"automation_rule": "R", "user": "u", "priority": "High", "note_contains": "SLA"},
        }
    )
    assert (section.ticket.category, section.ticket.tags, section.ticket.priority) == (None, [], None)
    keys = {ref.key for ref in section.references(Scope(company_id=1, warehouse_id=1))}
    assert not any(key.startswith("helpdesk_escalation.ticket.") for key in keys)
