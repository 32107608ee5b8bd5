"""Helpdesk escalation: a ticket's SLA on the team's working calendar, its breach, and the site's escalation.

On Odoo 19 Community the helpdesk is OCA `helpdesk_mgmt` with `helpdesk_mgmt_sla`. Their SLA lines
(`helpdesk.ticket.sla`) store a `deadline` planned on the team's working calendar and a `state` that becomes
`expired` only when the ticket changes stage; neither module escalates anything. Escalation is whatever the
site's automation rule (`base.automation`, a time trigger on the SLA line's deadline) does, run by the
scheduled action "Automation Rules: check and execute", which handles deadlines in [rule's last run, now).

A policy holds only the tickets its own filters select (OCA: teams, categories, tags, a domain; Enterprise: a team,
a priority, types, tags, customers). The profile names the run ticket's category, tags and priority; before the
ticket is raised, `sla_match` applies the policy's filters to it, so a ticket the policy cannot hold is reported
with the policy's filters and the ticket's attributes, not discovered later as "no SLA on the ticket".

A run never creates or changes that rule. To test it without waiting for a real deadline it moves time on
the run's own ticket only: the technical user writes the run ticket's SLA deadline into the window the next
check handles, then triggers the scheduled action the way "Run Manually" does.

That check is database-wide: Odoo's scheduler or another run sharing the database may run it first and
escalate this run's ticket, or move the rule's window past the deadline before seeing it. So a ticket is
judged by what the rule did to it (its state now against the ticket as raised), whoever ran the check; a
ticket the rule has not touched yet gets its deadline written into the next window again, a bounded number
of times. A check already running elsewhere is waited for, bounded.

Odoo Enterprise's `helpdesk` uses the same ticket model with other fields and models, hence the adapters.
This module holds the intent (what a role does and what Odoo then holds); the steps decide whether that is
what the business expected.
"""

from __future__ import annotations

import ast
import html
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta
from pydantic import Field, model_validator

from odoo_uat.errors import ConfigurationError, OdooError
from odoo_uat.gateway import OdooGateway, Row, many2one_id
from odoo_uat.references import Reference, ResolvedSite, Scope
from odoo_uat.schema import CycleProfile, Strict

REQUIRED_MODULES = ("helpdesk_mgmt", "helpdesk_mgmt_sla", "base_automation")

HelpdeskApp = Literal["helpdesk_mgmt", "helpdesk"]
ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"
ESCALATION_CRON_XMLID = "base_automation.ir_cron_data_base_automation_check"
KEY = "helpdesk_escalation"


# -- the profile section ------------------------------------------------------------------------------


class Escalation(Strict):
    automation_rule: str = Field(description="base.automation name of the rule that escalates a breached SLA")
    team: str | None = Field(default=None, description="expectation: the team a breached ticket moves to (tier 2)")
    user: str | None = Field(default=None, description="expectation: login of the user a breached ticket goes to")
    priority: str = Field(description="expectation: the priority a breached ticket is raised to, as Odoo labels it")
    note_contains: str = Field(min_length=3, description="expectation: text the escalation note in the chatter holds")

    @model_validator(mode="after")
    def _somewhere_to_go(self) -> Escalation:
        if self.team is None and self.user is None:
            raise ValueError("an escalation names a tier-2 team, a user, or both")
        return self


class TicketAttributesProfile(Strict):
    """What the run's ticket carries besides its team: the attributes the site's SLA policy selects on."""

    category: str | None = Field(
        default=None,
        description="OCA: helpdesk.ticket.category full name ('Parent / Child'); Enterprise: helpdesk.ticket.type name",
    )
    tags: list[str] = Field(default_factory=list, description="helpdesk.ticket.tag names the ticket carries")
    priority: str | None = Field(
        default=None, description="the ticket's priority as Odoo labels it (e.g. 'High'); default: Odoo's default"
    )


class HelpdeskEscalationProfile(CycleProfile):
    helpdesk_app: HelpdeskApp = Field(
        default="helpdesk_mgmt",
        description="the helpdesk the site runs: OCA 'helpdesk_mgmt' (with helpdesk_mgmt_sla) or Enterprise 'helpdesk'",
    )
    service_desk_team: str = Field(description="name of the tier-1 helpdesk team tickets are raised at")
    working_calendar: str = Field(description="resource.calendar name the team's SLA deadlines are planned on")
    weekly_hours: float = Field(gt=0, le=168, description="expectation: working hours per week of that calendar")
    sla_policy: str = Field(description="helpdesk.sla name of the policy a new ticket of the team gets")
    sla_hours: float = Field(gt=0, description="expectation: working hours the policy grants to reach its stage")
    resolution_stage: str = Field(default="Done", description="stage name that resolves a ticket (the SLA's target)")
    escalation: Escalation
    ticket: TicketAttributesProfile = Field(
        default_factory=TicketAttributesProfile,
        description="the attributes of the run's ticket (category, tags, priority) the SLA policy selects on",
    )
    ticket_title: str = Field(
        default="Ward workstation cannot print patient wristbands",
        description="what the test ticket is about (the run's tag is put in front of it)",
    )

    def references(self, scope: Scope) -> list[Reference]:
        models = adapter_for(self.helpdesk_app)
        references = [
            Reference(f"{KEY}.service_desk_team", models.team_model, "name", self.service_desk_team),
            Reference(f"{KEY}.working_calendar", "resource.calendar", "name", self.working_calendar),
            Reference(f"{KEY}.sla_policy", models.sla_model, "name", self.sla_policy),
            Reference(f"{KEY}.resolution_stage", models.stage_model, "name", self.resolution_stage),
            # Found whether active or not: a deactivated rule is a broken business expectation the scenario
            # reports by name, not a profile typo.
            Reference(
                f"{KEY}.escalation.automation_rule",
                "base.automation",
                "name",
                self.escalation.automation_rule,
                domain=(("active", "in", [True, False]),),
                company_field=None,
                archivable=False,
            ),
        ]
        if self.ticket.category is not None:
            references.append(
                Reference(f"{KEY}.ticket.category", models.category_model, models.category_key, self.ticket.category)
            )
        references.extend(
            Reference(tag_key(index), models.tag_model, "name", name) for index, name in enumerate(self.ticket.tags)
        )
        if self.escalation.team is not None:
            references.append(Reference(f"{KEY}.escalation.team", models.team_model, "name", self.escalation.team))
        if self.escalation.user is not None:
            references.append(
                Reference(f"{KEY}.escalation.user", "res.users", "login", self.escalation.user, company_field=None)
            )
        return references


