"""A read-only snapshot of the target's configuration, to prove a run changed none of it.

`uat snapshot -o before.json`, run, then `uat snapshot --compare before.json` lists every difference.
Transactional records (orders, pickings, moves, tickets, requests) are deliberately not in it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from odoo_uat.errors import OdooError
from odoo_uat.gateway import OdooGateway


@dataclass(frozen=True)
class Section:
    model: str
    fields: tuple[str, ...]
    key: str  # a field that names the record for a person reading the diff
    domain: tuple[Any, ...] = ()
    per_company: bool = False  # company-dependent fields (valuation, cost): read once per company


SECTIONS = (
    Section(
        "res.company",
        (
            "name",
            "currency_id",
            "po_double_validation",
            "po_double_validation_amount",
            "fiscalyear_lock_date",
            "tax_lock_date",
            "sale_lock_date",
            "purchase_lock_date",
            "hard_lock_date",
            "anglo_saxon_accounting",
        ),
        "name",
    ),
    Section(
        "stock.warehouse",
        (
            "name",
            "code",
            "company_id",
            "active",
            "reception_steps",
            "delivery_steps",
            "lot_stock_id",
            "view_location_id",
            "route_ids",
        ),
        "code",
    ),
    Section(
        "stock.location",
        (
            "complete_name",
            "usage",
            "active",
            "company_id",
            "location_id",
            "removal_strategy_id",
            "valuation_account_id",
        ),
        "complete_name",
    ),
    Section(
        "stock.picking.type",
        (
            "name",
            "code",
            "sequence_code",
            "warehouse_id",
            "active",
            "create_backorder",
            "default_location_src_id",
            "default_location_dest_id",
            "use_create_lots",
            "use_existing_lots",
            "company_id",
        ),
        "display_name",
    ),
    Section("stock.route", ("name", "active", "company_id", "rule_ids", "warehouse_ids"), "name"),
    Section(
        "stock.rule",
        (
            "name",
            "action",
            "location_src_id",
            "location_dest_id",
            "picking_type_id",
            "procure_method",
            "active",
            "route_id",
        ),
        "name",
    ),
    Section("product.removal", ("name", "method"), "name"),
    Section(
        "product.category",
        (
            "complete_name",
            "property_cost_method",
            "property_valuation",
            "property_stock_valuation_account_id",
            "removal_strategy_id",
        ),
        "complete_name",
        per_company=True,
    ),
    Section(
        "product.template",
        (
            "default_code",
            "name",
            "type",
            "is_storable",
            "tracking",
            "purchase_method",
            "use_expiration_date",
            "expiration_time",
            "categ_id",
            "active",
            "standard_price",
            "seller_ids",
        ),
        "default_code",
        per_company=True,
    ),
    Section(
        "product.supplierinfo", ("partner_id", "product_tmpl_id", "price", "min_qty", "company_id"), "display_name"
    ),
    Section("res.users", ("login", "active", "group_ids", "company_id", "company_ids"), "login"),
    Section("res.groups", ("full_name", "implied_ids"), "full_name"),
    Section(
        "ir.config_parameter",
        ("key", "value"),
        "key",
        (("key", "not in", ["database.uuid", "database.create_date", "base.login_cooldown_duration"]),),
    ),
    Section("account.account", ("code", "name", "account_type", "active"), "code"),
    Section("account.journal", ("code", "name", "type", "active", "company_id"), "code"),
    Section("account.lock_exception", ("company_id", "user_id", "active", "end_datetime"), "display_name"),
    Section("maintenance.team", ("name", "company_id", "member_ids", "active"), "name"),
    Section(
        "maintenance.equipment",
        ("name", "serial_no", "company_id", "maintenance_team_id", "technician_user_id", "active", "category_id"),
        "name",
    ),
    Section("maintenance.stage", ("name", "done", "sequence"), "name"),
    # The configured (not run-tagged) open preventive requests: their schedule is configuration a run must not move.
    Section(
        "maintenance.request",
        (
            "name",
            "equipment_id",
            "maintenance_team_id",
            "maintenance_type",
            "stage_id",
            "schedule_date",
            "recurring_maintenance",
            "repeat_interval",
            "repeat_unit",
            "repeat_type",
            "repeat_until",
            "archive",
        ),
        "name",
        (("name", "not like", "UAT-%"), ("recurring_maintenance", "=", True), ("stage_id.done", "=", False)),
    ),
    Section(
        "helpdesk.ticket.team", ("name", "company_id", "user_ids", "resource_calendar_id", "active", "use_sla"), "name"
    ),
    Section(
        "helpdesk.sla",
        (
            *("name", "team_ids", "hours", "days", "stage_id", "stage_ids", "ignore_stage_ids", "company_id", "active"),
            # what a policy selects tickets on (OCA; Enterprise), which the helpdesk cycle checks its ticket against
            *("category_ids", "tag_ids", "domain", "priority", "ticket_type_ids", "partner_ids"),
        ),
        "name",
    ),
    Section("helpdesk.ticket.stage", ("name", "closed", "sequence", "active"), "name"),
    Section(
        "base.automation",
        (
            "name",
            "model_id",
            "trigger",
            "trigger_field_ids",
            "trg_date_id",
            "trg_date_range",
            "trg_date_range_type",
            "active",
            "action_server_ids",
            "filter_domain",
        ),
        "name",
    ),
    Section(
        "ir.actions.server",
        ("name", "state", "model_id", "code", "update_field_id", "value"),
        "name",
        (("usage", "=", "base_automation"),),
    ),
    # Scheduled actions' settings; lastcall/nextcall are left out: running the automation check moves them.
    Section("ir.cron", ("cron_name", "active", "interval_number", "interval_type", "model_id"), "cron_name"),
    Section("resource.calendar", ("name", "hours_per_day", "attendance_ids", "tz"), "name"),
)


PRECISION = "_precision"  # per model, the decimal places of each float field (None: a plain float)


def take_snapshot(gateway: OdooGateway) -> dict[str, Any]:
    everything = gateway.across_companies().with_context(active_test=False)
    companies = everything.search("res.company", [])
    snapshot: dict[str, Any] = {PRECISION: {}}
    for section in SECTIONS:
        try:
            available = everything.call(section.model, "fields_get", attributes=["type", "digits"])
        except OdooError:
            snapshot[section.model] = "(model not installed)"
            continue
        fields = [name for name in section.fields if name in available]
        snapshot[PRECISION][section.model] = {
            name: _decimal_places(available[name]) for name in fields if available[name].get("type") == "float"
        }
        views = (
            [(f"@{cid}", everything.for_company(cid)) for cid in companies]
            if section.per_company
            else [("", everything)]
        )
        snapshot[section.model] = {
            f"{row['id']}{suffix}": {name: row.get(name) for name in fields}
            for suffix, view in views
            for row in view.search_read(section.model, list(section.domain), fields, order="id")
        }
    return snapshot


def _decimal_places(description: dict[str, Any]) -> int | None:
    """A float field's scale from fields_get's `digits` ([precision, scale]), None when Odoo gives none."""
    digits = description.get("digits")
    if isinstance(digits, list | tuple) and len(digits) == 2 and isinstance(digits[1], int):
        return digits[1]
    return None


def same_value(old: Any, new: Any, decimal_places: int | None) -> bool:
    """Equal as Odoo stores them: a float at its field's precision, so a recomputed 18.900000000000002 is 18.9."""
    if isinstance(old, bool) or isinstance(new, bool):  # False is "not set" in Odoo, never the number 0
        return old is new
    floats = (int, float)
    if isinstance(old, floats) and isinstance(new, floats):
        if decimal_places is not None:
            return round(float(old) - float(new), decimal_places) == 0
        return math.isclose(float(old), float(new), rel_tol=1e-9, abs_tol=1e-12)
    return bool(old == new)


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    differences = []
    precision = {**before.get(PRECISION, {}), **after.get(PRECISION, {})}
    for model in sorted((set(before) | set(after)) - {PRECISION}):
        old, new = before.get(model, {}), after.get(model, {})
        if not isinstance(old, dict) or not isinstance(new, dict):
            if old != new:
                differences.append(f"{model}: {old!r} -> {new!r}")
            continue
        for record_id in sorted(set(old) | set(new)):
            if record_id not in old:
                differences.append(f"{model} #{record_id} added: {new[record_id]}")
            elif record_id not in new:
                differences.append(f"{model} #{record_id} removed: {old[record_id]}")
            else:
                for name in sorted(set(old[record_id]) | set(new[record_id])):
                    places = precision.get(model, {}).get(name)
                    if not same_value(old[record_id].get(name), new[record_id].get(name), places):
                        differences.append(
                            f"{model} #{record_id}.{name}: {old[record_id].get(name)!r} -> {new[record_id].get(name)!r}"
                        )
    return differences
