# The two commands of the README: `make run` and `make test`. Everything installs from here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export KB_HOME ?= $(CURDIR)/instance

.PHONY: run test lint format bench bench-quick clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: create .venv, initialise a demo instance if there is none, serve on http://127.0.0.1:5000
run: $(STAMP)
	test -f "$(KB_HOME)/config.toml" || $(BIN)/kb init --demo
	$(BIN)/kb serve

## test: lint, then the whole suite (browser tests need Debian's chromium; .ci/run installs it)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: conflation, retrieval quality, in-process latency, open-loop HTTP load, saturation, operator query checks, analytics at a million searches, attachment checks (needs ../shared/corpora)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m benchmarks.conflation
	$(BIN)/python -m benchmarks.quality
	$(BIN)/python -m benchmarks.latency --procs 2
	$(BIN)/python -m benchmarks.load
	$(BIN)/python -m benchmarks.http
	$(BIN)/python -m benchmarks.operator_queries
	$(BIN)/python -m benchmarks.analytics
	$(BIN)/python -m benchmarks.attachments

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
