"""Closing: the accountant's month-end close of last month, the stock valuation check and the period lock.

"Last month" is the latest calendar month that ended at least two days ago (`month_end_close.period_to_close`).
A company's close is done by one run at a time: `period_close_turn` takes the company's turn (a lock held in
the database), waiting a bounded time for another run's close, and releases it at teardown. The period lock
is the one setting a run changes: `month_end_period_lock` writes down the previous value under the run's id
before the lock is set and puts it back when the scenario ends, pass or fail. A run that took over the turn
of a run proven dead (killed) puts right what that run left, its lock and its draft test entries, and says
so (a warning in the run's summary and an attachment in the report).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from datetime import date

import pytest
from pytest_bdd import given, then, when

from fixtures.actors import Cast
from fixtures.factories.month_end_close import JournalEntryFactory, SupplierBillFactory
from fixtures.factories.receiving import SupplierDeliveryFactory
from fixtures.turns import held_turn
from odoo_uat import reporting
from odoo_uat.actions.base import ActionContext, Mode
from odoo_uat.actions.closing import ClosingActions, JournalEntry, Posting, SupplierBill
from odoo_uat.actions.receiving import Delivery
from odoo_uat.actions.registry import actions_for
from odoo_uat.actors import Actor
from odoo_uat.config import TargetSettings
from odoo_uat.cycles import month_end_close as mec
from odoo_uat.errors import BusinessExpectationFailed, RecordRef, UatError
from odoo_uat.gateway import OdooGateway, Row, many2one_id
from odoo_uat.references import ResolvedSite
from odoo_uat.reporting import record_quantities
from odoo_uat.reporting.quantities import NOT_CHECKED, Expected, Judged, Money, Value
from odoo_uat.run_id import tag

_section = mec.section_of

LOCK_LABEL = "Global Lock Date"  # Odoo's label of fiscalyear_lock_date


def _company(actor: Actor) -> RecordRef:
    return actor.record("res.company", actor.site.company_id, actor.site.company_name)


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _same_amount(first: float, second: float, rounding: float) -> bool:
    return math.isclose(first, second, abs_tol=rounding / 2)


def _rounding(actor: Actor, site: ResolvedSite) -> float:
    company = mec.company_accounting(actor.gateway, site.company_id)
    return mec.rounding_of(actor.gateway, int(company["currency_id"][0]))


def _not_applicable(actor: Actor, check: str, why: str) -> None:
    """A check that does not apply to this configuration is recorded as such, never passed in silence."""
    reporting.attach_text(
        f"NOT APPLICABLE: {check[:80]}",
        f"NOT APPLICABLE: {check}\nsite: {actor.site.code}\nrole: {actor.who()}\nwhy: {why}",
    )


def _test_accounts(site: ResolvedSite) -> tuple[int, int]:
    """The test entries' accounts, resolved by code in the site's company with the profile's references."""
    return site.id("month_end_close.entries.debit_account"), site.id("month_end_close.entries.credit_account")


def _discard(actor: Actor, draft: RecordRef) -> str:
    """Delete a run's draft Odoo would not post; says what happened. A failure here must not hide the finding
    that led to it (the next run's "no draft remains" check names a leftover draft), so it is reported only."""
    try:
        actor.closing.discard_draft(draft)
    except Exception as exc:  # best-effort cleanup after a refusal, whatever the screen did
        return f"the run's draft could NOT be deleted ({exc})"
    return "the run's draft was deleted"


def _posted_or_discarded(actor: Actor, posting: Posting, expectation: str) -> RecordRef:
    """A run's entry Odoo posted; where Odoo refused, the draft goes, so no draft of the run stays in the books."""
    refusal = posting.refusal
    if refusal is None:
        return posting.move
    raise BusinessExpectationFailed(
        expectation=expectation,
        site=actor.site.label(),
        role=actor.who(),
        found=f"Odoo refused {refusal.model}.{refusal.method}; {_discard(actor, posting.move)}",
        record=posting.move,
        odoo_message=refusal.odoo_message,
    ) from refusal


def _rpc_closing(actor: Actor) -> ClosingActions:
    """The accountant's closing actions over RPC: the fallback of a teardown whose screen broke (browser mode),
    so what the run changed is put back pass or fail."""
    context = ActionContext(role=actor.role, site=actor.site, login=actor.login, gateway=actor.session)
    closing: ClosingActions = actions_for("closing", Mode.RPC, context)
    return closing


# -- the close turn and the lock's bookkeeping ----------------------------------------------------------


@pytest.fixture
def period_close_turn(
    request: pytest.FixtureRequest,
    site: ResolvedSite,
    uat_target: OdooGateway,
    target_settings: TargetSettings,
    run_id: str,
) -> Iterator[mec.PeriodCloseTurn]:
    """The company's close, one run at a time: waits (bounded) for another run's, released at teardown."""
    yield from held_turn(request, site, uat_target, target_settings, run_id)


@pytest.fixture
def month_end_period_lock(
    site: ResolvedSite, cast: Cast, uat_target: OdooGateway, period_close_turn: mec.PeriodCloseTurn
) -> Iterator[mec.PeriodLock]:
    """Sets the period lock for a scenario and puts it back at teardown, whatever the scenario's outcome.

    It needs the company's close turn, so the lock is put back before the turn is released.
    """
    accountant = cast["accountant"]
    keeper = mec.PeriodLock(uat_target, accountant.gateway, accountant.closing, site.company_id, period_close_turn)
    yield keeper
    done = keeper.put_back()
    if done:
        reporting.attach_text("Period lock put back", f"{site.company_name}: {done}")


