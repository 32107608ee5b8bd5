"""The one typed door to Odoo. Steps, factories, doctor, guard and provisioning all go through it.

Every call is named-argument only (ids aside), which is what Odoo 19's JSON-2 API demands, so the
transport underneath is a seam: `OdooRpcTransport` (odoorpc over /jsonrpc, Odoo 14-19) today and
`Json2Transport` (POST /json/2/<model>/<method>, bearer API key, Odoo 19+).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from http.cookiejar import CookieJar
from typing import Any, Protocol

import odoorpc

from odoo_uat.config import Secret, TargetSettings
from odoo_uat.errors import (
    AuthenticationFailed,
    ConfigurationError,
    OdooAccessError,
    OdooError,
    OdooMissingRecord,
    OdooTimeout,
    OdooUserError,
    OdooValidationError,
    ReadOnlyViolation,
    RecordRef,
    TargetUnreachable,
    UatError,
)

Domain = Sequence[Any]
Values = dict[str, Any]
Row = dict[str, Any]

_ERROR_TYPES: dict[str, type[OdooError]] = {
    "AccessError": OdooAccessError,
    "AccessDenied": OdooAccessError,
    "UserError": OdooUserError,
    "RedirectWarning": OdooUserError,
    "ValidationError": OdooValidationError,
    "MissingError": OdooMissingRecord,
}


def odoo_error(odoo_type: str, message: str, *, model: str, method: str) -> OdooError:
    """Map Odoo's exception class name (e.g. 'odoo.exceptions.UserError') onto the harness's hierarchy."""
    short = odoo_type.rsplit(".", 1)[-1]
    return _ERROR_TYPES.get(short, OdooError)(message, model=model, method=method, odoo_type=odoo_type)


@dataclass(frozen=True)
class RpcCall:
    """One call as its listeners hear of it: who made it, what, on which records, how long it took, how it ended.

    `kwargs` and `result` are Odoo's own values, unredacted: a listener summarises them and removes secrets."""

    login: str
    model: str
    method: str
    ids: tuple[int, ...]
    kwargs: Mapping[str, Any]
    seconds: float
    result: Any = None
    error: str = ""  # the type of the error the call ended in, empty when it answered
    base_url: str = ""  # where Odoo shows a record: {base_url}/odoo/<model>/<id>


CallListener = Callable[[RpcCall], None]


@dataclass
class CallCounter:
    """Counts RPC round trips, so the benchmark can report them per cycle, and tells its listeners of each call
    (the report's per-step table of calls subscribes here: this module knows nothing of the report)."""

    round_trips: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    listeners: list[CallListener] = field(default_factory=list)

    def count(self, model: str, method: str) -> None:
        self.round_trips += 1
        key = f"{model}.{method}"
        self.by_method[key] = self.by_method.get(key, 0) + 1

    def tell(self, call: RpcCall) -> None:
        for listener in list(self.listeners):
            listener(call)


@dataclass(frozen=True)
class ServerVersion:
    major: int
    minor: int
    label: str

    @classmethod
    def parse(cls, label: str) -> ServerVersion:
        # "19.0", "saas~18.4", "19.0+e"
        digits = label.rsplit("~", maxsplit=1)[-1].split("+", maxsplit=1)[0].split("-", maxsplit=1)[0]
        major, _, minor = digits.partition(".")
        try:
            return cls(int(major), int(minor.split(".")[0] or 0), label)
        except ValueError:
            return cls(0, 0, label)


# -- the wire: bounded waits, and every way it can fail mapped onto an environment failure ---------------


class _ConnectTimeout(TimeoutError):
    """The server did not accept a connection in time (as opposed to accepting it and then not answering)."""


class _BoundedConnection(http.client.HTTPConnection):
    """Opens with the connect timeout, then waits for the answer with the call timeout (urllib has one for both)."""

    connect_timeout: float = 10.0

    def connect(self) -> None:
        call_timeout = self.timeout
        self.timeout = self.connect_timeout
        try:
            super().connect()
        except TimeoutError as exc:
            raise _ConnectTimeout(f"no connection within {self.connect_timeout:g} s") from exc
        finally:
            self.timeout = call_timeout
        if self.sock is not None:
            self.sock.settimeout(call_timeout)


