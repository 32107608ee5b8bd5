"""`uat doctor`: is this target ready for a UAT run of these sites? Read-only.

Checks connectivity and version, the UAT marker, the modules the sites' cycles need, every reference in
every selected profile, that every role a site's cycles act as is in its profile, every role's login, and
that sites of one company agree on per-company settings. The roles a cycle acts as are read from the code:
the roles the steps of its feature files ask the cast for (`odoo_uat.catalogue.roles_by_cycle`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from odoo_uat import config
from odoo_uat.catalogue import roles_by_cycle
from odoo_uat.config import TargetSettings
from odoo_uat.cycles import REQUIRED_MODULES, requisition_to_receipt
from odoo_uat.duties import SegregatedRoles, SharedRolesNote, segregation_defeated, shared_roles_note
from odoo_uat.errors import ExitCode, FeatureFileError, ProfileError, ProfileErrors, UatError
from odoo_uat.gateway import OdooGateway, SessionPool
from odoo_uat.guard import require_uat_target
from odoo_uat.profiles import LoadedProfile, RoleLogin, load_profiles, select_sites
from odoo_uat.references import resolve_site


@dataclass(frozen=True)
class CheckResult:
    check: str
    subject: str
    ok: bool
    detail: str
    exit_code: ExitCode = ExitCode.OK
    warning: bool = False  # ok, but worth a business owner's look (shown WARN, never changes the exit code)


def _attempt(check: str, subject: str, action: Callable[[], str]) -> CheckResult:
    try:
        return CheckResult(check, subject, True, action())
    except UatError as error:
        return CheckResult(check, subject, False, str(error), error.exit_code)


def required_modules(sites: list[LoadedProfile]) -> set[str]:
    modules: set[str] = set()
    for item in sites:
        for name, needed in REQUIRED_MODULES.items():
            if getattr(item.profile, name) is not None:
                modules.update(needed)
    return modules


def company_disagreements(sites: list[LoadedProfile]) -> list[CheckResult]:
    """Odoo keeps some settings per company; two sites of one company cannot expect different values."""
    results = []
    by_company: dict[str, list[LoadedProfile]] = {}
    for item in sites:
        by_company.setdefault(item.profile.company, []).append(item)
    for company, members in sorted(by_company.items()):
        stated: dict[str, dict[str, str]] = {}
        for item in members:
            for section in item.profile.cycle_sections().values():
                for setting, value in section.company_expectations().items():
                    stated.setdefault(setting, {})[item.profile.code] = value
        for setting, by_site in sorted(stated.items()):
            agree = len(set(by_site.values())) == 1
            detail = ", ".join(f"{code}: {value}" for code, value in sorted(by_site.items()))
            results.append(
                CheckResult(
                    "per-company setting",
                    f"{company}: {setting}",
                    agree,
                    detail if agree else f"sites of one company disagree ({detail}); Odoo keeps one value per company",
                    ExitCode.OK if agree else ExitCode.DOCTOR_FOUND_PROBLEMS,
                )
            )
    return results


def cycles_by_role(item: LoadedProfile, cycle_roles: Mapping[str, frozenset[str]]) -> dict[str, list[str]]:
    """The roles this site's cycles act as, each with the cycles that need it."""
    needed: dict[str, list[str]] = {}
    for cycle in item.profile.cycle_sections():
        for role in sorted(cycle_roles.get(cycle, ())):
            needed.setdefault(role, []).append(cycle)
    return needed


def role_checks(
    pool: SessionPool | None, item: LoadedProfile, cycle_roles: Mapping[str, frozenset[str]]
) -> list[CheckResult]:
    """Every role the site's cycles act as is in its profile; every role of the profile logs in (not offline)."""
    code = item.profile.code
    needed = cycles_by_role(item, cycle_roles)
    results = []
    for role in sorted(set(needed) | set(item.profile.roles)):
        cycles = ", ".join(needed.get(role, ())) or "no cycle of this site"
        login = item.profile.roles.get(role)
        if login is None:
            acting = f"cycle {cycles} acts" if len(needed[role]) == 1 else f"cycles {cycles} act"
            results.append(
                CheckResult(
                    "cycle role",
                    f"{code} {role}",
                    False,
                    f"site {code}: {acting} as the {role}, but {item.path} has no roles.{role} "
                    "(add its login and password_env)",
                    ExitCode.PROFILE,
                )
            )
            continue
        if pool is None:
            results.append(CheckResult("cycle role", f"{code} {role}", True, f"{login.login}; acts in {cycles}"))
            continue
        results.append(_attempt("role login", f"{code} {role}", partial(_role_logs_in, pool, login, cycles)))
    return results


# The role pairs each cycle keeps apart (a shared user defeats its test) or allows but names (a warning).
DUTIES_BY_CYCLE: Mapping[str, tuple[SegregatedRoles | SharedRolesNote, ...]] = {
    requisition_to_receipt.CYCLE: requisition_to_receipt.DUTIES,
}


