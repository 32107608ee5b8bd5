"""The bases of every profile model: unknown keys are errors (they are almost always typos)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from odoo_uat.references import Reference, Scope


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CycleProfile(Strict):
    """A cycle's section of a site profile."""

    def references(self, scope: Scope) -> list[Reference]:
        """The target's records this section names, to be resolved (and checked by `uat doctor`)."""
        raise NotImplementedError

    def company_expectations(self) -> dict[str, str]:
        """Expectations Odoo keeps per company: every site of one company must state the same values."""
        return {}