def _reverse(accountant: Actor, entry: Row, reason: str) -> RecordRef:
    """The accountant reverses one entry on its own date, in its journal; should the screen break (browser mode),
    the reversal is done over RPC instead, so the teardown stays correct."""
    move = accountant.record("account.move", int(entry["id"]), str(entry["name"]))
    when = mec.to_date(entry["date"]) or date.today()
    journal_id = many2one_id(entry["journal_id"]) or 0
    try:
        return accountant.closing.reverse(move, reversal_date=when, journal_id=journal_id, reason=reason)
    except UatError:
        raise
    except Exception as broken:  # a screen's failure; Odoo's own refusals are UatErrors
        if accountant.mode is not Mode.BROWSER:
            raise
        if mec.read_move(accountant.gateway, move.id).get("state") != "posted" or mec.reversals_of(
            accountant.gateway, move.id
        ):
            raise  # the screen got further than it said: never reverse twice
        reporting.attach_text("Teardown reversal done over RPC", f"{move}: the screen failed ({broken})")
        return _rpc_closing(accountant).reverse(move, reversal_date=when, journal_id=journal_id, reason=reason)


def _reverse_run_entries(accountant: Actor, run_id: str, period: mec.Period) -> tuple[list[str], list[str]]:
    """Reverse every entry `run_id` left posted in `period`, each on its own date; (what was done, what failed)."""
    site = accountant.site
    done: list[str] = []
    failed: list[str] = []
    for entry in mec.run_entries_in_period(accountant.gateway, site.company_id, run_id, period):
        try:
            reversal = _reverse(accountant, entry, tag(run_id, site.code, "MEC-REVERSAL"))
        except Exception as exc:  # every entry is tried; what failed is named in the evidence
            failed.append(f"{entry['name']} ({entry['ref']}, {entry['date']}): {exc}")
            continue
        made = mec.read_move(accountant.gateway, reversal.id)
        done.append(
            f"{entry['name']} ({entry['ref']}, {entry['date']}) reversed by {made['name']} dated "
            f"{made['date']} ({made['state']})"
        )
    return done, failed


@pytest.fixture
def close_entries_reversed(
    site: ResolvedSite, cast: Cast, run_id: str, period_close_turn: mec.PeriodCloseTurn
) -> Iterator[mec.Period]:
    """What the run posts in the period it closes is reversed when the scenario ends, pass or fail.

    Requested before the lock is set (by the accrual's step), so its teardown runs after the lock's: the lock is
    put back first, then each entry is reversed on its own date, so last month's balances are as they were
    before the run and no entry of the run stays in effect there. Should the lock still hold (its put-back
    failed), Odoo dates the reversal on the first open day, and the evidence says so.
    """
    period = mec.period_to_close(date.today())
    yield period
    accountant = cast["accountant"]
    try:
        done, failed = _reverse_run_entries(accountant, run_id, period)
    except UatError as exc:
        done, failed = [], [f"the run's entries could not be listed: {exc}"]
    if done:
        reporting.attach_text("Entries of the run in the closed period reversed", "; ".join(done))
    if failed:
        message = (
            f"{site.company_name}: entries of run {run_id} left posted in {period.label}, reverse them by hand: "
            + "; ".join(failed)
        )
        reporting.attach_text("Entries of the run left posted", message)
        warnings.warn(mec.CloseEntriesLeftPosted(message), stacklevel=1)


def _put_right(accountant: Actor, uat_target: OdooGateway, run_id: str | None, who: str) -> list[str]:
    """Put back the lock `run_id`'s note describes (None: a legacy per-company note) and delete its drafts."""
    site = accountant.site
    repaired: list[str] = []
    restore = mec.pending_restore(uat_target, site.company_id, run_id)
    if restore is not None:
        with accountant.doing(
            f"The accountant can put back the period lock {who} left on {site.company_name}",
            record=_company(accountant),
        ):
            done = mec.put_back(uat_target, accountant.gateway, accountant.closing, restore, legacy=run_id is None)
        repaired.append(f"its lock note ({restore.describe()}): {done}")
    if run_id is None:
        return repaired
    reversed_, failed = _reverse_run_entries(accountant, run_id, mec.period_to_close(date.today()))
    if reversed_:
        repaired.append("reversed its entries in the period: " + "; ".join(reversed_))
    if failed:
        repaired.append("could NOT reverse: " + "; ".join(failed))
    drafts = mec.drafts_of_run(accountant.gateway, site.company_id, run_id)
    for row in drafts:
        draft = accountant.record("account.move", int(row["id"]), str(row["ref"]))
        with accountant.doing(
            f"The accountant can delete the draft test entries {who} left in {site.company_name}", record=draft
        ):
            accountant.closing.discard_draft(draft)
    if drafts:
        repaired.append(
            "deleted its draft test entries: " + ", ".join(f"{row['ref']} dated {row['date']}" for row in drafts)
        )
    return repaired


