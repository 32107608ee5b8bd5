"""The browser stage of a scenario: each role's screen (a Playwright page logged in as that role's user).

The two protocols at the top are what actions and fixtures see; `OdooStage` below implements them.

How a role gets on screen, and why:
- A user logs in over HTTP (`/web/session/authenticate`), never by typing: a trace records typed text, and a UI
  login costs ~3 s and 9 MB of assets. The session cookie goes into a browser context of that login as storage
  state; the context lives for the whole run (it keeps the HTTP cache of the web client's assets).
- The active company is the `cids` cookie: the Odoo 19 web client reads it at load (web/core/user.js) and falls
  back to the user's default company when it names a company the user may not use.
- Each role gets a page of its own per scenario, closed when the scenario ends.
- Each context records a Playwright trace chunk per scenario (screenshots and DOM snapshots); the chunk is written
  to a file only when the caller keeps it (on failure), otherwise dropped.
- Every session is revoked when the stage closes, so whatever cookie a kept trace holds is dead.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from odoo_uat.errors import AuthenticationFailed, ExitCode, TargetUnreachable, UatError
from odoo_uat.redaction import register_secret

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from odoo_uat.config import Secret
    from odoo_uat.gateway import OdooGateway


class RoleScreen(Protocol):
    """One role's page in the current scenario, logged in as its user, with the site's company active."""

    role: str
    login: str
    base_url: str

    @property
    def page(self) -> Page:
        """The role's page; using it makes it the page the scenario's next step screenshot shows."""
        ...


class BrowserStage(Protocol):
    """Hands out the roles' screens for one scenario."""

    def screen_for(self, role: str, login: str, secret: Secret, company_id: int) -> RoleScreen: ...


# -- logging in over HTTP ------------------------------------------------------------------------------------

SESSION_COOKIE = "session_id"
COMPANY_COOKIE = "cids"  # the web client's active companies, "1-3" (the first is the current one)
TECHNICAL_ROLE = "technical user"


