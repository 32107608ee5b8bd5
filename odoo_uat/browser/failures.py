"""What the screen said when Odoo refused, raised as the same `OdooError` types an RPC refusal raises.

Three places hold a refusal on Odoo 19's web client:

- the error dialog `.o_error_dialog`: its title names the exception ("Access Error", "Validation Error",
  "Invalid Operation" for a UserError, "Missing Record"...), its body is Odoo's message word for word;
- danger notifications (`.o_notification` with a `bg-danger` bar), e.g. "Missing required fields": they close
  themselves after ~4 s, so waits.NOTIFICATION_SCRIPT records them as they appear;
- invalid fields `.o_field_widget.o_field_invalid[name]`, reported by their labels.

Usage (page objects call it after each action; callers rarely need it)::

    mark = failures.mark(page)                 # before the action: only what appears after counts
    page.click(...)
    waits.wait_idle(page)
    failures.raise_if_refused(page, model="purchase.order", method="button_confirm", since=mark)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from odoo_uat.browser import waits
from odoo_uat.errors import (
    ExitCode,
    OdooAccessError,
    OdooError,
    OdooMissingRecord,
    OdooUserError,
    OdooValidationError,
    UatError,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

ERROR_DIALOG = ".o_dialog .o_error_dialog"
INVALID_FIELDS = ".o_field_widget.o_field_invalid[name]"
DANGER_NOTIFICATION = ".o_notification:has(.o_notification_bar.bg-danger)"
# Whatever shows that Odoo refused what was just done; page objects wait for this or the action's result.
REFUSAL_SIGNS = f"{ERROR_DIALOG}, {DANGER_NOTIFICATION}"

# The dialog titles Odoo 19 gives each server exception (web/static/src/core/errors/error_dialogs.js).
_TITLE_TO_ERROR: dict[str, type[OdooError]] = {
    "access error": OdooAccessError,
    "access denied": OdooAccessError,
    "validation error": OdooValidationError,
    "invalid operation": OdooUserError,
    "user error": OdooUserError,
    "warning": OdooUserError,
    "missing record": OdooMissingRecord,
}
_TITLE_TO_ODOO_TYPE = {
    OdooAccessError: "odoo.exceptions.AccessError",
    OdooValidationError: "odoo.exceptions.ValidationError",
    OdooUserError: "odoo.exceptions.UserError",
    OdooMissingRecord: "odoo.exceptions.MissingError",
}


class ClientScriptError(OdooError):
    """The web client logged an error (console.error or an uncaught exception) and showed no dialog about it:
    what a person would see as a screen that does not react. Like Odoo's tour runner, we count it as a failure."""


class UnexpectedScreen(UatError):
    """Navigation landed somewhere else than asked (a bad path silently opens Discuss): the harness asked for a
    screen this Odoo does not have, so it is our error to fix, never a site's failure."""

    exit_code = ExitCode.HARNESS_ERROR


@dataclass(frozen=True)
class ScreenMark:
    """Where the notification record and the console log stood before an action."""

    notifications: int


@dataclass(frozen=True)
class ErrorDialogText:
    title: str
    body: str


@dataclass(frozen=True)
class InvalidField:
    name: str
    label: str


def mark(page: Page) -> ScreenMark:
    """Remembers what was already shown, so `raise_if_refused(since=...)` reports only what the next action caused."""
    waits.prepare(page)
    waits.new_console_errors(page)
    count = page.evaluate("() => (window.__uatNotifications || []).length")
    return ScreenMark(notifications=int(count))


def read_error_dialog(page: Page) -> ErrorDialogText | None:
    """The open error dialog's title and message (Odoo's words), or None."""
    dialog = page.locator(ERROR_DIALOG).last
    if page.locator(ERROR_DIALOG).count() == 0:
        return None
    title_element = dialog.locator(".modal-title")
    title = title_element.inner_text().strip() if title_element.count() else ""
    alert = dialog.locator(".modal-body [role=alert] p.text-prewrap")
    if alert.count():
        body = "\n".join(text.strip() for text in alert.all_inner_texts())
    else:
        body = dialog.locator(".modal-body").inner_text().strip()
    return ErrorDialogText(title=title, body=body)


