"""python -m broker_segments.datagen: the command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from broker_segments.datagen.append import append_days
from broker_segments.datagen.runner import DEFAULT_END_DATE, generate, validate

# Arguments of a new data set; an append reads them from the data set's summary.json.
GENERATION_ARGS = ("customers", "seed", "defects", "end_date", "months", "chunk_size")


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
        "with six planted customer profiles, optionally with known bad rows; or append the next "
        "trading days to such a data set (--append-days).",
    )
    parser.add_argument(
        "--customers", type=_positive_int, help="customers (>= 1; required unless appending)"
    )
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument(
        "--seed", type=_non_negative_int, help="random seed (required unless appending)"
    )
    parser.add_argument(
        "--defects", action="store_true", help="add every kind of bad row the contract names"
    )
    parser.add_argument(
        "--end-date",
        type=_iso_date,
        help=f"last day of the data (default {DEFAULT_END_DATE})",
    )
    parser.add_argument("--months", type=_positive_int, help="months of data (default 15)")
    parser.add_argument(
        "--chunk-size",
        type=_positive_int,
        help="customers per chunk and per part file (default 50000); memory grows with it",
    )
    parser.add_argument(
        "--append-days",
        type=_positive_int,
        metavar="N",
        help="append the N trading days after the last one of the data set in --out, as new "
        "append-<first>-<last>.parquet files (existing files stay as they are; the other "
        "arguments come from its _generator/summary.json)",
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
    if args.append_days is not None:
        given = [f"--{a.replace('_', '-')}" for a in GENERATION_ARGS if getattr(args, a)]
        if given:
            parser.error(f"--append-days reads the data set's arguments; drop {', '.join(given)}")
        try:
            append_days(args.out, args.append_days, progress=True)
        except ValueError as error:
            parser.error(str(error))
        return 0
    missing = [f"--{a}" for a in ("customers", "seed") if getattr(args, a) is None]
    if missing:
        parser.error(f"the following arguments are required: {', '.join(missing)}")
    args.end_date = DEFAULT_END_DATE if args.end_date is None else args.end_date
    args.months = 15 if args.months is None else args.months
    args.chunk_size = 50_000 if args.chunk_size is None else args.chunk_size
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
