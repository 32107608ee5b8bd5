"""Developer tools of the harness (the `make test` pipeline); not part of the installed package."""
