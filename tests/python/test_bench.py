"""The benchmark harness (``tools.bench``) on tiny data: its memory sampling, how it
reads dbt's artifacts, the data reuse and run copies, the report file, and that the floor
query computes the same indicators as the warehouse. Nothing here is timed."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import PROJECT_VARS

from broker_segments.datagen import append_days, generate
from tools.bench import artifacts, builds, cli, data, machine, monitor, report, segmentation
from tools.bench import floor as floor_query

# ---------------------------------------------------------------------------------------------
# Memory of a process tree


def test_run_monitored_samples_the_whole_process_tree(tmp_path):
    """A parent holding ~100 MB starts a child holding ~150 MB: the tree's peak counts both."""
    script = (
        "import subprocess, sys, time\n"
        "held = bytearray(100 * 2**20)\n"
        # busy for 0.6 s of CPU, however loaded the machine is
        "while time.process_time() < 0.6: pass\n"
        "child = subprocess.Popen([sys.executable, '-c', "
        "'import time; b = bytearray(150 * 2**20); time.sleep(1.0)'])\n"
        "child.wait()\n"
        "sys.exit(3)\n"
    )
    measured = monitor.run_monitored([sys.executable, "-c", script], tmp_path / "out.log")
    assert measured.returncode == 3
    assert measured.peak_rss_bytes > 250 * 2**20
    assert measured.max_rss_bytes > 100 * 2**20
    assert measured.wall_seconds >= 1.0
    assert len(measured.samples) >= 5
    times = [t for t, _ in measured.samples]
    assert times == sorted(times) and times[0] >= measured.started_at - 1
    assert measured.cpu_seconds >= 0.6  # the busy loop
    cpu = [c for _, c in measured.cpu_samples]
    assert cpu == sorted(cpu) and cpu[-1] >= 0.6
    # one busy thread: no more CPU in half a second than half a second (and sampling slack)
    busy = monitor.cpu_between(measured.cpu_samples, times[0], times[0] + 0.5)
    assert 0 < busy <= 0.6


def test_cpu_between_interpolates_the_cumulative_samples():
    samples = [(0.0, 0.0), (1.0, 2.0), (2.0, 2.0), (3.0, 3.0)]
    assert monitor.cpu_between(samples, 0.5, 1.0) == pytest.approx(1.0)
    assert monitor.cpu_between(samples, 1.0, 2.0) == pytest.approx(0.0)
    assert monitor.cpu_between(samples, 0.0, 3.0) == pytest.approx(3.0)
    assert monitor.cpu_between(samples, 4.0, 5.0) is None
    assert monitor.cpu_between(samples[:1], 0.0, 1.0) is None


def test_tree_pids_and_rss_of_this_process():
    assert monitor.tree_pids(os.getpid())[0] == os.getpid()
    assert monitor.rss_bytes(os.getpid()) > 10 * 2**20
    assert monitor.rss_bytes(2**22 + 12345) == 0  # no such process


def test_peak_between_takes_the_samples_inside_else_the_last_before():
    samples = [(1.0, 10), (2.0, 50), (3.0, 20), (4.0, 30)]
    assert monitor.peak_between(samples, 1.5, 3.5) == 50
    assert monitor.peak_between(samples, 3.2, 3.4) == 20  # shorter than the sampling interval
    assert monitor.peak_between(samples, 0.0, 0.5) is None


# ---------------------------------------------------------------------------------------------
# dbt's artifacts


def _result(unique_id: str, start: str, end: str, seconds: float, status: str = "success"):
    return {
        "unique_id": unique_id,
        "status": status,
        "execution_time": seconds,
        "timing": [
            {"name": "compile", "started_at": f"2026-01-01T00:00:{start}Z",
             "completed_at": f"2026-01-01T00:00:{start}Z"},
            {"name": "execute", "started_at": f"2026-01-01T00:00:{start}Z",
             "completed_at": f"2026-01-01T00:00:{end}Z"},
        ],
    }  # fmt: skip


