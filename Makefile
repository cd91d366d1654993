# The two commands a newcomer needs:  make run   and   make test
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# `make run PORT=8001` when 8000 is taken
HOST ?= 127.0.0.1
PORT ?= 8000

# `make test` runs on real PostgreSQL and Redis; override these to use other servers.
# TEST_DATABASE_URL is the owner: it creates and migrates the test database; the tests then run
# as TEST_DATABASE_APP_ROLE (created when missing), which row-level security binds (README).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dealership
TEST_DATABASE_APP_ROLE ?= erp_app
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_ENV := DJANGO_DEBUG=true DATABASE_URL=$(TEST_DATABASE_URL) TEST_DATABASE_APP_ROLE=$(TEST_DATABASE_APP_ROLE) REDIS_URL=$(TEST_REDIS_URL) DJANGO_CACHE_KEY_PREFIX=erp-test

.PHONY: run test bench bench-routes bench-reports backup restore install assets messages compilemessages lint format lock check-python system-run system-test clean help

help:
	@echo "make run    install everything, load the demo data and serve http://$(HOST):$(PORT) (another port: make run PORT=8001)"
	@echo "make test   run the whole suite (lint, i18n, unit, API, browser) on PostgreSQL and Redis"
	@echo "make bench  bench-routes, then bench-reports (PostgreSQL and Redis; exits 1 when a budget is missed)"
	@echo "make bench-routes   every API list and list page under gunicorn, per persona: queries, rps, p95/p99, scoped/plain ratio, largest pages (var/bench/latest.json)"
	@echo "make bench-reports  time the OEM monthly pack and the group export on a seeded month (PostgreSQL; about 30 min)"
	@echo "make backup   back up the database and the stored files into var/backups/<UTC time>/ (make run's, or DATABASE_URL's)"
	@echo "make restore BACKUP=var/backups/<stamp>  replace the database and the files with a backup, then verify them"

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %d.%d); set PYTHON=/path/to/python3.11" % sys.version_info[:2])'

$(VENV)/.installed: requirements-dev.lock | check-python
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

node_modules/.installed: package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed to install the front-end libraries"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.built: node_modules/.installed frontend/build.mjs
	npm run --silent build
	touch $@

assets: static/vendor/.built

system-run:
	@scripts/system-packages.sh run

system-test:
	@scripts/system-packages.sh test

compilemessages: install system-run
	DJANGO_DEBUG=true $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v0

# Extract new strings into both catalogues (English is filled from the source strings).
messages: install
	DJANGO_DEBUG=true $(MANAGE) makemessages -l zh_Hans -l en --no-location --no-obsolete --ignore=.venv --ignore=node_modules --ignore=tests --ignore=var
	msgattrib --clear-fuzzy --empty --clear-previous locale/en/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po
	msgen locale/en/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po

