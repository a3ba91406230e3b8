"""The segment report: built from a warehouse, rendered by headless Chromium with every chart.

Chromium is Debian's package (`make chromium`, part of `make test`, installs it).
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from broker_segments.report import build
from broker_segments.report.charts import fmt, nice_ticks

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
]

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
    "profiles-A": 6 * 19,
    "profiles-B": 4 * 19,
}


class Charts(HTMLParser):
    """Per figure[data-chart]: whether it holds an <svg>, and how many class="mark" elements."""

    def __init__(self):
        super().__init__()
        self.svg: dict[str, bool] = {}
        self.marks: dict[str, int] = {}
        self.notes: list[str] = []
        self._chart: str | None = None
        self._depth = 0
        self._in_note = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "figure" and "data-chart" in attributes:
            self._chart, self._depth = attributes["data-chart"], 0
            self.svg[self._chart], self.marks[self._chart] = False, 0
        if self._chart is not None:
            if tag == "figure":
                self._depth += 1
            self.svg[self._chart] |= tag == "svg"
            if "mark" in (attributes.get("class") or "").split():
                self.marks[self._chart] += 1
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

    def handle_data(self, data):
        if self._in_note:
            self.notes[-1] += data


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
    for chart, least_marks in EXPECTED_CHARTS.items():
        assert charts.svg.get(chart), f"no SVG chart {chart}"
        assert charts.marks[chart] >= least_marks, (chart, charts.marks[chart])
    assert any(note.startswith("No history yet") for note in charts.notes)
    assert 'data-table="model-runs"' in html and "KMO" in html
    for remote in ("http://", "https://", "<script", "<link", "@import"):
        assert remote not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_headless_chromium_renders_every_chart(report, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (Debian's chromium package).")
    dom = chromium("--dump-dom", report.as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-3000:]
    charts = parse(dom.stdout)
    for chart, least_marks in EXPECTED_CHARTS.items():
        assert charts.svg.get(chart), f"Chromium's DOM has no SVG chart {chart}"
        assert charts.marks[chart] >= least_marks, (chart, charts.marks[chart])

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
    assert charts.marks["migrations-A"] == 3 and charts.marks["migrations-B"] == 1
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
        return {node.rsplit(".", 1)[-1] for node in exposures[name]["depends_on"]["nodes"]}

    assert reads("segment_report") == set(build.TABLES_READ)
    assert reads("crm_segments") == {"customer_segments", "segment_service_plan"}
    assert reads("points_programme") == {"customer_points"}
    assert all(e["owner"]["email"] and e["description"] for e in exposures.values())


def test_a_missing_warehouse_says_what_to_do(tmp_path):
    with pytest.raises(SystemExit, match="run `make run`"):
        build.main(["--duckdb", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "r.html")])


def test_numbers_and_axes_read_well():
    assert [fmt(v) for v in (1234567, 45678, 1544.4, 0.00666, 12.0, None)] == [
        "1.23M",
        "45.7k",
        "1,544",
        "0.00666",
        "12",
        "",
    ]
    assert nice_ticks(0, 8.2) == [0, 2, 4, 6, 8, 10]
    assert nice_ticks(0.19, 0.31) == pytest.approx([0.15, 0.2, 0.25, 0.3, 0.35])
    assert fmt(154616) == "155k" and fmt(-4500) == "-4,500"
