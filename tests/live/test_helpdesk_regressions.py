"""Helpdesk escalation on a rollout the harness did not configure (Meridian), and regressions its customer could make.

The module configures its own Meridian database (tests/rollouts/meridian.py, not `uat provision`) and:
- checks that the harness's reading of an SLA policy's selection (`sla_match`, decided before a ticket exists)
  agrees with what Odoo itself attaches to real tickets of every kind;
- applies, one at a time over RPC as the administrator, configuration changes a customer could really make, runs
  the whole suite on both Meridian sites, and puts the change back. Each time every reference still resolves
  (nothing is blocked), the helpdesk cycle fails with the expectation named (exit 1) at the sites concerned,
  and every other cell passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import pytest

from odoo_uat.cycles.helpdesk_escalation import Named, OcaHelpdeskMgmt, TicketAttributes, sla_match
from odoo_uat.gateway import OdooGateway
from tests.live.conftest import MERIDIAN_SITES, REGRESSIONS_FULL, MeridianTarget, RunUat, regression_scope
from tests.rollouts import meridian as rollout
from tests.rollouts.meridian import JsonRpc

CYCLE = "helpdesk_escalation"
FAILED = 1
WEST, EAST = "WEST", "EAST"


def _id(admin: JsonRpc, model: str, name: str, **context: Any) -> int:
    found = admin.search(model, [("name", "=", name)], context={"lang": "en_US", **context})
    assert len(found) == 1, f"{model} {name!r}: {found}"
    return found[0]


# -- the harness's reading of a policy against Odoo's own -----------------------------------------


class _AdminReader:
    """The few OdooGateway reads the helpdesk adapter makes, over the test's plain admin JSON-RPC session."""

    def __init__(self, admin: JsonRpc, context: dict[str, Any] | None = None) -> None:
        self.admin, self.context = admin, {"lang": "en_US", **(context or {})}

    def with_context(self, **context: Any) -> _AdminReader:
        return _AdminReader(self.admin, {**self.context, **context})

    def read_one(self, model: str, record_id: int, fields: list[str]) -> dict[str, Any]:
        return dict(self.admin.call(model, "read", [record_id], fields, context=self.context)[0])

    def search_read(self, model: str, domain: list[Any], fields: list[str], **kwargs: Any) -> list[dict[str, Any]]:
        return self.admin.search_read(model, domain, fields, context=self.context, **kwargs)


def test_the_harness_predicts_which_policies_odoo_attaches(meridian_target: MeridianTarget) -> None:
    admin = meridian_target.admin
    reader = cast(OdooGateway, _AdminReader(admin))
    west = rollout.SITES[0]
    team = Named(_id(admin, "helpdesk.ticket.team", west.service_desk), west.service_desk)
    equipment = Named(_id(admin, "helpdesk.ticket.category", rollout.TICKET_CATEGORY), rollout.TICKET_CATEGORY)
    systems = Named(
        _id(admin, "helpdesk.ticket.category", rollout.SECOND_TICKET_CATEGORY), rollout.SECOND_TICKET_CATEGORY
    )
    safety = Named(_id(admin, "helpdesk.ticket.tag", rollout.TICKET_TAG), rollout.TICKET_TAG)
    other_tag = Named(admin.create("helpdesk.ticket.tag", {"name": "H10 probe tag"}), "H10 probe tag")
    policies = [
        OcaHelpdeskMgmt().sla_filters(reader, _id(admin, "helpdesk.sla", name), {})
        for name in (rollout.sla_policy_name(west), rollout.second_sla_policy_name(west))
    ]
    kinds: dict[str, tuple[Named | None, tuple[Named, ...]]] = {
        "bare": (None, ()),
        "category only": (equipment, ()),
        "tag only": (None, (safety,)),
        "category and tag": (equipment, (safety,)),
        "category and another tag": (equipment, (other_tag,)),
        "category and both tags": (equipment, (safety, other_tag)),
        "second category": (systems, ()),
        "second category and tag": (systems, (safety,)),
    }
    disagreements = []
    try:
        for kind, (category, tags) in kinds.items():
            attributes = TicketAttributes(team, category, tags, "1", "Medium")
            ticket_id = admin.create(
                "helpdesk.ticket",
                {
                    "name": f"H10 SLA probe: {kind}",
                    "description": "<p>probe</p>",
                    "team_id": team.id,
                    "category_id": category.id if category else False,
                    "tag_ids": [(6, 0, [tag.id for tag in tags])],
                    "priority": "1",
                },
            )
            attached = {
                int(row["sla_id"][0])
                for row in admin.search_read("helpdesk.ticket.sla", [("ticket_id", "=", ticket_id)], ["sla_id"])
            }
            for policy in policies:
                predicted = sla_match(policy, attributes).matches
                if predicted != (policy.policy.id in attached):
                    disagreements.append(f"{kind}: {policy.policy.name} predicted {predicted}, Odoo {not predicted}")
            admin.write("helpdesk.ticket", [ticket_id], {"active": False})
    finally:
        admin.call("helpdesk.ticket.tag", "unlink", [other_tag.id])
    assert not disagreements


# -- configuration regressions --------------------------------------------------------------------

Revert = Callable[[], None]


