"""Reference configuration for transfer-to-consumption.

Per site: a perpetual-valuation product category with the expected removal strategy, the supply in it at
its standard cost, the ward's stock location under the warehouse, a consumption location whose valuation
account is the consumption expense, and the ward's consumption operation type. The warehouse's internal
transfer type already exists once the storage-locations setting is on (provisioning core).

The site's other wards, those its profile names for feature files (`names: {location: {second ward: NSC/Ward
B}}`, features/ward_supply.feature), are internal locations beside the first; their nurses record consumption
with the same operation type, setting their ward as its source, into the same consumption location.
"""

from __future__ import annotations

from collections.abc import Iterator

from odoo_uat.cycles.transfer_to_consumption import TransferToConsumptionProfile
from odoo_uat.errors import ConfigurationError
from odoo_uat.gateway import OdooGateway, many2one_id
from odoo_uat.profiles import LoadedProfile
from odoo_uat.provisioning.builder import LOT_TRACKED_SUPPLY, Builder

# Names of the bundled example supplies; any other internal reference is provisioned under its own code.
SUPPLY_NAMES = {
    "MS-SYR-10": "Syringe 10 ml, Luer lock",
    "MS-CANN-IV-22": "IV cannula 22G",
    "LAB-TUBE-EDTA-4": "Blood collection tube EDTA 4 ml",
}
EXPENSE_ACCOUNT_NAME = "Medical supplies consumed"
CONSUMPTION_TYPE_NAME = "Ward Consumption"
WARD_NAME = "ward"  # a name a profile gives under names.location ending so ("second ward") is a ward's


def provision(builder: Builder, sites: list[LoadedProfile]) -> Iterator[str]:
    _refuse_shared_products(sites)
    for item in sites:
        section = item.profile.transfer_to_consumption
        if section is None:
            continue
        if section.unit_cost is None:
            raise ConfigurationError(
                f"{item.path}: transfer_to_consumption.unit_cost is needed to provision {section.product} "
                "(the reference rollout values it at standard cost)"
            )
        company_id, company = builder.site_company(item)
        warehouse = company.search_read(
            "stock.warehouse",
            [("code", "=", item.profile.warehouse), ("company_id", "=", company_id)],
            ["view_location_id"],
            limit=1,
        )[0]
        valuation_account = _account(company, company_id, section.stock_valuation_account, create=False)
        expense_account = _account(company, company_id, section.expense_account, create=True)
        category_id = _category(builder, company, section, valuation_account)
        supplier_id = _supplier(builder, section.supplier)
        product_id = builder.ensure(
            "product.template",
            [("default_code", "=", section.product)],
            {
                "name": SUPPLY_NAMES.get(section.product, section.product),
                "default_code": section.product,
                **LOT_TRACKED_SUPPLY,
                "removal_time": 0,  # a lot may be issued until it expires: removal date = expiry date
                "categ_id": category_id,
                "standard_price": section.unit_cost,  # company-dependent: set in the site's company
            },
            gateway=company,
        )
        ward_id = _location(builder, company, company_id, section.ward_location, {"usage": "internal"})
        other_wards = named_wards(item)
        for ward in other_wards:
            _location(builder, company, company_id, ward, {"usage": "internal"})
        consumption_id = _location(
            builder,
            company,
            company_id,
            section.consumption_location,
            {"usage": "inventory", "valuation_account_id": expense_account},
        )
        internal_type = company.search(
            "stock.picking.type",
            [
                ("warehouse_id", "=", warehouse["id"]),
                ("code", "=", "internal"),
                ("sequence_code", "=", section.internal_operation),
            ],
            limit=1,
        )
        if not internal_type:
            raise ConfigurationError(
                f"{item.profile.code}: warehouse {item.profile.warehouse} has no active internal transfer type "
                f"{section.internal_operation!r}; is the storage-locations setting on?"
            )
        builder.ensure(
            "stock.picking.type",
            [
                ("warehouse_id", "=", warehouse["id"]),
                ("code", "=", "outgoing"),
                ("sequence_code", "=", section.consumption_operation),
            ],
            {
                "name": CONSUMPTION_TYPE_NAME,
                "code": "outgoing",
                "sequence_code": section.consumption_operation,
                "warehouse_id": warehouse["id"],
                "company_id": company_id,
                "default_location_src_id": ward_id,
                "default_location_dest_id": consumption_id,
                "use_create_lots": False,  # a ward uses lots it holds, it never creates them
                "use_existing_lots": True,
                "active": True,
            },
            gateway=company,
        )
        yield (
            f"{item.profile.code}: {section.product} (template #{product_id}, supplier #{supplier_id}) in "
            f"{section.product_category!r} ({section.removal_strategy}, perpetual, standard cost "
            f"{section.unit_cost:g}); ward {section.ward_location}"
            + "".join(f", {ward}" for ward in other_wards)
            + f"; consumption {section.consumption_location} -> {section.expense_account}"
        )


