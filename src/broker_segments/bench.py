"""Benchmark the project at a broker's scale: ``make bench SIZE=1000000``, i.e.

    python -m broker_segments.bench --size 1000000 [--seed 42] [--work data/bench]
        [--doc docs/benchmarks.md] [--ari-sample 200000] [--no-daily] [--no-ari]

One run:

1. **Data.** Generates ``--size`` customers with ``--seed`` into
   ``WORK/data/customers-<size>-seed-<seed>/`` (reused when its summary says the same size and
   seed and no day was appended), then lays a run copy out in ``WORK/run-<size>/raw`` (hard
   links to the Parquet files, a copy of ``_generator``), so appending a day never touches the
   reused data.
2. **Full build.** ``dbt build`` (every model, seed, snapshot and test) on a fresh warehouse
   ``WORK/run-<size>/warehouse.duckdb``, with its own target and log folders.
3. **Floor.** A single hand-written DuckDB query (``FLOOR_SQL``) that computes every customer
   indicator straight from the same Parquet files into a table of a scratch database, with the
   profile's DuckDB settings, in its own process: the floor for the indicator layer.
4. **Segmentation quality.** The adjusted Rand index between the scheme segments of a fit on
   the whole fitting sample and a fit on ``--ari-sample`` customers of it, both fitted by the
   package on the warehouse's ``customer_indicators`` with the settings dbt passed the models
   (read from the manifest), compared over the fitting sample (the customers K-means assigns;
   the rule-assigned ones do not depend on the fit).
5. **Daily build.** Appends one trading day (``broker_segments.datagen.append_days``) and runs
   the same ``dbt build`` on the same warehouse, with the full build's target folder (so dbt
   parses partially, as a scheduled daily run does; the full build parses from cold).

Measured per node (from dbt's ``run_results.json``: ``execution_time``, and the node's start
and end), and per build (the harness's clock):

* wall time; the total also from the harness's clock around the dbt process;
* peak RSS: the dbt process and its children, sampled from ``/proc`` every
  ``SAMPLE_SECONDS``; per node the highest sample while it ran (DuckDB keeps its buffers
  between nodes, so this is the process's high-water mark at that time, not what the node
  alone needs); per build also the kernel's own ``ru_maxrss`` of the dbt process;
* rows: ``rows in`` = the rows of the node's direct parents (a source by its Parquet rows, a
  view by its own parents' rows, a table or seed by ``count(*)`` after the build), and for an
  incremental model on the daily build the rows it added; ``rows/s`` = rows in / seconds;
  ``rows out`` = its rows after the build.

Results go to ``WORK/run-<size>/results.json`` and to a section of ``--doc`` per size between
``<!-- bench:<size>:start -->`` and ``<!-- bench:<size>:end -->`` (replaced on a rerun; the rest
of the file, the notes written by hand, is kept).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

PROJECT_DIR = Path(__file__).resolve().parents[2]
SAMPLE_SECONDS = 0.1
DEFAULT_SEED = 42
DEFAULT_ARI_SAMPLE = 200_000
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
RAW_TABLES = ("customers", "trades", "daily_balances", "fund_transfers")

# The targets on this 2-core, 24 GB machine (docs/benchmarks.md): the full build with every
# test as a multiple of the hand-written query over the same files (dbt's fixed cost per node
# weighs more on a small data set), peak RSS, the one-day build, fit + score and the ARI at 1M;
# at 3M, the full build in at most TARGET_3M_SCALING x the 1M time (linear) under 12 GiB.
TARGET_FLOOR_RATIO = {100_000: 8.0, 1_000_000: 4.0}
TARGET_PEAK_BYTES = {1_000_000: 8 * 1024**3, 3_000_000: 12 * 1024**3}
TARGET_DAILY_SECONDS = 30
TARGET_SEGMENTATION_SECONDS = 30
TARGET_ARI = 0.95
TARGET_3M_SCALING = 3.3


# Layers, by the folder a node's file is in (first match wins).
LAYERS: tuple[tuple[str, str], ...] = (
    ("models/staging/", "staging"),
    ("models/intermediate/validation/", "validation"),
    ("models/marts/data_quality/", "validation"),
    ("models/intermediate/indicators/", "indicators"),
    ("models/marts/customers/", "indicators"),
    ("python_models/segmentation/", "segmentation fit"),
    ("models/intermediate/segmentation/", "segmentation score"),
    ("models/marts/segments/", "segmentation score"),
    ("models/marts/segment_diagnostics/", "diagnostics"),
    ("models/marts/business/", "business"),
)
INDICATOR_LAYERS = ("indicators",)
OK_STATUSES = ("success", "pass", "warn", "no-op")
SEGMENTATION_LAYERS = ("segmentation fit", "segmentation score")


# --------------------------------------------------------------------------------------------
# Memory of a process tree, from /proc


def tree_pids(root: int) -> list[int]:
    """root and its descendants (via /proc/<pid>/task/<tid>/children); gone ones are skipped."""
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
            except OSError:
                continue
    return pids


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, with_children: bool = False) -> float:
    """User + system CPU seconds of one process (and of its waited-for children), 0 if gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # fields[0] is the state (field 3 of stat): utime, stime, cutime, cstime are fields 14-17
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