def _json_rpc(url: str, params: dict[str, Any], *, cookie: str = "", timeout: float) -> tuple[dict[str, Any], str]:
    """POST one JSON-RPC call to a web route; returns the answer and the session id the server set (if any)."""
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    if cookie:
        request.add_header("Cookie", f"{SESSION_COOKIE}={cookie}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read().decode())
            jar = SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                jar.load(header)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise TargetUnreachable(f"{url}: {getattr(error, 'reason', error)}") from error
    morsel = jar.get(SESSION_COOKIE)
    return answer, morsel.value if morsel is not None else ""


def open_web_session(base_url: str, database: str, login: str, secret: Secret, *, timeout: float = 60.0) -> str:
    """Log `login` in as the web client would and return its session id (registered as a secret at once)."""
    answer, session_id = _json_rpc(
        f"{base_url}/web/session/authenticate",
        {"db": database, "login": login, "password": secret.reveal()},
        timeout=timeout,
    )
    if session_id:
        register_secret(session_id)
    result = answer.get("result")
    if "error" in answer or not isinstance(result, dict) or not result.get("uid") or not session_id:
        error = answer.get("error") or {}
        message = str((error.get("data") or {}).get("message") or error.get("message") or "no user id returned")
        raise AuthenticationFailed(f"the web login of {login} was refused: {message}")
    return session_id


def web_session_alive(base_url: str, session_id: str, *, timeout: float = 30.0) -> bool:
    """Whether Odoo still accepts a session cookie (what the evidence test asks of every cookie it finds)."""
    try:
        answer, _ = _json_rpc(f"{base_url}/web/session/get_session_info", {}, cookie=session_id, timeout=timeout)
    except TargetUnreachable as error:
        # a session without a database (a destroyed one) does not even find the route on a multi-database server
        if isinstance(error.__cause__, urllib.error.HTTPError) and error.__cause__.code == 404:
            return False
        raise
    result = answer.get("result")
    return isinstance(result, dict) and bool(result.get("uid"))


def close_web_session(base_url: str, session_id: str, *, timeout: float = 30.0) -> None:
    """Revoke a session on the server: its cookie is worthless from now on, wherever a copy of it sits."""
    # an unreachable server cannot be told; its sessions expire on their own
    with contextlib.suppress(TargetUnreachable):
        _json_rpc(f"{base_url}/web/session/destroy", {}, cookie=session_id, timeout=timeout)


class WebLoginRewritesConfiguration(UatError):
    """Logging this user into the web client would make Odoo change the target's configuration."""

    exit_code = ExitCode.CONFIGURATION


class BaseUrlGuard:
    """Refuses a web login that would make Odoo rewrite `web.base.url`.

    Odoo sets `web.base.url` to the address a Settings administrator (base.group_system) logs in through, unless
    `web.base.url.freeze` is set (odoo/addons/base/models/res_users.py, `authenticate`). A run must not change
    configuration, so such a login is refused with the reason (the scenario is blocked, nothing written) unless the
    harness reaches Odoo at exactly `web.base.url` or the parameter is frozen. Reads only, as the technical user.
    """

    def __init__(self, technical: OdooGateway, base_url: str) -> None:
        self._technical = technical
        self._base_url = base_url.rstrip("/")
        self._safe: bool | None = None
        self._system_group: int | None = None
        self.current = ""  # the target's web.base.url, once read

    def _rewrite_possible(self) -> bool:
        if self._safe is None:
            rows = self._technical.search_read(
                "ir.config_parameter", [("key", "in", ["web.base.url", "web.base.url.freeze"])], ["key", "value"]
            )
            values = {str(row["key"]): str(row["value"] or "") for row in rows}
            self.current = values.get("web.base.url", "").rstrip("/")
            frozen = values.get("web.base.url.freeze", "").strip().lower() not in ("", "0", "false")
            self._safe = frozen or self.current == self._base_url
        return not self._safe

    def refusal(self, login: str) -> str:
        """Why `login` must not open a web session here; empty when it may."""
        if not self._rewrite_possible():
            return ""
        if self._system_group is None:
            self._system_group = self._technical.xmlid_to_res_id("base.group_system") or 0
        administrators = self._technical.search_count(
            "res.users", [("login", "=", login), ("all_group_ids", "in", [self._system_group])]
        )
        if not administrators:
            return ""
        return (
            f"{login} is a Settings administrator (base.group_system): logging it into the web client at "
            f"{self._base_url} would make Odoo rewrite the parameter web.base.url (now {self.current!r}), a "
            "configuration change a run must not make. Run browser mode with ODOO_URL set to web.base.url, or "
            "have the integrator set web.base.url.freeze, or run this scenario with --mode rpc"
        )


# -- the stage -------------------------------------------------------------------------------------------------

# What "the web client has settled" means until the page objects' waits module takes over (odoo19-facts.md):
# networkidle never comes (the bus keeps a request open), so: odoo.isReady and no blocking overlay.
_WEB_CLIENT_SETTLED = (
    "() => !!(window.odoo && window.odoo.isReady) && !document.querySelector('.o_blockUI, .o_loading_indicator')"
)
_ERROR_DIALOG = ".o_error_dialog"


_ACTION_SHOWN = "() => !!document.querySelector('.o_action_manager > *, .o_error_dialog, .modal')"


# Odoo's router reacts to popstate by loading the URL's state (web/core/browser/router.js): a link click's route.
_ROUTE_TO = """(url) => {
    if (!(window.odoo && window.odoo.isReady)) { return false; }
    window.history.pushState({}, "", url);
    window.dispatchEvent(new PopStateEvent("popstate", { state: {} }));
    return true;
}"""
_LANDED_ON = "(path) => window.location.pathname === path && !!document.querySelector('.o_action_manager > *')"
_DIRTY_FORM = ".o_form_view .o_form_status_indicator .o_form_button_save:visible"


def _route_inside_web_client(page: Page, url: str, timeout_ms: float) -> bool:
    from urllib.parse import urlsplit

    from odoo_uat.browser import waits

    if not page.evaluate(_ROUTE_TO, url):
        return False
    waits.wait_idle(page, timeout_ms=timeout_ms)  # the route's requests start at once; idle is their end
    return bool(page.evaluate(_LANDED_ON, urlsplit(url).path))  # else the caller loads the URL instead


def wait_until_settled(page: Page, timeout_ms: float = 30_000) -> None:
    """The web client is up and has rendered the action it was opened on (isReady comes before the action)."""
    from odoo_uat.browser import waits

    page.wait_for_function(_WEB_CLIENT_SETTLED, timeout=timeout_ms)
    page.wait_for_function(_ACTION_SHOWN, timeout=timeout_ms)
    waits.wait_idle(page, timeout_ms=timeout_ms)


@dataclass
class _LoginContext:
    """One user's browser context for the run: its session, its HTTP cache and its trace."""

    login: str
    context: BrowserContext
    session_ids: set[str] = field(default_factory=set)
    login_seconds: float = 0.0
    tracing_started: bool = False
    chunk_open: bool = False


class OdooScreen:
    """A role's page in one scenario. The page opens (blank, logged in, company set) on first use; go to a URL
    relative to `base_url` or through the page objects."""

    def __init__(self, stage: OdooStage, role: str, login: str, company_id: int) -> None:
        self.role = role
        self.login = login
        self.company_id = company_id
        self.base_url = stage.base_url
        self._stage = stage
        self._page: Page | None = None

    @property
    def opened(self) -> Page | None:
        """The page if it was opened, without marking the screen as used."""
        return self._page if self._page is not None and not self._page.is_closed() else None

    @property
    def page(self) -> Page:
        if self.opened is None:
            self._page = self._stage._open_page(self)
        self._stage._used(self)
        assert self._page is not None
        return self._page

    def close(self) -> Page | None:
        page, self._page = self._page, None
        if page is not None and not page.is_closed():
            page.close()
        return page


@dataclass(frozen=True)
class ScenarioEvidence:
    """What one scenario leaves behind besides its step screenshots: kept traces and videos."""

    traces: list[Path]
    videos: list[Path]


class OdooStage:
    """The run's browser: one context per login, one page per role per scenario, sessions revoked at close."""

    def __init__(
        self,
        browser: Browser,
        base_url: str,
        database: str,
        *,
        technical: tuple[str, Secret] | None = None,
        guard: BaseUrlGuard | None = None,
        evidence_dir: Path,
        video: bool = False,
        trace: bool = True,
        timeout: float = 60.0,
    ) -> None:
        self.browser = browser
        self.base_url = base_url.rstrip("/")
        self.database = database
        self.evidence_dir = evidence_dir
        self.video = video
        self.trace = trace
        self.timeout = timeout
        self._technical = technical
        self._guard = guard
        self._contexts: dict[str, _LoginContext] = {}
        self._screens: list[OdooScreen] = []  # this scenario's
        self._scenario = ""
        self._company_id = 0
        self._last_active: OdooScreen | None = None
        self._acted_in_step: OdooScreen | None = None
        self.login_seconds: dict[str, float] = {}

    # the protocol ------------------------------------------------------------------------------------------

    def screen_for(self, role: str, login: str, secret: Secret, company_id: int) -> OdooScreen:
        self._context_of(login, secret)
        self._company_id = company_id
        screen = OdooScreen(self, role, login, company_id)
        self._screens.append(screen)
        return screen

    # what the evidence hooks ask ---------------------------------------------------------------------------

    def begin_scenario(self, name: str) -> None:
        self._scenario = name
        self._screens = []
        self._last_active = None
        self._acted_in_step = None

    def begin_step(self) -> None:
        self._acted_in_step = None

    @property
    def acted_in_step(self) -> OdooScreen | None:
        """The screen a role used during the current step, if one did."""
        return self._acted_in_step

    def screen_of(self, role: str) -> OdooScreen | None:
        """The role's screen in this scenario, if its page is open."""
        return next((screen for screen in self._screens if screen.role == role and screen.opened), None)

    @property
    def last_active(self) -> OdooScreen | None:
        return self._last_active if self._last_active is not None and self._last_active.opened else None

    def technical_screen(self) -> OdooScreen | None:
        """A screen of the technical user in this scenario, to show a record no role had on screen."""
        existing = next((screen for screen in self._screens if screen.role == TECHNICAL_ROLE), None)
        if existing is not None:
            return existing
        if self._technical is None:
            return None
        login, secret = self._technical
        try:
            return self.screen_for(TECHNICAL_ROLE, login, secret, self._company_id)
        # an API key is not a web login, and an administrator's web login may rewrite web.base.url: the evidence
        # then falls back on a role's screen
        except (AuthenticationFailed, WebLoginRewritesConfiguration):
            self._technical = None
            return None

    def show(self, screen: OdooScreen, url: str) -> Page:
        """Open `url` on a screen and wait for the web client to settle (evidence of a checked record).

        On a page already in the web client the route changes inside it, as a click on a link would: no reload of
        the 8 MB of assets. Elsewhere, or when the route did not land, the page loads the URL."""
        from playwright.sync_api import Error as PlaywrightError

        page = screen.page
        try:
            if page.url.startswith(self.base_url) and _route_inside_web_client(page, url, self.timeout * 1000):
                return page
            page.goto(url, wait_until="domcontentloaded", timeout=self.timeout * 1000)
            wait_until_settled(page, self.timeout * 1000)
        except PlaywrightError:  # a page that never settles is still shown as it is: that is the evidence
            pass
        return page

    @staticmethod
    def has_unsaved_form(page: Page) -> bool:
        """A form with unsaved changes: leaving it would make Odoo save them, which evidence must never do."""
        return page.locator(_DIRTY_FORM).count() > 0

    @staticmethod
    def has_error_dialog(page: Page) -> bool:
        return page.locator(_ERROR_DIALOG).count() > 0

    def end_scenario(self, *, keep_trace: bool) -> ScenarioEvidence:
        """Close the scenario's pages; write its trace chunks if they are to be kept, else drop them."""
        videos: list[Path] = []
        for screen in self._screens:
            page = screen.close()
            if page is not None and page.video is not None:
                kept = self.evidence_dir / f"{_slug(self._scenario)}-{_slug(screen.role)}.webm"
                page.video.save_as(kept)  # waits until the closed page's video is fully written
                page.video.delete()
                videos.append(kept)
        traces: list[Path] = []
        for entry in self._contexts.values():
            if not entry.chunk_open:
                continue
            entry.chunk_open = False
            if keep_trace:
                path = self.evidence_dir / f"{_slug(self._scenario)}-{_slug(entry.login)}-trace.zip"
                entry.context.tracing.stop_chunk(path=str(path))
                traces.append(path)
            else:
                entry.context.tracing.stop_chunk()
        self._screens = []
        self._last_active = None
        return ScenarioEvidence(traces=traces, videos=[path for path in videos if path.exists()])

    def close(self) -> list[str]:
        """End the run on screen: stop tracing, close the contexts, revoke every session. Returns the session ids
        revoked (the evidence test checks none of them still works)."""
        revoked: list[str] = []
        for entry in self._contexts.values():
            try:
                entry.session_ids.update(
                    cookie["value"] for cookie in entry.context.cookies() if cookie.get("name") == SESSION_COOKIE
                )
                if entry.tracing_started:
                    entry.context.tracing.stop()
                entry.context.close()
            except Exception:  # a dead browser must not keep the sessions alive: they are revoked below
                pass
            for session_id in entry.session_ids:
                close_web_session(self.base_url, session_id, timeout=self.timeout)
                revoked.append(session_id)
        self._contexts.clear()
        return revoked

    # inside --------------------------------------------------------------------------------------------------

    def _context_of(self, login: str, secret: Secret) -> _LoginContext:
        if login not in self._contexts:
            refusal = self._guard.refusal(login) if self._guard is not None else ""
            if refusal:
                raise WebLoginRewritesConfiguration(refusal)
            started = time.perf_counter()
            session_id = open_web_session(self.base_url, self.database, login, secret, timeout=self.timeout)
            host = self.base_url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
            state: Any = {
                "cookies": [
                    {
                        "name": SESSION_COOKIE,
                        "value": session_id,
                        "domain": host,
                        "path": "/",
                        "expires": -1,
                        "httpOnly": True,
                        "secure": self.base_url.startswith("https:"),
                        "sameSite": "Lax",
                    }
                ],
                "origins": [],
            }
            options: dict[str, Any] = {
                "base_url": self.base_url,
                "storage_state": state,
                "viewport": {"width": 1440, "height": 900},
                "locale": "en-US",
            }
            if self.video:
                options["record_video_dir"] = str(self.evidence_dir / "videos")
                options["record_video_size"] = {"width": 1440, "height": 900}
            context = self.browser.new_context(**options)
            context.set_default_timeout(self.timeout * 1000)
            entry = _LoginContext(login=login, context=context, session_ids={session_id})
            entry.login_seconds = time.perf_counter() - started
            self.login_seconds[login] = entry.login_seconds
            self._contexts[login] = entry
        return self._contexts[login]

    def _open_page(self, screen: OdooScreen) -> Page:
        entry = self._contexts[screen.login]
        host = self.base_url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
        entry.context.add_cookies(
            [{"name": COMPANY_COOKIE, "value": str(screen.company_id), "domain": host, "path": "/"}]
        )
        if self.trace and not entry.chunk_open:
            title = f"{self._scenario} ({screen.login})"
            if entry.tracing_started:
                entry.context.tracing.start_chunk(title=title)
            else:
                # The trace's continuous screencast doubled the time of some actions on 2 cores (benchmarks/
                # browser_benchmark.py); its DOM snapshots and the per-step screenshots already show each screen.
                screencast = os.environ.get("UAT_TRACE_SCREENCAST", "") == "1"
                entry.context.tracing.start(title=title, screenshots=screencast, snapshots=True, sources=False)
                entry.tracing_started = True
            entry.chunk_open = True
        from odoo_uat.browser import waits

        page = entry.context.new_page()
        waits.prepare(page)  # its idle counter and toast recorder are init scripts: before the first goto
        return page

    def _used(self, screen: OdooScreen) -> None:
        self._last_active = screen
        if screen.role != TECHNICAL_ROLE:
            self._acted_in_step = screen


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80] or "scenario"