class _BoundedHTTPSConnection(_BoundedConnection, http.client.HTTPSConnection):
    pass


def bounded_opener(connect_timeout: float, *, cookies: bool = False) -> urllib.request.OpenerDirector:
    """A urllib opener whose connections open within `connect_timeout`; each request passes the call timeout."""

    class Connection(_BoundedConnection):
        pass

    class SecureConnection(_BoundedHTTPSConnection):
        pass

    Connection.connect_timeout = SecureConnection.connect_timeout = connect_timeout

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Connection, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(SecureConnection, req, context=self._context)  # type: ignore[attr-defined]

    handlers: list[urllib.request.BaseHandler] = [Handler(), SecureHandler()]
    if cookies:  # odoorpc keeps its session cookie in the opener it is given
        handlers.append(urllib.request.HTTPCookieProcessor(CookieJar()))
    return urllib.request.build_opener(*handlers)


# What a failed exchange with the server can raise below us: sockets (OSError: refused, reset, timed out,
# DNS, TLS, urllib's URLError and HTTPError), http.client (RemoteDisconnected, IncompleteRead, BadStatusLine),
# and a body that is no JSON at all (a proxy's HTML page, a truncated answer).
WIRE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    http.client.HTTPException,
    json.JSONDecodeError,
    UnicodeDecodeError,
)

_GATEWAY_STATUSES = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def environment_failure(exc: BaseException, *, base_url: str, doing: str, call_timeout: float) -> TargetUnreachable:
    """Name a low-level failure the way an operator acts on it. `doing` is e.g. 'purchase.order.button_confirm'."""
    reason: BaseException = exc
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        reason = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(reason, _ConnectTimeout):
        return TargetUnreachable(f"Odoo at {base_url} does not answer: {reason} ({doing})")
    if isinstance(reason, TimeoutError):
        return OdooTimeout(f"Odoo did not answer {doing} within {call_timeout:g} s")
    if isinstance(reason, urllib.error.HTTPError):
        status = _GATEWAY_STATUSES.get(reason.code, reason.reason)
        return TargetUnreachable(
            f"Odoo at {base_url} answered {doing} with HTTP {reason.code} {status}, not with Odoo's own answer"
        )
    if isinstance(reason, ConnectionRefusedError):
        return TargetUnreachable(f"Odoo at {base_url} does not answer: connection refused ({doing})")
    if isinstance(reason, ConnectionError | http.client.HTTPException):
        # RemoteDisconnected, ConnectionResetError, BrokenPipeError, IncompleteRead: it went away mid-call.
        return TargetUnreachable(
            f"Odoo at {base_url} stopped answering during {doing}: {type(reason).__name__}: {reason}"
        )
    if isinstance(reason, json.JSONDecodeError | UnicodeDecodeError):
        return TargetUnreachable(f"Odoo at {base_url} answered {doing} with something that is not JSON: {reason}")
    return TargetUnreachable(f"Odoo at {base_url} does not answer: {type(reason).__name__}: {reason} ({doing})")


class Transport(Protocol):
    uid: int
    server_version: ServerVersion

    def call(self, model: str, method: str, ids: list[int] | None, kwargs: Values) -> Any: ...


