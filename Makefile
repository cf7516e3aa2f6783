# Entry points (see README): `make run` (one baseline run: installs the core only), `make test` (the
# whole suite, as CI runs it: installs every extra) and `make check` (lint, format, docs staleness and
# the fast test lane: the habit before each commit). Each creates .venv with a Python >= 3.12 found by
# scripts/find-python.sh and installs the project from pyproject.toml, with the versions CI tested
# (constraints.txt; regenerate it with `make constraints` after changing dependencies).
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= results/quickstart
PIP := $(BIN)/python -m pip install --quiet -c constraints.txt

.PHONY: run test test-fast check lint docs-check install install-test constraints clean

$(BIN)/python:
	@PY=$$(scripts/find-python.sh) && "$$PY" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the core (what `ptsim run` needs, matplotlib for its figures included)
$(VENV)/.installed-core: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	@touch $@

# every extra: the dashboard, Dask, SALib, EMA and the test tools
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e ".[test]"
	@touch $@ $(VENV)/.installed-core

install: $(VENV)/.installed-core

install-test: $(VENV)/.installed

# --out is refused if it exists: a second `make run` replaces the quickstart folder on purpose
run: install
	$(BIN)/ptsim run scenarios/baseline.toml --out $(OUT) --overwrite

test: install-test
	scripts/ensure-chromium.sh
	scripts/ensure-fonts.sh
	$(BIN)/python -m pytest

# the fast lane: every test not marked @pytest.mark.slow (no browser, no Dask cluster, no whole
# experiments)
test-fast: install-test
	scripts/ensure-fonts.sh
	$(BIN)/python -m pytest -q -m "not slow"

check: lint docs-check test-fast

lint: install-test
	$(BIN)/ruff check simulation tests benchmarks
	$(BIN)/ruff format --check simulation tests benchmarks

# docs/parameters.md, docs/levers.md and docs/outputs.md are generated from the declarations in the code
docs-check: install-test
	$(BIN)/python -m simulation.docs --check

# the versions of the tested environment (every extra installed), for the installs above
constraints: install-test
	{ echo "# Versions CI tested (make constraints: pip freeze of a venv with every extra)."; \
	  $(BIN)/python -m pip freeze --exclude-editable --all | grep -v -E '^(pip|setuptools|wheel)=='; } > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache
