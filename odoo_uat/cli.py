"""`uat`: doctor, provision, run, report, signoff, steps, snapshot, init, draft-profile.

`uat`'s own options come before `--`; everything after `--` goes to pytest untouched, e.g.
`uat run --site CLINIC -- -k approval -x`. Exit codes: README, "Exit codes".
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from odoo_uat import config
from odoo_uat.errors import ConfigurationError, ExitCode, UatError
from odoo_uat.redaction import redact

F = TypeVar("F", bound=Callable[..., Any])


def _reports_errors(command: F) -> F:
    """A harness error becomes one clear line on stderr and its own exit code, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UatError as error:
            click.echo(redact(f"uat: {type(error).__name__}: {error}"), err=True)
            sys.exit(int(error.exit_code))

    return wrapper  # type: ignore[return-value]


sites_dir_option = click.option(
    "--sites-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Directory of site profiles (default: $UAT_SITES_DIR, else fixtures/sites).",
)
features_dir_option = click.option(
    "--features-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Directory of the programme's feature files (default: $UAT_FEATURES_DIR, else the harness's features/).",
)
site_option = click.option(
    "--site", "sites", multiple=True, metavar="CODE", help="Only this site (repeatable). All sites by default."
)
env_option = click.option(
    "--env",
    "env_name",
    default=None,
    metavar="NAME",
    help="A named target from the environments file ($UAT_ENVIRONMENTS_FILE).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="odoo-uat")
@click.option(
    "--env",
    "env_name",
    default=None,
    metavar="NAME",
    help="A named target from the environments file ($UAT_ENVIRONMENTS_FILE), for every command.",
)
@click.pass_context
def main(ctx: click.Context, env_name: str | None) -> None:
    """UAT harness for Odoo rollouts in multi-site healthcare organisations."""
    ctx.obj = {"env_name": env_name}


def _env_name(given: str | None) -> str | None:
    """A command's own --env wins over `uat --env NAME`; either wins over $UAT_ENV (read by config.load_target)."""
    if given:
        return given
    context = click.get_current_context(silent=True)
    while context is not None:
        if isinstance(context.obj, dict) and context.obj.get("env_name"):
            return str(context.obj["env_name"])
        context = context.parent
    return None


def _selected(sites_dir: Path | None, sites: Sequence[str]) -> list[Any]:
    from odoo_uat.profiles import load_profiles, select_sites

    return select_sites(load_profiles(config.sites_dir(override=sites_dir)), sites)


@main.command()
@site_option
@sites_dir_option
@features_dir_option
@env_option
@click.option(
    "--offline",
    is_flag=True,
    help="Only what needs no Odoo: every profile's YAML and schema, the roles its cycles need, per-company agreement.",
)
@_reports_errors
def doctor(
    sites: tuple[str, ...], sites_dir: Path | None, features_dir: Path | None, env_name: str | None, offline: bool
) -> None:
    """Check the target and every selected site profile; read-only. Non-zero exit on any problem."""
    from odoo_uat.doctor import doctor_exit_code, render_table, run_doctor, run_offline_doctor

    roles = None
    if features_dir is not None:  # else doctor reads $UAT_FEATURES_DIR or the harness's features/ itself
        from odoo_uat.catalogue import roles_by_cycle

        roles = roles_by_cycle(_use_features_dir(features_dir))
    if offline:
        results = run_offline_doctor(config.sites_dir(override=sites_dir), sites, cycle_roles=roles)
    else:
        selected = _selected(sites_dir, sites)
        results = run_doctor(config.load_target(env_name=_env_name(env_name)), selected, cycle_roles=roles)
    click.echo(render_table(results))
    sys.exit(int(doctor_exit_code(results)))


@main.command()
@click.option(
    "--mark-blank-database",
    "mark",
    default=None,
    metavar="DBNAME",
    help="Mark this blank database as a UAT target first; repeat its name to confirm.",
)
@sites_dir_option
@env_option
@_reports_errors
def provision(mark: str | None, sites_dir: Path | None, env_name: str | None) -> None:
    """Configure a blank database as the reference rollout of the bundled example sites.

    Never part of `uat run`. It refuses a database without the UAT marker unless --mark-blank-database
    names it and it holds no business documents yet.
    """
    from odoo_uat.provisioning import provision_reference_rollout

    settings = config.load_target(env_name=_env_name(env_name))
    sites = _selected(sites_dir, ())
    for line in provision_reference_rollout(settings, sites, mark=mark):
        click.echo(line)


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@site_option
@click.option(
    "--mode",
    type=click.Choice(["rpc", "browser"]),
    default=None,
    help="How roles act in scenarios without an @rpc/@browser tag. rpc: through the typed gateway; browser: in "
    "Odoo's web client with Playwright, a screenshot after every step. Default: $UAT_MODE, else rpc.",
)
@click.option("--headed", is_flag=True, default=False, help="Browser mode: show the browser window.")
@click.option(
    "--slowmo",
    type=click.FloatRange(min=0),
    default=None,
    metavar="MS",
    help="Browser mode: slow each browser operation down by MS milliseconds.",
)
@click.option(
    "--video",
    is_flag=True,
    default=False,
    help="Browser mode: record a video of each role's page (needs imageio-ffmpeg).",
)
@click.option(
    "--alluredir",
    type=click.Path(path_type=Path),
    default=None,
    help="Allure results directory (default: reports/runs/<run id>/allure-results).",
)
@click.option(
    "--no-report",
    is_flag=True,
    default=False,
    help="Do not build the HTML report (reports/runs/<run id>/report.html) at the end; `uat report` builds it later.",
)
@click.option(
    "--no-scorecard",
    is_flag=True,
    default=False,
    help="Do not write the readiness scorecard (readiness-scorecard.json) at the end; `uat readiness --run RUN` "
    "writes it later. The sign-off pack of a run without one says so.",
)
@sites_dir_option
@features_dir_option
@env_option
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@_reports_errors
def run(
    sites: tuple[str, ...],
    mode: str | None,
    headed: bool,
    slowmo: float | None,
    video: bool,
    alluredir: Path | None,
    no_report: bool,
    no_scorecard: bool,
    sites_dir: Path | None,
    features_dir: Path | None,
    env_name: str | None,
    pytest_args: tuple[str, ...],
) -> None:
    """Run the scenarios for the selected sites; arguments after `--` go to pytest."""
    import pytest

    from odoo_uat import run_dirs
    from odoo_uat.catalogue import require_bound_steps
    from odoo_uat.run_id import new_run_id

    env_name = _env_name(env_name)
    settings = config.load_target(env_name=env_name)  # ConfigurationError before anything else
    selected = _selected(sites_dir, sites)
    features = _use_features_dir(features_dir)
    require_bound_steps(features)
    runs = config.reports_dir() / "runs"
    for line in run_dirs.settle_interrupted_runs(runs):
        click.echo(f"uat: {line}", err=True)
    run_id = new_run_id()
    staging = run_dirs.open_staging(runs, run_id)
    results_dir = staging / "allure-results"
    # allure-pytest-bdd names a feature by its path under pytest's rootdir: a programme's feature files outside the
    # harness make their own directory's parent the rootdir (the scenarios and the configuration stay the harness's).
    features = features.resolve()
    rootdir = config.PROJECT_ROOT if features.is_relative_to(config.PROJECT_ROOT) else features.parent
    args = [
        str(config.PROJECT_ROOT / "scenarios"),
        "--rootdir",
        str(rootdir),
        "-c",
        str(config.PROJECT_ROOT / "pyproject.toml"),
        "-o",
        f"bdd_features_base_dir={features}",  # scenarios/ binds every feature file of this directory
        "--uat-run-id",
        run_id,
        "--uat-report-dir",
        str(staging),
        "--alluredir",
        str(results_dir),
        "--tb=short",  # the broken business expectation leads; pytest args after `--` may override this
        *[arg for item in selected for arg in ("--uat-site", item.profile.code)],
        *(["--uat-sites-dir", str(sites_dir)] if sites_dir else []),
        *(["--mode", mode] if mode else []),
        *(["--headed"] if headed else []),
        *(["--slowmo", str(slowmo)] if slowmo else []),
        *(["--browser-video"] if video else []),
        *pytest_args,
    ]
    mode = mode or os.environ.get("UAT_MODE") or "rpc"
    os.environ.update({"ODOO_URL": settings.url, "ODOO_DB": settings.database, "ODOO_USER": settings.user})
    if env_name:
        os.environ["UAT_ENV"] = env_name  # the fixtures read the same named target, password variable included
    click.echo(
        f"uat: run {run_id} against {settings.url} ({settings.database}), mode {mode}, "
        f"sites {', '.join(item.profile.code for item in selected)}"
    )
    with run_dirs.orderly_stop_on_signals():
        code = int(pytest.main(args))
        scorecard = (
            "no readiness scorecard (--no-scorecard; `uat readiness --run RUN` writes it)"
            if no_scorecard
            else _scorecard_after_run(settings, selected, staging, runs / run_id)
        )
    final = run_dirs.close_staging(staging, runs / run_id)
    if final is not None:
        if alluredir:
            _merge_into(final / "allure-results", alluredir)
        click.echo(
            f"uat: run {run_id} ended with exit code {code}; evidence in {final} "
            "(readiness.md, readiness-scorecard.md, allure-results/)"
        )
        click.echo(f"uat: {scorecard}")
        if not no_report:
            _build_report_after_run(final)
    else:  # nothing ran (bad input, target down or refused before the first scenario): nothing half-written stays
        click.echo(f"uat: run {run_id} stopped (exit code {code}) before any scenario ran; no results kept", err=True)
    sys.exit(code)


def _scorecard_after_run(settings: config.TargetSettings, selected: list[Any], staging: Path, final: Path) -> str:
    """The run's readiness scorecard, written into its directory before the directory gets its final name (README,
    "Readiness scorecard"); whatever becomes of it, the run's results and exit code stay their own."""
    from odoo_uat.run_dirs import READINESS_JSON
    from odoo_uat.scorecard.after_run import write_run_scorecard

    if not (staging / READINESS_JSON).exists():
        return "no readiness scorecard: no scenario ran"  # the run directory is removed: nothing is said of it
    try:
        written = write_run_scorecard(settings, selected, staging, final, final.parent)
    except KeyboardInterrupt:
        return "no readiness scorecard: interrupted while writing it (`uat readiness --run RUN` writes it)"
    except Exception as error:  # a bug of ours must not turn the run's results into something else
        return redact(f"no readiness scorecard: {type(error).__name__}: {error} (`uat readiness --run RUN` writes it)")
    for line in written.unmeasured:
        click.echo(f"uat: data quality not measured for {line}", err=True)
    return written.summary()


def _build_report_after_run(run_dir: Path) -> None:
    """The run's HTML report; a report that cannot be built is said, and the run's exit code stays its own."""
    from odoo_uat.allure_report import HISTORY_FILE, build_report

    try:
        built = build_report(run_dir, history=config.reports_dir() / HISTORY_FILE)
    except UatError as error:
        click.echo(
            redact(f"uat: no HTML report: {error} (the run's results are kept; `uat report` builds it)"), err=True
        )
        return
    click.echo(f"uat: report {built.describe()}")


def _use_features_dir(given: Path | None) -> Path:
    """The feature files of this command: --features-dir, else $UAT_FEATURES_DIR, else the harness's features/."""
    features = config.features_dir(override=given)
    if not features.is_dir():
        raise ConfigurationError(
            f"The features directory {features} does not exist (set --features-dir or UAT_FEATURES_DIR)"
        )
    return features


def _merge_into(source: Path, destination: Path) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        shutil.copy2(path, destination / path.name)


@main.command()
@click.argument("run_ref", metavar="[RUN]", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the report here (default: reports/runs/<run id>/report.html).",
)
@_reports_errors
def report(run_ref: str | None, output: Path | None) -> None:
    """Build a run's report: one self-contained HTML file (Allure 3), with the history of earlier runs.

    RUN is a run id (reports/runs/<run id>) or a run's directory; the latest run by default. Needs Allure 3 from
    npm (`npm ci` in the harness checkout; Node.js 20+); the history is reports/history.jsonl.
    """
    from odoo_uat.allure_report import HISTORY_FILE, build_report, latest_run, run_directory

    run_dir = run_directory(run_ref) if run_ref else latest_run()
    built = build_report(run_dir, history=config.reports_dir() / HISTORY_FILE, output=output)
    click.echo(f"uat: report of run {run_dir.name}: {built.describe()}")


@main.command()
@click.option("--markdown", is_flag=True, help="Print the catalogue as Markdown (docs/STEPS.md).")
@click.option(
    "--check",
    "check_dir",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[DIR]",
    help="Check every step of the feature files under DIR (default: the features directory) is bound and gets "
    "what it needs from an earlier step.",
)
@features_dir_option
@click.option(
    "--sites-dir",
    "sites_dirs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="With --check: the sites an Examples `site` column may name (repeatable: once per rollout the feature "
    "files serve; default: $UAT_SITES_DIR or fixtures/sites), besides the sites of the harness's bundled rollouts.",
)
@_reports_errors
def steps(markdown: bool, check_dir: str | None, features_dir: Path | None, sites_dirs: tuple[Path, ...]) -> None:
    """Print the step catalogue, generated from the step modules."""
    from odoo_uat.catalogue import catalogue_markdown, catalogue_text, require_bound_steps, step_definitions

    if check_dir is not None:
        directory = _use_features_dir(Path(check_dir) if check_dir else features_dir)
        features = require_bound_steps(directory, sites_dirs=list(sites_dirs) or [config.sites_dir()])
        count = sum(len(feature.scenarios) for feature in features)
        click.echo(
            f"uat: every step of {len(features)} feature files ({count} scenarios) is bound "
            "and gets what it needs from an earlier step"
        )
        return
    definitions = step_definitions()
    if markdown:
        click.echo(catalogue_markdown(definitions), nl=False)
        return
    click.echo(catalogue_text(definitions))


@main.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="Write the snapshot here.")
@click.option(
    "--compare",
    type=click.Path(path_type=Path, exists=True),
    default=None,
    help="Compare the target now with this earlier snapshot; exit 26 if anything changed.",
)
@env_option
@_reports_errors
def snapshot(output: Path | None, compare: Path | None, env_name: str | None) -> None:
    """Snapshot the target's configuration (read-only), or compare it with an earlier snapshot."""
    from odoo_uat import snapshot as snapshots
    from odoo_uat.gateway import SessionPool

    now = snapshots.take_snapshot(SessionPool(config.load_target(env_name=_env_name(env_name))).technical())
    if compare is not None:
        differences = snapshots.compare(json.loads(compare.read_text(encoding="utf-8")), now)
        for line in differences:
            click.echo(line)
        click.echo(f"uat: {len(differences)} configuration difference(s) since {compare}")
        sys.exit(int(ExitCode.SNAPSHOT_DIFFERS) if differences else 0)
    text = json.dumps(now, indent=1, sort_keys=True, default=str)
    if output:
        output.write_text(text, encoding="utf-8")
        records = sum(len(v) for model, v in now.items() if isinstance(v, dict) and model != snapshots.PRECISION)
        click.echo(f"uat: {records} records in {output}")
    else:
        click.echo(text)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--force", is_flag=True, help="Write into a directory that is not empty (files of the same name are replaced)."
)
@_reports_errors
def init(directory: Path, force: bool) -> None:
    """Lay out a programme's own suite in DIRECTORY: features/, sites/, README.md, .gitignore."""
    from odoo_uat.programme import init_programme

    written = init_programme(directory, force=force)
    click.echo(f"uat: {len(written)} files in {directory}; next: read {directory / 'README.md'}")


