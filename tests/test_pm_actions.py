"""The maintenance actions' seam (no Odoo): both implementations offer the same actions, every one done on screen in
browser mode, the factory builds the request the technician types from the configured one, and the RPC
implementation does what the screen does (the chatter's note is a comment of subtype Note, "Cancel" archives,
a reminder's "Cancel" deletes it). Behaviour against Odoo is proven by the preventive_maintenance cycle on the
bundled Odoo, in both modes, for two rollouts."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

import pytest
from playwright.sync_api import Page

from fixtures.factories.preventive_maintenance import PreventiveOccurrenceFactory
from odoo_uat.actions.base import ActionContext, action_names
from odoo_uat.actions.maintenance import MaintenanceActions, MaintenanceRequest, RpcMaintenance
from odoo_uat.browser.actions.maintenance import BrowserMaintenance, equipment_search
from odoo_uat.browser.pages.maintenance import MaintenanceRequestForm
from odoo_uat.cycles import preventive_maintenance as pm
from odoo_uat.errors import RecordRef
from odoo_uat.gateway import OdooGateway
from odoo_uat.references import ResolvedSite
from tests.test_page_objects import browser, load, odoo_page  # noqa: F401  (the captured pages' fixtures)

PROTOCOL_METHODS = sorted(
    name for name, member in vars(MaintenanceActions).items() if inspect.isfunction(member) and not name.startswith("_")
)
PLAN = pm.PreventivePlan(
    id=1,
    name="Preventive maintenance - Infusion pump NSC-IP-0001",
    equipment_id=5,
    team_id=2,
    stage_id=1,
    schedule_date="2027-01-01 08:00:00",
    values={
        "equipment_id": [5, "Infusion pump/NSC-IP-0001"],
        "maintenance_team_id": [2, "Northside Clinic Biomedical Engineering"],
        "maintenance_type": "preventive",
        "schedule_date": "2027-01-01 08:00:00",
        "schedule_end": "2027-01-01 09:00:00",
        "recurring_maintenance": True,
        "repeat_interval": 6,
        "repeat_unit": "month",
        "repeat_type": "forever",
        "repeat_until": False,
    },
)
REQUEST = RecordRef("maintenance.request", 41, "UAT-1/CLINIC/PM: x", "")


def test_both_implementations_offer_every_action_of_the_interface() -> None:
    assert PROTOCOL_METHODS == sorted(action_names(RpcMaintenance)) == sorted(action_names(BrowserMaintenance))
    assert {"open_request", "start_work", "complete", "log_note", "cancel", "dismiss_reminders"} == set(
        PROTOCOL_METHODS
    )
    for name in PROTOCOL_METHODS:
        protocol = inspect.signature(getattr(MaintenanceActions, name))
        assert inspect.signature(getattr(RpcMaintenance, name)) == protocol, name
        assert inspect.signature(getattr(BrowserMaintenance, name)) == protocol, name


def test_in_browser_mode_every_maintenance_action_is_done_on_screen() -> None:
    stays = {
        name: inspect.getclosurevars(getattr(BrowserMaintenance, name)).nonlocals.get("stays_on_rpc", "")
        for name in PROTOCOL_METHODS
    }
    assert stays == dict.fromkeys(PROTOCOL_METHODS, "")


def test_the_factory_builds_the_request_the_technician_types_from_the_configured_one() -> None:
    typed: MaintenanceRequest = PreventiveOccurrenceFactory.build(run_tag="UAT-1/CLINIC/PM", plan=PLAN, company_id=3)
    assert typed == MaintenanceRequest(
        name="UAT-1/CLINIC/PM: Preventive maintenance - Infusion pump NSC-IP-0001",
        company_id=3,
        equipment_id=5,
        equipment="Infusion pump/NSC-IP-0001",
        team_id=2,
        team="Northside Clinic Biomedical Engineering",
        maintenance_type="preventive",
        schedule_date="2027-01-01 08:00:00",
        schedule_end="2027-01-01 09:00:00",
        recurring=True,
        repeat_interval=6,
        repeat_unit="month",
        repeat_type="forever",
        repeat_until="",
    )
    assert equipment_search(typed.equipment) == "Infusion pump"  # a person types the name, picks "name/serial"
    assert equipment_search("Autoclave") == "Autoclave"


def test_a_named_devices_occurrence_is_typed_from_that_devices_plan_not_the_profiles() -> None:
    """features/equipment_intervals.feature: the plan found on the named device (here a second device of the site,
    every 3 months) gives equipment, team and recurrence; on screen the technician searches the device's name."""
    row = {
        **PLAN.values,
        "id": 9,
        "name": "PPM Defibrillator MCE-DEF-007",
        "equipment_id": [12, "Defibrillator/MCE-DEF-007"],
        "maintenance_team_id": [4, "East Clinical Engineering"],
        "stage_id": [1, "New Request"],
        "repeat_interval": 3,
    }
    plan = pm.plan_of(row)
    assert (plan.equipment, plan.team, plan.equipment_id, plan.team_id) == (
        "Defibrillator/MCE-DEF-007",
        "East Clinical Engineering",
        12,
        4,
    )
    assert pm.plan_of(row, equipment="Defibrillator (MCE-DEF-007)").equipment == "Defibrillator (MCE-DEF-007)"
    typed: MaintenanceRequest = PreventiveOccurrenceFactory.build(run_tag="UAT-1/EAST/PM-2", plan=plan, company_id=1)
    assert (typed.name, typed.equipment_id, typed.team, typed.repeat_interval) == (
        "UAT-1/EAST/PM-2: PPM Defibrillator MCE-DEF-007",
        12,
        "East Clinical Engineering",
        3,
    )
    assert equipment_search("Automated external defibrillator/NSC-AED-0001") == "Automated external defibrillator"