class TreeMemorySampler:
    """Samples a process tree in a thread: ``samples`` is [(unix time, RSS bytes)] and
    ``cpu_samples`` [(unix time, CPU seconds so far)], both summed over the tree."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self.cpu_samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = tree_pids(self.pid)
            now = time.time()
            total = sum(rss_bytes(p) for p in pids)
            if total:
                self.samples.append((now, total))
                cpu = cpu_seconds(pids[0], with_children=True) + sum(
                    cpu_seconds(p) for p in pids[1:]
                )
                self.cpu_samples.append((now, cpu))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> int:
        return max((b for _, b in self.samples), default=0)


def peak_between(samples: Sequence[tuple[float, int]], start: float, end: float) -> int | None:
    """The highest sample in [start, end], else the last one before start (a node shorter than
    the sampling interval), else None."""
    inside = [b for t, b in samples if start <= t <= end]
    if inside:
        return max(inside)
    before = [b for t, b in samples if t < start]
    return before[-1] if before else None


def cpu_between(samples: Sequence[tuple[float, float]], start: float, end: float) -> float | None:
    """CPU seconds the tree used in [start, end], interpolating the cumulative samples."""
    if len(samples) < 2 or end < samples[0][0] or start > samples[-1][0]:
        return None
    times = [t for t, _ in samples]
    values = [c for _, c in samples]

    def at(moment: float) -> float:
        return float(np.interp(moment, times, values))

    return max(at(end) - at(start), 0.0)


@dataclasses.dataclass
class Measured:
    """One monitored process: exit code, wall seconds, sampled tree peak, kernel max RSS, CPU
    seconds (kernel's count for the process and its waited-for children) and the samples."""

    returncode: int
    wall_seconds: float
    peak_rss_bytes: int
    max_rss_bytes: int  # ru_maxrss of the process (the largest of it and its waited children)
    samples: list[tuple[float, int]]
    started_at: float
    log_path: Path
    cpu_seconds: float | None = None
    cpu_samples: list[tuple[float, float]] = dataclasses.field(default_factory=list)


def run_monitored(
    command: Sequence[str],
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Measured:
    """Run command (output to log_path), sampling its process tree's memory; never raises on a
    failing command (the caller reads returncode and the log)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        started_at = time.time()
        started = time.monotonic()
        process = subprocess.Popen(
            list(command), stdout=log, stderr=subprocess.STDOUT, env=dict(env or os.environ),
            cwd=cwd,
        )  # fmt: skip
        with TreeMemorySampler(process.pid) as sampler:
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        returncode=process.returncode,
        wall_seconds=wall,
        peak_rss_bytes=sampler.peak,
        max_rss_bytes=usage.ru_maxrss * 1024,
        samples=sampler.samples,
        started_at=started_at,
        log_path=log_path,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        cpu_samples=sampler.cpu_samples,
    )


# --------------------------------------------------------------------------------------------
# Data: generated once per (size, seed), laid out per run


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


# --------------------------------------------------------------------------------------------
# dbt: run, read its artifacts, count rows


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def dbt_environment(raw: Path, warehouse: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BROKER_RAW_DIR": str(raw),
        "BROKER_DUCKDB_PATH": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def dbt_command(
    target_dir: Path, log_dir: Path, target: str | None, extra: Sequence[str] = ()
) -> list[str]:
    command = [dbt_executable(), "build", "--target-path", str(target_dir),
               "--log-path", str(log_dir)]  # fmt: skip
    if target:
        command += ["--target", target]
    return [*command, *extra]


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def node_interval(result: Mapping[str, Any]) -> tuple[float, float] | None:
    """(start, end) unix times of a run_results entry: compile start to execute end."""
    stamps = [
        parse_time(t[key])
        for t in result.get("timing", [])
        for key in ("started_at", "completed_at")
        if t.get(key)
    ]
    return (min(stamps), max(stamps)) if stamps else None


def layer_of(node: Mapping[str, Any]) -> str:
    kind = node.get("resource_type", "")
    if kind in ("test", "unit_test"):
        return "tests"
    if kind in ("seed", "snapshot"):
        return kind + "s"
    if kind == "operation":
        return "hooks"
    if kind == "exposure":
        return "exposures"
    path = node.get("original_file_path", "")
    return next((layer for prefix, layer in LAYERS if path.startswith(prefix)), "other")


def manifest_node(manifest: Mapping[str, Any], unique_id: str) -> dict[str, Any]:
    """The manifest entry of a run_results node (unit tests have their own section); a minimal
    one from the id when the manifest has none (e.g. a project hook)."""
    for section in ("nodes", "unit_tests"):
        if unique_id in manifest.get(section, {}):
            return manifest[section][unique_id]
    kind, _, rest = unique_id.partition(".")
    return {"resource_type": kind, "name": rest.rsplit(".", 1)[-1]}


def relation_name(node: Mapping[str, Any]) -> str | None:
    alias = node.get("alias") or node.get("name")
    schema = node.get("schema")
    if not alias or not schema:
        return None
    return f'"{schema}"."{alias}"'


def count_rows(warehouse: Path, manifest: Mapping[str, Any]) -> dict[str, int]:
    """count(*) of every table-like model and seed in the warehouse (views are not counted)."""
    import duckdb

    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        existing = {
            (schema, name)
            for schema, name, kind in con.execute(
                "select table_schema, table_name, table_type from information_schema.tables"
            ).fetchall()
            if kind == "BASE TABLE"
        }
        for unique_id, node in manifest["nodes"].items():
            if node.get("resource_type") not in ("model", "seed", "snapshot"):
                continue
            if (node.get("schema"), node.get("alias") or node.get("name")) not in existing:
                continue
            query = f"select count(*) from {relation_name(node)}"
            counts[unique_id] = con.execute(query).fetchone()[0]
    return counts


def source_rows(manifest: Mapping[str, Any], raw_summary: Mapping[str, Any]) -> dict[str, int]:
    """Rows of each raw source, from the generator's summary (every row of its Parquet files)."""
    rows = {}
    for unique_id, source in manifest.get("sources", {}).items():
        table = source.get("identifier") or source.get("name")
        entry = raw_summary.get("tables", {}).get(table) or raw_summary.get("tables", {}).get(
            source.get("name")
        )
        if entry:
            rows[unique_id] = int(entry["rows_written"])
    return rows


def input_rows(
    unique_id: str,
    manifest: Mapping[str, Any],
    counts: Mapping[str, int],
    sources: Mapping[str, int],
    _seen: frozenset[str] = frozenset(),
) -> int | None:
    """Rows of the node's direct parents: a source by its Parquet rows, a counted table by its
    count, a view (not counted) by its own parents' rows, recursively."""
    node = manifest["nodes"].get(unique_id) or {}
    total, known = 0, False
    for parent in node.get("depends_on", {}).get("nodes", []):
        if parent in _seen:
            continue
        if parent in sources:
            total, known = total + sources[parent], True
        elif parent in counts:
            total, known = total + counts[parent], True
        elif parent in manifest["nodes"]:
            rows = input_rows(parent, manifest, counts, sources, _seen | {unique_id})
            if rows is not None:
                total, known = total + rows, True
    return total if known else None


@dataclasses.dataclass
class BuildResult:
    name: str
    measured: Measured
    nodes: list[dict[str, Any]]
    elapsed_dbt: float | None
    ok: bool
    project: str = ""


def summarise_build(
    name: str,
    measured: Measured,
    run_results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    counts_after: Mapping[str, int],
    counts_before: Mapping[str, int] | None,
    sources: Mapping[str, int],
) -> BuildResult:
    """Per node: layer, status, seconds, peak RSS while it ran, rows in / out, rows/s."""
    nodes = []
    for result in run_results.get("results", []):
        unique_id = result["unique_id"]
        node = manifest_node(manifest, unique_id)
        kind = node["resource_type"]
        materialized = (node.get("config") or {}).get("materialized")
        seconds = float(result.get("execution_time") or 0.0)
        interval = node_interval(result)
        peak = peak_between(measured.samples, *interval) if interval else None
        cpu = cpu_between(measured.cpu_samples, *interval) if interval else None
        rows_out = counts_after.get(unique_id)
        if kind in ("model", "seed", "snapshot"):
            if materialized == "incremental" and counts_before is not None:
                before = counts_before.get(unique_id)
                rows_in = None if rows_out is None or before is None else rows_out - before
            elif kind == "seed":
                rows_in = rows_out
            else:
                rows_in = input_rows(unique_id, manifest, counts_after, sources)
        else:
            rows_in = None
        nodes.append(
            {
                "unique_id": unique_id,
                "name": node.get("name") or unique_id.rsplit(".", 1)[-1],
                "resource_type": kind,
                "layer": layer_of(node),
                "materialized": materialized,
                "status": result.get("status"),
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_rss_bytes": peak,
                "rows_in": rows_in,
                "rows_out": rows_out,
                # a view processes no row when it is built
                "rows_per_second": rows_in / seconds
                if rows_in and seconds > 0 and materialized != "view"
                else None,
            }
        )
    ok = measured.returncode == 0 and all(n["status"] in OK_STATUSES for n in nodes)
    return BuildResult(name, measured, nodes, run_results.get("elapsed_time"), ok)


def layer_seconds(nodes: Iterable[Mapping[str, Any]], key: str = "seconds") -> dict[str, float]:
    """Per layer, the sum of the nodes' ``key`` (``seconds``, or ``cpu_seconds``)."""
    totals: dict[str, float] = {}
    for node in nodes:
        totals[node["layer"]] = totals.get(node["layer"], 0.0) + (node.get(key) or 0.0)
    return totals


def run_build(
    name: str,
    folder: Path,
    raw: Path,
    warehouse: Path,
    target: str | None,
    counts_before: Mapping[str, int] | None,
    log: Callable[[str], None],
    extra_args: Sequence[str] = (),
) -> BuildResult:
    log(f"{name}: dbt build ...")
    project = project_state()  # others may change the project between two builds
    measured = run_monitored(
        dbt_command(folder.parent / "target", folder / "logs", target, extra_args),
        folder / "dbt-output.log",
        env=dbt_environment(raw, warehouse),
        cwd=PROJECT_DIR,
    )
    results_path = folder.parent / "target" / "run_results.json"
    if not results_path.is_file():
        raise RuntimeError(f"{name}: dbt wrote no run_results.json, see {measured.log_path}")
    run_results = json.loads(results_path.read_text())
    manifest = json.loads((folder.parent / "target" / "manifest.json").read_text())
    for artifact in ("run_results.json", "manifest.json"):  # kept per build
        shutil.copy2(folder.parent / "target" / artifact, folder / artifact)
    raw_summary = json.loads((raw / "_generator" / "summary.json").read_text())
    counts = count_rows(warehouse, manifest)
    sources = source_rows(manifest, raw_summary)
    build = summarise_build(name, measured, run_results, manifest, counts, counts_before, sources)
    build.project = project
    log(
        f"{name}: {'ok' if build.ok else 'FAILED'} in {measured.wall_seconds:.1f} s, peak RSS "
        f"{gib(measured.peak_rss_bytes)} (log {measured.log_path})"
    )
    return build


# --------------------------------------------------------------------------------------------
# The floor: every indicator in one hand-written query over the Parquet files

FLOOR_SQL = """
create or replace table floor_indicators as
with
customers as (
    select customer_id, open_date, close_date
    from read_parquet('{raw}/customers/**/*.parquet')
),
balances as (
    select customer_id, balance_date, cash_balance, market_value
    from read_parquet('{raw}/daily_balances/**/*.parquet')
),
trades as (
    select customer_id, trade_date, product_type, amount, commission
    from read_parquet('{raw}/trades/**/*.parquet')
),
transfers as (
    select customer_id, transfer_date, direction, amount
    from read_parquet('{raw}/fund_transfers/**/*.parquet')
),
w as (
    select max(balance_date) as as_of_date, max(balance_date) - ({lookback_days} - 1) as start_date
    from balances
),
b as (
    select
        customer_id,
        count(*) as open_trading_days,
        sum(cash_balance) as cash_sum,
        sum(market_value) as market_value_sum,
        arg_min(cash_balance + market_value, balance_date) as first_open_day_assets,
        sum(cash_balance + market_value) filter (where balance_date = w.as_of_date) as end_assets
    from balances, w
    where balance_date between w.start_date and w.as_of_date
    group by customer_id
),
t as (
    select
        customer_id,
        max(trade_date) as last_trade_date,
        count(*) filter (where trade_date >= w.start_date) as trade_count,
        sum(amount) filter (where trade_date >= w.start_date) as annual_trade_volume,
        sum(commission) filter (where trade_date >= w.start_date) as annual_commission,
        count(distinct trade_date) filter (where trade_date >= w.start_date)
            as active_trading_days,
        count(distinct date_trunc('month', trade_date)) filter (where trade_date >= w.start_date)
            as active_months,
        count(distinct product_type) filter (where trade_date >= w.start_date)
            as product_breadth
    from trades, w
    where trade_date <= w.as_of_date
    group by customer_id
),
f as (
    select
        customer_id,
        sum(case when direction = 'in' then amount else -amount end) as net_fund_inflow
    from transfers, w
    where transfer_date between w.start_date and w.as_of_date
    group by customer_id
),
joined as (
    select
        c.customer_id,
        w.as_of_date,
        c.open_date,
        c.close_date,
        coalesce(b.open_trading_days, 0) as open_trading_days,
        coalesce(b.cash_sum / b.open_trading_days, 0)::double as avg_daily_cash,
        coalesce(b.market_value_sum / b.open_trading_days, 0)::double as avg_daily_market_value,
        coalesce(b.end_assets, 0) as end_assets,
        coalesce(b.first_open_day_assets, 0) as first_open_day_assets,
        coalesce(t.annual_commission, 0) as annual_commission,
        coalesce(t.annual_trade_volume, 0) as annual_trade_volume,
        coalesce(t.trade_count, 0) as trade_count,
        coalesce(t.active_trading_days, 0) as active_trading_days,
        coalesce(t.active_months, 0) as active_months,
        coalesce(t.product_breadth, 0) as product_breadth,
        coalesce(f.net_fund_inflow, 0) as net_fund_inflow,
        t.last_trade_date
    from customers as c
    cross join w
    left join b on c.customer_id = b.customer_id
    left join t on c.customer_id = t.customer_id
    left join f on c.customer_id = f.customer_id
)
select
    customer_id,
    as_of_date,
    open_date,
    close_date,
    open_trading_days,
    avg_daily_cash,
    avg_daily_market_value,
    avg_daily_cash + avg_daily_market_value as avg_daily_assets,
    end_assets,
    ln(1 + end_assets::double) - ln(1 + first_open_day_assets::double) as asset_growth,
    annual_commission,
    annual_trade_volume,
    trade_count,
    active_trading_days,
    active_months,
    product_breadth,
    net_fund_inflow,
    avg_daily_cash * {interest_margin_rate} as interest_margin_contribution,
    annual_commission::double + avg_daily_cash * {interest_margin_rate} as customer_contribution,
    case when avg_daily_cash + avg_daily_market_value > 0
        then annual_trade_volume::double / (avg_daily_cash + avg_daily_market_value)
    end as annual_turnover,
    greatest(as_of_date - open_date, 0) / 365.25 as account_age_years,
    greatest(as_of_date - coalesce(last_trade_date, open_date), 0) as days_since_last_trade
from joined
"""


def floor_sql(raw: Path, lookback_days: int = 365, interest_margin_rate: float = 0.0096) -> str:
    """The floor query over the data set in raw (the clean data: every balance row is an open
    trading day of its account, as the contract's generator writes it)."""
    return FLOOR_SQL.format(
        raw=str(raw).replace("'", "''"),
        lookback_days=int(lookback_days),
        interest_margin_rate=float(interest_margin_rate),
    )


# The fitting sample of customer_indicators (is_in_fitting_sample), over the floor's table: open
# on as_of_date, enough history, not an outlier by the paper's rule (thresholds: the vars).
FLOOR_FITTING_SAMPLE_SQL = """
select {columns}
from floor_indicators
where
    not coalesce(close_date <= as_of_date, false)
    and open_trading_days >= {min_open_trading_days}
    and not coalesce(customer_contribution > {outlier_max_customer_contribution}, false)
    and not (
        avg_daily_assets < {outlier_min_avg_daily_assets}
        and annual_trade_volume < {outlier_min_annual_trade_volume}
    )
"""


def project_vars() -> dict[str, Any]:
    import yaml

    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text()).get("vars", {})


def floor_fitting_sample_sql(columns: Sequence[str]) -> str:
    names = ("min_open_trading_days", "outlier_max_customer_contribution",
             "outlier_min_avg_daily_assets", "outlier_min_annual_trade_volume")  # fmt: skip
    values = project_vars()
    return FLOOR_FITTING_SAMPLE_SQL.format(
        columns=", ".join(columns), **{name: float(values[name]) for name in names}
    )


def warehouse_fitting_sample_sql(columns: Sequence[str]) -> str:
    return f"select {', '.join(columns)} from customer_indicators where is_in_fitting_sample"


def run_floor(raw: Path, database: Path, memory_limit: str, threads: int) -> dict[str, float]:
    """Run the floor query into database (replaced); return its wall and CPU seconds."""
    import resource

    import duckdb

    for path in (database, database.with_name(database.name + ".wal")):
        path.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as con:
        con.execute(f"set memory_limit = '{memory_limit}'")
        con.execute(f"set threads = {int(threads)}")
        con.execute("set preserve_insertion_order = false")
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        con.execute(floor_sql(raw))
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"seconds": seconds, "cpu_seconds": cpu}


