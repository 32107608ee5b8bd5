"""Ward stock: supplies moved from the site's store to a ward in removal order, then consumed at cost."""

from __future__ import annotations

import math

from pytest_bdd import given, then, when

from fixtures.actors import Cast
from fixtures.factories.transfer_to_consumption import (
    SupplierDeliveryFactory,
    WardConsumptionFactory,
    WardTransferFactory,
)
from odoo_uat.actors import Actor
from odoo_uat.cycles import receiving
from odoo_uat.cycles import transfer_to_consumption as t2c
from odoo_uat.errors import RecordRef
from odoo_uat.gateway import OdooGateway
from odoo_uat.references import ResolvedSite
from odoo_uat.run_id import tag

KEY = t2c.SECTION
CENT = 0.005  # amounts are compared to the cent


def _ids(site: ResolvedSite, *names: str) -> list[int]:
    return [site.id(f"{KEY}.{name}") for name in names]


def _lines(picks: tuple[t2c.LotQuantity, ...] | list[t2c.LotQuantity]) -> str:
    return "; ".join(str(pick) for pick in picks) or "nothing"


def _same_picks(found: tuple[t2c.LotQuantity, ...], expected: tuple[t2c.LotQuantity, ...]) -> bool:
    def table(picks: tuple[t2c.LotQuantity, ...]) -> dict[tuple[str, str], float]:
        return {(pick.lot, pick.location): pick.quantity for pick in picks}

    found_table, expected_table = table(found), table(expected)
    return set(found_table) == set(expected_table) and all(
        math.isclose(found_table[key], expected_table[key], abs_tol=1e-6) for key in expected_table
    )


def _picking(actor: Actor, movement: t2c.Movement) -> RecordRef:
    return actor.record("stock.picking", movement.picking_id, movement.picking_name)


# -- the store is stocked -------------------------------------------------------------------------


@given(
    "the storekeeper has received supplier lots with different expiry dates into the site's store",
    target_fixture="store_delivery",
)
def storekeeper_receives_lots(site: ResolvedSite, cast: Cast, run_id: str) -> list[receiving.SupplierLot]:
    """The supplier's delivery, lots listed longest-dated first, received as the storekeeper (simulated)."""
    policy = t2c.section_of(site)
    storekeeper = cast["storekeeper"]
    gateway = storekeeper.gateway
    product_id, store_id, receipt_type = _ids(site, "product", "store_location", "receipt_operation")
    supplier_location, _ = t2c.picking_type_locations(gateway, receipt_type)
    run_tag = tag(run_id, site.code, "T2C-DELIVERY")
    lots = t2c.plan_supplier_lots(tag(run_id, site.code, "T2C-LOT").replace("/", "-"), policy.received_lots)
    record = SupplierDeliveryFactory.create(
        actor=storekeeper,
        run_tag=run_tag,
        partner_id=site.id(f"{KEY}.supplier"),
        picking_type_id=receipt_type,
        location_id=supplier_location,
        location_dest_id=store_id,
        company_id=site.company_id,
        product_id=product_id,
        quantity=sum(lot.quantity for lot in lots),
    )
    with storekeeper.doing(
        f"The storekeeper can receive {len(lots)} supplier lots with expiry dates into {policy.store_location}",
        record=record,
    ):
        gateway.call("stock.picking", "action_confirm", [record.id])
        receiving.record_lots_on_receipt(gateway, record.id, product_id, lots)
        answer = t2c.validate(gateway, record.id)
    on_hand = t2c.lots_at(gateway, product_id, store_id, [lot.name for lot in lots])
    short = [
        f"{lot.name}: {on_hand.get(lot.name, 0.0):g} of {lot.quantity:g}"
        for lot in lots
        if not math.isclose(on_hand.get(lot.name, 0.0), lot.quantity)
    ]
    storekeeper.expect(
        not short,
        f"Every lot of the supplier's delivery is on hand in {policy.store_location} in full",
        found=("; ".join(short) or f"{len(lots)} lots on hand in full: {', '.join(lot.name for lot in lots)}")
        + f" ({answer})",
        record=record,
    )
    return lots


