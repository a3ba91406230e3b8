"""The benchmark's command line (``python -m tools.bench``) and the order of a run: the data, the
full build, the floor, the sample-versus-full fit, the daily build, the results and the doc."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import PROJECT_DIR
from .artifacts import BuildResult, count_rows
from .builds import parse_manifest, run_build
from .data import RAW_TABLES, ensure_data, link_tree, rows_text
from .floor import (
    floor_figures,
    floor_fitting_sample_sql,
    measure_floor,
    run_floor,
    warehouse_fitting_sample_sql,
)
from .machine import machine_facts, project_state
from .report import headline, render_section, update_doc
from .segmentation import default_sample_size, sample_versus_full

DEFAULT_SEED = 42


def as_dict(build: BuildResult) -> dict[str, Any]:
    """A build's figures as results.json keeps them."""
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
    """One run (the steps of the package docstring); its results, also written to
    WORK/run-<size>/results.json."""
    from broker_segments.datagen import append_days
    from broker_segments.load_range import selection_args

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
        manifest = parse_manifest(run_dir / "parse", raw, warehouse)
    else:
        full = run_build("full", run_dir / "full", raw, warehouse, args.target, None, log)
        results["builds"]["full"] = as_dict(full)
        manifest = json.loads((run_dir / "full" / "manifest.json").read_text())

    log("floor: the hand-written indicator query ...")
    floor_db = run_dir / "floor.duckdb"
    measured = measure_floor(raw, floor_db, args.memory_limit, args.threads, run_dir / "floor.log")
    if measured.returncode != 0:
        # the build's figures are kept: a floor that fails (e.g. its spill fills the disk at
        # 3M customers) is reported, not a reason to lose a half-hour build
        error = measured.log_path.read_text().strip().splitlines()[-1:] or ["no output"]
        results["floor_error"] = f"{error[0]} (log {measured.log_path})"
        log(f"floor: FAILED, {results['floor_error']}")
        if full is None:
            raise RuntimeError(f"the floor query failed, see {measured.log_path}")
    else:
        input_rows = sum(summary["tables"][t]["rows_written"] for t in RAW_TABLES)
        results["floor"] = floor_figures(measured, input_rows)
        log(f"floor: {results['floor']['seconds']:.1f} s")

    if not args.no_ari and (full is None or full.ok):
        sample = args.ari_sample or default_sample_size(size)
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
            # the day's selection, as make build gives it (the daily selector on DuckDB)
            selection = [] if args.target else selection_args(warehouse)
            daily = run_build(
                "daily",
                run_dir / "daily",
                raw,
                warehouse,
                args.target,
                counts_before,
                log,
                extra_args=selection,
            )
            results["builds"]["daily"] = as_dict(daily)

    results["finished_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    results["headline"] = headline(results)
    (run_dir / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    return results


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench",
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
        return f"python -m tools.bench --size {args.size} --seed {args.seed} " + " ".join(flags)
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
