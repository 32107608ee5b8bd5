"""Closing on Odoo's screens: the browser implementation of `ClosingActions`.

The accountant types a journal entry in Accounting > Journal Entries (date, journal, one Journal Items line per
account, with label, debit and credit) and presses Post; types a supplier's bill in Vendors > Bills (vendor, bill
date, reference, a product line with quantity and price) and presses Confirm; reverses an entry with its "Reverse
Entry" button and the wizard's "Reverse"; tries "Reset to Draft"; deletes a draft from the cog menu. Odoo's
refusals come back as the RPC error types with the dialog's words (odoo_uat/browser/failures.py).

The company's lock date stays on RPC: no Community 19 screen offers it (`NO_LOCK_SCREEN`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from odoo_uat.actions.base import Attempt, BrowserActions, action
from odoo_uat.actions.closing import (
    NO_LOCK_SCREEN,
    JournalEntry,
    Posting,
    SupplierBill,
    move_ref,
    write_lock_date,
)
from odoo_uat.browser.pages.accounting import MOVE, JournalEntryForm, SupplierBillForm, typed_date
from odoo_uat.errors import OdooAccessError, OdooError, OdooUserError, OdooValidationError, RecordRef

if TYPE_CHECKING:
    from odoo_uat.actions.base import ActionContext
    from odoo_uat.actions.closing import ClosingActions
    from odoo_uat.gateway import OdooGateway

_REFUSALS = (OdooUserError, OdooValidationError, OdooAccessError)
FULL_ACCOUNTING = "'Show Full Accounting Features' (account.group_account_user)"


@contextmanager
def _abandoned_unless_saved(form: JournalEntryForm) -> Iterator[None]:
    """Typing that breaks off (a screen that did not react, Odoo refusing to save) is discarded, so no half-typed
    entry of the run is saved by Odoo when the page closes; the original error is what the step reports."""
    try:
        yield
    except Exception:
        with suppress(Exception):  # the screen may be what broke: the first error is the finding
            form.abandon()
        raise


class BrowserClosing(BrowserActions):
    domain = "closing"

    # -- what the screens need that a person reads off the paper or knows by heart -------------------------------

    @cached_property
    def _reader(self) -> OdooGateway:
        """Names to type and pick (a journal's, an account's, a product's): read, never written."""
        return self.context.gateway.read_only()

    @cached_property
    def _date_format(self) -> str:
        """How the user's language writes a date (res.lang.date_format), as they type it."""
        reader = self._reader
        lang = reader.read_one("res.users", reader.uid, ["lang"])["lang"] or "en_US"
        rows = reader.search_read("res.lang", [("code", "=", lang)], ["date_format"], limit=1)
        return str(rows[0]["date_format"]) if rows else "%m/%d/%Y"

    def _name(self, model: str, record_id: int) -> str:
        return str(self._reader.read_one(model, record_id, ["display_name"])["display_name"])

    def _typed(self, day: date) -> str:
        return typed_date(day, self._date_format)

    def _cannot(self, what: str, method: str) -> OdooAccessError:
        return OdooAccessError(f"Odoo's screens do not let {self.context.who()} {what}", model=MOVE, method=method)

    def _open(self, move: RecordRef) -> JournalEntryForm:
        form = JournalEntryForm(self.screen.page, self.screen.base_url)
        form.open(move.id)
        return form

    def _post(self, form: JournalEntryForm, move_id: int) -> Posting:
        if not form.can_post():
            raise self._cannot(f"post {move_ref(self._reader, move_id)} (no Post/Confirm button)", "action_post")
        try:
            form.post()
        except _REFUSALS as refusal:
            return Posting(move_ref(self._reader, move_id), refusal)
        return Posting(move_ref(self._reader, move_id))

    # -- the actions ---------------------------------------------------------------------------------------------

    @action("post a journal entry")
    def post_entry(self, entry: JournalEntry) -> Posting:
        form = JournalEntryForm(self.screen.page, self.screen.base_url)
        form.open_new()
        if not form.has_journal_items():
            raise self._cannot(
                f"enter journal items: the journal entry form shows no Journal Items tab (Odoo shows it to users with "
                f"{FULL_ACCOUNTING})",
                "post a journal entry",
            )
        with _abandoned_unless_saved(form):
            form.fill_reference(entry.run_tag)
            form.fill_date(self._typed(entry.entry_date))
            form.choose_journal(self._name("account.journal", entry.journal_id))
            for line in entry.lines:
                account = self._name("account.account", line.account_id)
                form.add_line(account, line.label, debit=line.debit, credit=line.credit)
            move_id = form.save()
        if not move_id:  # pragma: no cover - save raises what Odoo refused
            raise OdooError("The journal entry was not saved", model=MOVE, method="post a journal entry")
        return self._post(form, move_id)

    @action("record a supplier's bill and confirm it")
    def post_bill(self, bill: SupplierBill) -> Posting:
        form = SupplierBillForm(self.screen.page, self.screen.base_url)
        form.open_new()
        product = self._reader.read_one("product.product", bill.product_id, ["display_name", "default_code", "name"])
        with _abandoned_unless_saved(form):
            form.choose_vendor(self._name("res.partner", bill.partner_id))
            form.fill_bill_date(self._typed(bill.bill_date))
            form.fill_reference(bill.run_tag)
            form.add_product_line(
                str(product["display_name"]),
                str(product["default_code"] or product["name"]),
                bill.quantity,
                bill.unit_price,
            )
            move_id = form.save()
        if not move_id:  # pragma: no cover - save raises what Odoo refused
            raise OdooError("The vendor bill was not saved", model=MOVE, method="record a supplier's bill")
        return self._post(form, move_id)

    @action("post a draft entry")
    def post_draft(self, move: RecordRef) -> Posting:
        return self._post(self._open(move), move.id)

    @action("reverse a journal entry")
    def reverse(self, move: RecordRef, *, reversal_date: date, journal_id: int, reason: str) -> RecordRef:
        """The wizard shows no reason for a journal entry (Odoo hides it): `reason` is not typed on screen; the
        reversal's own reference names the entry it reverses."""
        form = self._open(move)
        if not form.can_reverse():
            raise self._cannot(f"reverse {move.name or move.id} (no Reverse Entry button)", "reverse")
        reversal_id = form.reverse(on=self._typed(reversal_date), journal=self._name("account.journal", journal_id))
        if not reversal_id or reversal_id == move.id:  # pragma: no cover - the wizard raises what Odoo refused
            raise OdooError(f"Odoo opened no reversal of {move.name or move.id}", model=MOVE, method="reverse")
        return move_ref(self._reader, reversal_id)

    @action("try to reset a posted entry to draft")
    def reset_to_draft(self, move: RecordRef) -> Attempt:
        form = self._open(move)
        if not form.can_reset_to_draft():
            return Attempt(refused=f"the Reset to Draft button is not offered to {self.context.who()} on {move.name}")
        try:
            form.reset_to_draft()
        except _REFUSALS as refusal:
            return Attempt(refused=refusal.odoo_message)
        return Attempt()

    @action("delete a draft entry")
    def discard_draft(self, move: RecordRef) -> None:
        if self._reader.read_one(MOVE, move.id, ["state"])["state"] != "draft":
            return  # as over RPC: only a draft is deleted
        self._open(move).delete()

    @action("set the company's lock date", stays_on_rpc=NO_LOCK_SCREEN)
    def set_lock_date(self, field: str, lock: date) -> None:
        write_lock_date(self.context.gateway, self.context.site.company_id, field, lock)

    @action("clear the company's lock date", stays_on_rpc=NO_LOCK_SCREEN)
    def clear_lock_date(self, field: str) -> None:
        write_lock_date(self.context.gateway, self.context.site.company_id, field, None)


def _conforms(context: ActionContext) -> ClosingActions:
    return BrowserClosing(context)
