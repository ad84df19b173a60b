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

.PHONY: help install install-dev book check-site test unit lint preview chapter memory \
	benchmark binder-check publish-check notebooks-branch realsize lighthouse hooks clean

help:
	@echo "make book    build the site (MLBOOK_PROFILE=$(MLBOOK_PROFILE); quick for a fast preview)"
	@echo "make test    run every test (unit, quick book build, site checks)"
	@echo "make check-site  the site checks on the published (full) build of make book"
	@echo "make unit    unit tests only (fast)"
	@echo "make lint    ruff: lint and format check of src/ and tests/"
	@echo "make preview live-reloading preview (quick profile) on http://127.0.0.1:8000"
	@echo "make chapter CHAPTER=book/...md   run one chapter alone: errors and time"
	@echo "make memory  peak memory and time of every chapter (quick profile)"
	@echo "make benchmark  rebuild times after each kind of edit (full profile: ~20 min)"
	@echo "make hooks   install the pre-commit hooks (ruff check and format)"
	@echo "make binder-check  rehearse a Binder launch offline (venv, postBuild, start, every chapter)"
	@echo "make notebooks-branch  commit the built notebook edition as the notebooks branch (PUSH=origin pushes)"
	@echo "make publish-check dry run of the publish workflow (fresh clone, local download mirror)"
	@echo "make realsize  measure what real data adds online (-> book/appendix/real-data-timings.json)"
	@echo "make lighthouse  phone speed and accessibility of the built site (Lighthouse, median of up to 5)"
	@echo "make clean   remove build output (keeps nothing but the sources)"

DEV_STAMP := $(VENV)/.installed-dev

# The book's environment (requirements.txt: what Binder installs too) ...
$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Needs $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $(STAMP)

# ... plus the test, lint and preview tools (requirements-dev.txt).
$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install -r requirements-dev.txt
	touch $(DEV_STAMP)

# ... and the Node.js packages of package.json / package-lock.json (npm ci): MathJax, which
# typesets the book's math at build time (booktools.sphinx_math), and Lighthouse. Lighthouse's
# trace engine asks for two packages at "latest", which goes stale in the lock file as soon
# as they publish (npm ci then refuses): package.json's "overrides" pins them too.
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "Needs Node.js 18+ and npm (sudo apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund

install: $(STAMP)
install-dev: $(DEV_STAMP)

book: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m booktools.build --profile $(MLBOOK_PROFILE)

# The site checks on the published full-profile site, after `make book` (reused, cached):
# the HTML (executed pages, glue, alt text, links, reprs, downloads, PDF) and, in
# Chromium, every page at phone width, its math, its weight and axe's accessibility audit.
check-site: $(DEV_STAMP) $(NODE_STAMP)
	MLBOOK_SITE_PROFILE=full $(BIN)/python -m pytest -m "book or browser"

test: $(DEV_STAMP) $(NODE_STAMP) lint
	$(BIN)/python -m pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

hooks: $(DEV_STAMP)
	$(BIN)/pre-commit install

# Live preview: Sphinx config generated from _config.yml (conf.py is build output),
# in the quick profile with its own execution cache. A page re-runs when its code or a
# module it imports changes (booktools.sphinx_inputs), as in make book.
preview: $(DEV_STAMP) $(NODE_STAMP)
	$(BIN)/jupyter-book config sphinx . >/dev/null
	MLBOOK_PROFILE=quick PYTHONPATH=src $(BIN)/sphinx-autobuild . _build/preview/html --port 8000 \
	  -D nb_execution_cache_path=_build/preview/.jupyter_cache \
	  --watch src --ignore "_build/*" --ignore ".venv/*" --ignore "*.pyc"

unit: $(DEV_STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -m "not book and not browser and not slow"

# Peak memory (kernel RSS) and time of every chapter, quick profile (Binder has ~2 GB).
memory: $(STAMP)
	$(BIN)/python -m booktools.run_chapter --all --profile quick

# How long rebuilds take after each kind of edit, on a scratch copy of the book.
benchmark: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m booktools.benchmark --profile $(MLBOOK_PROFILE)

# What repo2docker would build, rehearsed offline: a fresh venv from requirements.txt plus
# JupyterLab, postBuild, start; every chapter opened with jupytext and run (time, memory).
binder-check: $(STAMP)
	$(BIN)/python -m booktools.binder --python $(PYTHON) $(PAGES)

# What real data and weights add to the online build, measured here with real-size arrays
# (writes book/appendix/real-data-timings.json, shown in the execution report appendix).
realsize: $(STAMP)
	$(BIN)/python -m booktools.realsize

# A dry run of .github/workflows/publish.yml: its build steps in a fresh clone of HEAD,
# with a local mirror standing in for the internet (stand-in files in the real formats).
publish-check: $(DEV_STAMP)
	$(BIN)/python -m booktools.publish_check --reuse-venv

# The notebook edition of the built site (_build/html/_sources/<page>.ipynb) committed on
# top of HEAD as the notebooks branch, which Binder and Colab open; PUSH=origin pushes it.
PUSH ?=
notebooks-branch: $(STAMP)
	$(BIN)/python -m booktools.notebooks_branch --profile $(MLBOOK_PROFILE) $(if $(PUSH),--push $(PUSH))

# Lighthouse's mobile defaults on every page of the built site (MLBOOK_PROFILE, full by
# default), served gzipped from this machine, median of up to 5 runs (about 20 minutes): fails
# under the thresholds of issue 31. make test runs the same check on four pages of its
# quick site (tests/test_lighthouse.py).
lighthouse: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m booktools.lighthouse --profile $(MLBOOK_PROFILE) --check --all

clean:
	rm -rf _build conf.py

# Execute one chapter alone (no site build): errors and time per cell.
CHAPTER ?=
chapter: $(STAMP)
	@test -n "$(CHAPTER)" || { echo "usage: make chapter CHAPTER=book/<section>/<nn>-<topic>.md"; exit 2; }
	$(BIN)/python -m booktools.run_chapter $(CHAPTER) --profile $(if $(filter environment command,$(firstword $(origin MLBOOK_PROFILE))),$(MLBOOK_PROFILE),quick)
