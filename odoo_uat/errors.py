"""One hierarchy for everything the harness can report, each kind with its own exit code.

The exit codes are documented in the README ("Exit codes"); they are chosen so they never clash with
pytest's own (0-5), which `uat run` passes through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    SCENARIOS_FAILED = 1  # pytest's own code: at least one business expectation broke
    USAGE = 2  # click's code for a malformed command line; pytest's for an interrupted run
    PYTEST_INTERNAL_ERROR = 3  # pytest's own code, passed through by `uat run`
    PYTEST_USAGE = 4  # pytest's own code: the pytest arguments after `--` are wrong
    NO_SCENARIOS = 5  # pytest's own code: nothing was selected
    CONFIGURATION = 10  # target settings missing or malformed (ODOO_URL, environments file)
    PROFILE = 11  # a site profile is broken: YAML, schema, or a reference that does not resolve
    UNKNOWN_SITE = 12  # --site names no profile
    FEATURE = 13  # a feature file does not parse, uses a step the catalogue lacks, or one before what it needs
    UNKNOWN_RUN = 14  # a run id or directory that holds no finished run's results (`uat signoff`)
    ENVIRONMENT = 20  # Odoo does not answer, stopped answering, or timed out: an environment failure
    UNREACHABLE = 20  # the same code under its first name
    AUTHENTICATION = 21  # wrong login, password or API key
    NOT_A_UAT_TARGET = 22  # the database lacks the UAT marker: nothing was written
    MISSING_MODULE = 23  # an Odoo module the cycles need is not installed
    ODOO_ERROR = 24  # Odoo refused a call outside any scenario (doctor, provisioning)
    DOCTOR_FOUND_PROBLEMS = 25  # `uat doctor` ran and found at least one problem
    SNAPSHOT_DIFFERS = 26  # `uat snapshot --compare`: the configuration changed
    HARNESS_ERROR = 30  # the harness itself broke in a scenario (a bug of ours, not a finding about the target)


class UatError(Exception):
    """Base of every error the harness raises on purpose."""

    exit_code: ExitCode = ExitCode.CONFIGURATION

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(UatError):
    exit_code = ExitCode.CONFIGURATION


class ProfileError(UatError):
    """A site profile that cannot be used, named by file, key and problem."""

    exit_code = ExitCode.PROFILE

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        super().__init__(f"{file}: {key}: {problem}")


class ProfileErrors(UatError):
    """Several profile problems at once, so a user fixes them in one pass."""

    exit_code = ExitCode.PROFILE

    def __init__(self, errors: list[ProfileError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


class UnknownSiteError(UatError):
    exit_code = ExitCode.UNKNOWN_SITE


class UnknownRunError(UatError):
    """A run id or directory that holds no finished run's results (no readiness.json): nothing is written."""

    exit_code = ExitCode.UNKNOWN_RUN


class InvalidInput(UatError):
    """A value on the command line that cannot be used as given (a decision, a name): nothing is written."""

    exit_code = ExitCode.USAGE


class FeatureFileError(UatError):
    exit_code = ExitCode.FEATURE


class TargetUnreachable(UatError):
    """Odoo does not answer, stopped answering or timed out: an environment failure, never a finding."""

    exit_code = ExitCode.ENVIRONMENT


class OdooTimeout(TargetUnreachable):
    """A call got no answer within the call timeout (UAT_CALL_TIMEOUT): a hung server."""


class TargetBusy(TargetUnreachable):
    """Another run held what this one needs (a period lock, the escalation check) past the bounded wait: rerun."""


class AuthenticationFailed(UatError):
    exit_code = ExitCode.AUTHENTICATION


class RoleUnavailable(UatError):
    """A role of a site cannot act: it is missing from the profile, its password is unset or its login is refused.

    It blocks the scenarios that need that role at that site (readiness "blocked"), not the whole run; the exit
    code is the cause's (10 configuration, 21 authentication).
    """

    def __init__(self, site: str, role: str, login: str, cause: UatError) -> None:
        self.site = site
        self.role = role
        self.login = login
        self.cause = cause
        self.exit_code = cause.exit_code
        who = f"the {role} ({login})" if login else f"the {role}"
        super().__init__(f"Site {site}: {who} cannot act in this run: {cause}")


class ReadOnlyViolation(UatError):
    """A check tried to change Odoo through a read-only gateway: a bug in the harness, never a site's failure."""

    exit_code = ExitCode.HARNESS_ERROR


class NotAUatTarget(UatError):
    exit_code = ExitCode.NOT_A_UAT_TARGET


class MissingModule(UatError):
    exit_code = ExitCode.MISSING_MODULE


class OdooError(UatError):
    """Odoo refused a call. `odoo_message` is Odoo's own text, kept verbatim."""

    exit_code = ExitCode.ODOO_ERROR

    def __init__(self, odoo_message: str, *, model: str, method: str, odoo_type: str = "") -> None:
        self.odoo_message = odoo_message
        self.model = model
        self.method = method
        self.odoo_type = odoo_type
        super().__init__(f"Odoo refused {model}.{method}: {odoo_message}")


class OdooAccessError(OdooError):
    """The user lacks the rights (odoo.exceptions.AccessError)."""


class OdooUserError(OdooError):
    """A business rule said no (odoo.exceptions.UserError)."""


class OdooValidationError(OdooError):
    """A constraint said no (odoo.exceptions.ValidationError)."""


class OdooMissingRecord(OdooError):
    """The record is gone or invisible (odoo.exceptions.MissingError)."""


@dataclass(frozen=True)
class RecordRef:
    """A record named the way a business reader finds it again: model, id, display name and its URL."""

    model: str
    id: int
    name: str = ""
    url: str = ""

    def __str__(self) -> str:
        label = f"{self.model} #{self.id}"
        if self.name:
            label += f" {self.name!r}"
        if self.url:
            label += f" <{self.url}>"
        return label


@dataclass
class BusinessExpectationFailed(UatError, AssertionError):
    """A scenario's business expectation did not hold in the target.

    It is an AssertionError so pytest reports a failure, not an error; its message is written for the
    business owner who signs the report, not for a developer.
    """

    expectation: str
    site: str
    role: str
    found: str
    record: RecordRef | None = None
    odoo_message: str = ""
    details: dict[str, str] = field(default_factory=dict)

    exit_code = ExitCode.SCENARIOS_FAILED

    def __post_init__(self) -> None:
        UatError.__init__(self, self.render())

    def render(self) -> str:
        lines = [
            f"Business expectation broken: {self.expectation}",
            f"  site:      {self.site}",
            f"  role:      {self.role}",
            f"  record:    {self.record if self.record else '(none created yet)'}",
            f"  found:     {self.found}",
            f"  Odoo said: {self.odoo_message or '(no error from Odoo)'}",
        ]
        lines.extend(f"  {key}: {value}" for key, value in self.details.items())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()
