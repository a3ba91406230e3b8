"""The raw export as files: where they are (paths with quotes or wildcard characters, subfolders,
Hive-style folder names), what they are (no Parquet, columns no cast reads, dates mixing time
zones) and what happens when one arrives late or changes after its days were loaded. Each is
read as the contract says or stops the build before anything is built, naming the file."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import (
    NEGATIVE_FIRST_TRADE,
    RAW_LAYER,
    assert_dbt_ok,
    build_ok,
    first_output_error,
)

# ---------- A. time zones


def test_dates_exported_with_a_time_zone_keep_their_exchange_calendar_date(export):
    """Midnight in Shanghai as TIMESTAMP WITH TIME ZONE is that day, not the previous one."""
    as_shanghai_midnight = "timezone('Asia/Shanghai', cast({0} as timestamp)) as {0}"
    date_columns = {
        "customers": ["open_date", "close_date"],
        "trades": ["trade_date"],
        "daily_balances": ["balance_date"],
        "fund_transfers": ["transfer_date"],
    }
    expected_dates = {t: export.read(t)[cols].astype(str) for t, cols in date_columns.items()}
    for table, columns in date_columns.items():
        replaced = ", ".join(as_shanghai_midnight.format(c) for c in columns)
        export.rewrite(table, f"select * replace ({replaced}) from raw")
    with duckdb.connect() as con:
        kind = con.sql(
            "select typeof(balance_date) from read_parquet(?) limit 1",
            params=[str(export.files("daily_balances")[0])],
        ).fetchall()[0][0]
    assert kind == "TIMESTAMP WITH TIME ZONE"

    build_ok(export)
    reconciliation = export.assert_reconciles()
    assert reconciliation.rows_quarantined.sum() == 0
    weekdays = export.query(
        "select distinct isodow(balance_date) as d from stg_broker__daily_balances order by d"
    ).d.tolist()
    assert weekdays == [1, 2, 3, 4, 5]
    staged = export.query("select open_date, close_date from stg_broker__customers")
    assert sorted(staged.open_date.astype(str)) == sorted(expected_dates["customers"].open_date)
    trade_dates = export.query("select trade_date from stg_broker__trades").trade_date.astype(str)
    assert sorted(trade_dates) == sorted(expected_dates["trades"].trade_date)


def test_a_table_mixing_dates_and_timestamps_keeps_its_dates_whatever_the_machines_zone(
    export, monkeypatch
):
    """Files of one table holding DATE and TIMESTAMP WITH TIME ZONE: the DATE values are read
    as midnight in the exchange's zone, not the process's (TZ far from UTC)."""
    expected = sorted(export.read("trades").trade_date.astype(str))
    files = export.files("trades")
    export.add_file(
        "trades",
        "select * replace (timezone('Asia/Shanghai', cast(trade_date as timestamp))"
        f" as trade_date) from read_parquet('{files[0]}')",
        "with_time_zone.parquet",
    )
    files[0].unlink()
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    build_ok(export)
    reconciliation = export.assert_reconciles()
    assert reconciliation.rows_quarantined.sum() == 0, reconciliation.to_string()
    trade_dates = export.query("select trade_date from stg_broker__trades").trade_date.astype(str)
    assert sorted(trade_dates) == expected


@pytest.mark.parametrize(
    ("table", "select_sql", "column", "what"),
    [
        (
            "trades",
            "select * replace (cast(strftime(trade_date, '%Y%m%d') as integer) as trade_date)"
            " from raw limit 3",
            "trade_date",
            "plain numbers (INT32, e.g. 20250102), not dates",
        ),
        (
            "daily_balances",
            "select * replace ({'cny': cash_balance} as cash_balance) from raw limit 3",
            "cash_balance",
            "a nested type (a struct, list or map)",
        ),
    ],
    ids=["integer_dates", "struct_column"],
)
def test_a_column_the_reader_cannot_type_is_named_with_its_file(
    export, table, select_sql, column, what
):
    file = export.add_file(table, select_sql, "odd.parquet")
    result = export.dbt()
    assert result.returncode != 0
    expected = f"Raw table '{table}': the file '{file}' holds the column '{column}' as {what}"
    assert expected in result.stdout, result.stdout[-3000:]
    tables = export.query("select table_name from information_schema.tables")
    assert "stg_broker__trades" not in set(tables.table_name)  # nothing built


# ---------- B. files never read


def test_files_in_subfolders_and_upper_case_extensions_are_read(export):
    trades = export.read("trades")
    rows = len(trades)
    nested = export.add_file(
        "trades",
        "select * replace ('T-NESTED-' || trade_id as trade_id) from raw limit 3",
        "2025/12/x.parquet",
    )
    upper = export.add_file(
        "trades",
        "select * replace ('T-UPPER-' || trade_id as trade_id, -1 as amount) from raw limit 2",
        "y.PARQUET",
    )
    stray = export.raw_dir / "trades" / "extra.csv"
    stray.write_text("trade_id\nT1\n")
    result = build_ok(export)
    assert "not read" in result.stdout and str(stray) in result.stdout, result.stdout[-3000:]
    reconciliation = export.assert_reconciles()
    assert reconciliation.loc["trades"].rows_read == rows + 5
    kept = export.query(
        "select count(*) as n from int_trades_cleaned where trade_id like 'T-NESTED-%'"
    )
    assert kept.n[0] == 3
    quarantined = export.quarantined("trades")
    upper_rows = quarantined[quarantined.record_key.str.startswith("T-UPPER-")]
    assert len(upper_rows) == 2
    assert set(upper_rows.quarantine_reason) == {"negative_amount"}
    assert {Path(f).resolve() for f in upper_rows.source_file} == {upper.resolve()}
    assert sorted(upper_rows.source_row_number) == [1, 2]
    assert nested.exists()


def test_a_column_named_file_row_number_stops_the_build_naming_the_file(export):
    file = export.rewrite("trades", "select *, 1 as file_row_number from raw")
    result = export.dbt()
    assert result.returncode != 0
    output = first_output_error(result)
    assert str(file) in output and "file_row_number" in output, output[-3000:]
    # stopped before anything was built
    assert "START sql" not in result.stdout


def test_an_apostrophe_in_the_raw_directory_is_quoted(export, tmp_path):
    quoted = tmp_path / "o'neil" / "raw"
    quoted.parent.mkdir()
    shutil.move(export.raw_dir, quoted)
    export.raw_dir = quoted
    trades = export.files("trades")[0]
    export.rewrite(
        "trades",
        NEGATIVE_FIRST_TRADE,
        name=trades.name,
    )
    build_ok(export)
    export.assert_reconciles()
    hit = export.quarantined("trades").iloc[0]
    assert "o'neil" in hit.source_file


@pytest.mark.parametrize("character", ["[", "*"])
def test_a_wildcard_character_in_the_raw_directory_is_refused_naming_it(
    export, tmp_path, character
):
    """A [ or * in BROKER_RAW_DIR would be a glob: refused before anything is built."""
    sibling = tmp_path / "exports1" / "raw"
    shutil.copytree(export.raw_dir, sibling)
    odd = tmp_path / f"exports{character}1" / "raw"
    odd.parent.mkdir()
    shutil.move(export.raw_dir, odd)
    export.raw_dir = odd
    result = export.dbt()
    assert result.returncode != 0
    assert f"holds the character '{character}'" in result.stdout, result.stdout[-3000:]
    if export.duckdb_path.exists():  # nothing built
        tables = export.query("select table_name from information_schema.tables")
        assert "quarantined_rows" not in set(tables.table_name)


def test_folders_named_like_hive_partitions_add_no_column(export):
    """balance_date=.../ and channel=.../ folders are folders: the files' own columns count."""
    for table, folder in [
        ("daily_balances", "balance_date=2025-01-02"),
        ("customers", "channel=online"),
    ]:
        for file in export.files(table):
            (export.raw_dir / table / folder).mkdir(exist_ok=True)
            shutil.move(file, export.raw_dir / table / folder / file.name)
    build_ok(export)
    reconciliation = export.assert_reconciles()
    assert reconciliation.rows_quarantined.sum() == 0, reconciliation.to_string()
    kept = export.query("select channel, count(*) as n from int_customers_cleaned group by 1")
    assert set(kept.channel) == {"online", "branch"}


# ---------- files that are no Parquet


@pytest.mark.parametrize(
    ("spoil", "what"),
    [
        (lambda file: file.write_bytes(b""), "is empty (0 bytes)"),
        (lambda file: os.truncate(file, file.stat().st_size // 2), "is cut short"),
        (lambda file: file.write_text("trade_id,amount\nT1,5\n"), "is not a Parquet file"),
    ],
    ids=["zero_bytes", "truncated", "csv_named_parquet"],
)
def test_a_file_that_is_no_parquet_is_named_before_anything_is_built(export, spoil, what):
    file = export.files("trades")[-1]
    spoil(file)
    result = export.dbt()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"Raw table 'trades': the file '{file}' {what}" in output, output[-3000:]
    assert "Traceback" not in output and "magic bytes" not in output
    assert not export.duckdb_path.exists()


# ---------- late files (the balances' microbatch model)


def test_a_late_file_for_a_loaded_day_is_named_and_a_backfill_loads_it(export):
    """A day's balances that arrive after the day was loaded: the next build fails the
    reconciliation and names the day and the command; that backfill loads it."""
    balances = export.read("daily_balances")
    days = sorted(balances.balance_date.unique())
    late_day = pd.Timestamp(days[-5]).date()
    late_rows = export.work_dir / "late.parquet"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(
            f"copy (select * from read_parquet('{export.raw_dir}/daily_balances/*.parquet') "
            f"where balance_date = '{late_day}') to '{late_rows}' (format parquet)"
        )
    export.rewrite("daily_balances", f"select * from raw where balance_date <> '{late_day}'")
    build_ok(export)
    shutil.move(late_rows, export.raw_dir / "daily_balances" / "late.parquet")

    result = export.dbt(dbt_vars={"max_quarantine_share": 0.5})
    assert result.returncode != 0
    command = f"--event-time-start {late_day} --event-time-end {late_day + timedelta(days=1)}"
    assert f"1 day(s) from {late_day} to {late_day}" in result.stdout, result.stdout[-3000:]
    assert command in result.stdout
    unloaded = export.query("select * from raw_data_day_reconciliation")
    assert list(unloaded.event_date) == [pd.Timestamp(late_day)]

    backfill = export.dbt([*RAW_LAYER, *command.split()], {"max_quarantine_share": 0.5})
    assert_dbt_ok(backfill)
    export.assert_reconciles()
    assert export.query("select count(*) as n from raw_data_day_reconciliation").n[0] == 0
    loaded = export.query(
        f"select count(*) as n from int_daily_balances_cleaned where balance_date = '{late_day}'"
    )
    assert loaded.n[0] == (balances.balance_date == pd.Timestamp(late_day)).sum()


def test_a_file_rewritten_or_removed_after_its_days_were_loaded_is_named_and_reloaded(export):
    """A month's trades file re-sent in place with other amounts, then removed: each time the
    next build fails naming the file and its days with the backfill that reloads them, and
    that backfill gives the warehouse the files as they are."""
    trades = export.read("trades")
    month = pd.Timestamp(trades.trade_date.max()).to_period("M") - 2
    start, end = month.start_time.date(), month.end_time.date()
    in_month = f"trade_date between '{start}' and '{end}'"
    month_file = export.raw_dir / "trades" / "month.parquet"
    staged = export.work_dir / "month.parquet"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        files = [str(f) for f in export.files("trades")]
        con.execute(f"copy (select * from read_parquet({files}) where {in_month}) to '{staged}'")
    export.rewrite("trades", f"select * from raw where not ({in_month})")
    shutil.move(staged, month_file)
    build_ok(export)
    loaded_amount = f"select sum(amount) as a from int_trades_cleaned where {in_month}"
    before = float(export.query(loaded_amount).a[0])
    assert before > 0

    # re-sent in place under the same name, every amount x10
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * replace (amount * 10 as amount) from '{month_file}')"
            f" to '{staged}' (format parquet)"
        )
    shutil.move(staged, month_file)
    days = export.query(
        f"select min(trade_date) as first, max(trade_date) as last from int_trades_validated"
        f" where {in_month}"
    ).iloc[0]
    first, after_last = days["first"].date(), days["last"].date() + timedelta(days=1)
    command = f"--event-time-start {first} --event-time-end {after_last}"
    result = export.dbt(dbt_vars={"max_quarantine_share": 0.5})
    assert result.returncode != 0
    assert f"{month_file} (changed)" in result.stdout, result.stdout[-3000:]
    assert command in result.stdout
    assert export.query(loaded_amount).a[0] == pytest.approx(before)  # nothing reloaded unasked
    assert_dbt_ok(export.dbt([*RAW_LAYER, *command.split()], {"max_quarantine_share": 0.5}))
    export.assert_reconciles()
    assert export.query("select count(*) as n from raw_data_day_reconciliation").n[0] == 0
    assert float(export.query(loaded_amount).a[0]) == pytest.approx(10 * before)

    # removed: its days are named, and the backfill empties them
    month_file.unlink()
    result = export.dbt(dbt_vars={"max_quarantine_share": 0.5})
    assert result.returncode != 0
    assert f"{month_file} (removed)" in result.stdout, result.stdout[-3000:]
    assert_dbt_ok(export.dbt([*RAW_LAYER, *command.split()], {"max_quarantine_share": 0.5}))
    assert export.query("select count(*) as n from raw_data_day_reconciliation").n[0] == 0
    assert (
        export.query(f"select count(*) as n from int_trades_validated where {in_month}").n[0] == 0
    )
