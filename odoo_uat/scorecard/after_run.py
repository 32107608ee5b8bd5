"""The readiness scorecard `uat run` writes into its run directory at its end, so every finished run carries it.

`uat run` calls `write_run_scorecard` once its scenarios have ended, while the run directory is still its staging
directory (`.<run id>.partial`): the scorecard is in the run before the run can be reported, packed or approved
(`uat signoff` refuses an unfinished run), and the approval digest covers it (odoo_uat/signoff/digest.py).

It is `uat readiness --run RUN` for the run's sites: the UAT status per cycle from the run's own readiness.json,
the six data-quality rules read-only over RPC as the technical user. What it never does is change the run's
results or its exit code: when the master data cannot be read (Odoo unreachable, its database down, a read
refused, the profile's `data_quality:` naming what does not exist, a bug of ours), each rule of the site is
recorded as `not measured (<outcome>: <why>)`, in the words of the outcome model (odoo_uat/outcomes.py), and the
run goes on to its end. After an environment failure the sites left are not tried (nothing would be learnt; the
gateway's breaker would refuse them anyway). A run that was interrupted (Ctrl-C, SIGTERM) is not measured: its
scorecard says so, and `uat readiness --run RUN` measures it later.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from odoo_uat.config import TargetSettings
from odoo_uat.errors import UatError
from odoo_uat.gateway import OdooGateway, SessionPool
from odoo_uat.outcomes import Outcome, classify
from odoo_uat.profiles import LoadedProfile
from odoo_uat.redaction import redact
from odoo_uat.scorecard.render import JSON_NAME, write_scorecard
from odoo_uat.scorecard.rules import RuleStatus
from odoo_uat.scorecard.score import Scorecard, SiteScore, score_site, unmeasured_site
from odoo_uat.scorecard.uat_status import RunResults, load_run

# How a read that failed is named beside `not measured`: the outcome model's words, but an Odoo refusal of a read
# is no business finding about the site (classify calls an OdooError FAILED, which is right for a scenario).
FAILED_READ = "Odoo refused a read"


@dataclass
class RunScorecard:
    """What the end of a run did about its scorecard, for the run's closing lines."""

    path: Path | None = None  # the JSON, once written (in the staging directory; the run directory keeps its name)
    scorecard: Scorecard | None = None
    seconds: float = 0.0
    problem: str = ""  # why none was written
    unmeasured: list[str] = field(default_factory=list)  # sites whose data quality was not measured, with why

    def summary(self) -> str:
        if self.scorecard is None:
            return f"no readiness scorecard: {self.problem} (`uat readiness --run RUN` writes it)"
        figures = ", ".join(
            f"{site.code} {'-' if site.readiness is None else site.readiness}% "
            f"({site.cycles_passed}/{len(site.cycles)} cycles passed, "
            + (
                "data quality not measured)"
                if any(rule.status is RuleStatus.NOT_MEASURED for rule in site.rules)
                else f"{site.rules_clean}/{len(site.rules_counted)} rules clean)"
            )
            for site in self.scorecard.sites
        )
        return f"readiness scorecard {figures}; {JSON_NAME} in {self.seconds:.1f} s"


def not_measured_reason(error: BaseException) -> str:
    """`environment: Odoo at ... does not answer`, `blocked: <profile problem>`, ...: why the rules were not read."""
    classified = classify(error)
    label = FAILED_READ if classified.outcome is Outcome.FAILED else str(classified.outcome)
    return redact(f"{label}: {classified.reason}")


def measure_sites(
    gateway: OdooGateway | None,
    sites: Sequence[LoadedProfile],
    run: RunResults,
    runs_dir: Path,
    *,
    today: date,
    unavailable: str = "",
) -> tuple[list[SiteScore], list[str]]:
    """Each site's score; a site whose master data cannot be read gets its rules `not measured` with why.

    `unavailable`: why no site can be read at all (the technical user's login failed, the run was interrupted)."""
    scores: list[SiteScore] = []
    unmeasured: list[str] = []
    for loaded in sites:
        why = unavailable
        if not why and gateway is not None:
            try:
                scores.append(score_site(gateway, loaded, run, runs_dir, today))
                continue
            except KeyboardInterrupt as stop:  # SIGTERM or Ctrl-C while measuring: the run still closes in order
                unavailable = why = _interrupted(stop)
            except Exception as error:  # any failure is recorded for the site, never the run's
                why = not_measured_reason(error)
                if classify(error).outcome is Outcome.ENVIRONMENT:
                    unavailable = why  # the sites left would only meet it again
        scores.append(unmeasured_site(loaded, run, runs_dir, why or "no connection to Odoo"))
        unmeasured.append(f"{loaded.profile.code}: {why}")
    return scores, unmeasured


def _interrupted(stop: KeyboardInterrupt) -> str:
    return f"interrupted: {stop or 'Ctrl-C'} while measuring"


def write_run_scorecard(
    settings: TargetSettings,
    sites: Sequence[LoadedProfile],
    staging: Path,
    final: Path,
    runs_dir: Path,
    *,
    now: datetime | None = None,
) -> RunScorecard:
    """Measure the run's sites and write readiness-scorecard.json/.md into `staging` (the run directory to be)."""
    started = time.perf_counter()
    outcome = RunScorecard()
    try:
        run = replace(load_run(staging), path=final)  # the scorecard names the run directory, not its staging name
    except UatError as error:  # nothing ran, or the run's readiness is unreadable: nothing to score against
        outcome.problem = redact(str(error))
        return outcome
    moment = now or datetime.now(UTC)
    gateway: OdooGateway | None = None
    unavailable = f"interrupted: the run was interrupted ({run.interrupted})" if run.interrupted else ""
    if not unavailable:
        try:
            gateway = SessionPool(settings).technical().read_only()
        except KeyboardInterrupt as stop:
            unavailable = _interrupted(stop)
        except Exception as error:  # recorded as why the rules were not measured
            unavailable = not_measured_reason(error)
    scores, outcome.unmeasured = measure_sites(
        gateway, sites, run, runs_dir, today=moment.date(), unavailable=unavailable
    )
    outcome.scorecard = Scorecard(
        generated=moment.isoformat(timespec="seconds"),
        url=settings.url,
        database=settings.database,
        runs_dir=str(runs_dir),
        sites=scores,
        notes=["written by `uat run` at its end; `uat readiness --run RUN` measures the data quality again"],
    )
    write_scorecard(outcome.scorecard, staging)
    outcome.path = final / JSON_NAME
    outcome.seconds = time.perf_counter() - started
    return outcome
