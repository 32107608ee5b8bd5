"""Reference configuration for preventive maintenance: stages, biomedical teams, equipment, the recurring plan.

Per site: a biomedical team (the site's technician a member), one piece of equipment looked after by that team
and technician, and the equipment's recurring preventive request repeating at the interval the profile expects.
The plan's scheduled date is set only when the request is created (the first of next month, 08:00 UTC): a
second provisioning finds it and leaves its schedule alone, as it does every other value already right.

The site's other equipment, the devices its profile names for feature files (`names: {equipment: {second device:
NSC-AED-0001}}`, by serial number; features/equipment_intervals.feature), is provisioned the same way, looked
after by the same team and technician, each with its own recurring preventive request every
OTHER_EQUIPMENT_INTERVAL (the group services its other biomedical equipment twice a year).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta

from odoo_uat.cycles.preventive_maintenance import MaintenanceInterval, PreventiveMaintenanceProfile, format_datetime
from odoo_uat.gateway import OdooGateway
from odoo_uat.profiles import LoadedProfile
from odoo_uat.provisioning.builder import Builder

# Names of the bundled sites' other devices, by serial number; any other serial is provisioned under its own.
OTHER_EQUIPMENT_NAMES = {
    "NSC-AED-0001": "Automated external defibrillator",
    "HGH-BM-0001": "Bedside monitor",
    "HDL-HA-0001": "Haematology analyser",
}
OTHER_EQUIPMENT_INTERVAL = MaintenanceInterval(every=6, unit="month")


def provision(builder: Builder, sites: list[LoadedProfile]) -> Iterator[str]:
    for item in sites:
        section = item.profile.preventive_maintenance
        if section is None:
            continue
        company_id, company = builder.site_company(item)
        technician_id = builder.user_id(item.profile.role("technician").login)
        _stages(builder, section)
        team_id = builder.ensure(
            "maintenance.team",
            [("name", "=", section.team), ("company_id", "=", company_id)],
            {"name": section.team, "company_id": company_id},
            gateway=company,
        )
        company.write("maintenance.team", [team_id], {"member_ids": [(4, technician_id)]})
        equipment_id = builder.ensure(
            "maintenance.equipment",
            [("serial_no", "=", section.equipment_serial)],
            {
                "name": section.equipment,
                "serial_no": section.equipment_serial,
                "company_id": company_id,
                "maintenance_team_id": team_id,
                "technician_user_id": technician_id,
                "active": True,
            },
            gateway=company,
        )
        request_id = _preventive_plan(
            builder,
            company,
            _Plan(section.preventive_request, section.interval, company_id, equipment_id, team_id, technician_id),
        )
        others = []
        for serial in named_equipment(item):
            name = OTHER_EQUIPMENT_NAMES.get(serial, serial)
            other_id = builder.ensure(
                "maintenance.equipment",
                [("serial_no", "=", serial)],
                {
                    "name": name,
                    "serial_no": serial,
                    "company_id": company_id,
                    "maintenance_team_id": team_id,
                    "technician_user_id": technician_id,
                    "active": True,
                },
                gateway=company,
            )
            other_request = _preventive_plan(
                builder,
                company,
                _Plan(
                    f"Preventive maintenance - {name} {serial}",
                    OTHER_EQUIPMENT_INTERVAL,
                    company_id,
                    other_id,
                    team_id,
                    technician_id,
                ),
            )
            others.append(f"; {name} ({serial}), request #{other_request} every {OTHER_EQUIPMENT_INTERVAL.describe()}")
        yield (
            f"{item.profile.code}: team {section.team!r}, equipment {section.equipment} "
            f"({section.equipment_serial}), preventive request #{request_id} every {section.interval.describe()}"
            + "".join(others)
        )


def named_equipment(item: LoadedProfile) -> list[str]:
    """The serial numbers of the devices the site's profile names for feature files (`names.equipment`), other
    than the profile's own equipment."""
    section = item.profile.preventive_maintenance
    own = section.equipment_serial if section is not None else None
    return sorted({serial for serial in item.profile.names.get("equipment", {}).values() if serial != own})


def _stages(builder: Builder, section: PreventiveMaintenanceProfile) -> None:
    """Odoo installs 'In Progress' and 'Repaired' (done); a profile naming other stages gets them created."""
    builder.ensure("maintenance.stage", [("name", "=", section.work_stage)], {"name": section.work_stage})
    builder.ensure("maintenance.stage", [("name", "=", section.done_stage)], {"name": section.done_stage, "done": True})


@dataclass(frozen=True)
class _Plan:
    """A recurring preventive request to provision on one piece of equipment."""

    name: str
    interval: MaintenanceInterval
    company_id: int
    equipment_id: int
    team_id: int
    technician_id: int


def _preventive_plan(builder: Builder, company: OdooGateway, plan: _Plan) -> int:
    recurrence = {
        "name": plan.name,
        "company_id": plan.company_id,
        "equipment_id": plan.equipment_id,
        "maintenance_team_id": plan.team_id,
        "user_id": plan.technician_id,
        "maintenance_type": "preventive",
        "recurring_maintenance": True,
        "repeat_interval": plan.interval.every,
        "repeat_unit": plan.interval.unit,
        "repeat_type": "forever",
    }
    open_plan = [
        ("name", "=", plan.name),
        ("equipment_id", "=", plan.equipment_id),
        ("stage_id.done", "=", False),
        ("archive", "=", False),
    ]
    if company.search("maintenance.request", open_plan, limit=1):
        return builder.ensure("maintenance.request", open_plan, recurrence, gateway=company)
    first_due = datetime.combine(date.today().replace(day=1) + relativedelta(months=1), datetime.min.time())
    return company.create(
        "maintenance.request", {**recurrence, "schedule_date": format_datetime(first_due.replace(hour=8))}
    )