@main.command("draft-profile")
@click.option("--warehouse", required=True, metavar="CODE", help="The site's warehouse (stock.warehouse code).")
@click.option("--code", default=None, metavar="SITE", help="The site's code in the profile (default: the warehouse's).")
@click.option(
    "--password-env",
    default="UAT_ROLE_PASSWORD",
    show_default=True,
    metavar="NAME",
    help="The environment variable the roles' passwords will be read from.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write it here.")
@env_option
@_reports_errors
def draft_profile(
    warehouse: str, code: str | None, password_env: str, output: Path | None, env_name: str | None
) -> None:
    """Draft a site profile from the target's configuration (read-only): references filled in, expectations to state."""
    from odoo_uat.draft_profile import draft_profile as make_draft
    from odoo_uat.gateway import SessionPool

    gateway = SessionPool(config.load_target(env_name=_env_name(env_name))).technical()
    draft = make_draft(gateway, warehouse, code=code, password_env=password_env)
    if output is None:
        click.echo(draft.text(), nl=False)
        return
    if output.exists():
        raise ConfigurationError(f"{output} exists; a draft never replaces a profile (choose another -o)")
    output.write_text(draft.text(), encoding="utf-8")
    placeholders = draft.placeholders()
    click.echo(f"uat: {len(draft.filled())} values read from the target into {output}")
    click.echo(
        f"uat: {len(placeholders)} to fill in: {', '.join(placeholders)}" if placeholders else "uat: none to fill in"
    )


