"""The sign-off pack built from RECORDED results (tests/signoff_run/), opened in Chromium, printed to PDF, searched.

One pack is built for the module: CLINIC's procurement owner approved the results (valid); LAB's approved, then a
newer run of LAB was made (STALE). A known password is in the environment of the build, as the run's
UAT_ROLE_PASSWORD, and was planted in the recorded results themselves (a failure's text, a readiness reason, a
finding of the readiness scorecard) and in an approval's comment: no produced file may hold it (PDFs searched raw
and through pdftotext).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

from odoo_uat.signoff.approvals import record_approval
from odoo_uat.signoff.pack import PackFiles, build_pack
from odoo_uat.signoff.pdf import chromium
from tests.test_signoff import CLINIC_FAILED, RUN_ID, SCORECARD, SITES_DIR, newer_run_of, recorded_run

PLANTED_PASSWORD = "Pl4nted-Signoff-Secret-77"


@dataclass(frozen=True)
class BuiltPack:
    files: PackFiles
    run_dir: Path
    approvals: Path


def _plant_password(run_dir: Path) -> None:
    """As if a secret had slipped into the run's results: the pack must still not show it."""
    result = run_dir / "allure-results" / CLINIC_FAILED
    data = json.loads(result.read_text(encoding="utf-8"))
    data["statusDetails"]["message"] = data["statusDetails"]["message"].replace(
        "found:     Odoo refused", f"found:     (logged in with {PLANTED_PASSWORD}) Odoo refused"
    )
    result.write_text(json.dumps(data), encoding="utf-8")
    readiness = json.loads((run_dir / "readiness.json").read_text(encoding="utf-8"))
    readiness["reasons"]["LAB"]["requisition_to_receipt"][0] += f" (tried {PLANTED_PASSWORD})"
    (run_dir / "readiness.json").write_text(json.dumps(readiness, indent=2), encoding="utf-8")
    scorecard = json.loads((run_dir / SCORECARD).read_text(encoding="utf-8"))
    clinic = next(site for site in scorecard["sites"] if site["site"] == "CLINIC")
    supplier = next(rule for rule in clinic["data_quality"]["rules"] if rule["rule"] == "supplier_terms_and_vat")
    supplier["findings"][0]["problem"] += f" (its portal password {PLANTED_PASSWORD})"
    (run_dir / SCORECARD).write_text(json.dumps(scorecard, indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> BuiltPack:
    root = tmp_path_factory.mktemp("signoff")
    reports = root / "reports"
    approvals = root / "approvals"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UAT_ROLE_PASSWORD", PLANTED_PASSWORD)
        run_dir = recorded_run(reports)
        _plant_password(run_dir)
        record_approval(
            run_dir,
            "CLINIC",
            by="Helen Marsh",
            role="procurement",
            decision="approve-with-conditions",
            comment=f"bill date fixed before go-live; not {PLANTED_PASSWORD}",
            directory=approvals,
        )
        record_approval(run_dir, "LAB", by="Nadia Rossi", role="procurement", decision="approve", directory=approvals)
        newer_run_of(reports, "LAB")
        files = build_pack(run_dir, sites_dir=SITES_DIR, approvals_directory=approvals)
    return BuiltPack(files, run_dir, approvals)


@pytest.fixture(scope="module")
def page(pack: BuiltPack) -> Iterator[Page]:
    with chromium() as browser:
        opened = browser.new_page()
        opened.goto((pack.run_dir / "signoff" / "ALL.html").as_uri())
        yield opened
        opened.close()


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def test_the_pack_has_a_page_and_a_pdf_per_site_and_for_all_sites(pack: BuiltPack) -> None:
    names = sorted(path.name for path in (pack.run_dir / "signoff").iterdir())

    assert names == ["ALL.html", "ALL.pdf", "CLINIC.html", "CLINIC.pdf", "LAB.html", "LAB.pdf"]
    assert all(pages >= 2 for pages in pack.files.pages.values()), pack.files.pages
    for pdf in pack.files.pdf:
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
        assert "(A4)" in info
        assert re.search(rf"^Pages:\s+{pack.files.pages[pdf.name]}$", info, re.MULTILINE), info


def test_the_scope_names_the_run_its_sites_and_the_environment_it_recorded(page: Page) -> None:
    rows = {
        cells[0]: cells[1]
        for cells in (row.split("\t", 1) for row in page.locator("#scope table tr").all_inner_texts())
        if len(cells) == 2
    }

    assert rows["Run"].startswith(RUN_ID)
    assert rows["Sites"].splitlines() == [
        "CLINIC Northside Clinic · Harbour Health Group · warehouse NSC",
        "LAB Harbour Diagnostics Laboratory · Harbour Diagnostics Ltd · warehouse HDL",
    ]
    assert rows["odoo.version"] == "19.0"
    assert rows["odoo.edition"] == "community"
    assert rows["modules"].startswith("account 19.0.1.4, base_automation 19.0.1.0, helpdesk_mgmt 19.0.1.3.2")
    assert rows["Scenarios"] == "8: 1 environment, 2 blocked, 1 FAILED, 4 passed · mode browser, rpc"


def test_the_matrix_shows_each_cells_status_and_mode(page: Page) -> None:
    rows = page.locator("#matrix table tr")
    header = rows.nth(0).locator("th").all_inner_texts()
    clinic = rows.filter(has_text="CLINIC").locator("td").all_inner_texts()
    lab = rows.filter(has_text="LAB").locator("td").all_inner_texts()

    assert [" ".join(text.split()) for text in header] == [
        "Site",
        "Requisition to receipt",
        "Transfer to consumption",
        "Preventive maintenance",
        "Helpdesk escalation",
        "Month end close",
        "Ready",
        "Go-live",
    ]
    assert [" ".join(text.split()) for text in clinic] == [
        "CLINIC",
        "FAILED browser",
        "not run",
        "passed rpc",
        "not run",
        "passed rpc",
        "no",
        "PENDING",
    ]
    assert [" ".join(text.split()) for text in lab][:6] == [
        "LAB",
        "blocked rpc",
        "not run",
        "environment browser",
        "not run",
        "passed rpc",
    ]


def _words(texts: list[str]) -> list[str]:
    return [" ".join(text.split()) for text in texts]


def test_the_scorecard_section_shows_each_sites_figure_and_uat_status_per_cycle(page: Page) -> None:
    section = page.locator("#scorecard")
    summary = section.locator("table.summary tr")
    clinic = page.locator("#scorecard-CLINIC")

    assert _words(summary.nth(1).locator("td").all_inner_texts()) == [
        "CLINIC",
        "54 % (6 of 11 checks)",
        "2 of 5",
        "4 of 6",
    ]
    assert _words(summary.nth(2).locator("td").all_inner_texts()) == [
        "LAB",
        "50 % (5 of 10 checks)",
        "1 of 5",
        "4 of 5",
    ]
    assert " ".join(clinic.locator("h3").inner_text().split()).startswith(
        "CLINIC Northside Clinic: readiness 54 % 6 of 11 checks met · UAT 2 of 5 cycles passed · data quality 4 of 6"
    )
    cycles = [_words(row.locator("td").all_inner_texts()) for row in clinic.locator("table.cycles tr").all()[1:]]
    assert [row[:2] for row in cycles] == [
        ["Requisition to receipt", "FAILED"],
        ["Transfer to consumption", "not run"],
        ["Preventive maintenance", "passed"],
        ["Helpdesk escalation", "not run"],
        ["Month end close", "passed"],
    ]
    assert cycles[0][2] == "Business expectation broken: The accountant can create the vendor bill from the order"
    assert "Measured 2026-12-02T06:45:02+00:00 on database h10s_ref" in " ".join(section.inner_text().split())


def test_the_scorecard_section_shows_each_rule_its_verdict_count_and_first_records(page: Page) -> None:
    def rule(site: str, name: str) -> list[str]:
        return _words(page.locator(f"#rule-{site}-{name} td").all_inner_texts())

    verdicts = page.locator("#scorecard-CLINIC table.rules .status").all_inner_texts()
    supplier = rule("CLINIC", "supplier_terms_and_vat")
    costs = page.locator("#rule-LAB-product_cost_and_uom")
    switched_off = rule("LAB", "supplier_terms_and_vat")

    assert verdicts == ["clean", "clean", "findings", "findings", "clean", "clean"]
    assert supplier[0] == "Suppliers with payment terms and tax id suppliers have payment terms and a tax id (VAT)"
    assert supplier[1] == "findings 1 found of 1 checked"
    assert supplier[2].startswith(
        "1 record: MedSupply Partners (res.partner #28): no vendor payment terms (in Harbour Health Group); no tax id"
    )
    assert page.locator("#rule-CLINIC-supplier_terms_and_vat a").get_attribute("href") == (
        "http://127.0.0.1:8069/odoo/res.partner/28"
    )
    assert _words(costs.locator("td").nth(1).all_inner_texts()) == ["findings 4 found of 5 checked"]
    assert " ".join(costs.locator("td").nth(2).inner_text().split()).startswith(
        "4 records, the first 3 (all of them in readiness-scorecard.md): [LAB-REAG-CBC] Haematology reagent pack"
    )
    assert _words(costs.locator("li a").all_inner_texts()) == [
        "[LAB-REAG-CBC] Haematology reagent pack (CBC), 1 l",
        "[MS-SYR-10] Syringe 10 ml, Luer lock",
        "[MS-CANN-IV-22] IV cannula 22G",
    ]
    assert switched_off[1:] == [
        "off",
        "switched off by the profile: LabChem Diagnostics is contracted and paid by the group's shared services; "
        "finance checks its terms and tax id (CR-207)",
    ]
    assert rule("LAB", "duplicate_products")[1:] == ["clean 5 checked", "nothing"]
    open_items = page.locator("#open-items").inner_text()
    assert "LAB: data quality: Products with cost and unit of measure: 4 record(s) to correct" in open_items


def test_traceability_lists_each_requirement_with_its_scenarios_and_results(page: Page) -> None:
    table = page.locator("#traceability table")
    purchase = table.locator("tr", has_text="REQ-PUR-002")

    assert table.locator("td b").all_inner_texts() == [
        "REQ-BME-001",
        "REQ-FIN-001",
        "REQ-FIN-002",
        "REQ-PUR-001",
        "REQ-PUR-002",
    ]
    assert purchase.locator("td").nth(1).inner_text().startswith("An order above the approval limit is approved")
    assert "FAILED" in purchase.inner_text()
    assert table.locator("tr", has_text="REQ-BME-001").locator(".status").all_inner_texts() == [
        "environment",
        "passed",
    ]


def test_the_broken_expectation_shows_its_evidence_and_odoos_words(page: Page) -> None:
    failure = page.locator("#broken .failure")

    assert failure.count() == 1
    text = failure.inner_text()
    assert "The accountant can create the vendor bill from the order" in text
    assert "accountant (hhg.accountant)" in text
    assert "Invalid fields: (invalid on screen: invoice_date)" in text
    assert "When the accountant bills the order" in text
    assert failure.locator("a").get_attribute("href") == "http://127.0.0.1:8069/odoo/purchase.order/13"
    assert failure.locator("img").evaluate("image => image.naturalWidth") > 600  # the screenshot is embedded


def test_blocked_and_environment_cells_are_listed_apart(page: Page) -> None:
    apart = page.locator("#apart table tr").all_inner_texts()

    assert any(row.startswith("LAB\tPreventive maintenance\tenvironment") for row in apart), apart
    assert any(row.startswith("LAB\tRequisition to receipt\tblocked") for row in apart), apart
    assert "UAT_ROLE_PASSWORD, which is not set" in page.locator("#apart").inner_text()


def test_the_approvals_block_shows_valid_and_stale_approvals_and_who_is_awaited(page: Page) -> None:
    clinic = page.locator("#approvals-CLINIC")
    lab = page.locator("#approvals-LAB")
    clinic_procurement = clinic.locator("tr", has_text="procurement")
    lab_procurement = lab.locator("tr", has_text="procurement")

    assert "approve-with-conditions" in clinic_procurement.inner_text()
    assert clinic_procurement.locator(".state-valid").inner_text() == "valid"
    assert lab_procurement.locator(".state-STALE").inner_text() == "STALE"
    assert "a newer run of LAB exists: UAT-20261202-020000-beef" in lab_procurement.inner_text()
    assert clinic.locator("tr", has_text="Owen Price").locator("td").nth(1).inner_text() == "awaiting"
    assert clinic.locator(".verdict").inner_text() == "PENDING"
    assert "sha256:" in clinic.inner_text()


def test_the_pdfs_read_as_the_pages_do(pack: BuiltPack) -> None:
    every = pdftotext(pack.run_dir / "signoff" / "ALL.pdf")
    lab = pdftotext(pack.run_dir / "signoff" / "LAB.pdf")

    for words in (
        f"Run {RUN_ID}",
        "Results: cycle × site",
        "Requirement traceability",
        "REQ-PUR-001",
        "The accountant can create the vendor bill from the order",
        "Blocked, environment and harness error cells",
        "Open items",
        "Approvals",
        "STALE",
        "Readiness scorecard",
        "MedSupply Partners",
        "page 1 of",
    ):
        assert words in every, words
    assert "LAB Harbour Diagnostics Laboratory" in lab
    assert "Northside Clinic:" not in lab
    assert "switched off by the profile" in lab
    assert "MedSupply Partners" not in lab, "a site's page shows its own scorecard only"


def test_no_produced_file_holds_the_password(pack: BuiltPack) -> None:
    produced = [*sorted((pack.run_dir / "signoff").iterdir()), *sorted(pack.approvals.rglob("*.json"))]
    hits = [path.name for path in produced if PLANTED_PASSWORD.encode() in path.read_bytes()]
    hits += [path.name for path in produced if path.suffix == ".pdf" and PLANTED_PASSWORD in pdftotext(path)]

    assert len(produced) == 8
    assert hits == []
    assert "********" in (pack.run_dir / "signoff" / "ALL.html").read_text(encoding="utf-8")
    assert PLANTED_PASSWORD in (pack.run_dir / "readiness.json").read_text(encoding="utf-8"), "it was planted"
    assert PLANTED_PASSWORD in (pack.run_dir / SCORECARD).read_text(encoding="utf-8"), "it was planted"
    assert "(its portal password ********)" in (pack.run_dir / "signoff" / "CLINIC.html").read_text(encoding="utf-8")
