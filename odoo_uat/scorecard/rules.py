"""The six data-quality rules: each judges the master data read for one site (odoo_uat.scorecard.reads).

Pure functions of what was read and of the profile's expectations, so each is tested offline. A rule's result
is `clean`, `findings` (each naming the site, the record, with its Odoo URL, and what is wrong with it), `off`
(the profile switched it off, with the reason) or `n/a` (nothing in the site's scope for it to look at, or the
Odoo module it needs is not installed); only `clean` and `findings` count in the site's figure. `not measured` is
what the scorecard `uat run` writes at its end records when it could not read the master data (Odoo unreachable,
the run interrupted: odoo_uat/scorecard/after_run.py): the rule counts in the figure as a check not met, as an
`environment` cell does on the UAT side, so a figure never looks better for what could not be read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from odoo_uat.draft_profile import ROLE_GROUP
from odoo_uat.errors import RecordRef
from odoo_uat.profiles import SiteProfile
from odoo_uat.provisioning.month_end_close import JOURNAL_ENTRIES_GROUP, LOCKING_GROUP
from odoo_uat.scorecard.expectations import (
    DUPLICATE_PRODUCTS,
    EQUIPMENT_MAINTENANCE,
    EXPECTATIONS,
    MEDICAL_SUPPLIES_TRACKED,
    PRODUCT_COST_AND_UOM,
    ROLE_GROUPS,
    RULES,
    SUPPLIER_TERMS_AND_VAT,
    DataQualityProfile,
    DuplicateProducts,
    EquipmentMaintenance,
    MedicalSuppliesTracked,
    ProductCostAndUom,
    SupplierTermsAndVat,
)
from odoo_uat.scorecard.reads import Equipment, Product, SiteData

EMPLOYEE_GROUP = "base.group_user"
TRACKING_NAMES = {"none": "By Quantity", "lot": "By Lots", "serial": "By Unique Serial Number", "": "none"}


class RuleStatus(StrEnum):
    CLEAN = "clean"
    FINDINGS = "findings"
    OFF = "off"
    NOT_APPLICABLE = "n/a"
    NOT_MEASURED = "not measured"


@dataclass(frozen=True)
class Finding:
    """One record that breaks a rule's expectation at one site."""

    site: str
    rule: str
    record: RecordRef
    problem: str

    def line(self) -> str:
        return f"{self.site}: {self.record}: {self.problem}"


@dataclass(frozen=True)
class RuleResult:
    rule: str
    status: RuleStatus
    checked: int = 0  # records the rule looked at
    findings: tuple[Finding, ...] = ()
    note: str = ""  # why it is off or n/a, or what it could not check

    @property
    def expectation(self) -> str:
        return EXPECTATIONS[self.rule]

    @property
    def counts(self) -> bool:
        """Whether the rule is part of the site's figure (a rule not measured is, as a check not met)."""
        return self.status in {RuleStatus.CLEAN, RuleStatus.FINDINGS, RuleStatus.NOT_MEASURED}


def harness_role_needs(profile: SiteProfile, quality: DataQualityProfile) -> dict[str, list[str]]:
    """The groups each role of the profile needs: the harness's own knowledge, unless the profile states its own.

    The harness's list is the one `uat draft-profile` recognises a role's user by (odoo_uat.draft_profile.ROLE_GROUP,
    the least access that does the role's work), plus, where the site closes months, what the accountant needs to
    lock a period and see journal entries on screen (odoo_uat.provisioning.month_end_close). An employee
    (base.group_user) in every case.
    """
    needs = {role: [EMPLOYEE_GROUP, ROLE_GROUP[role]] for role in profile.roles if role in ROLE_GROUP}
    if profile.month_end_close is not None and "accountant" in needs:
        needs["accountant"] += [LOCKING_GROUP, JOURNAL_ENTRIES_GROUP]
    for role, groups in quality.role_groups.needs.items():
        if role in profile.roles:
            needs[role] = list(groups)
    return needs