@given("anything an interrupted close left behind has been put right")
def interrupted_close_put_right(
    site: ResolvedSite, cast: Cast, uat_target: OdooGateway, period_close_turn: mec.PeriodCloseTurn, run_id: str
) -> None:
    """This run holds the company's close turn; a run that held it and died is put right, and the run says so.

    Only what is proven to be the dead run's is touched: the note under its run id, drafts tagged with its
    run id. A legacy per-company note (older harness versions) is put back too; notes of other runs are left.
    """
    accountant = cast["accountant"]
    messages: list[str] = []
    takeover = period_close_turn.takeover
    if takeover is not None:
        dead = takeover.holder
        who = "this run's earlier attempt" if dead.run_id == run_id else f"the interrupted run {dead.run_id}"
        repaired = _put_right(accountant, uat_target, dead.run_id, who)
        messages.append(
            f"the interrupted run {dead.run_id} held the period lock since {dead.since:%Y-%m-%d %H:%M:%S} UTC "
            f"(host {dead.host}, process {dead.pid}) and was taken over because {takeover.reason}; "
            + ("; ".join(repaired) if repaired else "it had left nothing else to put right")
        )
    legacy = _put_right(accountant, uat_target, None, "an older harness version")
    if legacy:
        messages.append("a per-company lock note of an older harness version: " + "; ".join(legacy))
    others = mec.notes_of_other_runs(uat_target, site.company_id, {run_id})
    if others:  # not proven dead: never touched, but a reader should know
        reporting.attach_text(
            "Lock notes of other runs left alone", f"{site.company_name}: notes of runs {', '.join(others)}"
        )
    if not messages:
        reporting.attach_text("No interrupted close", f"{site.company_name}: nothing was left behind")
        return
    message = f"{site.company_name}: " + "; ".join(messages)
    reporting.attach_text("Interrupted close put right", message)
    warnings.warn(mec.InterruptedCloseRepaired(message), stacklevel=1)


# -- before the close -------------------------------------------------------------------------------


@given("last month is open for the accountant", target_fixture="close_period")
def last_month_open(site: ResolvedSite, cast: Cast) -> mec.Period:
    """Last month must still be open, or the close cannot be simulated (no lock, or one before last month)."""
    accountant = cast["accountant"]
    field = _section(site).lock_date_field
    period = mec.period_to_close(date.today())
    state = mec.lock_state(accountant.gateway, site.company_id, field)
    in_force = max(
        mec.to_date(state[f"user_{field}"]) or date.min, mec.to_date(state["user_hard_lock_date"]) or date.min
    )
    accountant.expect(
        in_force < period.start,
        f"Before the close, {period.label} is open for the accountant (no lock on or after {period.start})",
        found=(
            f"{LOCK_LABEL} {state[field] or '(none)'}, Hard Lock Date {state['hard_lock_date'] or '(none)'}; "
            f"in force for the accountant: {in_force if in_force > date.min else '(none)'}"
        ),
        record=_company(accountant),
    )
    return period


