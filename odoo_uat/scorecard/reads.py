"""What the scorecard reads from Odoo for one site, through the technical user's READ-ONLY gateway.

The scope is what the site's profile points at, never the whole database:
- the site's company and warehouse (they must resolve, as for a run: a profile error otherwise);
- the products, suppliers and equipment the cycle sections name (every record their natural key matches in the
  site's company or shared, so an ambiguous key shows as the duplicate it is rather than vanishing);
- the company's (and shared) products in the product categories the cycle sections and `data_quality:` name, the
  suppliers of all those products (their vendor lines of the company or shared), the company's equipment in the
  equipment categories `data_quality:` names;
- the role users of the profile and the groups each holds.
Company-dependent values (a product's cost, a supplier's payment terms) are read as the site's company.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from odoo_uat.errors import ProfileError, ProfileErrors, RecordRef
from odoo_uat.gateway import OdooGateway, Row, many2one_id
from odoo_uat.profiles import LoadedProfile
from odoo_uat.references import Reference, Scope, resolve_site
from odoo_uat.scorecard.expectations import DataQualityProfile

SECTION = "data_quality"
PRODUCT_FIELDS = (
    "display_name",
    "default_code",
    "name",
    "product_tmpl_id",
    "categ_id",
    "type",
    "is_storable",
    "tracking",
    "use_expiration_date",
    "standard_price",
    "uom_id",
)
OR_CHUNK = 100  # natural keys per search when looking for namesakes


@dataclass(frozen=True)
class Product:
    record: RecordRef
    template_id: int
    code: str
    name: str
    category: str
    kind: str  # Odoo's product type: consu (goods), service, combo
    storable: bool
    tracking: str  # none, lot, serial ('' when stock is not installed)
    expiry: bool | None  # lots carry expiry dates; None when product_expiry is not installed
    cost: float
    uom: str


@dataclass(frozen=True)
class Supplier:
    record: RecordRef
    vat: str
    payment_terms: str | None  # None when the account module (payment terms) is not installed


@dataclass(frozen=True)
class PreventivePlan:
    record: RecordRef
    repeat_type: str  # forever, until
    repeat_until: date | None


@dataclass(frozen=True)
class Equipment:
    record: RecordRef
    team: str
    plans: tuple[PreventivePlan, ...]


@dataclass(frozen=True)
class GroupNeed:
    xmlid: str
    group_id: int | None  # None: no such group in this database (its module is not installed)
    name: str


@dataclass(frozen=True)
class RoleUser:
    role: str
    record: RecordRef
    login: str
    groups: frozenset[int]  # every group the user holds, implied ones included (all_group_ids)


@dataclass
class SiteData:
    """One site's master data in scope, as read; the rules judge it (odoo_uat.scorecard.rules)."""

    code: str
    name: str
    company: str
    warehouse: str
    products: list[Product] = field(default_factory=list)
    medical_supply_ids: set[int] = field(default_factory=set)  # product.product ids that are medical supplies
    namesakes: list[Product] = field(default_factory=list)  # company+shared products sharing a code or name
    suppliers: list[Supplier] = field(default_factory=list)
    equipment: list[Equipment] | None = None  # None: the maintenance module is not installed
    role_users: list[RoleUser] = field(default_factory=list)
    role_needs: dict[str, list[GroupNeed]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what could not be looked at, and why


def read_site(
    gateway: OdooGateway, loaded: LoadedProfile, quality: DataQualityProfile, role_needs: dict[str, list[str]]
) -> SiteData:
    """Everything the six rules need for one site; `role_needs` maps each role to the group XML ids it needs."""
    gateway = gateway.read_only()
    # Company, warehouse (ProfileErrors when either does not resolve) and role logins; the cycle sections' own
    # references are looked up below, every match of each, which is what the rules need.
    resolved = resolve_site(gateway, loaded, cycles=())
    profile = loaded.profile
    path = str(loaded.path)
    data = SiteData(profile.code, profile.name, profile.company, profile.warehouse)
    data.notes.extend(f"not checked, the profile does not resolve: {problem}" for problem in resolved.all_problems())
    company = gateway.for_company(resolved.company_id)
    scope = Scope(company_id=resolved.company_id, warehouse_id=resolved.warehouse_id)
    in_company = ("company_id", "in", [resolved.company_id, False])
    referenced = _referenced(company, loaded, scope, data.notes)
    problems: list[ProfileError] = []
    named_categories = _named(
        company, path, "product.category", "complete_name", quality.product_categories, "product_categories", problems
    )
    medical = quality.medical_supplies_tracked
    if medical.categories is None:
        medical_categories = referenced.get("product.category", [])
    else:
        medical_categories = _named(
            company,
            path,
            "product.category",
            "complete_name",
            medical.categories,
            "medical_supplies_tracked.categories",
            problems,
        )
    medical_products = _named(
        company,
        path,
        "product.product",
        "default_code",
        medical.products,
        "medical_supplies_tracked.products",
        problems,
        domain=[in_company],
    )
    installed = gateway.installed_modules(["maintenance", "account", "product_expiry"])
    equipment_categories = (
        _named(
            company,
            path,
            "maintenance.equipment.category",
            "name",
            quality.equipment_maintenance.categories,
            "equipment_maintenance.categories",
            problems,
            domain=[in_company],
        )
        if "maintenance" in installed
        else []
    )
    if problems:
        raise ProfileErrors(problems)

    categories = sorted({*referenced.get("product.category", []), *named_categories, *medical_categories})
    product_ids = {*referenced.get("product.product", []), *medical_products}
    if categories:
        product_ids.update(company.search("product.product", [in_company, ("categ_id", "child_of", categories)]))
    known_fields = company.fields_of("product.product")
    product_fields = [name for name in PRODUCT_FIELDS if name in known_fields]
    data.products = _products(company, sorted(product_ids), product_fields)
    data.medical_supply_ids = set(medical_products)
    if medical_categories:
        data.medical_supply_ids.update(
            company.search("product.product", [in_company, ("categ_id", "child_of", sorted(set(medical_categories)))])
        )
    if "product_expiry" not in installed:
        data.notes.append("expiry dates are not checked: the product_expiry module is not installed")
    if quality.duplicate_products.switched_off is None:
        data.namesakes = _namesakes(
            company, data.products, quality.duplicate_products.match, in_company, product_fields
        )

    supplier_ids = set(referenced.get("res.partner", []))
    templates = sorted({product.template_id for product in data.products})
    if templates:
        for row in company.search_read(
            "product.supplierinfo", [("product_tmpl_id", "in", templates), in_company], ["partner_id"]
        ):
            partner = many2one_id(row["partner_id"])
            if partner:
                supplier_ids.add(partner)
    data.suppliers = _suppliers(company, sorted(supplier_ids), with_terms="account" in installed)
    if "account" not in installed:
        data.notes.append("payment terms are not checked: the account module is not installed")

    if "maintenance" in installed:
        equipment_ids = set(referenced.get("maintenance.equipment", []))
        if equipment_categories:
            equipment_ids.update(
                company.search("maintenance.equipment", [in_company, ("category_id", "in", equipment_categories)])
            )
        data.equipment = _equipment(company, sorted(equipment_ids))

    data.role_users = _role_users(gateway, {role: resolved.ids.get(f"roles.{role}") for role in profile.roles})
    data.role_needs = _group_needs(gateway, role_needs)
    return data


def _referenced(gateway: OdooGateway, loaded: LoadedProfile, scope: Scope, notes: list[str]) -> dict[str, list[int]]:
    """Every record (by model) a natural key of the cycle sections matches in the site's company or shared.

    A key that matches nothing is noted (doctor and the run report it as the profile error it is) and left out.
    """
    wanted = {"product.product", "product.category", "res.partner", "maintenance.equipment"}
    found: dict[str, list[int]] = {}
    for section in loaded.profile.cycle_sections().values():
        for reference in section.references(scope):
            if reference.model not in wanted:
                continue
            ids = gateway.search(reference.model, _key_domain(reference, scope.company_id))
            if not ids:
                notes.append(
                    f"not checked: {reference.key} {reference.value!r} matches no active {reference.model} of the "
                    "company or shared (uat doctor names the problem)"
                )
            found.setdefault(reference.model, [])
            found[reference.model].extend(i for i in ids if i not in found[reference.model])
    return found


def _key_domain(reference: Reference, company_id: int) -> list[Any]:
    domain: list[Any] = [(reference.field, "=", reference.value), *reference.domain]
    if reference.company_field:
        domain.append((reference.company_field, "in", [company_id, False]))
    return domain


def _named(
    gateway: OdooGateway,
    path: str,
    model: str,
    key_field: str,
    values: Sequence[str],
    key: str,
    problems: list[ProfileError],
    domain: Sequence[Any] = (),
) -> list[int]:
    """The records `data_quality:` names; a name that matches nothing is a profile error (its own input)."""
    ids: list[int] = []
    for index, value in enumerate(values):
        found = gateway.search(model, [(key_field, "=", value), *domain])
        if not found:
            problems.append(ProfileError(path, f"{SECTION}.{key}[{index}]", f"no {model} has {key_field} = {value!r}"))
        ids.extend(found)
    return ids


def _products(gateway: OdooGateway, ids: Sequence[int], fields: Sequence[str]) -> list[Product]:
    return [_product(gateway, row) for row in (gateway.read("product.product", ids, fields) if ids else [])]


def _product(gateway: OdooGateway, row: Row) -> Product:
    return Product(
        record=gateway.record("product.product", int(row["id"]), str(row.get("display_name") or "")),
        template_id=many2one_id(row.get("product_tmpl_id")) or 0,
        code=str(row.get("default_code") or ""),
        name=str(row.get("name") or ""),
        category=_label(row.get("categ_id")),
        kind=str(row.get("type") or ""),
        storable=bool(row.get("is_storable")),
        tracking=str(row.get("tracking") or ""),
        expiry=bool(row["use_expiration_date"]) if "use_expiration_date" in row else None,
        cost=float(row.get("standard_price") or 0.0),
        uom=_label(row.get("uom_id")),
    )


def _label(value: Any) -> str:
    """The display name of a many2one value ([id, name] or False)."""
    return str(value[1]) if isinstance(value, list | tuple) and len(value) > 1 else ""


def ilike_exact(value: str) -> str:
    """`value` for Odoo's `=ilike` (PostgreSQL ILIKE without added wildcards): its own % and _ match themselves."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def any_of(conditions: Sequence[tuple[str, str, Any]]) -> list[Any]:
    """An Odoo domain true when any condition is: n-1 '|' operators in prefix notation, then the conditions."""
    return [*(["|"] * (len(conditions) - 1)), *conditions]


def _namesakes(
    gateway: OdooGateway,
    products: Iterable[Product],
    match: Sequence[str],
    in_company: tuple[str, str, Any],
    fields: Sequence[str],
) -> list[Product]:
    """Products of the company or shared whose internal reference or name equals (ignoring case) a scoped one's."""
    keys: list[tuple[str, str]] = []
    for product in products:
        if "default_code" in match and product.code:
            keys.append(("default_code", product.code))
        if "name" in match and product.name:
            keys.append(("name", product.name))
    found: dict[int, Row] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), OR_CHUNK):
        chunk = unique[start : start + OR_CHUNK]
        domain = [in_company, *any_of([(name, "=ilike", ilike_exact(value)) for name, value in chunk])]
        for row in gateway.search_read("product.product", domain, list(fields)):
            found[int(row["id"])] = row
    return [_product(gateway, row) for _, row in sorted(found.items())]


