# Entry points (see README): `make run`, `make test` (the whole suite, as CI runs it) and `make check`
# (lint, format, docs staleness and the fast test lane: the habit before each commit). Each creates
# .venv with a Python >= 3.12 found by scripts/find-python.sh and installs the project from
# pyproject.toml.
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= results/quickstart

.PHONY: run test test-fast check lint docs-check install clean

$(BIN)/python:
	@PY=$$(scripts/find-python.sh) && "$$PY" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/ptsim run scenarios/baseline.toml --out $(OUT)

test: install
	scripts/ensure-chromium.sh
	scripts/ensure-fonts.sh
	$(BIN)/python -m pytest

# the fast lane: every test not marked @pytest.mark.slow (no browser, no Dask cluster, no whole
# experiments)
test-fast: install
	scripts/ensure-fonts.sh
	$(BIN)/python -m pytest -q -m "not slow"

check: lint docs-check test-fast

lint: install
	$(BIN)/ruff check simulation tests benchmarks
	$(BIN)/ruff format --check simulation tests benchmarks

# docs/parameters.md and docs/levers.md are generated from the declarations in the code
docs-check: install
	$(BIN)/python -m simulation.docs --check

clean:
	rm -rf $(VENV) .pytest_cache
