"""`make test` (tools/pipeline.py): which live part runs, and how its summary reads. No Odoo, no subprocess."""

from __future__ import annotations

from tests.live.bundle import DEFAULT_SERVE
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
