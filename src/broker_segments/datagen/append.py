"""append_days(): the next trading days of an existing data set, as a daily export lands:
new ``<table>/append-<first>-<last>.parquet`` files of balances, trades and transfers, each
customer going on from its own data, and ``_generator/summary.json`` updated. How the
customers go on, what changes in the summary and why the output is deterministic:
docs/demo-data.md, "Appending days".
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from broker_segments.datagen.clean import Context, build_context, price_ticks
from broker_segments.datagen.market_calendar import from_day_number, trading_days
from broker_segments.datagen.profiles import (
    MAX_TRADES_PER_DAY,
    PARAMS,
    PRODUCT_TYPES,
    PROFILES,
    SLEEPING,
)
from broker_segments.datagen.tables import (
    ROW_GROUP_ROWS,
    SCHEMAS,
    TABLES,
    date_array,
    decimal_array,
    fixed_width_strings,
    parquet_writer,
    prefixed_ids,
    string_array,
    write_sliced,
)

STREAM_APPEND = 4
STREAM_APPEND_TRAITS = 5
MAX_SEQUENCE = 9998  # 9999 is reserved for injected defect rows
LAST_CALENDAR_DAY = date(2030, 12, 31)  # the holiday table ends with 2030
APPENDED_TABLES = ("trades", "daily_balances", "fund_transfers")
CLEAN_PREFIXES = ("part-", "append-")


def append_path(out_dir: Path, table: str, first: date, last: date) -> Path:
    return out_dir / table / f"append-{first.isoformat()}-{last.isoformat()}.parquet"


def next_trading_days(after: date, days: int) -> np.ndarray:
    """The first ``days`` trading days after ``after`` (int32 day numbers)."""
    found = np.empty(0, dtype=np.int32)
    span = 2 * days + 31
    while len(found) < days:
        last = min(after + timedelta(days=span), LAST_CALENDAR_DAY)
        found = trading_days(after + timedelta(days=1), last) if last > after else found
        if len(found) < days and last == LAST_CALENDAR_DAY:
            raise ValueError(
                f"{days} trading days after {after} go past {LAST_CALENDAR_DAY}, "
                "the end of the market holiday table"
            )
        span *= 2
    return found[:days]


def market_return(seed: int, day: int) -> float:
    return float(np.random.default_rng([seed, STREAM_APPEND, day]).normal(0.0001, 0.009))


@dataclass
class State:
    """Per customer (index = number - 1): who continues and how it behaves."""

    profile: np.ndarray  # int8 profile code
    continues: np.ndarray  # bool: open on the last trading day, gets rows on new days
    cash: np.ndarray  # int64 cents on the last trading day
    mv: np.ndarray  # int64 cents
    trade_seq: np.ndarray  # int64 highest trade sequence so far (0 = none)
    transfer_seq: np.ndarray
    active: np.ndarray  # float: chance of a trade on an open trading day
    extra_trades: np.ndarray  # float: Poisson mean of the further trades on an active day
    buy_share: np.ndarray
    trade_amount: np.ndarray  # float CNY: typical trade amount
    rate: np.ndarray  # float commission rate
    type_cumulative: np.ndarray  # (n, product types) cumulative product-type shares
    transfer_rate: np.ndarray  # float: transfers per open trading day
    in_share: np.ndarray
    transfer_amount: np.ndarray  # float CNY


def _clean_files(out: Path, summary: dict, table: str) -> list[str]:
    files = [
        str(out / f)
        for f in summary["tables"][table]["files"]
        if Path(f).name.startswith(CLEAN_PREFIXES)
    ]
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        raise ValueError(f"summary.json lists files that do not exist: {missing[:3]}")
    return files


def _sql_list(files: list[str]) -> str:
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"


def _column(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, np.ndarray]:
    table = con.sql(sql).to_arrow_table()
    return {name: table.column(name).to_numpy() for name in table.column_names}


def _scatter(n: int, index: np.ndarray, values: np.ndarray, fill: float) -> np.ndarray:
    out = np.full(n, fill, dtype=np.asarray(values).dtype if len(values) else np.float64)
    out[index] = values
    return out


def read_state(out: Path, summary: dict, ctx: Context, last_day: date) -> State:
    """Everything the new days continue from, read from the data set's clean files."""
    n = ctx.customers
    window_first = from_day_number(ctx.days[0]).isoformat()
    window_last = from_day_number(ctx.days[-1]).isoformat()
    window = f"{{d}} between date '{window_first}' and date '{window_last}'"
    number = "cast(substr(customer_id, 2) as bigint) - 1"
    sequence = "cast(substr({id}, 10, 4) as bigint)"
    con = duckdb.connect()
    try:
        customers = _column(
            con,
            f"select {number} as i, open_date is not null and close_date is null as open, "
            "open_date from read_parquet("
            f"{_sql_list(_clean_files(out, summary, 'customers'))})",
        )
        profiles = _column(
            con,
            f"select {number} as i, planted_profile from read_parquet("
            f"'{out / '_generator' / 'planted_profiles.parquet'}')",
        )
        balances = _column(
            con,
            f"select {number} as i, cast(cash_balance * 100 as bigint) as cash, "
            "cast(market_value * 100 as bigint) as mv from read_parquet("
            f"{_sql_list(_clean_files(out, summary, 'daily_balances'))}) "
            f"where balance_date = date '{last_day.isoformat()}'",
        )
        in_window = window.format(d="trade_date")
        type_counts = ", ".join(
            f"count(*) filter (where {in_window} and product_type = '{t}') as n_{t}"
            for t in PRODUCT_TYPES
        )
        trades = _column(
            con,
            f"""
            select
                {number} as i,
                max({sequence.format(id="trade_id")}) as max_seq,
                count(distinct trade_date) filter (where {in_window}) as trade_days,
                count(*) filter (where {in_window}) as trades,
                count(*) filter (where {in_window} and side = 'buy') as buys,
                coalesce(exp(avg(ln(amount::double))
                    filter (where {in_window} and amount > 0)), 0) as typical_amount,
                coalesce(median(commission::double / amount::double)
                    filter (where {in_window} and commission > 5 and amount > 0), 0.00028)
                    as rate,
                {type_counts}
            from read_parquet({_sql_list(_clean_files(out, summary, "trades"))})
            group by all
            """,
        )
        in_window = window.format(d="transfer_date")
        transfers = _column(
            con,
            f"""
            select
                {number} as i,
                max({sequence.format(id="transfer_id")}) as max_seq,
                count(*) filter (where {in_window}) as transfers,
                count(*) filter (where {in_window} and direction = 'in') as ins,
                coalesce(exp(avg(ln(amount::double)) filter (where {in_window})), 0)
                    as typical_amount
            from read_parquet({_sql_list(_clean_files(out, summary, "fund_transfers"))})
            group by all
            """,
        )
    finally:
        con.close()

    profile = np.full(n, SLEEPING, dtype=np.int8)
    codes = {name: code for code, name in enumerate(PROFILES)}
    profile[profiles["i"]] = [codes[p] for p in profiles["planted_profile"]]
    is_open = np.zeros(n, dtype=bool)
    is_open[customers["i"]] = customers["open"]
    has_balance = np.zeros(n, dtype=bool)
    has_balance[balances["i"]] = True
    if not np.array_equal(is_open, has_balance):
        odd = np.flatnonzero(is_open != has_balance)[:3] + 1
        raise ValueError(
            f"the accounts open on {last_day} and those with a balance row that day differ "
            f"(customers {odd.tolist()}): not a data set as the generator writes it"
        )
    open_day = np.zeros(n, dtype=np.int64)
    open_day[customers["i"]] = customers["open_date"].astype("datetime64[D]").astype(np.int64)
    # open trading days of the generation's window, for the continuing (never closed) accounts
    open_days = np.maximum(
        len(ctx.days) - np.searchsorted(ctx.days, open_day, side="left"), 1
    ).astype(np.float64)

    ti = trades["i"]
    trade_days = _scatter(n, ti, trades["trade_days"].astype(np.float64), 0.0)
    n_trades = _scatter(n, ti, trades["trades"].astype(np.float64), 0.0)
    per_type = np.zeros((n, len(PRODUCT_TYPES)))
    for k, t in enumerate(PRODUCT_TYPES):
        per_type[ti, k] = trades[f"n_{t}"]
    per_type[per_type.sum(axis=1) == 0, 0] = 1.0  # no trade to learn from: stocks
    fi = transfers["i"]
    n_transfers = _scatter(n, fi, transfers["transfers"].astype(np.float64), 0.0)
    cash = np.zeros(n, dtype=np.int64)
    mv = np.zeros(n, dtype=np.int64)
    cash[balances["i"]] = balances["cash"]
    mv[balances["i"]] = balances["mv"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return State(
            profile=profile,
            continues=is_open,
            cash=cash,
            mv=mv,
            trade_seq=_scatter(n, ti, trades["max_seq"].astype(np.int64), 0),
            transfer_seq=_scatter(n, fi, transfers["max_seq"].astype(np.int64), 0),
            active=np.clip(trade_days / open_days, 0.0, 1.0),
            extra_trades=np.where(trade_days > 0, np.maximum(n_trades / trade_days - 1, 0), 0),
            buy_share=np.where(
                n_trades > 0, _scatter(n, ti, trades["buys"].astype(np.float64), 0) / n_trades, 0.5
            ),
            trade_amount=_scatter(n, ti, trades["typical_amount"].astype(np.float64), 0.0),
            rate=_scatter(n, ti, trades["rate"].astype(np.float64), 0.00028),
            type_cumulative=np.cumsum(per_type / per_type.sum(axis=1, keepdims=True), axis=1),
            transfer_rate=n_transfers / open_days,
            in_share=np.where(
                n_transfers > 0,
                _scatter(n, fi, transfers["ins"].astype(np.float64), 0) / n_transfers,
                0.5,
            ),
            transfer_amount=_scatter(n, fi, transfers["typical_amount"].astype(np.float64), 0),
        )


@dataclass
class DayRows:
    """One day's new rows of one chunk (customer indexes into the whole data set)."""

    balance_cust: np.ndarray
    cash: np.ndarray
    mv: np.ndarray
    trade_cust: np.ndarray
    trade_type: np.ndarray
    trade_sec: np.ndarray
    trade_ticks: np.ndarray
    trade_qty: np.ndarray
    trade_buy: np.ndarray
    trade_amount: np.ndarray
    trade_commission: np.ndarray
    transfer_cust: np.ndarray
    transfer_in: np.ndarray
    transfer_cents: np.ndarray


def simulate_day(
    ctx: Context,
    state: State,
    beta: np.ndarray,
    day: int,
    market_ret: float,
    market_log: float,
    chunk: int,
) -> DayRows:
    """Move one chunk's open accounts one trading day on; update state.cash and state.mv."""
    a = chunk * ctx.chunk_size
    b = min(ctx.customers, a + ctx.chunk_size)
    n = b - a
    rng = np.random.default_rng([ctx.seed, STREAM_APPEND, day, 1 + chunk])
    prof = state.profile[a:b]
    on = state.continues[a:b]

    # balances: market value with the market and the profile's drift, cash with a shock
    growth = (PARAMS["growth_lo"][prof] + PARAMS["growth_hi"][prof]) / 2 / len(ctx.days)
    mv_factor = np.exp(
        beta[a:b] * market_ret + PARAMS["mv_vol"][prof] * rng.standard_normal(n) + growth
    )
    cash_factor = np.exp(0.5 * PARAMS["cash_vol"][prof] * rng.standard_normal(n))
    mv = np.rint(state.mv[a:b] * mv_factor).astype(np.int64)
    cash = np.rint(state.cash[a:b] * cash_factor).astype(np.int64)

    # fund transfers
    count = np.where(on, rng.poisson(state.transfer_rate[a:b]), 0)
    f_local = np.repeat(np.arange(n), count)
    size = state.transfer_amount[a + f_local] * np.exp(0.6 * rng.standard_normal(len(f_local)))
    f_in = rng.random(len(f_local)) < state.in_share[a + f_local]
    size = np.where(f_in, size, np.minimum(size, 0.7 * cash[f_local] / 100.0))
    f_in |= size < 100.0  # too little cash to withdraw: it becomes a deposit
    f_cents = (np.maximum(100.0, np.round(size / 100.0) * 100.0) * 100).astype(np.int64)
    cash += np.bincount(f_local, weights=np.where(f_in, f_cents, -f_cents), minlength=n).astype(
        np.int64
    )
    np.maximum(cash, 0, out=cash)
    np.maximum(mv, 0, out=mv)
    state.cash[a:b] = np.where(on, cash, state.cash[a:b])
    state.mv[a:b] = np.where(on, mv, state.mv[a:b])

    # trades
    active = on & (rng.random(n) < state.active[a:b])
    per_day = 1 + np.minimum(rng.poisson(state.extra_trades[a:b]), MAX_TRADES_PER_DAY - 1)
    t_local = np.repeat(np.arange(n), np.where(active, per_day, 0))
    k = len(t_local)
    pick = rng.random(k)
    t_type = (pick[:, None] >= state.type_cumulative[a + t_local]).sum(axis=1)
    t_type = np.minimum(t_type, len(PRODUCT_TYPES) - 1)
    t_sec = ctx.sec_type_offset[t_type] + (rng.random(k) ** 2 * ctx.sec_type_count[t_type]).astype(
        np.int64
    )
    price = ctx.sec_base_price[t_sec] * np.exp(
        ctx.type_beta[t_type] * market_log + 0.02 * rng.standard_normal(k)
    )
    ticks = price_ticks(ctx, price, t_type)
    lot = ctx.type_lot[t_type]
    target = state.trade_amount[a + t_local] * np.exp(0.6 * rng.standard_normal(k))
    qty = np.maximum(1, np.rint(target * 10_000 / (ticks * lot))).astype(np.int64) * lot
    buy = rng.random(k) < state.buy_share[a + t_local]
    amount = (qty * ticks + 50) // 100
    commission = np.maximum(500, np.rint(state.rate[a + t_local] * amount)).astype(np.int64)

    open_local = np.flatnonzero(on)
    return DayRows(
        balance_cust=a + open_local,
        cash=state.cash[a + open_local].copy(),
        mv=state.mv[a + open_local].copy(),
        trade_cust=a + t_local,
        trade_type=t_type,
        trade_sec=t_sec,
        trade_ticks=ticks,
        trade_qty=qty,
        trade_buy=buy,
        trade_amount=amount,
        trade_commission=commission,
        transfer_cust=a + f_local,
        transfer_in=f_in,
        transfer_cents=f_cents,
    )


def _sequences(cust: np.ndarray, start: np.ndarray, kind: str) -> np.ndarray:
    """Sequence numbers continuing each customer's (cust sorted by customer, then day)."""
    group_start = np.searchsorted(cust, cust, side="left")
    seq = start[cust] + np.arange(len(cust)) - group_start + 1
    if len(seq) and seq.max() > MAX_SEQUENCE:
        worst = int(cust[np.argmax(seq)]) + 1
        raise ValueError(
            f"customer {worst} would reach {kind} sequence {int(seq.max())}: ids stop at "
            f"{MAX_SEQUENCE} (9999 is reserved for defect rows); append fewer days"
        )
    return seq


def _customer_ids(cust: np.ndarray) -> np.ndarray:
    return prefixed_ids("C", (cust + 1, 8))


def validate_append(summary: dict, days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be an integer >= 1, got {days!r}")
    if summary.get("generator") != "broker_segments.datagen" or summary.get("format_version") != 1:
        raise ValueError("summary.json was not written by broker_segments.datagen (format 1)")
    if summary["defects"]:
        raise ValueError(
            "cannot append to a data set generated with --defects: its after_data_end rows are "
            "dated in the days after the last trading day, where the new days would land"
        )


def append_days(out_dir: str | Path, days: int, *, progress: bool = False) -> dict:
    """Append the ``days`` trading days after the data set's last trading day as new part
    files; return the updated summary (also in _generator/summary.json) plus ``out_dir``,
    ``paths`` (as ``generate``) and ``appended_paths`` (this call's new files per table)."""
    started = time.monotonic()
    out = Path(out_dir)
    summary_path = out / "_generator" / "summary.json"
    if not summary_path.is_file():
        raise ValueError(f"{summary_path} not found: append_days needs a generated data set")
    summary = json.loads(summary_path.read_text())
    validate_append(summary, days)
    ctx = build_context(
        out,
        summary["customers"],
        summary["seed"],
        date.fromisoformat(summary["end_date"]),
        summary["months"],
        summary["chunk_size"],
    )
    last_day = date.fromisoformat(summary["last_trading_day"])
    new_days = next_trading_days(last_day, days)
    first_new, last_new = from_day_number(new_days[0]), from_day_number(new_days[-1])
    for table in APPENDED_TABLES:
        if append_path(out, table, first_new, last_new).exists():
            raise ValueError(f"{append_path(out, table, first_new, last_new)} already exists")

    # the market index: the generator's window, then one return per appended trading day
    since_window = trading_days(from_day_number(ctx.days[-1] + 1), last_new)
    returns = np.asarray([market_return(ctx.seed, int(d)) for d in since_window])
    market_log = dict(
        zip(since_window.tolist(), (ctx.market_log[-1] + np.cumsum(returns)).tolist(), strict=True)
    )

    state = read_state(out, summary, ctx, last_day)
    if progress:
        print(
            f"read the state of {int(state.continues.sum()):,} open accounts on {last_day} in "
            f"{time.monotonic() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    n_chunks = -(-ctx.customers // ctx.chunk_size)
    beta = np.empty(ctx.customers)
    for chunk in range(n_chunks):
        a = chunk * ctx.chunk_size
        b = min(ctx.customers, a + ctx.chunk_size)
        rng = np.random.default_rng([ctx.seed, STREAM_APPEND_TRAITS, chunk])
        beta[a:b] = np.where(state.profile[a:b] == SLEEPING, 1.0, rng.uniform(0.7, 1.3, b - a))

    per_day: list[list[DayRows]] = []
    for day in new_days.tolist():
        ret = market_return(ctx.seed, day)
        per_day.append(
            [
                simulate_day(ctx, state, beta, day, ret, market_log[day], chunk)
                for chunk in range(n_chunks)
            ]
        )
    written = _write(out, ctx, state, new_days, per_day, first_new, last_new)

    appended_paths = {t: str(append_path(out, t, first_new, last_new)) for t in APPENDED_TABLES}
    for table in APPENDED_TABLES:
        entry = summary["tables"][table]
        entry["files"] = sorted({*entry["files"], f"{table}/{Path(appended_paths[table]).name}"})
        entry["rows_written"] += written[table]
        entry["clean_rows_written"] += written[table]
        entry["expected_kept"] += written[table]
    summary["last_trading_day"] = last_new.isoformat()
    summary["trading_days"] += len(new_days)
    summary.setdefault("appends", []).append(
        {
            "first_day": first_new.isoformat(),
            "last_day": last_new.isoformat(),
            "trading_days": len(new_days),
            "rows": {t: written[t] for t in APPENDED_TABLES},
        }
    )
    summary_path.write_text(json.dumps(summary, indent=2) + "\n")
    if progress:
        rows = ", ".join(f"{t} {written[t]:,}" for t in APPENDED_TABLES)
        print(
            f"appended {first_new}..{last_new}: {rows} in {time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
    paths: dict[str, list[str] | str] = {
        t: [str(out / f) for f in summary["tables"][t]["files"]] for t in TABLES
    }
    for name in ("planted_profiles.parquet", "defects.parquet", "summary.json"):
        paths[name.split(".")[0]] = str(out / "_generator" / name)
    return {**summary, "out_dir": str(out), "paths": paths, "appended_paths": appended_paths}


def _write(
    out: Path,
    ctx: Context,
    state: State,
    new_days: np.ndarray,
    per_day: list[list[DayRows]],
    first_new: date,
    last_new: date,
) -> dict[str, int]:
    """Write the three append files, each ordered by customer then day; return rows per table."""
    flat = [r for rows in per_day for r in rows]
    flat_days = [d for d, rows in zip(new_days.tolist(), per_day, strict=True) for _ in rows]

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(r, name) for r in flat])

    def day_column(name: str) -> np.ndarray:
        return np.concatenate(
            [
                np.full(len(getattr(r, name)), d, np.int32)
                for r, d in zip(flat, flat_days, strict=True)
            ]
        )

    # balances: every continuing account has one row per day, the same accounts each day
    b_cust, b_cash, b_mv = cat("balance_cust"), cat("cash"), cat("mv")
    b_day = day_column("balance_cust")
    order = np.lexsort((b_day, b_cust))
    b_cust, b_day, b_cash, b_mv = b_cust[order], b_day[order], b_cash[order], b_mv[order]
    balances_path = append_path(out, "daily_balances", first_new, last_new)
    with parquet_writer(balances_path, "daily_balances") as writer:
        for start in range(0, max(len(b_cust), 1), ROW_GROUP_ROWS):
            s = slice(start, start + ROW_GROUP_ROWS)
            writer.write_table(
                pa.Table.from_arrays(
                    [
                        fixed_width_strings(_customer_ids(b_cust[s])),
                        date_array(b_day[s]),
                        decimal_array(b_cash[s], 20, 2),
                        decimal_array(b_mv[s], 20, 2),
                    ],
                    schema=SCHEMAS["daily_balances"],
                ),
                row_group_size=ROW_GROUP_ROWS,
            )

    t_cust, t_day = cat("trade_cust"), day_column("trade_cust")
    order = np.lexsort((t_day, t_cust))
    t_cust, t_day = t_cust[order], t_day[order]
    t_type, t_sec = cat("trade_type")[order], cat("trade_sec")[order]
    t_ticks, t_qty = cat("trade_ticks")[order], cat("trade_qty")[order]
    t_buy = cat("trade_buy")[order]
    t_amount, t_comm = cat("trade_amount")[order], cat("trade_commission")[order]
    t_seq = _sequences(t_cust, state.trade_seq, "trade")
    write_sliced(
        append_path(out, "trades", first_new, last_new),
        "trades",
        len(t_cust),
        lambda a, b: [
            fixed_width_strings(prefixed_ids("T", (t_cust[a:b] + 1, 8), (t_seq[a:b], 4))),
            fixed_width_strings(_customer_ids(t_cust[a:b])),
            date_array(t_day[a:b]),
            fixed_width_strings(ctx.sec_codes[t_sec[a:b]]),
            string_array(t_type[a:b], PRODUCT_TYPES),
            string_array(np.where(t_buy[a:b], 0, 1), ("buy", "sell")),
            pa.array(t_qty[a:b], type=pa.int64()),
            decimal_array(t_ticks[a:b], 18, 4),
            decimal_array(t_amount[a:b], 20, 2),
            decimal_array(t_comm[a:b], 18, 2),
        ],
    )

    f_cust, f_day = cat("transfer_cust"), day_column("transfer_cust")
    order = np.lexsort((f_day, f_cust))
    f_cust, f_day = f_cust[order], f_day[order]
    f_in, f_cents = cat("transfer_in")[order], cat("transfer_cents")[order]
    f_seq = _sequences(f_cust, state.transfer_seq, "transfer")
    write_sliced(
        append_path(out, "fund_transfers", first_new, last_new),
        "fund_transfers",
        len(f_cust),
        lambda a, b: [
            fixed_width_strings(prefixed_ids("F", (f_cust[a:b] + 1, 8), (f_seq[a:b], 4))),
            fixed_width_strings(_customer_ids(f_cust[a:b])),
            date_array(f_day[a:b]),
            string_array(np.where(f_in[a:b], 0, 1), ("in", "out")),
            decimal_array(f_cents[a:b], 20, 2),
        ],
    )
    return {"daily_balances": len(b_cust), "trades": len(t_cust), "fund_transfers": len(f_cust)}
