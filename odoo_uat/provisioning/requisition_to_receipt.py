"""Reference configuration for requisition-to-receipt: supplier, lot-tracked supplies, approval policy."""

from __future__ import annotations

from collections.abc import Iterator

from odoo_uat.profiles import LoadedProfile
from odoo_uat.provisioning.builder import LOT_TRACKED_SUPPLY, Builder

# Names of the bundled example supplies; any other internal reference is provisioned under its own code.
SUPPLY_NAMES = {
    "MS-GLOVE-NIT-M": "Nitrile examination gloves, medium (box of 100)",
    "MS-IVSET-20": "IV administration set, 20 drops/ml",
    "LAB-REAG-CBC": "Haematology reagent pack (CBC), 1 l",
    "MS-SYR-10": "Syringe 10 ml, Luer lock",
}


def provision(builder: Builder, sites: list[LoadedProfile]) -> Iterator[str]:
    gateway = builder.gateway
    for item in sites:
        section = item.profile.requisition_to_receipt
        if section is None:
            continue
        company_id, company = builder.site_company(item)
        gateway.write(
            "res.company",
            [company_id],
            {
                "po_double_validation": "two_step",
                "po_double_validation_amount": section.approval_limit,
            },
        )
        supplier_id = builder.ensure(
            "res.partner",
            [("name", "=", section.supplier)],
            {"name": section.supplier, "is_company": True, "supplier_rank": 1},
        )
        category_id = builder.ensure(
            "product.category", [("name", "=", "Medical Supplies")], {"name": "Medical Supplies"}
        )
        template_values = {
            "name": SUPPLY_NAMES.get(section.product, section.product),
            "default_code": section.product,
            **LOT_TRACKED_SUPPLY,
            "alert_time": 60,  # a received lot shows on Inventory's "Expiration Alerts" 60 days before it expires
            "purchase_method": "receive",  # bills follow received quantities: the three-way match
            "standard_price": section.unit_price,
            "categ_id": category_id,
            "purchase_ok": True,
        }
        template_id = builder.ensure("product.template", [("default_code", "=", section.product)], template_values)
        builder.ensure(
            "product.supplierinfo",
            [("product_tmpl_id", "=", template_id), ("partner_id", "=", supplier_id), ("company_id", "=", company_id)],
            # The price list line belongs to the site's company: confirming an order whose vendor is not among
            # the company's vendors of the product makes Odoo add one, which would change configuration.
            {
                "product_tmpl_id": template_id,
                "partner_id": supplier_id,
                "price": section.unit_price,
                "company_id": company_id,
            },
        )
        warehouse_id = company.search(
            "stock.warehouse", [("code", "=", item.profile.warehouse), ("company_id", "=", company_id)], limit=1
        )[0]
        receipt_types = company.search(
            "stock.picking.type",
            [
                ("warehouse_id", "=", warehouse_id),
                ("code", "=", "incoming"),
                ("sequence_code", "=", section.receipt_operation),
            ],
        )
        # Odoo asks on a short receipt; the profile says what the site answers.
        company.write("stock.picking.type", receipt_types, {"create_backorder": "ask"})
        yield (
            f"{item.profile.code}: approval above {section.approval_limit:,.2f}, supplier {section.supplier}, "
            f"supply {section.product}"
        )
