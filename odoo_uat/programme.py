"""`uat init DIR`: a programme's own suite directory, run by an installed, unmodified harness.

A programme (the people testing one customer's rollout) keeps its feature files and site profiles in its own
repository. `uat init` lays that repository out with the harness's bundled features and example profiles as a
start; `uat run --features-dir features --sites-dir sites` then runs them with the harness's steps and fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from odoo_uat import config
from odoo_uat.errors import ConfigurationError

FEATURES = "features"
SITES = "sites"
ENVIRONMENTS_EXAMPLE = "environments.example.yaml"

EXAMPLE_PROFILE_HEADER = """\
# EXAMPLE PROFILE, copied by `uat init` from the harness's reference rollout (Harbour Health Group). Replace it
# with your own site's: `uat draft-profile --warehouse <CODE> -o sites/<site>.yaml` reads your Odoo (read-only)
# and fills in every reference it can; then state your expectations and check with `uat doctor --offline`.
# Delete this file once your own profiles are in sites/.
"""

ENVIRONMENTS_TEXT = """\
# Named targets for `uat --env NAME ...` (or UAT_ENV=NAME). Copy this file to environments.yaml (git-ignored)
# and edit it. Passwords are never written here: password_env names the environment variable that holds one.
uat:
  url: https://uat.example.org
  database: uat
  user: uat-bot
  password_env: UAT_ODOO_PASSWORD
"""

GITIGNORE_TEXT = """\
# each run's evidence (uat run) and the local list of targets
reports/
environments.yaml
"""

README_TEXT = """\
# UAT programme

This directory holds the programme's own UAT suite, run by the `odoo-uat` harness installed as a package
(`pip install <a release's wheel, or a clone of the harness>`, not editable); the harness is not edited.

| Path | What |
|---|---|
| `features/` | feature files, one per cycle, started from the harness's; `uat steps` lists the steps |
| `sites/` | one profile per site; the files `uat init` put here are EXAMPLES to replace |
| `environments.example.yaml` | copy to `environments.yaml` (git-ignored): targets for `uat --env NAME` |
| `reports/` | each run's evidence (`reports/runs/<run id>/readiness.md`), git-ignored |

## A new site

    uat draft-profile --warehouse <CODE> -o sites/<site>.yaml   # reads the target, read-only
    # fill in the commented placeholders (limits, intervals, hours) with what the site expects
    uat doctor --offline --sites-dir sites --features-dir features

## Running

Set the target (`ODOO_URL`, `ODOO_DB`, `ODOO_USER`, `ODOO_PASSWORD`, and the variables your profiles name
in `password_env`), then, from this directory:

    uat doctor --offline --sites-dir sites --features-dir features   # profiles only, no Odoo needed
    uat doctor --sites-dir sites --features-dir features             # the profiles against the target, read-only
    uat run --features-dir features --sites-dir sites                # the suite; evidence in reports/
    uat run --features-dir features --sites-dir sites -- -m preventive_maintenance   # one cycle

`UAT_FEATURES_DIR=features` and `UAT_SITES_DIR=sites` in the environment do the same as the options.
`uat steps --check` checks the feature files against the harness's step catalogue without a target.
"""


def init_programme(directory: Path, *, force: bool = False) -> list[Path]:
    """Lay out a programme directory; returns the files written. A non-empty directory only with force."""
    if directory.exists() and not directory.is_dir():
        raise ConfigurationError(f"{directory} exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise ConfigurationError(
            f"{directory} is not empty; `uat init` lays out a new directory "
            "(--force writes its files into it anyway, replacing files of the same name)"
        )
    written: list[Path] = []
    for target, text in _files():
        path = directory / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _files() -> Iterator[tuple[Path, str]]:
    for feature in sorted(config.DEFAULT_FEATURES_DIR.glob("*.feature")):
        yield Path(FEATURES) / feature.name, feature.read_text(encoding="utf-8")
    for profile in sorted(config.DEFAULT_SITES_DIR.glob("*.yaml")):
        yield Path(SITES) / profile.name, EXAMPLE_PROFILE_HEADER + profile.read_text(encoding="utf-8")
    yield Path(ENVIRONMENTS_EXAMPLE), ENVIRONMENTS_TEXT
    yield Path(".gitignore"), GITIGNORE_TEXT
    yield Path("README.md"), README_TEXT
