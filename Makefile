# amsplan: `make demo` and `make test` do all set-up on a fresh Debian machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo sms-demo test test-sqlite lint format bench clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -U pip setuptools wheel
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	$(BIN)/python scripts/catalogs.py build
	touch $@

system-deps:
	@bash scripts/system-deps.sh

## demo: the whole booking loop on the sample data, in ./demo
demo: $(STAMP) system-deps
	$(BIN)/python sample_data/demo.py demo

## sms-demo: booking by SMS through a local fake Twilio and amsplan serve, in ./demo-sms
sms-demo: $(STAMP)
	$(BIN)/python sample_data/sms_demo.py demo-sms

## test: the whole suite on SQLite and a throw-away PostgreSQL server, on every core
TEST_JOBS ?= auto
test: $(STAMP)
	@bash scripts/system-deps.sh --postgres
	AMSPLAN_REQUIRE_PG=1 AMSPLAN_REQUIRE_BROWSER=1 AMSPLAN_REQUIRE_IMAP=1 bash scripts/with-postgres.sh $(BIN)/pytest -q -n $(TEST_JOBS)

## test-sqlite: the suite on SQLite only (quick, no server)
test-sqlite: $(STAMP)
	$(BIN)/pytest -q -n $(TEST_JOBS)

## bench: the benchmarks of issues 6 and 17 at full scale, figures in bench/RESULTS.md (1-1.5 h
##        on 2 cores); one part or a smaller scale: make bench BENCH="db --orders 20000".
##        Installs the extra `bench` (reportlab, the letters' second baseline) into the venv.
BENCH ?= all
bench: $(STAMP) system-deps
	$(BIN)/python -c "import reportlab, _rl_accel" 2>/dev/null \
	  || $(BIN)/pip install -q --disable-pip-version-check -e '.[test,bench]'
	$(BIN)/python bench/run.py $(BENCH)

## lint: ruff (style, imports) and mypy (types; strict on the pure domain)
lint: $(STAMP)
	$(BIN)/ruff check src tests bench sample_data
	$(BIN)/ruff format --check src tests bench sample_data
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench sample_data
	$(BIN)/ruff check --fix src tests bench sample_data

clean:
	rm -rf $(VENV) demo build dist *.egg-info