@given(
    "the journal, the accounts, the valued supply and the accountant's lock rights are as the close needs",
    target_fixture="close_supply",
)
def close_configuration_checked(site: ResolvedSite, cast: Cast) -> mec.SupplyValuation:
    """Everything the close relies on, checked as findings before it posts or locks anything.

    References only said which records; here is what they must be like: a general journal in use, accounts in
    use (the stock valuation account a current asset, the supply's own), the supply valued as the profile says,
    a receipt type that receives (and may create the lots of a tracked supply), and an accountant Odoo lets
    set the Global Lock Date.
    """
    accountant = cast["accountant"]
    gateway = accountant.gateway
    section = _section(site)
    receipt = section.valued_receipt
    journal_id = site.id("month_end_close.journal")
    journal = mec.journal_setup(gateway, journal_id)
    accountant.expect(
        journal["type"] == "general"
        and bool(journal["active"])
        and many2one_id(journal["company_id"]) == site.company_id,
        f"The journal {section.journal} is an active general (miscellaneous) journal of {site.company_name} "
        "(profile: month_end_close.journal)",
        found=(
            f"{journal['name']}: type {journal['type']!r}, {'active' if journal['active'] else 'ARCHIVED'}, company "
            f"{journal['company_id'][1] if journal['company_id'] else '(none)'}"
        ),
        record=accountant.record("account.journal", journal_id, str(journal["name"])),
    )
    for key, code in (
        ("entries.debit_account", section.entries.debit_account),
        ("entries.credit_account", section.entries.credit_account),
        ("stock_valuation_account", section.stock_valuation_account),
    ):
        account_id = site.id(f"month_end_close.{key}")
        account = mec.account_setup(gateway, account_id)
        stock = key == "stock_valuation_account"
        accountant.expect(
            bool(account["active"])
            and account["account_type"] != "off_balance"
            and (not stock or account["account_type"] == mec.STOCK_ACCOUNT_TYPE),
            f"The account {code} is in use"
            + (
                " and is a current asset, as a stock valuation account is"
                if stock
                else " and not an off-balance account"
            )
            + f" (profile: month_end_close.{key})",
            found=f"{account['code']} {account['name']}: type {account['account_type']!r}, "
            + ("active" if account["active"] else "ARCHIVED"),
            record=accountant.record("account.account", account_id, f"{account['code']} {account['name']}"),
        )
    product_id = site.id("month_end_close.valued_receipt.product")
    supply = mec.supply_valuation(gateway, product_id, site.company_id)
    product = accountant.record("product.product", product_id, supply.name)
    wanted = mec.VALUATION_IN_ODOO[receipt.valuation]
    accountant.expect(
        supply.storable and supply.valuation == wanted,
        f"{receipt.product} is a storable supply valued {mec.VALUATION_NAMES[wanted]} in {site.company_name} "
        f"(profile: valued_receipt.valuation {receipt.valuation})",
        found=("storable, " if supply.storable else "NOT storable, ") + supply.describe(),
        record=product,
    )
    if receipt.cost_method is not None:
        accountant.expect(
            supply.cost_method == receipt.cost_method,
            f"{receipt.product} is valued at {mec.COST_METHOD_NAMES[receipt.cost_method]} "
            f"(profile: valued_receipt.cost_method {receipt.cost_method})",
            found=supply.describe(),
            record=product,
        )
    if receipt.unit_cost is not None:
        accountant.expect(
            math.isclose(supply.unit_cost, receipt.unit_cost, abs_tol=0.5 * 10 ** -mec.price_digits(gateway)),
            f"Before the delivery, {receipt.product}'s unit cost ({mec.COST_METHOD_NAMES.get(supply.cost_method)}) "
            f"is {_money(receipt.unit_cost)} (profile: valued_receipt.unit_cost)",
            found=supply.describe(),
            record=product,
        )
    valuation_account = site.id("month_end_close.stock_valuation_account")
    accountant.expect(
        supply.stock_account_id == valuation_account,
        f"{receipt.product} is valued on the stock valuation account {section.stock_valuation_account} "
        "(profile: month_end_close.stock_valuation_account)",
        found=(
            f"{supply.stock_account_source}: "
            + (mec.account_setup(gateway, supply.stock_account_id)["code"] if supply.stock_account_id else "(none)")
        ),
        record=product,
    )
    kind_id = site.id("month_end_close.valued_receipt.receipt_operation")
    kind = mec.receipt_type_setup(gateway, kind_id)
    tracked = supply.tracking in ("lot", "serial")
    accountant.expect(
        kind["code"] == "incoming" and (not tracked or bool(kind["use_create_lots"])),
        f"The operation type {receipt.receipt_operation} of {site.profile.warehouse} receives supplier deliveries"
        + (
            f" and lets the storekeeper create the lots of {receipt.product} ({supply.tracking}-tracked)"
            if tracked
            else ""
        )
        + " (profile: valued_receipt.receipt_operation)",
        found=f"{kind['name']}: type of operation {kind['code']!r}, create new lots: {bool(kind['use_create_lots'])}",
        record=accountant.record("stock.picking.type", kind_id, str(kind["name"])),
    )
    rights = mec.lock_rights(gateway, site.company_id)
    accountant.expect(
        rights.may_lock,
        f"Odoo lets the accountant set {site.company_name}'s {LOCK_LABEL} (Community 19 keeps it on the company: "
        f"{mec.LOCK_GROUPS})",
        found=f"{accountant.login} {rights.describe()}",
        record=_company(accountant),
    )
    return supply


@given("the accountant has posted an accrual dated at the end of last month", target_fixture="close_accrual")
def accrual_posted(
    site: ResolvedSite, cast: Cast, close_period: mec.Period, run_id: str, close_entries_reversed: mec.Period
) -> RecordRef:
    """Posted in the period the run closes, so reversed at the scenario's end (`close_entries_reversed`)."""
    accountant = cast["accountant"]
    section = _section(site)
    debit_account, credit_account = _test_accounts(site)
    accrual: JournalEntry = JournalEntryFactory.build(
        run_tag=tag(run_id, site.code, "MEC-ACCRUAL"),
        journal_id=site.id("month_end_close.journal"),
        entry_date=close_period.end,
        debit_account_id=debit_account,
        credit_account_id=credit_account,
        amount=section.entries.amount,
    )
    expectation = f"The accountant can post an accrual dated {close_period.end}"
    with accountant.doing(expectation):
        posting = accountant.closing.post_entry(accrual)
    entry = _posted_or_discarded(accountant, posting, expectation)
    posted = mec.read_move(accountant.gateway, entry.id)
    accountant.expect(
        posted["state"] == "posted" and mec.to_date(posted["date"]) == close_period.end,
        f"The accrual is posted on {close_period.end}, in {close_period.label}",
        found=f"{posted['name']} is {posted['state']!r} dated {posted['date']}",
        record=accountant.record("account.move", entry.id, str(posted["name"])),
    )
    return accountant.record("account.move", entry.id, str(posted["name"]))


@given("the stock valuation account and the stock value of the company are noted", target_fixture="valuation_before")
def valuation_noted(
    site: ResolvedSite, cast: Cast, close_supply: mec.SupplyValuation, close_period: mec.Period
) -> mec.ValuationReading:
    """Before the delivery and the bill: the valuation account, the stock, and last month's books (the "before" of
    the close's checks: drafts, trial balance, lock exceptions)."""
    accountant = cast["accountant"]
    section = _section(site)
    valuation_account = site.id("month_end_close.stock_valuation_account")
    return mec.ValuationReading(
        account_id=valuation_account,
        account_code=section.stock_valuation_account,
        balance=mec.account_balance(accountant.gateway, site.company_id, valuation_account),
        stock_value=mec.perpetual_stock_value(accountant.gateway),
        last_line_id=mec.latest_line_id(accountant.gateway),
        supply=mec.supply_stock(accountant.gateway, close_supply.product_id),
        books=mec.period_books(accountant.gateway, site.company_id, close_period, section.lock_date_field),
    )


