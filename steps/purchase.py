"""Purchasing: requisitions (RFQs), the approval policy, approval."""

from __future__ import annotations

import math
from dataclasses import replace

from pytest_bdd import given, parsers, then, when

from fixtures.actors import Cast
from fixtures.factories.purchase import RequisitionFactory
from odoo_uat.actions.base import Attempt
from odoo_uat.actors import Actor, expect
from odoo_uat.cycles import requisition_to_receipt as r2r
from odoo_uat.duties import segregation_defeated
from odoo_uat.errors import FeatureFileError, ProfileError, RecordRef, UatError
from odoo_uat.gateway import OdooGateway, Row
from odoo_uat.language import PARSE_TYPES
from odoo_uat.references import ResolvedSite
from odoo_uat.reporting import record_quantities
from odoo_uat.reporting.quantities import Expected, Judged, Money, Value
from odoo_uat.run_id import tag

_policy = r2r.section_of
CONFIGURATION_READER = "(configuration, read by the technical user)"


def _require_requester_is_not_approver(site: ResolvedSite) -> None:
    """Block (exit 11) a scenario that proves segregation when the profile gives both roles to one user."""
    problem = segregation_defeated(str(site.loaded.path), site.profile, r2r.REQUESTER_IS_NOT_APPROVER)
    if problem is not None:
        raise problem


def _check_what_the_order_relies_on(site: ResolvedSite, uat_target: OdooGateway) -> None:
    """Before an order exists: the profile's receipt type is a receipt, its supply takes supplier lots with expiry.

    The references only say which records; what they must be like is checked here, so a customer's change is a
    finding about that record.
    """
    policy = _policy(site)
    type_id = site.id("requisition_to_receipt.receipt_operation")
    receipt_type = r2r.receipt_type(uat_target, type_id)
    expect(
        r2r.is_receipt(receipt_type),
        f"The operation type {policy.receipt_operation} of warehouse {site.profile.warehouse}, through which the "
        "site's orders are received, is a Receipt (type of operation 'incoming')",
        site=site,
        role=CONFIGURATION_READER,
        found=r2r.describe_receipt_type(receipt_type),
        record=uat_target.record("stock.picking.type", type_id, str(receipt_type["name"])),
    )
    product_id = site.id("requisition_to_receipt.product")
    product = r2r.supply(uat_target, product_id)
    defects = r2r.supply_defects(product)
    expect(
        not defects,
        f"The site's supply {policy.product} is received as supplier lots with expiry dates (tracked in "
        "inventory, by lots, with expiration dates)",
        site=site,
        role=CONFIGURATION_READER,
        found="; ".join([*defects, r2r.describe_supply(product)]),
        record=uat_target.record("product.product", product_id, str(product["display_name"])),
    )


def _raise_requisition(site: ResolvedSite, requester: Actor, run_id: str, quantity: float) -> RecordRef:
    """The requester's RFQ for the site's supply from its supplier, through the site's receipt type, run-tagged."""
    requisition = RequisitionFactory.build(
        run_tag=tag(run_id, site.code, "RFQ"),
        partner_id=site.id("requisition_to_receipt.supplier"),
        company_id=site.company_id,
        picking_type_id=site.id("requisition_to_receipt.receipt_operation"),
        product_id=site.id("requisition_to_receipt.product"),
        quantity=quantity,
        unit_price=_policy(site).unit_price,
    )
    with requester.doing("The requester can raise a requisition (RFQ) for the site's supply from its supplier"):
        return requester.purchasing.raise_requisition(requisition)


def _order(actor: Actor, requisition: r2r.PurchaseOrder) -> RecordRef:
    return actor.record("purchase.order", requisition.id, requisition.name)


@given("the site requires a manager's approval for purchases above its approval limit")
def site_requires_approval(site: ResolvedSite, uat_target: OdooGateway) -> None:
    policy = _policy(site)
    rule = r2r.company_approval_rule(uat_target, site.company_id)
    found = (
        f"company {site.company_name}: po_double_validation={rule['po_double_validation']!r}, "
        f"limit={rule['po_double_validation_amount']}"
    )
    expectation = (
        f"Purchases above {policy.approval_limit:,.2f} (tax included) need a purchase manager's approval "
        f"(Purchase settings: 'Purchase Order Approval' on, minimum amount {policy.approval_limit:,.2f})"
    )
    holds = rule["po_double_validation"] == "two_step" and math.isclose(
        float(rule["po_double_validation_amount"]), policy.approval_limit
    )
    expect(
        holds,
        expectation,
        site=site,
        role=CONFIGURATION_READER,
        found=found,
        record=uat_target.record("res.company", site.company_id, site.company_name),
    )


