"""Scoring stops, naming the input and the customer count, where SQL would go on silently: a
null input without a configured fill (it would drop out of the score's sums) and a value
outside its transform's domain (a NaN score, and a NaN row lands in the top group)."""

from __future__ import annotations

import duckdb
from conftest import run_dbt

KMEANS_CUSTOMERS = (
    "select distinct customer_id from int_segment_assignments "
    "where assignment_method = 'kmeans' order by customer_id"
)


def _score(clean_build, warehouse, tmp_path, change_sql: str):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(change_sql)
    return run_dbt(
        ["run", "--select", "int_segment_inputs_standardised"],
        clean_build.raw_dir,
        warehouse,
        tmp_path,
    )


def test_a_log_of_a_negative_stops_scoring_with_the_input_and_count(
    clean_build, warehouse_copy, tmp_path
):
    result = _score(
        clean_build,
        warehouse_copy,
        tmp_path,
        "update customer_indicators set customer_contribution = -5 where customer_id in "
        f"({KMEANS_CUSTOMERS} limit 3)",
    )
    assert result.returncode != 0
    assert "model input(s) outside their transform's domain" in result.stdout
    assert "scheme B input customer_contribution (log1p): 3 customer(s)" in result.stdout


def test_a_null_input_without_a_fill_stops_scoring_with_the_input_and_count(
    clean_build, warehouse_copy, tmp_path
):
    result = _score(
        clean_build,
        warehouse_copy,
        tmp_path,
        "update int_segment_current_parameters set value = null "
        "where artifact = 'standardisation' and column_key = 'null_fill' "
        "and row_key = 'annual_turnover'; "
        "update customer_indicators set annual_turnover = null where customer_id in "
        f"({KMEANS_CUSTOMERS} limit 2)",
    )
    assert result.returncode != 0
    assert "null model input(s) with no configured null fill" in result.stdout
    for scheme in ("A", "B"):
        assert f"scheme {scheme} input annual_turnover: 2 customer(s)" in result.stdout
