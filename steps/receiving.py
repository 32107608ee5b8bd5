"""Receiving: supplier lots and expiry dates, short shipments, on-hand stock at the site; a delivery note given as
a feature's data table, with lots expiring soon or already expired."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pytest_bdd import parsers, then, when

from fixtures.actors import Cast
from odoo_uat.actions.receiving import ExpiredLots
from odoo_uat.actors import Actor
from odoo_uat.cycles import receiving as rcv
from odoo_uat.cycles import requisition_to_receipt as r2r
from odoo_uat.errors import RecordRef
from odoo_uat.gateway import OdooGateway, many2one_id
from odoo_uat.language import PARSE_TYPES, reads_table
from odoo_uat.references import ResolvedSite
from odoo_uat.reporting import record_quantities
from odoo_uat.reporting.quantities import Judged
from odoo_uat.run_id import tag


def _everywhere(uat_target: OdooGateway) -> OdooGateway:
    """Every company's stock, archived locations too: where a lot may be that no site's role sees."""
    return uat_target.across_companies().with_context(active_test=False)


@when(
    "the storekeeper receives the first delivery with the supplier's lots and expiry dates",
    target_fixture="receipt",
)
def storekeeper_receives(
    site: ResolvedSite, cast: Cast, requisition: r2r.PurchaseOrder, run_id: str, uat_target: OdooGateway
) -> r2r.Receipt:
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
    lots_before = rcv.lots_held(_everywhere(uat_target), product_id, [lot.name for lot in lots])
    quantities_before = r2r.receipt_quantities(gateway, requisition, product_id)
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
        lots_before=lots_before,
        quantities_before=quantities_before,
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
    _record_short_shipment(site, storekeeper, requisition, receipt, received, missing)
    storekeeper.expect(
        holds,
        expectation,
        found=f"{receipt.validate_answer}; open backorders: "
        + (", ".join(str(b["name"]) for b in open_backorders) or "none"),
        record=record,
    )


def _record_short_shipment(
    site: ResolvedSite,
    storekeeper: Actor,
    requisition: r2r.PurchaseOrder,
    receipt: r2r.Receipt,
    received: float,
    missing: float,
) -> None:
    """The order's units received and still awaited, before the receipt and now, as the site's policy wants them."""
    product = r2r.section_of(site).product
    keep = r2r.section_of(site).short_shipment.backorder
    now = r2r.receipt_quantities(storekeeper.gateway, requisition, site.id("requisition_to_receipt.product"))
    was = receipt.quantities_before
    received_row, awaited_row = (
        (product, f"received on order {requisition.name}"),
        (product, "still awaited from the supplier" + (" (backorder)" if keep else "")),
    )
    record_quantities(
        f"units received and awaited on order {requisition.name}",
        before={received_row: was.received if was else None, awaited_row: was.awaited if was else None},
        after={received_row: now.received, awaited_row: now.awaited},
        by=("product", "what"),
        expected={
            received_row: received,
            awaited_row: Judged(
                f"{missing:g} left awaited" if keep else "none left awaited", _same(now.awaited, missing if keep else 0)
            ),
        },
        unit="units",
    )


def _same(first: float, second: float) -> bool:
    return math.isclose(first, second, abs_tol=1e-6)


@then("the received lots are in the site's stock with the supplier's expiry dates")
def lots_in_site_stock(site: ResolvedSite, cast: Cast, receipt: r2r.Receipt) -> None:
    storekeeper = cast["storekeeper"]
    product_id = site.id("requisition_to_receipt.product")
    names = [lot.name for lot in receipt.lots]
    stock_location = r2r.section_of(site).stock_location
    site_stock = _locations_under(storekeeper.gateway, site.id("requisition_to_receipt.stock_location"))
    at_site: dict[str, float] = {}
    for row in r2r.lot_whereabouts(storekeeper.gateway, product_id, names):
        if many2one_id(row["location_id"]) in site_stock:
            at_site[str(row["lot_id"][1])] = at_site.get(str(row["lot_id"][1]), 0.0) + float(row["quantity"])
    record_quantities(  # first: whichever check below breaks, the lots' stock is in the evidence
        f"received lots on hand in {stock_location} (and the locations under it)",
        before={
            (lot.name, stock_location): rcv.held_in(receipt.lots_before, lot.name, site_stock)[0]
            for lot in receipt.lots
        },
        after={(lot.name, stock_location): at_site.get(lot.name, 0.0) for lot in receipt.lots},
        by=("lot", "location"),
        expected={
            (lot.name, stock_location): Judged(
                f"{lot.quantity:g} on hand", math.isclose(at_site.get(lot.name, 0.0), lot.quantity)
            )
            for lot in receipt.lots
        },
        unit="units",
    )
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
    short = [
        f"{lot.name}: {at_site.get(lot.name, 0):g} of {lot.quantity:g}"
        for lot in receipt.lots
        if not math.isclose(at_site.get(lot.name, 0.0), lot.quantity)
    ]
    storekeeper.expect(
        not short,
        f"Every received lot is on hand in {stock_location} in full",
        found="; ".join(short),
        record=storekeeper.record("stock.picking", receipt.picking_id, receipt.picking_name),
    )


def _outside(held: Sequence[rcv.LotHeld], lot: str, location_ids: set[int]) -> float:
    return rcv.held_in(held, lot, location_ids, inside=False)[0]


def _held_outside(held: Sequence[rcv.LotHeld], lot: str, location_ids: set[int]) -> bool:
    return any(row.lot == lot and row.location_id not in location_ids for row in held)


def _locations_under(gateway: OdooGateway, location_id: int) -> set[int]:
    return set(gateway.search("stock.location", [("id", "child_of", location_id)]))


@then("on-hand stock at the site rose by exactly the received quantity")
def on_hand_rose(site: ResolvedSite, cast: Cast, receipt: r2r.Receipt) -> None:
    storekeeper = cast["storekeeper"]
    product_id = site.id("requisition_to_receipt.product")
    after = r2r.on_hand(storekeeper.gateway, product_id, site.id("requisition_to_receipt.stock_location"))
    received = sum(lot.quantity for lot in receipt.lots)
    where = (r2r.section_of(site).product, r2r.section_of(site).stock_location)
    record_quantities(
        "on-hand stock at the site",
        before={where: receipt.on_hand_before},
        after={where: after},
        by=("product", "location"),
        expected={where: received},
    )
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
    now = rcv.lots_held(everywhere, product_id, [lot.name for lot in receipt.lots])
    other = f"outside {r2r.section_of(site).stock_location}, at any site"
    record_quantities(
        "received lots held in any other location of any site",
        before={(lot.name, other): _outside(receipt.lots_before, lot.name, site_stock) for lot in receipt.lots},
        after={(lot.name, other): _outside(now, lot.name, site_stock) for lot in receipt.lots},
        by=("lot", "where"),
        expected={
            (lot.name, other): Judged("none held", not _held_outside(now, lot.name, site_stock)) for lot in receipt.lots
        },
        unit="units",
    )
    storekeeper.expect(
        not elsewhere,
        "The received lots are held at this site's stock only, in no other location of any site",
        found="; ".join(elsewhere),
        record=storekeeper.record("stock.picking", receipt.picking_id, receipt.picking_name),
    )


# -- a delivery note as a data table: lots expiring soon or already expired ----------------------------------------

# What the storekeeper does when Odoo warns that lots are expired (or past their removal date), as a feature says it.
EXPIRED_LOT_ANSWERS: Mapping[str, ExpiredLots] = {"refusing": ExpiredLots.REFUSE, "accepting": ExpiredLots.ACCEPT}


def parse_expired_lot_answer(text: str) -> ExpiredLots:
    return EXPIRED_LOT_ANSWERS[text]


parse_expired_lot_answer.pattern = "|".join(EXPIRED_LOT_ANSWERS)  # type: ignore[attr-defined]  # read by `parse`
STEP_TYPES: Mapping[str, Callable[[str], Any]] = {**PARSE_TYPES, "ExpiredLotAnswer": parse_expired_lot_answer}

RECEIVE_TABLE = (
    "the storekeeper receives the order with these supplier lots, {expired_lots:ExpiredLotAnswer} any lot Odoo "
    "flags as expired:"
)


@when(parsers.parse(RECEIVE_TABLE, extra_types=STEP_TYPES), target_fixture="lots_receipt")
@reads_table(*rcv.SUPPLIER_LOT_COLUMNS)
def storekeeper_receives_table_of_lots(
    site: ResolvedSite,
    cast: Cast,
    requisition: r2r.PurchaseOrder,
    datatable: Sequence[Sequence[str]],
    expired_lots: ExpiredLots,
    run_id: str,
    uat_target: OdooGateway,
) -> rcv.LotsReceipt:
    """The order's receipt, with the table's lots (quantity, expires) of the site's supply; where the lots fall
    short of the order, Odoo's backorder question is answered as the site expects (profile: short_shipment)."""
    # the lot numbers carry the run and the order's name: unique per scenario, whatever else the run receives
    prefix = f"{tag(run_id, site.code, 'LOT')}/{requisition.name}".replace("/", "-")
    step = "the storekeeper receives the order with these supplier lots"
    lots = rcv.table_lots(datatable, prefix, step=step)  # a bad column or cell blocks the scenario: exit 13
    storekeeper = cast["storekeeper"]
    receipts = r2r.receipts_of(storekeeper.gateway, requisition)
    storekeeper.expect(
        len(receipts) == 1,
        "The storekeeper finds the order's receipt in the site's warehouse",
        found=f"{len(receipts)} receipts",
        record=storekeeper.record("purchase.order", requisition.id, requisition.name),
    )
    picking = receipts[0]
    record = storekeeper.record("stock.picking", picking["id"], picking["name"])
    product_id = site.id("requisition_to_receipt.product")
    stock_before = rcv.lots_held(_everywhere(uat_target), product_id, [lot.lot.name for lot in lots])
    with storekeeper.doing(
        f"The storekeeper can record {len(lots)} supplier lots with expiry dates and validate the receipt, "
        f"answering '{expired_lots.value}' if Odoo warns that lots are expired",
        record=record,
    ):
        received = storekeeper.receiving.receive_lots(
            record,
            product_id,
            [lot.lot for lot in lots],
            keep_backorder=r2r.section_of(site).short_shipment.backorder,
            expired_lots=expired_lots,
        )
    return rcv.LotsReceipt(
        picking_id=picking["id"],
        picking_name=str(picking["name"]),
        product_id=product_id,
        lots=tuple(lots),
        validate_answer=received.answer,
        expiry_warning=received.expiry_warning,
        stock_before=stock_before,
    )


