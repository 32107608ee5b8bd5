"""`uat readiness` on the real Odoo: one problem planted per data-quality rule is reported, then removed and gone.

On a fresh copy of the provisioned reference database, the administrator (plain JSON-RPC, as a data steward would
in the web client) plants one problem per rule within what the CLINIC profile points at:
1. a second product carrying the internal reference of the profile's requisition product (MS-GLOVE-NIT-M);
2. a storable supply in the profile's medical category ("Medical Supplies - Perpetual") tracked by quantity only;
3. a lot- and expiry-tracked supply in that category without a cost;
4. a vendor of the profile's product with payment terms but no tax id;
5. a piece of equipment without a team or a preventive plan, in an equipment category the profile's
   `data_quality:` section names (the drill's copy of the profile adds that section);
6. the requester's user without Purchase / User.
`uat readiness --site CLINIC` must report each with the site and the record (model, id, display name, Odoo URL),
exit 0 (the figure is information), and never change Odoo; after the problems are removed, each is gone and every
rule reports what it did before the planting.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.live.bundle import REPO_ROOT, LiveTarget, UatResult
from tests.live.conftest import BUSINESS_MODELS, RecordCounts, RunUat
from tests.rollouts.meridian import JsonRpc

SITE = "CLINIC"
COMPANY = "Harbour Health Group"
PROFILE_PRODUCT = "MS-GLOVE-NIT-M"  # requisition_to_receipt.product of fixtures/sites/clinic.yaml
MEDICAL_CATEGORY = "Medical Supplies - Perpetual"  # transfer_to_consumption.product_category of the same profile
REQUESTER = "nsc.requester"
PURCHASE_USER = "purchase.group_purchase_user"
EQUIPMENT_CATEGORY = "Drill biomedical equipment"
RULES = (
    "duplicate_products",
    "medical_supplies_tracked",
    "product_cost_and_uom",
    "supplier_terms_and_vat",
    "equipment_maintenance",
    "role_groups",
)


@dataclass(frozen=True)
class Planted:
    rule: str
    model: str
    record_id: int
    problem: str  # what the finding must say


def _sites_with_data_quality(tmp_path: Path) -> Path:
    """CLINIC's reference profile with a `data_quality:` section naming the drill's equipment category."""
    sites = tmp_path / "sites"
    sites.mkdir()
    clinic = sites / "clinic.yaml"
    clinic.write_text(
        (REPO_ROOT / "fixtures" / "sites" / "clinic.yaml").read_text(encoding="utf-8")
        + f"data_quality:\n  equipment_maintenance:\n    categories: [{EQUIPMENT_CATEGORY}]\n",
        encoding="utf-8",
    )
    return sites


class Steward:
    """The administrator acting in the site's company, as a data steward would; removes what it planted."""

    def __init__(self, target: LiveTarget) -> None:
        self.odoo = JsonRpc(target.url, target.database, "admin", "admin")
        self.company_id = self.odoo.search("res.company", [("name", "=", COMPANY)])[0]
        self.context = {"lang": "en_US", "allowed_company_ids": [self.company_id]}
        self.undo: list[tuple[str, str, list[Any]]] = []  # what was planted, as (model, method, args) to undo it
        self.set_up: list[int] = []  # equipment categories made for the drill's profile, removed at the end

    def create(self, model: str, values: dict[str, Any]) -> int:
        record_id = int(self.odoo.call(model, "create", values, context=self.context))
        self.undo.append((model, "unlink", [[record_id]]))
        return record_id

    def equipment_category(self, name: str) -> int:
        """Set-up, not a problem: the category the drill's profile names must exist (else a profile error)."""
        category_id = int(
            self.odoo.call(
                "maintenance.equipment.category",
                "create",
                {"name": name, "company_id": self.company_id},
                context=self.context,
            )
        )
        self.set_up.append(category_id)
        return category_id

    def one(self, model: str, domain: list[Any]) -> int:
        ids = self.odoo.search(model, domain, context=self.context)
        assert len(ids) == 1, f"{model} {domain}: {ids}"
        return ids[0]

    def variant_of(self, template_id: int) -> int:
        return self.one("product.product", [("product_tmpl_id", "=", template_id)])

    def remove_all(self) -> None:
        """Undo what was planted, last first."""
        while self.undo:
            model, method, args = self.undo.pop()
            self.odoo.call(model, method, *args, context=self.context)

    def tear_down(self) -> None:
        self.remove_all()
        if self.set_up:
            self.odoo.call("maintenance.equipment.category", "unlink", self.set_up, context=self.context)


