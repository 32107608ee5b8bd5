"""The seam's building blocks: the mode, what an implementation is given, and the `action` wrapper."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:
    from odoo_uat.browser.stage import RoleScreen
    from odoo_uat.gateway import OdooGateway
    from odoo_uat.references import ResolvedSite


class Mode(StrEnum):
    """How a role's actions reach Odoo. Checks always read over RPC."""

    RPC = "rpc"
    BROWSER = "browser"


@dataclass(frozen=True)
class ActionContext:
    """What an implementation acts with: the role, its site, its own (writable) session and, in browser mode,
    its screen. Only implementations see this; steps get the actor's read-only gateway."""

    role: str
    site: ResolvedSite
    login: str
    gateway: OdooGateway
    screen: RoleScreen | None = None

    def who(self) -> str:
        return f"{self.role} ({self.login})"


@dataclass(frozen=True)
class ActionRecord:
    """One action as the report counts it: which, by whom, in which mode it was asked for and how it was done."""

    domain: str
    name: str
    role: str
    requested: Mode
    performed: Mode
    why_rpc: str = ""  # set when a browser-mode action stays on RPC by design
    seconds: float = 0.0


@dataclass(frozen=True)
class Attempt:
    """The result of trying something a role may not be allowed to do: `refused` holds Odoo's or the screen's
    refusal in words (an access error, a missing button), empty when the attempt went through."""

    refused: str = ""

    @property
    def went_through(self) -> bool:
        return not self.refused


class _Implementation:
    domain: str = ""
    mode: Mode = Mode.RPC

    def __init__(self, context: ActionContext) -> None:
        self.context = context


class RpcActions(_Implementation):
    """Base of the RPC implementations: they act through `self.context.gateway`."""

    mode = Mode.RPC


class BrowserActions(_Implementation):
    """Base of the browser implementations: they act on `self.screen` (the role's page in this scenario)."""

    mode = Mode.BROWSER

    @property
    def screen(self) -> RoleScreen:
        if self.context.screen is None:  # pragma: no cover - the cast always gives browser actors a screen
            raise RuntimeError(f"{self.context.who()} has no browser screen in this scenario")
        return self.context.screen


P = ParamSpec("P")
R = TypeVar("R")


def action(description: str, *, stays_on_rpc: str = "") -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark an implementation method as a role's action.

    `description` is what the person does ("confirm the order"); `stays_on_rpc` (browser implementations only)
    says why this action is done over RPC even in browser mode ("no person does this: the scheduler runs it").
    The call becomes an Allure step and an `ActionRecord` of the current scenario.
    """

    def wrap(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def acting(*args: P.args, **kwargs: P.kwargs) -> R:
            from odoo_uat import reporting  # reporting imports the actors; import late to keep the seam light

            implementation = args[0]
            assert isinstance(implementation, _Implementation)
            context = implementation.context
            performed = Mode.RPC if stays_on_rpc else implementation.mode
            label = f"{context.role}: {description} ({performed.value}"
            label += f", stays on RPC in browser mode: {stays_on_rpc})" if stays_on_rpc else ")"
            started = time.monotonic()
            try:
                with reporting.action_step(label):
                    return method(*args, **kwargs)
            finally:  # a refused action counts too: it was attempted in that mode
                reporting.record_action(
                    ActionRecord(
                        domain=implementation.domain,
                        name=description,
                        role=context.role,
                        requested=implementation.mode,
                        performed=performed,
                        why_rpc=stays_on_rpc,
                        seconds=time.monotonic() - started,
                    )
                )

        acting.__uat_action__ = description  # type: ignore[attr-defined]
        return acting

    return wrap


def action_names(cls: type[Any]) -> list[str]:
    """The actions an implementation class offers (what the coverage test compares across modes)."""
    return [name for name in dir(cls) if hasattr(getattr(cls, name), "__uat_action__")]
