"""The helpdesk ticket form (OCA helpdesk_mgmt) as the tier-1 agent and the tier-2 lead use it: intent methods on
the generic page objects, no assertions.

What is particular to this form: the priority is a row of stars (the lowest priority is no star at all, and a
click on the lit star puts it back there), the tags are a many2many_tags autocomplete (a picked tag becomes a
badge and the input empties), the description is Odoo's HTML editor, and the stage bar shows the time spent in
each stage next to its name and folds the closing stages behind "...".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from odoo_uat.browser.pages._base import PageObject, quoted
from odoo_uat.browser.pages.form import Form
from odoo_uat.browser.pages.many2one import DROPDOWN, Many2One
from odoo_uat.browser.pages.statusbar import Statusbar
from odoo_uat.browser.pages.web_client import WebClient, open_form
from odoo_uat.errors import OdooMissingRecord

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

TICKET = "helpdesk.ticket"
TICKETS_ACTION = "helpdesk-tickets"  # Helpdesk > Tickets (the action's URL path)
_FORM = ".o_action_manager .o_form_view"


class TicketForm:
    """The helpdesk ticket form (Helpdesk > Tickets).

    Usage::

        form = TicketForm(page, base_url)
        form.open_new()
        form.fill_title("UAT-.../CLINIC/TICKET Ward workstation cannot print")
        form.choose_team("Harbour Clinic Service Desk")
        form.choose_assignee("Clinic Agent")
        form.choose_category("Hardware / Printers")
        form.add_tag("Patient safety")
        form.type_description("What happened ...")
        form.set_priority("High")                   # a star click saves the ticket (it needs its description)
        ticket_id = form.save()
        form.open(ticket_id); form.move_to_stage("Done")
    """

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.client = WebClient(page, base_url)
        self.form = Form(page, model=TICKET)

    def open_new(self) -> None:
        open_form(self.page, lambda: self.client.new_record(TICKET, action=TICKETS_ACTION))

    def open(self, ticket_id: int) -> None:
        if self.client.location().record_id == ticket_id and self.page.locator(_FORM).count():
            return
        open_form(self.page, lambda: self.client.open_record(TICKET, ticket_id, action=TICKETS_ACTION))

    # -- what the agent types -------------------------------------------------------------------------------------
    def fill_title(self, title: str) -> None:
        self.form.fill("name", title)

    def choose_team(self, team: str) -> None:
        Many2One(self.page, model=TICKET).choose("team_id", team)

    def choose_assignee(self, user: str) -> None:
        """The "Assigned user". Odoo empties it when the team changes to one the user is not in: choose the team
        first."""
        Many2One(self.page, model=TICKET).choose("user_id", user)

    def choose_contact(self, partner: str) -> None:
        Many2One(self.page, model=TICKET).choose("partner_id", partner)

    def choose_category(self, category: str) -> None:
        """A category by its full name as the form offers it ('Parent / Child')."""
        Many2One(self.page, model=TICKET).choose("category_id", category)

    def add_tag(self, tag: str) -> None:
        TagsField(self.page, self.form.field("tag_ids"), model=TICKET).add("tag_ids", tag)

    def set_priority(self, label: str) -> None:
        PriorityStars(self.page, self.form.field("priority"), model=TICKET).choose("priority", label)

    def type_description(self, text: str) -> None:
        HtmlEditor(self.page, self.form.field("description"), model=TICKET).write("description", text)

    def save(self) -> int | None:
        return self.form.save()

    # -- what the lead does with the ticket -----------------------------------------------------------------------
    def stages(self) -> list[str]:
        return Statusbar(self.page, "stage_id", model=TICKET).stages()

    def can_move(self) -> bool:
        return Statusbar(self.page, "stage_id", model=TICKET).can_move()

    def move_to_stage(self, stage: str) -> None:
        """Clicks the stage (through "..." when folded); Odoo saves the ticket in that stage."""
        Statusbar(self.page, "stage_id", model=TICKET).move_to(stage)


class TagsField(PageObject):
    """A many2many_tags field (`within` is the field widget): type, pick the exact option, see its badge."""

    def badge(self, tag: str) -> Locator:
        return self.root.locator(".o_tag").filter(has=self.page.get_by_text(tag, exact=True))

    def add(self, name: str, tag: str) -> None:
        if self.badge(tag).count():
            return
        field_input = self.root.locator("input.o-autocomplete--input").first

        def pick() -> None:
            if Many2One(self.page, self.root, model=self.model).pick_option(field_input, tag, tag) is None:
                offered = self.page.locator(f"{DROPDOWN} li:not(.o_m2o_dropdown_option) [role=option]")
                raise OdooMissingRecord(
                    f"no tag {tag!r} offered when typing it; offered: {offered.all_inner_texts()}",
                    model=self.model,
                    method=f"add {name}",
                )

        self.act(f"add {name}", pick, self.badge(tag))


class PriorityStars(PageObject):
    """The priority widget (`within` is the field widget): one star per priority above the lowest, which is no
    star lit. A click on a dark star lights it and those before it; a click on the lit star puts the lowest back.
    Odoo saves the record on that click (the widget's autosave), so a new record's required fields must be set."""

    def choose(self, name: str, label: str) -> None:
        stars = self.root.locator(".o_priority_star")
        lit = self.root.locator(".o_priority_star[aria-checked=true]")
        star = self.root.locator(f".o_priority_star[aria-label={quoted(label)}]")
        if star.count():
            if star.first.get_attribute("aria-checked") != "true":
                self.act(f"set {name}", star.first.click, self.root.locator(f"{_lit(label)}"))
            return
        offered = [str(star.get_attribute("aria-label")) for star in stars.all()]
        if lit.count() == 0:
            return  # already the lowest priority: no star lit
        # `label` is no star: the lowest priority, which the widget sets back when the lit star is clicked again.
        self.act(f"set {name}", lit.first.click, lit, state="detached")
        if self.root.locator(".o_priority_star[aria-checked=true]").count():
            raise OdooMissingRecord(
                f"no priority {label!r} on the stars ({offered})", model=self.model, method=f"set {name}"
            )


def _lit(label: str) -> str:
    return f".o_priority_star[aria-label={quoted(label)}][aria-checked=true]"


class HtmlEditor(PageObject):
    """Odoo's HTML editor in a form (`within` is the field widget): the text is typed into its editable area."""

    def write(self, name: str, text: str) -> None:
        editable = self.root.locator(".note-editable, [contenteditable=true]").first

        def type_text() -> None:
            editable.click()
            # One insertion rather than keystrokes: a "/" typed key by key opens the editor's command menu.
            editable.fill(text)
            editable.blur()

        self.act(f"write {name}", type_text, editable.filter(has_text=text))
