"""The days a build loads into the per-day models, as dbt's microbatch flags.
``python -m broker_segments.load_range [--full] [--target dev|spark] [--daily]`` prints
``--event-time-start D1 --event-time-end D2`` for ``dbt build``: the export's days after the
last one the warehouse holds (every day with ``--full``), with ``--daily`` preceded by
``--selector daily`` where every scheme has a model; ``--spark-steps [--vars YAML]`` prints
the selectors of the spark target's two dbt steps. Why a build passes the range (dbt's
batches otherwise follow the wall clock) and how the selection is chosen: README, "Running
it every day", "Building part of the project" and "Running on Spark".
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import yaml

from broker_segments.project import (
    FIT_MODELS,
    duckdb_path,
    spark_table_folder,
    spark_warehouse,
)
from broker_segments.project import raw_dir as project_raw_dir

# The per-day model whose last day is the warehouse's watermark, and its date column.
WATERMARK_MODEL = "int_daily_balances_validated"
WATERMARK_COLUMN = "balance_date"
# The selector (selectors.yml) of a day's build on a warehouse with a model of every scheme.
DAILY_SELECTOR = "daily"
# The selectors of the spark target's two dbt steps: a build that may fit, and a day's run.
SPARK_STEPS = ("spark_before_fit", "spark_after_fit")
SPARK_DAILY_STEPS = ("spark_daily_before_fit", "spark_daily_after_fit")


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    """The row of a query that returns one (an aggregate)."""
    row = con.execute(sql, params or []).fetchone()
    if row is None:
        raise RuntimeError(f"no row from: {sql}")
    return row


def export_days(raw_dir: Path) -> tuple[date, date] | None:
    """The first and last balance date of the export (every Parquet file below
    daily_balances/, as the raw sources read them), or None without one."""
    pattern = str(raw_dir / "daily_balances" / "**" / "*.[pP][aA][rR][qQ][uU][eE][tT]")
    with duckdb.connect() as con:
        if not one_row(con, "select count(*) from glob(?)", [pattern])[0]:
            return None
        first, last = one_row(
            con,
            f"select min(try_cast({WATERMARK_COLUMN} as date)), "
            f"max(try_cast({WATERMARK_COLUMN} as date)) "
            "from read_parquet(?, union_by_name = true, hive_partitioning = false)",
            [pattern],
        )
    return (first, last) if first is not None else None


def loaded_through_duckdb(warehouse: Path) -> date | None:
    """The last day the DuckDB warehouse's per-day model holds, or None (no model yet)."""
    if str(warehouse) == ":memory:" or not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = one_row(
            con,
            "select count(*) from information_schema.tables where table_name = ?",
            [WATERMARK_MODEL],
        )[0]
        if not found:
            return None
        return one_row(con, f"select max({WATERMARK_COLUMN}) from {WATERMARK_MODEL}")[0]


def fitted_duckdb(warehouse: Path) -> bool:
    """Whether the DuckDB warehouse holds a model of every scheme (a row in each fit table)."""
    if str(warehouse) == ":memory:" or not warehouse.exists():
        return False
    with duckdb.connect(str(warehouse), read_only=True) as con:
        listed = con.execute("select table_name from information_schema.tables").fetchall()
        tables = {row[0] for row in listed}
        return all(
            name in tables and one_row(con, f"select count(*) from {name}")[0] > 0
            for name in FIT_MODELS.values()
        )


def selection_args(warehouse: Path | None = None) -> list[str]:
    """The selection of a day's build on the DuckDB warehouse (by default BROKER_DUCKDB_PATH's):
    the daily selector, or the whole project where a scheme has no model yet (it fits)."""
    return ["--selector", DAILY_SELECTOR] if fitted_duckdb(warehouse or duckdb_path()) else []


def loaded_through_spark(warehouse: Path) -> date | None:
    """The last day the Spark warehouse's per-day model holds: its newest date partition."""
    table = spark_table_folder(warehouse, WATERMARK_MODEL)
    days = [
        date.fromisoformat(folder.name.split("=", 1)[1])
        for folder in table.glob(f"{WATERMARK_COLUMN}=*")
        if folder.is_dir() and folder.name.split("=", 1)[1][:1].isdigit()
    ]
    return max(days, default=None)