class _Recorder:
    """Stands in for the technician's gateway: keeps what the RPC actions ask Odoo to do."""

    def __init__(self, reminders: list[int] | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.reminders = reminders or []

    def create(self, model: str, values: dict[str, Any]) -> int:
        self.calls.append(("create", model, values))
        return 41

    def read_one(self, model: str, record_id: int, fields: list[str]) -> dict[str, Any]:
        return {"display_name": "UAT-1/CLINIC/PM: x"}

    def record(self, model: str, record_id: int, name: str = "") -> RecordRef:
        return RecordRef(model, record_id, name, "")

    def write(self, model: str, ids: list[int], values: dict[str, Any]) -> None:
        self.calls.append(("write", model, ids, values))

    def call(self, model: str, method: str, ids: list[int] | None = None, **kwargs: Any) -> Any:
        self.calls.append(("call", model, method, ids, kwargs))

    def search(self, model: str, domain: list[Any], **_: Any) -> list[int]:
        self.calls.append(("search", model, domain))
        return list(self.reminders)

    def unlink(self, model: str, ids: list[int]) -> None:
        self.calls.append(("unlink", model, ids))


def _rpc(gateway: _Recorder) -> RpcMaintenance:
    site = cast(ResolvedSite, SimpleNamespace(code="CLINIC"))
    return RpcMaintenance(ActionContext("technician", site, "nsc.technician", cast(OdooGateway, gateway)))


def test_the_rpc_request_is_the_one_typed_on_the_form() -> None:
    gateway = _Recorder()
    typed = PreventiveOccurrenceFactory.build(run_tag="UAT-1/CLINIC/PM", plan=PLAN, company_id=3)
    assert _rpc(gateway).open_request(typed).id == 41
    (_, model, values) = gateway.calls[0]
    assert model == "maintenance.request"
    assert values["repeat_until"] is False  # no end date: Odoo's False, not an empty string
    assert {key: values[key] for key in ("equipment_id", "maintenance_team_id", "company_id")} == {
        "equipment_id": 5,
        "maintenance_team_id": 2,
        "company_id": 3,
    }


def test_stages_note_cancel_and_reminders_do_what_the_screen_does() -> None:
    gateway = _Recorder(reminders=[7, 8])
    actions = _rpc(gateway)
    actions.start_work(REQUEST, pm.Stage(2, "In Progress", done=False))
    actions.complete(REQUEST, pm.Stage(3, "Repaired", done=True))
    actions.log_note(REQUEST, "carried out as planned")
    actions.cancel(REQUEST)
    assert actions.dismiss_reminders([REQUEST]) == 2
    assert gateway.calls[:4] == [
        ("write", "maintenance.request", [41], {"stage_id": 2}),
        ("write", "maintenance.request", [41], {"stage_id": 3}),
        (
            "call",
            "maintenance.request",
            "message_post",
            [41],
            {"body": "carried out as planned", "message_type": "comment", "subtype_xmlid": "mail.mt_note"},
        ),
        ("call", "maintenance.request", "archive_equipment_request", [41], {}),
    ]
    assert gateway.calls[-1] == ("unlink", "mail.activity", [7, 8])


def test_a_note_read_back_from_the_chatter_loses_its_html_only() -> None:
    assert (
        pm.plain_text("<p>UAT-1/CLINIC/PM: pump &amp; filter <b>done</b></p>") == "UAT-1/CLINIC/PM: pump & filter done"
    )


# -- the maintenance request form's page object, against HTML captured from the bundled Odoo 19 ----------------------


@pytest.fixture
def capture(request: pytest.FixtureRequest) -> Callable[[str], Page]:
    """Opens a captured page (the generic page objects' `load` fixture, shared)."""
    return cast(Callable[[str], Page], request.getfixturevalue("load"))


# maintenance_preventive_new: a new preventive request typed as the technician does (recurrence until a date, the
# unit's select menu open); maintenance_preventive_reminder: the saved request with Odoo's reminder in the chatter.


def test_dates_are_read_in_full_from_the_buttons_odoo_shows_them_as(capture: Callable[[str], Page]) -> None:
    form = MaintenanceRequestForm(capture("maintenance_preventive_new"), "http://odoo.capture")
    assert form.date_value("schedule_date") == "01/01/2027 08:00:00 AM"  # shown as "Jan 1, 2027, 8:00 AM"
    assert form.date_value("schedule_end") == "01/01/2027 09:30:00 AM"
    assert form.date_value("repeat_until") == "06/30/2028"


def test_the_recurrence_unit_is_a_select_menu_of_the_screens_labels(capture: Callable[[str], Page]) -> None:
    page = capture("maintenance_preventive_new")
    form = MaintenanceRequestForm(page, "http://odoo.capture")
    assert form.form.field("repeat_unit").locator("input.o_select_menu_toggler").input_value() == "Months"
    assert form.form.field("repeat_type").locator("input.o_select_menu_toggler").input_value() == "Until"
    items = page.locator(".o_select_menu_menu .o_select_menu_item")
    assert [text.strip() for text in items.all_inner_texts()] == ["Days", "Weeks", "Months", "Years"]
    radio = form.form.field("maintenance_type").locator("input[type=radio][data-value=preventive]")
    assert radio.count() == 1
    assert radio.is_checked()


def test_a_saved_request_offers_its_stages_cancel_and_its_reminder(capture: Callable[[str], Page]) -> None:
    form = MaintenanceRequestForm(capture("maintenance_preventive_reminder"), "http://odoo.capture")
    assert form.current_stage() == "New Request"
    assert {"In Progress", "Repaired"} <= set(form.stages())
    assert form.can_cancel()
    assert form.reminder_count() == 1
    cancel = form.page.locator(".o-mail-ActivityList .o-mail-Activity button.btn-danger").filter(has_text="Cancel")
    assert cancel.count() == 1
