"""Hostile but possible raw exports: each is either quarantined row by row (reason, file and
row named) or stops the build before anything is published with one clear message, and the
reconciliation (rows read = kept + quarantined + collapsed) still holds."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import (
    HOSTILE_CUSTOMERS,
    NEGATIVE_FIRST_TRADE,
    RAW_LAYER,
    Export,
    assert_dbt_ok,
    assert_quarantined,
    build_ok,
    first_output_error,
    worker_export_dir,
)

from broker_segments.datagen import generate

# ---------- C. values that do not parse


def test_values_that_do_not_parse_are_quarantined_with_file_and_row(export):
    file = export.rewrite(
        "trades",
        """
        select * replace (
            case row_number() over (order by trade_id)
                when 2 then 'N/A' when 3 then 'NaN' when 4 then '1e300'
                else cast(amount as varchar) end as amount,
            case row_number() over (order by trade_id)
                when 5 then '05/01/2025' else strftime(trade_date, '%Y-%m-%d') end as trade_date
        )
        from raw order by trade_id
        """,
    )
    keys = export.read("trades").trade_id.tolist()
    build_ok(export)
    export.assert_reconciles()
    for row, reason in [
        (2, "invalid_number"),
        (3, "out_of_range"),
        (4, "out_of_range"),
        (5, "invalid_date"),
    ]:
        hit = assert_quarantined(export, "trades", keys[row - 1], reason, file, row)
        assert reason in hit.invalid_value
    hit = export.quarantined("trades").set_index("record_key").loc[keys[1]]
    assert hit.invalid_value == "amount = 'N/A' (invalid_number)"
    assert len(export.quarantined("trades")) == 4


def test_infinite_balance_is_out_of_range(export):
    file = export.rewrite(
        "daily_balances",
        """
        select * replace (
            case when row_number() over (order by customer_id, balance_date) = 7
                then cast('inf' as double) else cast(cash_balance as double) end as cash_balance
        )
        from raw order by customer_id, balance_date
        """,
    )
    raw = export.read("daily_balances").iloc[6]
    build_ok(export)
    export.assert_reconciles()
    key = f"{raw.customer_id}|{pd.Timestamp(raw.balance_date):%Y-%m-%d}"
    assert_quarantined(export, "daily_balances", key, "out_of_range", file, 7)


# ---------- D. what the contract forbids


def test_null_values_blank_keys_and_absurd_amounts_are_quarantined(export):
    file = export.rewrite(
        "trades",
        """
        select * replace (
            case row_number() over (order by trade_id) when 1 then null when 3 then 1e15
                else amount end as amount,
            case when row_number() over (order by trade_id) = 2 then null else commission end
                as commission
        )
        from raw order by trade_id
        """,
    )
    keys = export.read("trades").trade_id.tolist()
    customers_file = export.rewrite(
        "customers",
        """
        select * replace (
            case row_number() over (order by customer_id) when 1 then '' when 2 then '   '
                else customer_id end as customer_id
        ) from raw order by customer_id
        """,
    )
    build_ok(export)
    export.assert_reconciles()
    assert_quarantined(export, "trades", keys[0], "missing_value", file, 1)
    assert_quarantined(export, "trades", keys[1], "missing_value", file, 2)
    assert_quarantined(export, "trades", keys[2], "out_of_range", file, 3)
    # ids are trimmed (docs/raw-data-contract.md): a blank id and one of spaces are both ''
    blank = export.quarantined("customers")
    assert set(blank.record_key) == {""}, blank.to_string()
    assert sorted(blank.source_row_number) == [1, 2]
    assert set(blank.quarantine_reason) == {"missing_key"}
    assert {Path(f).resolve() for f in blank.source_file} == {customers_file.resolve()}
    blank_kept = export.query(
        "select count(*) as n from int_customers_cleaned where trim(customer_id) = ''"
    )
    assert blank_kept.n[0] == 0


def test_null_balance_is_missing_value(export):
    file = export.rewrite(
        "daily_balances",
        """
        select * replace (
            case when row_number() over (order by customer_id, balance_date) = 4
                then null else market_value end as market_value
        ) from raw order by customer_id, balance_date
        """,
    )
    raw = export.read("daily_balances").iloc[3]
    build_ok(export)
    export.assert_reconciles()
    key = f"{raw.customer_id}|{pd.Timestamp(raw.balance_date):%Y-%m-%d}"
    assert_quarantined(export, "daily_balances", key, "missing_value", file, 4)


# ---------- E. crashes on legal input


def test_extra_columns_named_like_the_lineage_are_ignored(export):
    file = export.rewrite("trades", "select *, 'ignored' as filename from raw order by trade_id")
    export.rewrite("customers", "select *, 42 as FILENAME from raw order by customer_id")
    keys = export.read("trades").trade_id.tolist()
    # one bad trade, to see its lineage
    export.rewrite(
        "trades",
        NEGATIVE_FIRST_TRADE,
        name=file.name,
    )
    build_ok(export)
    export.assert_reconciles()
    assert_quarantined(export, "trades", keys[0], "negative_amount", file, 1)


@pytest.mark.parametrize(
    ("dbt_vars", "message"),
    [
        ({"exchange_timezone": "Asia/Sh'anghai"}, "var exchange_timezone: 'Asia/Sh'anghai'"),
        ({"max_plausible_amount_cny": "1; drop table x"}, "var max_plausible_amount_cny must"),
    ],
)
def test_a_var_that_reaches_sql_is_checked_before_the_build(export, dbt_vars, message):
    result = export.dbt(dbt_vars=dbt_vars)
    assert result.returncode != 0
    assert message in first_output_error(result), result.stdout[-3000:]
    assert "START sql" not in result.stdout


# ---------- F. quarantine that heals


def customer_with_trades(export: Export) -> str:
    trades = export.read("trades")
    return str(trades.customer_id.value_counts().index[0])


def test_a_customer_that_arrives_later_gets_its_rows_back_on_the_next_build(export):
    customer = customer_with_trades(export)
    customers = export.read("customers")
    export.rewrite("customers", f"select * from raw where customer_id != '{customer}'")
    build_ok(export)
    first = export.quarantined("trades")
    assert set(first.quarantine_reason) == {"unknown_customer"}
    assert len(first) > 0
    # the later export holds the customer: an incremental build (no --full-refresh) heals it
    row = customers[customers.customer_id == customer]
    row.to_parquet(export.raw_dir / "customers" / "late.parquet", index=False)
    build_ok(export)
    export.assert_reconciles()
    assert export.query("select count(*) as n from quarantined_rows").n[0] == 0
    kept = export.query(
        f"select count(*) as n from int_trades_cleaned where customer_id = '{customer}'"
    ).n[0]
    assert kept == len(first)
    trade_days = export.query(
        "select sum(trade_count) as n from int_customer_trade_days"
        f" where customer_id = '{customer}'"
    )
    assert trade_days.n[0] == kept


def test_a_customer_that_turns_invalid_takes_its_loaded_rows_to_quarantine(export):
    customer = customer_with_trades(export)
    build_ok(export)
    trades = export.query(
        f"select count(*) as n from int_trades_cleaned where customer_id = '{customer}'"
    ).n[0]
    assert trades > 0
    conflict = export.add_file(
        "customers",
        f"select * replace ('branch' as channel, 'B-OTHER' as branch_id) from raw"
        f" where customer_id = '{customer}'",
        "conflict.parquet",
    )
    with_indicators = [*RAW_LAYER, "+int_customer_trades_aggregated"]
    assert_dbt_ok(export.dbt(with_indicators, {"max_quarantine_share": 0.5}))
    export.assert_reconciles()
    versions = export.quarantined("customers")
    assert set(versions.quarantine_reason) == {"duplicate_key"} and len(versions) == 2
    assert str(conflict) in set(versions.source_file)
    quarantined = export.quarantined("trades")
    assert set(quarantined.quarantine_reason) == {"customer_quarantined"}
    assert len(quarantined) == trades
    assert (
        export.query(
            f"select count(*) as n from int_trades_cleaned where customer_id = '{customer}'"
        ).n[0]
        == 0
    )
    balances = export.quarantined("daily_balances")
    assert set(balances.quarantine_reason) == {"customer_quarantined"}
    # its trade days stay loaded (a mended customer needs no reload); no indicator reads them
    assert (
        export.query(
            "select count(*) as n from int_customer_trades_aggregated"
            f" where customer_id = '{customer}'"
        ).n[0]
        == 0
    )


# ---- the raw layer in dbt's microbatches (macros/incremental/microbatch.sql)

VALIDATED_COLUMNS = "* exclude (loaded_by_invocation_id, loaded_through_date)"


def validated_rows(export: Export, table: str) -> pd.DataFrame:
    key = "trade_id" if table == "trades" else "customer_id, balance_date"
    return export.query(
        f"select {VALIDATED_COLUMNS} from int_{table}_validated order by {key}, source_row_number"
    ).reset_index(drop=True)


def microbatch_count(stdout: str, model: str) -> int:
    """How many batches dbt ran of a microbatch model."""
    counts = re.findall(rf"Batch \d+ of (\d+) START batch \S+ of \S*{model}\b", stdout)
    assert counts, stdout[-3000:]
    return int(counts[-1])


def test_date_batches_validate_exactly_as_one_batch(tmp_path_factory, tmp_path):
    """The per-day models loaded in two runs that split the export's days hold the rows,
    verdicts, copies and lineage of one run over every day: dbt microbatch, a month a batch,
    the first batch of the first run also loading the trades older than the balances."""
    raw_dir = worker_export_dir(tmp_path_factory)
    generate(raw_dir, customers=HOSTILE_CUSTOMERS, seed=5, defects=True)
    one = Export(raw_dir, tmp_path / "one", batch_size="month")
    many = Export(raw_dir, tmp_path / "many", batch_size="month")
    result = one.dbt(dbt_vars={"max_quarantine_share": 0.5})
    assert_dbt_ok(result)
    months = one.query(
        "select count(distinct date_trunc('month', balance_date)) as n "
        "from int_daily_balances_validated"
    ).n[0]
    assert microbatch_count(result.stdout, "int_daily_balances_validated") >= months > 10
    assert microbatch_count(result.stdout, "int_trades_validated") >= months
    first, last = one.query(
        "select min(balance_date) as a, max(balance_date) as b from int_daily_balances_validated"
    ).iloc[0]
    # trade history starts before the balances: the first batch loaded it
    assert one.query("select min(trade_date) as d from int_trades_validated").d[0] < first
    middle = (first + (last - first) / 2).isoformat()
    vars_many = {"max_quarantine_share": 0.5}
    days = ["--event-time-start", first.isoformat()]
    first_half = many.dbt([*RAW_LAYER, *days, "--event-time-end", middle], vars_many)
    assert first_half.returncode != 0  # the days not loaded yet do not reconcile
    rest = [
        "--event-time-start",
        middle,
        "--event-time-end",
        (last + timedelta(days=1)).isoformat(),
    ]
    result = many.dbt([*RAW_LAYER, *rest], vars_many)
    assert_dbt_ok(result)
    for table in ("daily_balances", "trades"):
        pd.testing.assert_frame_equal(validated_rows(one, table), validated_rows(many, table))
    assert many.quarantined("trades").source_file.notna().all()
    order = ["record_key", "quarantine_reason", "source_file", "source_row_number"]
    pd.testing.assert_frame_equal(
        one.quarantined("trades").sort_values(order, ignore_index=True),
        many.quarantined("trades").sort_values(order, ignore_index=True),
    )
    many.assert_reconciles()


def conflicting_trade_sql(trade_id: str) -> str:
    """The trade again, dated 40 days earlier and for another amount: a conflicting version
    that lands in another date batch."""
    return (
        "select * replace (cast(trade_date as date) - 40 as trade_date, amount + 1 as amount)"
        f" from raw where trade_id = '{trade_id}'"
    )


def a_trade_id(export: Export) -> str:
    trades = export.read("trades").sort_values("trade_id")
    return trades.trade_id.iloc[len(trades) // 2]


def test_a_trade_dated_twice_is_quarantined_across_date_batches(export):
    export.batch_size = "month"
    trade_id = a_trade_id(export)
    conflict = export.add_file("trades", conflicting_trade_sql(trade_id), "corrected.parquet")
    assert_dbt_ok(export.dbt(dbt_vars={"max_quarantine_share": 0.5}))
    versions = export.quarantined("trades")
    versions = versions[versions.record_key == trade_id]
    assert list(versions.quarantine_reason) == ["duplicate_key", "duplicate_key"]
    assert str(conflict) in set(versions.source_file) and versions.source_file.notna().all()
    kept = export.query(
        f"select count(*) as n from int_trades_cleaned where trade_id = '{trade_id}'"
    )
    assert kept.n[0] == 0
    export.assert_reconciles()


def test_a_trade_dated_again_in_a_later_build_takes_the_loaded_one_to_quarantine(export):
    """A late file (loaded by a backfill of its day) holds another version of a trade loaded
    earlier on another day: both versions are quarantined where the rows are read, and the
    customer's trade indicators are those of a from-scratch build. When the file is withdrawn
    and its day backfilled again, the trade is kept again, though the other version's day
    still lists the key as a candidate (its versions are counted again each build)."""
    trade_id = a_trade_id(export)
    assert_dbt_ok(export.dbt())
    customer, trade_date = export.query(
        f"select customer_id, trade_date from int_trades_cleaned where trade_id = '{trade_id}'"
    ).iloc[0]
    late_file = export.add_file("trades", conflicting_trade_sql(trade_id), "corrected.parquet")
    late_day = (pd.Timestamp(trade_date) - pd.Timedelta(days=40)).date()
    backfill = ["--event-time-start", late_day.isoformat(),
                "--event-time-end", (late_day + timedelta(days=1)).isoformat()]  # fmt: skip
    raw_and_indicators = [*RAW_LAYER, "+int_customer_trades_aggregated"]
    assert_dbt_ok(export.dbt([*raw_and_indicators, *backfill], {"max_quarantine_share": 0.5}))
    versions = export.quarantined("trades")
    assert set(versions[versions.record_key == trade_id].quarantine_reason) == {"duplicate_key"}
    assert len(versions[versions.record_key == trade_id]) == 2
    export.assert_reconciles()
    indicators_sql = (
        f"select * from int_customer_trades_aggregated where customer_id = '{customer}'"
    )
    daily = export.query(indicators_sql)
    assert_dbt_ok(
        export.dbt([*raw_and_indicators, "--full-refresh"], {"max_quarantine_share": 0.5})
    )
    pd.testing.assert_frame_equal(daily, export.query(indicators_sql))

    late_file.unlink()
    assert_dbt_ok(export.dbt([*raw_and_indicators, *backfill], {"max_quarantine_share": 0.5}))
    candidate_days = export.query(
        f"select trade_date from int_trade_key_candidates where trade_id = '{trade_id}'"
    )
    assert list(candidate_days.trade_date.astype(str)) == [str(trade_date)[:10]]
    kept = export.query(
        f"select count(*) as n from int_trades_cleaned where trade_id = '{trade_id}'"
    )
    assert kept.n[0] == 1
    assert trade_id not in set(export.quarantined("trades").record_key)
    export.assert_reconciles()


# ---------- G. failing rows stored for the operator


def test_the_quality_gates_failing_rows_are_stored_for_the_operator(export):
    """A quarantined trade warns (raw_rows_quarantined_none) and, at a limit of 0, fails the
    gate (raw_rows_quarantined_within_limit): both tests leave their failing rows in
    main_data_quality_failures, one table per test, and a passing one leaves an empty table."""
    export.rewrite("trades", NEGATIVE_FIRST_TRADE)
    result = export.dbt(dbt_vars={"max_quarantine_share": 0})
    assert result.returncode != 0
    assert "raw_rows_quarantined_within_limit" in result.stdout
    failures = "main_data_quality_failures"
    over_limit = export.query(
        f"select table_name, rows_quarantined from {failures}.raw_rows_quarantined_within_limit"
    )
    assert list(over_limit.itertuples(index=False, name=None)) == [("trades", 1)]
    warned = export.query(f"select table_name from {failures}.raw_rows_quarantined_none")
    assert list(warned.table_name) == ["trades"]
    assert export.query(f"select count(*) as n from {failures}.raw_rows_reconcile").n[0] == 0


# ---------- rows the contract refuses rather than rounds or splits


def test_a_trade_after_close_a_fractional_quantity_and_a_padded_id_follow_the_contract(export):
    """A closed account's later trade is quarantined (after_close_date) and its trade
    indicators leave it out; a quantity of 100.7 is invalid_number, not 101; a customer id
    padded with a space is the same customer in every table, not one more."""
    customers = export.read("customers")
    trades = export.read("trades")
    last_day = pd.Timestamp(export.read("daily_balances").balance_date.max())
    closed = customers[customers.close_date.notna() & (customers.close_date < last_day)]
    closed = closed[closed.customer_id.isin(trades.customer_id)]
    closed_id = str(closed.customer_id.iloc[0])
    after_close = pd.Timestamp(closed.close_date.iloc[0]) + timedelta(days=1)
    first_trade = trades.trade_id.min()
    others = trades[trades.customer_id != closed_id]
    padded_trade = others.trade_id.max()
    padded_customer = str(others.set_index("trade_id").customer_id[padded_trade])
    trades_file = export.rewrite(
        "trades",
        f"""select * replace (
            case when trade_id = '{first_trade}' then 100.7 else quantity end as quantity,
            case when trade_id = '{padded_trade}'
                then customer_id || ' ' else customer_id end as customer_id
        ) from raw order by trade_id""",
    )
    late_trade = export.add_file(
        "trades",
        f"select * replace ('T-AFTER-CLOSE' as trade_id, date '{after_close:%Y-%m-%d}'"
        f" as trade_date) from raw where customer_id = '{closed_id}'"
        f" and trade_id <> '{first_trade}' limit 1",
        "after_close.parquet",
    )
    export.add_file(
        "customers",
        f"select * replace (customer_id || ' ' as customer_id) from raw"
        f" where customer_id = '{padded_customer}'",
        "padded.parquet",
    )
    result = export.dbt(
        [*RAW_LAYER, "+int_customer_trades_aggregated"], {"max_quarantine_share": 0.5}
    )
    assert_dbt_ok(result)
    reconciliation = export.assert_reconciles()

    assert_quarantined(export, "trades", "T-AFTER-CLOSE", "after_close_date", late_trade, 1)
    counted = export.query(
        f"""select aggregated.trade_count, (
            select count(*) from int_trades_cleaned as cleaned, int_indicator_window as w
            where cleaned.customer_id = aggregated.customer_id
                and cleaned.trade_date between w.window_start_date and w.as_of_date
        ) as cleaned_in_window
        from int_customer_trades_aggregated as aggregated
        where aggregated.customer_id = '{closed_id}'"""
    )
    assert counted.trade_count[0] == counted.cleaned_in_window[0]

    fractional = assert_quarantined(export, "trades", first_trade, "invalid_number", trades_file, 1)
    assert fractional.invalid_value == "quantity = '100.7' (invalid_number)"

    # the padded copy of a customer row is an exact copy once trimmed: collapsed, not a customer
    assert export.query("select count(*) as n from int_customers_cleaned").n[0] == len(customers)
    assert reconciliation.loc["customers", "duplicates_collapsed"] == 1
    kept = export.query(
        f"select customer_id from int_trades_cleaned where trade_id = '{padded_trade}'"
    )
    assert kept.customer_id.tolist() == [padded_customer]


# ---------- the trading calendar


def test_one_balance_row_on_a_sunday_does_not_move_the_calendar(export):
    """A stray row dated on a Sunday is no trading day: quarantined with its file and row, the
    build warns naming the day, and no customer's calendar gains a day."""
    sunday = export.add_file(
        "daily_balances",
        "select * replace (balance_date + 2 as balance_date) from raw "
        "where isodow(balance_date) = 5 "
        "order by balance_date, customer_id limit 1",
        "stray.parquet",
    )
    row = duckdb.sql(f"select customer_id, balance_date from '{sunday}'").fetchall()[0]
    result = export.dbt([*RAW_LAYER, "+int_trading_days"], {"max_quarantine_share": 0.5})
    assert_dbt_ok(result)
    assert f"{row[1]} is not a trading day: only 1 of" in result.stdout, result.stdout[-3000:]
    assert_quarantined(export, "daily_balances", f"{row[0]}|{row[1]}", "non_trading_day", sunday, 1)
    export.assert_reconciles()
    weekdays = export.query("select distinct isodow(trading_date) as d from int_trading_days").d
    assert sorted(weekdays) == [1, 2, 3, 4, 5]
    kept = export.query(
        f"select count(*) as n from int_daily_balances_cleaned where balance_date = '{row[1]}'"
    )
    assert kept.n[0] == 0