def duty_checks(item: LoadedProfile) -> list[CheckResult]:
    """Roles one user holds in this site's cycles: a defeated segregation test (exit 11), or a warning.

    Exit 11 (PROFILE), as for a role missing from the profile: the profile, not the target, keeps the scenario
    from testing what it says; the run blocks that scenario with the same message.
    """
    results = []
    for cycle in item.profile.cycle_sections():
        for rule in DUTIES_BY_CYCLE.get(cycle, ()):
            subject = f"{item.profile.code} {' = '.join(rule.roles)}"
            if isinstance(rule, SegregatedRoles):
                problem = segregation_defeated(str(item.path), item.profile, rule)
                if problem is not None:
                    results.append(
                        CheckResult("segregation of duties", subject, False, str(problem), problem.exit_code)
                    )
                continue
            note = shared_roles_note(item.profile, rule)
            if note:
                results.append(CheckResult("segregation of duties", subject, True, note, warning=True))
    return results


def _feature_roles(results: list[CheckResult]) -> Mapping[str, frozenset[str]]:
    """The roles each cycle's feature files act as; feature files that do not parse are a doctor problem."""
    try:
        return roles_by_cycle(config.features_dir())
    except FeatureFileError as error:
        results.append(CheckResult("cycle roles", str(config.features_dir()), False, str(error), error.exit_code))
        return {}


def run_offline_doctor(
    directory: Path, codes: Sequence[str], cycle_roles: Mapping[str, frozenset[str]] | None = None
) -> list[CheckResult]:
    """`uat doctor --offline`: every profile's YAML and schema, the roles its cycles need, per-company agreement.

    No Odoo is needed, so a profile drafted from the docs gets its checks before a target exists.
    """
    try:
        sites = select_sites(load_profiles(directory), codes)
    except ProfileErrors as error:
        return [CheckResult("profile", problem.file, False, str(problem), ExitCode.PROFILE) for problem in error.errors]
    results = [CheckResult("profile schema", item.profile.code, True, f"{item.path}: valid") for item in sites]
    results.extend(company_disagreements(sites))
    if cycle_roles is None:
        cycle_roles = _feature_roles(results)
    for item in sites:
        results.extend(role_checks(None, item, cycle_roles))
        results.extend(duty_checks(item))
    return results


def run_doctor(
    settings: TargetSettings,
    sites: list[LoadedProfile],
    pool: SessionPool | None = None,
    cycle_roles: Mapping[str, frozenset[str]] | None = None,
) -> list[CheckResult]:
    pool = pool or SessionPool(settings)
    results: list[CheckResult] = []
    if cycle_roles is None:
        cycle_roles = _feature_roles(results)
    holder: dict[str, OdooGateway] = {}

    def connect() -> str:
        holder["gateway"] = pool.technical()
        return (
            f"{settings.url} database {settings.database}, Odoo {holder['gateway'].server_version.label}, "
            f"as {settings.user} over {settings.transport}"
        )

    results.append(_attempt("connect", "technical user", connect))
    if "gateway" not in holder:
        return results
    gateway = holder["gateway"]

    def marker() -> str:
        require_uat_target(gateway, settings.database)
        return "marked as a UAT target"

    results.append(_attempt("UAT marker", settings.database, marker))
    needed = required_modules(sites)
    installed = gateway.installed_modules(needed)
    for module in sorted(needed):
        ok = module in installed
        results.append(
            CheckResult(
                "module",
                module,
                ok,
                "installed" if ok else "not installed",
                ExitCode.OK if ok else ExitCode.MISSING_MODULE,
            )
        )
    results.extend(company_disagreements(sites))
    for item in sites:
        results.extend(reference_checks(gateway, item))
        results.extend(role_checks(pool, item, cycle_roles))
        results.extend(duty_checks(item))
    return results


def _role_logs_in(pool: SessionPool, login: RoleLogin, cycles: str) -> str:
    user = pool.as_user(login.login, login.secret())
    return f"{login.login} logs in (uid {user.uid}); acts in {cycles}"


def reference_checks(gateway: OdooGateway, item: LoadedProfile) -> list[CheckResult]:
    """Every reference of the profile: one row when all resolve, else one row per broken reference."""
    code = item.profile.code
    try:
        resolved = resolve_site(gateway, item)
    except (ProfileError, ProfileErrors) as error:
        problems = error.errors if isinstance(error, ProfileErrors) else [error]
        return [CheckResult("profile reference", f"{code} {p.key}", False, str(p), ExitCode.PROFILE) for p in problems]
    if not resolved.problems:
        return [CheckResult("profile references", code, True, f"{len(resolved.ids)} references resolve ({item.path})")]
    return [
        CheckResult("profile reference", f"{code} {problem.key}", False, f"{problem} (blocks {part})", ExitCode.PROFILE)
        for part, problems in resolved.problems.items()
        for problem in problems
    ]


def doctor_exit_code(results: list[CheckResult]) -> ExitCode:
    failed = [result for result in results if not result.ok]
    return failed[0].exit_code if failed else ExitCode.OK


def render_table(results: list[CheckResult]) -> str:
    headers = ("", "check", "subject", "detail")
    rows = [("FAIL" if not r.ok else "WARN" if r.warning else "OK ", r.check, r.subject, r.detail) for r in results]
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(3)]
    lines = []
    for row in [headers, *rows]:
        lines.append("  ".join(str(row[i]).ljust(widths[i]) for i in range(3)) + "  " + str(row[3]))
    failed = sum(1 for r in results if not r.ok)
    warned = sum(1 for r in results if r.ok and r.warning)
    warnings = f", {warned} warning{'s' if warned != 1 else ''}" if warned else ""
    lines.append(f"\nchecks: {len(results) - failed} ok, {failed} with a problem{warnings}")
    return "\n".join(lines)