def fitted_spark(warehouse: Path) -> bool:
    """Whether the Spark warehouse holds a model of every scheme (rows in the Parquet files of
    each fit table, which the fit command appends to)."""
    with duckdb.connect() as con:
        for name in FIT_MODELS.values():
            files = [str(file) for file in spark_table_folder(warehouse, name).glob("*.parquet")]
            if not files or not one_row(con, "select count(*) from read_parquet(?)", [files])[0]:
                return False
    return True


def refit_asked(dbt_vars: str | None) -> bool:
    """Whether the run's vars (dbt's --vars: a YAML or JSON dict) set segmentation_refit true."""
    # the fit's own reading of the var (imported here: the package loads pandas and sklearn)
    from broker_segments.segmentation.errors import SegmentationConfigError
    from broker_segments.segmentation.warehouse import refit_choice

    values = yaml.safe_load(dbt_vars or "") or {}
    if not isinstance(values, dict):
        raise SystemExit(f"--vars is not a dict of vars: {dbt_vars!r}")
    try:
        return refit_choice(values.get("segmentation_refit")) == "true"
    except SegmentationConfigError as error:
        raise SystemExit(str(error)) from error


def spark_steps(warehouse: Path | None = None, dbt_vars: str | None = None) -> tuple[str, str]:
    """The selectors of the spark target's two dbt steps: the daily ones where no scheme fits
    (a model of every scheme stored, no refit asked), else the ones with the fits' inputs and
    the diagnostics. warehouse: by default BROKER_SPARK_WAREHOUSE's folder."""
    if fitted_spark(warehouse or spark_warehouse()) and not refit_asked(dbt_vars):
        return SPARK_DAILY_STEPS
    return SPARK_STEPS


def load_range(
    days: tuple[date, date], loaded_through: date | None, full: bool = False
) -> tuple[date, date]:
    """[start, end) of the days to load: after the loaded ones (or all, when full or nothing
    is loaded) through the export's last day. The export's days are read from the raw files
    without the exchange's time zone, so they are widened by a day each side (a day without
    rows costs nothing); the loaded day is the warehouse's own."""
    first, last = days
    if full or loaded_through is None:
        start = first - timedelta(days=1)
    else:
        start = loaded_through + timedelta(days=1)
    end = last + timedelta(days=2)
    return min(start, end), end


def event_time_args(start: date, end: date) -> list[str]:
    return ["--event-time-start", start.isoformat(), "--event-time-end", end.isoformat()]


def build_args(
    target: str = "dev",
    full: bool = False,
    raw_dir: Path | None = None,
    warehouse: Path | None = None,
) -> list[str]:
    """The microbatch flags of a build on `target` (a DuckDB target, or spark) of the export
    raw_dir into warehouse (the DuckDB file or the Spark warehouse folder; by default both
    from the environment, as dbt takes them); [] when the export has no balance file."""
    raw_dir = raw_dir or project_raw_dir()
    days = export_days(raw_dir)
    if days is None:
        return []
    if target.startswith("spark"):
        loaded = loaded_through_spark(warehouse or spark_warehouse())
    else:
        loaded = loaded_through_duckdb(warehouse or duckdb_path())
    return event_time_args(*load_range(days, loaded, full))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="dev", help="the dbt target (default: %(default)s)")
    parser.add_argument(
        "--full", action="store_true", help="every day of the export (for --full-refresh)"
    )
    parser.add_argument(
        "--daily",
        action="store_true",
        help="print the selection of the day's build first (--selector daily, or nothing "
        "where a scheme has no model yet); DuckDB targets",
    )
    parser.add_argument(
        "--spark-steps",
        action="store_true",
        help="print the selectors of the spark target's two dbt steps instead (the daily "
        "ones where no scheme fits)",
    )
    parser.add_argument("--vars", help="the run's dbt vars, for --spark-steps (YAML or JSON)")
    args = parser.parse_args(argv)
    if args.spark_steps:
        print(" ".join(spark_steps(dbt_vars=args.vars)))
        return 0
    selection = selection_args() if args.daily else []
    print(" ".join([*selection, *build_args(args.target, args.full)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