def test_a_balance_quarantined_on_the_as_of_day_carries_the_last_good_day_forward(export):
    """A row the export sent but that is quarantined is no zero balance: the customer's end
    assets are the last kept day's, not 0 (which made asset_growth an outlier of its own)."""
    balances = export.read("daily_balances")
    days = sorted(balances.balance_date.unique())
    last_day, previous_day = days[-1], days[-2]
    on_last_day = balances[(balances.balance_date == last_day) & (balances.market_value > 0)]
    customer = on_last_day.customer_id.min()
    last_day = pd.Timestamp(last_day).date()
    export.rewrite(
        "daily_balances",
        f"""select * replace (
            case when customer_id = '{customer}' and balance_date = '{last_day}'
                then -1 else cash_balance end as cash_balance)
        from raw order by balance_date, customer_id""",
    )
    result = export.dbt([*RAW_LAYER, "+customer_indicators"], {"max_quarantine_share": 0.5})
    assert_dbt_ok(result)
    export.assert_reconciles()
    quarantined = export.quarantined("daily_balances")
    assert quarantined.quarantine_reason.tolist() == ["negative_balance"]
    stand_in = export.query(
        f"""select cleaned.*, previous.cash_balance + previous.market_value as previous_assets
        from int_daily_balances_cleaned as cleaned
        inner join int_daily_balances_cleaned as previous
            on previous.customer_id = cleaned.customer_id
            and previous.balance_date = cleaned.carried_forward_from_date
        where cleaned.customer_id = '{customer}' and cleaned.balance_date = '{last_day}'"""
    )
    assert len(stand_in) == 1
    assert stand_in.carried_forward_from_date[0] == pd.Timestamp(previous_day)
    end_assets = export.query(
        f"select end_assets from customer_indicators where customer_id = '{customer}'"
    ).end_assets[0]
    assert float(end_assets) == pytest.approx(float(stand_in.previous_assets[0]))
    assert float(end_assets) > 0


