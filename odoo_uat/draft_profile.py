"""`uat draft-profile --warehouse CODE`: a first site profile, read from the target's own configuration.

It reads only (search_read), as the technical user. Every REFERENCE it can fill in comes from what the target
has: the warehouse's company and stock location, its operation types by kind, the users holding the groups a role
needs, helpdesk teams, SLA policies and stages, maintenance equipment and stages, journals and accounts. Where
several records fit, the draft takes the first and lists the others in a comment, so a person chooses. What the
site EXPECTS (limits, intervals, hours, quantities, priorities) is left as a `null` placeholder marked `STATE:`:
the target cannot say what it should do, and a draft that copied what it does now would test nothing. Until
every placeholder is filled in, `uat doctor --offline` names each of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from odoo_uat.errors import ConfigurationError
from odoo_uat.gateway import OdooGateway, Row, many2one_id

STATE = "STATE:"  # marks an expectation the programme states; doctor --offline fails until it is filled in
MAX_CANDIDATES = 6
SYSTEM_JOURNALS = ("currency_exchange_journal_id", "tax_cash_basis_journal_id", "account_stock_journal_id")

# The group that tells a role's user apart (the reference rollout's role groups, odoo_uat.provisioning.core).
ROLE_GROUP: dict[str, str] = {
    "requester": "purchase.group_purchase_user",
    "approver": "purchase.group_purchase_manager",
    "storekeeper": "stock.group_stock_user",
    "nurse": "stock.group_stock_user",
    "technician": "maintenance.group_equipment_manager",
    "helpdesk_agent": "helpdesk_mgmt.group_helpdesk_user_own",  # the least access that works tickets (OCA)
    "helpdesk_lead": "helpdesk_mgmt.group_helpdesk_manager",
    "accountant": "account.group_account_invoice",
}


@dataclass
class Entry:
    """One key of the draft: a value (None: a placeholder), a comment, or nested entries."""

    key: str
    value: Any = None
    comment: str = ""
    children: list[Entry] | None = None
    commented_out: bool = False  # an optional expectation with a default, shown for the reader to state

    @property
    def is_placeholder(self) -> bool:
        return self.children is None and self.value is None and not self.commented_out


@dataclass
class Draft:
    entries: list[Entry] = field(default_factory=list)
    header: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"# {line}" if line else "#" for line in self.header]
        lines.extend(_render(self.entries, 0))
        return "\n".join(lines) + "\n"

    def filled(self) -> list[str]:
        return [path for path, entry in _walk(self.entries, "") if entry.value is not None and not entry.children]

    def placeholders(self) -> list[str]:
        return [path for path, entry in _walk(self.entries, "") if entry.is_placeholder]


def _walk(entries: Iterable[Entry], prefix: str) -> Iterable[tuple[str, Entry]]:
    for entry in entries:
        path = f"{prefix}{entry.key}"
        if entry.children is not None:
            yield from _walk(entry.children, f"{path}.")
        elif not entry.commented_out:
            yield path, entry


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    text = yaml.safe_dump(value, default_flow_style=True, width=1000, allow_unicode=True).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def _render(entries: Iterable[Entry], depth: int) -> list[str]:
    indent = "  " * depth
    lines: list[str] = []
    for entry in entries:
        comment = f"  # {entry.comment}" if entry.comment else ""
        if entry.children is not None:
            lines.append(f"{indent}{entry.key}:{comment}")
            lines.extend(_render(entry.children, depth + 1))
        elif entry.commented_out:
            lines.append(f"{indent}# {entry.key}: {_scalar(entry.value)}{comment}")
        else:
            lines.append(f"{indent}{entry.key}: {_scalar(entry.value)}{comment}")
    return lines


def placeholder(key: str, what: str) -> Entry:
    return Entry(key, None, f"{STATE} {what}")


def chosen(key: str, values: Sequence[str], what: str, missing: str) -> Entry:
    """The first of the target's candidates, the others named in a comment; none: a placeholder saying why."""
    if not values:
        return Entry(key, None, f"NOT FOUND: {missing}; fill in")
    if len(values) == 1:
        return Entry(key, values[0], what)
    others = ", ".join(repr(value) for value in values[1:MAX_CANDIDATES])
    more = f" (+{len(values) - MAX_CANDIDATES} more)" if len(values) > MAX_CANDIDATES else ""
    return Entry(key, values[0], f"{what}; CHOOSE: {len(values)} fit, also {others}{more}")


