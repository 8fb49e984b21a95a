# Two commands do all set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= all
CONFIG ?= config/config.yaml

.PHONY: setup run unlock test bench report lint clean

# Plain `make` sets up the virtual environment with the pinned dependencies, and nothing else.
.DEFAULT_GOAL := setup

setup: $(STAMP)
	@echo "$(VENV) is ready: 'make run' runs the workflow, 'make test' the tests."

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pins or the package metadata change. xraylarch (normalize: edge_step) goes in without
# its declared requirements: its pre_edge needs only the [larch] extra (pyproject.toml).
$(STAMP): $(BIN)/python constraints.txt pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[workflow,dev,larch]'
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt xraylarch
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) --configfile $(CONFIG) --workflow-profile profiles/default

# After a killed run (kill -9, power cut) Snakemake's lock stays: release it, then `make run` resumes.
unlock: $(STAMP)
	$(BIN)/snakemake --unlock --cores 1 --configfile $(CONFIG) --workflow-profile profiles/default

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python tools/bench.py

report: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) --configfile $(CONFIG) --workflow-profile profiles/default --report results/report.html

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/snakemake --lint

clean:
	rm -rf results logs .snakemake
	find benchmarks -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +  # per-rule records; keep make bench's results
