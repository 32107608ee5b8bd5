"""Transfer-to-consumption's actions, offline: both modes offer the same ward stock actions, each says what the
person does and is done on screen in browser mode, and the factories build what the storekeeper and the nurse
type (they write nothing themselves). The actions' effect on Odoo is proven live by the cycle's own runs."""

from __future__ import annotations

import inspect

from fixtures.factories.receiving import SupplierDeliveryFactory
from fixtures.factories.transfer_to_consumption import (
    WardConsumptionFactory,
    WardTransferFactory,
)
from odoo_uat.actions.base import Mode, action_names
from odoo_uat.actions.receiving import Delivery
from odoo_uat.actions.registry import DOMAINS
from odoo_uat.actions.ward_stock import WardConsumption, WardStockActions, WardTransfer, unanswered


def test_both_modes_offer_the_same_ward_stock_actions_with_the_same_signatures() -> None:
    rpc, browser = (DOMAINS["ward_stock"].implementation(mode) for mode in (Mode.RPC, Mode.BROWSER))
    protocol = sorted(name for name in vars(WardStockActions) if not name.startswith("_"))
    assert action_names(rpc) == action_names(browser) == protocol
    for name in protocol:
        assert inspect.signature(getattr(rpc, name)) == inspect.signature(getattr(browser, name)), name
        assert getattr(rpc, name).__uat_action__ == getattr(browser, name).__uat_action__, name


def test_every_ward_stock_action_is_done_on_screen_in_browser_mode() -> None:
    """A storekeeper plans and validates transfers, a nurse records consumption: all on Odoo's screens."""
    source = inspect.getsource(DOMAINS["ward_stock"].implementation(Mode.BROWSER))
    assert "stays_on_rpc" not in source
    assert "NotImplementedError" not in source


def test_the_factories_build_what_the_storekeeper_and_the_nurse_type() -> None:
    transfer = WardTransferFactory.build(
        run_tag="UAT-1/CLINIC/WARD-TRANSFER",
        picking_type_id=15,
        source_location_id=18,
        destination_location_id=35,
        product_id=3,
        quantity=30,
    )
    consumption = WardConsumptionFactory.build(run_tag="UAT-1/CLINIC/WARD-CONSUMPTION", quantity=25)
    delivery = SupplierDeliveryFactory.build(run_tag="UAT-1/CLINIC/T2C-DELIVERY", partner_id=7, quantity=60)
    assert isinstance(transfer, WardTransfer)
    assert not isinstance(transfer, WardConsumption)
    assert (transfer.source_location_id, transfer.destination_location_id, transfer.quantity) == (18, 35, 30)
    assert isinstance(consumption, WardConsumption)
    assert (consumption.run_tag, consumption.quantity) == ("UAT-1/CLINIC/WARD-CONSUMPTION", 25)
    assert isinstance(delivery, Delivery)
    assert (delivery.partner_id, delivery.quantity, delivery.source_location_id) == (7, 60, 0)


def test_an_unanswered_question_is_said_the_same_way_in_both_modes() -> None:
    assert unanswered("stock.backorder.confirmation") == (
        "Odoo asked stock.backorder.confirmation on validation; the harness did not answer"
    )
