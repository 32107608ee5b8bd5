"""Roles that share a user: allowed where a cycle allows it, a defeated test where a cycle tests segregation.

Small teams give one person several roles (a clinic's practice manager who orders and receives), and the
harness works with that: the session pool logs a login in once and every role of that login acts through it.
Where a cycle *tests* segregation of duties (the requester cannot approve her own order), a profile that gives
both roles to one user cannot show it: `uat doctor` says so (exit 11, the profile defeats the test) and the
scenario is blocked with that reason, never passed or failed. Where a cycle allows a shared user but a business
owner wants to know (a requester who receives her own order), doctor warns without failing.

Two roles are "one user" when their logins are equal, ignoring case and surrounding blanks: for segregation the
cautious reading is the right one (two spellings of one e-mail login are one person).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from odoo_uat.errors import ProfileError

if TYPE_CHECKING:  # profiles import the cycle sections, which declare their duties with this module
    from odoo_uat.profiles import SiteProfile


@dataclass(frozen=True)
class SegregatedRoles:
    """Two roles a cycle's scenarios prove are kept apart: one user in both defeats that test."""

    cycle: str
    roles: tuple[str, str]
    tested: str  # what the scenario proves, as the feature file says it


@dataclass(frozen=True)
class SharedRolesNote:
    """Two roles a cycle allows one user to hold, which a business owner should still see named."""

    cycle: str
    roles: tuple[str, str]
    note: str


def _normal(login: str) -> str:
    return login.strip().lower()


def shared_login(profile: SiteProfile, roles: tuple[str, str]) -> str:
    """The login both roles name in this profile, or '' when they differ or either role is absent."""
    first, second = (profile.roles.get(role) for role in roles)
    if first is None or second is None or _normal(first.login) != _normal(second.login):
        return ""
    return first.login


def segregation_defeated(path: str, profile: SiteProfile, rule: SegregatedRoles) -> ProfileError | None:
    """The profile error (exit 11) a run blocks the scenario with, and doctor reports, when one user holds both."""
    login = shared_login(profile, rule.roles)
    if not login:
        return None
    first, second = rule.roles
    return ProfileError(
        path,
        f"roles.{second}",
        f"site {profile.code}: the {first} and the {second} are the same user {login!r}, which defeats the "
        f"{rule.cycle} test that {rule.tested}; name a different {second} for this site",
    )


def shared_roles_note(profile: SiteProfile, note: SharedRolesNote) -> str:
    """The warning for a business owner when one user holds both roles, or ''."""
    login = shared_login(profile, note.roles)
    if not login:
        return ""
    first, second = note.roles
    return f"site {profile.code}: {login} is both the {first} and the {second} in {note.cycle}: {note.note}"
