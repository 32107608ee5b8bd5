"""Live tests of the harness itself: drills against the REAL bundled Odoo 19, each on a database of its own.

They are collected only when a live bundle is available: `UAT_LIVE_BUNDLE=/path/to/serve`, or `UAT_LIVE=1`
with `../shared/odoo19/serve` beside the repository. Otherwise nothing under tests/live is even collected,
so the offline `pytest` stays as fast as before. `make test` (tools/pipeline.py) runs them after the live
`uat run`; by hand: `UAT_LIVE=1 .venv/bin/pytest tests/live`.

The autouse fixture of tests/conftest.py removes every ODOO_*/UAT_* variable from each test's environment;
the live settings are read when this module is imported, and every subprocess gets an environment built
explicitly from a `LiveTarget` (PATH, HOME, LANG and the target's variables, nothing else).

Fixtures
--------
`odoo_bundle` (session) -> `OdooBundle` (tests/live/bundle.py); the server is started if it is not running:
    `.url`, `.serve(*args) -> CompletedProcess` (`serve` commands, serialised by serve's lock),
    `.create_db(name)` (blank: default modules, admin/admin), `.drop_db(name)`,
    `.clone_db(source, target)` (CREATE DATABASE target TEMPLATE source as role odoo_bundle, other
    connections to source terminated first, plus a copy of the filestore, new database.uuid/secret),
    `.psql(db, sql) -> str` (psql -qAt output: one row a line, columns separated by "|"),
    `.set_marker(db, value_or_None)`, `.record_counts(db, models)`, `.seal_as_template(db)`,
    `.conf_path`, `.venv_python`, `.odoo_bin`, `.data_dir`, `.filestore(db)`, `.port`
    (with those a drill can start a PRIVATE second odoo-bin on another port: copy the conf, change
    http_port, `venv_python odoo_bin -c CONF`).
`provisioned_template` (session) -> `ProvisionedTemplate`, a `str` (the database name) built once per session:
    `serve create-db`, `uat provision --mark-blank-database NAME` with a generated role password
    (`.role_password`), then sealed like serve's templates (IS_TEMPLATE, no connections). The pipeline
    lends its own provisioned copy instead (UAT_LIVE_TEMPLATE, UAT_LIVE_TEMPLATE_ROLE_PASSWORD).
`fresh_target` (function) -> `LiveTarget`: a clone of the template named `h_<random>`, marked for its own
    name, dropped at teardown. `.database`, `.url`, `.role_password`, `.env` (ODOO_URL, ODOO_DB,
    ODOO_USER=admin, ODOO_PASSWORD, UAT_ROLE_PASSWORD, PATH/HOME/LANG), `.with_env(NAME=value|None)`.
`run_uat` (function) -> callable `run_uat(target, *args, env_extra=None, timeout=600, reports_dir=None)`
    returning `UatResult`: `.exit_code`, `.stdout`, `.stderr`, `.output`, `.reports_dir` (UAT_REPORTS_DIR,
    a fresh tmp dir unless given), `.run_dirs`, `.partial_dirs`, `.run_dir()`, `.readiness()` (parsed
    readiness.json of the single run directory, else None). `uat` is `python -m odoo_uat` from the repo's
    .venv; with `UAT_COVERAGE` set it runs under `coverage run -p` (rcfile pyproject.toml, COVERAGE_FILE
    passed on), so the drills add to the live coverage.
`start_uat` (function) -> callable `start_uat(target, *args, env_extra=None, reports_dir=None)` returning a
    `BackgroundUat` (`.process`, `.output_so_far()`, `.finish(timeout) -> UatResult`): `uat` in the background,
    for drills that signal a run or run two at once; killed at teardown if still running.
`record_counts` (function) -> callable `record_counts(target, models) -> dict[model, rows]`, read-only SQL.
`BUSINESS_MODELS`: the record counts a refused run must leave unchanged.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from tests.live.bundle import (
    REPO_ROOT,
    CoverageSettings,
    LiveTarget,
    OdooBundle,
    ProvisionedTemplate,
    UatResult,
    drill_args,
    live_bundle_serve,
    run_uat_process,
    target_env,
    uat_command,
    unique_db_name,
)
from tests.rollouts.meridian import JsonRpc, configure

# Read once, before any test's autouse fixture removes the UAT_* variables from the environment.
SERVE_SCRIPT, WHY_NOT_LIVE = live_bundle_serve()
COVERAGE = CoverageSettings.from_environ()
# The pipeline (tools/pipeline.py) provisions a database anyway; it lends a sealed copy instead of a second build.
LENT_TEMPLATE = os.environ.get("UAT_LIVE_TEMPLATE", "")
LENT_TEMPLATE_ROLE_PASSWORD = os.environ.get("UAT_LIVE_TEMPLATE_ROLE_PASSWORD", "")
LIVE_DIR = Path(__file__).resolve().parent

BUSINESS_MODELS = (
    "purchase.order",
    "stock.picking",
    "stock.move",
    "stock.lot",
    "account.move",
    "helpdesk.ticket",
    "maintenance.request",
    "mail.message",
)

RunUat = Callable[..., UatResult]
RecordCounts = Callable[[LiveTarget | str, Iterable[str]], dict[str, int]]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Without a live bundle nothing here is collected (not even skipped): the offline suite is unchanged."""
    if SERVE_SCRIPT is None and collection_path.resolve().is_relative_to(LIVE_DIR):
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(LIVE_DIR):
            item.add_marker(pytest.mark.live)