def test_a_later_open_date_quarantines_the_loaded_trades_before_it_on_the_next_build(export):
    """A customer's open_date moved later by the next export: the trades already loaded from
    before it are quarantined (before_open_date) by a plain build, as a full refresh would."""
    customers = export.read("customers")
    still_open = customers[customers.close_date.isna()].customer_id
    traded = export.read("trades").customer_id
    customer = str(traded[traded.isin(still_open)].value_counts().index[0])
    build_ok(export)
    trades = export.query(
        f"select trade_date from int_trades_cleaned where customer_id = '{customer}'"
        " order by trade_date"
    ).trade_date
    new_open = trades.iloc[len(trades) // 2].date()
    export.rewrite(
        "customers",
        f"select * replace (case when customer_id = '{customer}' then date '{new_open}'"
        " else open_date end as open_date) from raw order by customer_id",
    )
    build_ok(export)
    export.assert_reconciles()
    quarantined = export.quarantined("trades")
    assert set(quarantined.quarantine_reason) == {"before_open_date"}
    assert len(quarantined) == (trades < pd.Timestamp(new_open)).sum()
    kept = export.query(
        f"select min(trade_date) as d from int_trades_cleaned where customer_id = '{customer}'"
    ).d[0]
    assert kept.date() >= new_open