@given(
    "the requester raises a requisition for the site's lot-tracked supply above the approval limit",
    target_fixture="requisition",
)
def requester_raises_requisition(
    site: ResolvedSite, cast: Cast, run_id: str, uat_target: OdooGateway
) -> r2r.PurchaseOrder:
    """An order above the limit goes to approval, whose segregation the scenario proves: checked before it exists."""
    policy = _policy(site)
    _require_requester_is_not_approver(site)
    _check_what_the_order_relies_on(site, uat_target)
    requester = cast["requester"]
    record = _raise_requisition(site, requester, run_id, policy.order_quantity)
    order = r2r.read_order(requester.gateway, record.id)
    requester.expect(
        float(order["amount_total"]) > policy.approval_limit,
        f"The site's test order exceeds its approval limit of {policy.approval_limit:,.2f} "
        "(profile: requisition_to_receipt.order_quantity x unit_price)",
        found=f"order total {order['amount_total']:,.2f} tax included",
        record=record,
    )
    return _requisition(site, requester, record, order, uat_target)


def _requisition(
    site: ResolvedSite, requester: Actor, record: RecordRef, order: Row, uat_target: OdooGateway
) -> r2r.PurchaseOrder:
    """The order as raised, with how it stands then: the "before" of the checks after the requester confirms it."""
    raised = r2r.PurchaseOrder(id=record.id, name=str(order["name"]), origin=str(order["origin"]))
    return replace(raised, raised=_standing(site, requester, raised, uat_target))


def _withdraw(requester: Actor, record: RecordRef, problem: UatError) -> UatError:
    """A requisition the scenario cannot use is cancelled before the problem stops it: nothing is left awaited."""
    with requester.doing("The requester can cancel a requisition nothing was received or billed for", record=record):
        requester.purchasing.cancel(record)
    return problem


def _raise_one_unit(
    site: ResolvedSite, requester: Actor, run_id: str, uat_target: OdooGateway
) -> tuple[RecordRef, Row, float]:
    """One unit of the site's supply at its agreed price: the order, as read, and its currency's smallest step.

    The approval limit is in the company's currency; an order in another (the supplier's purchase currency) is
    compared by Odoo after a conversion at the day's rate, which a size in the company's currency cannot name.
    """
    _check_what_the_order_relies_on(site, uat_target)
    record = _raise_requisition(site, requester, run_id, 1)
    order = r2r.read_order(requester.gateway, record.id)
    company_currency = r2r.company_approval_rule(uat_target, site.company_id)["currency_id"]
    if order["currency_id"][0] != company_currency[0]:
        raise _withdraw(
            requester,
            record,
            ProfileError(
                str(site.loaded.path),
                "requisition_to_receipt.supplier",
                f"orders from {_policy(site).supplier} are in {order['currency_id'][1]}, the approval limit of "
                f"{site.company_name} in {company_currency[1]}: an order sized against the limit needs a supplier "
                "who sells in the company's currency",
            ),
        )
    return record, order, r2r.currency_rounding(uat_target, int(order["currency_id"][0]))


def _limit_percent(total: float, limit: float, step: float) -> str:
    """ "4,999.99 tax included, 0.01 below the approval limit of 5,000.00 (100.0%)": the side is never rounded away."""
    if r2r.same_amount(total, limit, step):
        return f"{total:,.2f} tax included, exactly the approval limit of {limit:,.2f}"
    side = "below" if total < limit else "above"
    return f"{total:,.2f} tax included, {abs(limit - total):,.2f} {side} the approval limit of {limit:,.2f} " + (
        f"({100 * total / limit:.1f}%)"
    )


