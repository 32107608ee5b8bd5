"""odoo_uat: the harness's importable core (gateway, profiles, guard, cycles, reporting, CLI)."""

__version__ = "0.1.0"
