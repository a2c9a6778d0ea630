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

.PHONY: install run smoke test lint lab pretrained node-example benchmark benchmark-external benchmark-rates benchmark-qrs benchmark-qt benchmark-hrv benchmark-rhythm benchmark-serve notebooks example synthetic clean-reports help

help:
	@echo "make run        run the pipeline on $(PARAMS) (PARAMS=params/smoke.yaml for a quick run)"
	@echo "make test       run the tests (unit, notebooks with nbval, smoke pipeline)"
	@echo "make lab        start JupyterLab on notebooks/"
	@echo "make pretrained regenerate the shipped beat models in vitalkit/pretrained/ (DS1, all 44 records)"
	@echo "make benchmark  model zoo on the MIT-BIH inter-patient benchmark, prints the table"
	@echo "make benchmark-external  shipped beat models on the QT Database's 67 non-MIT-BIH records (250 Hz)"
	@echo "make benchmark-rates     the shipped beat model on DS2 written again at 128, 250 and 500 Hz"
	@echo "make benchmark-rhythm  AF, shockable and per-type rhythm tables"
	@echo "make benchmark-serve   load and kill test of vitalkit serve (throughput, p50/p99, audit rows)"
	@echo "make example    write data/example (EDF + CSV + serial logs, labels.json) and run params/folder.yaml"
	@echo "make synthetic  run params/synthetic.yaml on generated ECG (no data directory needed)"
	@echo "make benchmark-qt   QT Database delineation errors (QRS onset, T end, QT) vs the CSE tolerance"
	@echo "make benchmark-hrv  HRV table of the non-paced MIT-BIH records"
	@echo "make install    create .venv, install vitalkit and register the '$(KERNEL)' kernel"
	@echo "make benchmark-qrs  QRS detectors on all 48 MIT-BIH records (Se, +P, F1, jitter; cached)"

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

test: $(STAMP) node-example
	$(BIN)/python -m pytest

# onnxruntime-node for the second-runtime example and its test (skipped where Node.js is absent);
# ONNXRUNTIME_NODE_INSTALL=skip: CPU binaries only, no CUDA download at install time.
NODE_MODULE := examples/node/node_modules/onnxruntime-node
node-example:
	@if command -v npm >/dev/null 2>&1; then \
		test -d $(NODE_MODULE) || (cd examples/node && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --loglevel=error); \
	else echo "npm not found: the onnxruntime-node test will be skipped"; fi

# The shipped pretrained beat models (vitalkit/pretrained/): the default recipe trained on DS1 and
# on all 44 non-paced records, exported to ONNX, scored through the shipped file (a few minutes).
pretrained: $(STAMP)
	$(BIN)/python -m vitalkit.pretrained.build --params $(PARAMS)

# The model zoo on the inter-patient benchmark: runs params/benchmark.yaml through the runner
# and prints the comparison table (about an hour on 2 CPU cores).
benchmark: $(STAMP)
	$(BIN)/vitalkit benchmark beats --params params/benchmark.yaml

# The shipped beat models out of database: QT Database records that are not MIT-BIH Arrhythmia
# excerpts (other patients, other recorders, 250 Hz), beats from the annotations and from the
# detector; 95 % CIs over records (about 5 minutes).
benchmark-external: $(STAMP)
	$(BIN)/vitalkit benchmark beats-external --out reports/beats_external

# The shipped DS1 beat model on the 22 DS2 records written again at 128, 250 and 500 Hz (and at
# their own 360 Hz): what the sampling rate alone costs; beats from annotations and detector.
benchmark-rates: $(STAMP)
	$(BIN)/vitalkit benchmark beats-rates --out reports/beats_rates

# Rhythm tables (AF, shockable with delays, per type); features cached under data/cache/rhythm.
benchmark-rhythm: $(STAMP)
	$(BIN)/vitalkit benchmark rhythm af shockable types neural --product-dir reports/rhythm_benchmark

# The inference API under load on loopback: 10-second segments at concurrency 1, 8 and 32 with the
# default detector and with client R peaks, audit rows counted, one worker SIGKILLed and restarted
# (a few minutes on 2 CPU cores; throwaway registry in a temporary folder).
benchmark-serve: $(STAMP)
	$(BIN)/vitalkit benchmark serve

# Bring your own data: the example folder (CinC 2017 as EDF, MIT-BIH as CSV, synthetic ECG through
# serial logs, with labels.json) written and taken through the pipeline.
example: $(STAMP)
	$(BIN)/vitalkit example folder data/example
	$(BIN)/vitalkit run params/folder.yaml

# The pipeline on synthetic ECG, generated offline (no data directory, no network).
synthetic: $(STAMP)
	$(BIN)/vitalkit run params/synthetic.yaml

lint: $(STAMP)
	$(BIN)/ruff check vitalkit tests && $(BIN)/ruff format --check vitalkit tests

# QRS detection benchmark: every registered detector on all 48 MIT-BIH records. Detections
# are cached in data/cache/qrs, so a re-run only recomputes detectors whose code changed.
benchmark-qrs: $(STAMP)
	$(BIN)/vitalkit benchmark qrs

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG)

# Re-execute the notebooks in place with their default (smoke-sized) parameters, so the
# committed outputs that nbval compares are current. Needs the data (VITALKIT_DATA_DIR).
notebooks: $(STAMP)
	$(BIN)/python -m vitalkit.pipeline.refresh notebooks/[0-9][0-9]_*.ipynb

# QT Database: QRS-onset, J-point, T-end and QT errors of every delineator over all 105
# records (first run about 30 min on 2 cores, mostly neurokit2's dwt; cached afterwards).
benchmark-qt: $(STAMP)
	$(BIN)/vitalkit benchmark qt

# HRV of the 44 non-paced MIT-BIH records from their NN intervals.
benchmark-hrv: $(STAMP)
	$(BIN)/vitalkit benchmark hrv

clean-reports:
	rm -rf reports/*/ && echo "reports/ emptied"
