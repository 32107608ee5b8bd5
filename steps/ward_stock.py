"""Ward stock: supplies moved from the site's store to a ward in removal order, then consumed at cost.

The scenario first checks, as expectations, what the cycle relies on in the site's configuration (before
anything is received or posted); the profile's references only say which records those are.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from pytest_bdd import given, parsers, then, when

from fixtures.actors import Cast
from fixtures.factories.receiving import SupplierDeliveryFactory
from fixtures.factories.transfer_to_consumption import (
    WardConsumptionFactory,
    WardTransferFactory,
)
from fixtures.turns import held_turn
from odoo_uat import reporting
from odoo_uat.actions.receiving import Delivery
from odoo_uat.actions.ward_stock import WardConsumption, WardMovement, WardTransfer
from odoo_uat.actors import Actor
from odoo_uat.config import TargetSettings
from odoo_uat.cycles import month_end_close as mec
from odoo_uat.cycles import receiving
from odoo_uat.cycles import transfer_to_consumption as t2c
from odoo_uat.errors import FeatureFileError, RecordRef
from odoo_uat.gateway import OdooGateway
from odoo_uat.language import LOCATION, named
from odoo_uat.references import ResolvedSite
from odoo_uat.reporting import record_quantities
from odoo_uat.reporting.quantities import Expected, Judged, Money
from odoo_uat.run_id import tag

KEY = t2c.SECTION
CENT = 0.005  # amounts are compared to the cent
ROUNDED_CENT = 0.0101  # two amounts Odoo rounded to the cent may differ by one cent when subtracted


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


# -- what the cycle relies on in the site's configuration -----------------------------------------


@dataclass(frozen=True)
class Expectation:
    """One property of the site's configuration the cycle relies on, as checked, with what Odoo holds."""

    holds: bool
    expectation: str
    found: str
    record: RecordRef


def _check_all(checks: list[tuple[Actor, Expectation]]) -> None:
    """Every expectation becomes evidence, as the role that checked it; a broken one fails the scenario naming
    it, with the others that broke too, so one run lists every configuration finding of the cycle."""
    broken = [(actor, item) for actor, item in checks if not item.holds]
    for actor, item in checks:
        if item.holds:
            actor.expect(True, item.expectation, found=item.found, record=item.record)
    for actor, item in broken[1:]:
        reporting.record_check(
            item.expectation, site=actor.site.code, role=actor.who(), found=item.found, record=item.record, holds=False
        )
    if broken:
        actor, first = broken[0]
        actor.expect(
            False,
            first.expectation,
            found=first.found,
            record=first.record,
            details={
                f"also broken ({index})": f"{item.expectation} - found: {item.found}"
                for index, (_, item) in enumerate(broken[1:], start=2)
            },
        )


def _stock_expectations(site: ResolvedSite, storekeeper: Actor) -> list[Expectation]:
    policy = t2c.section_of(site)
    gateway = storekeeper.gateway
    receipt, internal, consumption = (
        t2c.operation_type(gateway, type_id)
        for type_id in _ids(site, "receipt_operation", "internal_operation", "consumption_operation")
    )
    store, ward, used = (
        t2c.location(gateway, location_id)
        for location_id in _ids(site, "store_location", "ward_location", "consumption_location")
    )
    supply = t2c.supply(gateway, site.id(f"{KEY}.product"))
    warehouse = site.profile.warehouse

    def record(model: str, record_id: int, name: str) -> RecordRef:
        return storekeeper.record(model, record_id, name)

    removal = {place.name: t2c.removal_in_odoo(gateway, supply.id, place.id) for place in (store, ward)}
    wanted = t2c.REMOVAL_NAMES[policy.removal_strategy]
    return [
        Expectation(
            receipt.kind == "incoming",
            f"The receipt operation {receipt.name} ({policy.receipt_operation}) is a receipt",
            receipt.describe(),
            record("stock.picking.type", receipt.id, receipt.name),
        ),
        Expectation(
            internal.kind == "internal",
            f"The internal operation {internal.name} ({policy.internal_operation}) is an internal transfer",
            internal.describe(),
            record("stock.picking.type", internal.id, internal.name),
        ),
        Expectation(
            consumption.default_destination_id == used.id,
            f"The consumption operation {consumption.name} ({policy.consumption_operation}) records what is used "
            f"into the consumption location {policy.consumption_location} (its default destination)",
            consumption.describe(),
            record("stock.picking.type", consumption.id, consumption.name),
        ),
        Expectation(
            _of_site(site, store),
            f"The store {policy.store_location} is an internal location of warehouse {warehouse}",
            _where(store),
            record("stock.location", store.id, store.name),
        ),
        _beside_the_store(site, storekeeper, ward, store, f"The ward {policy.ward_location}"),
        Expectation(
            used.usage in t2c.CONSUMPTION_USAGES,
            f"The consumption location {policy.consumption_location} is a consumption location (usage "
            f"{' or '.join(t2c.CONSUMPTION_USAGES)}): what goes there leaves the company's stock",
            f"usage {used.usage}",
            record("stock.location", used.id, used.name),
        ),
        Expectation(
            supply.is_storable and supply.tracking == "lot" and supply.use_expiration_date,
            f"{policy.product} is a storable supply tracked by lots with expiry dates",
            supply.describe(),
            record("product.product", supply.id, supply.name),
        ),
        Expectation(
            supply.category_id == site.id(f"{KEY}.product_category"),
            f"{policy.product} is in the product category {policy.product_category}",
            f"category {supply.category or '(none)'}",
            record("product.product", supply.id, supply.name),
        ),
        Expectation(
            all(method == policy.removal_strategy for method, _ in removal.values()),
            f"Odoo takes {policy.product} out of {policy.store_location} and {policy.ward_location} {wanted}",
            "; ".join(f"{name}: {described}" for name, (_, described) in removal.items()),
            record("product.product", supply.id, supply.name),
        ),
    ]


