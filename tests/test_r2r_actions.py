"""Requisition-to-receipt's actions, offline: both modes offer the same actions, each says what the person does,
and the requester's factory builds the requisition the action creates (it writes nothing itself)."""

from __future__ import annotations

import inspect
from datetime import date

import pytest

from fixtures.factories.purchase import RequisitionFactory
from odoo_uat.actions.base import Mode, action_names
from odoo_uat.actions.purchasing import Requisition
from odoo_uat.actions.registry import DOMAINS
from odoo_uat.browser.pages.receipt import TypedDates

R2R_DOMAINS = ("purchasing", "receiving", "billing")


@pytest.mark.parametrize("domain", R2R_DOMAINS)
def test_both_modes_offer_the_same_actions_with_the_same_signatures(domain: str) -> None:
    rpc, browser = (DOMAINS[domain].implementation(mode) for mode in (Mode.RPC, Mode.BROWSER))
    assert action_names(rpc) == action_names(browser)
    assert action_names(rpc), f"{domain} offers no action"
    for name in action_names(rpc):
        assert inspect.signature(getattr(rpc, name)) == inspect.signature(getattr(browser, name)), name
        assert getattr(rpc, name).__uat_action__ == getattr(browser, name).__uat_action__, name


@pytest.mark.parametrize("domain", R2R_DOMAINS)
def test_every_browser_action_of_the_cycle_is_done_on_screen(domain: str) -> None:
    """No action of requisition-to-receipt stays on RPC in browser mode: a person does each of them on a screen."""
    browser = DOMAINS[domain].implementation(Mode.BROWSER)
    source = inspect.getsource(browser)
    assert "stays_on_rpc" not in source
    assert "NotImplementedError" not in source


def test_the_requisition_factory_builds_what_the_requester_types() -> None:
    requisition = RequisitionFactory.build(run_tag="UAT-1/CLINIC/RFQ", partner_id=7, product_id=3, quantity=120)
    assert isinstance(requisition, Requisition)
    assert (requisition.run_tag, requisition.partner_id, requisition.product_id) == ("UAT-1/CLINIC/RFQ", 7, 3)
    assert (requisition.quantity, requisition.picking_type_id) == (120, 0)


def test_dates_are_typed_in_the_users_formats_and_expiry_at_noon() -> None:
    us = TypedDates("%m/%d/%Y", "%I:%M:%S %p")
    assert us.day(date(2026, 12, 2)) == "12/02/2026"
    assert us.noon_of(date(2028, 6, 30)) == "06/30/2028 12:00:00 PM"
    assert TypedDates("%d/%m/%Y", "%H:%M:%S").noon_of(date(2028, 6, 30)) == "30/06/2028 12:00:00"
