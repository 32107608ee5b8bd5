"""Service desk actions: the tier-1 agent raises a ticket, the tier-2 lead moves and resolves it; and what no
person does but the escalation cycle needs, done by the harness's technical user: time passing on the run's
ticket (its SLA deadline moved where the next check looks), the scheduled escalation check, and archiving the
run's leftover tickets at the end of a scenario.

The ticket a person types is a `Ticket` (built by fixtures/factories/helpdesk_escalation.py); what Odoo then
holds is read by the cycle's read functions (odoo_uat/cycles/helpdesk_escalation.py), never here.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from odoo_uat.actions.base import RpcActions, action
from odoo_uat.cycles import helpdesk_escalation as hd
from odoo_uat.errors import ConfigurationError, OdooError, RecordRef, TargetBusy

if TYPE_CHECKING:
    from odoo_uat.actions.base import ActionContext


@dataclass(frozen=True)
class Ticket:
    """A ticket as the agent types it: title, description, team, category, tags, priority, assignee, contact.

    `attributes` holds what the site's SLA policy selects on (resolved from the profile); `assignee` is the
    user the ticket is assigned to (the agent who raises it), `partner` the contact it is about (None: none).
    """

    run_tag: str  # the title starts with it: the run's tag, which a person sees in every list
    title: str
    description: str  # plain text, as typed in the description editor
    attributes: hd.TicketAttributes
    company_id: int
    assignee: hd.Named | None = None
    partner: hd.Named | None = None
    app: hd.HelpdeskApp = "helpdesk_mgmt"

    @property
    def name(self) -> str:
        return f"{self.run_tag} {self.title}"


class ServiceDeskActions(Protocol):
    def raise_ticket(self, ticket: Ticket) -> RecordRef:
        """Create the ticket on the ticket form (team, category, tags, priority, assignee) and save it."""
        ...

    def move_ticket(self, ticket: RecordRef, stage: hd.Named) -> None:
        """Move the ticket to `stage` (the form's stage bar)."""
        ...

    def resolve_ticket(self, ticket: RecordRef, stage: hd.Named) -> None:
        """Resolve the ticket: move it to the stage that closes it (the SLA policy's target)."""
        ...

    def let_sla_deadline_pass(
        self, helpdesk: hd.HelpdeskAdapter, line: hd.SlaLine, rule: hd.EscalationRule, raised_at: datetime
    ) -> hd.SimulatedBreach:
        """Simulate time passing on the run's ticket only: write its SLA deadline where the escalation rule's next
        check looks, already past, and let the server's clock pass the moment the rule is due."""
        ...

    def run_escalation_check(self, wait: float | None = None) -> hd.CheckRun:
        """Run the scheduled action "Automation Rules: check and execute" now, as its "Run Manually" button does;
        wait (bounded) while it runs elsewhere."""
        ...

    def archive_leftover_tickets(self, run_tag: str) -> int:
        """Archive the run's tickets still open (a scenario stopped half-way); how many were archived."""
        ...


# Why the technical user's actions stay on RPC in browser mode (the report prints these words).
TIME_IS_SIMULATED = "no person does this: the harness simulates time passing on the run's own ticket"
SCHEDULER_RUNS_IT = "the scheduler runs it, not a person"
HARNESS_CLEAN_UP = "the harness's own clean-up of the run's records, not a person's work"


class RpcServiceDesk(RpcActions):
    domain = "service_desk"

    @action("raise a ticket at the service desk")
    def raise_ticket(self, ticket: Ticket) -> RecordRef:
        gateway = self.context.gateway
        values = hd.adapter_for(ticket.app).ticket_values(
            ticket.attributes, ticket.company_id, ticket.assignee.id if ticket.assignee else 0
        )
        if ticket.assignee is None:
            values.pop("user_id", None)
        if ticket.partner is not None:
            values["partner_id"] = ticket.partner.id
        values |= {"name": ticket.name, "description": f"<p>{html.escape(ticket.description)}</p>"}
        ticket_id = gateway.create("helpdesk.ticket", values)
        name = str(gateway.read_one("helpdesk.ticket", ticket_id, ["display_name"])["display_name"])
        return gateway.record("helpdesk.ticket", ticket_id, name)

    @action("move the ticket to another stage")
    def move_ticket(self, ticket: RecordRef, stage: hd.Named) -> None:
        self.context.gateway.write("helpdesk.ticket", [ticket.id], {"stage_id": stage.id})

    @action("resolve the ticket")
    def resolve_ticket(self, ticket: RecordRef, stage: hd.Named) -> None:
        self.context.gateway.write("helpdesk.ticket", [ticket.id], {"stage_id": stage.id})

    @action("let the ticket's SLA deadline pass (simulated)")
    def let_sla_deadline_pass(
        self, helpdesk: hd.HelpdeskAdapter, line: hd.SlaLine, rule: hd.EscalationRule, raised_at: datetime
    ) -> hd.SimulatedBreach:
        return move_deadline_into_next_check(self.context, helpdesk, line, rule, raised_at)

    @action("run the scheduled escalation check")
    def run_escalation_check(self, wait: float | None = None) -> hd.CheckRun:
        return run_check(self.context, wait)

    @action("archive the run's leftover open tickets")
    def archive_leftover_tickets(self, run_tag: str) -> int:
        return archive_open_tickets(self.context, run_tag)


# -- the technical user's simulations, shared by both implementations (they stay on RPC) ---------------


def move_deadline_into_next_check(
    context: ActionContext, helpdesk: hd.HelpdeskAdapter, line: hd.SlaLine, rule: hd.EscalationRule, raised_at: datetime
) -> hd.SimulatedBreach:
    """Write the run ticket's SLA deadline where the rule's next check picks it up, then wait until it is past.

    If the scheduler runs the check meanwhile (its own cron thread), the rule's window moves on, so the deadline
    is written again until the rule's last run holds still (at most 5 times).
    """
    gateway = context.gateway
    last_run = hd.rule_last_run(gateway, rule.id)
    for _attempt in range(5):
        due_at, deadline = hd.simulated_deadline(rule, raised_at, last_run)
        gateway.write(
            helpdesk.sla_line_model, [line.id], {helpdesk.deadline_field: deadline.strftime(hd.ODOO_DATETIME)}
        )
        moved_on = hd.rule_last_run(gateway, rule.id)
        if moved_on == last_run:
            break
        last_run = moved_on
    hd.wait_until_past(due_at)
    return hd.SimulatedBreach(line.id, line.deadline, deadline, last_run, due_at)


def run_check(context: ActionContext, wait: float | None = None) -> hd.CheckRun:
    """Run "Automation Rules: check and execute" as its "Run Manually" button does (ir.cron method_direct_trigger).

    It runs every time-based automation rule of the database, as the scheduler would. While it runs elsewhere
    (Odoo's own cron thread, another run's trigger) Odoo refuses a second start; the run waits, bounded, and
    ends as an environment outcome (TargetBusy) if it never frees.
    """
    gateway = context.gateway
    cron_id = gateway.xmlid_to_res_id(hd.ESCALATION_CRON_XMLID)
    if cron_id is None:
        raise ConfigurationError(
            f"The scheduled action {hd.ESCALATION_CRON_XMLID} is missing: is base_automation installed?"
        )
    name = str(gateway.with_context(active_test=False).read_one("ir.cron", cron_id, ["name"])["name"])
    limit = hd.check_wait() if wait is None else wait
    first_try = time.monotonic()
    busy: list[str] = []
    while True:
        started = datetime.now(UTC)
        try:
            answer = gateway.call("ir.cron", "method_direct_trigger", [cron_id])
            break
        except OdooError as refusal:
            if not hd.check_is_busy(refusal):
                raise
            busy.append(refusal.odoo_message.splitlines()[0])
            if time.monotonic() - first_try >= limit:
                raise TargetBusy(
                    f"The scheduled action {name!r} was still running elsewhere after {limit:.0f} s "
                    f"(Odoo said: {busy[-1]}); rerun, or raise {hd.CHECK_WAIT_ENV}"
                ) from None
            time.sleep(1)
    waited = time.monotonic() - first_try if busy else 0.0
    return hd.CheckRun(cron_id, name, started, hd.check_error(answer), waited, tuple(busy))


def archive_open_tickets(context: ActionContext, run_tag: str) -> int:
    """Archive the open tickets whose title starts with the run's tag, in the site's company."""
    gateway = context.gateway
    open_tickets = gateway.search("helpdesk.ticket", [("name", "=like", f"{run_tag}%"), ("closed", "=", False)])
    if open_tickets:
        gateway.write("helpdesk.ticket", open_tickets, {"active": False})
    return len(open_tickets)


def _conforms(context: ActionContext) -> ServiceDeskActions:
    return RpcServiceDesk(context)