MANIFEST = {
    "sources": {
        "source.p.broker.daily_balances": {"name": "daily_balances", "identifier": "daily_balances"}
    },
    "nodes": {
        "model.p.stg": {
            "resource_type": "model", "name": "stg", "schema": "main",
            "original_file_path": "models/raw/staging/stg.sql",
            "tags": ["staging"],
            "config": {"materialized": "view"},
            "depends_on": {"nodes": ["source.p.broker.daily_balances"]},
        },
        "model.p.validated": {
            "resource_type": "model", "name": "validated", "schema": "main",
            "original_file_path": "models/raw/validation/validated.sql",
            "tags": ["validation"],
            "config": {"materialized": "incremental"},
            "depends_on": {"nodes": ["model.p.stg"]},
        },
        "model.p.agg": {
            "resource_type": "model", "name": "agg", "schema": "main",
            "original_file_path": "models/indicators/agg.sql",
            "tags": ["indicators"],
            "config": {"materialized": "table"},
            "depends_on": {"nodes": ["model.p.validated", "model.p.stg"]},
        },
        "model.p.fit": {
            "resource_type": "model", "name": "fit", "schema": "main",
            "original_file_path": "models/segmentation/fit/fit.py",
            "tags": ["segmentation_fit"],
            "config": {"materialized": "table"},
            "depends_on": {"nodes": ["model.p.agg"]},
        },
        "test.p.not_null_agg": {
            "resource_type": "test", "name": "not_null_agg",
            "depends_on": {"nodes": ["model.p.agg"]},
        },
    },
    "unit_tests": {"unit_test.p.agg.checks": {"resource_type": "unit_test", "name": "checks"}},
}  # fmt: skip


def _layer(unique_id: str) -> str:
    return artifacts.layer_of(artifacts.manifest_node(MANIFEST, unique_id))


def test_layers_and_input_rows_follow_the_manifest():
    layers = {u: _layer(u) for u in MANIFEST["nodes"]}
    assert layers == {
        "model.p.stg": "staging",
        "model.p.validated": "validation",
        "model.p.agg": "indicators",
        "model.p.fit": "segmentation fit",
        "test.p.not_null_agg": "tests",
    }
    assert _layer("unit_test.p.agg.checks") == "tests"
    assert _layer("operation.p.p-on-run-start-0") == "hooks"
    # the layer is the tag, not the folder: no layer tag, or two, is "other"
    model = MANIFEST["nodes"]["model.p.agg"]
    assert artifacts.layer_of(dict(model, tags=["daily", "business"])) == "business"
    assert artifacts.layer_of(dict(model, tags=["daily"])) == "other"
    assert artifacts.layer_of(dict(model, tags=["indicators", "business"])) == "other"

    summary = {"tables": {"daily_balances": {"rows_written": 1000}}}
    sources = artifacts.source_rows(MANIFEST, summary)
    assert sources == {"source.p.broker.daily_balances": 1000}
    counts = {"model.p.validated": 990, "model.p.agg": 10}
    # a view is not counted: its rows are its own parents'
    assert artifacts.input_rows("model.p.stg", MANIFEST, counts, sources) == 1000
    assert artifacts.input_rows("model.p.validated", MANIFEST, counts, sources) == 1000
    assert artifacts.input_rows("model.p.agg", MANIFEST, counts, sources) == 990 + 1000
    assert artifacts.input_rows("model.p.fit", MANIFEST, counts, sources) == 10


def test_every_model_of_the_project_has_exactly_one_layer_tag(project_manifest):
    """A model folder without its +tags entry in dbt_project.yml (or a model tagged with two
    layers) fails here, instead of landing in the benchmark's "other" layer."""
    models = [n for n in project_manifest["nodes"].values() if n["resource_type"] == "model"]
    assert models
    wrong = {
        n["original_file_path"]: artifacts.layer_tags(n)
        for n in models
        if len(artifacts.layer_tags(n)) != 1
    }
    assert not wrong, f"models without exactly one layer tag of {artifacts.LAYER_TAGS}: {wrong}"
    layers = {artifacts.layer_of(n) for n in models}
    assert layers == {tag.replace("_", " ") for tag in artifacts.LAYER_TAGS}  # none unused


