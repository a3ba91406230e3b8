"""The benchmark's data: generated once per (size, seed), laid out per run."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

RAW_TABLES = ("customers", "trades", "daily_balances", "fund_transfers")


def base_data_dir(work: Path, size: int, seed: int) -> Path:
    return work / "data" / f"customers-{size}-seed-{seed}"


def reusable(raw: Path, size: int, seed: int) -> bool:
    """A generated data set of this size and seed, complete, with no appended day."""
    try:
        summary = json.loads((raw / "_generator" / "summary.json").read_text())
    except (OSError, ValueError):
        return False
    return (
        summary.get("customers") == size
        and summary.get("seed") == seed
        and not summary.get("defects")
        and not summary.get("appends")
        and all((raw / f).is_file() for t in RAW_TABLES for f in summary["tables"][t]["files"])
    )


def ensure_data(
    work: Path, size: int, seed: int, jobs: int, log: Callable[[str], None]
) -> tuple[Path, float | None]:
    """The data set of (size, seed): reused, or generated now (then also its seconds)."""
    from broker_segments.datagen import generate

    raw = base_data_dir(work, size, seed)
    if reusable(raw, size, seed):
        log(f"data: reusing {raw}")
        return raw, None
    log(f"data: generating {size:,} customers (seed {seed}) into {raw}")
    started = time.monotonic()
    generate(raw, customers=size, seed=seed, jobs=jobs, progress=True)
    seconds = time.monotonic() - started
    log(f"data: generated in {seconds:.0f} s")
    return raw, seconds


def link_tree(source: Path, target: Path) -> None:
    """A run copy of a data set: hard links to its Parquet files (copies where links fail),
    real copies of the _generator files (append_days rewrites summary.json in place)."""
    if target.exists():
        shutil.rmtree(target)
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.parent.name == "_generator":
            shutil.copy2(path, destination)
        else:
            try:
                os.link(path, destination)
            except OSError:
                shutil.copy2(path, destination)


def rows_text(summary: Mapping[str, Any]) -> str:
    tables = summary["tables"]
    return ", ".join(f"{t} {tables[t]['rows_written']:,}" for t in RAW_TABLES) + (
        f" over {summary['trading_days']} trading days"
    )
