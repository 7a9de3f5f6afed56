# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Tests use the machine's PostgreSQL and Redis unless told otherwise.
TEST_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/portal)
TEST_REDIS_URL := $(or $(REDIS_URL),redis://127.0.0.1:6379/15)
# The suite runs in pytest-xdist workers, one a core and at most 4: each has its own test database
# (test_<name>_gw0, ...) and its own Redis database, counting down from TEST_REDIS_URL's (tests/settings.py).
# PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n < 4 ? n : 4 )))
PYTEST := $(VENV)/bin/pytest -n $(PYTEST_WORKERS)

.PHONY: help run test smoke test-clocks lint types pytest e2e-deps faketime-deps install install-dev messages otp

help:
	@echo "make run    start the portal with demo data on http://127.0.0.1:$(PORT)"
	@echo "make test   lint, type-check and run the whole test suite"
	@echo "make test-clocks   the whole test suite under faketime at four awkward moments"

$(UV):
	$(PYTHON) -m pip install --user --quiet uv

# --inexact keeps dev tools a previous `make test` installed.
install: $(UV)
	$(UV) sync --frozen --no-dev --inexact

install-dev: $(UV)
	$(UV) sync --frozen

# A developer's run: DEBUG unless told otherwise (a secret key is made under var/ once).
run: install
	PORT=$(PORT) DEBUG=$(or $(DEBUG),1) BILLING_ALLOW_TEST_GATEWAY=$(or $(BILLING_ALLOW_TEST_GATEWAY),1) $(PY) manage.py runportal

# Start `make run` (embedded default), sign in as the demo patient, stop it as Ctrl-C would, check nothing is left.
# CI runs it from the fresh clone's empty var/ (.ci/run).
smoke:
	$(PYTHON) -m tests.smoke.make_run

# Print the current second-factor code of a demo staff account: make otp EMAIL=nurse@lakeside.example
otp:
	$(PY) manage.py demo_otp $(EMAIL)

# Browser tests need Debian's chromium and axe-core; install them when missing.
e2e-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install Debian's chromium package (browser tests will be skipped)"; fi; \
	fi
	@[ -f node_modules/axe-core/axe.min.js ] || npm ci --silent --no-audit --no-fund

messages:
	$(PY) manage.py makemessages -l es --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: install-dev
	DEBUG=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/mypy .

pytest: install-dev e2e-deps
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PYTEST) $(PYTEST_ARGS)

test: lint types pytest

# Debian's faketime (libfaketime) runs a command with the system clock moved; install it when missing.
faketime-deps:
	@if ! command -v faketime >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; \
	  else echo "faketime is missing: install Debian's faketime package"; exit 1; fi; \
	fi

# Tests never read the wall clock (tests/clock.py pins it): prove it by running the whole suite with
# the machine's clock at moments that once broke it, in clinic time (America/Chicago):
# 05:00 on a Monday, 23:30 on a Sunday, 16:59 on a Friday, and 01:30 on the morning the clocks
# change (07:30 UTC, 14 March 2027). Each moment is a full run (about 8 minutes on an idle
# machine); all four run, and the target fails if any did. PYTEST_ARGS narrows every run.
CLOCK_MOMENTS := '2026-12-14 11:00:00 UTC' '2026-12-14 05:30:00 UTC' '2026-12-11 22:59:00 UTC' '2027-03-14 07:30:00 UTC'

test-clocks: install-dev e2e-deps faketime-deps
	@failed=""; \
	for moment in $(CLOCK_MOMENTS); do \
	  echo "== the whole suite with the clock at $$moment ($$(TZ=America/Chicago date -d "$$moment" '+%a %H:%M') at the clinic)"; \
	  TZ=UTC faketime "$$moment" env DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	    $(PYTEST) $(PYTEST_ARGS) || failed="$$failed; $$moment"; \
	done; \
	if [ -n "$$failed" ]; then echo "failed with the clock at:$${failed#;}"; exit 1; fi
