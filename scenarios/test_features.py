"""Binds every feature file of the features directory (bdd_features_base_dir): a new feature file needs no Python.

The directory is the harness's features/ by default; `uat run --features-dir DIR` (or UAT_FEATURES_DIR) points
bdd_features_base_dir at a programme's own feature files instead.
"""

from pytest_bdd import scenarios

scenarios(".")
