"""Print where the warehouse is and a short table of what the last build wrote.

    python -m broker_segments.summary [--duckdb PATH]

PATH defaults to BROKER_DUCKDB_PATH, then the project's default warehouse file.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

import duckdb

from broker_segments.project import duckdb_path

# The tables a reader looks at first, in this order, when they exist; the rest follow by name.
HEADLINE = [
    "customer_segments",
    "customer_segment_explanations",
    "customer_indicators",
    "segment_service_plan",
    "customer_service_plan",
    "customer_points",
    "raw_data_reconciliation",
    "quarantined_rows",
]


def _width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _format_table(rows: list[tuple], headers: tuple[str, ...]) -> str:
    cells = [headers, *[tuple(str(v) for v in row) for row in rows]]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(v + " " * (w - _width(v)) for v, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summarise(path: Path) -> str:
    if not path.exists():
        raise SystemExit(f"No warehouse at {path}: run `make run` (or dbt build) first.")
    with duckdb.connect(str(path), read_only=True) as con:
        relations = con.sql(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog') "
            "and table_name not like 'stg_%' and table_name not like 'int_%'"
        ).fetchall()
        order = {name: i for i, name in enumerate(HEADLINE)}
        relations.sort(key=lambda r: (order.get(r[1], len(HEADLINE)), r[0], r[1]))
        rows = []
        for schema, name, kind in relations:
            count = con.sql(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
            rows.append((f"{schema}.{name}", "view" if kind == "VIEW" else "table", f"{count:,}"))
        sections = [
            f"Warehouse: {path.resolve()}",
            "",
            _format_table(rows, ("relation", "kind", "rows")),
        ]
        names = {r[1] for r in relations}
        if "raw_data_reconciliation" in names:
            recon = con.sql(
                "select table_name, rows_read, rows_kept, rows_quarantined, duplicates_collapsed "
                "from raw_data_reconciliation order by table_name"
            ).fetchall()
            formatted = [tuple(f"{v:,}" if isinstance(v, int) else v for v in r) for r in recon]
            sections += [
                "",
                "Raw data:",
                _format_table(
                    formatted, ("table", "read", "kept", "quarantined", "duplicates collapsed")
                ),
            ]
        if "customer_segments" in names:
            # borderline: a model placed them close to the runner-up (customer_segment_explanations)
            explained = "customer_segment_explanations" in names
            borderline = (
                "count(*) filter (where explanations.is_borderline)"
                if explained
                else "cast(null as bigint)"
            )
            joined = (
                "left join customer_segment_explanations as explanations "
                "using (customer_id, scheme)"
                if explained
                else ""
            )
            segments = con.sql(
                "select scheme, segments.segment_code, segments.segment_name_zh, "
                f"count(*) as customers, {borderline} as borderline "
                f"from customer_segments as segments {joined} "
                "group by all order by scheme, customers desc"
            ).fetchall()
            sections += [
                "",
                "Segments:",
                _format_table(
                    [(*r[:3], f"{r[3]:,}", "" if r[4] is None else f"{r[4]:,}") for r in segments],
                    ("scheme", "segment", "中文", "customers", "borderline"),
                ),
            ]
        if "customer_service_plan" in names:
            plans = con.sql(
                "select suitability_status, max_recommended_product_risk_level, count(*), "
                "count(*) filter (where is_professional_candidate) "
                "from customer_service_plan group by all order by 1, 2 nulls first"
            ).fetchall()
            sections += [
                "",
                "Service plans (highest product risk level an advisor may recommend):",
                _format_table(
                    [
                        (status, "none" if level is None else f"R{level}", f"{n:,}", f"{p:,}")
                        for status, level, n, p in plans
                    ],
                    ("suitability", "up to", "customers", "professional candidates"),
                ),
            ]
    return "\n".join(sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duckdb",
        type=Path,
        default=duckdb_path(),
        help="warehouse file (default: $BROKER_DUCKDB_PATH or %(default)s)",
    )
    args = parser.parse_args(argv)
    print(summarise(args.duckdb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
