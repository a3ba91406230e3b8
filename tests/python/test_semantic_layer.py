"""The semantic layer: every saved query (models/semantic/_semantic__metrics.yml) answered by
MetricFlow's CLI, `mf query --saved-query NAME`, on a built warehouse, gives the numbers SQL
over the marts gives.

The warehouse is the clean build's with one more day appended and a daily build, so it holds
two as-of dates and segment_migrations has moves to count. MetricFlow (the extra `semantic`,
`make install-dev`) reads target/semantic_manifest.json below the dbt project it runs in: the
test gives it a folder of links to the project with the build's semantic manifest."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT_DIR, Build, assert_dbt_ok, run_dbt

from broker_segments.datagen import append_days

MF = str(Path(sys.executable).with_name("mf"))
PROJECT_ENTRIES = (
    "dbt_project.yml",
    "profiles.yml",
    "selectors.yml",
    "models",
    "macros",
    "seeds",
    "snapshots",
    "tests",
)


@pytest.fixture(scope="module")
def warehouse(clean_build: Build, tmp_path_factory) -> Build:
    root = tmp_path_factory.mktemp("semantic")
    raw, duckdb_path = root / "raw", root / "warehouse.duckdb"
    shutil.copytree(clean_build.raw_dir, raw)
    shutil.copy(clean_build.duckdb_path, duckdb_path)
    append_days(raw, 1)
    result = run_dbt(["build"], raw, duckdb_path, root, data_tests=False)
    assert_dbt_ok(result)
    project = linked_project(root / "project")
    shutil.copy(root / "target" / "semantic_manifest.json", project / "target")
    return Build(raw, duckdb_path, project, result)


def linked_project(project: Path) -> Path:
    """A folder of links to the dbt project, with a target folder of its own."""
    (project / "target").mkdir(parents=True)
    for entry in PROJECT_ENTRIES:
        (project / entry).symlink_to(PROJECT_DIR / entry)
    return project


def metrics_command(project: Path, duckdb_path: Path, raw_dir: Path, *args: str):
    """`python -m broker_segments.metrics ARGS` in `project`, on `duckdb_path`."""
    env = {
        **os.environ,
        "BROKER_RAW_DIR": str(raw_dir),
        "BROKER_DUCKDB_PATH": str(duckdb_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(
        [sys.executable, "-m", "broker_segments.metrics", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def saved_query(warehouse: Build, name: str) -> pd.DataFrame:
    """`mf query --saved-query name`, its rows read from the CSV it writes."""
    out = warehouse.work_dir / f"{name}.csv"
    env = {
        **os.environ,
        "BROKER_RAW_DIR": str(warehouse.raw_dir),
        "BROKER_DUCKDB_PATH": str(warehouse.duckdb_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [MF, "query", "--saved-query", name, "--csv", str(out)],
        cwd=warehouse.work_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and out.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    return pd.read_csv(out)


def assert_same_rows(answer: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    """The same rows, keyed by `keys` (nulls as ''), and the same numbers (relative 1e-9)."""
    assert sorted(answer.columns) == sorted(expected.columns)
    answer, expected = (
        frame.assign(**{key: frame[key].fillna("").astype(str) for key in keys})
        .sort_values(keys or list(frame.columns))
        .reset_index(drop=True)
        for frame in (answer, expected)
    )
    assert len(answer) == len(expected), (answer, expected)
    assert answer[keys].equals(expected[keys]), (answer[keys], expected[keys])
    for column in expected.columns.difference(keys):
        got, want = answer[column].astype(float), expected[column].astype(float)
        assert np.allclose(got, want, rtol=1e-9, atol=1e-6, equal_nan=True), (column, got, want)


def test_customers_per_segment(warehouse):
    expected = warehouse.query(
        """
        select
            scheme as segment__scheme,
            segment_code as segment__segment_code,
            segment_name as segment__segment_name,
            count(*) as customers
        from customer_segments group by all
        """
    )
    keys = ["segment__scheme", "segment__segment_code", "segment__segment_name"]
    assert_same_rows(saved_query(warehouse, "customers_per_segment"), expected, keys)


def test_segment_cost_and_contribution_is_the_service_plan(warehouse):
    """Every catalogue group, empty ones with 0 customers and a null ratio, as the mart."""
    expected = warehouse.query(
        """
        select
            scheme as segment__scheme,
            segment_code as segment__segment_code,
            service_level as segment__service_level,
            customers,
            total_customer_contribution as customer_contribution,
            total_service_cost_cny as service_cost,
            cost_to_contribution_ratio as cost_to_contribution
        from segment_service_plan
        """
    )
    keys = ["segment__scheme", "segment__segment_code", "segment__service_level"]
    assert_same_rows(saved_query(warehouse, "segment_cost_and_contribution"), expected, keys)


def test_points_issued_per_segment(warehouse):
    expected = warehouse.query(
        """
        select scheme as segment__scheme, segment_code as segment__segment_code,
            sum(total_points) as points_issued
        from customer_points group by all
        """
    )
    answer = saved_query(warehouse, "points_issued_per_segment")
    assert answer.points_issued.sum() > 0
    assert_same_rows(answer, expected, ["segment__scheme", "segment__segment_code"])


def test_segment_moves_are_the_migrations_between_groups(warehouse):
    expected = warehouse.query(
        """
        select
            strftime(from_as_of_date, '%Y-%m-%d') as segment_migration__from_as_of_date__day,
            strftime(to_as_of_date, '%Y-%m-%d') as segment_migration__to_as_of_date__day,
            scheme as segment_migration__scheme,
            from_segment_code as segment_migration__from_segment_code,
            to_segment_code as segment_migration__to_segment_code,
            customers as customers_migrated
        from segment_migrations
        where from_segment_code is distinct from to_segment_code
        """
    )
    assert len(expected) > 0, "the daily build moved nobody: no migration to check"
    answer = saved_query(warehouse, "segment_moves")
    for column in ("from", "to"):
        name = f"segment_migration__{column}_as_of_date__day"
        answer[name] = pd.to_datetime(answer[name]).dt.strftime("%Y-%m-%d")
    keys = [column for column in expected.columns if column != "customers_migrated"]
    assert_same_rows(answer, expected, keys)


def test_vip_contribution_share_is_the_service_plans(warehouse):
    expected = warehouse.query(
        """
        select contribution_share as vip_contribution_share
        from segment_service_plan where scheme = 'A' and segment_code = 'vip'
        """
    )
    answer = saved_query(warehouse, "vip_contribution_share")
    assert 0 < expected.vip_contribution_share[0] < 1
    assert_same_rows(answer, expected, [])


def test_the_metrics_command_binds_the_warehouse_it_is_given(warehouse, tmp_path):
    """The semantic manifest names the database of the warehouse it was parsed with: the
    metrics command parses again for another file, and answers from it."""
    other = tmp_path / "another_name.duckdb"
    shutil.copy(warehouse.duckdb_path, other)
    project = linked_project(tmp_path / "project")
    shutil.copy(warehouse.work_dir / "target" / "semantic_manifest.json", project / "target")
    out = tmp_path / "answer.csv"
    args = ["query", "--saved-query", "customers_per_segment", "--csv", str(out)]
    result = metrics_command(project, other, warehouse.raw_dir, *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "binding the semantic manifest" in result.stderr
    keys = ["segment__scheme", "segment__segment_code", "segment__segment_name"]
    assert_same_rows(pd.read_csv(out), saved_query(warehouse, "customers_per_segment"), keys)


def test_the_metrics_command_on_a_warehouse_without_segments_says_so(warehouse, tmp_path):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    result = metrics_command(
        warehouse.work_dir, empty, warehouse.raw_dir, "query", "--saved-query", "segment_moves"
    )
    assert result.returncode == 2
    assert f"The warehouse {empty} holds no segments yet" in result.stderr
    assert "Traceback" not in result.stderr
