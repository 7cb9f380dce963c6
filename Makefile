# Two commands do all the set-up on a fresh machine:
#   make run    creates .venv, installs the app, launches the desktop lab
#   make test   creates .venv, installs the app with its test extras, runs the suite
# Both are idempotent: a second run only reinstalls when pyproject.toml changed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ARGS   ?=

.PHONY: run serve test lint typecheck check bench screenshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-app

run: $(VENV)/.installed-app
	$(BIN)/jwt-lab $(ARGS)

serve: $(VENV)/.installed-app
	$(BIN)/jwt-lab serve $(ARGS)

# The README's picture of the real window, rendered by the app itself offscreen.
screenshot: $(VENV)/.installed-app
	QT_QPA_PLATFORM=offscreen $(BIN)/jwt-lab gui --demo --screenshot assets/screenshot.png

test: $(VENV)/.installed-test
	PATH="$(CURDIR)/$(BIN):$$PATH" tests/run.sh $(ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check client mock_server tests bench
	$(BIN)/ruff format --check client mock_server tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

check: lint typecheck test

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
