"""Site profiles: one YAML file per site, validated by pydantic, errors named by file, key and problem.

A profile references the target's existing configuration by natural keys (warehouse code, location full
name, product internal reference, ...). `odoo_uat.references` resolves them against Odoo.
Each cycle's section lives in its own module under `odoo_uat.cycles`; this module assembles them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from odoo_uat.config import Secret
from odoo_uat.cycles.helpdesk_escalation import HelpdeskEscalationProfile
from odoo_uat.cycles.month_end_close import MonthEndCloseProfile
from odoo_uat.cycles.preventive_maintenance import PreventiveMaintenanceProfile
from odoo_uat.cycles.requisition_to_receipt import RequisitionToReceiptProfile
from odoo_uat.cycles.transfer_to_consumption import TransferToConsumptionProfile
from odoo_uat.errors import ConfigurationError, ProfileError, ProfileErrors, UnknownSiteError
from odoo_uat.schema import CycleProfile, Strict
from odoo_uat.scorecard.expectations import DataQualityProfile

ROLE_NAMES = (
    "requester",
    "approver",
    "storekeeper",
    "nurse",
    "technician",
    "helpdesk_agent",
    "helpdesk_lead",
    "accountant",
)


# A process owner's role is part of an approval file's name (odoo_uat/signoff/approvals.py): a plain word.
PROCESS_OWNER_ROLE = re.compile(r"[a-z][a-z0-9_-]{0,39}")


class RoleLogin(Strict):
    """Who does a role's work. The password is never in the YAML: only the name of the variable holding it."""

    login: str = Field(min_length=1)
    password_env: str = Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    def secret(self) -> Secret:
        value = os.environ.get(self.password_env, "")
        if not value:
            raise ConfigurationError(
                f"The password of {self.login!r} is read from ${self.password_env}, which is not set"
            )
        return Secret(value)


class SiteProfile(Strict):
    code: str = Field(min_length=1, max_length=16, pattern=r"^[A-Z0-9_-]+$")
    name: str = Field(min_length=1)
    company: str = Field(min_length=1, description="res.company name")
    warehouse: str = Field(min_length=1, description="stock.warehouse code (short name)")
    roles: dict[str, RoleLogin]
    requisition_to_receipt: RequisitionToReceiptProfile | None = None
    transfer_to_consumption: TransferToConsumptionProfile | None = None
    preventive_maintenance: PreventiveMaintenanceProfile | None = None
    helpdesk_escalation: HelpdeskEscalationProfile | None = None
    month_end_close: MonthEndCloseProfile | None = None
    # What the site's master data must be like, for `uat readiness` (odoo_uat/scorecard/expectations.py); all
    # optional: without it every data-quality rule applies with its defaults.
    data_quality: DataQualityProfile | None = None
    # Who signs the site off, by process owner role: {procurement: "Name", finance: "Name"} (README, "Sign-off"). A
    # site's go-live verdict needs a valid approval from each person named here; none named: no verdict can be given.
    process_owners: dict[str, str] = Field(default_factory=dict)
    # Names a feature file may use for this site's records, by kind: {"location": {"second ward": "NSC/Ward B"}}
    # (see odoo_uat/language.py): one feature line then means each site's own record.
    names: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("names")
    @classmethod
    def _known_kinds(cls, names: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        from odoo_uat.language import KINDS  # imported here: the language module reads resolved profiles

        nouns = [kind.noun for kind in KINDS]
        unknown = sorted(set(names) - set(nouns))
        if unknown:
            raise ValueError(f"unknown kind(s) {', '.join(unknown)}; a name is given to a {', '.join(nouns)}")
        return names

    @field_validator("process_owners")
    @classmethod
    def _owners_named(cls, owners: dict[str, str]) -> dict[str, str]:
        for role, person in owners.items():
            if not PROCESS_OWNER_ROLE.fullmatch(role):
                raise ValueError(f"process owner role {role!r}: lower case letters, digits, _ or - (e.g. procurement)")
            if not person.strip():
                raise ValueError(f"process owner {role!r}: name the person who signs")
        return owners

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: dict[str, RoleLogin]) -> dict[str, RoleLogin]:
        unknown = sorted(set(roles) - set(ROLE_NAMES))
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLE_NAMES)}")
        return roles

    def cycle_sections(self) -> dict[str, CycleProfile]:
        """The cycle sections this site has, by cycle name."""
        sections: dict[str, CycleProfile | None] = {
            "requisition_to_receipt": self.requisition_to_receipt,
            "transfer_to_consumption": self.transfer_to_consumption,
            "preventive_maintenance": self.preventive_maintenance,
            "helpdesk_escalation": self.helpdesk_escalation,
            "month_end_close": self.month_end_close,
        }
        return {name: section for name, section in sections.items() if section is not None}

    def role(self, name: str) -> RoleLogin:
        try:
            return self.roles[name]
        except KeyError:
            raise ConfigurationError(
                f"Site {self.code} has no {name!r} role in its profile (roles: {', '.join(sorted(self.roles))})"
            ) from None


class LoadedProfile(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    path: Path
    profile: SiteProfile


def _key_path(location: Iterable[Any]) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def load_profile(path: Path) -> LoadedProfile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(str(path), "(file)", f"cannot be read: {exc.strerror}") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ProfileError(str(path), where, f"not valid YAML: {problem}") from exc
    if not isinstance(document, dict):
        raise ProfileError(str(path), "(top level)", "expected a mapping of keys (code, name, company, ...)")
    try:
        profile = SiteProfile.model_validate(document)
    except ValidationError as exc:
        raise ProfileErrors(
            [ProfileError(str(path), _key_path(error["loc"]), _problem(error)) for error in exc.errors()]
        ) from exc
    return LoadedProfile(path=path, profile=profile)


def _problem(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known key (a typo?)"
    if kind == "value_error":  # our own validators' messages already say what was wrong
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return f"{error.get('msg', 'invalid')} (got {error.get('input')!r})" if "input" in error else error["msg"]


def load_profiles(directory: Path) -> list[LoadedProfile]:
    """Every *.yaml under the sites directory; all problems are collected before raising."""
    if not directory.is_dir():
        raise ConfigurationError(f"The sites directory {directory} does not exist (set --sites-dir or UAT_SITES_DIR)")
    loaded: list[LoadedProfile] = []
    problems: list[ProfileError] = []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        try:
            loaded.append(load_profile(path))
        except ProfileErrors as exc:
            problems.extend(exc.errors)
        except ProfileError as exc:
            problems.append(exc)
    seen: dict[str, Path] = {}
    for item in loaded:
        code = item.profile.code
        if code in seen:
            problems.append(ProfileError(str(item.path), "code", f"{code!r} is also the code in {seen[code]}"))
        seen[code] = item.path
    if problems:
        raise ProfileErrors(problems)
    if not loaded:
        raise ConfigurationError(f"No site profiles (*.yaml) in {directory}")
    return loaded


def select_sites(profiles: list[LoadedProfile], codes: Iterable[str]) -> list[LoadedProfile]:
    """The sites asked for with --site, all by default; an unknown code is its own error."""
    wanted = [code.upper() for code in codes]
    if not wanted:
        return profiles
    by_code = {item.profile.code: item for item in profiles}
    unknown = [code for code in wanted if code not in by_code]
    if unknown:
        raise UnknownSiteError(
            f"Unknown site(s) {', '.join(unknown)}; the profiles define {', '.join(sorted(by_code))}"
        )
    return [by_code[code] for code in dict.fromkeys(wanted)]