run: install assets compilemessages
	@$(PY) -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); sys.exit(s.bind(("$(HOST)", $(PORT))))' 2>/dev/null \
	  || { echo "Port $(PORT) is already in use: choose another one, e.g. make run PORT=$$(( $(PORT) + 1 ))"; exit 1; }
	DJANGO_DEBUG=true $(MANAGE) migrate --noinput -v0
	DJANGO_DEBUG=true $(MANAGE) seed_demo
	@echo "Serving http://$(HOST):$(PORT)/ — log in with a demo login from the README (Ctrl-C stops)."
	@DJANGO_DEBUG=true SITE_URL=http://$(HOST):$(PORT) $(MANAGE) run_scheduler --interval 60 & scheduler=$$!; \
	  trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	  DJANGO_DEBUG=true $(MANAGE) runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -r dealership org finance crm sales aftersales -x '*/migrations/*' -l

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The suite runs in PYTEST_WORKERS processes (pytest-xdist; each has its own test database, named
# with the worker's suffix, e.g. test_dealership_gw0); a worker that runs out of tests takes over
# half of the other's (--dist worksteal: one long test does not hold up the tests queued behind
# it); `make test PYTEST_WORKERS=0` runs the suite in one process.
# The fault-injection tests (tests/faults) run in the same run: each worker that takes one starts
# its own private PostgreSQL and Redis, and they mostly wait, so they overlap with the rest.
# PYTEST_ARGS (e.g. a path or -k) runs only what it selects.
PYTEST_WORKERS ?= 2

test: install assets system-test compilemessages lint
	@$(TEST_ENV) $(MANAGE) check_services --require-postgres --require-redis
	$(TEST_ENV) $(MANAGE) makemigrations --check --dry-run -v1
	$(TEST_ENV) $(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# `make bench` (not part of `make test`): seed a realistic month (per dealership 300 deliveries,
# 3,000 repair orders, 5,000 follow-ups …) in a throwaway PostgreSQL database, dropped and
# created again each time (BENCH_KEEP=1 reuses it and its seeded month), then time one
# dealership's OEM monthly pack and the group export of 10 and 50 dealerships as the app's role;
# no Redis (Celery runs in the process). Exits 1 when a target is missed (README, "make bench").
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dealership_bench
BENCH_DEALERSHIPS ?= 1,10,50
BENCH_ENV := DJANGO_DEBUG=true DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL= DJANGO_PRIVATE_MEDIA_ROOT=$(CURDIR)/var/bench/private

bench-reports: install system-run compilemessages
	$(BENCH_ENV) $(PY) scripts/bench_reports.py $(if $(BENCH_KEEP),--migrate,--fresh) --app-role $(TEST_DATABASE_APP_ROLE) --dealerships $(BENCH_DEALERSHIPS) $(BENCH_ARGS)

# `make bench-routes` (#15): (re)create BENCH_ROUTES_DATABASE_URL (BENCH_KEEP=1 keeps it and its
# rows), migrate it as its owner, seed BENCH_ROUTES_DEALERSHIPS dealerships (manage.py seed_bench,
# whose --json logins name the personas), then scripts/bench_routes.py: gunicorn (2 workers,
# production settings plus DJANGO_BENCH) as the app's role with the cache in Redis, every API list
# and list page per persona (statements at page sizes 10 and 50, rps, p50/p95/p99), the plain twin
# of each API list (scoped/plain ratio), the ceiling and the largest pages; the table, and
# var/bench/latest.json. Exits 1 when a budget is missed (README, "make bench").
# BENCH_ROUTES_ARGS passes options, e.g. BENCH_ROUTES_ARGS="--only crm --requests 60".
BENCH_ROUTES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dealership_bench_routes
BENCH_ROUTES_DEALERSHIPS ?= 50
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
BENCH_ROUTES_ENV := DJANGO_DEBUG=true DATABASE_URL=$(BENCH_ROUTES_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) DJANGO_CACHE_KEY_PREFIX=erp-bench DJANGO_LOG_LEVEL=WARNING

bench-routes: install system-run compilemessages
	@$(BENCH_ROUTES_ENV) $(MANAGE) check_services --require-postgres --require-redis
	$(BENCH_ROUTES_ENV) $(PY) scripts/bench_routes.py --recreate-database $(if $(BENCH_KEEP),--keep)
	$(BENCH_ROUTES_ENV) $(MANAGE) migrate --noinput -v0
	@mkdir -p var/bench
	$(if $(BENCH_KEEP),test -s var/bench/logins.json || )$(BENCH_ROUTES_ENV) $(MANAGE) seed_bench --dealerships $(BENCH_ROUTES_DEALERSHIPS) --json > var/bench/logins.json
	$(BENCH_ROUTES_ENV) $(PY) scripts/bench_routes.py --personas var/bench/logins.json $(BENCH_ROUTES_ARGS)

bench: bench-routes bench-reports

# `make backup` / `make restore BACKUP=var/backups/<stamp>` (README, "Backups"): the database of
# `make run` (SQLite under var/), or the one DATABASE_URL names, with the environment as it is
# (on PostgreSQL a superuser, or the tables' owner with BYPASSRLS). BACKUP_DIR changes where
# backups go. Restore replaces the database and the stored files, then verifies every table's
# and dealership's counts and checksums and every file against the backup's manifest.
BACKUP_ENV := $(if $(DATABASE_URL),,DJANGO_DEBUG=true)

backup: install
	$(BACKUP_ENV) $(MANAGE) backup

restore: install
	@test -n "$(BACKUP)" || { echo "Name the backup: make restore BACKUP=var/backups/<stamp> (ls var/backups)"; exit 1; }
	$(BACKUP_ENV) $(MANAGE) restore $(BACKUP) --yes

# Re-resolve the pinned dependency locks after editing pyproject.toml.
lock: install
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -q -o requirements-dev.lock

clean:
	rm -rf $(VENV) node_modules static/vendor var
