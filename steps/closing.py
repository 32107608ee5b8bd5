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

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from pytest_bdd import given, then, when

from fixtures.actors import Cast
from fixtures.factories.month_end_close import JournalEntryFactory, SupplierBillFactory, SupplierDeliveryFactory
from odoo_uat import reporting
from odoo_uat.actors import Actor
from odoo_uat.config import TargetSettings
from odoo_uat.cycles import month_end_close as mec
from odoo_uat.errors import BusinessExpectationFailed, OdooError, RecordRef, UatError
from odoo_uat.gateway import OdooGateway, SessionPool, many2one_id
from odoo_uat.references import ResolvedSite
from odoo_uat.run_id import tag

_section = mec.section_of

LOCK_LABEL = "Global Lock Date"  # Odoo's label of fiscalyear_lock_date


def _company(actor: Actor) -> RecordRef:
    return actor.record("res.company", actor.site.company_id, actor.site.company_name)


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _same_amount(first: float, second: float, rounding: float) -> bool:
    return math.isclose(first, second, abs_tol=rounding / 2)


def _test_accounts(site: ResolvedSite) -> tuple[int, int]:
    """The test entries' accounts, resolved by code in the site's company with the profile's references."""
    return site.id("month_end_close.entries.debit_account"), site.id("month_end_close.entries.credit_account")


def _post_or_discard(actor: Actor, entry: RecordRef, expectation: str) -> None:
    """Post a run's entry; where Odoo refuses, the draft goes, so no draft of the run stays in the books."""
    try:
        mec.post(actor.gateway, entry.id)
    except OdooError as exc:
        mec.discard_draft(actor.gateway, entry.id)
        raise BusinessExpectationFailed(
            expectation=expectation,
            site=actor.site.label(),
            role=actor.who(),
            found=f"Odoo refused {exc.model}.{exc.method}; the run's draft was deleted",
            record=entry,
            odoo_message=exc.odoo_message,
        ) from exc


# -- the close turn and the lock's bookkeeping ----------------------------------------------------------


