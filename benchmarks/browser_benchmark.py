"""Browser mode's speed per action: the harness's browser actions against a hand-written Playwright script.

What is timed: requisition-to-receipt, one person's action at a time, as the site's roles:
  raise the RFQ (vendor, vendor reference, operation type, one product line with quantity and price, Source
  Document, save) / confirm it / approve it / record the supplier's lots with expiry dates on the receipt and
  validate, answering the backorder question / create the vendor bill from the order (bill date, reference, save)
  / post the bill.

Three ways, on the same database, interleaved in every round (the order of the two browser sides alternates from
round to round, so a slow spell of the shared server hits both alike):
  - hand-written: benchmarks/handwritten_r2r.py, raw Playwright with the selectors of odoo19-facts.md and one
    `expect` on each action's visible result;
  - harness: the browser actions (odoo_uat/browser/actions/*) built as the fixtures build them: an `ActionContext`
    with the role's session and a screen from `OdooStage` (odoo_uat/browser/stage.py), one stage for the whole
    benchmark, a new scenario (fresh pages) per round, the Playwright trace recorded as in a run (`--no-trace` to
    leave it out);
  - RPC: the RPC actions (odoo_uat/actions/*) of the same roles, for scale.
Both browser sides log each role in once over HTTP (`/web/session/authenticate`) and carry the session cookie as
storage state, one browser context per login for the whole benchmark, one new page per role per round: logging in
is part of neither. Every action opens its record by URL first (both sides). Whatever a side needs that is not the
action (labels, the receipt's id, the order's name, checking the result) is read over RPC outside the timing. After
each side's round the result is checked over RPC (order approved, receipt done with the lots, bill posted): a side
that did not do the work does not count. An action the harness does not yet do in a browser is done over RPC,
untimed, and shown as "n/a".

The figures: per action, the median over the rounds of each side, and harness / hand-written. With `--profile`,
where the harness's time goes per action (its share of navigation, idle waits, other in-page waits, the reads it
makes over RPC, the rest: clicks and typing), from wrappers around those functions (outermost call counts).

    ODOO_URL=... ODOO_DB=... ODOO_USER=admin ODOO_PASSWORD=... UAT_ROLE_PASSWORD=... \\
        .venv/bin/python benchmarks/browser_benchmark.py --rounds 5 --site CLINIC [--profile] [--json out.json]

Figures (README "Browser mode: speed" has the tables): 2026-12-02 on 2 cores (AMD EPYC), 24 GiB, Linux 6.18,
Python 3.11.7, Debian's Chromium, Playwright 1.65, the bundled Odoo 19 shared with six other helpers' runs (load
average 17-25), site CLINIC. 4 rounds with the trace on: harness / hand-written per action raise 2.32x, confirm
1.43x, approve 1.77x, receive 1.77x, create bill 1.53x, post bill 1.05x (sums of medians 256 s / 155 s; RPC 27 s).
2 rounds with the trace off: 1.02x, 0.63x, 1.06x, 1.23x, 1.07x, 1.18x (176 s / 165 s). The profile puts the gap in
the trace's screencast and in idle waits for requests the next click does not need (the chatter's).
On an idle machine (05:53 UTC, load about 1, 3 rounds, the default trace: DOM snapshots, no screencast): 2.21x,
1.43x, 1.36x, 1.89x, 1.72x, 1.44x (33.6 s / 19.1 s; RPC 1.2 s): the fixed 150 ms quiet period of the idle wait
after every field and button (12-15 per action) is then a large share of each action.

It creates only run-tagged transactional records (orders, receipts, lots, bills tagged with a run id) on the target,
as `uat run` does; the target must be a UAT target (provisioned, marked).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks import handwritten_r2r as hand  # noqa: E402
from benchmarks.cycle_benchmark import machine  # noqa: E402
from odoo_uat.actions.base import ActionContext  # noqa: E402
from odoo_uat.actions.billing import RpcBilling  # noqa: E402
from odoo_uat.actions.purchasing import Requisition, RpcPurchasing  # noqa: E402
from odoo_uat.actions.receiving import RpcReceiving  # noqa: E402
from odoo_uat.browser.actions.billing import BrowserBilling  # noqa: E402
from odoo_uat.browser.actions.purchasing import BrowserPurchasing  # noqa: E402
from odoo_uat.browser.actions.receiving import BrowserReceiving  # noqa: E402
from odoo_uat.config import load_target, sites_dir  # noqa: E402
from odoo_uat.cycles import requisition_to_receipt as r2r  # noqa: E402
from odoo_uat.cycles.receiving import SupplierLot  # noqa: E402
from odoo_uat.errors import RecordRef  # noqa: E402
from odoo_uat.gateway import OdooGateway, SessionPool  # noqa: E402
from odoo_uat.guard import require_uat_target  # noqa: E402
from odoo_uat.profiles import load_profiles, select_sites  # noqa: E402
from odoo_uat.redaction import redact  # noqa: E402
from odoo_uat.references import ResolvedSite, resolve_site  # noqa: E402
from odoo_uat.run_id import new_run_id, tag  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

    from odoo_uat.browser.stage import OdooStage
    from odoo_uat.profiles import RoleLogin

ACTIONS = ("raise RFQ", "confirm", "approve", "receive lots + validate", "create bill", "post bill")
ROLES = ("requester", "approver", "storekeeper", "accountant")
SIDES = ("hand-written", "harness", "rpc")
NOT_IN_BROWSER = "n/a"

T = TypeVar("T")


# -- the target and the site ----------------------------------------------------------------------------------------


@dataclass
class Site:
    """The site's data as each side needs it: ids for the actions, labels for the hand-written script."""

    resolved: ResolvedSite
    technical: OdooGateway
    sessions: dict[str, OdooGateway]  # role -> its writable session pinned to the site's company
    vendor_label: str
    operation_type_label: str
    product_code: str
    product_label: str

    @property
    def policy(self) -> r2r.RequisitionToReceiptProfile:
        return r2r.section_of(self.resolved)

    def ref(self, key: str) -> int:
        return self.resolved.id(f"requisition_to_receipt.{key}")

    def requisition(self, run_tag: str) -> Requisition:
        return Requisition(
            run_tag=run_tag,
            partner_id=self.ref("supplier"),
            company_id=self.resolved.company_id,
            picking_type_id=self.ref("receipt_operation"),
            product_id=self.ref("product"),
            quantity=self.policy.order_quantity,
            unit_price=self.policy.unit_price,
        )

    def lots(self, run_tag: str) -> list[SupplierLot]:
        policy = self.policy
        arriving = math.floor(policy.order_quantity * policy.short_shipment.receive_percent / 100)
        return r2r.plan_supplier_lots(run_tag.replace("/", "-"), arriving, policy.lots, policy.shelf_life_days)

    def order(self, order_id: int) -> RecordRef:
        name = str(self.technical.read_one("purchase.order", order_id, ["name"])["name"])
        return self.technical.record("purchase.order", order_id, name)

    def open_receipt(self, order_id: int) -> RecordRef:
        rows = self.technical.search_read(
            "stock.picking",
            [("purchase_id", "=", order_id), ("state", "not in", ["done", "cancel"])],
            ["name"],
            order="id",
        )
        if not rows:
            raise RuntimeError(f"purchase order #{order_id} has no receipt to do")
        return self.technical.record("stock.picking", int(rows[0]["id"]), str(rows[0]["name"]))


