"""The second rollout differs from the reference where issue 7 says it must, and it is a sound Odoo configuration.

Each test reads the freshly configured database over RPC (tests/rollouts/conftest.py: `meridian`), and where a
difference is about behaviour (consumption books expense, an SLA applies only to its category and tag, the
accountant can lock a period) it exercises Odoo to show it. The reference rollout is read from fixtures/sites.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from odoo_uat.profiles import LoadedProfile, load_profiles
from tests.rollouts import meridian as rollout
from tests.rollouts.conftest import MeridianTarget
from tests.rollouts.meridian import JsonRpc, OdooError

REPO = Path(__file__).resolve().parents[2]
REFERENCE_SITES = REPO / "fixtures" / "sites"
MERIDIAN_SITES = Path(__file__).resolve().parent / "meridian" / "sites"


def _profiles(directory: Path) -> list[LoadedProfile]:
    return load_profiles(directory)


def _one(admin: JsonRpc, model: str, domain: list[Any], fields: Iterable[str]) -> dict[str, Any]:
    rows = admin.search_read(model, domain, list(fields))
    assert len(rows) == 1, f"{model} {domain}: {len(rows)} records"
    return rows[0]


def _m2o(value: Any) -> int:
    assert value, "empty many2one"
    return int(value[0])


def _company_id(admin: JsonRpc) -> int:
    return int(_one(admin, "res.company", [], ["id"])["id"])


def test_configuration_is_quick_and_marks_the_database(meridian: MeridianTarget) -> None:
    print(f"configure() took {meridian.seconds:.1f} s")
    assert meridian.seconds < 90, f"configuring took {meridian.seconds:.1f} s (target < 60 s on an idle machine)"
    marker = meridian.admin.call("ir.config_parameter", "get_param", "uat.target")
    assert marker == meridian.database


def test_one_company_holds_both_sites_as_warehouses(meridian: MeridianTarget) -> None:
    admin = meridian.admin
    company = _one(admin, "res.company", [], ["name"])
    assert company["name"] == rollout.COMPANY
    codes = {
        row["code"] for row in admin.search_read("stock.warehouse", [("company_id", "=", company["id"])], ["code"])
    }
    assert {"MCW", "MCE"} <= codes
    reference_codes = {item.profile.warehouse for item in _profiles(REFERENCE_SITES)}
    assert not codes & reference_codes
    sites = _profiles(MERIDIAN_SITES)
    assert len(sites) >= 2
    assert {item.profile.company for item in sites} == {rollout.COMPANY}
    assert {item.profile.warehouse for item in sites} == {"MCW", "MCE"}


def test_ward_consumption_is_an_internal_type_into_a_valued_location_that_books_expense(
    meridian: MeridianTarget,
) -> None:
    admin = meridian.admin
    expense = _one(admin, "account.account", [("code", "=", rollout.CONSUMPTION_EXPENSE_ACCOUNT)], ["id"])["id"]
    stock = _one(admin, "account.account", [("code", "=", rollout.STOCK_VALUATION_ACCOUNT)], ["id"])["id"]
    for site in rollout.SITES:
        use_type = _one(
            admin,
            "stock.picking.type",
            [("warehouse_id.code", "=", site.code), ("sequence_code", "=", rollout.CONSUMPTION_TYPE[0])],
            ["code", "default_location_src_id", "default_location_dest_id"],
        )
        assert use_type["code"] == "internal"
        ward = _one(
            admin,
            "stock.location",
            [("id", "=", _m2o(use_type["default_location_src_id"]))],
            ["usage", "complete_name"],
        )
        assert (ward["usage"], ward["complete_name"]) == ("internal", f"{site.code}/{site.ward}")
        used = _one(
            admin,
            "stock.location",
            [("id", "=", _m2o(use_type["default_location_dest_id"]))],
            ["usage", "valuation_account_id", "name"],
        )
        assert used["usage"] == "production"
        assert _m2o(used["valuation_account_id"]) == expense
        # the warehouse's outgoing type is not what consumption uses
        assert not admin.search(
            "stock.picking.type",
            [("warehouse_id.code", "=", site.code), ("code", "=", "outgoing"), ("sequence_code", "=", "USE")],
        )

    # Odoo books it: receive 10 syringes onto West's ward, record 4 as used through the USE type.
    site = rollout.SITES[0]
    product = _one(admin, "product.product", [("default_code", "=", "MCP-SYR-5")], ["id", "standard_price"])
    use_type = _one(
        admin, "stock.picking.type", [("warehouse_id.code", "=", site.code), ("sequence_code", "=", "USE")], ["id"]
    )
    receipt_type = _one(
        admin,
        "stock.picking.type",
        [("warehouse_id.code", "=", site.code), ("code", "=", "incoming")],
        ["id", "default_location_src_id"],
    )
    ward_id = _one(admin, "stock.location", [("complete_name", "=", f"{site.code}/{site.ward}")], ["id"])["id"]
    vendors = _m2o(receipt_type["default_location_src_id"])
    receipt = admin.create(
        "stock.picking",
        {
            "picking_type_id": receipt_type["id"],
            "location_id": vendors,
            "location_dest_id": ward_id,
            "move_ids": [
                (
                    0,
                    0,
                    {
                        "product_id": product["id"],
                        "product_uom_qty": 10,
                        "location_id": vendors,
                        "location_dest_id": ward_id,
                    },
                )
            ],
        },
    )
    admin.call("stock.picking", "action_confirm", [receipt])
    moves = admin.search("stock.move", [("picking_id", "=", receipt)])
    expiry = (date.today() + timedelta(days=400)).strftime("%Y-%m-%d 00:00:00")
    admin.write(
        "stock.move",
        moves,
        {
            "picked": True,
            "move_line_ids": [
                (5, 0, 0),
                (
                    0,
                    0,
                    {
                        "product_id": product["id"],
                        "lot_name": f"{meridian.database}-SYR-1",
                        "expiration_date": expiry,
                        "quantity": 10,
                        "location_id": vendors,
                        "location_dest_id": ward_id,
                    },
                ),
            ],
        },
    )
    assert admin.call("stock.picking", "button_validate", [receipt]) is True
    consumption = admin.create("stock.picking", {"picking_type_id": use_type["id"]})
    picking = _one(admin, "stock.picking", [("id", "=", consumption)], ["location_id", "location_dest_id"])
    assert _m2o(picking["location_id"]) == ward_id  # the type's defaults
    admin.write(
        "stock.picking",
        [consumption],
        {
            "move_ids": [
                (
                    0,
                    0,
                    {
                        "product_id": product["id"],
                        "product_uom_qty": 4,
                        "location_id": ward_id,
                        "location_dest_id": _m2o(picking["location_dest_id"]),
                    },
                )
            ]
        },
    )
    admin.call("stock.picking", "action_confirm", [consumption])
    admin.call("stock.picking", "action_assign", [consumption])
    used_moves = admin.search("stock.move", [("picking_id", "=", consumption)])
    admin.write("stock.move", used_moves, {"picked": True})
    assert admin.call("stock.picking", "button_validate", [consumption]) is True
    move = _one(admin, "stock.move", [("id", "in", used_moves)], ["state", "value", "account_move_id"])
    assert move["state"] == "done"
    lines = admin.search_read(
        "account.move.line", [("move_id", "=", _m2o(move["account_move_id"]))], ["account_id", "debit", "credit"]
    )
    booked = {(_m2o(line["account_id"]), round(line["debit"] - line["credit"], 2)) for line in lines}
    value = round(4 * product["standard_price"], 2)
    assert booked == {(expense, value), (stock, -value)}


def test_sla_policies_select_a_category_and_a_tag(meridian: MeridianTarget) -> None:
    admin = meridian.admin
    category = _one(admin, "helpdesk.ticket.category", [("name", "=", rollout.TICKET_CATEGORY)], ["id"])["id"]
    tag = _one(admin, "helpdesk.ticket.tag", [("name", "=", rollout.TICKET_TAG)], ["id"])["id"]
    for site in rollout.SITES:
        policy = _one(
            admin,
            "helpdesk.sla",
            [("name", "=", rollout.sla_policy_name(site))],
            ["team_ids", "category_ids", "tag_ids", "hours", "stage_id"],
        )
        assert (policy["category_ids"], policy["tag_ids"], policy["hours"]) == ([category], [tag], site.sla_hours)
        team = _one(
            admin,
            "helpdesk.ticket.team",
            [("name", "=", site.service_desk)],
            ["id", "use_sla", "resource_calendar_id"],
        )
        assert policy["team_ids"] == [team["id"]]
        assert team["use_sla"]
        calendar = _one(
            admin,
            "resource.calendar",
            [("id", "=", _m2o(team["resource_calendar_id"]))],
            ["name", "tz", "attendance_ids"],
        )
        assert (calendar["name"], calendar["tz"]) == (rollout.SERVICE_CALENDAR, rollout.SERVICE_TZ)
        hours = admin.search_read(
            "resource.calendar.attendance", [("id", "in", calendar["attendance_ids"])], ["hour_from", "hour_to"]
        )
        assert sum(row["hour_to"] - row["hour_from"] for row in hours) == 72

    # Behaviour: only a ticket of that category AND tag is held to the West desk's policy.
    west = rollout.SITES[0]
    team_id = _one(admin, "helpdesk.ticket.team", [("name", "=", west.service_desk)], ["id"])["id"]
    second = _one(admin, "helpdesk.ticket.category", [("name", "=", rollout.SECOND_TICKET_CATEGORY)], ["id"])["id"]
    attached: dict[str, list[str]] = {}
    for label, extra in (
        ("neither", {}),
        ("category only", {"category_id": category}),
        ("tag only", {"tag_ids": [(6, 0, [tag])]}),
        ("category and tag", {"category_id": category, "tag_ids": [(6, 0, [tag])]}),
        ("second category", {"category_id": second}),
    ):
        ticket = admin.create(
            "helpdesk.ticket",
            {"name": f"SLA probe: {label}", "description": "<p>probe</p>", "team_id": team_id, **extra},
        )
        attached[label] = [
            row["name"] for row in admin.search_read("helpdesk.ticket.sla", [("ticket_id", "=", ticket)], ["name"])
        ]
    assert attached == {
        "neither": [],
        "category only": [],
        "tag only": [],
        "category and tag": [rollout.sla_policy_name(west)],
        "second category": [rollout.second_sla_policy_name(west)],  # another category, another SLA (issue 9)
    }


def test_escalation_rule_is_time_based_on_the_sla_deadline(meridian: MeridianTarget) -> None:
    admin = meridian.admin
    rule = _one(
        admin,
        "base.automation",
        [("name", "=", rollout.ESCALATION_RULE)],
        ["trigger", "trg_date_id", "trg_date_range", "trg_date_range_type", "action_server_ids", "model_name"],
    )
    assert (rule["trigger"], rule["model_name"]) == ("on_time", "helpdesk.ticket.sla")
    assert rule["trg_date_id"][1].startswith("Deadline")
    assert (rule["trg_date_range"], rule["trg_date_range_type"]) == (rollout.ESCALATION_DELAY_MINUTES, "minutes")
    actions = admin.search_read("ir.actions.server", [("id", "in", rule["action_server_ids"])], ["state", "code"])
    assert [action["state"] for action in actions] == ["code"]
    assert rollout.TIER2_TEAM in actions[0]["code"]


def test_no_supply_is_valued_at_standard_cost(meridian: MeridianTarget) -> None:
    admin = meridian.admin
    company_id = _company_id(admin)
    context = {"allowed_company_ids": [company_id], "active_test": False}
    supplies = admin.call(
        "product.product",
        "search_read",
        [("is_storable", "=", True)],
        ["default_code", "cost_method", "valuation", "tracking", "use_expiration_date", "categ_id", "seller_ids"],
        context=context,
    )
    assert {row["default_code"] for row in supplies} == {supply.code for supply in rollout.SUPPLIES}
    for row in supplies:
        assert row["cost_method"] in {"fifo", "average"}, row
        assert row["valuation"] == "real_time", row
        assert (row["tracking"], row["use_expiration_date"]) == ("lot", True), row
        assert row["seller_ids"], f"{row['default_code']} has no supplier price"
    assert {row["cost_method"] for row in supplies} == {"fifo", "average"}
    categories = admin.call(
        "product.category",
        "search_read",
        [("id", "in", list({_m2o(row["categ_id"]) for row in supplies}))],
        ["property_cost_method", "removal_strategy_id"],
        context=context,
    )
    for category in categories:
        assert category["property_cost_method"] != "standard"
        assert category["removal_strategy_id"][1].startswith("First Expiry First Out")
    approval = _one(admin, "res.company", [], ["po_double_validation", "po_double_validation_amount"])
    assert (approval["po_double_validation"], approval["po_double_validation_amount"]) == ("two_step", 7500.0)


def test_one_user_holds_several_roles_and_requester_is_not_approver(meridian: MeridianTarget) -> None:
    admin = meridian.admin
    sites = {item.profile.code: item.profile for item in _profiles(MERIDIAN_SITES)}
    east = sites["EAST"]
    assert east.role("requester").login == east.role("storekeeper").login
    for profile in sites.values():
        assert profile.role("requester").login != profile.role("approver").login
        for role in profile.roles.values():
            assert admin.search("res.users", [("login", "=", role.login)]), role.login
    person = _one(admin, "res.users", [("login", "=", east.role("storekeeper").login)], ["all_group_ids"])
    groups = {admin.xmlid(xmlid) for xmlid in ("purchase.group_purchase_user", "stock.group_stock_user")}
    assert groups <= set(person["all_group_ids"])
    # she may log in as herself
    JsonRpc(meridian.url, meridian.database, east.role("storekeeper").login, meridian.role_password)


def _lock_as(meridian: MeridianTarget, login: str, password: str, company_id: int) -> str:
    """Set and clear the Global Lock Date as `login`; 'ok' or Odoo's refusal."""
    session = JsonRpc(meridian.url, meridian.database, login, password)
    try:
        session.write("res.company", [company_id], {"fiscalyear_lock_date": "2020-12-31"})
    except OdooError as refusal:
        return str(refusal)
    locked = session.search_read("res.company", [("id", "=", company_id)], ["fiscalyear_lock_date"])[0]
    session.write("res.company", [company_id], {"fiscalyear_lock_date": False})
    return "ok" if locked["fiscalyear_lock_date"] == "2020-12-31" else f"read back {locked}"