def _say_now(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """A line on the operator's terminal at once (pytest captures print), kept for the evidence too."""
    terminal = request.config.pluginmanager.getplugin("terminalreporter")
    capture = request.config.pluginmanager.getplugin("capturemanager")

    def say(line: str) -> None:
        if terminal is None:
            return
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            terminal.write_line(f"\nuat: {line}")

    return say


@pytest.fixture
def period_close_turn(
    request: pytest.FixtureRequest,
    site: ResolvedSite,
    uat_target: OdooGateway,
    target_settings: TargetSettings,
    run_id: str,
) -> Iterator[mec.PeriodCloseTurn]:
    """The company's close, one run at a time: waits (bounded) for another run's, released at teardown."""
    turn = mec.PeriodCloseTurn(
        uat_target,
        site.company_id,
        site.company_name,
        run_id,
        heartbeat_gateway=lambda: SessionPool(target_settings).technical(),
        wait=mec.turn_wait(),
        stale_after=mec.turn_stale_after(),
        say=_say_now(request),
    )
    try:
        turn.take()
    finally:
        if turn.waited_for:
            message = "; ".join(turn.waited_for) + f" (waited {turn.waited_seconds:.1f} s)"
            reporting.attach_text("Waited for the period lock", message)
            warnings.warn(mec.WaitedForPeriodLock(message), stacklevel=1)
    yield turn
    try:
        done = turn.release()
    except UatError as exc:  # Odoo gone: the next run finds this run's process gone and takes the turn over
        done = f"the period lock of {site.company_name} could not be released ({exc}); the next run takes it over"
    reporting.attach_text("Period lock released", done)


@pytest.fixture
def month_end_period_lock(
    site: ResolvedSite, cast: Cast, uat_target: OdooGateway, period_close_turn: mec.PeriodCloseTurn
) -> Iterator[mec.PeriodLock]:
    """Sets the period lock for a scenario and puts it back at teardown, whatever the scenario's outcome.

    It needs the company's close turn, so the lock is put back before the turn is released.
    """
    keeper = mec.PeriodLock(uat_target, cast["accountant"].gateway, site.company_id, period_close_turn)
    yield keeper
    done = keeper.put_back()
    if done:
        reporting.attach_text("Period lock put back", f"{site.company_name}: {done}")


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
            done = mec.put_back(uat_target, accountant.gateway, restore, legacy=run_id is None)
        repaired.append(f"its lock note ({restore.describe()}): {done}")
    if run_id is None:
        return repaired
    drafts = mec.drafts_of_run(accountant.gateway, site.company_id, run_id)
    if drafts:
        with accountant.doing(
            f"The accountant can delete the draft test entries {who} left in {site.company_name}",
            record=accountant.record("account.move", int(drafts[0]["id"]), str(drafts[0]["ref"])),
        ):
            accountant.gateway.unlink("account.move", [int(row["id"]) for row in drafts])
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


@given("the accountant has posted an accrual dated at the end of last month", target_fixture="close_accrual")
def accrual_posted(site: ResolvedSite, cast: Cast, close_period: mec.Period, run_id: str) -> RecordRef:
    accountant = cast["accountant"]
    section = _section(site)
    debit_account, credit_account = _test_accounts(site)
    entry: RecordRef = JournalEntryFactory.create(
        actor=accountant,
        run_tag=tag(run_id, site.code, "MEC-ACCRUAL"),
        journal_id=site.id("month_end_close.journal"),
        entry_date=close_period.end,
        debit_account_id=debit_account,
        credit_account_id=credit_account,
        amount=section.entries.amount,
    )
    _post_or_discard(accountant, entry, f"The accountant can post an accrual dated {close_period.end}")
    posted = mec.read_move(accountant.gateway, entry.id)
    accountant.expect(
        posted["state"] == "posted" and mec.to_date(posted["date"]) == close_period.end,
        f"The accrual is posted on {close_period.end}, in {close_period.label}",
        found=f"{posted['name']} is {posted['state']!r} dated {posted['date']}",
        record=accountant.record("account.move", entry.id, str(posted["name"])),
    )
    return accountant.record("account.move", entry.id, str(posted["name"]))


@given("the stock valuation account and the stock value of the company are noted", target_fixture="valuation_before")
def valuation_noted(site: ResolvedSite, cast: Cast) -> mec.ValuationReading:
    """Checks the supply is valued perpetually on the profile's account, then notes both figures."""
    accountant = cast["accountant"]
    section = _section(site)
    receipt = section.valued_receipt
    company = mec.company_accounting(accountant.gateway, site.company_id)
    account_id = many2one_id(company["account_stock_valuation_id"])
    accountant.expect(
        account_id == site.id("month_end_close.stock_valuation_account"),
        f"{site.company_name}'s stock valuation account is {section.stock_valuation_account} "
        "(profile: month_end_close.stock_valuation_account)",
        found=f"the company's stock valuation account is {company['account_stock_valuation_id'] or '(none)'}",
        record=_company(accountant),
    )
    product_id = site.id("month_end_close.valued_receipt.product")
    product = mec.product_valuation(accountant.gateway, product_id)
    accountant.expect(
        product["valuation"] == "real_time"
        and product["cost_method"] == "standard"
        and math.isclose(float(product["standard_price"]), receipt.unit_cost),
        f"{receipt.product} is valued perpetually (at invoicing) at its standard cost of {_money(receipt.unit_cost)}",
        found=(
            f"valuation {product['valuation']!r}, cost method {product['cost_method']!r}, "
            f"standard cost {product['standard_price']} (category {product['categ_id'][1]})"
        ),
        record=accountant.record("product.product", product_id, str(product["display_name"])),
    )
    valuation_account = site.id("month_end_close.stock_valuation_account")
    return mec.ValuationReading(
        account_id=valuation_account,
        account_code=section.stock_valuation_account,
        balance=mec.account_balance(accountant.gateway, site.company_id, valuation_account),
        stock_value=mec.perpetual_stock_value(accountant.gateway),
        last_line_id=mec.latest_line_id(accountant.gateway),
    )


@when("the storekeeper receives a delivery of the perpetually valued supply", target_fixture="valued_delivery")
def storekeeper_receives_valued_supply(site: ResolvedSite, cast: Cast, run_id: str) -> RecordRef:
    storekeeper = cast["storekeeper"]
    receipt = _section(site).valued_receipt
    receipt_type = site.id("month_end_close.valued_receipt.receipt_operation")
    supplier = site.id("month_end_close.valued_receipt.supplier")
    with storekeeper.doing(f"The storekeeper can find where deliveries from {receipt.supplier} arrive"):
        source, destination = mec.receipt_locations(storekeeper.gateway, receipt_type, supplier)
    delivery: RecordRef = SupplierDeliveryFactory.create(
        actor=storekeeper,
        run_tag=tag(run_id, site.code, "MEC-RECEIPT"),
        picking_type_id=receipt_type,
        partner_id=supplier,
        product_id=site.id("month_end_close.valued_receipt.product"),
        quantity=receipt.quantity,
        source_location_id=source,
        destination_location_id=destination,
    )
    with storekeeper.doing(
        f"The storekeeper can receive {receipt.quantity:g} x {receipt.product} in full", record=delivery
    ):
        state = mec.receive_in_full(storekeeper.gateway, delivery.id)
    storekeeper.expect(
        state == "done",
        f"The delivery of {receipt.quantity:g} x {receipt.product} is received (done)",
        found=f"receipt state {state!r}",
        record=delivery,
    )
    return delivery


@when("the accountant posts the supplier's bill for the delivery", target_fixture="valued_bill")
def accountant_posts_supplier_bill(site: ResolvedSite, cast: Cast, run_id: str) -> RecordRef:
    accountant = cast["accountant"]
    receipt = _section(site).valued_receipt
    bill: RecordRef = SupplierBillFactory.create(
        actor=accountant,
        run_tag=tag(run_id, site.code, "MEC-BILL"),
        partner_id=site.id("month_end_close.valued_receipt.supplier"),
        product_id=site.id("month_end_close.valued_receipt.product"),
        quantity=receipt.quantity,
        unit_price=receipt.unit_cost,
    )
    _post_or_discard(
        accountant,
        bill,
        f"The accountant can post {receipt.supplier}'s bill for {receipt.quantity:g} x {receipt.product}",
    )
    return bill


@then("the stock valuation account moved by exactly the change in stock value")
def valuation_account_follows_stock(
    site: ResolvedSite, cast: Cast, valuation_before: mec.ValuationReading, valued_bill: RecordRef
) -> None:
    accountant = cast["accountant"]
    receipt = _section(site).valued_receipt
    company = mec.company_accounting(accountant.gateway, site.company_id)
    rounding = mec.rounding_of(accountant.gateway, int(company["currency_id"][0]))
    balance = mec.account_balance(accountant.gateway, site.company_id, valuation_before.account_id)
    stock_value = mec.perpetual_stock_value(accountant.gateway)
    account_change = balance - valuation_before.balance
    value_change = stock_value - valuation_before.stock_value
    postings = [
        f"{row['move_name']} ({row['ref'] or '-'}) {row['balance']:+,.2f}"
        for row in mec.postings_since(accountant.gateway, valuation_before.account_id, valuation_before.last_line_id)
    ]
    accountant.expect(
        _same_amount(account_change, value_change, rounding) and not _same_amount(value_change, 0.0, rounding),
        f"The stock valuation account {valuation_before.account_code} moved by exactly the change in the value of "
        f"{site.company_name}'s perpetually valued stock",
        found=(
            f"account {_money(valuation_before.balance)} -> {_money(balance)} ({account_change:+,.2f}); "
            f"stock value {_money(valuation_before.stock_value)} -> {_money(stock_value)} ({value_change:+,.2f})"
        ),
        record=valued_bill,
        details={
            "received": f"{receipt.quantity:g} x {receipt.product} at {_money(receipt.unit_cost)}",
            f"posted on {valuation_before.account_code} since": "; ".join(postings) or "(nothing)",
        },
    )


# -- the close --------------------------------------------------------------------------------------


@then("no draft journal entries remain in last month")
def no_drafts_in_period(site: ResolvedSite, cast: Cast, close_period: mec.Period) -> None:
    accountant = cast["accountant"]
    drafts = mec.draft_entries(accountant.gateway, site.company_id, close_period)
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
def trial_balance_balances(site: ResolvedSite, cast: Cast, close_period: mec.Period) -> None:
    accountant = cast["accountant"]
    lines = mec.trial_balance(accountant.gateway, site.company_id, close_period.end)
    company = mec.company_accounting(accountant.gateway, site.company_id)
    rounding = mec.rounding_of(accountant.gateway, int(company["currency_id"][0]))
    debit = sum(line.debit for line in lines)
    credit = sum(line.credit for line in lines)
    accountant.expect(
        bool(lines) and _same_amount(debit, credit, rounding),
        f"{site.company_name}'s trial balance at {close_period.end} balances: total debit equals total credit",
        found=f"debit {_money(debit)}, credit {_money(credit)} over {len(lines)} accounts",
        record=_company(accountant),
        details={"trial balance": "; ".join(f"{line.account} {_money(line.debit - line.credit)}" for line in lines)},
    )


@then("no lock exception lets anyone post into last month")
def no_lock_exception(site: ResolvedSite, cast: Cast, close_period: mec.Period) -> None:
    """Checked before the lock is set: writing a lock date re-creates the active exceptions against it."""
    accountant = cast["accountant"]
    field = _section(site).lock_date_field
    found = mec.exceptions_against(accountant.gateway, site.company_id, field, close_period.end)
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
    entry: RecordRef = JournalEntryFactory.create(
        actor=accountant,
        run_tag=tag(run_id, site.code, "MEC-BACKDATED"),
        journal_id=site.id("month_end_close.journal"),
        entry_date=backdated,
        debit_account_id=debit_account,
        credit_account_id=credit_account,
        amount=section.entries.amount,
    )
    try:
        mec.post(accountant.gateway, entry.id)
    except OdooError as refusal:
        mec.discard_draft(accountant.gateway, entry.id)
        outcome = f"Odoo refused to post it ({refusal.odoo_message}); the draft was deleted"
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
    refusal = mec.reset_to_draft(accountant.gateway, close_accrual.id)
    after = mec.read_move(accountant.gateway, close_accrual.id)
    if after["state"] == "draft":
        with contextlib.suppress(OdooError):  # do not leave a draft of the run in last month
            mec.post(accountant.gateway, close_accrual.id)
    accountant.expect(
        bool(refusal) and mec.LOCK_REFUSAL in refusal and after["state"] == "posted",
        f"A posted entry of the locked {close_period.label} cannot be reset to draft "
        "(Odoo: 'You cannot add/modify entries prior to and inclusive of ...')",
        found=f"Odoo said: {refusal}" if refusal else f"Odoo reset it to draft (state {after['state']!r})",
        record=close_accrual,
    )
