"""Shared fixtures: generated raw data sets built into throwaway DuckDB warehouses with dbt.

Every build runs the real `dbt build --target ci` from the project directory, with its own
warehouse file, target and log folders, so tests never touch a user's warehouse.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from broker_segments.datagen import generate
from broker_segments.project import INDICATOR_NAMES

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))

# The project's vars as dbt_project.yml sets them (their defaults).
PROJECT_VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]

# Small enough for a quick build, large enough for every profile and for segmentation.
TEST_CUSTOMERS = 1500

# The indicators of docs/domain.md, in its order (one home: broker_segments.project).
INDICATORS = list(INDICATOR_NAMES)


@dataclass
class Build:
    """A raw data set and the warehouse dbt built from it."""

    raw_dir: Path
    duckdb_path: Path
    work_dir: Path
    result: subprocess.CompletedProcess

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
            return con.sql(sql).df()

    def generator_summary(self) -> dict:
        return json.loads((self.raw_dir / "_generator" / "summary.json").read_text())


def run_dbt(
    args: list[str],
    raw_dir: Path,
    duckdb_path: Path,
    work_dir: Path,
    dbt_vars: dict | None = None,
) -> subprocess.CompletedProcess:
    """Run a dbt command on the project against raw_dir and duckdb_path; never raises."""
    env = {
        **os.environ,
        "BROKER_RAW_DIR": str(raw_dir),
        "BROKER_DUCKDB_PATH": str(duckdb_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        DBT,
        *args,
        "--target",
        "ci",
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
    ]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    return subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )


def build(
    tmp_root: Path,
    *,
    customers: int = TEST_CUSTOMERS,
    seed: int = 7,
    defects: bool = False,
    dbt_vars: dict | None = None,
) -> Build:
    raw_dir = tmp_root / "raw"
    generate(raw_dir, customers=customers, seed=seed, defects=defects)
    duckdb_path = tmp_root / "warehouse.duckdb"
    result = run_dbt(["build"], raw_dir, duckdb_path, tmp_root, dbt_vars)
    return Build(raw_dir, duckdb_path, tmp_root, result)


def assert_dbt_ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"dbt failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="session")
def clean_build(tmp_path_factory) -> Build:
    """Demo data without defects, built with every model and test."""
    built = build(tmp_path_factory.mktemp("clean"))
    assert_dbt_ok(built.result)
    return built


@pytest.fixture(scope="session")
def defects_build(tmp_path_factory) -> Build:
    """Demo data with every kind of bad row, built with a quarantine limit that tolerates them."""
    built = build(
        tmp_path_factory.mktemp("defects"),
        seed=11,
        defects=True,
        dbt_vars={"max_quarantine_share": 0.2},
    )
    assert_dbt_ok(built.result)
    return built


@pytest.fixture()
def warehouse_copy(clean_build, tmp_path) -> Path:
    """A copy of the clean build's warehouse, for a test that builds or breaks something."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(clean_build.duckdb_path, path)
    return path
