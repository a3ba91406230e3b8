"""Operator errors stop the run with a message that says what to do: a second build while one
holds the warehouse, a warehouse path that cannot be a DuckDB file, an as_of_date past the
data, a window without a trading day."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import duckdb
import pytest
from conftest import run_dbt

from broker_segments.preflight import (
    WarehouseFileError,
    WarehouseInUseError,
    check_warehouse_free,
    main,
)

HOLD = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
    "print('held', flush=True); time.sleep(60)"
)


@pytest.fixture()
def held_warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    yield path, holder.pid
    holder.kill()
    holder.wait()


def test_a_free_warehouse_passes(tmp_path):
    check_warehouse_free(tmp_path / "new" / "warehouse.duckdb")
    assert main(["--duckdb", str(tmp_path / "warehouse.duckdb")]) == 0


def test_a_held_warehouse_names_the_file_and_the_holder(held_warehouse, capsys):
    path, pid = held_warehouse
    with pytest.raises(WarehouseInUseError, match=f"in use by process {pid}"):
        check_warehouse_free(path)
    assert main(["--duckdb", str(path)]) == 2
    message = capsys.readouterr().err
    assert str(path) in message and "another build is probably still running" in message


def test_a_plain_dbt_build_on_a_held_warehouse_says_so_in_one_line(held_warehouse, tmp_path):
    """The project's dbt-duckdb plugin checks the file before dbt-duckdb connects to it."""
    path, pid = held_warehouse
    result = run_dbt(["build"], tmp_path / "raw-not-read", path, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"The warehouse {path} is in use by process {pid}" in output
    assert "Traceback" not in output and "Conflicting lock" not in output


def test_make_build_stops_before_dbt_when_the_warehouse_is_held(held_warehouse):
    path, _ = held_warehouse
    started = time.monotonic()
    result = subprocess.run(
        ["make", "--no-print-directory", "build", f"BROKER_DUCKDB_PATH={path}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "another build is probably still running" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert time.monotonic() - started < 30


def spoil(path, how: str) -> None:
    """Make `path` a warehouse that cannot be opened, as an operator or a disk might."""
    if how == "directory":
        path.mkdir()
        return
    if how == "text":
        path.write_text("select 1;\n")
        return
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select range as i, random() as r from range(300000)")
    if how == "truncated":
        os.truncate(path, path.stat().st_size // 2)
    else:  # a garbled block: the bytes after the first header's checksum
        with path.open("r+b") as handle:
            handle.seek(4096 + 20)
            handle.write(bytes(range(100)))


@pytest.mark.parametrize(
    ("how", "what"),
    [
        ("directory", "is a directory, not a DuckDB file"),
        ("text", "it is not a DuckDB database file"),
        ("truncated", "it is truncated"),
        ("garbled", "it is corrupt"),
    ],
)
def test_a_warehouse_that_cannot_be_opened_says_what_is_wrong_and_what_to_do(tmp_path, how, what):
    path = tmp_path / "warehouse.duckdb"
    spoil(path, how)
    with pytest.raises(WarehouseFileError, match=what) as error:
        check_warehouse_free(path)
    if how != "directory":
        assert f"mv {path} {path}.broken" in str(error.value)
        assert "segment_model_runs" in str(error.value)  # what only the warehouse holds


def test_a_warehouse_folder_that_cannot_be_created_is_named(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(WarehouseFileError, match="cannot be created"):
        check_warehouse_free(blocker / "warehouse.duckdb")


def test_a_plain_dbt_build_on_a_text_file_warehouse_says_so_in_one_line(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    spoil(path, "text")
    result = run_dbt(["build"], tmp_path / "raw-not-read", path, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"The warehouse {path} cannot be opened: it is not a DuckDB database file" in output
    assert "Traceback" not in output
    assert path.read_text() == "select 1;\n"  # left as it was


def test_an_as_of_date_past_the_data_names_the_var(clean_build, warehouse_copy, tmp_path):
    last_day = clean_build.query("select max(trading_date) as d from int_trading_days")["d"][0]
    last_day = last_day.date().isoformat()
    result = run_dbt(
        ["run", "--select", "int_indicator_window"],
        clean_build.raw_dir,
        warehouse_copy,
        tmp_path,
        {"as_of_date": "2030-01-01"},
    )
    assert result.returncode != 0
    assert (
        f"var as_of_date (2030-01-01) is after the last trading day in the data ({last_day})"
        in result.stdout
    )


def test_a_window_without_a_trading_day_names_the_vars(clean_build, warehouse_copy, tmp_path):
    # 2025-10-01..05 is the National Day holiday: no trading day in a 3-day window.
    result = run_dbt(
        ["run", "--select", "int_indicator_window"],
        clean_build.raw_dir,
        warehouse_copy,
        tmp_path,
        {"as_of_date": "2025-10-05", "lookback_days": 3},
    )
    assert result.returncode != 0
    assert "vars as_of_date and lookback_days: the window from 2025-10-03 to 2025-10-05" in (
        result.stdout
    )
    assert "holds no trading day" in result.stdout