@given("the store's lots expire in a different order than they arrived")
def removal_order_is_observable(site: ResolvedSite, cast: Cast) -> None:
    """Precondition of a meaningful test: the expected strategy and the other one would take other lots."""
    policy = t2c.section_of(site)
    storekeeper = cast["storekeeper"]
    product_id, store_id = _ids(site, "product", "store_location")
    stock = t2c.quants(storekeeper.gateway, product_id, store_id)
    at = t2c.now()
    expected = t2c.plan_picks(stock, policy.transfer_quantity, policy.removal_strategy, at)
    other = t2c.plan_picks(stock, policy.transfer_quantity, t2c.other_method(policy.removal_strategy), at)
    storekeeper.expect(
        not _same_picks(expected, other),
        f"The store's stock lets the test tell {t2c.REMOVAL_NAMES[policy.removal_strategy]} from "
        f"{t2c.REMOVAL_NAMES[t2c.other_method(policy.removal_strategy)]} for {policy.transfer_quantity:g} units "
        "(profile: received_lots and transfer_quantity)",
        found=f"{policy.removal_strategy.upper()} takes {_lines(expected)}; "
        f"{t2c.other_method(policy.removal_strategy).upper()} would take {_lines(other)}",
        record=storekeeper.record("stock.location", store_id, policy.store_location),
    )


# -- store to ward ----------------------------------------------------------------------------------


def _plan_and_confirm(
    site: ResolvedSite,
    actor: Actor,
    factory: type[WardTransferFactory] | type[WardConsumptionFactory],
    *,
    operation: str,
    source: str,
    destination: str,
    quantity: float,
    what: str,
    run_id: str,
) -> t2c.Movement:
    """Create the picking, work out the lots the business expects from the quants, then let Odoo reserve."""
    policy = t2c.section_of(site)
    gateway = actor.gateway
    product_id, source_id, destination_id, type_id = _ids(site, "product", source, destination, operation)
    run_tag = tag(run_id, site.code, what)
    record = factory.create(
        actor=actor,
        run_tag=run_tag,
        picking_type_id=type_id,
        location_id=source_id,
        location_dest_id=destination_id,
        company_id=site.company_id,
        product_id=product_id,
        quantity=quantity,
    )
    at = t2c.move_date(gateway, record.id)
    stock = t2c.quants(gateway, product_id, source_id)
    expected = t2c.plan_picks(stock, quantity, policy.removal_strategy, at)
    other = t2c.plan_picks(stock, quantity, t2c.other_method(policy.removal_strategy), at)
    with actor.doing(
        f"The {actor.role} can mark a {quantity:g}-unit movement from {getattr(policy, source)} to "
        f"{getattr(policy, destination)} as To Do, and Odoo reserves it",
        record=record,
    ):
        t2c.confirm(gateway, record.id)
    return t2c.Movement(
        picking_id=record.id,
        picking_name=record.name,
        origin=run_tag,
        quantity=quantity,
        from_location=getattr(policy, source),
        to_location=getattr(policy, destination),
        expected=expected,
        other_order=other,
        strategy_in_odoo=t2c.removal_strategy_in_odoo(gateway, product_id, source_id),
    )


@when("the storekeeper requests the ward's supplies from the store", target_fixture="ward_transfer")
def storekeeper_requests_transfer(site: ResolvedSite, cast: Cast, run_id: str) -> t2c.Movement:
    policy = t2c.section_of(site)
    return _plan_and_confirm(
        site,
        cast["storekeeper"],
        WardTransferFactory,
        operation="internal_operation",
        source="store_location",
        destination="ward_location",
        quantity=policy.transfer_quantity,
        what="WARD-TRANSFER",
        run_id=run_id,
    )


def _check_reservation(site: ResolvedSite, actor: Actor, movement: t2c.Movement) -> None:
    policy = t2c.section_of(site)
    reserved = t2c.reserved(t2c.move_lines(actor.gateway, movement.picking_id))
    actor.expect(
        _same_picks(reserved, movement.expected),
        f"Odoo reserves {movement.quantity:g} units from {movement.from_location} "
        f"{t2c.REMOVAL_NAMES[policy.removal_strategy]}: the lots computed from the quants there",
        found=f"Odoo reserved {_lines(reserved)}",
        record=_picking(actor, movement),
        details={
            "expected": _lines(movement.expected),
            "the other order would take": _lines(movement.other_order),
            "removal strategy in Odoo": movement.strategy_in_odoo,
        },
    )


@then("Odoo reserves the store's lots in the site's removal order")
def transfer_reserved_in_order(site: ResolvedSite, cast: Cast, ward_transfer: t2c.Movement) -> None:
    _check_reservation(site, cast["storekeeper"], ward_transfer)


def _validate(site: ResolvedSite, actor: Actor, movement: t2c.Movement) -> t2c.Validation:
    gateway = actor.gateway
    product_id = site.id(f"{KEY}.product")
    stock_before = t2c.stock_by_lot(gateway, _watched_locations(site))
    value_before = t2c.stock_value(gateway, product_id)
    cost = t2c.unit_cost(gateway, product_id)
    with actor.doing(
        f"The {actor.role} can validate moving {movement.quantity:g} units from {movement.from_location} "
        f"to {movement.to_location}",
        record=_picking(actor, movement),
    ):
        answer = t2c.validate(gateway, movement.picking_id)
    return t2c.Validation(stock_before=stock_before, value_before=value_before, unit_cost=cost, answer=answer)


