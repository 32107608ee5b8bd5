"""The bundled real Odoo 19 (../shared/odoo19/serve) as plain Python, for the live tests and the CI pipeline.

Nothing here imports pytest: `tests/live/conftest.py` wraps it in fixtures, and `tools/pipeline.py` uses it
directly. Every subprocess gets an environment built explicitly (never the caller's ODOO_*/UAT_* variables),
so what a drill passes is all the harness sees.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SERVE = REPO_ROOT.parent / "shared" / "odoo19" / "serve"
TARBALL_NAME = "odoo-19.0-community-min.tar.xz"
MARKER_KEY = "uat.target"  # odoo_uat.guard.MARKER_KEY, repeated so this module needs no harness import
# What a drill's subprocess inherits from the caller: enough to find programs and speak UTF-8, nothing else.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_CACHE_HOME", "ODOO19_CACHE")
_DB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def live_bundle_serve(environ: Mapping[str, str] | None = None) -> tuple[Path | None, str]:
    """The `serve` script the live tests use, or None with the reason they do not run.

    `UAT_LIVE_BUNDLE` names the script; otherwise `../shared/odoo19/serve` beside the repository is used when
    `UAT_LIVE=1`, so a developer's plain `pytest` never reaches a real server by accident.
    """
    env = os.environ if environ is None else environ
    explicit = env.get("UAT_LIVE_BUNDLE", "")
    if explicit:
        path = Path(explicit)
        if path.is_file():
            return path.resolve(), f"UAT_LIVE_BUNDLE={path}"
        return None, f"UAT_LIVE_BUNDLE={explicit} is not a file"
    if env.get("UAT_LIVE") == "1":
        if DEFAULT_SERVE.is_file():
            return DEFAULT_SERVE, f"UAT_LIVE=1 and {DEFAULT_SERVE}"
        return None, f"UAT_LIVE=1 but there is no {DEFAULT_SERVE}"
    return None, f"neither UAT_LIVE_BUNDLE nor UAT_LIVE=1 (with {DEFAULT_SERVE}) is set"


def bundle_cache_dir(serve_script: Path, environ: Mapping[str, str] | None = None) -> Path:
    """The cache dir `serve` keeps its state in, found the way `serve` finds it (see its README)."""
    env = os.environ if environ is None else environ
    root = env.get("ODOO19_CACHE") or str(
        Path(env.get("XDG_CACHE_HOME") or Path(env.get("HOME") or Path.home()) / ".cache") / "odoo19-bundle"
    )
    digest = hashlib.sha256()
    with (serve_script.parent / TARBALL_NAME).open("rb") as tarball:
        for chunk in iter(lambda: tarball.read(1 << 20), b""):
            digest.update(chunk)
    return Path(root) / digest.hexdigest()[:16]


def _check_db_name(name: str) -> str:
    if not _DB_NAME.match(name) or name.startswith("odoo19_tmpl_"):
        raise ValueError(f"not a database name for the live tests: {name!r}")
    return name


@dataclass(frozen=True)
class OdooBundle:
    """A handle on the bundled server: its URL, `serve`, and PostgreSQL as the bundle's role."""

    serve_script: Path
    cache_dir: Path
    db_host: str = "127.0.0.1"
    db_port: int = 5432
    db_user: str = "odoo_bundle"
    db_password: str = "odoo_bundle"

    @classmethod
    def locate(cls, serve_script: Path) -> OdooBundle:
        return cls(serve_script=serve_script, cache_dir=bundle_cache_dir(serve_script))

    # -- where things are ------------------------------------------------------------------------------

    @property
    def conf_path(self) -> Path:
        return self.cache_dir / "run" / "odoo.conf"

    def conf(self) -> dict[str, str]:
        values = {}
        for line in self.conf_path.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep:
                values[key.strip()] = value.strip()
        return values

    @property
    def port(self) -> int:
        return int(self.conf().get("http_port", "8069"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def venv_python(self) -> Path:
        """The Python of the venv `serve` built for odoo-bin (its site-packages is on the addons path)."""
        for entry in self.conf().get("addons_path", "").split(","):
            path = Path(entry.strip())
            for parent in path.parents:
                if parent.name.startswith("venv-") and (parent / "bin" / "python").exists():
                    return parent / "bin" / "python"
        candidates = sorted(self.cache_dir.glob("venv-*/bin/python"))
        if not candidates:
            raise FileNotFoundError(f"no venv in {self.cache_dir}: run `{self.serve_script} start` first")
        return candidates[0]

    @property
    def odoo_bin(self) -> Path:
        return self.cache_dir / "src" / "odoo-bin"

    @property
    def data_dir(self) -> Path:
        return Path(self.conf().get("data_dir") or self.cache_dir / "data")

    def filestore(self, database: str) -> Path:
        return self.data_dir / "filestore" / database

    # -- serve -------------------------------------------------------------------------------------------

    def serve(self, *args: str, check: bool = True, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        """`serve ARGS...` (its commands wait for each other through a lock); output captured as text."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(("ODOO_", "UAT_", "PG"))}
        return subprocess.run(
            [str(self.serve_script), *args],
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
        )

    def ensure_running(self) -> None:
        if self.serve("status", check=False).returncode != 0:
            self.serve("start")

    def create_db(self, name: str) -> None:
        """A blank database (the default module set, admin/admin) from serve's cached template."""
        self.serve("create-db", _check_db_name(name))

    def drop_db(self, name: str) -> None:
        """Drop a database of this bundle and its filestore, through the server so it forgets the registry."""
        _check_db_name(name)
        if self.database_exists(name):
            self.psql("postgres", f'ALTER DATABASE "{name}" WITH IS_TEMPLATE false ALLOW_CONNECTIONS true')
        self.serve("drop-db", name)

    # -- PostgreSQL ----------------------------------------------------------------------------------------

    def _pg_env(self) -> dict[str, str]:
        env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
        env.update(
            PGHOST=self.db_host,
            PGPORT=str(self.db_port),
            PGUSER=self.db_user,
            PGPASSWORD=self.db_password,
            PGOPTIONS="-c client_min_messages=warning",
            PGCONNECT_TIMEOUT="10",
        )
        return env

    def psql(self, db: str, sql: str) -> str:
        """Run SQL in `db` as the bundle's role; stdout as psql -qAt prints it (rows by line, columns by |)."""
        done = subprocess.run(
            ["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
            capture_output=True,
            text=True,
            env=self._pg_env(),
            timeout=300,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql on {db} failed ({done.returncode}): {done.stderr.strip()}\nSQL: {sql}")
        return done.stdout.strip()

    def database_exists(self, name: str) -> bool:
        return self.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{_check_db_name(name)}'") == "1"

    def terminate_connections(self, db: str) -> None:
        self.psql(
            "postgres",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{_check_db_name(db)}' AND pid <> pg_backend_pid()",
        )

    def seal_as_template(self, db: str) -> None:
        """No connection can reach `db` any more (the server included), so copies never meet its sessions."""
        self.psql("postgres", f'ALTER DATABASE "{_check_db_name(db)}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false')
        self.terminate_connections(db)

    def clone_db(self, source: str, target: str) -> None:
        """`CREATE DATABASE target TEMPLATE source` and a copy of the filestore, as `serve create-db` does.

        The copy gets its own database.uuid and secret, like Odoo's "duplicate database".
        """
        _check_db_name(source)
        _check_db_name(target)
        for attempt in range(1, 6):
            self.terminate_connections(source)
            try:
                self.psql("postgres", f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                break
            except RuntimeError as error:  # a session reconnected between the two statements
                if attempt == 5 or "being accessed by other users" not in str(error):
                    raise
                time.sleep(1)
        self.psql(
            target,
            "UPDATE ir_config_parameter SET value = gen_random_uuid()::text "
            "WHERE key IN ('database.uuid', 'database.secret')",
        )
        destination = self.filestore(target)
        shutil.rmtree(destination, ignore_errors=True)
        if self.filestore(source).is_dir():
            shutil.copytree(self.filestore(source), destination, symlinks=True)
        else:
            destination.mkdir(parents=True)

    def set_marker(self, db: str, value: str | None) -> None:
        """Write (or, with None, delete) the UAT marker straight in the database, as a person would by hand."""
        _check_db_name(db)
        if value is None:
            self.psql(db, f"DELETE FROM ir_config_parameter WHERE key = '{MARKER_KEY}'")
            return
        _check_db_name(value)
        self.psql(
            db,
            f"UPDATE ir_config_parameter SET value = '{value}' WHERE key = '{MARKER_KEY}';"
            f"INSERT INTO ir_config_parameter (key, value) SELECT '{MARKER_KEY}', '{value}' "
            f"WHERE NOT EXISTS (SELECT 1 FROM ir_config_parameter WHERE key = '{MARKER_KEY}')",
        )

    def hold_scheduler_lock(self, db: str, seconds: float) -> subprocess.Popen[str]:
        """Lock every ir_cron row for `seconds`, as a running scheduled action does; returns once it is held.

        Meanwhile Odoo refuses module operations ("currently processing a scheduled action").
        """
        holder = subprocess.Popen(
            [
                "psql",
                "-X",
                "-qAt",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                _check_db_name(db),
                "-c",
                f"BEGIN; SELECT id FROM ir_cron FOR UPDATE; SELECT pg_sleep({seconds:g}); COMMIT;",
            ],
            env={**self._pg_env(), "PGAPPNAME": "uat-scheduler-lock"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and holder.poll() is None:
            waiting = self.psql(
                "postgres",
                "SELECT count(*) FROM pg_stat_activity "
                f"WHERE application_name = 'uat-scheduler-lock' AND datname = '{db}' AND query LIKE '%pg_sleep%' "
                "AND wait_event = 'PgSleep'",
            )
            if waiting != "0":
                return holder
            time.sleep(0.2)
        holder.kill()
        raise RuntimeError(f"could not take the ir_cron lock in {db}: {holder.communicate()[1]}")

    def record_counts(self, db: str, models: Iterable[str]) -> dict[str, int]:
        """Rows per model (archived ones included), read in SQL: the count cannot depend on access rules."""
        names = list(dict.fromkeys(models))
        if not names:
            return {}
        query = " UNION ALL ".join(f"SELECT '{model}', count(*) FROM \"{_table_of(model)}\"" for model in names)
        counts = {}
        for line in self.psql(db, query).splitlines():
            model, _, count = line.partition("|")
            counts[model] = int(count)
        return counts


def _table_of(model: str) -> str:
    if not re.fullmatch(r"[a-z0-9_.]+", model):
        raise ValueError(f"not an Odoo model name: {model!r}")
    return model.replace(".", "_")


# -- databases for the drills ---------------------------------------------------------------------------------


def unique_db_name(prefix: str = "h") -> str:
    return f"{prefix}_{secrets.token_hex(5)}"


@dataclass
class LiveTarget:
    """A database on the bundled server that a drill may break: its name and the environment `uat` gets."""

    database: str
    env: dict[str, str]
    url: str = ""
    role_password: str = ""

    def with_env(self, **changes: str | None) -> LiveTarget:
        """A copy whose environment has these variables set (or, with None, removed)."""
        env = dict(self.env)
        for key, value in changes.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return LiveTarget(database=self.database, env=env, url=self.url, role_password=self.role_password)


def target_env(url: str, database: str, role_password: str, admin_password: str = "admin") -> dict[str, str]:
    env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    # A drill proves the harness's behaviour on each cycle's main scenarios; the variations (@variation) are
    # the pipeline's own RPC runs' business, which set this to 0.
    env.setdefault("UAT_SKIP_VARIATIONS", "1")
    env.update(
        ODOO_URL=url,
        ODOO_DB=database,
        ODOO_USER="admin",
        ODOO_PASSWORD=admin_password,
        UAT_ROLE_PASSWORD=role_password,
    )
    return env


class ProvisionedTemplate(str):
    """The name of a provisioned database kept as a template; `.role_password` is what its role users have."""

    role_password: str

    def __new__(cls, name: str, role_password: str) -> ProvisionedTemplate:
        made = super().__new__(cls, name)
        made.role_password = role_password
        return made

    @property
    def name(self) -> str:
        return str(self)


# -- running the harness -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageSettings:
    """When set, every `uat` subprocess runs under `coverage run -p` (data files beside COVERAGE_FILE)."""

    data_file: str | None = None
    rcfile: Path = REPO_ROOT / "pyproject.toml"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> CoverageSettings | None:
        env = os.environ if environ is None else environ
        if not env.get("UAT_COVERAGE"):
            return None
        return cls(data_file=env.get("COVERAGE_FILE"))


def harness_python() -> str:
    venv = REPO_ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


@dataclass
class UatResult:
    """What one `uat` subprocess did: exit code, output, and what it left in its reports directory."""

    args: list[str]
    exit_code: int
    stdout: str
    stderr: str
    reports_dir: Path
    duration: float = 0.0
    run_dirs: list[Path] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def runs_dir(self) -> Path:
        return self.reports_dir / "runs"

    @property
    def partial_dirs(self) -> list[Path]:
        """`.<run id>.partial` directories left behind (a finished run leaves none)."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(path for path in self.runs_dir.iterdir() if path.name.endswith(".partial"))

    def run_dir(self) -> Path:
        if len(self.run_dirs) != 1:
            raise AssertionError(f"expected one run directory in {self.runs_dir}, found {self.run_dirs}")
        return self.run_dirs[0]

    def readiness(self) -> dict[str, Any] | None:
        """readiness.json of the single run directory, or None when there is no run directory or no file."""
        if len(self.run_dirs) != 1:
            return None
        path = self.run_dirs[0] / "readiness.json"
        if not path.is_file():
            return None
        value = json.loads(path.read_text(encoding="utf-8"))
        return value if isinstance(value, dict) else None


def _list_run_dirs(reports_dir: Path) -> list[Path]:
    runs = reports_dir / "runs"
    if not runs.is_dir():
        return []
    return sorted(path for path in runs.iterdir() if path.is_dir() and not path.name.startswith("."))


def uat_command(args: Sequence[str], coverage: CoverageSettings | None) -> list[str]:
    python = harness_python()
    if coverage is None:
        return [python, "-m", "odoo_uat", *args]
    return [python, "-m", "coverage", "run", "-p", f"--rcfile={coverage.rcfile}", "-m", "odoo_uat", *args]


# What a drill's `uat run` leaves out unless it asks for it: the HTML report (Node.js, a few seconds of CPU per run,
# tested offline in tests/test_allure_report.py) and the readiness scorecard (read-only RPC, tested live in
# test_data_quality.py and offline in tests/test_scorecard_run.py). The drills check the run's behaviour, not those,
# and they run beside CI's pipeline lanes on the same two cores and the same Odoo.
DRILL_RUN_SKIPS = ("--no-report", "--no-scorecard")
WITH_EVIDENCE = "--with-evidence"  # a drill's own marker, never passed on: this run builds the report and scorecard


def drill_args(args: Sequence[str]) -> list[str]:
    """`uat run ARGS` as a drill runs it: without the report and the scorecard unless WITH_EVIDENCE is among ARGS."""
    if not args or args[0] != "run":
        return list(args)
    if WITH_EVIDENCE in args:
        return [arg for arg in args if arg != WITH_EVIDENCE]
    return ["run", *DRILL_RUN_SKIPS, *args[1:]]


def run_uat_process(
    env: Mapping[str, str],
    args: Sequence[str],
    *,
    reports_dir: Path,
    env_extra: Mapping[str, str] | None = None,
    timeout: float = 600,
    coverage: CoverageSettings | None = None,
) -> UatResult:
    """Run `uat ARGS` in a subprocess with exactly `env` (+ env_extra), UAT_REPORTS_DIR=reports_dir."""
    full_env = {**env, **(env_extra or {}), "UAT_REPORTS_DIR": str(reports_dir)}
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    if coverage is not None and coverage.data_file:
        full_env["COVERAGE_FILE"] = coverage.data_file
    reports_dir.mkdir(parents=True, exist_ok=True)
    command = uat_command(drill_args(args), coverage)
    started = time.monotonic()
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=REPO_ROOT,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return UatResult(
        args=list(args),
        exit_code=done.returncode,
        stdout=done.stdout,
        stderr=done.stderr,
        reports_dir=reports_dir,
        duration=time.monotonic() - started,
        run_dirs=_list_run_dirs(reports_dir),
    )
