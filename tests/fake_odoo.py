"""A fake Odoo 19 JSON-RPC server: just what odoorpc 0.10.1 and the harness call, on 127.0.0.1.

It answers `/web/webclient/version_info` and `/jsonrpc` (service `common` login, service `object`
`execute` / `execute_kw`) from in-memory tables, and records every call, so a test can prove that nothing
was written when the harness refused a target. Odoo's own refusals are simulated with `fail()`, in the
shape Odoo 19 serialises them (`odoo.http.serialize_exception`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Row = dict[str, Any]

MARKER_KEY = "uat.target"
# Methods that change a database: a refused target must see none of them.
WRITING_METHODS = frozenset({"create", "write", "unlink", "copy", "set_param", "execute", "try_loading"})
WRITING_PREFIXES = ("button_", "action_")


def is_writing(method: str) -> bool:
    return method in WRITING_METHODS or method.startswith(WRITING_PREFIXES)


@dataclass(frozen=True)
class RecordedCall:
    """One JSON-RPC call as the server received it."""

    service: str  # "common" or "object"
    method: str  # "login", "execute_kw", "execute"
    login: str = ""
    model: str = ""
    model_method: str = ""
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def writes(self) -> bool:
        return self.service == "object" and is_writing(self.model_method)

    def __str__(self) -> str:
        if self.service != "object":
            return f"{self.login}: {self.service}.{self.method}"
        return f"{self.login}: {self.model}.{self.model_method}{self.args!r} {self.kwargs!r}"


class OdooFault(Exception):
    """Raised inside the fake; answered as Odoo's JSON-RPC error with `data.name` and `data.message`."""

    def __init__(self, odoo_type: str, message: str) -> None:
        super().__init__(message)
        self.odoo_type = odoo_type
        self.message = message


def _plain(value: Any) -> Any:
    """A many2one as Odoo returns it, [id, name], compares as its id."""
    if isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[1], str):
        return value[0]
    return value


def _leaf_holds(row: Row, leaf: Sequence[Any]) -> bool:
    name, operator, wanted = leaf
    if "." in str(name):
        raise OdooFault("builtins.ValueError", f"the fake Odoo does not follow paths like {name!r}")
    value = _plain(row.get(name, name == "active"))  # a row without `active` is an active record
    values = value if isinstance(value, list) else [value]  # x2many: any member
    if operator == "=":
        return (not value) if wanted is False else wanted in values
    if operator == "!=":
        return bool(value) if wanted is False else wanted not in values
    if operator in {"in", "not in"}:
        wanted_values = list(wanted)
        found = any(v in wanted_values for v in values) or (not value and False in wanted_values)
        return found if operator == "in" else not found
    if operator in {"ilike", "like", "=ilike", "=like"}:
        if not value:
            return False
        text, pattern = str(value), str(wanted)
        if operator.endswith("ilike"):
            text, pattern = text.lower(), pattern.lower()
        return text == pattern if operator.startswith("=") else pattern in text
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "<": lambda a, b: bool(a < b),
        ">": lambda a, b: bool(a > b),
        "<=": lambda a, b: bool(a <= b),
        ">=": lambda a, b: bool(a >= b),
    }
    if operator in comparisons:
        return value is not False and comparisons[operator](value, wanted)
    raise OdooFault("builtins.ValueError", f"the fake Odoo does not know the operator {operator!r}")


def domain_holds(row: Row, domain: Sequence[Any]) -> bool:
    """Odoo's prefix notation ('&', '|', '!') with an implicit '&' between top-level terms."""
    terms = list(domain)

    def term(index: int) -> tuple[bool, int]:
        token = terms[index]
        if not isinstance(token, str):
            return _leaf_holds(row, token), index + 1
        if token == "!":
            holds, following = term(index + 1)
            return not holds, following
        if token in {"&", "|"}:
            left, following = term(index + 1)
            right, after = term(following)
            return (left and right) if token == "&" else (left or right), after
        return _leaf_holds(row, token), index + 1

    index, holds = 0, True
    while index < len(terms):
        result, index = term(index)
        holds = holds and result
    return holds


def _mentions(domain: Sequence[Any], name: str) -> bool:
    return any(isinstance(leaf, list | tuple) and leaf and leaf[0] == name for leaf in domain)


