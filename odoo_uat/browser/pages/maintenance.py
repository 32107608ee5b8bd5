"""The maintenance request form as the biomedical technician uses it: intent methods on the generic page objects,
no assertions.

What is particular to this form: the request type is a radio, the recurrence unit and kind are Odoo 19 select menus
(not <select>s), dates are typed in the user's format and time zone, the stages are the customer's (some folded
behind "..."), "Cancel" archives the request, and its reminders are the planned activities of the chatter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser import waits
from odoo_uat.browser.pages._base import PageObject, quoted
from odoo_uat.browser.pages.chatter import Chatter
from odoo_uat.browser.pages.form import Form
from odoo_uat.browser.pages.many2one import Many2One
from odoo_uat.browser.pages.statusbar import Statusbar
from odoo_uat.browser.pages.web_client import WebClient
from odoo_uat.errors import OdooAccessError, OdooMissingRecord

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

REQUEST = "maintenance.request"
REQUESTS_ACTION = "maintenance.hr_equipment_request_action"  # Maintenance > Maintenance > Maintenance Requests

# Odoo's own formatting of a UTC value for the user's screen (their date format, the browser's time zone).
_FORMAT_DATETIME = """
(value) => {
    const dates = odoo.loader.modules.get("@web/core/l10n/dates");
    return dates.formatDateTime(luxon.DateTime.fromSQL(value, { zone: "utc" }));
}
"""
_FORMAT_DATE = """
(value) => odoo.loader.modules.get("@web/core/l10n/dates").formatDate(luxon.DateTime.fromISO(value))
"""

_DATE_VALUE = """
(selector) => {
    const field = document.querySelector(selector);
    const shown = field && field.querySelector("input, button");
    return shown ? (shown.value || shown.getAttribute("value") || "") : "";
}
"""
_SHOWS_DATE = "([selector, value]) => (" + _DATE_VALUE.strip() + ")(selector) === value"


class MaintenanceRequestForm:
    """The maintenance request form (Maintenance > Maintenance Requests).

    Usage::

        form = MaintenanceRequestForm(page, base_url)
        form.open_new()
        form.fill_subject("UAT-.../PM: Preventive maintenance - Pump")
        form.choose_equipment("Infusion pump", "Infusion pump/NSC-IP-0001")
        form.set_request_type("preventive")
        form.choose_team("Northside Clinic Biomedical")
        form.fill_schedule("2026-12-01 09:00:00", "2026-12-01 10:00:00")   # Odoo's UTC values
        form.set_recurrence(every=3, unit="Months", kind="Forever", until="")
        request_id = form.save()
        form.move_to_stage("In Progress"); form.log_note("..."); form.cancel()
        form.reminder_count(); form.cancel_reminder()
    """

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.client = WebClient(page, base_url)
        self.form = Form(page, model=REQUEST)

    def open_new(self) -> None:
        self.client.new_record(REQUEST, action=REQUESTS_ACTION)

    def open(self, request_id: int) -> None:
        if self.client.location().record_id != request_id or self.page.locator(".o_form_view").count() == 0:
            self.client.open_record(REQUEST, request_id, action=REQUESTS_ACTION)

    # -- what the technician types --------------------------------------------------------------------------------
    def fill_subject(self, subject: str) -> None:
        self.form.fill("name", subject)

    def choose_equipment(self, search: str, equipment: str) -> None:
        Many2One(self.page, model=REQUEST).choose("equipment_id", search, option=equipment)

    def choose_team(self, team: str) -> None:
        Many2One(self.page, model=REQUEST).choose("maintenance_team_id", team)

    def set_request_type(self, value: str) -> None:
        """Ticks the "Maintenance Type" radio whose value is `value` (corrective / preventive)."""
        radio = self.form.field("maintenance_type").locator(f"input[type=radio][data-value={quoted(value)}]")
        self.form.act("set maintenance_type", lambda: radio.check(force=True))

    def fill_schedule(self, start: str, end: str) -> None:
        """The scheduled start and end, given as Odoo stores them (UTC); typed as the screen shows dates.
        The end follows the start by an hour unless typed: it is typed only when it should differ."""
        if start:
            self.type_date("schedule_date", self._on_screen(_FORMAT_DATETIME, start))
        if end:
            wanted = self._on_screen(_FORMAT_DATETIME, end)
            if self.date_value("schedule_end") != wanted:
                self.type_date("schedule_end", wanted)

    def set_recurrence(self, *, every: int, unit: str, kind: str, until: str) -> None:
        """Ticks "Recurrent" and sets its interval, unit and kind (labels as on screen), and the end date (ISO)."""
        self.form.set_checked("recurring_maintenance", True)
        self.form.field("repeat_interval").wait_for(state="visible", timeout=waits.DEFAULT_TIMEOUT_MS)
        self.form.fill("repeat_interval", every)
        self.choose_option("repeat_unit", unit)
        self.choose_option("repeat_type", kind)
        if until:
            self.type_date("repeat_until", self._on_screen(_FORMAT_DATE, until))

    def set_not_recurring(self) -> None:
        if self.form.has_field("recurring_maintenance"):
            self.form.set_checked("recurring_maintenance", False)

    def choose_option(self, name: str, label: str) -> None:
        """Picks `label` in a selection field, which Odoo 19 shows as a select menu (a dropdown of items)."""
        SelectMenu(self.page, self.form.field(name), model=REQUEST).choose(name, label)

    def type_date(self, name: str, value: str) -> None:
        """Types a date as the screen shows them and applies it with Enter. Odoo 19 shows a date field that is not
        being edited as a button with a short date ("Dec 1, 9:00 AM"): a click turns it into the input."""
        field = self.form.field(name)
        editor = field.locator("input").first

        def type_value() -> None:
            if editor.count() == 0:
                field.locator("button").first.click()
            editor.fill(value)
            editor.press("Enter")

        self.form.act(f"fill {name}", type_value)
        self.page.wait_for_function(
            _SHOWS_DATE, arg=[f".o_form_view div.o_field_widget[name={quoted(name)}]", value], timeout=5000
        )

    def date_value(self, name: str) -> str:
        """The full date a date field holds, in the screen's format (its input's value, or its button's)."""
        waits.wait_idle(self.page)
        return str(self.page.evaluate(_DATE_VALUE, f".o_form_view div.o_field_widget[name={quoted(name)}]"))

    def save(self) -> int | None:
        return self.form.save()

    def _on_screen(self, script: str, value: str) -> str:
        waits.wait_idle(self.page)
        return str(self.page.evaluate(script, value))

    # -- what the technician does with the request ----------------------------------------------------------------
    def stages(self) -> list[str]:
        return Statusbar(self.page, "stage_id", model=REQUEST).stages()

    def current_stage(self) -> str:
        return Statusbar(self.page, "stage_id", model=REQUEST).current()

    def move_to_stage(self, stage: str) -> None:
        """Clicks the stage (through "..." when folded); Odoo saves the request in that stage."""
        Statusbar(self.page, "stage_id", model=REQUEST).move_to(stage)

    def can_cancel(self) -> bool:
        return self.form.has_button("archive_equipment_request")

    def cancel(self) -> None:
        """The header's "Cancel": Odoo archives the request; the form then offers "Reopen Request"."""
        self.form.press("archive_equipment_request", result=self.form.button("reset_equipment_request"))

    def log_note(self, text: str) -> None:
        Chatter(self.page, model=REQUEST).log_note(text)

    def reminder_count(self) -> int:
        return Reminders(self.page, model=REQUEST).count()

    def cancel_reminder(self) -> None:
        Reminders(self.page, model=REQUEST).cancel_first()


