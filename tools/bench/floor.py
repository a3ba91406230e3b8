"""The floor: every customer indicator in one hand-written DuckDB query over the Parquet files,
and the fitting sample over its table (what the dbt project computes, without dbt).

FLOOR_SQL is the query a data engineer would write for the indicators alone, so it restates
the formulas of docs/domain.md on purpose, in one pass and without the raw layer's checks:
it is the benchmark's yardstick, not an oracle (the models' oracle is
tests/python/test_indicators.py, which a test compares every indicator with). Its business
numbers (window, interest margin rate, the fitting sample's thresholds) are the project's
vars, read from dbt_project.yml."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import PROJECT_DIR
from .monitor import Measured, run_monitored

FLOOR_SQL = """
create or replace table floor_indicators as
with
customers as (
    select customer_id, open_date, close_date
    from read_parquet('{raw}/customers/**/*.parquet')
),
balances as (
    select customer_id, balance_date, cash_balance, market_value
    from read_parquet('{raw}/daily_balances/**/*.parquet')
),
trades as (
    select customer_id, trade_date, product_type, amount, commission
    from read_parquet('{raw}/trades/**/*.parquet')
),
transfers as (
    select customer_id, transfer_date, direction, amount
    from read_parquet('{raw}/fund_transfers/**/*.parquet')
),
w as (
    select max(balance_date) as as_of_date, max(balance_date) - ({lookback_days} - 1) as start_date
    from balances
),
b as (
    select
        customer_id,
        count(*) as open_trading_days,
        sum(cash_balance) as cash_sum,
        sum(market_value) as market_value_sum,
        arg_min(cash_balance + market_value, balance_date) as first_open_day_assets,
        sum(cash_balance + market_value) filter (where balance_date = w.as_of_date) as end_assets
    from balances, w
    where balance_date between w.start_date and w.as_of_date
    group by customer_id
),
t as (
    select
        customer_id,
        max(trade_date) as last_trade_date,
        count(*) filter (where trade_date >= w.start_date) as trade_count,
        sum(amount) filter (where trade_date >= w.start_date) as annual_trade_volume,
        sum(commission) filter (where trade_date >= w.start_date) as annual_commission,
        count(distinct trade_date) filter (where trade_date >= w.start_date)
            as active_trading_days,
        count(distinct date_trunc('month', trade_date)) filter (where trade_date >= w.start_date)
            as active_months,
        count(distinct product_type) filter (where trade_date >= w.start_date)
            as product_breadth
    from trades, w
    where trade_date <= w.as_of_date
    group by customer_id
),
f as (
    select
        customer_id,
        sum(case when direction = 'in' then amount else -amount end) as net_fund_inflow
    from transfers, w
    where transfer_date between w.start_date and w.as_of_date
    group by customer_id
),
joined as (
    select
        c.customer_id,
        w.as_of_date,
        c.open_date,
        c.close_date,
        coalesce(b.open_trading_days, 0) as open_trading_days,
        coalesce(b.cash_sum / b.open_trading_days, 0)::double as avg_daily_cash,
        coalesce(b.market_value_sum / b.open_trading_days, 0)::double as avg_daily_market_value,
        coalesce(b.end_assets, 0) as end_assets,
        coalesce(b.first_open_day_assets, 0) as first_open_day_assets,
        coalesce(t.annual_commission, 0) as annual_commission,
        coalesce(t.annual_trade_volume, 0) as annual_trade_volume,
        coalesce(t.trade_count, 0) as trade_count,
        coalesce(t.active_trading_days, 0) as active_trading_days,
        coalesce(t.active_months, 0) as active_months,
        coalesce(t.product_breadth, 0) as product_breadth,
        coalesce(f.net_fund_inflow, 0) as net_fund_inflow,
        t.last_trade_date
    from customers as c
    cross join w
    left join b on c.customer_id = b.customer_id
    left join t on c.customer_id = t.customer_id
    left join f on c.customer_id = f.customer_id
)
select
    customer_id,
    as_of_date,
    open_date,
    close_date,
    open_trading_days,
    avg_daily_cash,
    avg_daily_market_value,
    avg_daily_cash + avg_daily_market_value as avg_daily_assets,
    end_assets,
    ln(1 + end_assets::double) - ln(1 + first_open_day_assets::double) as asset_growth,
    annual_commission,
    annual_trade_volume,
    trade_count,
    active_trading_days,
    active_months,
    product_breadth,
    net_fund_inflow,
    avg_daily_cash * {interest_margin_rate} as interest_margin_contribution,
    annual_commission::double + avg_daily_cash * {interest_margin_rate} as customer_contribution,
    case when avg_daily_cash + avg_daily_market_value > 0
        then annual_trade_volume::double / (avg_daily_cash + avg_daily_market_value)
    end as annual_turnover,
    greatest(as_of_date - open_date, 0) / 365.25 as account_age_years,
    greatest(as_of_date - coalesce(last_trade_date, open_date), 0) as days_since_last_trade