def _of_site(site: ResolvedSite, place: t2c.Location) -> bool:
    return place.usage == "internal" and place.warehouse_id == site.warehouse_id


def _where(place: t2c.Location) -> str:
    return f"usage {place.usage}, warehouse {place.warehouse or '(none)'}"


def _beside_the_store(
    site: ResolvedSite, actor: Actor, ward: t2c.Location, store: t2c.Location, called: str
) -> Expectation:
    """A ward is stock of the site's warehouse kept apart from the store: stock moved there leaves the store."""
    ward_in_store = t2c.is_inside(actor.gateway, ward.id, store.id)
    store_in_ward = t2c.is_inside(actor.gateway, store.id, ward.id)
    return Expectation(
        _of_site(site, ward) and not ward_in_store and not store_in_ward,
        f"{called} is an internal location of warehouse {site.profile.warehouse}, beside the store "
        "(neither inside the other)",
        _where(ward)
        + ("; it lies inside the store" if ward_in_store and ward.id != store.id else "")
        + ("; the store lies inside it" if store_in_ward else ""),
        actor.record("stock.location", ward.id, ward.name),
    )


def _books_expectations(site: ResolvedSite, accountant: Actor) -> list[Expectation]:
    policy = t2c.section_of(site)
    gateway = accountant.gateway
    product_id = site.id(f"{KEY}.product")
    used = t2c.location(gateway, site.id(f"{KEY}.consumption_location"))
    valued = t2c.valuation(gateway, product_id, site.company_id)
    expense, stock_account = _accounts(site, gateway)
    perpetual = policy.valuation == "perpetual"
    wanted_mode = t2c.VALUATION_IN_ODOO[policy.valuation]
    product = accountant.record("product.product", product_id, policy.product)
    return [
        Expectation(
            valued.mode == wanted_mode,
            f"{policy.product} is valued {t2c.VALUATION_NAMES[wanted_mode]} in {site.company_name}: "
            + (
                "each consumption posts its own entry"
                if perpetual
                else "consumption is booked by the stock closing (profile: valuation periodic)"
            ),
            valued.describe(),
            product,
        ),
        Expectation(
            used.valuation_account_id == site.id(f"{KEY}.expense_account"),
            f"The consumption location {policy.consumption_location} carries the valuation account {expense}, so "
            + ("consumption is booked to it" if perpetual else "the stock closing books consumption to it"),
            "valuation account "
            + (t2c.account_code(gateway, used.valuation_account_id) if used.valuation_account_id else "(none)"),
            accountant.record("stock.location", used.id, used.name),
        ),
        Expectation(
            valued.stock_account_id == site.id(f"{KEY}.stock_valuation_account"),
            f"{policy.product} is valued on the stock account {stock_account} in {site.company_name}",
            (t2c.account_code(gateway, valued.stock_account_id) if valued.stock_account_id else "no stock account")
            + f" ({valued.stock_account_source})",
            product,
        ),
    ]


