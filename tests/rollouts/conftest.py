"""The second rollout (Meridian Care Partners) on the REAL bundled Odoo 19: a database the harness did not configure.

Collected only when the live bundle is available (`UAT_LIVE=1` with ../shared/odoo19/serve, or
`UAT_LIVE_BUNDLE=/path/to/serve`), like tests/live; otherwise nothing here is collected and the offline suite is
unchanged. The bundle is driven through tests/live/bundle.py (plain Python), not tests/live's fixtures, which
conftest scoping keeps to tests/live.

Fixtures
--------
`meridian` (module) -> `MeridianTarget`: `serve create-db` of a blank database, then `tests.rollouts.meridian.configure`
    as admin with a generated role password; `.database`, `.url`, `.role_password`, `.seconds` (how long the
    configuration took), `.admin` (a `JsonRpc` session as admin). Dropped at the end of the module.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live.bundle import OdooBundle, live_bundle_serve, unique_db_name
from tests.rollouts.meridian import JsonRpc, configure

SERVE_SCRIPT, WHY_NOT_LIVE = live_bundle_serve()  # read before the autouse fixture clears UAT_* variables
ROLLOUTS_DIR = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if SERVE_SCRIPT is None and collection_path.name.startswith("test_"):
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(ROLLOUTS_DIR):
            item.add_marker(pytest.mark.live)


@dataclass(frozen=True)
class MeridianTarget:
    database: str
    url: str
    role_password: str
    seconds: float
    admin: JsonRpc


@pytest.fixture(scope="module")
def meridian() -> Iterator[MeridianTarget]:
    if SERVE_SCRIPT is None:
        pytest.fail(f"the rollout tests need the bundled Odoo: {WHY_NOT_LIVE}", pytrace=False)
    bundle = OdooBundle.locate(SERVE_SCRIPT)
    bundle.ensure_running()
    name = unique_db_name("h7_meridian")
    role_password = secrets.token_urlsafe(18)
    bundle.create_db(name)
    try:
        started = time.monotonic()
        configure(bundle.url, name, "admin", "admin", role_password)
        seconds = time.monotonic() - started
        yield MeridianTarget(name, bundle.url, role_password, seconds, JsonRpc(bundle.url, name, "admin", "admin"))
    finally:
        bundle.drop_db(name)
