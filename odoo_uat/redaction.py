"""Secrets never leave a run: passwords, API keys, session cookies and bearer tokens are removed where text is made.

Two sources say what a secret is:
- the registry: every `config.Secret` registers its value when it is made (the technical user's password or
  API key, each role's password from its profile's variable, whatever the variable is called);
- the environment: values of variables whose names contain PASSWORD, API_KEY, TOKEN or SECRET.
Each value is removed as written and in its URL-encoded, JSON-escaped and Python-repr forms. Values shorter
than four characters are not treated as secrets: they would blank out ordinary words.

`redact` is applied to every text the harness writes itself (attachments, failure messages). `install_redaction`
(called from the reporting plugin's pytest_configure) removes secrets where pytest and its plugins make text:
- log records, as they are created (a LogRecord factory), so every handler sees the redacted message: pytest's
  capture (the Allure `log` attachment, the JUnit XML, the terminal) as much as any other;
- each test report (failure text, crash message, captured stdout/stderr/log sections), before Allure, the
  JUnit XML and the terminal read it; the exception itself too, since Allure's `statusDetails.message` is the
  exception's own text;
- every Allure test result (names, parameters, status details of the scenario and of each step) just before
  Allure stores it, and everything the terminal writer prints.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Generator, Iterable
from typing import IO, TYPE_CHECKING, Any, cast
from urllib.parse import quote, quote_plus

import pluggy

if TYPE_CHECKING:
    import pytest

MASK = "********"
MIN_SECRET_LENGTH = 4
_SECRET_ENV_HINTS = ("PASSWORD", "API_KEY", "APIKEY", "TOKEN", "SECRET")
_pytest_hook = pluggy.HookimplMarker("pytest")
_allure_hook = pluggy.HookimplMarker("allure")

# -- what a secret is ------------------------------------------------------------------------------

# Secrets recognised by what precedes them, each with the words that must be in the text for it to apply:
# a lower-cased `in` test is ten times cheaper than running the case-insensitive pattern on every log record.
_SECRET_PATTERNS = [
    (("session_id",), re.compile(r"(session_id=)[^;\s\"']+", re.IGNORECASE)),
    (("bearer",), re.compile(r"(authorization:\s*bearer\s+)\S+", re.IGNORECASE)),
    (
        ("passw", "api_key", "apikey", "token"),
        re.compile(
            r"([\"']?(?:password|passwd|api_key|apikey|token)[\"']?\s*[:=]\s*[\"']?)[^\"',\s}&]+", re.IGNORECASE
        ),
    ),
]


def secret_forms(value: str) -> set[str]:
    """The ways a secret shows up in text: as is, URL-encoded, JSON-escaped and as Python prints it in a repr."""
    if len(value) < MIN_SECRET_LENGTH:
        return set()
    return {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value, safe=""),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
    }


class _Secrets:
    """The registered secrets and the environment's, as one list of forms, longest first.

    Redaction runs on every log record, so the list is rebuilt only when a secret is registered or the
    environment changed (a dict comparison, well under a microsecond), never per call.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._registered: set[str] = set()
        self._environ_seen: dict[Any, Any] | None = None
        self._from_environ: set[str] = set()
        self._forms: tuple[str, ...] = ()
        self._stale = True

    def register(self, value: str) -> None:
        forms = secret_forms(value)
        if forms <= self._registered:
            return
        with self._lock:
            self._registered |= forms
            self._stale = True

    def registered(self) -> frozenset[str]:
        return frozenset(self._registered)

    def restore(self, registered: frozenset[str]) -> None:
        """Back to an earlier `registered()`: the harness's own tests make secrets by the hundred, and one
        test's "admin" must not blank the next test's text."""
        with self._lock:
            self._registered = set(registered)
            self._stale = True

    def forms(self) -> tuple[str, ...]:
        environ = _raw_environ()
        if self._stale or environ != self._environ_seen:
            with self._lock:
                if environ != self._environ_seen:
                    self._environ_seen = dict(environ)
                    self._from_environ = set().union(*(secret_forms(value) for value in _hinted_env_values()))
                self._forms = tuple(sorted(self._registered | self._from_environ, key=len, reverse=True))
                self._stale = False
        return self._forms


def _raw_environ() -> dict[Any, Any]:
    """os.environ's own dict (bytes on POSIX): comparing it is what makes the per-record check cheap."""
    data = getattr(os.environ, "_data", None)
    return data if isinstance(data, dict) else dict(os.environ)


def _hinted_env_values() -> list[str]:
    return [
        value for name, value in os.environ.items() if value and any(hint in name.upper() for hint in _SECRET_ENV_HINTS)
    ]


SECRETS = _Secrets()


def register_secret(value: str) -> None:
    """Remember a secret the harness holds, so it is removed from any text even if its variable's name is innocent."""
    SECRETS.register(value)