def _name(value: Any) -> str:
    return str(value[1]) if isinstance(value, list | tuple) and len(value) > 1 else ""


class TargetReader:
    """Read-only questions about the target, as the site's company."""

    def __init__(self, gateway: OdooGateway, company_id: int, site_words: Iterable[str] = ()) -> None:
        self.gateway = gateway.for_company(company_id)
        self.company_id = company_id
        self.of_company = ("company_id", "in", [company_id, False])
        self.site_words = {word.lower() for word in site_words}

    def site_first(self, rows: list[Row], *fields: str) -> list[Row]:
        """A company's teams, equipment and policies serve all its sites: those whose names carry a word of the
        site's warehouse (its code, a word of its name that the company's name lacks) are offered first."""

        return sorted(rows, key=lambda row: self.site_affinity(row, *fields))

    def site_affinity(self, row: Row, *fields: str) -> int:
        """Minus the number of the site's words in those fields: lower sorts first."""
        text = " ".join(str(row.get(name) or "") for name in fields).lower()
        return -sum(1 for word in self.site_words if word in set(re.findall(r"[a-z0-9]+", text)))

    def rows(self, model: str, domain: list[Any], fields: Sequence[str], order: str = "id") -> list[Row]:
        return self.gateway.search_read(model, domain, fields, order=order)

    def installed(self, module: str) -> bool:
        return bool(self.gateway.installed_modules([module]))

    def group_id(self, xmlid: str) -> int | None:
        return self.gateway.xmlid_to_res_id(xmlid)

    def account_code(self, value: Any) -> str | None:
        account_id = many2one_id(value)
        if account_id is None:
            return None
        rows = self.gateway.read("account.account", [account_id], ["code"])
        return str(rows[0]["code"]) if rows and rows[0].get("code") else None

    def location_name(self, value: Any) -> str | None:
        location_id = many2one_id(value)
        if location_id is None:
            return None
        return str(self.gateway.read("stock.location", [location_id], ["complete_name"])[0]["complete_name"])


def draft_profile(gateway: OdooGateway, warehouse: str, code: str | None = None, password_env: str = "") -> Draft:
    """The draft of a site profile for the warehouse of that code (stock.warehouse.code), read-only."""
    rows = gateway.across_companies().search_read(
        "stock.warehouse", [("code", "=", warehouse)], ["name", "code", "company_id", "lot_stock_id"]
    )
    if len(rows) != 1:
        known = ", ".join(
            repr(row["code"]) for row in gateway.across_companies().search_read("stock.warehouse", [], ["code"])
        )
        found = "no warehouse" if not rows else f"{len(rows)} warehouses"
        raise ConfigurationError(f"{found} of code {warehouse!r} in the target; warehouses: {known or 'none'}")
    house = rows[0]
    company_id = many2one_id(house["company_id"])
    if company_id is None:
        raise ConfigurationError(f"warehouse {warehouse!r} has no company")
    company_words = set(re.findall(r"[a-z0-9]+", _name(house["company_id"]).lower()))
    site_words = {str(house["code"]).lower()} | {
        word for word in re.findall(r"[a-z0-9]+", str(house["name"]).lower()) if len(word) > 2
    }
    reader = TargetReader(gateway, company_id, site_words - company_words)
    site_code = (code or re.sub(r"[^A-Z0-9_-]", "", str(house["code"]).upper()))[:16] or "SITE"
    password_env = password_env or "UAT_ROLE_PASSWORD"
    draft = Draft(
        header=[
            f"{house['name']} (warehouse {house['code']}): DRAFT written by `uat draft-profile` from the target's",
            "configuration, read-only. References were filled in from what the target has; 'CHOOSE' lists the",
            "other records that fit, 'NOT FOUND' what the target lacks. Every 'STATE:' placeholder is an",
            "expectation only the programme can state (docs/cycles/<cycle>.md); `uat doctor --offline` names",
            "each one until it is filled in.",
        ]
    )
    draft.entries = [
        Entry("code", site_code),
        Entry("name", str(house["name"])),
        Entry("company", _name(house["company_id"])),
        Entry("warehouse", str(house["code"])),
        Entry("roles", children=list(_roles(reader, password_env))),
    ]
    stock_location = reader.location_name(house["lot_stock_id"])
    warehouse_id = int(house["id"])
    types = reader.rows(
        "stock.picking.type",
        [("warehouse_id", "=", warehouse_id)],
        ["sequence_code", "code", "default_location_src_id", "default_location_dest_id", "name"],
        order="sequence, id",
    )
    draft.entries.append(_requisition_to_receipt(reader, types, stock_location))
    draft.entries.append(_transfer_to_consumption(reader, types, stock_location))
    if reader.installed("maintenance"):
        draft.entries.append(_preventive_maintenance(reader))
    if reader.installed("helpdesk_mgmt"):
        draft.entries.append(_helpdesk_escalation(reader))
    if reader.installed("account"):
        draft.entries.append(_month_end_close(reader, types))
    return draft