def named_wards(item: LoadedProfile) -> list[str]:
    """The full names of the wards the site's profile names for feature files: its `names.location` entries
    whose name is a ward's ("second ward"), other than the profile's own ward."""
    section = item.profile.transfer_to_consumption
    own = section.ward_location if section is not None else None
    return sorted(
        {
            full_name
            for said, full_name in item.profile.names.get("location", {}).items()
            if said.strip().lower().endswith(WARD_NAME) and full_name != own
        }
    )


def _refuse_shared_products(sites: list[LoadedProfile]) -> None:
    """The requisition cycle puts its supplies in its own category; one product cannot be in both."""
    purchased = {item.profile.requisition_to_receipt.product for item in sites if item.profile.requisition_to_receipt}
    for item in sites:
        section = item.profile.transfer_to_consumption
        if section is not None and section.product in purchased:
            raise ConfigurationError(
                f"{item.path}: transfer_to_consumption.product {section.product!r} is also a "
                "requisition_to_receipt product; each cycle provisions its product in its own category"
            )


def _account(company: OdooGateway, company_id: int, code: str, *, create: bool) -> int:
    """The account with this code in the company (codes are per company: search with it active)."""
    found = company.search("account.account", [("code", "=", code), ("company_ids", "in", [company_id])], limit=1)
    if found:
        return found[0]
    if not create:
        raise ConfigurationError(f"company #{company_id} has no account {code} (its chart of accounts?)")
    return company.create(
        "account.account",
        {"code": code, "name": EXPENSE_ACCOUNT_NAME, "account_type": "expense", "company_ids": [(6, 0, [company_id])]},
    )


def _category(
    builder: Builder, company: OdooGateway, section: TransferToConsumptionProfile, valuation_account: int
) -> int:
    removal = builder.gateway.search("product.removal", [("method", "=", section.removal_strategy)], limit=1)
    if not removal:
        raise ConfigurationError(f"Odoo has no {section.removal_strategy!r} removal strategy (product_expiry?)")
    parent_id: int | None = None
    path: list[str] = []
    for name in section.product_category.split(" / "):
        path.append(name)
        parent_id = builder.ensure(
            "product.category",
            [("complete_name", "=", " / ".join(path))],
            {"name": name, "parent_id": parent_id or False},
        )
    if parent_id is None:
        raise ConfigurationError(f"product category {section.product_category!r} has no name")
    builder.ensure("product.category", [("id", "=", parent_id)], {"removal_strategy_id": removal[0]})
    # company-dependent: perpetual valuation at standard cost, valued on the profile's account, per company
    builder.ensure(
        "product.category",
        [("id", "=", parent_id)],
        {
            "property_valuation": "real_time",
            "property_cost_method": "standard",
            "property_stock_valuation_account_id": valuation_account,
        },
        gateway=company,
    )
    return parent_id


def _supplier(builder: Builder, name: str) -> int:
    found = builder.gateway.with_context(active_test=False).search("res.partner", [("name", "=", name)], limit=1)
    if found:
        return found[0]  # shared with the requisition cycle: left as it is
    return builder.gateway.create("res.partner", {"name": name, "is_company": True, "supplier_rank": 1})


def _location(
    builder: Builder, company: OdooGateway, company_id: int, full_name: str, values: dict[str, object]
) -> int:
    """A location by its full name; its parent ('NSC' in 'NSC/Ward A') must exist, a top-level one has none."""
    parent_name, _, name = full_name.rpartition("/")
    parent_id: int | None = None
    if parent_name:
        parents = company.search("stock.location", [("complete_name", "=", parent_name)], limit=1)
        if not parents:
            raise ConfigurationError(f"location {full_name!r}: its parent {parent_name!r} does not exist")
        parent_id = parents[0]
    location_id = builder.ensure(
        "stock.location",
        [("complete_name", "=", full_name), ("company_id", "=", company_id)],
        {"name": name, "location_id": parent_id or False, "company_id": company_id, "active": True, **values},
        gateway=company,
    )
    current = company.read_one("stock.location", location_id, ["location_id"])
    if many2one_id(current["location_id"]) != parent_id:
        raise ConfigurationError(f"location {full_name!r} resolved to #{location_id} under another parent")
    return location_id
