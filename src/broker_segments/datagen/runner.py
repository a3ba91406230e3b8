"""generate(): the chunks (in this process or in worker processes), the defects, the summary."""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from broker_segments.datagen.clean import Context, build_context, run_chunk
from broker_segments.datagen.defects import (
    CleanCustomers,
    DefectBook,
    inject_defects,
    write_defects,
)
from broker_segments.datagen.market_calendar import from_day_number
from broker_segments.datagen.profiles import PROFILES
from broker_segments.datagen.tables import (
    COMPRESSION,
    DEFECTS_SCHEMA,
    EXACT_DUPLICATE,
    PROFILE_SCHEMA,
    QUARANTINE_REASONS,
    TABLES,
    fixed_width_strings,
    prefixed_ids,
    string_array,
)

DEFAULT_END_DATE = date(2025, 12, 31)
MAX_CUSTOMERS = 99_000_000  # 8-digit customer numbers, with room for defect-only ids above N
MAX_MONTHS = 60  # keeps a customer's trade sequence below 9999 (see MAX_TRADES_PER_DAY)


def clear_table_folders(out_dir: Path) -> None:
    """Delete the Parquet files of a previous run in the four table folders, nothing else."""
    for table in TABLES:
        folder = out_dir / table
        if folder.is_dir():
            for path in sorted(folder.glob("*.parquet")):
                if path.is_file():
                    path.unlink()
        folder.mkdir(parents=True, exist_ok=True)


def validate(customers: int, seed: int, end_date: date, months: int, chunk_size: int) -> None:
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
    short_history_share: float = 0.0,
) -> dict:
    """Write the demo raw data to out_dir; return the summary (also in _generator/summary.json)
    plus ``out_dir`` and absolute ``paths``. The output depends only on the arguments before
    ``jobs``; ``jobs`` > 1 generates that many chunks at once in worker processes.

    ``short_history_share`` (0..1, default 0: none) opens that share of every profile's
    customers in the last 20..55 trading days, so each planted profile has new customers with
    a short history (placed by the classification functions, not fitted)."""
    validate(customers, seed, end_date, months, chunk_size)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    started = time.monotonic()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clear_table_folders(out)
    generator_dir = out / "_generator"
    generator_dir.mkdir(exist_ok=True)
    if not 0.0 <= short_history_share <= 1.0:
        raise ValueError(f"short_history_share must be in 0..1, got {short_history_share!r}")
    ctx = build_context(out, customers, seed, end_date, months, chunk_size, short_history_share)
    n_chunks = -(-customers // chunk_size)

    profile = np.empty(customers, dtype=np.int8)
    open_day = np.empty(customers, dtype=np.int32)
    close_day = np.empty(customers, dtype=np.int32)
    clean_rows = dict.fromkeys(TABLES, 0)
    tasks = ((ctx, i) for i in range(n_chunks))
    executor = ProcessPoolExecutor(max_workers=min(jobs, n_chunks)) if jobs > 1 else None
    try:
        results = executor.map(run_chunk, tasks) if executor else map(run_chunk, tasks)
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
                ids = prefixed_ids("C", (np.arange(a + 1, b + 1), 8))
                profiles_writer.write_table(
                    pa.Table.from_arrays(
                        [fixed_width_strings(ids), string_array(result.profile, PROFILES)],
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

    book = DefectBook()
    if defects:
        book = inject_defects(ctx, CleanCustomers(open_day, close_day))
    defect_rows = write_defects(ctx, book)
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
    paths: dict[str, list[str] | str] = {
        t: [str(out / f) for f in summary["tables"][t]["files"]] for t in TABLES
    }
    for name in ("planted_profiles.parquet", "defects.parquet", "summary.json"):
        paths[name.split(".")[0]] = str(generator_dir / name)
    return {**summary, "out_dir": str(out), "paths": paths}


def _summary(
    ctx: Context,
    end_date: date,
    months: int,
    defects: bool,
    n_chunks: int,
    profile: np.ndarray,
    clean_rows: dict[str, int],
    defect_rows: dict[str, int],
    book: DefectBook,
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