def _suppliers(gateway: OdooGateway, ids: Sequence[int], *, with_terms: bool) -> list[Supplier]:
    if not ids:
        return []
    fields = ["display_name", "vat", *(["property_supplier_payment_term_id"] if with_terms else [])]
    return [
        Supplier(
            record=gateway.record("res.partner", int(row["id"]), str(row["display_name"])),
            vat=str(row.get("vat") or ""),
            payment_terms=_label(row.get("property_supplier_payment_term_id")) if with_terms else None,
        )
        for row in gateway.read("res.partner", ids, fields)
    ]


def _equipment(gateway: OdooGateway, ids: Sequence[int]) -> list[Equipment]:
    if not ids:
        return []
    plans: dict[int, list[PreventivePlan]] = {}
    # The current occurrence of a recurring preventive plan: not closed, not cancelled (as the cycle finds it).
    for row in gateway.search_read(
        "maintenance.request",
        [
            ("equipment_id", "in", list(ids)),
            ("maintenance_type", "=", "preventive"),
            ("recurring_maintenance", "=", True),
            ("close_date", "=", False),
            ("archive", "=", False),
        ],
        ["display_name", "equipment_id", "repeat_type", "repeat_until"],
    ):
        equipment_id = many2one_id(row["equipment_id"])
        if equipment_id is None:
            continue
        until = row.get("repeat_until")
        plans.setdefault(equipment_id, []).append(
            PreventivePlan(
                record=gateway.record("maintenance.request", int(row["id"]), str(row["display_name"])),
                repeat_type=str(row.get("repeat_type") or "forever"),
                repeat_until=date.fromisoformat(until) if isinstance(until, str) and until else None,
            )
        )
    return [
        Equipment(
            record=gateway.record("maintenance.equipment", int(row["id"]), str(row["display_name"])),
            team=_label(row.get("maintenance_team_id")),
            plans=tuple(plans.get(int(row["id"]), ())),
        )
        for row in gateway.read("maintenance.equipment", ids, ["display_name", "maintenance_team_id"])
    ]


