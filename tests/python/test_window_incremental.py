"""The window states (int_customer_balances_window_state, int_customer_trades_window_state)
update a daily build from the days entering and leaving the window, and recompute whenever that
is not valid; either way the indicators equal a --full-refresh build exactly."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest
from conftest import assert_dbt_ok, run_dbt

from broker_segments.datagen import append_days, generate

CUSTOMERS = 1200
SELECT = ["--select", "+customer_indicators"]
STATES = ("int_customer_balances_window_state", "int_customer_trades_window_state")
COMPARED = (
    "customer_indicators",
    "int_customer_balances_aggregated",
    "int_customer_trades_aggregated",
)


def table(path, name: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(f"select * from {name} order by customer_id").df()


def update_modes(path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            name: con.sql(
                f"select distinct update_mode, full_recomputation_reason from {name}"
            ).fetchall()
            for name in STATES
        }


def assert_same_indicators(path, reference) -> None:
    for name in COMPARED:
        pd.testing.assert_frame_equal(table(path, name), table(reference, name), check_exact=True)


def build(root, raw, warehouse, name, dbt_vars=None, full_refresh=False):
    """A build of the indicators; a --full-refresh reference runs without the data tests (the
    incremental builds, the subject, run them)."""
    args = ["build", *SELECT, *(["--full-refresh"] if full_refresh else [])]
    result = run_dbt(args, raw, warehouse, root / name, dbt_vars, data_tests=not full_refresh)
    assert_dbt_ok(result)
    return result


@pytest.fixture(scope="module")
def daily(tmp_path_factory):
    """A first build, two appended days, a daily build; and a --full-refresh copy of it."""
    root = tmp_path_factory.mktemp("window")
    raw, warehouse = root / "raw", root / "warehouse.duckdb"
    generate(raw, customers=CUSTOMERS, seed=5)
    build(root, raw, warehouse, "first")
    first_modes = update_modes(warehouse)
    append_days(raw, 2)
    daily_run = build(root, raw, warehouse, "daily")
    reference = root / "reference.duckdb"
    shutil.copy(warehouse, reference)
    build(root, raw, reference, "reference", full_refresh=True)
    return root, raw, warehouse, reference, first_modes, daily_run


def test_first_build_computes_the_whole_window(daily):
    *_, first_modes, _ = daily
    for name in STATES:
        assert first_modes[name] == [("full", "first build or --full-refresh")]


def test_daily_build_updates_from_the_entering_and_leaving_days(daily):
    _, _, warehouse, _, _, daily_run = daily
    for name in STATES:
        assert update_modes(warehouse)[name] == [("incremental", None)]
        assert f"{name}: incremental update" in daily_run.stdout


def test_daily_build_equals_a_full_refresh(daily):
    _, _, warehouse, reference, *_ = daily
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # the window moved: there were days to add and to drop
        as_of, start = con.sql(
            "select window_as_of_date, window_start_date from int_customer_balances_window_state"
            " limit 1"
        ).fetchall()[0]
        assert con.sql(
            f"select count(*) from int_daily_balances_cleaned where balance_date < '{start}'"
        ).fetchall()[0][0]
    assert_same_indicators(warehouse, reference)


def test_a_changed_window_or_a_backfill_recomputes(daily):
    root, raw, warehouse, reference, *_ = daily
    shorter = {"lookback_days": 200}
    build(root, raw, reference, "reference_200", shorter, full_refresh=True)

    build(root, raw, warehouse, "lookback_200", shorter)
    for name in STATES:
        assert update_modes(warehouse)[name] == [("full", "lookback_days changed")]
    assert_same_indicators(warehouse, reference)

    # a backfill of days of the window (same data, so the same indicators) recomputes too
    with duckdb.connect(str(warehouse), read_only=True) as con:
        start, end = con.sql(
            "select cast(window_start_date + 10 as varchar),"
            " cast(window_start_date + 12 as varchar) from int_indicator_window"
        ).fetchall()[0]
    backfill = ["--event-time-start", start, "--event-time-end", end]
    result = run_dbt(["build", *SELECT, *backfill], raw, warehouse, root / "backfill", shorter)
    assert_dbt_ok(result)
    for name, table_name in zip(
        STATES, ("int_daily_balances_validated", "int_trades_validated"), strict=True
    ):
        assert update_modes(warehouse)[name] == [
            ("full", f"rows of {table_name} dated in the previous window were reloaded")
        ]
    assert_same_indicators(warehouse, reference)