@pytest.fixture
def store_turn(
    request: pytest.FixtureRequest,
    site: ResolvedSite,
    uat_target: OdooGateway,
    target_settings: TargetSettings,
    run_id: str,
) -> Iterator[mec.PeriodCloseTurn]:
    """The supply's stock at the site's store, one run at a time (runs sharing a database would pick each other's
    lots and move each other's quants): a turn held in the database like the period lock, released at teardown."""
    section = t2c.section_of(site)
    yield from held_turn(
        request,
        site,
        uat_target,
        target_settings,
        run_id,
        key=f"uat.stock_turn.{site.warehouse_id}.{site.id(f'{KEY}.product')}",
        subject=f"the stock of {section.product} at {section.store_location}",
    )


@given("the site's supply, store, ward and consumption are configured as the cycle relies on")
def configuration_as_relied_on(site: ResolvedSite, cast: Cast, store_turn: mec.PeriodCloseTurn) -> None:
    """Before anything is received or posted: every property of the referenced records the cycle relies on.

    From here to the end of the scenario, no other run moves this supply at this store (`store_turn`)."""
    storekeeper, accountant = cast["storekeeper"], cast["accountant"]
    _check_all(
        [(storekeeper, item) for item in _stock_expectations(site, storekeeper)]
        + [(accountant, item) for item in _books_expectations(site, accountant)]
    )


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
    prefix = t2c.fresh_lot_prefix(gateway, product_id, tag(run_id, site.code, "T2C-LOT").replace("/", "-"))
    lots = t2c.plan_supplier_lots(prefix, policy.received_lots)
    before = t2c.lots_at(gateway, product_id, store_id, [lot.name for lot in lots])
    delivery: Delivery = SupplierDeliveryFactory.build(
        run_tag=tag(run_id, site.code, "T2C-DELIVERY"),
        partner_id=site.id(f"{KEY}.supplier"),
        picking_type_id=receipt_type,
        source_location_id=supplier_location,
        destination_location_id=store_id,
        product_id=product_id,
        quantity=sum(lot.quantity for lot in lots),
    )
    with storekeeper.doing(
        f"The storekeeper can receive {len(lots)} supplier lots with expiry dates into {policy.store_location}"
    ):
        received = storekeeper.receiving.receive_delivery(delivery, lots)
    record, answer = received.receipt, received.answer
    on_hand = t2c.lots_at(gateway, product_id, store_id, [lot.name for lot in lots])
    record_quantities(
        f"supplier's lots on hand in {policy.store_location}",
        before={(lot.name, policy.store_location): before.get(lot.name, 0.0) for lot in lots},
        after={(lot.name, policy.store_location): on_hand.get(lot.name, 0.0) for lot in lots},
        by=("lot", "location"),
        expected={(lot.name, policy.store_location): lot.quantity for lot in lots},
        unit="units",
    )
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
    movement: WardMovement,
    plan: Callable[[], RecordRef],
    *,
    source: str,
    destination: str,
) -> t2c.Movement:
    """Work out the lots the business expects from the stock the movement chooses from, then let the role plan
    it and mark it as To Do, and Odoo reserve. `source` and `destination` are the locations' full names."""
    policy = t2c.section_of(site)
    gateway = actor.gateway
    product_id, source_id = movement.product_id, movement.source_location_id
    stock = t2c.quants(gateway, product_id, source_id)  # before Odoo reserves any of it for this movement
    with actor.doing(
        f"The {actor.role} can mark a {movement.quantity:g}-unit movement from {source} to {destination} as To Do, "
        "and Odoo reserves it"
    ):
        record = plan()
    at = t2c.move_date(gateway, record.id)
    return t2c.Movement(
        picking_id=record.id,
        picking_name=record.name,
        origin=movement.run_tag,
        quantity=movement.quantity,
        from_location=source,
        to_location=destination,
        from_location_id=movement.source_location_id,
        to_location_id=movement.destination_location_id,
        expected=t2c.plan_picks(stock, movement.quantity, policy.removal_strategy, at),
        other_order=t2c.plan_picks(stock, movement.quantity, t2c.other_method(policy.removal_strategy), at),
        strategy_in_odoo=t2c.removal_strategy_in_odoo(gateway, product_id, source_id),
        reserved_before=t2c.reserved_at(stock),
    )


@dataclass(frozen=True)
class Ward:
    """The ward a step is about: the profile's `ward_location`, or one the feature names."""

    id: int
    name: str  # its full name in Odoo, e.g. "NSC/Ward B"


