"""The demo data generator: the raw data contract's layout and types, determinism, realistic
clean data with six recoverable profiles, and bad rows whose expected quarantine the summary
states correctly (recounted here independently of the generator's own bookkeeping)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import PROJECT_VARS

from broker_segments import datagen
from broker_segments.datagen import (
    EXACT_DUPLICATE,
    PROFILES,
    QUARANTINE_REASONS,
    SCHEMAS,
    TABLES,
    generate,
    main,
    trading_days,
)

pytestmark = pytest.mark.fast

END = date(2025, 12, 31)
CLEAN_CUSTOMERS = 2000


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict:
    """Three chunks of clean data."""
    return generate(tmp_path_factory.mktemp("clean"), CLEAN_CUSTOMERS, seed=5, chunk_size=800)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> dict:
    return generate(tmp_path_factory.mktemp("dirty"), 1500, seed=11, defects=True, chunk_size=600)


@pytest.fixture(scope="module")
def con(clean) -> duckdb.DuckDBPyConnection:
    """Views over the clean data set, plus its trading-day calendar."""
    connection = duckdb.connect()
    _views(connection, Path(clean["out_dir"]))
    first = date.fromisoformat(clean["first_trading_day"])
    days = trading_days(first, END).astype("datetime64[D]")
    connection.execute("create table calendar as select unnest($1::date[]) as d", [list(days)])
    yield connection
    connection.close()


def _views(connection: duckdb.DuckDBPyConnection, out: Path) -> None:
    for table in TABLES:
        files = f"{out / table}/*.parquet"
        connection.execute(
            f"create or replace view {table} as select * from read_parquet('{files}')"
        )
    connection.execute(
        "create or replace view profiles as select * from "
        f"read_parquet('{out / '_generator' / 'planted_profiles.parquet'}')"
    )


def _scalar(connection: duckdb.DuckDBPyConnection, sql: str):
    return connection.execute(sql).fetchone()[0]


# ---------------------------------------------------------------------------------------------
# Layout, types, determinism


def test_layout_one_part_file_per_chunk_and_generator_files_beside(clean):
    out = Path(clean["out_dir"])
    assert clean["chunks"] == 3
    for table in TABLES:
        names = sorted(p.name for p in (out / table).iterdir())
        assert names == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert sorted(p.name for p in (out / "_generator").iterdir()) == [
        "defects.parquet",
        "planted_profiles.parquet",
        "summary.json",
    ]
    assert pq.read_table(out / "_generator" / "defects.parquet").num_rows == 0
    assert json.loads((out / "_generator" / "summary.json").read_text()) == {
        k: v for k, v in clean.items() if k not in ("out_dir", "paths")
    }


def test_every_file_has_exactly_the_contract_types(clean, dirty):
    for out in (Path(clean["out_dir"]), Path(dirty["out_dir"])):
        for table in TABLES:
            files = sorted((out / table).glob("*.parquet"))
            assert files
            for path in files:
                assert pq.read_schema(path).remove_metadata().equals(SCHEMAS[table]), path
    profiles = pq.read_schema(Path(clean["out_dir"]) / "_generator" / "planted_profiles.parquet")
    assert [(f.name, str(f.type)) for f in profiles] == [
        ("customer_id", "string"),
        ("planted_profile", "string"),
    ]
    defects = pq.read_schema(Path(dirty["out_dir"]) / "_generator" / "defects.parquet")
    assert defects.names[:4] == ["table_name", "record_key", "defect_reason", "rows_written"]
    assert str(defects.field("rows_written").type) == "int64"


def _file_bytes(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    first = generate(tmp_path / "a", 500, seed=3, defects=True, chunk_size=200)
    second = generate(tmp_path / "b", 500, seed=3, defects=True, chunk_size=200, jobs=2)
    assert first["tables"] == second["tables"]
    assert _file_bytes(tmp_path / "a") == _file_bytes(tmp_path / "b")

    other = generate(tmp_path / "c", 500, seed=4, defects=True, chunk_size=200)
    for table in ("trades", "daily_balances", "fund_transfers"):
        a = pq.read_table(tmp_path / "a" / table / "part-00000.parquet")
        c = pq.read_table(tmp_path / "c" / table / "part-00000.parquet")
        assert not a.equals(c), table
    assert other["planted_profiles"] != first["planted_profiles"]


def test_rerun_removes_stale_part_files_and_nothing_else(tmp_path):
    out = tmp_path / "raw"
    generate(out, 900, seed=1, defects=True, chunk_size=300)
    assert len(list((out / "trades").glob("*.parquet"))) == 3 + 2  # parts, defects, resent
    (out / "customers" / "README.txt").write_text("mine")
    (out / "elsewhere").mkdir()
    (out / "elsewhere" / "keep.parquet").write_bytes(b"not touched")
    (out / "keep.parquet").write_bytes(b"not touched")

    summary = generate(out, 900, seed=1, chunk_size=450)
    for table in TABLES:
        names = sorted(p.name for p in (out / table).glob("*.parquet"))
        assert names == ["part-00000.parquet", "part-00001.parquet"], table
        assert summary["tables"][table]["files"] == [f"{table}/{n}" for n in names]
    assert (out / "customers" / "README.txt").read_text() == "mine"
    assert (out / "elsewhere" / "keep.parquet").read_bytes() == b"not touched"
    assert (out / "keep.parquet").read_bytes() == b"not touched"
    assert pq.read_table(out / "_generator" / "defects.parquet").num_rows == 0
    assert summary["defects"] is False


# ---------------------------------------------------------------------------------------------
# Calendar and clean data


def test_calendar_skips_weekends_and_market_holidays():
    days = {
        d.item() for d in trading_days(date(2025, 1, 1), date(2025, 12, 31)).astype("datetime64[D]")
    }
    assert 240 <= len(days) <= 246
    assert all(d.weekday() < 5 for d in days)
    for holiday in (date(2025, 1, 1), date(2025, 1, 29), date(2025, 4, 4), date(2025, 5, 1),
                    date(2025, 10, 1), date(2025, 10, 7)):  # fmt: skip
        assert holiday not in days
    assert date(2025, 12, 31) in days
    assert datagen.window_start(END, 15) == date(2024, 10, 1)


def test_window_is_the_months_before_end_date(clean):
    assert clean["first_trading_day"] == "2024-10-08"  # 1-7 October is National Day
    assert clean["last_trading_day"] == "2025-12-31"
    assert 295 <= clean["trading_days"] <= 315


def test_ids_are_well_formed_and_unique_across_chunks(con):
    for table, column, pattern in [
        ("customers", "customer_id", "^C[0-9]{8}$"),
        ("trades", "trade_id", "^T[0-9]{12}$"),
        ("fund_transfers", "transfer_id", "^F[0-9]{12}$"),
    ]:
        total, distinct, bad = con.execute(
            f"select count(*), count(distinct {column}), "
            f"count(*) filter (where not regexp_matches({column}, '{pattern}')) from {table}"
        ).fetchone()
        assert total == distinct and bad == 0, table
    assert _scalar(con, "select count(*) from customers") == CLEAN_CUSTOMERS
    assert _scalar(con, "select max(customer_id) from customers") == f"C{CLEAN_CUSTOMERS:08d}"


def test_customers_follow_the_contract_and_tenure_mix(con):
    row = con.execute(
        """
        select
            count(*) filter (where open_date is null or channel not in ('online', 'branch')
                or risk_level not between 1 and 5 or close_date < open_date
                or birth_year > year(open_date) - 18),
            avg((open_date >= (select min(d) from calendar))::int),
            avg((close_date is not null)::int),
            count(*) filter (where close_date > (select max(d) from calendar)),
            min(open_date)
        from customers
        """
    ).fetchone()
    bad, opened_in_window, closed, closed_after_end, first_open = row
    assert bad == 0
    assert 0.05 <= opened_in_window <= 0.11
    assert 0.015 <= closed <= 0.05
    assert closed_after_end == 0
    assert first_open >= date(2005, 1, 1)


def test_balances_exactly_on_open_trading_days(con):
    expected_minus_actual, actual_minus_expected = con.execute(
        """
        with expected as (
            select c.customer_id, k.d as balance_date
            from customers as c
            join calendar as k on k.d >= c.open_date and k.d <= coalesce(c.close_date, k.d)
        ),
        actual as (select customer_id, balance_date from daily_balances)
        select
            (select count(*) from (select * from expected except all select * from actual)),
            (select count(*) from (select * from actual except all select * from expected))
        """
    ).fetchone()
    assert expected_minus_actual == 0
    assert actual_minus_expected == 0
    negative = _scalar(
        con, "select count(*) from daily_balances where cash_balance < 0 or market_value < 0"
    )
    assert negative == 0
    # a closed account is emptied on its close date
    left = _scalar(
        con,
        """
        select count(*) from daily_balances join customers using (customer_id)
        where balance_date = close_date and cash_balance + market_value > 0
        """,
    )
    assert left == 0


def test_trades_follow_the_contract(con):
    row = con.execute(
        """
        select
            count(*) filter (where t.trade_date < c.open_date),
            count(*) filter (where t.trade_date >= c.close_date),
            count(*) filter (where t.trade_date > (select max(d) from calendar)),
            count(*) filter (where side not in ('buy', 'sell')),
            count(*) filter (where product_type not in ('stock', 'etf', 'fund', 'bond', 'other')),
            count(*) filter (where quantity <= 0 or price <= 0 or amount < 0),
            count(*) filter (where amount != round(quantity * price, 2)),
            count(*) filter (where product_type in ('stock', 'etf') and quantity % 100 != 0),
            count(*) filter (where not regexp_matches(security_code, '^[0-9]{6}$')),
            count(*) filter (where c.customer_id is null)
        from trades as t left join customers as c using (customer_id)
        """
    ).fetchone()
    assert row == (0,) * len(row)


def test_trade_dates_are_trading_days(con, clean):
    window_trades_off_calendar = _scalar(
        con,
        """
        select count(*) from trades
        where trade_date >= (select min(d) from calendar)
        and trade_date not in (select d from calendar)
        """,
    )
    assert window_trades_off_calendar == 0
    legacy = con.execute(
        "select distinct trade_date from trades where trade_date < (select min(d) from calendar)"
    ).fetchall()
    history = set(trading_days(date(2004, 1, 1), END).astype("datetime64[D]").tolist())
    assert legacy and all(d in history for (d,) in legacy)


def test_commission_has_the_minimum_and_realistic_rates(con):
    bad = _scalar(
        con,
        """
        select count(*) from trades
        where commission < 5
        or commission != greatest(5.00, commission)
        or (commission > 5 and (commission > amount * 0.003 + 0.01
                                or commission < amount * 0.00015 - 0.01))
        """,
    )
    assert bad == 0
    # the implied per-customer rate, where the 5 CNY minimum does not bind
    share_typical = _scalar(
        con,
        """
        with rates as (
            select customer_id, median(commission / amount) as rate from trades
            where commission > 5.01 group by 1
        )
        select avg((rate between 0.0002 and 0.0005)::int) from rates
        """,
    )
    assert share_typical >= 0.6


def test_fund_transfers_follow_the_contract(con):
    row = con.execute(
        """
        select
            count(*) filter (where amount <= 0),
            count(*) filter (where direction not in ('in', 'out')),
            count(*) filter (where transfer_date < c.open_date or transfer_date > c.close_date),
            count(*) filter (where transfer_date not in (select d from calendar)),
            count(*) filter (where c.customer_id is null)
        from fund_transfers as f left join customers as c using (customer_id)
        """
    ).fetchone()
    assert row == (0,) * len(row)


# ---------------------------------------------------------------------------------------------
# Profiles

# The generator's check of its planted profiles: a rough recomputation of the model inputs
# straight from the raw tables, so the profiles can be seen to separate without dbt. It is not
# the oracle of the models (tests/python/test_indicators.py is: every indicator exactly, by
# another route); its window and interest margin rate are the project's vars, not copies.
INDICATORS_SQL = """
with bal as (
    select customer_id, avg(cash_balance)::double as cash, avg(market_value)::double as mv,
        arg_min(cash_balance + market_value, balance_date)::double as first_assets,
        arg_max(cash_balance + market_value, balance_date)::double as end_assets,
        count(*) as open_days
    from daily_balances
    where balance_date > (select max(d) from calendar) - interval {lookback_days} day
    group by 1
),
trd as (
    select customer_id, sum(commission)::double as commission, sum(amount)::double as volume,
        count(*) as trade_count, count(distinct trade_date) as active_days,
        count(distinct date_trunc('month', trade_date)) as active_months,
        count(distinct product_type) as breadth
    from trades
    where trade_date > (select max(d) from calendar) - interval {lookback_days} day
    group by 1
),
last_trade as (select customer_id, max(trade_date) as last_trade from trades group by 1),
flows as (
    select customer_id,
        sum(case when direction = 'in' then amount else -amount end)::double as net_inflow
    from fund_transfers
    where transfer_date > (select max(d) from calendar) - interval {lookback_days} day
    group by 1
)
select
    p.planted_profile as profile,
    c.close_date is not null as closed,
    coalesce(b.open_days, 0) as open_days,
    coalesce(t.commission, 0) as commission,
    coalesce(b.cash, 0) * {interest_margin_rate} as margin,
    coalesce(b.mv, 0) as market_value,
    coalesce(b.cash, 0) + coalesce(b.mv, 0) as assets,
    coalesce(t.volume, 0) as volume,
    coalesce(f.net_inflow, 0) as net_inflow,
    ln(1 + coalesce(b.end_assets, 0)) - ln(1 + coalesce(b.first_assets, 0)) as growth,
    coalesce(t.volume, 0) / nullif(coalesce(b.cash, 0) + coalesce(b.mv, 0), 0) as turnover,
    coalesce(t.trade_count, 0) as trade_count,
    coalesce(t.active_days, 0) as active_days,
    coalesce(t.breadth, 0) as breadth,
    coalesce(t.active_months, 0) as active_months,
    ((select max(d) from calendar) - c.open_date) / 365.25 as age_years,
    (select max(d) from calendar) - coalesce(l.last_trade, c.open_date) as days_since_last_trade