# --------------------------------------------------------------------------------------------
# Segmentation: sample fit versus full fit


def segmentation_settings(manifest: Mapping[str, Any], scheme: str) -> dict[str, Any]:
    """The settings dbt passed the scheme's fit model (its rendered `segmentation` config)."""
    from broker_segments.segmentation.warehouse import settings_from_config

    for node in manifest["nodes"].values():
        if node.get("resource_type") == "model" and node.get("name") == (
            f"segmentation_fit_scheme_{scheme.lower()}"
        ):
            settings = dict((node.get("config") or {}).get("segmentation") or {})
            settings.pop("refit", None)
            return settings_from_config(settings)
    raise RuntimeError(f"no model segmentation_fit_scheme_{scheme.lower()} in the manifest")


def sample_versus_full(
    database: Path,
    manifest: Mapping[str, Any],
    sample_size: int,
    schemes: Sequence[str] = "AB",
    fitting_sample_sql: Callable[[Sequence[str]], str] = warehouse_fitting_sample_sql,
) -> dict[str, dict[str, Any]]:
    """Per scheme: the fitting sample's size, fit seconds without and with the sample, and the
    adjusted Rand index between the two fits' segments of the fitting sample (read from
    database with fitting_sample_sql: the warehouse's customer_indicators, or the floor's
    table)."""
    import duckdb
    from sklearn.metrics import adjusted_rand_score

    from broker_segments.segmentation.config import config_from_vars
    from broker_segments.segmentation.fit import fit_scheme

    out: dict[str, dict[str, Any]] = {}
    for scheme in schemes:
        settings = segmentation_settings(manifest, scheme)
        settings.pop("fit_sample_size", None)
        full_config = config_from_vars(scheme, {**settings, "fit_sample_size": None})
        sample_config = config_from_vars(scheme, {**settings, "fit_sample_size": sample_size})
        query = fitting_sample_sql(["customer_id", *full_config.inputs])
        with duckdb.connect(str(database), read_only=True) as con:
            frame = con.execute(query).df()
        for column in full_config.inputs:
            frame[column] = frame[column].astype("float64")
        fits = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for label, config in (("full", full_config), ("sample", sample_config)):
                started = time.perf_counter()
                result = fit_scheme(frame, config, model_id=f"bench-{scheme}-{label}")
                fits[label] = (time.perf_counter() - started, result.assignments)
        full = fits["full"][1].set_index("customer_id")["segment_code"]
        sample = fits["sample"][1].set_index("customer_id")["segment_code"].reindex(full.index)
        out[scheme] = {
            "fitting_sample": len(frame),
            "sample_size": min(sample_size, len(frame)),
            "full_fit_seconds": fits["full"][0],
            "sample_fit_seconds": fits["sample"][0],
            "adjusted_rand_index": float(adjusted_rand_score(full, sample)),
            "same_segment_share": float((full == sample).mean()),
        }
    return out


