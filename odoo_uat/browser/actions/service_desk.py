"""Service desk on Odoo's screens: the browser implementation of `ServiceDeskActions`.

The agent raises the ticket on the ticket form (title, team, assigned user, contact, category, tags, priority
stars, description) and the lead moves and resolves it on the form's stage bar, as each of them would. The
technical user's simulations (the SLA deadline passing, the scheduler's check, the harness's clean-up) stay on
RPC: no person does them on a screen.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from odoo_uat.actions import service_desk as rpc
from odoo_uat.actions.base import BrowserActions, action
from odoo_uat.browser import failures
from odoo_uat.browser.pages.helpdesk import TICKET, TicketForm
from odoo_uat.cycles import helpdesk_escalation as hd
from odoo_uat.errors import ConfigurationError, OdooAccessError, RecordRef

if TYPE_CHECKING:
    from odoo_uat.actions.base import ActionContext
    from odoo_uat.actions.service_desk import ServiceDeskActions, Ticket


class BrowserServiceDesk(BrowserActions):
    domain = "service_desk"

    @action("raise a ticket at the service desk")
    def raise_ticket(self, ticket: Ticket) -> RecordRef:
        if ticket.app != "helpdesk_mgmt":
            raise ConfigurationError(
                f"Browser mode drives OCA helpdesk_mgmt's ticket form; this site runs {ticket.app!r}: use --mode rpc"
            )
        attributes = ticket.attributes
        form = self._form()
        form.open_new()
        form.fill_title(ticket.name)
        form.choose_team(attributes.team.name)  # before the assignee: a team change empties it
        if ticket.assignee is not None:
            form.choose_assignee(ticket.assignee.name)
        if ticket.partner is not None:
            form.choose_contact(ticket.partner.name)
        if attributes.category is not None:
            form.choose_category(attributes.category.name)
        for tag in attributes.tags:
            form.add_tag(tag.name)
        form.type_description(ticket.description)
        # Last: a click on a priority star saves the form at once, and a ticket needs its description to be saved.
        form.set_priority(attributes.priority_label)
        ticket_id = form.save()
        if ticket_id is None:
            raise failures.UnexpectedScreen(f"The ticket {ticket.name!r} was saved but its form shows no record id")
        name = str(self.context.gateway.read_one(TICKET, ticket_id, ["display_name"])["display_name"])
        return self.context.gateway.record(TICKET, ticket_id, name)

    @action("move the ticket to another stage")
    def move_ticket(self, ticket: RecordRef, stage: hd.Named) -> None:
        self._move(ticket, stage)

    @action("resolve the ticket")
    def resolve_ticket(self, ticket: RecordRef, stage: hd.Named) -> None:
        self._move(ticket, stage)

    def _form(self) -> TicketForm:
        return TicketForm(self.screen.page, self.screen.base_url)

    def _move(self, ticket: RecordRef, stage: hd.Named) -> None:
        form = self._form()
        form.open(ticket.id)
        if not form.can_move():
            raise OdooAccessError(
                f"the stage bar of the ticket is read-only for {self.context.who()}: no stage can be clicked",
                model=TICKET,
                method=f"move stage_id to {stage.name}",
            )
        form.move_to_stage(stage.name)

    @action("let the ticket's SLA deadline pass (simulated)", stays_on_rpc=rpc.TIME_IS_SIMULATED)
    def let_sla_deadline_pass(
        self, helpdesk: hd.HelpdeskAdapter, line: hd.SlaLine, rule: hd.EscalationRule, raised_at: datetime
    ) -> hd.SimulatedBreach:
        return rpc.move_deadline_into_next_check(self.context, helpdesk, line, rule, raised_at)

    @action("run the scheduled escalation check", stays_on_rpc=rpc.SCHEDULER_RUNS_IT)
    def run_escalation_check(self, wait: float | None = None) -> hd.CheckRun:
        return rpc.run_check(self.context, wait)

    @action("archive the run's leftover open tickets", stays_on_rpc=rpc.HARNESS_CLEAN_UP)
    def archive_leftover_tickets(self, run_tag: str) -> int:
        return rpc.archive_open_tickets(self.context, run_tag)


def _conforms(context: ActionContext) -> ServiceDeskActions:
    return BrowserServiceDesk(context)
