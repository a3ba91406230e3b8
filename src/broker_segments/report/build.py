"""Read the warehouse and write the segment report: one self-contained HTML page of charts.
``python -m broker_segments.report [--duckdb PATH] [--out reports/segment_report.html]``
(:func:`build_report`) reads the tables of the model each scheme's customers are scored with
and renders one section per subject (the ``section_*`` functions) as Vega-Lite charts
(``charts``) with their data inline, drawn by the Vega runtime the page carries, so it needs
no network. What the page shows: README, "The segment report and the documentation".
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import duckdb
import pandas as pd
import vl_convert

from broker_segments.project import INDICATORS, duckdb_path
from broker_segments.report import charts

DEFAULT_OUT = "reports/segment_report.html"

SCHEME_TITLES = {
    "A": "Scheme A (thesis): 13 indicators, factor analysis, K-means",
    "B": "Scheme B (paper): contribution, turnover and tenure, K-means",
}

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
    "segment_drift",
    "segment_drift_bins",
    "segment_profiles",
    "segment_migrations",
    "customer_segment_explanations",
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

    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

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

    def rank(self, code: str | None) -> tuple:
        """Where the group sorts: catalogue order, unknown codes and none last."""
        missing = code is None or (isinstance(code, float) and math.isnan(code))
        return (missing, self.order.get(code or "", 999), "" if missing else code)

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


def _figure(chart_id: str, chart, caption: str = "") -> str:
    caption_html = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="chart" data-chart="{escape(chart_id)}"><div class="vega"></div>'
        f'<script type="application/json" class="spec">{charts.spec(chart)}</script>'
        f"{caption_html}</figure>"
    )


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def _missing(table: str) -> str:
    return _note(f"The warehouse has no {table} table: run `dbt build` to make it.")


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _row(title: str, figures: list[str]) -> str:
    return f"<h3>{escape(title)}</h3>" + '<div class="row">' + "".join(figures) + "</div>"


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
    parts = []
    for model in models:
        frame = warehouse.frame(
            "select segment_code, assignment_method as method, count(*) as customers "
            "from customer_segments where scheme = ? group by all",
            [model.scheme],
        )
        frame.insert(0, "group", frame["segment_code"].map(model.label))
        frame["_order"] = frame["segment_code"].map(lambda c, m=model: m.rank(c)[1])
        chart = charts.stacked_bars(
            frame, f"Scheme {model.scheme}: customers per group ({frame['customers'].sum():,})"
        )
        parts.append(_figure(f"group-sizes-{model.scheme}", chart, model.title))
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
        frame = warehouse.frame(
            "select component, initial_eigenvalue as eigenvalue, "
            "extraction_ss_loadings is not null as _filled "
            "from segment_variance_explained where model_id = ? order by component",
            [model.model_id],
        )
        if frame.empty:
            continue
        chart = charts.line(
            frame, "component", "eigenvalue", f"Scheme {model.scheme}: scree plot", reference=1.0
        )
        parts.append(
            _figure(
                f"scree-{model.scheme}",
                chart,
                f"{int(frame['_filled'].sum())} factors kept (filled points); Kaiser's rule "
                "keeps those above the line (eigenvalue = 1).",
            )
        )
    return "".join(parts) or _note("No scheme of the current models uses factor analysis.")


def section_loadings(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    if "segment_factor_loadings" not in warehouse.tables:
        return _missing("segment_factor_loadings")
    parts = []
    for model in models:
        frame = warehouse.frame(
            "select loadings.input_name as input, loadings.factor, loadings.rotated_loading "
            "from segment_factor_loadings as loadings "
            "left join segment_standardisation as standard "
            "on loadings.model_id = standard.model_id "
            "and loadings.input_name = standard.input_name "
            "where loadings.model_id = ? "
            "order by standard.position, cast(split_part(loadings.factor, '_', 2) as integer)",
            [model.model_id],
        )
        if frame.empty:
            continue
        frame["label"] = frame["rotated_loading"].map("{:.2f}".format)
        chart = charts.heatmap(
            frame,
            "factor",
            "input",
            "rotated_loading",
            "label",
            f"Scheme {model.scheme}: rotated component matrix (varimax)",
            diverging=True,
        )
        parts.append(
            _figure(
                f"loadings-{model.scheme}",
                chart,
                "Red: the input loads positively on the factor, blue: negatively; a factor is "
                "named by its strongest inputs.",
            )
        )
    return "".join(parts) or _note("No scheme of the current models uses factor analysis.")


K_METRICS = [
    ("inertia", "Inertia (elbow)"),
    ("silhouette", "Silhouette (higher is better)"),
    ("calinski_harabasz", "Calinski-Harabasz (higher is better)"),
    ("davies_bouldin", "Davies-Bouldin (lower is better)"),
]


def section_k_selection(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    if "segment_k_selection" not in warehouse.tables:
        return _missing("segment_k_selection")
    parts = []
    for model in models:
        frame = warehouse.frame(
            "select * exclude (model_id, scheme, as_of_date) from segment_k_selection "
            "where model_id = ? order by k",
            [model.model_id],
        )
        if frame.empty:
            parts.append(_note(f"Scheme {model.scheme}: no k-selection rows for its model."))
            continue
        chosen = model.facts.get("k")
        figures = [
            _figure(
                f"k-selection-{model.scheme}-{metric}",
                charts.line(
                    frame[["k", metric]],
                    "k",
                    metric,
                    title,
                    marker=chosen,
                    zero=metric == "inertia",
                ),
            )
            for metric, title in K_METRICS
        ]
        stable = frame.dropna(subset=["stability_ari_mean"])
        if not stable.empty:
            columns = ["k", "stability_ari_mean", "stability_ari_std", "stability_resamples"]
            chart = charts.line(
                stable[columns],
                "k",
                "stability_ari_mean",
                "Bootstrap stability (higher is better)",
                marker=chosen,
                band="stability_ari_std",
            )
            figures.append(
                _figure(
                    f"k-selection-{model.scheme}-stability",
                    chart,
                    f"K-means refitted on {int(stable['stability_resamples'].max())} bootstrap "
                    f"resamples of the {int(stable['sample_size'].iloc[0]):,} customers of the "
                    "k-selection sample, each compared with the k's clustering by the adjusted "
                    "Rand index (mean, and a bar of +- one standard deviation).",
                )
            )
        parts.append(_row(model.title, figures))
    return "".join(parts)


CLASSIFICATION_METHODS = [
    ("resubstitution", "original (resubstitution)"),
    ("leave_one_out", "cross-validated (leave-one-out)"),
]


def section_classification(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    """Fisher's functions' classification results: a confusion matrix per method."""
    if "segment_classification_results" not in warehouse.tables:
        return _missing("segment_classification_results")
    parts = []
    for model in models:
        rows = warehouse.frame(
            "select * from segment_classification_results where model_id = ?", [model.model_id]
        )
        if rows.empty:
            parts.append(_note(f"Scheme {model.scheme}: no classification results for its model."))
            continue
        figures = []
        for method, label in CLASSIFICATION_METHODS:
            cells = rows[rows["validation_method"] == method].copy()
            if cells.empty:
                continue
            cells["_a"] = cells["actual_segment_code"].map(model.rank)
            cells["_p"] = cells["predicted_segment_code"].map(model.rank)
            cells = cells.sort_values(["_a", "_p"])
            frame = pd.DataFrame(
                {
                    "actual": cells["actual_segment_code"].map(model.label),
                    "predicted": cells["predicted_segment_code"].map(model.label),
                    "customers": cells["customer_count"],
                    "row_share": cells["row_share"].fillna(0.0),
                }
            )
            frame["label"] = [
                f"{c:,.0f} · {s:.0%}" if c else "0"
                for c, s in zip(frame["customers"], frame["row_share"], strict=True)
            ]
            correct = int(cells.loc[cells["_a"] == cells["_p"], "customer_count"].sum())
            total = int(cells["customer_count"].sum())
            chart = charts.heatmap(
                frame,
                "predicted",
                "actual",
                "row_share",
                "label",
                f"Scheme {model.scheme}: classification results, {label}",
                x_title="predicted by Fisher's functions",
                y_title="K-means group",
                cell=96,
            )
            figures.append(
                _figure(
                    f"classification-{model.scheme}-{method}",
                    chart,
                    f"{correct:,} of {total:,} fitted customers ({correct / (total or 1):.1%}) "
                    "are put back in their own group (the diagonal). The colour is the share "
                    "of the row's group.",
                )
            )
        parts.append(_row(model.title, figures))
    return "".join(parts)


def section_drift(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    """segment_drift: PSI per input and of the segment shares, against the two thresholds."""
    for table in ("segment_drift", "segment_drift_bins"):
        if table not in warehouse.tables:
            return _missing(table)
    parts = []
    for model in models:
        drift = warehouse.frame(
            "select drift_measure, psi, drift_status, bins, customers_now, max_share_change, "
            "psi_warn_threshold, psi_refit_threshold from segment_drift "
            "where model_id = ? order by psi desc",
            [model.model_id],
        )
        if drift.empty:
            parts.append(_note(f"Scheme {model.scheme}: no drift rows for its model."))
            continue
        warn, refit = drift["psi_warn_threshold"].iloc[0], drift["psi_refit_threshold"].iloc[0]
        chart = charts.drift_bars(
            drift.drop(columns=["psi_warn_threshold", "psi_refit_threshold"]),
            warn,
            refit,
            f"Scheme {model.scheme}: drift from the fitting sample (PSI)",
        )
        advice = drift[drift["drift_status"] != "stable"]
        verdict = (
            "refit recommended: run the monthly refit now (make refit)"
            if (drift["drift_status"] == "refit recommended").any()
            else "watch the inputs that warn"
            if len(advice)
            else "every input and the segment shares are stable"
        )
        figures = [
            _figure(
                f"drift-{model.scheme}",
                chart,
                f"Today's K-means customers against the fitting sample of the model, per input "
                f"(decile bins of its z-score) and of the segment shares; dashed lines: warn "
                f"above {warn:g}, refit recommended above {refit:g}. Verdict: {verdict}.",
            )
        ]
        shares = warehouse.frame(
            "select bin_label as segment_code, fit_share, current_share, customers_now "
            "from segment_drift_bins where model_id = ? and measure_type = 'segment_share'",
            [model.model_id],
        )
        if not shares.empty:
            long = shares.melt(
                id_vars=["segment_code", "customers_now"],
                value_vars=["fit_share", "current_share"],
                var_name="when",
                value_name="share",
            )
            long["when"] = long["when"].map({"fit_share": "at fit", "current_share": "now"})
            long.insert(0, "group", long["segment_code"].map(model.label))
            long["_order"] = long["segment_code"].map(lambda c, m=model: m.rank(c)[1])
            chart = charts.share_bars(long, f"Scheme {model.scheme}: segment shares")
            figures.append(_figure(f"drift-shares-{model.scheme}", chart))
        parts.append(_row(model.title, figures))
    return "".join(parts)


def section_profiles(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    if "segment_profiles" not in warehouse.tables:
        return _missing("segment_profiles")
    available = warehouse.columns("segment_profiles")
    indicators = [(n, zh) for n, zh in INDICATORS if f"{n}_median" in available]
    parts = []
    for model in models:
        wide = warehouse.frame(
            "select * from segment_profiles where scheme = ? and customers > 0 "
            "order by sort_order, segment_code",
            [model.scheme],
        )
        if wide.empty:
            continue
        columns = {"customers": "customers"} | {f"{n}_median": f"{n} {zh}" for n, zh in indicators}
        frame = wide.assign(group=wide["segment_code"].map(model.label)).melt(
            id_vars=["group"], value_vars=list(columns), var_name="indicator", value_name="median"
        )
        frame["indicator"] = frame["indicator"].map(columns)
        # colour: the group's rank on the indicator, on a signed log scale (0 lowest, 1 highest)
        logged = frame["median"].astype(float).map(lambda v: math.copysign(math.log1p(abs(v)), v))
        low = logged.groupby(frame["indicator"]).transform("min")
        high = logged.groupby(frame["indicator"]).transform("max")
        frame["_rank"] = (0.08 + 0.8 * ((logged - low) / (high - low))).fillna(0.5)
        frame["label"] = frame["median"].map(charts.fmt)
        chart = charts.heatmap(
            frame,
            "indicator",
            "group",
            "_rank",
            "label",
            f"Scheme {model.scheme}: median indicator per group",
            cell=58,
        )
        parts.append(
            _figure(
                f"profiles-{model.scheme}",
                chart,
                "Median of each indicator over the group's customers (segment_profiles); the "
                "colour ranks the groups on that indicator (log scale), darker is higher.",
            )
        )
    return "".join(parts)


# The margin share's bins in the margins chart: tenths, from a tie (0) to the centre (1).
MARGIN_BINS = 10


def section_margins(warehouse: Warehouse, models: list[SchemeModel]) -> str:
    if "customer_segment_explanations" not in warehouse.tables:
        return _missing("customer_segment_explanations")
    threshold = warehouse.rows(
        "select count(*) filter (where is_borderline) as borderline, "
        "count(margin_share) as explained from customer_segment_explanations"
    )[0]
    parts = []
    for model in models:
        counts = warehouse.frame(
            "select segment_code, least(floor(margin_share * ?), ? - 1) as bin, "
            "count(*) as customers from customer_segment_explanations "
            "where scheme = ? and margin_share is not null group by all",
            [MARGIN_BINS, MARGIN_BINS, model.scheme],
        )
        if counts.empty:
            continue
        codes = sorted(set(counts["segment_code"]), key=model.rank)
        grid = pd.MultiIndex.from_product(
            [codes, range(MARGIN_BINS)], names=["segment_code", "bin"]
        ).to_frame(index=False)
        frame = grid.merge(counts.astype({"bin": int}), how="left").fillna({"customers": 0})
        frame["customers"] = frame["customers"].astype(int)
        total = frame.groupby("segment_code")["customers"].transform("sum")
        share = frame["customers"] / total
        frame["_share"] = share / share.max()  # the darkest cell: the largest share
        frame.insert(0, "group", frame["segment_code"].map(model.label))
        frame["margin share"] = frame["bin"].map(
            lambda b: f"{b / MARGIN_BINS:.1f}-{(b + 1) / MARGIN_BINS:.1f}"
        )
        frame["label"] = frame["customers"].map(lambda n: f"{n:,}")
        chart = charts.heatmap(
            frame[["group", "margin share", "customers", "_share", "label"]],
            "margin share",
            "group",
            "_share",
            "label",
            f"Scheme {model.scheme}: how clear each customer's group is",
            cell=44,
        )
        parts.append(
            _figure(
                f"margins-{model.scheme}",
                chart,
                "Customers placed by a model, per group and margin share "
                "(customer_segment_explanations: 0 a tie with the runner-up group, 1 at the "
                "group's centre); the colour is the share of the group's customers, darker "
                "is more.",
            )
        )
    return "".join(parts) + _note(
        f"{threshold['borderline']:,} of {threshold['explained']:,} customer-scheme rows are "
        "borderline (margin share below var explanation_borderline_margin_share): "
        "customer_segment_explanations lists them with their cheapest path to the next group up."
    )


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
    rows = warehouse.frame(
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
    parts = []
    for model in models:
        cells = rows[rows["scheme"] == model.scheme].copy()
        if cells.empty:
            continue
        known_from = cells["from_segment_code"].notna()
        known_to = cells["to_segment_code"].notna()
        both = int(cells.loc[known_from & known_to, "customers"].sum())
        moved = int(
            cells.loc[
                known_from & known_to & (cells["from_segment_code"] != cells["to_segment_code"]),
                "customers",
            ].sum()
        )
        new, left = (
            int(cells.loc[~known_from, "customers"].sum()),
            int(cells.loc[~known_to, "customers"].sum()),
        )
        cells["_f"] = cells["from_segment_code"].map(model.rank)
        cells["_t"] = cells["to_segment_code"].map(model.rank)
        cells = cells.sort_values(["_f", "_t"])
        frame = pd.DataFrame(
            {
                "from_group": cells["from_segment_code"].map(
                    lambda c, m=model: m.label(c) if pd.notna(c) else "(not yet a customer)"
                ),
                "to_group": cells["to_segment_code"].map(
                    lambda c, m=model: m.label(c) if pd.notna(c) else "(no longer a customer)"
                ),
                "customers": cells["customers"],
            }
        )
        totals = frame.groupby("from_group")["customers"].transform("sum")
        frame["row_share"] = frame["customers"] / totals
        frame["label"] = frame["customers"].map("{:,.0f}".format)
        from_date, to_date = cells["from_as_of_date"].iloc[0], cells["to_as_of_date"].iloc[0]
        chart = charts.heatmap(
            frame,
            "to_group",
            "from_group",
            "row_share",
            "label",
            f"Scheme {model.scheme}: customers per group at both dates",
            x_title=f"columns: group on {to_date}",
            y_title=f"rows: group on {from_date}",
            cell=96,
        )
        parts.append(
            _figure(
                f"migrations-{model.scheme}",
                chart,
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
    ("drift", "Drift and refit advice"),
    ("profiles", "Indicator profiles"),
    ("margins", "How clear each group is"),
    ("migrations", "Segment migrations"),
]


# Draw every figure's spec as SVG (tooltips on); a chart that fails says so in its figure.
DRAW = """
for (const figure of document.querySelectorAll("figure.chart")) {
  const spec = JSON.parse(figure.querySelector("script.spec").textContent);
  vegaEmbed(figure.querySelector(".vega"), spec, {renderer: "svg", actions: false})
    .catch((error) => { figure.querySelector(".vega").textContent = "chart error: " + error; });
}
"""


def vega_runtime() -> str:
    """Vega, Vega-Lite and vega-embed as one script (vl-convert's bundle: no download)."""
    # the stub makes the snippet required; it is optional (the default bundle) at run time
    bundle = vl_convert.javascript_bundle()  # type: ignore[call-arg]
    return bundle.replace("</script", "<\\/script")


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
        "drift": section_drift(warehouse, models),
        "profiles": section_profiles(warehouse, models),
        "margins": section_margins(warehouse, models),
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
        f"<nav>{nav}</nav></header>{sections}"
        f"<script>{vega_runtime()}</script><script>{DRAW}</script></body></html>\n"
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
