"""Reference configuration for preventive maintenance: stages, biomedical teams, equipment, the recurring plan.

Per site: a biomedical team (the site's technician a member), one piece of equipment looked after by that team
and technician, and the equipment's recurring preventive request repeating at the interval the profile expects.
The plan's scheduled date is set only when the request is created (the first of next month, 08:00 UTC): a
second provisioning finds it and leaves its schedule alone, as it does every other value already right.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from dateutil.relativedelta import relativedelta

from odoo_uat.cycles.preventive_maintenance import PreventiveMaintenanceProfile, format_datetime
from odoo_uat.gateway import OdooGateway
from odoo_uat.profiles import LoadedProfile
from odoo_uat.provisioning.builder import Builder


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
        request_id = _preventive_plan(builder, company, section, company_id, equipment_id, team_id, technician_id)
        yield (
            f"{item.profile.code}: team {section.team!r}, equipment {section.equipment} "
            f"({section.equipment_serial}), preventive request #{request_id} every {section.interval.describe()}"
        )


def _stages(builder: Builder, section: PreventiveMaintenanceProfile) -> None:
    """Odoo installs 'In Progress' and 'Repaired' (done); a profile naming other stages gets them created."""
    builder.ensure("maintenance.stage", [("name", "=", section.work_stage)], {"name": section.work_stage})
    builder.ensure("maintenance.stage", [("name", "=", section.done_stage)], {"name": section.done_stage, "done": True})


def _preventive_plan(
    builder: Builder,
    company: OdooGateway,
    section: PreventiveMaintenanceProfile,
    company_id: int,
    equipment_id: int,
    team_id: int,
    technician_id: int,
) -> int:
    recurrence = {
        "name": section.preventive_request,
        "company_id": company_id,
        "equipment_id": equipment_id,
        "maintenance_team_id": team_id,
        "user_id": technician_id,
        "maintenance_type": "preventive",
        "recurring_maintenance": True,
        "repeat_interval": section.interval.every,
        "repeat_unit": section.interval.unit,
        "repeat_type": "forever",
    }
    open_plan = [
        ("name", "=", section.preventive_request),
        ("equipment_id", "=", equipment_id),
        ("stage_id.done", "=", False),
        ("archive", "=", False),
    ]
    if company.search("maintenance.request", open_plan, limit=1):
        return builder.ensure("maintenance.request", open_plan, recurrence, gateway=company)
    first_due = datetime.combine(date.today().replace(day=1) + relativedelta(months=1), datetime.min.time())
    return company.create(
        "maintenance.request", {**recurrence, "schedule_date": format_datetime(first_due.replace(hour=8))}
    )