from joined
"""


def floor_sql(raw: Path) -> str:
    """The floor query over the data set in raw (the clean data: every balance row is an open
    trading day of its account, as the contract's generator writes it), with the vars'
    lookback_days and interest_margin_rate."""
    values = project_vars()
    return FLOOR_SQL.format(
        raw=str(raw).replace("'", "''"),
        lookback_days=int(values["lookback_days"]),
        interest_margin_rate=float(values["interest_margin_rate"]),
    )


# The fitting sample of customer_indicators (is_in_fitting_sample), over the floor's table: open
# on as_of_date, enough history, not an outlier by the paper's rule (thresholds: the vars).
FLOOR_FITTING_SAMPLE_SQL = """
select {columns}
from floor_indicators
where
    not coalesce(close_date <= as_of_date, false)
    and open_trading_days >= {min_open_trading_days}
    and not coalesce(customer_contribution > {outlier_max_customer_contribution}, false)
    and not (
        avg_daily_assets < {outlier_min_avg_daily_assets}
        and annual_trade_volume < {outlier_min_annual_trade_volume}
    )
"""


def project_vars() -> dict[str, Any]:
    import yaml

    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text()).get("vars", {})


def floor_fitting_sample_sql(columns: Sequence[str]) -> str:
    names = ("min_open_trading_days", "outlier_max_customer_contribution",
             "outlier_min_avg_daily_assets", "outlier_min_annual_trade_volume")  # fmt: skip
    values = project_vars()
    return FLOOR_FITTING_SAMPLE_SQL.format(
        columns=", ".join(columns), **{name: float(values[name]) for name in names}
    )


def warehouse_fitting_sample_sql(columns: Sequence[str]) -> str:
    return f"select {', '.join(columns)} from customer_indicators where is_in_fitting_sample"


def run_floor(raw: Path, database: Path, memory_limit: str, threads: int) -> dict[str, float]:
    """Run the floor query into database (replaced); return its wall and CPU seconds."""
    import resource

    import duckdb

    for path in (database, database.with_name(database.name + ".wal")):
        path.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as con:
        con.execute(f"set memory_limit = '{memory_limit}'")
        con.execute(f"set threads = {int(threads)}")
        con.execute("set preserve_insertion_order = false")
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        con.execute(floor_sql(raw))
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"seconds": seconds, "cpu_seconds": cpu}


def measure_floor(
    raw: Path, database: Path, memory_limit: str, threads: int, log_path: Path
) -> Measured:
    """run_floor in its own process (``python -m tools.bench --floor-only``, from the project
    root), under the process monitor; its last line of output is run_floor's seconds."""
    return run_monitored(
        [sys.executable, "-m", "tools.bench", "--floor-only", str(raw), str(database),
         "--memory-limit", memory_limit, "--threads", str(threads)],
        log_path,
        cwd=PROJECT_DIR,
    )  # fmt: skip


def floor_figures(measured: Measured, input_rows: int) -> dict[str, float]:
    """The floor's figures from its process (measure_floor, run successfully): run_floor's
    seconds (the last line of its output), the process's wall seconds and peak RSS, and the
    rows of the files it read."""
    times = json.loads(measured.log_path.read_text().splitlines()[-1])
    return {
        "seconds": float(times["seconds"]),
        "cpu_seconds": float(times["cpu_seconds"]),
        "wall_seconds": measured.wall_seconds,
        "peak_rss_bytes": max(measured.peak_rss_bytes, measured.max_rss_bytes),
        "input_rows": input_rows,
    }
