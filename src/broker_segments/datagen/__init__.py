"""Demo data generator: the broker's raw exports (docs/raw-data-contract.md) with six planted
customer behaviour profiles, and optionally a known set of bad rows.

Usage::

    python -m broker_segments.datagen --customers 20000 --seed 42 --out data/raw [--defects]
        [--end-date 2025-12-31] [--months 15] [--chunk-size 50000] [--jobs 1]
    python -m broker_segments.datagen --out data/raw --append-days 1

``--append-days N`` (``append_days(out_dir, N)``) writes the N trading days after the data set's
last one as new ``<table>/append-<first>-<last>.parquet`` files, as a daily export lands, and
updates ``summary.json``: see ``append.py``.

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
trades no more from its close date on. An account opened inside the window starts with a
deposit on its open date.

Customers are numbered 1..N (``C00000001``). IDs do not depend on the chunking: a trade is
``'T' + customer number (8 digits) + the customer's trade sequence (4 digits)`` and a transfer
``'F' + ...`` the same way; sequence 9999 is never reached by clean data and is reserved for
injected defect rows. Each chunk draws from ``numpy.random.default_rng([seed, 2, chunk])`` and
the shared market (index path, securities) from ``[seed, 1]``, so the output is a pure function
of (seed, customers, end_date, months, chunk_size, defects), byte for byte, for any ``--jobs``.

Every customer gets one of six profiles (planted shares vip 3%, potential 10%, ordinary_a 20%,
ordinary_b 27%, free 15%, sleeping 25%) that sets its asset level, cash share, trend, trading
frequency, trade size (turnover), product breadth, transfers, tenure and chance to open or close
inside the window: see ``profiles.py``. Sleeping customers trade nothing inside the window;
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

The negative_balance rows sit on customer-days with no clean row (before an in-window opening or
after a closing) because every open customer-day already has one: a dbt rule for "balance
outside the open period", if ever added, must come after negative_balance in the precedence.

``expected_quarantined`` lists every quarantine reason of the table (zeros without --defects).
If a reason cannot be planted (tiny data: no candidate row) it is left out and the counts say so.

Modules: ``runner`` (generate, summary), ``append`` (append_days), ``cli``, ``clean`` (market
and chunks), ``defects``, ``profiles`` (every number that shapes the profiles),
``market_calendar``, ``tables`` (contract types, reason codes, Parquet settings, column
builders).
"""

from broker_segments.datagen.append import append_days
from broker_segments.datagen.cli import build_parser, main
from broker_segments.datagen.market_calendar import market_holidays, trading_days, window_start
from broker_segments.datagen.profiles import PRODUCT_TYPES, PROFILE_PARAMS, PROFILES
from broker_segments.datagen.runner import DEFAULT_END_DATE, MAX_CUSTOMERS, MAX_MONTHS, generate
from broker_segments.datagen.tables import (
    DEFECTS_SCHEMA,
    EXACT_DUPLICATE,
    PROFILE_SCHEMA,
    QUARANTINE_REASONS,
    SCHEMAS,
    TABLES,
)

__all__ = [
    "DEFAULT_END_DATE",
    "DEFECTS_SCHEMA",
    "EXACT_DUPLICATE",
    "MAX_CUSTOMERS",
    "MAX_MONTHS",
    "PRODUCT_TYPES",
    "PROFILES",
    "PROFILE_PARAMS",
    "PROFILE_SCHEMA",
    "QUARANTINE_REASONS",
    "SCHEMAS",
    "TABLES",
    "append_days",
    "build_parser",
    "generate",
    "main",
    "market_holidays",
    "trading_days",
    "window_start",
]