def _profile_ward(site: ResolvedSite) -> Ward:
    return Ward(site.id(f"{KEY}.ward_location"), t2c.section_of(site).ward_location)


def _named_ward(site: ResolvedSite, actor: Actor, said: str) -> Ward:
    """The location a feature names as a ward ("second ward", through the profile's `names:`, or a full name):
    one that matches nothing blocks the scenario with the key (language.named). That it is a ward of the site,
    beside the store, is an expectation, checked before the role moves anything there."""
    found = named(site, actor.gateway, LOCATION, said)
    ward = t2c.location(actor.gateway, found.id)
    store = t2c.location(actor.gateway, site.id(f"{KEY}.store_location"))
    called = f'The "{said}" ({ward.name})' if found.key != said else f"The ward {ward.name}"
    _check_all([(actor, _beside_the_store(site, actor, ward, store, called))])
    return Ward(ward.id, ward.name)


def _units(quantity: int, step: str) -> float:
    if quantity <= 0:
        raise FeatureFileError(f"{step}: {quantity} is not a number of units to move (write a whole number above 0)")
    return float(quantity)


def _request_transfer(site: ResolvedSite, storekeeper: Actor, run_id: str, ward: Ward, quantity: float) -> t2c.Movement:
    product_id, store_id, type_id = _ids(site, "product", "store_location", "internal_operation")
    transfer: WardTransfer = WardTransferFactory.build(
        run_tag=tag(run_id, site.code, "WARD-TRANSFER"),
        picking_type_id=type_id,
        source_location_id=store_id,
        destination_location_id=ward.id,
        product_id=product_id,
        quantity=quantity,
    )
    return _plan_and_confirm(
        site,
        storekeeper,
        transfer,
        lambda: storekeeper.ward_stock.request_transfer(transfer),
        source=t2c.section_of(site).store_location,
        destination=ward.name,
    )


@when("the storekeeper requests the ward's supplies from the store", target_fixture="ward_transfer")
def storekeeper_requests_transfer(site: ResolvedSite, cast: Cast, run_id: str) -> t2c.Movement:
    quantity = t2c.section_of(site).transfer_quantity
    return _request_transfer(site, cast["storekeeper"], run_id, _profile_ward(site), quantity)


@when(
    parsers.parse("the storekeeper requests {quantity:d} units of the site's supply from the store for the ward"),
    target_fixture="ward_transfer",
)
def storekeeper_requests_units(site: ResolvedSite, cast: Cast, run_id: str, quantity: int) -> t2c.Movement:
    """The profile's ward (`ward_location`), a quantity the feature gives."""
    units = _units(quantity, "the storekeeper requests ... for the ward")
    return _request_transfer(site, cast["storekeeper"], run_id, _profile_ward(site), units)


@when(
    parsers.parse('the storekeeper requests {quantity:d} units of the site\'s supply from the store for the "{ward}"'),
    target_fixture="ward_transfer",
)
def storekeeper_requests_units_for_named_ward(
    site: ResolvedSite, cast: Cast, run_id: str, quantity: int, ward: str
) -> t2c.Movement:
    """A ward the feature names: a name the site profile gives (`names: {location: {second ward: NSC/Ward B}}`)
    or a location's full name."""
    storekeeper = cast["storekeeper"]
    units = _units(quantity, f'the storekeeper requests ... for the "{ward}"')
    return _request_transfer(site, storekeeper, run_id, _named_ward(site, storekeeper, ward), units)


def _by_lot(lines: tuple[t2c.LotQuantity, ...] | list[t2c.LotQuantity]) -> dict[tuple[str, str], float]:
    table: dict[tuple[str, str], float] = {}
    for line in lines:
        key = (line.lot or "(no lot)", line.location)
        table[key] = table.get(key, 0.0) + line.quantity
    return table


def _check_reservation(site: ResolvedSite, actor: Actor, movement: t2c.Movement) -> None:
    policy = t2c.section_of(site)
    reserved = t2c.reserved(t2c.move_lines(actor.gateway, movement.picking_id))
    reserved_now = t2c.reserved_at(t2c.quants(actor.gateway, site.id(f"{KEY}.product"), movement.from_location_id))
    record_quantities(
        f"reserved in {movement.from_location} by lot for {movement.picking_name} ({policy.removal_strategy.upper()})",
        before=_by_lot(movement.reserved_before),
        after=_by_lot(reserved_now),
        by=("lot", "location"),
        expected=_by_lot(movement.expected),
        unit="units",
    )
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