def load_site(code: str, directory: Path) -> tuple[Site, SessionPool]:
    settings = load_target()
    pool = SessionPool(settings)
    technical = pool.technical()
    require_uat_target(technical, settings.database)
    loaded = select_sites(load_profiles(directory), [code])[0]
    resolved = resolve_site(technical, loaded, ["requisition_to_receipt"])
    resolved.require("requisition_to_receipt")
    sessions = {}
    for role in ROLES:
        resolved.require(f"roles.{role}")
        user = resolved.profile.role(role)
        sessions[role] = pool.as_user(user.login, user.secret()).for_company(resolved.company_id)
    ids = resolved.ids
    vendor = technical.read_one("res.partner", ids["requisition_to_receipt.supplier"], ["display_name"])
    kind = technical.read_one("stock.picking.type", ids["requisition_to_receipt.receipt_operation"], ["display_name"])
    product = technical.read_one(
        "product.product", ids["requisition_to_receipt.product"], ["default_code", "display_name"]
    )
    site = Site(
        resolved=resolved,
        technical=technical,
        sessions=sessions,
        vendor_label=str(vendor["display_name"]),
        operation_type_label=str(kind["display_name"]),
        product_code=str(product["default_code"]),
        product_label=str(product["display_name"]),
    )
    return site, pool


