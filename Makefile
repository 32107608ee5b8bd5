# Two commands do all the set-up on a fresh machine (README, "Quick start"):
#   make uat   - install the harness, check the target (uat doctor) and run the scenarios (uat run)
#   make test  - install the harness and its tools, run the harness's own checks and tests (live ones too
#                when the bundled Odoo is beside the repository: see tools/pipeline.py)
# ARGS passes options to `uat run`, e.g. make uat ARGS="--site CLINIC -- -m requisition_to_receipt"

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: uat test install lint catalogue report-tools

$(BIN)/uat: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# npm: Allure 3 (`uat report`'s single-file HTML report) and the Compose schema of the harness's own tests
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# `make uat` installs Allure 3 when npm is there; without it the run keeps its results and says it built no report.
report-tools:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory node_modules/.package-lock.json; \
	else echo "make: npm not found: uat run keeps its results but builds no HTML report (README, Evidence and reports)"; fi

install: $(BIN)/uat

uat: $(BIN)/uat report-tools
	$(BIN)/uat doctor
	$(BIN)/uat run $(ARGS)

lint: $(BIN)/uat
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

catalogue: $(BIN)/uat
	$(BIN)/uat steps --markdown > docs/STEPS.md

# lint, types, step check, offline tests; then, with a real Odoo at hand (the bundled one in ../shared/odoo19, or
# ODOO_URL), provision + doctor + run + snapshot comparison and the live tests of the harness (tools/pipeline.py).
# UAT_LIVE=0 skips the live part.
test: $(BIN)/uat node_modules/.package-lock.json
	$(BIN)/python -m tools.pipeline
