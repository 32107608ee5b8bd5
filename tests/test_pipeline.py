"""`make test` (tools/pipeline.py): which live part runs, how its summary reads, how its lanes print. No Odoo."""

from __future__ import annotations

import sys

import pytest

from tests.live.bundle import DEFAULT_SERVE, drill_args
from tools.pipeline import Part, Pipeline, live_plan


def test_without_odoo_url_the_bundle_is_used_when_it_is_beside_the_repository() -> None:
    assert live_plan({}, has_bundle=True) == ("bundle", "")


def test_odoo_url_wins_over_the_bundle() -> None:
    assert live_plan({"ODOO_URL": "https://uat.example.org"}, has_bundle=True) == ("ODOO_URL", "")
    assert live_plan({"ODOO_URL": "https://uat.example.org"}, has_bundle=False) == ("ODOO_URL", "")


def test_with_neither_the_live_part_says_plainly_that_it_did_not_run_and_why() -> None:
    plan, why = live_plan({}, has_bundle=False)

    assert plan == "none"
    assert "ODOO_URL is unset" in why
    assert str(DEFAULT_SERVE) in why
    assert "did not run" in why


def test_uat_live_0_skips_the_live_part_on_purpose() -> None:
    assert live_plan({"UAT_LIVE": "0", "ODOO_URL": "http://odoo.test"}, has_bundle=True) == (
        "none",
        "UAT_LIVE=0 (skipped on purpose)",
    )


def test_the_summary_has_one_row_per_part_and_the_total() -> None:
    pipeline = Pipeline(parts=[Part("lint", 2.04), Part("uat run", 75.5, "FAILED (exit 20)")])

    table = pipeline.summary().splitlines()

    assert table[:2] == ["| part | time | result |", "|---|---:|---|"]
    assert table[2] == "| lint | 2.0 s | ok |"
    assert table[3] == "| uat run | 1 min 15.5 s | FAILED (exit 20) |"
    assert table[4].startswith("| **total** (budget 30 min) | **")
    assert pipeline.failed


def _prints(lines: int, word: str) -> list[str]:
    script = f"import time\nfor i in range({lines}):\n    print('{word}', i, flush=True)\n    time.sleep(0.01)"
    return [sys.executable, "-c", script]


def test_lanes_run_side_by_side_and_print_each_part_whole(capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = Pipeline()

    def left() -> None:
        for n in range(2):
            pipeline.run(f"left {n}", _prints(20, "LEFT"))

    def right() -> None:
        pipeline.run("right", _prints(30, "RIGHT"))

    pipeline.lanes(left=left, right=right)

    assert sorted(part.name for part in pipeline.parts) == [
        "left 0 [left lane]",
        "left 1 [left lane]",
        "right [right lane]",
    ]
    assert not pipeline.failed
    printed = capsys.readouterr().out
    # one part's 20 lines come together, never cut by the other lane's
    for name, word, count in (("left 0", "LEFT", 20), ("right", "RIGHT", 30)):
        block = printed.split(f"=== {name} [", 2)[2].split("=== ", 1)[0]
        assert block.count(word) == count, block


def test_a_lane_that_crashes_is_a_failed_part_and_the_other_lane_finishes() -> None:
    pipeline = Pipeline()

    def crash() -> None:
        raise RuntimeError("no such database")

    def fine() -> None:
        pipeline.run("fine", _prints(1, "OK"))

    pipeline.lanes(broken=crash, fine=fine)

    assert [part.result for part in pipeline.parts if part.name == "broken lane"] == [
        "FAILED (crashed: RuntimeError('no such database'))"
    ]
    assert [part.result for part in pipeline.parts if part.name.startswith("fine")] == ["ok"]
    assert pipeline.failed


def test_a_drills_uat_run_leaves_out_the_report_and_scorecard_unless_it_asks_for_them() -> None:
    assert drill_args(["run", "--site", "CLINIC", "--", "-k", "x"]) == [
        "run",
        "--no-report",
        "--no-scorecard",
        "--site",
        "CLINIC",
        "--",
        "-k",
        "x",
    ]
    assert drill_args(["run", "--with-evidence", "--site", "LAB"]) == ["run", "--site", "LAB"]
    assert drill_args(["readiness", "--site", "CLINIC"]) == ["readiness", "--site", "CLINIC"]