def _role_users(gateway: OdooGateway, user_by_role: dict[str, int | None]) -> list[RoleUser]:
    ids = sorted({user_id for user_id in user_by_role.values() if user_id})
    rows = {
        int(row["id"]): row
        for row in (gateway.read("res.users", ids, ["login", "name", "all_group_ids"]) if ids else [])
    }
    users = []
    for role, user_id in user_by_role.items():
        row = rows.get(user_id or 0)
        if row is None:
            continue  # the login does not resolve: a profile problem, noted with the others
        users.append(
            RoleUser(
                role=role,
                record=gateway.record("res.users", int(row["id"]), str(row["name"])),
                login=str(row["login"]),
                groups=frozenset(int(group) for group in row.get("all_group_ids") or ()),
            )
        )
    return users


def _group_needs(gateway: OdooGateway, role_needs: dict[str, list[str]]) -> dict[str, list[GroupNeed]]:
    xmlids = sorted({xmlid for needs in role_needs.values() for xmlid in needs})
    modules = sorted({xmlid.split(".", 1)[0] for xmlid in xmlids})
    names = sorted({xmlid.split(".", 1)[1] for xmlid in xmlids})
    ids: dict[str, int] = {}
    if xmlids:
        for row in gateway.search_read(
            "ir.model.data",
            [("model", "=", "res.groups"), ("module", "in", modules), ("name", "in", names)],
            ["module", "name", "res_id"],
        ):
            ids[f"{row['module']}.{row['name']}"] = int(row["res_id"])
    group_names = {
        int(row["id"]): str(row["display_name"])
        for row in (gateway.read("res.groups", sorted(set(ids.values())), ["display_name"]) if ids else [])
    }
    return {
        role: [GroupNeed(xmlid, ids.get(xmlid), group_names.get(ids.get(xmlid, 0), xmlid)) for xmlid in needs]
        for role, needs in role_needs.items()
    }
