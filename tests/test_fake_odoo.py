"""The fake Odoo itself: its domains and its record of calls must be right, or the other tests prove nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fake_odoo import FakeOdoo, OdooFault, domain_holds, is_writing

WAREHOUSE = {"id": 3, "code": "NSC", "name": "Northside Clinic", "company_id": [1, "Harbour"], "route_ids": [4, 5]}


@pytest.mark.parametrize(
    ("domain", "holds"),
    [
        ([], True),
        ([("code", "=", "NSC")], True),
        ([("code", "=", "nsc")], False),
        ([("code", "=ilike", "nsc")], True),
        ([("name", "ilike", "north")], True),
        ([("company_id", "=", 1)], True),
        ([("company_id", "in", [2, False])], False),
        ([("route_ids", "in", [5])], True),
        ([("active", "=", False)], False),
        ([("code", "!=", "NSC")], False),
        (["|", ("code", "=", "HGH"), ("code", "=", "NSC")], True),
        (["!", ("code", "=", "NSC")], False),
        ([("code", "=", "NSC"), ("company_id", "=", 2)], False),
        (["&", ("id", ">", 2), ("id", "<=", 3)], True),
    ],
)
def test_domains(domain: list[Any], holds: bool) -> None:
    assert domain_holds(WAREHOUSE, domain) is holds


def test_unknown_operator_is_refused_not_guessed() -> None:
    with pytest.raises(OdooFault, match="does not know the operator 'child_of'"):
        domain_holds(WAREHOUSE, [("company_id", "child_of", 1)])


@pytest.mark.parametrize(
    ("method", "writes"),
    [
        *[("create", True), ("write", True), ("set_param", True), ("button_confirm", True), ("action_post", True)],
        *[("search_read", False), ("read", False), ("fields_get", False), ("context_get", False)],
    ],
)
def test_writing_methods(method: str, writes: bool) -> None:
    assert is_writing(method) is writes


def test_archived_records_are_found_only_without_active_test() -> None:
    odoo = FakeOdoo()
    odoo.add("res.partner", name="Old Supplier", active=False)
    odoo.add("res.partner", name="New Supplier", active=True)

    assert [row["name"] for row in odoo.search_rows("res.partner", [], {})] == ["New Supplier"]
    assert len(odoo.search_rows("res.partner", [], {"active_test": False})) == 2
    assert len(odoo.search_rows("res.partner", [("active", "=", False)], {})) == 1


def test_answers_are_json_rpc_with_odoo_shaped_errors() -> None:
    odoo = FakeOdoo(database="uat")
    odoo.fail("res.partner", "search", "odoo.exceptions.AccessError", "No access to partners.")

    version = odoo.respond("/web/webclient/version_info", {"id": 1, "params": {}})
    login = odoo.respond(
        "/jsonrpc", {"id": 2, "params": {"service": "common", "method": "login", "args": ["uat", "admin", "admin"]}}
    )
    refused = odoo.respond(
        "/jsonrpc",
        {
            "id": 3,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": ["uat", 2, "admin", "res.partner", "search", [[]], {}],
            },
        },
    )

    assert version["result"]["server_version"] == "19.0"
    assert login == {"jsonrpc": "2.0", "id": 2, "result": 2}
    assert refused["error"]["data"]["name"] == "odoo.exceptions.AccessError"
    assert refused["error"]["data"]["message"] == "No access to partners."
    assert [str(call) for call in odoo.calls] == ["admin: common.login", "admin: res.partner.search([],) {}"]
