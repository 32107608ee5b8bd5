"""Helpers of the harness's own tests: the fake Odoo's reference data, the target environment, `uat` runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from odoo_uat.config import PROJECT_ROOT
from odoo_uat.cycles import REQUIRED_MODULES
from odoo_uat.provisioning import BUSINESS_DOCUMENTS
from tests.fake_odoo import FakeOdoo

ROLE_PASSWORD = "Role-Secret-2026"

# A site profile of the harness's own tests, independent of the bundled ones (which grow with the cycles).
# It has the requisition-to-receipt section, so `uat run` has a scenario to run for it.
CLINIC_PROFILE = """\
code: CLINIC
name: Northside Clinic
company: Harbour Health Group
warehouse: {warehouse}
roles:
  requester: {{login: nsc.requester, password_env: UAT_ROLE_PASSWORD}}
  approver:  {{login: hhg.approver, password_env: UAT_ROLE_PASSWORD}}
requisition_to_receipt:
  supplier: MedSupply Partners
  product: MS-GLOVE-NIT-M
  receipt_operation: IN
  stock_location: NSC/Stock
  approval_limit: 5000
  order_quantity: 120
  unit_price: 45.0
  short_shipment: {{receive_percent: 75, backorder: true}}
"""


def seed_reference_rollout(odoo: FakeOdoo) -> FakeOdoo:
    """What `uat provision` leaves in a database, as far as CLINIC_PROFILE and the guard look."""
    group = odoo.add("res.company", id=1, name="Harbour Health Group")
    odoo.add("res.company", id=2, name="Harbour Diagnostics Ltd")
    for code, name, company in (("WH", "Harbour Health Group", group), ("NSC", "Northside Clinic", group)):
        warehouse = odoo.add("stock.warehouse", code=code, name=name, company_id=[company, "Harbour Health Group"])
        odoo.add(
            "stock.picking.type",
            name=f"{code}: Receipts",
            sequence_code="IN",
            code="incoming",
            warehouse_id=warehouse,
            company_id=company,
        )
        odoo.add("stock.location", complete_name=f"{code}/Stock", name="Stock", company_id=company)
    odoo.add("stock.warehouse", code="HDL", name="Harbour Diagnostics Laboratory", company_id=[2, "HDL"])
    for login in ("nsc.requester", "hhg.approver"):
        odoo.add("res.users", login=login, name=login, company_ids=[group])
    odoo.add("res.partner", name="MedSupply Partners", company_id=False, active=True)
    odoo.add("product.product", default_code="MS-GLOVE-NIT-M", name="Nitrile gloves", company_id=False, active=True)
    for module in sorted({name for names in REQUIRED_MODULES.values() for name in names}):
        odoo.add("ir.module.module", name=module, state="installed")
    for model in BUSINESS_DOCUMENTS:
        odoo.add("ir.model", model=model, name=model)
    odoo.set_marker(odoo.database)
    return odoo


def target_env(odoo: FakeOdoo, reports: Path, *, url: str | None = None, password: str = "admin") -> dict[str, str]:
    """The environment `uat` reads, pointing at the fake Odoo (or at `url`)."""
    return {
        "ODOO_URL": url or odoo.url,
        "ODOO_DB": odoo.database,
        "ODOO_USER": "admin",
        "ODOO_PASSWORD": password,
        "UAT_ROLE_PASSWORD": ROLE_PASSWORD,
        "UAT_REPORTS_DIR": str(reports),
    }


def run_uat(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`uat ARGS` in a process of its own: `uat run` starts pytest, which must not share this session."""
    inherited = {name: value for name, value in os.environ.items() if not name.startswith(("ODOO_", "UAT_"))}
    return subprocess.run(
        [sys.executable, "-c", "from odoo_uat.cli import main; main()", *args],
        env={**inherited, **env},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def runs_left(reports: Path) -> list[str]:
    """Whatever a run left under reports/runs, staging directories included."""
    runs = reports / "runs"
    return sorted(path.name for path in runs.iterdir()) if runs.exists() else []
