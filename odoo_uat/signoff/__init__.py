"""The sign-off pack of a run and the approvals bound to its results (README, "Sign-off").

One module per concern:
- `model`: what a run directory holds, read back (readiness.json and allure-results/) as cells, scenarios,
  broken expectations with their evidence, requirement tags;
- `scorecard`: the run's readiness scorecard (readiness-scorecard.json, written by `uat run` at its end) read back
  per site for the pack's "Readiness scorecard" section and for the digest;
- `digest`: the sha256 of exactly the results a site's approval approves (the site's scorecard entry included);
- `approvals`: the approvals store (one plain JSON file per approval), whether each is valid or stale, and a
  site's go-live verdict;
- `html`: the pack as HTML (Jinja2, autoescaped), one page per site and one for all sites;
- `pdf`: the same pages as A4 PDFs, printed by Chromium through Playwright;
- `pack`: builds the pack of a run into its directory (`uat signoff RUN`).
"""
