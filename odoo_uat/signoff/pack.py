"""`uat signoff RUN`: the sign-off pack of a run, written into the run's directory.

For each site of the run and for all of them together, `<run dir>/signoff/<SITE>.html` and `.pdf`, and `ALL.html`
and `ALL.pdf`. The sites' names and process owners come from their profiles (the sites directory); the approvals
from the approvals directory. Each file is written whole or not at all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from odoo_uat.errors import ProfileError, ProfileErrors, UnknownSiteError
from odoo_uat.profiles import load_profile
from odoo_uat.signoff.approvals import Verdict, assess, go_live_verdict, load_approvals
from odoo_uat.signoff.digest import site_digest
from odoo_uat.signoff.html import ALL_SITES, SiteFacts, SiteSignoff, page_context, render_page
from odoo_uat.signoff.model import RunResults, load_run
from odoo_uat.signoff.pdf import page_count, print_pdfs
from odoo_uat.signoff.scorecard import read_scorecard

SIGNOFF_DIR = "signoff"


@dataclass
class PackFiles:
    """What a build wrote, with the figures the command prints."""

    run_id: str
    directory: Path
    html: list[Path] = field(default_factory=list)
    pdf: list[Path] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)  # pdf file name -> pages
    seconds: float = 0.0
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_site_facts(sites_dir: Path) -> tuple[dict[str, SiteFacts], list[str]]:
    """Each readable profile's facts by site code; a profile that cannot be read is a note, not a stop (the pack
    still shows the results; the site's verdict then says its owners are unknown)."""
    facts: dict[str, SiteFacts] = {}
    notes: list[str] = []
    paths = sorted([*sites_dir.glob("*.yaml"), *sites_dir.glob("*.yml")]) if sites_dir.is_dir() else []
    for path in paths:
        try:
            profile = load_profile(path).profile
        except ProfileErrors as error:
            notes.extend(str(problem) for problem in error.errors)
            continue
        except ProfileError as error:
            notes.append(str(error))
            continue
        facts[profile.code] = SiteFacts(
            code=profile.code,
            name=profile.name,
            company=profile.company,
            warehouse=profile.warehouse,
            owners=dict(profile.process_owners),
            profile_found=True,
        )
    return facts, notes


def harness_version() -> str:
    try:
        return metadata.version("odoo-uat")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def site_signoff(
    run: RunResults, site: str, facts: SiteFacts, approvals_directory: Path, sites_dir: Path
) -> SiteSignoff:
    approvals, problems = load_approvals(approvals_directory, run.run_id, site)
    statuses = assess(approvals, run.directory, run.run_id, site, facts.owners)
    ready = run.ready.get(site, "")
    verdict = go_live_verdict(ready, facts.owners, statuses)
    if not facts.profile_found:
        verdict = Verdict(
            "PENDING", (f"no readable profile of {site} in {sites_dir} (--sites-dir): its process owners are unknown",)
        )
    return SiteSignoff(facts, ready, verdict, site_digest(run.directory, site), statuses, problems)


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def build_pack(
    run_dir: Path,
    *,
    sites_dir: Path,
    approvals_directory: Path,
    sites: Sequence[str] = (),
    output: Path | None = None,
    pdf: bool = True,
    now: datetime | None = None,
) -> PackFiles:
    """Write the pack of the run in `run_dir`: a page per selected site (all by default) and one for all of them."""
    started = time.perf_counter()
    run = load_run(run_dir)
    chosen = [site.strip().upper() for site in sites] or list(run.sites)
    unknown = [site for site in chosen if site not in run.sites]
    if unknown:
        raise UnknownSiteError(
            f"Run {run.run_id} has no results for site {', '.join(unknown)}; its sites: {', '.join(run.sites)}"
        )
    known, notes = read_site_facts(sites_dir)
    facts: Mapping[str, SiteFacts] = {site: known.get(site, SiteFacts(code=site)) for site in run.sites}
    signoffs = {site: site_signoff(run, site, facts[site], approvals_directory, sites_dir) for site in chosen}
    scorecard = read_scorecard(run_dir)
    directory = output or run_dir / SIGNOFF_DIR
    directory.mkdir(parents=True, exist_ok=True)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    files = PackFiles(run.run_id, directory, notes=notes)
    if scorecard.state != "present":
        files.notes.append(
            f"run {run.run_id} has no readable readiness scorecard ({scorecard.state}"
            + (f": {scorecard.problem}" if scorecard.problem else "")
            + f"); the pack says so: `uat readiness --run {run.run_id}` writes it, then build the pack again"
        )
    files.verdicts = {site: signoff.verdict for site, signoff in signoffs.items()}
    printing: list[tuple[Path, Path, str, str]] = []
    for scope, members in [*((site, [site]) for site in chosen), (ALL_SITES, chosen)]:
        context = page_context(
            run,
            members,
            facts,
            signoffs,
            scope=scope,
            generated_at=moment,
            harness_version=harness_version(),
            run_reference=str(run_dir),
            scorecard=scorecard,
        )
        html = directory / f"{scope}.html"
        _write_atomically(html, render_page(context))
        files.html.append(html)
        if pdf:
            printing.append(
                (html, directory / f"{scope}.pdf", run.run_id, "all sites" if scope == ALL_SITES else scope)
            )
    print_pdfs(printing)
    for _, path, _, _ in printing:
        files.pdf.append(path)
        files.pages[path.name] = page_count(path)
    files.seconds = time.perf_counter() - started
    return files