class OdooRpcTransport:
    """odoorpc over /jsonrpc. Odoo 19 logs a deprecation notice per call; it still works.

    odoorpc hands its `timeout` to urllib for every request; the opener we give it bounds the connect separately.
    Odoo answers its own errors over /jsonrpc with HTTP 200 and an `error` member, so any HTTP error status
    comes from something between us and Odoo (a proxy whose Odoo is down): an environment failure.
    """

    def __init__(self, settings: TargetSettings, login: str, password: Secret) -> None:
        self._login = login
        self._base = settings.base_url
        self._call_timeout = settings.call_timeout
        doing = f"the login of {login!r}"
        try:
            self._odoo = odoorpc.ODOO(
                settings.host,
                protocol="jsonrpc+ssl" if settings.uses_tls else "jsonrpc",
                port=settings.port,
                timeout=settings.call_timeout,
                opener=bounded_opener(settings.connect_timeout, cookies=True),
            )
            self.server_version = ServerVersion.parse(str(self._odoo.version))
            self._odoo.login(settings.database, login, password.reveal())
        except odoorpc.error.RPCError as exc:
            raise _login_error(exc, settings, login) from exc
        except WIRE_ERRORS as exc:
            raise self._unreachable(exc, doing) from exc
        self.uid = int(self._odoo.env.uid)

    def call(self, model: str, method: str, ids: list[int] | None, kwargs: Values) -> Any:
        args: list[Any] = [ids] if ids is not None else []
        if method == "create" and "vals_list" in kwargs:
            # /jsonrpc's call_kw reads create's values positionally; JSON-2 takes them by name.
            kwargs = dict(kwargs)
            args.append(kwargs.pop("vals_list"))
        try:
            return self._odoo.execute_kw(model, method, args, kwargs)
        except odoorpc.error.RPCError as exc:
            data = exc.info.get("data", {}) if isinstance(exc.info, dict) else {}
            raise odoo_error(
                str(data.get("name", "")), str(data.get("message") or exc), model=model, method=method
            ) from None
        except WIRE_ERRORS as exc:
            raise self._unreachable(exc, f"{model}.{method}") from exc

    def _unreachable(self, exc: BaseException, doing: str) -> TargetUnreachable:
        return environment_failure(exc, base_url=self._base, doing=doing, call_timeout=self._call_timeout)


def _login_error(exc: Exception, settings: TargetSettings, login: str) -> Exception:
    info = getattr(exc, "info", None)
    data = info.get("data", {}) if isinstance(info, dict) else {}
    message = str(data.get("message") or exc)
    if "does not exist" in message and "database" in message:
        return ConfigurationError(f"Database {settings.database!r} does not exist on {settings.url}")
    return AuthenticationFailed(
        f"Odoo at {settings.url} refused the login {login!r} on database {settings.database!r}: "
        "wrong login, password or API key"
    )


