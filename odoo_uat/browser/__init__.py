"""Browser mode: Odoo's web client driven with Playwright, as each role.

- `stage`: the run's browser, one logged-in context per login (storage state, never a typed password), one page
  per role per scenario (`RoleScreen`), screenshots, traces, revocation of the sessions at the end.
- `pages`: page objects, one per Odoo view pattern, with intent methods and their locators; no assertions.
- `actions`: the browser implementations of the actions interfaces (odoo_uat/actions).
- `failures`: what the screen said when Odoo refused (error dialog, danger notification, invalid fields), raised
  as the same `OdooError` types an RPC refusal raises.

Nothing here is imported by an RPC-only run.
"""
