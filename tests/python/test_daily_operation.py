"""Run it every day: a first build, new days of data, a daily build (score only) and a monthly
build (refit), as an orchestrator runs the project: each with the selection make build and
make refit give it (broker_segments.load_range)."""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
import pytest
from conftest import assert_dbt_ok, run_dbt

from broker_segments.datagen import append_days, generate
from broker_segments.load_range import (
    SPARK_DAILY_STEPS,
    SPARK_STEPS,
    build_args,
    selection_args,
    spark_steps,
)
from broker_segments.project import FIT_MODELS, spark_table_folder

CUSTOMERS = 1200


def write_fit_table(warehouse, name, rows: int) -> None:
    """A fit table of the spark target: a Parquet file of `rows` rows in its folder."""
    folder = spark_table_folder(warehouse, name)
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(
            f"copy (select 'm' as model_id from range({rows})) to '{folder}/part-0.parquet'"
        )


def test_a_spark_day_builds_the_daily_steps_only_where_no_scheme_fits(tmp_path):
    """make build TARGET=spark chooses its two steps' selectors before the first: the daily
    ones on a warehouse with a model of every scheme, unless the vars ask for a refit."""
    warehouse = tmp_path / "spark-warehouse"
    assert spark_steps(warehouse) == SPARK_STEPS  # nothing built yet
    scheme_a, scheme_b = FIT_MODELS.values()
    write_fit_table(warehouse, scheme_a, 3)
    write_fit_table(warehouse, scheme_b, 0)
    assert spark_steps(warehouse) == SPARK_STEPS  # scheme B has no model: it fits
    write_fit_table(warehouse, scheme_b, 2)
    assert spark_steps(warehouse) == SPARK_DAILY_STEPS
    assert spark_steps(warehouse, "{segmentation_refit: auto, as_of_date: 2025-06-30}") == (
        SPARK_DAILY_STEPS
    )
    for refit in ("{segmentation_refit: true}", '{"segmentation_refit": "true"}'):
        assert spark_steps(warehouse, refit) == SPARK_STEPS
    with pytest.raises(SystemExit, match="not a dict of vars"):
        spark_steps(warehouse, "[segmentation_refit]")
    with pytest.raises(SystemExit, match="segmentation_refit is 'sometimes'"):
        spark_steps(warehouse, "{segmentation_refit: sometimes}")


def query(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).fetchall()


def invocation_id(work_dir) -> str:
    return json.loads((work_dir / "target" / "run_results.json").read_text())["metadata"][
        "invocation_id"
    ]


def compiled_tests(work_dir) -> dict[str, str]:
    """The SQL of each data test a dbt command in work_dir ran, by test name."""
    results = json.loads((work_dir / "target" / "run_results.json").read_text())["results"]
    return {
        result["unique_id"].split(".")[2]: result["compiled_code"]
        for result in results
        if result["unique_id"].startswith("test.")
    }


def built_nodes(work_dir) -> set[str]:
    """The names of the models and data tests a dbt command in work_dir ran."""
    results = json.loads((work_dir / "target" / "run_results.json").read_text())["results"]
    return {result["unique_id"].split(".")[2] for result in results}


def appended_rows(raw_dir, table: str) -> int:
    files = sorted((raw_dir / table).glob("append-*.parquet"))
    return duckdb.sql(f"select count(*) from read_parquet({[str(f) for f in files]})").fetchall()[
        0
    ][0]


@pytest.fixture(scope="module")
def operation(tmp_path_factory):
    """Three builds on one warehouse: first, daily (2 new days), monthly refit (3 more days)."""
    root = tmp_path_factory.mktemp("daily")
    raw, warehouse = root / "raw", root / "warehouse.duckdb"
    generate(raw, customers=CUSTOMERS, seed=21)
    runs = {}

    # the daily and monthly builds are the subject, with their data tests; the first sets up
    # (a warehouse without a model builds the whole project: it fits)
    runs["first_selection"] = selection_args(warehouse)
    first = run_dbt(["build"], raw, warehouse, root / "first", data_tests=False)
    assert_dbt_ok(first)
    runs["first"] = query(warehouse, "select max(as_of_date) from segment_runs")[0][0]

    append_days(raw, 2)
    runs["daily_selection"] = selection_args(warehouse)
    runs["daily_days"] = build_args(raw_dir=raw, warehouse=warehouse)  # as run_dbt passes them
    daily = run_dbt(["build", *runs["daily_selection"]], raw, warehouse, root / "daily")
    assert_dbt_ok(daily)
    runs["daily"] = query(warehouse, "select max(as_of_date) from segment_runs")[0][0]
    runs["daily_invocation"] = invocation_id(root / "daily")
    runs["daily_nodes"] = built_nodes(root / "daily")
    runs["daily_tests"] = compiled_tests(root / "daily")
    runs["daily_new_balances"] = appended_rows(raw, "daily_balances")
    runs["daily_new_trades"] = appended_rows(raw, "trades")
    runs["daily_segments"] = dict(
        ((c, s), g)
        for c, s, g in query(
            warehouse, "select customer_id, scheme, segment_code from customer_segments"
        )
    )

    append_days(raw, 3)
    monthly = run_dbt(
        ["build", "--selector", "monthly_refit"],
        raw,
        warehouse,
        root / "monthly",
        {"segmentation_refit": True},
    )
    assert_dbt_ok(monthly)
    runs["monthly"] = query(warehouse, "select max(as_of_date) from segment_runs")[0][0]
    return warehouse, runs