@when("the storekeeper receives a delivery of the valued supply", target_fixture="valued_delivery")
def storekeeper_receives_valued_supply(
    site: ResolvedSite, cast: Cast, run_id: str, close_supply: mec.SupplyValuation
) -> RecordRef:
    """A lot- or serial-tracked supply arrives with run-tagged lots and expiry dates, as a storekeeper types them."""
    storekeeper = cast["storekeeper"]
    gateway = storekeeper.gateway
    receipt = _section(site).valued_receipt
    receipt_type = site.id("month_end_close.valued_receipt.receipt_operation")
    supplier = site.id("month_end_close.valued_receipt.supplier")
    product_id = site.id("month_end_close.valued_receipt.product")
    with storekeeper.doing(f"The storekeeper can find where deliveries from {receipt.supplier} arrive"):
        source, destination = mec.receipt_locations(gateway, receipt_type, supplier)
    delivery: Delivery = SupplierDeliveryFactory.build(
        run_tag=tag(run_id, site.code, "MEC-RECEIPT"),
        picking_type_id=receipt_type,
        partner_id=supplier,
        product_id=product_id,
        quantity=receipt.quantity,
        source_location_id=source,
        destination_location_id=destination,
    )
    tracked = close_supply.tracking in ("lot", "serial")
    lots = (
        mec.plan_run_lots(
            tag(run_id, site.code, "MEC-LOT").replace("/", "-"),
            receipt.quantity,
            close_supply.tracking,
            close_supply.expiration_days,
            date.today(),
        )
        if tracked
        else []
    )
    doing = f"The storekeeper can receive {receipt.quantity:g} x {receipt.product} in full" + (
        f" with {len(lots)} supplier lot(s) and expiry dates" if lots else ""
    )
    with storekeeper.doing(doing):
        received = storekeeper.receiving.receive_delivery(delivery, lots)
    state = mec.picking_state(gateway, received.receipt.id)
    storekeeper.expect(
        state == "done",
        f"The delivery of {receipt.quantity:g} x {receipt.product} is received (done)",
        found=f"receipt state {state!r}; {received.answer}"
        + (f"; lots {', '.join(lot.name for lot in lots)}" if lots else ""),
        record=received.receipt,
    )
    return received.receipt


@when("the accountant posts the supplier's bill for the delivery", target_fixture="valued_bill")
def accountant_posts_supplier_bill(
    site: ResolvedSite, cast: Cast, run_id: str, valued_delivery: RecordRef
) -> RecordRef:
    """Billed at what Odoo valued the delivery at, per unit: the delivery has no purchase order, so Odoo valued it at
    the supply's cost, and a bill at another price would be a price difference the close does not test."""
    accountant = cast["accountant"]
    receipt = _section(site).valued_receipt
    product_id = site.id("month_end_close.valued_receipt.product")
    move = mec.receipt_move(accountant.gateway, valued_delivery.id, product_id)
    unit_price = mec.billed_unit_price(
        float(move["value"]), float(move["quantity"]), mec.price_digits(accountant.gateway)
    )
    bill: SupplierBill = SupplierBillFactory.build(
        run_tag=tag(run_id, site.code, "MEC-BILL"),
        partner_id=site.id("month_end_close.valued_receipt.supplier"),
        product_id=product_id,
        quantity=receipt.quantity,
        unit_price=unit_price,
    )
    expectation = (
        f"The accountant can post {receipt.supplier}'s bill for {receipt.quantity:g} x {receipt.product} "
        f"at {_money(unit_price)}"
    )
    with accountant.doing(expectation):
        posting = accountant.closing.post_bill(bill)
    return _posted_or_discarded(accountant, posting, expectation)


