# The two commands: `make demo` and `make test`. Both set everything up first and are idempotent.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)
export MINEDAG_DATA := $(CURDIR)/data

.PHONY: setup browser demo test test-fast goldens bench bench-peers lint dev

setup: $(STAMP) browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# A Chromium: $$MINEDAG_CHROMIUM, Debian's package (installed with apt-get when root), else Playwright's download.
browser: $(STAMP)
	@if $(BIN)/python -c "import sys; from minedag.capture.chromium import find_chromium, playwright_has_browser; sys.exit(0 if (find_chromium() or playwright_has_browser()) else 1)"; then \
	  echo "chromium: ok"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get install -y -q chromium >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; \
	else \
	  $(BIN)/playwright install chromium; \
	fi

demo: setup
	$(BIN)/minedag demo

test: setup
	$(BIN)/pytest -q

# The browser-free tests (profiles on golden captures, specs, bundles' pure parts): seconds, for every change.
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow"

# Rewrite the golden captures through the real capture layer (after a change to it).
goldens: setup
	$(BIN)/python -m minedag_tests.goldens

bench: setup
	$(BIN)/python benchmarks/bench.py

# minedag beside crawl4ai on the same URLs and Chromium; crawl4ai lives in a venv of its own, never in minedag's.
bench-peers: setup
	test -x .venv-peers/bin/python || $(PYTHON) -m venv .venv-peers
	.venv-peers/bin/python -c "import crawl4ai" 2>/dev/null || .venv-peers/bin/python -m pip install -q "crawl4ai>=0.9,<0.10"
	$(BIN)/python benchmarks/bench_peers.py --peer-python .venv-peers/bin/python

lint: setup
	$(BIN)/ruff check minedag minedag_tests benchmarks

dev: setup
	DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=$${DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS:-true} \
	DAGSTER_EVENT_BATCH_SIZE=$${DAGSTER_EVENT_BATCH_SIZE:-1000} $(BIN)/dagster dev
