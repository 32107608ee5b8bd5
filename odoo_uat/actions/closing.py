"""Closing actions: what the accountant does at month end, as an interface and its RPC implementation.

The accountant posts journal entries and a supplier's bill (built as a person types them: `JournalEntry`,
`SupplierBill`), reverses an entry through Odoo's Reverse wizard, tries to reset a posted entry to draft (an
`Attempt`: a posted entry of a locked period cannot be), deletes a draft Odoo would not post, and sets or clears
the company's Global Lock Date. Odoo 19 Community offers no screen for lock dates (neither Accounting's
settings nor the company form shows them; the Lock Dates wizard is Enterprise's), so that action is done over
RPC in both modes. The harness's own notes of the lock it set are not a role's action at all: they are written
with the technical session (odoo_uat/cycles/month_end_close.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from odoo_uat.actions.base import ActionContext, Attempt, RpcActions, action
from odoo_uat.errors import (
    ConfigurationError,
    OdooAccessError,
    OdooError,
    OdooUserError,
    OdooValidationError,
    RecordRef,
)
from odoo_uat.gateway import OdooGateway

WRITABLE_LOCK_FIELDS = ("fiscalyear_lock_date",)  # never hard_lock_date: Odoo cannot undo it
NO_LOCK_SCREEN = (
    "Odoo 19 Community has no screen for lock dates: neither Accounting > Configuration > Settings nor the company "
    "form shows them (the Lock Dates wizard is Enterprise's account_accountant), so the accountant's write of the "
    "company's lock date is done over RPC"
)


@dataclass(frozen=True)
class JournalLine:
    """One line of a journal entry as the accountant types it: account, label, debit or credit."""

    account_id: int
    label: str
    debit: float = 0.0
    credit: float = 0.0


@dataclass(frozen=True)
class JournalEntry:
    """A miscellaneous journal entry as the accountant types it; its reference carries the run's tag."""

    run_tag: str  # the entry's Reference
    journal_id: int
    entry_date: date
    lines: tuple[JournalLine, ...]


@dataclass(frozen=True)
class SupplierBill:
    """A vendor bill without a purchase order, one product line, as the accountant types it from the paper bill."""

    run_tag: str  # the bill's Bill Reference
    partner_id: int
    bill_date: date
    product_id: int
    quantity: float
    unit_price: float


@dataclass(frozen=True)
class Posting:
    """What came of Post / Confirm: the entry (posted, or left a draft when Odoo refused, with its words)."""

    move: RecordRef
    refusal: OdooError | None = None

    @property
    def posted(self) -> bool:
        return self.refusal is None


class ClosingActions(Protocol):
    def post_entry(self, entry: JournalEntry) -> Posting:
        """Create the journal entry and post it; a refusal leaves the draft (`Posting.refusal` says why)."""
        ...

    def post_bill(self, bill: SupplierBill) -> Posting:
        """Create the vendor bill and confirm it; a refusal leaves the draft (`Posting.refusal` says why)."""
        ...

    def post_draft(self, move: RecordRef) -> Posting:
        """Post an entry that is a draft (one Odoo put back to draft when it should not have)."""
        ...

    def reverse(self, move: RecordRef, *, reversal_date: date, journal_id: int, reason: str) -> RecordRef:
        """Reverse a posted entry through Odoo's Reverse wizard, dated `reversal_date`; returns the reversal."""
        ...

    def reset_to_draft(self, move: RecordRef) -> Attempt:
        """Try to reset a posted entry to draft; Odoo's refusal (or the missing button) in words."""
        ...

    def discard_draft(self, move: RecordRef) -> None:
        """Delete a draft entry (one Odoo would not post), so no draft of the run stays in the books."""
        ...

    def set_lock_date(self, field: str, lock: date) -> None:
        """Set the site's company's lock date `field` (only the Global Lock Date is ever written)."""
        ...

    def clear_lock_date(self, field: str) -> None:
        """Remove the site's company's lock date `field`: the period is open again for every user."""
        ...


