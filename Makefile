# Two commands do everything on a fresh machine: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export VEDETTE_VAR_DIR ?= var

.PHONY: run test install install-dev migrate demo lint pytest pytest-sqlite pytest-postgres system-deps bench clean

# `make run` installs what the product needs; `make test` adds the test and bench tools (the dev extra:
# spaCy for the extraction baseline, Playwright, schemathesis...), which a demo does not need to wait for.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e .
	@touch $(STAMP)

$(DEV_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(DEV_STAMP)

# The gazetteer file is generated, never committed: built once per machine into <venv>/var/vedette under a
# hash of its inputs (gazetteer/datafile.py), so this is instant unless the build code, data or pins changed.
install: $(STAMP)
	@$(BIN)/python -m vedette.gazetteer.datafile >/dev/null

install-dev: $(DEV_STAMP) install

migrate: install
	$(BIN)/vedette db upgrade

# Demo mode: the demo's accounts are printed with their passwords, and pages open on 22 March 2012.
demo: migrate
	VEDETTE_DEMO_MODE=true $(BIN)/vedette demo load

run: demo
	VEDETTE_DEMO_MODE=true $(BIN)/vedette serve --host 127.0.0.1 --port 8000

lint: install-dev
	$(BIN)/ruff check src tests bench

system-deps:
	@bash scripts/system-deps.sh

# system-deps: the Celery tests start a real redis-server (tests/jobs), on SQLite too.
pytest-sqlite: install-dev system-deps
	$(BIN)/pytest

# The same suite against a throwaway PostgreSQL + PostGIS cluster, stopped afterwards.
pytest-postgres: install-dev system-deps
	@url=$$(bash scripts/testdb.sh start) && \
	  VEDETTE_TEST_DATABASE_URL=$$url $(BIN)/pytest; rc=$$?; bash scripts/testdb.sh stop; exit $$rc

test: lint pytest-sqlite pytest-postgres

bench: install-dev system-deps
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