def _validate(site: ResolvedSite, actor: Actor, movement: t2c.Movement, press: Callable[[], str]) -> t2c.Validation:
    stock_before = _watched_stock(site, actor.gateway, movement)
    value_before = t2c.stock_value(actor.gateway, site.id(f"{KEY}.product"))
    answer = _press_validate(actor, movement, press)
    return t2c.Validation(stock_before=stock_before, value_before=value_before, answer=answer)


def _press_validate(actor: Actor, movement: t2c.Movement, press: Callable[[], str]) -> str:
    with actor.doing(
        f"The {actor.role} can validate moving {movement.quantity:g} units from {movement.from_location} "
        f"to {movement.to_location}",
        record=_picking(actor, movement),
    ):
        return press()


def _watched_locations(site: ResolvedSite, movement: t2c.Movement) -> list[int]:
    """Where the cycle's stock can be: the store, the ward and the consumption location (and below them), and
    the two ends of the movement (a ward the feature names)."""
    profile = _ids(site, "store_location", "ward_location", "consumption_location")
    return list(dict.fromkeys([*profile, movement.from_location_id, movement.to_location_id]))


def _watched_stock(site: ResolvedSite, gateway: OdooGateway, movement: t2c.Movement) -> t2c.StockByLot:
    """The supply's stock by lot there. Only this supply: another run sharing the database may receive others."""
    return t2c.stock_by_lot(gateway, _watched_locations(site, movement), site.id(f"{KEY}.product"))


@when("the storekeeper validates the transfer to the ward", target_fixture="transfer_validation")
def storekeeper_validates(site: ResolvedSite, cast: Cast, ward_transfer: t2c.Movement) -> t2c.Validation:
    storekeeper = cast["storekeeper"]
    transfer = _picking(storekeeper, ward_transfer)
    return _validate(site, storekeeper, ward_transfer, lambda: storekeeper.ward_stock.validate_transfer(transfer))


def _check_stock_moved(
    site: ResolvedSite, actor: Actor, movement: t2c.Movement, validation: t2c.Validation, what: str
) -> None:
    gateway = actor.gateway
    picking = t2c.read_picking(gateway, movement.picking_id)
    product = t2c.product_name(gateway, site.id(f"{KEY}.product"))
    done = t2c.move_lines(gateway, movement.picking_id)
    expected: t2c.StockByLot = {}
    for line in done:
        for key, change in (
            ((product, line.lot, line.source), -line.quantity),
            ((product, line.lot, line.destination), line.quantity),
        ):
            expected[key] = expected.get(key, 0.0) + change
    stock_after = _watched_stock(site, gateway, movement)
    record_quantities(  # first: whether the picking is done or not, the stock is in the evidence
        f"stock by lot and location across the {what} {movement.picking_name} (expected: its done lines)",
        before=validation.stock_before,
        after=stock_after,
        by=("product", "lot", "location"),
        expected=expected,
        unit="units",
    )
    actor.expect(
        picking["state"] == "done",
        f"The {what} of {movement.quantity:g} units is done",
        found=f"picking state {picking['state']!r} ({validation.answer})",
        record=_picking(actor, movement),
    )
    changes = t2c.stock_changes(validation.stock_before, stock_after)
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


def _check_named_end(
    site: ResolvedSite, actor: Actor, movement: t2c.Movement, said: str, field: str, what: str
) -> None:
    """The movement's picking, as Odoo holds it, has the named ward at that end (`location_id` or
    `location_dest_id`): a scenario that names one ward and checks another fails here, naming both."""
    ward = named(site, actor.gateway, LOCATION, said)
    picking = t2c.read_picking(actor.gateway, movement.picking_id)
    end = picking[field]
    actor.expect(
        bool(end) and end[0] == ward.id,
        f'The {what} {"came from" if field == "location_id" else "went to"} the "{said}" ({ward.key})',
        found=f"its {'source' if field == 'location_id' else 'destination'} is {end[1] if end else '(none)'}",
        record=_picking(actor, movement),
    )


