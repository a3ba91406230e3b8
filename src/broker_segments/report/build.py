"""Read the warehouse and write the segment report: one static HTML page, charts as inline SVG.

    python -m broker_segments.report [--duckdb PATH] [--out reports/segment_report.html]

PATH defaults to BROKER_DUCKDB_PATH, then the project's default warehouse file. The page needs
no network: no script, font or style sheet is loaded from anywhere.

What it shows, for the model each scheme's customers are scored with (the model_id of
customer_segments): the model-run facts (KMO, variance explained, hit rates), group sizes by
assignment method, the scree plot and rotated loadings (scheme A), the k-selection curves with
the bootstrap stability of each k, the classification results of Fisher's functions (actual
group x predicted group, resubstituted and leave-one-out), the indicator profile of every group,
and the migration matrix between the two latest as-of dates of segment_migrations ("no history
yet" while it is missing or empty).
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import duckdb

from broker_segments.project import INDICATORS, duckdb_path
from broker_segments.report import charts

DEFAULT_OUT = "reports/segment_report.html"

SCHEME_TITLES = {
    "A": "Scheme A (thesis): 13 indicators, factor analysis, K-means",
    "B": "Scheme B (paper): contribution, turnover and tenure, K-means",
}
METHOD_COLOURS = {"kmeans": "#2b6cb0", "discriminant": "#dd6b20", "rule": "#a0aec0"}


REQUIRED_TABLES = ("customer_segments", "segment_model_runs")
# Every relation the report reads: the segment_report exposure depends on exactly these.
TABLES_READ = (
    "customer_segments",
    "segment_catalogue",
    "segment_model_runs",
    "segment_variance_explained",
    "segment_factor_loadings",
    "segment_standardisation",
    "segment_k_selection",
    "segment_classification_results",
    "segment_profiles",
    "segment_migrations",
)
MIGRATION_COLUMNS = {
    "scheme",
    "from_as_of_date",
    "to_as_of_date",
    "from_segment_code",
    "to_segment_code",
    "customers",
}


class Warehouse:
    """A read-only connection and the tables it has."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.tables = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema not in ('information_schema', 'pg_catalog')"
            ).fetchall()
        }

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        cursor = self.con.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def columns(self, table: str) -> set[str]:
        return {
            name
            for (name,) in self.con.execute(
                "select column_name from information_schema.columns where table_name = ?", [table]
            ).fetchall()
        }


@dataclass
class SchemeModel:
    """A scheme and the fitted model its customers are scored with."""

    scheme: str
    model_id: str
    facts: dict
    names: dict[str, str] = field(default_factory=dict)  # segment_code -> display name
    order: dict[str, int] = field(default_factory=dict)  # segment_code -> sort_order

    @property
    def title(self) -> str:
        return SCHEME_TITLES.get(self.scheme, f"Scheme {self.scheme}")

    def label(self, code: str | None) -> str:
        if code is None:
            return "(none)"
        return self.names.get(code, code)


def current_models(warehouse: Warehouse) -> list[SchemeModel]:
    """Per scheme, the model most of customer_segments was scored with, with its run facts."""
    scored = warehouse.rows(
        "select scheme, model_id, count(*) as customers from customer_segments "
        "group by all order by scheme, customers desc, model_id desc"
    )
    chosen: dict[str, str] = {}
    for row in scored:
        chosen.setdefault(row["scheme"], row["model_id"])
    runs = {
        row["model_id"]: row
        for row in warehouse.rows("select * from segment_model_runs order by model_id")
    }
    catalogue = (
        warehouse.rows("select * from segment_catalogue")
        if "segment_catalogue" in warehouse.tables
        else []
    )
    models = []
    for scheme, model_id in sorted(chosen.items()):
        model = SchemeModel(scheme, model_id, runs.get(model_id, {}))
        for row in catalogue:
            if row["scheme"] == scheme:
                model.names[row["segment_code"]] = (
                    f"{row['segment_name']} · {row['segment_name_zh']}"
                )
                model.order[row["segment_code"]] = row["sort_order"]
        models.append(model)
    return models


