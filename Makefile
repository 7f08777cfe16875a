# The task runner: README's two commands and CI's are targets here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast lint install install-test brokers bench samples model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	scripts/system-deps.sh demo
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	scripts/system-deps.sh test
	$(BIN)/pip install -q -e '.[test]'

## Install, ingest the bundled samples, and serve the web app on them (Ctrl+C stops it).
demo: install
	$(BIN)/infocity demo
	$(BIN)/infocity serve

## Install what the tests need, lint, and run the whole suite.
test: install-test lint brokers
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

## Redis and RabbitMQ for the queued-ingest tests, started when not running (the tests start
## throwaway ones on free ports when these are still unreachable).
brokers:
	scripts/brokers.sh

## The inner loop: the tests that are not slow (no browser, no LibreOffice, no killed processes,
## no real-files golden runs). `make test` still runs everything.
test-fast: install-test lint
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider -m "not slow"

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Benchmarks (figures go to bench/README.md by hand).
bench: install-test
	$(BIN)/python bench/extract_bench.py
	$(BIN)/python bench/areas_bench.py

## Retrain the shipped models from classify/data/ (run after editing a corpus, the taxonomy or
## the dictionary; a test fails until you do).
model: install-test
	$(BIN)/infocity train --no-corrections --out classify/trained

## Rebuild corpus/samples/ from scripts/samples/*.txt (needs LibreOffice).
samples: install-test
	$(BIN)/python scripts/build_samples.py
