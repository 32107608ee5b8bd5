"""`uat readiness`: a readiness scorecard by site, the UAT status of each cycle beside master-data quality.

The origin document asks that readiness be tracked by site (data quality, training, UAT status, cutover
preparedness). This package scores two of them from what the harness can know for certain:
- UAT status: each cycle the site's profile has, as the site's run left it (readiness.json of a run directory);
- data quality: six rules over the master data the site's profile points at, read-only over RPC; each rule is an
  expectation the profile may state, narrow or switch off with its reason (`data_quality:`).

One module per concern: `expectations` (the profile's `data_quality:` section), `reads` (the Odoo reads, through
the read-only gateway), `rules` (the six rules, pure), `uat_status` (run directories), `score` (the per-site figure
and the reasons behind it), `render` (table, JSON, Markdown), `after_run` (the scorecard `uat run` writes into its
run directory at its end; data quality it cannot read is `not measured`, never a change to the run's results).
Nothing here writes to Odoo.
"""
