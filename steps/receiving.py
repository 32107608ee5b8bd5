"""Receiving: supplier lots and expiry dates, short shipments, on-hand stock at the site."""

from __future__ import annotations

import math

from pytest_bdd import then, when

from fixtures.actors import Cast
from odoo_uat.cycles import requisition_to_receipt as r2r
from odoo_uat.gateway import OdooGateway, many2one_id
from odoo_uat.references import ResolvedSite
from odoo_uat.run_id import tag


@when(
    "the storekeeper receives the first delivery with the supplier's lots and expiry dates",
    target_fixture="receipt",
)
def storekeeper_receives(site: ResolvedSite, cast: Cast, requisition: r2r.PurchaseOrder, run_id: str) -> r2r.Receipt:
    policy = r2r.section_of(site)
    storekeeper = cast["storekeeper"]
    gateway = storekeeper.gateway
    receipts = r2r.receipts_of(gateway, requisition)
    order_record = storekeeper.record("purchase.order", requisition.id, requisition.name)
    storekeeper.expect(
        len(receipts) == 1,
        "The storekeeper finds the order's receipt in the site's warehouse",
        found=f"{len(receipts)} receipts",
        record=order_record,
    )
    picking = receipts[0]
    record = storekeeper.record("stock.picking", picking["id"], picking["name"])
    # checked before anything is received, so a type that would keep (or drop) the rest leaves nothing behind
    receipt_type = r2r.receipt_type(gateway, many2one_id(picking["picking_type_id"]) or 0)
    keep = policy.short_shipment.backorder
    storekeeper.expect(
        r2r.backorder_policy_allows(str(receipt_type["create_backorder"]), keep),
        f"The receipt type {receipt_type['name']} lets a short shipment "
        + ("keep the rest open as a backorder" if keep else "close the receipt without a backorder")
        + ", as the site expects (profile: short_shipment.backorder)",
        found=f"'Create Backorder' is {receipt_type['create_backorder']!r}: validating a short receipt "
        + r2r.BACKORDER_CHOICES.get(str(receipt_type["create_backorder"]), "does something unknown"),
        record=storekeeper.record("stock.picking.type", receipt_type["id"], str(receipt_type["name"])),
    )
    arriving = math.floor(policy.order_quantity * policy.short_shipment.receive_percent / 100)
    lots = r2r.plan_supplier_lots(
        tag(run_id, site.code, "LOT").replace("/", "-"), arriving, policy.lots, policy.shelf_life_days
    )
    product_id = site.id("requisition_to_receipt.product")
    stock_location = site.id("requisition_to_receipt.stock_location")
    before = r2r.on_hand(gateway, product_id, stock_location)
    with storekeeper.doing(
        f"The storekeeper can record {len(lots)} supplier lots with expiry dates and validate the receipt",
        record=record,
    ):
        received = storekeeper.receiving.receive_lots(
            record, product_id, lots, keep_backorder=policy.short_shipment.backorder
        )
    return r2r.Receipt(
        picking_id=picking["id"],
        picking_name=str(picking["name"]),
        lots=tuple(lots),
        validate_answer=received.answer,
        on_hand_before=before,
    )


@then("the short shipment is handled as the site expects")
def short_shipment_handled(
    site: ResolvedSite, cast: Cast, requisition: r2r.PurchaseOrder, receipt: r2r.Receipt
) -> None:
    policy = r2r.section_of(site)
    storekeeper = cast["storekeeper"]
    gateway = storekeeper.gateway
    record = storekeeper.record("stock.picking", receipt.picking_id, receipt.picking_name)
    done = gateway.read_one("stock.picking", receipt.picking_id, ["state"])
    storekeeper.expect(
        done["state"] == "done",
        "The delivered part of the order is received (receipt done)",
        found=f"receipt state {done['state']!r}",
        record=record,
    )
    backorders = gateway.search_read(
        "stock.picking", [("backorder_id", "=", receipt.picking_id)], ["name", "state", "origin"]
    )
    open_backorders = [b for b in backorders if b["state"] not in {"done", "cancel"}]
    received = sum(lot.quantity for lot in receipt.lots)
    missing = policy.order_quantity - received
    if policy.short_shipment.backorder:
        expectation = f"A short shipment keeps the missing {missing:g} units open as a backorder from the supplier"
        holds = len(open_backorders) == 1
    else:
        expectation = f"A short shipment closes the order's receipt: the missing {missing:g} units are not awaited"
        holds = not open_backorders
    storekeeper.expect(
        holds,
        expectation,
        found=f"{receipt.validate_answer}; open backorders: "
        + (", ".join(str(b["name"]) for b in open_backorders) or "none"),
        record=record,
    )