def _lot_step(text: str) -> Any:
    return parsers.parse(text, extra_types=PARSE_TYPES)


def _validated(storekeeper: Actor, receipt: rcv.LotsReceipt, record: RecordRef) -> None:
    """What every check of a lot relies on: the receipt went through (else no lot is anywhere)."""
    state = rcv.picking_state(storekeeper.gateway, receipt.picking_id)
    storekeeper.expect(
        state == "done",
        "The storekeeper validated the receipt of the supplier's lots",
        found=f"receipt state {state!r}; {receipt.validate_answer}",
        record=record,
    )


def _receipt_record(storekeeper: Actor, receipt: rcv.LotsReceipt) -> RecordRef:
    return storekeeper.record("stock.picking", receipt.picking_id, receipt.picking_name)


@then("Odoo warned the storekeeper that the delivery holds an expired lot")
def odoo_warned_of_expired_lot(cast: Cast, lots_receipt: rcv.LotsReceipt) -> None:
    storekeeper = cast["storekeeper"]
    storekeeper.expect(
        bool(lots_receipt.expiry_warning),
        "Before the receipt is validated, Odoo warns the storekeeper that a lot of the delivery is expired "
        "(or past its removal date) and asks her to confirm",
        found=lots_receipt.validate_answer
        + (f"; Odoo's words: {lots_receipt.expiry_warning!r}" if lots_receipt.expiry_warning else ""),
        record=_receipt_record(storekeeper, lots_receipt),
    )