# -- timing and the profile -----------------------------------------------------------------------------------------


@dataclass
class Timings:
    """seconds[side][action] -> one value per round."""

    seconds: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: {side: {action: [] for action in ACTIONS} for side in SIDES}
    )
    missing: dict[str, set[str]] = field(default_factory=lambda: {side: set() for side in SIDES})
    failures: dict[str, list[str]] = field(default_factory=lambda: {side: [] for side in SIDES})
    current: str = ""  # the action being timed, to name a failure

    def mark(self, side: str) -> dict[str, int]:
        return {action: len(values) for action, values in self.seconds[side].items()}

    def drop_since(self, side: str, mark: dict[str, int], failure: str, *, whole_round: bool) -> None:
        """An action that failed counts for nothing but its failure (it was not timed); when the round's result is
        wrong (`whole_round`), none of that round's actions count."""
        if whole_round:
            for action, count in mark.items():
                del self.seconds[side][action][count:]
        self.failures[side].append(redact(failure)[:400])

    def last(self, side: str) -> str:
        """This round's figures of one side, for the progress log."""
        return ", ".join(f"{action} {values[-1]:.1f}" for action, values in self.seconds[side].items() if values)

    def timed(self, side: str, action: str, do: Callable[[], T]) -> T:
        self.current = action
        started = time.perf_counter()
        result = do()
        self.seconds[side][action].append(time.perf_counter() - started)
        return result

    def median(self, side: str, action: str) -> float | None:
        values = self.seconds[side][action]
        return statistics.median(values) if values else None


PROFILE_PARTS = (
    "navigation (page.goto)",
    "idle waits (waits.wait_idle)",
    "other in-page waits",
    "RPC reads",
    "clicks, typing, queries",
)


_HELPERS = ("/browser/waits.py", "/browser/pages/_base.py", "/browser/failures.py", "browser_benchmark.py")


def _caller() -> str:
    """The harness code that made the call being measured: the nearest page-object (or action) frame and the one
    that called it, e.g. "Form.press <- PurchaseOrderForm.confirm"."""
    frame = sys._getframe(2)
    names: list[str] = []
    while frame is not None and len(names) < 2:
        path = frame.f_code.co_filename
        if "/odoo_uat/browser/" in path and not path.endswith(_HELPERS):
            names.append(frame.f_code.co_qualname)
        frame = frame.f_back  # type: ignore[assignment]
    return " <- ".join(names) or "(outside the page objects)"


