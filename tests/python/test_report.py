"""The segment report: built from a warehouse, rendered by headless Chromium with every chart.

The page holds Vega-Lite specifications with their data and the Vega runtime inline; Chromium
(Debian's package: `make chromium`, part of `make test`, installs it), with every host name
unresolvable, runs it and the DOM it leaves holds each chart's SVG with a mark per data row.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from broker_segments.report import build
from broker_segments.report.charts import fmt

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    # offline: no host resolves, so a chart that needed the network would not draw
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    # let the Vega runtime finish drawing before the DOM is dumped
    "--virtual-time-budget=20000",
]
# The marks Vega draws per data row (text labels and axes are not counted).
DATA_MARKS = {"bar", "point", "rect mark", "errorbar"}

# Every chart of a warehouse with one as-of date (no migrations yet), and its least data marks.
EXPECTED_CHARTS = {
    "group-sizes-A": 7,
    "group-sizes-B": 5,
    "scree-A": 13,
    "loadings-A": 13 * 5,
    **{
        f"k-selection-{scheme}-{metric}": 9
        for scheme in "AB"
        for metric in ("inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "stability")
    },
    # Classification results: a cell per (K-means group, predicted group), zeros included.
    **{
        f"classification-{scheme}-{method}": k * k
        for scheme, k in (("A", 6), ("B", 4))
        for method in ("resubstitution", "leave_one_out")
    },
    # Drift: a bar per model input and the segment shares; each group's share at fit and now.
    "drift-A": 13 + 1,
    "drift-B": 3 + 1,
    "drift-shares-A": 6 * 2,
    "drift-shares-B": 4 * 2,
    "profiles-A": 6 * 19,
    "profiles-B": 4 * 19,
    # Margins: a cell per group and tenth of the margin share, empty cells included.
    "margins-A": 6 * 10,
    "margins-B": 4 * 10,
}
# A field of each chart's data, which Vega writes into every data mark's aria-label.
CHART_FIELDS = {
    "group-sizes": "customers: ",
    "scree": "eigenvalue: ",
    "loadings": "rotated_loading: ",
    "k-selection": "k: ",
    "classification": "customers: ",
    "drift-shares": "share: ",
    "drift": "psi: ",
    "profiles": "median: ",
    "margins": "customers: ",
    "migrations": "customers: ",
}


def chart_field(chart: str) -> str:
    return next(field for prefix, field in CHART_FIELDS.items() if chart.startswith(prefix))


class Charts(HTMLParser):
    """Per figure[data-chart]: whether it holds an <svg>, its data marks' aria-labels (Vega's
    data marks: role graphics-symbol, a DATA_MARKS description) and its spec's data rows."""

    def __init__(self):
        super().__init__()
        self.svg: dict[str, bool] = {}
        self.labels: dict[str, list[str]] = {}
        self.rows: dict[str, int] = {}
        self.notes: list[str] = []
        self._chart: str | None = None
        self._depth = 0
        self._in_note = False
        self._in_spec = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "figure" and "data-chart" in attributes:
            self._chart, self._depth = attributes["data-chart"], 0
            self.svg[self._chart], self.labels[self._chart] = False, []
        if self._chart is not None:
            if tag == "figure":
                self._depth += 1
            self.svg[self._chart] |= tag == "svg"
            if (
                attributes.get("role") == "graphics-symbol"
                and attributes.get("aria-roledescription") in DATA_MARKS
            ):
                self.labels[self._chart].append(attributes.get("aria-label") or "")
            self._in_spec = tag == "script" and attributes.get("class") == "spec"
        if tag == "p" and attributes.get("class") == "note":
            self._in_note = True
            self.notes.append("")

    def handle_endtag(self, tag):
        if tag == "figure" and self._chart is not None:
            self._depth -= 1
            if self._depth == 0:
                self._chart = None
        if tag == "p":
            self._in_note = False
        if tag == "script":
            self._in_spec = False

    def handle_data(self, data):
        if self._in_note:
            self.notes[-1] += data
        if self._in_spec and self._chart is not None:
            datasets = json.loads(data).get("datasets", {}).values()
            self.rows[self._chart] = max(len(rows) for rows in datasets)


