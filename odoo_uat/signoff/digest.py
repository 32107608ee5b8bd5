"""The digest of exactly the results an approval of one site approves.

What is digested (`site_results`), for site S of run R:
- from R's readiness.json: the run id, whether the run was interrupted, S's verdict per cycle, S's reasons, S's
  readiness ("ready") and every scenario entry behind S's cells (S's own, and for a once-per-company cell the
  scenarios of the site that ran it for S's company) with its outcome, mode, reason, time and round trips;
- every Allure result file of R (`allure-results/*-result.json`) labelled with S, or with a site that ran a
  per-company cycle for S (that cycle's results only), parsed and keyed by file name; a file that is not JSON is
  digested by the sha256 of its bytes;
- the sha256 of every attachment those results reference (screenshots, the checks' evidence, traces), keyed by
  its file name; an attachment that is gone is recorded as missing;
- S's part of the run's readiness scorecard (readiness-scorecard.json, which `uat run` writes at its end and the
  pack shows): S's entry, parsed (its figure, UAT status per cycle, each data-quality rule with its verdict,
  findings and notes) and the target it was measured on; a file that is not a scorecard by the sha256 of its
  bytes; no file as absent (odoo_uat/signoff/scorecard.py, `site_scorecard_document`).
The digest is the sha256 of that document as canonical JSON (keys sorted, no whitespace, UTF-8), written
`sha256:<hex>`. So editing any of those results, a check's evidence or a screenshot by hand, or adding or removing a
result of S, or S's scorecard entry (or writing a scorecard where there was none), changes the digest; other sites'
results, the readiness and scorecard entries of other sites, the time the scorecard was measured and the pack
itself do not. Reformatting a JSON file without changing its content does not (the content is what is approved).
Format 2 added the scorecard: an approval recorded under format 1 shows as stale (its results are digested anew).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from odoo_uat.signoff.model import RESULTS_DIR, cycle_of, read_readiness, read_result, result_files, site_of, via_sites
from odoo_uat.signoff.scorecard import site_scorecard_document

DIGEST_FORMAT = "odoo-uat sign-off digest 2"


def canonical_json(document: Any) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sources(node: Mapping[str, Any]) -> Iterator[str]:
    for attachment in node.get("attachments", []):
        if isinstance(attachment, dict) and attachment.get("source"):
            yield str(attachment["source"])
    for step in node.get("steps", []):
        if isinstance(step, dict):
            yield from _sources(step)


def site_results(run_dir: Path, site: str) -> dict[str, Any]:
    """The document a site's approval is bound to (module docstring)."""
    readiness = read_readiness(run_dir)
    verdicts = readiness["sites"].get(site, {})
    reasons = readiness.get("reasons", {}).get(site, {})
    behind: dict[str, set[str]] = {cycle: {site, *via_sites(reasons.get(cycle, []))} for cycle in verdicts}
    scenarios = [
        entry
        for entry in readiness.get("scenarios", [])
        if isinstance(entry, dict) and entry.get("site") in behind.get(str(entry.get("cycle")), set())
    ]
    results: dict[str, Any] = {}
    attachments: dict[str, str] = {}
    results_dir = run_dir / RESULTS_DIR
    for path in result_files(run_dir):
        data = read_result(path)
        if data is None:  # not JSON (edited by hand?): its bytes are what it is; counted if it names the site
            raw = path.read_bytes()
            if f'"{site}"'.encode() in raw or f'"site:{site}"'.encode() in raw:
                results[path.name] = {"unparsable_sha256": hashlib.sha256(raw).hexdigest()}
            continue
        ran_by, cycle = site_of(data), cycle_of(data)
        if ran_by != site and ran_by not in behind.get(cycle, set()):
            continue
        results[path.name] = data
        for source in _sources(data):
            attachment = results_dir / source
            attachments[source] = _file_sha256(attachment) if attachment.is_file() else "missing"
    return {
        "format": DIGEST_FORMAT,
        "run_id": readiness.get("run_id", run_dir.name),
        "site": site,
        "readiness": {
            "interrupted": readiness.get("interrupted", ""),
            "cells": verdicts,
            "reasons": reasons,
            "ready": readiness.get("ready", {}).get(site, ""),
            "scenarios": scenarios,
        },
        "allure_results": results,
        "attachments": attachments,
        "scorecard": site_scorecard_document(run_dir, site),
    }


def site_digest(run_dir: Path, site: str) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(site_results(run_dir, site))).hexdigest()