class SelectMenu(PageObject):
    """An Odoo 19 selection field shown as a select menu: an input that opens a dropdown of items."""

    def choose(self, name: str, label: str) -> None:
        toggler = self.root.locator("input.o_select_menu_toggler, button.o_select_menu_toggler").first
        items = self.page.locator(".o_select_menu_menu .o_select_menu_item")

        def pick() -> None:
            toggler.click()
            items.first.wait_for(state="visible", timeout=waits.DEFAULT_TIMEOUT_MS)  # the menu is rendered
            exact = [candidate for candidate in items.all() if candidate.inner_text().strip() == label]
            if not exact:
                offered = items.all_inner_texts()
                toggler.press("Escape")
                raise OdooMissingRecord(
                    f"no option {label!r}; offered: {[text.strip() for text in offered]}",
                    model=self.model,
                    method=f"choose {name}",
                )
            exact[0].click()

        self.act(f"choose {name}", pick)
        self.page.wait_for_function(
            "([input, label]) => !input || (input.value || input.textContent || '').trim() === label",
            arg=[toggler.element_handle(), label],
            timeout=waits.DEFAULT_TIMEOUT_MS,
        )


class Reminders(PageObject):
    """The chatter's "Planned Activities": the reminders Odoo schedules on a record."""

    def __init__(self, page: Page, *, model: str = "") -> None:
        super().__init__(page, page.locator(".o-mail-Chatter").first, model=model)
        self.activities: Locator = self.root.locator(".o-mail-ActivityList .o-mail-Activity")

    def count(self) -> int:
        waits.wait_idle(self.page)
        return self.activities.count()

    def cancel_first(self) -> None:
        """The activity's "Cancel" (Odoo deletes it). A reminder the role may not change shows no such button."""
        before = self.count()
        activity = self.activities.first
        cancel = activity.locator("button.btn-danger").filter(has_text="Cancel")
        if cancel.count() == 0:
            raise OdooAccessError(
                f"the reminder {' '.join(activity.inner_text().split())!r} offers no Cancel to this user",
                model=self.model,
                method="cancel activity",
            )
        self.act("cancel activity", cancel.first.click, self.activities.nth(before - 1), state="detached")
