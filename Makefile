# Two commands: `make run` (the product) and `make test` (ruff + the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test scale-units lint browser format clean bench bench-large bench-rts bench-realtime bench-retention messages makemessages gettext

# The browser test drives Debian's Chromium; Playwright never downloads a browser.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# .env: a checkout's commands run by hand (manage.py reads it) get the same DEBUG default.
.env:
	@echo "DJANGO_DEBUG=1" > .env

run: install messages .env
	export DJANGO_DEBUG=$${DJANGO_DEBUG:-1}; \
	$(BIN)/python manage.py migrate_all && \
	$(BIN)/python manage.py ensure_demo_admin && \
	$(BIN)/python manage.py seed_demo --if-empty && \
	$(BIN)/python manage.py install_schedules && \
	$(BIN)/python manage.py run_all

# HQ and two scale units on one machine, three processes on three ports (docs/operations.md):
# HQ on 8000 (web, worker, trigger watcher); scale unit DEFAULT on 8001 (async stores
# STORE01-03) and EU on 8002 (sync-mode store EU01), each with only its own channel database
# and a service key for HQ's real-time service. Data in var/scale-units/.
SU_VAR := $(CURDIR)/var/scale-units
scale-units: install messages
	export DJANGO_DEBUG=$${DJANGO_DEBUG:-1} HQ_VAR_DIR=$(SU_VAR) \
	  CHANNEL_DATABASE_URLS="DEFAULT=sqlite:///$(SU_VAR)/channel-default.sqlite3,EU=sqlite:///$(SU_VAR)/channel-eu.sqlite3"; \
	unset DATABASE_URL; \
	$(BIN)/python manage.py migrate_all && \
	$(BIN)/python manage.py ensure_demo_admin && \
	$(BIN)/python manage.py seed_demo --if-empty && \
	$(BIN)/python manage.py seed_demo --sync-store-in EU && \
	$(BIN)/python manage.py install_schedules && \
	$(BIN)/python manage.py run_all 127.0.0.1:8000 --scale-unit DEFAULT=127.0.0.1:8001 --scale-unit EU=127.0.0.1:8002

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

browser:
	@test -x $(CHROMIUM) || ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

# The suite runs on TEST_WORKERS processes (pytest-xdist; each has its own test databases).
TEST_WORKERS ?= 2
test: lint browser messages
	$(BIN)/pytest -n $(TEST_WORKERS)

# Benchmarks (not part of `make test`): a few minutes on 2 cores; rewrites docs/benchmarks.md.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432/hqbench
bench: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check gunicorn
	-psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE hqbench" >/dev/null 2>&1
	$(BIN)/python bench/conversion.py --sizes 2000,10000 --write-doc
	$(BIN)/python bench/conversion.py --sizes 2000,10000 --database-url $(BENCH_PG) --write-doc
	$(BIN)/python bench/pos_load.py --seconds 20 --backlog 100000 --database-url $(BENCH_PG) --write-doc

# A sync-mode store's real-time create at 0/20/40/100 ms round trip to HQ: HQ's real-time
# service over HTTP (a scale unit) against the in-process call; PostgreSQL, about 3 minutes.
bench-rts: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check gunicorn
	-psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE hqbench" >/dev/null 2>&1
	$(BIN)/python bench/realtime_link.py --database-url $(BENCH_PG) --write-doc

# Near-real-time conversion at the issue's 10/s and 50/s for 60 s each, trigger on and off,
# on SQLite and PostgreSQL: about 12 minutes.
bench-realtime: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check gunicorn
	-psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE hqbench" >/dev/null 2>&1
	$(BIN)/python bench/realtime.py --rates 10,50 --seconds 60 --write-doc
	$(BIN)/python bench/realtime.py --rates 10,50 --seconds 60 --database-url $(BENCH_PG) --write-doc

# Retention: three rounds of 20,000 customers created, converted and purged under POS load,
# on SQLite and PostgreSQL: about 5 minutes.
bench-retention: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check gunicorn
	-psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE hqbench" >/dev/null 2>&1
	$(BIN)/python bench/retention.py --rounds 3 --backlog 20000 --write-doc
	$(BIN)/python bench/retention.py --rounds 3 --backlog 20000 --database-url $(BENCH_PG) --write-doc

# Spanish catalogs: the .po files are the source, the .mo files are built (never committed).
# compilemessages needs GNU gettext's msgfmt; installed from apt when missing.
MANAGE := DJANGO_DEBUG=1 $(BIN)/python manage.py
MSG_IGNORE := -i .venv -i var -i tests -i bench -i docs -i build
gettext:
	@command -v msgfmt >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y gettext)

messages: install gettext
	$(MANAGE) compilemessages $(MSG_IGNORE)

# After changing user-facing strings: refresh the catalogs, then translate the new entries.
makemessages: install gettext
	$(MANAGE) makemessages -l es --no-obsolete --add-location=file $(MSG_IGNORE)

# The issue's full sizes (10k and 100k on SQLite and PostgreSQL): about 15 minutes on 2 cores.
bench-large: install
	-psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE hqbench" >/dev/null 2>&1
	$(BIN)/python bench/conversion.py --sizes 10000,100000 --write-doc
	$(BIN)/python bench/conversion.py --sizes 10000,100000 --database-url $(BENCH_PG) --write-doc

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
