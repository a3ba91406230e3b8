"""Running ``dbt build`` (and ``dbt parse``) on the project under the process monitor, each
build with its own target and log folders and the warehouse and data given by environment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from broker_segments.load_range import build_args

from . import PROJECT_DIR
from .artifacts import BuildResult, count_rows, source_rows, summarise_build
from .machine import project_state
from .monitor import run_monitored
from .report import gib


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
    # the days the per-day models load, as make build passes them
    days = build_args(target or "dev", raw_dir=raw, warehouse=warehouse)
    measured = run_monitored(
        dbt_command(folder.parent / "target", folder / "logs", target, [*extra_args, *days]),
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


def parse_manifest(folder: Path, raw: Path, warehouse: Path) -> dict[str, Any]:
    """``dbt parse`` into folder/target (logs in folder/logs): the manifest, for a run with no
    build (the settings dbt passes the segmentation models)."""
    parsed = subprocess.run(
        [dbt_executable(), "parse", "--target-path", str(folder / "target"),
         "--log-path", str(folder / "logs")],
        cwd=PROJECT_DIR, env=dbt_environment(raw, warehouse), capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    if parsed.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{parsed.stdout[-3000:]}")
    return json.loads((folder / "target" / "manifest.json").read_text())
