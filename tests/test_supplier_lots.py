"""Supplier lots given as a feature's data table, offline: the table's lots, the cell a bad table is blocked on
(exit 13, before a run, by `uat steps --check`), how a feature names one lot, and the order in which the
storekeeper answers Odoo's questions on Validate. The business behaviour (what Odoo 19 does with an expired lot
on a receipt) is tested against the real Odoo by features/supplier_lots.feature."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import parsers

from odoo_uat.actions.receiving import BACKORDER_WIZARD, EXPIRY_WIZARD, ExpiredLots, record_lots, validated
from odoo_uat.catalogue import require_bound_steps
from odoo_uat.cycles.receiving import SupplierLot, TableLot, lot_expiring, said_day, table_lots
from odoo_uat.errors import ExitCode, FeatureFileError, RecordRef
from odoo_uat.language import days_from_today
from odoo_uat.outcomes import Outcome, classify
from steps.receiving import RECEIVE_TABLE, STEP_TYPES

FEATURES = Path(__file__).resolve().parent.parent / "features"
TABLE = [["quantity", "expires"], ["40", "in 720 days"], ["40", "in 20 days"], ["40", "3 days ago"]]
TODAY = date(2026, 12, 2)


def test_the_tables_lots_keep_its_order_quantities_and_expiry_dates_relative_to_today() -> None:
    lots = table_lots(TABLE, "UAT-1-CLINIC-LOT-P00012", step="s", today=TODAY)

    assert [lot.lot for lot in lots] == [
        SupplierLot("UAT-1-CLINIC-LOT-P00012-1", 40.0, date(2028, 11, 21)),
        SupplierLot("UAT-1-CLINIC-LOT-P00012-2", 40.0, date(2026, 12, 22)),
        SupplierLot("UAT-1-CLINIC-LOT-P00012-3", 40.0, date(2026, 11, 29)),
    ]
    assert [lot.said() for lot in lots] == ["in 720 days", "in 20 days", "3 days ago"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([["quantity", "expiry"], ["40", "today"]], "the table's columns are quantity, expiry; this step reads"),
        ([["quantity", "expires"], ["40", "today"], ["0", "today"]], "row 2, column quantity: '0' is not a quantity"),
        ([["quantity", "expires"], ["-5", "today"]], "row 1, column quantity: '-5' is not a quantity above zero"),
        ([["quantity", "expires"], ["40", "next month"]], "row 1, column expires: 'next month' is not a day"),
    ],
)
def test_a_table_that_does_not_fit_blocks_the_scenario_naming_the_cell(table: list[list[str]], message: str) -> None:
    with pytest.raises(FeatureFileError) as error:
        table_lots(table, "P", step="the storekeeper receives the order with these supplier lots")

    assert str(error.value).startswith("the storekeeper receives the order with these supplier lots: ")
    assert message in str(error.value)
    outcome = classify(error.value)
    assert (outcome.outcome, outcome.exit_code) == (Outcome.BLOCKED, ExitCode.FEATURE)


def test_uat_steps_check_rejects_a_bad_cell_of_the_feature_before_a_run(tmp_path: Path) -> None:
    feature = (FEATURES / "supplier_lots.feature").read_text(encoding="utf-8")
    bad = feature.replace("| 10       | 3 days ago  |", "| ten      | 3 days ago  |", 1)
    assert bad != feature
    (tmp_path / "supplier_lots.feature").write_text(bad, encoding="utf-8")

    with pytest.raises(FeatureFileError) as error:
        require_bound_steps(tmp_path)

    assert error.value.exit_code == ExitCode.FEATURE
    assert "row 3, column quantity: 'ten' is not a quantity above zero" in str(error.value)


def test_the_bundled_feature_passes_the_check() -> None:
    features = require_bound_steps(FEATURES)
    assert any(Path(feature.filename).name == "supplier_lots.feature" for feature in features)


@pytest.mark.parametrize("days", [0, 1, -1, 20, -3, 720])
def test_a_lot_is_named_by_the_words_a_feature_uses_for_its_expiry(days: int) -> None:
    assert days_from_today(said_day(days)) == days


def test_a_feature_names_one_lot_of_the_table_by_its_expiry_or_is_blocked() -> None:
    lots = table_lots(TABLE, "P", step="s", today=TODAY)

    assert lot_expiring(lots, -3, step="s").lot.name == "P-3"
    with pytest.raises(FeatureFileError, match=r"has no lot with expiry date in 30 days .*in 720 days, in 20 days"):
        lot_expiring(lots, 30, step="s")
    twice = [*lots, TableLot(SupplierLot("P-4", 1, TODAY), 20)]
    with pytest.raises(FeatureFileError, match="has 2 lots with expiry date in 20 days"):
        lot_expiring(twice, 20, step="s")


def test_the_storekeepers_answer_to_expired_lots_is_a_typed_field_of_the_step() -> None:
    parser = parsers.parse(RECEIVE_TABLE, extra_types=STEP_TYPES)
    text = "the storekeeper receives the order with these supplier lots, {} any lot Odoo flags as expired:"

    assert parser.parse_arguments(text.format("refusing")) == {"expired_lots": ExpiredLots.REFUSE}
    assert parser.parse_arguments(text.format("accepting")) == {"expired_lots": ExpiredLots.ACCEPT}
    assert not parser.is_matching(text.format("ignoring"))


class ScriptedValidate:
    """Plumbing only: what Odoo's button_validate and its wizards return, in turn, for one receipt."""

    def __init__(self, results: list[Any]) -> None:
        self.results = results
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.context: dict[str, Any] = {}

    def with_context(self, **context: Any) -> ScriptedValidate:
        self.context = context
        return self

    def call(self, model: str, method: str, ids: list[int] | None = None, **kwargs: Any) -> Any:
        self.calls.append((model, method, dict(self.context)))
        return self.results.pop(0)

    def create(self, model: str, values: dict[str, Any]) -> int:
        self.calls.append((model, "create", dict(self.context)))
        return 9

    def read_one(self, model: str, record_id: int, fields: list[str]) -> dict[str, Any]:
        return {"description": "You are going to deliver the product , which is expired"}


