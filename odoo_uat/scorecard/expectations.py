"""The `data_quality:` section of a site profile: what the site's master data must be like, rule by rule.

Everything is optional: a profile without the section gets every rule with the defaults below. A rule may be
narrowed (`require: [...]`), given more records to look at (`categories`, `products`), or switched off with the
reason, which the scorecard prints beside it (`switched_off: "suppliers abroad have no VAT number; finance checks
them"`; not `off:`, which YAML reads as the boolean false).

    data_quality:
      product_categories: [Medical Supplies]          # the company's products in them are checked too (rules 1-3)
      medical_supplies_tracked:
        categories: [Medical Supplies - Perpetual]    # default: the product categories the cycle sections name
        products: [MS-GLOVE-NIT-M]                    # internal references, on top of the categories
      supplier_terms_and_vat: {require: [payment_terms]}
      equipment_maintenance: {categories: [Biomedical equipment]}
      role_groups:
        needs: {accountant: [base.group_user, account.group_account_user]}   # replaces the harness's for that role
      duplicate_products: {switched_off: "legacy codes are merged in migration wave 2 (CR-114)"}
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from odoo_uat.schema import Strict

DUPLICATE_PRODUCTS = "duplicate_products"
MEDICAL_SUPPLIES_TRACKED = "medical_supplies_tracked"
PRODUCT_COST_AND_UOM = "product_cost_and_uom"
SUPPLIER_TERMS_AND_VAT = "supplier_terms_and_vat"
EQUIPMENT_MAINTENANCE = "equipment_maintenance"
ROLE_GROUPS = "role_groups"
RULES = (
    DUPLICATE_PRODUCTS,
    MEDICAL_SUPPLIES_TRACKED,
    PRODUCT_COST_AND_UOM,
    SUPPLIER_TERMS_AND_VAT,
    EQUIPMENT_MAINTENANCE,
    ROLE_GROUPS,
)

# What each rule expects, as a business owner reads it.
EXPECTATIONS: dict[str, str] = {
    DUPLICATE_PRODUCTS: "each product has its own internal reference and name (site's company and shared)",
    MEDICAL_SUPPLIES_TRACKED: "medical supplies are tracked by lot or serial number, with expiry dates",
    PRODUCT_COST_AND_UOM: "products have a cost and a unit of measure",
    SUPPLIER_TERMS_AND_VAT: "suppliers have payment terms and a tax id (VAT)",
    EQUIPMENT_MAINTENANCE: "biomedical equipment has a maintenance team and a preventive schedule",
    ROLE_GROUPS: "each role's user holds the groups the role needs",
}

_XMLID = r"^[a-z0-9_]+\.[A-Za-z0-9_]+$"


class Rule(Strict):
    switched_off: str | None = Field(
        default=None, min_length=3, description="switch the rule off for this site: the reason, shown beside it"
    )


class DuplicateProducts(Rule):
    match: list[Literal["default_code", "name"]] = Field(default=["default_code", "name"], min_length=1)


class MedicalSuppliesTracked(Rule):
    categories: list[str] | None = Field(
        default=None,
        description="product.category full names (their subcategories too) whose goods are medical supplies; "
        "default: the product categories the site's cycle sections name",
    )
    products: list[str] = Field(default_factory=list, description="internal references, on top of the categories")
    expiry: bool = Field(default=True, description="lots must carry expiry dates (product_expiry)")


class ProductCostAndUom(Rule):
    require: list[Literal["cost", "uom"]] = Field(default=["cost", "uom"], min_length=1)


class SupplierTermsAndVat(Rule):
    require: list[Literal["payment_terms", "vat"]] = Field(default=["payment_terms", "vat"], min_length=1)


class EquipmentMaintenance(Rule):
    categories: list[str] = Field(
        default_factory=list,
        description="maintenance.equipment.category names: the company's equipment in them is checked too",
    )
    require: list[Literal["team", "preventive_schedule"]] = Field(default=["team", "preventive_schedule"], min_length=1)


class RoleGroups(Rule):
    needs: dict[str, list[str]] = Field(
        default_factory=dict,
        description="role -> group XML ids it needs, replacing the harness's own list for that role",
    )

    @field_validator("needs")
    @classmethod
    def _known_roles_and_ids(cls, needs: dict[str, list[str]]) -> dict[str, list[str]]:
        import re

        from odoo_uat.profiles import ROLE_NAMES  # imported here: profiles import this module

        unknown = sorted(set(needs) - set(ROLE_NAMES))
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLE_NAMES)}")
        malformed = sorted({xmlid for groups in needs.values() for xmlid in groups if not re.match(_XMLID, xmlid)})
        if malformed:
            raise ValueError(f"not a group XML id (module.name): {', '.join(malformed)}")
        return needs


class DataQualityProfile(Strict):
    product_categories: list[str] = Field(
        default_factory=list,
        description="product.category full names: the company's products in them (and their subcategories) are "
        "checked besides the products the cycle sections name",
    )
    duplicate_products: DuplicateProducts = Field(default_factory=DuplicateProducts)
    medical_supplies_tracked: MedicalSuppliesTracked = Field(default_factory=MedicalSuppliesTracked)
    product_cost_and_uom: ProductCostAndUom = Field(default_factory=ProductCostAndUom)
    supplier_terms_and_vat: SupplierTermsAndVat = Field(default_factory=SupplierTermsAndVat)
    equipment_maintenance: EquipmentMaintenance = Field(default_factory=EquipmentMaintenance)
    role_groups: RoleGroups = Field(default_factory=RoleGroups)
