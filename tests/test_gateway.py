"""The typed gateway: Odoo's errors keep their words, versions parse, and odoorpc gets what /jsonrpc expects."""

from __future__ import annotations

import http.client
import json
import re
import socket
import struct
import threading
import time
import urllib.error
from collections.abc import Iterator
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
    OdooTimeout,
    OdooUserError,
    OdooValidationError,
    TargetUnreachable,
)
from odoo_uat.gateway import (
    WIRE_ERRORS,
    OdooGateway,
    OdooRpcTransport,
    OutageBreaker,
    ServerVersion,
    SessionPool,
    Values,
    environment_failure,
    many2one_id,
    odoo_error,
    version_probe,
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


# -- environment failures: every way the wire can fail is an environment failure, and waited out once -----------
# Plumbing only: a socket server that answers odoorpc's login the way Odoo does, then misbehaves as told.


class MisbehavingOdoo:
    """127.0.0.1 server: `answer` like Odoo, or `hang` (read, never reply), `close`, `reset`, `truncate`, `html`,
    or an HTTP status (e.g. 502) with a proxy's HTML page, or `odoo-user-error` (JSON-2's 422 with Odoo's JSON)."""

    def __init__(self) -> None:
        self.behaviour = "answer"
        self.requests: list[str] = []
        self._released = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        self._released.set()
        self._listener.close()
        for connection in self._connections:
            connection.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._connections.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            path, body = self._read_request(connection)
            self.requests.append(path)
            behaviour = self.behaviour
            if behaviour == "hang":
                self._released.wait()
            elif behaviour == "close":
                pass
            elif behaviour == "reset":
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif behaviour == "truncate":
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 999\r\n\r\n{")
            elif behaviour == "html":
                self._reply(connection, 200, b"<html>Maintenance</html>", "text/html")
            elif behaviour.isdigit():
                self._reply(connection, int(behaviour), b"<html><h1>Bad Gateway</h1></html>", "text/html")
            elif behaviour == "odoo-user-error":
                error = {"name": "odoo.exceptions.UserError", "message": "Nothing to check the availability for."}
                self._reply(connection, 422, json.dumps(error).encode())
            else:
                self._reply(connection, 200, json.dumps(self._answer(path, body)).encode())

    @staticmethod
    def _read_request(connection: socket.socket) -> tuple[str, dict[str, Any]]:
        raw = b""
        while b"\r\n\r\n" not in raw:
            raw += connection.recv(65536)
        head, _, rest = raw.partition(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0
        )
        while len(rest) < length:
            rest += connection.recv(65536)
        return head.split(b" ")[1].decode(), json.loads(rest or b"{}")

    @staticmethod
    def _answer(path: str, body: dict[str, Any]) -> Any:
        if path.startswith("/json/2/"):
            return {"uid": 2} if path.endswith("/context_get") else [7]
        params = body.get("params", {})
        if not params:
            return {"jsonrpc": "2.0", "id": body.get("id"), "result": {"server_version": "19.0"}}
        if params.get("method") == "login":
            return {"jsonrpc": "2.0", "id": body.get("id"), "result": 2}
        result: Any = {} if params["args"][4] == "context_get" else [7]
        return {"jsonrpc": "2.0", "id": body.get("id"), "result": result}

    @staticmethod
    def _reply(connection: socket.socket, status: int, payload: bytes, content_type: str = "application/json") -> None:
        connection.sendall(
            f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n"
            f"Connection: close\r\n\r\n".encode()
            + payload
        )


@pytest.fixture
def misbehaving_odoo() -> Iterator[MisbehavingOdoo]:
    server = MisbehavingOdoo()
    yield server
    server.stop()


def bounded_settings(url: str, *, transport: str = "jsonrpc", call_timeout: float = 0.5) -> TargetSettings:
    return TargetSettings(
        url=url,
        database="db",
        user="admin",
        password=Secret("admin"),
        transport=transport,
        connect_timeout=0.5,
        call_timeout=call_timeout,
    )


def logged_in(server: MisbehavingOdoo, transport: str) -> OdooGateway:
    return SessionPool(bounded_settings(server.url, transport=transport)).technical()


@pytest.mark.parametrize("transport", ["jsonrpc", "json2"])
def test_a_call_odoo_never_answers_is_a_timeout_after_the_call_timeout(
    misbehaving_odoo: MisbehavingOdoo, transport: str
) -> None:
    gateway = logged_in(misbehaving_odoo, transport)
    misbehaving_odoo.behaviour = "hang"
    started = time.monotonic()

    with pytest.raises(OdooTimeout) as hung:
        gateway.call("stock.picking", "button_validate", [4])

    assert 0.5 <= time.monotonic() - started < 2.0
    assert str(hung.value) == "Odoo did not answer stock.picking.button_validate within 0.5 s"
    assert hung.value.exit_code == ExitCode.ENVIRONMENT


@pytest.mark.parametrize("transport", ["jsonrpc", "json2"])
@pytest.mark.parametrize(
    ("behaviour", "says"),
    [
        ("close", "stopped answering during stock.picking.button_validate: RemoteDisconnected"),
        ("reset", "stopped answering during stock.picking.button_validate: "),
        ("truncate", "stopped answering during stock.picking.button_validate: IncompleteRead"),
        ("502", "answered stock.picking.button_validate with HTTP 502 Bad Gateway, not with Odoo's own answer"),
        ("503", "answered stock.picking.button_validate with HTTP 503 Service Unavailable"),
        ("504", "answered stock.picking.button_validate with HTTP 504 Gateway Timeout"),
        ("html", "answered stock.picking.button_validate with something that is not JSON"),
    ],
)
def test_every_way_the_wire_fails_is_target_unreachable_naming_the_call(
    misbehaving_odoo: MisbehavingOdoo, transport: str, behaviour: str, says: str
) -> None:
    gateway = logged_in(misbehaving_odoo, transport)
    misbehaving_odoo.behaviour = behaviour

    with pytest.raises(TargetUnreachable) as lost:
        gateway.call("stock.picking", "button_validate", [4])

    assert type(lost.value) is TargetUnreachable
    assert str(lost.value).startswith(f"Odoo at {misbehaving_odoo.url} ")
    assert says in str(lost.value)


def test_an_odoo_refusal_over_json2_stays_an_odoo_error(misbehaving_odoo: MisbehavingOdoo) -> None:
    gateway = logged_in(misbehaving_odoo, "json2")
    misbehaving_odoo.behaviour = "odoo-user-error"

    with pytest.raises(OdooUserError, match="Nothing to check the availability for"):
        gateway.call("stock.picking", "action_assign", [4])


@pytest.mark.parametrize("transport", ["jsonrpc", "json2"])
def test_a_login_odoo_never_answers_is_a_timeout(misbehaving_odoo: MisbehavingOdoo, transport: str) -> None:
    misbehaving_odoo.behaviour = "hang"

    with pytest.raises(OdooTimeout, match=r"^Odoo did not answer the login of 'admin' within 0\.5 s$"):
        logged_in(misbehaving_odoo, transport)


@pytest.mark.parametrize("transport", ["jsonrpc", "json2"])
def test_a_server_that_accepts_no_connection_is_unreachable_after_the_connect_timeout(transport: str) -> None:
    # A listen backlog of 0 that one unaccepted connection fills: the kernel drops further connection attempts,
    # as a firewall or a dead host does.
    with socket.create_server(("127.0.0.1", 0), backlog=0) as full:
        filler = socket.create_connection(full.getsockname())
        url = f"http://127.0.0.1:{full.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(TargetUnreachable) as down:
            SessionPool(bounded_settings(url, transport=transport, call_timeout=30)).technical()
        filler.close()

    assert 0.5 <= time.monotonic() - started < 2.0
    assert type(down.value) is TargetUnreachable
    assert str(down.value) == f"Odoo at {url} does not answer: no connection within 0.5 s (the login of 'admin')"


@pytest.mark.parametrize("transport", ["jsonrpc", "json2"])
def test_a_refused_connection_is_unreachable(transport: str) -> None:
    url = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(TargetUnreachable) as down:
        SessionPool(bounded_settings(url, transport=transport)).technical()

    assert str(down.value) == f"Odoo at {url} does not answer: connection refused (the login of 'admin')"


@pytest.mark.parametrize(
    ("failure", "expected_type", "says"),
    [
        (ConnectionRefusedError(111, "Connection refused"), TargetUnreachable, "connection refused (x.y)"),
        (urllib.error.URLError(ConnectionRefusedError(111, "refused")), TargetUnreachable, "connection refused"),
        (http.client.RemoteDisconnected("Remote end closed connection"), TargetUnreachable, "stopped answering"),
        (http.client.IncompleteRead(b"{", 998), TargetUnreachable, "stopped answering during x.y: IncompleteRead"),
        (ConnectionResetError(104, "reset by peer"), TargetUnreachable, "stopped answering during x.y"),
        (TimeoutError("timed out"), OdooTimeout, "Odoo did not answer x.y within 60 s"),
        (urllib.error.URLError(TimeoutError("timed out")), OdooTimeout, "Odoo did not answer x.y within 60 s"),
        (socket.gaierror(-2, "Name or service not known"), TargetUnreachable, "gaierror"),
        (json.JSONDecodeError("Expecting value", "<html>", 0), TargetUnreachable, "not JSON"),
    ],
)
def test_environment_failure_maps_every_low_level_error(
    failure: Exception, expected_type: type[TargetUnreachable], says: str
) -> None:
    error = environment_failure(failure, base_url="http://odoo.test", doing="x.y", call_timeout=60)

    assert type(error) is expected_type
    assert says in str(error)
    assert isinstance(failure, WIRE_ERRORS)


class FlakyTransport(RecordingTransport):
    """Answers until told the target is down, then fails every call the way a real transport would."""

    down: TargetUnreachable | None = None

    def call(self, model: str, method: str, ids: list[int] | None, kwargs: Values) -> Any:
        self.calls.append((model, method, ids, kwargs))
        if self.down is not None:
            raise self.down
        return [11]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def flaky_pool(probe_answers: list[bool]) -> tuple[SessionPool, list[FlakyTransport], Clock, list[str]]:
    made: list[FlakyTransport] = []
    probes: list[str] = []
    clock = Clock()

    def factory(settings: TargetSettings, login: str, secret: Secret) -> FlakyTransport:
        if made and made[0].down is not None:
            raise made[0].down
        made.append(FlakyTransport(login))
        return made[-1]

    def probe() -> None:
        probes.append("probe")
        if not probe_answers.pop(0):
            raise TargetUnreachable("Odoo at http://odoo.test does not answer: connection refused (version_info)")

    settings = TargetSettings(url="http://odoo.test", database="db", user="admin", password=Secret("admin"))
    pool = SessionPool(settings, transport_factory=factory, breaker=OutageBreaker(probe, retry_after=30, clock=clock))
    return pool, made, clock, probes


def test_after_an_outage_later_calls_and_logins_fail_at_once_without_reaching_odoo() -> None:
    pool, made, clock, probes = flaky_pool(probe_answers=[])
    technical = pool.technical()
    made[0].down = OdooTimeout("Odoo did not answer stock.picking.button_validate within 60 s")

    with pytest.raises(OdooTimeout):
        technical.call("stock.picking", "button_validate", [4])
    clock.now += 29
    with pytest.raises(TargetUnreachable) as refused_call:
        technical.search("purchase.order", [])
    with pytest.raises(TargetUnreachable) as refused_login:
        pool.as_user("nsc.requester", Secret("x"))

    assert len(made[0].calls) == 1  # the search never went out
    assert [transport.login for transport in made] == ["admin"]  # nor did the role's login
    assert probes == []  # nothing probed before retry_after
    assert re.fullmatch(
        r"Odoo has been unreachable since \d\d:\d\d:\d\d \(first: Odoo did not answer "
        r"stock\.picking\.button_validate within 60 s\); purchase\.order\.search not attempted",
        str(refused_call.value),
    )
    assert str(refused_login.value).endswith("; the login of 'nsc.requester' not attempted")
    assert refused_call.value.exit_code == ExitCode.ENVIRONMENT


def test_the_breaker_closes_when_a_probe_due_after_retry_after_finds_odoo_back() -> None:
    pool, made, clock, probes = flaky_pool(probe_answers=[False, True])
    technical = pool.technical()
    made[0].down = TargetUnreachable("Odoo at http://odoo.test does not answer: connection refused (x.y)")
    with pytest.raises(TargetUnreachable):
        technical.search("purchase.order", [])

    clock.now += 30
    with pytest.raises(TargetUnreachable, match="not attempted"):  # probed: still down
        technical.search("purchase.order", [])
    clock.now += 10
    with pytest.raises(TargetUnreachable, match="not attempted"):  # no second probe within retry_after
        technical.search("purchase.order", [])
    made[0].down = None
    clock.now += 20
    found = technical.search("purchase.order", [])  # probed: back

    assert probes == ["probe", "probe"]
    assert found == [11]
    assert len(made[0].calls) == 2
    assert not pool.breaker.is_open


def test_an_odoo_refusal_does_not_open_the_breaker() -> None:
    pool, made, _, _ = flaky_pool(probe_answers=[])
    technical = pool.technical()
    made[0].down = OdooUserError("No.", model="purchase.order", method="button_confirm")  # type: ignore[assignment]

    for _ in range(2):
        with pytest.raises(OdooUserError):
            technical.call("purchase.order", "button_confirm", [1])

    assert len(made[0].calls) == 2
    assert not pool.breaker.is_open


def test_a_hung_odoo_costs_one_call_timeout_per_run_not_one_per_call(misbehaving_odoo: MisbehavingOdoo) -> None:
    pool = SessionPool(bounded_settings(misbehaving_odoo.url))
    gateway = pool.technical()
    misbehaving_odoo.behaviour = "hang"
    started = time.monotonic()
    with pytest.raises(OdooTimeout):
        gateway.call("stock.picking", "button_validate", [4])
    first = time.monotonic() - started
    requests_before = len(misbehaving_odoo.requests)

    for _ in range(20):
        with pytest.raises(TargetUnreachable, match="not attempted"):
            pool.as_user("nsc.requester", Secret("x")).search("purchase.order", [])
    rest = time.monotonic() - started - first

    assert first >= 0.5
    assert rest < 0.2
    assert len(misbehaving_odoo.requests) == requests_before


def test_version_probe_is_bounded_by_the_connect_timeout(misbehaving_odoo: MisbehavingOdoo) -> None:
    probe = version_probe(bounded_settings(misbehaving_odoo.url, call_timeout=60))
    probe()  # answers
    misbehaving_odoo.behaviour = "hang"
    started = time.monotonic()

    with pytest.raises(TargetUnreachable):
        probe()

    assert time.monotonic() - started < 2.0