@then("the received lots are in the site's stock with the supplier's expiry dates")
def lots_in_site_stock(site: ResolvedSite, cast: Cast, receipt: r2r.Receipt) -> None:
    storekeeper = cast["storekeeper"]
    product_id = site.id("requisition_to_receipt.product")
    names = [lot.name for lot in receipt.lots]
    lots = {row["name"]: row for row in r2r.lots_with_expiry(storekeeper.gateway, product_id, names)}
    wrong = [
        f"{lot.name}: expected expiry {lot.expiration}, found {lots.get(lot.name, {}).get('expiration_date')}"
        for lot in receipt.lots
        if not str(lots.get(lot.name, {}).get("expiration_date") or "").startswith(lot.expiration.isoformat())
    ]
    storekeeper.expect(
        not wrong,
        "Each received lot carries the supplier's lot number and expiry date",
        found="; ".join(wrong),
        record=storekeeper.record("stock.picking", receipt.picking_id, receipt.picking_name),
    )
    site_stock = site.id("requisition_to_receipt.stock_location")
    quants = r2r.lot_whereabouts(storekeeper.gateway, product_id, names)
    at_site = {
        row["lot_id"][1]: row["quantity"]
        for row in quants
        if many2one_id(row["location_id"]) in _locations_under(storekeeper.gateway, site_stock)
    }
    short = [
        f"{lot.name}: {at_site.get(lot.name, 0):g} of {lot.quantity:g}"
        for lot in receipt.lots
        if not math.isclose(at_site.get(lot.name, 0.0), lot.quantity)
    ]
    storekeeper.expect(
        not short,
        f"Every received lot is on hand in {r2r.section_of(site).stock_location} in full",
        found="; ".join(short),
        record=storekeeper.record("stock.picking", receipt.picking_id, receipt.picking_name),
    )


def _locations_under(gateway: OdooGateway, location_id: int) -> set[int]:
    return set(gateway.search("stock.location", [("id", "child_of", location_id)]))


@then("on-hand stock at the site rose by exactly the received quantity")
def on_hand_rose(site: ResolvedSite, cast: Cast, receipt: r2r.Receipt) -> None:
    storekeeper = cast["storekeeper"]
    product_id = site.id("requisition_to_receipt.product")
    after = r2r.on_hand(storekeeper.gateway, product_id, site.id("requisition_to_receipt.stock_location"))
    received = sum(lot.quantity for lot in receipt.lots)
    storekeeper.expect(
        math.isclose(after - receipt.on_hand_before, received),
        f"On-hand stock of {r2r.section_of(site).product} at {r2r.section_of(site).stock_location} "
        f"rises by exactly the {received:g} units received",
        found=f"before {receipt.on_hand_before:g}, after {after:g} (change {after - receipt.on_hand_before:g})",
        record=storekeeper.record("stock.picking", receipt.picking_id, receipt.picking_name),
    )


@then("no other location at any site holds the received lots")
def lots_nowhere_else(site: ResolvedSite, cast: Cast, receipt: r2r.Receipt, uat_target: OdooGateway) -> None:
    storekeeper = cast["storekeeper"]
    product_id = site.id("requisition_to_receipt.product")
    everywhere = uat_target.across_companies().with_context(active_test=False)
    site_stock = _locations_under(everywhere, site.id("requisition_to_receipt.stock_location"))
    elsewhere = [
        f"{row['lot_id'][1]} x {row['quantity']:g} in {row['location_id'][1]} ({row['company_id'][1]})"
        for row in r2r.lot_whereabouts(everywhere, product_id, [lot.name for lot in receipt.lots])
        if many2one_id(row["location_id"]) not in site_stock
    ]
    storekeeper.expect(
        not elsewhere,
        "The received lots are held at this site's stock only, in no other location of any site",
        found="; ".join(elsewhere),
        record=storekeeper.record("stock.picking", receipt.picking_id, receipt.picking_name),
    )
