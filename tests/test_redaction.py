"""Nothing secret leaves a run: redaction where text is made, checked on what a run really writes.

The end-to-end tests run a miniature pytest-bdd project in a subprocess at --log-level=DEBUG, with Allure
results, a JUnit XML and the terminal output, then search every byte of them for each secret in each form.
"""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from odoo_uat.config import Secret
from odoo_uat.errors import BusinessExpectationFailed, OdooUserError
from odoo_uat.profiles import RoleLogin
from odoo_uat.redaction import _RedactingFilter, redact, redact_exception, redact_record, secret_forms

ROLE_SECRET = "Uat-Role-2026!"
API_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UAT_ROLE_PASSWORD", ROLE_SECRET)
    monkeypatch.setenv("ODOO_API_KEY", API_KEY)
    monkeypatch.setenv("ODOO_PASSWORD", "admin-pw")
    monkeypatch.setenv("ODOO_DB", "uat_main")  # not a secret: its value must survive


# -- redact ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("secrets_in_env")
@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        (f"login nsc.requester with {ROLE_SECRET}", "login nsc.requester with ********"),
        (f"key={API_KEY} on uat_main", "key=******** on uat_main"),
        ("Cookie: session_id=5f1c0ffee; frontend_lang=en_US", "Cookie: session_id=********; frontend_lang=en_US"),
        ("Authorization: bearer tok3n-value", "Authorization: bearer ********"),
        ("AUTHORIZATION: Bearer other-token", "AUTHORIZATION: Bearer ********"),
        ('{"login": "admin", "password": "hunter22"}', '{"login": "admin", "password": "********"}'),
        ("database uat_main, admin-pw rejected", "database uat_main, ******** rejected"),
        (f"GET /web/login?password={quote(ROLE_SECRET)}&db=uat_main", "GET /web/login?password=********&db=uat_main"),
    ],
)
def test_redact_removes_secrets_and_keeps_the_rest(text: str, redacted: str) -> None:
    assert redact(text) == redacted


def test_a_secret_in_an_innocently_named_variable_is_removed_once_the_harness_holds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    value = f"Cred-{secrets.token_hex(4)}"
    monkeypatch.setenv("NSC_REQUESTER_CRED", value)  # no PASSWORD/TOKEN/... in the name
    assert redact(f"login with {value}") == f"login with {value}"

    secret = RoleLogin(login="nsc.requester", password_env="NSC_REQUESTER_CRED").secret()

    assert secret.reveal() == value
    assert redact(f"login with {value}") == "login with ********"


def test_every_form_of_a_secret_is_removed() -> None:
    value = 'p"a\\ss w%rd+é/'
    Secret(value)
    forms = [
        value,
        quote(value, safe=""),
        quote_plus(value),
        json.dumps(value)[1:-1],  # JSON, ASCII-escaped
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],  # as a Python list or dict of arguments prints it
    ]
    assert len(set(forms)) == 6  # the value was chosen so that each form differs

    for form in forms:
        assert redact(f"<{form}>") == "<********>", form


def test_short_values_are_not_treated_as_secrets() -> None:
    Secret("abc")

    assert secret_forms("abc") == set()
    assert redact("abc abcd") == "abc abcd"


# -- log records -----------------------------------------------------------------------------------


def test_redacting_log_filter_rewrites_the_formatted_message(secrets_in_env: None) -> None:
    record = logging.LogRecord("odoorpc", logging.DEBUG, __file__, 1, "sent %s to %s", (ROLE_SECRET, "uat_main"), None)

    assert _RedactingFilter().filter(record)
    assert record.getMessage() == "sent ******** to uat_main"


def test_a_child_loggers_record_is_redacted_when_it_is_made() -> None:
    """odoorpc logs execute_kw's arguments on its own logger, which the root logger's filters never see."""
    password = Secret(f"Tech-{secrets.token_hex(6)}").reveal()
    caught: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            caught.append(record)

    child = logging.getLogger("odoorpc.rpc.jsonrpclib.test_redaction")
    handler = Keep()
    child.addHandler(handler)  # a handler on the child: the root logger and its filters are never involved
    child.setLevel(logging.DEBUG)
    try:
        child.debug("(JSON,send) %(url)s %(data)s", {"url": "/jsonrpc", "data": {"args": ["uat", 2, password]}})
        try:
            raise RuntimeError(f"login refused for {password}")
        except RuntimeError:
            child.exception("call failed")
    finally:
        child.removeHandler(handler)

    sent, failed = caught
    assert sent.getMessage() == "(JSON,send) /jsonrpc {'args': ['uat', 2, '********']}"
    assert failed.exc_text is not None
    assert "RuntimeError: login refused for ********" in failed.exc_text
    formatted = "\n".join(logging.Formatter().format(record) for record in caught)
    assert password not in formatted


def test_a_record_whose_arguments_do_not_fit_is_still_redacted() -> None:
    password = Secret(f"Tech-{secrets.token_hex(6)}").reveal()
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s and %s", (password,), None)

    redact_record(record)

    assert password not in record.getMessage()
    assert "did not format" in record.getMessage()