# --------------------------------------------------------------------------------------------
# Machine and versions


def machine_facts() -> dict[str, Any]:
    def meminfo_total() -> int | None:
        try:
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    cpu = None
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor() or None
    versions = {"python": platform.python_version()}
    for package in ("dbt-core", "dbt-duckdb", "duckdb", "numpy", "pandas", "pyarrow",
                    "scikit-learn"):  # fmt: skip
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_bytes": meminfo_total(),
        "cpu": cpu,
        "kernel": platform.release(),
        "load_average": os.getloadavg()[0],
        "versions": versions,
    }


def project_state() -> str:
    """The commit benchmarked, and whether the dbt project had uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--",
                "models",
                "python_models",
                "macros",
                "seeds",
                "snapshots",
                "dbt_project.yml",
                "profiles.yml",
                "src/broker_segments/segmentation",
            ],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout  # not stripped: a porcelain line starts with its status, often a space
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    if changed:
        files = [line[3:] for line in changed.splitlines() if line.strip()]
        shown = ", ".join(f"`{f}`" for f in files[:4]) + (" ..." if len(files) > 4 else "")
        return f"commit {commit} with uncommitted changes to {len(files)} file(s): {shown}"
    return f"commit {commit}"


# --------------------------------------------------------------------------------------------
# Report


def gib(value: float | None) -> str:
    return "" if value is None else f"{value / 1024**3:.2f} GiB"


def fmt_seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def fmt_int(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def fmt_rate(value: float | None) -> str:
    if value is None:
        return ""
    for size, unit in ((1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value:.0f}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "met" if ok else "**not met**"


def headline(results: Mapping[str, Any]) -> dict[str, Any]:
    """The figures the targets are about, from a results dict."""
    full = results["builds"].get("full")
    daily = results["builds"].get("daily")
    figures: dict[str, Any] = {}
    if full:
        layers = layer_seconds(full["nodes"])
        figures["full_seconds"] = full["wall_seconds"]
        figures["full_peak_rss_bytes"] = max(full["peak_rss_bytes"], full["max_rss_bytes"])
        figures["indicator_seconds"] = sum(layers.get(x, 0.0) for x in INDICATOR_LAYERS)
        figures["segmentation_seconds"] = sum(layers.get(x, 0.0) for x in SEGMENTATION_LAYERS)
        cpu = layer_seconds(full["nodes"], "cpu_seconds")
        figures["indicator_cpu_seconds"] = sum(cpu.get(x, 0.0) for x in INDICATOR_LAYERS)
        figures["full_cpu_seconds"] = full.get("cpu_seconds")
    floor = results.get("floor")
    if floor and full:
        figures["floor_seconds"] = floor["seconds"]
        figures["full_floor_ratio"] = figures["full_seconds"] / floor["seconds"]
        figures["indicator_floor_ratio"] = figures["indicator_seconds"] / floor["seconds"]
        if floor.get("cpu_seconds") and figures["full_cpu_seconds"]:
            figures["floor_cpu_seconds"] = floor["cpu_seconds"]
            figures["full_floor_cpu_ratio"] = figures["full_cpu_seconds"] / floor["cpu_seconds"]
    if daily and full:
        figures["daily_seconds"] = daily["wall_seconds"]
        figures["daily_share"] = daily["wall_seconds"] / full["wall_seconds"]
    reference = results.get("reference_1m")
    if reference and full:
        figures["reference_1m_seconds"] = reference["full_seconds"]
        figures["scaling_vs_1m"] = full["wall_seconds"] / reference["full_seconds"]
    ari = (results.get("segmentation_quality") or {}).get("A")
    if ari:
        figures["ari_a"] = ari["adjusted_rand_index"]
    return figures


def render_section(results: Mapping[str, Any]) -> str:
    size = results["size"]
    machine = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)
    figures = headline(results)
    lines = [
        f"## {size:,} customers",
        "",
        f"Run {results['finished_at']} with `{results['command']}` (seed {results['seed']}, "
        f"dbt target `{results['dbt_target'] or 'default'}`) on the project at "
        f"{results.get('project', 'unknown')}.",
        f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), "
        f"{gib(machine['memory_bytes'])} RAM, Linux {machine['kernel']}"
        + (
            f", load average {machine['load_average']:.1f} when the run started"
            if machine.get("load_average") is not None
            else ""
        )
        + f" (a shared machine). Versions: {versions}.",
        "",
        f"Data: {results['data']['rows_text']}; "
        + (
            f"generated in {results['data']['generated_seconds']:.0f} s in this run"
            if results["data"].get("generated_seconds") is not None
            else "reused from an earlier run"
        )
        + (
            f"; appending one day ({results['data']['appended_day']}: "
            f"{results['data']['appended_rows_text']}) took "
            f"{results['data'].get('append_seconds', 0):.0f} s"
            if results["data"].get("appended_day")
            else ""
        )
        + ".",
        "",
        "| figure | measured | target | |",
        "|---|---:|---|---|",
    ]
    is_million = size == 1_000_000

    def row(label: str, value: str, target: str, ok: bool | None) -> None:
        lines.append(f"| {label} | {value} | {target} | {verdict(ok) if target else ''} |")

    if "full_seconds" in figures:
        full_ok = results["builds"]["full"]["ok"]
        ratio_target = TARGET_FLOOR_RATIO.get(size)
        if "full_floor_ratio" in figures:
            cpu_ratio = (
                f" (CPU {figures['full_cpu_seconds']:.0f} s / {figures['floor_cpu_seconds']:.0f} s"
                f" = {figures['full_floor_cpu_ratio']:.2f}x)"
                if "full_floor_cpu_ratio" in figures
                else ""
            )
            row(
                "full `dbt build` (every model and test) / hand-written query, wall",
                f"{fmt_seconds(figures['full_seconds'])} s / {figures['floor_seconds']:.1f} s = "
                f"{figures['full_floor_ratio']:.2f}x"
                + ("" if full_ok else " (FAILED)")
                + cpu_ratio,
                f"<= {ratio_target:g}x" if ratio_target else "",
                figures["full_floor_ratio"] <= ratio_target and full_ok if ratio_target else None,
            )
        if "scaling_vs_1m" in figures:
            row(
                "full build / the 1M full build (the latest `make bench SIZE=1000000`)",
                f"{fmt_seconds(figures['full_seconds'])} s / "
                f"{fmt_seconds(figures['reference_1m_seconds'])} s = "
                f"{figures['scaling_vs_1m']:.2f}x for {size / 1_000_000:g}x the customers",
                f"<= {TARGET_3M_SCALING:g}x" if size == 3_000_000 else "",
                figures["scaling_vs_1m"] <= TARGET_3M_SCALING if size == 3_000_000 else None,
            )
        peak_target = TARGET_PEAK_BYTES.get(size)
        row(
            "peak RSS of the dbt process tree",
            gib(figures["full_peak_rss_bytes"]),
            f"< {gib(peak_target)}" if peak_target else "",
            figures["full_peak_rss_bytes"] < peak_target if peak_target else None,
        )
    if "indicator_floor_ratio" in figures:
        row(
            "indicator layer / hand-written query",
            f"{figures['indicator_seconds']:.1f} s / {figures['floor_seconds']:.1f} s = "
            f"{figures['indicator_floor_ratio']:.2f}x",
            "",
            None,
        )
    if "daily_share" in figures:
        row(
            "daily build (one appended day), wall",
            f"{fmt_seconds(figures['daily_seconds'])} s = {figures['daily_share']:.0%} of the full",
            f"<= {TARGET_DAILY_SECONDS} s" if is_million else "",
            figures["daily_seconds"] <= TARGET_DAILY_SECONDS if is_million else None,
        )
    if "segmentation_seconds" in figures:
        row(
            "segmentation fit + score (2 Python fits + SQL scoring)",
            f"{figures['segmentation_seconds']:.1f} s",
            f"<= {TARGET_SEGMENTATION_SECONDS} s" if is_million else "",
            figures["segmentation_seconds"] <= TARGET_SEGMENTATION_SECONDS if is_million else None,
        )
    quality = results.get("segmentation_quality") or {}
    for scheme, q in quality.items():
        row(
            f"ARI sample fit ({q['sample_size']:,}) vs full fit ({q['fitting_sample']:,}), "
            f"scheme {scheme}",
            f"{q['adjusted_rand_index']:.4f} ({q['same_segment_share']:.1%} same segment)",
            f">= {TARGET_ARI}",
            q["adjusted_rand_index"] >= TARGET_ARI,
        )
    lines.append("")
    floor = results.get("floor")
    if floor:
        lines.append(
            f"Floor: `FLOOR_SQL` in `src/broker_segments/bench.py` (every indicator of "
            f"`customer_indicators`, from the Parquet files, into a table) took "
            f"{floor['seconds']:.1f} s (process wall {floor['wall_seconds']:.1f} s, peak RSS "
            f"{gib(floor['peak_rss_bytes'])}), over {fmt_int(floor['input_rows'])} rows = "
            f"{fmt_rate(floor['input_rows'] / floor['seconds'])} rows/s."
        )
    if results.get("floor_error"):
        lines.append(f"Floor: the hand-written query failed: {results['floor_error']}.")
    source = results.get("segmentation_quality_source", "customer_indicators")
    for scheme, q in quality.items():
        lines.append(
            f"Scheme {scheme} fit by the package outside dbt, on the fitting sample of {source}: "
            f"all {q['fitting_sample']:,} in {q['full_fit_seconds']:.1f} s, a sample of "
            f"{q['sample_size']:,} in {q['sample_fit_seconds']:.1f} s."
        )
    lines.append("")

    builds = results["builds"]
    if not builds:
        lines.append(
            "No dbt build in this run (`--skip-dbt`): the figures above need no warehouse."
        )
        return "\n".join(lines).rstrip() + "\n"
    lines += [
        "Per layer: wall seconds (sum of dbt's `execution_time`) and CPU seconds (the dbt "
        "process tree's user + system time while the layer's nodes ran; 2 cores, so up to 2x "
        "wall; less affected by other load on the machine than wall time):",
        "",
    ]
    names = [n for n in ("full", "daily") if n in builds]
    lines.append("| layer | " + " | ".join(f"{n} s | {n} CPU s" for n in names) + " | full share |")
    lines.append("|---|" + "---:|" * (2 * len(names) + 1))
    per_layer = {n: layer_seconds(builds[n]["nodes"]) for n in names}
    per_layer_cpu = {n: layer_seconds(builds[n]["nodes"], "cpu_seconds") for n in names}
    full_total = sum(per_layer["full"].values()) if "full" in per_layer else None
    order = sorted(per_layer.get("full", {}), key=lambda k: -per_layer["full"][k])
    for layer in order + sorted({k for n in names for k in per_layer[n]} - set(order)):
        cells = [
            f"{fmt_seconds(per_layer[n].get(layer))} | {fmt_seconds(per_layer_cpu[n].get(layer))}"
            for n in names
        ]
        share = per_layer["full"].get(layer, 0) / full_total if full_total else 0.0
        lines.append(f"| {layer} | " + " | ".join(cells) + f" | {share:.0%} |")
    lines.append(
        "| dbt start-up, parsing, between nodes (harness clock - sum of nodes) | "
        + " | ".join(
            fmt_seconds(builds[n]["wall_seconds"] - sum(per_layer[n].values())) + " | "
            for n in names
        )
        + " | |"
    )
    for n in names:
        b = builds[n]
        cells = [
            f"{fmt_seconds(b['wall_seconds'])} | {fmt_seconds(b.get('cpu_seconds'))}"
            if m == n
            else " | "
            for m in names
        ]
        lines.append(
            f"| **{n} total** (harness clock; dbt elapsed {fmt_seconds(b['elapsed_dbt'])} s; "
            f"peak RSS {gib(b['peak_rss_bytes'])} sampled, {gib(b['max_rss_bytes'])} "
            f"ru_maxrss) | " + " | ".join(cells) + " | |"
        )
    for n in names:
        if builds[n].get("project") and builds[n]["project"] != results.get("project"):
            lines.append(f"The {n} build ran on the project at {builds[n]['project']}.")
    lines.append("")

    lines += [
        "Per model (tests below), slowest first in the full build. `rows in` = rows of the "
        "direct parents (an incremental model on the daily build: the rows it added); rows/s = "
        "rows in / s; peak RSS = the process tree's highest sample while the node ran.",
        "",
        "| model | layer | materialized | full s | full CPU s | full % | peak RSS | rows in | "
        "rows/s | rows out | daily s | daily rows in | daily rows/s |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    full_nodes = {n["unique_id"]: n for n in builds.get("full", {}).get("nodes", [])}
    daily_nodes = {n["unique_id"]: n for n in builds.get("daily", {}).get("nodes", [])}
    models = [
        n
        for n in (full_nodes or daily_nodes).values()
        if n["resource_type"] in ("model", "seed", "snapshot")
    ]
    full_sum = sum(n["seconds"] for n in full_nodes.values()) or 1.0
    for node in sorted(models, key=lambda n: -n["seconds"]):
        d = daily_nodes.get(node["unique_id"], {})
        lines.append(
            f"| {node['name']} | {node['layer']} | {node['materialized'] or ''} | "
            f"{fmt_seconds(node['seconds'])} | {fmt_seconds(node.get('cpu_seconds'))} | "
            f"{node['seconds'] / full_sum:.1%} | "
            f"{gib(node['peak_rss_bytes'])} | {fmt_int(node['rows_in'])} | "
            f"{fmt_rate(node['rows_per_second'])} | {fmt_int(node['rows_out'])} | "
            f"{fmt_seconds(d.get('seconds'))} | {fmt_int(d.get('rows_in'))} | "
            f"{fmt_rate(d.get('rows_per_second'))} |"
        )
    lines.append("")
    tests = [n for n in full_nodes.values() if n["resource_type"] in ("test", "unit_test")]
    if tests:
        daily_tests = [n for n in daily_nodes.values() if n["layer"] == "tests"]
        lines += [
            f"Tests: {len(tests)} in {sum(n['seconds'] for n in tests):.1f} s (full build)"
            + (
                f", {sum(n['seconds'] for n in daily_tests):.1f} s (daily build)"
                if daily_tests
                else ""
            )
            + "; the slowest ten of the full build:",
            "",
            "| test | full s | daily s |",
            "|---|---:|---:|",
        ]
        for node in sorted(tests, key=lambda n: -n["seconds"])[:10]:
            d = daily_nodes.get(node["unique_id"], {})
            lines.append(
                f"| {node['name']} | {fmt_seconds(node['seconds'])} | "
                f"{fmt_seconds(d.get('seconds'))} |"
            )
        lines.append("")
    failed = [
        f"{b}: {n['name']} ({n['status']})"
        for b in names
        for n in builds[b]["nodes"]
        if n["status"] not in OK_STATUSES
    ]
    if failed:
        lines += ["Not successful: " + "; ".join(failed[:20]), ""]
    return "\n".join(lines).rstrip() + "\n"


DOC_HEADER = """# Benchmarks

