"""What a run ran on: the machine, the package versions, and the commit of the project."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from . import PROJECT_DIR


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
