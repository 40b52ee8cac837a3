# The two commands: `make run` and `make test` (see README.md). Both prepare
# everything they need first, so they work on a fresh Debian machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-pure test-postgres bench lint format services services-test services-postgres migrate

run: services $(VENV)/.runtime
	PY=$(PY) HOST=$(HOST) PORT=$(PORT) scripts/run.sh

# Two workers (pytest-xdist), each with its own servers, vhost and test database; the
# pure tests ran just before, with no service in reach.
test: services-test $(VENV)/.dev lint test-pure
	$(PY) -m pytest -n 2 --dist loadgroup -m "not pure"

# The suite again on PostgreSQL (a throwaway database made by the test run), but the
# tests the database takes no part in: the pure ones, the browser's, the failovers'.
POSTGRES_TEST_URL ?= postgres://cacheadmin:cacheadmin@127.0.0.1:5432/cacheadmin
test-postgres: services-postgres $(VENV)/.dev
	DATABASE_URL=$(POSTGRES_TEST_URL) $(PY) -m pytest -q -n 2 --dist loadgroup -m "not pure and not browser and not failover"

# The pure tests (marked at collection: they ask for no service fixture) need neither
# Redis nor RabbitMQ: prove it with neither in reach.
test-pure: $(VENV)/.dev
	env -i HOME="$$HOME" PATH="$(abspath $(VENV))/bin" CACHEADMIN_PURE_TESTS=1 \
		TEST_RABBITMQ_MANAGEMENT_URL=http://127.0.0.1:1/ $(PY) -m pytest -q -m pure tests

bench: services-test $(VENV)/.dev
	@shopt -s nullglob; benches=(tests/bench/bench_*.py); \
	if [ $${#benches[@]} -eq 0 ]; then echo "no benchmarks yet"; fi; \
	for bench in "$${benches[@]}"; do $(PY) "$$bench" || exit 1; done

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

services:
	$(PYTHON) scripts/ensure_services.py

services-test:
	$(PYTHON) scripts/ensure_services.py --tests

services-postgres:
	$(PYTHON) scripts/ensure_services.py --tests --postgres

$(PY):
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "Cannot create $(VENV): apt-get install python3-venv"; exit 1; }

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.runtime