def _watched_locations(site: ResolvedSite) -> list[int]:
    """Where the cycle's stock can be: the store, the ward and the consumption location (and below them)."""
    return _ids(site, "store_location", "ward_location", "consumption_location")


@when("the storekeeper validates the transfer to the ward", target_fixture="transfer_validation")
def storekeeper_validates(site: ResolvedSite, cast: Cast, ward_transfer: t2c.Movement) -> t2c.Validation:
    return _validate(site, cast["storekeeper"], ward_transfer)


def _check_stock_moved(
    site: ResolvedSite, actor: Actor, movement: t2c.Movement, validation: t2c.Validation, what: str
) -> None:
    gateway = actor.gateway
    picking = t2c.read_picking(gateway, movement.picking_id)
    actor.expect(
        picking["state"] == "done",
        f"The {what} of {movement.quantity:g} units is done",
        found=f"picking state {picking['state']!r} ({validation.answer})",
        record=_picking(actor, movement),
    )
    product = t2c.product_name(gateway, site.id(f"{KEY}.product"))
    done = t2c.move_lines(gateway, movement.picking_id)
    expected: t2c.StockByLot = {}
    for line in done:
        for key, change in (
            ((product, line.lot, line.source), -line.quantity),
            ((product, line.lot, line.destination), line.quantity),
        ):
            expected[key] = expected.get(key, 0.0) + change
    changes = t2c.stock_changes(validation.stock_before, t2c.stock_by_lot(gateway, _watched_locations(site)))
    wrong = [
        f"{'' if name == product else name + ' '}{lot or '(no lot)'} at {location}: changed by "
        f"{changes.get((name, lot, location), 0.0):+g}, expected {expected.get((name, lot, location), 0.0):+g}"
        for (name, lot, location) in sorted(set(changes) | set(expected))
        if not math.isclose(
            changes.get((name, lot, location), 0.0), expected.get((name, lot, location), 0.0), abs_tol=1e-6
        )
    ]
    moved = sum(line.quantity for line in done)
    if not math.isclose(moved, movement.quantity):
        wrong.append(f"{moved:g} units moved instead of {movement.quantity:g}")
    if not _same_picks(t2c.reserved(done), movement.expected):
        wrong.append(f"moved {_lines(t2c.reserved(done))}, not the lots expected ({_lines(movement.expected)})")
    actor.expect(
        not wrong,
        f"Stock by lot changes by exactly the {what}'s quantities, {movement.from_location} to "
        f"{movement.to_location}, and nothing else at the store, the ward or consumption changes",
        found="; ".join(wrong)
        or "changed: "
        + "; ".join(f"{lot} at {location} {change:+g}" for (_, lot, location), change in sorted(changes.items())),
        record=_picking(actor, movement),
    )


@then("stock by lot moved from the store to the ward by exactly the transferred quantities")
def transfer_moved_stock(
    site: ResolvedSite, cast: Cast, ward_transfer: t2c.Movement, transfer_validation: t2c.Validation
) -> None:
    _check_stock_moved(site, cast["storekeeper"], ward_transfer, transfer_validation, "transfer")


@then("the transfer changed neither the stock value of the supply nor the books")
def transfer_kept_value(
    site: ResolvedSite, cast: Cast, ward_transfer: t2c.Movement, transfer_validation: t2c.Validation
) -> None:
    storekeeper = cast["storekeeper"]
    gateway = storekeeper.gateway
    value_after = t2c.stock_value(gateway, site.id(f"{KEY}.product"))
    moves = t2c.picking_moves(gateway, ward_transfer.picking_id)
    posted = [row["account_move_id"][1] for row in moves if row["account_move_id"]]
    valued = [f"{row['value']:.2f}" for row in moves if abs(float(row["value"])) > CENT]
    storekeeper.expect(
        abs(value_after - transfer_validation.value_before) < CENT and not posted and not valued,
        f"A transfer within the site ({ward_transfer.from_location} to {ward_transfer.to_location}) keeps the "
        f"stock value of {t2c.section_of(site).product} and posts nothing to the books",
        found=f"stock value {transfer_validation.value_before:,.2f} before, {value_after:,.2f} after; "
        f"journal entries: {', '.join(posted) or 'none'}; valued moves: {', '.join(valued) or 'none'}",
        record=_picking(storekeeper, ward_transfer),
    )


# -- ward to consumption -----------------------------------------------------------------------------


