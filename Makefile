# The two commands of the README: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test test-embedded lint bench clean-data serve ui-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/crm demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The store smoke tests on the embedded PostgreSQL, whatever DATABASE_URL says.
test-embedded: $(VENV)/.installed
	env -u DATABASE_URL -u TEST_DATABASE_URL $(BIN)/python -m pytest -m embedded $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# A local Prefect server with its UI, every flow of prefect.yaml deployed and a worker;
# Ctrl-C stops them all (see README, Operations).
serve: $(VENV)/.installed
	$(BIN)/crm serve

# The Prefect UI of `make serve`, opened in headless Chromium: every deployment listed?
UI_URL ?= http://127.0.0.1:4200
ui-check: $(VENV)/.installed
	$(BIN)/python scripts/check_prefect_ui.py --url $(UI_URL)

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_demo_data.py

clean-data:
	-$(BIN)/crm db stop
	rm -rf .crm
