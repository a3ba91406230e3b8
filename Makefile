# The two commands of the README:
#   make run    install, generate demo data, dbt build the warehouse, print what was built
#   make test   install, lint (SQLFluff, ruff), pytest (which builds generated data with dbt)
# Everything else here is a step of those two.
#   make bench SIZE=1000000   benchmark a full and a one-day dbt build (docs/benchmarks.md)
#   make lock                 regenerate constraints.txt, the tested set, from pyproject's ranges

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
# A warehouse given here (make build BROKER_DUCKDB_PATH=...) reaches dbt and the tools; unset,
# each uses the project's default (profiles.yml, broker_segments.project).
ifdef BROKER_DUCKDB_PATH
export BROKER_DUCKDB_PATH
endif
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: run test test-fast pytest-fast unit-tests install install-dev install-spark java orchestration lock data build refit summary report docs docs-check chromium lint generate pytest clean

run: install
ifeq ($(GENERATE_DEMO),yes)
	@test -f $(DEMO_RAW_DIR)/_generator/summary.json || $(MAKE) --no-print-directory data
endif
	@$(MAKE) --no-print-directory build summary

# SQLFluff (one process, ~4 minutes), then the docs generate, run beside pytest, whose two
# workers leave part of the two cores idle while dbt starts and parses.
# The Python packages and Debian's (Chromium, Java: apt-get, one after the other) install side
# by side: the first are mostly downloads, the second mostly unpacking.
test:
	@$(MAKE) --no-print-directory -j 2 install-dev chromium
	@$(MAKE) --no-print-directory -j 2 --output-sync=line lint pytest docs-check

# A recipe's first step for a dbt command on throwaway data: a temporary folder ($$tmp, removed
# at the end) with 200 generated customers in $$tmp/raw, and an in-memory warehouse.
THROWAWAY_EXPORT = tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	export BROKER_RAW_DIR="$$tmp/raw" BROKER_DUCKDB_PATH=:memory: && \
	$(BIN)/python -m broker_segments.datagen --customers 200 --seed 1 --out "$$tmp/raw" >/dev/null

# The inner loop (CONTRIBUTING): the tests marked `fast` (the package's, no dbt) beside the dbt
# unit tests, in about a minute. No lint, no data test, no build of real rows.
test-fast: install-dev
	@$(MAKE) --no-print-directory -j 2 --output-sync=target pytest-fast unit-tests

pytest-fast: install-dev
	$(BIN)/python -m pytest -q -n 2 -m fast

# The dbt unit tests (SQL logic on hand-made rows) with every model they read built empty
# (--empty: no rows), on a throwaway export; the per-day models given its days, a first build.
unit-tests: install
	@$(THROWAWAY_EXPORT) && \
	$(BIN)/dbt --quiet build --empty --select +test_type:unit --exclude-resource-type test \
		--target ci --target-path "$$tmp/target" --log-path "$$tmp/logs" $$($(LOAD_RANGE)) && \
	echo "dbt unit tests: ok"

# make run needs only the runtime; make test adds the linters, pytest, Dagster (its tests
# load the orchestration), MetricFlow (the saved queries' test) and Spark (the parity test
# builds on both engines); `make orchestration` adds Dagster alone, to run the project from it.
install: $(VENV)/.installed
install-spark: $(VENV)/.installed-spark
install-dev: $(VENV)/.installed-dev
orchestration: $(VENV)/.installed-orchestration

# pyproject.toml says the ranges the project supports; constraints.txt the exact set it is
# tested with (make lock), which every install takes. Each re-installs when either changes
# (the extras' stamps follow .installed).
PIP_INSTALL = $(BIN)/python -m pip install --quiet -c constraints.txt
$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(PIP_INSTALL) -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP_INSTALL) -e '.[dev,orchestration,semantic,spark]'
	@touch $@ $(VENV)/.installed-orchestration $(VENV)/.installed-spark

# The spark target's adapter and Spark itself (the extra `spark`).
$(VENV)/.installed-spark: $(VENV)/.installed
	$(PIP_INSTALL) -e '.[spark]'
	@touch $@

$(VENV)/.installed-orchestration: $(VENV)/.installed
	$(PIP_INSTALL) -e '.[orchestration]'
	@touch $@

# constraints.txt anew: pyproject.toml's ranges with every extra, resolved in a fresh venv
# (a throwaway folder) to the newest releases they admit, and frozen. LOCK_HOLD narrows the
# ranges for the lock alone: dbt-core stays on the line the project is tested on (1.12.1+
# cannot install where only the package registries are reached: its parser downloads a
# binary). Run make test on the new set before committing it.
LOCK_HOLD ?= dbt-core==1.11.*
LOCK_HEADER := \
	'\# The exact set of packages the project is tested with: every pip install of the Makefile' \
	'\# takes it (-c constraints.txt) beside the ranges of pyproject.toml. Resolved on Python %s.' \
	'\# Regenerate it with make lock (CONTRIBUTING, "Dependencies"); do not edit it by hand.'
lock:
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && py="$$tmp/venv/bin/python" && \
	$(PYTHON) -m venv "$$tmp/venv" && \
	"$$py" -m pip install --quiet --upgrade pip && \
	"$$py" -m pip install --quiet -e '.[dev,orchestration,semantic,spark]' \
		$(foreach r,$(LOCK_HOLD),'$(r)') && \
	"$$py" -m pip check && \
	{ printf '%s\n' $(LOCK_HEADER) | sed "s/%s/$$("$$py" -c 'import platform; print(platform.python_version())')/"; \
	  "$$py" -m pip freeze --exclude-editable; } > "$$tmp/constraints.txt" && \
	mv "$$tmp/constraints.txt" constraints.txt
	@git diff --stat -- constraints.txt 2>/dev/null || true

