# auditloop: `make demo` runs the service with a demo council; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

# Python 3.12+: python3.13, python3.12, a pyenv version, or python3 if it is new enough.
PYTHON ?= $(shell for p in python3.13 python3.12 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV) python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$p; break; fi; done)

.PHONY: help setup setup-dev system-packages assets demo test bench lint typecheck clean

help:
	@echo "make demo   set up and run the service with a demo council at http://$(HOST):$(PORT)"
	@echo "make test   set up and run the whole test suite, browser tests included"
	@echo "make bench  build the large council on PostgreSQL, measure it, check the budgets and"
	@echo "            write benchmarks/RESULTS.md (BENCH_DATABASE_URL: the database it drops)"

# The service's own dependencies only (pyproject.toml's [project] dependencies, pinned with
# hashes in requirements.lock): what `make demo` needs.
$(STAMP): requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed: install python3.12 or python3.13 (or pyenv install 3.13)"; exit 1; }
	@echo "Using $(PYTHON)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# The tests and tools too (the `dev` extra, pinned with hashes in requirements-dev.lock).
$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $(DEV_STAMP)

# WeasyPrint needs pango and harfbuzz-subset; browser tests need Debian's chromium.
system-packages:
	@missing=""; \
	for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation $(EXTRA_DEBS); do \
		dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian packages:$$missing"; \
			apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "Please install these Debian packages: sudo apt-get install$$missing"; exit 1; fi; \
	fi

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

src/auditloop/static/vendor/auditloop.css: node_modules/.package-lock.json scripts/build-assets.mjs src/auditloop/static/src/auditloop.scss src/auditloop/static/src/autocomplete.scss
	node scripts/build-assets.mjs

assets: src/auditloop/static/vendor/auditloop.css

setup: system-packages $(STAMP) assets

setup-dev: setup $(DEV_STAMP)

demo: setup
	AUDITLOOP_ENV=demo $(BIN)/auditloop migrate --no-input -v0
	AUDITLOOP_ENV=demo $(BIN)/auditloop demo --if-empty
	@echo ""
	@echo "auditloop is running at http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	@echo "Demo sign-in: http://$(HOST):$(PORT)/demo/ (one click per role), or username demo-qa_manager, password 'demo password'"
	@echo ""
	@trap 'kill 0' EXIT; \
	AUDITLOOP_ENV=demo $(BIN)/auditloop db_worker --queue-name '*' >var/worker.log 2>&1 & \
	AUDITLOOP_ENV=demo $(BIN)/auditloop runserver $(HOST):$(PORT)

test: EXTRA_DEBS = chromium
test: setup-dev
	$(BIN)/ruff check --quiet .
	$(BIN)/mypy src
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit -c pyproject.toml -q -r src -ll
	$(BIN)/python scripts/audit_dependencies.py
	AUDITLOOP_ENV=test $(BIN)/auditloop makemigrations --check --dry-run -v0
	$(BIN)/pytest -n 2 --create-db $(PYTEST_ARGS)

# The large council on PostgreSQL, measured against its budgets (benchmarks/bench.py). The
# database named is dropped and made again. BENCH_ARGS: more options (--quick, --results F).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/auditloop_bench_make
bench: setup-dev
	$(BIN)/python benchmarks/bench.py --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

typecheck: setup-dev
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) node_modules var src/auditloop/static/vendor
