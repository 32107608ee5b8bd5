"""The outcome model: every result of a run is exactly one of these, with one readiness verdict and one exit code.

A business owner signs readiness by site, so a cell must say *why* it is not green:
- `passed`: every business expectation of the cell held;
- `FAILED`: a business expectation broke, or Odoo refused what the role had to do: a finding about the target;
- `environment`: Odoo was unreachable, stopped or timed out: nothing is known about the site, rerun it;
- `blocked`: the cell could not be tested as written: its profile, a role's login or password, a feature step;
- `harness error`: the harness itself broke (a bug of ours): nothing is known about the site.

A run's exit code is the code of its most serious outcome, in this order (README, "Outcomes"):
harness error (30) > environment (20) > blocked (the blocking error's own code: 11 profile, 10 configuration,
13 feature, 21 authentication) > FAILED (1) > passed (0).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from odoo_uat.errors import (
    BusinessExpectationFailed,
    ExitCode,
    OdooError,
    TargetUnreachable,
    UatError,
)


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "FAILED"
    ENVIRONMENT = "environment"
    BLOCKED = "blocked"
    HARNESS_ERROR = "harness error"


# Most serious first: the order in which a cell's (or a run's) outcomes decide its verdict.
SEVERITY: tuple[Outcome, ...] = (
    Outcome.HARNESS_ERROR,
    Outcome.ENVIRONMENT,
    Outcome.BLOCKED,
    Outcome.FAILED,
    Outcome.PASSED,
)


@dataclass(frozen=True)
class Classified:
    """What one exception means for the cell it happened in."""

    outcome: Outcome
    exit_code: ExitCode
    reason: str  # one line for readiness and the report: the key, the role, Odoo's words


def classify(error: BaseException) -> Classified:
    """The outcome an exception raised in a scenario (setup, call or teardown) stands for."""
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    if isinstance(error, BusinessExpectationFailed):
        return Classified(Outcome.FAILED, ExitCode.SCENARIOS_FAILED, first_line)
    if isinstance(error, TargetUnreachable) or _database_down(error):
        return Classified(Outcome.ENVIRONMENT, ExitCode.ENVIRONMENT, first_line)
    if isinstance(error, OdooError):  # Odoo said no to what a role or a check needed: a finding about the target
        return Classified(Outcome.FAILED, ExitCode.SCENARIOS_FAILED, first_line)
    if isinstance(error, UatError) and error.exit_code == ExitCode.HARNESS_ERROR:  # a bug of ours, e.g. a write
        return Classified(Outcome.HARNESS_ERROR, ExitCode.HARNESS_ERROR, f"{type(error).__name__}: {first_line}")
    if isinstance(error, UatError):  # profile, configuration, feature, a role that cannot log in
        return Classified(Outcome.BLOCKED, error.exit_code, first_line)
    if type(error).__name__ == "FixtureLookupError":  # pytest's own (not public): a step needs what none provides
        return Classified(Outcome.BLOCKED, ExitCode.FEATURE, "a step needs what no earlier step provides")
    if isinstance(error, AssertionError):  # a plain assert in a step: still a broken expectation
        return Classified(Outcome.FAILED, ExitCode.SCENARIOS_FAILED, first_line)
    return Classified(Outcome.HARNESS_ERROR, ExitCode.HARNESS_ERROR, f"{type(error).__name__}: {first_line}")


def _database_down(error: BaseException) -> bool:
    """Odoo answered, but its PostgreSQL did not (stopped, restarting, out of connections): an outage, no finding."""
    return isinstance(error, OdooError) and error.odoo_type.startswith(
        ("psycopg2.OperationalError", "psycopg2.Interface")
    )


def most_serious(outcomes: list[Outcome]) -> Outcome:
    return next(outcome for outcome in SEVERITY if outcome in outcomes) if outcomes else Outcome.PASSED


def run_exit_code(results: list[Classified]) -> ExitCode:
    """The exit code of a run whose scenarios ran: the code of its most serious outcome."""
    if not results:
        return ExitCode.OK
    worst = most_serious([result.outcome for result in results])
    if worst is Outcome.PASSED:
        return ExitCode.OK
    return next(result.exit_code for result in results if result.outcome is worst)
