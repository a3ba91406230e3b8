"""customer_indicators, recomputed independently in pandas from the generated Parquet files.

dbt builds the mart from the raw files; this test recomputes every indicator of
docs/domain.md from the same files (never from a dbt model) and compares them for every
customer: counts, dates, flags and cent amounts exactly, doubles to 1e-9 relative. Clean
generated data keeps the raw data contract, so no quarantine rule needs repeating here.
The recomputation takes another route than the SQL on purpose: open trading days by binary
search in the calendar instead of a customer x day join, money as integer cents.

This is the oracle of the indicator formulas. They are written three more times, each for a
reason of its own: the models (what the project computes), the benchmark's floor query
(tools/bench/floor.py: the one query a data engineer would write, the yardstick of the
build's cost) and the generator's profile check (test_datagen.py: rough inputs, without dbt).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import INDICATORS, PROJECT_VARS, Build, assert_dbt_ok, run_dbt

VARS = PROJECT_VARS

MONEY_COLUMNS = ["end_assets", "annual_commission", "annual_trade_volume", "net_fund_inflow"]
COUNT_COLUMNS = [
    "open_trading_days",
    "trade_count",
    "active_trading_days",
    "active_months",
    "product_breadth",
    "days_since_last_trade",
]
DOUBLE_COLUMNS = [
    "avg_daily_cash",
    "avg_daily_market_value",
    "avg_daily_assets",
    "asset_growth",
    "interest_margin_contribution",
    "customer_contribution",
    "annual_turnover",
    "account_age_years",
]
FLAG_COLUMNS = [
    "is_closed",
    "is_opened_after_as_of_date",
    "has_short_history",
    "is_outlier",
    "is_in_fitting_sample",
]
DATE_COLUMNS = ["as_of_date", "window_start_date", "open_date", "close_date"]


# ---------------------------------------------------------------- reading the raw export


def read_raw(raw_dir: Path, table: str) -> pd.DataFrame:
    """All Parquet files of one table folder, money columns as exact integer cents."""
    files = sorted((raw_dir / table).glob("*.parquet"))
    assert files, f"no Parquet file in {raw_dir / table}"
    arrow = pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")
    frame = pd.DataFrame({"_row": np.arange(arrow.num_rows)})
    for name in arrow.column_names:
        column = arrow.column(name)
        if pa.types.is_decimal(column.type):
            frame[name] = [int(value.scaleb(2)) for value in column.to_pylist()]
        elif pa.types.is_floating(column.type):
            frame[name] = np.rint(column.to_numpy() * 100).astype(np.int64)
        elif pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
            frame[name] = pd.to_datetime(column.to_pandas(date_as_object=False)).dt.normalize()
        else:
            frame[name] = column.to_pandas()
    return frame.drop(columns="_row")


# ---------------------------------------------------------------- the independent recomputation


def recompute_indicators(
    raw_dir: Path, as_of_date: str | None = None, lookback_days: int | None = None
) -> pd.DataFrame:
    """Every indicator of docs/domain.md per customer, from the raw files, in pandas."""
    lookback_days = VARS["lookback_days"] if lookback_days is None else lookback_days
    customers = read_raw(raw_dir, "customers").set_index("customer_id").sort_index()
    balances = read_raw(raw_dir, "daily_balances")
    trades = read_raw(raw_dir, "trades")
    transfers = read_raw(raw_dir, "fund_transfers")

    as_of = balances["balance_date"].max() if as_of_date is None else pd.Timestamp(as_of_date)
    window_start = as_of - timedelta(days=lookback_days - 1)
    in_window = balances["balance_date"].between(window_start, as_of)
    calendar = np.sort(balances.loc[in_window, "balance_date"].unique())

    open_date = customers["open_date"]
    close_date = customers["close_date"]
    last_open_day = close_date.fillna(as_of).clip(upper=as_of)
    first_index = np.searchsorted(calendar, open_date.clip(lower=window_start).to_numpy(), "left")
    end_index = np.searchsorted(calendar, last_open_day.to_numpy(), "right")
    open_days = pd.Series(np.clip(end_index - first_index, 0, None), index=customers.index)

    # Balance sums over the open trading days of the window (a missing row adds nothing).
    dated = balances.join(customers[["open_date", "close_date"]], on="customer_id")
    counted = dated[
        dated["balance_date"].isin(calendar)
        & (dated["open_date"] <= dated["balance_date"])
        & (dated["close_date"].isna() | (dated["balance_date"] <= dated["close_date"]))
    ]
    sums = counted.groupby("customer_id")[["cash_balance", "market_value"]].sum()
    sums = sums.reindex(customers.index, fill_value=0)
    assets = (balances["cash_balance"] + balances["market_value"]).to_numpy()
    keys = zip(balances["customer_id"], balances["balance_date"], strict=True)
    assets_on = dict(zip(keys, assets, strict=True))

    first_day = [
        calendar[i] if n > 0 else None for i, n in zip(first_index, open_days, strict=True)
    ]
    first_assets_cents = np.array(
        [
            assets_on.get((customer, pd.Timestamp(day)), 0) if day is not None else 0
            for customer, day in zip(customers.index, first_day, strict=True)
        ],
        dtype=np.int64,
    )
    last_day = pd.Timestamp(calendar[-1])
    open_on_last_day = (open_date <= last_day) & (close_date.isna() | (close_date >= last_day))
    end_assets_cents = np.array(
        [
            assets_on.get((customer, last_day), 0) if is_open else 0
            for customer, is_open in zip(customers.index, open_on_last_day, strict=True)
        ],
        dtype=np.int64,
    )

    # Trades: anything after as_of_date is ignored; the last trade counts over all history.
    traded = trades[trades["trade_date"] <= as_of]
    last_trade = traded.groupby("customer_id")["trade_date"].max().reindex(customers.index)
    window_trades = traded[traded["trade_date"] >= window_start].assign(
        trade_month=lambda frame: frame["trade_date"].dt.to_period("M")
    )
    trade_totals = (
        window_trades.groupby("customer_id")
        .agg(
            trade_count=("trade_id", "size"),
            annual_trade_volume=("amount", "sum"),
            annual_commission=("commission", "sum"),
            active_trading_days=("trade_date", "nunique"),
            active_months=("trade_month", "nunique"),
            product_breadth=("product_type", "nunique"),
        )
        .reindex(customers.index, fill_value=0)
    )

    window_transfers = transfers[transfers["transfer_date"].between(window_start, as_of)]
    signed = np.where(
        window_transfers["direction"] == "in",
        window_transfers["amount"],
        -window_transfers["amount"],
    )
    net_inflow = (
        pd.Series(signed, index=window_transfers["customer_id"])
        .groupby(level=0)
        .sum()
        .reindex(customers.index, fill_value=0)
    )

    has_days = open_days > 0
    avg_cash = np.where(has_days, sums["cash_balance"] / 100 / open_days.clip(lower=1), 0.0)
    avg_market_value = np.where(has_days, sums["market_value"] / 100 / open_days.clip(lower=1), 0.0)
    avg_assets = avg_cash + avg_market_value
    interest_margin = avg_cash * VARS["interest_margin_rate"]
    contribution = trade_totals["annual_commission"] / 100 + interest_margin
    with np.errstate(divide="ignore", invalid="ignore"):
        turnover = np.where(
            avg_assets > 0, trade_totals["annual_trade_volume"] / 100 / avg_assets, np.nan
        )
    age_days = (as_of - open_date).dt.days.clip(lower=0)
    recency_days = (as_of - last_trade.fillna(open_date)).dt.days.clip(lower=0)

    expected = pd.DataFrame(
        {
            "as_of_date": as_of,
            "window_start_date": window_start,
            "open_date": open_date,
            "close_date": close_date,
            "open_trading_days": open_days,
            "avg_daily_cash": avg_cash,
            "avg_daily_market_value": avg_market_value,
            "avg_daily_assets": avg_assets,
            "end_assets": end_assets_cents,
            "asset_growth": np.log1p(end_assets_cents / 100) - np.log1p(first_assets_cents / 100),
            "annual_commission": trade_totals["annual_commission"],
            "annual_trade_volume": trade_totals["annual_trade_volume"],
            "trade_count": trade_totals["trade_count"],
            "active_trading_days": trade_totals["active_trading_days"],
            "active_months": trade_totals["active_months"],
            "product_breadth": trade_totals["product_breadth"],
            "net_fund_inflow": net_inflow,
            "interest_margin_contribution": interest_margin,
            "customer_contribution": contribution,
            "annual_turnover": turnover,
            "account_age_years": age_days / 365.25,
            "days_since_last_trade": recency_days,
            "is_closed": close_date.notna() & (close_date <= as_of),
            "is_opened_after_as_of_date": open_date > as_of,
            "has_short_history": open_days < VARS["min_open_trading_days"],
            "is_outlier": (
                (avg_assets < VARS["outlier_min_avg_daily_assets"])
                # annual_trade_volume is in cents here
                & (
                    trade_totals["annual_trade_volume"]
                    < VARS["outlier_min_annual_trade_volume"] * 100
                )
            )
            | (contribution > VARS["outlier_max_customer_contribution"]),
        },
        index=customers.index,
    )
    expected["is_in_fitting_sample"] = ~(
        expected["is_closed"] | expected["has_short_history"] | expected["is_outlier"]
    )
    return expected


def read_mart(build: Build) -> pd.DataFrame:
    """The mart as built by dbt, money as exact integer cents."""
    cents = ", ".join(f"cast({name} * 100 as bigint) as {name}" for name in MONEY_COLUMNS)
    mart = build.query(
        f"select * replace ({cents}) from customer_indicators order by customer_id"
    ).set_index("customer_id")
    for name in DATE_COLUMNS:
        mart[name] = pd.to_datetime(mart[name])
    return mart


def assert_mart_matches(mart: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert mart.index.is_unique
    assert list(mart.index) == list(expected.index), "not one row per customer"
    for name in DATE_COLUMNS:
        pd.testing.assert_series_equal(
            mart[name].astype("datetime64[ns]"),
            expected[name].astype("datetime64[ns]"),
            check_names=False,
            obj=name,
        )
    for name in MONEY_COLUMNS + COUNT_COLUMNS:
        mismatched = mart.index[mart[name].to_numpy() != expected[name].to_numpy()]
        assert mismatched.empty, f"{name} differs for {list(mismatched[:5])}"
    for name in FLAG_COLUMNS:
        mismatched = mart.index[mart[name].to_numpy() != expected[name].to_numpy()]
        assert mismatched.empty, f"{name} differs for {list(mismatched[:5])}"
    for name in DOUBLE_COLUMNS:
        np.testing.assert_allclose(
            mart[name].to_numpy(dtype=float),
            expected[name].to_numpy(dtype=float),
            rtol=1e-9,
            atol=1e-12,
            equal_nan=True,
            err_msg=name,
        )


# ---------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def shifted_window_build(clean_build, tmp_path_factory) -> tuple[Build, str, int]:
    """The clean data built again with as_of_date 100 days before the data's last day (not
    necessarily a trading day) and a 90-day window: late openers are then opened after
    as_of_date, and data after as_of_date must be ignored."""
    last_day = clean_build.query("select max(balance_date) as d from int_daily_balances_cleaned")
    as_of_date = (pd.Timestamp(last_day["d"].iloc[0]) - timedelta(days=100)).strftime("%Y-%m-%d")
    lookback_days = 90
    work_dir = tmp_path_factory.mktemp("shifted_window")
    duckdb_path = work_dir / "warehouse.duckdb"
    result = run_dbt(
        ["build", "--select", "+customer_indicators", "--indirect-selection", "cautious"],
        clean_build.raw_dir,
        duckdb_path,
        work_dir,
        {"as_of_date": as_of_date, "lookback_days": lookback_days},
    )
    assert_dbt_ok(result)
    return Build(clean_build.raw_dir, duckdb_path, work_dir, result), as_of_date, lookback_days


def test_mart_has_every_indicator_of_the_domain(clean_build):
    columns = set(read_mart(clean_build).columns)
    assert set(INDICATORS) <= columns
    assert set(MONEY_COLUMNS + COUNT_COLUMNS + DOUBLE_COLUMNS) == set(INDICATORS)


def test_indicators_match_independent_recomputation(clean_build):
    expected = recompute_indicators(clean_build.raw_dir)
    assert_mart_matches(read_mart(clean_build), expected)


def test_generated_data_reaches_the_edge_cases(clean_build):
    """The comparison above means something only if the data holds the edge cases."""
    expected = recompute_indicators(clean_build.raw_dir)
    window_start, as_of = expected["window_start_date"].iloc[0], expected["as_of_date"].iloc[0]
    opened_in_window = expected["open_date"] > window_start
    closed_in_window = expected["close_date"].between(window_start, as_of)
    assert opened_in_window.sum() > 0
    assert closed_in_window.sum() > 0
    assert (expected.loc[closed_in_window, "end_assets"] == 0).all()
    assert ((expected["trade_count"] == 0) & (expected["days_since_last_trade"] > 0)).sum() > 0
    assert expected["annual_turnover"].isna().sum() > 0
    assert expected["is_outlier"].sum() > 0
    assert expected["is_in_fitting_sample"].sum() > len(expected) / 2


def test_indicators_match_with_another_as_of_date_and_window(shifted_window_build):
    build, as_of_date, lookback_days = shifted_window_build
    expected = recompute_indicators(build.raw_dir, as_of_date, lookback_days)
    assert (expected["as_of_date"] == pd.Timestamp(as_of_date)).all()
    assert expected["is_opened_after_as_of_date"].sum() > 0
    assert_mart_matches(read_mart(build), expected)
