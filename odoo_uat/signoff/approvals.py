"""Approvals: a process owner's decision on one site's results of one run, bound to the digest of those results.

Each approval is one plain JSON file (keys sorted, two-space indent, so it diffs well), never rewritten:
`<approvals dir>/<run id>/<SITE>/<UTC time>-<role>.json`. The approvals directory is the programme's choice
(`--approvals-dir`, else $UAT_APPROVALS_DIR, else `approvals/` in the reports directory), so a programme can keep
its approvals in its own repository. A later decision of the same role for the same run and site supersedes the
earlier one, which stays on file. A file is written whole or not at all (a temporary file, then a rename).

An approval is valid while the digest of the results it approved (odoo_uat/signoff/digest.py) is the digest of
the run's results now, and no newer run of its site exists in the reports directory; otherwise it is STALE, with
the reason. A site's go-live verdict needs a valid approve (or approve-with-conditions) from each process owner its
profile names (`process_owners:`), each by the person named there.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from odoo_uat import config
from odoo_uat.errors import InvalidInput, UnknownSiteError
from odoo_uat.profiles import PROCESS_OWNER_ROLE
from odoo_uat.redaction import redact
from odoo_uat.run_dirs import READINESS_JSON
from odoo_uat.signoff.digest import site_digest
from odoo_uat.signoff.model import read_readiness
from odoo_uat.signoff.scorecard import read_scorecard

DECISIONS = ("approve", "approve-with-conditions", "reject")
APPROVALS_DIR_VARIABLE = "UAT_APPROVALS_DIR"
APPROVAL_FORMAT = "odoo-uat approval 1"
VALID = "valid"
STALE = "STALE"
SUPERSEDED = "superseded"
NOT_A_RESULT = ("not run", "n/a")
RUN_MOMENT = re.compile(r"^UAT-(\d{8}-\d{6})-")
SAME_SECOND = re.compile(r"\.(\d+)\.json$")


def approvals_dir(override: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if override is not None:
        return override
    if env.get(APPROVALS_DIR_VARIABLE):
        return Path(env[APPROVALS_DIR_VARIABLE])
    return config.reports_dir(env) / "approvals"


@dataclass(frozen=True)
class Approval:
    run_id: str
    site: str
    role: str
    by: str
    decision: str
    comment: str
    recorded_at: str  # ISO 8601, UTC
    digest: str
    path: Path

    @property
    def approves(self) -> bool:
        return self.decision in {"approve", "approve-with-conditions"}


@dataclass(frozen=True)
class ApprovalStatus:
    approval: Approval
    state: str  # valid, STALE or superseded
    reasons: tuple[str, ...] = ()
    owner: str = ""  # the person the site's profile names for the approval's role
    counts: bool = False  # toward the go-live verdict: valid, and by the owner the profile names

    @property
    def note(self) -> str:
        """Why it does not count although valid (a role or person the profile does not name)."""
        if self.state != VALID or self.counts:
            return ""
        if not self.owner:
            return f"the site's profile names no {self.approval.role} process owner: it does not count"
        return f"the profile names {self.owner} as the {self.approval.role} owner: it does not count"


@dataclass(frozen=True)
class Verdict:
    label: str  # GO, GO WITH CONDITIONS, NO GO, PENDING
    reasons: tuple[str, ...] = ()


# -- recording -----------------------------------------------------------------------------------------------------


def _one_line(value: str, what: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise InvalidInput(f"{what} is empty: name who decides")
    return cleaned


def _validated(site: str, by: str, role: str, decision: str) -> tuple[str, str]:
    if decision not in DECISIONS:
        raise InvalidInput(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if not PROCESS_OWNER_ROLE.fullmatch(role):
        raise InvalidInput(
            f"role {role!r}: a process owner role is a plain word of lower case letters, digits, _ or - "
            "(procurement, inventory, biomedical, service, finance, ...)"
        )
    return _one_line(by, "--by"), site.strip().upper()


def record_approval(
    run_dir: Path,
    site: str,
    *,
    by: str,
    role: str,
    decision: str,
    comment: str = "",
    directory: Path,
    now: datetime | None = None,
) -> Approval:
    """Record a decision on `site`'s results of the run in `run_dir`, bound to their digest; returns it."""
    by, site = _validated(site, by, role, decision)
    readiness = read_readiness(run_dir)
    if site not in readiness["sites"]:
        raise UnknownSiteError(
            f"Run {readiness.get('run_id', run_dir.name)} has no results for site {site}; "
            f"its sites: {', '.join(readiness['sites']) or '(none)'}"
        )
    run_id = str(readiness.get("run_id") or run_dir.name)
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    document: dict[str, Any] = {
        "format": APPROVAL_FORMAT,
        "run_id": run_id,
        "site": site,
        "role": role,
        "by": redact(by),
        "decision": decision,
        "comment": redact(comment.strip()),
        "recorded_at": moment.isoformat().replace("+00:00", "Z"),
        "digest": site_digest(run_dir, site),
        "results": {  # what was approved, for a reader of the file; the digest is what binds it
            "cells": readiness["sites"][site],
            "ready": readiness.get("ready", {}).get(site, ""),
            "readiness_percent": _scorecard_figure(run_dir, site),
        },
    }
    folder = directory / run_id / site
    stem = f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{role}"
    path = folder / f"{stem}.json"
    counter = 2
    while path.exists():  # two decisions within a second: numbered, in order (`_recorded_order`)
        path = folder / f"{stem}.{counter}.json"
        counter += 1
    _write_atomically(path, json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return _approval(document, path)


def _scorecard_figure(run_dir: Path, site: str) -> int | str | None:
    """The site's readiness figure in the run's scorecard, as the pack showed it ("no scorecard" without one)."""
    scorecard = read_scorecard(run_dir)
    if scorecard.state != "present":
        return f"no scorecard ({scorecard.state})"
    card = scorecard.sites.get(site)
    return card.readiness if card is not None else "not in the scorecard"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with partial.open("w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


# -- reading and judging ---------------------------------------------------------------------------------------------


def _approval(document: Mapping[str, Any], path: Path) -> Approval:
    return Approval(
        run_id=str(document.get("run_id", "")),
        site=str(document.get("site", "")),
        role=str(document.get("role", "")),
        by=str(document.get("by", "")),
        decision=str(document.get("decision", "")),
        comment=str(document.get("comment", "")),
        recorded_at=str(document.get("recorded_at", "")),
        digest=str(document.get("digest", "")),
        path=path,
    )


def load_approvals(directory: Path, run_id: str, site: str) -> tuple[list[Approval], list[str]]:
    """The approvals recorded for a run's site, oldest first, and the files there that are not approvals."""
    approvals: list[Approval] = []
    problems: list[str] = []
    folder = directory / run_id / site
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            problems.append(f"{path.name}: not an approval ({error})")
            continue
        if not isinstance(document, dict) or document.get("format") != APPROVAL_FORMAT:
            problems.append(f"{path.name}: not an approval (no format {APPROVAL_FORMAT!r})")
            continue
        approvals.append(_approval(document, path))
    approvals.sort(key=_recorded_order)
    return approvals, problems


def _recorded_order(approval: Approval) -> tuple[str, int]:
    """By time recorded, then by the number a second decision within the same second got (`<stem>.2.json`)."""
    number = SAME_SECOND.search(approval.path.name)
    return approval.recorded_at, int(number.group(1)) if number else 1


def _moment_of(run_dir: Path) -> tuple[str, float]:
    match = RUN_MOMENT.match(run_dir.name)
    try:
        written = (run_dir / READINESS_JSON).stat().st_mtime
    except OSError:
        written = 0.0
    return (match.group(1) if match else ""), written


def newer_runs_of_site(runs_dir: Path, run_id: str, site: str) -> list[str]:
    """Finished runs in the same runs directory, newer than `run_id`, with a result for `site`."""
    ours = _moment_of(runs_dir / run_id)
    newer: list[str] = []
    for other in sorted(runs_dir.glob("UAT-*")):
        if other.name == run_id or not (other / READINESS_JSON).is_file() or _moment_of(other) <= ours:
            continue
        try:
            readiness = json.loads((other / READINESS_JSON).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        verdicts = readiness.get("sites", {}).get(site, {}) if isinstance(readiness, dict) else {}
        if any(verdict not in NOT_A_RESULT for verdict in verdicts.values()):
            newer.append(other.name)
    return newer


def _same_person(one: str, other: str) -> bool:
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


def assess(
    approvals: Sequence[Approval], run_dir: Path, run_id: str, site: str, owners: Mapping[str, str]
) -> list[ApprovalStatus]:
    """Each approval of the site as valid, STALE (with why) or superseded by a later one of the same role."""
    current = site_digest(run_dir, site)
    newer = newer_runs_of_site(run_dir.parent, run_id, site)
    latest = {approval.role: approval for approval in approvals}  # oldest first: the last of each role wins
    statuses: list[ApprovalStatus] = []
    for approval in approvals:
        owner = owners.get(approval.role, "")
        if latest[approval.role] is not approval:
            later = latest[approval.role]
            reason = f"superseded by {later.by}'s {later.decision} of {later.recorded_at}"
            statuses.append(ApprovalStatus(approval, SUPERSEDED, (reason,), owner))
            continue
        reasons: list[str] = []
        if approval.run_id != run_id or approval.site != site:
            reasons.append(f"it was recorded for {approval.run_id} / {approval.site}, not for these results")
        if approval.digest != current:
            reasons.append(
                f"the results under it changed since it was recorded (approved {approval.digest[:19]}..., "
                f"now {current[:19]}...)"
            )
        if newer:
            reasons.append(f"a newer run of {site} exists: {', '.join(newer)}")
        state = STALE if reasons else VALID
        counts = state == VALID and bool(owner) and _same_person(owner, approval.by)
        statuses.append(ApprovalStatus(approval, state, tuple(reasons), owner, counts))
    return statuses


def go_live_verdict(ready: str, owners: Mapping[str, str], statuses: Sequence[ApprovalStatus]) -> Verdict:
    """GO needs a valid approval by every named process owner of these very results (module docstring)."""
    if not owners:
        return Verdict(
            "PENDING", ("the site's profile names no process owners (process_owners:): nobody can sign it off",)
        )
    counting = {status.approval.role: status for status in statuses if status.counts}
    rejected = [status for role, status in counting.items() if role in owners and not status.approval.approves]
    if rejected:
        return Verdict(
            "NO GO",
            tuple(
                f"{status.approval.by} ({status.approval.role}) rejected"
                + (f": {status.approval.comment}" if status.approval.comment else "")
                for status in rejected
            ),
        )
    reasons: list[str] = []
    for role, person in owners.items():
        if role in counting:
            continue
        stale = [status for status in statuses if status.approval.role == role and status.state == STALE]
        reasons.append(
            f"no valid approval from the {role} owner ({person})"
            + (f": theirs is STALE ({'; '.join(stale[-1].reasons)})" if stale else "")
        )
    if reasons:
        return Verdict("PENDING", tuple(reasons))
    conditions = [
        f"{status.approval.by} ({role}): {status.approval.comment or 'conditions not stated'}"
        for role, status in counting.items()
        if role in owners and status.approval.decision == "approve-with-conditions"
    ]
    if ready != "yes":
        conditions.append(f"readiness is {ready!r}: the owners approved with open items (listed in this pack)")
    return Verdict("GO WITH CONDITIONS", tuple(conditions)) if conditions else Verdict("GO")