class RpcClosing(RpcActions):
    domain = "closing"

    @action("post a journal entry")
    def post_entry(self, entry: JournalEntry) -> Posting:
        gateway = self.context.gateway
        move_id = gateway.create("account.move", entry_values(entry))
        return post_move(gateway, move_id)

    @action("record a supplier's bill and confirm it")
    def post_bill(self, bill: SupplierBill) -> Posting:
        gateway = self.context.gateway
        move_id = gateway.create("account.move", bill_values(bill))
        return post_move(gateway, move_id)

    @action("post a draft entry")
    def post_draft(self, move: RecordRef) -> Posting:
        return post_move(self.context.gateway, move.id)

    @action("reverse a journal entry")
    def reverse(self, move: RecordRef, *, reversal_date: date, journal_id: int, reason: str) -> RecordRef:
        return reverse_move(self.context.gateway, move.id, reversal_date, journal_id, reason)

    @action("try to reset a posted entry to draft")
    def reset_to_draft(self, move: RecordRef) -> Attempt:
        try:
            self.context.gateway.call("account.move", "button_draft", [move.id])
        except (OdooUserError, OdooAccessError) as refusal:
            return Attempt(refused=refusal.odoo_message)
        return Attempt()

    @action("delete a draft entry")
    def discard_draft(self, move: RecordRef) -> None:
        gateway = self.context.gateway
        if gateway.read_one("account.move", move.id, ["state"])["state"] == "draft":
            gateway.unlink("account.move", [move.id])

    @action("set the company's lock date")
    def set_lock_date(self, field: str, lock: date) -> None:
        write_lock_date(self.context.gateway, self.context.site.company_id, field, lock)

    @action("clear the company's lock date")
    def clear_lock_date(self, field: str) -> None:
        write_lock_date(self.context.gateway, self.context.site.company_id, field, None)


# -- what the RPC implementation sends (the browser implementation reuses what no screen offers) ---------------


def entry_values(entry: JournalEntry) -> dict[str, Any]:
    return {
        "move_type": "entry",
        "journal_id": entry.journal_id,
        "date": entry.entry_date.isoformat(),
        "ref": entry.run_tag,
        "line_ids": [
            (0, 0, {"account_id": line.account_id, "name": line.label, "debit": line.debit, "credit": line.credit})
            for line in entry.lines
        ],
    }


def bill_values(bill: SupplierBill) -> dict[str, Any]:
    return {
        "move_type": "in_invoice",
        "partner_id": bill.partner_id,
        "invoice_date": bill.bill_date.isoformat(),
        "ref": bill.run_tag,
        "invoice_line_ids": [
            (0, 0, {"product_id": bill.product_id, "quantity": bill.quantity, "price_unit": bill.unit_price})
        ],
    }


def move_ref(gateway: OdooGateway, move_id: int) -> RecordRef:
    """The entry named as a reader finds it: its number once posted, else its reference."""
    row = gateway.read_one("account.move", move_id, ["name", "ref", "state"])
    name = str(row["name"]) if row["state"] == "posted" and row["name"] not in (False, "/") else str(row["ref"])
    return gateway.record("account.move", move_id, name)


def post_move(gateway: OdooGateway, move_id: int) -> Posting:
    try:
        gateway.call("account.move", "action_post", [move_id])
    except (OdooUserError, OdooValidationError, OdooAccessError) as refusal:
        return Posting(move_ref(gateway, move_id), refusal)
    return Posting(move_ref(gateway, move_id))


def reverse_move(gateway: OdooGateway, move_id: int, reversal_date: date, journal_id: int, reason: str) -> RecordRef:
    """Odoo's Reverse wizard (`account.move.reversal`, Reverse = refund_moves): the reversal is posted and
    reconciled with the entry, in `journal_id`, dated `reversal_date` (Odoo moves it to the first open day
    should that day be locked)."""
    wizard = gateway.with_context(active_model="account.move", active_ids=[move_id]).create(
        "account.move.reversal",
        {
            "move_ids": [(6, 0, [move_id])],
            "date": reversal_date.isoformat(),
            "journal_id": journal_id,
            "reason": reason,
        },
    )
    gateway.call("account.move.reversal", "refund_moves", [wizard])
    created = gateway.read_one("account.move.reversal", wizard, ["new_move_ids"])["new_move_ids"]
    if not created:
        raise ConfigurationError(f"Odoo made no reversal of account.move #{move_id}")
    return move_ref(gateway, int(created[0]))


def write_lock_date(gateway: OdooGateway, company_id: int, field: str, value: date | None) -> None:
    if field not in WRITABLE_LOCK_FIELDS:  # hard_lock_date is irreversible: nothing the harness does writes it
        raise ValueError(f"a UAT run never writes {field} (only {', '.join(WRITABLE_LOCK_FIELDS)})")
    gateway.write("res.company", [company_id], {field: value.isoformat() if value else False})


def _conforms(context: ActionContext) -> ClosingActions:
    return RpcClosing(context)
