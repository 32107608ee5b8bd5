"""The many2one autocomplete: type, wait for the exact option, pick it, check the input shows it.

The dropdown is debounced by 250 ms and keeps showing the previous list meanwhile, and Enter on text that matches
no option quick-creates a record: so we never press Enter, we click the option whose label is exactly the one
asked for, and we wait for the input's value rather than for a timer.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Error as PlaywrightError

from odoo_uat.browser import waits
from odoo_uat.browser.pages._base import PageObject, quoted
from odoo_uat.errors import OdooMissingRecord

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, Response

DROPDOWN = ".o-autocomplete--dropdown-menu"
_DEBOUNCE_QUIET_MS = 300

# The option whose label is `label`, once the page is idle for longer than the debounce; returns its element id
# and the texts its input may show once picked. Create/"Search more..." entries never match.
_FIND_OPTION = """
({ menu, label, quietMs }) => {
    const state = window.__uatIdle;
    if (!state || state.inflight > 0 || performance.now() - state.last < quietMs) { return false; }
    const norm = (text) => (text || "").replace(/\\s+/g, " ").trim();
    const wanted = norm(label);
    for (const option of document.querySelectorAll(`${menu} li:not(.o_m2o_dropdown_option) [role=option]`)) {
        const full = norm(option.textContent);
        const muted = option.querySelector(".text-muted");
        const forms = [full];
        if (muted) {
            const code = norm(muted.textContent);
            const main = norm(option.textContent.slice(0, option.textContent.lastIndexOf(muted.textContent)));
            forms.push(`[${code}] ${main}`, main, `${main} ${code}`);
        }
        if (forms.includes(wanted)) { return { id: option.id, forms }; }
    }
    return false;
}
"""

_LABELS = """
(options) => options.map((option) => {
    const norm = (text) => (text || "").replace(/\\s+/g, " ").trim();
    const muted = option.querySelector(".text-muted");
    if (!muted) { return norm(option.textContent); }
    const main = norm(option.textContent.slice(0, option.textContent.lastIndexOf(muted.textContent)));
    return `[${norm(muted.textContent)}] ${main}`;
})
"""

_INPUT_SHOWS = """
({ input, forms }) => forms.includes((input.value || "").replace(/\\s+/g, " ").trim())
"""


def _answers_search(response: Response, search: str) -> bool:
    """The web client's autocomplete call (`web_name_search` or `name_search`) for exactly `search`."""
    if "name_search" not in response.url:
        return False
    try:
        payload = json.loads(response.request.post_data or "{}")
    except ValueError:
        return False
    return bool(payload.get("params", {}).get("kwargs", {}).get("name") == search)


class Many2One(PageObject):
    """Many2one fields of a form (or of a dialog, or of the selected list row: pass it as `within`).

    Usage::

        Many2One(page, model="purchase.order").choose("partner_id", "Acme Medical")
        Many2One(page).choose("product_id", "Gauze", option="[GZ-10] Gauze 10cm")  # type part, pick the full label
        Many2One(page, within=X2Many(page, "order_line").selected_row()).choose("product_id", "Gauze")
        Many2One(page).value("partner_id")                                         # "Acme Medical"

    A label no option offers (absent, or invisible to the role) raises OdooMissingRecord naming the options seen.
    """

    def __init__(self, page: Page, within: Locator | None = None, *, model: str = "") -> None:
        super().__init__(page, within, model=model)

    def input(self, name: str) -> Locator:
        return self.root.locator(f"div.o_field_widget[name={quoted(name)}] input.o-autocomplete--input").first

    def choose(self, name: str, search: str, *, option: str = "") -> None:
        """Types `search` in field `name` and picks the option labelled exactly `option` (default: `search`).

        A product option reads "Name CODE" on screen; "[CODE] Name" (its display name) and "Name" match it too."""
        label = option or search
        field_input = self.input(name)

        def pick() -> None:
            found = self.pick_option(field_input, search, label)
            if found is None:
                raise OdooMissingRecord(
                    f"no option {label!r} when typing {search!r}; offered: {self._offered()}",
                    model=self.model,
                    method=f"choose {name}",
                )
            self.page.wait_for_function(
                _INPUT_SHOWS,
                arg={"input": field_input.element_handle(), "forms": found["forms"]},
                timeout=waits.DEFAULT_TIMEOUT_MS,
            )

        self.act(f"choose {name}", pick)

    def pick_option(self, field_input: Locator, search: str, label: str) -> dict[str, Any] | None:
        """Types `search` in an autocomplete input (many2one or many2many tags) and clicks the option labelled
        exactly `label`; returns the option's id and the texts the input may show, None when none is offered."""
        # No click first: a click opens the full list (searchOnInputClick), and on a CPU-starved machine the
        # debounced search may start so late that the full list, still on screen, looks like its answer. Typing
        # alone opens the list with the search's own answer, which is awaited as a response to that search.
        try:
            with self.page.expect_response(
                lambda response: _answers_search(response, search), timeout=waits.DEFAULT_TIMEOUT_MS
            ):
                field_input.fill(search)
        except PlaywrightError:  # Odoo skips a search it knows finds nothing: the quiet wait below decides
            pass
        try:
            # Idle for longer than the 250 ms debounce: the list on screen is the answer to `search`.
            found: dict[str, Any] = self.page.wait_for_function(
                _FIND_OPTION,
                arg={"menu": DROPDOWN, "label": label, "quietMs": _DEBOUNCE_QUIET_MS},
                timeout=waits.DEFAULT_TIMEOUT_MS,
            ).json_value()
        except PlaywrightError:
            return None
        self.page.locator(f"{DROPDOWN} [id={quoted(str(found['id']))}]").click()
        return found

    def _offered(self) -> list[str]:
        """The labels the dropdown offers, as a person would name them ("[CODE] Name" for a product)."""
        options = self.page.locator(f"{DROPDOWN} li:not(.o_m2o_dropdown_option) [role=option]")
        return [str(label) for label in options.evaluate_all(_LABELS)]

    def value(self, name: str) -> str:
        """The label the field shows (its input's value in edit mode, its text when read-only)."""
        field = self.root.locator(f"div.o_field_widget[name={quoted(name)}]").first
        editor = field.locator("input")
        return editor.first.input_value().strip() if editor.count() else field.inner_text().strip()

    def clear(self, name: str) -> None:
        field_input = self.input(name)

        def empty() -> None:
            field_input.fill("")
            field_input.blur()

        self.act(f"clear {name}", empty)