# -- exceptions ------------------------------------------------------------------------------------


def test_a_business_failure_is_redacted_in_place_fields_and_text() -> None:
    key = Secret(secrets.token_hex(20)).reveal()
    error = BusinessExpectationFailed(
        expectation="The requester confirms the RFQ",
        site="CLINIC",
        role="requester (nsc.requester)",
        found=f"Odoo refused the key {key}",
        odoo_message=f"session of {key}",
        details={"header": f"bearer {key}"},
    )

    redact_exception(error)

    assert key not in str(error)
    assert key not in error.render()
    assert error.found == "Odoo refused the key ********"
    assert "The requester confirms the RFQ" in str(error)


def test_an_exception_chain_and_one_that_prints_itself_are_redacted() -> None:
    password = Secret(f"Role-{secrets.token_hex(6)}").reveal()

    class PrintsItsOwnWay(Exception):
        def __init__(self, login: str, password: str) -> None:
            super().__init__(login)
            self.credentials = (login, password)

        def __str__(self) -> str:
            return f"refused {self.credentials[0]}/{self.credentials[1]}"

    cause = PrintsItsOwnWay("nsc.requester", password)
    error = OdooUserError(f"Wrong login or password {password}", model="res.users", method="context_get")
    error.__cause__ = cause

    redact_exception(error)

    assert password not in str(error)
    assert str(cause) == "refused nsc.requester/********"
    assert isinstance(cause, PrintsItsOwnWay)
    assert type(cause).__qualname__.endswith("PrintsItsOwnWay")


# -- a whole run: Allure results, JUnit XML and terminal -------------------------------------------

FEATURE = """\
Feature: Secrets stay in the run
  Scenario: A library logs the technical user's password at debug level
    Given the technical user logs in through odoorpc

  Scenario: A step prints the role password
    Given a step prints the role password

  Scenario: A business expectation breaks with the API key in it
    Given a business expectation breaks with the API key in it

  Scenario: Another exception carries the role password
    Given Odoo refuses a call with the role password in its message
"""

STEPS = """\
import json
import logging
import sys
import warnings
from urllib.parse import quote

import allure
from pytest_bdd import given, scenarios

from odoo_uat.config import Secret, load_target
from odoo_uat.errors import BusinessExpectationFailed, OdooUserError
from odoo_uat.profiles import RoleLogin
from odoo_uat.reporting import attach_text

scenarios("features")
odoorpc_log = logging.getLogger("odoorpc.rpc.jsonrpclib")
CONTROL = "{control}"


def role_password() -> str:
    return RoleLogin(login="nsc.requester", password_env="NSC_REQUESTER_CRED").secret().reveal()


def api_key() -> str:
    return Secret(open("lab-key.txt").read().strip()).reveal()  # the harness holds it: no variable at all


@given("the technical user logs in through odoorpc")
def logs_in() -> None:
    password = load_target().password.reveal()
    odoorpc_log.debug("(JSON,send) %(url)s %(data)s", {{"url": "http://odoo/jsonrpc", "data": {{
        "params": {{"args": ["uat", 2, password, "res.partner", "read", [[1]]]}}}}}})
    odoorpc_log.debug("(JSON,send) body %s", json.dumps({{"params": {{"key": role_password()}}}}))
    odoorpc_log.debug("GET /web/session?p=%s&k=%s", quote(password, safe=""), quote(role_password(), safe=""))
    odoorpc_log.debug("Authorization: bearer %s", api_key())
    odoorpc_log.debug("control %s", CONTROL)
    try:
        raise OdooUserError(f"refused {{password}}", model="res.users", method="read")
    except OdooUserError:
        odoorpc_log.exception("call failed")
    attach_text("what the technical user sent", f"{{password}} {{CONTROL}}")
    allure.dynamic.parameter("sent with", password)  # Allure keeps these in the result JSON itself
    allure.dynamic.description(f"logged in with {{password}}")
    warnings.warn(f"role {{role_password()}} is about to expire")


@given("a step prints the role password")
def prints() -> None:
    print("stdout:", role_password(), CONTROL)
    print("stderr:", api_key(), load_target().password.reveal(), file=sys.stderr)


@given("a business expectation breaks with the API key in it")
def business_failure() -> None:
    key = api_key()
    raise BusinessExpectationFailed(
        expectation="The storekeeper receives the lots",
        site="LAB", role="storekeeper (hdl.storekeeper)",
        found=f"the key {{key}} was refused " + CONTROL, odoo_message=f"session for {{key}}",
    )


@given("Odoo refuses a call with the role password in its message")
def other_exception() -> None:
    secret_here = role_password()  # shown by --showlocals
    try:
        raise ValueError(f"first {{secret_here}}")
    except ValueError as exc:
        raise OdooUserError(f"Access denied for {{secret_here}}", model="res.users", method="read") from exc
"""


def forms_of(value: str) -> set[str]:
    return {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}


