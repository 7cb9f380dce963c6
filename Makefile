# Two commands do all the set-up on a fresh machine:
#   make run    creates .venv, installs the app, launches the desktop lab
#   make test   creates .venv, installs the app with its test extras, runs the suite
# Both are idempotent: a second run only reinstalls when pyproject.toml changed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ARGS   ?=

.PHONY: run serve test lint typecheck check bench screenshot mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-app

$(VENV)/.installed-mutation: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-app

run: $(VENV)/.installed-app
	$(BIN)/jwt-lab $(ARGS)

serve: $(VENV)/.installed-app
	$(BIN)/jwt-lab serve $(ARGS)

# The README's picture of the real window, rendered by the app itself offscreen.
screenshot: $(VENV)/.installed-app
	QT_QPA_PLATFORM=offscreen $(BIN)/jwt-lab gui --demo --theme light --lang en --screenshot docs/screenshot.png
	QT_QPA_PLATFORM=offscreen $(BIN)/jwt-lab gui --demo --theme dark --lang en --screenshot docs/screenshot-dark.png
	QT_QPA_PLATFORM=offscreen $(BIN)/jwt-lab gui --demo --theme light --lang ko --screenshot docs/screenshot-ko.png
	QT_QPA_PLATFORM=offscreen $(BIN)/jwt-lab gui --demo stolen-token --theme light --lang en --screenshot docs/screenshot-dpop.png
	QT_QPA_PLATFORM=offscreen $(BIN)/jwt-lab gui --demo revocation --theme light --lang en --screenshot docs/screenshot-apis.png

test: $(VENV)/.installed-test
	PATH="$(CURDIR)/$(BIN):$$PATH" tests/run.sh $(ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check client mock_server tests bench mutation
	$(BIN)/ruff format --check client mock_server tests bench mutation

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

check: lint typecheck test

# Mutation testing, not part of `make test` (about an hour on 2 cores): mutmut on
# the modules that hold the lab's promises ([tool.mutmut] in pyproject.toml),
# in the same private keyring session as the suite. The score and every
# surviving mutant are written to mutation/README.md; under 90 % it fails.
mutation: $(VENV)/.installed-mutation
	rm -rf mutants
	PATH="$(CURDIR)/$(BIN):$$PATH" QT_QPA_PLATFORM=offscreen tests/keyring-session.sh mutmut run
	$(BIN)/python mutation/report.py

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache mutants
