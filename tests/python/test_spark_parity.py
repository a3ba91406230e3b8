"""The same project on Spark gives the same numbers as on DuckDB, day after day.

One generated export with defects is built on the embedded DuckDB (the ci target) and with
`make build TARGET=spark`'s steps (a local SparkSession, tables as Parquet in a throwaway
warehouse folder, the fit as the package's command between the two dbt steps, the three in
one process so that they share one JVM): first every day but the export's last, as if that
day had not arrived (the per-day models are given the days before it), then a daily run on
both engines loads the last day, from an export that also moves one customer's open date
later (its loaded trades before it are re-judged) and withdraws the one file of a loaded
day's trades (the run starts at that day, which must be left without trades). The
published tables are compared after the daily run: cents exact, doubles to 1e-9, the same
quarantined rows and reconciliation, and the same segment for every customer in both
schemes; the tables that do not depend on when a model was fitted also equal a from-scratch
DuckDB build of the same export; and the daily Spark run wrote only the partitions of the
days it loaded.
(The generator cannot append days to an export with defects: its after_data_end rows are
dated where the new days would land.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT_DIR, assert_dbt_ok, run_dbt

from broker_segments.datagen import generate
from broker_segments.load_range import SPARK_DAILY_STEPS, SPARK_STEPS, build_args, spark_steps

CUSTOMERS = 300
# A year a microbatch: a Spark batch costs ~8 s of fixed work, whatever its rows (the months
# of the default are for memory at 1M customers; the batching itself is the same).
DBT_VARS = {"max_quarantine_share": 0.2, "per_day_batch_size": "year"}
# The per-day tables (Spark: a folder of date partitions each).
PER_DAY = {
    "int_daily_balances_validated": "balance_date",
    "int_trades_validated": "trade_date",
    "int_customer_trade_days": "trade_date",
    "int_raw_day_loads": "event_date",
}
KEYS = {
    "customer_indicators": ["customer_id"],
    "raw_data_reconciliation": ["table_name"],
    "quarantined_rows": ["table_name", "record_key", "quarantine_reason"],
    "customer_segments": ["customer_id", "scheme"],
    "customer_segment_explanations": ["customer_id", "scheme"],
}


# The published tables and what they read: on Spark the parity build runs the steps of
# `make build TARGET=spark` (test_make_build_runs_the_spark_steps_in_order) with the
# after-fit selector narrowed to them, and the models alone (the data tests run on DuckDB).
PUBLISHED = [
    "--select",
    "+customer_segments",
    "+customer_segment_explanations",
    "+customer_segment_explanation_inputs",
    "+quarantined_rows",
    "+raw_data_reconciliation",
]
# The published tables that do not depend on when a model was fitted, and what they read.
SCRATCH = ["--select", "+customer_indicators", "+quarantined_rows", "+raw_data_reconciliation"]
# The step before the fit builds the selector make build chooses (load_range --spark-steps:
# spark_before_fit, or spark_daily_before_fit where no scheme fits); the step after it the
# published tables alone.
AFTER_FIT = "spark_scoring_after_fit"
# The driver JVM's options for a test-sized export (spark-submit reads spark-defaults.conf
# from SPARK_CONF_DIR when it starts the JVM): its queries of a few hundred customers end
# before the optimising JIT compiler's code would pay for its compiling, so C1 alone and the
# serial collector (a third less CPU for the parity build here); Spark's settings, the SQL
# and its code generation stay as make build runs them.
SPARK_TEST_DEFAULTS = "spark.driver.extraJavaOptions -XX:TieredStopAtLevel=1 -XX:+UseSerialGC\n"


@dataclass
class Engines:
    """The warehouses after a first build and a daily build of the export with a day more."""

    duckdb: Path  # the DuckDB warehouse file, built incrementally
    spark: Path  # the Spark schema folder
    scratch: Path  # a DuckDB warehouse built from scratch on the same export
    new_days: list[str]  # the daily run's --event-time-start and --event-time-end
    rewritten: dict[str, set[str]]  # per per-day table, the partitions the daily run wrote
    daily_fit_output: str  # what the fit command of the daily Spark run printed
    moved_customer: str  # whose open date the daily run's export moved later
    withdrawn_day: str  # the loaded day whose one trades file the daily run's export withdrew
    before_fit: tuple[str, str]  # the selector of the step before the fit: first, daily run
    twin_input_files: set[tuple[str, int]]  # the fits' inputs' files after the first build


def spark_build(raw: Path, root: Path, spark_warehouse: Path, days: list[str]) -> tuple[str, str]:
    """The steps of `make build TARGET=spark`, in one process (spark_steps.py: one JVM for
    the three); the selector of the step before the fit and the fit command's output."""
    conf_dir = root / "spark-conf"
    conf_dir.mkdir(exist_ok=True)
    (conf_dir / "spark-defaults.conf").write_text(SPARK_TEST_DEFAULTS)
    env = {
        **os.environ,
        "SPARK_CONF_DIR": str(conf_dir),
        # relative to the working directory, as make's default data/raw is: Spark would
        # resolve a relative table location against the warehouse's schema folder instead
        "BROKER_RAW_DIR": os.path.relpath(raw, PROJECT_DIR),
        "BROKER_SPARK_WAREHOUSE": str(spark_warehouse),
        "BROKER_SPARK_DRIVER_MEMORY": "2g",
        "BROKER_SPARK_SHUFFLE_PARTITIONS": "4",
        "DBT_TARGET_PATH": str(root / "spark-target"),
        "DBT_LOG_PATH": str(root / "spark-logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    before_fit = spark_steps(spark_warehouse, json.dumps(DBT_VARS))[0]
    dbt_args = [
        "--target", "spark", "--exclude-resource-type", "test", "unit_test",
        "--vars", json.dumps(DBT_VARS), *days,
    ]  # fmt: skip
    steps = [
        ["dbt", ["build", "--selector", before_fit, *dbt_args]],
        ["spark_fit", ["--target", "spark"]],
        ["dbt", ["build", "--selector", AFTER_FIT, *dbt_args]],
    ]
    # one process (tests/python/spark_steps.py): the steps share one JVM
    command = [sys.executable, str(Path(__file__).with_name("spark_steps.py")), json.dumps(steps)]
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{steps}\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}"
    fit_output = result.stdout.split("== spark_fit", 1)[1].split("\n== dbt", 1)[0]
    return before_fit, fit_output


def parquet_files(folder: Path) -> set[tuple[str, int]]:
    """A table folder's Parquet files and their modification times."""
    return {(file.name, file.stat().st_mtime_ns) for file in folder.rglob("*.parquet")}


def partition_files(schema: Path) -> dict[str, dict[str, set[tuple[str, int]]]]:
    """Per per-day table, per partition folder: its files and their modification times."""
    return {
        table: {
            folder.name: {(file.name, file.stat().st_mtime_ns) for file in folder.iterdir()}
            for folder in (schema / table).glob(f"{column}=*")
        }
        for table, column in PER_DAY.items()
    }


def duckdb_build(
    raw: Path, warehouse: Path, work_dir: Path, days: list[str], select: list[str] = PUBLISHED
) -> None:
    built = run_dbt(["build", *select, *days], raw, warehouse, work_dir, DBT_VARS, data_tests=False)
    assert_dbt_ok(built)


@pytest.fixture(scope="module")
def engines(tmp_path_factory) -> Engines:
    """A first build on both engines of every day but the export's last, a daily build of
    the last day on both; and a DuckDB build from scratch of the whole export."""
    root = tmp_path_factory.mktemp("parity")
    raw = root / "raw"
    generate(raw, customers=CUSTOMERS, seed=5, defects=True, months=6)
    duckdb_path = root / "duckdb" / "warehouse.duckdb"
    spark_warehouse = root / "spark-warehouse"
    schema = spark_warehouse / "broker_segments.db"
    every_day = build_args("spark", raw_dir=raw, warehouse=spark_warehouse)
    with duckdb.connect() as con:
        last_day = con.execute(
            "select cast(max(try_cast(balance_date as date)) as varchar) from read_parquet(?)",
            [str(raw / "daily_balances" / "**" / "*.parquet")],
        ).fetchone()[0]
    before_last_day = [*every_day[:3], last_day]
    withdrawn_day, withdrawn_file = split_off_a_day(raw, last_day)
    duckdb_build(raw, duckdb_path, root / "duckdb", before_last_day)
    first_before_fit, _ = spark_build(raw, root, spark_warehouse, before_last_day)

    before = partition_files(schema)
    twin_input_files = parquet_files(schema / "int_segment_twin_inputs")
    moved_customer = move_an_open_date_later(raw)
    withdrawn_file.unlink()
    new_days = build_args("spark", raw_dir=raw, warehouse=spark_warehouse)
    assert withdrawn_day < new_days[1] <= last_day < new_days[3], new_days
    # the withdrawn file's day is loaded again: the run starts there (README, "Late files")
    new_days[1] = withdrawn_day
    duckdb_build(raw, duckdb_path, root / "duckdb", new_days)
    daily_before_fit, daily_fit_output = spark_build(raw, root, spark_warehouse, new_days)
    after = partition_files(schema)
    rewritten = {
        table: {
            folder for folder, files in after[table].items() if files != before[table].get(folder)
        }
        for table in PER_DAY
    }
    scratch = root / "scratch" / "warehouse.duckdb"
    # the tables compared with it only (no fit: customer_segments depends on when one ran)
    duckdb_build(raw, scratch, root / "scratch", every_day, SCRATCH)
    return Engines(
        duckdb_path,
        schema,
        scratch,
        new_days,
        rewritten,
        daily_fit_output,
        moved_customer,
        withdrawn_day,
        (first_before_fit, daily_before_fit),
        twin_input_files,
    )


def split_off_a_day(raw: Path, last_day: str) -> tuple[str, Path]:
    """The trades of a day shortly before the export's last, moved to a file of their own
    before the first build: the daily run's export withdraws that file, and a run from that
    day must leave it without trades on both engines (Spark's insert_overwrite alone would
    keep the day's old partition)."""
    files = [str(f) for f in sorted((raw / "trades").glob("*.parquet"))]
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(
            f"create table trades as select *, try_cast(trade_date as date) as day "
            f"from read_parquet({files})"
        )
        day = con.execute(
            f"""select cast(day as varchar) from (select distinct day from trades
            where day < date '{last_day}') order by day desc limit 1 offset 3"""
        ).fetchone()[0]
        kept, withdrawn = raw / "trades" / "kept.parquet", raw / "trades" / "withdrawn.parquet"
        for target, condition in ((kept, "is distinct from"), (withdrawn, "=")):
            con.execute(
                f"copy (select * exclude (day) from trades where day {condition} date '{day}') "
                f"to '{target}' (format parquet)"
            )
    for file in files:
        Path(file).unlink()
    return day, withdrawn


def move_an_open_date_later(raw: Path) -> str:
    """The next export moves one open customer's open date past half of its trades (a
    corrected account record): the daily run must re-judge the trades already loaded."""
    files = [str(f) for f in sorted((raw / "customers").glob("*.parquet"))]
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        customer, new_open = con.execute(
            f"""
            with trades as (
                select customer_id, try_cast(trade_date as date) as trade_date
                from read_parquet('{raw / "trades"}/**/*.parquet')
            ),
            open_customers as (
                select customer_id from read_parquet({files})
                where
                    close_date is null and open_date is not null
                    and channel in ('online', 'branch')
                group by customer_id having count(*) = 1
            )
            select customer_id, quantile_disc(trade_date, 0.5)
            from trades
            where customer_id in (select customer_id from open_customers)
            group by customer_id
            order by count(*) desc, customer_id
            limit 1
            """
        ).fetchone()
        moved = raw / "customers" / "moved.parquet"
        con.execute(
            f"""copy (select * replace (case when customer_id = '{customer}'
                then date '{new_open}' else open_date end as open_date)
            from read_parquet({files})) to '{moved}' (format parquet)"""
        )
    for file in files:
        Path(file).unlink()
    return customer


def test_make_build_runs_the_spark_steps_in_order():
    """`make build TARGET=spark` (here as make prints it, not run): freshness, the two steps'
    selectors chosen from the run's vars (what the parity build's spark_steps call does), then
    the steps the parity build runs, with the full after-fit selection."""
    printed = subprocess.run(
        ["make", "--no-print-directory", "-n", "build", "TARGET=spark", "DBT_VARS={a: 1}"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    steps = [
        line
        for line in printed.splitlines()
        if "dbt " in line or "spark_fit" in line or "--spark-steps" in line
    ]
    expected = [
        "source freshness --target spark",
        "load_range --spark-steps --vars '{a: 1}'",
        "--target spark",
        "broker_segments.spark_fit --target spark",
        "--target spark",
    ]
    assert len(steps) == len(expected), printed
    for line, step in zip(steps, expected, strict=True):
        assert step in line, printed
    assert "--selector $1 " in steps[2] and steps[4].endswith("--selector $2"), printed
    assert all("--vars '{a: 1}'" in line for line in steps if "dbt " in line), printed


def on_duckdb(path: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(f"select * from {table}").df()


def on_spark(folder: Path, table: str) -> pd.DataFrame:
    """A Spark table's Parquet files (and its partition folders), read with DuckDB."""
    files = folder / table
    assert files.is_dir(), f"Spark wrote no table {table} in {folder}"
    with duckdb.connect() as con:
        return con.sql(
            f"select * from read_parquet('{files}/**/*.parquet', hive_partitioning = true)"
        ).df()


def assert_same_table(duck: pd.DataFrame, spark: pd.DataFrame, keys: list[str]) -> None:
    """The same rows and columns: doubles to 1e-9, everything else (decimals, text, dates,
    flags) exactly."""
    assert sorted(spark.columns) == sorted(duck.columns)
    assert len(spark) == len(duck)
    # keys first, then every column: a key a quarantined duplicate shares is not unique
    order = [*keys, *(column for column in duck.columns if column not in keys)]
    duck = duck.sort_values(order, key=as_text, ignore_index=True)
    spark = spark[duck.columns].sort_values(order, key=as_text, ignore_index=True)
    for column in duck.columns:
        left, right = duck[column], spark[column]
        if pd.api.types.is_float_dtype(left) or pd.api.types.is_float_dtype(right):
            assert np.allclose(
                left.astype(float), right.astype(float), rtol=1e-9, atol=1e-9, equal_nan=True
            ), column
        else:
            assert [normal(value) for value in left] == [normal(value) for value in right], column


def as_text(column: pd.Series) -> pd.Series:
    """A column's values as comparable text, for sorting (doubles rounded to the tolerance)."""
    if pd.api.types.is_float_dtype(column):
        return column.round(6).astype(str)
    return column.map(normal).astype(str)


def canonical_json(text: str | None) -> str | None:
    """A JSON object as text with its keys sorted (the engines write them in their order)."""
    return None if text is None else json.dumps(json.loads(text), sort_keys=True)


def normal(value):
    """One form for a value both engines hold: a number as its exact decimal, a date or
    timestamp as its text, a missing value as None."""
    if value is None or (not isinstance(value, (str, list, dict)) and pd.isna(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer, Decimal)):
        return Decimal(int(value)) if not isinstance(value, Decimal) else value.normalize()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def test_the_daily_spark_run_keeps_the_models_without_starting_spark_to_fit(engines):
    assert "nothing to fit (Spark not started)" in engines.daily_fit_output


def test_the_daily_spark_run_leaves_the_fits_inputs_to_the_fit(engines):
    """The first build fits (the fits' inputs built before it); the daily run, where no scheme
    fits, builds the daily selection: without int_segment_twin_inputs."""
    assert engines.before_fit == (SPARK_STEPS[0], SPARK_DAILY_STEPS[0])
    folder = engines.spark / "int_segment_twin_inputs"
    assert folder.is_dir()
    assert engines.twin_input_files
    assert parquet_files(folder) == engines.twin_input_files


@pytest.mark.parametrize("table", ["customer_indicators", "raw_data_reconciliation"])
def test_the_table_is_the_same_on_both_engines(engines, table):
    assert_same_table(on_duckdb(engines.duckdb, table), on_spark(engines.spark, table), KEYS[table])


def test_the_same_rows_are_quarantined_for_the_same_reasons(engines):
    duck, spark_rows = (
        frame.assign(
            # the raw record as JSON text: the same fields and values, in either engine's form
            raw_record=frame["raw_record"].map(canonical_json),
            # the file as the engine names it (a path, or a file: URI)
            source_file=frame["source_file"].map(lambda text: Path(text.split(":", 1)[-1]).name),
        )
        for frame in (
            on_duckdb(engines.duckdb, "quarantined_rows"),
            on_spark(engines.spark, "quarantined_rows"),
        )
    )
    assert len(duck) > 0
    assert_same_table(duck, spark_rows, KEYS["quarantined_rows"])


def test_every_customer_gets_the_same_segment(engines):
    keys = KEYS["customer_segments"]
    columns = [*keys, "segment_code", "assignment_method"]
    duck = on_duckdb(engines.duckdb, "customer_segments")[columns]
    spark_segments = on_spark(engines.spark, "customer_segments")[columns]
    assert set(duck["scheme"]) == {"A", "B"}
    assert_same_table(duck, spark_segments, keys)


def test_every_customer_gets_the_same_explanation(engines):
    """The explanations of both engines' models (fitted apart, on the same data: the model
    ids differ) agree: the same groups named, the margins and paths to 1e-9."""
    keys = KEYS["customer_segment_explanations"]
    duck, spark_rows = (
        frame.drop(columns=["model_id"])
        for frame in (
            on_duckdb(engines.duckdb, "customer_segment_explanations"),
            on_spark(engines.spark, "customer_segment_explanations"),
        )
    )
    assert duck["cheapest_input"].notna().any()
    assert_same_table(duck, spark_rows, keys)


@pytest.mark.parametrize(
    "table", ["customer_indicators", "quarantined_rows", "raw_data_reconciliation"]
)
def test_the_daily_build_equals_a_build_from_scratch(engines, table):
    """The tables that do not depend on when a model was fitted (customer_segments does: the
    scratch build fits its own model) are those of a first build of the same export."""
    assert_same_table(
        on_duckdb(engines.duckdb, table), on_duckdb(engines.scratch, table), KEYS[table]
    )


def test_the_daily_spark_run_wrote_only_the_new_days_partitions(engines):
    """dbt-spark's microbatch overwrites the partitions of the days a batch loads: the daily
    run, given the withdrawn day to the new day, wrote those days' partitions and no other."""
    start, end = engines.new_days[1], engines.new_days[3]
    for table, column in PER_DAY.items():
        days = {folder.split("=", 1)[1] for folder in engines.rewritten[table]}
        assert days, f"{table}: the daily run wrote no partition"
        assert all(start <= day < end for day in days), (table, sorted(days), start, end)
        every_day = list(engines.spark.joinpath(table).glob(f"{column}=*"))
        assert len(every_day) > 10 * len(days), (table, len(every_day))


def test_a_withdrawn_days_trades_leave_both_engines(engines):
    """The daily run's export withdrew the one file of a loaded day's trades, and the run
    started at that day: neither engine keeps a row of it (on Spark no partition of it)."""
    day = engines.withdrawn_day
    for table in ("int_trades_validated", "int_customer_trade_days"):
        rows = on_duckdb(engines.duckdb, table)
        assert len(rows) > 0
        assert not (rows.trade_date.astype(str).str[:10] == day).any(), table
        assert not engines.spark.joinpath(table, f"trade_date={day}").exists(), table
    loads = on_spark(engines.spark, "int_raw_day_loads")
    assert not loads[(loads.table_name == "trades") & (loads.event_date.astype(str) == day)].size


def test_a_later_open_date_re_judges_the_loaded_trades_on_both_engines(engines):
    """The daily run's export moved a customer's open date later: on both engines the trades
    loaded before it are now quarantined as before_open_date (the tables' equality with each
    other and with a from-scratch build is checked above)."""
    for read in (
        lambda t: on_duckdb(engines.duckdb, t),
        lambda t: on_spark(engines.spark, t),
    ):
        quarantined = read("quarantined_rows")
        moved = quarantined[
            (quarantined.table_name == "trades")
            & (quarantined.quarantine_reason == "before_open_date")
            & quarantined.raw_record.str.contains(engines.moved_customer)
        ]
        assert len(moved) > 0
