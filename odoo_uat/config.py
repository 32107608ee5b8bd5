"""Where the target Odoo is, read from the environment (or an optional environments file).

Secrets are wrapped in `Secret` so they never show in a repr, a log line or a report.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from odoo_uat.errors import ConfigurationError
from odoo_uat.redaction import register_secret

# The suite (features/, steps/, fixtures/, scenarios/, conftest.py and the pytest configuration in
# pyproject.toml) sits beside this package in a checkout or an editable install. A wheel ships the same
# directories inside the package, as odoo_uat/_suite (pyproject.toml, [tool.setuptools]), so that an
# installed harness imports `steps` and `fixtures` from there and adds no top-level `steps` to site-packages.
SHIPPED_SUITE = Path(__file__).resolve().parent / "_suite"
INSTALLED = (SHIPPED_SUITE / "steps").is_dir()
PROJECT_ROOT = SHIPPED_SUITE if INSTALLED else Path(__file__).resolve().parent.parent
DEFAULT_SITES_DIR = PROJECT_ROOT / "fixtures" / "sites"
DEFAULT_FEATURES_DIR = PROJECT_ROOT / "features"
DEFAULT_REPORTS_DIR = PROJECT_ROOT / "reports"
# A server that does not even accept a connection within 10 s is down; one call may legitimately take a while
# (posting a month's entries, a stock rule run), but a minute without a byte means a hung server.
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_CALL_TIMEOUT = 60.0


def project_on_path() -> None:
    """`steps` and `fixtures` live in PROJECT_ROOT (the checkout, or the shipped suite); imported from there first."""
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))


class Secret:
    """A string that does not print itself, and that every text leaving a run is redacted of (odoo_uat.redaction)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register_secret(value)  # whatever its variable is called, the value never shows in a log or report

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class TargetSettings:
    url: str
    database: str
    user: str
    password: Secret = field(repr=False)
    transport: str = "jsonrpc"  # or "json2" (Odoo 19's /json/2 API, which takes an API key)
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT  # seconds to open a connection (UAT_CONNECT_TIMEOUT)
    call_timeout: float = DEFAULT_CALL_TIMEOUT  # seconds to wait for an answer to one call (UAT_CALL_TIMEOUT)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "localhost"

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        if parts.port:
            return parts.port
        return 443 if parts.scheme == "https" else 80

    @property
    def uses_tls(self) -> bool:
        return urlsplit(self.url).scheme == "https"

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/")


def live_target_configured(environ: Mapping[str, str] | None = None) -> bool:
    """The live suite runs wherever ODOO_URL is set; without it, it is deselected."""
    return bool((environ if environ is not None else os.environ).get("ODOO_URL"))


def load_target(environ: Mapping[str, str] | None = None, env_name: str | None = None) -> TargetSettings:
    """Read the target from ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD (or ODOO_API_KEY).

    With UAT_ENVIRONMENTS_FILE (or `uat --env NAME`), a named entry of that YAML file supplies the same
    values; the password is still read from the environment variable the entry names.
    """
    env = dict(environ if environ is not None else os.environ)
    env_name = env_name or env.get("UAT_ENV")
    if env_name:
        env.update(_named_environment(env, env_name))
    missing = [name for name in ("ODOO_URL", "ODOO_DB", "ODOO_USER") if not env.get(name)]
    secret = env.get("ODOO_API_KEY") or env.get("ODOO_PASSWORD")
    if not secret:
        missing.append("ODOO_PASSWORD (or ODOO_API_KEY)")
    if missing:
        raise ConfigurationError(
            "The target Odoo is not configured: set " + ", ".join(missing) + ". See README, 'Target'."
        )
    url = env["ODOO_URL"]
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ConfigurationError(f"ODOO_URL must start with http:// or https://, got {url!r}")
    transport = env.get("UAT_TRANSPORT", "jsonrpc")
    if transport not in {"jsonrpc", "json2"}:
        raise ConfigurationError(f"UAT_TRANSPORT must be 'jsonrpc' or 'json2', got {transport!r}")
    return TargetSettings(
        url=url,
        database=env["ODOO_DB"],
        user=env["ODOO_USER"],
        password=Secret(secret or ""),
        transport=transport,
        connect_timeout=_seconds(env, "UAT_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT),
        call_timeout=_seconds(env, "UAT_CALL_TIMEOUT", DEFAULT_CALL_TIMEOUT),
    )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):  # no timeout at all is exactly the hang these settings exist to bound
        raise ConfigurationError(f"{name} must be a number of seconds greater than 0, got {raw!r}")
    return value


def _named_environment(env: Mapping[str, str], name: str) -> dict[str, str]:
    path = Path(env.get("UAT_ENVIRONMENTS_FILE", "environments.yaml"))
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{path}: environment {name!r} asked for, but the file does not exist") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}") from exc
    entry = (document or {}).get(name) if isinstance(document, dict) else None
    if not isinstance(entry, dict):
        known = ", ".join(sorted(document)) if isinstance(document, dict) else "none"
        raise ConfigurationError(f"{path}: no environment named {name!r} (known: {known})")
    values = {"ODOO_URL": entry.get("url"), "ODOO_DB": entry.get("database"), "ODOO_USER": entry.get("user")}
    password_env = entry.get("password_env")
    if password_env:
        values["ODOO_PASSWORD"] = env.get(str(password_env), "")
    return {key: str(value) for key, value in values.items() if value}


def reports_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where `uat run` keeps each run's evidence: $UAT_REPORTS_DIR, else reports/ in the checkout.

    An installed harness keeps it in ./reports of the programme directory the command runs in, never in
    site-packages.
    """
    env = environ if environ is not None else os.environ
    if env.get("UAT_REPORTS_DIR"):
        return Path(env["UAT_REPORTS_DIR"])
    return Path.cwd() / "reports" if INSTALLED else DEFAULT_REPORTS_DIR


def features_dir(environ: Mapping[str, str] | None = None, override: str | Path | None = None) -> Path:
    """A programme keeps its own feature files: --features-dir or UAT_FEATURES_DIR, else the harness's features/."""
    if override:
        return Path(override)
    env = environ if environ is not None else os.environ
    return Path(env["UAT_FEATURES_DIR"]) if env.get("UAT_FEATURES_DIR") else DEFAULT_FEATURES_DIR


def sites_dir(environ: Mapping[str, str] | None = None, override: str | Path | None = None) -> Path:
    """Users keep their own profiles outside this repository: --sites-dir or UAT_SITES_DIR."""
    if override:
        return Path(override)
    env = environ if environ is not None else os.environ
    return Path(env["UAT_SITES_DIR"]) if env.get("UAT_SITES_DIR") else DEFAULT_SITES_DIR
