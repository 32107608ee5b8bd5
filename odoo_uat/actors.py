"""The people who do the work, and how their expectations are checked.

An `Actor` is a role at a site: a logged-in gateway pinned to the site's company. `expect` and
`Actor.doing` turn a broken expectation or an Odoo refusal into `BusinessExpectationFailed`, which names
the expectation, the site, the role, the record and Odoo's own words.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from odoo_uat import reporting
from odoo_uat.errors import BusinessExpectationFailed, OdooError, RecordRef
from odoo_uat.gateway import OdooGateway, SessionPool
from odoo_uat.references import ResolvedSite


@dataclass(frozen=True)
class Actor:
    role: str
    site: ResolvedSite
    gateway: OdooGateway

    @property
    def login(self) -> str:
        return self.gateway.login

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


def actor_for(pool: SessionPool, site: ResolvedSite, role: str) -> Actor:
    """Log the site's user for `role` in (once per run) and pin it to the site's company."""
    login = site.profile.role(role)
    gateway = pool.as_user(login.login, login.secret()).for_company(site.company_id)
    return Actor(role=role, site=site, gateway=gateway)