def _roles(reader: TargetReader, password_env: str) -> Iterable[Entry]:
    users = reader.rows(
        "res.users",
        [("share", "=", False), ("company_ids", "in", [reader.company_id]), ("login", "!=", "__system__")],
        ["login", "all_group_ids"],
        order="login",
    )
    groups = {role: reader.group_id(xmlid) for role, xmlid in ROLE_GROUP.items()}
    admin_id = reader.group_id("base.group_system")
    for role, group_id in groups.items():
        holders = [user for user in users if group_id in user["all_group_ids"]]
        # A Settings administrator holds every group: a candidate only when nobody else does.
        holders = [user for user in holders if admin_id not in user["all_group_ids"]] or holders
        # The most specific holders first: fewest of the other roles' groups.
        holders = reader.site_first(holders, "login")
        holders.sort(
            key=lambda user: (
                reader.site_affinity(user, "login"),
                sum(1 for other in groups.values() if other != group_id and other in user["all_group_ids"]),
                user["login"],
            )
        )
        entry = chosen(
            "login",
            [str(user["login"]) for user in holders],
            f"holds {ROLE_GROUP[role]}",
            f"no internal user of the company holds {ROLE_GROUP[role]}",
        )
        yield Entry(role, children=[entry, Entry("password_env", password_env)])


def _type_codes(types: Iterable[Row], kind: str) -> list[str]:
    return [str(row["sequence_code"]) for row in types if row["code"] == kind and row.get("sequence_code")]


def _sellers(reader: TargetReader, template_id: int) -> list[str]:
    rows = reader.rows(
        "product.supplierinfo", [("product_tmpl_id", "=", template_id), reader.of_company], ["partner_id"], "sequence"
    )
    return list(dict.fromkeys(_name(row["partner_id"]) for row in rows if row.get("partner_id")))


def _products(reader: TargetReader, tracked: bool, vendor_first: bool = False) -> list[Row]:
    """Storable, purchasable supplies of the site's company: those of a perpetually valued category with a removal
    strategy first (what the consumption and close cycles exercise), then those with a vendor (first of all for a
    purchase)."""
    domain: list[Any] = [
        ("is_storable", "=", True),
        ("purchase_ok", "=", True),
        ("default_code", "!=", False),
        reader.of_company,
        ("tracking", "=" if tracked else "!=", "lot"),
    ]
    products = reader.rows("product.product", domain, ["default_code", "product_tmpl_id", "categ_id"], "default_code")
    category_ids = sorted({int(row["categ_id"][0]) for row in products if row.get("categ_id")})
    categories = {
        row["id"]: row
        for row in reader.gateway.read("product.category", category_ids, ["property_valuation", "removal_strategy_id"])
    }
    infos = reader.rows("product.supplierinfo", [reader.of_company, ("partner_id", "!=", False)], ["product_tmpl_id"])
    with_vendor = {many2one_id(row["product_tmpl_id"]) for row in infos}

    def fitness(row: Row) -> tuple[bool, bool, bool, bool]:
        category = categories.get(many2one_id(row["categ_id"]), {})
        return (
            vendor_first and many2one_id(row["product_tmpl_id"]) not in with_vendor,
            category.get("property_valuation") != "real_time",
            not category.get("removal_strategy_id"),
            many2one_id(row["product_tmpl_id"]) not in with_vendor,
        )

    return sorted(products, key=fitness)


