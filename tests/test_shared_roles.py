"""Roles that share a user: one login, one session, each role pinned to its own site's company; segregation rules.

The cast and the session pool are plumbing, so a recording transport stands in for Odoo here; what the roles then
do in Odoo is tested on the real bundled Odoo (tests/live/test_maintenance_purchase_regressions.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fixtures.actors import Cast
from odoo_uat.config import Secret, TargetSettings
from odoo_uat.cycles import requisition_to_receipt as r2r
from odoo_uat.duties import segregation_defeated, shared_login, shared_roles_note
from odoo_uat.errors import ExitCode
from odoo_uat.gateway import ServerVersion, SessionPool, Values
from odoo_uat.profiles import LoadedProfile, load_profile
from odoo_uat.references import ResolvedSite

SITE = """\
code: {code}
name: Site {code}
company: {company}
warehouse: {code}
roles:
  requester:   {{login: {requester}, password_env: SHARED_ROLES_PW}}
  approver:    {{login: {approver}, password_env: SHARED_ROLES_PW}}
  storekeeper: {{login: {storekeeper}, password_env: SHARED_ROLES_PW}}
"""


class RecordingTransport:
    def __init__(self, login: str) -> None:
        self.login = login
        self.uid = 100 + len(login)
        self.server_version = ServerVersion.parse("19.0")
        self.contexts: list[Any] = []

    def call(self, model: str, method: str, ids: list[int] | None, kwargs: Values) -> Any:
        self.contexts.append(kwargs.get("context"))
        return []


def _site(
    tmp_path: Path,
    code: str,
    company_id: int,
    *,
    requester: str = "m.santos",
    approver: str = "j.adeyemi",
    storekeeper: str = "m.santos",
) -> ResolvedSite:
    path = tmp_path / f"{code.lower()}.yaml"
    path.write_text(
        SITE.format(code=code, company="Meridian", requester=requester, approver=approver, storekeeper=storekeeper),
        encoding="utf-8",
    )
    return ResolvedSite(load_profile(path), company_id, "Meridian", company_id * 10)


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> tuple[SessionPool, list[RecordingTransport]]:
    monkeypatch.setenv("SHARED_ROLES_PW", "shared-roles-secret")
    made: list[RecordingTransport] = []

    def factory(settings: TargetSettings, login: str, secret: Secret) -> RecordingTransport:
        made.append(RecordingTransport(login))
        return made[-1]

    settings = TargetSettings(url="http://odoo.test/", database="db", user="admin", password=Secret("admin"))
    return SessionPool(settings, transport_factory=factory), made


def test_two_roles_of_one_user_at_one_site_share_one_session_pinned_to_the_site(
    tmp_path: Path, pool: tuple[SessionPool, list[RecordingTransport]]
) -> None:
    sessions, made = pool
    cast = Cast(sessions, _site(tmp_path, "EAST", 3))

    requester, storekeeper = cast["requester"], cast["storekeeper"]
    requester.gateway.search("purchase.order", [])
    storekeeper.gateway.search("stock.picking", [])

    assert [transport.login for transport in made] == ["m.santos"]  # logged in once for both roles
    assert (requester.role, storekeeper.role) == ("requester", "storekeeper")
    assert requester.login == storekeeper.login == "m.santos"
    assert made[0].contexts == [{"allowed_company_ids": [3]}, {"allowed_company_ids": [3]}]
    assert cast["approver"].login == "j.adeyemi"
    assert [transport.login for transport in made] == ["m.santos", "j.adeyemi"]


def test_one_user_in_roles_at_two_sites_acts_for_each_site_s_company(
    tmp_path: Path, pool: tuple[SessionPool, list[RecordingTransport]]
) -> None:
    sessions, made = pool
    east = Cast(sessions, _site(tmp_path, "EAST", 3))
    west = Cast(sessions, _site(tmp_path, "WEST", 4, requester="m.santos", storekeeper="w.store"))

    east["storekeeper"].gateway.search("stock.picking", [])
    west["requester"].gateway.search("purchase.order", [])
    east["requester"].gateway.search("purchase.order", [])

    assert [transport.login for transport in made] == ["m.santos"]  # one session across both sites
    assert made[0].contexts == [
        {"allowed_company_ids": [3]},
        {"allowed_company_ids": [4]},  # the same session, pinned per call to the acting site's company
        {"allowed_company_ids": [3]},
    ]


def _loaded(tmp_path: Path, **roles: str) -> LoadedProfile:
    return _site(tmp_path, "EAST", 3, **roles).loaded


def test_requester_who_is_also_approver_defeats_the_segregation_test(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, approver=" M.Santos ")

    problem = segregation_defeated(str(loaded.path), loaded.profile, r2r.REQUESTER_IS_NOT_APPROVER)

    assert problem is not None
    assert problem.exit_code == ExitCode.PROFILE
    assert problem.key == "roles.approver"
    assert str(problem) == (
        f"{loaded.path}: roles.approver: site EAST: the requester and the approver are the same user 'm.santos', "
        "which defeats the requisition_to_receipt test that the requester cannot approve the order; name a "
        "different approver for this site"
    )


def test_different_requester_and_approver_keep_the_test(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path)

    assert segregation_defeated(str(loaded.path), loaded.profile, r2r.REQUESTER_IS_NOT_APPROVER) is None
    assert shared_login(loaded.profile, ("requester", "approver")) == ""
    assert shared_login(loaded.profile, ("requester", "nurse")) == ""  # a role the profile lacks


def test_requester_who_receives_her_own_order_is_a_note_not_a_problem(tmp_path: Path) -> None:
    shared = _loaded(tmp_path)
    separate = _loaded(tmp_path, storekeeper="w.store")

    assert shared_roles_note(shared.profile, r2r.REQUESTER_RECEIVES) == (
        "site EAST: m.santos is both the requester and the storekeeper in requisition_to_receipt: the requester "
        "receives her own order (allowed; a segregation-of-duties point for the business owner)"
    )
    assert shared_roles_note(separate.profile, r2r.REQUESTER_RECEIVES) == ""
