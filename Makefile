# Myna developer tasks. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV        := .venv
VENV_PY     := $(VENV)/bin/python
STAMP       := $(VENV)/.install-stamp
HOST        ?= 127.0.0.1
PORT        ?= 8000
# Extra arguments for both pytest passes, e.g. make test PYTEST_ARGS='-x -k timeline'
PYTEST_ARGS ?=
# Interpreter for the venv; default: python3.11, else python3 if it is >= 3.11.
PYTHON      ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv install run lint test bench bench-all clean distclean

help:
	@echo "make install   create $(VENV) (if missing) and pip install -e '.[test]' (if pyproject.toml changed)"
	@echo "make run       migrate and serve on http://$(HOST):$(PORT) (SQLite under ./data/)"
	@echo "make lint      ruff check, ruff format --check, mypy, lint-imports"
	@echo "make test      lint, then pytest on SQLite and on PostgreSQL (if available) side by side"
	@echo "make bench     timelines benchmark, embedded and scale mode (installs wrk, PostgreSQL, Redis)"
	@echo "make bench-all every benchmark (python -m bench)"
	@echo "make clean     remove caches, build output and ./.pgtest; distclean also removes $(VENV)"

venv install: $(STAMP)

$(VENV_PY):
	@py="$(PYTHON)"; \
	if [ -z "$$py" ]; then \
	  for c in python3.11 python3; do \
	    if command -v "$$c" >/dev/null 2>&1 && \
	       "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
	      py=$$c; break; \
	    fi; \
	  done; \
	fi; \
	if [ -z "$$py" ]; then echo "error: need python3.11 or a python3 >= 3.11" >&2; exit 1; fi; \
	echo "==> creating $(VENV) with $$(command -v $$py) ($$($$py -V 2>&1))"; \
	"$$py" -m venv --clear $(VENV)

$(STAMP): pyproject.toml | $(VENV_PY)
	@echo "==> pip install -e '.[test]'"
	$(VENV_PY) -m pip install -e '.[test]'
	@touch $@

run: install
	mkdir -p data
	$(VENV)/bin/myna migrate
	$(VENV)/bin/myna serve --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The SQLite pass (no database env) and the PostgreSQL pass, side by side
# (scripts/test-passes.sh; MYNA_TEST_SERIAL=1 runs them in turn). See scripts/test-postgres.sh
# for how PostgreSQL is found (MYNA_TEST_POSTGRES_URL or a throwaway cluster).
# MYNA_TEST_REDIS_URL, when set (.ci/run sets it), reaches both passes.
test: install lint
	bash scripts/test-passes.sh $(PYTEST_ARGS)

# The timelines benchmark in embedded and scale mode (docs/performance.md); options go in
# BENCH_ARGS, e.g. make bench BENCH_ARGS='--accounts 5000 --statuses 20000'.
bench: install
	bash scripts/bench-deps.sh
	$(VENV)/bin/myna bench $(BENCH_ARGS)

# Every benchmark (streaming, groups, timelines, search) with its defaults.
bench-all: install
	bash scripts/bench-deps.sh
	$(VENV_PY) -m bench

clean:
	@if [ -d .pgtest ]; then bash scripts/pg-test.sh stop; fi
	rm -rf build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
