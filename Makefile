# The two commands of the README:
#   make run    install, generate demo data, dbt build the warehouse, print what was built
#   make test   install, lint (SQLFluff, ruff), pytest (which builds generated data with dbt)
# Everything else here is a step of those two.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CUSTOMERS ?= 20000
SEED ?= 42
DEMO_RAW_DIR := data/raw

# A user with a real export sets BROKER_RAW_DIR; without it, make run builds on demo data.
ifdef BROKER_RAW_DIR
RAW_DIR := $(BROKER_RAW_DIR)
GENERATE_DEMO := no
else
RAW_DIR := $(DEMO_RAW_DIR)
GENERATE_DEMO := yes
endif
export BROKER_RAW_DIR := $(RAW_DIR)
export BROKER_DUCKDB_PATH ?= data/broker_segments.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: run test install data build summary lint pytest clean

run: install
ifeq ($(GENERATE_DEMO),yes)
	@test -f $(DEMO_RAW_DIR)/_generator/summary.json || $(MAKE) --no-print-directory data
endif
	@$(MAKE) --no-print-directory build summary

test: install lint pytest

install: $(VENV)/.installed

# Re-install when the pinned dependencies change.
$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# Demo data: CUSTOMERS customers (default 20,000), deterministic for SEED.
data: install
	$(BIN)/python -m broker_segments.datagen --customers $(CUSTOMERS) --seed $(SEED) --out $(DEMO_RAW_DIR)

build: install
	@mkdir -p $(dir $(BROKER_DUCKDB_PATH))
	$(BIN)/dbt build

summary: install
	@$(BIN)/python -m broker_segments.summary

lint: install
	BROKER_DUCKDB_PATH=:memory: $(BIN)/sqlfluff lint models
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

pytest: install
	$(BIN)/python -m pytest

clean:
	rm -rf target logs data