@given(
    parsers.parse(
        "the requester raises a requisition for the site's lot-tracked supply worth {percent:d} percent "
        "of the approval limit"
    ),
    target_fixture="requisition",
)
def requester_raises_requisition_worth_percent(
    site: ResolvedSite, cast: Cast, run_id: str, percent: int, uat_target: OdooGateway
) -> r2r.PurchaseOrder:
    """An order of whole units at the site's agreed price, sized to `percent` of the approval limit, tax included.

    Below 100 percent the quantity is rounded DOWN (the order is worth at most that share, so it stays below the
    limit); at 100 percent or more it is rounded UP (at least that share, so it reaches the limit). The order is
    thus as close to the share as whole units allow, on the side of the limit the feature asks for: Odoo approves
    an order of LESS than the limit at once, and one of the limit or more waits (purchase.order._approval_allowed).
    """
    if percent <= 0:
        raise FeatureFileError(f"an order worth {percent} percent of the approval limit: the share must be above 0")
    policy = _policy(site)
    requester = cast["requester"]
    record, order, step = _raise_one_unit(site, requester, run_id, uat_target)
    unit_total = float(order["amount_total"])
    target = policy.approval_limit * percent / 100
    round_up = percent >= 100
    if not round_up and unit_total > target:
        raise _withdraw(
            requester,
            record,
            FeatureFileError(
                f"site {site.code}: one unit of {policy.product} alone comes to {unit_total:,.2f} tax included, "
                f"more than {percent} percent of the approval limit ({target:,.2f}): no order of whole units is "
                "that small"
            ),
        )
    quantity = r2r.whole_units_for(target, unit_total, round_up=round_up, step=step)
    if quantity != 1:
        with requester.doing(f"The requester can order {quantity} units on a requisition", record=record):
            requester.purchasing.change_ordered_quantity(record, quantity)
        order = r2r.read_order(requester.gateway, record.id)
    total = float(order["amount_total"])
    if round_up:
        holds = total >= target or r2r.same_amount(total, target, step)
        sized = f"at least {percent}% of the approval limit ({target:,.2f}), so at or above the limit"
    else:
        holds = total <= target or r2r.same_amount(total, target, step)
        holds = holds and total < policy.approval_limit and not r2r.same_amount(total, policy.approval_limit, step)
        sized = f"at most {percent}% of the approval limit ({target:,.2f}), so below the limit"
    requester.expect(
        holds,
        f"The site's test order of whole units of {policy.product} is worth {sized}",
        found=f"order total {_limit_percent(total, policy.approval_limit, step)} for {quantity} units "
        f"(one unit: {unit_total:,.2f})",
        record=record,
    )
    return _requisition(site, requester, record, order, uat_target)


@given(
    parsers.parse(
        "the requester raises a requisition for the site's lot-tracked supply worth {amount:Amount}",
        extra_types=PARSE_TYPES,
    ),
    target_fixture="requisition",
)
def requester_raises_requisition_worth_amount(
    site: ResolvedSite, cast: Cast, run_id: str, amount: float, uat_target: OdooGateway
) -> r2r.PurchaseOrder:
    """An order whose total, tax included, is exactly `amount` in the company's currency ("worth 4,999.99").

    An amount is a total to the cent, which whole units at the agreed price rarely add up to: the order is one
    unit of the site's supply, and the requester types the unit price that makes the total exactly the amount
    (found from the tax Odoo puts on one unit at the agreed price, then corrected by a cent if Odoo's tax
    rounding asks). Some totals no one-line order reaches (with a 15% tax no price comes to exactly 3,000.00:
    2,608.69 makes 2,999.99 and 2,608.70 makes 3,000.01): the step then stops the example as a feature-file
    problem naming the nearest totals.
    """
    if amount <= 0:
        raise FeatureFileError(f"an order worth {amount:,.2f}: the amount must be above 0")
    policy = _policy(site)
    requester = cast["requester"]
    record, order, step = _raise_one_unit(site, requester, run_id, uat_target)

    def total_at(unit_price: float) -> float:
        with requester.doing(
            f"The requester can price the supply at {unit_price:,.2f} on a requisition", record=record
        ):
            requester.purchasing.change_unit_price(record, unit_price)
        return float(r2r.read_order(requester.gateway, record.id)["amount_total"])

    agreed_price = float(r2r.order_lines(requester.gateway, record.id)[0]["price_unit"])
    first = r2r.PricedTotal(agreed_price, float(order["amount_total"]))
    search = r2r.price_for_total(amount, first, total_at, step=step)
    if not search.reached(amount, step) and search.below and search.above:
        raise _withdraw(
            requester,
            record,
            FeatureFileError(
                f"site {site.code}: no one-unit order of {policy.product} comes to exactly {amount:,.2f} tax "
                f"included: priced {search.below.unit_price:,.2f} it comes to {search.below.total:,.2f}, priced "
                f"{search.above.unit_price:,.2f} to {search.above.total:,.2f} (Odoo rounds the tax to the cent); "
                "choose one of those amounts"
            ),
        )
    order = r2r.read_order(requester.gateway, record.id)
    total = float(order["amount_total"])
    requester.expect(
        r2r.same_amount(total, amount, step),
        f"The site's test order of one unit of {policy.product} comes to exactly {amount:,.2f}, tax included",
        found=f"order total {_limit_percent(total, policy.approval_limit, step)} at a unit price of "
        f"{search.last.unit_price:,.2f}",
        record=record,
    )
    return _requisition(site, requester, record, order, uat_target)


