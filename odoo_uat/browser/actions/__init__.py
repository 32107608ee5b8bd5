"""Browser implementations of the actions interfaces: what each role does on Odoo's screens."""