@main.command()
@site_option
@click.option(
    "--run",
    "run_ref",
    default=None,
    metavar="RUN",
    help="Take every site's UAT status from this run (a run id of the reports directory, or a run directory). "
    "Default: each site's latest finished run.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Write readiness-scorecard.json and .md here. Default: the run directory the sites' status came from "
    "(reports/scorecards/<time>/ when several runs or none).",
)
@click.option(
    "--fail-under",
    type=click.IntRange(0, 100),
    default=None,
    metavar="N",
    help="Exit 1 when a site's readiness is below N percent (without it the figure never changes the exit code).",
)
@sites_dir_option
@env_option
@_reports_errors
def readiness(
    sites: tuple[str, ...],
    run_ref: str | None,
    output: Path | None,
    fail_under: int | None,
    sites_dir: Path | None,
    env_name: str | None,
) -> None:
    """Readiness scorecard by site: UAT status per cycle and master-data quality, read-only. Never writes to Odoo."""
    from datetime import UTC, datetime

    from odoo_uat.gateway import SessionPool
    from odoo_uat.scorecard.render import render_table, write_scorecard
    from odoo_uat.scorecard.score import build_scorecard
    from odoo_uat.scorecard.uat_status import RunResults, find_run, latest_runs

    settings = config.load_target(env_name=_env_name(env_name))
    selected = _selected(sites_dir, sites)
    codes = [item.profile.code for item in selected]
    runs_dir = config.reports_dir() / "runs"
    runs: dict[str, RunResults | None]
    unreadable: list[str] = []
    if run_ref is not None:
        runs = dict.fromkeys(codes, find_run(run_ref, runs_dir))
    else:
        runs, unreadable = latest_runs(runs_dir, codes)
    now = datetime.now(UTC)
    card = build_scorecard(
        SessionPool(settings).technical().read_only(),
        selected,
        runs,
        runs_dir,
        url=settings.url,
        database=settings.database,
        notes=[f"skipped an unreadable run: {line}" for line in unreadable],
        now=now,
    )
    if output is None:
        used = {str(run.path): run.path for run in runs.values() if run is not None}
        output = (
            next(iter(used.values()))
            if len(used) == 1
            else config.reports_dir() / "scorecards" / now.strftime("%Y%m%d-%H%M%S")
        )
    click.echo(render_table(card))
    json_path, markdown_path = write_scorecard(card, output)
    click.echo(f"\nuat: readiness scorecard of {len(card.sites)} site(s) in {json_path} and {markdown_path}")
    if fail_under is not None:
        below = card.below(fail_under)
        if below:
            figures = ", ".join(f"{site.code} {'-' if site.readiness is None else site.readiness}%" for site in below)
            click.echo(f"uat: below {fail_under}%: {figures}", err=True)
            sys.exit(int(ExitCode.SCENARIOS_FAILED))


