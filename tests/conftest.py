"""The harness's own tests: no Odoo anywhere. A fake Odoo JSON-RPC server stands in where one is needed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from odoo_uat.redaction import SECRETS
from tests.fake_odoo import FakeOdoo
from tests.support import CLINIC_PROFILE, ROLE_PASSWORD, seed_reference_rollout

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def no_real_target(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the developer's shell exports, no test may reach a real Odoo or write real reports."""
    for name in list(os.environ):
        if name.startswith(("ODOO_", "UAT_")):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def secrets_forgotten_after_each_test() -> Iterator[None]:
    """A Secret("admin") a test makes is registered for redaction process-wide: forget it after the test."""
    before = SECRETS.registered()
    yield
    SECRETS.restore(before)


@pytest.fixture
def fake_odoo() -> Iterator[FakeOdoo]:
    """A marked, provisioned fake Odoo 19 on a random port of 127.0.0.1."""
    odoo = seed_reference_rollout(FakeOdoo(role_password=ROLE_PASSWORD)).start()
    yield odoo
    odoo.stop()


@pytest.fixture
def sites_dir(tmp_path: Path) -> Path:
    """A sites directory holding CLINIC_PROFILE (warehouse NSC); tests rewrite it to break it."""
    directory = tmp_path / "sites"
    directory.mkdir()
    (directory / "clinic.yaml").write_text(CLINIC_PROFILE.format(warehouse="NSC"), encoding="utf-8")
    return directory


@pytest.fixture
def reports_dir(tmp_path: Path) -> Path:
    return tmp_path / "reports"