def tag_key(index: int) -> str:
    return f"{KEY}.ticket.tags[{index}]"


def section_of(site: ResolvedSite) -> HelpdeskEscalationProfile:
    section = site.profile.helpdesk_escalation
    if section is None:
        raise ConfigurationError(f"Site {site.code} has no helpdesk_escalation section in {site.loaded.path}")
    return section


# -- what both helpdesks answer -----------------------------------------------------------------------


@dataclass(frozen=True)
class SlaPolicy:
    id: int
    name: str
    hours: float  # working hours granted, days converted with the calendar's hours per day
    target_stage_id: int | None
    team_ids: tuple[int, ...]  # empty: every team


@dataclass(frozen=True)
class ServiceDeskTeam:
    id: int
    name: str
    uses_sla: bool
    calendar_id: int | None
    member_ids: tuple[int, ...]


@dataclass(frozen=True)
class SlaLine:
    """One SLA a ticket is held to, with its deadline."""

    id: int
    policy_id: int
    policy_name: str
    deadline: datetime | None
    state: str  # as stored by Odoo
    breached: bool  # as Odoo reports it now (stored failure, or still running past its deadline)
    hours: float | None


@dataclass(frozen=True)
class TicketView:
    id: int
    name: str
    number: str
    team_id: int | None
    team_name: str
    user_id: int | None
    user_name: str
    priority: str
    stage_id: int | None
    stage_name: str
    closed: bool
    sla_breached: bool
    create_date: datetime
    category_name: str = ""  # OCA category / Enterprise ticket type, as stored on the ticket
    tag_names: tuple[str, ...] = ()


# -- which tickets an SLA policy holds ----------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    id: int
    name: str


def _quoted(records: tuple[Named, ...]) -> str:
    return ", ".join(repr(record.name) for record in records)


@dataclass(frozen=True)
class TicketAttributes:
    """The run's ticket as it will be raised: what an SLA policy can select it on."""

    team: Named
    category: Named | None
    tags: tuple[Named, ...]
    priority: str  # Odoo's key, e.g. '1'
    priority_label: str  # as Odoo shows it, e.g. 'Medium'
    category_label: str = "category"  # what the helpdesk calls it: OCA 'category', Enterprise 'ticket type'

    def describe(self) -> str:
        category = repr(self.category.name) if self.category else "(none)"
        tags = _quoted(self.tags) or "(none)"
        return (
            f"team {self.team.name!r}, {self.category_label} {category}, tags {tags}, priority {self.priority_label!r}"
        )

    def domain_values(self) -> dict[str, Any]:
        """The ticket's fields a policy's filter may test, as Odoo would read them on the new ticket."""
        return {
            "team_id": self.team.id,
            "category_id": self.category.id if self.category else False,
            "tag_ids": [tag.id for tag in self.tags],
            "priority": self.priority,
        }


TagRule = Literal["any", "all"]


@dataclass(frozen=True)
class SlaFilters:
    """What an SLA policy selects tickets on, read from the policy itself. An empty selection selects every ticket."""

    policy: Named
    active: bool
    teams: tuple[Named, ...]
    categories: tuple[Named, ...]  # OCA categories / Enterprise ticket types
    tags: tuple[Named, ...]
    tag_rule: TagRule  # OCA: the ticket has ANY of the tags; Enterprise: the ticket has ALL of them
    priority: str | None = None  # Enterprise: the one priority the policy applies to (None: any, OCA)
    priority_label: str = ""
    customers: tuple[Named, ...] = ()  # Enterprise: the policy's customers; the run's ticket has none
    domain: str = "[]"  # OCA: the policy's extra filter ("Filter"), tested on the ticket
    category_label: str = "category"

    def describe(self) -> str:
        parts = [f"teams {_quoted(self.teams) or '(any)'}"]
        parts.append(f"{self.category_label} {_quoted(self.categories) or '(any)'}")
        if self.tags:
            parts.append(f"tags: {self.tag_rule} of {_quoted(self.tags)}")
        else:
            parts.append("tags (any)")
        if self.priority is not None:
            parts.append(f"priority {(self.priority_label or self.priority)!r}")
        if self.customers:
            parts.append(f"customers {_quoted(self.customers)}")
        if _has_filter(self.domain):
            parts.append(f"filter {self.domain}")
        if not self.active:
            parts.append("ARCHIVED")
        return ", ".join(parts)


def _has_filter(domain: str) -> bool:
    return bool(domain) and domain.replace(" ", "") not in ("[]", "False")


