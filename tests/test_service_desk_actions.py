"""The service desk actions' seam (no Odoo): both implementations offer the same actions, the technical user's
simulations (time passing, the scheduler's check, the clean-up) stay on RPC in browser mode and say why, the
factory builds the ticket the agent types, and the deadline the harness writes lands in the rule's next window.
Behaviour against Odoo is proven by the helpdesk_escalation cycle on the bundled Odoo, in both modes."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from fixtures.factories.helpdesk_escalation import ServiceDeskTicketFactory
from odoo_uat.actions.base import ActionContext, action_names
from odoo_uat.actions.service_desk import RpcServiceDesk, ServiceDeskActions, Ticket
from odoo_uat.browser.actions.service_desk import BrowserServiceDesk
from odoo_uat.cycles import helpdesk_escalation as hd
from odoo_uat.errors import RecordRef
from odoo_uat.gateway import OdooGateway
from odoo_uat.references import ResolvedSite

PROTOCOL_METHODS = sorted(
    name for name, member in vars(ServiceDeskActions).items() if inspect.isfunction(member) and not name.startswith("_")
)
ATTRIBUTES = hd.TicketAttributes(
    team=hd.Named(4, "West Hospital Service Desk"),
    category=hd.Named(7, "Clinical equipment"),
    tags=(hd.Named(9, "Patient safety"),),
    priority="2",
    priority_label="High",
)


def test_both_implementations_offer_every_action_of_the_interface() -> None:
    assert PROTOCOL_METHODS == sorted(action_names(RpcServiceDesk)) == sorted(action_names(BrowserServiceDesk))
    for name in PROTOCOL_METHODS:
        protocol = inspect.signature(getattr(ServiceDeskActions, name))
        assert inspect.signature(getattr(RpcServiceDesk, name)) == protocol, name
        assert inspect.signature(getattr(BrowserServiceDesk, name)) == protocol, name


def test_in_browser_mode_only_what_no_person_does_stays_on_rpc_and_says_why() -> None:
    stays = {
        name: inspect.getclosurevars(getattr(BrowserServiceDesk, name)).nonlocals.get("stays_on_rpc", "")
        for name in PROTOCOL_METHODS
    }
    assert {name for name, why in stays.items() if why} == {
        "let_sla_deadline_pass",
        "run_escalation_check",
        "archive_leftover_tickets",
    }
    assert "simulates time" in stays["let_sla_deadline_pass"]
    assert "scheduler runs it" in stays["run_escalation_check"]


def test_the_factory_builds_the_ticket_the_agent_types() -> None:
    ticket: Ticket = ServiceDeskTicketFactory.build(
        run_tag="UAT-1/WEST/TICKET", title="Ventilator alarm panel", attributes=ATTRIBUTES, company_id=3
    )
    assert ticket.name == "UAT-1/WEST/TICKET Ventilator alarm panel"
    assert "UAT-1/WEST/TICKET" in ticket.description
    assert "<" not in ticket.description  # typed as text: the RPC action makes it HTML, the editor does on screen
    assert ticket.assignee is None
    assert ticket.partner is None
    assert ticket.app == "helpdesk_mgmt"


class _Recorder:
    """Stands in for the agent's gateway: keeps what the RPC action creates."""

    def __init__(self) -> None:
        self.created: list[tuple[str, dict[str, Any]]] = []

    def create(self, model: str, values: dict[str, Any]) -> int:
        self.created.append((model, values))
        return 41

    def read_one(self, model: str, record_id: int, fields: list[str]) -> dict[str, Any]:
        return {"display_name": "HT00041 - ticket"}

    def record(self, model: str, record_id: int, name: str = "") -> RecordRef:
        return RecordRef(model, record_id, name)


def test_the_rpc_action_creates_the_ticket_with_what_the_profile_names() -> None:
    gateway = _Recorder()
    site = cast(ResolvedSite, SimpleNamespace(company_id=3))
    context = ActionContext(role="helpdesk_agent", site=site, login="a", gateway=cast(OdooGateway, gateway))
    ticket = ServiceDeskTicketFactory.build(
        run_tag="UAT-1/WEST/TICKET",
        title="Alarm & panel",
        description="Raised <by> the harness",
        attributes=ATTRIBUTES,
        company_id=3,
        assignee=hd.Named(12, "Sami Moreau"),
    )
    assert RpcServiceDesk(context).raise_ticket(ticket) == RecordRef("helpdesk.ticket", 41, "HT00041 - ticket")
    model, values = gateway.created[0]
    assert model == "helpdesk.ticket"
    assert values == {
        "team_id": 4,
        "company_id": 3,
        "user_id": 12,
        "category_id": 7,
        "tag_ids": [(6, 0, [9])],
        "priority": "2",
        "name": "UAT-1/WEST/TICKET Alarm & panel",
        "description": "<p>Raised &lt;by&gt; the harness</p>",
    }


def _rule(delay: int = 0, mode: str = "after", unit: str = "hour") -> hd.EscalationRule:
    return hd.EscalationRule(
        1, "escalate", True, "helpdesk.ticket.sla", "on_time", "deadline", delay, mode, unit, False, "[]", 1
    )


def test_the_simulated_deadline_lands_in_the_next_checks_window() -> None:
    raised = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    last_run = datetime(2026, 12, 1, 9, 5, 30, 123456, tzinfo=UTC)
    # due one second after the rule last looked (it reports seconds, its last run has microseconds)
    assert hd.simulated_deadline(_rule(), raised, last_run) == (last_run + timedelta(seconds=1),) * 2
    # a rule that fires two hours after the deadline: the deadline goes two hours earlier
    due, deadline = hd.simulated_deadline(_rule(delay=2), raised, last_run)
    assert due - deadline == timedelta(hours=2)
    # a rule that never ran, or ran before the ticket existed: due when the ticket was raised
    assert hd.simulated_deadline(_rule(), raised, None) == (raised, raised)
    assert hd.simulated_deadline(_rule(), raised, raised - timedelta(hours=1))[0] == raised


def test_what_run_manually_answers_when_the_check_fails_is_kept_word_for_word() -> None:
    failed = {"tag": "display_exception", "params": {"data": {"message": "Division by zero in rule 'escalate'"}}}
    assert hd.check_error(failed) == "Division by zero in rule 'escalate'"
    assert hd.check_error(True) == ""
    assert hd.check_error({"type": "ir.actions.client", "tag": "reload"}) == ""
