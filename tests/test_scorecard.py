"""`uat readiness` offline: the six rules on master data as read, the per-site figure, the UAT status of a run
directory, the rendering (table, JSON, Markdown) and the profile's `data_quality:` section.

The rules' reads of a real Odoo are tested live (tests/live/test_data_quality.py): here they get data shaped like
what `odoo_uat.scorecard.reads` returns.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from odoo_uat.errors import ConfigurationError, ProfileErrors, RecordRef, UnknownRunError
from odoo_uat.profiles import load_profile
from odoo_uat.redaction import register_secret
from odoo_uat.scorecard import rules
from odoo_uat.scorecard.expectations import (
    DUPLICATE_PRODUCTS,
    EQUIPMENT_MAINTENANCE,
    MEDICAL_SUPPLIES_TRACKED,
    PRODUCT_COST_AND_UOM,
    ROLE_GROUPS,
    RULES,
    SUPPLIER_TERMS_AND_VAT,
    DataQualityProfile,
    EquipmentMaintenance,
    MedicalSuppliesTracked,
    SupplierTermsAndVat,
)
from odoo_uat.scorecard.reads import (
    Equipment,
    GroupNeed,
    PreventivePlan,
    Product,
    RoleUser,
    SiteData,
    Supplier,
    any_of,
    ilike_exact,
)
from odoo_uat.scorecard.render import as_json, as_markdown, render_table, write_scorecard
from odoo_uat.scorecard.rules import RuleResult, RuleStatus, evaluate, harness_role_needs
from odoo_uat.scorecard.score import Scorecard, SiteScore, percent
from odoo_uat.scorecard.uat_status import NO_RUN, NOT_RUN, CycleStatus, cycle_statuses, find_run, latest_runs
from tests.fake_odoo import FakeOdoo
from tests.support import CLINIC_PROFILE, free_port, run_uat, target_env

BASE = "http://odoo.example"
TODAY = date(2026, 12, 2)


def ref(model: str, record_id: int, name: str) -> RecordRef:
    return RecordRef(model, record_id, name, f"{BASE}/odoo/{model}/{record_id}")


def product(
    record_id: int,
    code: str,
    name: str,
    *,
    template: int | None = None,
    tracking: str = "lot",
    expiry: bool | None = True,
    cost: float = 1.5,
    uom: str = "Units",
    kind: str = "consu",
) -> Product:
    return Product(
        record=ref("product.product", record_id, f"[{code}] {name}"),
        template_id=template or record_id,
        code=code,
        name=name,
        category="Medical Supplies",
        kind=kind,
        storable=kind == "consu",
        tracking=tracking,
        expiry=expiry,
        cost=cost,
        uom=uom,
    )


def site_data(**values: object) -> SiteData:
    data = SiteData("CLINIC", "Northside Clinic", "Harbour Health Group", "NSC")
    for name, value in values.items():
        setattr(data, name, value)
    return data


def only(result: RuleResult) -> dict[int, str]:
    """The findings of a rule, as record id -> problem."""
    return {finding.record.id: finding.problem for finding in result.findings}


# -- the rules -----------------------------------------------------------------------------------------------


def test_duplicate_internal_references_and_names_name_every_record_but_variants_of_one_product_are_not_duplicates() -> (
    None
):
    gloves = product(1, "MS-GLOVE-NIT-M", "Nitrile gloves M")
    legacy = product(2, "ms-glove-nit-m", "Gloves, nitrile, medium")  # same code, other case: one code
    syringe_a = product(3, "MS-SYR-10", "Syringe 10 ml", template=30)
    syringe_b = product(4, "MS-SYR-10-B", "Syringe 10 ml", template=30)  # a variant of the same product
    swab = product(5, "MS-SWAB", "Gauze  swab")
    swab_copy = product(6, "MS-SWAB-2", "gauze swab")  # same name, spacing and case aside
    data = site_data(
        products=[gloves, syringe_a, swab],
        namesakes=[gloves, legacy, syringe_a, syringe_b, swab, swab_copy],
    )

    result = rules.duplicate_products(data, DataQualityProfile().duplicate_products)

    assert result.status is RuleStatus.FINDINGS
    assert result.checked == 3
    found = only(result)
    assert set(found) == {1, 2, 5, 6}
    assert (
        found[1] == "internal reference 'MS-GLOVE-NIT-M' is also that of #2 '[ms-glove-nit-m] Gloves, nitrile, medium'"
    )
    assert "name 'gauze swab' is also that of #5" in found[6]
    assert all(finding.site == "CLINIC" and finding.rule == DUPLICATE_PRODUCTS for finding in result.findings)
    assert result.findings[0].record.url == f"{BASE}/odoo/product.product/1"


def test_duplicates_can_be_looked_for_by_internal_reference_only() -> None:
    data = site_data(products=[product(1, "A", "Same")], namesakes=[product(1, "A", "Same"), product(2, "B", "Same")])
    only_codes = DataQualityProfile.model_validate({"duplicate_products": {"match": ["default_code"]}})

    assert rules.duplicate_products(data, only_codes.duplicate_products).status is RuleStatus.CLEAN


def test_medical_supplies_must_be_tracked_by_lot_with_expiry_dates_services_aside() -> None:
    untracked = product(1, "MS-GAUZE", "Gauze", tracking="none")
    no_expiry = product(2, "MS-SYR", "Syringe", expiry=False)
    serial = product(3, "MS-PUMP-SET", "Pump set", tracking="serial")
    sterilising = product(4, "SRV-STERILE", "Sterilisation service", tracking="none", kind="service")
    not_medical = product(5, "OFFICE-PEN", "Pen", tracking="none")
    data = site_data(products=[untracked, no_expiry, serial, sterilising, not_medical], medical_supply_ids={1, 2, 3, 4})

    result = rules.medical_supplies_tracked(data, MedicalSuppliesTracked())

    assert result.checked == 3  # the service is not a supply to track; the pen is not a medical supply
    assert only(result) == {
        1: "not tracked by lot or serial number (tracking: By Quantity)",
        2: "tracked by lots but without expiry dates (Use Expiration Date is off)",
    }
    assert rules.medical_supplies_tracked(data, MedicalSuppliesTracked(expiry=False)).findings[0].record.id == 1


def test_without_product_expiry_only_tracking_is_checked_and_the_rule_says_so() -> None:
    data = site_data(products=[product(1, "MS-A", "A", expiry=None)], medical_supply_ids={1})

    result = rules.medical_supplies_tracked(data, MedicalSuppliesTracked())

    assert result.status is RuleStatus.CLEAN
    assert "product_expiry is not installed" in result.note


def test_a_rule_with_nothing_in_scope_is_not_applicable_and_says_what_it_lacked() -> None:
    result = rules.medical_supplies_tracked(site_data(products=[product(1, "X", "X")]), MedicalSuppliesTracked())

    assert result.status is RuleStatus.NOT_APPLICABLE
    assert "no medical supplies in scope" in result.note
    assert not result.counts


def test_goods_without_cost_or_unit_of_measure_are_found() -> None:
    data = site_data(
        products=[
            product(1, "A", "Free sample", cost=0.0),
            product(2, "B", "No unit", uom=""),
            product(3, "C", "Fine"),
            product(4, "S", "Consulting", cost=0.0, kind="service"),
        ]
    )

    result = rules.product_cost_and_uom(data, DataQualityProfile().product_cost_and_uom)

    assert result.checked == 3
    assert only(result) == {1: "no cost (Cost is 0.00 in Harbour Health Group)", 2: "no unit of measure"}


def test_suppliers_need_payment_terms_and_a_vat_number_unless_the_profile_narrows_the_rule() -> None:
    data = site_data(
        suppliers=[
            Supplier(ref("res.partner", 7, "MedSupply Partners"), vat="", payment_terms=""),
            Supplier(ref("res.partner", 8, "Atlas"), vat="GB123456789", payment_terms=""),
            Supplier(ref("res.partner", 9, "Northgate"), vat="GB987654321", payment_terms="30 Days"),
        ]
    )

    both = rules.supplier_terms_and_vat(data, SupplierTermsAndVat())
    terms_only = rules.supplier_terms_and_vat(data, SupplierTermsAndVat(require=["vat"]))

    assert only(both) == {
        7: "no vendor payment terms (in Harbour Health Group); no tax id (VAT)",
        8: "no vendor payment terms (in Harbour Health Group)",
    }
    assert only(terms_only) == {7: "no tax id (VAT)"}


def test_without_the_account_module_payment_terms_are_not_checked_and_the_rule_says_so() -> None:
    data = site_data(suppliers=[Supplier(ref("res.partner", 7, "MedSupply"), vat="GB1", payment_terms=None)])

    result = rules.supplier_terms_and_vat(data, SupplierTermsAndVat())

    assert result.status is RuleStatus.CLEAN
    assert "account module is not installed" in result.note


def plan(record_id: int, repeat_type: str = "forever", until: date | None = None) -> PreventivePlan:
    return PreventivePlan(ref("maintenance.request", record_id, f"PM #{record_id}"), repeat_type, until)


def test_equipment_needs_a_team_and_a_live_preventive_schedule() -> None:
    equipment = [
        Equipment(ref("maintenance.equipment", 1, "Infusion pump/NSC-IP-0001"), "Biomedical", (plan(11),)),
        Equipment(ref("maintenance.equipment", 2, "Defibrillator/NSC-DF-1"), "", ()),
        Equipment(ref("maintenance.equipment", 3, "Monitor/NSC-MON-1"), "Biomedical", (plan(13, "until"),)),
        Equipment(
            ref("maintenance.equipment", 4, "Ventilator/NSC-V-1"), "Biomedical", (plan(14, "until", date(2026, 1, 1)),)
        ),
        Equipment(
            ref("maintenance.equipment", 5, "Suction/NSC-S-1"), "Biomedical", (plan(15, "until", date(2027, 6, 30)),)
        ),
    ]

    result = rules.equipment_maintenance(site_data(equipment=equipment), EquipmentMaintenance(), TODAY)
    team_only = rules.equipment_maintenance(
        site_data(equipment=equipment), EquipmentMaintenance(require=["team"]), TODAY
    )

    assert only(result) == {
        2: "no maintenance team; no preventive schedule (no open recurring preventive maintenance request)",
        3: "its plan 'PM #13' repeats 'until' with no end date, which Odoo cannot complete",
        4: "its plan 'PM #14' stopped repeating on 2026-01-01",
    }
    assert only(team_only) == {2: "no maintenance team"}


def test_equipment_rule_is_not_applicable_without_the_maintenance_module() -> None:
    result = rules.equipment_maintenance(site_data(equipment=None), EquipmentMaintenance(), TODAY)

    assert (result.status, result.note) == (RuleStatus.NOT_APPLICABLE, "the maintenance module is not installed")


def test_role_users_missing_a_needed_group_are_found_and_groups_absent_from_the_database_are_noted() -> None:
    requester = RoleUser("requester", ref("res.users", 20, "Nadia Requester"), "nsc.requester", frozenset({1}))
    approver = RoleUser("approver", ref("res.users", 21, "Harbour Approver"), "hhg.approver", frozenset({1, 5, 6}))
    data = site_data(
        role_users=[requester, approver],
        role_needs={
            "requester": [
                GroupNeed("base.group_user", 1, "Role / User"),
                GroupNeed("purchase.group_purchase_user", 5, "Purchase / User"),
            ],
            "approver": [
                GroupNeed("base.group_user", 1, "Role / User"),
                GroupNeed("helpdesk_mgmt.group_x", None, "helpdesk_mgmt.group_x"),
            ],
        },
    )

    result = rules.role_groups(data)

    assert only(result) == {20: "the requester (nsc.requester) lacks Purchase / User (purchase.group_purchase_user)"}
    assert "helpdesk_mgmt.group_x" in result.note
    nothing_known = site_data(role_users=[approver], role_needs={"approver": [GroupNeed("x.y", None, "x.y")]})
    assert rules.role_groups(nothing_known).status is RuleStatus.NOT_APPLICABLE  # no group to check: never "clean"


def test_the_harness_knows_what_each_role_needs_and_the_profile_may_state_its_own() -> None:
    profile = load_profile(Path("fixtures/sites/clinic.yaml")).profile
    needs = harness_role_needs(profile, DataQualityProfile())

    assert needs["requester"] == ["base.group_user", "purchase.group_purchase_user"]
    assert needs["helpdesk_agent"] == ["base.group_user", "helpdesk_mgmt.group_helpdesk_user_own"]
    # CLINIC closes months: its accountant locks the period and types journal entries on screen
    assert needs["accountant"] == [
        "base.group_user",
        "account.group_account_invoice",
        "base.group_erp_manager",
        "account.group_account_user",
    ]
    stated = DataQualityProfile.model_validate(
        {"role_groups": {"needs": {"accountant": ["account.group_account_manager"]}}}
    )
    assert harness_role_needs(profile, stated)["accountant"] == ["account.group_account_manager"]
    assert harness_role_needs(profile.model_copy(update={"month_end_close": None}), DataQualityProfile())[
        "accountant"
    ] == ["base.group_user", "account.group_account_invoice"]


def test_a_rule_switched_off_keeps_its_reason_and_is_not_judged() -> None:
    quality = DataQualityProfile.model_validate(
        {"supplier_terms_and_vat": {"switched_off": "suppliers abroad have no VAT number; finance checks them by hand"}}
    )
    data = site_data(suppliers=[Supplier(ref("res.partner", 7, "MedSupply"), vat="", payment_terms="")])

    results = {result.rule: result for result in evaluate(data, quality, TODAY)}

    assert list(results) == list(RULES)
    assert results[SUPPLIER_TERMS_AND_VAT].status is RuleStatus.OFF
    assert results[SUPPLIER_TERMS_AND_VAT].note.startswith("suppliers abroad")
    assert not results[SUPPLIER_TERMS_AND_VAT].counts


def test_an_exact_match_for_odoo_ilike_escapes_its_wildcards_and_any_of_builds_a_prefix_or() -> None:
    assert ilike_exact("MS_GLOVE 10%") == "MS\\_GLOVE 10\\%"
    assert any_of([("a", "=", 1)]) == [("a", "=", 1)]
    assert any_of([("a", "=", 1), ("b", "=", 2), ("c", "=", 3)]) == [
        "|",
        "|",
        ("a", "=", 1),
        ("b", "=", 2),
        ("c", "=", 3),
    ]


# -- the figure ----------------------------------------------------------------------------------------------


def test_percent_is_rounded_down_so_only_everything_met_is_100() -> None:
    assert percent(199, 200) == 99
    assert percent(2, 3) == 66
    assert percent(5, 5) == 100
    assert percent(0, 0) is None


def finding(rule: str, record: RecordRef, problem: str) -> rules.Finding:
    return rules.Finding("CLINIC", rule, record, problem)


def clinic_score() -> SiteScore:
    supplier = ref("res.partner", 7, "MedSupply Partners")
    return SiteScore(
        code="CLINIC",
        name="Northside Clinic",
        company="Harbour Health Group",
        warehouse="NSC",
        run_id="UAT-20261202-041500-ab12",
        run_path="/reports/runs/UAT-20261202-041500-ab12",
        cycles=[
            CycleStatus("requisition_to_receipt", "passed"),
            CycleStatus("transfer_to_consumption", "passed"),
            CycleStatus(
                "preventive_maintenance", "FAILED", ("the next occurrence is dated 2027-07-01, expected 2027-06-01",)
            ),
            CycleStatus("helpdesk_escalation", "passed"),
            CycleStatus("month_end_close", NOT_RUN, ("not run in UAT-20261202-041500-ab12",)),
        ],
        rules=[
            RuleResult(DUPLICATE_PRODUCTS, RuleStatus.CLEAN, 4),
            RuleResult(MEDICAL_SUPPLIES_TRACKED, RuleStatus.CLEAN, 2),
            RuleResult(PRODUCT_COST_AND_UOM, RuleStatus.CLEAN, 4),
            RuleResult(
                SUPPLIER_TERMS_AND_VAT,
                RuleStatus.FINDINGS,
                1,
                (finding(SUPPLIER_TERMS_AND_VAT, supplier, "no vendor payment terms | no tax id (VAT)"),),
            ),
            RuleResult(
                EQUIPMENT_MAINTENANCE, RuleStatus.NOT_APPLICABLE, note="the maintenance module is not installed"
            ),
            RuleResult(ROLE_GROUPS, RuleStatus.OFF, note="roles are audited by IT security (ticket SEC-7)"),
        ],
        notes=["not checked, the profile does not resolve: clinic.yaml: roles.nurse.login: no res.users has login 'x'"],
    )


def test_a_sites_figure_counts_cycles_passed_and_rules_clean_and_leaves_out_rules_off_or_not_applicable() -> None:
    site = clinic_score()

    assert (site.met, site.total, site.readiness) == (6, 9, 66)  # 3 of 5 cycles + 3 of 4 counted rules
    assert (site.uat_percent, site.data_quality_percent) == (60, 75)
    assert site.reasons() == [
        "cycle preventive_maintenance: FAILED: the next occurrence is dated 2027-07-01, expected 2027-06-01",
        "cycle month_end_close: not run: not run in UAT-20261202-041500-ab12",
        "rule supplier_terms_and_vat: 1 finding of 1 checked "
        "(expected: suppliers have payment terms and a tax id (VAT))",
    ]


def card_of(*sites: SiteScore) -> Scorecard:
    return Scorecard("2026-12-02T04:30:00+00:00", "http://127.0.0.1:8069", "s2ref", "/reports/runs", list(sites))


def test_fail_under_names_the_sites_below_the_bar_and_a_site_with_nothing_to_score_is_below_any_bar() -> None:
    empty = SiteScore("LAB", "Lab", "Harbour Diagnostics Ltd", "LAB", "", "", [], [])
    card = card_of(clinic_score(), empty)

    assert [site.code for site in card.below(60)] == ["LAB"]
    assert [site.code for site in card.below(67)] == ["CLINIC", "LAB"]


# -- the rendering -------------------------------------------------------------------------------------------


def test_the_json_names_each_finding_with_its_site_and_record_and_keeps_every_rule_with_its_status() -> None:
    document = as_json(card_of(clinic_score()))

    site = document["sites"][0]
    assert (site["site"], site["readiness_percent"], site["met"], site["of"]) == ("CLINIC", 66, 6, 9)
    assert site["uat"]["cycles"][2] == {
        "cycle": "preventive_maintenance",
        "verdict": "FAILED",
        "met": False,
        "reasons": ["the next occurrence is dated 2027-07-01, expected 2027-06-01"],
    }
    by_rule = {rule["rule"]: rule for rule in site["data_quality"]["rules"]}
    assert by_rule[SUPPLIER_TERMS_AND_VAT]["findings"] == [
        {
            "site": "CLINIC",
            "rule": SUPPLIER_TERMS_AND_VAT,
            "model": "res.partner",
            "id": 7,
            "name": "MedSupply Partners",
            "url": f"{BASE}/odoo/res.partner/7",
            "problem": "no vendor payment terms | no tax id (VAT)",
        }
    ]
    assert by_rule[ROLE_GROUPS]["status"] == "off"
    assert by_rule[ROLE_GROUPS]["note"] == "roles are audited by IT security (ticket SEC-7)"
    assert site["data_quality"]["of"] == 4
    assert document["target"] == {"url": "http://127.0.0.1:8069", "database": "s2ref"}


def test_the_markdown_has_the_summary_table_every_cycle_and_rule_and_links_each_finding_to_odoo() -> None:
    text = as_markdown(card_of(clinic_score()))

    assert "| CLINIC (Northside Clinic) | **66%** (6/9) | 60% (3/5 cycles passed) | 75% (3/4 rules clean) |" in text
    assert "| preventive_maintenance | FAILED | the next occurrence is dated 2027-07-01, expected 2027-06-01 |" in text
    assert "| role_groups | each role's user holds the groups the role needs | off (roles are audited by IT" in text
    assert (
        f"- [res.partner #7 MedSupply Partners]({BASE}/odoo/res.partner/7): no vendor payment terms \\| no tax id (VAT)"
        in text
    )
    assert "roles.nurse.login" in text


def test_the_table_shows_each_sites_figure_then_why_it_is_not_higher() -> None:
    text = render_table(card_of(clinic_score()))
    lines = text.splitlines()

    assert lines[2].split() == ["site", "readiness", "UAT", "data", "quality", "run"]
    assert lines[3].split() == [
        "CLINIC",
        "66%",
        "3/5",
        "cycles",
        "passed",
        "3/4",
        "rules",
        "clean",
        "UAT-20261202-041500-ab12",
    ]
    assert (
        "  cycle preventive_maintenance: FAILED: the next occurrence is dated 2027-07-01, expected 2027-06-01" in lines
    )
    assert (
        "  rule supplier_terms_and_vat: 1 finding of 1 checked (suppliers have payment terms and a tax id (VAT))"
        in lines
    )
    assert (
        f"    res.partner #7 'MedSupply Partners' <{BASE}/odoo/res.partner/7>: "
        "no vendor payment terms | no tax id (VAT)" in lines
    )
    assert "  rule role_groups: off: roles are audited by IT security (ticket SEC-7)" in lines
    assert "  rule equipment_maintenance: n/a: the maintenance module is not installed" in lines


def test_the_table_shows_five_findings_of_a_rule_and_points_to_the_markdown_for_the_rest() -> None:
    many = tuple(finding(PRODUCT_COST_AND_UOM, ref("product.product", n, f"P{n}"), "no cost") for n in range(8))
    site = clinic_score()
    site.rules[2] = RuleResult(PRODUCT_COST_AND_UOM, RuleStatus.FINDINGS, 8, many)

    text = render_table(card_of(site))

    assert text.count(": no cost") == 5
    assert "    ... and 3 more in readiness-scorecard.md" in text.splitlines()


def test_written_files_hold_no_secret(tmp_path: Path) -> None:
    register_secret("Role-Secret-2026")
    site = clinic_score()
    site.notes.append("the login of nsc.nurse used Role-Secret-2026")  # as if a secret reached a note

    json_path, markdown_path = write_scorecard(card_of(site), tmp_path / "out")

    for path in (json_path, markdown_path):
        assert "Role-Secret-2026" not in path.read_text(encoding="utf-8")
    assert json.loads(json_path.read_text(encoding="utf-8"))["sites"][0]["site"] == "CLINIC"


# -- the UAT status of a run directory -----------------------------------------------------------------------


def write_run(
    runs: Path, run_id: str, sites: dict[str, dict[str, str]], reasons: dict[str, object] | None = None
) -> Path:
    directory = runs / run_id
    directory.mkdir(parents=True)
    document = {"run_id": run_id, "interrupted": "", "sites": sites, "reasons": reasons or {}}
    (directory / "readiness.json").write_text(json.dumps(document), encoding="utf-8")
    return directory


def test_each_site_takes_its_latest_finished_run_and_a_run_in_progress_is_not_finished(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    write_run(
        runs,
        "UAT-20261201-090000-aaaa",
        {"CLINIC": {"month_end_close": "FAILED"}, "HOSP": {"month_end_close": "passed"}},
    )
    write_run(runs, "UAT-20261202-090000-bbbb", {"CLINIC": {"month_end_close": "passed"}})
    write_run(runs, ".UAT-20261202-100000-cccc.partial", {"CLINIC": {"month_end_close": "FAILED"}})

    latest, unreadable = latest_runs(runs, ["CLINIC", "HOSP", "LAB"])

    assert {site: run.run_id if run else None for site, run in latest.items()} == {
        "CLINIC": "UAT-20261202-090000-bbbb",
        "HOSP": "UAT-20261201-090000-aaaa",
        "LAB": None,
    }
    assert unreadable == []


def test_a_cycle_is_met_only_when_passed_and_each_other_status_keeps_its_reason(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    write_run(
        runs,
        "UAT-20261202-090000-bbbb",
        {"CLINIC": {"requisition_to_receipt": "passed", "preventive_maintenance": "blocked", "month_end_close": "n/a"}},
        {"CLINIC": {"preventive_maintenance": ["clinic.yaml: preventive_maintenance.team: no maintenance.team ..."]}},
    )
    run = find_run("UAT-20261202-090000-bbbb", runs)
    cycles = ["requisition_to_receipt", "preventive_maintenance", "month_end_close"]

    statuses = cycle_statuses("CLINIC", cycles, run, runs)

    assert [(status.verdict, status.met) for status in statuses] == [
        ("passed", True),
        ("blocked", False),
        (NOT_RUN, False),
    ]
    assert statuses[1].reasons == ("clinic.yaml: preventive_maintenance.team: no maintenance.team ...",)
    assert statuses[2].reasons == ("not run in UAT-20261202-090000-bbbb",)
    assert cycle_statuses("HOSP", cycles, run, runs)[0].reasons == ("site HOSP is not in run UAT-20261202-090000-bbbb",)
    assert cycle_statuses("LAB", cycles, None, runs)[0].verdict == NO_RUN


def test_run_is_found_by_id_or_path_and_a_wrong_one_is_a_configuration_error(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    directory = write_run(runs, "UAT-20261202-090000-bbbb", {"CLINIC": {}})
    (runs / "UAT-20261202-095000-dddd").mkdir()
    (runs / "UAT-20261202-095000-dddd" / "readiness.json").write_text("{not json", encoding="utf-8")

    assert find_run(str(directory), tmp_path / "elsewhere").run_id == "UAT-20261202-090000-bbbb"
    with pytest.raises(UnknownRunError, match="no run directory"):
        find_run("UAT-20990101-000000-ffff", runs)
    with pytest.raises(ConfigurationError, match="is not JSON"):
        find_run("UAT-20261202-095000-dddd", runs)
    latest, unreadable = latest_runs(runs, ["CLINIC"])
    assert latest["CLINIC"] is not None
    assert len(unreadable) == 1


# -- the profile's data_quality section ----------------------------------------------------------------------


def test_a_profile_may_state_its_data_quality_expectations_and_a_typo_is_a_profile_error(tmp_path: Path) -> None:
    good = tmp_path / "clinic.yaml"
    good.write_text(
        CLINIC_PROFILE.format(warehouse="NSC") + "data_quality:\n"
        "  product_categories: [Medical Supplies]\n"
        "  equipment_maintenance: {categories: [Biomedical equipment], require: [team]}\n"
        "  supplier_terms_and_vat: {switched_off: suppliers abroad have no VAT number}\n",
        encoding="utf-8",
    )
    quality = load_profile(good).profile.data_quality
    assert quality is not None
    assert quality.equipment_maintenance.require == ["team"]
    assert quality.supplier_terms_and_vat.switched_off == "suppliers abroad have no VAT number"

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        CLINIC_PROFILE.format(warehouse="NSC") + "data_quality:\n"
        "  equipment_maintenance: {require: [calibration]}\n"
        "  role_groups: {needs: {boss: [base.group_user]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileErrors) as raised:
        load_profile(bad)
    keys = {error.key for error in raised.value.errors}
    assert keys == {"data_quality.equipment_maintenance.require.0", "data_quality.role_groups.needs"}


def test_readiness_with_odoo_down_is_an_environment_error_and_a_broken_profile_a_profile_error(
    tmp_path: Path, sites_dir: Path
) -> None:
    env = {
        "ODOO_URL": f"http://127.0.0.1:{free_port()}",
        "ODOO_DB": "nowhere",
        "ODOO_USER": "admin",
        "ODOO_PASSWORD": "admin",
        "UAT_REPORTS_DIR": str(tmp_path / "reports"),
    }

    down = run_uat("readiness", "--sites-dir", str(sites_dir), env=env)

    assert down.returncode == 20, down.stderr
    assert "does not answer" in down.stderr
    (sites_dir / "clinic.yaml").write_text(
        CLINIC_PROFILE.format(warehouse="NSC") + "data_quality: {duplicates: {}}\n", encoding="utf-8"
    )
    broken = run_uat("readiness", "--sites-dir", str(sites_dir), env=env)
    assert broken.returncode == 11, broken.stderr
    assert "data_quality.duplicates: is not a known key" in broken.stderr
    assert not (tmp_path / "reports" / "scorecards").exists()


def test_readiness_writes_its_scorecard_into_the_sites_latest_run_and_never_writes_to_odoo(
    fake_odoo: FakeOdoo, sites_dir: Path, reports_dir: Path
) -> None:
    """Plumbing only (the fake Odoo): where the files go, the exit code, and that no call could change Odoo."""
    older = write_run(
        reports_dir / "runs", "UAT-20261201-090000-aaaa", {"CLINIC": {"requisition_to_receipt": "FAILED"}}
    )
    latest = write_run(
        reports_dir / "runs", "UAT-20261202-090000-bbbb", {"CLINIC": {"requisition_to_receipt": "passed"}}
    )

    done = run_uat("readiness", "--sites-dir", str(sites_dir), env=target_env(fake_odoo, reports_dir))

    assert done.returncode == 0, done.stderr
    assert not (older / "readiness-scorecard.json").exists()
    document = json.loads((latest / "readiness-scorecard.json").read_text(encoding="utf-8"))
    (site,) = document["sites"]
    assert (site["site"], site["run_id"], site["uat"]["passed"], site["uat"]["of"]) == ("CLINIC", latest.name, 1, 1)
    assert (latest / "readiness-scorecard.md").read_text(encoding="utf-8").startswith("# Readiness scorecard by site")
    assert "CLINIC" in done.stdout
    assert fake_odoo.writes() == []
    below = run_uat(
        "readiness", "--sites-dir", str(sites_dir), "--fail-under", "100", env=target_env(fake_odoo, reports_dir)
    )
    assert below.returncode == (0 if site["readiness_percent"] == 100 else 1), below.stderr