from customers as c
join profiles as p using (customer_id)
left join bal as b using (customer_id)
left join trd as t using (customer_id)
left join last_trade as l using (customer_id)
left join flows as f using (customer_id)
"""
MODEL_INDICATORS = [
    "commission", "margin", "market_value", "volume", "net_inflow", "growth", "turnover",
    "trade_count", "active_days", "breadth", "active_months", "age_years",
    "days_since_last_trade",
]  # fmt: skip


@pytest.fixture(scope="module")
def indicators(con):
    return con.execute(
        INDICATORS_SQL.format(
            lookback_days=int(PROJECT_VARS["lookback_days"]),
            interest_margin_rate=float(PROJECT_VARS["interest_margin_rate"]),
        )
    ).df()


def test_all_six_profiles_planted_in_their_shares(clean, con):
    shares = dict(zip(PROFILES, datagen.PROFILE_PARAMS["share"], strict=True))
    counts = clean["planted_profiles"]
    assert set(counts) == set(PROFILES)
    assert sum(counts.values()) == CLEAN_CUSTOMERS
    for profile, share in shares.items():
        assert abs(counts[profile] / CLEAN_CUSTOMERS - share) < 0.035, profile
    written = dict(
        con.execute("select planted_profile, count(*) from profiles group by 1").fetchall()
    )
    assert written == counts


def test_sleeping_customers_have_not_traded_for_years(con):
    row = con.execute(
        """
        with sleeping as (
            select customer_id from profiles where planted_profile = 'sleeping'
        ),
        last_trade as (
            select customer_id, max(trade_date) as last_trade from trades
            where customer_id in (select customer_id from sleeping) group by 1
        )
        select
            (select count(*) from trades where customer_id in (select customer_id from sleeping)
                and trade_date >= (select min(d) from calendar)),
            (select count(*) from sleeping),
            (select count(*) from last_trade),
            (select min(last_trade) from last_trade),
            (select max(last_trade) from last_trade)
        """
    ).fetchone()
    in_window, sleepers, with_history, earliest, latest = row
    assert in_window == 0
    assert with_history == sleepers
    assert earliest >= date(2017, 12, 15) and latest <= date(2024, 1, 1)


def test_profiles_differ_the_way_the_domain_describes(indicators):
    medians = indicators[~indicators.closed].groupby("profile").median(numeric_only=True)
    assets = medians.assets
    assert assets.vip > 800_000
    assert 80_000 < assets.potential < 300_000
    assert 200_000 < assets.ordinary_a < 500_000
    assert 30_000 < assets.ordinary_b < 100_000
    assert 4_000 < assets.free < 25_000
    assert assets.sleeping < 2_000
    assert assets.vip > assets.ordinary_a > assets.ordinary_b > assets.free > assets.sleeping
    assert medians.turnover.idxmax() == "potential"
    assert medians.active_days.idxmax() == "potential"
    assert medians.growth.idxmax() == "potential"
    assert medians.net_inflow.potential > 0
    assert medians.breadth.idxmax() == "vip"
    assert medians.age_years.idxmin() == "potential"
    assert medians.age_years.vip > 8
    traders = medians.drop(index="sleeping")
    assert traders.active_months.idxmin() == "free"
    assert medians.trade_count.sleeping == 0
    assert medians.days_since_last_trade.sleeping > 730


def test_asset_distribution_is_skewed_like_a_shares(indicators):
    assets = indicators.assets
    assert (assets < 100_000).mean() > 0.55
    assert 0.02 < (assets > 500_000).mean() < 0.12
    assert (assets > 5_000_000).mean() < 0.01


def test_profiles_are_recoverable_by_clustering_the_indicators(indicators):
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    # the fitting sample of docs/domain.md: open, enough history, not an outlier
    sample = indicators[
        ~indicators.closed
        & (indicators.open_days >= 60)
        & ~((indicators.assets < 2000) & (indicators.volume < 2000))
        & (indicators.commission + indicators.margin <= 200_000)
    ]
    x = sample[MODEL_INDICATORS].fillna(0).to_numpy(dtype=float)
    heavy = [MODEL_INDICATORS.index(c) for c in MODEL_INDICATORS if c not in
             ("growth", "breadth", "active_months", "age_years")]  # fmt: skip
    x[:, heavy] = np.sign(x[:, heavy]) * np.log1p(np.abs(x[:, heavy]))
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    labels = KMeans(6, n_init=10, random_state=0).fit_predict(x)
    assert set(sample.profile) == set(PROFILES)
    assert adjusted_rand_score(sample.profile, labels) > 0.55


# ---------------------------------------------------------------------------------------------
# Defects: recount what a contract-following quarantine must find, independently

# The contract's rules per table in precedence order (first match wins), over the distinct rows
# (exact duplicates collapsed first). `key_rows` counts distinct rows sharing the key.
RULES = {
    "customers": [
        ("missing_key", "customer_id is null"),
        ("duplicate_key", "key_rows > 1"),
        ("missing_date", "open_date is null"),
        ("close_before_open", "close_date < open_date"),
        ("invalid_channel", "channel is null or channel not in ('online', 'branch')"),
        ("invalid_risk_level", "risk_level not between 1 and 5"),
        ("after_data_end", "open_date > (select last_day from data_end)"),
    ],
    "trades": [
        ("missing_key", "trade_id is null"),
        ("duplicate_key", "key_rows > 1"),
        ("missing_date", "trade_date is null"),
        ("unknown_customer", "customer_id not in (select customer_id from known)"),
        ("invalid_side", "side is null or side not in ('buy', 'sell')"),
        ("negative_amount", "amount < 0"),
        ("negative_commission", "commission < 0"),
        ("before_open_date", "trade_date < (select min(open_date) from known as k "
                             "where k.customer_id = r.customer_id)"),
        ("after_data_end", "trade_date > (select last_day from data_end)"),
    ],
    "daily_balances": [
        ("missing_key", "customer_id is null or balance_date is null"),
        ("duplicate_key", "key_rows > 1"),
        ("unknown_customer", "customer_id not in (select customer_id from known)"),
        ("negative_balance", "cash_balance < 0 or market_value < 0"),
    ],
    "fund_transfers": [
        ("missing_key", "transfer_id is null"),
        ("duplicate_key", "key_rows > 1"),
        ("missing_date", "transfer_date is null"),
        ("unknown_customer", "customer_id not in (select customer_id from known)"),
        ("invalid_direction", "direction is null or direction not in ('in', 'out')"),
        ("non_positive_amount", "amount <= 0"),
        ("after_data_end", "transfer_date > (select last_day from data_end)"),
    ],
}  # fmt: skip
KEYS = {
    "customers": ["customer_id"],
    "trades": ["trade_id"],
    "daily_balances": ["customer_id", "balance_date"],
    "fund_transfers": ["transfer_id"],
}
RECORD_KEY = {
    "customers": "coalesce(customer_id, '')",
    "trades": "coalesce(trade_id, '')",
    "daily_balances": "coalesce(customer_id, '') || '|' || "
    "coalesce(strftime(balance_date, '%Y-%m-%d'), '')",
    "fund_transfers": "coalesce(transfer_id, '')",
}


def _recount(connection: duckdb.DuckDBPyConnection, table: str) -> str:
    """A table of the distinct raw rows with their copies, record key and quarantine reason
    (null: kept); returns its name."""
    keys = ", ".join(KEYS[table])
    reason = " ".join(f"when {condition} then '{name}'" for name, condition in RULES[table])
    connection.execute(
        f"""
        create or replace temp table recount_{table} as
        with distinct_rows as (select *, count(*) as copies from {table} group by all),
        keyed as (
            select *, count(*) over (partition by {keys}) as key_rows from distinct_rows
        )
        select r.*, {RECORD_KEY[table]} as record_key, case {reason} end as reason
        from keyed as r
        """
    )
    return f"recount_{table}"


@pytest.fixture(scope="module")
def dirty_con(dirty) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    _views(connection, Path(dirty["out_dir"]))
    connection.execute(
        "create view known as select distinct customer_id, open_date from customers "
        "where customer_id is not null"
    )
    connection.execute(
        "create view data_end as select max(balance_date) as last_day from daily_balances"
    )
    connection.execute(
        "create view defects as select * from "
        f"read_parquet('{Path(dirty['out_dir']) / '_generator' / 'defects.parquet'}')"
    )
    yield connection
    connection.close()


def test_every_reason_is_planted_and_recorded(dirty, dirty_con):
    recorded = dirty_con.execute(
        "select table_name, defect_reason, count(*), sum(rows_written) from defects group by all"
    ).fetchall()
    reasons = {(t, r) for t, r, _, _ in recorded}
    assert reasons == {
        (table, reason)
        for table in TABLES
        for reason in (*QUARANTINE_REASONS[table], EXACT_DUPLICATE)
    }
    for table, reason, records, rows in recorded:
        assert 3 <= records <= 10, (table, reason)
        entry = dirty["tables"][table]["defects"][reason]
        assert (entry["records"], entry["rows_written"]) == (records, rows)


@pytest.mark.parametrize("table", TABLES)
def test_summary_expectations_match_an_independent_recount(dirty, dirty_con, table):
    recount = _recount(dirty_con, table)
    rows_read = _scalar(dirty_con, f"select count(*) from {table}")
    collapsed, kept = dirty_con.execute(
        f"select sum(copies - 1), count(*) filter (where reason is null) from {recount}"
    ).fetchone()
    quarantined = dict(
        dirty_con.execute(
            f"select reason, count(*) from {recount} where reason is not null group by 1"
        ).fetchall()
    )
    expected = dirty["tables"][table]
    assert rows_read == expected["rows_written"]
    assert collapsed == expected["expected_duplicates_collapsed"]
    assert kept == expected["expected_kept"]
    assert quarantined == {r: n for r, n in expected["expected_quarantined"].items() if n}
    assert set(quarantined) == set(QUARANTINE_REASONS[table])
    assert rows_read == kept + sum(quarantined.values()) + collapsed
    assert expected["clean_rows_written"] == sum(
        pq.read_metadata(Path(dirty["out_dir"]) / f).num_rows
        for f in expected["files"]
        if Path(f).name.startswith("part-")
    )


@pytest.mark.parametrize("table", TABLES)
def test_each_recorded_defect_is_found_under_its_reason(dirty_con, table):
    recount = _recount(dirty_con, table)
    wrong = dirty_con.execute(
        f"""
        select d.record_key, d.defect_reason, d.rows_written,
            (select list(distinct coalesce(reason, 'kept')) from {recount} as r
             where r.record_key = d.record_key) as found,
            (select sum(copies) from {recount} as r where r.record_key = d.record_key) as copies
        from defects as d
        where d.table_name = '{table}' and d.record_key not in ('', '|')
        and d.record_key not like '|%' and d.record_key not like '%|'
        and not (
            (d.defect_reason = 'exact_duplicate' and found = ['kept'] and copies = 2)
            or (found = [d.defect_reason] and copies = d.rows_written)
        )
        """
    ).fetchall()
    assert wrong == []


def test_defect_customers_have_no_activity(dirty_con, dirty):
    clean_customers = dirty["customers"]
    active_defect_customers = _scalar(
        dirty_con,
        f"""
        with defect_customers as (
            select customer_id from customers
            where customer_id > 'C{clean_customers:08d}'
        )
        select count(*) from (
            select customer_id from trades union all
            select customer_id from daily_balances union all
            select customer_id from fund_transfers
        ) where customer_id in (select customer_id from defect_customers)
        """,
    )
    assert active_defect_customers == 0


def test_exact_duplicates_come_in_a_resent_file(dirty):
    out = Path(dirty["out_dir"])
    for table in TABLES:
        resent = pq.read_table(out / table / "resent-00000.parquet")
        assert resent.num_rows == dirty["tables"][table]["expected_duplicates_collapsed"]
        assert resent.num_rows == dirty["tables"][table]["defects"][EXACT_DUPLICATE]["records"]


# ---------------------------------------------------------------------------------------------
# Command line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--customers", "0"], "must be >= 1"),
        (["--customers", "many"], "not an integer"),
        (["--end-date", "2025-02-30"], "not a date"),
        (["--end-date", "31/12/2025"], "not a date"),
        (["--end-date", "1999-12-31"], "end_date must be"),
        (["--months", "0"], "must be >= 1"),
        (["--months", "61"], "months must be"),
        (["--seed", "-1"], "must be >= 0"),
        (["--chunk-size", "0"], "must be >= 1"),
    ],
)
def test_bad_arguments_are_argparse_errors(tmp_path, capsys, args, message):
    base = {"--customers": "10", "--seed": "1", "--out": str(tmp_path / "out")}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    with pytest.raises(SystemExit) as exit_info:
        main([item for pair in base.items() for item in pair])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and message in err
    assert not (tmp_path / "out").exists()


def test_missing_required_argument_is_an_argparse_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--customers", "10", "--seed", "1"])
    assert exit_info.value.code == 2
    assert "--out" in capsys.readouterr().err


def test_generate_rejects_bad_values(tmp_path):
    with pytest.raises(ValueError, match="customers"):
        generate(tmp_path, 0, seed=1)
    with pytest.raises(ValueError, match="end_date"):
        generate(tmp_path, 10, seed=1, end_date="2025-12-31")
    with pytest.raises(ValueError, match="months"):
        generate(tmp_path, 10, seed=1, months=0)


def test_module_runs_from_the_command_line_with_progress(tmp_path):
    out = tmp_path / "cli"
    result = subprocess.run(
        [sys.executable, "-m", "broker_segments.datagen", "--customers", "300", "--seed", "2",
         "--out", str(out), "--chunk-size", "150", "--end-date", "2025-06-30", "--months", "3",
         "--defects"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "chunk 1/2: 150 customers" in result.stderr
    assert "chunk 2/2: 300 customers" in result.stderr
    summary = json.loads((out / "_generator" / "summary.json").read_text())
    assert summary["end_date"] == "2025-06-30" and summary["last_trading_day"] == "2025-06-30"
    assert summary["first_trading_day"] == "2025-04-01"
    assert summary["defects"] is True


# ---------------------------------------------------------------------------------------------
# Appending trading days (a daily export landing on an existing data set)

APPEND_DAYS = 3


def _copy_raw(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def _rows(path: Path, key: list[str]) -> list[dict]:
    return pq.read_table(path).sort_by([(k, "ascending") for k in key]).to_pylist()


@pytest.fixture(scope="module")
def before_append(tmp_path_factory) -> Path:
    """A small clean data set (three chunks), kept as generated."""
    out = tmp_path_factory.mktemp("before_append") / "raw"
    generate(out, 1200, seed=8, chunk_size=500)
    return out


@pytest.fixture(scope="module")
def appended(before_append, tmp_path_factory) -> dict:
    out = _copy_raw(before_append, tmp_path_factory.mktemp("appended") / "raw")
    return datagen.append_days(out, APPEND_DAYS)


@pytest.fixture(scope="module")
def append_con(appended) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    _views(connection, Path(appended["out_dir"]))
    yield connection
    connection.close()


def test_append_writes_one_new_file_per_table_and_keeps_every_old_byte(before_append, appended):
    out = Path(appended["out_dir"])
    old, new = _file_bytes(before_append), _file_bytes(out)
    first, last = appended["appends"][0]["first_day"], appended["appends"][0]["last_day"]
    name = f"append-{first}-{last}.parquet"
    added = {f"{t}/{name}" for t in ("trades", "daily_balances", "fund_transfers")}
    assert set(new) == set(old) | added
    assert {k for k in old if old[k] != new[k]} == {"_generator/summary.json"}
    assert appended["appended_paths"] == {
        t: str(out / t / name) for t in ("trades", "daily_balances", "fund_transfers")
    }
    for table in ("trades", "daily_balances", "fund_transfers"):
        assert pq.read_schema(out / table / name).remove_metadata().equals(SCHEMAS[table])


def test_appended_days_are_the_next_trading_days(before_append, appended, append_con):
    old_last = date.fromisoformat(
        json.loads((before_append / "_generator" / "summary.json").read_text())["last_trading_day"]
    )
    expected = trading_days(old_last, date(2026, 3, 31))[1 : APPEND_DAYS + 1]
    expected = expected.astype("datetime64[D]").tolist()
    assert expected[0] > old_last

    def new_days(table: str, column: str) -> list[date]:
        query = f"select distinct {column} from {table} where {column} > $1 order by 1"
        return [d for (d,) in append_con.execute(query, [old_last]).fetchall()]

    assert new_days("daily_balances", "balance_date") == expected
    assert new_days("trades", "trade_date") == expected
    assert set(new_days("fund_transfers", "transfer_date")) <= set(expected)
    assert appended["last_trading_day"] == expected[-1].isoformat()


def test_every_open_account_gets_a_balance_row_on_each_new_day(appended, append_con):
    missing, extra, negative = append_con.execute(
        """
        with new_days as (
            select distinct balance_date as d from daily_balances where balance_date > $1
        ),
        expected as (
            select customer_id, d from customers cross join new_days where close_date is null
        ),
        actual as (select customer_id, balance_date from daily_balances where balance_date > $1)
        select
            (select count(*) from (from expected except all from actual)),
            (select count(*) from (from actual except all from expected)),
            (select count(*) from daily_balances where cash_balance < 0 or market_value < 0)
        """,
        [date.fromisoformat(appended["appends"][0]["first_day"]) - timedelta(days=1)],
    ).fetchone()
    assert (missing, extra, negative) == (0, 0, 0)
    open_accounts = _scalar(append_con, "select count(*) from customers where close_date is null")
    assert appended["appends"][0]["rows"]["daily_balances"] == open_accounts * APPEND_DAYS


def test_keys_stay_unique_and_appended_rows_follow_the_contract(appended, append_con):
    first_new = date.fromisoformat(appended["appends"][0]["first_day"])
    row = append_con.execute(
        """
        select
            (select count(*) - count(distinct trade_id) from trades),
            (select count(*) - count(distinct transfer_id) from fund_transfers),
            (select count(*) - count(distinct (customer_id, balance_date)) from daily_balances),
            (select count(*) from trades where trade_id like '%9999'),
            (select count(*) from trades as t left join customers as c using (customer_id)
             where t.trade_date >= $1 and (c.customer_id is null or c.close_date is not null
                or side not in ('buy', 'sell') or quantity <= 0 or price <= 0 or amount < 0
                or amount != round(quantity * price, 2) or commission < 5
                or (product_type in ('stock', 'etf') and quantity % 100 != 0)
                or (commission > 5 and commission > amount * 0.003 + 0.01)
                or not regexp_matches(trade_id, '^T' || substr(customer_id, 2) || '[0-9]{4}$'))),
            (select count(*) from fund_transfers as f left join customers as c using (customer_id)
             where transfer_date >= $1 and (c.customer_id is null or c.close_date is not null
                or amount <= 0 or amount % 100 != 0 or direction not in ('in', 'out')))
        """,
        [first_new],
    ).fetchone()
    assert row == (0,) * len(row)
    new_trades = _scalar(
        append_con, f"select count(*) from trades where trade_date >= '{first_new}'"
    )
    assert new_trades > 0 and _scalar(
        append_con, f"select count(*) from fund_transfers where transfer_date >= '{first_new}'"
    )


def test_appended_customers_carry_on_as_before(appended, append_con):
    """Per profile, the new days look like the last month: trades per day, mean trade amount,
    commission rate and assets; sleeping customers still do not trade."""
    first_new = appended["appends"][0]["first_day"]
    trades = append_con.execute(
        f"""
        select
            planted_profile,
            count(*) filter (where trade_date >= '{first_new}') / {APPEND_DAYS} as new_per_day,
            count(*) filter (where trade_date < '{first_new}') / 20 as old_per_day,
            avg(amount) filter (where trade_date >= '{first_new}') as new_amount,
            avg(amount) filter (where trade_date < '{first_new}') as old_amount
        from trades join profiles using (customer_id)
        where trade_date >= (select list_sort(list(distinct trade_date))[-20 - {APPEND_DAYS}]
                             from trades)
        group by all
        """
    ).df()
    trades = trades.set_index("planted_profile")
    assert "sleeping" not in trades.index
    active = trades.loc[["vip", "potential", "ordinary_a"]]
    assert ((active.new_per_day / active.old_per_day).between(0.6, 1.6)).all(), trades
    assert ((active.new_amount / active.old_amount).between(0.6, 1.6)).all(), trades
    assets = append_con.execute(
        f"""
        with days as (
            select max(balance_date) filter (where balance_date < '{first_new}') as old_last
            from daily_balances
        )
        select
            planted_profile,
            sum(cash_balance + market_value) filter (where balance_date = '{first_new}')
            / sum(cash_balance + market_value) filter (where balance_date = days.old_last)
        from daily_balances join profiles using (customer_id) cross join days
        group by all
        """
    ).fetchall()
    assert all(0.9 < ratio < 1.1 for _, ratio in assets), assets


def test_summary_after_append_matches_the_files(before_append, appended):
    out = Path(appended["out_dir"])
    old = json.loads((before_append / "_generator" / "summary.json").read_text())
    new = json.loads((out / "_generator" / "summary.json").read_text())
    assert new == {
        k: v for k, v in appended.items() if k not in ("out_dir", "paths", "appended_paths")
    }
    assert new["trading_days"] == old["trading_days"] + APPEND_DAYS
    for key in ("seed", "customers", "end_date", "months", "first_trading_day", "chunk_size"):
        assert new[key] == old[key]
    for table in TABLES:
        entry = new["tables"][table]
        files = sorted(p.relative_to(out).as_posix() for p in (out / table).glob("*.parquet"))
        assert entry["files"] == files
        rows = sum(pq.ParquetFile(out / f).metadata.num_rows for f in files)
        assert (
            entry["rows_written"] == entry["clean_rows_written"] == entry["expected_kept"] == rows
        )
        added = new["appends"][0]["rows"].get(table, 0)
        assert rows == old["tables"][table]["rows_written"] + added
        assert entry["expected_quarantined_total"] == 0


def test_append_is_deterministic_and_day_by_day_equals_at_once(before_append, appended, tmp_path):
    again = datagen.append_days(_copy_raw(before_append, tmp_path / "again"), APPEND_DAYS)
    assert _file_bytes(tmp_path / "again") == _file_bytes(Path(appended["out_dir"]))
    assert again["tables"] == appended["tables"]

    stepwise = _copy_raw(before_append, tmp_path / "stepwise")
    datagen.append_days(stepwise, 1)
    final = datagen.append_days(stepwise, APPEND_DAYS - 1)
    assert len(final["appends"]) == 2
    assert final["last_trading_day"] == appended["last_trading_day"]
    keys = {"trades": ["trade_id"], "fund_transfers": ["transfer_id"],
            "daily_balances": ["customer_id", "balance_date"]}  # fmt: skip
    for table, key in keys.items():
        at_once = _rows(Path(appended["appended_paths"][table]), key)
        one_by_one = sorted(
            (r for p in sorted((stepwise / table).glob("append-*.parquet")) for r in _rows(p, key)),
            key=lambda r: tuple(r[k] for k in key),
        )
        assert one_by_one == at_once, table


def test_append_refuses_defects_data_and_bad_arguments(dirty, tmp_path, capsys):
    with pytest.raises(ValueError, match="--defects"):
        datagen.append_days(dirty["out_dir"], 1)
    with pytest.raises(ValueError, match="summary.json"):
        datagen.append_days(tmp_path / "nothing", 1)
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--append-days", "1", "--customers", "5"])
    assert "--customers" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--append-days", "0"])
    assert "must be >= 1" in capsys.readouterr().err


def test_append_from_the_command_line(before_append, tmp_path):
    out = _copy_raw(before_append, tmp_path / "cli")
    result = subprocess.run(
        [sys.executable, "-m", "broker_segments.datagen", "--out", str(out), "--append-days", "1"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "appended 2026-01-02..2026-01-02" in result.stderr
    assert json.loads((out / "_generator" / "summary.json").read_text())["trading_days"] == (
        json.loads((before_append / "_generator" / "summary.json").read_text())["trading_days"] + 1
    )
