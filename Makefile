# The README's two commands: `make run` (the quick start) and `make test` (what CI runs, .ci/run).
# Both begin with `setup`, which only does what changed since the last run.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

# The settings each command needs, whatever the calling shell has exported (pytest-django would
# otherwise prefer an exported DJANGO_SETTINGS_MODULE to the one in pyproject.toml).
run worker beat: export DJANGO_SETTINGS_MODULE := config.settings.local
test: export DJANGO_SETTINGS_MODULE := config.settings.test

.PHONY: setup run test lint worker beat bench

setup: $(VENV)/.installed node_modules/.installed static/build/.built

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The stamp files below are newer than their inputs once a step has succeeded, so that make skips
# it next time; a changed pyproject.toml or package-lock.json brings the step back.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static/build/.built: node_modules/.installed $(shell find frontend -type f)
	npm run build
	touch $@

run: setup
	$(MANAGE) migrate --no-input
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

# A model change without its migration fails the run. Plain pytest, not -n auto: every xdist worker
# builds its own test database and browser, which made the run slower on a 2-CPU machine
# (136 tests: 45-52 s plain, 53-59 s with -n auto).
test: setup
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest

# Not part of `make test`: the national data in PostgreSQL (its own database, loaded once and reused;
# BENCH_ARGS=--rebuild loads it again), served by gunicorn with production settings and measured;
# writes bench/results.json and bench/RESULTS.md and fails when a figure is over budget. It needs
# PostgreSQL and Redis (BENCH_POSTGRES, BENCH_REDIS: see bench/README.md). BENCH_ARGS=--help lists options.
bench: setup $(VENV)/.bench-installed
	$(BIN)/python -m bench.run $(BENCH_ARGS)

$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check ".[bench]"
	touch $@

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The worker and beat need REDIS_URL (in the environment or in .env); exactly one beat may run.
worker: $(VENV)/.installed
	$(BIN)/celery --app=config worker --loglevel=INFO

beat: $(VENV)/.installed
	$(BIN)/celery --app=config beat --loglevel=INFO
