# The two commands of the README: `make run` and `make test`. Everything installs from here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export KB_HOME ?= $(CURDIR)/instance

.PHONY: run test lint format bench bench-semantic bench-cluster bench-all clean

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

## bench: what runs on one machine (needs ../shared/corpora): conflation, retrieval quality,
## in-process latency, open-loop HTTP load, saturation, operator query checks, analytics at a
## million searches, attachment checks, personal filters and reminders on a large draft line.
## A missed target is reported and the next benchmark runs; the exit status says if any missed.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m benchmarks.suite bench

## bench-semantic: the semantic stage's quality, cross-lingual retrieval and latency (the
## bundled model embeds the corpora: about an hour the first time, cached after)
bench-semantic: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m benchmarks.suite semantic

## bench-cluster: two nodes behind haproxy on a throwaway PostgreSQL 15 (.ci/run installs both)
bench-cluster: $(STAMP)
	$(BIN)/python -m benchmarks.suite cluster

## bench-all: the three above, in that order (docs/benchmarks.md)
bench-all: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m benchmarks.suite all

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