@then("Odoo valued the delivery at the supply's cost")
def delivery_valued_at_cost(
    site: ResolvedSite,
    cast: Cast,
    close_supply: mec.SupplyValuation,
    valuation_before: mec.ValuationReading,
    valued_delivery: RecordRef,
) -> None:
    """Periodic or perpetual: the delivery's value (`stock.move.value`) is its quantity at the supply's cost before
    it, the supply's stock value (`product.total_value`) rose by exactly that, and its unit cost moved as its cost
    method says (unchanged at standard cost, averaged in at FIFO and average cost)."""
    accountant = cast["accountant"]
    receipt = _section(site).valued_receipt
    rounding = _rounding(accountant, site)
    move = mec.receipt_move(accountant.gateway, valued_delivery.id, close_supply.product_id)
    before = valuation_before.supply
    after = mec.supply_stock(accountant.gateway, close_supply.product_id)
    quantity, value = float(move["quantity"]), float(move["value"])
    expected_value = mec.delivery_value(before.unit_cost, quantity)
    expected_cost = mec.unit_cost_after(close_supply.cost_method, before, quantity, value)
    price_tolerance = 0.5 * 10 ** -mec.price_digits(accountant.gateway)
    method = mec.COST_METHOD_NAMES.get(close_supply.cost_method, close_supply.cost_method)
    by_lot = close_supply.lot_valuated  # valued at the lot's cost, not the product's: only the rise is compared
    rows: list[tuple[str, Value, Value, Expected]] = [
        (f"{receipt.product} on hand (units)", before.quantity, after.quantity, quantity),
        (
            f"{receipt.product} stock value",
            Money(round(before.value, 2)),
            Money(round(after.value, 2)),
            Judged(
                f"{value:+,.2f} (the delivery's value)",
                mec.same_amount(after.value - before.value, value, rounding / 2 + price_tolerance * after.quantity),
            ),
        ),
        (
            f"{receipt.product} unit cost ({method})",
            before.unit_cost,
            after.unit_cost,
            NOT_CHECKED
            if by_lot
            else Judged(
                f"unchanged, {expected_cost:,.6g}"
                if mec.same_amount(expected_cost, before.unit_cost, price_tolerance)
                else f"to {expected_cost:,.6g}",
                mec.same_amount(after.unit_cost, expected_cost, price_tolerance),
            ),
        ),
        (
            f"value of the delivery {move['reference']}",
            None,
            Money(round(value, 2)),
            NOT_CHECKED
            if by_lot
            else Judged(
                f"{expected_value:,.2f} ({quantity:g} x {before.unit_cost:,.6g})",
                value > 0 and mec.same_amount(value, expected_value, rounding / 2),
            ),
        ),
    ]
    record_quantities(
        f"{receipt.product} valued across the delivery ({site.company_name})",
        before={name: was for name, was, _, _ in rows},
        after={name: now for name, _, now, _ in rows},
        by=("what",),
        expected={name: wanted for name, _, _, wanted in rows},
        sort=False,
    )
    accountant.expect(
        value > 0
        and mec.same_amount(after.value - before.value, value, rounding / 2 + price_tolerance * after.quantity)
        and (
            close_supply.lot_valuated  # valued at the lot's cost, not the product's: only the rise is compared
            or (
                mec.same_amount(value, expected_value, rounding / 2)
                and mec.same_amount(after.unit_cost, expected_cost, price_tolerance)
            )
        ),
        f"Odoo valued the delivery of {quantity:g} x {receipt.product} at its {method} before it "
        f"({_money(before.unit_cost)} a unit), and {receipt.product}'s stock value rose by exactly that",
        found=(
            f"delivery {move['reference']} valued {_money(value)} (expected {_money(expected_value)}); stock value "
            f"{_money(before.value)} -> {_money(after.value)} ({after.value - before.value:+,.2f}) for "
            f"{before.quantity:g} -> {after.quantity:g} units; unit cost {before.unit_cost:g} -> {after.unit_cost:g} "
            f"(expected {expected_cost:g})"
            + ("; valued by lot: not compared with the product's cost" if close_supply.lot_valuated else "")
        ),
        record=valued_delivery,
    )


@then("the stock valuation account moved by exactly the change in stock value")
def valuation_account_follows_stock(
    site: ResolvedSite,
    cast: Cast,
    close_supply: mec.SupplyValuation,
    valuation_before: mec.ValuationReading,
    valued_delivery: RecordRef,
    valued_bill: RecordRef,
) -> None:
    """Perpetual: the bill debits the stock valuation account by its own amount, which is what the stock gained.

    Periodic ("Periodic (at closing)", Odoo 19's default): the account moves only with the inventory closing
    entry, so this comparison does not apply and is recorded as such; what applies is that the bill left the
    stock valuation account alone.
    """
    accountant = cast["accountant"]
    receipt = _section(site).valued_receipt
    rounding = _rounding(accountant, site)
    account = valuation_before.account_id
    balance = mec.account_balance(accountant.gateway, site.company_id, account)
    account_change = balance - valuation_before.balance
    billed = mec.posted_on(accountant.gateway, valued_bill.id, account)
    postings = [
        f"{row['move_name']} ({row['ref'] or '-'}) {row['balance']:+,.2f}"
        for row in mec.postings_since(accountant.gateway, account, valuation_before.last_line_id)
    ]
    details = {
        "bill's items": "; ".join(mec.accounts_of(accountant.gateway, valued_bill.id)),
        f"posted on {valuation_before.account_code} since": "; ".join(postings) or "(nothing)",
    }
    if not close_supply.perpetual:
        account_row = f"account {valuation_before.account_code}"
        record_quantities(
            f"stock valuation account across the delivery and the bill ({site.company_name})",
            before={account_row: Money(round(valuation_before.balance, 2))},
            after={account_row: Money(round(balance, 2))},
            by=("what",),
            expected={
                account_row: Judged(
                    "0 (periodic valuation: the bill leaves it alone)",
                    mec.same_amount(billed, 0.0, rounding / 2) and mec.same_amount(account_change, 0.0, rounding / 2),
                )
            },
        )
        _not_applicable(
            accountant,
            f"The stock valuation account {valuation_before.account_code} moved by exactly the change in stock value",
            f"{receipt.product} is valued {mec.VALUATION_NAMES['periodic']}: the account follows the stock only "
            "through the inventory closing entry, which a UAT run does not post",
        )
        accountant.expect(
            mec.same_amount(billed, 0.0, rounding / 2) and mec.same_amount(account_change, 0.0, rounding / 2),
            f"The supplier's bill for a periodically valued supply leaves the stock valuation account "
            f"{valuation_before.account_code} alone (it is booked to the supply's expense account)",
            found=f"the bill posted {billed:+,.2f} on it; the account moved {account_change:+,.2f}",
            record=valued_bill,
            details=details,
        )
        return
    move = mec.receipt_move(accountant.gateway, valued_delivery.id, close_supply.product_id)
    # the bill's unit price is the delivery's value per unit to the price's digits: that much may separate them
    billed_tolerance = rounding / 2 + 0.5 * 10 ** -mec.price_digits(accountant.gateway) * float(move["quantity"])
    stock_value = mec.perpetual_stock_value(accountant.gateway)
    value_change = stock_value - valuation_before.stock_value
    account_row = f"account {valuation_before.account_code}"
    stock_row = f"{site.company_name}'s perpetually valued stock"
    record_quantities(
        "stock valuation account and stock value",
        before={
            account_row: Money(round(valuation_before.balance, 2)),
            stock_row: Money(round(valuation_before.stock_value, 2)),
        },
        after={account_row: Money(round(balance, 2)), stock_row: Money(round(stock_value, 2))},
        by=("what",),
        expected={account_row: round(billed, 2), stock_row: round(billed, 2)},
    )
    accountant.expect(
        mec.same_amount(account_change, billed, rounding / 2)
        and mec.same_amount(billed, float(move["value"]), billed_tolerance)
        and mec.same_amount(account_change, value_change, rounding / 2)
        and not mec.same_amount(value_change, 0.0, rounding / 2),
        f"The stock valuation account {valuation_before.account_code} moved by exactly the change in the value of "
        f"{site.company_name}'s perpetually valued stock: the bill's amount, which is the delivery's value",
        found=(
            f"account {_money(valuation_before.balance)} -> {_money(balance)} ({account_change:+,.2f}); the bill "
            f"posted {billed:+,.2f} on it; the delivery was valued {_money(float(move['value']))}; stock value "
            f"{_money(valuation_before.stock_value)} -> {_money(stock_value)} ({value_change:+,.2f})"
        ),
        record=valued_bill,
        details=details,
    )


