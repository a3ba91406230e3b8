"""`dbt source freshness` on the raw export: each table's last day against the run date (var
freshness_run_date, else as_of_date, else the export's last day), with the thresholds in days
as vars. No build: freshness reads the Parquet files. (The Dagster tests pass
freshness_run_date: test_orchestration.py.)"""

from __future__ import annotations

import json

import duckdb
from conftest import PROJECT_VARS, run_dbt

from broker_segments.datagen import generate

CUSTOMERS = 200
DAY = 86400


def cut(raw, table: str, date_column: str, before: str) -> None:
    """Keep only the table's rows dated on or before `before` (a SQL date expression)."""
    files = sorted((raw / table).glob("*.parquet"))
    kept = raw / f"{table}.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * from read_parquet({[str(f) for f in files]}) "
            f"where {date_column} <= {before}) to '{kept}' (format parquet)"
        )
    for file in files:
        file.unlink()
    kept.rename(raw / table / "export.parquet")


def test_each_table_is_held_against_the_exports_last_day(tmp_path):
    """Without a run date the export's last day (the last balance date) is the run date: the
    balances are fresh, transfers 4 days behind warn (> 3) and trades 12 days behind fail (> 10)."""
    raw = tmp_path / "raw"
    generate(raw, customers=CUSTOMERS, seed=5)
    with duckdb.connect() as con:
        last_day = con.execute(
            f"select max(balance_date) from read_parquet('{raw}/daily_balances/*.parquet')"
        ).fetchone()[0]
    cut(raw, "fund_transfers", "transfer_date", f"date '{last_day}' - 4")
    cut(raw, "trades", "trade_date", f"date '{last_day}' - 12")

    result = run_dbt(["source", "freshness"], raw, tmp_path / "warehouse.duckdb", tmp_path)
    assert result.returncode != 0, "a table past the error threshold must fail the command"
    results = json.loads((tmp_path / "target" / "sources.json").read_text())["results"]
    tables = {r["unique_id"].split(".")[-1]: r for r in results}
    # customers has no daily date: no freshness.
    assert {name: r["status"] for name, r in tables.items()} == {
        "daily_balances": "pass",
        "fund_transfers": "warn",
        "trades": "error",
    }
    for name, lag in [("daily_balances", 0), ("fund_transfers", 4), ("trades", 12)]:
        assert tables[name]["snapshotted_at"].startswith(last_day.isoformat()), tables[name]
        # At least: the last transfer or trade kept may be older still.
        assert tables[name]["max_loaded_at_time_ago_in_s"] >= lag * DAY
    assert tables["daily_balances"]["max_loaded_at_time_ago_in_s"] == 0
    assert tables["trades"]["criteria"] == {
        "warn_after": {"count": PROJECT_VARS["freshness_warn_after_days"], "period": "day"},
        "error_after": {"count": PROJECT_VARS["freshness_error_after_days"], "period": "day"},
        "filter": None,
    }
