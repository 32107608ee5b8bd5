"""Binds every feature file under features/ (bdd_features_base_dir): a new feature file needs no Python."""

from pytest_bdd import scenarios

scenarios(".")