def test_daily_build_reads_only_the_new_days(operation):
    warehouse, runs = operation
    loaded = query(
        warehouse,
        f"""
        select
            (select count(*) from int_daily_balances_validated
             where loaded_by_invocation_id = '{runs["daily_invocation"]}'),
            (select count(*) from int_trades_validated
             where loaded_by_invocation_id = '{runs["daily_invocation"]}')
        """,
    )[0]
    assert loaded == (runs["daily_new_balances"], runs["daily_new_trades"])
    assert runs["daily_new_balances"] > 0


def test_a_daily_build_leaves_what_only_a_fit_changes_to_the_fit(operation):
    _, runs = operation
    assert runs["first_selection"] == []
    assert runs["daily_selection"] == ["--selector", "daily"]
    daily = runs["daily_nodes"]
    # scored, published and monitored every day
    assert {"customer_segments", "segment_runs", "segment_drift", "customer_points"} <= daily
    # the fit's inputs and its diagnostics (but the model runs drift reads) wait for a fit
    assert not {"int_segment_twin_inputs", "segment_kmo", "segment_anova"} & daily
    assert "segment_model_runs" in daily


def test_a_daily_build_tests_the_month_rollups_batches_it_wrote(operation):
    """A month rollup's uniqueness test reads the months from the daily run's first batch on
    (where: rows_of_run_batches), not every month of the history."""
    _, runs = operation
    start = runs["daily_days"][runs["daily_days"].index("--event-time-start") + 1]
    month = f"cast(date_trunc('month', cast('{start}' as date)) as date)"
    for model, column in [
        ("int_customer_balance_months", "balance_month"),
        ("int_customer_trade_months", "trade_month"),
    ]:
        name = next(
            n for n in runs["daily_tests"] if n.startswith(f"unique_combination_of_columns_{model}")
        )
        assert f"{column} >= {month}" in runs["daily_tests"][name], runs["daily_tests"][name]


def test_daily_build_scores_with_the_first_model_and_monthly_refits(operation):
    warehouse, runs = operation
    assert runs["first"] < runs["daily"] < runs["monthly"]
    models = query(
        warehouse,
        "select as_of_date, scheme, model_as_of_date from segment_runs order by all",
    )
    # The daily run did not fit: it scored with the model fitted at the first as-of date.
    assert (runs["daily"], "A", runs["first"]) in models
    assert (runs["daily"], "B", runs["first"]) in models
    # The monthly run refitted both schemes at its own as-of date.
    assert (runs["monthly"], "A", runs["monthly"]) in models
    assert (runs["monthly"], "B", runs["monthly"]) in models
    fitted = query(
        warehouse, "select scheme, count(*) from segment_model_runs group by 1 order by 1"
    )
    assert fitted == [("A", 2), ("B", 2)]


def test_codes_stay_stable_across_the_refit(operation):
    warehouse, runs = operation
    now = dict(
        ((c, s), g)
        for c, s, g in query(
            warehouse, "select customer_id, scheme, segment_code from customer_segments"
        )
    )
    for scheme in ("A", "B"):
        before = {k: v for k, v in runs["daily_segments"].items() if k[1] == scheme}
        same = sum(now.get(key) == code for key, code in before.items()) / len(before)
        print(f"scheme {scheme}: {same:.3f} of customers keep their group across the refit")
        assert same > 0.85


