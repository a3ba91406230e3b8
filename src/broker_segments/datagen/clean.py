"""The clean data: a market shared by all chunks, then one chunk of customers at a time, every
step a numpy operation over the whole chunk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
from scipy.signal import lfilter

from broker_segments.datagen.market_calendar import to_day_number, trading_days, window_start
from broker_segments.datagen.profiles import (
    CASH_PERSISTENCE,
    CODE_RANGES,
    FREE,
    FREE_BURST_MONTH_SHARE,
    MAX_TRADES_PER_DAY,
    N_BRANCHES,
    PARAMS,
    PRODUCT_PREF,
    PRODUCT_TYPES,
    PROFILES,
    SLEEPING,
    TRADING_DAYS_PER_YEAR,
    UNIVERSE,
    commission_rates,
)
from broker_segments.datagen.tables import (
    ROW_GROUP_ROWS,
    SCHEMAS,
    ascii_digits,
    date_array,
    decimal_array,
    fixed_width_strings,
    parquet_writer,
    prefixed_ids,
    string_array,
    write_sliced,
)

STREAM_MARKET = 1
STREAM_CHUNK = 2
STREAM_DEFECTS = 3


@dataclass(frozen=True)
class Context:
    """What every chunk shares: the arguments, the calendar, the market and the securities
    (small; pickled to worker processes)."""

    out_dir: Path
    seed: int
    customers: int
    chunk_size: int
    end_day: int
    days: np.ndarray  # trading days of the window (int32 day numbers)
    month_of_day: np.ndarray  # month index (0..) of each window trading day
    n_months: int
    history_days: np.ndarray  # trading days from 21 years before the window to end_date
    market_log: np.ndarray  # log market index on each window trading day, 0 on the first
    sec_codes: np.ndarray  # (n_securities, 6) uint8 security codes
    sec_type_offset: np.ndarray  # first security index of each product type
    sec_type_count: np.ndarray
    sec_base_price: np.ndarray  # CNY
    type_tick: np.ndarray  # price tick per product type, in 1e-4 CNY
    type_lot: np.ndarray
    type_beta: np.ndarray
    # share of every profile opened in the last 20..55 trading days (short histories)
    short_history_share: float = 0.0


def build_context(
    out_dir: Path,
    customers: int,
    seed: int,
    end_date: date,
    months: int,
    chunk_size: int,
    short_history_share: float = 0.0,
) -> Context:
    start = window_start(end_date, months)
    days = trading_days(start, end_date)
    if len(days) == 0:
        raise ValueError(f"no trading day between {start} and {end_date}")
    history = trading_days(date(start.year - 21, 1, 1), end_date)
    as_dates = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    month_of_day = (as_dates - as_dates[0]).astype(np.int32)

    rng = np.random.default_rng([seed, STREAM_MARKET])
    returns = rng.normal(0.0001, 0.009, size=len(days))
    returns[0] = 0.0
    market_log = np.cumsum(returns)

    codes: list[np.ndarray] = []
    prices: list[np.ndarray] = []
    offsets: list[int] = []
    counts: list[int] = []
    for type_name in PRODUCT_TYPES:
        count, median, sigma, low, high, _tick, _lot, _beta = UNIVERSE[type_name]
        pool = np.concatenate([np.arange(a, b) for a, b in CODE_RANGES[type_name]])
        offsets.append(sum(len(c) for c in codes))
        counts.append(count)
        codes.append(np.sort(rng.choice(pool, size=count, replace=False)))
        prices.append(np.clip(median * np.exp(sigma * rng.standard_normal(count)), low, high))
    return Context(
        out_dir=out_dir,
        seed=seed,
        customers=customers,
        chunk_size=chunk_size,
        end_day=to_day_number(end_date),
        days=days,
        month_of_day=month_of_day,
        n_months=int(month_of_day[-1]) + 1,
        history_days=history,
        market_log=market_log,
        sec_codes=ascii_digits(np.concatenate(codes), 6),
        sec_type_offset=np.asarray(offsets, dtype=np.int64),
        sec_type_count=np.asarray(counts, dtype=np.int64),
        sec_base_price=np.concatenate(prices),
        type_tick=np.asarray([UNIVERSE[t][5] for t in PRODUCT_TYPES], dtype=np.int64),
        type_lot=np.asarray([UNIVERSE[t][6] for t in PRODUCT_TYPES], dtype=np.int64),
        type_beta=np.asarray([UNIVERSE[t][7] for t in PRODUCT_TYPES], dtype=np.float64),
        short_history_share=float(short_history_share),
    )


def price_ticks(ctx: Context, price: np.ndarray, product: np.ndarray) -> np.ndarray:
    """Prices in CNY to int64 units of 1e-4 CNY, on the product's tick, at least one tick."""
    tick = ctx.type_tick[product]
    return np.maximum(tick, np.rint(price * 10_000 / tick).astype(np.int64) * tick)


