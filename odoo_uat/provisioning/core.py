"""Provisioning shared by every cycle: modules, companies, settings, warehouses and role users."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from odoo_uat.config import Secret
from odoo_uat.cycles import REQUIRED_MODULES
from odoo_uat.errors import ConfigurationError, MissingModule
from odoo_uat.gateway import many2one_id
from odoo_uat.profiles import LoadedProfile
from odoo_uat.provisioning.builder import Builder
from odoo_uat.provisioning.module_lock import ModuleLockWait

DEFAULT_COMPANY_NAMES = {"YourCompany", "My Company", "My Company (San Francisco)"}

# The access each role needs in the reference rollout; a group whose module is absent is skipped.
ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    "requester": ("base.group_user", "purchase.group_purchase_user"),
    "approver": ("base.group_user", "purchase.group_purchase_manager", "stock.group_stock_user"),
    "storekeeper": ("base.group_user", "stock.group_stock_user"),
    "nurse": ("base.group_user", "stock.group_stock_user"),
    "technician": ("base.group_user", "maintenance.group_equipment_manager"),
    "helpdesk_agent": ("base.group_user", "helpdesk_mgmt.group_helpdesk_user"),
    "helpdesk_lead": ("base.group_user", "helpdesk_mgmt.group_helpdesk_manager"),
    # Least privilege: Accounting / Invoicing posts entries and bills purchase orders (it may read and write
    # purchase.order) without Purchase or Inventory rights; no Accounting Administrator, which in Community 19
    # cannot set a lock date anyway. The lock needs Administration / Access Rights too, which provisioning of
    # month_end_close adds only where a site closes months (see README "Provisioning").
    "accountant": ("base.group_user", "account.group_account_invoice"),
}

# Settings the reference rollout turns on (res.config.settings), for every company.
SETTINGS = {
    "group_stock_multi_locations": True,  # else the internal transfer type stays archived (Odoo 19)
    "group_stock_production_lot": True,
}


def provision(builder: Builder, sites: list[LoadedProfile], lock_wait: ModuleLockWait | None = None) -> Iterator[str]:
    lock_wait = lock_wait or ModuleLockWait.from_environ()
    yield from _install_modules(builder, sites, lock_wait)
    companies = dict(_companies(builder, sites, lock_wait))
    yield f"companies: {', '.join(f'{name} #{cid}' for name, cid in companies.items())}"
    _technical_user_sees_all(builder, list(companies.values()))
    for company_id in companies.values():
        _settings(builder, company_id, lock_wait)
    yield "settings: storage locations and lots on"
    if lock_wait.retries:
        yield f"waited {lock_wait.waited_seconds:.0f} s for Odoo's scheduled actions ({lock_wait.retries} retries)"
    for item in sites:
        warehouse_id = _warehouse(builder, item, companies[item.profile.company])
        yield f"{item.profile.code}: warehouse {item.profile.warehouse} #{warehouse_id}"
    yield from _users(builder, sites, companies)


def _install_modules(builder: Builder, sites: list[LoadedProfile], lock_wait: ModuleLockWait) -> Iterator[str]:
    needed = {"contacts"}
    for item in sites:
        for section, modules in REQUIRED_MODULES.items():
            if getattr(item.profile, section) is not None:
                needed.update(modules)
    gateway = builder.gateway
    installed = gateway.installed_modules(needed)
    missing = sorted(needed - installed)
    if not missing:
        return
    available = gateway.search_read("ir.module.module", [("name", "in", missing)], ["name"])
    unknown = sorted(set(missing) - {row["name"] for row in available})
    if unknown:
        raise MissingModule(
            f"Odoo cannot install {', '.join(unknown)}: not on its addons path "
            "(OCA helpdesk: see README, 'Getting an Odoo')"
        )
    lock_wait.call(gateway, "ir.module.module", "button_immediate_install", [row["id"] for row in available])
    yield f"installed modules: {', '.join(missing)}"


def _companies(builder: Builder, sites: list[LoadedProfile], lock_wait: ModuleLockWait) -> Iterator[tuple[str, int]]:
    gateway = builder.gateway
    for name in dict.fromkeys(item.profile.company for item in sites):
        found = gateway.search("res.company", [("name", "=", name)], limit=1)
        if found:
            company_id = found[0]
        elif gateway.read_one("res.company", 1, ["name"])["name"] in DEFAULT_COMPANY_NAMES:
            gateway.write("res.company", [1], {"name": name})
            company_id = 1
        else:
            company_id = gateway.create("res.company", {"name": name, "currency_id": _currency_of_main(builder)})
        _technical_user_sees_all(builder, [company_id])
        if not gateway.read_one("res.company", company_id, ["chart_template"])["chart_template"]:
            lock_wait.call(
                gateway,
                "account.chart.template",
                "try_loading",
                [],
                template_code="generic_coa",
                company=company_id,
                install_demo=False,
            )
        yield name, company_id


def _currency_of_main(builder: Builder) -> int:
    currency = many2one_id(builder.gateway.read_one("res.company", 1, ["currency_id"])["currency_id"])
    if currency is None:
        raise ConfigurationError("the main company has no currency")
    return currency


def _technical_user_sees_all(builder: Builder, company_ids: list[int]) -> None:
    gateway = builder.gateway
    gateway.write("res.users", [gateway.uid], {"company_ids": [(4, cid) for cid in company_ids]})


def _settings(builder: Builder, company_id: int, lock_wait: ModuleLockWait) -> None:
    gateway = builder.gateway.for_company(company_id)
    wizard = gateway.create("res.config.settings", dict(SETTINGS))
    lock_wait.call(gateway, "res.config.settings", "execute", [wizard])


def _warehouse(builder: Builder, item: LoadedProfile, company_id: int) -> int:
    gateway = builder.gateway.for_company(company_id)
    return builder.ensure(
        "stock.warehouse",
        [("code", "=", item.profile.warehouse), ("company_id", "=", company_id)],
        {"name": item.profile.name, "code": item.profile.warehouse, "company_id": company_id},
        gateway=gateway,
    )


@dataclass
class _UserPlan:
    password_env: str
    roles: set[str] = field(default_factory=set)
    companies: list[int] = field(default_factory=list)


def _users(builder: Builder, sites: list[LoadedProfile], companies: dict[str, int]) -> Iterator[str]:
    """One user per login; a login that serves several sites (a group approver) sees all their companies."""
    gateway = builder.gateway
    plans: dict[str, _UserPlan] = {}
    for item in sites:
        company_id = companies[item.profile.company]
        for role, login in item.profile.roles.items():
            plan = plans.setdefault(login.login, _UserPlan(login.password_env))
            plan.roles.add(role)
            if company_id not in plan.companies:
                plan.companies.append(company_id)
    for user_login, plan in plans.items():
        groups = [
            gid
            for role in sorted(plan.roles)
            for xmlid in ROLE_GROUPS[role]
            if (gid := gateway.xmlid_to_res_id(xmlid)) is not None
        ]
        password = _password(plan.password_env, user_login)
        values = {
            "name": user_login.replace(".", " ").title(),
            "login": user_login,
            "company_id": plan.companies[0],
            "company_ids": [(6, 0, plan.companies)],
            "group_ids": [(4, gid) for gid in dict.fromkeys(groups)],
            "password": password.reveal(),
        }
        found = gateway.with_context(active_test=False).search("res.users", [("login", "=", user_login)], limit=1)
        if found:
            gateway.write("res.users", found, {**values, "active": True})
        else:
            gateway.create("res.users", values)
        yield f"user {user_login}: {', '.join(sorted(plan.roles))}"


def _password(env_name: str, login: str) -> Secret:
    value = os.environ.get(env_name, "")
    if not value:
        raise ConfigurationError(f"Set ${env_name}: provisioning gives {login} that password")
    return Secret(value)
