"""Reference configuration for the month-end close: a perpetually valued supply, and who may lock a period.

- A product category valued as the profile says (perpetual at standard cost in the bundled profiles), in every
  company of a site with the section (Odoo keeps a category's valuation per company), and the profile's supply
  in it at the profile's cost.
- The profile's supplier.
- The accountant has "Show Full Accounting Features" (account.group_account_user): Odoo 19 shows the Journal
  Entries menu and an entry's Journal Items only with it, so the close's entries can be typed on screen.
- The accountant may edit the company record: Odoo 19 Community has no lock-date screen, so the Global
  Lock Date is set on the company, which needs Administration "Access Rights" (base.group_erp_manager) on top
  of the Accounting / Invoicing core provisioning gives (README "Provisioning": the narrowest pair; Access
  Rights is administrator-equivalent, so it is given only to accountants of sites that close months).
The journal and the accounts the profile names come with the company's chart of accounts; they are
checked, not created.
"""

from __future__ import annotations

from collections.abc import Iterator

from odoo_uat.cycles.month_end_close import VALUATION_IN_ODOO, MonthEndCloseProfile, account_in_company
from odoo_uat.errors import ConfigurationError
from odoo_uat.profiles import LoadedProfile
from odoo_uat.provisioning.builder import Builder

PERPETUAL_CATEGORY = "Medical Supplies (perpetual valuation)"
LOCKING_GROUP = "base.group_erp_manager"  # may write res.company, where Odoo 19 Community keeps lock dates
# "Show Full Accounting Features": without it Odoo 19 shows no Journal Entries menu and no Journal Items tab, so the
# accountant could not type the close's journal entries on screen (browser mode)
JOURNAL_ENTRIES_GROUP = "account.group_account_user"

# Names of the bundled example supplies; any other internal reference is provisioned under its own code.
SUPPLY_NAMES = {
    "MS-NACL-10": "Sodium chloride 0.9 %, 10 ml ampoule",
    "LAB-PBS-500": "Phosphate-buffered saline, 500 ml",
}


def provision(builder: Builder, sites: list[LoadedProfile]) -> Iterator[str]:
    gateway = builder.gateway
    locking_group = builder.ref(LOCKING_GROUP)
    journal_entries_group = builder.ref(JOURNAL_ENTRIES_GROUP)
    for item in sites:
        section = item.profile.month_end_close
        if section is None:
            continue
        found = gateway.search("res.company", [("name", "=", item.profile.company)], limit=1)
        if not found:
            raise ConfigurationError(f"company {item.profile.company!r} is missing; core provisioning runs first")
        company_id = found[0]
        company = gateway.for_company(company_id)
        _check_chart(builder, item, section, company_id)
        receipt = section.valued_receipt
        builder.ensure(
            "res.partner",
            [("name", "=", receipt.supplier)],
            {"name": receipt.supplier, "is_company": True, "supplier_rank": 1},
        )
        category_id = builder.ensure(
            "product.category", [("name", "=", PERPETUAL_CATEGORY)], {"name": PERPETUAL_CATEGORY}
        )
        # company-dependent: written with the site's company active
        builder.ensure(
            "product.category",
            [("id", "=", category_id)],
            {
                "property_valuation": VALUATION_IN_ODOO[receipt.valuation],
                "property_cost_method": receipt.cost_method or "standard",
            },
            gateway=company,
        )
        template_id = builder.ensure(
            "product.template",
            [("default_code", "=", receipt.product)],
            {
                "name": SUPPLY_NAMES.get(receipt.product, receipt.product),
                "default_code": receipt.product,
                "type": "consu",
                "is_storable": True,
                "categ_id": category_id,
                "purchase_ok": True,
            },
        )
        if receipt.unit_cost is not None:
            builder.ensure(
                "product.template", [("id", "=", template_id)], {"standard_price": receipt.unit_cost}, gateway=company
            )
        accountant = item.profile.role("accountant").login
        users = gateway.search("res.users", [("login", "=", accountant)], limit=1)
        if users:
            gateway.write("res.users", users, {"group_ids": [(4, locking_group), (4, journal_entries_group)]})
        yield (
            f"{item.profile.code}: {receipt.product} ({receipt.valuation} valuation, cost "
            f"{receipt.unit_cost or 0:,.2f}) in {item.profile.company}; {accountant} may set the period lock"
        )


def _check_chart(builder: Builder, item: LoadedProfile, section: MonthEndCloseProfile, company_id: int) -> None:
    company = builder.gateway.for_company(company_id)
    codes = {
        "month_end_close.entries.debit_account": section.entries.debit_account,
        "month_end_close.entries.credit_account": section.entries.credit_account,
        "month_end_close.stock_valuation_account": section.stock_valuation_account,
    }
    missing = [
        f"{key} {code!r}" for key, code in codes.items() if account_in_company(company, company_id, code) is None
    ]
    if not company.search("account.journal", [("code", "=", section.journal), ("company_id", "=", company_id)]):
        missing.append(f"month_end_close.journal {section.journal!r}")
    if missing:
        raise ConfigurationError(
            f"{item.path}: {item.profile.company}'s chart of accounts lacks {', '.join(missing)}; "
            "provisioning does not invent accounts or journals"
        )
