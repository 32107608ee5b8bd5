"""When Odoo's web client has finished what a click started, without a fixed sleep.

`networkidle` never settles on Odoo 19 (the bus keeps a request open), so "idle" is what Odoo's own tour runner
waits for, observed from inside the page:

- no XHR/fetch in flight (an init script wraps `fetch` and `XMLHttpRequest.send` and counts them);
- `odoo.isReady` (set once the web client is mounted);
- no `.o_blockUI` and no `.o_loading_indicator` on screen;
- nothing of the above nor the DOM changed for a short quiet period (150 ms: long enough for the client to start
  the next request an answer triggers, short against a click's round trip).

Callers first wait for the action's own visible result (a dialog, a row, a saved URL), then for idle. The many2one
autocomplete is debounced by 250 ms: there the page object waits for the input's value instead.

Like the tour runner, a `console.error` in the page counts as a failure: `prepare()` collects them, and
`failures.raise_if_refused()` reports them when the screen shows no more precise reason.

Usage::

    waits.prepare(page)                     # once per page, before the first navigation (idempotent)
    page.click(...)
    waits.settle(page, page.locator(".modal"))  # the visible result, then idle
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Error, Locator, Page

ElementState = Literal["attached", "detached", "visible", "hidden"]

DEFAULT_TIMEOUT_MS = 30_000  # one single-threaded Odoo shared by several runs can take seconds per request
QUIET_MS = 150

# Counts requests in flight and remembers the time of the last activity (request start/end or DOM change).
# Installed as an init script (runs before Odoo's own scripts) and evaluated once on an already-loaded page.
IDLE_SCRIPT = """
(() => {
    if (window.__uatIdle) { return; }
    const state = window.__uatIdle = { inflight: 0, last: performance.now() };
    const touch = () => { state.last = performance.now(); };
    const started = () => { state.inflight += 1; touch(); };
    const ended = () => { state.inflight = Math.max(0, state.inflight - 1); touch(); };
    const originalFetch = window.fetch;
    window.fetch = function (...args) {
        started();
        let answer;
        try {
            answer = originalFetch.apply(this, args);
        } catch (error) {
            ended();
            throw error;
        }
        answer.then(ended, ended);
        return answer;
    };
    const originalSend = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (...args) {
        started();
        this.addEventListener("loadend", ended, { once: true });
        return originalSend.apply(this, args);
    };
    // Typing changes no DOM node but starts debounced work (the many2one search): it is activity too.
    document.addEventListener("input", touch, true);
    const observe = () => {
        // Toasts animate their progress bar for seconds: that is not the application working.
        const busy = (record) => {
            const element = record.target.nodeType === 1 ? record.target : record.target.parentElement;
            return !(element && element.closest(".o_notification_manager"));
        };
        new MutationObserver((records) => { if (records.some(busy)) { touch(); } }).observe(document.documentElement, {
            subtree: true, childList: true, attributes: true, characterData: true,
        });
    };
    if (document.documentElement) { observe(); } else { document.addEventListener("DOMContentLoaded", observe); }
})();
"""

# Records every notification as it appears (danger toasts close themselves after ~4 s, before a step could look):
# its type (the bar's bg-<type> class), its text, and when. Read by pages/notifications.py.
NOTIFICATION_SCRIPT = """
(() => {
    if (window.__uatNotifications) { return; }
    const seen = window.__uatNotifications = [];
    const record = (element) => {
        if (element.__uatSeen) { return; }
        element.__uatSeen = true;
        const bar = element.querySelector(".o_notification_bar");
        const kind = bar ? (Array.from(bar.classList).find((c) => c.startsWith("bg-")) || "bg-").slice(3) : "";
        const content = element.querySelector(".o_notification_content");
        seen.push({ type: kind, text: (content ? content.innerText : element.innerText).trim(), at: Date.now() });
    };
    const scan = (node) => {
        if (!(node instanceof Element)) { return; }
        if (node.matches(".o_notification")) { record(node); }
        node.querySelectorAll(".o_notification").forEach(record);
    };
    const observe = () => {
        document.querySelectorAll(".o_notification").forEach(record);
        new MutationObserver((mutations) => {
            for (const mutation of mutations) { mutation.addedNodes.forEach(scan); }
        }).observe(document.documentElement, { subtree: true, childList: true });
    };
    if (document.documentElement) { observe(); } else { document.addEventListener("DOMContentLoaded", observe); }
})();
"""

IS_IDLE = """
(quietMs) => {
    const state = window.__uatIdle;
    if (!state || state.inflight > 0) { return false; }
    // On the web client (/odoo/...) Odoo sets isReady only once it has mounted: undefined means not yet.
    const webClient = location.pathname === "/odoo" || location.pathname.startsWith("/odoo/");
    if (webClient ? !(window.odoo && window.odoo.isReady === true) : window.odoo && window.odoo.isReady === false) {
        return false;
    }
    if (document.querySelector(".o_blockUI, .o_loading_indicator")) { return false; }
    return performance.now() - state.last >= quietMs;
}
"""


@dataclass
class _PageWatch:
    """What we collect about one page: the console errors, in order."""

    console_errors: list[str] = field(default_factory=list)
    reported: int = 0


_watched: weakref.WeakKeyDictionary[Page, _PageWatch] = weakref.WeakKeyDictionary()


def prepare(page: Page) -> None:
    """Installs the idle counter, the notification recorder and the console listener on `page` (idempotent).

    Install it before the page's first navigation: a request already in flight when the script is evaluated on a
    loaded page is not counted (the quiet period covers most of that gap)."""
    if page in _watched:
        return
    watch = _PageWatch()
    _watched[page] = watch
    page.add_init_script(IDLE_SCRIPT)
    page.add_init_script(NOTIFICATION_SCRIPT)

    def on_console(message: ConsoleMessage) -> None:
        # A resource that failed to load (an avatar's 404) is the network's word, not a script's error.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            watch.console_errors.append(message.text)

    def on_page_error(error: Error) -> None:
        watch.console_errors.append(f"uncaught: {error.message}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    if page.url.startswith("http"):
        page.evaluate(IDLE_SCRIPT)
        page.evaluate(NOTIFICATION_SCRIPT)


def wait_idle(page: Page, *, quiet_ms: int = QUIET_MS, timeout_ms: float = DEFAULT_TIMEOUT_MS) -> None:
    """Waits until no request is in flight, Odoo is ready, nothing blocks the UI, and all stayed so for quiet_ms."""
    prepare(page)
    page.wait_for_function(IS_IDLE, arg=quiet_ms, timeout=timeout_ms)


def settle(
    page: Page,
    result: Locator | None = None,
    *,
    state: ElementState = "visible",
    quiet_ms: int = QUIET_MS,
    timeout_ms: float = DEFAULT_TIMEOUT_MS,
) -> None:
    """Waits for the action's own visible result (when given: `result` reaching `state`), then for idle."""
    if result is not None:
        result.first.wait_for(state=state, timeout=timeout_ms)
    wait_idle(page, quiet_ms=quiet_ms, timeout_ms=timeout_ms)


def console_errors(page: Page) -> list[str]:
    """Every console.error and uncaught error the page logged since `prepare()`."""
    watch = _watched.get(page)
    return list(watch.console_errors) if watch else []


def new_console_errors(page: Page) -> list[str]:
    """The console errors logged since the previous call (each is reported once)."""
    watch = _watched.get(page)
    if watch is None:
        return []
    fresh = watch.console_errors[watch.reported :]
    watch.reported = len(watch.console_errors)
    return fresh
