"""Checks to run before a dbt build, for the failures dbt would only show as a stack trace.

    python -m broker_segments.preflight [--duckdb PATH]

DuckDB lets one process write a database file at a time. A second build started while one is
running (a daily run overlapping a long refit, a user's run beside the scheduler's) fails
inside dbt-duckdb's connection code; this check says what is going on instead, and exits 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import duckdb

from broker_segments.project import duckdb_path


class WarehouseInUseError(RuntimeError):
    """The warehouse file is locked by another process."""


def check_warehouse_free(path: Path) -> None:
    """Raise WarehouseInUseError if another process holds the warehouse file."""
    if str(path) == ":memory:":
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        holder = re.search(r"held in (.+?) \(PID (\d+)\)", str(error))
        who = f"process {holder.group(2)} ({holder.group(1)})" if holder else "another process"
        raise WarehouseInUseError(
            f"The warehouse {path.absolute()} is in use by {who}: another build is probably still "
            f"running. Wait for it to finish (or stop it), then run again."
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duckdb",
        type=Path,
        default=duckdb_path(),
        help="warehouse file (default: $BROKER_DUCKDB_PATH or %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        check_warehouse_free(args.duckdb)
    except WarehouseInUseError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
