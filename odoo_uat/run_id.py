"""The run's id, `UAT-<UTC date and time>-<random>`, carried by every record a run creates."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

RUN_ID_PATTERN = re.compile(r"^UAT-\d{8}-\d{6}-[0-9a-f]{4}$")


def new_run_id(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"UAT-{moment}-{secrets.token_hex(2)}"


def is_run_id(value: str) -> bool:
    return bool(RUN_ID_PATTERN.match(value))


def tag(run_id: str, site_code: str, what: str) -> str:
    """A visible label for one record: run, site and what it is, e.g. 'UAT-20261129-013000-ab12/CLINIC/RFQ'."""
    return f"{run_id}/{site_code}/{what}"