# -- the close --------------------------------------------------------------------------------------


@then("no draft journal entries remain in last month")
def no_drafts_in_period(
    site: ResolvedSite, cast: Cast, close_period: mec.Period, valuation_before: mec.ValuationReading
) -> None:
    accountant = cast["accountant"]
    drafts = mec.draft_entries(accountant.gateway, site.company_id, close_period)
    row = f"draft journal entries dated in {close_period.label}"
    record_quantities(
        f"draft entries left in {close_period.label} ({site.company_name})",
        before={row: valuation_before.books.drafts if valuation_before.books else None},
        after={row: mec.draft_count(accountant.gateway, site.company_id, close_period)},
        by=("what",),
        expected={row: Judged("none left", not drafts)},
    )
    accountant.expect(
        not drafts,
        f"No draft journal entry of {site.company_name} remains in {close_period.label} before it is locked",
        found="; ".join(
            f"#{row['id']} {row['name'] or '(no number)'} ref {row['ref'] or '-'} dated {row['date']} "
            f"({row['journal_id'][1]})"
            for row in drafts
        ),
        record=_company(accountant),
    )


@then("the trial balance at the end of last month balances")
def trial_balance_balances(
    site: ResolvedSite, cast: Cast, close_period: mec.Period, valuation_before: mec.ValuationReading
) -> None:
    accountant = cast["accountant"]
    lines = mec.trial_balance(accountant.gateway, site.company_id, close_period.end)
    company = mec.company_accounting(accountant.gateway, site.company_id)
    rounding = mec.rounding_of(accountant.gateway, int(company["currency_id"][0]))
    debit = sum(line.debit for line in lines)
    credit = sum(line.credit for line in lines)
    books = valuation_before.books
    debit_row, credit_row, difference_row = "total debit", "total credit", "difference (debit minus credit)"
    record_quantities(
        f"trial balance of {site.company_name} at {close_period.end}",
        before={
            debit_row: Money(round(books.debit, 2)) if books else None,
            credit_row: Money(round(books.credit, 2)) if books else None,
            difference_row: Money(round(books.debit - books.credit, 2)) if books else None,
        },
        after={
            debit_row: Money(round(debit, 2)),
            credit_row: Money(round(credit, 2)),
            difference_row: Money(round(debit - credit, 2)),
        },
        by=("what",),
        expected={
            debit_row: NOT_CHECKED,
            credit_row: NOT_CHECKED,
            difference_row: Judged("0.00 (balances)", bool(lines) and _same_amount(debit, credit, rounding)),
        },
        sort=False,
    )
    accountant.expect(
        bool(lines) and _same_amount(debit, credit, rounding),
        f"{site.company_name}'s trial balance at {close_period.end} balances: total debit equals total credit",
        found=f"debit {_money(debit)}, credit {_money(credit)} over {len(lines)} accounts",
        record=_company(accountant),
        details={"trial balance": "; ".join(f"{line.account} {_money(line.debit - line.credit)}" for line in lines)},
    )