def _wizard(model: str, step: str) -> dict[str, Any]:
    return {"res_model": model, "context": {"button_validate_picking_ids": [5], "step": step}}


RECEIPT = RecordRef(model="stock.picking", id=5, name="NSC/IN/00007")


def test_a_short_receipt_with_an_expired_lot_answers_the_backorder_then_the_expiry_question() -> None:
    odoo = ScriptedValidate([_wizard(BACKORDER_WIZARD, "b"), _wizard(EXPIRY_WIZARD, "e"), True])

    received = validated(odoo, RECEIPT, keep_backorder=True, expired_lots=ExpiredLots.REFUSE)  # type: ignore[arg-type]

    assert [(model, method) for model, method, _ in odoo.calls] == [
        ("stock.picking", "button_validate"),
        (BACKORDER_WIZARD, "create"),
        (BACKORDER_WIZARD, "process"),
        (EXPIRY_WIZARD, "create"),
        (EXPIRY_WIZARD, "process_no_expired"),
    ]
    assert odoo.calls[4][2]["step"] == "e"  # each wizard is answered with the context of the action that opened it
    assert received.answer == (
        "Odoo asked about a backorder; the storekeeper answered 'Create Backorder'; "
        "Odoo warned about expired lots; the storekeeper answered 'Proceed except expired'"
    )
    assert received.expiry_warning.startswith("You are going to deliver")


def test_refusing_an_expired_lot_of_a_full_receipt_then_answers_the_backorder_it_leaves() -> None:
    odoo = ScriptedValidate([_wizard(EXPIRY_WIZARD, "e"), _wizard(BACKORDER_WIZARD, "b"), True])

    received = validated(odoo, RECEIPT, keep_backorder=False, expired_lots=ExpiredLots.ACCEPT)  # type: ignore[arg-type]

    assert [method for _, method, _ in odoo.calls] == [
        "button_validate",
        "create",
        "process",
        "create",
        "process_cancel_backorder",
    ]
    assert received.answer.endswith("the storekeeper answered 'No Backorder'")


def test_an_expiry_warning_the_scenario_did_not_expect_is_left_unanswered_and_said() -> None:
    odoo = ScriptedValidate([_wizard(EXPIRY_WIZARD, "e")])

    received = validated(odoo, RECEIPT, keep_backorder=True, expired_lots=None)  # type: ignore[arg-type]

    assert [method for _, method, _ in odoo.calls] == ["button_validate", "create"]
    assert "Odoo warned about expired lots" in received.answer
    assert "the storekeeper did not answer" in received.answer


def test_a_receipt_odoo_validates_at_once_says_so() -> None:
    received = validated(ScriptedValidate([True]), RECEIPT, keep_backorder=True, expired_lots=None)  # type: ignore[arg-type]

    assert (received.answer, received.expiry_warning) == ("Odoo validated without asking about a backorder", "")


class RecordingMoves:
    """Plumbing only: a receipt with one move for the product, and the write the storekeeper's lines make."""

    def __init__(self) -> None:
        self.written: list[tuple[str, list[int], dict[str, Any]]] = []

    def read_one(self, model: str, record_id: int, fields: list[str]) -> dict[str, Any]:
        return {"move_ids": [11]}

    def search_read(self, model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
        return [
            {
                "id": 11,
                "product_uom": [1, "Units"],
                "location_id": [4, "Vendors"],
                "location_dest_id": [8, "NSC/Stock"],
                "move_line_ids": [21],
            }
        ]

    def write(self, model: str, ids: list[int], values: dict[str, Any]) -> None:
        self.written.append((model, ids, values))


def test_each_lot_line_belongs_to_the_receipt_as_the_web_client_makes_it() -> None:
    """Odoo checks expired lots on the receipt's lines: a line created through its move alone has no receipt."""
    odoo = RecordingMoves()

    record_lots(odoo, 5, 3, [SupplierLot("P-1", 10, TODAY), SupplierLot("P-2", 5, TODAY)])  # type: ignore[arg-type]

    [(model, ids, values)] = odoo.written
    assert (model, ids, values["picked"]) == ("stock.move", [11], True)
    removed, *created = values["move_line_ids"]
    assert removed == (2, 21)  # the line Odoo proposed, without a lot
    assert [(line["picking_id"], line["lot_name"], line["quantity"]) for _, _, line in created] == [
        (5, "P-1", 10),
        (5, "P-2", 5),
    ]
    assert created[0][2]["expiration_date"] == "2026-12-02 00:00:00"