def test_accountant_has_the_least_privilege_that_sets_a_lock_date(meridian: MeridianTarget) -> None:
    admin = meridian.admin
    company_id = _company_id(admin)
    accountant_login = next(person.login for person in rollout.PEOPLE if "accountant" in person.roles)
    accountant = _one(admin, "res.users", [("login", "=", accountant_login)], ["group_ids", "all_group_ids"])
    assert set(accountant["group_ids"]) == {admin.xmlid(xmlid) for xmlid in rollout.ACCOUNTANT_GROUPS}
    for broader in ("account.group_account_manager", "base.group_system", "purchase.group_purchase_user"):
        assert admin.xmlid(broader) not in accountant["all_group_ids"], broader
    assert _lock_as(meridian, accountant_login, meridian.role_password, company_id) == "ok"

    # Neither group alone will do: probes on this throwaway database.
    probes = {
        "probe.accounting.admin": ("base.group_user", "account.group_account_manager"),
        "probe.access.rights": ("base.group_user", "base.group_erp_manager"),
    }
    for login, xmlids in probes.items():
        admin.create(
            "res.users",
            {
                "name": login,
                "login": login,
                "password": meridian.role_password,
                "group_ids": [(6, 0, [admin.xmlid(xmlid) for xmlid in xmlids])],
            },
        )
    refused_admin = _lock_as(meridian, "probe.accounting.admin", meridian.role_password, company_id)
    assert "not allowed to modify 'Companies' (res.company)" in refused_admin
    refused_rights = _lock_as(meridian, "probe.access.rights", meridian.role_password, company_id)
    assert "account.bank.statement.line" in refused_rights


