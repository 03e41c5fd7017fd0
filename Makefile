# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SHELL := /bin/bash

.PHONY: demo test lint typecheck pytest install install-dev sysdeps codesets bench clean screenshots

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Run the main job on the shipped defaults.
demo: install
	$(BIN)/claimbook demo

## ruff, mypy and pytest.
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

## System packages the tests use (LibreOffice); needs root or sudo, skipped when present.
sysdeps:
	@if command -v soffice >/dev/null 2>&1; then echo "LibreOffice present"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui; \
	elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui; \
	else echo "LibreOffice missing and no root: LibreOffice tests will be skipped"; fi
	@if command -v pdftoppm >/dev/null 2>&1; then echo "pdftoppm present"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; \
	elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; \
	else echo "pdftoppm missing and no root: docs/render_screenshots.py cannot run"; fi

## Rebuild the shipped ICD-10-CM files from the CDC tabular XML.
codesets: install-dev
	$(BIN)/python codesets/build_icd10cm.py
	$(BIN)/python codesets/suggest/build_index_terms.py
	$(BIN)/python codesets/suggest/build_suggest_index.py

## The README's sheet pictures: LibreOffice prints the demo's result sheets, pdftoppm crops them.
screenshots: install
	$(BIN)/python docs/render_screenshots.py

bench: install-dev
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
