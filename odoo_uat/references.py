"""Resolve a profile's natural keys to the target's records, read-only.

A key that matches no record, or more than one, is a profile error naming the file, the key and the
candidates Odoo does have, so the user can fix the profile without opening Odoo.

A reference says *which* record; nothing else about it is checked here. What the record must be like (a stage
is a done stage, a type delivers into a consumption location) is an expectation the scenario checks, so a
configuration regression is a finding, not a profile error. A broken reference blocks only what uses it: the
site's company or warehouse blocks the site, a cycle section's reference that cycle at that site, a role's
login the scenarios that need the role; everything else runs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from odoo_uat.errors import ProfileError, ProfileErrors
from odoo_uat.gateway import OdooGateway

if TYPE_CHECKING:  # profiles import the cycle sections, which import this module
    from odoo_uat.profiles import LoadedProfile, SiteProfile


@dataclass(frozen=True)
class Scope:
    """What a cycle's references are looked up within."""

    company_id: int
    warehouse_id: int


@dataclass(frozen=True)
class Reference:
    key: str  # where it sits in the profile, e.g. "requisition_to_receipt.product"
    model: str
    field: str  # the natural key, e.g. "default_code"
    value: str
    domain: tuple[Any, ...] = ()
    company_field: str | None = "company_id"  # records of this company or shared (company_id False)
    describe: str = "display_name"
    archivable: bool = True  # the model has an `active` flag, so "archived" can be told apart from "absent"


@dataclass
class ResolvedSite:
    """A site profile joined to the target: every reference now has an id."""

    loaded: LoadedProfile
    company_id: int
    company_name: str
    warehouse_id: int
    ids: dict[str, int] = field(default_factory=dict)
    # what does not resolve, by what it blocks: a cycle's name, or "roles.<role>"
    problems: dict[str, list[ProfileError]] = field(default_factory=dict)

    @property
    def profile(self) -> SiteProfile:
        return self.loaded.profile

    @property
    def code(self) -> str:
        return self.profile.code

    def id(self, key: str) -> int:
        try:
            return self.ids[key]
        except KeyError:
            raise ProfileError(str(self.loaded.path), key, "is not set in this site's profile") from None

    def require(self, part: str) -> None:
        """Block a scenario whose cycle (or role) has a reference that does not resolve: ProfileErrors, exit 11."""
        if self.problems.get(part):
            raise ProfileErrors(self.problems[part])

    def all_problems(self) -> list[ProfileError]:
        return [problem for problems in self.problems.values() for problem in problems]

    def label(self) -> str:
        return f"{self.code} ({self.profile.name}; company {self.company_name}; warehouse {self.profile.warehouse})"


def _search_domain(reference: Reference, scope: Scope | None) -> list[Any]:
    domain: list[Any] = [(reference.field, "=", reference.value), *reference.domain]
    if scope and reference.company_field:
        domain.append((reference.company_field, "in", [scope.company_id, False]))
    return domain


def resolve_reference(gateway: OdooGateway, path: str, reference: Reference, scope: Scope | None) -> int:
    domain = _search_domain(reference, scope)
    rows = gateway.search_read(reference.model, domain, [reference.describe], limit=6)
    if len(rows) == 1:
        return int(rows[0]["id"])
    if len(rows) > 1:
        names = ", ".join(f"#{row['id']} {row.get(reference.describe)!r}" for row in rows)
        raise ProfileError(
            path, reference.key, f"{reference.value!r} matches {len(rows)} {reference.model} records: {names}"
        )
    if reference.archivable and gateway.with_context(active_test=False).search_count(
        reference.model, [*domain, ("active", "=", False)]
    ):
        raise ProfileError(path, reference.key, f"{reference.value!r} exists in {reference.model} but is archived")
    # Offer what the target does have: values that look alike, else any values in the same scope.
    similar = gateway.search_read(
        reference.model,
        [(reference.field, "ilike", reference.value[:3]), *reference.domain],
        [reference.field],
        limit=8,
    ) or gateway.search_read(reference.model, list(reference.domain), [reference.field], limit=8)
    candidates = ", ".join(repr(row[reference.field]) for row in similar if row.get(reference.field))
    hint = f"; candidates: {candidates}" if candidates else ""
    raise ProfileError(path, reference.key, f"no {reference.model} has {reference.field} = {reference.value!r}{hint}")


def resolve_site(gateway: OdooGateway, loaded: LoadedProfile, cycles: Collection[str] | None = None) -> ResolvedSite:
    """Resolve the core references, then those of the roles and the cycle sections (all, or only `cycles`).

    The site's company and warehouse must resolve (ProfileErrors otherwise: the whole site is blocked); every
    other problem is kept in `problems`, by the cycle or role it blocks. A run resolves only the cycles it is
    about to run, so a section for a cycle not run today cannot stop it; `uat doctor` resolves them all.
    """
    path = str(loaded.path)
    profile = loaded.profile
    company_id = resolve_reference(
        gateway, path, Reference("company", "res.company", "name", profile.company, company_field=None), None
    )
    warehouse_id = resolve_reference(
        gateway,
        path,
        Reference(
            "warehouse",
            "stock.warehouse",
            "code",
            profile.warehouse,
            company_field=None,
            domain=(("company_id", "=", company_id),),
        ),
        None,
    )
    scope = Scope(company_id=company_id, warehouse_id=warehouse_id)
    company_name = profile.company
    resolved = ResolvedSite(
        loaded, company_id, company_name, warehouse_id, {"company": company_id, "warehouse": warehouse_id}
    )
    for role, login in profile.roles.items():
        try:
            resolved.ids[f"roles.{role}"] = resolve_reference(
                gateway,
                path,
                Reference(f"roles.{role}.login", "res.users", "login", login.login, company_field=None),
                None,
            )
        except ProfileError as exc:
            resolved.problems.setdefault(f"roles.{role}", []).append(exc)
    # Some natural keys are per company (an account's code in Odoo 19): look them up as the site's company.
    site_gateway = gateway.for_company(company_id)
    for name, section in profile.cycle_sections().items():
        if cycles is not None and name not in cycles:
            continue
        for reference in section.references(scope):
            try:
                resolved.ids[reference.key] = resolve_reference(site_gateway, path, reference, scope)
            except ProfileError as exc:
                resolved.problems.setdefault(name, []).append(exc)
    return resolved