@dataclass(frozen=True)
class SlaMatch:
    """Whether a policy holds a ticket, decided before the ticket exists."""

    reasons: tuple[str, ...]  # why the policy cannot hold the ticket; empty: it does (or Odoo decides, below)
    undecided: str = ""  # a filter the harness cannot evaluate before the ticket exists: Odoo decides on creation

    @property
    def matches(self) -> bool:
        return not self.reasons


def sla_match(filters: SlaFilters, ticket: TicketAttributes) -> SlaMatch:
    """Apply the helpdesk's own selection rules to the ticket the run is about to raise.

    OCA helpdesk_mgmt_sla 19.0 (`helpdesk.ticket._get_sla_ticket_domain` and `_get_sla`): the policy's teams
    empty or holding the ticket's team; its categories empty or holding the ticket's category (a ticket without
    a category matches only a policy without categories); its tags empty or sharing at least ONE tag with the
    ticket (a ticket without tags matches only a policy without tags); then its "Filter" domain on the ticket.
    Enterprise `helpdesk` (public documentation, not verified live): one team, one priority, ticket types empty
    or holding the ticket's type, customers, and tags the ticket must ALL carry.
    """
    reasons: list[str] = []
    if not filters.active:
        reasons.append("the policy is archived")
    if filters.teams and ticket.team.id not in {team.id for team in filters.teams}:
        reasons.append(f"it applies to teams {_quoted(filters.teams)}, not {ticket.team.name!r}")
    if filters.categories and (ticket.category is None or ticket.category.id not in {c.id for c in filters.categories}):
        has = repr(ticket.category.name) if ticket.category else f"no {ticket.category_label}"
        reasons.append(f"it selects {filters.category_label} {_quoted(filters.categories)}; the ticket has {has}")
    if filters.tags:
        wanted, has_tags = {tag.id for tag in filters.tags}, {tag.id for tag in ticket.tags}
        carried = _quoted(ticket.tags) or "none"
        if filters.tag_rule == "any" and not wanted & has_tags:
            reasons.append(
                f"it selects tickets tagged with any of {_quoted(filters.tags)}; the ticket's tags: {carried}"
            )
        if filters.tag_rule == "all" and not wanted <= has_tags:
            reasons.append(
                f"it selects tickets tagged with all of {_quoted(filters.tags)}; the ticket's tags: {carried}"
            )
    if filters.priority is not None and filters.priority != ticket.priority:
        reasons.append(
            f"it applies to priority {filters.priority_label or filters.priority!r} only; the ticket's priority is "
            f"{ticket.priority_label!r}"
        )
    if filters.customers:
        reasons.append(f"it applies to customers {_quoted(filters.customers)}; the run's ticket has no customer")
    undecided = ""
    if _has_filter(filters.domain):
        verdict = domain_holds(filters.domain, ticket.domain_values())
        if verdict is False:
            reasons.append(f"its filter {filters.domain} excludes the ticket")
        elif verdict is None:
            undecided = f"its filter {filters.domain} is decided by Odoo when the ticket is raised"
    return SlaMatch(tuple(reasons), undecided)


_COMPARISONS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def domain_holds(domain: str, values: dict[str, Any]) -> bool | None:
    """Evaluate an Odoo domain (as text) on the ticket's `values`; None when it names anything else.

    Only literal domains on the fields in `values`, with =, !=, in, not in and comparisons, and the prefix
    operators &, |, !; a domain with context variables (uid, time, ...) or other fields is left to Odoo.
    """
    try:
        parsed = ast.literal_eval(domain)
    except (ValueError, SyntaxError):
        return None
    if not isinstance(parsed, list | tuple):
        return None
    items = list(parsed)
    try:
        results = []
        while items:
            results.append(_evaluate(items, values))
        return all(results)
    except _Undecidable:
        return None


class _Undecidable(Exception):
    pass


def _evaluate(items: list[Any], values: dict[str, Any]) -> bool:
    item = items.pop(0)
    if item == "!":
        return not _evaluate(items, values)
    if item in ("&", "|"):
        left, right = _evaluate(items, values), _evaluate(items, values)
        return (left and right) if item == "&" else (left or right)
    if item in (1, True, (1, "=", 1)):
        return True
    if item in (0, False, (0, "=", 1)):
        return False
    if not isinstance(item, list | tuple) or len(item) != 3 or item[0] not in values:
        raise _Undecidable
    name, operator, expected = item
    return _leaf(values[name], str(operator), expected)


def _leaf(actual: Any, operator: str, expected: Any) -> bool:
    if isinstance(actual, list):  # a many2many: Odoo tests whether ANY of its records matches
        if operator in ("=", "in"):
            if expected is False or expected == []:
                return not actual
            wanted = set(expected) if isinstance(expected, list | tuple) else {expected}
            return bool(set(actual) & wanted)
        if operator in ("!=", "not in"):
            return not _leaf(actual, "=" if operator == "!=" else "in", expected)
        raise _Undecidable
    if operator == "=":
        return bool(actual == expected)
    if operator == "!=":
        return bool(actual != expected)
    if operator == "in" and isinstance(expected, list | tuple):
        return actual in expected
    if operator == "not in" and isinstance(expected, list | tuple):
        return actual not in expected
    if operator in _COMPARISONS and actual is not False and isinstance(expected, type(actual)):
        return bool(_COMPARISONS[operator](actual, expected))
    raise _Undecidable


