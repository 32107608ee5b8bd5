"""Secrets never leave a run: passwords, API keys, session cookies and bearer tokens are removed where text is made.

`redact` is applied to every text the harness produces (attachments, failure messages); `install_redaction`
puts a filter on every logging handler, pytest's capture included, so a library's debug log cannot carry one.
"""

from __future__ import annotations

import logging
import os
import re

import pytest

_SECRET_ENV_HINTS = ("PASSWORD", "API_KEY", "APIKEY", "TOKEN", "SECRET")
_SECRET_PATTERNS = [
    re.compile(r"(session_id=)[^;\s\"']+", re.IGNORECASE),
    re.compile(r"(authorization:\s*bearer\s+)\S+", re.IGNORECASE),
    re.compile(r"([\"']?(?:password|passwd|api_key|apikey|token)[\"']?\s*[:=]\s*[\"']?)[^\"',\s}]+", re.IGNORECASE),
]


def _secret_values() -> list[str]:
    """Values of every environment variable that looks like it holds a secret (role passwords included)."""
    values = {
        value
        for name, value in os.environ.items()
        if value and len(value) >= 4 and any(hint in name.upper() for hint in _SECRET_ENV_HINTS)
    }
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    for secret in _secret_values():
        text = text.replace(secret, "********")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + "********", text)
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def install_redaction(config: pytest.Config) -> None:
    """Filter the root logger and each of its handlers (called from the reporting plugin's pytest_configure)."""
    logging.getLogger().addFilter(_RedactingFilter())
    for handler in logging.getLogger().handlers:
        handler.addFilter(_RedactingFilter())
