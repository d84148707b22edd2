# amsplan: `make demo` and `make test` do all set-up on a fresh Debian machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-sqlite lint format bench clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -U pip setuptools wheel
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

system-deps:
	@bash scripts/system-deps.sh

## demo: the whole booking loop on the sample data, in ./demo
demo: $(STAMP) system-deps
	$(BIN)/python sample_data/demo.py demo

## test: the whole suite on SQLite and a throw-away PostgreSQL server
test: $(STAMP)
	@bash scripts/system-deps.sh --postgres
	AMSPLAN_REQUIRE_PG=1 bash scripts/with-postgres.sh $(BIN)/pytest -q

## test-sqlite: the suite on SQLite only (quick, no server)
test-sqlite: $(STAMP)
	$(BIN)/pytest -q

## bench: the benchmarks of bench/ (long; see bench/README.md), figures to bench/RESULTS.md
bench: $(STAMP) system-deps
	$(BIN)/python bench/run.py all

lint: $(STAMP)
	$(BIN)/ruff check src tests bench sample_data
	$(BIN)/ruff format --check src tests bench sample_data

format: $(STAMP)
	$(BIN)/ruff format src tests bench sample_data
	$(BIN)/ruff check --fix src tests bench sample_data

clean:
	rm -rf $(VENV) demo build dist *.egg-info