def parse(html: str) -> Charts:
    charts = Charts()
    charts.feed(html)
    return charts


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def report(clean_build, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "segment_report.html"
    build.main(["--duckdb", str(clean_build.duckdb_path), "--out", str(out)])
    return out


def test_the_page_holds_every_chart_and_needs_no_network(report):
    html = report.read_text(encoding="utf-8")
    charts = parse(html)
    for chart, least_rows in EXPECTED_CHARTS.items():
        assert chart in charts.rows, f"no chart {chart}"
        assert charts.rows[chart] >= least_rows, (chart, charts.rows[chart])
    assert any(note.startswith("No history yet") for note in charts.notes)
    assert 'data-table="model-runs"' in html and "KMO" in html
    assert "window.vegaEmbed" in html  # the Vega runtime is inline
    # nothing is loaded from anywhere: no remote script, style sheet, image or import
    assert not re.search(r"""\b(src|href)\s*=\s*["']?\s*(https?:)?//""", html)
    for remote in ("<link", "@import", "<script src"):
        assert remote not in html


def test_headless_chromium_renders_every_chart(report, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (Debian's chromium package).")
    dom = chromium("--dump-dom", report.as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-3000:]
    charts = parse(dom.stdout)
    assert "chart error" not in dom.stdout.replace('"chart error: "', "")
    for chart, least_marks in EXPECTED_CHARTS.items():
        assert charts.svg.get(chart), f"Chromium's DOM has no SVG chart {chart}"
        labels = charts.labels[chart]
        assert len(labels) >= least_marks, (chart, len(labels))
        # every data mark carries its row's values (and its tooltip the same fields)
        assert all(chart_field(chart) in label for label in labels), (chart, labels[:3])

    screenshot = tmp_path / "segment_report.png"
    shot = chromium(
        f"--screenshot={screenshot}",
        "--window-size=1500,3600",
        report.as_uri(),
        profile=tmp_path / "profile",
    )
    assert shot.returncode == 0, shot.stderr[-3000:]
    header = screenshot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1500, 3600)
    # A page of charts compresses far worse than a blank one (a few KB).
    assert screenshot.stat().st_size > 100_000


def test_the_migration_matrix_shows_the_latest_pair_of_dates(clean_build, tmp_path):
    """With history, the matrix is drawn from the two latest as-of dates, new customers apart."""
    warehouse = tmp_path / "history.duckdb"
    shutil.copy(clean_build.duckdb_path, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from segment_migrations")
        rows = [
            ("A", "2025-10-31", "2025-11-28", "vip", "vip", 50),
            ("A", "2025-11-28", "2025-12-31", "vip", "vip", 40),
            ("A", "2025-11-28", "2025-12-31", "vip", "potential", 3),
            ("A", "2025-11-28", "2025-12-31", None, "free", 2),
            ("B", "2025-11-28", "2025-12-31", "high_activity", None, 1),
        ]
        con.executemany("insert into segment_migrations values (?, ?, ?, ?, ?, ?)", rows)
    out = build.build_report(warehouse, tmp_path / "report.html")
    html = out.read_text(encoding="utf-8")
    charts = parse(html)
    assert charts.rows["migrations-A"] == 3 and charts.rows["migrations-B"] == 1
    assert "rows: group on 2025-11-28" in html and "2025-10-31" not in html
    assert (
        "3 of the 43 customers segmented at both dates changed group (7.0%); 2 new, 0 left" in html
    )
    assert "(not yet a customer)" in html and "(no longer a customer)" in html


def test_the_segment_report_exposure_names_every_table_the_report_reads(clean_build):
    manifest = json.loads((clean_build.work_dir / "target" / "manifest.json").read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert {"crm_segments", "points_programme", "segment_report"} <= exposures.keys()

    def reads(name: str) -> set[str]:
        # model.broker_segments.<name>, or model.broker_segments.<name>.v1 for a versioned one
        nodes = exposures[name]["depends_on"]["nodes"]
        return {node.split(".")[2] for node in nodes}

    assert reads("segment_report") == set(build.TABLES_READ)
    assert reads("crm_segments") == {
        "customer_segments",
        "customer_segment_explanations",
        "customer_segment_explanation_inputs",
        "segment_service_plan",
        "customer_service_plan",
    }
    assert reads("points_programme") == {"customer_points"}
    assert all(e["owner"]["email"] and e["description"] for e in exposures.values())


def test_a_missing_warehouse_says_what_to_do(tmp_path):
    with pytest.raises(SystemExit, match="run `make run`"):
        build.main(["--duckdb", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "r.html")])


def test_cell_labels_read_well():
    assert [fmt(v) for v in (1234567, 45678, 1544.4, 0.00666, 12.0, None)] == [
        "1.23M",
        "45.7k",
        "1,544",
        "0.00666",
        "12",
        "",
    ]
    assert fmt(154616) == "155k" and fmt(-4500) == "-4,500"