REFUSED_LOT = "the lot with expiry date {when:RelativeDay} was refused and is in no stock"


@then(_lot_step(REFUSED_LOT))
def lot_refused(cast: Cast, lots_receipt: rcv.LotsReceipt, when: int, uat_target: OdooGateway) -> None:
    table_lot = rcv.lot_expiring(lots_receipt.lots, when, step=REFUSED_LOT.replace("{when:RelativeDay}", str(when)))
    storekeeper = cast["storekeeper"]
    record = _receipt_record(storekeeper, lots_receipt)
    _validated(storekeeper, lots_receipt, record)
    everywhere = _everywhere(uat_target)
    held = rcv.lot_stock(everywhere, lots_receipt.product_id, table_lot.lot.name)
    row = (table_lot.lot.name, "any location of any site")
    record_quantities(
        f"refused lot {table_lot.lot.name} in stock",
        before={row: rcv.held_in(lots_receipt.stock_before, table_lot.lot.name)[0]},
        after={row: float(sum(float(quant["quantity"]) for quant in held))},
        by=("lot", "where"),
        expected={row: Judged("none held", not held)},
        unit="units",
    )
    storekeeper.expect(
        not held,
        f"The supplier's lot {table_lot.lot.name} (expiry date {table_lot.lot.expiration}, {table_lot.said()}) is "
        "refused at receipt: no location of any site holds it",
        found="; ".join(f"{row['quantity']:g} in {row['location_id'][1]}" for row in held)
        + f" ({lots_receipt.validate_answer})",
        record=record,
    )