def _product_entries(reader: TargetReader, products: list[Row], what: str) -> tuple[Entry, Entry, Row | None]:
    codes = [str(row["default_code"]) for row in products]
    product = products[0] if products else None
    sellers = _sellers(reader, int(many2one_id(product["product_tmpl_id"]) or 0)) if product else []
    vendors = "the product's vendor"
    if not sellers:  # no vendor price list: the company's suppliers
        vendors = "a supplier of the company (the product has no vendor)"
        sellers = [
            str(row["name"])
            for row in reader.rows("res.partner", [("supplier_rank", ">", 0), reader.of_company], ["name"], "name")
        ]
    return (
        chosen("product", codes, what, f"no storable purchasable product ({what})"),
        chosen("supplier", sellers, vendors, "no supplier"),
        product,
    )


def _requisition_to_receipt(reader: TargetReader, types: list[Row], stock_location: str | None) -> Entry:
    product, supplier, _ = _product_entries(reader, _products(reader, tracked=True, vendor_first=True), "lot-tracked")
    return Entry(
        "requisition_to_receipt",
        children=[
            supplier,
            product,
            chosen("receipt_operation", _type_codes(types, "incoming"), "a receipt type", "no receipt type"),
            Entry("stock_location", stock_location, "the warehouse's stock location"),
            placeholder("approval_limit", "orders above this amount, tax included, need a manager's approval"),
            placeholder("order_quantity", "units the requester orders (an order above approval_limit)"),
            placeholder("unit_price", "the supplier's price per unit"),
            Entry("lots", 2, "supplier lots in the first delivery", commented_out=True),
            Entry(
                "short_shipment",
                children=[
                    placeholder("receive_percent", "share of the order that arrives first (1-99)"),
                    placeholder("backorder", "true: the rest stays open as a backorder; false: it is cancelled"),
                ],
            ),
        ],
    )


def _transfer_to_consumption(reader: TargetReader, types: list[Row], stock_location: str | None) -> Entry:
    product_entry, supplier, product = _product_entries(reader, _products(reader, tracked=True), "lot-tracked")
    consumption = _consumption_types(reader, types)
    internal = [
        str(row["sequence_code"])
        for row in types
        if row["code"] == "internal" and row.get("sequence_code") and row not in [item for item, _ in consumption]
    ]
    first = consumption[0] if consumption else None
    category: Row | None = None
    if product is not None and many2one_id(product["categ_id"]):
        category = reader.gateway.read(
            "product.category",
            [int(many2one_id(product["categ_id"]) or 0)],
            ["complete_name", "removal_strategy_id", "property_stock_valuation_account_id"],
        )[0]
    removal = None
    if category is not None and many2one_id(category["removal_strategy_id"]):
        removal = reader.gateway.read(
            "product.removal", [int(many2one_id(category["removal_strategy_id"]) or 0)], ["method"]
        )[0]["method"]
    return Entry(
        "transfer_to_consumption",
        children=[
            product_entry,
            Entry("product_category", category["complete_name"] if category else None, "the product's category"),
            supplier,
            chosen("receipt_operation", _type_codes(types, "incoming"), "a receipt type", "no receipt type"),
            Entry("store_location", stock_location, "the warehouse's stock location"),
            Entry(
                "ward_location",
                reader.location_name(first[0]["default_location_src_id"]) if first else None,
                "source of the consumption type",
            ),
            Entry(
                "consumption_location",
                first[1] if first else None,
                "destination of the consumption type: a location with a valuation account",
            ),
            chosen("internal_operation", internal, "an internal transfer type", "no internal transfer type"),
            chosen(
                "consumption_operation",
                [str(row["sequence_code"]) for row, _ in consumption],
                "a type whose destination carries a valuation account",
                "no operation type of the warehouse delivers into a location with a valuation account",
            ),
            Entry("removal_strategy", removal, "the category's removal strategy")
            if removal
            else placeholder("removal_strategy", "fefo, fifo, ... the order lots are taken in"),
            Entry("valuation", "perpetual", "EXPECTATION: perpetual or periodic", commented_out=True),
            placeholder("received_lots", "the supplier's delivery: [{quantity: 20, expires_in_days: 720}, ...]"),
            placeholder("transfer_quantity", "units the storekeeper moves to the ward"),
            placeholder("consume_quantity", "units the nurse records as used"),
            Entry(
                "expense_account",
                reader.account_code(_valuation_account(reader, first[0])) if first else None,
                "the consumption location's valuation account",
            ),
            Entry(
                "stock_valuation_account",
                reader.account_code(category["property_stock_valuation_account_id"]) if category else None,
                "the category's stock valuation account",
            ),
        ],
    )