# -- sign-off (README, "Sign-off") -------------------------------------------------------------------------------

approvals_dir_option = click.option(
    "--approvals-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where approvals are kept (default: $UAT_APPROVALS_DIR, else approvals/ in the reports directory).",
)
SIGNOFF_DECISIONS = ("approve", "approve-with-conditions", "reject")  # odoo_uat.signoff.approvals.DECISIONS


class _SignoffGroup(click.Group):
    """`uat signoff RUN` builds the pack (the `build` command); `uat signoff approve RUN ...` records a decision."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["build", *args]
        return super().parse_args(ctx, args)


@main.group(cls=_SignoffGroup)
def signoff() -> None:
    """The sign-off pack of a run (`uat signoff RUN`) and the approvals bound to its results (`approve`)."""


@signoff.command("build")
@click.argument("run")
@site_option
@sites_dir_option
@approvals_dir_option
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Write the pack here (default: the run's directory, signoff/).",
)
@click.option("--no-pdf", is_flag=True, default=False, help="Write the HTML pages only (no Chromium needed).")
@_reports_errors
def signoff_build(
    run: str,
    sites: tuple[str, ...],
    sites_dir: Path | None,
    approvals_dir: Path | None,
    output: Path | None,
    no_pdf: bool,
) -> None:
    """Build RUN's sign-off pack: an HTML page and an A4 PDF per site and for all sites (RUN: run id or directory)."""
    from odoo_uat.signoff.approvals import approvals_dir as approvals_directory
    from odoo_uat.signoff.model import resolve_run_dir
    from odoo_uat.signoff.pack import build_pack

    run_dir = resolve_run_dir(run, config.reports_dir())
    files = build_pack(
        run_dir,
        sites_dir=config.sites_dir(override=sites_dir),
        approvals_directory=approvals_directory(approvals_dir),
        sites=sites,
        output=output,
        pdf=not no_pdf,
    )
    for note in files.notes:
        click.echo(f"uat: note: {note}", err=True)
    for path in [*files.html, *files.pdf]:
        pages = f", {files.pages[path.name]} A4 pages" if path.name in files.pages else ""
        click.echo(f"uat: {path} ({path.stat().st_size / 1024:.0f} kB{pages})")
    verdicts = ", ".join(f"{site} {verdict.label}" for site, verdict in files.verdicts.items())
    click.echo(f"uat: sign-off pack of run {files.run_id} in {files.seconds:.1f} s; go-live: {verdicts}")


