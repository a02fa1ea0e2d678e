# Two commands do everything on a fresh machine: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export VEDETTE_VAR_DIR ?= var

.PHONY: run test install migrate demo lint pytest pytest-sqlite pytest-postgres system-deps bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# The gazetteer file is generated, never committed: built once per machine into <venv>/var/vedette under a
# hash of its inputs (gazetteer/datafile.py), so this is instant unless the build code, data or pins changed.
install: $(STAMP)
	@$(BIN)/python -m vedette.gazetteer.datafile >/dev/null

migrate: install
	$(BIN)/vedette db upgrade

# Demo mode: the demo's accounts are printed with their passwords, and pages open on 22 March 2012.
demo: migrate
	VEDETTE_DEMO_MODE=true $(BIN)/vedette demo load

run: demo
	VEDETTE_DEMO_MODE=true $(BIN)/vedette serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests bench

system-deps:
	@bash scripts/system-deps.sh

# system-deps: the Celery tests start a real redis-server (tests/jobs), on SQLite too.
pytest-sqlite: install system-deps
	$(BIN)/pytest

# The same suite against a throwaway PostgreSQL + PostGIS cluster, stopped afterwards.
pytest-postgres: install system-deps
	@url=$$(bash scripts/testdb.sh start) && \
	  VEDETTE_TEST_DATABASE_URL=$$url $(BIN)/pytest; rc=$$?; bash scripts/testdb.sh stop; exit $$rc

test: lint pytest-sqlite pytest-postgres

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