def redact(text: str) -> str:
    for form in SECRETS.forms():
        if form in text:
            text = text.replace(form, MASK)
    lowered = text.lower()
    for hints, pattern in _SECRET_PATTERNS:
        if any(hint in lowered for hint in hints):
            text = pattern.sub(_keep_prefix, text)
    return text


def _keep_prefix(match: re.Match[str]) -> str:
    return match.group(1) + MASK


# -- log records -----------------------------------------------------------------------------------

_REDACTED = "_uat_redacted"
_EXCEPTION_FORMATTER = logging.Formatter()


def redact_record(record: logging.LogRecord) -> None:
    """Replace the record's message, arguments, exception and stack text by their redacted form (once)."""
    if getattr(record, _REDACTED, False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a record whose arguments do not fit its format: logging would print both raw
        message = f"{record.msg} (log arguments that did not format: {record.args!r})"
    record.msg = redact(message)
    record.args = ()
    if record.exc_info and not record.exc_text:
        record.exc_text = _EXCEPTION_FORMATTER.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    setattr(record, _REDACTED, True)


class _RedactingFilter(logging.Filter):
    """For handlers that receive records not made by the factory (logging.makeLogRecord, other processes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


class _RedactingRecordFactory:
    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = cast(logging.LogRecord, self.wrapped(*args, **kwargs))
        redact_record(record)
        return record


def _install_record_factory() -> _RedactingRecordFactory | None:
    current = logging.getLogRecordFactory()
    if isinstance(current, _RedactingRecordFactory):
        return None
    factory = _RedactingRecordFactory(current)
    logging.setLogRecordFactory(factory)
    return factory


def _filter_handlers(handlers: Iterable[logging.Handler | None]) -> None:
    for handler in handlers:
        if handler is not None and not any(isinstance(f, _RedactingFilter) for f in handler.filters):
            handler.addFilter(_RedactingFilter())


# -- exceptions and pytest reports -----------------------------------------------------------------


def redact_exception(error: BaseException) -> None:
    """Redact an exception in place (its chain too): Allure's statusDetails.message is `str(error)`."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        _redact_one_exception(current)
        pending.extend([current.__cause__, current.__context__])
        pending.extend(getattr(current, "exceptions", None) or [])


def _redact_one_exception(error: BaseException) -> None:
    text = _text_of(error)
    notes = getattr(error, "__notes__", None)
    if redact(text) == text and not (isinstance(notes, list) and any(redact(str(n)) != str(n) for n in notes)):
        return
    with contextlib.suppress(AttributeError, TypeError):  # an exception type refusing new args
        error.args = tuple(_redacted_value(arg) for arg in error.args)
    for name, value in list(vars(error).items()):
        if name.startswith("__") or callable(value):
            continue
        redacted = _redacted_value(value)
        if redacted is not value:
            with contextlib.suppress(AttributeError, TypeError):  # a read-only attribute
                object.__setattr__(error, name, redacted)
    still = _text_of(error)
    if redact(still) != still:
        # Its text comes from something we cannot reach: it prints the redacted text from now on.
        _print_as(error, redact(still))


def _text_of(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:  # pragma: no cover - an exception that cannot print itself
        return ""


def _print_as(error: BaseException, text: str) -> None:
    original = type(error)
    namespace = {
        "__str__": lambda self: text,
        "__module__": original.__module__,
        "__qualname__": original.__qualname__,
    }
    with contextlib.suppress(TypeError):  # builtin layouts refuse; its args are redacted already
        error.__class__ = type(original.__name__, (original,), namespace)


def _redacted_value(value: Any) -> Any:
    """A redacted copy of a text or a container of texts; other values (and clean ones) come back as they are."""
    if isinstance(value, str):
        redacted = redact(value)
        return value if redacted == value else redacted
    if isinstance(value, list | tuple):
        items = [_redacted_value(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items) if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        entries = {key: _redacted_value(item) for key, item in value.items()}
        if all(entries[key] is value[key] for key in value):
            return value
        return entries
    return value


def _redact_repr(node: Any, seen: set[int]) -> None:
    """Redact, in place, every text of pytest's failure representation (ExceptionChainRepr, ReprEntry, ...)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, list):
        for index, item in enumerate(node):
            node[index] = _redact_repr_value(item, seen)
    elif type(node).__module__.startswith("_pytest") and hasattr(node, "__dict__"):
        for name, value in list(vars(node).items()):
            redacted = _redact_repr_value(value, seen)
            if redacted is not value:
                setattr(node, name, redacted)


def _redact_repr_value(value: Any, seen: set[int]) -> Any:
    if isinstance(value, str | dict):
        return _redacted_value(value)
    if isinstance(value, tuple):
        items = tuple(_redact_repr_value(item, seen) for item in value)
        return value if all(new is old for new, old in zip(items, value, strict=True)) else items
    _redact_repr(value, seen)
    return value


def redact_report(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Redact what pytest, the JUnit XML, Allure and the terminal read from a report."""
    report.sections = [(title, redact(content)) for title, content in report.sections]
    longrepr = report.longrepr
    if isinstance(longrepr, str):
        report.longrepr = redact(longrepr)
    elif isinstance(longrepr, tuple):
        path, line, reason = longrepr
        report.longrepr = (path, line, redact(reason))
    elif longrepr is not None:
        text = str(longrepr)
        if redact(text) != text:
            _redact_repr(longrepr, set())
            after = str(longrepr)
            if redact(after) != after:  # a representation we could not walk: it becomes its redacted text
                report.longrepr = redact(text)
    wasxfail = getattr(report, "wasxfail", None)
    if isinstance(wasxfail, str):
        report.wasxfail = redact(wasxfail)  # type: ignore[union-attr]
    properties = getattr(report, "user_properties", None)
    if properties:
        report.user_properties = [(name, _redacted_value(value)) for name, value in properties]  # type: ignore[union-attr]


def _redact_allure_item(node: Any, seen: set[int]) -> None:
    """Every text of an Allure result (names, parameters, status details, steps) before Allure writes it."""
    if id(node) in seen or not type(node).__module__.startswith("allure_commons"):
        return
    seen.add(id(node))
    for name, value in list(vars(node).items()):
        if isinstance(value, str):
            redacted = redact(value)
            if redacted != value:
                setattr(node, name, redacted)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    value[index] = redact(item)
                else:
                    _redact_allure_item(item, seen)
        else:
            _redact_allure_item(value, seen)


# -- the plugins -----------------------------------------------------------------------------------


class _PytestRedaction:
    @_pytest_hook(wrapper=True, trylast=True)  # innermost: Allure's and the JUnit XML's hooks see the redacted report
    def pytest_runtest_makereport(
        self, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.excinfo is not None:
            redact_exception(call.excinfo.value)
        redact_report(report)
        return report

    @_pytest_hook(wrapper=True, trylast=True)
    def pytest_make_collect_report(self) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        report = yield
        redact_report(report)
        return report

    @_pytest_hook(tryfirst=True, optionalhook=True)  # before allure-pytest-bdd stores the failed step's message
    def pytest_bdd_step_error(self, exception: BaseException) -> None:
        redact_exception(exception)


class _AllureRedaction:
    @_allure_hook(tryfirst=True)
    def report_result(self, result: Any) -> None:
        _redact_allure_item(result, set())

    @_allure_hook(tryfirst=True)
    def report_container(self, container: Any) -> None:
        _redact_allure_item(container, set())


class _RedactingStream:
    """A text stream that redacts what is written to it (the terminal writer's, or stdout without capture)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def install_redaction(config: pytest.Config) -> None:
    """Redact at every source of text of this pytest run; undone when the run's config is cleaned up."""
    factory = _install_record_factory()
    if factory is not None:
        config.add_cleanup(lambda: _uninstall_record_factory(factory))
    logging_plugin = config.pluginmanager.get_plugin("logging-plugin")
    _filter_handlers(logging.getLogger().handlers)
    _filter_handlers(
        getattr(logging_plugin, name, None)
        for name in ("caplog_handler", "report_handler", "log_file_handler", "log_cli_handler")
    )
    plugin = _PytestRedaction()
    config.pluginmanager.register(plugin, f"odoo_uat.redaction-{id(config)}")
    _redact_allure_results(config)
    _redact_terminal(config)


def _uninstall_record_factory(factory: _RedactingRecordFactory) -> None:
    if logging.getLogRecordFactory() is factory:
        logging.setLogRecordFactory(factory.wrapped)


def _redact_allure_results(config: pytest.Config) -> None:
    try:
        import allure_commons
    except ImportError:  # pragma: no cover - allure is a dependency of the harness
        return
    plugin = _AllureRedaction()
    name = f"odoo_uat.redaction-{id(config)}"
    allure_commons.plugin_manager.register(plugin, name)
    config.add_cleanup(lambda: allure_commons.plugin_manager.unregister(name=name))


def _redact_terminal(config: pytest.Config) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    writer = getattr(reporter, "_tw", None)
    if writer is not None and not isinstance(writer._file, _RedactingStream):
        writer._file = _RedactingStream(writer._file)
    if config.getoption("capture", None) == "no":  # nothing captures a step's print: it goes straight out
        original_out, original_err = sys.stdout, sys.stderr
        sys.stdout = cast(IO[str], _RedactingStream(original_out))
        sys.stderr = cast(IO[str], _RedactingStream(original_err))

        def restore() -> None:
            sys.stdout, sys.stderr = original_out, original_err

        config.add_cleanup(restore)