@then(parsers.parse('stock by lot moved from the store to the "{ward}" by exactly the transferred quantities'))
def transfer_moved_stock_to_named_ward(
    site: ResolvedSite, cast: Cast, ward_transfer: t2c.Movement, transfer_validation: t2c.Validation, ward: str
) -> None:
    storekeeper = cast["storekeeper"]
    _check_named_end(site, storekeeper, ward_transfer, ward, "location_dest_id", "transfer")
    _check_stock_moved(site, storekeeper, ward_transfer, transfer_validation, "transfer")


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
    supply = t2c.section_of(site).product
    books = "journal entries of the transfer's moves"
    record_quantities(
        f"stock value of the supply and the books across the transfer ({site.company_name})",
        before={supply: Money(round(transfer_validation.value_before, 2)), books: None},
        after={supply: Money(round(value_after, 2)), books: len(posted)},
        by=("what",),
        expected={
            supply: Judged("0.00", abs(value_after - transfer_validation.value_before) < CENT and not valued),
            books: Judged("none", not posted),
        },
        sort=False,
    )
    storekeeper.expect(
        abs(value_after - transfer_validation.value_before) < CENT and not posted and not valued,
        f"A transfer within the site ({ward_transfer.from_location} to {ward_transfer.to_location}) keeps the "
        f"stock value of {t2c.section_of(site).product} and posts nothing to the books",
        found=f"stock value {transfer_validation.value_before:,.2f} before, {value_after:,.2f} after; "
        f"journal entries: {', '.join(posted) or 'none'}; valued moves: {', '.join(valued) or 'none'}",
        record=_picking(storekeeper, ward_transfer),
    )


# -- ward to consumption -----------------------------------------------------------------------------


def _record_consumption(site: ResolvedSite, nurse: Actor, run_id: str, ward: Ward, quantity: float) -> t2c.Movement:
    """With the site's consumption operation, from the ward, into the site's consumption location: a nurse of
    another ward of the site sets her ward as the source on the same form."""
    product_id, used_id, type_id = _ids(site, "product", "consumption_location", "consumption_operation")
    consumption: WardConsumption = WardConsumptionFactory.build(
        run_tag=tag(run_id, site.code, "WARD-CONSUMPTION"),
        picking_type_id=type_id,
        source_location_id=ward.id,
        destination_location_id=used_id,
        product_id=product_id,
        quantity=quantity,
    )
    return _plan_and_confirm(
        site,
        nurse,
        consumption,
        lambda: nurse.ward_stock.record_consumption(consumption),
        source=ward.name,
        destination=t2c.section_of(site).consumption_location,
    )


@when("the nurse records the supplies used on the ward", target_fixture="ward_consumption")
def nurse_records_consumption(site: ResolvedSite, cast: Cast, run_id: str) -> t2c.Movement:
    quantity = t2c.section_of(site).consume_quantity
    return _record_consumption(site, cast["nurse"], run_id, _profile_ward(site), quantity)


@when(
    parsers.parse("the nurse records {quantity:d} units of the site's supply used on the ward"),
    target_fixture="ward_consumption",
)
def nurse_records_units(site: ResolvedSite, cast: Cast, run_id: str, quantity: int) -> t2c.Movement:
    """On the profile's ward (`ward_location`), a quantity the feature gives."""
    units = _units(quantity, "the nurse records ... used on the ward")
    return _record_consumption(site, cast["nurse"], run_id, _profile_ward(site), units)


@when(
    parsers.parse('the nurse records {quantity:d} units of the site\'s supply used on the "{ward}"'),
    target_fixture="ward_consumption",
)
def nurse_records_units_on_named_ward(
    site: ResolvedSite, cast: Cast, run_id: str, quantity: int, ward: str
) -> t2c.Movement:
    """On a ward the feature names. Odoo must take the supply out of it in the site's removal order (the
    product category's strategy, else the ward's): an expectation, checked before the nurse records anything."""
    nurse = cast["nurse"]
    units = _units(quantity, f'the nurse records ... used on the "{ward}"')
    place = _named_ward(site, nurse, ward)
    policy = t2c.section_of(site)
    product_id = site.id(f"{KEY}.product")
    method, described = t2c.removal_in_odoo(nurse.gateway, product_id, place.id)
    _check_all(
        [
            (
                nurse,
                Expectation(
                    method == policy.removal_strategy,
                    f"Odoo takes {policy.product} out of {place.name} {t2c.REMOVAL_NAMES[policy.removal_strategy]}",
                    described,
                    nurse.record("stock.location", place.id, place.name),
                ),
            )
        ]
    )
    return _record_consumption(site, nurse, run_id, place, units)


@then("Odoo reserves the ward's lots in the site's removal order")
def consumption_reserved_in_order(site: ResolvedSite, cast: Cast, ward_consumption: t2c.Movement) -> None:
    _check_reservation(site, cast["nurse"], ward_consumption)