class HelpdeskAdapter(Protocol):
    """The helpdesk's models and fields, as the cycle needs them."""

    app: HelpdeskApp
    verified_live: bool
    team_model: str
    stage_model: str
    sla_model: str
    sla_line_model: str
    deadline_field: str  # the SLA line's field an escalation rule fires on
    failed_states: frozenset[str]  # stored SLA line states that record a breach for good
    category_model: str  # what the profile's ticket.category names
    category_key: str  # its natural key
    category_label: str
    tag_model: str

    def team(self, gateway: OdooGateway, team_id: int) -> ServiceDeskTeam: ...

    def sla_policy(self, gateway: OdooGateway, policy_id: int, hours_per_day: float) -> SlaPolicy: ...

    def sla_filters(self, gateway: OdooGateway, policy_id: int, priorities: dict[str, str]) -> SlaFilters: ...

    def stage_closes(self, gateway: OdooGateway, stage_id: int) -> tuple[str, bool]: ...

    def ticket(self, gateway: OdooGateway, ticket_id: int) -> TicketView: ...

    def sla_lines(self, gateway: OdooGateway, ticket_id: int) -> list[SlaLine]: ...

    def ticket_values(self, ticket: TicketAttributes, company_id: int, user_id: int) -> dict[str, Any]: ...


def _dt(value: Any) -> datetime | None:
    return datetime.strptime(str(value), ODOO_DATETIME).replace(tzinfo=UTC) if value else None


def _name(value: Any) -> str:
    return str(value[1]) if isinstance(value, list | tuple) and len(value) > 1 else ""


def named(gateway: OdooGateway, model: str, ids: Any) -> tuple[Named, ...]:
    """Records by id with the names Odoo shows, archived ones included (a policy may still point at them)."""
    if not ids:
        return ()
    rows = gateway.with_context(active_test=False).search_read(
        model, [("id", "in", list(ids))], ["display_name"], order="id"
    )
    return tuple(Named(int(row["id"]), str(row["display_name"])) for row in rows)


class OcaHelpdeskMgmt:
    """OCA helpdesk_mgmt + helpdesk_mgmt_sla 19.0, verified live on Odoo 19 Community."""

    app: HelpdeskApp = "helpdesk_mgmt"
    verified_live = True
    team_model = "helpdesk.ticket.team"
    stage_model = "helpdesk.ticket.stage"
    sla_model = "helpdesk.sla"
    sla_line_model = "helpdesk.ticket.sla"
    deadline_field = "deadline"
    failed_states = frozenset({"expired"})
    category_model = "helpdesk.ticket.category"
    category_key = "complete_name"  # 'Parent / Child', as the ticket form shows it
    category_label = "category"
    tag_model = "helpdesk.ticket.tag"

    def team(self, gateway: OdooGateway, team_id: int) -> ServiceDeskTeam:
        row = gateway.read_one(self.team_model, team_id, ["name", "use_sla", "resource_calendar_id", "user_ids"])
        return ServiceDeskTeam(
            team_id,
            str(row["name"]),
            bool(row["use_sla"]),
            many2one_id(row["resource_calendar_id"]),
            tuple(row["user_ids"]),
        )

    def sla_policy(self, gateway: OdooGateway, policy_id: int, hours_per_day: float) -> SlaPolicy:
        row = gateway.read_one(self.sla_model, policy_id, ["name", "hours", "days", "stage_id", "team_ids"])
        return SlaPolicy(
            policy_id,
            str(row["name"]),
            float(row["hours"]) + float(row["days"]) * hours_per_day,
            many2one_id(row["stage_id"]),
            tuple(row["team_ids"]),
        )

    def sla_filters(self, gateway: OdooGateway, policy_id: int, priorities: dict[str, str]) -> SlaFilters:
        reader = gateway.with_context(active_test=False)
        row = reader.read_one(
            self.sla_model, policy_id, ["name", "active", "team_ids", "category_ids", "tag_ids", "domain"]
        )
        return SlaFilters(
            policy=Named(policy_id, str(row["name"])),
            active=bool(row["active"]),
            teams=named(gateway, self.team_model, row["team_ids"]),
            categories=named(gateway, self.category_model, row["category_ids"]),
            tags=named(gateway, self.tag_model, row["tag_ids"]),
            tag_rule="any",
            domain=str(row["domain"] or "[]"),
            category_label=self.category_label,
        )

    def stage_closes(self, gateway: OdooGateway, stage_id: int) -> tuple[str, bool]:
        row = gateway.read_one(self.stage_model, stage_id, ["name", "closed"])
        return str(row["name"]), bool(row["closed"])

    def ticket(self, gateway: OdooGateway, ticket_id: int) -> TicketView:
        fields = ["name", "number", "team_id", "user_id", "priority", "stage_id", "closed", "sla_expired"]
        row = gateway.read_one("helpdesk.ticket", ticket_id, [*fields, "create_date", "category_id", "tag_ids"])
        return TicketView(
            id=ticket_id,
            name=str(row["name"]),
            number=str(row["number"]),
            team_id=many2one_id(row["team_id"]),
            team_name=_name(row["team_id"]),
            user_id=many2one_id(row["user_id"]),
            user_name=_name(row["user_id"]),
            priority=str(row["priority"]),
            stage_id=many2one_id(row["stage_id"]),
            stage_name=_name(row["stage_id"]),
            closed=bool(row["closed"]),
            sla_breached=bool(row["sla_expired"]),
            create_date=_dt(row["create_date"]) or datetime.now(UTC),
            category_name=_name(row["category_id"]),
            tag_names=tuple(tag.name for tag in named(gateway, self.tag_model, row["tag_ids"])),
        )

    def sla_lines(self, gateway: OdooGateway, ticket_id: int) -> list[SlaLine]:
        rows = gateway.search_read(
            self.sla_line_model,
            [("ticket_id", "=", ticket_id)],
            ["sla_id", "deadline", "state", "expired", "hours"],
            order="id",
        )
        return [
            SlaLine(
                id=int(row["id"]),
                policy_id=many2one_id(row["sla_id"]) or 0,
                policy_name=_name(row["sla_id"]),
                deadline=_dt(row["deadline"]),
                state=str(row["state"]),
                breached=bool(row["expired"]),
                hours=float(row["hours"]),
            )
            for row in rows
        ]

    def ticket_values(self, ticket: TicketAttributes, company_id: int, user_id: int) -> dict[str, Any]:
        return {
            "team_id": ticket.team.id,
            "company_id": company_id,
            "user_id": user_id,
            "category_id": ticket.category.id if ticket.category else False,
            "tag_ids": [(6, 0, [tag.id for tag in ticket.tags])],
            "priority": ticket.priority,
        }


