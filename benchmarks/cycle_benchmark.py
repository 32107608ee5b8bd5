"""Time per cycle and RPC round trips per cycle, measured against a live target.

Method: run `uat run` N times (default 3) against the target in ODOO_URL/ODOO_DB; each run writes, per
scenario, its wall time (setup and teardown included) and the RPC round trips its roles made
(readiness.json, "scenarios"). One cycle for one site is the sum over that cycle's scenarios for the site
in one run (for month-end close, one company). The script reports, per cycle, the median of those sums over
every site and run, and each cycle's median time as a ratio of the fastest cycle's, all from the same runs.
It also notes the machine it ran on. It writes only what `uat run` writes: run-tagged transactional records.

    python benchmarks/cycle_benchmark.py --runs 3 [--site CLINIC ...] [-- pytest args]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EVIDENCE_LINE = re.compile(r"uat: evidence in (\S+)")


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line]
        cpu = names[0] if names else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GiB"
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} cores ({cpu}){memory}, {system}"


def one_run(uat: Path, sites: list[str], pytest_args: list[str], run: int) -> list[dict[str, Any]]:
    command = [str(uat), "run", *[a for s in sites for a in ("--site", s)], "--", "-q", *pytest_args]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    match = EVIDENCE_LINE.search(completed.stdout)
    if completed.returncode not in (0, 1) or not match:
        tail = completed.stdout[-3000:] + completed.stderr[-2000:]
        sys.exit(f"uat run failed with exit code {completed.returncode}:\n{tail}")
    readiness = json.loads((Path(match.group(1)) / "readiness.json").read_text())
    scenarios: list[dict[str, Any]] = readiness["scenarios"]
    return [{**scenario, "run": run} for scenario in scenarios]


def report(scenarios: list[dict[str, Any]], runs: int) -> str:
    per_site: dict[tuple[str, int, str], dict[str, float]] = {}  # (cycle, run, site) -> summed figures
    for scenario in scenarios:
        totals = per_site.setdefault(
            (scenario["cycle"], scenario["run"], scenario["site"]), {"seconds": 0.0, "round_trips": 0, "scenarios": 0}
        )
        totals["seconds"] += scenario["seconds"]
        totals["round_trips"] += scenario["round_trips"]
        totals["scenarios"] += 1
    by_cycle: dict[str, list[dict[str, float]]] = {}
    for (cycle, _, _), totals in per_site.items():
        by_cycle.setdefault(cycle, []).append(totals)
    medians = {cycle: statistics.median(s["seconds"] for s in items) for cycle, items in by_cycle.items()}
    fastest = min(medians.values())
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {runs} runs, on {machine()}.",
        "",
        "| Cycle | Scenarios per site | Cycles timed (site x run) | Median time per cycle (s) "
        "| Median RPC round trips per cycle | ms per round trip | Time vs fastest cycle |",
        "|---|---|---|---|---|---|---|",
    ]
    for cycle, items in sorted(by_cycle.items()):
        trips = statistics.median(s["round_trips"] for s in items)
        per_trip = 1000 * medians[cycle] / trips if trips else 0.0
        ratio = medians[cycle] / fastest
        per = statistics.median(s["scenarios"] for s in items)
        lines.append(
            f"| {cycle} | {per:g} | {len(items)} | {medians[cycle]:.2f} | {trips:.0f} | {per_trip:.0f} | {ratio:.1f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--site", action="append", default=[])
    parser.add_argument("pytest_args", nargs="*")
    options = parser.parse_args()
    uat = Path(sys.executable).with_name("uat")
    scenarios = [s for run in range(options.runs) for s in one_run(uat, options.site, options.pytest_args, run)]
    print(report(scenarios, options.runs))


if __name__ == "__main__":
    main()