@when("the nurse records the supplies used on the ward", target_fixture="ward_consumption")
def nurse_records_consumption(site: ResolvedSite, cast: Cast, run_id: str) -> t2c.Movement:
    policy = t2c.section_of(site)
    return _plan_and_confirm(
        site,
        cast["nurse"],
        WardConsumptionFactory,
        operation="consumption_operation",
        source="ward_location",
        destination="consumption_location",
        quantity=policy.consume_quantity,
        what="WARD-CONSUMPTION",
        run_id=run_id,
    )


@then("Odoo reserves the ward's lots in the site's removal order")
def consumption_reserved_in_order(site: ResolvedSite, cast: Cast, ward_consumption: t2c.Movement) -> None:
    _check_reservation(site, cast["nurse"], ward_consumption)


@when("the nurse validates the consumption", target_fixture="consumption_validation")
def nurse_validates(site: ResolvedSite, cast: Cast, ward_consumption: t2c.Movement) -> t2c.Validation:
    return _validate(site, cast["nurse"], ward_consumption)


@then("stock by lot moved from the ward to consumption by exactly the consumed quantities")
def consumption_moved_stock(
    site: ResolvedSite, cast: Cast, ward_consumption: t2c.Movement, consumption_validation: t2c.Validation
) -> None:
    _check_stock_moved(site, cast["nurse"], ward_consumption, consumption_validation, "consumption")


def _accounts(site: ResolvedSite, gateway: OdooGateway) -> tuple[str, str]:
    """The profile's accounts as 'code name' in the site's company (resolved with the site's references)."""
    expense = site.id(f"{t2c.SECTION}.expense_account")
    valuation = site.id(f"{t2c.SECTION}.stock_valuation_account")
    return t2c.account_code(gateway, expense), t2c.account_code(gateway, valuation)


@then("the accountant finds the consumption booked from stock valuation to the ward's expense account at cost")
def consumption_booked(
    site: ResolvedSite, cast: Cast, ward_consumption: t2c.Movement, consumption_validation: t2c.Validation
) -> None:
    accountant = cast["accountant"]
    gateway = accountant.gateway
    expense, valuation = _accounts(site, gateway)
    amount = round(ward_consumption.quantity * consumption_validation.unit_cost, 2)
    entries = t2c.journal_entries(gateway, t2c.picking_moves(gateway, ward_consumption.picking_id))
    found = [
        f"{entry.name} ({entry.state}): "
        + ", ".join(f"{line.account} Dr {line.debit:,.2f} Cr {line.credit:,.2f}" for line in entry.lines)
        for entry in entries
    ]
    lines = [line for entry in entries for line in entry.lines]
    debits = {line.account: line.debit for line in lines if line.debit}
    credits = {line.account: line.credit for line in lines if line.credit}
    holds = (
        len(entries) == 1
        and entries[0].state == "posted"
        and set(debits) == {expense}
        and set(credits) == {valuation}
        and abs(debits[expense] - amount) < CENT
        and abs(credits[valuation] - amount) < CENT
    )
    record = entries[0] if entries else None
    accountant.expect(
        holds,
        f"Consumption on the ward posts one journal entry: debit {expense}, credit {valuation}, "
        f"{ward_consumption.quantity:g} units x {consumption_validation.unit_cost:,.2f} = {amount:,.2f}",
        found="; ".join(found) or "no journal entry for the consumption's stock moves",
        record=accountant.record("account.move", record.id, record.name)
        if record
        else _picking(accountant, ward_consumption),
        details={
            "consumption location's valuation account": t2c.location_valuation_account(
                gateway, site.id(f"{KEY}.consumption_location")
            ),
            "consumption": str(_picking(accountant, ward_consumption)),
        },
    )


@then("the stock value of the supply fell by the cost of what was consumed")
def consumption_lowered_value(
    site: ResolvedSite, cast: Cast, ward_consumption: t2c.Movement, consumption_validation: t2c.Validation
) -> None:
    nurse = cast["nurse"]
    value_after = t2c.stock_value(nurse.gateway, site.id(f"{KEY}.product"))
    cost = ward_consumption.quantity * consumption_validation.unit_cost
    nurse.expect(
        abs(consumption_validation.value_before - value_after - cost) < CENT,
        f"Consuming {ward_consumption.quantity:g} units lowers the stock value of {t2c.section_of(site).product} "
        f"by their cost, {cost:,.2f}",
        found=f"stock value {consumption_validation.value_before:,.2f} before, {value_after:,.2f} after "
        f"(fell by {consumption_validation.value_before - value_after:,.2f})",
        record=_picking(nurse, ward_consumption),
    )