class EnterpriseHelpdesk:
    """Odoo Enterprise `helpdesk`. NOT VERIFIED LIVE: no Enterprise server was available and its source was not read.

    Written from Odoo's public user documentation (SLA policies: one team per policy, a target "Reach Stage",
    a working-hours deadline from the team's "Working Hours", a failed SLA stays failed after the stage is
    reached) and general knowledge of its technical names (helpdesk.team, helpdesk.stage, helpdesk.sla.time,
    helpdesk.sla.status with deadline/status, ticket.sla_fail). Check every name on a real Enterprise database
    before relying on it.

    Which tickets a policy holds, from Odoo's documentation (Helpdesk > SLA policies > Criteria, 19.0): one Team
    (required), one Priority (none chosen: Low tickets only), Types (none: every type), Tags, Customers. That a
    ticket must carry ALL the policy's tags, and the field names (team_id, priority, ticket_type_ids, tag_ids,
    partner_ids; ticket_type_id on the ticket; helpdesk.ticket.type, helpdesk.tag), are from general knowledge of
    its source, not read here. The profile's `ticket.category` names a ticket type on Enterprise.
    """

    app: HelpdeskApp = "helpdesk"
    verified_live = False
    team_model = "helpdesk.team"
    stage_model = "helpdesk.stage"
    sla_model = "helpdesk.sla"
    sla_line_model = "helpdesk.sla.status"
    deadline_field = "deadline"
    failed_states = frozenset({"failed"})
    category_model = "helpdesk.ticket.type"
    category_key = "name"
    category_label = "ticket type"
    tag_model = "helpdesk.tag"

    def team(self, gateway: OdooGateway, team_id: int) -> ServiceDeskTeam:
        row = gateway.read_one(self.team_model, team_id, ["name", "use_sla", "resource_calendar_id", "member_ids"])
        return ServiceDeskTeam(
            team_id,
            str(row["name"]),
            bool(row["use_sla"]),
            many2one_id(row["resource_calendar_id"]),
            tuple(row["member_ids"]),
        )

    def sla_policy(self, gateway: OdooGateway, policy_id: int, hours_per_day: float) -> SlaPolicy:
        row = gateway.read_one(self.sla_model, policy_id, ["name", "time", "stage_id", "team_id"])
        team = many2one_id(row["team_id"])
        return SlaPolicy(
            policy_id, str(row["name"]), float(row["time"]), many2one_id(row["stage_id"]), (team,) if team else ()
        )

    def sla_filters(self, gateway: OdooGateway, policy_id: int, priorities: dict[str, str]) -> SlaFilters:
        reader = gateway.with_context(active_test=False)
        fields = ["name", "active", "team_id", "ticket_type_ids", "tag_ids", "priority", "partner_ids"]
        row = reader.read_one(self.sla_model, policy_id, fields)
        team = many2one_id(row["team_id"])
        priority = str(row["priority"] or "0")
        return SlaFilters(
            policy=Named(policy_id, str(row["name"])),
            active=bool(row["active"]),
            teams=(Named(team, _name(row["team_id"])),) if team else (),
            categories=named(gateway, self.category_model, row["ticket_type_ids"]),
            tags=named(gateway, self.tag_model, row["tag_ids"]),
            tag_rule="all",
            priority=priority,
            priority_label=priorities.get(priority, priority),
            customers=named(gateway, "res.partner", row["partner_ids"]),
            category_label=self.category_label,
        )

    def stage_closes(self, gateway: OdooGateway, stage_id: int) -> tuple[str, bool]:
        row = gateway.read_one(self.stage_model, stage_id, ["name", "fold"])  # Enterprise closes in folded stages
        return str(row["name"]), bool(row["fold"])

    def ticket(self, gateway: OdooGateway, ticket_id: int) -> TicketView:
        fields = ["name", "ticket_ref", "team_id", "user_id", "priority", "stage_id", "fold", "sla_fail"]
        row = gateway.read_one("helpdesk.ticket", ticket_id, [*fields, "create_date", "ticket_type_id", "tag_ids"])
        return TicketView(
            id=ticket_id,
            name=str(row["name"]),
            number=str(row["ticket_ref"]),
            team_id=many2one_id(row["team_id"]),
            team_name=_name(row["team_id"]),
            user_id=many2one_id(row["user_id"]),
            user_name=_name(row["user_id"]),
            priority=str(row["priority"]),
            stage_id=many2one_id(row["stage_id"]),
            stage_name=_name(row["stage_id"]),
            closed=bool(row["fold"]),
            sla_breached=bool(row["sla_fail"]),
            create_date=_dt(row["create_date"]) or datetime.now(UTC),
            category_name=_name(row["ticket_type_id"]),
            tag_names=tuple(tag.name for tag in named(gateway, self.tag_model, row["tag_ids"])),
        )

    def sla_lines(self, gateway: OdooGateway, ticket_id: int) -> list[SlaLine]:
        rows = gateway.search_read(
            self.sla_line_model, [("ticket_id", "=", ticket_id)], ["sla_id", "deadline", "status"], order="id"
        )
        now = datetime.now(UTC)
        lines = []
        for row in rows:
            deadline = _dt(row["deadline"])
            status = str(row["status"])
            breached = status == "failed" or (status == "ongoing" and deadline is not None and deadline < now)
            lines.append(
                SlaLine(
                    int(row["id"]),
                    many2one_id(row["sla_id"]) or 0,
                    _name(row["sla_id"]),
                    deadline,
                    status,
                    breached,
                    None,
                )
            )
        return lines

    def ticket_values(self, ticket: TicketAttributes, company_id: int, user_id: int) -> dict[str, Any]:
        return {
            "team_id": ticket.team.id,
            "company_id": company_id,
            "user_id": user_id,
            "ticket_type_id": ticket.category.id if ticket.category else False,
            "tag_ids": [(6, 0, [tag.id for tag in ticket.tags])],
            "priority": ticket.priority,
        }


