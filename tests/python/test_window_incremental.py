"""The window aggregates (int_customer_balances_aggregated, int_customer_trades_aggregated) sum
W's whole months from the month rollups, which a daily build rebuilds only for its days'
months, and read W's first and last month day by day: after a daily build that crosses a month
end, a changed window and a backfill of days inside W, the indicators and the rollups equal a
--full-refresh build exactly."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest
from conftest import assert_dbt_ok, run_dbt

from broker_segments.datagen import append_days, generate

CUSTOMERS = 1200
SELECT = ["--select", "+customer_indicators"]
ROLLUPS = ("int_customer_balance_months", "int_customer_trade_months")
COMPARED = (
    "customer_indicators",
    "int_customer_balances_aggregated",
    "int_customer_trades_aggregated",
    *ROLLUPS,
)


def table(path, name: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(f"select * from {name} order by all").df()


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
    """A first build, two appended days (the export ends on a month's last day: they open a
    month), a daily build; and a --full-refresh copy of it."""
    root = tmp_path_factory.mktemp("window")
    raw, warehouse = root / "raw", root / "warehouse.duckdb"
    generate(raw, customers=CUSTOMERS, seed=5)
    build(root, raw, warehouse, "first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        first_as_of = con.execute("select as_of_date from int_indicator_window").fetchone()[0]
    append_days(raw, 2)
    build(root, raw, warehouse, "daily")
    reference = root / "reference.duckdb"
    shutil.copy(warehouse, reference)
    build(root, raw, reference, "reference", full_refresh=True)
    return root, raw, warehouse, reference, first_as_of


def test_daily_build_equals_a_full_refresh(daily):
    _, _, warehouse, reference, first_as_of = daily
    with duckdb.connect(str(warehouse), read_only=True) as con:
        as_of, start = con.execute(
            "select as_of_date, window_start_date from int_indicator_window"
        ).fetchone()
        # the window moved into a new month, and W has whole months between its first and last
        assert (as_of.year, as_of.month) != (first_as_of.year, first_as_of.month)
        assert con.execute(
            "select count(*) from int_customer_balance_months where balance_month > ?"
            " and balance_month < date_trunc('month', ?)",
            [start, as_of],
        ).fetchone()[0]
    assert_same_indicators(warehouse, reference)


def test_a_changed_window_or_a_backfill_equals_a_full_refresh(daily):
    root, raw, warehouse, reference, *_ = daily
    shorter = {"lookback_days": 200}
    build(root, raw, reference, "reference_200", shorter, full_refresh=True)

    build(root, raw, warehouse, "lookback_200", shorter)
    assert_same_indicators(warehouse, reference)

    # a backfill of days inside W (the same data: the same indicators and month rows)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        start, end = con.sql(
            "select cast(window_start_date + 40 as varchar),"
            " cast(window_start_date + 42 as varchar) from int_indicator_window"
        ).fetchall()[0]
    backfill = ["--event-time-start", start, "--event-time-end", end]
    result = run_dbt(["build", *SELECT, *backfill], raw, warehouse, root / "backfill", shorter)
    assert_dbt_ok(result)
    assert_same_indicators(warehouse, reference)
