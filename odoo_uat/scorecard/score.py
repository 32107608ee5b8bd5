"""The per-site readiness figure and the reasons behind it.

A site's figure is the share of its checks that are met, each check weighing the same:
- each cycle its profile has: met when the run's verdict is `passed`;
- each data-quality rule that applies: met when it found nothing (`clean`). A rule switched off by the profile,
  or with nothing in scope to look at, is listed with its reason and left out of the figure; a rule `not
  measured` (the master data could not be read at the end of a run) counts as not met.
The percentage is rounded DOWN, so 100 % means every check is met. Two sub-figures show where the rest is lost:
UAT (cycles passed) and data quality (rules clean). The figure is information for the people who sign off; it
does not change `uat readiness`'s exit code unless `--fail-under N` asks for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from odoo_uat.errors import ProfileError, ProfileErrors
from odoo_uat.gateway import OdooGateway
from odoo_uat.profiles import LoadedProfile
from odoo_uat.scorecard.expectations import RULES, DataQualityProfile
from odoo_uat.scorecard.reads import read_site
from odoo_uat.scorecard.rules import RuleResult, RuleStatus, evaluate, harness_role_needs
from odoo_uat.scorecard.uat_status import CycleStatus, RunResults, cycle_statuses


def percent(met: int, total: int) -> int | None:
    """Rounded down (199 of 200 is 99 %, never 100 %); None when there is nothing to score."""
    return None if total == 0 else (100 * met) // total


@dataclass
class SiteScore:
    code: str
    name: str
    company: str
    warehouse: str
    run_id: str
    run_path: str
    cycles: list[CycleStatus]
    rules: list[RuleResult]
    notes: list[str] = field(default_factory=list)

    @property
    def cycles_passed(self) -> int:
        return sum(1 for cycle in self.cycles if cycle.met)

    @property
    def rules_counted(self) -> list[RuleResult]:
        return [rule for rule in self.rules if rule.counts]

    @property
    def rules_clean(self) -> int:
        return sum(1 for rule in self.rules_counted if rule.status is RuleStatus.CLEAN)

    @property
    def met(self) -> int:
        return self.cycles_passed + self.rules_clean

    @property
    def total(self) -> int:
        return len(self.cycles) + len(self.rules_counted)

    @property
    def readiness(self) -> int | None:
        return percent(self.met, self.total)

    @property
    def uat_percent(self) -> int | None:
        return percent(self.cycles_passed, len(self.cycles))

    @property
    def data_quality_percent(self) -> int | None:
        return percent(self.rules_clean, len(self.rules_counted))

    def reasons(self) -> list[str]:
        """Why the site is not at 100 %: each cycle not passed, each rule with findings."""
        lines = []
        for cycle in self.cycles:
            if not cycle.met:
                why = "; ".join(cycle.reasons)
                lines.append(f"cycle {cycle.cycle}: {cycle.verdict}" + (f": {why}" if why else ""))
        for rule in self.rules:
            if rule.status is RuleStatus.FINDINGS:
                count = len(rule.findings)
                lines.append(
                    f"rule {rule.rule}: {count} finding{'s' if count != 1 else ''} of {rule.checked} checked "
                    f"(expected: {rule.expectation})"
                )
            elif rule.status is RuleStatus.NOT_MEASURED:
                lines.append(f"rule {rule.rule}: not measured ({rule.note})")
        return lines


@dataclass
class Scorecard:
    generated: str
    url: str
    database: str
    runs_dir: str
    sites: list[SiteScore]
    notes: list[str] = field(default_factory=list)

    def below(self, threshold: int) -> list[SiteScore]:
        """Sites under `threshold` percent (a site with nothing to score has no figure: it is below any bar)."""
        return [site for site in self.sites if site.readiness is None or site.readiness < threshold]

    def runs(self) -> list[str]:
        """The run directories the sites' UAT status came from, each once."""
        return list(dict.fromkeys(site.run_path for site in self.sites if site.run_path))


def score_site(
    gateway: OdooGateway, loaded: LoadedProfile, run: RunResults | None, runs_dir: Path, today: date
) -> SiteScore:
    profile = loaded.profile
    quality = profile.data_quality or DataQualityProfile()
    data = read_site(gateway, loaded, quality, harness_role_needs(profile, quality))
    return _site_score(loaded, run, runs_dir, evaluate(data, quality, today), data.notes)


def unmeasured_site(loaded: LoadedProfile, run: RunResults | None, runs_dir: Path, why: str) -> SiteScore:
    """The site's score when its master data could not be read (`why`): its UAT status as the run left it, each
    rule `not measured` with why, except a rule the profile switched off, which keeps its own reason."""
    quality = loaded.profile.data_quality or DataQualityProfile()
    rules = [
        RuleResult(rule, RuleStatus.OFF, note=reason)
        if (reason := getattr(quality, rule).switched_off)
        else RuleResult(rule, RuleStatus.NOT_MEASURED, note=why)
        for rule in RULES
    ]
    return _site_score(loaded, run, runs_dir, rules, [])


def _site_score(
    loaded: LoadedProfile, run: RunResults | None, runs_dir: Path, rules: list[RuleResult], notes: list[str]
) -> SiteScore:
    profile = loaded.profile
    return SiteScore(
        code=profile.code,
        name=profile.name,
        company=profile.company,
        warehouse=profile.warehouse,
        run_id=run.run_id if run else "",
        run_path=str(run.path) if run else "",
        cycles=cycle_statuses(profile.code, list(profile.cycle_sections()), run, runs_dir),
        rules=rules,
        notes=notes,
    )


def build_scorecard(
    gateway: OdooGateway,
    sites: Sequence[LoadedProfile],
    runs: Mapping[str, RunResults | None],
    runs_dir: Path,
    *,
    url: str,
    database: str,
    notes: Sequence[str] = (),
    now: datetime | None = None,
) -> Scorecard:
    """Every selected site's score. Profile problems of all sites are collected and raised together (exit 11)."""
    moment = now or datetime.now(UTC)
    scores = []
    problems: list[ProfileError] = []
    for loaded in sites:
        try:
            scores.append(score_site(gateway, loaded, runs.get(loaded.profile.code), runs_dir, moment.date()))
        except ProfileErrors as error:
            problems.extend(error.errors)
        except ProfileError as error:
            problems.append(error)
    if problems:
        raise ProfileErrors(problems)
    return Scorecard(
        generated=moment.isoformat(timespec="seconds"),
        url=url,
        database=database,
        runs_dir=str(runs_dir),
        sites=scores,
        notes=list(notes),
    )
