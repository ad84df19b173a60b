# Two commands for a newcomer (see README.md):
#   make book   - create .venv, install the pinned packages, build the published (full) site
#   make test   - unit tests + a quick-profile book build + checks of the built site
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MLBOOK_PROFILE ?= full
export MLBOOK_PROFILE
# Hide TensorFlow's C++ log noise on pages (Python errors still raise).
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: help install book check-site test unit lint preview chapter memory clean

help:
	@echo "make book    build the site (MLBOOK_PROFILE=$(MLBOOK_PROFILE); quick for a fast preview)"
	@echo "make test    run every test (unit, quick book build, site checks)"
	@echo "make check-site  the site checks on the published (full) build of make book"
	@echo "make unit    unit tests only (fast)"
	@echo "make lint    ruff: lint and format check of src/ and tests/"
	@echo "make preview live-reloading preview (quick profile) on http://127.0.0.1:8000"
	@echo "make chapter CHAPTER=book/...md   run one chapter alone: errors and time"
	@echo "make memory  peak memory and time of every chapter (quick profile)"
	@echo "make clean   remove build output (keeps nothing but the sources)"

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Needs $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

book: $(STAMP)
	$(BIN)/python -m booktools.build --profile $(MLBOOK_PROFILE)

# The book checks (HTML: executed pages, glue, alt text, links, no log output) on the
# published full-profile site; run after `make book` (which it reuses, cached).
check-site: $(STAMP)
	MLBOOK_SITE_PROFILE=full $(BIN)/python -m pytest -m book

test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

# Live preview: Sphinx config generated from _config.yml (conf.py is build output),
# rebuilt on every change to the book or the library, in the quick profile.
preview: $(STAMP)
	$(BIN)/jupyter-book config sphinx . >/dev/null
	MLBOOK_PROFILE=quick $(BIN)/sphinx-autobuild . _build/preview/html --port 8000 \
	  --watch src --ignore "_build/*" --ignore ".venv/*" --ignore "*.pyc"

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not book and not browser and not slow"

# Peak memory (kernel RSS) and time of every chapter, quick profile (Binder has ~2 GB).
memory: $(STAMP)
	$(BIN)/python -m booktools.run_chapter --all --profile quick

clean:
	rm -rf _build conf.py

# Execute one chapter alone (no site build): errors and time per cell.
CHAPTER ?=
chapter: $(STAMP)
	@test -n "$(CHAPTER)" || { echo "usage: make chapter CHAPTER=book/<section>/<nn>-<topic>.md"; exit 2; }
	$(BIN)/python -m booktools.run_chapter $(CHAPTER) --profile $(if $(filter environment command,$(firstword $(origin MLBOOK_PROFILE))),$(MLBOOK_PROFILE),quick)