class Profile:
    """Where the harness's time goes, per action: the outermost wrapped call of each kind takes the time."""

    def __init__(self) -> None:
        self.seconds: dict[str, dict[str, float]] = {}
        self.calls: dict[str, dict[str, int]] = {}
        self.totals: dict[str, float] = {}
        self.rounds: dict[str, int] = {}
        self._action = ""
        self._depth = 0
        self.by_caller: dict[tuple[str, str, str], float] = {}

    @contextmanager
    def action(self, name: str) -> Iterator[None]:
        self._action = name
        started = time.perf_counter()
        try:
            yield
        finally:
            self.totals[name] = self.totals.get(name, 0.0) + time.perf_counter() - started
            self.rounds[name] = self.rounds.get(name, 0) + 1
            self._action = ""

    def wrap(self, owner: Any, attribute: str, part: str) -> None:
        original = getattr(owner, attribute)

        @functools.wraps(original)
        def measured(*args: Any, **kwargs: Any) -> Any:
            if not self._action or self._depth:
                return original(*args, **kwargs)
            self._depth += 1
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self._depth -= 1
                spent = self.seconds.setdefault(self._action, {})
                spent[part] = spent.get(part, 0.0) + time.perf_counter() - started
                counted = self.calls.setdefault(self._action, {})
                counted[part] = counted.get(part, 0) + 1
                if part != PROFILE_PARTS[3]:
                    key = (self._action, part, _caller())
                    self.by_caller[key] = self.by_caller.get(key, 0.0) + time.perf_counter() - started

        setattr(owner, attribute, measured)

    def callers_table(self, top: int = 6) -> list[str]:
        """Per action, the page-object code paths that spent the most in navigation and waits."""
        lines = ["| Action | Where (page object <- its caller) | What | Seconds per round |", "|---|---|---|---|"]
        for action in ACTIONS:
            rounds = self.rounds.get(action, 0)
            rows = sorted(
                (
                    (seconds, part, caller)
                    for (named, part, caller), seconds in self.by_caller.items()
                    if named == action
                ),
                reverse=True,
            )
            for seconds, part, caller in rows[:top]:
                lines.append(f"| {action} | {caller} | {part} | {seconds / max(rounds, 1):.2f} |")
        return lines

    def install(self) -> None:
        from playwright.sync_api import Locator, Page

        from odoo_uat.browser import waits

        self.wrap(Page, "goto", PROFILE_PARTS[0])
        self.wrap(waits, "wait_idle", PROFILE_PARTS[1])
        self.wrap(Page, "wait_for_function", PROFILE_PARTS[2])
        self.wrap(Locator, "wait_for", PROFILE_PARTS[2])
        self.wrap(OdooGateway, "call", PROFILE_PARTS[3])

    def table(self) -> list[str]:
        lines = [
            "| Action | Harness mean over the profiled rounds (s) | "
            + " | ".join(PROFILE_PARTS)
            + " | wait_idle calls | RPC calls |",
            "|---|---|" + "---|" * len(PROFILE_PARTS) + "---|---|",
        ]
        for action in ACTIONS:
            rounds = self.rounds.get(action, 0)
            if not rounds:
                continue
            total = self.totals[action] / rounds
            spent = {part: self.seconds.get(action, {}).get(part, 0.0) / rounds for part in PROFILE_PARTS}
            spent[PROFILE_PARTS[4]] = max(0.0, total - sum(spent[part] for part in PROFILE_PARTS[:4]))
            calls = self.calls.get(action, {})
            cells = " | ".join(f"{spent[part]:.2f} ({spent[part] / total:.0%})" for part in PROFILE_PARTS)
            lines.append(
                f"| {action} | {total:.2f} | {cells} | {calls.get(PROFILE_PARTS[1], 0) / rounds:.1f} "
                f"| {calls.get(PROFILE_PARTS[3], 0) / rounds:.1f} |"
            )
        return lines


# -- the three sides --------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    order_id: int
    bill_id: int
    lots: list[SupplierLot]


def run_hand_written(site: Site, pages: dict[str, Any], run_tag: str, timings: Timings) -> Outcome:
    policy = site.policy
    rfq = hand.Rfq(
        vendor=site.vendor_label,
        operation_type=site.operation_type_label,
        product_code=site.product_code,
        quantity=policy.order_quantity,
        unit_price=policy.unit_price,
        tag=run_tag,
    )
    side = "hand-written"
    order_id = timings.timed(side, ACTIONS[0], lambda: hand.raise_rfq(pages["requester"], rfq))
    timings.timed(side, ACTIONS[1], lambda: hand.confirm(pages["requester"], order_id))
    timings.timed(side, ACTIONS[2], lambda: hand.approve(pages["approver"], order_id))
    receipt = site.open_receipt(order_id)
    lots = site.lots(run_tag)
    typed = [(lot.name, lot.quantity, lot.expiration) for lot in lots]
    keep = policy.short_shipment.backorder
    timings.timed(
        side, ACTIONS[3], lambda: hand.receive_lots(pages["storekeeper"], receipt.id, typed, keep_backorder=keep)
    )
    order = site.order(order_id)
    bill_ref = run_tag.replace("/RFQ", "/BILL")
    bill_id = timings.timed(
        side, ACTIONS[4], lambda: hand.create_bill(pages["accountant"], order.name, date.today(), bill_ref)
    )
    timings.timed(side, ACTIONS[5], lambda: hand.post_bill(pages["accountant"], bill_id))
    return Outcome(order_id, bill_id, lots)


