"""The people who do the work, and how their expectations are checked.

An `Actor` is a role at a site. What the person does goes through one actions interface per business domain
(`actor.purchasing`, `actor.receiving`, ...), implemented over RPC or in the browser according to the scenario's
mode (odoo_uat/actions). What must hold is read through `actor.gateway`, a read-only view of the role's session
pinned to the site's company. `expect` and `Actor.doing` turn a broken expectation or an Odoo refusal (over RPC
or on screen) into `BusinessExpectationFailed`, which names the expectation, the site, the role, the record and
Odoo's own words.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from odoo_uat import reporting
from odoo_uat.actions.base import ActionContext, Mode
from odoo_uat.actions.registry import actions_for
from odoo_uat.errors import BusinessExpectationFailed, OdooError, RecordRef
from odoo_uat.gateway import OdooGateway, SessionPool
from odoo_uat.references import ResolvedSite

if TYPE_CHECKING:
    from odoo_uat.actions.billing import BillingActions
    from odoo_uat.actions.closing import ClosingActions
    from odoo_uat.actions.maintenance import MaintenanceActions
    from odoo_uat.actions.purchasing import PurchasingActions
    from odoo_uat.actions.receiving import ReceivingActions
    from odoo_uat.actions.service_desk import ServiceDeskActions
    from odoo_uat.actions.ward_stock import WardStockActions
    from odoo_uat.browser.stage import RoleScreen


@dataclass(frozen=True)
class Actor:
    """A role at a site: its actions by domain (in the scenario's mode) and a read-only gateway for checks."""

    role: str
    site: ResolvedSite
    session: OdooGateway  # the role's own writable session: only its RPC actions use it
    mode: Mode = Mode.RPC
    screen: RoleScreen | None = None  # the role's browser page in this scenario (browser mode only)

    @property
    def login(self) -> str:
        return self.session.login

    @cached_property
    def gateway(self) -> OdooGateway:
        """What checks read Odoo through: any call that could write is refused as a harness bug."""
        return self.session.read_only()

    def _actions(self, domain: str) -> Any:
        context = ActionContext(
            role=self.role, site=self.site, login=self.login, gateway=self.session, screen=self.screen
        )
        return actions_for(domain, self.mode, context)

    @cached_property
    def purchasing(self) -> PurchasingActions:
        return self._actions("purchasing")  # type: ignore[no-any-return]

    @cached_property
    def receiving(self) -> ReceivingActions:
        return self._actions("receiving")  # type: ignore[no-any-return]

    @cached_property
    def billing(self) -> BillingActions:
        return self._actions("billing")  # type: ignore[no-any-return]

    @cached_property
    def ward_stock(self) -> WardStockActions:
        return self._actions("ward_stock")  # type: ignore[no-any-return]

    @cached_property
    def maintenance(self) -> MaintenanceActions:
        return self._actions("maintenance")  # type: ignore[no-any-return]

    @cached_property
    def service_desk(self) -> ServiceDeskActions:
        return self._actions("service_desk")  # type: ignore[no-any-return]

    @cached_property
    def closing(self) -> ClosingActions:
        return self._actions("closing")  # type: ignore[no-any-return]

    def who(self) -> str:
        return f"{self.role} ({self.login})"

    def record(self, model: str, record_id: int, name: str = "") -> RecordRef:
        return self.gateway.record(model, record_id, name)

    def expect(
        self,
        holds: bool,
        expectation: str,
        *,
        found: str,
        record: RecordRef | None = None,
        details: dict[str, str] | None = None,
    ) -> None:
        expect(holds, expectation, site=self.site, role=self.who(), found=found, record=record, details=details)

    @contextmanager
    def doing(self, expectation: str, *, record: RecordRef | None = None) -> Iterator[None]:
        """Run Odoo calls that are expected to succeed; Odoo's refusal becomes a business failure."""
        try:
            yield
        except OdooError as exc:
            raise BusinessExpectationFailed(
                expectation=expectation,
                site=self.site.label(),
                role=self.who(),
                found=f"Odoo refused {exc.model}.{exc.method}",
                record=record,
                odoo_message=exc.odoo_message,
            ) from exc


def expect(
    holds: bool,
    expectation: str,
    *,
    site: ResolvedSite,
    role: str,
    found: str,
    record: RecordRef | None = None,
    details: dict[str, str] | None = None,
) -> None:
    reporting.record_check(expectation, site=site.code, role=role, found=found, record=record, holds=holds)
    if not holds:
        raise BusinessExpectationFailed(
            expectation=expectation,
            site=site.label(),
            role=role,
            found=found,
            record=record,
            details=dict(details or {}),
        )


def actor_for(
    pool: SessionPool, site: ResolvedSite, role: str, mode: Mode = Mode.RPC, screen: RoleScreen | None = None
) -> Actor:
    """Log the site's user for `role` in (once per run) and pin it to the site's company."""
    login = site.profile.role(role)
    session = pool.as_user(login.login, login.secret()).for_company(site.company_id)
    return Actor(role=role, site=site, session=session, mode=mode, screen=screen)
