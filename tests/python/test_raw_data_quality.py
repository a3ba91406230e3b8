"""The raw layer keeps every row accounted for: kept, quarantined with the right reason, or
collapsed as an exact duplicate; and a broken export stops the build with a clear message."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import run_dbt, worker_export_dir

RAW_TABLES = ["customers", "trades", "daily_balances", "fund_transfers"]
KEY_COLUMNS = {
    "customers": "customer_id",
    "trades": "trade_id",
    "daily_balances": "customer_id || '|' || strftime(balance_date, '%Y-%m-%d')",
    "fund_transfers": "transfer_id",
}


def test_clean_data_keeps_every_row(clean_build):
    reconciliation = clean_build.query("select * from raw_data_reconciliation").set_index(
        "table_name"
    )
    summary = clean_build.generator_summary()
    for table in RAW_TABLES:
        row = reconciliation.loc[table]
        assert row.rows_read == summary["tables"][table]["rows_written"]
        assert row.rows_kept == row.rows_read, table
        assert row.rows_quarantined == 0, table
        assert row.duplicates_collapsed == 0, table


def test_reconciliation_matches_what_the_generator_wrote(defects_build):
    reconciliation = defects_build.query("select * from raw_data_reconciliation").set_index(
        "table_name"
    )
    summary = defects_build.generator_summary()["tables"]
    for table in RAW_TABLES:
        row = reconciliation.loc[table]
        expected = summary[table]
        assert row.rows_read == expected["rows_written"], table
        assert row.rows_read == row.rows_kept + row.rows_quarantined + row.duplicates_collapsed
        assert row.rows_kept == expected["expected_kept"], table
        assert row.duplicates_collapsed == expected["expected_duplicates_collapsed"], table
        assert row.rows_quarantined == sum(expected["expected_quarantined"].values()), table


def test_each_defect_lands_in_quarantine_with_its_reason(defects_build):
    quarantined = defects_build.query(
        "select table_name, quarantine_reason, count(*) as n from quarantined_rows group by all"
    )
    found = {(r.table_name, r.quarantine_reason): r.n for r in quarantined.itertuples()}
    summary = defects_build.generator_summary()["tables"]
    expected = {
        (table, reason): n
        for table in RAW_TABLES
        for reason, n in summary[table]["expected_quarantined"].items()
        if n > 0
    }
    assert found == expected

    # Row by row: every injected defect with a key is in quarantine under its reason.
    with duckdb.connect(str(defects_build.duckdb_path), read_only=True) as con:
        defects = defects_build.raw_dir / "_generator" / "defects.parquet"
        missing = con.sql(
            f"""
            select d.table_name, d.record_key, d.defect_reason
            from read_parquet('{defects}') as d
            where d.defect_reason not in ('exact_duplicate', 'missing_key')
            and not exists (
                select 1 from quarantined_rows as q
                where q.table_name = d.table_name
                and q.record_key = d.record_key
                and q.quarantine_reason = d.defect_reason
            )
            """
        ).fetchall()
    assert missing == []


@pytest.mark.parametrize("table", RAW_TABLES)
def test_every_clean_row_is_kept(defects_build, table):
    """A raw row that no defect touched reaches the cleaned model, once."""
    defects = defects_build.raw_dir / "_generator" / "defects.parquet"
    raw = defects_build.raw_dir / table / "*.parquet"
    key = KEY_COLUMNS[table]
    with duckdb.connect(str(defects_build.duckdb_path), read_only=True) as con:
        lost = con.sql(
            f"""
            with raw_keys as (
                select distinct {key} as record_key from read_parquet('{raw}')
                where {key} is not null
            ),
            defect_keys as (
                select record_key from read_parquet('{defects}')
                where table_name = '{table}' and defect_reason != 'exact_duplicate'
            ),
            kept_keys as (select {key} as record_key from int_{table}_cleaned)
            select count(*) from raw_keys
            where record_key not in (
                select record_key from defect_keys where record_key is not null
            )
            and record_key not in (select record_key from kept_keys)
            """
        ).fetchall()[0][0]
        kept_twice = con.sql(
            f"select count(*) - count(distinct {key}) from int_{table}_cleaned"
        ).fetchall()[0][0]
    assert lost == 0
    assert kept_twice == 0


def test_quarantine_share_above_the_limit_fails(defects_build, tmp_path):
    # On a copy: the session's build is shared, read-only, by the test workers.
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(defects_build.duckdb_path, warehouse)
    result = run_dbt(
        ["test", "--select", "raw_rows_quarantined_within_limit"],
        defects_build.raw_dir,
        warehouse,
        tmp_path,
        dbt_vars={"max_quarantine_share": 0.0001},
    )
    assert result.returncode != 0
    assert "raw_rows_quarantined_within_limit" in result.stdout


def test_quarantined_rows_warn_but_pass_under_the_limit(defects_build):
    out = defects_build.result.stdout
    assert "WARN" in out and "raw_rows_quarantined_none" in out


def test_missing_table_folder_names_the_folder(clean_build, tmp_path_factory, tmp_path):
    raw = worker_export_dir(tmp_path_factory)
    shutil.copytree(clean_build.raw_dir, raw)
    shutil.rmtree(raw / "fund_transfers")
    result = run_dbt(["build"], raw, tmp_path / "warehouse.duckdb", tmp_path)
    assert result.returncode != 0
    assert f"'{raw / 'fund_transfers'}' is missing or holds no Parquet file" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_empty_table_folder_names_the_folder(clean_build, tmp_path_factory, tmp_path):
    raw = worker_export_dir(tmp_path_factory)
    shutil.copytree(clean_build.raw_dir, raw)
    for part in (raw / "trades").glob("*.parquet"):
        part.unlink()
    result = run_dbt(["build"], raw, tmp_path / "warehouse.duckdb", tmp_path)
    assert result.returncode != 0
    assert f"'{raw / 'trades'}' is missing or holds no Parquet file" in result.stdout


def test_file_without_a_contract_column_names_table_file_and_column(
    clean_build, tmp_path_factory, tmp_path
):
    raw = worker_export_dir(tmp_path_factory)
    shutil.copytree(clean_build.raw_dir, raw)
    part = sorted((raw / "trades").glob("*.parquet"))[0]
    duckdb.sql(
        f"copy (select * exclude (commission) from read_parquet('{part}')) "
        f"to '{tmp_path / 'tmp.parquet'}'"
    )
    shutil.move(tmp_path / "tmp.parquet", part)
    result = run_dbt(["build"], raw, tmp_path / "warehouse.duckdb", tmp_path)
    assert result.returncode != 0
    assert f"Raw table 'trades': the file '{part}' has no column 'commission'" in result.stdout