def _has(implementation: type[Any], method: str) -> bool:
    return hasattr(implementation, method)


def run_actions(
    site: Site,
    side: str,
    contexts: dict[str, ActionContext],
    run_tag: str,
    timings: Timings,
    profile: Profile | None = None,
) -> Outcome:
    """The harness's actions (browser or RPC implementations, by `side`); a browser action that does not exist yet
    is done over RPC, untimed."""
    browser = side == "harness"
    rpc = {role: ActionContext(role, site.resolved, c.login, c.gateway) for role, c in contexts.items()}

    def implementation(role: str, browser_class: type[Any], rpc_class: type[Any], method: str) -> Any:
        if browser and _has(browser_class, method):
            return browser_class(contexts[role])
        return rpc_class(rpc[role])

    def timed(action: str, role: str, classes: tuple[type[Any], type[Any]], method: str, *args: Any) -> Any:
        acting = implementation(role, *classes, method)
        if browser and not _has(classes[0], method):
            timings.missing[side].add(action)
            return getattr(acting, method)(*args)
        if profile is not None and browser:
            with profile.action(action):
                return timings.timed(side, action, lambda: getattr(acting, method)(*args))
        return timings.timed(side, action, lambda: getattr(acting, method)(*args))

    purchasing = (BrowserPurchasing, RpcPurchasing)
    order = timed(ACTIONS[0], "requester", purchasing, "raise_requisition", site.requisition(run_tag))
    timed(ACTIONS[1], "requester", purchasing, "confirm", order)
    timed(ACTIONS[2], "approver", purchasing, "approve", order)
    receipt = site.open_receipt(order.id)
    lots = site.lots(run_tag)
    keep = site.policy.short_shipment.backorder
    receiving = (BrowserReceiving, RpcReceiving)
    acting = implementation("storekeeper", *receiving, "receive_lots")
    if browser and not _has(BrowserReceiving, "receive_lots"):
        timings.missing[side].add(ACTIONS[3])
        acting.receive_lots(receipt, site.ref("product"), lots, keep_backorder=keep)
    else:

        def receive() -> Any:
            return acting.receive_lots(receipt, site.ref("product"), lots, keep_backorder=keep)

        if profile is not None and browser:
            with profile.action(ACTIONS[3]):
                timings.timed(side, ACTIONS[3], receive)
        else:
            timings.timed(side, ACTIONS[3], receive)
    billing = (BrowserBilling, RpcBilling)
    bill = timed(ACTIONS[4], "accountant", billing, "bill_order", order, date.today(), run_tag.replace("/RFQ", "/BILL"))
    timed(ACTIONS[5], "accountant", billing, "post_bill", bill)
    return Outcome(order.id, bill.id, lots)


def check(site: Site, side: str, outcome: Outcome, run_tag: str) -> None:
    """The side did the work: the order approved, the lots received with their expiry dates, the bill posted."""
    technical = site.technical
    order = technical.read_one("purchase.order", outcome.order_id, ["state", "origin", "partner_ref"])
    lots = technical.search_read(
        "stock.move.line",
        # by the move: the RPC actions' lines carry no picking_id of their own
        [("move_id.picking_id.purchase_id", "=", outcome.order_id), ("state", "=", "done")],
        ["lot_name", "quantity", "expiration_date"],
    )
    bill = technical.read_one("account.move", outcome.bill_id, ["state", "ref", "invoice_date"])
    expected = {(lot.name, lot.quantity, lot.expiration.isoformat()) for lot in outcome.lots}
    found = {(row["lot_name"], row["quantity"], str(row["expiration_date"])[:10]) for row in lots}
    problems = []
    if order["state"] != "purchase" or order["origin"] != run_tag or order["partner_ref"] != run_tag:
        problems.append(f"order {order}")
    if found != expected:
        problems.append(f"received {sorted(found)}, expected {sorted(expected)}")
    if bill["state"] != "posted" or bill["ref"] != run_tag.replace("/RFQ", "/BILL"):
        problems.append(f"bill {bill}")
    if problems:
        raise RuntimeError(f"{side} did not do requisition-to-receipt as asked: " + "; ".join(problems))


