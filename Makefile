# Research compendium: synergistic inertia in public-service cooperation.
# `make help` lists the targets. Everything runs inside .venv, built from
# requirements.lock, so results do not depend on what the machine has.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed
# Parameter overrides for `make chapter`/`make reproduce`, e.g. P='-p seed 7'.
P ?=
JOBS ?= 1
# pytest-xdist workers of `make test` (the chapters' execution is one group on one of them).
TEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help setup reproduce paper chapter verify test lint lab lock clean benchmark readme package

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-11s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  Example: make chapter NB=03_inertia_evidence P='-p synergy_measure theil'"

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or set PYTHON=..."; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m inertia.pipeline.kernel
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv from the lock file, install the package and the `inertia` kernel

reproduce: $(STAMP) ## Regenerate every figure and table (re-executes only what changed)
	$(BIN)/python -m inertia reproduce --jobs $(JOBS) $(P)

paper: $(STAMP) ## Reproduce, then build the manuscripts (English, Chinese; HTML, PDF) under reports/manuscript/
	$(BIN)/python -m inertia paper --jobs $(JOBS) $(P)

chapter: $(STAMP) ## Execute one notebook and what it depends on: make chapter NB=<name> P='-p KEY VALUE'
	@test -n "$(NB)" || { echo "usage: make chapter NB=03_inertia_evidence [P='-p KEY VALUE ...']"; exit 2; }
	$(BIN)/python -m inertia chapter $(NB) --jobs $(JOBS) $(P)

verify: $(STAMP) ## Re-execute everything in a scratch folder and compare with reports/
	$(BIN)/python -m inertia verify --jobs $(JOBS) $(P)

test: $(STAMP) ## Run the test suite (lint, layer contracts, types, unit tests with oracles, notebooks on small parameters)
	$(BIN)/ruff check src tests benchmarks notebooks
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP) ## ruff; the layer contracts; mypy on src/ and the notebooks; numpydoc sections (pyproject.toml)
	$(BIN)/ruff check src tests benchmarks notebooks
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 0 tests/test_docstrings.py

# A double click on a chapter's source notebooks/NN_name.py opens it as a notebook
# (jupytext's viewer, set in this environment's JupyterLab settings); jupytext's
# contents manager saves an edit back to the .py and to its git-ignored paired
# .ipynb, which keeps the outputs (notebooks/jupytext.toml).
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
lab: $(STAMP) ## Open JupyterLab on the notebooks (edits are saved to the .py sources)
	@mkdir -p $(dir $(LAB_SETTINGS))
	@echo '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}}}' > $(LAB_SETTINGS)
	$(BIN)/jupyter lab notebooks

benchmark: $(STAMP) ## Print the estimation core's, the runner's, the no-op rerun's and scale figures (about 25 minutes)
	$(BIN)/python benchmarks/multiverse_speed.py
	$(BIN)/python benchmarks/runner_overhead.py
	$(BIN)/python benchmarks/scale.py

lock: ## Re-pin requirements.lock and environment.yml from requirements.in
	uv pip compile requirements.in --python-version 3.11 --generate-hashes --quiet -o requirements.lock
	$(if $(wildcard $(BIN)/python),$(BIN)/python,python3) scripts/write_environment_yml.py

clean: ## Remove reports, built data, the runner's state and caches (keeps .venv)
	rm -rf reports .inertia data/processed/* dist .pytest_cache .ruff_cache .mypy_cache .import_linter_cache .grimp_cache
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

package: $(STAMP) ## Build the replication package dist/replication-<version>.zip from reports/ (no yearbook data)
	$(BIN)/python -m inertia package

readme: $(STAMP) ## Regenerate README.md's table of figures and tables from reports/MANIFEST.json
	$(BIN)/python scripts/update_readme.py