def test_names_differ_from_the_reference_rollout(meridian: MeridianTarget) -> None:
    reference = [item.profile for item in _profiles(REFERENCE_SITES)]
    ours = [item.profile for item in _profiles(MERIDIAN_SITES)]

    def names(profiles: list[Any], *path: str) -> set[Any]:
        found = set()
        for profile in profiles:
            value = profile
            for key in path:
                value = getattr(value, key)
            found.add(value)
        return found

    for path in (
        ("company",),
        ("warehouse",),
        ("preventive_maintenance", "team"),
        ("preventive_maintenance", "work_stage"),
        ("preventive_maintenance", "done_stage"),
        ("helpdesk_escalation", "service_desk_team"),
        ("helpdesk_escalation", "working_calendar"),
        ("helpdesk_escalation", "resolution_stage"),
        ("helpdesk_escalation", "sla_policy"),
        ("helpdesk_escalation", "escalation", "automation_rule"),
        ("helpdesk_escalation", "escalation", "team"),
        ("month_end_close", "journal"),
        ("month_end_close", "entries", "debit_account"),
        ("month_end_close", "entries", "credit_account"),
        ("transfer_to_consumption", "expense_account"),
        ("transfer_to_consumption", "consumption_operation"),
        ("transfer_to_consumption", "product_category"),
    ):
        assert not names(ours, *path) & names(reference, *path), path

    admin = meridian.admin
    done = {row["name"]: row["done"] for row in admin.search_read("maintenance.stage", [], ["name", "done"])}
    assert done.get(rollout.MAINTENANCE_DONE_STAGE) is True
    assert "Repaired" not in done
    assert rollout.MAINTENANCE_WORK_STAGE in done
    closed = {row["name"]: row["closed"] for row in admin.search_read("helpdesk.ticket.stage", [], ["name", "closed"])}
    assert closed.get(rollout.HELPDESK_CLOSED_STAGE) is True
    assert "Done" not in closed
    journal = _one(admin, "account.journal", [("code", "=", rollout.GENERAL_JOURNAL[0])], ["name", "type"])
    assert (journal["name"], journal["type"]) == (rollout.GENERAL_JOURNAL[1], "general")
    for code in rollout.ACCRUAL_ACCOUNTS:
        assert admin.search("account.account", [("code", "=", code)]), code


@pytest.mark.parametrize("site", rollout.SITES, ids=lambda site: site.code)
def test_each_site_has_a_recurring_preventive_request(meridian: MeridianTarget, site: rollout.Site) -> None:
    admin = meridian.admin
    request = _one(
        admin,
        "maintenance.request",
        [("name", "=", rollout.preventive_request_name(site))],
        ["recurring_maintenance", "repeat_interval", "repeat_unit", "maintenance_team_id", "schedule_date", "stage_id"],
    )
    assert request["recurring_maintenance"]
    assert (request["repeat_interval"], request["repeat_unit"]) == site.interval
    assert request["maintenance_team_id"][1] == site.maintenance_team
    assert request["schedule_date"]
