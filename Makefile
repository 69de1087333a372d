# One command each: `make run` serves the product on a laptop, `make test` runs what CI runs.
# Both set themselves up (.venv from uv.lock; for tests, the Debian packages they need).

SHELL := /bin/bash
PORT ?= 8000
# Arguments for pytest in `make test`, e.g. make test PYTEST_ARGS="-k workflow -x".
PYTEST_ARGS ?=
export PYTEST_ARGS
# Test processes for make test (default: one per core, at most four; 1 runs the suite in one).
PYTEST_WORKERS ?=
export PYTEST_WORKERS

VENV := .venv

.DEFAULT_GOAL := help
.PHONY: help venv run test deploy-check lint format screenshots vendor bench

help:
	@echo "make run [PORT=8000]       set up, migrate, load the demo city once, serve on 127.0.0.1:PORT"
	@echo "make test [PYTEST_ARGS=..] lint, migrations check, pytest on throwaway PostgreSQL + Redis, smoke"
	@echo "make deploy-check          the production stack of deploy/ started on loopback and checked (~1 min)"
	@echo "make lint                  ruff check, ruff format --check, mypy, lint-imports (the floors)"
	@echo "make format                ruff format and ruff check --fix"
	@echo "make venv                  create .venv and install uv.lock"
	@echo "make screenshots           browser tests on throwaway PostgreSQL, saving docs/screenshots/"
	@echo "make vendor                refresh the vendored htmx and Pico CSS from npm (build time)"
	@echo "make bench                 benchmarks at 30,000 and 3,000,000 cases (docs/benchmarks.md)"

venv:
	@scripts/venv.sh

run:
	@PORT="$(PORT)" scripts/run.sh

test:
	@scripts/test.sh

# Part of make test: nginx, gunicorn, PgBouncer, PostgreSQL + replica, Redis, workers and beat from
# deploy/'s files, checked through nginx, then stopped (docs/deploy.md, "Checking a stack").
deploy-check:
	@scripts/deploy_check.sh

# All four run even when one fails, so one run shows every problem.
lint: venv
	@status=0; \
	echo "$$ ruff check ."; $(VENV)/bin/ruff check . || status=1; \
	echo "$$ ruff format --check ."; $(VENV)/bin/ruff format --check . || status=1; \
	echo "$$ mypy ."; $(VENV)/bin/mypy . || status=1; \
	echo "$$ lint-imports"; $(VENV)/bin/lint-imports --no-cache || status=1; \
	exit $$status

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The browser tests, writing their screenshots into docs/screenshots/ (commit them).
screenshots:
	@SCREENSHOTS_DIR="$(CURDIR)/docs/screenshots" PYTEST_ARGS="tests/browser" scripts/test.sh

vendor:
	@scripts/vendor.sh

# Not part of make test: the first run builds a 3,000,000-case database (cached afterwards).
bench:
	@scripts/bench.sh