def _valuation_account(reader: TargetReader, picking_type: Row) -> Any:
    location_id = many2one_id(picking_type["default_location_dest_id"])
    return reader.gateway.read("stock.location", [int(location_id or 0)], ["valuation_account_id"])[0][
        "valuation_account_id"
    ]


def _consumption_types(reader: TargetReader, types: list[Row]) -> list[tuple[Row, str]]:
    """The warehouse's operation types, of any kind, whose default destination carries a valuation account."""
    found = []
    for row in types:
        destination = many2one_id(row["default_location_dest_id"])
        if destination is None or not row.get("sequence_code"):
            continue
        location = reader.gateway.read(
            "stock.location", [destination], ["complete_name", "usage", "valuation_account_id"]
        )[0]
        if location["usage"] in {"inventory", "production"} and many2one_id(location["valuation_account_id"]):
            found.append((row, str(location["complete_name"])))
    return found


def _preventive_maintenance(reader: TargetReader) -> Entry:
    requests = reader.rows(
        "maintenance.request",
        [
            ("maintenance_type", "=", "preventive"),
            ("close_date", "=", False),
            ("archive", "=", False),
            ("equipment_id.serial_no", "!=", False),
            reader.of_company,
        ],
        ["name", "equipment_id", "maintenance_team_id"],
        order="id",
    )
    requests = reader.site_first(requests, "name", "maintenance_team_id")
    first = requests[0] if requests else None
    equipment = (
        reader.gateway.read(
            "maintenance.equipment", [int(many2one_id(first["equipment_id"]) or 0)], ["name", "serial_no"]
        )[0]
        if first
        else None
    )
    others = ", ".join(repr(_name(row["equipment_id"])) for row in requests[1:MAX_CANDIDATES])
    stages = reader.rows("maintenance.stage", [], ["name", "done"], order="sequence, id")
    return Entry(
        "preventive_maintenance",
        comment=f"CHOOSE: {len(requests)} open preventive requests, also for {others}" if len(requests) > 1 else "",
        children=[
            Entry("equipment", equipment["name"] if equipment else None, "NOT FOUND: fill in" if not equipment else ""),
            Entry("equipment_serial", equipment["serial_no"] if equipment else None),
            Entry("team", _name(first["maintenance_team_id"]) if first else None, "the request's team"),
            Entry("preventive_request", first["name"] if first else None, "its open preventive request"),
            Entry(
                "interval",
                children=[
                    placeholder("every", "how many units between two preventive maintenances"),
                    placeholder("unit", "day, week, month or year"),
                ],
            ),
            chosen(
                "work_stage",
                [str(row["name"]) for row in stages[1:] if not row["done"]],
                "a stage a technician works in",
                "no stage besides the first that is not done",
            ),
            chosen("done_stage", [str(row["name"]) for row in stages if row["done"]], "a done stage", "no done stage"),
        ],
    )


