"""The helpdesk ticket form's page objects (odoo_uat/browser/pages/helpdesk.py) against the ticket form captured
from the bundled Odoo 19 (tests/pages/html/helpdesk_ticket_form.html), offline: every field the agent types into
and the lead clicks is found exactly once, the priority stars read as Odoo draws them. The same page objects
raise and resolve the ticket on the real Odoo in the helpdesk_escalation cycle (`uat run --mode browser`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page

from odoo_uat.browser.pages.helpdesk import HtmlEditor, PriorityStars, TagsField, TicketForm, _lit
from odoo_uat.browser.pages.many2one import Many2One
from tests.test_page_objects import ORIGIN, browser, load, odoo_page  # noqa: F401 - the captures' fixtures

TYPED_FIELDS = ("name", "team_id", "user_id", "partner_id", "category_id", "tag_ids", "priority", "description")


def count(locator: Any) -> int:
    return int(locator.count())


def test_every_field_the_agent_types_into_is_found_once(load: Callable[[str], Page]) -> None:  # noqa: F811
    page = load("helpdesk_ticket_form")
    form = TicketForm(page, ORIGIN)
    for name in TYPED_FIELDS:
        assert count(form.form.field(name)) == 1, name
    assert count(form.form.input("name")) == 1
    m2o = Many2One(page, model="helpdesk.ticket")
    for name in ("team_id", "user_id", "partner_id", "category_id"):
        assert count(m2o.input(name)) == 1, name
    tags = TagsField(page, form.form.field("tag_ids"), model="helpdesk.ticket")
    assert count(tags.root.locator("input.o-autocomplete--input")) == 1
    assert count(tags.badge("Patient safety")) == 0  # the captured ticket carries no tag
    editor = HtmlEditor(page, form.form.field("description"), model="helpdesk.ticket")
    assert count(editor.root.locator(".note-editable, [contenteditable=true]")) == 1


def test_the_priority_stars_leave_out_the_lowest_and_light_the_current_one(
    load: Callable[[str], Page],  # noqa: F811
) -> None:
    page = load("helpdesk_ticket_form")
    stars = PriorityStars(page, TicketForm(page, ORIGIN).form.field("priority"), model="helpdesk.ticket")
    labels = [star.get_attribute("aria-label") for star in stars.root.locator(".o_priority_star").all()]
    assert labels == ["Medium", "High", "Very High"]  # "Low" is no star at all
    assert count(stars.root.locator(_lit("Medium"))) == 1  # a new ticket's default
    assert count(stars.root.locator(_lit("High"))) == 0
    stars.choose("priority", "Medium")  # already lit: nothing to click (a click would put Low back)
    assert count(stars.root.locator(_lit("Medium"))) == 1


def test_the_lead_can_move_the_ticket_on_its_stage_bar(load: Callable[[str], Page]) -> None:  # noqa: F811
    page = load("helpdesk_ticket_form")
    form = TicketForm(page, ORIGIN)
    assert form.can_move()
    # the inline stages; "Done" is folded behind "..." (opened live only: the capture has no scripts)
    assert form.stages()[:3] == ["New", "In Progress", "Awaiting"]
