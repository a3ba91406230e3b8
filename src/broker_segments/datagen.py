"""Demo data generator: the broker's raw exports (shared/raw-data-contract.md) with six planted
customer behaviour profiles, and optionally a known set of bad rows.

Usage::

    python -m broker_segments.datagen --customers 20000 --seed 42 --out data/raw [--defects]
        [--end-date 2025-12-31] [--months 15] [--chunk-size 50000] [--jobs 1]

Output (``DIR``)::

    customers/part-00000.parquet ...        one file per chunk per table (the contract's folders)
    trades/ daily_balances/ fund_transfers/
    <table>/defects-00000.parquet           --defects only: the injected bad rows
    <table>/resent-00000.parquet            --defects only: exact copies of clean rows ("a file
                                            sent twice")
    _generator/planted_profiles.parquet     customer_id, planted_profile (clean customers)
    _generator/defects.parquet              one row per injected defect (empty without --defects)
    _generator/summary.json                 arguments, calendar, rows and expected counts

A rerun deletes every ``*.parquet`` file in the four table folders first (nothing else, nowhere
else) and overwrites the three ``_generator`` files.

Data
----
Trading days are weekdays minus an approximate fixed list of Chinese market holidays (New Year,
Spring Festival week, Qingming, Labour Day 1-5 May, Dragon Boat, Mid-Autumn, National Day 1-7
Oct; the lunar ones tabled for 2005-2030). The data window is the ``months`` months ending at
``end_date``; ``daily_balances`` has one row per account per trading day in the window while the
account is open (``open_date <= d <= close_date``), rounded to cents and never negative. A closed
account's assets are zero on its close date and a last transfer out empties it the same day; it
trades no more from its close date on.

Customers are numbered 1..N (``C00000001``). IDs do not depend on the chunking: a trade is
``'T' + customer number (8 digits) + the customer's trade sequence (4 digits)`` and a transfer
``'F' + ...`` the same way; sequence 9999 is never reached by clean data and is reserved for
injected defect rows. Each chunk draws from ``numpy.random.default_rng([seed, 2, chunk])`` and
the shared market (index path, securities) from ``[seed, 1]``, so the output is a pure function
of (seed, customers, end_date, months, chunk_size, defects), byte for byte, for any ``--jobs``.

Every customer gets one of six profiles (planted shares vip 3%, potential 10%, ordinary_a 20%,
ordinary_b 27%, free 15%, sleeping 25%) that sets its asset level, cash share, trend, trading
frequency, trade size (turnover), product breadth, transfers, tenure and chance to open or close
inside the window: see ``_PROFILE_PARAMS``. Sleeping customers trade nothing inside the window;
they have 1-3 "legacy" trades 2-8 years before ``end_date`` (so the days since their last trade
are measurable); nobody else has trades before the window.

Defects (``--defects``)
-----------------------
After the clean data, a handful (3-5, deterministic) of rows per (table, reason) is written to
``<table>/defects-00000.parquet`` and ``<table>/resent-00000.parquet``. Every injected row has
exactly one problem, so its reason under the contract's precedence (missing_key, duplicate_key,
missing_date, unknown_customer, value rules, before_open_date, after_data_end; first match wins)
is unambiguous. ``_generator/defects.parquet`` has one row per defect *record* (a key, or one
null-key row): ``table_name``, ``record_key`` (the key columns as text joined with ``'|'``, a
null part written as the empty string: ``''`` for a null customer_id, ``'C00000012|'`` for a
balance with a null date), ``defect_reason``, ``rows_written`` (every physical row carrying that
record in the raw files, the clean original included where it takes part) and ``detail``.

================  ==========================================================================
table             reasons (rows per record)
================  ==========================================================================
customers         missing_key, missing_date, close_before_open, invalid_channel,
                  invalid_risk_level, after_data_end (1 each, all new customers with no
                  activity); duplicate_key (2: a new customer id twice with different values);
                  exact_duplicate (2: a clean customer row resent identically)
trades            missing_key, missing_date, unknown_customer, negative_amount,
                  negative_commission, invalid_side, before_open_date, after_data_end (1 each,
                  new trade ids of clean customers, or a customer id that exists nowhere);
                  duplicate_key (2: a new trade id twice, different quantity/amount);
                  exact_duplicate (2: a clean trade resent)
daily_balances    missing_key (1: null customer_id, or null balance_date), unknown_customer (1),
                  negative_balance (1: a clean customer on a trading day of the window on which
                  its account is not open yet / any more, so the key is new and the negative
                  value is its only problem); duplicate_key (3: an existing clean row plus two
                  other versions of it, so the clean original is quarantined too);
                  exact_duplicate (2: a clean row resent)
fund_transfers    missing_key, missing_date, unknown_customer, invalid_direction,
                  non_positive_amount, after_data_end (1 each); duplicate_key (2);
                  exact_duplicate (2)
================  ==========================================================================

Hence, per table: rows_written = expected_kept + sum(expected_quarantined) +
expected_duplicates_collapsed, where expected_quarantined[reason] = sum of rows_written of that
reason's records (not exact_duplicate), expected_duplicates_collapsed = sum of (rows_written - 1)
over exact_duplicate records, and expected_kept = the rest. ``summary.json``::

    {"generator": "broker_segments.datagen", "format_version": 1,
     "seed", "customers", "chunk_size", "months", "end_date", "defects": bool,
     "first_trading_day", "last_trading_day", "trading_days", "chunks",
     "planted_profiles": {profile: customers},
     "tables": {table: {"files": [paths relative to DIR], "rows_written", "clean_rows_written",
                        "expected_kept", "expected_quarantined": {reason: rows},
                        "expected_quarantined_total", "expected_duplicates_collapsed",
                        "defects": {reason: {"records", "rows_written"}}}}}

``expected_quarantined`` lists every quarantine reason of the table (zeros without --defects).
If a reason cannot be planted (tiny data: no candidate row) it is left out and the counts say so.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.signal import lfilter

TABLES = ("customers", "trades", "daily_balances", "fund_transfers")
PROFILES = ("vip", "potential", "ordinary_a", "ordinary_b", "free", "sleeping")
PRODUCT_TYPES = ("stock", "etf", "fund", "bond", "other")

DEFAULT_END_DATE = date(2025, 12, 31)
MAX_CUSTOMERS = 99_000_000  # 8-digit customer numbers, with room for defect-only ids above N
MAX_MONTHS = 60  # keeps a customer's trade sequence below 9999 (see _MAX_TRADES_PER_DAY)
ROW_GROUP_ROWS = 1_000_000
COMPRESSION = "zstd"
# Dictionary-encode the repetitive columns only and keep min/max statistics where readers
# filter (keys, dates): measured ~35% faster than the defaults on balances, same size or less.
_WRITE_OPTIONS: dict[str, dict[str, list[str]]] = {
    "customers": {
        "use_dictionary": ["open_date", "close_date", "branch_id", "channel"],
        "write_statistics": ["customer_id", "open_date", "close_date"],
    },
    "trades": {
        "use_dictionary": [
            "customer_id", "trade_date", "security_code", "product_type", "side", "quantity",
            "price",
        ],
        "write_statistics": ["trade_id", "customer_id", "trade_date"],
    },
    "daily_balances": {
        "use_dictionary": ["customer_id", "balance_date"],
        "write_statistics": ["customer_id", "balance_date"],
    },
    "fund_transfers": {
        "use_dictionary": ["customer_id", "transfer_date", "direction"],
        "write_statistics": ["transfer_id", "customer_id", "transfer_date"],
    },
}  # fmt: skip

SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema(
        [
            ("customer_id", pa.string()),
            ("open_date", pa.date32()),
            ("close_date", pa.date32()),
            ("branch_id", pa.string()),
            ("birth_year", pa.int32()),
            ("risk_level", pa.int32()),
            ("channel", pa.string()),
        ]
    ),
    "trades": pa.schema(
        [
            ("trade_id", pa.string()),
            ("customer_id", pa.string()),
            ("trade_date", pa.date32()),
            ("security_code", pa.string()),
            ("product_type", pa.string()),
            ("side", pa.string()),
            ("quantity", pa.int64()),
            ("price", pa.decimal128(18, 4)),
            ("amount", pa.decimal128(20, 2)),
            ("commission", pa.decimal128(18, 2)),
        ]
    ),
    "daily_balances": pa.schema(
        [
            ("customer_id", pa.string()),
            ("balance_date", pa.date32()),
            ("cash_balance", pa.decimal128(20, 2)),
            ("market_value", pa.decimal128(20, 2)),
        ]
    ),
    "fund_transfers": pa.schema(
        [
            ("transfer_id", pa.string()),
            ("customer_id", pa.string()),
            ("transfer_date", pa.date32()),
            ("direction", pa.string()),
            ("amount", pa.decimal128(20, 2)),
        ]
    ),
}
PROFILE_SCHEMA = pa.schema([("customer_id", pa.string()), ("planted_profile", pa.string())])
DEFECTS_SCHEMA = pa.schema(
    [
        ("table_name", pa.string()),
        ("record_key", pa.string()),
        ("defect_reason", pa.string()),
        ("rows_written", pa.int64()),
        ("detail", pa.string()),
    ]
)

# Quarantine reasons per table, in the dbt side's precedence order (first match wins).
# exact_duplicate is not a quarantine reason: such rows collapse into one kept row.
QUARANTINE_REASONS: dict[str, tuple[str, ...]] = {
    "customers": (
        "missing_key",
        "duplicate_key",
        "missing_date",
        "close_before_open",
        "invalid_channel",
        "invalid_risk_level",
        "after_data_end",
    ),
    "trades": (
        "missing_key",
        "duplicate_key",
        "missing_date",
        "unknown_customer",
        "invalid_side",
        "negative_amount",
        "negative_commission",
        "before_open_date",
        "after_data_end",
    ),
    "daily_balances": ("missing_key", "duplicate_key", "unknown_customer", "negative_balance"),
    "fund_transfers": (
        "missing_key",
        "duplicate_key",
        "missing_date",
        "unknown_customer",
        "invalid_direction",
        "non_positive_amount",
        "after_data_end",
    ),
}
EXACT_DUPLICATE = "exact_duplicate"

# --------------------------------------------------------------------------------------------
# Behaviour profiles. One column per profile, in PROFILES order:
#                    vip      potential ordinary_a ordinary_b free     sleeping
_PROFILE_PARAMS: dict[str, tuple[float, ...]] = {
    "share": (0.03, 0.10, 0.20, 0.27, 0.15, 0.25),
    # asset level (CNY): lognormal median and sigma, floor
    "assets_median": (1.3e6, 1.1e5, 3.0e5, 6.0e4, 9.0e3, 0.0),
    "assets_sigma": (0.70, 0.45, 0.40, 0.40, 0.50, 0.0),
    "assets_floor": (3.0e5, 2.0e4, 5.0e4, 5.0e3, 1.0e3, 0.0),
    # share of assets held as idle cash
    "cash_share_lo": (0.10, 0.02, 0.15, 0.20, 0.30, 0.0),
    "cash_share_hi": (0.30, 0.10, 0.40, 0.50, 0.70, 0.0),
    # log growth of the holdings over the whole window (on top of the market)
    "growth_lo": (-0.10, 0.25, -0.15, -0.20, -0.30, 0.0),
    "growth_hi": (0.15, 0.60, 0.15, 0.10, 0.10, 0.0),
    # daily volatility of the customer's own holdings and of the cash (log scale)
    "mv_vol": (0.008, 0.015, 0.010, 0.010, 0.012, 0.004),
    # cash: day-to-day noise of a mean-reverting (AR(1), see _CASH_PERSISTENCE) log deviation
    "cash_vol": (0.12, 0.15, 0.12, 0.12, 0.12, 0.0),
    # share of open trading days with a trade (free: inside its few burst months only)
    "active_lo": (0.30, 0.50, 0.08, 0.04, 0.08, 0.0),
    "active_hi": (0.55, 0.80, 0.20, 0.08, 0.25, 0.0),
    # Poisson mean of the extra trades on an active day
    "extra_trades": (0.8, 1.0, 0.3, 0.1, 0.3, 0.0),
    # annual trade volume / asset level
    "turnover_lo": (3.0, 25.0, 3.0, 1.0, 0.5, 0.0),
    "turnover_hi": (8.0, 60.0, 6.0, 3.0, 3.0, 0.0),
    # number of product types the customer trades
    "breadth_lo": (4, 1, 2, 1, 1, 1),
    "breadth_hi": (5, 3, 3, 2, 2, 1),
    "transfers_per_year": (8.0, 6.0, 4.0, 2.5, 1.5, 0.0),
    # net saving (vip, potential, ordinary_a) or withdrawing (ordinary_b) shows in the
    # direction mix, so the sign of net_fund_inflow follows the profile
    "transfer_in_share": (0.80, 0.90, 0.75, 0.30, 0.60, 0.5),
    "buy_share": (0.5, 0.55, 0.5, 0.5, 0.5, 0.5),
    # tenure: chance to open / close inside the window, else account age before the window
    "opened_in_window": (0.0, 0.25, 0.05, 0.08, 0.15, 0.0),
    "closed_in_window": (0.0, 0.02, 0.02, 0.04, 0.07, 0.02),
    "age_lo_years": (6.0, 0.2, 1.0, 0.5, 0.2, 6.5),
    "age_hi_years": (19.5, 6.0, 17.0, 18.0, 12.0, 19.5),
    # customer attributes
    "online_share": (0.30, 0.85, 0.50, 0.55, 0.80, 0.15),
    "birth_lo": (1950, 1982, 1960, 1960, 1970, 1945),
    "birth_hi": (1978, 2003, 1990, 1995, 2004, 1985),
    "risk_lo": (2, 3, 2, 1, 2, 1),
    "risk_hi": (5, 5, 4, 4, 5, 3),
}
_PARAMS = {k: np.asarray(v, dtype=np.float64) for k, v in _PROFILE_PARAMS.items()}
_SLEEPING = PROFILES.index("sleeping")
_FREE = PROFILES.index("free")
_VIP = PROFILES.index("vip")
# product preference per profile (stock, etf, fund, bond, other); a customer trades the
# top-`breadth` of these after random (Gumbel) perturbation
_PRODUCT_PREF = np.array(
    [
        [0.40, 0.20, 0.20, 0.15, 0.05],
        [0.75, 0.20, 0.03, 0.02, 0.00],
        [0.60, 0.20, 0.15, 0.05, 0.00],
        [0.70, 0.10, 0.20, 0.00, 0.00],
        [0.85, 0.10, 0.05, 0.00, 0.00],
        [1.00, 0.00, 0.00, 0.00, 0.00],
    ]
)
_FREE_BURST_MONTH_SHARE = 0.2
_CASH_PERSISTENCE = 0.9
_MAX_TRADES_PER_DAY = 6  # x ~1,300 trading days in 60 months stays below sequence 9999
_TRADING_DAYS_PER_YEAR = 244.0
_N_BRANCHES = 120

# securities: per product type, how many, price level (CNY), tick and lot
_UNIVERSE = {
    # type: (count, median price, sigma, min, max, tick in 1e-4 CNY, lot, market beta)
    "stock": (2000, 12.0, 0.7, 2.0, 500.0, 100, 100, 1.0),
    "etf": (150, 1.5, 0.6, 0.3, 10.0, 10, 100, 0.9),
    "fund": (300, 1.3, 0.4, 0.5, 5.0, 1, 100, 0.6),
    "bond": (200, 105.0, 0.08, 80.0, 200.0, 10, 10, 0.15),
    "other": (30, 3.0, 0.6, 0.3, 20.0, 10, 100, 0.8),
}
_CODE_RANGES = {
    "stock": ((600000, 604000), (1, 3000), (300001, 302000), (688001, 689000)),
    "etf": ((510000, 519000), (159000, 160000)),
    "fund": ((160000, 170000),),
    "bond": ((110000, 114000), (19000, 20000)),
    "other": ((900901, 900960), (200002, 200990)),
}

_STREAM_MARKET = 1
_STREAM_CHUNK = 2
_STREAM_DEFECTS = 3
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

# --------------------------------------------------------------------------------------------
# Calendar

# Dates of Chinese New Year, the Dragon Boat and the Mid-Autumn festivals.


def _by_year(text: str) -> dict[int, date]:
    return {d.year: d for d in map(date.fromisoformat, text.split())}


_SPRING_FESTIVAL = _by_year(
    """
    2005-02-09 2006-01-29 2007-02-18 2008-02-07 2009-01-26 2010-02-14 2011-02-03
    2012-01-23 2013-02-10 2014-01-31 2015-02-19 2016-02-08 2017-01-28 2018-02-16
    2019-02-05 2020-01-25 2021-02-12 2022-02-01 2023-01-22 2024-02-10 2025-01-29
    2026-02-17 2027-02-06 2028-01-26 2029-02-13 2030-02-03
    """
)
_DRAGON_BOAT = _by_year(
    """
    2005-06-11 2006-05-31 2007-06-19 2008-06-08 2009-05-28 2010-06-16 2011-06-06
    2012-06-23 2013-06-12 2014-06-02 2015-06-20 2016-06-09 2017-05-30 2018-06-18
    2019-06-07 2020-06-25 2021-06-14 2022-06-03 2023-06-22 2024-06-10 2025-05-31
    2026-06-19 2027-06-09 2028-05-28 2029-06-16 2030-06-05
    """
)
_MID_AUTUMN = _by_year(
    """
    2005-09-18 2006-10-06 2007-09-25 2008-09-14 2009-10-03 2010-09-22 2011-09-12
    2012-09-30 2013-09-19 2014-09-08 2015-09-27 2016-09-15 2017-10-04 2018-09-24
    2019-09-13 2020-10-01 2021-09-21 2022-09-10 2023-09-29 2024-09-17 2025-10-06
    2026-09-25 2027-09-15 2028-10-03 2029-09-22 2030-09-12
    """
)


def market_holidays(year: int) -> set[date]:
    """Approximate Shanghai/Shenzhen exchange closures of one year (weekends not included)."""
    days = {date(year, 1, 1), date(year, 4, 4), date(year, 4, 5)}
    days |= {date(year, 5, d) for d in range(1, 6)}
    days |= {date(year, 10, d) for d in range(1, 8)}
    if year in _SPRING_FESTIVAL:
        new_year = _SPRING_FESTIVAL[year]
        days |= {new_year + timedelta(days=k) for k in range(-1, 7)}
    for table in (_DRAGON_BOAT, _MID_AUTUMN):
        if year in table:
            festival = table[year]
            if festival.weekday() >= 5:  # a weekend festival closes the next Monday
                festival += timedelta(days=7 - festival.weekday())
            days.add(festival)
    return days


def to_day_number(d: date) -> int:
    """Days since 1970-01-01 (Arrow's date32)."""
    return d.toordinal() - _EPOCH_ORDINAL


def from_day_number(n: int) -> date:
    return date.fromordinal(int(n) + _EPOCH_ORDINAL)


def trading_days(first: date, last: date) -> np.ndarray:
    """Trading days in [first, last] as int32 day numbers (days since 1970-01-01), ascending."""
    start, stop = to_day_number(first), to_day_number(last)
    days = np.arange(start, stop + 1, dtype=np.int32)
    days = days[(days + 3) % 7 < 5]  # 1970-01-01 was a Thursday: (d + 3) % 7 is Mon=0..Sun=6
    holidays = [
        to_day_number(h) for y in range(first.year, last.year + 1) for h in market_holidays(y)
    ]
    return days[~np.isin(days, np.asarray(holidays, dtype=np.int32))]


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def window_start(end_date: date, months: int) -> date:
    """First calendar day of the `months` months ending at end_date: the day after the same day
    `months` months earlier (month ends map to month ends: 2025-06-30, 3 -> 2025-04-01)."""
    year, month = divmod(end_date.year * 12 + end_date.month - 1 - months, 12)
    month += 1
    if end_date == _month_end(end_date.year, end_date.month):
        return _month_end(year, month) + timedelta(days=1)
    return date(year, month, min(end_date.day, _month_end(year, month).day)) + timedelta(days=1)


# --------------------------------------------------------------------------------------------
# Arrow helpers: build columns straight from numpy buffers (no Python objects per row)


def _ascii_digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers as an (n, width) uint8 matrix."""
    out = np.empty((len(values), width), dtype=np.uint8)
    rest = np.asarray(values, dtype=np.int64).copy()
    for position in range(width - 1, -1, -1):
        out[:, position] = 48 + rest % 10
        rest //= 10
    return out


def _fixed_width_strings(chars: np.ndarray) -> pa.Array:
    """An (n, width) uint8 matrix of ASCII as a pyarrow string array."""
    n, width = chars.shape
    offsets = np.arange(0, n * width + 1, width, dtype=np.int32)
    data = np.ascontiguousarray(chars).reshape(-1)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _prefixed_ids(prefix: str, *parts: tuple[np.ndarray, int]) -> np.ndarray:
    """ID characters: a one-letter prefix then zero-padded numbers, as an (n, width) matrix."""
    digits = [_ascii_digits(values, width) for values, width in parts]
    head = np.full((len(digits[0]), 1), ord(prefix), dtype=np.uint8)
    return np.hstack([head, *digits])


def _decimal(unscaled: np.ndarray, precision: int, scale: int) -> pa.Array:
    """int64 unscaled values (e.g. cents for scale 2) as a decimal128 array."""
    values = np.asarray(unscaled, dtype=np.int64)
    words = np.empty((len(values), 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = values >> 63  # sign extension into the high 64 bits
    return pa.Array.from_buffers(
        pa.decimal128(precision, scale), len(values), [None, pa.py_buffer(words)]
    )


def _dates(day_numbers: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    array = pa.array(np.asarray(day_numbers, dtype=np.int32), mask=null_mask, type=pa.int32())
    return array.view(pa.date32())


def _categories(codes: np.ndarray, names: Sequence[str]) -> pa.Array:
    return pa.array(list(names), type=pa.string()).take(pa.array(codes, type=pa.int32()))


def _writer(path: Path, table: str) -> pq.ParquetWriter:
    return pq.ParquetWriter(path, SCHEMAS[table], compression=COMPRESSION, **_WRITE_OPTIONS[table])


def _write_sliced(
    path: Path, table: str, n_rows: int, build: Callable[[int, int], list[pa.Array]]
) -> None:
    """Write one Parquet file in row groups of ROW_GROUP_ROWS, building each slice on demand."""
    schema = SCHEMAS[table]
    with _writer(path, table) as writer:
        for start in range(0, n_rows, ROW_GROUP_ROWS):
            stop = min(n_rows, start + ROW_GROUP_ROWS)
            writer.write_table(
                pa.Table.from_arrays(build(start, stop), schema=schema),
                row_group_size=ROW_GROUP_ROWS,
            )
        if n_rows == 0:
            writer.write_table(schema.empty_table())


# --------------------------------------------------------------------------------------------
# The market shared by all chunks


@dataclass(frozen=True)
class _Context:
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


def _build_context(
    out_dir: Path, customers: int, seed: int, end_date: date, months: int, chunk_size: int
) -> _Context:
    start = window_start(end_date, months)
    days = trading_days(start, end_date)
    if len(days) == 0:
        raise ValueError(f"no trading day between {start} and {end_date}")
    history = trading_days(date(start.year - 21, 1, 1), end_date)
    as_dates = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    month_of_day = (as_dates - as_dates[0]).astype(np.int32)

    rng = np.random.default_rng([seed, _STREAM_MARKET])
    returns = rng.normal(0.0001, 0.009, size=len(days))
    returns[0] = 0.0
    market_log = np.cumsum(returns)

    codes, offsets, counts, prices = [], [], [], []
    for type_name in PRODUCT_TYPES:
        count, median, sigma, low, high, _tick, _lot, _beta = _UNIVERSE[type_name]
        pool = np.concatenate([np.arange(a, b) for a, b in _CODE_RANGES[type_name]])
        offsets.append(sum(len(c) for c in codes))
        counts.append(count)
        codes.append(np.sort(rng.choice(pool, size=count, replace=False)))
        prices.append(np.clip(median * np.exp(sigma * rng.standard_normal(count)), low, high))
    return _Context(
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
        sec_codes=_ascii_digits(np.concatenate(codes), 6),
        sec_type_offset=np.asarray(offsets, dtype=np.int64),
        sec_type_count=np.asarray(counts, dtype=np.int64),
        sec_base_price=np.concatenate(prices),
        type_tick=np.asarray([_UNIVERSE[t][5] for t in PRODUCT_TYPES], dtype=np.int64),
        type_lot=np.asarray([_UNIVERSE[t][6] for t in PRODUCT_TYPES], dtype=np.int64),
        type_beta=np.asarray([_UNIVERSE[t][7] for t in PRODUCT_TYPES], dtype=np.float64),
    )


def _price_ticks(ctx: _Context, price: np.ndarray, product: np.ndarray) -> np.ndarray:
    """Prices in CNY to int64 units of 1e-4 CNY, on the product's tick, at least one tick."""
    tick = ctx.type_tick[product]
    return np.maximum(tick, np.rint(price * 10_000 / tick).astype(np.int64) * tick)


def _commission_rates(rng: np.random.Generator, profile: np.ndarray) -> np.ndarray:
    """Per-customer commission rate: 0.015%-0.3%, most 0.02%-0.05%, VIPs at the low end."""
    n = len(profile)
    rate = np.clip(0.00028 * np.exp(0.35 * rng.standard_normal(n)), 0.00015, 0.003)
    legacy_high = (rng.random(n) < 0.06) & (profile != _VIP)
    rate = np.where(legacy_high, rng.uniform(0.0008, 0.003, n), rate)
    return np.where(profile == _VIP, rng.uniform(0.00015, 0.00025, n), rate)


# --------------------------------------------------------------------------------------------
# One chunk of clean data


@dataclass
class _ChunkResult:
    index: int
    first_number: int
    profile: np.ndarray  # int8 profile code per customer
    open_day: np.ndarray  # int32
    close_day: np.ndarray  # int32, -1 while open
    rows: dict[str, int]


def _chunk_path(ctx: _Context, table: str, index: int) -> Path:
    return ctx.out_dir / table / f"part-{index:05d}.parquet"


def _generate_chunk(ctx: _Context, index: int) -> _ChunkResult:
    rng = np.random.default_rng([ctx.seed, _STREAM_CHUNK, index])
    first_number = index * ctx.chunk_size + 1
    n = min(ctx.chunk_size, ctx.customers - index * ctx.chunk_size)
    numbers = np.arange(first_number, first_number + n, dtype=np.int64)
    days = ctx.days
    n_days = len(days)
    t = np.arange(n_days)

    profile = rng.choice(len(PROFILES), size=n, p=_PARAMS["share"]).astype(np.int8)

    def param(name: str) -> np.ndarray:
        return _PARAMS[name][profile]

    def uniform(low: np.ndarray, high: np.ndarray) -> np.ndarray:
        return low + (high - low) * rng.random(n)

    sleeping = profile == _SLEEPING

    # ---- tenure: open inside the window (on a trading day) or years before it (a weekday)
    in_window = rng.random(n) < param("opened_in_window")
    open_idx = np.where(in_window, rng.integers(0, n_days, n), 0)
    age_days = (uniform(param("age_lo_years"), param("age_hi_years")) * 365.25).astype(np.int64)
    before = days[0] - 1 - age_days
    before -= np.maximum((before + 3) % 7 - 4, 0)  # a weekend opening moves back to Friday
    open_day = np.where(in_window, days[open_idx], before).astype(np.int32)
    closed = (rng.random(n) < param("closed_in_window")) & (open_idx < n_days - 40)
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
    cash_noise = lfilter([1.0], [1.0, -_CASH_PERSISTENCE], cash_noise, axis=1)
    base_cash = np.exp(cash_noise, dtype=np.float64)
    del cash_noise
    base_cash *= (level * cash_share)[:, None]

    # ---- fund transfers (trading days strictly inside the account's open period)
    transfer_span = np.where(closed, close_idx, n_days) - open_idx
    n_transfers = rng.poisson(
        param("transfers_per_year") * transfer_span / _TRADING_DAYS_PER_YEAR
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
    burst = rng.random((n, ctx.n_months)) < _FREE_BURST_MONTH_SHARE
    burst[rows, rng.integers(0, ctx.n_months, n)] = True
    burst |= (profile != _FREE)[:, None]
    active &= burst[:, ctx.month_of_day]
    trade_end = np.where(closed, close_idx, n_days)  # no trade from the close date on
    active &= (t >= open_idx[:, None]) & (t < trade_end[:, None])
    flat = np.flatnonzero(active)
    del active
    a_cust, a_idx = flat // n_days, flat % n_days
    per_day = 1 + np.minimum(
        rng.poisson(param("extra_trades")[a_cust]), _MAX_TRADES_PER_DAY - 1
    ).astype(np.int64)
    w_cust, w_idx = np.repeat(a_cust, per_day), np.repeat(a_idx, per_day)
    n_window = len(w_cust)

    breadth = rng.integers(param("breadth_lo").astype(np.int64), param("breadth_hi") + 1)
    with np.errstate(divide="ignore"):
        keys = np.log(_PRODUCT_PREF[profile]) + rng.gumbel(size=(n, len(PRODUCT_TYPES)))
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    weights = np.where(rank < breadth[:, None], _PRODUCT_PREF[profile], 0.0)
    cumulative = np.cumsum(weights, axis=1)
    pick = rng.random(n_window) * cumulative[w_cust, -1]
    w_type = (pick[:, None] >= cumulative[w_cust]).sum(axis=1)
    w_type = np.minimum(w_type, len(PRODUCT_TYPES) - 1)

    trades_per_customer = np.bincount(w_cust, minlength=n)
    turnover = uniform(param("turnover_lo"), param("turnover_hi"))
    open_days = (last_idx - open_idx + 1).astype(np.float64)
    per_trade = (
        turnover * level * open_days / _TRADING_DAYS_PER_YEAR / np.maximum(trades_per_customer, 1)
    )
    target = per_trade[w_cust] * np.exp(0.6 * rng.standard_normal(n_window) - 0.18)

    w_sec = ctx.sec_type_offset[w_type] + (
        rng.random(n_window) ** 2 * ctx.sec_type_count[w_type]
    ).astype(np.int64)
    w_price = ctx.sec_base_price[w_sec] * np.exp(
        ctx.type_beta[w_type] * ctx.market_log[w_idx] + 0.02 * rng.standard_normal(n_window)
    )
    w_ticks = _price_ticks(ctx, w_price, w_type)
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
    l_ticks = _price_ticks(
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
    rate = _commission_rates(rng, profile)
    g_commission = np.maximum(500, np.rint(rate[g_cust] * g_amount)).astype(np.int64)
    group_start = np.searchsorted(g_cust, g_cust, side="left")
    g_seq = np.arange(len(g_cust)) - group_start + 1

    # ---- customers' attributes
    open_year = (open_day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)) + 1970
    birth = rng.integers(param("birth_lo").astype(np.int64), param("birth_hi") + 1)
    birth = np.minimum(birth, open_year - 18)
    birth_null = rng.random(n) < 0.04
    risk = rng.integers(param("risk_lo").astype(np.int64), param("risk_hi") + 1)
    risk_null = rng.random(n) < 0.03
    branch = np.minimum((rng.random(n) ** 1.5 * _N_BRANCHES).astype(np.int64), _N_BRANCHES - 1)
    online = rng.random(n) < param("online_share")

    # ---- write
    customer_ids = _prefixed_ids("C", (numbers, 8))
    branch_ids = _prefixed_ids("B", (np.arange(1, _N_BRANCHES + 1), 3))
    (ctx.out_dir / "customers").mkdir(parents=True, exist_ok=True)
    _write_sliced(
        _chunk_path(ctx, "customers", index),
        "customers",
        n,
        lambda a, b: [
            _fixed_width_strings(customer_ids[a:b]),
            _dates(open_day[a:b]),
            _dates(np.maximum(close_day[a:b], 0), null_mask=~closed[a:b]),
            _fixed_width_strings(branch_ids[branch[a:b]]),
            pa.array(birth[a:b].astype(np.int32), mask=birth_null[a:b], type=pa.int32()),
            pa.array(risk[a:b].astype(np.int32), mask=risk_null[a:b], type=pa.int32()),
            _categories(np.where(online[a:b], 0, 1), ("online", "branch")),
        ],
    )

    _write_sliced(
        _chunk_path(ctx, "trades", index),
        "trades",
        len(g_cust),
        lambda a, b: [
            _fixed_width_strings(_prefixed_ids("T", (numbers[g_cust[a:b]], 8), (g_seq[a:b], 4))),
            _fixed_width_strings(customer_ids[g_cust[a:b]]),
            _dates(g_day[a:b]),
            _fixed_width_strings(ctx.sec_codes[g_sec[a:b]]),
            _categories(g_type[a:b], PRODUCT_TYPES),
            _categories(np.where(g_buy[a:b], 0, 1), ("buy", "sell")),
            pa.array(g_qty[a:b], type=pa.int64()),
            _decimal(g_ticks[a:b], 18, 4),
            _decimal(g_amount[a:b], 20, 2),
            _decimal(g_commission[a:b], 18, 2),
        ],
    )

    f_group_start = np.searchsorted(tr_cust, tr_cust, side="left")
    f_seq = np.arange(len(tr_cust)) - f_group_start + 1
    _write_sliced(
        _chunk_path(ctx, "fund_transfers", index),
        "fund_transfers",
        len(tr_cust),
        lambda a, b: [
            _fixed_width_strings(_prefixed_ids("F", (numbers[tr_cust[a:b]], 8), (f_seq[a:b], 4))),
            _fixed_width_strings(customer_ids[tr_cust[a:b]]),
            _dates(days[tr_idx[a:b]]),
            _categories(np.where(tr_in[a:b], 0, 1), ("in", "out")),
            _decimal(tr_cents[a:b], 20, 2),
        ],
    )

    # balances: slices of whole customers, each about one row group
    open_count = (last_idx - open_idx + 1).astype(np.int64)
    n_balances = int(open_count.sum())
    block = max(1, ROW_GROUP_ROWS // n_days)
    schema = SCHEMAS["daily_balances"]
    with _writer(_chunk_path(ctx, "daily_balances", index), "daily_balances") as writer:
        for a in range(0, n, block):
            b = min(n, a + block)
            mask = (t >= open_idx[a:b, None]) & (t <= last_idx[a:b, None])
            table = pa.Table.from_arrays(
                [
                    _fixed_width_strings(np.repeat(customer_ids[a:b], open_count[a:b], axis=0)),
                    _dates(np.broadcast_to(days, mask.shape)[mask]),
                    _decimal(cash_cents[a:b][mask], 20, 2),
                    _decimal(mv_cents[a:b][mask], 20, 2),
                ],
                schema=schema,
            )
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)

    return _ChunkResult(
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


def _run_chunk(args: tuple[_Context, int]) -> _ChunkResult:
    return _generate_chunk(*args)


# --------------------------------------------------------------------------------------------
# Defects


@dataclass
class _Clean:
    """What the defect step needs to know about the clean customers (index = number - 1)."""

    profile: np.ndarray
    open_day: np.ndarray
    close_day: np.ndarray  # -1 while open


class _DefectBook:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {table: [] for table in TABLES}
        self.resent: dict[str, list[pa.Table]] = {table: [] for table in TABLES}
        self.records: list[dict] = []

    def add(
        self,
        table: str,
        reason: str,
        key: str,
        rows: list[dict],
        detail: str,
        rows_written: int | None = None,
    ) -> None:
        self.rows[table].extend(rows)
        self.records.append(
            {
                "table_name": table,
                "record_key": key,
                "defect_reason": reason,
                "rows_written": len(rows) if rows_written is None else rows_written,
                "detail": detail,
            }
        )


def _cents(value: int) -> Decimal:
    return Decimal(int(value)).scaleb(-2)


def _trade_value(quantity: int, price: Decimal) -> dict:
    """quantity, price, amount and commission (0.03%, at least 5 CNY) of a defect trade row."""
    amount = (quantity * int(price.scaleb(4)) + 50) // 100
    commission = max(500, round(amount * 0.0003))
    return {"quantity": quantity, "price": price, "amount": _cents(amount),
            "commission": _cents(commission)}  # fmt: skip


def _first_row_group(path: Path) -> pa.Table:
    parquet = pq.ParquetFile(path)
    if parquet.metadata.num_row_groups == 0:
        return parquet.schema_arrow.empty_table()
    return parquet.read_row_group(0)


def _inject_defects(ctx: _Context, clean: _Clean) -> _DefectBook:
    """Plant 3-5 bad rows per (table, reason); see the module docstring for the scheme."""
    rng = np.random.default_rng([ctx.seed, _STREAM_DEFECTS])
    book = _DefectBook()
    days = ctx.days
    first_day, last_day = int(days[0]), int(days[-1])
    n = ctx.customers
    numbers = iter(range(n + 1, n + 500))  # new customers that exist only as defect rows
    unknown = iter(range(n + 501, n + 1000))  # customer ids that exist nowhere
    defect_serial = iter(range(1, 100_000))  # ids with sequence 9999: never used by clean rows

    def how_many() -> int:
        return int(rng.integers(3, 6))

    def customer_id(number: int) -> str:
        return f"C{number:08d}"

    def window_day() -> date:
        return from_day_number(days[rng.integers(0, len(days))])

    steady = np.flatnonzero((clean.open_day <= first_day) & (clean.close_day < 0))

    def steady_customer() -> str:
        return customer_id(int(steady[rng.integers(0, len(steady))]) + 1)

    def new_customer(number: int | None, **changes: object) -> dict:
        opened = first_day - int(rng.integers(30, 3000))
        opened -= max((opened + 3) % 7 - 4, 0)
        row = {
            "customer_id": None if number is None else customer_id(number),
            "open_date": from_day_number(opened),
            "close_date": None,
            "branch_id": f"B{int(rng.integers(1, _N_BRANCHES + 1)):03d}",
            "birth_year": int(rng.integers(1955, 2000)),
            "risk_level": int(rng.integers(1, 6)),
            "channel": ("online", "branch")[int(rng.integers(0, 2))],
        }
        row.update(changes)
        return row

    def trade(customer: str | None, day: date | None, **changes: object) -> dict:
        security = int(rng.integers(0, ctx.sec_type_count[0]))
        ticks = int(
            _price_ticks(ctx, ctx.sec_base_price[security : security + 1], np.zeros(1, np.int64))[0]
        )
        row = {
            "trade_id": f"T{next(defect_serial):08d}9999",
            "customer_id": customer,
            "trade_date": day,
            "security_code": bytes(ctx.sec_codes[security]).decode(),
            "product_type": "stock",
            "side": ("buy", "sell")[int(rng.integers(0, 2))],
            **_trade_value(int(rng.integers(1, 20)) * 100, Decimal(ticks).scaleb(-4)),
        }
        row.update(changes)
        return row

    def transfer(customer: str | None, day: date | None, **changes: object) -> dict:
        row = {
            "transfer_id": f"F{next(defect_serial):08d}9999",
            "customer_id": customer,
            "transfer_date": day,
            "direction": ("in", "out")[int(rng.integers(0, 2))],
            "amount": _cents(int(rng.integers(1, 500)) * 10_000),
        }
        row.update(changes)
        return row

    def balance(customer: str | None, day: date | None, **changes: object) -> dict:
        row = {
            "customer_id": customer,
            "balance_date": day,
            "cash_balance": _cents(int(rng.integers(0, 10_000_000))),
            "market_value": _cents(int(rng.integers(0, 50_000_000))),
        }
        row.update(changes)
        return row

    def resend(table: str, key_columns: tuple[str, ...], rows: pa.Table) -> None:
        """Exact copies of clean rows, in a second file: 'a file sent twice'."""
        book.resent[table].append(rows)
        for row in rows.to_pylist():
            key = "|".join(_key_text(row[c]) for c in key_columns)
            book.add(table, EXACT_DUPLICATE, key, [], "resent identical copy", rows_written=2)

    def sample_rows(table: str, k: int, exclude_customers: set[str] = frozenset()) -> pa.Table:
        part = _first_row_group(_chunk_path(ctx, table, 0))
        ids = part.column("customer_id").to_pylist()
        picked, seen = [], set(exclude_customers)
        for i in rng.permutation(part.num_rows):
            if ids[i] not in seen:
                picked.append(int(i))
                seen.add(ids[i])
                if len(picked) == k:
                    break
        return part.take(pa.array(picked, type=pa.int64()))

    # ---- customers: new customers with no activity, one problem each
    c = "customers"
    for _ in range(how_many()):
        book.add(c, "missing_key", "", [new_customer(None)], "customer_id is null")
    for _ in range(how_many()):
        number = next(numbers)
        first, second = new_customer(number), new_customer(number)
        second["risk_level"] = first["risk_level"] % 5 + 1
        book.add(c, "duplicate_key", customer_id(number), [first, second], "risk_level differs")
    for _ in range(how_many()):
        number = next(numbers)
        book.add(
            c,
            "missing_date",
            customer_id(number),
            [new_customer(number, open_date=None)],
            "open_date is null",
        )
    for _ in range(how_many()):
        number = next(numbers)
        row = new_customer(number)
        row["close_date"] = row["open_date"] - timedelta(days=int(rng.integers(1, 400)))
        book.add(c, "close_before_open", customer_id(number), [row], "close_date < open_date")
    for i in range(how_many()):
        number = next(numbers)
        channel = ("app", "wechat", "phone", "mobile", "web")[i % 5]
        book.add(
            c,
            "invalid_channel",
            customer_id(number),
            [new_customer(number, channel=channel)],
            f"channel={channel}",
        )
    for i in range(how_many()):
        number = next(numbers)
        level = (0, 7, 6, 9, -1)[i % 5]
        book.add(
            c,
            "invalid_risk_level",
            customer_id(number),
            [new_customer(number, risk_level=level)],
            f"risk_level={level}",
        )
    for _ in range(how_many()):
        number = next(numbers)
        opened = from_day_number(last_day + int(rng.integers(1, 60)))
        book.add(
            c,
            "after_data_end",
            customer_id(number),
            [new_customer(number, open_date=opened)],
            "open_date after the last trading day",
        )
    resend(c, ("customer_id",), sample_rows(c, how_many()))

    # ---- trades: new trade ids of clean, open customers on window days, one problem each
    c = "trades"
    if len(steady):
        for _ in range(how_many()):
            book.add(
                c,
                "missing_key",
                "",
                [trade(steady_customer(), window_day(), trade_id=None)],
                "trade_id is null",
            )
        for _ in range(how_many()):
            first = trade(steady_customer(), window_day())
            second = dict(first, **_trade_value(first["quantity"] * 2, first["price"]))
            book.add(
                c, "duplicate_key", first["trade_id"], [first, second], "quantity and amount differ"
            )
        for _ in range(how_many()):
            row = trade(steady_customer(), None)
            book.add(c, "missing_date", row["trade_id"], [row], "trade_date is null")
        for _ in range(how_many()):
            row = trade(customer_id(next(unknown)), window_day())
            book.add(c, "unknown_customer", row["trade_id"], [row], "customer_id not in customers")
        for _ in range(how_many()):
            row = trade(steady_customer(), window_day())
            row["amount"] = -row["amount"]
            book.add(c, "negative_amount", row["trade_id"], [row], "amount < 0")
        for _ in range(how_many()):
            row = trade(steady_customer(), window_day())
            row["commission"] = -row["commission"]
            book.add(c, "negative_commission", row["trade_id"], [row], "commission < 0")
        for i in range(how_many()):
            side = ("B", "S", "hold", "short", "BUY")[i % 5]
            row = trade(steady_customer(), window_day(), side=side)
            book.add(c, "invalid_side", row["trade_id"], [row], f"side={side}")
        for _ in range(how_many()):
            number = int(rng.integers(0, n))
            opened = int(clean.open_day[number])
            position = np.searchsorted(ctx.history_days, opened) - int(rng.integers(1, 30))
            day = from_day_number(ctx.history_days[position])
            row = trade(customer_id(number + 1), day)
            book.add(
                c,
                "before_open_date",
                row["trade_id"],
                [row],
                f"trade_date before open_date {from_day_number(opened)}",
            )
        for _ in range(how_many()):
            day = from_day_number(last_day + int(rng.integers(1, 30)))
            row = trade(steady_customer(), day)
            book.add(
                c,
                "after_data_end",
                row["trade_id"],
                [row],
                "trade_date after the last balance_date",
            )
    resend(c, ("trade_id",), sample_rows(c, how_many()))

    # ---- daily balances
    c = "daily_balances"
    for i in range(how_many()):
        if i % 2 == 0:
            row, key = balance(None, window_day()), "|{}"
            key = key.format(row["balance_date"].isoformat())
        elif len(steady):
            row = balance(steady_customer(), None)
            key = f"{row['customer_id']}|"
        else:
            continue
        book.add(c, "missing_key", key, [row], "customer_id or balance_date is null")
    for _ in range(how_many()):
        row = balance(customer_id(next(unknown)), window_day())
        book.add(c, "unknown_customer", _balance_key(row), [row], "customer_id not in customers")
    # negative values on a new key: a trading day on which the customer's account is not open
    not_yet = np.flatnonzero(clean.open_day > first_day)
    gone = np.flatnonzero((clean.close_day >= 0) & (clean.close_day < last_day))
    candidates = np.concatenate([not_yet, gone])
    for i in range(min(how_many(), len(candidates))):
        number = int(candidates[rng.integers(0, len(candidates))])
        if clean.open_day[number] > first_day:
            free_days = days[days < clean.open_day[number]]
        else:
            free_days = days[days > clean.close_day[number]]
        day = from_day_number(free_days[rng.integers(0, len(free_days))])
        key_row = balance(customer_id(number + 1), day)
        if _balance_key(key_row) in {r["record_key"] for r in book.records}:
            continue
        column = ("cash_balance", "market_value")[i % 2]
        key_row[column] = -key_row[column] - Decimal("0.01")
        book.add(c, "negative_balance", _balance_key(key_row), [key_row], f"{column} < 0")
    duplicated = sample_rows(c, how_many())
    for row in duplicated.to_pylist():
        other = dict(row, cash_balance=row["cash_balance"] + Decimal("1000.00"))
        third = dict(row, cash_balance=row["cash_balance"] * 2 + Decimal("0.01"))
        book.add(
            c,
            "duplicate_key",
            _balance_key(row),
            [other, third],
            "a clean row plus two versions with other cash",
            rows_written=3,
        )
    used = set(duplicated.column("customer_id").to_pylist())
    resend(c, ("customer_id", "balance_date"), sample_rows(c, how_many(), used))

    # ---- fund transfers
    c = "fund_transfers"
    if len(steady):
        for _ in range(how_many()):
            book.add(
                c,
                "missing_key",
                "",
                [transfer(steady_customer(), window_day(), transfer_id=None)],
                "transfer_id is null",
            )
        for _ in range(how_many()):
            first = transfer(steady_customer(), window_day())
            second = dict(first, amount=first["amount"] + Decimal("100.00"))
            book.add(c, "duplicate_key", first["transfer_id"], [first, second], "amount differs")
        for _ in range(how_many()):
            row = transfer(steady_customer(), None)
            book.add(c, "missing_date", row["transfer_id"], [row], "transfer_date is null")
        for _ in range(how_many()):
            row = transfer(customer_id(next(unknown)), window_day())
            book.add(
                c, "unknown_customer", row["transfer_id"], [row], "customer_id not in customers"
            )
        for i in range(how_many()):
            direction = ("deposit", "withdrawal", "IN", "x", "")[i % 5]
            row = transfer(steady_customer(), window_day(), direction=direction)
            book.add(c, "invalid_direction", row["transfer_id"], [row], f"direction={direction}")
        for i in range(how_many()):
            amount = (Decimal("0.00"), Decimal("-500.00"), Decimal("-0.01"))[i % 3]
            row = transfer(steady_customer(), window_day(), amount=amount)
            book.add(c, "non_positive_amount", row["transfer_id"], [row], f"amount={amount}")
        for _ in range(how_many()):
            day = from_day_number(last_day + int(rng.integers(1, 30)))
            row = transfer(steady_customer(), day)
            book.add(
                c,
                "after_data_end",
                row["transfer_id"],
                [row],
                "transfer_date after the last balance_date",
            )
    resend(c, ("transfer_id",), sample_rows(c, how_many()))
    return book


def _key_text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _balance_key(row: dict) -> str:
    return f"{_key_text(row['customer_id'])}|{_key_text(row['balance_date'])}"


def _write_defects(ctx: _Context, book: _DefectBook) -> dict[str, int]:
    """Write the defect and resent files; return the physical rows written per table."""
    written = {}
    for table in TABLES:
        schema = SCHEMAS[table]
        rows = book.rows[table]
        resent = book.resent[table]
        written[table] = len(rows) + sum(t.num_rows for t in resent)
        if rows:
            with _writer(ctx.out_dir / table / "defects-00000.parquet", table) as writer:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
        if resent:
            with _writer(ctx.out_dir / table / "resent-00000.parquet", table) as writer:
                writer.write_table(pa.concat_tables(resent).cast(schema))
    return written


# --------------------------------------------------------------------------------------------
# Entry points


def _clear_table_folders(out_dir: Path) -> None:
    """Delete the Parquet files of a previous run in the four table folders, nothing else."""
    for table in TABLES:
        folder = out_dir / table
        if folder.is_dir():
            for path in sorted(folder.glob("*.parquet")):
                if path.is_file():
                    path.unlink()
        folder.mkdir(parents=True, exist_ok=True)


def _validate(customers: int, seed: int, end_date: date, months: int, chunk_size: int) -> None:
    if isinstance(customers, bool) or not isinstance(customers, int) or customers < 1:
        raise ValueError(f"customers must be an integer >= 1, got {customers!r}")
    if customers > MAX_CUSTOMERS:
        raise ValueError(f"customers must be at most {MAX_CUSTOMERS:,}, got {customers:,}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if not isinstance(end_date, date) or not date(2010, 1, 1) <= end_date <= date(2030, 12, 31):
        raise ValueError(
            f"end_date must be a date in 2010-2030 (the holiday table), got {end_date!r}"
        )
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be an integer in 1..{MAX_MONTHS}, got {months!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be an integer >= 1, got {chunk_size!r}")


def generate(
    out_dir: str | Path,
    customers: int,
    seed: int,
    defects: bool = False,
    end_date: date = DEFAULT_END_DATE,
    months: int = 15,
    chunk_size: int = 50_000,
    *,
    jobs: int = 1,
    progress: bool = False,
) -> dict:
    """Write the demo raw data to out_dir; return the summary (also in _generator/summary.json)
    plus ``out_dir`` and absolute ``paths``. The output depends only on the arguments before
    ``jobs``; ``jobs`` > 1 generates that many chunks at once in worker processes."""
    _validate(customers, seed, end_date, months, chunk_size)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    started = time.monotonic()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _clear_table_folders(out)
    generator_dir = out / "_generator"
    generator_dir.mkdir(exist_ok=True)
    ctx = _build_context(out, customers, seed, end_date, months, chunk_size)
    n_chunks = -(-customers // chunk_size)

    profile = np.empty(customers, dtype=np.int8)
    open_day = np.empty(customers, dtype=np.int32)
    close_day = np.empty(customers, dtype=np.int32)
    clean_rows = dict.fromkeys(TABLES, 0)
    tasks = ((ctx, i) for i in range(n_chunks))
    executor = ProcessPoolExecutor(max_workers=min(jobs, n_chunks)) if jobs > 1 else None
    try:
        results = executor.map(_run_chunk, tasks) if executor else map(_run_chunk, tasks)
        with pq.ParquetWriter(
            generator_dir / "planted_profiles.parquet", PROFILE_SCHEMA, compression=COMPRESSION
        ) as profiles_writer:
            for result in results:
                a = result.first_number - 1
                b = a + len(result.profile)
                profile[a:b], open_day[a:b], close_day[a:b] = (
                    result.profile,
                    result.open_day,
                    result.close_day,
                )
                for table, count in result.rows.items():
                    clean_rows[table] += count
                ids = _prefixed_ids("C", (np.arange(a + 1, b + 1), 8))
                profiles_writer.write_table(
                    pa.Table.from_arrays(
                        [_fixed_width_strings(ids), _categories(result.profile, PROFILES)],
                        schema=PROFILE_SCHEMA,
                    )
                )
                if progress:
                    print(
                        f"chunk {result.index + 1}/{n_chunks}: {b:,} customers, "
                        f"{clean_rows['daily_balances'] / 1e6:.1f}M balance rows, "
                        f"{clean_rows['trades'] / 1e6:.1f}M trades, "
                        f"{time.monotonic() - started:.0f} s",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        if executor:
            executor.shutdown()

    book = _DefectBook()
    if defects:
        book = _inject_defects(ctx, _Clean(profile, open_day, close_day))
    defect_rows = _write_defects(ctx, book)
    pq.write_table(
        pa.Table.from_pylist(book.records, schema=DEFECTS_SCHEMA),
        generator_dir / "defects.parquet",
        compression=COMPRESSION,
    )

    summary = _summary(
        ctx, end_date, months, defects, n_chunks, profile, clean_rows, defect_rows, book
    )
    (generator_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if progress:
        rows = ", ".join(f"{t} {summary['tables'][t]['rows_written']:,}" for t in TABLES)
        print(f"wrote {rows} to {out} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    paths = {t: [str(out / f) for f in summary["tables"][t]["files"]] for t in TABLES}
    for name in ("planted_profiles.parquet", "defects.parquet", "summary.json"):
        paths[name.split(".")[0]] = str(generator_dir / name)
    return {**summary, "out_dir": str(out), "paths": paths}


def _summary(
    ctx: _Context,
    end_date: date,
    months: int,
    defects: bool,
    n_chunks: int,
    profile: np.ndarray,
    clean_rows: dict[str, int],
    defect_rows: dict[str, int],
    book: _DefectBook,
) -> dict:
    tables = {}
    for table in TABLES:
        files = sorted(
            p.relative_to(ctx.out_dir).as_posix() for p in (ctx.out_dir / table).glob("*.parquet")
        )
        records = [r for r in book.records if r["table_name"] == table]
        quarantined = dict.fromkeys(QUARANTINE_REASONS[table], 0)
        per_reason: dict[str, dict[str, int]] = {}
        collapsed = 0
        for record in records:
            reason = record["defect_reason"]
            entry = per_reason.setdefault(reason, {"records": 0, "rows_written": 0})
            entry["records"] += 1
            entry["rows_written"] += record["rows_written"]
            if reason == EXACT_DUPLICATE:
                collapsed += record["rows_written"] - 1
            else:
                quarantined[reason] += record["rows_written"]
        written = clean_rows[table] + defect_rows[table]
        tables[table] = {
            "files": files,
            "rows_written": written,
            "clean_rows_written": clean_rows[table],
            "expected_kept": written - sum(quarantined.values()) - collapsed,
            "expected_quarantined": quarantined,
            "expected_quarantined_total": sum(quarantined.values()),
            "expected_duplicates_collapsed": collapsed,
            "defects": per_reason,
        }
    counts = np.bincount(profile, minlength=len(PROFILES))
    return {
        "generator": "broker_segments.datagen",
        "format_version": 1,
        "seed": ctx.seed,
        "customers": ctx.customers,
        "chunk_size": ctx.chunk_size,
        "chunks": n_chunks,
        "months": months,
        "end_date": end_date.isoformat(),
        "defects": defects,
        "first_trading_day": from_day_number(ctx.days[0]).isoformat(),
        "last_trading_day": from_day_number(ctx.days[-1]).isoformat(),
        "trading_days": len(ctx.days),
        "planted_profiles": {name: int(c) for name, c in zip(PROFILES, counts, strict=True)},
        "tables": tables,
    }


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m broker_segments.datagen",
        description="Write deterministic demo raw data (the raw data contract's four tables) "
        "with six planted customer profiles, optionally with known bad rows.",
    )
    parser.add_argument("--customers", type=_positive_int, required=True, help="customers (>= 1)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--seed", type=_non_negative_int, required=True, help="random seed")
    parser.add_argument(
        "--defects", action="store_true", help="add every kind of bad row the contract names"
    )
    parser.add_argument(
        "--end-date",
        type=_iso_date,
        default=DEFAULT_END_DATE,
        help=f"last day of the data (default {DEFAULT_END_DATE})",
    )
    parser.add_argument(
        "--months", type=_positive_int, default=15, help="months of data (default 15)"
    )
    parser.add_argument(
        "--chunk-size",
        type=_positive_int,
        default=50_000,
        help="customers per chunk and per part file (default 50000); memory grows with it",
    )
    parser.add_argument(
        "--jobs",
        type=_positive_int,
        default=1,
        help="chunks generated at once in worker processes (default 1; output is the same)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _validate(args.customers, args.seed, args.end_date, args.months, args.chunk_size)
    except ValueError as error:
        parser.error(str(error))
    generate(
        args.out,
        customers=args.customers,
        seed=args.seed,
        defects=args.defects,
        end_date=args.end_date,
        months=args.months,
        chunk_size=args.chunk_size,
        jobs=args.jobs,
        progress=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