@signoff.command("approve")
@click.argument("run")
@click.option("--site", required=True, metavar="CODE", help="The site whose results are decided on.")
@click.option("--by", required=True, metavar="NAME", help="Who decides (the process owner the profile names).")
@click.option("--role", required=True, metavar="ROLE", help="Their process owner role (procurement, finance, ...).")
@click.option("--decision", required=True, type=click.Choice(SIGNOFF_DECISIONS), help="The decision.")
@click.option("--comment", default="", help="Conditions, or why.")
@approvals_dir_option
@sites_dir_option
@_reports_errors
def signoff_approve(
    run: str,
    site: str,
    by: str,
    role: str,
    decision: str,
    comment: str,
    approvals_dir: Path | None,
    sites_dir: Path | None,
) -> None:
    """Record a decision on one site's results of RUN, bound to the digest of exactly those results."""
    from odoo_uat.signoff.approvals import approvals_dir as approvals_directory
    from odoo_uat.signoff.approvals import assess, load_approvals, record_approval
    from odoo_uat.signoff.model import resolve_run_dir
    from odoo_uat.signoff.pack import read_site_facts

    run_dir = resolve_run_dir(run, config.reports_dir())
    directory = approvals_directory(approvals_dir)
    approval = record_approval(run_dir, site, by=by, role=role, decision=decision, comment=comment, directory=directory)
    facts, _ = read_site_facts(config.sites_dir(override=sites_dir))
    owners = facts[approval.site].owners if approval.site in facts else {}
    approvals, _ = load_approvals(directory, approval.run_id, approval.site)
    status = next(
        status
        for status in assess(approvals, run_dir, approval.run_id, approval.site, owners)
        if status.approval.path == approval.path
    )
    click.echo(f"uat: {approval.decision} of {approval.site} in run {approval.run_id} by {approval.by} ({role})")
    click.echo(f"uat: recorded in {approval.path}, bound to {approval.digest}")
    click.echo(f"uat: it is {status.state}" + (f": {'; '.join(status.reasons)}" if status.reasons else ""))
    if status.note:
        click.echo(f"uat: warning: {status.note}", err=True)
