"""The one typed door to Odoo. Steps, factories, doctor, guard and provisioning all go through it.

Every call is named-argument only (ids aside), which is what Odoo 19's JSON-2 API demands, so the
transport underneath is a seam: `OdooRpcTransport` (odoorpc over /jsonrpc, Odoo 14-19) today and
`Json2Transport` (POST /json/2/<model>/<method>, bearer API key, Odoo 19+).
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import odoorpc

from odoo_uat.config import Secret, TargetSettings
from odoo_uat.errors import (
    AuthenticationFailed,
    ConfigurationError,
    OdooAccessError,
    OdooError,
    OdooMissingRecord,
    OdooUserError,
    OdooValidationError,
    RecordRef,
    TargetUnreachable,
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


@dataclass
class CallCounter:
    """Counts RPC round trips, so the benchmark can report them per cycle."""

    round_trips: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    def count(self, model: str, method: str) -> None:
        self.round_trips += 1
        key = f"{model}.{method}"
        self.by_method[key] = self.by_method.get(key, 0) + 1


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


class Transport(Protocol):
    uid: int
    server_version: ServerVersion

    def call(self, model: str, method: str, ids: list[int] | None, kwargs: Values) -> Any: ...


class OdooRpcTransport:
    """odoorpc over /jsonrpc. Odoo 19 logs a deprecation notice per call; it still works."""

    def __init__(self, settings: TargetSettings, login: str, password: Secret) -> None:
        self._login = login
        try:
            self._odoo = odoorpc.ODOO(
                settings.host,
                protocol="jsonrpc+ssl" if settings.uses_tls else "jsonrpc",
                port=settings.port,
                timeout=300,
            )
            self.server_version = ServerVersion.parse(str(self._odoo.version))
            self._odoo.login(settings.database, login, password.reveal())
        except (TimeoutError, urllib.error.URLError, ConnectionError, http.client.HTTPException) as exc:
            raise TargetUnreachable(f"Odoo at {settings.url} does not answer: {exc}") from exc
        except odoorpc.error.RPCError as exc:
            raise _login_error(exc, settings, login) from exc
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
        except (TimeoutError, urllib.error.URLError, ConnectionError, http.client.HTTPException) as exc:
            raise TargetUnreachable(f"Odoo stopped answering during {model}.{method}: {exc}") from exc


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
    """

    def __init__(self, settings: TargetSettings, login: str, api_key: Secret) -> None:
        self._base = settings.base_url
        self._database = settings.database
        self._key = api_key
        self._timeout = 300.0
        try:
            info = self._post("/web/webclient/version_info", {"jsonrpc": "2.0", "params": {}}, auth=False)
        except OdooError as exc:
            raise TargetUnreachable(f"Odoo at {settings.url} does not answer: {exc}") from exc
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

    def _post(self, path: str, body: Mapping[str, Any], *, auth: bool = True, model: str = "", method: str = "") -> Any:
        request = urllib.request.Request(self._base + path, data=json.dumps(body).encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Odoo-Database", self._database)
        if auth:
            request.add_header("Authorization", f"bearer {self._key.reveal()}")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            payload = _json_or_empty(exc.read())
            if exc.code == 401:
                raise OdooAccessError(
                    str(payload.get("message", "invalid API key")), model=model, method=method
                ) from None
            raise odoo_error(
                str(payload.get("name", "")), str(payload.get("message", exc.reason)), model=model, method=method
            ) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError, http.client.HTTPException) as exc:
            raise TargetUnreachable(f"Odoo at {self._base} does not answer: {exc}") from exc


def _json_or_empty(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class OdooGateway:
    """A logged-in user's typed view of Odoo, optionally pinned to a company."""

    def __init__(
        self,
        transport: Transport,
        *,
        login: str,
        base_url: str,
        counter: CallCounter,
        context: Values | None = None,
    ) -> None:
        self._transport = transport
        self.login = login
        self.base_url = base_url.rstrip("/")
        self.counter = counter
        self.context: Values = dict(context or {})

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
        self.counter.count(model, method)
        if self.context and "context" not in kwargs:
            kwargs["context"] = self.context
        return self._transport.call(model, method, list(ids) if ids is not None else None, kwargs)

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


class SessionPool:
    """Logs each user in once per run and hands out gateways; the run's round trips are counted together.

    `transport_factory` is the seam for another transport (or the harness's own tests' fake Odoo).
    """

    def __init__(
        self,
        settings: TargetSettings,
        counter: CallCounter | None = None,
        transport_factory: TransportFactory = default_transport,
    ) -> None:
        self.settings = settings
        self.counter = counter or CallCounter()
        self._transport_factory = transport_factory
        self._transports: dict[str, Transport] = {}

    def _transport(self, login: str, secret: Secret) -> Transport:
        if login not in self._transports:
            self._transports[login] = self._transport_factory(self.settings, login, secret)
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