def test_summarise_build_per_node_seconds_memory_and_rows():
    run_results = {
        "elapsed_time": 9.0,
        "results": [
            _result("operation.p.p-on-run-start-0", "00", "01", 1.0),
            _result("model.p.stg", "01", "01", 0.1),
            _result("model.p.validated", "01", "05", 4.0),
            _result("model.p.agg", "05", "07", 2.0),
            _result("test.p.not_null_agg", "07", "08", 1.0, status="fail"),
            _result("unit_test.p.agg.checks", "08", "09", 0.5, status="pass"),
        ],
    }
    t0 = artifacts.parse_time("2026-01-01T00:00:00Z")
    samples = [(t0 + i + 0.5, (i + 1) * 2**20) for i in range(9)]
    measured = monitor.Measured(0, 10.0, 9 * 2**20, 9 * 2**20, samples, t0, Path("x.log"))
    sources = {"source.p.broker.daily_balances": 1000}
    after = {"model.p.validated": 1100, "model.p.agg": 10}
    build = artifacts.summarise_build(
        "daily", measured, run_results, MANIFEST, after, {"model.p.validated": 1000}, sources
    )
    nodes = {n["unique_id"]: n for n in build.nodes}
    assert not build.ok  # a failing test
    assert nodes["model.p.validated"]["rows_in"] == 100  # incremental: the rows it added
    assert nodes["model.p.validated"]["rows_per_second"] == pytest.approx(25.0)
    assert nodes["model.p.validated"]["peak_rss_bytes"] == 5 * 2**20  # samples at 1.5..4.5 s
    assert nodes["model.p.agg"]["rows_in"] == 1100 + 1000
    assert nodes["model.p.agg"]["rows_out"] == 10
    assert nodes["model.p.stg"]["peak_rss_bytes"] == 1 * 2**20  # the last sample before it
    assert nodes["test.p.not_null_agg"]["rows_in"] is None
    assert artifacts.layer_seconds(build.nodes) == {
        "hooks": 1.0, "staging": 0.1, "validation": 4.0, "indicators": 2.0, "tests": 1.5,
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Data: reuse and run copies


def test_data_is_reused_and_a_run_copy_leaves_it_untouched(tmp_path):
    base = data.base_data_dir(tmp_path, 300, 4)
    assert not data.reusable(base, 300, 4)
    raw, seconds = data.ensure_data(tmp_path, 300, 4, jobs=1, log=lambda _: None)
    assert raw == base and seconds is not None
    assert data.reusable(base, 300, 4)
    assert not data.reusable(base, 300, 5) and not data.reusable(base, 301, 4)
    assert data.ensure_data(tmp_path, 300, 4, jobs=1, log=lambda _: None) == (base, None)

    before = {p: p.read_bytes() for p in base.rglob("*") if p.is_file()}
    run = tmp_path / "run" / "raw"
    data.link_tree(base, run)
    part = run / "trades" / "part-00000.parquet"
    assert part.stat().st_ino == (base / "trades" / "part-00000.parquet").stat().st_ino
    summary = run / "_generator" / "summary.json"
    assert summary.stat().st_ino != (base / "_generator" / "summary.json").stat().st_ino
    append_days(run, 1)
    assert {p: p.read_bytes() for p in base.rglob("*") if p.is_file()} == before
    assert data.reusable(base, 300, 4) and not data.reusable(run, 300, 4)
    data.link_tree(base, run)  # a second run starts from the data as generated again
    assert not list(run.rglob("append-*.parquet"))


# ---------------------------------------------------------------------------------------------
# The report


def _results(size: int) -> dict:
    node = {
        "unique_id": "model.p.agg", "name": "agg", "resource_type": "model",
        "layer": "indicators", "materialized": "table", "status": "success", "seconds": 2.0,
        "peak_rss_bytes": 2**30, "rows_in": 4000, "rows_out": 10, "rows_per_second": 2000.0,
    }  # fmt: skip
    fit = dict(node, unique_id="model.p.fit", name="fit", layer="segmentation fit", seconds=3.0)
    test = dict(node, unique_id="test.p.t", name="t", resource_type="test", layer="tests",
                seconds=0.5, rows_in=None, rows_out=None, rows_per_second=None)  # fmt: skip
    build = {"ok": True, "wall_seconds": 8.0, "peak_rss_bytes": 2**31, "max_rss_bytes": 2**31,
             "elapsed_dbt": 6.0, "log": "x", "nodes": [node, fit, test]}  # fmt: skip
    daily = dict(build, wall_seconds=0.4, nodes=[dict(node, seconds=0.1)])
    return {
        "size": size, "seed": 42, "command": f"make bench SIZE={size}", "dbt_target": None,
        "project": "commit abc", "finished_at": "2026-01-01 00:00 UTC",
        "machine": {"nproc": 2, "cpu": "cpu", "memory_bytes": 24 * 2**30, "kernel": "6",
                    "versions": {"python": "3.11", "duckdb": "2.0.0"}},
        "data": {"rows_text": "customers 10", "generated_seconds": None,
                 "appended_day": "2026-01-02", "appended_rows_text": "trades 1"},
        "builds": {"full": build, "daily": daily},
        "floor": {"seconds": 1.0, "wall_seconds": 1.5, "peak_rss_bytes": 2**30,
                  "input_rows": 5000},
        "segmentation_quality": {"A": {"fitting_sample": 900, "sample_size": 200,
                                       "full_fit_seconds": 1.0, "sample_fit_seconds": 0.5,
                                       "adjusted_rand_index": 0.97,
                                       "same_segment_share": 0.99}},
    }  # fmt: skip


def test_headline_and_section_state_the_targets():
    results = _results(1_000_000)
    figures = report.headline(results)
    assert figures["full_floor_ratio"] == pytest.approx(8.0)
    assert figures["indicator_floor_ratio"] == pytest.approx(2.0)
    assert figures["daily_seconds"] == pytest.approx(0.4)
    assert figures["segmentation_seconds"] == pytest.approx(3.0)
    section = report.render_section(results)
    assert section.startswith("## 1,000,000 customers")
    assert "= 8.00x (CPU" not in section  # no CPU seconds in the fixture
    assert "= 8.00x | <= 4x | **not met** |" in section
    assert "| 2.00 GiB | < 8.00 GiB | met |" in section
    assert "0.40 s = 5% of the full | <= 30 s | met |" in section
    assert "| 3.0 s | <= 30 s | met |" in section
    assert "0.9700" in section and "| agg | indicators | table | 2.00 |" in section
    small = report.render_section(_results(1000))
    assert "| <= " not in small and "| < " not in small  # only the ARI has a target there
    assert "= 8.00x | <= 8x | met |" in report.render_section(_results(100_000))
    larger = dict(_results(3_000_000), reference_1m={"full_seconds": 2.0})
    section = report.render_section(larger)
    assert "= 4.00x for 3x the customers | <= 3.3x | **not met** |" in section
    assert "| 2.00 GiB | < 12.00 GiB | met |" in section
    no_dbt = dict(_results(1_000_000), builds={}, segmentation_quality_source="the floor")
    section = report.render_section(no_dbt)
    assert "No dbt build in this run" in section and "on the fitting sample of the floor" in section
    assert "1.0 s (process wall" in section and "| 0.9700" in section


def test_update_doc_replaces_its_own_section_in_size_order_and_keeps_the_rest(tmp_path):
    doc = tmp_path / "docs" / "benchmarks.md"
    report.update_doc(doc, 1_000_000, "## big\n")
    report.update_doc(doc, 100_000, "## small\n")
    text = doc.read_text()
    assert text.startswith(report.DOC_HEADER)
    assert text.index("## small") < text.index("## big")
    doc.write_text(text.replace("# Benchmarks\n", "# Benchmarks\n\nNotes by hand.\n"))
    report.update_doc(doc, 100_000, "## small, again\n")
    text = doc.read_text()
    assert "Notes by hand." in text and "## small, again" in text and "## small\n" not in text
    assert text.count("<!-- bench:100000:start -->") == 1 and "## big" in text


def test_command_line_renders_from_saved_results(tmp_path):
    run = tmp_path / "run-1000"
    run.mkdir()
    (run / "results.json").write_text(json.dumps(_results(1000)))
    doc = tmp_path / "b.md"
    argv = ["--size", "1000", "--work", str(tmp_path), "--doc", str(doc), "--render-only"]
    assert cli.main(argv) == 0
    assert "## 1,000 customers" in doc.read_text()


def test_the_sample_of_the_sample_versus_full_fit():
    assert segmentation.default_sample_size(1_000_000) == 200_000
    assert segmentation.default_sample_size(400_000) == 80_000
    assert segmentation.default_sample_size(300) == 1000


def test_machine_facts_name_the_versions():
    facts = machine.machine_facts()
    assert facts["nproc"] >= 1 and facts["memory_bytes"] > 0
    assert {"python", "dbt-core", "dbt-duckdb", "duckdb"} <= set(facts["versions"])
    assert facts["versions"]["duckdb"]


# ---------------------------------------------------------------------------------------------
# The floor computes what the warehouse computes


def test_floor_query_gives_the_warehouse_indicators(clean_build, tmp_path):
    import duckdb

    database = tmp_path / "floor.duckdb"
    floor_query.run_floor(clean_build.raw_dir, database, "2GB", 2)
    with duckdb.connect(str(database), read_only=True) as con:
        floor = con.execute("select * from floor_indicators order by customer_id").df()
    mart = clean_build.query("select * from customer_indicators order by customer_id")
    assert len(floor) == len(mart) > 0
    assert list(floor["customer_id"]) == list(mart["customer_id"])
    for column in ("as_of_date", "open_date", "close_date"):
        assert floor[column].equals(mart[column]), column
    for column in floor.columns.drop(["customer_id", "as_of_date", "open_date", "close_date"]):
        expected = mart[column].astype("float64").to_numpy()
        actual = floor[column].astype("float64").to_numpy()
        assert np.allclose(actual, expected, rtol=1e-9, atol=1e-6, equal_nan=True), column


def test_floor_fitting_sample_is_the_warehouse_fitting_sample(clean_build, tmp_path):
    import duckdb

    database = tmp_path / "floor.duckdb"
    floor_query.run_floor(clean_build.raw_dir, database, "2GB", 2)
    with duckdb.connect(str(database), read_only=True) as con:
        floor = con.execute(floor_query.floor_fitting_sample_sql(["customer_id"])).fetchall()
    mart = clean_build.query(floor_query.warehouse_fitting_sample_sql(["customer_id"]))
    assert sorted(c for (c,) in floor) == sorted(mart["customer_id"])
    assert 0 < len(floor) < len(clean_build.query("select * from customer_indicators"))


def test_floor_only_entry_point_prints_its_seconds(tmp_path, capsys):
    raw = tmp_path / "raw"
    generate(raw, 200, seed=3)
    assert cli.main(["--floor-only", str(raw), str(tmp_path / "f.duckdb")]) == 0
    times = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert times["seconds"] > 0 and times["cpu_seconds"] > 0


# ---------------------------------------------------------------------------------------------
# A whole run, with a stand-in for dbt (the real builds are what the benchmark measures)

FAKE_DBT = """#!{python}
import json, os, sys, time
from datetime import datetime, timezone

import duckdb

args = sys.argv[1:]
assert args[0] == "build", args
target = args[args.index("--target-path") + 1]
os.makedirs(target, exist_ok=True)
started = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
with duckdb.connect(os.environ["BROKER_DUCKDB_PATH"]) as con:
    con.execute("create table if not exists t (x int)")
    con.execute("insert into t values (1)")
time.sleep(0.3)
ended = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
manifest = {{
    "sources": {{"source.p.broker.daily_balances": {{"name": "daily_balances"}}}},
    "nodes": {{"model.p.t": {{
        "resource_type": "model", "name": "t", "schema": "main",
        "original_file_path": "models/indicators/t.sql", "tags": ["indicators"],
        "config": {{"materialized": "incremental"}},
        "depends_on": {{"nodes": ["source.p.broker.daily_balances"]}},
    }}}},
}}
timing = [{{"name": "execute", "started_at": started, "completed_at": ended}}]
results = {{"elapsed_time": 0.3, "results": [
    {{"unique_id": "model.p.t", "status": "success", "execution_time": 0.3, "timing": timing}},
]}}
with open(os.path.join(target, "manifest.json"), "w") as handle:
    json.dump(manifest, handle)
with open(os.path.join(target, "run_results.json"), "w") as handle:
    json.dump(results, handle)
print("raw", os.environ["BROKER_RAW_DIR"])
"""


def test_a_whole_run_with_a_stand_in_for_dbt(tmp_path, monkeypatch):
    fake = tmp_path / "fake-dbt"
    fake.write_text(FAKE_DBT.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setattr(builds, "dbt_executable", lambda: str(fake))
    work, doc = tmp_path / "work", tmp_path / "docs" / "benchmarks.md"
    argv = ["--size", "300", "--seed", "3", "--work", str(work), "--doc", str(doc), "--no-ari"]
    assert cli.main(argv) == 0

    results = json.loads((work / "run-300" / "results.json").read_text())
    assert results["command"] == "python -m tools.bench --size 300 --seed 3 --no-ari"
    full, daily = results["builds"]["full"], results["builds"]["daily"]
    assert full["ok"] and daily["ok"]
    base = data.base_data_dir(work, 300, 3)
    summary = json.loads((base / "_generator" / "summary.json").read_text())
    balances = summary["tables"]["daily_balances"]["rows_written"]
    assert full["nodes"][0]["rows_in"] == balances  # its parent: the balances source
    assert daily["nodes"][0]["rows_in"] == 1  # an incremental model: the rows it added
    assert full["peak_rss_bytes"] > 0 and full["nodes"][0]["peak_rss_bytes"] > 0
    assert results["floor"]["seconds"] > 0 and results["data"]["appended_day"]
    assert (work / "run-300" / "full" / "run_results.json").is_file()
    assert (
        "raw " + str(work / "run-300" / "raw")
        in (work / "run-300" / "daily" / "dbt-output.log").read_text()
    )
    assert data.reusable(base, 300, 3)  # the base data stays as generated
    text = doc.read_text()
    assert "## 300 customers" in text and "| t | indicators | incremental |" in text


def test_a_failed_floor_keeps_the_build_figures_and_says_why():
    results = dict(_results(3_000_000), floor_error="IO Error: No space left on device (log x)")
    del results["floor"]
    section = report.render_section(results)
    assert "Floor: the hand-written query failed: IO Error: No space left on device" in section
    assert "| 2.00 GiB | < 12.00 GiB | met |" in section
    assert "hand-written query, wall" not in section


def test_project_state_names_each_changed_file_whole(monkeypatch):
    outputs = iter(["abc1234\n", " M macros/a.sql\n M profiles.yml\n?? models/new.sql\n"])

    class Done:
        def __init__(self):
            self.stdout = next(outputs)

    monkeypatch.setattr(machine.subprocess, "run", lambda *args, **kwargs: Done())
    assert machine.project_state() == (
        "commit abc1234 with uncommitted changes to 3 file(s): "
        "`macros/a.sql`, `profiles.yml`, `models/new.sql`"
    )


def test_the_sample_versus_full_fit_reads_the_fit_models_settings(project_manifest):
    """The settings dbt passes the fit models, as the harness reads them from the manifest,
    make a scheme configuration (the 1M run once stopped on a run option taken for one)."""
    for scheme in "AB":
        config = segmentation.segmentation_config(project_manifest, scheme)
        assert config.k == PROJECT_VARS[f"scheme_{scheme.lower()}_k"]