Written by `make bench SIZE=<customers>` (`python -m broker_segments.bench`, see its docstring
for what is measured and how): one section per size, replaced when that size is run again.
Text outside the `bench:<size>` markers is kept.
"""


def update_doc(doc: Path, size: int, section: str) -> None:
    """Replace (or add, in size order) the section of ``size`` in doc, keeping the rest."""
    text = doc.read_text() if doc.exists() else DOC_HEADER
    start, end = f"<!-- bench:{size}:start -->", f"<!-- bench:{size}:end -->"
    block = f"{start}\n{section.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        later = [
            m for m in re.finditer(r"<!-- bench:(\d+):start -->", text) if int(m.group(1)) > size
        ]
        if later:
            at = later[0].start()
            text = text[:at] + block + "\n\n" + text[at:]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)


def rows_text(summary: Mapping[str, Any]) -> str:
    tables = summary["tables"]
    return ", ".join(f"{t} {tables[t]['rows_written']:,}" for t in RAW_TABLES) + (
        f" over {summary['trading_days']} trading days"
    )


# --------------------------------------------------------------------------------------------
# The run


def as_dict(build: BuildResult) -> dict[str, Any]:
    return {
        "ok": build.ok,
        "wall_seconds": build.measured.wall_seconds,
        "peak_rss_bytes": build.measured.peak_rss_bytes,
        "max_rss_bytes": build.measured.max_rss_bytes,
        "cpu_seconds": build.measured.cpu_seconds,
        "elapsed_dbt": build.elapsed_dbt,
        "project": build.project,
        "log": str(build.measured.log_path),
        "nodes": build.nodes,
    }


def run(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    from broker_segments.datagen import append_days

    work = args.work.resolve()
    size = args.size
    base, generated_seconds = ensure_data(work, size, args.seed, args.jobs, log)
    run_dir = work / f"run-{size}"
    raw = run_dir / "raw"
    link_tree(base, raw)
    warehouse = run_dir / "warehouse.duckdb"
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(run_dir / "target", ignore_errors=True)  # the full build parses from cold
    summary = json.loads((raw / "_generator" / "summary.json").read_text())
    results: dict[str, Any] = {
        "size": size,
        "seed": args.seed,
        "command": args.command_text,
        "dbt_target": args.target,
        "machine": machine_facts(),
        "project": project_state(),
        "data": {
            "dir": str(base),
            "rows_text": rows_text(summary),
            "generated_seconds": generated_seconds,
        },
        "builds": {},
    }

    reference = work / "run-1000000" / "results.json"
    if size != 1_000_000 and reference.is_file():
        reference_full = json.loads(reference.read_text())["builds"].get("full")
        if reference_full and reference_full.get("ok"):
            results["reference_1m"] = {"full_seconds": reference_full["wall_seconds"]}

    full = None
    if args.skip_dbt:
        log("dbt parse (for the segmentation settings the models get) ...")
        parsed = subprocess.run(
            [dbt_executable(), "parse", "--target-path", str(run_dir / "parse" / "target"),
             "--log-path", str(run_dir / "parse" / "logs")],
            cwd=PROJECT_DIR, env=dbt_environment(raw, warehouse), capture_output=True,
            text=True, check=False,
        )  # fmt: skip
        if parsed.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{parsed.stdout[-3000:]}")
        manifest = json.loads((run_dir / "parse" / "target" / "manifest.json").read_text())
    else:
        full = run_build("full", run_dir / "full", raw, warehouse, args.target, None, log)
        results["builds"]["full"] = as_dict(full)
        manifest = json.loads((run_dir / "full" / "manifest.json").read_text())

    log("floor: the hand-written indicator query ...")
    floor_db = run_dir / "floor.duckdb"
    measured = run_monitored(
        [sys.executable, "-m", "broker_segments.bench", "--floor-only", str(raw), str(floor_db),
         "--memory-limit", args.memory_limit, "--threads", str(args.threads)],
        run_dir / "floor.log",
    )  # fmt: skip
    if measured.returncode != 0:
        # the build's figures are kept: a floor that fails (e.g. its spill fills the disk at
        # 3M customers) is reported, not a reason to lose a half-hour build
        error = measured.log_path.read_text().strip().splitlines()[-1:] or ["no output"]
        results["floor_error"] = f"{error[0]} (log {measured.log_path})"
        log(f"floor: FAILED, {results['floor_error']}")
        if full is None:
            raise RuntimeError(f"the floor query failed, see {measured.log_path}")
    else:
        floor_times = json.loads(measured.log_path.read_text().splitlines()[-1])
        floor_seconds = float(floor_times["seconds"])
        results["floor"] = {
            "seconds": floor_seconds,
            "cpu_seconds": float(floor_times["cpu_seconds"]),
            "wall_seconds": measured.wall_seconds,
            "peak_rss_bytes": max(measured.peak_rss_bytes, measured.max_rss_bytes),
            "input_rows": sum(summary["tables"][t]["rows_written"] for t in RAW_TABLES),
        }
        log(f"floor: {floor_seconds:.1f} s")

    if not args.no_ari and (full is None or full.ok):
        sample = args.ari_sample or (DEFAULT_ARI_SAMPLE if size > 2 * DEFAULT_ARI_SAMPLE
                                     else max(size // 5, 1000))  # fmt: skip
        source = "the floor's indicators" if full is None else "customer_indicators"
        log(f"segmentation: sample ({sample:,}) versus full fit on {source} ...")
        results["segmentation_quality"] = sample_versus_full(
            floor_db if full is None else warehouse,
            manifest,
            sample,
            fitting_sample_sql=floor_fitting_sample_sql
            if full is None
            else warehouse_fitting_sample_sql,
        )
        results["segmentation_quality_source"] = source
        for scheme, q in results["segmentation_quality"].items():
            log(f"segmentation: scheme {scheme} ARI {q['adjusted_rand_index']:.4f}")
    for path in (floor_db, floor_db.with_name(floor_db.name + ".wal")):
        path.unlink(missing_ok=True)

    if not args.no_daily:
        log("daily: appending one trading day ...")
        counts_before = None if full is None else count_rows(warehouse, manifest)
        started = time.monotonic()
        appended = append_days(raw, 1)
        entry = appended["appends"][-1]
        results["data"]["append_seconds"] = time.monotonic() - started
        results["data"]["appended_day"] = entry["first_day"]
        results["data"]["appended_rows_text"] = ", ".join(
            f"{t} {n:,}" for t, n in entry["rows"].items()
        )
        if full is not None:
            daily = run_build(
                "daily", run_dir / "daily", raw, warehouse, args.target, counts_before, log
            )
            results["builds"]["daily"] = as_dict(daily)

    results["finished_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    results["headline"] = headline(results)
    (run_dir / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    return results


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m broker_segments.bench",
        description="Benchmark a full and a one-day dbt build at a given number of customers.",
    )
    parser.add_argument("--size", type=int, default=100_000, help="customers (default 100000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="data seed (default 42)")
    parser.add_argument(
        "--work", type=Path, default=PROJECT_DIR / "data" / "bench",
        help="folder for the data, warehouses and logs (default data/bench)",
    )  # fmt: skip
    parser.add_argument(
        "--doc", type=Path, default=PROJECT_DIR / "docs" / "benchmarks.md",
        help="the Markdown file to update (default docs/benchmarks.md); '-' for none",
    )  # fmt: skip
    parser.add_argument("--target", default=None, help="dbt target (default: the profile's)")
    parser.add_argument(
        "--ari-sample", type=int, default=None,
        help="fit sample of the sample-versus-full comparison (default 200000, or size/5 "
        "below 400000 customers)",
    )  # fmt: skip
    parser.add_argument("--no-ari", action="store_true", help="skip the sample-versus-full fit")
    parser.add_argument("--no-daily", action="store_true", help="skip the one-day build")
    parser.add_argument(
        "--skip-dbt", action="store_true",
        help="no dbt build: only the data, the floor query, the sample-versus-full fit (on the "
        "floor's indicators) and the one-day append, for a size the full build cannot reach",
    )  # fmt: skip
    parser.add_argument("--jobs", type=int, default=2, help="data generation processes")
    parser.add_argument(
        "--memory-limit",
        default=os.environ.get("BROKER_DUCKDB_MEMORY_LIMIT", "6GB"),
        help="DuckDB memory_limit of the floor query (default as the profile: 6GB)",
    )
    parser.add_argument(
        "--threads", type=int, default=int(os.environ.get("BROKER_DUCKDB_THREADS", "2")),
        help="DuckDB threads of the floor query (default as the profile: 2)",
    )  # fmt: skip
    parser.add_argument(
        "--render-only", action="store_true",
        help="rewrite the size's section of --doc from WORK/run-<size>/results.json, run nothing",
    )  # fmt: skip
    parser.add_argument("--floor-only", nargs=2, metavar=("RAW", "DB"), help=argparse.SUPPRESS)
    return parser


def command_text(args: argparse.Namespace) -> str:
    """How to repeat the run: the make target when it is one, else the module's flags that
    change what is measured."""
    flags = [
        flag
        for flag, on in (
            ("--skip-dbt", args.skip_dbt),
            ("--no-daily", args.no_daily),
            ("--no-ari", args.no_ari),
        )  # fmt: skip
        if on
    ]
    if args.ari_sample:
        flags.append(f"--ari-sample {args.ari_sample}")
    if args.target:
        flags.append(f"--target {args.target}")
    if flags:
        return f"python -m broker_segments.bench --size {args.size} --seed {args.seed} " + " ".join(
            flags
        )
    seed = "" if args.seed == DEFAULT_SEED else f" SEED={args.seed}"
    return f"make bench SIZE={args.size}{seed}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.floor_only:
        times = run_floor(
            Path(args.floor_only[0]), Path(args.floor_only[1]), args.memory_limit, args.threads
        )
        print(json.dumps(times))
        return 0
    if args.size < 100:
        parser.error("--size must be at least 100 customers")

    def log(message: str) -> None:
        print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)

    if args.render_only:
        results = json.loads((args.work / f"run-{args.size}" / "results.json").read_text())
        update_doc(args.doc, args.size, render_section(results))
        return 0
    args.command_text = command_text(args)
    results = run(args, log)
    if str(args.doc) != "-":
        update_doc(args.doc, args.size, render_section(results))
        log(f"wrote the {args.size:,}-customer section of {args.doc}")
    print(json.dumps(results["headline"], indent=2))
    return 0 if all(b["ok"] for b in results["builds"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