_ADAPTERS: dict[str, HelpdeskAdapter] = {"helpdesk_mgmt": OcaHelpdeskMgmt(), "helpdesk": EnterpriseHelpdesk()}


def adapter_for(app: str) -> HelpdeskAdapter:
    return _ADAPTERS[app]


def installed_helpdesk(gateway: OdooGateway) -> HelpdeskApp | None:
    """Which helpdesk the target runs: OCA's needs its SLA add-on too; Enterprise's `helpdesk` wins if both."""
    installed = gateway.installed_modules(["helpdesk", "helpdesk_mgmt", "helpdesk_mgmt_sla"])
    if "helpdesk" in installed:
        return "helpdesk"
    if {"helpdesk_mgmt", "helpdesk_mgmt_sla"} <= installed:
        return "helpdesk_mgmt"
    return None


# -- working calendars --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendance:
    weekday: int  # 0 = Monday
    hour_from: float
    hour_to: float
    week_type: int | None  # 0/1 on two-week calendars


@dataclass(frozen=True)
class WorkingCalendar:
    id: int
    name: str
    tz: str
    hours_per_day: float
    flexible: bool
    two_weeks: bool
    attendances: tuple[Attendance, ...]
    closures: tuple[tuple[datetime, datetime], ...]  # public holidays and other global time off, UTC

    def weekly_hours(self) -> float:
        total = sum(a.hour_to - a.hour_from for a in self.attendances)
        return total / 2 if self.two_weeks else total


def read_calendar(gateway: OdooGateway, calendar_id: int) -> WorkingCalendar:
    row = gateway.read_one(
        "resource.calendar",
        calendar_id,
        ["name", "tz", "hours_per_day", "flexible_hours", "two_weeks_calendar", "attendance_ids"],
    )
    attendances = gateway.search_read(
        "resource.calendar.attendance",
        [("calendar_id", "=", calendar_id), ("display_type", "=", False), ("day_period", "!=", "lunch")],
        ["dayofweek", "hour_from", "hour_to", "week_type"],
    )
    closures = gateway.search_read(
        "resource.calendar.leaves",
        [("calendar_id", "in", [False, calendar_id]), ("resource_id", "=", False), ("time_type", "=", "leave")],
        ["date_from", "date_to"],
    )
    return WorkingCalendar(
        id=calendar_id,
        name=str(row["name"]),
        tz=str(row["tz"] or "UTC"),
        hours_per_day=float(row["hours_per_day"]),
        flexible=bool(row["flexible_hours"]),
        two_weeks=bool(row["two_weeks_calendar"]),
        attendances=tuple(
            Attendance(
                int(a["dayofweek"]),
                float(a["hour_from"]),
                float(a["hour_to"]),
                int(a["week_type"]) if a["week_type"] not in (False, None) else None,
            )
            for a in attendances
        ),
        closures=tuple(
            (start, end)
            for c in closures
            if (start := _dt(c["date_from"])) is not None and (end := _dt(c["date_to"])) is not None
        ),
    )


def _attendance_moment(day: datetime, hour: float, zone: ZoneInfo) -> datetime:
    """`hour` o'clock on the local `day`, in UTC, read the way Odoo reads an attendance's hours.

    Odoo's float_to_time takes the hour to the nearest minute and 24:00 as 23:59:59.999999 (so a deadline at a
    24:00 end moves to the next period). pytz's localize, with its default is_dst=False, reads a wall time that a
    DST change repeats or skips in standard time: 01:00 on Europe/London's October change is 01:00 GMT, not BST.
    """
    if hour >= 24:
        wall = day.replace(hour=23, minute=59, second=59, microsecond=999999)
    else:
        whole = int(hour)
        wall = day + timedelta(hours=whole, minutes=int(60 * (hour - whole) + 0.5))
    earlier, later = wall.replace(tzinfo=zone), wall.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() != later.utcoffset() and earlier.dst() and not later.dst():
        return later.astimezone(UTC)
    return earlier.astimezone(UTC)


def _minus_closures(
    start: datetime, end: datetime, closures: tuple[tuple[datetime, datetime], ...]
) -> list[tuple[datetime, datetime]]:
    pieces = [(start, end)]
    for closed_from, closed_to in closures:
        remaining = []
        for piece_start, piece_end in pieces:
            if closed_to <= piece_start or closed_from >= piece_end:
                remaining.append((piece_start, piece_end))
                continue
            if piece_start < closed_from:
                remaining.append((piece_start, closed_from))
            if closed_to < piece_end:
                remaining.append((closed_to, piece_end))
        pieces = remaining
    return pieces


