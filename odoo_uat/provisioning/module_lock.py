"""Module operations that wait while Odoo's scheduler holds its lock, as Odoo's own UI asks a person to.

On a new database the scheduled actions run within seconds, and while one runs Odoo refuses module
operations (`button_immediate_install`, loading a chart, applying settings that install a module). Odoo 19
takes `SELECT FROM ir_cron FOR UPDATE NOWAIT` first; when that fails the client gets one of:
- "Odoo is currently processing a scheduled action" (a UserError), when the user's language is cached;
- psycopg2's InFailedSqlTransaction ("current transaction is aborted"), when it is not: translating the
  UserError's text reads the user in the transaction the failed lock aborted (seen on the bundled Odoo 19);
- PostgreSQL's LockNotAvailable, "could not obtain lock on row in relation "ir_cron"".
The refusal changes nothing (Odoo resets the modules' state), so the operation is simply tried again, for at
most `UAT_MODULE_LOCK_WAIT` seconds (120 by default), and then stops with a clear message.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from odoo_uat.errors import ConfigurationError, OdooError
from odoo_uat.gateway import OdooGateway

logger = logging.getLogger(__name__)

DEFAULT_LIMIT_SECONDS = 120.0
LIMIT_VARIABLE = "UAT_MODULE_LOCK_WAIT"
# Odoo's words (odoo/addons/base/models/ir_module.py, _button_immediate_function) and PostgreSQL's.
HELD_BY_THE_SCHEDULER = (
    'could not obtain lock on row in relation "ir_cron"',
    "could not obtain lock on row in relation ir_cron",
    "currently processing a scheduled action",
    "currently processing another module operation",
)
FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 8.0


# A module operation's transaction ends this way only when one of its NOWAIT locks failed (see above).
LOCK_ERROR_TYPES = ("psycopg2.errors.LockNotAvailable", "psycopg2.errors.InFailedSqlTransaction")


def held_by_the_scheduler(error: OdooError) -> bool:
    """Odoo refused a module operation because a scheduled action (or another module operation) holds its lock."""
    text = error.odoo_message.lower()
    return error.odoo_type in LOCK_ERROR_TYPES or any(sign.lower() in text for sign in HELD_BY_THE_SCHEDULER)


@dataclass
class ModuleLockWait:
    """How long module operations wait for the scheduler, and how long they did wait (for the summary)."""

    limit_seconds: float = DEFAULT_LIMIT_SECONDS
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    waited_seconds: float = 0.0
    retries: int = 0

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ModuleLockWait:
        raw = (os.environ if environ is None else environ).get(LIMIT_VARIABLE, "").strip()
        if not raw:
            return cls()
        try:
            limit = float(raw)
        except ValueError:
            limit = -1.0
        if limit < 0:
            raise ConfigurationError(f"${LIMIT_VARIABLE} must be a number of seconds (0 or more), not {raw!r}")
        return cls(limit_seconds=limit)

    def call(
        self, gateway: OdooGateway, model: str, method: str, ids: Sequence[int] | None = None, **kwargs: Any
    ) -> Any:
        """`gateway.call(...)`, tried again while the scheduler holds the lock, up to `limit_seconds` in all."""
        started = self.clock()
        pause = FIRST_PAUSE_SECONDS
        while True:
            try:
                return gateway.call(model, method, ids, **kwargs)
            except OdooError as error:
                if not held_by_the_scheduler(error):
                    raise
                elapsed = self.clock() - started
                if elapsed + pause > self.limit_seconds:
                    raise OdooError(
                        f"still refused after waiting {elapsed:.0f} s for a scheduled action to finish "
                        f"({LIMIT_VARIABLE}={self.limit_seconds:g}); Odoo said: {error.odoo_message}. "
                        "Look for a scheduled action that never ends (Settings > Technical > Scheduled "
                        f"Actions), or raise ${LIMIT_VARIABLE}",
                        model=model,
                        method=method,
                        odoo_type=error.odoo_type,
                    ) from error
                logger.warning(
                    "%s.%s: a scheduled action holds Odoo's lock; trying again in %.0f s (waited %.0f s of %g)",
                    model,
                    method,
                    pause,
                    elapsed,
                    self.limit_seconds,
                )
                self.sleep(pause)
                self.waited_seconds += pause
                self.retries += 1
                pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
