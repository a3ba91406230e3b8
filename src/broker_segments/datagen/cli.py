"""python -m broker_segments.datagen: the command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from broker_segments.datagen.runner import DEFAULT_END_DATE, generate, validate


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
        validate(args.customers, args.seed, args.end_date, args.months, args.chunk_size)
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
