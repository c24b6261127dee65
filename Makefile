# The single entry point for every routine task. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SURVEY := $(BIN)/survey

.PHONY: help setup data ingest report test lint format clean clean-all check-raw golden bench notebooks strip-notebooks

help: ## list the tasks
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## create .venv and install the package with pinned versions

check-raw: ## refuse to go on if real data under data/raw/ is tracked by git
	@tracked=$$(git ls-files data/raw 2>/dev/null | grep -v '^data/raw/synthetic/' | grep -v '/.gitkeep$$' || true); \
	if [ -n "$$tracked" ]; then echo "error: real data is tracked by git: $$tracked" >&2; \
	echo "remove it with 'git rm --cached' before going on" >&2; exit 3; fi

data: $(STAMP) check-raw ## write the synthetic SPSS exports to data/raw/synthetic/
	$(SURVEY) synth

ingest: $(STAMP) check-raw ## validate the configured study's files and write data/processed/
	$(SURVEY) ingest --synth-if-missing

report: $(STAMP) check-raw ## run the whole pipeline (the stages that exist) and report
	$(SURVEY) report

test: $(STAMP) lint ## lint, then run the doctests of src/ and the whole test suite (PSPP must be installed)
	$(BIN)/python -m pytest -q -p no:cacheprovider --doctest-modules src
	$(BIN)/python -m pytest -n 2 -q

golden: $(STAMP) ## regenerate tests/golden/ with R (needs r-base-core r-cran-survey r-cran-jsonlite)
	@command -v Rscript >/dev/null || { echo "error: R is not installed; apt-get install r-base-core r-cran-survey r-cran-jsonlite" >&2; exit 3; }
	$(BIN)/python tests/golden/make_golden_inputs.py
	Rscript tests/golden/make_golden_estimate.R
	Rscript tests/golden/make_golden_inference.R
	Rscript tests/golden/make_golden_quantiles.R
	$(BIN)/python tests/golden/make_golden_weighting_inputs.py
	Rscript tests/golden/make_golden_weighting.R

bench: $(STAMP) ## benchmark estimates and raking (1,000,000 rows) against R and weightipy, and time make report
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/report_time.py

NOTEBOOKS := notebooks/1.0-explore-beso.ipynb notebooks/2.0-wea-trend-and-weighting.ipynb \
	notebooks/3.0-bring-your-own-data.ipynb

notebooks: $(STAMP) check-raw ## execute the three notebooks on the synthetic data
	$(BIN)/jupyter-execute --kernel_name=python3 --timeout=600 $(NOTEBOOKS)

strip-notebooks: $(STAMP) ## remove outputs and execution counts from the notebooks (before committing)
	$(BIN)/python -c 'import sys, nbformat; nbs = {p: nbformat.read(p, as_version=4) for p in sys.argv[1:]}; \
	[c.update(outputs=[], execution_count=None) for nb in nbs.values() for c in nb.cells if c.cell_type == "code"]; \
	[nbformat.write(nb, p) for p, nb in nbs.items()]' $(NOTEBOOKS)

lint: $(STAMP) ## ruff lint and format check, mypy on src/
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

format: $(STAMP) ## format the code with ruff
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean: ## delete generated data and reports (raw real data is never touched)
	rm -rf data/processed/* data/raw/synthetic/* reports/*
	touch data/processed/.gitkeep data/raw/synthetic/.gitkeep reports/.gitkeep

clean-all: clean ## also delete the virtual environment
	rm -rf $(VENV)