@pytest.fixture(scope="session")
def odoo_bundle() -> OdooBundle:
    if SERVE_SCRIPT is None:
        pytest.fail(f"the live tests need the bundled Odoo: {WHY_NOT_LIVE}", pytrace=False)
    bundle = OdooBundle.locate(SERVE_SCRIPT)
    bundle.ensure_running()
    return bundle


@pytest.fixture(scope="session")
def provisioned_template(
    odoo_bundle: OdooBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProvisionedTemplate]:
    if LENT_TEMPLATE:
        if not odoo_bundle.database_exists(LENT_TEMPLATE):
            pytest.fail(f"UAT_LIVE_TEMPLATE={LENT_TEMPLATE}: no such database", pytrace=False)
        yield ProvisionedTemplate(LENT_TEMPLATE, LENT_TEMPLATE_ROLE_PASSWORD)
        return  # the lender drops it
    name = unique_db_name("h_tpl")
    role_password = secrets.token_urlsafe(18)
    odoo_bundle.create_db(name)
    try:
        result = run_uat_process(
            target_env(odoo_bundle.url, name, role_password),
            ["provision", "--mark-blank-database", name],
            reports_dir=tmp_path_factory.mktemp("provision-reports"),
            timeout=900,
            coverage=COVERAGE,
        )
        if result.exit_code != 0:
            pytest.fail(
                f"uat provision of the live template {name} exited {result.exit_code}:\n{result.output[-4000:]}",
                pytrace=False,
            )
        odoo_bundle.seal_as_template(name)
        yield ProvisionedTemplate(name, role_password)
    finally:
        odoo_bundle.drop_db(name)


@pytest.fixture
def fresh_target(odoo_bundle: OdooBundle, provisioned_template: ProvisionedTemplate) -> Iterator[LiveTarget]:
    name = unique_db_name("h")
    odoo_bundle.clone_db(provisioned_template, name)
    try:
        odoo_bundle.set_marker(name, name)  # the copy carries the template's marker, which names the template
        role_password = provisioned_template.role_password
        yield LiveTarget(
            database=name,
            env=target_env(odoo_bundle.url, name, role_password),
            url=odoo_bundle.url,
            role_password=role_password,
        )
    finally:
        odoo_bundle.drop_db(name)


@pytest.fixture
def run_uat(tmp_path_factory: pytest.TempPathFactory) -> RunUat:
    def run(
        target: LiveTarget,
        *args: str,
        env_extra: Mapping[str, str] | None = None,
        timeout: float = 600,
        reports_dir: Path | None = None,
    ) -> UatResult:
        return run_uat_process(
            target.env,
            args,
            reports_dir=reports_dir or tmp_path_factory.mktemp("uat-reports"),
            env_extra=env_extra,
            timeout=timeout,
            coverage=COVERAGE,
        )

    return run


@pytest.fixture
def record_counts(odoo_bundle: OdooBundle) -> RecordCounts:
    def counts(target: LiveTarget | str, models: Iterable[str]) -> dict[str, int]:
        database = target.database if isinstance(target, LiveTarget) else str(target)
        return odoo_bundle.record_counts(database, models)

    return counts