# Demo data: CUSTOMERS customers (default 20,000), deterministic for SEED.
data: install
	$(BIN)/python -m broker_segments.datagen --customers $(CUSTOMERS) --seed $(SEED) --out $(DEMO_RAW_DIR)

# The daily run and the monthly refit: the selectors `daily` and `monthly_refit` (selectors.yml);
# a warehouse without a model of every scheme (a first build) builds the whole project: it fits.
# The daily run first holds the raw export against the run date (`dbt source freshness`, the
# thresholds are vars): a table past the error threshold stops it before anything is built.
DBT_VARS ?=
SPARK_BUILD_ARGS ?=
# The days the per-day (microbatch) models load: after the warehouse's last day through the
# export's (--event-time-start/--event-time-end; broker_segments.load_range).
LOAD_RANGE := $(BIN)/python -m broker_segments.load_range
SPARK_DBT_VARS := $(if $(DBT_VARS),--vars '$(DBT_VARS)')
ifeq ($(TARGET),spark)
# On Spark (README "Running on Spark") dbt runs no Python model: the fits are a command of the
# package between two dbt steps (selectors spark_before_fit and spark_after_fit).
# DBT_VARS (a YAML/JSON dict) reaches every dbt step, and the fit through the manifest. The
# dbt unit tests (SQL logic on hand-made rows) run on DuckDB, in make test: Spark 4.3 in local
# mode fails on some of their literal-row fixtures (a ClassCastException deserialising UNION).
# SPARK_BUILD_ARGS: more arguments for both dbt builds (the parity test builds the models alone,
# '--exclude-resource-type test': their output is what it compares with DuckDB's).
SPARK_BUILD := $(BIN)/dbt build --target spark --exclude-resource-type unit_test $(SPARK_DBT_VARS) $(SPARK_BUILD_ARGS)
# The two steps' selectors are chosen once, before the first (load_range --spark-steps): a
# day's run where no scheme fits leaves out the fits' inputs and the diagnostics.
build: install-spark java
	@$(BIN)/python -m broker_segments.preflight --target spark
	$(BIN)/dbt source freshness --target spark $(SPARK_DBT_VARS)
	set -- $$($(LOAD_RANGE) --spark-steps $(SPARK_DBT_VARS)) && \
	$(SPARK_BUILD) --selector $$1 $$($(LOAD_RANGE) --target spark) && \
	$(BIN)/python -m broker_segments.spark_fit --target spark && \
	$(SPARK_BUILD) --selector $$2
else
build: install
	@$(BIN)/python -m broker_segments.preflight
	$(BIN)/dbt source freshness
	$(BIN)/dbt build $$($(LOAD_RANGE) --daily)
endif

refit: install
	@$(BIN)/python -m broker_segments.preflight
	$(BIN)/dbt build --selector monthly_refit --vars '{segmentation_refit: true}' $$($(LOAD_RANGE))

summary: install
	@$(BIN)/python -m broker_segments.summary

# The segment report, one static HTML page of the warehouse's charts.
report: install
	$(BIN)/python -m broker_segments.report --out reports/segment_report.html

# dbt's documentation site of the project and the warehouse (models, exposures, lineage, column
# types); `$(BIN)/dbt docs serve --target-path target/docs` shows it.
docs: install
	$(BIN)/dbt docs generate --target-path target/docs

# make test: the docs generate (every node compiles, the catalog query runs), on an in-memory
# warehouse and a few generated customers, all in a throwaway folder.
docs-check: install
	@$(THROWAWAY_EXPORT) && \
	$(BIN)/dbt --quiet docs generate \
		--target ci --target-path "$$tmp/docs" --log-path "$$tmp/logs" && \
	test -s "$$tmp/docs/index.html" && test -s "$$tmp/docs/catalog.json" && \
	echo "dbt docs generate: ok"

# The report test opens the page in headless Chromium: Debian's package (and a Chinese font
# for the group names), installed once, as root; after java (one apt-get at a time).
CHROMIUM_PACKAGES := chromium fonts-wqy-zenhei
chromium: java
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/wqy ]; then \
		sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
			$(CHROMIUM_PACKAGES) >/dev/null; \
	fi

# Spark needs Java 17: Debian's openjdk-17-jre-headless, installed once, as root, when no java
# runs.
java:
	@if ! java -version >/dev/null 2>&1; then \
		sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
			openjdk-17-jre-headless >/dev/null; \
	fi

lint: install-dev
	$(BIN)/python -m tools.generate --check
	BROKER_DUCKDB_PATH=:memory: $(BIN)/sqlfluff lint models
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The files generated from the registries (tools/generate.py: the indicator registry
# src/broker_segments/indicators.yml gives the indicator macros and docs/domain.md's table).
generate: install
	$(BIN)/python -m tools.generate

# Two workers, one a core (a third made make test slower: 26.6 against 25.5 min, 2026-12-07).
PYTEST_WORKERS ?= 2
pytest: install-dev
	$(BIN)/python -u -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=60

# Benchmark at scale: SIZE customers (default 100,000), data and warehouses in data/bench;
# writes the SIZE section of docs/benchmarks.md. The harness is development code in tools/
# (not installed), run from the project root.
SIZE ?= 100000
bench: install
	$(BIN)/python -m tools.bench --size $(SIZE) --seed $(SEED)

clean:
	rm -rf target logs data
