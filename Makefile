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

.PHONY: help install book test unit chapter clean

help:
	@echo "make book    build the site (MLBOOK_PROFILE=$(MLBOOK_PROFILE); quick for a fast preview)"
	@echo "make test    run every test (unit, quick book build, site checks)"
	@echo "make unit    unit tests only (fast)"
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
	$(BIN)/python -m mlbook.build --profile $(MLBOOK_PROFILE)

test: $(STAMP)
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not book and not browser and not slow"

clean:
	rm -rf _build

# Execute one chapter alone (no site build): errors and time per cell.
CHAPTER ?=
chapter: $(STAMP)
	@test -n "$(CHAPTER)" || { echo "usage: make chapter CHAPTER=book/<section>/<nn>-<topic>.md"; exit 2; }
	$(BIN)/python -m mlbook.run_chapter $(CHAPTER) --profile $(if $(filter environment command,$(firstword $(origin MLBOOK_PROFILE))),$(MLBOOK_PROFILE),quick)
