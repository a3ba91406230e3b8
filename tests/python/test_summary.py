"""The summary `make run` ends with."""

from __future__ import annotations

import pytest

from broker_segments.summary import main, summarise


def test_summary_names_the_warehouse_and_what_was_built(clean_build):
    text = summarise(clean_build.duckdb_path)
    assert f"Warehouse: {clean_build.duckdb_path.resolve()}" in text
    lines = text.splitlines()
    segments_row = next(line for line in lines if line.startswith("main.customer_segments"))
    customers = len(clean_build.query("select customer_id from customer_indicators"))
    assert f"{2 * customers:,}" in segments_row
    assert "Raw data:" in text and "Segments:" in text
    assert "VIP客户" in text
    # the borderline customers of each group, and the service plans by suitability
    borderline = clean_build.query(
        "select count(*) as n from customer_segment_explanations where is_borderline"
    )["n"][0]
    table = lines[lines.index("Segments:") + 3 :]
    segment_rows = table[: table.index("")] if "" in table else table
    assert sum(int(row.split()[-1].replace(",", "")) for row in segment_rows) == borderline
    assert "Service plans" in text and "unrated" in text and "R5" in text


def test_summary_of_a_missing_warehouse_says_what_to_do(tmp_path):
    with pytest.raises(SystemExit, match="run `make run`"):
        main(["--duckdb", str(tmp_path / "none.duckdb")])