def evaluate(data: SiteData, quality: DataQualityProfile, today: date) -> list[RuleResult]:
    """Every rule for one site, in the order of RULES."""
    judges: dict[str, Callable[[], RuleResult]] = {
        DUPLICATE_PRODUCTS: lambda: duplicate_products(data, quality.duplicate_products),
        MEDICAL_SUPPLIES_TRACKED: lambda: medical_supplies_tracked(data, quality.medical_supplies_tracked),
        PRODUCT_COST_AND_UOM: lambda: product_cost_and_uom(data, quality.product_cost_and_uom),
        SUPPLIER_TERMS_AND_VAT: lambda: supplier_terms_and_vat(data, quality.supplier_terms_and_vat),
        EQUIPMENT_MAINTENANCE: lambda: equipment_maintenance(data, quality.equipment_maintenance, today),
        ROLE_GROUPS: lambda: role_groups(data),
    }
    results = []
    for rule in RULES:
        reason = getattr(quality, rule).switched_off
        results.append(RuleResult(rule, RuleStatus.OFF, note=reason) if reason else judges[rule]())
    return results


def _result(rule: str, checked: int, findings: Iterable[Finding], nothing: str, note: str = "") -> RuleResult:
    found = tuple(findings)
    if not checked:
        return RuleResult(rule, RuleStatus.NOT_APPLICABLE, note=nothing)
    return RuleResult(rule, RuleStatus.FINDINGS if found else RuleStatus.CLEAN, checked, found, note)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _goods(products: Iterable[Product]) -> list[Product]:
    """Products that are goods (Odoo's 'consu' type, storable or not), not services or combos."""
    return [product for product in products if product.kind not in {"service", "combo"}]


def _one_per_template(products: list[Product]) -> list[Product]:
    """The first variant of each template: a product's variants share its name and are not duplicates."""
    first: dict[int, Product] = {}
    for product in products:
        first.setdefault(product.template_id, product)
    return list(first.values())


def duplicate_products(data: SiteData, rule: DuplicateProducts) -> RuleResult:
    """An internal reference or a name (case and spacing ignored) that more than one product of the company or
    shared carries, when one of them is in the site's scope. Variants of one product share a name: not a duplicate."""
    findings: list[Finding] = []
    labels = {"default_code": "internal reference", "name": "name"}
    for key in rule.match:
        groups: dict[str, list[Product]] = {}
        for product in data.namesakes:
            value = product.code if key == "default_code" else product.name
            if value:
                groups.setdefault(_normal(value), []).append(product)
        for namesakes in groups.values():
            members = _one_per_template(namesakes) if key == "name" else namesakes
            if len(members) < 2:
                continue
            for product in members:
                others = ", ".join(
                    f"#{other.record.id} {other.record.name!r}" for other in members if other is not product
                )
                value = product.code if key == "default_code" else product.name
                findings.append(
                    Finding(
                        data.code,
                        DUPLICATE_PRODUCTS,
                        product.record,
                        f"{labels[key]} {value!r} is also that of {others}",
                    )
                )
    return _result(DUPLICATE_PRODUCTS, len(data.products), findings, "no product in scope (the profile names none)")


def medical_supplies_tracked(data: SiteData, rule: MedicalSuppliesTracked) -> RuleResult:
    supplies = [product for product in _goods(data.products) if product.record.id in data.medical_supply_ids]
    findings = []
    expiry_checked = rule.expiry and any(product.expiry is not None for product in supplies)
    for product in supplies:
        if product.tracking not in {"lot", "serial"}:
            storable = "" if product.storable else "; it is not even storable (Track Inventory is off)"
            tracking = TRACKING_NAMES.get(product.tracking, product.tracking)
            problem = f"not tracked by lot or serial number (tracking: {tracking}){storable}"
        elif rule.expiry and product.expiry is False:
            tracking = TRACKING_NAMES[product.tracking].lower()
            problem = f"tracked {tracking} but without expiry dates (Use Expiration Date is off)"
        else:
            continue
        findings.append(Finding(data.code, MEDICAL_SUPPLIES_TRACKED, product.record, problem))
    note = (
        ""
        if expiry_checked or not rule.expiry or not supplies
        else "expiry dates not checked: product_expiry is not installed"
    )
    return _result(
        MEDICAL_SUPPLIES_TRACKED,
        len(supplies),
        findings,
        "no medical supplies in scope (data_quality.medical_supplies_tracked names no category or product, and no "
        "cycle section names a product category)",
        note,
    )


