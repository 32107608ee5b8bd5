"""Find-or-create helpers for provisioning: a second provisioning finds everything and changes nothing."""

from __future__ import annotations

from typing import Any

from odoo_uat.errors import ConfigurationError, OdooError
from odoo_uat.gateway import Domain, OdooGateway, Values
from odoo_uat.profiles import LoadedProfile

# A storable medical supply tracked by lot with expiry dates: what every bundled supply is.
LOT_TRACKED_SUPPLY: Values = {
    "type": "consu",
    "is_storable": True,
    "tracking": "lot",
    "use_expiration_date": True,
    "expiration_time": 365,
}


class Builder:
    def __init__(self, gateway: OdooGateway) -> None:
        self.gateway = gateway

    def model_exists(self, model: str) -> bool:
        return bool(self.gateway.search_count("ir.model", [("model", "=", model)]))

    def site_company(self, item: LoadedProfile) -> tuple[int, OdooGateway]:
        """The site's company (core provisioning created it) and a gateway with that company active."""
        company_id = self.gateway.search("res.company", [("name", "=", item.profile.company)], limit=1)[0]
        return company_id, self.gateway.for_company(company_id)

    def user_id(self, login: str) -> int:
        """A role user's id; core provisioning created every role user before the cycles run."""
        found = self.gateway.search("res.users", [("login", "=", login)], limit=1)
        if not found:
            raise ConfigurationError(f"provisioning found no user {login!r}; the core provisioning creates role users")
        return found[0]

    def ref(self, xmlid: str) -> int:
        record_id = self.gateway.xmlid_to_res_id(xmlid)
        if record_id is None:
            raise OdooError(f"no record with XML id {xmlid}", model="ir.model.data", method="search_read")
        return record_id

    def ensure(self, model: str, domain: Domain, values: Values, *, gateway: OdooGateway | None = None) -> int:
        """The record matching `domain`, created with `values` if absent, updated where it differs."""
        gateway = gateway or self.gateway
        found = gateway.with_context(active_test=False).search(model, domain, limit=1)
        if not found:
            return gateway.create(model, values)
        record_id = found[0]
        simple = {k: v for k, v in values.items() if not isinstance(v, list)}
        if simple:
            current = gateway.read_one(model, record_id, list(simple))
            changed = {k: v for k, v in simple.items() if _differs(current.get(k), v)}
            if changed:
                gateway.write(model, [record_id], changed)
        return record_id


def _differs(current: Any, wanted: Any) -> bool:
    if isinstance(current, list) and current and isinstance(wanted, int):
        return bool(current[0] != wanted)
    if isinstance(current, float) and isinstance(wanted, int | float):
        return abs(current - wanted) > 1e-9
    return bool(current != wanted)