def _standing(
    site: ResolvedSite, actor: Actor, requisition: r2r.PurchaseOrder, uat_target: OdooGateway
) -> r2r.OrderStanding:
    return r2r.order_standing(actor.gateway, uat_target, requisition, site.company_id)


def _record_standing(
    title: str,
    before: r2r.OrderStanding | None,
    after: r2r.OrderStanding,
    *,
    state: str,
    receipts: int | Judged | None = None,
    side: str | None = None,
) -> None:
    """The order before the role's action and now: its state, its total against the company's approval limit
    (`side`: where the check wants it, "below" or "at or above"), its receipts awaited (`receipts`: their expected
    change, or the check's own judgement)."""
    state_row, total_row, limit_row, receipts_row = (
        "order state",
        "order total, tax included",
        "company's approval limit (Purchase settings)",
        "receipts awaited from the supplier",
    )
    before_rows: dict[str, Value] = {
        state_row: before.state if before else None,
        limit_row: Money(before.approval_limit) if before else None,
    }
    after_rows: dict[str, Value] = {state_row: after.state, limit_row: Money(after.approval_limit)}
    expected: dict[str, Expected] = {state_row: state, limit_row: 0}
    if side is not None:
        before_rows[total_row] = Money(before.total) if before else None
        after_rows[total_row] = Money(after.total)
        below = after.total < after.approval_limit
        expected[total_row] = Judged(f"{side} the limit", below if side == "below" else not below)
    if receipts is not None:
        before_rows[receipts_row] = before.open_receipts if before else None
        after_rows[receipts_row] = after.open_receipts
        expected[receipts_row] = receipts
    record_quantities(title, before=before_rows, after=after_rows, by=("what",), expected=expected, sort=False)


@when("the requester confirms the requisition")
def requester_confirms(cast: Cast, requisition: r2r.PurchaseOrder) -> None:
    requester = cast["requester"]
    record = _order(requester, requisition)
    with requester.doing("The requester can confirm a requisition", record=record):
        requester.purchasing.confirm(record)


@then("the order waits for a manager's approval")
def order_waits_for_approval(
    site: ResolvedSite,
    cast: Cast,
    requisition: r2r.PurchaseOrder,
    uat_target: OdooGateway,
) -> None:
    requester = cast["requester"]
    _record_standing(
        "the order against the approval limit, as raised and after the requester confirmed it",
        requisition.raised,
        _standing(site, requester, requisition, uat_target),
        state=r2r.ORDER_STATES["to approve"],
        side="at or above",
    )
    order = r2r.read_order(requester.gateway, requisition.id)
    requester.expect(
        order["state"] == "to approve",
        f"The order, of {order['amount_total']:,.2f} tax included against the site's approval limit of "
        f"{_policy(site).approval_limit:,.2f}, waits for a purchase manager's approval after the requester "
        "confirms it",
        found=f"state {order['state']!r} with total {order['amount_total']:,.2f}",
        record=requester.record("purchase.order", requisition.id, requisition.name),
    )


@when("the requester tries to approve the order", target_fixture="approval_attempt")
def requester_tries_to_approve(site: ResolvedSite, cast: Cast, requisition: r2r.PurchaseOrder) -> Attempt:
    """Segregation of duties; blocked (not passed or failed) when the profile's requester is also its approver."""
    _require_requester_is_not_approver(site)
    requester = cast["requester"]
    return requester.purchasing.try_to_approve(_order(requester, requisition))


@then("the requester cannot approve the order")
def requester_cannot_approve(cast: Cast, requisition: r2r.PurchaseOrder, approval_attempt: Attempt) -> None:
    requester = cast["requester"]
    order = r2r.read_order(requester.gateway, requisition.id)
    requester.expect(
        not approval_attempt.went_through and order["state"] == "to approve",
        "Only a purchase manager can approve an order waiting for approval; the requester cannot",
        found=f"after the requester's attempt the order is {order['state']!r}"
        + (f" ({approval_attempt.refused})" if approval_attempt.refused else " (nothing stopped the requester)"),
        record=_order(requester, requisition),
    )