# -- the benchmark --------------------------------------------------------------------------------------------------


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from fixtures.browser import DEBIAN_CHROMIUM
    from odoo_uat.browser.stage import OdooStage

    site, pool = load_site(args.site, sites_dir(override=args.sites_dir))
    settings = pool.settings
    run_id = new_run_id()
    timings = Timings()
    profile = Profile() if args.profile else None
    if profile is not None:
        profile.install()
    if args.trace_without_screenshots:
        _trace_without_screenshots()
    progress: Path | None = args.json.with_suffix(".partial.md") if args.json else None
    logins = {role: site.resolved.profile.role(role) for role in ROLES}
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=str(DEBIAN_CHROMIUM) if DEBIAN_CHROMIUM.exists() else None, headless=True
    )
    stage = OdooStage(
        browser,
        settings.base_url,
        settings.database,
        evidence_dir=Path(tempfile.mkdtemp(prefix="uat-bench-")),
        trace=not args.no_trace,
        timeout=settings.call_timeout,
    )
    sessions = {
        role: hand.web_session(settings.base_url, settings.database, user.login, user.secret().reveal())
        for role, user in logins.items()
    }
    hand_contexts = {
        role: hand.logged_in_context(browser, settings.base_url, session, site.resolved.company_id)
        for role, session in sessions.items()
    }
    try:
        for index in range(args.rounds):
            order = ("hand-written", "harness") if index % 2 == 0 else ("harness", "hand-written")
            for side in order:
                if side not in args.sides.split(","):
                    continue
                run_tag = tag(run_id, site.resolved.code, f"B{index + 1}-{'H' if side == 'harness' else 'W'}/RFQ")
                kept = timings.mark(side)
                try:
                    outcome = one_side(site, side, index, stage, hand_contexts, logins, run_tag, timings, profile)
                except Exception as error:  # the actions done before it still count: each did its work
                    timings.drop_since(side, kept, f"round {index + 1}, {timings.current}: {error}", whole_round=False)
                    print(f"round {index + 1} {side} FAILED at {timings.current}: {error}", file=sys.stderr)
                    continue
                try:
                    check(site, side, outcome, run_tag)
                except RuntimeError as error:
                    timings.drop_since(side, kept, f"round {index + 1}: {error}", whole_round=True)
                    print(f"round {index + 1} {side} FAILED at {timings.current}: {error}", file=sys.stderr)
                    continue
                print(f"round {index + 1} {side}: {timings.last(side)}", file=sys.stderr, flush=True)
            if "rpc" not in args.sides.split(","):
                continue
            run_tag = tag(run_id, site.resolved.code, f"B{index + 1}-R/RFQ")
            rpc_contexts = {
                role: ActionContext(role, site.resolved, user.login, site.sessions[role])
                for role, user in logins.items()
            }
            kept = timings.mark("rpc")
            try:
                check(site, "rpc", run_actions(site, "rpc", rpc_contexts, run_tag, timings), run_tag)
                print(f"round {index + 1} rpc: {timings.last('rpc')}", file=sys.stderr, flush=True)
            except Exception as error:
                timings.drop_since("rpc", kept, f"round {index + 1}, {timings.current}: {error}", whole_round=True)
            if progress is not None:  # the figures so far, should the benchmark be stopped
                progress.write_text(
                    "\n".join(table(timings))
                    + "\n\n"
                    + "\n".join(profile.table() if profile is not None else [])
                    + "\n"
                    + json.dumps(timings.failures)
                )
    finally:
        stage.close()
        for context in hand_contexts.values():
            context.close()
        for session in sessions.values():
            hand.end_web_session(settings.base_url, session)
        browser.close()
        playwright.stop()
    return {
        "measured": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": machine(),
        "site": site.resolved.code,
        "database": settings.database,
        "rounds": args.rounds,
        "trace": "off" if args.no_trace else "DOM snapshots only" if args.trace_without_screenshots else "on",
        "run_id": run_id,
        "seconds": timings.seconds,
        "failures": timings.failures,
        "not_in_browser_yet": {side: sorted(missing) for side, missing in timings.missing.items()},
        "profile": profile.table() if profile is not None else [],
        "callers": profile.callers_table() if profile is not None else [],
        "table": table(timings),
    }


