"""`uat provision`: configure a blank Odoo database as the reference rollout of the bundled sites.

This is the only code that writes configuration, and `uat run` never imports it. It is driven by the
site profiles: it creates what they reference (companies, warehouses, locations, products, suppliers,
role users, approval policy, and each cycle's configuration), finding records first so a second
provisioning changes nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterator

from odoo_uat.config import TargetSettings
from odoo_uat.cycles import CYCLE_NAMES
from odoo_uat.errors import NotAUatTarget
from odoo_uat.gateway import SessionPool
from odoo_uat.guard import mark_database, marker_value, require_uat_target
from odoo_uat.profiles import LoadedProfile
from odoo_uat.provisioning import core
from odoo_uat.provisioning.builder import Builder

BUSINESS_DOCUMENTS = ("purchase.order", "stock.picking", "account.move", "maintenance.request")

Provisioner = Callable[[Builder, list[LoadedProfile]], Iterator[str]]


def cycle_provisioners() -> list[Provisioner]:
    """`odoo_uat.provisioning.<cycle>.provision` for every cycle that has one, in the cycles' order."""
    found = []
    for name in CYCLE_NAMES:
        module_name = f"{__name__}.{name}"
        if importlib.util.find_spec(module_name) is not None:
            found.append(importlib.import_module(module_name).provision)
    return found


def _is_blank(builder: Builder) -> list[str]:
    found = []
    for model in BUSINESS_DOCUMENTS:
        if builder.model_exists(model) and builder.gateway.search_count(model, []):
            found.append(model)
    return found


def provision_reference_rollout(
    settings: TargetSettings, sites: list[LoadedProfile], mark: str | None = None
) -> Iterator[str]:
    gateway = SessionPool(settings).technical()
    builder = Builder(gateway)
    if marker_value(gateway) is None and mark is not None:
        if mark != settings.database:
            raise NotAUatTarget(
                f"--mark-blank-database {mark!r} does not name the target database "
                f"{settings.database!r}; nothing was written"
            )
        documents = _is_blank(builder)
        if documents:
            raise NotAUatTarget(
                f"Database {settings.database!r} is not blank (it has {', '.join(documents)} records); "
                "it will not be marked. Mark it by hand if it really is a UAT copy."
            )
        mark_database(gateway, settings.database)
        yield f"marked {settings.database!r} as a UAT target"
    require_uat_target(gateway, settings.database)
    yield from core.provision(builder, sites)
    for provisioner in cycle_provisioners():
        yield from provisioner(builder, sites)
    yield f"provisioned {len(sites)} sites: {', '.join(item.profile.code for item in sites)}"
