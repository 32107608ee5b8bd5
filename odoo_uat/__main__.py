"""`python -m odoo_uat ...` is `uat ...` (the live tests run the harness this way, also under coverage)."""

from odoo_uat.cli import main

if __name__ == "__main__":
    main(prog_name="uat")
