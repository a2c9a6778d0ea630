# VitalKit: `make run` runs the pipeline on params/default.yaml, `make test` runs the tests.
# Both create (or reuse) the project-local virtual environment .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PARAMS ?= params/default.yaml
KERNEL := vitalkit
STAMP := $(VENV)/.vitalkit-installed
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install run smoke test lint lab benchmark benchmark-rhythm notebooks clean-reports help

help:
	@echo "make run        run the pipeline on $(PARAMS) (PARAMS=params/smoke.yaml for a quick run)"
	@echo "make test       run the tests (unit, notebooks with nbval, smoke pipeline)"
	@echo "make lab        start JupyterLab on notebooks/"
	@echo "make benchmark  model zoo on the MIT-BIH inter-patient benchmark, prints the table"
	@echo "make benchmark-rhythm  AF, shockable and per-type rhythm tables"
	@echo "make install    create .venv, install vitalkit and register the '$(KERNEL)' kernel"

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (VitalKit)"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/vitalkit run $(PARAMS)

smoke: $(STAMP)
	$(BIN)/vitalkit run params/smoke.yaml

test: $(STAMP)
	$(BIN)/python -m pytest

# The model zoo on the inter-patient benchmark: runs params/benchmark.yaml through the runner
# and prints the comparison table (about an hour on 2 CPU cores).
benchmark: $(STAMP)
	$(BIN)/vitalkit benchmark beats --params params/benchmark.yaml

# Rhythm tables (AF, shockable with delays, per type); features cached under data/cache/rhythm.
benchmark-rhythm: $(STAMP)
	$(BIN)/vitalkit benchmark rhythm af shockable types neural --product-dir reports/rhythm_benchmark

lint: $(STAMP)
	$(BIN)/ruff check vitalkit tests && $(BIN)/ruff format --check vitalkit tests

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG)

# Re-execute the notebooks in place with their default (smoke-sized) parameters, so the
# committed outputs that nbval compares are current. Needs the data (VITALKIT_DATA_DIR).
notebooks: $(STAMP)
	VITALKIT_INTERACTIVE_DIR=$$(mktemp -d) $(BIN)/python -m vitalkit.pipeline.refresh notebooks/0[1-5]_*.ipynb

clean-reports:
	rm -rf reports/*/ && echo "reports/ emptied"