def test_history_and_migrations(operation):
    warehouse, runs = operation
    customers = query(warehouse, "select count(*) from customer_indicators")[0][0]
    # previous_segment_code is the group at the daily as-of date.
    mismatched = query(
        warehouse,
        f"""
        select count(*) from customer_segments as s
        inner join int_segment_history as h
            on s.customer_id = h.customer_id and s.scheme = h.scheme
            and h.valid_from_as_of_date <= '{runs["daily"]}'
            and (h.valid_to_as_of_date is null or h.valid_to_as_of_date > '{runs["daily"]}')
        where s.previous_segment_code is distinct from h.segment_code
        """,
    )[0][0]
    assert mismatched == 0
    assert (
        query(
            warehouse, "select count(*) from customer_segments where previous_segment_code is null"
        )[0][0]
        == 0
    )
    migrations = query(
        warehouse,
        "select scheme, from_as_of_date, to_as_of_date, sum(customers), "
        "sum(customers) filter (where from_segment_code = to_segment_code) "
        "from segment_migrations group by all order by 1",
    )
    assert [m[:3] for m in migrations] == [
        ("A", runs["daily"], runs["monthly"]),
        ("B", runs["daily"], runs["monthly"]),
    ]
    # Who stayed is who has the same group at both as-of dates, counted directly.
    stayed_directly = dict(
        query(
            warehouse,
            "select scheme, count(*) filter (where previous_segment_code = segment_code) "
            "from customer_segments group by all",
        )
    )
    for scheme, _, _, total, stayed in migrations:
        assert total == customers
        assert stayed == stayed_directly[scheme]
    # The refit moves some of scheme A's customers (about 9% on this data): the migrations are
    # not a copy of one date's groups.
    assert migrations[0][4] < migrations[0][3]


def records(path) -> dict:
    """The segment records a --full-refresh must keep, and the groups they give."""
    return {
        "models": query(path, "select model_id from segment_model_runs order by 1"),
        "artifact_rows": query(path, "select count(*) from segment_model_artifacts"),
        "runs": query(
            path, "select * exclude (built_at, invocation_id) from segment_runs order by all"
        ),
        "history": query(
            path,
            "select customer_id, scheme, as_of_date, segment_code, dbt_valid_to is null "
            "from customer_segments_snapshot order by all",
        ),
        "groups": query(
            path, "select customer_id, scheme, segment_code from customer_segments order by all"
        ),
    }


# The window indicators and the month rollups they sum W's whole months from
# (int_customer_*_aggregated, int_customer_*_months): a run rebuilds the months of its days.
WINDOW_TABLES = (
    "customer_indicators",
    "int_customer_balances_aggregated",
    "int_customer_trades_aggregated",
    "int_customer_balance_months",
    "int_customer_trade_months",
)


def window_tables(path) -> dict:
    return {name: query(path, f"select * from {name} order by all") for name in WINDOW_TABLES}


def test_full_refresh_keeps_the_segment_records_and_the_reset_drops_them(operation, tmp_path):
    warehouse, runs = operation
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    raw = warehouse.parent / "raw"
    before = records(copy)
    assert len(before["models"]) == 4 and len({r[0] for r in before["runs"]}) == 3
    # what the daily runs built (the new days opened a month) ...
    incremental = window_tables(copy)
    as_of, start = query(copy, "select as_of_date, window_start_date from int_indicator_window")[0]
    assert as_of.month != runs["first"].month
    # ... and a backfill of two days inside W (the same data: the same rows)
    backfill_days = ["--event-time-start", str(start + timedelta(days=40))]
    backfill_days += ["--event-time-end", str(start + timedelta(days=42))]
    backfill = run_dbt(
        ["build", "--select", "+customer_indicators", *backfill_days],
        raw,
        copy,
        tmp_path / "backfill",
        data_tests=False,
    )
    assert_dbt_ok(backfill)
    assert window_tables(copy) == incremental

    refreshed = run_dbt(
        ["build", "--full-refresh"], raw, copy, tmp_path / "refresh", data_tests=False
    )
    assert_dbt_ok(refreshed)
    assert records(copy) == before
    # the window indicators keep no state: the daily runs and the backfill equal a full refresh
    assert window_tables(copy) == incremental

    # Without confirm the reset only lists what it would drop.
    listed = run_dbt(["run-operation", "reset_segment_records"], raw, copy, tmp_path / "list")
    assert_dbt_ok(listed)
    assert "would be dropped" in listed.stdout and "segment_model_artifacts" in listed.stdout
    assert records(copy) == before

    reset = run_dbt(
        ["run-operation", "reset_segment_records", "--args", "{confirm: true}"],
        raw,
        copy,
        tmp_path / "reset",
    )
    assert_dbt_ok(reset)
    with duckdb.connect(str(copy), read_only=True) as con:
        tables = {
            row[0] for row in con.sql("select table_name from information_schema.tables").fetchall()
        }
    dropped = {
        "segmentation_fit_scheme_a",
        "segmentation_fit_scheme_b",
        "segment_model_artifacts",
        "segment_runs",
        "customer_segments_snapshot",
    }
    assert not dropped & tables
    assert "customer_indicators" in tables
