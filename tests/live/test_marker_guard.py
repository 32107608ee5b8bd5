"""The marker guard on the real Odoo: a database that is not marked as this UAT target is never touched."""

from __future__ import annotations

import pytest

from tests.live.bundle import LiveTarget, OdooBundle
from tests.live.conftest import BUSINESS_MODELS, RecordCounts, RunUat

NOT_A_UAT_TARGET = 22


@pytest.mark.parametrize(
    ("marker", "why"),
    [
        pytest.param(None, "lacks the UAT marker", id="unmarked"),
        pytest.param("uat_production_copy", "is marked for another database", id="marked-for-another-name"),
    ],
)
def test_run_refuses_a_database_not_marked_as_this_target(
    odoo_bundle: OdooBundle,
    fresh_target: LiveTarget,
    run_uat: RunUat,
    record_counts: RecordCounts,
    marker: str | None,
    why: str,
) -> None:
    odoo_bundle.set_marker(fresh_target.database, marker)
    before = record_counts(fresh_target, BUSINESS_MODELS)

    result = run_uat(fresh_target, "run")

    assert result.exit_code == NOT_A_UAT_TARGET, f"the database {why}, yet:\n{result.output[-3000:]}"
    assert "UAT target" in result.output, result.output[-3000:]
    assert fresh_target.database in result.output
    assert result.run_dirs == [], "a refused run keeps no results"
    assert result.partial_dirs == [], "a refused run leaves no .partial directory"
    assert result.readiness() is None
    assert record_counts(fresh_target, BUSINESS_MODELS) == before
    stored = odoo_bundle.psql(fresh_target.database, "SELECT value FROM ir_config_parameter WHERE key = 'uat.target'")
    assert stored == (marker or ""), "the refused run left the marker as it found it"