@when("the approver approves the order", target_fixture="order_before_approval")
def approver_approves(
    site: ResolvedSite, cast: Cast, requisition: r2r.PurchaseOrder, uat_target: OdooGateway
) -> r2r.OrderStanding:
    """The order as it stood just before the approver approved it."""
    approver = cast["approver"]
    record = _order(approver, requisition)
    before = _standing(site, approver, requisition, uat_target)
    with approver.doing("The approver can approve an order waiting for approval", record=record):
        approver.purchasing.approve(record)
    return before


@then("the order is approved and a receipt is planned into the site's warehouse")
def order_approved_with_receipt(
    site: ResolvedSite,
    cast: Cast,
    requisition: r2r.PurchaseOrder,
    order_before_approval: r2r.OrderStanding,
    uat_target: OdooGateway,
) -> None:
    approver = cast["approver"]
    record = approver.record("purchase.order", requisition.id, requisition.name)
    now = _standing(site, approver, requisition, uat_target)
    _record_standing(
        "the order and its receipts, before and after the approver approved it",
        order_before_approval,
        now,
        state=r2r.ORDER_STATES["purchase"],
        receipts=Judged("one receipt planned", now.open_receipts == 1),
    )
    order = r2r.read_order(approver.gateway, requisition.id)
    approver.expect(
        order["state"] == "purchase",
        "Once the purchase manager approves, the order is a confirmed purchase order",
        found=f"state {order['state']!r}",
        record=record,
    )
    receipts = r2r.receipts_of(approver.gateway, requisition)
    receipt_type = site.id("requisition_to_receipt.receipt_operation")
    approver.expect(
        len(receipts) == 1 and receipts[0]["picking_type_id"][0] == receipt_type,
        f"The order plans one receipt through the site's receipt operation "
        f"({_policy(site).receipt_operation} of warehouse {site.profile.warehouse})",
        found="receipts: " + (", ".join(f"{r['name']} ({r['picking_type_id'][1]})" for r in receipts) or "none"),
        record=record,
    )


@then("the order is approved without waiting for a manager")
def order_approved_at_once(
    site: ResolvedSite,
    cast: Cast,
    requisition: r2r.PurchaseOrder,
    uat_target: OdooGateway,
) -> None:
    requester = cast["requester"]
    _record_standing(
        "the order against the approval limit, as raised and after the requester confirmed it",
        requisition.raised,
        _standing(site, requester, requisition, uat_target),
        state=r2r.ORDER_STATES["purchase"],
        side="below",
    )
    order = r2r.read_order(requester.gateway, requisition.id)
    requester.expect(
        order["state"] == "purchase",
        f"The order, of {order['amount_total']:,.2f} tax included against the site's approval limit of "
        f"{_policy(site).approval_limit:,.2f}, is a confirmed purchase order as soon as the requester confirms "
        "it, with no manager's approval",
        found=f"state {order['state']!r} with total {order['amount_total']:,.2f}",
        record=requester.record("purchase.order", requisition.id, requisition.name),
    )


@when("the requester cancels the order", target_fixture="order_before_cancel")
def requester_cancels(
    site: ResolvedSite, cast: Cast, requisition: r2r.PurchaseOrder, uat_target: OdooGateway
) -> r2r.OrderStanding:
    """The order as it stood just before the requester cancelled it."""
    requester = cast["requester"]
    record = _order(requester, requisition)
    before = _standing(site, requester, requisition, uat_target)
    with requester.doing("The requester can cancel an order nothing was received or billed for", record=record):
        requester.purchasing.cancel(record)
    return before


@then("the order is cancelled and no receipt is awaited")
def order_cancelled(
    site: ResolvedSite,
    cast: Cast,
    requisition: r2r.PurchaseOrder,
    order_before_cancel: r2r.OrderStanding,
    uat_target: OdooGateway,
) -> None:
    requester = cast["requester"]
    order = r2r.read_order(requester.gateway, requisition.id)
    awaited = [r for r in r2r.receipts_of(requester.gateway, requisition) if r["state"] not in {"done", "cancel"}]
    _record_standing(
        "the order and its receipts, before and after the requester cancelled it",
        order_before_cancel,
        _standing(site, requester, requisition, uat_target),
        state=r2r.ORDER_STATES["cancel"],
        receipts=Judged("none awaited", not awaited),
    )
    requester.expect(
        order["state"] == "cancel" and not awaited,
        "A cancelled order is cancelled in full: no receipt from the supplier is still awaited",
        found=f"order {order['state']!r}; receipts still awaited: "
        + (", ".join(f"{r['name']} ({r['state']})" for r in awaited) or "none"),
        record=requester.record("purchase.order", requisition.id, requisition.name),
    )
