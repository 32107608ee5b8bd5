"""The typed gateway: Odoo's errors keep their words, versions parse, and odoorpc gets what /jsonrpc expects."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_uat.config import Secret, TargetSettings
from odoo_uat.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ExitCode,
    OdooAccessError,
    OdooError,
    OdooMissingRecord,
    OdooUserError,
    OdooValidationError,
    TargetUnreachable,
)
from odoo_uat.gateway import (
    OdooGateway,
    OdooRpcTransport,
    ServerVersion,
    SessionPool,
    Values,
    many2one_id,
    odoo_error,
)
from tests.fake_odoo import FakeOdoo
from tests.support import free_port


def settings_for(odoo: FakeOdoo, *, url: str | None = None, database: str | None = None) -> TargetSettings:
    return TargetSettings(
        url=url or odoo.url, database=database or odoo.database, user="admin", password=Secret("admin")
    )


@pytest.mark.parametrize(
    ("odoo_type", "harness_type"),
    [
        ("odoo.exceptions.UserError", OdooUserError),
        ("odoo.exceptions.AccessError", OdooAccessError),
        ("odoo.exceptions.ValidationError", OdooValidationError),
        ("odoo.exceptions.MissingError", OdooMissingRecord),
        ("odoo.exceptions.RedirectWarning", OdooUserError),
        ("psycopg2.errors.SerializationFailure", OdooError),
    ],
)
def test_odoo_error_maps_odoo_exceptions_and_keeps_odoo_message(odoo_type: str, harness_type: type[OdooError]) -> None:
    message = "You cannot validate a transfer if no quantities are reserved."

    error = odoo_error(odoo_type, message, model="stock.picking", method="button_validate")

    assert type(error) is harness_type
    assert error.odoo_message == message
    assert error.odoo_type == odoo_type
    assert (error.model, error.method) == ("stock.picking", "button_validate")
    assert str(error) == f"Odoo refused stock.picking.button_validate: {message}"
    assert error.exit_code == ExitCode.ODOO_ERROR


@pytest.mark.parametrize(
    ("label", "major", "minor"),
    [("19.0", 19, 0), ("saas~18.4", 18, 4), ("19.0+e", 19, 0), ("17.0-20240101", 17, 0), ("nonsense", 0, 0)],
)
def test_server_version_parse(label: str, major: int, minor: int) -> None:
    assert ServerVersion.parse(label) == ServerVersion(major, minor, label)


@pytest.mark.parametrize(("value", "expected"), [([7, "WH"], 7), ((3, "x"), 3), (5, 5), (False, None), (True, None)])
def test_many2one_id(value: Any, expected: int | None) -> None:
    assert many2one_id(value) == expected


def test_odoorpc_transport_logs_in_and_reads_server_version(fake_odoo: FakeOdoo) -> None:
    gateway = SessionPool(settings_for(fake_odoo)).technical()

    assert gateway.uid == 2
    assert gateway.server_version == ServerVersion(19, 0, "19.0")
    assert [call.method for call in fake_odoo.calls[:2]] == ["login", "execute"]  # odoorpc's login, context_get
    assert fake_odoo.calls[1].model_method == "context_get"


def test_create_over_odoorpc_passes_values_positionally(fake_odoo: FakeOdoo) -> None:
    gateway = SessionPool(settings_for(fake_odoo)).technical().for_company(1)
    values: Values = {"name": "UAT-20261129-013000-ab12/CLINIC/RFQ", "partner_id": 4}

    record_id = gateway.create("purchase.order", values)

    create = fake_odoo.model_calls("create")[-1]
    assert create.args == ([values],)
    assert "vals_list" not in create.kwargs
    assert create.kwargs["context"] == {"allowed_company_ids": [1]}
    assert fake_odoo.rows("purchase.order")[0] == {"id": record_id, "display_name": values["name"], **values}


def test_search_read_passes_everything_by_name(fake_odoo: FakeOdoo) -> None:
    gateway = SessionPool(settings_for(fake_odoo)).technical()

    rows = gateway.search_read("stock.warehouse", [("code", "=", "NSC")], ["name"], order="id", limit=1)

    call = fake_odoo.model_calls("search_read")[-1]
    assert call.args == ()
    assert call.kwargs == {"domain": [["code", "=", "NSC"]], "fields": ["name"], "order": "id", "limit": 1}
    assert [row["name"] for row in rows] == ["Northside Clinic"]


def test_odoo_refusal_over_odoorpc_keeps_odoo_type_and_message(fake_odoo: FakeOdoo) -> None:
    fake_odoo.fail("purchase.order", "button_approve", "odoo.exceptions.AccessError", "Only managers approve.")
    gateway = SessionPool(settings_for(fake_odoo)).technical()

    with pytest.raises(OdooAccessError) as refused:
        gateway.call("purchase.order", "button_approve", [9])

    assert refused.value.odoo_message == "Only managers approve."
    assert refused.value.odoo_type == "odoo.exceptions.AccessError"
    assert (refused.value.model, refused.value.method) == ("purchase.order", "button_approve")


def test_wrong_password_is_an_authentication_failure(fake_odoo: FakeOdoo) -> None:
    with pytest.raises(AuthenticationFailed) as refused:
        OdooRpcTransport(settings_for(fake_odoo), "admin", Secret("not-the-password"))

    assert refused.value.exit_code == ExitCode.AUTHENTICATION
    assert f"refused the login 'admin' on database {fake_odoo.database!r}" in str(refused.value)
    assert "not-the-password" not in str(refused.value)


def test_unknown_database_is_a_configuration_error(fake_odoo: FakeOdoo) -> None:
    with pytest.raises(ConfigurationError, match=r"Database 'no_such_db' does not exist on http://127\.0\.0\.1:"):
        OdooRpcTransport(settings_for(fake_odoo, database="no_such_db"), "admin", Secret("admin"))


def test_nothing_listening_is_unreachable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    settings = TargetSettings(url=url, database="db", user="admin", password=Secret("admin"))

    with pytest.raises(TargetUnreachable, match=rf"Odoo at {url} does not answer") as down:
        OdooRpcTransport(settings, "admin", Secret("admin"))

    assert down.value.exit_code == ExitCode.UNREACHABLE


class RecordingTransport:
    """A transport without any server, for unit-level checks of the gateway and the pool."""

    def __init__(self, login: str) -> None:
        self.login = login
        self.uid = 40 + len(login)
        self.server_version = ServerVersion.parse("19.0")
        self.calls: list[tuple[str, str, list[int] | None, Values]] = []

    def call(self, model: str, method: str, ids: list[int] | None, kwargs: Values) -> Any:
        self.calls.append((model, method, ids, kwargs))
        return [11]


def test_session_pool_logs_each_user_in_once_and_counts_round_trips() -> None:
    made: list[RecordingTransport] = []

    def factory(settings: TargetSettings, login: str, secret: Secret) -> RecordingTransport:
        made.append(RecordingTransport(login))
        return made[-1]

    settings = TargetSettings(url="http://odoo.test/", database="db", user="admin", password=Secret("admin"))
    pool = SessionPool(settings, transport_factory=factory)

    first = pool.as_user("nsc.requester", Secret("x"))
    second = pool.as_user("nsc.requester", Secret("x"))
    technical = pool.technical()
    first.create("purchase.order", {"name": "RFQ"})
    second.write("purchase.order", [11], {"origin": "x"})
    technical.unlink("purchase.order", [11])

    assert [transport.login for transport in made] == ["nsc.requester", "admin"]
    assert made[0].calls == [
        ("purchase.order", "create", None, {"vals_list": [{"name": "RFQ"}]}),
        ("purchase.order", "write", [11], {"vals": {"origin": "x"}}),
    ]
    assert pool.counter.round_trips == 3
    assert pool.counter.by_method == {"purchase.order.create": 1, "purchase.order.write": 1, "purchase.order.unlink": 1}
    assert technical.url_for("purchase.order", 11) == "http://odoo.test/odoo/purchase.order/11"


def test_gateway_context_is_added_unless_the_call_brings_its_own() -> None:
    transport = RecordingTransport("admin")
    settings = TargetSettings(url="http://odoo.test", database="db", user="admin", password=Secret("admin"))
    gateway = OdooGateway(transport, login="admin", base_url=settings.base_url, counter=SessionPool(settings).counter)

    gateway.for_company(2, [1, 2]).search("res.partner", [])
    gateway.with_context(lang="fr_FR").call("res.partner", "search", domain=[], context={"lang": "de_DE"})

    assert transport.calls[0][3]["context"] == {"allowed_company_ids": [2, 1]}
    assert transport.calls[1][3]["context"] == {"lang": "de_DE"}


def test_read_one_of_a_missing_record_is_missing_record_error(fake_odoo: FakeOdoo) -> None:
    gateway = SessionPool(settings_for(fake_odoo)).technical()

    with pytest.raises(OdooMissingRecord, match=r"stock\.warehouse #999 does not exist"):
        gateway.read_one("stock.warehouse", 999, ["name"])


def test_secret_never_prints_itself() -> None:
    secret = Secret("hunter22")
    settings = TargetSettings(url="http://odoo.test", database="db", user="admin", password=secret)

    assert "hunter22" not in f"{secret} {secret!r} {settings!r}"
    assert secret.reveal() == "hunter22"
