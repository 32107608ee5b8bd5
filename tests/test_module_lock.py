"""Module operations wait while Odoo's scheduler holds its lock (plumbing: a scripted transport, a fake clock).

The real pipeline (tools/pipeline.py) provisions a database seconds after `serve create-db`, when Odoo's
scheduled actions run, which is where the refusal was first seen; these tests pin the waiting rules.
"""

from __future__ import annotations

from typing import Any

import pytest

from odoo_uat.errors import ConfigurationError, OdooError, OdooUserError
from odoo_uat.gateway import CallCounter, OdooGateway, ServerVersion
from odoo_uat.provisioning.module_lock import LIMIT_VARIABLE, ModuleLockWait, held_by_the_scheduler

# Odoo 19's own words (ir_module.py, _button_immediate_function) and PostgreSQL's, as they reach the client
SCHEDULED_ACTION = (
    "Odoo is currently processing a scheduled action.\nModule operations are not possible at this time, "
    "please try again later or contact your system administrator."
)
ROW_LOCK = 'could not obtain lock on row in relation "ir_cron"'


class ScriptedTransport:
    """Answers each call with the next scripted outcome: an exception to raise or a value to return."""

    uid = 2
    server_version = ServerVersion.parse("19.0")

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, str, list[int] | None, dict[str, Any]]] = []

    def call(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> Any:
        self.calls.append((model, method, ids, kwargs))
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.pauses: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def refusal(message: str, odoo_type: str = "odoo.exceptions.UserError") -> OdooError:
    kind = OdooUserError if odoo_type == "odoo.exceptions.UserError" else OdooError
    return kind(message, model="ir.module.module", method="button_immediate_install", odoo_type=odoo_type)


# What the bundled Odoo 19 answered when the user's language was not cached: translating its UserError read
# the user in the transaction the failed NOWAIT lock had aborted.
ABORTED = refusal(
    "current transaction is aborted, commands ignored until end of transaction block",
    "psycopg2.errors.InFailedSqlTransaction",
)


def gateway_over(transport: ScriptedTransport) -> OdooGateway:
    return OdooGateway(transport, login="admin", base_url="http://odoo.test", counter=CallCounter())


def waiting(clock: FakeClock, limit: float = 120.0) -> ModuleLockWait:
    return ModuleLockWait(limit_seconds=limit, sleep=clock.sleep, clock=clock.clock)


def test_an_install_refused_while_a_scheduled_action_runs_is_tried_again_until_odoo_accepts_it() -> None:
    transport = ScriptedTransport(refusal(SCHEDULED_ACTION), ABORTED, refusal(ROW_LOCK), True)
    clock = FakeClock()
    wait = waiting(clock)

    result = wait.call(gateway_over(transport), "ir.module.module", "button_immediate_install", [7, 9])

    assert result is True
    assert [call[:3] for call in transport.calls] == [("ir.module.module", "button_immediate_install", [7, 9])] * 4
    assert clock.pauses == [1.0, 2.0, 4.0]  # short first, then longer
    assert (wait.retries, wait.waited_seconds) == (3, 7.0)


def test_pauses_grow_but_stay_short_enough_to_notice_the_lock_freeing() -> None:
    transport = ScriptedTransport(*[refusal(SCHEDULED_ACTION)] * 7, True)
    clock = FakeClock()

    waiting(clock).call(gateway_over(transport), "ir.module.module", "button_immediate_install", [7])

    assert clock.pauses == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]


def test_a_lock_that_never_frees_ends_in_a_clear_error_within_the_limit() -> None:
    transport = ScriptedTransport(refusal(SCHEDULED_ACTION))
    clock = FakeClock()

    with pytest.raises(OdooError) as raised:
        waiting(clock, limit=30).call(gateway_over(transport), "ir.module.module", "button_immediate_install", [7])

    assert sum(clock.pauses) <= 30
    assert sum(clock.pauses) >= 30 - 8  # it did wait, about as long as allowed
    message = str(raised.value)
    assert message.startswith("Odoo refused ir.module.module.button_immediate_install: still refused after waiting")
    assert f"{LIMIT_VARIABLE}=30" in message
    assert "Odoo is currently processing a scheduled action." in message  # Odoo's own words, kept
    assert raised.value.exit_code == 24


def test_any_other_refusal_is_raised_at_once() -> None:
    transport = ScriptedTransport(refusal("You cannot install this module: dependency missing"), True)
    clock = FakeClock()

    with pytest.raises(OdooUserError, match="dependency missing"):
        waiting(clock).call(gateway_over(transport), "ir.module.module", "button_immediate_install", [7])

    assert clock.pauses == []
    assert len(transport.calls) == 1


def test_a_limit_of_zero_means_no_waiting() -> None:
    transport = ScriptedTransport(refusal(ROW_LOCK), True)
    clock = FakeClock()

    with pytest.raises(OdooError, match="still refused after waiting 0 s"):
        waiting(clock, limit=0).call(gateway_over(transport), "res.config.settings", "execute", [3])

    assert clock.pauses == []


def test_the_named_arguments_and_context_reach_odoo_on_every_try() -> None:
    transport = ScriptedTransport(refusal(SCHEDULED_ACTION), True)
    gateway = gateway_over(transport).for_company(3)

    waiting(FakeClock()).call(
        gateway, "account.chart.template", "try_loading", [], template_code="generic_coa", company=3
    )

    first, second = transport.calls
    assert first == second
    assert first[3] == {"template_code": "generic_coa", "company": 3, "context": {"allowed_company_ids": [3]}}


@pytest.mark.parametrize(
    ("message", "odoo_type", "held"),
    [
        (SCHEDULED_ACTION, "odoo.exceptions.UserError", True),
        (ROW_LOCK, "psycopg2.errors.LockNotAvailable", True),
        ("could not obtain lock on row in relation ir_cron", "odoo.exceptions.UserError", True),
        (ABORTED.odoo_message, ABORTED.odoo_type, True),
        ("Odoo is currently processing another module operation.\nPlease try again later", "", True),
        ("You cannot install this module", "odoo.exceptions.UserError", False),
        ("Access Denied", "odoo.exceptions.AccessDenied", False),
    ],
)
def test_only_the_schedulers_lock_counts_as_a_reason_to_wait(message: str, odoo_type: str, held: bool) -> None:
    assert held_by_the_scheduler(refusal(message, odoo_type)) is held


def test_the_limit_comes_from_the_environment() -> None:
    assert ModuleLockWait.from_environ({}).limit_seconds == 120
    assert ModuleLockWait.from_environ({LIMIT_VARIABLE: "45"}).limit_seconds == 45
    for bad in ("soon", "-1"):
        with pytest.raises(ConfigurationError, match=LIMIT_VARIABLE):
            ModuleLockWait.from_environ({LIMIT_VARIABLE: bad})