# --------------------------------------------------------------------------------------------
# One chunk of clean data


@dataclass
class ChunkResult:
    index: int
    first_number: int
    profile: np.ndarray  # int8 profile code per customer
    open_day: np.ndarray  # int32
    close_day: np.ndarray  # int32, -1 while open
    rows: dict[str, int]


def chunk_path(ctx: Context, table: str, index: int) -> Path:
    return ctx.out_dir / table / f"part-{index:05d}.parquet"


def generate_chunk(ctx: Context, index: int) -> ChunkResult:
    rng = np.random.default_rng([ctx.seed, STREAM_CHUNK, index])
    first_number = index * ctx.chunk_size + 1
    n = min(ctx.chunk_size, ctx.customers - index * ctx.chunk_size)
    numbers = np.arange(first_number, first_number + n, dtype=np.int64)
    days = ctx.days
    n_days = len(days)
    t = np.arange(n_days)

    profile = rng.choice(len(PROFILES), size=n, p=PARAMS["share"]).astype(np.int8)

    def param(name: str) -> np.ndarray:
        return PARAMS[name][profile]

    def uniform(low: np.ndarray, high: np.ndarray) -> np.ndarray:
        return low + (high - low) * rng.random(n)

    sleeping = profile == SLEEPING

    # ---- tenure: open inside the window (on a trading day) or years before it (a weekday)
    in_window = rng.random(n) < param("opened_in_window")
    open_idx = np.where(in_window, rng.integers(0, n_days, n), 0)
    age_days = (uniform(param("age_lo_years"), param("age_hi_years")) * 365.25).astype(np.int64)
    before = days[0] - 1 - age_days
    before -= np.maximum((before + 3) % 7 - 4, 0)  # a weekend opening moves back to Friday
    short = np.zeros(n, dtype=bool)
    if ctx.short_history_share > 0:
        # new accounts of every profile (drawn only when asked, so the default data is as
        # before): open in the last 20..55 trading days, a short history whatever the profile
        short = rng.random(n) < ctx.short_history_share
        in_window |= short
        open_idx = np.where(short, n_days - rng.integers(20, 56, n), open_idx)
    open_day = np.where(in_window, days[open_idx], before).astype(np.int32)
    closed = (rng.random(n) < param("closed_in_window")) & (open_idx < n_days - 40) & ~short
    close_span = np.maximum(n_days - 21 - open_idx, 1)
    close_idx = np.where(closed, open_idx + 20 + (rng.random(n) * close_span).astype(np.int64), -1)
    last_idx = np.where(closed, close_idx, n_days - 1)
    close_day = np.where(closed, days[np.maximum(close_idx, 0)], -1).astype(np.int32)

    # ---- asset level, cash share, trend, volatility
    level = np.maximum(
        param("assets_floor"),
        param("assets_median") * np.exp(param("assets_sigma") * rng.standard_normal(n)),
    )
    cash_share = uniform(param("cash_share_lo"), param("cash_share_hi"))
    sleeping_cash = rng.uniform(50.0, 900.0, n)
    sleeping_stock = np.where(
        rng.random(n) < 0.4, 2500.0 * np.exp(0.9 * rng.standard_normal(n)), 0.0
    )
    level = np.where(sleeping, sleeping_cash + sleeping_stock, level)
    cash_share = np.where(sleeping, sleeping_cash / level, cash_share)
    growth = uniform(param("growth_lo"), param("growth_hi"))
    beta = np.where(sleeping, 1.0, rng.uniform(0.7, 1.3, n))

    # ---- daily balances: random walks relative to the opening day (n x days matrices)
    rows = np.arange(n)
    walk = rng.standard_normal((n, n_days), dtype=np.float32)
    walk *= param("mv_vol").astype(np.float32)[:, None]
    np.cumsum(walk, axis=1, out=walk)
    walk -= walk[rows, open_idx][:, None]
    log_mv = walk
    log_mv += (beta[:, None] * (ctx.market_log - ctx.market_log[open_idx][:, None])).astype(
        np.float32
    )
    log_mv += (growth[:, None] * ((t - open_idx[:, None]) / n_days)).astype(np.float32)
    market_value = np.exp(log_mv, dtype=np.float64)
    del walk, log_mv
    market_value *= (level * (1.0 - cash_share))[:, None]

    # cash swings with trades but comes back to its level: an AR(1) log deviation
    cash_noise = rng.standard_normal((n, n_days), dtype=np.float32)
    cash_noise *= param("cash_vol").astype(np.float32)[:, None]
    cash_noise = lfilter([1.0], [1.0, -CASH_PERSISTENCE], cash_noise, axis=1)
    base_cash = np.exp(cash_noise, dtype=np.float64)
    del cash_noise
    base_cash *= (level * cash_share)[:, None]

    # ---- fund transfers (trading days strictly inside the account's open period)
    transfer_span = np.where(closed, close_idx, n_days) - open_idx
    n_transfers = rng.poisson(
        param("transfers_per_year") * transfer_span / TRADING_DAYS_PER_YEAR
    ).astype(np.int64)
    f_cust = np.repeat(rows, n_transfers)
    f_idx = open_idx[f_cust] + (rng.random(len(f_cust)) * transfer_span[f_cust]).astype(np.int64)
    f_in = rng.random(len(f_cust)) < param("transfer_in_share")[f_cust]
    f_size = level[f_cust] * 0.05 * np.exp(0.6 * rng.standard_normal(len(f_cust)) - 0.18)
    in_amount = f_size
    out_amount = np.minimum(f_size, 0.7 * base_cash[f_cust, f_idx])
    f_in |= out_amount < 100.0  # too little cash to withdraw: it becomes a deposit
    f_yuan = np.maximum(100.0, np.round(np.where(f_in, in_amount, out_amount) / 100.0) * 100.0)
    net = np.bincount(
        f_cust * n_days + f_idx, weights=np.where(f_in, f_yuan, -f_yuan), minlength=n * n_days
    ).reshape(n, n_days)
    np.cumsum(net, axis=1, out=net)
    cash = base_cash
    cash += net
    del net
    np.maximum(cash, 0.0, out=cash)

    # the opening deposit of an account opened in the window (the source of its first level)
    opening = np.flatnonzero(in_window)
    opening_cents = np.maximum(100, np.rint(level[opening] * 100.0 / 10_000.0) * 10_000).astype(
        np.int64
    )
    # closing: assets are zero on the close date and one last transfer takes them out
    cash_cents = np.rint(cash * 100.0).astype(np.int64)
    del cash
    mv_cents = np.rint(market_value * 100.0).astype(np.int64)
    del market_value
    closing = np.flatnonzero(closed)
    closing_cents = (
        cash_cents[closing, close_idx[closing] - 1] + mv_cents[closing, close_idx[closing] - 1]
    )
    cash_cents[closing, close_idx[closing]] = 0
    mv_cents[closing, close_idx[closing]] = 0
    keep_closing = closing_cents > 0
    closing, closing_cents = closing[keep_closing], closing_cents[keep_closing]

    tr_cust = np.concatenate([f_cust, opening, closing])
    tr_idx = np.concatenate([f_idx, open_idx[opening], close_idx[closing]])
    tr_in = np.concatenate([f_in, np.ones(len(opening), bool), np.zeros(len(closing), bool)])
    tr_cents = np.concatenate(
        [np.rint(f_yuan * 100.0).astype(np.int64), opening_cents, closing_cents]
    )
    order = np.lexsort((tr_idx, tr_cust))
    tr_cust, tr_idx, tr_in, tr_cents = tr_cust[order], tr_idx[order], tr_in[order], tr_cents[order]

    # ---- trades inside the window: active days, trades per day, products, sizes
    active_share = uniform(param("active_lo"), param("active_hi"))
    draws = rng.random((n, n_days), dtype=np.float32)
    active = draws < active_share.astype(np.float32)[:, None]
    del draws
    burst = rng.random((n, ctx.n_months)) < FREE_BURST_MONTH_SHARE
    burst[rows, rng.integers(0, ctx.n_months, n)] = True
    burst |= (profile != FREE)[:, None]
    active &= burst[:, ctx.month_of_day]
    trade_end = np.where(closed, close_idx, n_days)  # no trade from the close date on
    active &= (t >= open_idx[:, None]) & (t < trade_end[:, None])
    flat = np.flatnonzero(active)
    del active
    a_cust, a_idx = flat // n_days, flat % n_days
    per_day = 1 + np.minimum(
        rng.poisson(param("extra_trades")[a_cust]), MAX_TRADES_PER_DAY - 1
    ).astype(np.int64)
    w_cust, w_idx = np.repeat(a_cust, per_day), np.repeat(a_idx, per_day)
    n_window = len(w_cust)

    breadth = rng.integers(param("breadth_lo").astype(np.int64), param("breadth_hi") + 1)
    with np.errstate(divide="ignore"):
        keys = np.log(PRODUCT_PREF[profile]) + rng.gumbel(size=(n, len(PRODUCT_TYPES)))
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    weights = np.where(rank < breadth[:, None], PRODUCT_PREF[profile], 0.0)
    cumulative = np.cumsum(weights, axis=1)
    pick = rng.random(n_window) * cumulative[w_cust, -1]
    w_type = (pick[:, None] >= cumulative[w_cust]).sum(axis=1)
    w_type = np.minimum(w_type, len(PRODUCT_TYPES) - 1)

    trades_per_customer = np.bincount(w_cust, minlength=n)
    turnover = uniform(param("turnover_lo"), param("turnover_hi"))
    open_days = (last_idx - open_idx + 1).astype(np.float64)
    per_trade = (
        turnover * level * open_days / TRADING_DAYS_PER_YEAR / np.maximum(trades_per_customer, 1)
    )
    target = per_trade[w_cust] * np.exp(0.6 * rng.standard_normal(n_window) - 0.18)

    w_sec = ctx.sec_type_offset[w_type] + (
        rng.random(n_window) ** 2 * ctx.sec_type_count[w_type]
    ).astype(np.int64)
    w_price = ctx.sec_base_price[w_sec] * np.exp(
        ctx.type_beta[w_type] * ctx.market_log[w_idx] + 0.02 * rng.standard_normal(n_window)
    )
    w_ticks = price_ticks(ctx, w_price, w_type)
    lot = ctx.type_lot[w_type]
    w_qty = np.maximum(1, np.rint(target * 10_000 / (w_ticks * lot))).astype(np.int64) * lot
    w_buy = rng.random(n_window) < param("buy_share")[w_cust]
    w_day = days[w_idx]

    # ---- legacy trades of sleeping customers, 2-8 years before end_date
    sleepers = np.flatnonzero(sleeping)
    n_legacy = rng.integers(1, 4, len(sleepers))
    hist = ctx.history_days
    latest = min(ctx.end_day - 730, int(days[0]) - 1)
    lo = np.maximum(open_day[sleepers].astype(np.int64) + 30, ctx.end_day - 2922)
    lo = np.minimum(lo, latest)
    last_trade = lo + (rng.random(len(sleepers)) * (latest - lo + 1)).astype(np.int64)
    l_cust = np.repeat(sleepers, n_legacy)
    l_last = np.repeat(last_trade, n_legacy)
    l_is_last = np.ones(len(l_cust), bool)
    l_is_last[1:] = l_cust[1:] != l_cust[:-1]  # the first of each customer's group is the last
    l_first = open_day[l_cust].astype(np.int64) + 20
    l_raw = np.where(
        l_is_last,
        l_last,
        l_first + (rng.random(len(l_cust)) * np.maximum(l_last - l_first, 0)).astype(np.int64),
    )
    l_day = hist[np.searchsorted(hist, l_raw, side="right") - 1]
    l_type = np.zeros(len(l_cust), dtype=np.int64)
    l_sec = (rng.random(len(l_cust)) ** 2 * ctx.sec_type_count[0]).astype(np.int64)
    l_ticks = price_ticks(
        ctx, ctx.sec_base_price[l_sec] * np.exp(0.3 * rng.standard_normal(len(l_cust))), l_type
    )
    l_qty = rng.integers(1, 11, len(l_cust)) * 100
    l_buy = rng.random(len(l_cust)) < 0.5

    # ---- all trades of the chunk, ordered by customer then date; ids from the sequence
    g_cust = np.concatenate([l_cust, w_cust])
    g_day = np.concatenate([l_day, w_day]).astype(np.int32)
    order = np.lexsort((g_day, g_cust))
    g_cust, g_day = g_cust[order], g_day[order]
    g_type = np.concatenate([l_type, w_type])[order]
    g_sec = np.concatenate([l_sec, w_sec])[order]
    g_ticks = np.concatenate([l_ticks, w_ticks])[order]
    g_qty = np.concatenate([l_qty, w_qty])[order]
    g_buy = np.concatenate([l_buy, w_buy])[order]
    g_amount = (g_qty * g_ticks + 50) // 100  # quantity x price, to the cent (half up)
    rate = commission_rates(rng, profile)
    g_commission = np.maximum(500, np.rint(rate[g_cust] * g_amount)).astype(np.int64)
    group_start = np.searchsorted(g_cust, g_cust, side="left")
    g_seq = np.arange(len(g_cust)) - group_start + 1
    # written day by day (ids stay those of the customer order): a row group then holds a few
    # days, so a date filter skips the rest, as with a broker's export of daily files
    by_day = np.lexsort((g_cust, g_day))
    g_cust, g_day, g_seq = g_cust[by_day], g_day[by_day], g_seq[by_day]
    g_type, g_sec, g_ticks = g_type[by_day], g_sec[by_day], g_ticks[by_day]
    g_qty, g_buy = g_qty[by_day], g_buy[by_day]
    g_amount, g_commission = g_amount[by_day], g_commission[by_day]

    # ---- customers' attributes
    open_year = (open_day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)) + 1970
    birth = rng.integers(param("birth_lo").astype(np.int64), param("birth_hi") + 1)
    birth = np.minimum(birth, open_year - 18)
    birth_null = rng.random(n) < 0.04
    risk = rng.integers(param("risk_lo").astype(np.int64), param("risk_hi") + 1)
    risk_null = rng.random(n) < 0.03
    branch = np.minimum((rng.random(n) ** 1.5 * N_BRANCHES).astype(np.int64), N_BRANCHES - 1)
    online = rng.random(n) < param("online_share")

    # ---- write
    customer_ids = prefixed_ids("C", (numbers, 8))
    branch_ids = prefixed_ids("B", (np.arange(1, N_BRANCHES + 1), 3))
    (ctx.out_dir / "customers").mkdir(parents=True, exist_ok=True)
    write_sliced(
        chunk_path(ctx, "customers", index),
        "customers",
        n,
        lambda a, b: [
            fixed_width_strings(customer_ids[a:b]),
            date_array(open_day[a:b]),
            date_array(np.maximum(close_day[a:b], 0), null_mask=~closed[a:b]),
            fixed_width_strings(branch_ids[branch[a:b]]),
            pa.array(birth[a:b].astype(np.int32), mask=birth_null[a:b], type=pa.int32()),
            pa.array(risk[a:b].astype(np.int32), mask=risk_null[a:b], type=pa.int32()),
            string_array(np.where(online[a:b], 0, 1), ("online", "branch")),
        ],
    )

    write_sliced(
        chunk_path(ctx, "trades", index),
        "trades",
        len(g_cust),
        lambda a, b: [
            fixed_width_strings(prefixed_ids("T", (numbers[g_cust[a:b]], 8), (g_seq[a:b], 4))),
            fixed_width_strings(customer_ids[g_cust[a:b]]),
            date_array(g_day[a:b]),
            fixed_width_strings(ctx.sec_codes[g_sec[a:b]]),
            string_array(g_type[a:b], PRODUCT_TYPES),
            string_array(np.where(g_buy[a:b], 0, 1), ("buy", "sell")),
            pa.array(g_qty[a:b], type=pa.int64()),
            decimal_array(g_ticks[a:b], 18, 4),
            decimal_array(g_amount[a:b], 20, 2),
            decimal_array(g_commission[a:b], 18, 2),
        ],
    )

    f_group_start = np.searchsorted(tr_cust, tr_cust, side="left")
    f_seq = np.arange(len(tr_cust)) - f_group_start + 1
    write_sliced(
        chunk_path(ctx, "fund_transfers", index),
        "fund_transfers",
        len(tr_cust),
        lambda a, b: [
            fixed_width_strings(prefixed_ids("F", (numbers[tr_cust[a:b]], 8), (f_seq[a:b], 4))),
            fixed_width_strings(customer_ids[tr_cust[a:b]]),
            date_array(days[tr_idx[a:b]]),
            string_array(np.where(tr_in[a:b], 0, 1), ("in", "out")),
            decimal_array(tr_cents[a:b], 20, 2),
        ],
    )

    # balances: day by day (a row group holds a few whole days, so a date filter skips the
    # rest), each day's open accounts in customer order
    open_count = (last_idx - open_idx + 1).astype(np.int64)
    n_balances = int(open_count.sum())
    block = max(1, ROW_GROUP_ROWS // max(1, n))
    schema = SCHEMAS["daily_balances"]
    with parquet_writer(chunk_path(ctx, "daily_balances", index), "daily_balances") as writer:
        for a in range(0, n_days, block):
            b = min(n_days, a + block)
            open_on_day = ((t[a:b] >= open_idx[:, None]) & (t[a:b] <= last_idx[:, None])).T
            day_of_row, customer_of_row = np.nonzero(open_on_day)
            table = pa.Table.from_arrays(
                [
                    fixed_width_strings(customer_ids[customer_of_row]),
                    date_array(days[a:b][day_of_row]),
                    decimal_array(cash_cents[customer_of_row, a + day_of_row], 20, 2),
                    decimal_array(mv_cents[customer_of_row, a + day_of_row], 20, 2),
                ],
                schema=schema,
            )
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)

    return ChunkResult(
        index=index,
        first_number=first_number,
        profile=profile,
        open_day=open_day,
        close_day=close_day,
        rows={
            "customers": n,
            "trades": len(g_cust),
            "daily_balances": n_balances,
            "fund_transfers": len(tr_cust),
        },
    )


def run_chunk(args: tuple[Context, int]) -> ChunkResult:
    return generate_chunk(*args)