def _lot_at_site(
    site: ResolvedSite, storekeeper: Actor, receipt: rcv.LotsReceipt, table_lot: rcv.TableLot
) -> dict[str, Any]:
    """Checks the lot is in the site's stock in full with the table's expiry date; returns the lot as Odoo has it.

    The lot's stock at the site, before the receipt and now, is shown first: whichever check below breaks."""
    record = _receipt_record(storekeeper, receipt)
    lot = table_lot.lot
    stock_location = r2r.section_of(site).stock_location
    site_stock = rcv.locations_under(storekeeper.gateway, site.id("requisition_to_receipt.stock_location"))
    rows = rcv.lot_stock(storekeeper.gateway, receipt.product_id, lot.name)
    at_site = rcv.quantity_in(rows, site_stock)
    key = (lot.name, stock_location)
    record_quantities(
        f"lot {lot.name} on hand in {stock_location} (and the locations under it)",
        before={key: rcv.held_in(receipt.stock_before, lot.name, site_stock)[0]},
        after={key: at_site},
        by=("lot", "location"),
        expected={key: Judged(f"{lot.quantity:g} on hand", math.isclose(at_site, lot.quantity))},
        unit="units",
    )
    _validated(storekeeper, receipt, record)
    found = rcv.lot_named(storekeeper.gateway, receipt.product_id, lot.name)
    storekeeper.expect(
        found is not None and rcv.expiry_day(found) == lot.expiration.isoformat(),
        f"The supplier's lot {lot.name} is recorded with the expiry date of the delivery note, {lot.expiration} "
        f"({table_lot.said()})",
        found=f"expiry date {rcv.expiry_day(found) or '(none)'}" if found else "no such lot in Odoo",
        record=record,
    )
    assert found is not None
    storekeeper.expect(
        math.isclose(at_site, lot.quantity),
        f"The {lot.quantity:g} units of lot {lot.name} are on hand in {stock_location}",
        found=f"{at_site:g} at the site's stock; "
        + ("; ".join(f"{row['quantity']:g} in {row['location_id'][1]}" for row in rows) or "in no location"),
        record=storekeeper.record("stock.lot", int(found["id"]), lot.name),
    )
    return {
        **found,
        "available_at_site": rcv.quantity_in(rows, site_stock, "available_quantity"),
        "site_stock": site_stock,
    }


