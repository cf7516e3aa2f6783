# Two entry points (see README): `make run` and `make test`. Each creates .venv with a Python >= 3.12
# found by scripts/find-python.sh and installs the project from pyproject.toml.
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= results/quickstart

.PHONY: run test lint install clean

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
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check simulation tests benchmarks
	$(BIN)/ruff format --check simulation tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