@pytest.fixture
def steward(fresh_target: LiveTarget) -> Iterator[Steward]:
    person = Steward(fresh_target)
    yield person
    person.tear_down()  # also when the test failed half-way


def _plant(steward: Steward, equipment_category: int) -> list[Planted]:
    odoo = steward.odoo
    company = steward.company_id
    category = steward.one("product.category", [("complete_name", "=", MEDICAL_CATEGORY)])
    glove_template = odoo.search_read(
        "product.product", [("default_code", "=", PROFILE_PRODUCT)], ["product_tmpl_id"], context=steward.context
    )[0]["product_tmpl_id"][0]
    supply = {"type": "consu", "is_storable": True, "categ_id": category, "company_id": company}

    duplicate = steward.variant_of(
        steward.create(
            "product.template",
            {
                "name": "Nitrile examination gloves M (legacy import)",
                "default_code": PROFILE_PRODUCT,
                "type": "consu",
                "standard_price": 38.0,  # a cost, so that only the duplicate rule has something to say about it
            },
        )
    )
    untracked = steward.variant_of(
        steward.create(
            "product.template",
            {
                **supply,
                "name": "Drill gauze swab",
                "default_code": "DRILL-GAUZE",
                "tracking": "none",
                "standard_price": 0.4,
            },
        )
    )
    costless = steward.variant_of(
        steward.create(
            "product.template",
            {
                **supply,
                "name": "Drill saline ampoule",
                "default_code": "DRILL-SALINE",
                "tracking": "lot",
                "use_expiration_date": True,
                "standard_price": 0.0,
            },
        )
    )
    thirty_days = odoo.xmlid("account.account_payment_term_30days")
    vendor = steward.create(
        "res.partner",
        {
            "name": "Drill Surgical Wholesale",
            "is_company": True,
            "supplier_rank": 1,
            "property_supplier_payment_term_id": thirty_days,
        },
    )
    steward.create(
        "product.supplierinfo",
        {"product_tmpl_id": glove_template, "partner_id": vendor, "company_id": company, "price": 40.0},
    )
    defibrillator = steward.create(
        "maintenance.equipment",
        {
            "name": "Drill defibrillator",
            "serial_no": "DRILL-DEF-0001",
            "category_id": equipment_category,
            "company_id": company,
        },
    )
    requester = steward.one("res.users", [("login", "=", REQUESTER)])
    purchase_user = odoo.xmlid(PURCHASE_USER)
    odoo.write("res.users", [requester], {"group_ids": [(3, purchase_user)]})
    steward.undo.append(("res.users", "write", [[requester], {"group_ids": [(4, purchase_user)]}]))
    held = odoo.search_read("res.users", [("id", "=", requester)], ["all_group_ids"])[0]["all_group_ids"]
    assert purchase_user not in held, "the requester still holds Purchase / User (implied by another group?)"
    return [
        Planted("duplicate_products", "product.product", duplicate, f"internal reference '{PROFILE_PRODUCT}' is also"),
        Planted("medical_supplies_tracked", "product.product", untracked, "not tracked by lot or serial number"),
        Planted("product_cost_and_uom", "product.product", costless, "no cost (Cost is 0.00 in Harbour Health Group)"),
        Planted("supplier_terms_and_vat", "res.partner", vendor, "no tax id (VAT)"),
        Planted("equipment_maintenance", "maintenance.equipment", defibrillator, "no maintenance team; no preventive"),
        Planted(
            "role_groups",
            "res.users",
            requester,
            f"the requester ({REQUESTER}) lacks Purchase / User ({PURCHASE_USER})",
        ),
    ]


def _scorecard(run_uat: RunUat, target: LiveTarget, sites: Path, output: Path, *extra: str) -> tuple[UatResult, Any]:
    result = run_uat(target, "readiness", "--site", SITE, "--sites-dir", str(sites), "-o", str(output), *extra)
    path = output / "readiness-scorecard.json"
    assert path.is_file(), result.output
    return result, json.loads(path.read_text(encoding="utf-8"))


def _findings(document: Any) -> dict[str, dict[tuple[str, int], dict[str, Any]]]:
    """Each rule's findings by (model, id), for the one site of the scorecard."""
    (site,) = document["sites"]
    assert site["site"] == SITE
    return {
        rule["rule"]: {(finding["model"], finding["id"]): finding for finding in rule["findings"]}
        for rule in site["data_quality"]["rules"]
    }


def test_each_rule_reports_its_planted_problem_with_the_site_and_the_record_and_not_once_it_is_removed(
    fresh_target: LiveTarget, steward: Steward, run_uat: RunUat, record_counts: RecordCounts, tmp_path: Path
) -> None:
    sites = _sites_with_data_quality(tmp_path)
    equipment_category = steward.equipment_category(EQUIPMENT_CATEGORY)
    before_result, before = _scorecard(run_uat, fresh_target, sites, tmp_path / "before")
    print(before_result.stdout)  # the scorecards before, with and after the problems, for the log (pytest -rP)
    assert before_result.exit_code == 0, before_result.output
    baseline = _findings(before)
    assert list(baseline) == list(RULES)

    planted = _plant(steward, equipment_category)
    counts = record_counts(fresh_target, [*BUSINESS_MODELS, "product.product", "res.partner", "res.users"])
    result, during = _scorecard(run_uat, fresh_target, sites, tmp_path / "planted")
    print(result.stdout)
    assert result.exit_code == 0, result.output
    assert record_counts(fresh_target, [*BUSINESS_MODELS, "product.product", "res.partner", "res.users"]) == counts

    findings = _findings(during)
    for problem in planted:
        found = findings[problem.rule].get((problem.model, problem.record_id))
        assert found is not None, (
            f"{problem.rule} did not report {problem.model} #{problem.record_id}: {findings[problem.rule]}"
        )
        assert found["site"] == SITE
        assert problem.problem in found["problem"], found
        assert found["name"], found
        assert found["url"] == f"{fresh_target.url}/odoo/{problem.model}/{problem.record_id}"
        assert f"{problem.model} #{problem.record_id} '{found['name']}'" in result.stdout, result.stdout
    rules = {rule["rule"]: rule for rule in during["sites"][0]["data_quality"]["rules"]}
    assert all(rules[rule]["status"] == "findings" for rule in RULES), rules
    # One problem per rule and nothing else: each rule reports what it did before plus its planted record (the
    # duplicate rule also the profile's own product that the planted one duplicates).
    original = steward.one(
        "product.product", [("default_code", "=", PROFILE_PRODUCT), ("id", "!=", planted[0].record_id)]
    )
    added = {problem.rule: {(problem.model, problem.record_id)} for problem in planted}
    added["duplicate_products"].add(("product.product", original))
    assert {rule: set(found) - set(baseline[rule]) for rule, found in findings.items()} == added
    assert all(set(baseline[rule]) <= set(found) for rule, found in findings.items())
    markdown = (tmp_path / "planted" / "readiness-scorecard.md").read_text(encoding="utf-8")
    for problem in planted:
        assert f"({fresh_target.url}/odoo/{problem.model}/{problem.record_id})" in markdown

    steward.remove_all()
    final, after = _scorecard(run_uat, fresh_target, sites, tmp_path / "after", "--fail-under", "100")
    print(final.stdout)
    cleaned = _findings(after)
    for problem in planted:
        assert (problem.model, problem.record_id) not in cleaned[problem.rule], cleaned[problem.rule]
    assert {rule: set(found) for rule, found in cleaned.items()} == {
        rule: set(found) for rule, found in baseline.items()
    }
    assert after["sites"][0]["readiness_percent"] == before["sites"][0]["readiness_percent"]
    # no run of CLINIC in this reports directory: its cycles are not met, so it is below 100 % and --fail-under says so
    assert final.exit_code == 1, final.output
    assert f"below 100%: {SITE} {after['sites'][0]['readiness_percent']}%" in final.stderr
