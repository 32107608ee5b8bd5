"""Live tests of the harness against the bundled real Odoo 19 (see conftest.py for when they run)."""
