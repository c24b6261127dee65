# The single entry point for every routine task. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SURVEY := $(BIN)/survey

.PHONY: help setup system-deps data ingest report test lint format clean clean-all check-raw golden bench notebooks strip-notebooks

help: ## list the tasks
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# axe-core (the report's accessibility check, only the tests use it) comes from npm, pinned by
# package-lock.json, into node_modules/; node and npm are system packages ([test] section).
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "error: npm is not installed (the report's accessibility tests need axe-core from npm)" >&2; \
	echo "  what to do: make system-deps TASKS=test (as root), or sudo apt-get install nodejs npm" >&2; exit 3; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

setup: $(STAMP) $(NODE_STAMP) ## create .venv and install the package and the test tools (axe-core) with pinned versions

# The Debian packages of a task (its section of system-packages.txt); `make test`, `make report`, `make bench` and
# `make golden` run this first with their own section. Installs only what is missing (as root).
TASKS ?= test report bench golden
system-deps: ## install the missing Debian packages of TASKS (default: every task's; see system-packages.txt)
	@bash scripts/system-deps $(TASKS)

test: TASKS = test
report: TASKS = report
golden: TASKS = golden
bench: TASKS = bench

check-raw: ## refuse to go on if real data under data/raw/ is tracked by git
	@tracked=$$(git ls-files data/raw 2>/dev/null | grep -v '^data/raw/synthetic/' | grep -v '/.gitkeep$$' || true); \
	if [ -n "$$tracked" ]; then echo "error: real data is tracked by git: $$tracked" >&2; \
	echo "remove it with 'git rm --cached' before going on" >&2; exit 3; fi

data: $(STAMP) check-raw ## write the synthetic SPSS exports to data/raw/synthetic/
	$(SURVEY) synth

ingest: $(STAMP) check-raw ## validate the configured study's files and write data/processed/
	$(SURVEY) ingest --synth-if-missing

report: system-deps $(STAMP) check-raw ## install what the PDF needs, run the whole pipeline and write the report
	$(SURVEY) report

# --dist loadfile keeps a test file on one worker, so that its module-scoped fixtures (a whole report
# each) are built once, not once per worker
test: system-deps $(STAMP) $(NODE_STAMP) lint ## install what the tests need, lint, then run the doctests of src/ and the whole test suite
	$(BIN)/python -m pytest -q -p no:cacheprovider --doctest-modules src
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

golden: system-deps $(STAMP) ## regenerate tests/golden/ with R (installs R and its survey package first)
	$(BIN)/python tests/golden/make_golden_inputs.py
	Rscript tests/golden/make_golden_estimate.R
	Rscript tests/golden/make_golden_inference.R
	Rscript tests/golden/make_golden_glm.R
	Rscript tests/golden/make_golden_quantiles.R
	Rscript tests/golden/make_golden_quantile_rules.R
	Rscript tests/golden/make_golden_variance.R
	Rscript tests/golden/make_golden_ttest.R
	Rscript tests/golden/make_golden_crossed.R
	Rscript tests/golden/make_golden_ciprop.R
	@if Rscript -e 'quit(status = !requireNamespace("CompQuadForm", quietly = TRUE))' 2>/dev/null; then \
	  Rscript tests/golden/make_golden_chisq.R; else \
	  echo "note: R package CompQuadForm (not in Debian) is missing: tests/golden/chisq/chisq.json is kept as committed"; fi
	Rscript tests/golden/make_golden_ciprop_likelihood.R
	Rscript tests/golden/make_golden_replicates.R
	Rscript tests/golden/make_golden_glm_replicates.R
	@if Rscript -e 'quit(status = !requireNamespace("CompQuadForm", quietly = TRUE))' 2>/dev/null; then \
	  Rscript tests/golden/make_golden_chisq_replicates.R; else \
	  echo "note: R package CompQuadForm (not in Debian) is missing: tests/golden/chisq/chisq_replicates.json is kept as committed"; fi
	Rscript tests/golden/make_golden_deff.R
	$(BIN)/python tests/golden/make_golden_weighting_inputs.py
	Rscript tests/golden/make_golden_weighting.R
	Rscript tests/golden/make_golden_calibrate.R

bench: system-deps $(STAMP) ## benchmark estimates, raking, quantiles and a JKn replicate design (1,000,000 rows) against R and weightipy, time make report and the crash-proof SPSS read
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/replicates.py
	$(BIN)/python benchmarks/report_time.py
	$(BIN)/python benchmarks/spss_read.py

NOTEBOOKS := notebooks/1.0-explore-beso.ipynb notebooks/2.0-wea-trend-and-weighting.ipynb \
	notebooks/3.0-bring-your-own-data.ipynb

notebooks: $(STAMP) check-raw ## run the three notebooks; executed copies (with outputs) go to reports/notebooks/
	$(BIN)/python scripts/notebooks.py run --out reports/notebooks $(NOTEBOOKS)

strip-notebooks: $(STAMP) ## remove outputs and execution counts from the notebooks (before committing)
	$(BIN)/python scripts/notebooks.py strip $(NOTEBOOKS)

lint: $(STAMP) ## ruff lint and format check, mypy on src/
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy

format: $(STAMP) ## format the code with ruff
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean: ## delete generated data and reports (raw real data is never touched)
	rm -rf data/processed/* data/raw/synthetic/* reports/*
	touch data/processed/.gitkeep data/raw/synthetic/.gitkeep reports/.gitkeep

clean-all: clean ## also delete the virtual environment
	rm -rf $(VENV)
