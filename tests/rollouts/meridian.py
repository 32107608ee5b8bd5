"""Meridian Care Partners: a second Odoo 19 rollout, configured as another integrator would, not by `uat provision`.

The harness was designed together with its reference rollout (`uat provision`, fixtures/sites). This module
configures a blank Odoo 19 Community database (default modules, admin, generic chart) the way a different
integrator would for a different healthcare customer, over plain JSON-RPC as the administrator, so that the
harness can be tested on a configuration it did not make. It imports nothing from `odoo_uat`.

Where it differs from the reference rollout on purpose (tests/rollouts/test_meridian_rollout.py asserts each):
- one company, "Meridian Care Partners", holding two sites as warehouses: MCW (West Hospital), MCE (East Clinic);
- ward consumption is an INTERNAL operation type (sequence code USE) from the ward into a "Production" location
  that carries an expense account (500000), so consumption books expense against stock valuation;
- the helpdesk SLA policies apply only to tickets of one category AND one tag, on teams working on a 72-hour
  calendar (Mon-Sat 07:00-19:00, America/Toronto); one escalation rule for both desks, one Python action;
- every supply is valued perpetually at FIFO or average cost, never standard;
- one user holds several roles (the East Clinic's requester is its storekeeper); requester and approver differ;
- the accountant has Accounting / Invoicing plus Administration / Access Rights, the least Odoo 19 Community
  accepts for writing a lock date (see tests/rollouts/README.md), plus "Show Full Accounting Features", without
  which Odoo 19 shows her no journal entries on screen, and no purchase or inventory rights;
- its own names: stages "Completed" and "Closed", journal GJ "Month-end adjustments", accounts 630000/230000/500000.

Usage: python -m tests.rollouts.meridian URL DATABASE [--admin-login admin] (passwords from $MERIDIAN_ADMIN_PASSWORD,
default "admin", and $MERIDIAN_ROLE_PASSWORD). It ends by marking the database as a UAT target.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

Values = dict[str, Any]
Domain = list[Any]

COMPANY = "Meridian Care Partners"
APPROVAL_LIMIT = 7500.0
GENERAL_JOURNAL = ("GJ", "Month-end adjustments")
CONSUMPTION_EXPENSE_ACCOUNT = "500000"  # generic chart "Cost of Goods Sold": the cost of care
STOCK_VALUATION_ACCOUNT = "110100"  # the generic chart's only stock account
ACCRUAL_ACCOUNTS = ("630000", "230000")  # salary expenses / salary payable: the month's payroll accrual
SERVICE_CALENDAR = "Meridian service hours (Mon-Sat 07:00-19:00, Toronto)"
SERVICE_TZ = "America/Toronto"
SERVICE_DAYS = range(6)  # Monday..Saturday
SERVICE_HOURS = (7.0, 19.0)
HELPDESK_CLOSED_STAGE = "Closed"  # OCA's "Done", renamed
TICKET_CATEGORY = "Clinical equipment"
TICKET_TAG = "Patient safety"
# A second policy per desk, for another ticket category with a longer SLA and no tag filter (issue 9).
SECOND_TICKET_CATEGORY = "Clinical systems"
SECOND_SLA_HOURS = 24
# Each site's second device (issue 9) is serviced every 3 months, unlike the reference rollout's every 6.
SECOND_EQUIPMENT_INTERVAL = (3, "month")
TIER2_TEAM = "Meridian Second-Line Support"
ESCALATION_RULE = "Meridian: hand breached clinical-equipment tickets to second line"
ESCALATION_PRIORITY = ("2", "High")
ESCALATION_NOTE = "SLA breach"
ESCALATION_DELAY_MINUTES = 15
MAINTENANCE_DONE_STAGE = "Completed"  # Odoo's "Repaired", renamed
MAINTENANCE_WORK_STAGE = "Under service"  # Odoo's "In Progress", renamed
CONSUMPTION_TYPE = ("USE", "Ward usage")


@dataclass(frozen=True)
class Person:
    login: str
    name: str
    roles: tuple[str, ...]  # harness role names this person plays (documentation; groups below)
    groups: tuple[str, ...]


# Access as this customer gives it (not the reference's ROLE_GROUPS).
PEOPLE = (
    Person("j.adeyemi@meridiancare.example", "Joy Adeyemi", ("approver",), ("purchase.group_purchase_manager",)),
    Person("r.patel@meridiancare.example", "Ravi Patel", ("requester",), ("purchase.group_purchase_user",)),
    Person("d.okafor@meridiancare.example", "Daniel Okafor", ("storekeeper",), ("stock.group_stock_user",)),
    Person("a.mensah@meridiancare.example", "Ama Mensah", ("nurse",), ("stock.group_stock_user",)),
    Person(
        "m.santos@meridiancare.example",
        "Marta Santos",
        ("requester", "storekeeper"),  # the East Clinic's practice manager orders and receives
        ("purchase.group_purchase_user", "stock.group_stock_user"),
    ),
    Person("e.kowalski@meridiancare.example", "Ewa Kowalski", ("nurse",), ("stock.group_stock_user",)),
    Person(
        "k.lindqvist@meridiancare.example", "Karin Lindqvist", ("technician",), ("maintenance.group_equipment_manager",)
    ),
    Person(
        "s.moreau@meridiancare.example", "Sami Moreau", ("helpdesk_agent",), ("helpdesk_mgmt.group_helpdesk_user_team",)
    ),
    Person(
        "h.tanaka@meridiancare.example", "Hana Tanaka", ("helpdesk_lead",), ("helpdesk_mgmt.group_helpdesk_manager",)
    ),
    Person(
        "f.haddad@meridiancare.example",
        "Farah Haddad",
        ("accountant",),
        # Odoo 19 Community keeps lock dates on res.company, writable only by Administration / Access Rights;
        # its lock validation also reads bank statement lines, so an accounting group is needed too.
        # "Show Full Accounting Features": Odoo 19 shows journal entries and their Journal Items only with it.
        ("account.group_account_invoice", "base.group_erp_manager", "account.group_account_user"),
    ),
)
ACCOUNTANT_GROUPS = (
    "base.group_user",
    "account.group_account_invoice",
    "base.group_erp_manager",
    "account.group_account_user",
)


@dataclass(frozen=True)
class Supply:
    code: str
    name: str
    category: str
    supplier: str
    price: float


CONSUMABLES = "Clinical consumables"
IV_FLUIDS = "Clinical consumables / IV fluids"
CATEGORY_COST_METHODS = {CONSUMABLES: "fifo", IV_FLUIDS: "average"}
SUPPLIERS = ("Atlas Medical Distribution", "Northgate Surgical Supplies")
SUPPLIES = (
    Supply("MCP-DRS-1010", "Sterile gauze swab 10 x 10 cm (pack of 100)", CONSUMABLES, SUPPLIERS[0], 12.4),
    Supply("MCP-GLV-L", "Latex-free examination gloves, large (box of 150)", CONSUMABLES, SUPPLIERS[1], 9.8),
    Supply("MCP-SYR-5", "Syringe 5 ml, Luer slip", CONSUMABLES, SUPPLIERS[0], 0.28),
    Supply("MCP-NDL-23", "Hypodermic needle 23G", CONSUMABLES, SUPPLIERS[1], 0.09),
    Supply("MCP-SAL-500", "Sodium chloride 0.9 %, 500 ml bag", IV_FLUIDS, SUPPLIERS[0], 2.1),
)


@dataclass(frozen=True)
class Site:
    code: str  # warehouse code
    name: str
    receipt_backorder: str  # the receipt type's create_backorder
    ward: str
    consumption_location: str
    equipment: tuple[str, str]  # name, serial
    maintenance_team: str
    interval: tuple[int, str]
    service_desk: str
    sla_hours: int
    people: Mapping[str, str] = field(default_factory=dict)  # role -> login
    second_ward: str = ""  # another ward of the site, supplied from the same store (features/ward_supply.feature)
    # another device (name, serial), serviced every SECOND_EQUIPMENT_INTERVAL (features/equipment_intervals.feature)
    second_equipment: tuple[str, str] = ("", "")


SITES = (
    Site(
        "MCW",
        "Meridian West Hospital",
        "ask",
        "Ward 5 North",
        "Patient use - West",
        ("Ventilator", "MCW-VENT-017"),
        "West Biomedical Services",
        (4, "month"),
        "West Hospital Service Desk",
        6,
        {
            "requester": "r.patel@meridiancare.example",
            "storekeeper": "d.okafor@meridiancare.example",
            "nurse": "a.mensah@meridiancare.example",
        },
        second_ward="Ward 6 South",
        second_equipment=("Infusion pump", "MCW-INF-042"),
    ),
    Site(
        "MCE",
        "Meridian East Clinic",
        "never",
        "Treatment Room",
        "Patient use - East",
        ("Steam autoclave", "MCE-AUTO-003"),
        "East Clinical Engineering",
        (8, "week"),
        "East Clinic Service Desk",
        10,
        {
            "requester": "m.santos@meridiancare.example",
            "storekeeper": "m.santos@meridiancare.example",
            "nurse": "e.kowalski@meridiancare.example",
        },
        second_ward="Minor Procedures Room",
        second_equipment=("Defibrillator", "MCE-DEF-007"),
    ),
)
TECHNICIAN = "k.lindqvist@meridiancare.example"
AGENT = "s.moreau@meridiancare.example"
LEAD = "h.tanaka@meridiancare.example"


def sla_policy_name(site: Site) -> str:
    return f"{site.service_desk}: clinical equipment, patient safety ({site.sla_hours} h)"


def second_sla_policy_name(site: Site) -> str:
    return f"{site.service_desk}: clinical systems ({SECOND_SLA_HOURS} h)"


def preventive_request_name(site: Site, equipment: tuple[str, str] | None = None) -> str:
    name, serial = equipment or site.equipment
    return f"PPM {name} {serial}"


class OdooError(RuntimeError):
    """Odoo answered a call with an error."""


class JsonRpc:
    """The administrator's JSON-RPC session: the classic /jsonrpc endpoint, one call per request."""

    def __init__(self, url: str, database: str, login: str, password: str, *, timeout: float = 120) -> None:
        self.url = url.rstrip("/") + "/jsonrpc"
        self.database = database
        self.password = password
        self.timeout = timeout
        self._ids = itertools.count(1)
        uid = self._rpc("common", "login", [database, login, password])
        if not uid:
            raise OdooError(f"{login} cannot log in to {database}")
        self.uid = int(uid)
        self._xmlids: dict[str, int] = {}

    def _rpc(self, service: str, method: str, args: Sequence[Any]) -> Any:
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": next(self._ids),
            "params": {"service": service, "method": method, "args": list(args)},
        }
        request = urllib.request.Request(
            self.url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            answer = json.loads(response.read())
        if answer.get("error"):
            error = answer["error"]
            message = (error.get("data") or {}).get("message") or error.get("message")
            raise OdooError(f"{service}.{method}: {message}")
        return answer.get("result")

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("context", {"lang": "en_US"})
        return self._rpc(
            "object", "execute_kw", [self.database, self.uid, self.password, model, method, list(args), kwargs]
        )

    def search(self, model: str, domain: Domain, **kwargs: Any) -> list[int]:
        return list(self.call(model, "search", domain, **kwargs))

    def search_read(self, model: str, domain: Domain, fields: Sequence[str], **kwargs: Any) -> list[Values]:
        return list(self.call(model, "search_read", domain, list(fields), **kwargs))

    def create(self, model: str, values: Values) -> int:
        return int(self.call(model, "create", values))

    def write(self, model: str, ids: Sequence[int], values: Values) -> None:
        self.call(model, "write", list(ids), values)

    def ensure(self, model: str, domain: Domain, values: Values) -> int:
        """Find the record by its natural key and bring it to `values`, or create it."""
        found = self.search(model, domain, limit=1, context={"active_test": False})
        if found:
            self.write(model, found, values)
            return found[0]
        return self.create(model, values)

    def xmlid(self, xmlid: str) -> int:
        if xmlid not in self._xmlids:
            self.prefetch_xmlids([xmlid])
        if xmlid not in self._xmlids:
            raise OdooError(f"no record {xmlid}")
        return self._xmlids[xmlid]

    def prefetch_xmlids(self, xmlids: Sequence[str]) -> None:
        """Resolve many external ids in one round trip."""
        pairs = {tuple(xmlid.split(".", 1)) for xmlid in xmlids}
        domain: Domain = ["|"] * (len(pairs) - 1)
        for module, name in sorted(pairs):
            domain += ["&", ("module", "=", module), ("name", "=", name)]
        for row in self.search_read("ir.model.data", domain, ["module", "name", "res_id"]):
            self._xmlids[f"{row['module']}.{row['name']}"] = int(row["res_id"])


def configure(url: str, database: str, admin_login: str, admin_password: str, role_password: str) -> None:
    """Configure a blank Odoo 19 database as Meridian Care Partners' rollout; mark it as a UAT target at the end."""
    odoo = JsonRpc(url, database, admin_login, admin_password)
    company_id = _company(odoo)
    _settings(odoo)
    warehouses = {site.code: _warehouse(odoo, company_id, site) for site in SITES}
    # the database's first warehouse is kept as the group's central store, under a name of its own
    odoo.write("stock.warehouse", odoo.search("stock.warehouse", [("code", "=", "WH")]), {"name": "Central Store"})
    accounts = {code: _account(odoo, code) for code in {CONSUMPTION_EXPENSE_ACCOUNT, STOCK_VALUATION_ACCOUNT}}
    odoo.ensure(
        "account.journal",
        [("code", "=", GENERAL_JOURNAL[0]), ("company_id", "=", company_id)],
        {"code": GENERAL_JOURNAL[0], "name": GENERAL_JOURNAL[1], "type": "general", "company_id": company_id},
    )
    categories = _categories(odoo, accounts[STOCK_VALUATION_ACCOUNT])
    suppliers = {
        name: odoo.ensure("res.partner", [("name", "=", name)], {"name": name, "is_company": True, "supplier_rank": 1})
        for name in SUPPLIERS
    }
    for supply in SUPPLIES:
        _supply(odoo, company_id, supply, categories[supply.category], suppliers[supply.supplier])
    users = _users(odoo, company_id, role_password)
    for site in SITES:
        _ward_consumption(odoo, company_id, warehouses[site.code], site, accounts[CONSUMPTION_EXPENSE_ACCOUNT])
    _maintenance(odoo, company_id, users)
    _helpdesk(odoo, company_id, users)
    odoo.call("ir.config_parameter", "set_param", "uat.target", database)


def _company(odoo: JsonRpc) -> int:
    company_id = odoo.search("res.company", [], limit=1, order="id")[0]
    odoo.write(
        "res.company",
        [company_id],
        {"name": COMPANY, "street": "1 Meridian Way", "city": "Toronto", "email": "finance@meridiancare.example"},
    )
    return company_id


def _settings(odoo: JsonRpc) -> None:
    """What a person ticks in Settings: storage locations, lots, and the purchase manager's approval above a limit."""
    wizard = odoo.create(
        "res.config.settings",
        {
            "group_stock_multi_locations": True,
            "group_stock_production_lot": True,
            "po_order_approval": True,
            "po_double_validation_amount": APPROVAL_LIMIT,
        },
    )
    odoo.call("res.config.settings", "execute", [wizard])


def _warehouse(odoo: JsonRpc, company_id: int, site: Site) -> Values:
    warehouse_id = odoo.ensure(
        "stock.warehouse",
        [("code", "=", site.code), ("company_id", "=", company_id)],
        {"name": site.name, "code": site.code, "company_id": company_id},
    )
    warehouse = odoo.search_read("stock.warehouse", [("id", "=", warehouse_id)], ["view_location_id", "in_type_id"])[0]
    odoo.write("stock.picking.type", [warehouse["in_type_id"][0]], {"create_backorder": site.receipt_backorder})
    return warehouse


def _account(odoo: JsonRpc, code: str) -> int:
    found = odoo.search("account.account", [("code", "=", code)], limit=1)
    if not found:
        raise OdooError(f"the generic chart has no account {code}")
    return found[0]


def _categories(odoo: JsonRpc, stock_account: int) -> dict[str, int]:
    fefo = odoo.search("product.removal", [("method", "=", "fefo")], limit=1)[0]
    categories: dict[str, int] = {}
    for complete_name, cost_method in CATEGORY_COST_METHODS.items():
        parent_name, _, name = complete_name.rpartition(" / ")
        categories[complete_name] = odoo.ensure(
            "product.category",
            [("complete_name", "=", complete_name)],
            {
                "name": name,
                "parent_id": categories[parent_name] if parent_name else False,
                "removal_strategy_id": fefo,
                "property_valuation": "real_time",
                "property_cost_method": cost_method,
                "property_stock_valuation_account_id": stock_account,
            },
        )
    return categories


def _supply(odoo: JsonRpc, company_id: int, supply: Supply, category_id: int, supplier_id: int) -> int:
    template_id = odoo.ensure(
        "product.template",
        [("default_code", "=", supply.code)],
        {
            "name": supply.name,
            "default_code": supply.code,
            "type": "consu",
            "is_storable": True,
            "tracking": "lot",
            "use_expiration_date": True,
            "expiration_time": 730,
            "use_time": 700,
            "removal_time": 30,  # issued until 30 days before expiry
            "alert_time": 60,
            "categ_id": category_id,
            "purchase_ok": True,
            "sale_ok": False,
            "purchase_method": "receive",
            "standard_price": supply.price,
        },
    )
    odoo.ensure(
        "product.supplierinfo",
        [("product_tmpl_id", "=", template_id), ("partner_id", "=", supplier_id), ("company_id", "=", company_id)],
        {
            "product_tmpl_id": template_id,
            "partner_id": supplier_id,
            "company_id": company_id,
            "price": supply.price,
            "min_qty": 1,
            "delay": 5,
        },
    )
    return template_id


def _users(odoo: JsonRpc, company_id: int, role_password: str) -> dict[str, int]:
    """Every person in one create (hashing passwords dominates); people already there are updated."""
    odoo.prefetch_xmlids(["base.group_user", *(xmlid for person in PEOPLE for xmlid in person.groups)])
    existing = {
        row["login"]: int(row["id"])
        for row in odoo.search_read(
            "res.users", [("login", "in", [p.login for p in PEOPLE])], ["login"], context={"active_test": False}
        )
    }
    to_create: list[Values] = []
    for person in PEOPLE:
        groups = [odoo.xmlid("base.group_user"), *(odoo.xmlid(xmlid) for xmlid in person.groups)]
        values = {
            "name": person.name,
            "login": person.login,
            "email": person.login,
            "company_id": company_id,
            "company_ids": [(6, 0, [company_id])],
            "group_ids": [(6, 0, groups)],
            "password": role_password,
            "tz": SERVICE_TZ,
            "active": True,
        }
        if person.login in existing:
            odoo.write("res.users", [existing[person.login]], values)
        else:
            to_create.append(values)
    if to_create:
        created = odoo.call("res.users", "create", to_create)
        existing.update(zip((values["login"] for values in to_create), created, strict=True))
    return existing


def _ward_consumption(odoo: JsonRpc, company_id: int, warehouse: Values, site: Site, expense_account: int) -> None:
    ward_id = odoo.ensure(
        "stock.location",
        [("name", "=", site.ward), ("location_id", "=", warehouse["view_location_id"][0])],
        {"name": site.ward, "usage": "internal", "location_id": warehouse["view_location_id"][0]},
    )
    if site.second_ward:  # its nurse records usage with the same USE type, setting her ward as the source
        odoo.ensure(
            "stock.location",
            [("name", "=", site.second_ward), ("location_id", "=", warehouse["view_location_id"][0])],
            {"name": site.second_ward, "usage": "internal", "location_id": warehouse["view_location_id"][0]},
        )
    consumption_id = odoo.ensure(
        "stock.location",
        [("name", "=", site.consumption_location), ("company_id", "=", company_id)],
        {
            "name": site.consumption_location,
            "usage": "production",
            "location_id": False,
            "company_id": company_id,
            "valuation_account_id": expense_account,
        },
    )
    odoo.ensure(
        "stock.picking.type",
        [("warehouse_id", "=", warehouse["id"]), ("sequence_code", "=", CONSUMPTION_TYPE[0])],
        {
            "name": CONSUMPTION_TYPE[1],
            "code": "internal",
            "sequence_code": CONSUMPTION_TYPE[0],
            "warehouse_id": warehouse["id"],
            "company_id": company_id,
            "default_location_src_id": ward_id,
            "default_location_dest_id": consumption_id,
            "use_create_lots": False,
            "use_existing_lots": True,
        },
    )


def _maintenance(odoo: JsonRpc, company_id: int, users: Mapping[str, int]) -> None:
    for xmlid, values in (
        ("maintenance.stage_1", {"name": MAINTENANCE_WORK_STAGE}),
        ("maintenance.stage_3", {"name": MAINTENANCE_DONE_STAGE, "done": True}),
    ):
        odoo.write("maintenance.stage", [odoo.xmlid(xmlid)], values)
    technician = users[TECHNICIAN]
    category_id = odoo.ensure(
        "maintenance.equipment.category", [("name", "=", "Biomedical equipment")], {"name": "Biomedical equipment"}
    )
    for site in SITES:
        team_id = odoo.ensure(
            "maintenance.team",
            [("name", "=", site.maintenance_team)],
            {"name": site.maintenance_team, "company_id": company_id, "member_ids": [(6, 0, [technician])]},
        )
        devices = [(site.equipment, site.interval)]
        if site.second_equipment[1]:
            devices.append((site.second_equipment, SECOND_EQUIPMENT_INTERVAL))
        for device, interval in devices:
            equipment_id = odoo.ensure(
                "maintenance.equipment",
                [("serial_no", "=", device[1])],
                {
                    "name": device[0],
                    "serial_no": device[1],
                    "category_id": category_id,
                    "company_id": company_id,
                    "maintenance_team_id": team_id,
                    "technician_user_id": technician,
                },
            )
            request = preventive_request_name(site, device)
            _preventive_request(odoo, company_id, request, equipment_id, team_id, technician, interval)


def _preventive_request(
    odoo: JsonRpc,
    company_id: int,
    request: str,
    equipment_id: int,
    team_id: int,
    technician: int,
    interval: tuple[int, str],
) -> None:
    """The device's recurring preventive request, scheduled once when created (the 15th of next month, 13:00)."""
    every, unit = interval
    recurrence = {
        "name": request,
        "equipment_id": equipment_id,
        "maintenance_team_id": team_id,
        "user_id": technician,
        "company_id": company_id,
        "maintenance_type": "preventive",
        "recurring_maintenance": True,
        "repeat_interval": every,
        "repeat_unit": unit,
        "repeat_type": "forever",
        "duration": 2.0,
    }
    if not odoo.search("maintenance.request", [("name", "=", request), ("equipment_id", "=", equipment_id)]):
        first_of_next_month = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
        scheduled = datetime.combine(first_of_next_month.replace(day=15), datetime.min.time()).replace(hour=13)
        odoo.create("maintenance.request", {**recurrence, "schedule_date": scheduled.strftime("%Y-%m-%d %H:%M:%S")})


def _helpdesk(odoo: JsonRpc, company_id: int, users: Mapping[str, int]) -> None:
    hour_from, hour_to = SERVICE_HOURS
    calendar_id = odoo.ensure(
        "resource.calendar",
        [("name", "=", SERVICE_CALENDAR)],
        {
            "name": SERVICE_CALENDAR,
            "company_id": company_id,
            "tz": SERVICE_TZ,
            "hours_per_day": hour_to - hour_from,
            "attendance_ids": [(5, 0, 0)]
            + [
                (
                    0,
                    0,
                    {
                        "name": f"{day_name} service hours",
                        "dayofweek": str(day),
                        "day_period": "full_day",
                        "hour_from": hour_from,
                        "hour_to": hour_to,
                    },
                )
                for day, day_name in zip(
                    SERVICE_DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"), strict=True
                )
            ],
        },
    )
    closed_stage = odoo.xmlid("helpdesk_mgmt.helpdesk_ticket_stage_done")
    odoo.write("helpdesk.ticket.stage", [closed_stage], {"name": HELPDESK_CLOSED_STAGE})
    category_id = odoo.ensure("helpdesk.ticket.category", [("name", "=", TICKET_CATEGORY)], {"name": TICKET_CATEGORY})
    tag_id = odoo.ensure("helpdesk.ticket.tag", [("name", "=", TICKET_TAG)], {"name": TICKET_TAG})
    second_category_id = odoo.ensure(
        "helpdesk.ticket.category", [("name", "=", SECOND_TICKET_CATEGORY)], {"name": SECOND_TICKET_CATEGORY}
    )
    agent, lead = users[AGENT], users[LEAD]
    tier1_teams: list[int] = []
    for site in SITES:
        team_id = odoo.ensure(
            "helpdesk.ticket.team",
            [("name", "=", site.service_desk)],
            {
                "name": site.service_desk,
                "company_id": company_id,
                "use_sla": True,
                "resource_calendar_id": calendar_id,
                "user_ids": [(6, 0, [agent])],
                "user_id": agent,
            },
        )
        tier1_teams.append(team_id)
        odoo.ensure(
            "helpdesk.sla",
            [("name", "=", sla_policy_name(site))],
            {
                "name": sla_policy_name(site),
                "company_id": company_id,
                "team_ids": [(6, 0, [team_id])],
                "category_ids": [(6, 0, [category_id])],
                "tag_ids": [(6, 0, [tag_id])],
                "stage_id": closed_stage,
                "days": 0,
                "hours": site.sla_hours,
            },
        )
        odoo.ensure(
            "helpdesk.sla",
            [("name", "=", second_sla_policy_name(site))],
            {
                "name": second_sla_policy_name(site),
                "company_id": company_id,
                "team_ids": [(6, 0, [team_id])],
                "category_ids": [(6, 0, [second_category_id])],
                "stage_id": closed_stage,
                "days": 0,
                "hours": SECOND_SLA_HOURS,
            },
        )
    odoo.ensure(
        "helpdesk.ticket.team",
        [("name", "=", TIER2_TEAM)],
        {
            "name": TIER2_TEAM,
            "company_id": company_id,
            "use_sla": False,
            "resource_calendar_id": calendar_id,
            "user_ids": [(6, 0, [lead])],
            "user_id": lead,
        },
    )
    _escalation(odoo, tier1_teams)


def _escalation(odoo: JsonRpc, tier1_teams: Sequence[int]) -> None:
    """One rule for both desks: 15 minutes after an SLA line's deadline, one Python action hands it over."""
    model_id = odoo.search("ir.model", [("model", "=", "helpdesk.ticket.sla")], limit=1)[0]
    deadline = odoo.search("ir.model.fields", [("model", "=", "helpdesk.ticket.sla"), ("name", "=", "deadline")])[0]
    priority, _label = ESCALATION_PRIORITY
    code = "\n".join(
        (
            f"second_line = env['helpdesk.ticket.team'].search([('name', '=', {TIER2_TEAM!r})], limit=1)",
            f"lead = env['res.users'].search([('login', '=', {LEAD!r})], limit=1)",
            "for line in records:",
            "    ticket = line.ticket_id",
            f"    ticket.write({{'team_id': second_line.id, 'user_id': lead.id, 'priority': {priority!r}}})",
            "    ticket.message_post(",
            f"        body='{ESCALATION_NOTE}: %s passed its deadline %s; handed to %s.'"
            " % (line.sla_id.name, line.deadline, second_line.name),",
            "        message_type='comment', subtype_xmlid='mail.mt_note')",
        )
    )
    rule_values = {
        "name": ESCALATION_RULE,
        "model_id": model_id,
        "trigger": "on_time",
        "trg_date_id": deadline,
        "trg_date_range": ESCALATION_DELAY_MINUTES,
        "trg_date_range_mode": "after",
        "trg_date_range_type": "minutes",
        "filter_domain": repr([("state", "=", "in_progress"), ("ticket_id.team_id", "in", list(tier1_teams))]),
        "active": True,
    }
    found = odoo.search("base.automation", [("name", "=", ESCALATION_RULE)], context={"active_test": False})
    action = {"name": "Hand over to second line", "model_id": model_id, "state": "code", "code": code}
    if found:
        odoo.write("base.automation", found, {**rule_values, "action_server_ids": [(5, 0, 0), (0, 0, action)]})
    else:
        odoo.create("base.automation", {**rule_values, "action_server_ids": [(0, 0, action)]})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("url")
    parser.add_argument("database")
    parser.add_argument("--admin-login", default="admin")
    options = parser.parse_args(argv)
    role_password = os.environ.get("MERIDIAN_ROLE_PASSWORD", "")
    if not role_password:
        print("Set $MERIDIAN_ROLE_PASSWORD: the role users get that password", file=sys.stderr)
        return 2
    started = time.monotonic()
    configure(
        options.url,
        options.database,
        options.admin_login,
        os.environ.get("MERIDIAN_ADMIN_PASSWORD", "admin"),
        role_password,
    )
    print(f"{options.database}: configured as {COMPANY} in {time.monotonic() - started:.1f} s, marked as a UAT target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