@when("the nurse validates the consumption", target_fixture="consumption_validation")
def nurse_validates(site: ResolvedSite, cast: Cast, ward_consumption: t2c.Movement) -> t2c.ConsumptionValidation:
    """Just before validating, what leaving stock should be valued at, from Odoo's records of that moment."""
    nurse = cast["nurse"]
    gateway = nurse.gateway
    product_id = site.id(f"{KEY}.product")
    stock_before = _watched_stock(site, gateway, ward_consumption)
    value_before = t2c.stock_value(gateway, product_id)
    lots = t2c.reserved(t2c.move_lines(gateway, ward_consumption.picking_id))
    expected_value = t2c.expected_out_value(gateway, product_id, site.company_id, lots)
    books = cast["accountant"].gateway  # the nurse does not read the books: the accountant's balances, as they were
    expense_before, valuation_before = (
        mec.account_balance(books, site.company_id, site.id(f"{KEY}.{account}"))
        for account in ("expense_account", "stock_valuation_account")
    )
    consumption = _picking(nurse, ward_consumption)
    answer = _press_validate(nurse, ward_consumption, lambda: nurse.ward_stock.validate_consumption(consumption))
    return t2c.ConsumptionValidation(
        stock_before=stock_before,
        value_before=value_before,
        answer=answer,
        expected_value=expected_value,
        expense_before=expense_before,
        valuation_before=valuation_before,
    )


@then("stock by lot moved from the ward to consumption by exactly the consumed quantities")
def consumption_moved_stock(
    site: ResolvedSite, cast: Cast, ward_consumption: t2c.Movement, consumption_validation: t2c.Validation
) -> None:
    _check_stock_moved(site, cast["nurse"], ward_consumption, consumption_validation, "consumption")


@then(parsers.parse('stock by lot moved from the "{ward}" to consumption by exactly the consumed quantities'))
def consumption_moved_stock_from_named_ward(
    site: ResolvedSite, cast: Cast, ward_consumption: t2c.Movement, consumption_validation: t2c.Validation, ward: str
) -> None:
    nurse = cast["nurse"]
    _check_named_end(site, nurse, ward_consumption, ward, "location_id", "consumption")
    _check_stock_moved(site, nurse, ward_consumption, consumption_validation, "consumption")


def _accounts(site: ResolvedSite, gateway: OdooGateway) -> tuple[str, str]:
    """The profile's accounts as 'code name' in the site's company (resolved with the site's references)."""
    expense = site.id(f"{t2c.SECTION}.expense_account")
    valuation = site.id(f"{t2c.SECTION}.stock_valuation_account")
    return t2c.account_code(gateway, expense), t2c.account_code(gateway, valuation)


def _record_consumption_books(
    site: ResolvedSite,
    accountant: Actor,
    validation: t2c.ConsumptionValidation,
    value: float,
    expense: str,
    valuation: str,
) -> None:
    """Both accounts' balances before the nurse validated and now. Perpetual valuation books the consumption's
    value at once (expense up, stock valuation down); periodic valuation books nothing until the stock closing."""
    perpetual = t2c.section_of(site).valuation == "perpetual"
    rows = {
        (expense, "the ward's expense account"): (
            validation.expense_before,
            site.id(f"{KEY}.expense_account"),
            value if perpetual else 0.0,
        ),
        (valuation, "stock valuation account"): (
            validation.valuation_before,
            site.id(f"{KEY}.stock_valuation_account"),
            -value if perpetual else 0.0,
        ),
    }
    after = {
        key: mec.account_balance(accountant.gateway, site.company_id, account) for key, (_, account, _) in rows.items()
    }
    expected: dict[tuple[str, str], Expected] = {}
    for key, (was, _, wanted) in rows.items():
        change = after[key] - (was or 0.0)
        expected[key] = Judged(f"{wanted:+,.2f}", was is not None and abs(change - wanted) < ROUNDED_CENT)
    record_quantities(
        f"account balances (debit minus credit) across the consumption, {site.company_name}",
        before={key: None if was is None else Money(round(was, 2)) for key, (was, _, _) in rows.items()},
        after={key: Money(round(balance, 2)) for key, balance in after.items()},
        by=("account", "what"),
        expected=expected,
    )