@then("no lock exception lets anyone post into last month")
def no_lock_exception(
    site: ResolvedSite, cast: Cast, close_period: mec.Period, valuation_before: mec.ValuationReading
) -> None:
    """Checked before the lock is set: writing a lock date re-creates the active exceptions against it."""
    accountant = cast["accountant"]
    field = _section(site).lock_date_field
    found = mec.exceptions_against(accountant.gateway, site.company_id, field, close_period.end)
    row = f"active lock exceptions reaching into {close_period.label}"
    record_quantities(
        f"lock exceptions of {site.company_name}",
        before={row: valuation_before.books.lock_exceptions if valuation_before.books else None},
        after={row: len(found)},
        by=("what",),
        expected={row: Judged("none", not found)},
    )
    accountant.expect(
        not found,
        f"No active lock exception of {site.company_name} lets anyone post into {close_period.label} once it is "
        f"locked ({LOCK_LABEL})",
        found="; ".join(
            f"{row['display_name']} for {row['user_id'][1] if row['user_id'] else 'everyone'}, "
            f"lock date {row['lock_date'] or '(none)'}, until {row['end_datetime'] or '(no end)'}"
            + (f", reason {row['reason']!r}" if row["reason"] else "")
            for row in found
        ),
        record=(
            accountant.record("account.lock_exception", int(found[0]["id"]), str(found[0]["display_name"]))
            if found
            else _company(accountant)
        ),
    )


@when("the accountant sets the period lock date to the end of last month")
def accountant_locks_period(
    site: ResolvedSite, cast: Cast, close_period: mec.Period, month_end_period_lock: mec.PeriodLock, run_id: str
) -> None:
    accountant = cast["accountant"]
    field = _section(site).lock_date_field
    with accountant.doing(
        f"The accountant can set {site.company_name}'s {LOCK_LABEL} to {close_period.end}", record=_company(accountant)
    ):
        restore = month_end_period_lock.lock(field, close_period.end, tag(run_id, site.code, "MEC-LOCK"))
    reporting.attach_text("Period lock set", f"{site.company_name}: {restore.describe()} (put back at the end)")


@then("the period lock holds for the accountant")
def period_lock_holds(site: ResolvedSite, cast: Cast, close_period: mec.Period) -> None:
    accountant = cast["accountant"]
    field = _section(site).lock_date_field
    state = mec.lock_state(accountant.gateway, site.company_id, field)
    accountant.expect(
        mec.to_date(state[field]) == close_period.end and mec.to_date(state[f"user_{field}"]) == close_period.end,
        f"{site.company_name}'s {LOCK_LABEL} is {close_period.end} and holds for the accountant too",
        found=f"{LOCK_LABEL} {state[field] or '(none)'}; in force for the accountant: {state[f'user_{field}']}",
        record=_company(accountant),
    )


@then("an entry backdated into last month does not land in last month")
def backdated_entry_kept_out(site: ResolvedSite, cast: Cast, close_period: mec.Period, run_id: str) -> None:
    """Odoo 19 does not refuse it: it re-dates the entry to the first open date. Either outcome keeps it out."""
    accountant = cast["accountant"]
    section = _section(site)
    debit_account, credit_account = _test_accounts(site)
    backdated = min(close_period.start.replace(day=15), close_period.end)
    backdated_entry: JournalEntry = JournalEntryFactory.build(
        run_tag=tag(run_id, site.code, "MEC-BACKDATED"),
        journal_id=site.id("month_end_close.journal"),
        entry_date=backdated,
        debit_account_id=debit_account,
        credit_account_id=credit_account,
        amount=section.entries.amount,
    )
    with accountant.doing(f"The accountant can enter a journal entry dated {backdated}"):
        posting = accountant.closing.post_entry(backdated_entry)
    entry = posting.move
    if posting.refusal is not None:
        outcome = f"Odoo refused to post it ({posting.refusal.odoo_message}); {_discard(accountant, entry)}"
        holds = True
    else:
        posted = mec.read_move(accountant.gateway, entry.id)
        landed = mec.to_date(posted["date"])
        holds = posted["state"] == "posted" and landed is not None and not close_period.contains(landed)
        outcome = (
            f"Odoo posted it as {posted['name']} re-dated from {backdated} to {landed} (first open date)"
            if landed != backdated
            else f"Odoo posted it as {posted['name']} on {landed}, inside the locked period"
        )
    reporting.attach_text("Backdated entry", outcome)
    accountant.expect(
        holds,
        f"An entry backdated to {backdated} does not land in the locked {close_period.label}: Odoo refuses it or "
        "moves it to the first open date",
        found=outcome,
        record=entry,
    )


@then("a posted entry of last month cannot be reset to draft")
def locked_entry_stays_posted(cast: Cast, close_accrual: RecordRef, close_period: mec.Period) -> None:
    accountant = cast["accountant"]
    attempt = accountant.closing.reset_to_draft(close_accrual)
    refusal = attempt.refused
    after = mec.read_move(accountant.gateway, close_accrual.id)
    if after["state"] == "draft":  # do not leave a draft of the run in last month: the failure below names it
        accountant.closing.post_draft(close_accrual)
    accountant.expect(
        bool(refusal) and mec.LOCK_REFUSAL in refusal and after["state"] == "posted",
        f"A posted entry of the locked {close_period.label} cannot be reset to draft "
        "(Odoo: 'You cannot add/modify entries prior to and inclusive of ...')",
        found=f"Odoo said: {refusal}" if refusal else f"Odoo reset it to draft (state {after['state']!r})",
        record=close_accrual,
    )
