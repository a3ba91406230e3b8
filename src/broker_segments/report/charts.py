"""The segment report's charts: Vega-Lite specifications built with Altair.

Each function takes a tidy DataFrame and returns a chart whose every data mark has a tooltip
with its exact values; ``spec`` turns a chart into the JSON the page embeds, with its data
inline, and the Vega runtime (vl-convert's bundle, inline in the page) draws it as SVG.
"""

from __future__ import annotations

import json
import math

import altair as alt
import pandas as pd

# What the chart functions return: one chart, or layers of them.
ChartLike = alt.Chart | alt.LayerChart | alt.FacetChart
METHOD_COLOURS = {"kmeans": "#2b6cb0", "discriminant": "#dd6b20", "rule": "#a0aec0"}
DRIFT_COLOURS = {"stable": "#2f855a", "warn": "#d69e2e", "refit recommended": "#c53030"}
FONT = "system-ui, 'Segoe UI', 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif"
CONFIG = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelLimit": 260, "titleFontWeight": "normal"},
    "title": {"anchor": "start", "fontSize": 13},
}


def spec(chart: alt.TopLevelMixin) -> str:
    """The chart as Vega-Lite JSON for a <script type="application/json"> element."""
    document = chart.to_dict()
    document.pop("$schema", None)  # a URL: the page names nothing outside itself
    document["config"] = {**CONFIG, **document.get("config", {})}
    return json.dumps(document, ensure_ascii=False, default=str).replace("</", "<\\/")


def _tooltip(frame: pd.DataFrame) -> list[alt.Tooltip | str]:
    return [
        alt.Tooltip(c, format=",.4~g") if pd.api.types.is_numeric_dtype(frame[c]) else c
        for c in frame.columns
        if not c.startswith("_")
    ]


def stacked_bars(frame: pd.DataFrame, title: str) -> ChartLike:
    """Customers per group (``group``, in ``_order``), stacked by ``method``."""
    methods = list(METHOD_COLOURS)
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            x=alt.X("customers:Q", title="customers"),
            y=alt.Y("group:N", sort=alt.SortField("_order"), title=None),
            color=alt.Color(
                "method:N",
                scale=alt.Scale(domain=methods, range=list(METHOD_COLOURS.values())),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=_tooltip(frame),
        )
        .properties(width=380)
    )


def line(
    frame: pd.DataFrame,
    x: str,
    y: str,
    title: str,
    *,
    marker: float | None = None,
    reference: float | None = None,
    band: str | None = None,
    zero: bool = False,
) -> ChartLike:
    """A line with a point per row; ``marker`` a vertical rule at that x (the chosen k),
    ``reference`` a horizontal one, ``band`` a column of +- errors drawn as bars."""
    base = alt.Chart(frame, title=title).encode(
        x=alt.X(f"{x}:Q", axis=alt.Axis(tickMinStep=1), scale=alt.Scale(zero=False)),
        y=alt.Y(f"{y}:Q", scale=alt.Scale(zero=zero)),
    )
    filled = (
        alt.FillValue("#2b6cb0")
        if "_filled" not in frame
        else alt.Fill(
            "_filled:N",
            scale=alt.Scale(domain=[True, False], range=["#2b6cb0", "white"]),
            legend=None,
        )
    )
    layers = [
        base.mark_line(color="#2b6cb0"),
        base.mark_point(size=60, filled=True, stroke="#2b6cb0").encode(
            fill=filled, tooltip=_tooltip(frame)
        ),
    ]
    if band:
        bars = frame.assign(_low=frame[y] - frame[band], _high=frame[y] + frame[band])
        layers.insert(
            0,
            alt.Chart(bars)
            .mark_errorbar(color="#a0aec0")
            .encode(x=f"{x}:Q", y=alt.Y("_low:Q", title=y), y2="_high:Q", tooltip=[band]),
        )
    for value, channel, name in ((marker, "x", x), (reference, "y", y)):
        if value is not None:
            rule = pd.DataFrame({name: [value]})
            layers.append(
                alt.Chart(rule)
                .mark_rule(color="#c05621", strokeDash=[4, 3])
                .encode(**{channel: f"{name}:Q"})
            )
    return alt.layer(*layers).properties(width=300, height=200)


def heatmap(
    frame: pd.DataFrame,
    x: str,
    y: str,
    colour: str,
    text: str,
    title: str,
    *,
    x_title: str | None = None,
    y_title: str | None = None,
    diverging: bool = False,
    cell: int = 64,
) -> ChartLike:
    """A cell per row at (``x``, ``y``) in the frame's order, coloured by ``colour`` and
    labelled with ``text``."""
    scale = (
        alt.Scale(scheme="redblue", domain=[1, -1], reverse=False)
        if diverging
        else alt.Scale(scheme="blues", domain=[0, 1])
    )
    xs, ys = list(dict.fromkeys(frame[x])), list(dict.fromkeys(frame[y]))
    base = alt.Chart(frame, title=title).encode(
        x=alt.X(f"{x}:N", sort=xs, title=x_title, axis=alt.Axis(labelAngle=-40, orient="top")),
        y=alt.Y(f"{y}:N", sort=ys, title=y_title),
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(f"{colour}:Q", scale=scale, legend=None), tooltip=_tooltip(frame)
    )
    labels = base.mark_text(fontSize=10).encode(
        text=f"{text}:N",
        color=alt.condition(
            f"abs(datum['{colour}']) > 0.6", alt.value("white"), alt.value("#1a202c")
        ),
    )
    return alt.layer(cells, labels).properties(width=cell * len(xs), height=22 * len(ys))


def drift_bars(frame: pd.DataFrame, warn: float, refit: float, title: str) -> ChartLike:
    """PSI per drift measure (``drift_measure``, ``psi``, ``drift_status``) with both
    thresholds as rules."""
    bars = (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            x=alt.X("psi:Q", title="population stability index (PSI)"),
            y=alt.Y("drift_measure:N", sort="-x", title=None),
            color=alt.Color(
                "drift_status:N",
                scale=alt.Scale(domain=list(DRIFT_COLOURS), range=list(DRIFT_COLOURS.values())),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=_tooltip(frame),
        )
    )
    values = bars.mark_text(align="left", dx=3, fontSize=10).encode(
        text=alt.Text("psi:Q", format=".3f"), color=alt.value("#1a202c")
    )
    thresholds = pd.DataFrame({"psi": [warn, refit], "threshold": ["warn", "refit"]})
    rules = (
        alt.Chart(thresholds)
        .mark_rule(strokeDash=[4, 3], color="#4a5568")
        .encode(x="psi:Q", tooltip=["threshold:N", "psi:Q"])
    )
    return alt.layer(bars, values, rules).properties(width=360)


def share_bars(frame: pd.DataFrame, title: str) -> ChartLike:
    """Each group's share at fit and now (``group``, ``when``, ``share``) side by side."""
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("group:N", sort=alt.SortField("_order"), title=None),
            yOffset="when:N",
            x=alt.X("share:Q", axis=alt.Axis(format="%"), title="share of the K-means customers"),
            color=alt.Color(
                "when:N",
                scale=alt.Scale(domain=["at fit", "now"], range=["#a0aec0", "#2b6cb0"]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=_tooltip(frame),
        )
        .properties(width=320)
    )


def fmt(value: float | None, digits: int = 3) -> str:
    """A number as a cell label: 1.23M, 45.7k, 1,544, 0.912, 12; blank for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    magnitude = abs(value)
    for limit, unit, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if magnitude >= limit:
            return f"{value / unit:.3g}{suffix}"
    if magnitude >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"
