"""Checks to run before a dbt build, for the failures dbt would only show as a stack trace.
``python -m broker_segments.preflight [--duckdb PATH] [--raw-dir PATH] [--target spark]``
checks that no other process holds the DuckDB warehouse file and that it is a writable
DuckDB database (:func:`check_warehouse_free`), and that every Parquet file of the raw export
is readable (:func:`check_raw_files`); a failure prints one line naming the file and what to
do, and exits 2 before dbt starts (``make build``, Dagster). The dbt-duckdb plugin
(``broker_segments.duckdb_plugin``) runs the same checks when a plain ``dbt`` command opens
the warehouse. What each check names: README (the warehouse check, after the run's error
messages) and docs/raw-data-contract.md, "Where the files are".
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from broker_segments.project import duckdb_path, raw_dir

PARQUET_MAGIC = b"PAR1"


class PreflightError(RuntimeError):
    """A check before the build failed; the message says what is wrong and what to do."""


class WarehouseInUseError(PreflightError):
    """The warehouse file is locked by another process."""


class WarehouseFileError(PreflightError):
    """The warehouse path cannot hold a DuckDB database, or the file there is not one."""


class RawFileError(PreflightError):
    """A raw export file is not a readable Parquet file."""


def _rebuild_advice(path: Path) -> str:
    return (
        f"The raw export is the source of truth: move the file aside (mv {path} {path}.broken) "
        "and build again to rebuild every table from it. The fitted models and the segment "
        "history (segment_model_runs, segment_model_artifacts, segment_runs, "
        "customer_segments_snapshot) live only in the warehouse: to keep them, restore the file "
        "from a backup instead."
    )


def _unreadable(error: duckdb.Error) -> str:
    """What DuckDB's error on opening a file says about the file, in a few words."""
    text = str(error)
    if "not a valid DuckDB database" in text:
        return "it is not a DuckDB database file"
    if "Could not read enough bytes" in text:
        return "it is truncated (shorter than its own blocks say)"
    if "checksum" in text.lower():
        return "it is corrupt (a block's checksum does not match)"
    return text.splitlines()[0]


def check_warehouse_free(path: Path) -> None:
    """Raise WarehouseFileError if the warehouse path cannot be a DuckDB database, and
    WarehouseInUseError if another process holds the file."""
    if str(path) == ":memory:":
        return
    if path.is_dir():
        raise WarehouseFileError(
            f"The warehouse {path.absolute()} is a directory, not a DuckDB file: point "
            f"BROKER_DUCKDB_PATH at a file (e.g. {path / 'broker_segments.duckdb'})."
        )
    folder = path.absolute().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WarehouseFileError(
            f"The warehouse folder {folder} cannot be created ({error.strerror}): point "
            "BROKER_DUCKDB_PATH at a file in a folder this user can write."
        ) from None
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise WarehouseFileError(
            f"The warehouse {path.absolute()} is not writable by this user (DuckDB writes the "
            f"file and its journal {path.name}.wal in {folder}): fix the permissions, or point "
            "BROKER_DUCKDB_PATH at a file in a folder this user can write."
        )
    try:
        duckdb.connect(str(path)).close()
    except duckdb.Error as error:
        if re.search(r"\block\b", str(error), re.IGNORECASE):  # not "block"
            holder = re.search(r"held in (.+?) \(PID (\d+)\)", str(error))
            who = f"process {holder.group(2)} ({holder.group(1)})" if holder else "another process"
            raise WarehouseInUseError(
                f"The warehouse {path.absolute()} is in use by {who}: another build is probably "
                f"still running. Wait for it to finish (or stop it), then run again."
            ) from None
        raise WarehouseFileError(
            f"The warehouse {path.absolute()} cannot be opened: {_unreadable(error)}. "
            + _rebuild_advice(path.absolute())
        ) from None


def _parquet_problem(file: Path) -> str | None:
    """What makes `file` unreadable as Parquet, in a few words; None when its footer reads."""
    size = file.stat().st_size
    if size == 0:
        return "is empty (0 bytes)"
    with file.open("rb") as handle:
        head = handle.read(4)
        handle.seek(max(size - 4, 0))
        tail = handle.read(4)
    if size < 12 or head != PARQUET_MAGIC:
        return "is not a Parquet file (it does not start with Parquet's marker)"
    if tail != PARQUET_MAGIC:
        return "is cut short: its end is missing (truncated, or still being written)"
    try:
        pq.read_metadata(file)
    except (OSError, ValueError) as error:
        return f"has a corrupt footer ({str(error).splitlines()[0]})"
    return None


def check_raw_files(directory: Path) -> None:
    """Raise RawFileError naming the first Parquet file below a table folder of `directory`
    (any depth, any case of the extension, as the reader finds them) that cannot be read.
    A missing folder is left to the build's own check, which names it."""
    if not directory.is_dir():
        return
    for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
        for file in sorted(folder.rglob("*")):
            if file.suffix.lower() != ".parquet" or not file.is_file():
                continue
            problem = _parquet_problem(file)
            if problem:
                raise RawFileError(
                    f"Raw table '{folder.name}': the file '{file}' {problem}. Re-send it from "
                    "the source system, or move it out of the table folder, then run again."
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duckdb",
        type=Path,
        default=duckdb_path(),
        help="warehouse file (default: $BROKER_DUCKDB_PATH or %(default)s)",
    )
    parser.add_argument(
        "--raw-dir",
        type=Path,
        default=raw_dir(),
        help="raw export (default: $BROKER_RAW_DIR or %(default)s)",
    )
    parser.add_argument(
        "--target",
        default="dev",
        help="dbt target: on spark only the raw files are checked (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        check_raw_files(args.raw_dir)
        if args.target != "spark":
            check_warehouse_free(args.duckdb)
    except PreflightError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
