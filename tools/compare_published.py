"""Compare the published tables of two DuckDB warehouses built from the same export: a change
that should not change the output (a refactoring, a new tree) shows here if it does.

    python -m tools.compare_published BEFORE.duckdb AFTER.duckdb --manifest target/manifest.json

The published tables are the project's public models, what its exposures read (from the
manifest of either build) and the quality gate's tables. Per table: the rows of each warehouse
and the rows found in one but not the other (EXCEPT ALL both ways, every column). Columns that
hold when a build ran, not what it computed, are left out (VOLATILE_COLUMNS), and doubles are
compared to SIGNIFICANT_DIGITS significant digits. Exit status 1 when a table differs.
Development tooling: not installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

# Columns that record when a build ran or how long it took, not what it computed.
VOLATILE_COLUMNS = {"fitted_at_utc", "fit_seconds"}
# Doubles agree to this many significant digits (sums in another order differ near 1e-16).
SIGNIFICANT_DIGITS = 9
# The raw data quality gate's tables the operator reads (README).
OPERATOR_TABLES = {"quarantined_rows", "raw_data_reconciliation"}


def published_relations(manifest: dict) -> list[str]:
    """The relation names of the public models and of the models the exposures read."""
    nodes = manifest["nodes"]
    public = {key for key, node in nodes.items() if node.get("access") == "public"}
    exposed = {
        parent
        for exposure in manifest.get("exposures", {}).values()
        for parent in exposure["depends_on"]["nodes"]
        if parent in nodes
    }
    return sorted({nodes[key]["alias"] for key in public | exposed} | OPERATOR_TABLES)


def comparable(name: str, kind: str) -> str:
    """A column as compared: a double to SIGNIFICANT_DIGITS significant digits (a parallel
    aggregate sums in another order from one build to the next), anything else as it is."""
    column = f'"{name}"'
    if kind not in ("DOUBLE", "FLOAT"):
        return column
    digits = f"{SIGNIFICANT_DIGITS} - cast(floor(log10(abs({column}))) as integer)"
    return f"case when {column} = 0 then 0 else round({column}, {digits}) end as {column}"


def compare(con: duckdb.DuckDBPyConnection, table: str, ignore: set[str]) -> dict:
    columns = [
        (name, kind)
        for name, kind in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = 'before' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
        if name not in VOLATILE_COLUMNS | ignore
    ]
    listed = ", ".join(comparable(name, kind) for name, kind in columns)
    before = f"select {listed} from before.main.{table}"
    after = f"select {listed} from after.main.{table}"

    def count(sql: str) -> int:
        return con.execute(f"select count(*) from ({sql})").fetchone()[0]

    return {
        "table": table,
        "rows_before": count(before),
        "rows_after": count(after),
        "only_before": count(f"{before} except all {after}"),
        "only_after": count(f"{after} except all {before}"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--manifest", type=Path, default=Path("target/manifest.json"))
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        help="a column to leave out as well (repeatable), e.g. model_id, which two builds of "
        "the same code do not give alike",
    )
    args = parser.parse_args(argv)
    tables = published_relations(json.loads(args.manifest.read_text()))
    con = duckdb.connect()
    con.execute(f"attach '{args.before}' as before (read_only)")
    con.execute(f"attach '{args.after}' as after (read_only)")
    results = [compare(con, table, set(args.ignore)) for table in tables]
    print("| table | rows before | rows after | only before | only after |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| `{r['table']}` | {r['rows_before']:,} | {r['rows_after']:,} | "
            f"{r['only_before']:,} | {r['only_after']:,} |"
        )
    differ = [r["table"] for r in results if r["only_before"] or r["only_after"]]
    print(f"differ: {', '.join(differ)}" if differ else "every published table is identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