class Json2Transport:
    """Odoo 19's JSON-2 API: POST /json/2/<model>/<method>, named arguments, one transaction per call.

    It authenticates with a bearer API key (a user's password is not accepted), so each role needs one.
    Odoo answers its own errors with an HTTP error status and a JSON body naming the exception; a 502, 503 or
    504, or an error page that is not Odoo's JSON, comes from a proxy in front of an Odoo that is not there.
    """

    def __init__(self, settings: TargetSettings, login: str, api_key: Secret) -> None:
        self._base = settings.base_url
        self._database = settings.database
        self._key = api_key
        self._call_timeout = settings.call_timeout
        self._opener = bounded_opener(settings.connect_timeout)
        info = self._post(
            "/web/webclient/version_info",
            {"jsonrpc": "2.0", "params": {}},
            auth=False,
            doing=f"the login of {login!r}",
        )
        self.server_version = ServerVersion.parse(str(info.get("result", {}).get("server_version", "")))
        if self.server_version.major < 19:
            raise ConfigurationError(
                f"UAT_TRANSPORT=json2 needs Odoo 19 or newer; {settings.url} runs {self.server_version.label}"
            )
        try:
            context = self.call("res.users", "context_get", None, {})
        except OdooAccessError as exc:
            raise AuthenticationFailed(f"Odoo at {settings.url} refused the API key of {login!r}") from exc
        self.uid = int(context.get("uid") or 0) or self._uid_of(login)

    def _uid_of(self, login: str) -> int:
        found = self.call("res.users", "search", None, {"domain": [("login", "=", login)], "limit": 1})
        return int(found[0]) if found else 0

    def call(self, model: str, method: str, ids: list[int] | None, kwargs: Values) -> Any:
        body = dict(kwargs)
        if ids is not None:
            body["ids"] = ids
        return self._post(f"/json/2/{model}/{method}", body, model=model, method=method)

    def _post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        auth: bool = True,
        model: str = "",
        method: str = "",
        doing: str = "",
    ) -> Any:
        doing = doing or f"{model}.{method}"
        request = urllib.request.Request(self._base + path, data=json.dumps(body).encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Odoo-Database", self._database)
        if auth:
            request.add_header("Authorization", f"bearer {self._key.reveal()}")
        try:
            with self._opener.open(request, timeout=self._call_timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise self._refusal(exc, model=model, method=method, doing=doing) from None
        except WIRE_ERRORS as exc:
            raise environment_failure(exc, base_url=self._base, doing=doing, call_timeout=self._call_timeout) from exc

    def _refusal(self, exc: urllib.error.HTTPError, *, model: str, method: str, doing: str) -> UatError:
        try:
            payload = _json_or_empty(exc.read())
        except WIRE_ERRORS as lost:  # the error page itself was cut off
            return environment_failure(lost, base_url=self._base, doing=doing, call_timeout=self._call_timeout)
        if exc.code in _GATEWAY_STATUSES or (not payload.get("name") and exc.code != 401):
            return environment_failure(exc, base_url=self._base, doing=doing, call_timeout=self._call_timeout)
        if exc.code == 401:
            return OdooAccessError(str(payload.get("message", "invalid API key")), model=model, method=method)
        return odoo_error(
            str(payload.get("name", "")), str(payload.get("message", exc.reason)), model=model, method=method
        )


def _json_or_empty(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# What a check may call: methods that read and never write (Odoo's ORM reads and access questions).
READ_METHODS = frozenset(
    {
        "read",
        "search",
        "search_read",
        "search_count",
        "fields_get",
        "default_get",
        "has_access",
        "check_access_rights",
        "read_group",
        "formatted_read_group",
        "name_search",
        "web_read",
        "web_search_read",
    }
)


class OdooGateway:
    """A logged-in user's typed view of Odoo, optionally pinned to a company, optionally read-only."""

    def __init__(
        self,
        transport: Transport,
        *,
        login: str,
        base_url: str,
        counter: CallCounter,
        context: Values | None = None,
        read_only: bool = False,
    ) -> None:
        self._transport = transport
        self.login = login
        self.base_url = base_url.rstrip("/")
        self.counter = counter
        self.context: Values = dict(context or {})
        self.is_read_only = read_only

    @property
    def uid(self) -> int:
        return self._transport.uid

    @property
    def server_version(self) -> ServerVersion:
        return self._transport.server_version

    def with_context(self, **context: Any) -> OdooGateway:
        return OdooGateway(
            self._transport,
            login=self.login,
            base_url=self.base_url,
            counter=self.counter,
            context={**self.context, **context},
            read_only=self.is_read_only,
        )

    def read_only(self) -> OdooGateway:
        """The same session for checks: any method that could change a record is refused (a harness bug)."""
        return OdooGateway(
            self._transport,
            login=self.login,
            base_url=self.base_url,
            counter=self.counter,
            context=self.context,
            read_only=True,
        )

    def for_company(self, company_id: int, allowed_company_ids: Iterable[int] = ()) -> OdooGateway:
        """Multi-company: the site's company is the active one, as if chosen in the company switcher."""
        allowed = [company_id, *[cid for cid in allowed_company_ids if cid != company_id]]
        return self.with_context(allowed_company_ids=allowed)

    def across_companies(self) -> OdooGateway:
        """Every company this user belongs to, for checks that must see all sites at once."""
        companies = self.read_one("res.users", self.uid, ["company_ids"])["company_ids"]
        return self.with_context(allowed_company_ids=[int(cid) for cid in companies])

    # -- the calls ---------------------------------------------------------------------------------

    def call(self, model: str, method: str, ids: Sequence[int] | None = None, **kwargs: Any) -> Any:
        if self.is_read_only and method not in READ_METHODS:
            raise ReadOnlyViolation(
                f"{model}.{method} was called through {self.login}'s read-only gateway: checks read Odoo, a role's "
                "actions go through its actions interface (odoo_uat/actions)"
            )
        self.counter.count(model, method)
        if self.context and "context" not in kwargs:
            kwargs["context"] = self.context
        record_ids = list(ids) if ids is not None else None
        if not self.counter.listeners:
            return self._transport.call(model, method, record_ids, kwargs)
        started, result, error = time.perf_counter(), None, ""
        try:
            result = self._transport.call(model, method, record_ids, kwargs)
            return result
        except Exception as exc:
            error = type(exc).__name__
            raise
        finally:
            self.counter.tell(
                RpcCall(
                    login=self.login,
                    model=model,
                    method=method,
                    ids=tuple(record_ids or ()),
                    kwargs=kwargs,
                    seconds=time.perf_counter() - started,
                    result=result,
                    error=error,
                    base_url=self.base_url,
                )
            )

    def search_read(
        self,
        model: str,
        domain: Domain,
        fields: Sequence[str],
        *,
        order: str | None = None,
        limit: int | None = None,
    ) -> list[Row]:
        kwargs: Values = {"domain": list(domain), "fields": list(fields)}
        if order:
            kwargs["order"] = order
        if limit:
            kwargs["limit"] = limit
        return list(self.call(model, "search_read", **kwargs))

    def search(self, model: str, domain: Domain, *, order: str | None = None, limit: int | None = None) -> list[int]:
        kwargs: Values = {"domain": list(domain)}
        if order:
            kwargs["order"] = order
        if limit:
            kwargs["limit"] = limit
        return [int(i) for i in self.call(model, "search", **kwargs)]

    def search_count(self, model: str, domain: Domain) -> int:
        return int(self.call(model, "search_count", domain=list(domain)))

    def read(self, model: str, ids: Sequence[int], fields: Sequence[str]) -> list[Row]:
        return list(self.call(model, "read", ids, fields=list(fields)))

    def read_one(self, model: str, record_id: int, fields: Sequence[str]) -> Row:
        rows = self.read(model, [record_id], fields)
        if not rows:
            raise OdooMissingRecord(f"{model} #{record_id} does not exist", model=model, method="read")
        return rows[0]

    def create(self, model: str, values: Values) -> int:
        created = self.call(model, "create", vals_list=[values])
        return int(created[0] if isinstance(created, list) else created)

    def write(self, model: str, ids: Sequence[int], values: Values) -> None:
        self.call(model, "write", ids, vals=values)

    def unlink(self, model: str, ids: Sequence[int]) -> None:
        self.call(model, "unlink", ids)

    def xmlid_to_res_id(self, xmlid: str) -> int | None:
        module, _, name = xmlid.partition(".")
        rows = self.search_read("ir.model.data", [("module", "=", module), ("name", "=", name)], ["res_id"])
        return int(rows[0]["res_id"]) if rows else None

    def installed_modules(self, names: Iterable[str]) -> set[str]:
        rows = self.search_read(
            "ir.module.module", [("name", "in", list(names)), ("state", "=", "installed")], ["name"]
        )
        return {str(row["name"]) for row in rows}

    def fields_of(self, model: str) -> set[str]:
        return set(self.call(model, "fields_get", attributes=["type"]).keys())

    # -- naming records for people ------------------------------------------------------------------

    def url_for(self, model: str, record_id: int) -> str:
        return f"{self.base_url}/odoo/{model}/{record_id}"

    def record(self, model: str, record_id: int, name: str = "") -> RecordRef:
        return RecordRef(model=model, id=record_id, name=name, url=self.url_for(model, record_id))


def many2one_id(value: Any) -> int | None:
    """Odoo returns many2one values as [id, display_name] or False."""
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


TransportFactory = Callable[[TargetSettings, str, Secret], Transport]


def default_transport(settings: TargetSettings, login: str, secret: Secret) -> Transport:
    if settings.transport == "json2":
        return Json2Transport(settings, login, secret)
    return OdooRpcTransport(settings, login, secret)


class OutageBreaker:
    """After the first environment failure of a run, later calls fail at once instead of each waiting it out.

    A stopped Odoo refuses at once, but a hung one lets every call wait the full call timeout: 20 scenarios
    behind a hung server would take 20 minutes to say what the first one already knew. So once a call met an
    environment failure, every later call (and login) of the pool fails fast with the first failure's story.

    The breaker closes again when Odoo answers a probe (`version_info`, bounded by the connect timeout), tried
    at most once per `retry_after` seconds and only when a call is due anyway: a short outage (a restart, a
    proxy's 502 during a deploy) then costs the scenarios that ran into it, not the rest of a long run, and a
    server that stays down costs at most one short probe per interval instead of a call timeout per call.
    """

    def __init__(
        self,
        probe: Callable[[], None],
        *,
        retry_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probe = probe
        self._retry_after = retry_after
        self._clock = clock
        self._first: TargetUnreachable | None = None
        self._since = ""
        self._last_try = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._first is not None

    def before(self, doing: str) -> None:
        """Raise at once while Odoo is known to be unreachable, unless a due probe finds it back."""
        with self._lock:  # a run may call from a second thread (month-end close's lock heartbeat)
            if self._first is None:
                return
            if self._clock() - self._last_try >= self._retry_after:
                self._last_try = self._clock()
                try:
                    self._probe()
                except TargetUnreachable:
                    pass
                else:
                    self._first = None
                    return
            raise TargetUnreachable(
                f"Odoo has been unreachable since {self._since} (first: {self._first}); {doing} not attempted"
            )

    def failed(self, error: TargetUnreachable) -> None:
        with self._lock:
            if self._first is None:
                self._first = error
                self._since = datetime.now().strftime("%H:%M:%S")
            self._last_try = self._clock()


def version_probe(settings: TargetSettings) -> Callable[[], None]:
    """The cheapest request that proves Odoo's HTTP workers answer again, bounded by the connect timeout alone."""
    opener = bounded_opener(settings.connect_timeout)
    url = settings.base_url + "/web/webclient/version_info"
    body = json.dumps({"jsonrpc": "2.0", "params": {}}).encode()

    def probe() -> None:
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Content-Type", "application/json")
        try:
            with opener.open(request, timeout=settings.connect_timeout) as response:
                json.loads(response.read())
        except WIRE_ERRORS as exc:
            raise environment_failure(
                exc, base_url=settings.base_url, doing="version_info", call_timeout=settings.connect_timeout
            ) from exc

    return probe


class _GuardedTransport:
    """A transport whose calls go through the pool's breaker: refused while Odoo is down, recorded when it fails."""

    def __init__(self, inner: Transport, breaker: OutageBreaker) -> None:
        self._inner = inner
        self._breaker = breaker
        self.uid = inner.uid
        self.server_version = inner.server_version

    def call(self, model: str, method: str, ids: list[int] | None, kwargs: Values) -> Any:
        self._breaker.before(f"{model}.{method}")
        try:
            return self._inner.call(model, method, ids, kwargs)
        except TargetUnreachable as error:
            self._breaker.failed(error)
            raise


class SessionPool:
    """Logs each user in once per run and hands out gateways; the run's round trips are counted together.

    `transport_factory` is the seam for another transport (or the harness's own tests' fake Odoo). All the
    pool's transports share one `OutageBreaker` (see there), so one outage is waited out once per run.
    """

    def __init__(
        self,
        settings: TargetSettings,
        counter: CallCounter | None = None,
        transport_factory: TransportFactory = default_transport,
        breaker: OutageBreaker | None = None,
    ) -> None:
        self.settings = settings
        self.counter = counter or CallCounter()
        self._transport_factory = transport_factory
        self._transports: dict[str, Transport] = {}
        self.breaker = breaker or OutageBreaker(version_probe(settings))

    def _transport(self, login: str, secret: Secret) -> Transport:
        if login not in self._transports:
            self.breaker.before(f"the login of {login!r}")
            try:
                transport = self._transport_factory(self.settings, login, secret)
            except TargetUnreachable as error:
                self.breaker.failed(error)
                raise
            self._transports[login] = _GuardedTransport(transport, self.breaker)
        return self._transports[login]

    def technical(self) -> OdooGateway:
        """The technical user from ODOO_USER: reads configuration, checks the marker, never does a role's work."""
        return self.as_user(self.settings.user, self.settings.password)

    def as_user(self, login: str, secret: Secret) -> OdooGateway:
        return OdooGateway(
            self._transport(login, secret),
            login=login,
            base_url=self.settings.base_url,
            counter=self.counter,
        )
