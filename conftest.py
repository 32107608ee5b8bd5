"""Root conftest: loads the harness's fixture modules and every step module, nothing else."""

from odoo_uat.catalogue import step_module_names

pytest_plugins = [
    "fixtures.options",
    "fixtures.mode",
    "fixtures.target",
    "fixtures.actors",
    "fixtures.browser",
    "odoo_uat.reporting",
    *step_module_names(),
]