def _trace_without_screenshots() -> None:
    """The stage starts its traces with screenshots (a screencast of the page); start them without."""
    from playwright.sync_api._generated import Tracing

    start = Tracing.start

    @functools.wraps(start)
    def without_screenshots(self: Tracing, **options: Any) -> Any:
        return start(self, **{**options, "screenshots": False})

    Tracing.start = without_screenshots  # type: ignore[method-assign]


def one_side(
    site: Site,
    side: str,
    index: int,
    stage: OdooStage,
    hand_contexts: dict[str, BrowserContext],
    logins: dict[str, RoleLogin],
    run_tag: str,
    timings: Timings,
    profile: Profile | None,
) -> Outcome:
    """One round of one browser side, on fresh pages (a scenario of its own)."""
    if side == "hand-written":
        pages = {role: context.new_page() for role, context in hand_contexts.items()}
        try:
            return run_hand_written(site, pages, run_tag, timings)
        finally:
            for page in pages.values():
                page.close()
    stage.begin_scenario(f"benchmark round {index + 1}")
    contexts = {
        role: ActionContext(
            role,
            site.resolved,
            user.login,
            site.sessions[role],
            stage.screen_for(role, user.login, user.secret(), site.resolved.company_id),
        )
        for role, user in logins.items()
    }
    try:
        return run_actions(site, side, contexts, run_tag, timings, profile)
    finally:
        stage.end_scenario(keep_trace=False)


def table(timings: Timings) -> list[str]:
    lines = [
        "| Action | Hand-written median (s) | Harness median (s) | Harness / hand-written | RPC median (s) |",
        "|---|---|---|---|---|",
    ]
    totals = dict.fromkeys(SIDES, 0.0)
    for action in ACTIONS:
        medians = {side: timings.median(side, action) for side in SIDES}
        for side, value in medians.items():
            totals[side] += value or 0.0
        written, harness, rpc = medians["hand-written"], medians["harness"], medians["rpc"]
        ratio = f"{harness / written:.2f}x" if harness is not None and written else NOT_IN_BROWSER
        lines.append(f"| {action} | {_cell(written)} | {_cell(harness)} | {ratio} | {_cell(rpc)} |")
    complete = all(timings.seconds["harness"][action] for action in ACTIONS)
    ratio = f"{totals['harness'] / totals['hand-written']:.2f}x" if complete and totals["hand-written"] else "n/a"
    lines.append(
        f"| all six (sum of medians) | {totals['hand-written']:.2f} | "
        f"{totals['harness']:.2f}{'' if complete else ' (partial)'} | {ratio} | {totals['rpc']:.2f} |"
    )
    return lines


def _cell(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else NOT_IN_BROWSER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--site", default="CLINIC")
    parser.add_argument("--sites-dir", default=None)
    parser.add_argument("--no-trace", action="store_true", help="the harness's stage records no Playwright trace")
    parser.add_argument(
        "--trace-without-screenshots",
        action="store_true",
        help="the harness's trace keeps DOM snapshots but no screencast (to measure what the screencast costs)",
    )
    parser.add_argument("--profile", action="store_true", help="also break the harness's time down per action")
    parser.add_argument(
        "--sides", default="hand-written,harness,rpc", help="which sides to run (comma-separated; default all three)"
    )
    parser.add_argument("--json", type=Path, default=None, help="write every figure to this file")
    args = parser.parse_args(argv)
    result = benchmark(args)
    print(
        f"Measured {result['measured']}, {args.rounds} rounds, site {result['site']}, database {result['database']}, "
        f"harness trace {result['trace']}, on {result['machine']}.\n"
    )
    print("\n".join(result["table"]))
    missing = result["not_in_browser_yet"]["harness"]
    if missing:
        print(f"\nNot yet a browser action (done over RPC, untimed): {', '.join(missing)}")
    for side, failures in result["failures"].items():
        for failure in failures:
            print(f"\n{side} failed (that round not counted): {failure}")
    if result["profile"]:
        print("\nWhere the harness's time goes (mean per action over the rounds):\n")
        print("\n".join(result["profile"]))
        print("\nThe code paths that spent it (navigation and waits, per round):\n")
        print("\n".join(result["callers"]))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