def _figure(chart_id: str, svg: str, caption: str = "") -> str:
    caption_html = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="chart" data-chart="{escape(chart_id)}">{svg}{caption_html}</figure>'


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def _missing(table: str) -> str:
    return _note(f"The warehouse has no {table} table: run `dbt build` to make it.")


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def section_models(models: list[SchemeModel]) -> str:
    headers = [
        ("scheme", "Scheme"),
        ("model_id", "Model"),
        ("as_of_date", "Fitted as of"),
        ("fitted_at_utc", "Fitted at (UTC)"),
        ("n_rows", "Customers fitted"),
        ("k", "Groups (k)"),
        ("n_factors", "Factors"),
        ("kmo", "KMO"),
        ("cumulative_variance_pct", "Variance explained"),
        ("cv_hit_rate", "Hit rate (leave-one-out)"),
        ("resubstitution_hit_rate", "Hit rate (resubstitution)"),
    ]
    body = []
    for model in models:
        facts = {"scheme": model.scheme, "model_id": model.model_id, **model.facts}
        cells = []
        for key, _ in headers:
            value = facts.get(key)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                text = "–"
            elif key in ("cv_hit_rate", "resubstitution_hit_rate"):
                text = _pct(value)
            elif key == "cumulative_variance_pct":
                text = f"{value:.1f}%"
            elif key == "kmo":
                text = f"{value:.3f}"
            elif key == "fitted_at_utc":
                text = str(value).replace("T", " ")[:16]
            elif isinstance(value, int):
                text = f"{value:,}"
            else:
                text = str(value)
            cells.append(f"<td>{escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f"<th>{escape(label)}</th>" for _, label in headers)
    return (
        '<table class="facts" data-table="model-runs"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
        + _note(
            "KMO above 0.5 is acceptable for factor analysis, above 0.8 good. The hit rate is "
            "the share of fitted customers the discriminant functions put back in their own "
            "group, which is how new customers are placed."
        )
    )


def section_group_sizes(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    rows = warehouse.rows(
        "select scheme, segment_code, assignment_method, count(*) as customers "
        "from customer_segments group by all"
    )
    methods = ["kmeans", "discriminant", "rule"]
    methods += sorted({r["assignment_method"] for r in rows} - set(methods))
    parts = []
    for model in models:
        counts: dict[str, dict[str, int]] = {}
        for row in rows:
            if row["scheme"] == model.scheme:
                by_method = counts.setdefault(row["segment_code"], {})
                by_method[row["assignment_method"]] = row["customers"]
        codes = sorted(counts, key=lambda c: (model.order.get(c, 999), c))
        total = sum(sum(c.values()) for c in counts.values())
        svg = charts.stacked_bar_chart(
            [model.label(code) for code in codes],
            {m: [counts[code].get(m, 0) for code in codes] for m in methods},
            title=f"Scheme {model.scheme}: customers per group ({total:,})",
            colours=METHOD_COLOURS,
        )
        parts.append(_figure(f"group-sizes-{model.scheme}", svg, model.title))
    return (
        '<div class="row">'
        + "".join(parts)
        + "</div>"
        + _note(
            "kmeans: in the fitting sample; discriminant: new or short-history customers "
            "placed by the classification functions; rule: closed accounts and the paper's "
            "outliers."
        )
    )


def section_scree(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    if "segment_variance_explained" not in warehouse.tables:
        return _missing("segment_variance_explained")
    parts = []
    for model in models:
        rows = warehouse.rows(
            "select component, initial_eigenvalue, extraction_ss_loadings "
            "from segment_variance_explained where model_id = ? order by component",
            [model.model_id],
        )
        if not rows:
            continue
        kept = {r["component"] for r in rows if r["extraction_ss_loadings"] is not None}
        svg = charts.line_chart(
            [
                charts.Series(
                    "eigenvalue",
                    [r["component"] for r in rows],
                    [r["initial_eigenvalue"] for r in rows],
                )
            ],
            title=f"Scheme {model.scheme}: scree plot",
            x_label="component",
            y_label="initial eigenvalue",
            width=460,
            height=280,
            reference_y=1.0,
            reference_label="eigenvalue = 1",
            filled=lambda _name, x, kept=kept: x in kept,
        )
        parts.append(
            _figure(
                f"scree-{model.scheme}",
                svg,
                f"{len(kept)} factors kept (filled points); Kaiser's rule keeps those above the "
                "line.",
            )
        )
    return "".join(parts) or _note("No scheme of the current models uses factor analysis.")


def section_loadings(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    if "segment_factor_loadings" not in warehouse.tables:
        return _missing("segment_factor_loadings")
    parts = []
    for model in models:
        rows = warehouse.rows(
            "select input_name, factor, rotated_loading from segment_factor_loadings "
            "where model_id = ?",
            [model.model_id],
        )
        if not rows:
            continue
        order = (
            {
                r["input_name"]: r["position"]
                for r in warehouse.rows(
                    "select input_name, position from segment_standardisation where model_id = ?",
                    [model.model_id],
                )
            }
            if "segment_standardisation" in warehouse.tables
            else {}
        )
        inputs = sorted({r["input_name"] for r in rows}, key=lambda n: (order.get(n, 99), n))
        factors = sorted({r["factor"] for r in rows}, key=lambda f: int(f.rsplit("_", 1)[-1]))
        value = {(r["input_name"], r["factor"]): r["rotated_loading"] for r in rows}
        svg = charts.heatmap(
            inputs,
            factors,
            [[value.get((i, f)) for f in factors] for i in inputs],
            title=f"Scheme {model.scheme}: rotated component matrix (varimax)",
            colour=lambda _i, _j, v: charts.diverging(v),
            text=lambda _i, _j, v: f"{v:.2f}",
            cell_width=70,
        )
        parts.append(
            _figure(
                f"loadings-{model.scheme}",
                svg,
                "Red: the input loads positively on the factor, blue: negatively; a factor is "
                "named by its strongest inputs.",
            )
        )
    return "".join(parts) or _note("No scheme of the current models uses factor analysis.")


def section_k_selection(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    if "segment_k_selection" not in warehouse.tables:
        return _missing("segment_k_selection")
    metrics = [
        ("inertia", "Inertia (elbow)"),
        ("silhouette", "Silhouette (higher is better)"),
        ("calinski_harabasz", "Calinski-Harabasz (higher is better)"),
        ("davies_bouldin", "Davies-Bouldin (lower is better)"),
    ]
    parts = []
    for model in models:
        rows = warehouse.rows(
            "select * from segment_k_selection where model_id = ? order by k", [model.model_id]
        )
        if not rows:
            parts.append(_note(f"Scheme {model.scheme}: no k-selection rows for its model."))
            continue
        chosen = model.facts.get("k")
        figures = []
        for metric, title in metrics:
            svg = charts.line_chart(
                [charts.Series(metric, [r["k"] for r in rows], [r[metric] for r in rows])],
                title=title,
                x_label="k (groups)",
                y_label=metric.replace("_", " "),
                marker_x=chosen,
                marker_label=f"k = {chosen}" if chosen else "",
                zero_based=metric == "inertia",
            )
            figures.append(_figure(f"k-selection-{model.scheme}-{metric}", svg))
        stable = [r for r in rows if r.get("stability_ari_mean") is not None]
        if stable:
            svg = charts.line_chart(
                [
                    charts.Series(
                        "stability",
                        [r["k"] for r in stable],
                        [r["stability_ari_mean"] for r in stable],
                    )
                ],
                title="Bootstrap stability (higher is better)",
                x_label="k (groups)",
                y_label="mean ARI of refits",
                marker_x=chosen,
                marker_label=f"k = {chosen}" if chosen else "",
            )
            resamples = max(int(r["stability_resamples"] or 0) for r in stable)
            figures.append(
                _figure(
                    f"k-selection-{model.scheme}-stability",
                    svg,
                    f"K-means refitted on {resamples} bootstrap resamples of the "
                    f"{int(stable[0]['sample_size']):,} customers of the k-selection sample, "
                    "each compared with the k's clustering by the adjusted Rand index.",
                )
            )
        parts.append(
            f"<h3>{escape(model.title)}</h3>" + '<div class="row">' + "".join(figures) + "</div>"
        )
    return "".join(parts)


CLASSIFICATION_METHODS = [
    ("resubstitution", "original (resubstitution)"),
    ("leave_one_out", "cross-validated (leave-one-out)"),
]


def section_classification(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    """Fisher's functions' classification results: a heatmap of counts per method."""
    if "segment_classification_results" not in warehouse.tables:
        return _missing("segment_classification_results")
    parts = []
    for model in models:
        rows = warehouse.rows(
            "select * from segment_classification_results where model_id = ?", [model.model_id]
        )
        if not rows:
            parts.append(_note(f"Scheme {model.scheme}: no classification results for its model."))
            continue

        def key(code: str, model=model) -> tuple:
            return (model.order.get(code, 999), code)

        codes = sorted({r["actual_segment_code"] for r in rows}, key=key)
        figures = []
        for method, label in CLASSIFICATION_METHODS:
            cells = {
                (r["actual_segment_code"], r["predicted_segment_code"]): r
                for r in rows
                if r["validation_method"] == method
            }
            if not cells:
                continue
            counts = [[_cell(cells, a, p, "customer_count") for p in codes] for a in codes]
            shares = [[_cell(cells, a, p, "row_share") for p in codes] for a in codes]
            correct = sum(counts[i][i] or 0 for i in range(len(codes)))
            total = sum(c or 0 for row in counts for c in row)
            svg = charts.heatmap(
                [model.label(code) for code in codes],
                [model.label(code) for code in codes],
                counts,
                title=f"Scheme {model.scheme}: classification results, {label}",
                row_axis="rows: K-means group",
                column_axis="columns: predicted by Fisher's functions",
                colour=lambda i, j, _v, s=shares: charts.sequential(0.04 + 0.9 * (s[i][j] or 0)),
                text=lambda i, j, v, s=shares: f"{v:,.0f} · {(s[i][j] or 0):.0%}" if v else "0",
                cell_width=96,
            )
            figures.append(
                _figure(
                    f"classification-{model.scheme}-{method}",
                    svg,
                    f"{correct:,} of {total:,} fitted customers ({correct / (total or 1):.1%}) "
                    "are put back in their own group (the diagonal). The colour is the share "
                    "of the row's group.",
                )
            )
        parts.append(
            f"<h3>{escape(model.title)}</h3>" + '<div class="row">' + "".join(figures) + "</div>"
        )
    return "".join(parts)


def _cell(cells: dict, actual: str, predicted: str, column: str) -> float | None:
    row = cells.get((actual, predicted))
    return None if row is None else row[column]


def _signed_log(value: float) -> float:
    return math.copysign(math.log1p(abs(value)), value)


def section_profiles(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    if "segment_profiles" not in warehouse.tables:
        return _missing("segment_profiles")
    available = warehouse.columns("segment_profiles")
    indicators = [(n, zh) for n, zh in INDICATORS if f"{n}_median" in available]
    parts = []
    for model in models:
        rows = warehouse.rows(
            "select * from segment_profiles where scheme = ? and customers > 0 "
            "order by sort_order, segment_code",
            [model.scheme],
        )
        if not rows:
            continue
        columns = ["customers"] + [f"{n}_median" for n, _ in indicators]
        labels = ["customers"] + [f"{n} {zh}" for n, zh in indicators]
        values = [[row[c] for c in columns] for row in rows]
        ranges = []
        for j in range(len(columns)):
            present = [_signed_log(v[j]) for v in values if v[j] is not None]
            ranges.append((min(present), max(present)) if present else (0.0, 0.0))

        def colour(_i: int, j: int, v: float, ranges=ranges) -> str:
            low, high = ranges[j]
            share = (_signed_log(v) - low) / (high - low) if high > low else 0.5
            return charts.sequential(0.08 + 0.8 * share)

        svg = charts.heatmap(
            [model.label(r["segment_code"]) for r in rows],
            labels,
            values,
            title=f"Scheme {model.scheme}: median indicator per group",
            colour=colour,
            text=lambda _i, _j, v: charts.fmt(v),
            cell_width=56,
        )
        parts.append(
            _figure(
                f"profiles-{model.scheme}",
                svg,
                "Median of each indicator over the group's customers (segment_profiles); the "
                "colour ranks the groups on that indicator (log scale), darker is higher.",
            )
        )
    return "".join(parts)


def section_migrations(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    no_history = (
        "No history yet: segment_migrations compares two as-of dates, so it fills after the "
        "second daily build."
    )
    if "segment_migrations" not in warehouse.tables:
        return _note(no_history)
    missing = MIGRATION_COLUMNS - warehouse.columns("segment_migrations")
    if missing:
        return _note(f"segment_migrations lacks the columns {', '.join(sorted(missing))}.")
    rows = warehouse.rows(
        """
        with latest_to as (
            select scheme, max(to_as_of_date) as to_as_of_date
            from segment_migrations
            group by scheme
        ),

        latest_pair as (
            select
                migrations.scheme,
                max(migrations.from_as_of_date) as from_as_of_date,
                latest_to.to_as_of_date
            from segment_migrations as migrations
            inner join latest_to
                on
                    migrations.scheme = latest_to.scheme
                    and migrations.to_as_of_date = latest_to.to_as_of_date
            group by migrations.scheme, latest_to.to_as_of_date
        )
        select migrations.*
        from segment_migrations as migrations
        inner join latest_pair
            on migrations.scheme = latest_pair.scheme
            and migrations.from_as_of_date = latest_pair.from_as_of_date
            and migrations.to_as_of_date = latest_pair.to_as_of_date
        where migrations.customers > 0
        """
    )
    if not rows:
        return _note(no_history)
    parts = []
    for model in models:
        scheme_rows = [r for r in rows if r["scheme"] == model.scheme]
        if not scheme_rows:
            continue

        def key(code: str | None, model=model) -> tuple:
            return (code is None, model.order.get(code, 999), code or "")

        from_codes = sorted({r["from_segment_code"] for r in scheme_rows}, key=key)
        to_codes = sorted({r["to_segment_code"] for r in scheme_rows}, key=key)
        counts = {
            (r["from_segment_code"], r["to_segment_code"]): r["customers"] for r in scheme_rows
        }
        row_totals = {f: sum(counts.get((f, t), 0) for t in to_codes) for f in from_codes}
        both = sum(c for (f, t), c in counts.items() if f is not None and t is not None)
        moved = sum(c for (f, t), c in counts.items() if None not in (f, t) and f != t)
        new = sum(c for (f, _), c in counts.items() if f is None)
        left = sum(c for (_, t), c in counts.items() if t is None)
        svg = charts.heatmap(
            [model.label(code) if code else "(not yet a customer)" for code in from_codes],
            [model.label(code) if code else "(no longer a customer)" for code in to_codes],
            [[counts.get((f, t)) for t in to_codes] for f in from_codes],
            title=f"Scheme {model.scheme}: customers per group at both dates",
            row_axis=f"rows: group on {scheme_rows[0]['from_as_of_date']}",
            column_axis=f"columns: group on {scheme_rows[0]['to_as_of_date']}",
            colour=lambda i, _j, v, f=from_codes, t=row_totals: charts.sequential(
                0.08 + 0.85 * v / (t[f[i]] or 1)
            ),
            text=lambda _i, _j, v: f"{v:,.0f}",
            cell_width=96,
        )
        parts.append(
            _figure(
                f"migrations-{model.scheme}",
                svg,
                f"{moved:,} of the {both:,} customers segmented at both dates changed group "
                f"({moved / (both or 1):.1%}); {new:,} new, {left:,} left. The colour is the "
                "share of the row's group.",
            )
        )
    return "".join(parts) or _note(no_history)


STYLE = """
body { font-family: system-ui, 'Segoe UI', 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif;
       margin: 0 auto; max-width: 1500px; padding: 16px 28px 40px; color: #1a202c; }
header p { color: #4a5568; margin: 4px 0; }
h2 { border-bottom: 1px solid #e2e8f0; padding-bottom: 4px; margin-top: 34px; }
h3 { margin: 18px 0 4px; font-size: 15px; }
nav a { margin-right: 14px; color: #2b6cb0; }
.row { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: flex-start; }
figure.chart { margin: 8px 0; max-width: 100%; overflow-x: auto; }
figcaption, .note { color: #4a5568; font-size: 13px; max-width: 900px; }
table.facts { border-collapse: collapse; font-size: 13px; }
table.facts th, table.facts td { border: 1px solid #e2e8f0; padding: 4px 8px; text-align: right;
                                  white-space: nowrap; }
table.facts th { background: #f7fafc; }
"""

SECTIONS = [
    ("models", "The fitted models"),
    ("group-sizes", "Group sizes"),
    ("scree", "Scree plot"),
    ("loadings", "Rotated loadings"),
    ("k-selection", "Choosing k"),
    ("classification", "Classification results"),
    ("profiles", "Indicator profiles"),
    ("migrations", "Segment migrations"),
]


def render(warehouse: Warehouse, source: str) -> str:
    """The report page for the warehouse (source names it in the header)."""
    missing = [t for t in REQUIRED_TABLES if t not in warehouse.tables]
    if missing:
        raise SystemExit(
            f"The warehouse {source} has no {', '.join(missing)}: run `make run` "
            "(or dbt build) before the report."
        )
    models = current_models(warehouse)
    if not models:
        raise SystemExit(f"customer_segments in {source} is empty: nothing to report.")
    as_of = sorted(
        {
            str(r["as_of_date"])
            for r in warehouse.rows("select distinct as_of_date from customer_segments")
        }
    )
    bodies = {
        "models": section_models(models),
        "group-sizes": section_group_sizes(warehouse, models),
        "scree": section_scree(warehouse, models),
        "loadings": section_loadings(warehouse, models),
        "k-selection": section_k_selection(warehouse, models),
        "classification": section_classification(warehouse, models),
        "profiles": section_profiles(warehouse, models),
        "migrations": section_migrations(warehouse, models),
    }
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(f'<a href="#{key}">{escape(title)}</a>' for key, title in SECTIONS)
    sections = "".join(
        f'<section id="{key}"><h2>{escape(title)}</h2>{bodies[key]}</section>'
        for key, title in SECTIONS
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Customer segments report</title>"
        f"<style>{STYLE}</style></head><body>"
        "<header><h1>Customer segments report · 客户细分报告</h1>"
        f"<p>Customers scored as of {escape(', '.join(as_of))}; warehouse "
        f"<code>{escape(source)}</code>; generated {generated}.</p>"
        f"<nav>{nav}</nav></header>{sections}</body></html>\n"
    )


def build_report(duckdb_path: Path, out: Path) -> Path:
    """Write the report of the warehouse at duckdb_path to out; returns out."""
    if not duckdb_path.exists():
        raise SystemExit(f"No warehouse at {duckdb_path}: run `make run` (or dbt build) first.")
    try:
        con = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.IOException as error:
        raise SystemExit(
            f"Cannot open {duckdb_path} (a dbt build may be writing it; run the report when it "
            f"has finished): {error}"
        ) from error
    with con:
        page = render(Warehouse(con), str(duckdb_path.resolve()))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m broker_segments.report",
        description="Write the segment report (one static HTML page) from the warehouse.",
    )
    parser.add_argument(
        "--duckdb",
        type=Path,
        default=duckdb_path(),
        help="the warehouse (default: BROKER_DUCKDB_PATH, else %(default)s)",
    )
    parser.add_argument("--out", type=Path, default=Path(DEFAULT_OUT), help="%(default)s")
    args = parser.parse_args(argv)
    out = build_report(args.duckdb, args.out)
    print(f"Wrote {out} ({out.stat().st_size / 1024:.0f} KB): open it in a browser.")
