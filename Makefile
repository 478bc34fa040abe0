# Vigie: the two commands of the README, and a few helpers.
#   make demo   create .venv, install, run the offline demo
#   make test   create/update .venv, install, lint and run the whole test suite
#   make bench  the performance suite (benchmarks/perf.py)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format install clean bench

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/vigie demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The performance suite at the issue's sizes (about 15 minutes); writes benchmarks/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/perf.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) data/demo .pytest_cache .ruff_cache