def every_text(*roots: Path) -> str:
    return "\n".join(
        path.read_bytes().decode("utf-8", "replace")
        for root in roots
        for path in ([root] if root.is_file() else sorted(root.rglob("*")))
        if path.is_file()
    )


@pytest.mark.parametrize("plugin", ["odoo_uat.reporting", None], ids=["redacted", "without-the-plugin"])
def test_a_debug_run_leaves_no_secret_in_allure_junit_or_terminal(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, plugin: str | None
) -> None:
    """Without the reporting plugin (nothing installs redaction) the same search finds every kind of secret."""
    technical = f'Tech"{secrets.token_hex(4)}\\%+ é'  # escapes differently in URLs, JSON and reprs
    role = f"Role/{secrets.token_hex(4)}&<x>"
    key = secrets.token_hex(20)
    control = f"CONTROL-{secrets.token_hex(8)}"
    monkeypatch.setenv("ODOO_URL", "http://odoo.invalid")
    monkeypatch.setenv("ODOO_DB", "uat")
    monkeypatch.setenv("ODOO_USER", "admin")
    monkeypatch.setenv("ODOO_PASSWORD", technical)
    monkeypatch.setenv("NSC_REQUESTER_CRED", role)  # an innocent name: only the registry knows it is a secret
    pytester.makeconftest(f"pytest_plugins = [{plugin!r}]\n" if plugin else "")
    pytester.makeini("[pytest]\nbdd_features_base_dir = .\n")
    (pytester.mkdir("features") / "secrets.feature").write_text(FEATURE, encoding="utf-8")
    pytester.makepyfile(test_secrets=STEPS.format(control=control))
    (pytester.path / "lab-key.txt").write_text(key, encoding="utf-8")
    junit = pytester.path / "junit.xml"
    allure_dir = pytester.path / "allure-results"

    result = pytester.runpytest_subprocess(
        "-p",
        "no:randomly",
        "--log-level=DEBUG",
        f"--junitxml={junit}",
        f"--alluredir={allure_dir}",
        "-rA",
        "--showlocals",
        "--tb=long",
    )

    result.assert_outcomes(passed=2, failed=2)
    terminal = result.stdout.str() + result.stderr.str()
    written = every_text(allure_dir, junit)
    searched = {name: forms_of(value) for name, value in (("technical", technical), ("role", role), ("key", key))}
    hits = {
        (name, where): sum(text.count(form) for form in forms)
        for name, forms in searched.items()
        for where, text in (("terminal", terminal), ("files", written))
    }
    if plugin is None:  # the search is not blind: each kind of secret is found in the files and on the terminal
        assert all(count > 0 for count in hits.values()), hits
        return
    assert hits == dict.fromkeys(hits, 0)
    # the search finds what is there: the control value went through the same paths as the secrets
    assert control in terminal
    assert control in junit.read_text(encoding="utf-8")
    results = [json.loads(path.read_text()) for path in allure_dir.glob("*-result.json")]
    assert len(results) == 4
    attachments = {path.name: path.read_text(encoding="utf-8") for path in allure_dir.glob("*-attachment*")}
    logs = [text for text in attachments.values() if "(JSON,send)" in text]
    assert logs
    assert all(f"control {control}" in text for text in logs)
    assert any("['uat', 2, '********', 'res.partner', 'read', [[1]]]" in text for text in logs)
    failure = next(entry for entry in results if "business expectation" in entry["name"])
    assert failure["statusDetails"]["message"].startswith(
        "odoo_uat.errors.BusinessExpectationFailed: Business expectation broken: The storekeeper receives the lots"
    )
    assert f"found:     the key ******** was refused {control}" in failure["statusDetails"]["message"]
    other = next(entry for entry in results if "Another exception" in entry["name"])
    assert "Access denied for ********" in other["statusDetails"]["message"]
    assert "Access denied for ********" in json.dumps(other["steps"])  # the failed step's own status details
    logged_in = next(entry for entry in results if "logs the technical" in entry["name"])
    assert {"name": "sent with", "value": "'********'"} in logged_in["parameters"]
    assert logged_in["description"].endswith("logged in with ********")


def test_without_capture_a_print_reaches_the_terminal_redacted(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    role = f"Role-{secrets.token_hex(6)}"
    monkeypatch.setenv("NSC_REQUESTER_CRED", role)
    pytester.makeconftest('pytest_plugins = ["odoo_uat.reporting"]\n')
    pytester.makepyfile(
        test_prints="""
import sys
from odoo_uat.profiles import RoleLogin

def test_prints() -> None:
    secret = RoleLogin(login="nsc.requester", password_env="NSC_REQUESTER_CRED").secret().reveal()
    print("stdout", secret)
    print("stderr", secret, file=sys.stderr)
"""
    )

    result = pytester.runpytest_subprocess("-p", "no:randomly", "-s")

    result.assert_outcomes(passed=1)
    terminal = result.stdout.str() + result.stderr.str()
    assert "stdout ********" in terminal
    assert "stderr ********" in terminal
    assert role not in terminal
