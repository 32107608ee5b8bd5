"""Maintenance actions: what the biomedical technician does with a maintenance request.

They open a preventive request (what they type on the request form), start work on it and complete it by moving it
through the site's stages, log a note of the work done, cancel a planned occurrence (the form's "Cancel" button:
archived, recurrence off) and dismiss the "Maintenance Request" reminders Odoo schedules for them. Checks read Odoo
through the actor's read-only gateway (odoo_uat/cycles/preventive_maintenance.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from odoo_uat.actions.base import ActionContext, RpcActions, action
from odoo_uat.cycles.preventive_maintenance import Stage
from odoo_uat.errors import RecordRef


@dataclass(frozen=True)
class MaintenanceRequest:
    """A maintenance request as the technician types it on the request form.

    Many2one fields carry the id (for RPC) and the name the form shows (for the screen). Dates are Odoo's
    (UTC, "YYYY-MM-DD HH:MM:SS"); `repeat_until` is "" when the recurrence has no end date.
    """

    name: str
    company_id: int
    equipment_id: int
    equipment: str
    team_id: int
    team: str
    maintenance_type: str
    schedule_date: str
    schedule_end: str
    recurring: bool
    repeat_interval: int
    repeat_unit: str
    repeat_type: str
    repeat_until: str = ""


class MaintenanceActions(Protocol):
    """What a role does in maintenance."""

    def open_request(self, request: MaintenanceRequest) -> RecordRef:
        """Create the request as typed on the request form and save it."""
        ...

    def start_work(self, request: RecordRef, stage: Stage) -> None:
        """Move the request to the site's work stage (e.g. "In Progress")."""
        ...

    def complete(self, request: RecordRef, stage: Stage) -> None:
        """Move the request to the site's done stage: Odoo closes it and plans a preventive request's next one."""
        ...

    def log_note(self, request: RecordRef, note: str) -> None:
        """Log an internal note in the request's chatter (not sent to the followers)."""
        ...

    def cancel(self, request: RecordRef) -> None:
        """The request's "Cancel" button: Odoo archives it and takes it out of recurrence."""
        ...

    def dismiss_reminders(self, requests: Sequence[RecordRef]) -> int:
        """Cancel every open activity (reminder) on these requests; returns how many there were."""
        ...


class RpcMaintenance(RpcActions):
    domain = "maintenance"

    @action("open a maintenance request")
    def open_request(self, request: MaintenanceRequest) -> RecordRef:
        gateway = self.context.gateway
        request_id = gateway.create("maintenance.request", request_values(request))
        name = gateway.read_one("maintenance.request", request_id, ["display_name"])["display_name"]
        return gateway.record("maintenance.request", request_id, str(name))

    @action("start work on the maintenance request (move it to the work stage)")
    def start_work(self, request: RecordRef, stage: Stage) -> None:
        self._move(request, stage)

    @action("complete the maintenance request (move it to the done stage)")
    def complete(self, request: RecordRef, stage: Stage) -> None:
        self._move(request, stage)

    def _move(self, request: RecordRef, stage: Stage) -> None:
        """What dragging the card or clicking the stage does; a done stage is where Odoo plans the next one."""
        self.context.gateway.write("maintenance.request", [request.id], {"stage_id": stage.id})

    @action("log a note on the maintenance request")
    def log_note(self, request: RecordRef, note: str) -> None:
        # as the chatter's "Log note" posts it: a comment of subtype Note (message_post's default is a notification)
        self.context.gateway.call(
            "maintenance.request",
            "message_post",
            [request.id],
            body=note,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    @action("cancel the maintenance request")
    def cancel(self, request: RecordRef) -> None:
        self.context.gateway.call("maintenance.request", "archive_equipment_request", [request.id])

    @action("dismiss the reminders on the maintenance requests")
    def dismiss_reminders(self, requests: Sequence[RecordRef]) -> int:
        gateway = self.context.gateway
        reminders = gateway.search(
            "mail.activity",
            [("res_model", "=", "maintenance.request"), ("res_id", "in", [request.id for request in requests])],
        )
        if reminders:  # the chatter's "Cancel" on an activity deletes it
            gateway.unlink("mail.activity", reminders)
        return len(reminders)


def request_values(request: MaintenanceRequest) -> dict[str, Any]:
    return {
        "name": request.name,
        "company_id": request.company_id,
        "equipment_id": request.equipment_id,
        "maintenance_team_id": request.team_id,
        "maintenance_type": request.maintenance_type,
        "schedule_date": request.schedule_date or False,
        "schedule_end": request.schedule_end or False,
        "recurring_maintenance": request.recurring,
        "repeat_interval": request.repeat_interval,
        "repeat_unit": request.repeat_unit,
        "repeat_type": request.repeat_type,
        "repeat_until": request.repeat_until or False,
    }


def _conforms(context: ActionContext) -> MaintenanceActions:
    return RpcMaintenance(context)
