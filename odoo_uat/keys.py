"""pytest stash keys shared by the fixtures and the reporting plugin (per-run and per-test state)."""

from __future__ import annotations

import pytest

from odoo_uat.actions.base import Mode
from odoo_uat.gateway import CallCounter
from odoo_uat.profiles import LoadedProfile

RUN_ID = pytest.StashKey[str]()
SELECTED_SITES = pytest.StashKey[list[LoadedProfile]]()
SITE_OF_ITEM = pytest.StashKey[str]()
CALL_COUNTER = pytest.StashKey[CallCounter]()  # the run's RPC round trips, for the per-scenario metrics
MODE_OF_ITEM = pytest.StashKey[Mode]()  # rpc or browser, for the report and readiness