@then("the accountant finds the consumption booked from stock valuation to the ward's expense account at cost")
def consumption_booked(
    site: ResolvedSite, cast: Cast, ward_consumption: t2c.Movement, consumption_validation: t2c.ConsumptionValidation
) -> None:
    """Perpetual valuation: one posted entry, expense debited and stock valuation credited by the consumed
    moves' value. Periodic valuation: no entry at consumption; the moves are valued as stock leaving the
    company into a location with a valuation account, which the stock closing books. Either way the moves'
    value is what the product's cost method gives, worked out from Odoo's records before validation."""
    accountant = cast["accountant"]
    gateway = accountant.gateway
    policy = t2c.section_of(site)
    expense, valuation = _accounts(site, gateway)
    expected = consumption_validation.expected_value
    moves = t2c.picking_moves(gateway, ward_consumption.picking_id)
    value = t2c.moves_value(moves)
    picking = _picking(accountant, ward_consumption)
    _record_consumption_books(site, accountant, consumption_validation, value, expense, valuation)
    accountant.expect(
        abs(value - round(expected.amount, 2)) < ROUNDED_CENT and all(row["is_out"] for row in moves),
        f"Odoo values the {ward_consumption.quantity:g} units consumed as stock leaving the company, at "
        f"{expected.amount:,.2f} by the product's cost method",
        found=f"the consumption's stock moves are valued {value:,.2f}"
        + ("" if all(row["is_out"] for row in moves) else " and not counted as stock leaving the company")
        + f"; expected from Odoo's records before validation: {expected.basis}",
        record=picking,
        details={"expected value": expected.basis},
    )
    entries = t2c.journal_entries(gateway, moves)
    found = [
        f"{entry.name} ({entry.state}): "
        + ", ".join(f"{line.account} Dr {line.debit:,.2f} Cr {line.credit:,.2f}" for line in entry.lines)
        for entry in entries
    ]
    details = {
        "consumption location's valuation account": t2c.location_valuation_account(
            gateway, site.id(f"{KEY}.consumption_location")
        ),
        "consumption": str(picking),
        "consumption's value": f"{value:,.2f} ({expected.basis})",
    }
    if policy.valuation == "periodic":
        accountant.expect(
            not entries,
            f"Valued periodically, consumption posts no entry when it is recorded: the stock closing books its "
            f"{value:,.2f} from {valuation} to {expense}",
            found="; ".join(found) or "no journal entry for the consumption's stock moves",
            record=picking,
            details=details,
        )
        return
    lines = [line for entry in entries for line in entry.lines]
    debits = {line.account: line.debit for line in lines if line.debit}
    credits = {line.account: line.credit for line in lines if line.credit}
    holds = (
        len(entries) == 1
        and entries[0].state == "posted"
        and set(debits) == {expense}
        and set(credits) == {valuation}
        and abs(debits[expense] - value) < CENT
        and abs(credits[valuation] - value) < CENT
    )
    record = entries[0] if entries else None
    accountant.expect(
        holds,
        f"Consumption on the ward posts one journal entry: debit {expense}, credit {valuation}, "
        f"the consumed stock's value {value:,.2f}",
        found="; ".join(found) or "no journal entry for the consumption's stock moves",
        record=accountant.record("account.move", record.id, record.name) if record else picking,
        details=details,
    )


@then("the stock value of the supply fell by the cost of what was consumed")
def consumption_lowered_value(
    site: ResolvedSite, cast: Cast, ward_consumption: t2c.Movement, consumption_validation: t2c.ConsumptionValidation
) -> None:
    nurse = cast["nurse"]
    gateway = nurse.gateway
    value_after = t2c.stock_value(gateway, site.id(f"{KEY}.product"))
    cost = t2c.moves_value(t2c.picking_moves(gateway, ward_consumption.picking_id))
    fell = consumption_validation.value_before - value_after
    supply = t2c.section_of(site).product
    record_quantities(
        f"stock value of the supply across the consumption ({site.company_name})",
        before={supply: Money(round(consumption_validation.value_before, 2))},
        after={supply: Money(round(value_after, 2))},
        by=("supply",),
        expected={supply: Judged(f"{-cost:+,.2f} (the consumed moves' value)", abs(fell - cost) < ROUNDED_CENT)},
    )
    nurse.expect(
        abs(fell - cost) < ROUNDED_CENT,
        f"Consuming {ward_consumption.quantity:g} units lowers the stock value of {t2c.section_of(site).product} "
        f"by their value, {cost:,.2f}",
        found=f"stock value {consumption_validation.value_before:,.2f} before, {value_after:,.2f} after "
        f"(fell by {fell:,.2f})",
        record=_picking(nurse, ward_consumption),
        details={"expected value": consumption_validation.expected_value.basis},
    )