def danger_notifications(page: Page, since: ScreenMark | None = None) -> list[str]:
    """The texts of the danger notifications that appeared since `since` (even those already closed)."""
    start = since.notifications if since else 0
    seen = page.evaluate("() => window.__uatNotifications || []")
    return [str(n["text"]) for n in seen[start:] if n.get("type") == "danger"]


def invalid_fields(page: Page) -> list[InvalidField]:
    """The fields Odoo marked invalid on screen, with the labels a person reads next to them."""
    found = page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector)).map((widget) => {
            const name = widget.getAttribute("name");
            const input = widget.querySelector("[id]");
            let label = input ? document.querySelector(`label[for="${CSS.escape(input.id)}"]`) : null;
            if (!label) {
                const cell = widget.closest("td[name]");
                const table = cell && cell.closest("table");
                if (table) {
                    label = table.querySelector(`thead th[data-name="${CSS.escape(name)}"]`);
                }
            }
            let text = "";
            if (label) {
                const copy = label.cloneNode(true);
                copy.querySelectorAll("sup, .o_field_tooltip").forEach((tip) => tip.remove());  // the "?" help
                text = copy.textContent.replace(/\\s+/g, " ").trim();
            }
            return { name, label: text };
        })""",
        INVALID_FIELDS,
    )
    return [InvalidField(name=str(f["name"]), label=str(f["label"]) or str(f["name"])) for f in found]


def refusal(page: Page, *, model: str, method: str, since: ScreenMark | None = None) -> OdooError | None:
    """What Odoo refused on screen since `since`, as the matching OdooError, or None when nothing was refused."""
    console = waits.new_console_errors(page)  # taken now: a dialog or a notification explains them
    dialog = read_error_dialog(page)
    if dialog is not None:
        return error_for(dialog.title, dialog.body, model=model, method=method)
    dangers = danger_notifications(page, since)
    if dangers:
        # Invalid fields count only with the danger notification a refused save shows ("Missing required
        # fields"): some forms open with an empty required field already marked (a bill's date), refusing nothing.
        message = " ".join(dangers)
        invalid = invalid_fields(page)
        if invalid:
            labels = ", ".join(field.label for field in invalid)
            message = f"{message} (invalid on screen: {labels})"
        return OdooValidationError(message, model=model, method=method, odoo_type="web_client.invalid_fields")
    if console:
        return ClientScriptError(" | ".join(console), model=model, method=method, odoo_type="console.error")
    return None


def close_error_dialog(page: Page) -> None:
    """Closes the open error dialog(s), after the step's screenshot has shown them, so the role can go on."""
    dialogs = page.locator(ERROR_DIALOG)
    while dialogs.count():
        before = dialogs.count()
        closer = dialogs.last.locator(".modal-footer button.btn-primary, .modal-footer button").first
        if closer.count() == 0:
            closer = dialogs.last.locator(".btn-close").first
        closer.click()
        page.wait_for_function(
            "([selector, count]) => document.querySelectorAll(selector).length < count",
            arg=[ERROR_DIALOG, before],
            timeout=waits.DEFAULT_TIMEOUT_MS,
        )
    waits.wait_idle(page)


def raise_if_refused(page: Page, *, model: str, method: str, since: ScreenMark | None = None) -> None:
    """Raises what Odoo refused on screen (see `refusal`)."""
    error = refusal(page, model=model, method=method, since=since)
    if error is not None:
        raise error


def error_for(title: str, body: str, *, model: str, method: str) -> OdooError:
    """The OdooError an error dialog stands for, chosen by its title; the message is the dialog's body verbatim.

    A dialog without a known title (the form's "Oh snap!" dialog on save, "Odoo Server Error") is an
    OdooUserError when it carries a message, an OdooError otherwise."""
    kind = _TITLE_TO_ERROR.get(title.strip().lower())
    if kind is None:
        kind = OdooUserError if title.strip() == "" else OdooError
    return kind(body, model=model, method=method, odoo_type=_TITLE_TO_ODOO_TYPE.get(kind, title))