def _helpdesk_escalation(reader: TargetReader) -> Entry:
    policies = reader.rows(
        "helpdesk.sla", [reader.of_company], ["name", "team_ids", "category_ids", "tag_ids", "stage_id"], "id"
    )
    teams = reader.rows("helpdesk.ticket.team", [reader.of_company], ["name", "resource_calendar_id"], "id")
    teams = reader.site_first(teams, "name")
    policies = reader.site_first(policies, "name")
    with_policy = [team for team in teams if any(team["id"] in policy["team_ids"] for policy in policies)]
    team: Row | None = (with_policy or teams)[0] if (with_policy or teams) else None
    team_policies = [policy for policy in policies if team and team["id"] in policy["team_ids"]]
    policy = team_policies[0] if team_policies else None
    category = (
        reader.gateway.read("helpdesk.ticket.category", policy["category_ids"][:1], ["complete_name"])[0][
            "complete_name"
        ]
        if policy and policy["category_ids"]
        else None
    )
    tags = (
        [row["name"] for row in reader.gateway.read("helpdesk.ticket.tag", policy["tag_ids"], ["name"])]
        if policy
        else []
    )
    rules = reader.rows(
        "base.automation", [("model_id.model", "=like", "helpdesk.%"), ("active", "in", [True, False])], ["name"], "id"
    )
    ticket: list[Entry] = []
    if category:
        ticket.append(Entry("category", category, "the SLA policy selects on it"))
    if tags:
        ticket.append(Entry("tags", tags, "the SLA policy selects on them"))
    ticket.append(Entry("priority", "Medium", "the ticket's priority as Odoo labels it", commented_out=True))
    return Entry(
        "helpdesk_escalation",
        children=[
            chosen(
                "service_desk_team",
                [str(row["name"]) for row in (with_policy or teams)],
                "a team with an SLA policy" if with_policy else "a helpdesk team",
                "no helpdesk team",
            ),
            Entry(
                "working_calendar",
                _name(team["resource_calendar_id"]) if team and team.get("resource_calendar_id") else None,
                "the team's working calendar",
            ),
            placeholder("weekly_hours", "working hours per week of that calendar"),
            chosen(
                "sla_policy", [str(row["name"]) for row in team_policies], "an SLA policy of the team", "no SLA policy"
            ),
            placeholder("sla_hours", "working hours the policy grants"),
            Entry("resolution_stage", _name(policy["stage_id"]) if policy else None, "the policy's target stage"),
            Entry("ticket", children=ticket)
            if category or tags
            else Entry("ticket", {}, "the policy selects on no category or tag; priority: Odoo's default"),
            Entry(
                "escalation",
                children=[
                    chosen(
                        "automation_rule",
                        [str(row["name"]) for row in rules],
                        "an automation rule of the helpdesk",
                        "no automation rule on a helpdesk model",
                    ),
                    placeholder(
                        "team",
                        "the team a breached ticket moves to (tier 2), or drop it and state `user`; teams: "
                        + ", ".join(repr(row["name"]) for row in teams[:MAX_CANDIDATES]),
                    ),
                    Entry(
                        "user", None, "EXPECTATION, optional: the login a breached ticket goes to", commented_out=True
                    ),
                    placeholder("priority", "the priority a breached ticket is raised to, as Odoo labels it"),
                    placeholder("note_contains", "text the escalation note in the chatter holds"),
                ],
            ),
        ],
    )


def _month_end_close(reader: TargetReader, types: list[Row]) -> Entry:
    journals = reader.rows(
        "account.journal", [("type", "=", "general"), ("company_id", "=", reader.company_id)], ["code"]
    )
    # Odoo's own journals (exchange differences, cash basis taxes, inventory valuation) come last.
    company = reader.gateway.read("res.company", [reader.company_id], list(SYSTEM_JOURNALS))[0]
    system = {many2one_id(company.get(name)) for name in SYSTEM_JOURNALS}
    journals.sort(key=lambda row: row["id"] in system)
    accounts = {
        kind: [
            str(row["code"])
            for row in reader.rows(
                "account.account",
                [("account_type", "=", kind), ("company_ids", "in", [reader.company_id])],
                ["code"],
                order="code",
            )
        ]
        for kind in ("expense", "liability_current")
    }
    # An untracked supply keeps the receipt simple; a rollout that tracks every supply offers its tracked ones.
    products = _products(reader, tracked=False) or _products(reader, tracked=True)
    product_entry, supplier, product = _product_entries(reader, products, "a storable supply")
    valuation = None
    if product is not None and many2one_id(product["categ_id"]):
        category = reader.gateway.read(
            "product.category", [int(many2one_id(product["categ_id"]) or 0)], ["property_stock_valuation_account_id"]
        )[0]
        valuation = reader.account_code(category["property_stock_valuation_account_id"])
    return Entry(
        "month_end_close",
        children=[
            chosen("journal", [str(row["code"]) for row in journals], "a general journal", "no general journal"),
            Entry(
                "entries",
                children=[
                    chosen("debit_account", accounts["expense"], "an expense account", "no expense account"),
                    chosen(
                        "credit_account", accounts["liability_current"], "a current liability", "no current liability"
                    ),
                    placeholder("amount", "amount of each test entry"),
                ],
            ),
            Entry("stock_valuation_account", valuation, "the product's category's stock valuation account"),
            Entry(
                "valued_receipt",
                children=[
                    product_entry,
                    supplier,
                    chosen("receipt_operation", _type_codes(types, "incoming"), "a receipt type", "no receipt type"),
                    placeholder("quantity", "units received and billed in one run"),
                    Entry("cost_method", None, "EXPECTATION, optional: standard, fifo or average", commented_out=True),
                ],
            ),
        ],
    )