def product_cost_and_uom(data: SiteData, rule: ProductCostAndUom) -> RuleResult:
    goods = _goods(data.products)
    findings = []
    for product in goods:
        problems = []
        if "cost" in rule.require and product.cost <= 0:
            problems.append(f"no cost (Cost is {product.cost:.2f} in {data.company})")
        if "uom" in rule.require and not product.uom:
            problems.append("no unit of measure")
        if problems:
            findings.append(Finding(data.code, PRODUCT_COST_AND_UOM, product.record, "; ".join(problems)))
    return _result(PRODUCT_COST_AND_UOM, len(goods), findings, "no goods in scope (the profile names none)")


def supplier_terms_and_vat(data: SiteData, rule: SupplierTermsAndVat) -> RuleResult:
    findings = []
    terms_checked = any(supplier.payment_terms is not None for supplier in data.suppliers)
    for supplier in data.suppliers:
        problems = []
        if "payment_terms" in rule.require and supplier.payment_terms == "":
            problems.append(f"no vendor payment terms (in {data.company})")
        if "vat" in rule.require and not supplier.vat.strip():
            problems.append("no tax id (VAT)")
        if problems:
            findings.append(Finding(data.code, SUPPLIER_TERMS_AND_VAT, supplier.record, "; ".join(problems)))
    note = (
        "payment terms not checked: the account module is not installed"
        if "payment_terms" in rule.require and data.suppliers and not terms_checked
        else ""
    )
    return _result(
        SUPPLIER_TERMS_AND_VAT,
        len(data.suppliers),
        findings,
        "no supplier in scope (no cycle section names one, and the products in scope have no vendor)",
        note,
    )


def schedule_problem(item: Equipment, today: date) -> str:
    """Why the equipment has no live preventive schedule, or '' when one of its plans is live."""
    if not item.plans:
        return "no preventive schedule (no open recurring preventive maintenance request)"
    problems = []
    for plan in item.plans:
        if plan.repeat_type != "until":
            return ""
        if plan.repeat_until is None:
            problems.append(
                f"its plan {plan.record.name!r} repeats 'until' with no end date, which Odoo cannot complete"
            )
        elif plan.repeat_until < today:
            problems.append(f"its plan {plan.record.name!r} stopped repeating on {plan.repeat_until.isoformat()}")
        else:
            return ""
    return "; ".join(problems)


def equipment_maintenance(data: SiteData, rule: EquipmentMaintenance, today: date) -> RuleResult:
    if data.equipment is None:
        return RuleResult(
            EQUIPMENT_MAINTENANCE, RuleStatus.NOT_APPLICABLE, note="the maintenance module is not installed"
        )
    findings = []
    for item in data.equipment:
        problems = []
        if "team" in rule.require and not item.team:
            problems.append("no maintenance team")
        if "preventive_schedule" in rule.require:
            problem = schedule_problem(item, today)
            if problem:
                problems.append(problem)
        if problems:
            findings.append(Finding(data.code, EQUIPMENT_MAINTENANCE, item.record, "; ".join(problems)))
    return _result(
        EQUIPMENT_MAINTENANCE,
        len(data.equipment),
        findings,
        "no equipment in scope (no cycle section names one; data_quality.equipment_maintenance.categories names none)",
    )


def role_groups(data: SiteData) -> RuleResult:
    findings = []
    absent: set[str] = set()
    checked = 0
    for user in data.role_users:
        needs = data.role_needs.get(user.role, [])
        absent.update(need.xmlid for need in needs if need.group_id is None)
        if any(need.group_id is not None for need in needs):
            checked += 1
        missing = [need for need in needs if need.group_id is not None and need.group_id not in user.groups]
        if missing:
            groups = ", ".join(f"{need.name} ({need.xmlid})" for need in missing)
            findings.append(
                Finding(data.code, ROLE_GROUPS, user.record, f"the {user.role} ({user.login}) lacks {groups}")
            )
    note = f"not in this database (module not installed), not checked: {', '.join(sorted(absent))}" if absent else ""
    if data.role_users and not checked:
        return RuleResult(ROLE_GROUPS, RuleStatus.NOT_APPLICABLE, note=note)
    return _result(ROLE_GROUPS, checked, findings, "no role user of the profile resolves", note)