IN_STOCK = "the lot with expiry date {when:RelativeDay} is in the site's stock with its expiry date"


@then(_lot_step(IN_STOCK))
def lot_in_site_stock(site: ResolvedSite, cast: Cast, lots_receipt: rcv.LotsReceipt, when: int) -> None:
    table_lot = rcv.lot_expiring(lots_receipt.lots, when, step=IN_STOCK.replace("{when:RelativeDay}", str(when)))
    _lot_at_site(site, cast["storekeeper"], lots_receipt, table_lot)


IN_STOCK_EXPIRED = "the lot with expiry date {when:RelativeDay} is in the site's stock, flagged as expired"


@then(_lot_step(IN_STOCK_EXPIRED))
def lot_in_stock_flagged_expired(site: ResolvedSite, cast: Cast, lots_receipt: rcv.LotsReceipt, when: int) -> None:
    step = IN_STOCK_EXPIRED.replace("{when:RelativeDay}", str(when))
    table_lot = rcv.lot_expiring(lots_receipt.lots, when, step=step)
    storekeeper = cast["storekeeper"]
    lot = _lot_at_site(site, storekeeper, lots_receipt, table_lot)
    name = table_lot.lot.name
    available, flagged = (name, "available to issue at the site"), (name, "flagged as expired by Odoo")
    nothing_available = math.isclose(lot["available_at_site"], 0.0, abs_tol=1e-9)
    record_quantities(
        f"expired lot {name}: what of it may be issued",
        before={available: rcv.held_in(lots_receipt.stock_before, name, lot["site_stock"])[1], flagged: None},
        after={available: lot["available_at_site"], flagged: bool(lot["product_expiry_alert"])},
        by=("lot", "what"),
        expected={available: Judged("none available", nothing_available), flagged: True},
        unit="units",
    )
    storekeeper.expect(
        bool(lot["product_expiry_alert"]) and math.isclose(lot["available_at_site"], 0.0, abs_tol=1e-9),
        f"Odoo flags lot {table_lot.lot.name} as expired and counts none of it as available to issue",
        found=f"expired flag {lot['product_expiry_alert']}, removal date {lot['removal_date']}, "
        f"available {lot['available_at_site']:g}",
        record=storekeeper.record("stock.lot", int(lot["id"]), table_lot.lot.name),
    )


ON_ALERTS = "the lot with expiry date {when:RelativeDay} is on Odoo's expiration alerts"


@then(_lot_step(ON_ALERTS))
def lot_on_expiration_alerts(cast: Cast, lots_receipt: rcv.LotsReceipt, when: int) -> None:
    table_lot = rcv.lot_expiring(lots_receipt.lots, when, step=ON_ALERTS.replace("{when:RelativeDay}", str(when)))
    storekeeper = cast["storekeeper"]
    record = _receipt_record(storekeeper, lots_receipt)
    _validated(storekeeper, lots_receipt, record)
    lot = rcv.lot_named(storekeeper.gateway, lots_receipt.product_id, table_lot.lot.name)
    storekeeper.expect(
        lot is not None and rcv.on_expiration_alerts(storekeeper.gateway, int(lot["id"])),
        f"Odoo lists lot {table_lot.lot.name}, expiring on {table_lot.lot.expiration} ({table_lot.said()}), among "
        "its expiration alerts (Inventory > Lots/Serial Numbers, filter 'Expiration Alerts': alert date reached; "
        "the product's 'Alert Date' sets how many days before expiry)",
        found=f"alert date {lot['alert_date'] or '(none)'}, expiry date {lot['expiration_date']}"
        if lot
        else "no such lot in Odoo",
        record=storekeeper.record("stock.lot", int(lot["id"]), table_lot.lot.name) if lot else record,
    )
