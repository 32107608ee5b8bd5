"""Maintenance on Odoo's screens: the browser implementation of `MaintenanceActions`.

The technician works on the maintenance request form (Maintenance > Maintenance Requests): types the request,
clicks the site's stages on the statusbar (the stage's name as Odoo has it, the customer's), logs a note in the
chatter, presses "Cancel" and cancels the reminders in the chatter's planned activities.
"""

from __future__ import annotations

from collections.abc import Sequence

from odoo_uat.actions.base import ActionContext, BrowserActions, action
from odoo_uat.actions.maintenance import MaintenanceActions, MaintenanceRequest
from odoo_uat.browser.pages.maintenance import REQUEST, MaintenanceRequestForm
from odoo_uat.cycles.preventive_maintenance import Stage
from odoo_uat.errors import OdooAccessError, OdooUserError, RecordRef


class BrowserMaintenance(BrowserActions):
    domain = "maintenance"

    def _form(self) -> MaintenanceRequestForm:
        return MaintenanceRequestForm(self.screen.page, self.screen.base_url)

    @action("open a maintenance request")
    def open_request(self, request: MaintenanceRequest) -> RecordRef:
        form = self._form()
        form.open_new()
        form.fill_subject(request.name)
        form.choose_equipment(equipment_search(request.equipment), request.equipment)
        form.set_request_type(request.maintenance_type)
        form.choose_team(request.team)  # after the equipment: picking it fills in the equipment's own team
        form.fill_schedule(request.schedule_date, request.schedule_end)
        if request.recurring:
            labels = self._selection_labels()
            form.set_recurrence(
                every=request.repeat_interval,
                unit=labels["repeat_unit"][request.repeat_unit],
                kind=labels["repeat_type"][request.repeat_type],
                until=request.repeat_until,
            )
        else:
            form.set_not_recurring()
        request_id = form.save()
        if not request_id:
            raise OdooUserError("the request form did not save (no record id in the URL)", model=REQUEST, method="save")
        return self.context.gateway.record(REQUEST, request_id, request.name)

    def _selection_labels(self) -> dict[str, dict[str, str]]:
        """The labels the form shows for the recurrence's unit and kind (e.g. "month" reads "Months")."""
        fields = self.context.gateway.call(
            REQUEST, "fields_get", allfields=["repeat_unit", "repeat_type"], attributes=["selection"]
        )
        return {name: {str(value): str(label) for value, label in fields[name]["selection"]} for name in fields}

    @action("start work on the maintenance request (move it to the work stage)")
    def start_work(self, request: RecordRef, stage: Stage) -> None:
        self._move(request, stage)

    @action("complete the maintenance request (move it to the done stage)")
    def complete(self, request: RecordRef, stage: Stage) -> None:
        self._move(request, stage)

    def _move(self, request: RecordRef, stage: Stage) -> None:
        form = self._form()
        form.open(request.id)
        form.move_to_stage(stage.name)

    @action("log a note on the maintenance request")
    def log_note(self, request: RecordRef, note: str) -> None:
        form = self._form()
        form.open(request.id)
        form.log_note(note)

    @action("cancel the maintenance request")
    def cancel(self, request: RecordRef) -> None:
        form = self._form()
        form.open(request.id)
        if not form.can_cancel():
            raise OdooAccessError(
                f"the form of {request} offers {self.context.who()} no 'Cancel' button",
                model=REQUEST,
                method="archive_equipment_request",
            )
        form.cancel()

    @action("dismiss the reminders on the maintenance requests")
    def dismiss_reminders(self, requests: Sequence[RecordRef]) -> int:
        form = self._form()
        on_screen = form.client.location().record_id
        dismissed = 0
        # the request already on screen first (usually the one just cancelled): one form fewer to open
        for request in sorted(requests, key=lambda request: request.id != on_screen):
            form.open(request.id)
            while form.reminder_count():
                form.cancel_reminder()
                dismissed += 1
        return dismissed


def equipment_search(equipment: str) -> str:
    """What a person types to find equipment: its name. Odoo shows it as "name/serial number", and searches names."""
    return equipment.rsplit("/", 1)[0] if "/" in equipment else equipment


def _conforms(context: ActionContext) -> MaintenanceActions:
    return BrowserMaintenance(context)