def plan_working_hours(calendar: WorkingCalendar, start: datetime, hours: float) -> datetime | None:
    """When `hours` of the calendar's working time after `start` run out (UTC), or None if it cannot tell.

    The harness's own reading of the calendar, independent of Odoo's: attendances in the calendar's time
    zone, lunch breaks excluded, global time off (public holidays) taken out. A deadline that falls exactly at
    the end of a working period stays there rather than moving to the next period's start, as Odoo does.
    Attendance hours are read as Odoo reads them (`_attendance_moment`). Cases: tests/test_sla_deadlines.py.
    """
    if calendar.flexible or not calendar.attendances:
        return None
    try:
        zone = ZoneInfo(calendar.tz)
    except ZoneInfoNotFoundError:
        return None
    local_start = start.astimezone(zone)
    first_day = datetime(local_start.year, local_start.month, local_start.day)
    remaining = hours
    for offset in range(0, 400):
        day = first_day + timedelta(days=offset)
        week_type = ((day.toordinal() - 1) // 7) % 2
        periods = sorted(
            (a for a in calendar.attendances if a.weekday == day.weekday() and _in_week(a, week_type, calendar)),
            key=lambda a: a.hour_from,
        )
        for attendance in periods:
            period_start = _attendance_moment(day, attendance.hour_from, zone)
            period_end = _attendance_moment(day, attendance.hour_to, zone)
            period_start = max(period_start, start)
            if period_end <= period_start:
                continue
            for piece_start, piece_end in _minus_closures(period_start, period_end, calendar.closures):
                available = (piece_end - piece_start).total_seconds() / 3600
                if remaining <= available:
                    return piece_start + timedelta(hours=remaining)
                remaining -= available
    return None


def _in_week(attendance: Attendance, week_type: int, calendar: WorkingCalendar) -> bool:
    return not calendar.two_weeks or attendance.week_type == week_type


# -- the escalation rule and its scheduled check ------------------------------------------------------


RULE_FIELDS = [
    "name",
    "active",
    "model_name",
    "trigger",
    "trg_date_id",
    "trg_date_range",
    "trg_date_range_mode",
    "trg_date_range_type",
    "trg_date_calendar_id",
    "filter_domain",
    "last_run",
    "action_server_ids",
]


@dataclass(frozen=True)
class EscalationRule:
    id: int
    name: str
    active: bool
    model: str
    trigger: str
    date_field: str
    delay: int
    delay_mode: str  # after / before
    delay_unit: str  # minutes / hour / day / month
    uses_calendar: bool
    filter_domain: str
    action_count: int

    def describe(self) -> str:
        when = f"{self.delay} {self.delay_unit} {self.delay_mode}" if self.delay else "at"
        return (
            f"{'active' if self.active else 'INACTIVE'} rule on {self.model}, trigger {self.trigger!r} "
            f"{when} field {self.date_field or '(none)'}, {self.action_count} action(s), filter {self.filter_domain}"
        )

    def offset(self) -> relativedelta:
        """How far from a record's date the rule fires (positive: after the date)."""
        amount = self.delay if self.delay_mode == "after" else -self.delay
        unit = {"minutes": "minutes", "hour": "hours", "day": "days", "month": "months"}.get(self.delay_unit, "hours")
        return relativedelta(**{unit: amount})  # type: ignore[arg-type]


def read_rule(gateway: OdooGateway, rule_id: int) -> EscalationRule:
    row = gateway.with_context(active_test=False).read_one("base.automation", rule_id, RULE_FIELDS)
    date_field = ""
    if field_id := many2one_id(row["trg_date_id"]):
        date_field = str(gateway.read_one("ir.model.fields", field_id, ["name"])["name"])
    return EscalationRule(
        id=rule_id,
        name=str(row["name"]),
        active=bool(row["active"]),
        model=str(row["model_name"]),
        trigger=str(row["trigger"]),
        date_field=date_field,
        delay=int(row["trg_date_range"] or 0),
        delay_mode=str(row["trg_date_range_mode"] or "after"),
        delay_unit=str(row["trg_date_range_type"] or "hour"),
        uses_calendar=bool(row["trg_date_calendar_id"]),
        filter_domain=str(row["filter_domain"] or "[]"),
        action_count=len(row["action_server_ids"]),
    )


def rule_selects(gateway: OdooGateway, rule: EscalationRule, record_id: int) -> bool | None:
    """Whether the rule's own filter ("Apply on") selects this record now; None when Odoo alone can evaluate it.

    Read-only: the filter, if it is a literal domain, is searched together with the record's id. A filter that
    uses context values (uid, time, ...) is evaluated by the check itself.
    """
    try:
        domain = ast.literal_eval(rule.filter_domain or "[]")
    except (ValueError, SyntaxError):
        return None
    if not isinstance(domain, list):
        return None
    try:
        return gateway.search_count(rule.model, [("id", "=", record_id), *domain]) == 1
    except OdooError:
        return None


def rule_last_run(gateway: OdooGateway, rule_id: int) -> datetime | None:
    row = gateway.with_context(active_test=False).read_one("base.automation", rule_id, ["last_run"])
    return _dt(row["last_run"])


@dataclass(frozen=True)
class SimulatedBreach:
    line_id: int
    real_deadline: datetime | None  # what Odoo planned on the calendar
    simulated_deadline: datetime  # what the harness wrote, inside the next check's window
    window_start: datetime | None  # the rule's last run when the deadline was written
    due_at: datetime  # the moment the rule is due for this ticket (deadline shifted by the rule's delay)


def simulated_deadline(
    rule: EscalationRule, raised_at: datetime, last_run: datetime | None
) -> tuple[datetime, datetime]:
    """Where the run ticket's SLA deadline goes so that the rule's next check handles it: (due at, deadline).

    The check handles records whose deadline, shifted by the rule's delay, lies in [last run, now). The rule
    is made due at the later of the ticket's creation and one second after the rule's last run (Odoo reports
    times to the second, the last run has microseconds). The technical user writes it
    (`ServiceDeskActions.let_sla_deadline_pass`); the deadline is then in the past once `due_at` is.
    """
    due_at = max(raised_at, last_run + timedelta(seconds=1)) if last_run else raised_at
    return due_at, due_at - rule.offset()


def wait_until_past(moment: datetime) -> None:
    """The check only handles what is due before it starts: let the server's clock pass the due moment."""
    delay = (moment - datetime.now(UTC)).total_seconds() + 1
    if delay > 0:
        time.sleep(min(delay, 5))


CHECK_WAIT_ENV, DEFAULT_CHECK_WAIT = "UAT_ESCALATION_CHECK_WAIT", 120.0  # seconds to wait for a busy check
# Odoo's words when the scheduled action is running elsewhere: `method_direct_trigger` finds the cron row
# locked ("Job ... already executing"), a write meets the cron lock, or PostgreSQL serialises two workers.
CHECK_BUSY_SIGNS = ("already executing", "could not obtain lock", "currently being executed", "could not serialize")


@dataclass(frozen=True)
class CheckRun:
    cron_id: int
    cron_name: str
    started_at: datetime
    odoo_error: str  # Odoo's own text when the check failed, else ""
    waited: float = 0.0  # seconds spent waiting while the check ran elsewhere (the scheduler, another run)
    busy_answers: tuple[str, ...] = ()  # what Odoo said while it was busy


def check_wait() -> float:
    """How long a run waits while the escalation check is running elsewhere (UAT_ESCALATION_CHECK_WAIT, s)."""
    raw = os.environ.get(CHECK_WAIT_ENV, "").strip()
    try:
        return float(raw) if raw else DEFAULT_CHECK_WAIT
    except ValueError as exc:
        raise ConfigurationError(f"{CHECK_WAIT_ENV}={raw!r} is not a number of seconds") from exc


def check_is_busy(refusal: OdooError) -> bool:
    return any(sign in refusal.odoo_message.lower() for sign in CHECK_BUSY_SIGNS)


def check_error(answer: Any) -> str:
    """Odoo's own text when "Run Manually" reports that the check failed (a display_exception action), else ""."""
    if isinstance(answer, dict) and answer.get("tag") == "display_exception":
        data = (answer.get("params") or {}).get("data") or {}
        return str(data.get("message") or data.get("name") or answer)
    return ""


@dataclass(frozen=True)
class RuleTraces:
    """What an escalation rule visibly did to a ticket since it was raised, whoever ran the check."""

    moved_team: bool
    reassigned: bool
    raised_priority: bool
    note: bool

    @property
    def seen(self) -> bool:
        return self.moved_team or self.reassigned or self.raised_priority or self.note


def rule_traces(raised: TicketView, now: TicketView, note_texts: list[str], escalation: Escalation) -> RuleTraces:
    """Compare the ticket as raised with the ticket now: the rule's effect, not who triggered the check."""
    return RuleTraces(
        moved_team=escalation.team is not None and now.team_id != raised.team_id,
        reassigned=escalation.user is not None and now.user_id != raised.user_id,
        raised_priority=now.priority != raised.priority,
        note=any(escalation.note_contains.lower() in text.lower() for text in note_texts),
    )


# -- the ticket's chatter and priorities --------------------------------------------------------------


def notes_since(gateway: OdooGateway, ticket_id: int, since: datetime) -> list[Row]:
    """Internal notes and automatic messages posted on the ticket since `since`."""
    return gateway.search_read(
        "mail.message",
        [
            ("model", "=", "helpdesk.ticket"),
            ("res_id", "=", ticket_id),
            ("date", ">=", (since - timedelta(seconds=1)).strftime(ODOO_DATETIME)),
            ("message_type", "in", ["comment", "notification", "auto_comment"]),
        ],
        ["body", "subtype_id", "author_id", "date", "message_type"],
        order="id",
    )


def plain_text(body: str) -> str:
    """A chatter message's HTML body as the words a person reads."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body or "")).split())


def priority_labels(gateway: OdooGateway) -> dict[str, str]:
    """The ticket priority selection as {key: label}, e.g. {'3': 'Very High'}."""
    fields = gateway.call("helpdesk.ticket", "fields_get", allfields=["priority"], attributes=["selection"])
    return {str(key): str(label) for key, label in fields["priority"]["selection"]}


def default_priority(gateway: OdooGateway) -> str:
    """The priority Odoo gives a new ticket when nobody sets one (OCA: '1' Medium; Enterprise: '0' Low)."""
    defaults = gateway.call("helpdesk.ticket", "default_get", fields=["priority"])
    return str(defaults.get("priority") or "0")


def fmt(moment: datetime | None, zone: str = "UTC") -> str:
    """A moment for people: in the calendar's time zone, with the weekday (SLAs are about working days)."""
    if moment is None:
        return "(none)"
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except ZoneInfoNotFoundError:
        local = moment
    return local.strftime("%a %Y-%m-%d %H:%M:%S %Z")