class BackgroundUat:
    """A `uat` subprocess started in the background (a drill signals it, or runs another beside it).

    Output goes to files, not pipes, so a long run never blocks on a full pipe; `finish()` waits and returns the
    same `UatResult` as `run_uat`.
    """

    def __init__(self, env: Mapping[str, str], args: Sequence[str], reports_dir: Path, log_dir: Path) -> None:
        full_env = {**env, "UAT_REPORTS_DIR": str(reports_dir), "PYTHONUNBUFFERED": "1"}
        if COVERAGE is not None and COVERAGE.data_file:
            full_env["COVERAGE_FILE"] = COVERAGE.data_file
        reports_dir.mkdir(parents=True, exist_ok=True)
        self.args = list(args)
        self.reports_dir = reports_dir
        self._stdout = log_dir / "stdout.txt"
        self._stderr = log_dir / "stderr.txt"
        self.started = time.monotonic()
        with self._stdout.open("wb") as out, self._stderr.open("wb") as err:
            self.process = subprocess.Popen(
                uat_command(drill_args(args), COVERAGE),
                env=full_env,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )

    def output_so_far(self) -> str:
        return self._stdout.read_text(errors="replace") + self._stderr.read_text(errors="replace")

    def finish(self, timeout: float = 600) -> UatResult:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        return UatResult(
            args=self.args,
            exit_code=code,
            stdout=self._stdout.read_text(errors="replace"),
            stderr=self._stderr.read_text(errors="replace"),
            reports_dir=self.reports_dir,
            duration=time.monotonic() - self.started,
            run_dirs=sorted(
                path
                for path in (self.reports_dir / "runs").glob("*")
                if path.is_dir() and not path.name.startswith(".")
            ),
        )


StartUat = Callable[..., BackgroundUat]


@pytest.fixture
def start_uat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartUat]:
    """`start_uat(target, *args, env_extra=None, reports_dir=None) -> BackgroundUat`; killed at teardown if running."""
    started: list[BackgroundUat] = []

    def start(
        target: LiveTarget, *args: str, env_extra: Mapping[str, str] | None = None, reports_dir: Path | None = None
    ) -> BackgroundUat:
        background = BackgroundUat(
            {**target.env, **(env_extra or {})},
            args,
            reports_dir or tmp_path_factory.mktemp("uat-reports"),
            tmp_path_factory.mktemp("uat-output"),
        )
        started.append(background)
        return background

    yield start
    for background in started:
        if background.process.poll() is None:
            background.process.kill()
            background.process.wait()


# -- the second rollout: Meridian Care Partners, configured by tests/rollouts/meridian.py ----------------

# Each configuration regression shows the run fails its cycle with a finding. `UAT_REGRESSIONS_FULL=1` also runs
# every other cycle under each regression to show they still pass (the full proof, ~1 min a regression); without
# it (CI, to stay in its time budget) each regression runs its own cycle only, and the clean Meridian run of the
# pipeline shows the other cycles pass.
REGRESSIONS_FULL = os.environ.get("UAT_REGRESSIONS_FULL") == "1"
MERIDIAN_SITES = REPO_ROOT / "tests" / "rollouts" / "meridian" / "sites"


def regression_scope(cycle: str) -> list[str]:
    """The `uat run` arguments of a regression's run: every cycle (full proof) or only the regressed one."""
    return [] if REGRESSIONS_FULL else ["--", "-m", cycle]


class MeridianTarget(LiveTarget):
    """A Meridian database a drill may break, with the administrator's JSON-RPC session for the changes."""

    @property
    def target(self) -> LiveTarget:
        return self

    @property
    def admin(self) -> JsonRpc:
        return JsonRpc(self.url, self.database, "admin", "admin")


@pytest.fixture(scope="session")
def meridian_template(odoo_bundle: OdooBundle) -> Iterator[ProvisionedTemplate]:
    """A blank database configured once per session by Meridian's own integrator script, sealed as a template."""
    name = unique_db_name("h_mer_tpl")
    role_password = secrets.token_urlsafe(18)
    odoo_bundle.create_db(name)
    try:
        configure(odoo_bundle.url, name, "admin", "admin", role_password)
        odoo_bundle.seal_as_template(name)
        yield ProvisionedTemplate(name, role_password)
    finally:
        odoo_bundle.drop_db(name)


@pytest.fixture(scope="module")
def meridian_target(odoo_bundle: OdooBundle, meridian_template: ProvisionedTemplate) -> Iterator[MeridianTarget]:
    """A copy of the Meridian template for one test module, marked for its own name, dropped afterwards."""
    name = unique_db_name("h_mer")
    odoo_bundle.clone_db(meridian_template, name)
    try:
        odoo_bundle.set_marker(name, name)
        password = meridian_template.role_password
        env = {**target_env(odoo_bundle.url, name, password), "MERIDIAN_ROLE_PASSWORD": password}
        yield MeridianTarget(database=name, env=env, url=odoo_bundle.url, role_password=password)
    finally:
        odoo_bundle.drop_db(name)