_PARAMETERS = {
    "search_read": ("domain", "fields", "offset", "limit", "order"),
    "search": ("domain", "offset", "limit", "order"),
    "search_count": ("domain", "limit"),
    "read": ("ids", "fields"),
    "write": ("ids", "vals"),
    "unlink": ("ids",),
    "set_param": ("key", "value"),
    "fields_get": ("allfields", "attributes"),
}


class FakeOdoo:
    """An Odoo 19 database in memory. `add` rows, `start()`, point ODOO_URL at `url`, read `calls`."""

    def __init__(
        self,
        *,
        database: str = "uat_fake",
        server_version: str = "19.0",
        admin_login: str = "admin",
        admin_password: str = "admin",
        role_password: str = "Role-Secret-2026",
    ) -> None:
        self.database = database
        self.server_version = server_version
        self.passwords: dict[str, str] = {admin_login: admin_password}
        self.role_password = role_password  # every other user's password
        self.tables: dict[str, list[Row]] = {}
        self.calls: list[RecordedCall] = []
        self.failures: dict[tuple[str, str], OdooFault] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.add("res.users", id=2, login=admin_login, name="Administrator", company_ids=[1])

    # -- configuring ---------------------------------------------------------------------------------

    def add(self, model: str, /, **values: Any) -> int:
        rows = self.tables.setdefault(model, [])
        record_id = int(values.pop("id", 0)) or max((int(row["id"]) for row in rows), default=0) + 1
        row: Row = {"id": record_id, **values}
        row.setdefault("display_name", values.get("name") or values.get("login") or f"{model},{record_id}")
        rows.append(row)
        return record_id

    def set_marker(self, value: str | None) -> None:
        """The UAT marker (system parameter `uat.target`); None removes it."""
        rows = self.tables.setdefault("ir.config_parameter", [])
        rows[:] = [row for row in rows if row.get("key") != MARKER_KEY]
        if value is not None:
            self.add("ir.config_parameter", key=MARKER_KEY, value=value)

    def fail(self, model: str, method: str, odoo_type: str, message: str) -> None:
        """Odoo refuses `model.method` with its exception class (e.g. 'odoo.exceptions.UserError')."""
        self.failures[(model, method)] = OdooFault(odoo_type, message)

    # -- observing -----------------------------------------------------------------------------------

    def model_calls(self, method: str | None = None) -> list[RecordedCall]:
        return [c for c in self.calls if c.service == "object" and (method is None or c.model_method == method)]

    def writes(self) -> list[RecordedCall]:
        return [call for call in self.calls if call.writes]

    def rows(self, model: str) -> list[Row]:
        return self.tables.get(model, [])

    # -- serving -------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake Odoo is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeOdoo:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.odoo = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-odoo", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def respond(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = {"jsonrpc": "2.0", "id": payload.get("id")}
        try:
            with self._lock:
                answer["result"] = self._route(path, payload.get("params") or {})
        except Exception as exc:  # a bug of the fake itself shows as Odoo would show its own
            fault = exc if isinstance(exc, OdooFault) else OdooFault(f"builtins.{type(exc).__name__}", repr(exc))
            answer["error"] = {
                "code": 200,
                "message": "Odoo Server Error",
                "data": {
                    "name": fault.odoo_type,
                    "message": fault.message,
                    "arguments": [fault.message],
                    "context": {},
                    "debug": f"Traceback (most recent call last):\n{fault.odoo_type}: {fault.message}",
                },
            }
        return answer

    # -- Odoo's side ---------------------------------------------------------------------------------

    def _route(self, path: str, params: dict[str, Any]) -> Any:
        if path == "/web/webclient/version_info":
            major, _, minor = self.server_version.partition(".")
            return {
                "server_version": self.server_version,
                "server_version_info": [major, minor, 0, "final", 0, ""],
                "server_serie": self.server_version,
                "protocol_version": 1,
            }
        if path != "/jsonrpc":
            raise OdooFault("werkzeug.exceptions.NotFound", f"404: {path} is not served by the fake Odoo")
        service, method, args = params.get("service"), params.get("method"), list(params.get("args") or [])
        if service == "common" and method == "login":
            database, login, password = args
            self.calls.append(RecordedCall("common", "login", login=str(login)))
            self._require_database(database)
            return self._authenticate(str(login), str(password)) or False
        if service == "object" and method in {"execute", "execute_kw"}:
            database, uid, password, model, model_method, *rest = args
            if method == "execute_kw":
                positional = list(rest[0]) if rest else []
                named = dict(rest[1]) if len(rest) > 1 and rest[1] else {}
            else:
                positional, named = list(rest), {}
            login = self._login_of(int(uid))
            self.calls.append(
                RecordedCall(
                    "object",
                    str(method),
                    login,
                    str(model),
                    str(model_method),
                    tuple(deepcopy(positional)),
                    deepcopy(named),
                )
            )
            self._require_database(database)
            if self._authenticate(login, str(password)) != int(uid):
                raise OdooFault("odoo.exceptions.AccessDenied", "Access Denied")
            return self._call(str(model), str(model_method), positional, named, int(uid))
        raise OdooFault("builtins.AttributeError", f"the fake Odoo has no service {service}.{method}")

    def _require_database(self, database: str) -> None:
        if database != self.database:
            raise OdooFault(
                "psycopg2.OperationalError", f'connection failed: FATAL:  database "{database}" does not exist'
            )

    def _login_of(self, uid: int) -> str:
        return next((str(row["login"]) for row in self.rows("res.users") if row["id"] == uid), "")

    def _authenticate(self, login: str, password: str) -> int | None:
        user = next((row for row in self.rows("res.users") if row.get("login") == login), None)
        if user is None or not user.get("active", True):
            return None
        return int(user["id"]) if password == self.passwords.get(login, self.role_password) else None

    def _call(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any], uid: int) -> Any:
        if (model, method) in self.failures:
            raise self.failures[(model, method)]
        context = dict(kwargs.pop("context", None) or {})
        if method == "create":
            if not args:
                # what Odoo's call_kw does with create's values passed by name over /jsonrpc
                raise OdooFault("builtins.TypeError", "create() missing 1 required positional argument: 'vals_list'")
            values = args[0]
            created = [self.add(model, **dict(vals)) for vals in (values if isinstance(values, list) else [values])]
            return created if isinstance(values, list) else created[0]
        named = dict(zip(_PARAMETERS.get(method, ()), args, strict=False)) | kwargs
        if method == "context_get":
            return {"lang": "en_US", "tz": "UTC", "uid": uid}
        if method in {"search_read", "search", "search_count"}:
            found = self.search_rows(model, named.get("domain") or [], context)
            found = found[int(named.get("offset") or 0) :]
            if named.get("limit"):
                found = found[: int(named["limit"])]
            if method == "search_count":
                return len(found)
            if method == "search":
                return [row["id"] for row in found]
            return [self._fields(row, named.get("fields")) for row in found]
        if method == "read":
            wanted = [int(i) for i in named.get("ids") or []]
            return [self._fields(row, named.get("fields")) for row in self.rows(model) if row["id"] in wanted]
        if method == "write":
            for row in self.rows(model):
                if row["id"] in named["ids"]:
                    row.update(named["vals"])
            return True
        if method == "unlink":
            self.tables[model] = [row for row in self.rows(model) if row["id"] not in named["ids"]]
            return True
        if method == "set_param":
            if named["key"] == MARKER_KEY:
                self.set_marker(str(named["value"]))
            return True
        if method == "fields_get":
            names = {name for row in self.rows(model) for name in row}
            return {name: {"type": "char"} for name in sorted(names)}
        return True  # button_*, action_*, execute...: recorded, and done

    def search_rows(self, model: str, domain: Sequence[Any], context: dict[str, Any]) -> list[Row]:
        rows = self.rows(model)
        if context.get("active_test", True) and not _mentions(domain, "active"):
            rows = [row for row in rows if row.get("active", True)]
        return sorted((row for row in rows if domain_holds(row, domain)), key=lambda row: int(row["id"]))

    @staticmethod
    def _fields(row: Row, fields: Iterable[str] | None) -> Row:
        if not fields:
            return dict(row)
        return {"id": row["id"], **{name: row.get(name, False) for name in fields}}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = json.loads(self.rfile.read(length) or b"{}")
        odoo: FakeOdoo = self.server.odoo  # type: ignore[attr-defined]
        body = json.dumps(odoo.respond(self.path, payload)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # the base class's parameter names
        """Silent: the tests read `FakeOdoo.calls`, not a log."""
