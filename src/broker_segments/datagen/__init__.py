"""Demo data generator: the broker's raw export (docs/raw-data-contract.md) with six planted
customer behaviour profiles and, with ``--defects``, every kind of bad row the contract names.
Entry points: ``python -m broker_segments.datagen`` (``cli``), ``generate`` (``runner``) and
``append_days`` (``append``); ``clean`` builds the market and the clean chunks, ``defects`` the
bad rows, ``profiles`` holds every number that shapes the profiles, ``market_calendar`` the
trading days and ``tables`` the contract's types and reason codes. What it writes, how it
models the customers, the bad rows, ``summary.json`` and appended days: docs/demo-data.md.
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