def _policy_hours(admin: JsonRpc) -> Revert:
    """West's SLA policy is edited from 6 to 8 hours."""
    policy = _id(admin, "helpdesk.sla", rollout.sla_policy_name(rollout.SITES[0]))
    admin.write("helpdesk.sla", [policy], {"hours": 8})
    return lambda: admin.write("helpdesk.sla", [policy], {"hours": rollout.SITES[0].sla_hours})


def _policy_tag(admin: JsonRpc) -> Revert:
    """West's SLA policy is re-pointed at another tag ("Infection control"), so the desk's tickets no longer match."""
    policy = _id(admin, "helpdesk.sla", rollout.sla_policy_name(rollout.SITES[0]))
    before = admin.search_read("helpdesk.sla", [("id", "=", policy)], ["tag_ids"])[0]["tag_ids"]
    other = admin.create("helpdesk.ticket.tag", {"name": "Infection control"})
    admin.write("helpdesk.sla", [policy], {"tag_ids": [(6, 0, [other])]})

    def revert() -> None:
        admin.write("helpdesk.sla", [policy], {"tag_ids": [(6, 0, before)]})
        admin.call("helpdesk.ticket.tag", "unlink", [other])

    return revert


def _rule_deactivated(admin: JsonRpc) -> Revert:
    """The escalation rule is switched off (both desks)."""
    rule = _id(admin, "base.automation", rollout.ESCALATION_RULE, active_test=False)
    admin.write("base.automation", [rule], {"active": False})
    return lambda: admin.write("base.automation", [rule], {"active": True})


def _tier2_renamed_in_action(admin: JsonRpc) -> Revert:
    """The rule's Python action names the tier-2 team with a typo ("Second Line" without the hyphen)."""
    rule = _id(admin, "base.automation", rollout.ESCALATION_RULE, active_test=False)
    action_ids = admin.search_read("base.automation", [("id", "=", rule)], ["action_server_ids"])[0][
        "action_server_ids"
    ]
    action = admin.search_read("ir.actions.server", [("id", "in", action_ids)], ["code"])[0]
    code = str(action["code"])
    assert rollout.TIER2_TEAM in code
    admin.write("ir.actions.server", [action["id"]], {"code": code.replace("Second-Line", "Second Line")})
    return lambda: admin.write("ir.actions.server", [action["id"]], {"code": code})


def _stage_not_closing(admin: JsonRpc) -> Revert:
    """The "Closed" stage is edited so that it no longer closes tickets."""
    stage = _id(admin, "helpdesk.ticket.stage", rollout.HELPDESK_CLOSED_STAGE)
    admin.write("helpdesk.ticket.stage", [stage], {"closed": False})
    return lambda: admin.write("helpdesk.ticket.stage", [stage], {"closed": True})


@dataclass(frozen=True)
class Regression:
    name: str
    apply: Callable[[JsonRpc], Revert]
    failing_sites: tuple[str, ...]
    expectation: str  # words of the broken expectation, as readiness gives it
    found: str  # words of what the scenario found, as the run's output gives it


REGRESSIONS = (
    Regression(
        "policy-hours",
        _policy_hours,
        (WEST,),
        "gives the service desk's tickets 6 working hours to reach 'Closed'",
        "8 working hours to reach stage 'Closed'",
    ),
    Regression(
        "policy-tag",
        _policy_tag,
        (WEST,),
        "holds the ticket the run raises",
        "it selects tickets tagged with any of 'Infection control'; the ticket's tags: 'Patient safety'",
    ),
    Regression(
        "rule-deactivated",
        _rule_deactivated,
        (WEST, EAST),
        "is active and acts when a ticket's SLA deadline",
        "INACTIVE rule on helpdesk.ticket.sla",
    ),
    Regression(
        "tier2-renamed-in-action",
        _tier2_renamed_in_action,
        (WEST, EAST),
        "escalates it: moved to 'Meridian Second-Line Support'",
        "team is '(none)'",
    ),
    Regression(
        "stage-not-closing",
        _stage_not_closing,
        (WEST, EAST),
        "The resolution stage 'Closed' closes a ticket",
        "stage 'Closed' does NOT close the tickets moved to it",
    ),
)


@pytest.mark.parametrize("regression", REGRESSIONS, ids=lambda regression: regression.name)
def test_a_configuration_regression_fails_the_helpdesk_cycle_only(
    meridian_target: MeridianTarget, run_uat: RunUat, regression: Regression
) -> None:
    revert = regression.apply(meridian_target.admin)
    try:
        scope = regression_scope(CYCLE)
        result = run_uat(meridian_target.target, "run", "--sites-dir", str(MERIDIAN_SITES), *scope, timeout=1200)
    finally:
        revert()
    readiness = result.readiness()
    assert readiness is not None, result.output[-3000:]
    assert result.exit_code == FAILED, result.output[-3000:]
    for site, cells in readiness["sites"].items():
        for cycle, verdict in cells.items():
            if cycle != CYCLE and not REGRESSIONS_FULL:
                continue  # only this cycle ran
            expected = "FAILED" if cycle == CYCLE and site in regression.failing_sites else "passed"
            assert (site, cycle, verdict) == (site, cycle, expected), readiness["reasons"]
    for site in regression.failing_sites:
        reason = readiness["reasons"][site][CYCLE]
        assert regression.expectation in str(reason), reason
    assert regression.found in result.output
