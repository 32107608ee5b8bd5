"""The closing actions' seam (no Odoo): both implementations offer the same actions, only the lock date stays on RPC
in browser mode and says why, a journal entry from the factory balances, and the lock action refuses the Hard Lock
Date whichever mode asks. Behaviour against Odoo is proven by the month_end_close cycle on the bundled Odoo."""

from __future__ import annotations

import inspect
from datetime import date
from types import SimpleNamespace
from typing import Any, cast

import pytest

from fixtures.factories.month_end_close import JournalEntryFactory, SupplierBillFactory
from odoo_uat.actions.base import ActionContext, action_names
from odoo_uat.actions.closing import ClosingActions, JournalEntry, RpcClosing, SupplierBill
from odoo_uat.browser.actions.closing import BrowserClosing
from odoo_uat.gateway import OdooGateway
from odoo_uat.references import ResolvedSite

PROTOCOL_METHODS = sorted(
    name for name, member in vars(ClosingActions).items() if inspect.isfunction(member) and not name.startswith("_")
)


def test_both_implementations_offer_every_action_of_the_interface() -> None:
    assert PROTOCOL_METHODS == sorted(action_names(RpcClosing)) == sorted(action_names(BrowserClosing))
    for name in PROTOCOL_METHODS:
        protocol = inspect.signature(getattr(ClosingActions, name))
        assert inspect.signature(getattr(RpcClosing, name)) == protocol, name
        assert inspect.signature(getattr(BrowserClosing, name)) == protocol, name


def test_in_browser_mode_only_the_lock_date_stays_on_rpc_and_says_why() -> None:
    stays = {
        name: inspect.getclosurevars(getattr(BrowserClosing, name)).nonlocals.get("stays_on_rpc", "")
        for name in PROTOCOL_METHODS
    }
    assert {name for name, why in stays.items() if why} == {"set_lock_date", "clear_lock_date"}
    assert "no screen for lock dates" in stays["set_lock_date"]


class _Company:
    def __init__(self) -> None:
        self.writes: list[dict[str, Any]] = []

    def write(self, model: str, ids: list[int], values: dict[str, Any]) -> None:
        self.writes.append(values)


@pytest.mark.parametrize("implementation", [RpcClosing, BrowserClosing])
def test_neither_mode_ever_writes_the_hard_lock_date(implementation: type[RpcClosing | BrowserClosing]) -> None:
    company = _Company()
    site = cast(ResolvedSite, SimpleNamespace(company_id=1))
    closing = implementation(ActionContext(role="accountant", site=site, login="a", gateway=cast(OdooGateway, company)))
    with pytest.raises(ValueError, match="never writes hard_lock_date"):
        closing.set_lock_date("hard_lock_date", date(2026, 10, 31))
    closing.set_lock_date("fiscalyear_lock_date", date(2026, 10, 31))
    closing.clear_lock_date("fiscalyear_lock_date")
    assert company.writes == [{"fiscalyear_lock_date": "2026-10-31"}, {"fiscalyear_lock_date": False}]


def test_the_factory_builds_a_balanced_run_tagged_entry_and_bill() -> None:
    entry: JournalEntry = JournalEntryFactory.build(
        run_tag="UAT-1/CLINIC/MEC-ACCRUAL", journal_id=3, entry_date=date(2026, 10, 31),
        debit_account_id=10, credit_account_id=20, amount=420.0,
    )  # fmt: skip
    assert entry.run_tag == "UAT-1/CLINIC/MEC-ACCRUAL"
    assert [(line.account_id, line.debit, line.credit) for line in entry.lines] == [(10, 420.0, 0.0), (20, 0.0, 420.0)]
    assert {line.label for line in entry.lines} == {"UAT-1/CLINIC/MEC-ACCRUAL"}
    bill: SupplierBill = SupplierBillFactory.build(run_tag="UAT-1/CLINIC/MEC-BILL", partner_id=7, product_id=8)
    assert bill.bill_date == date.today()
    assert bill.run_tag.endswith("MEC-BILL")
