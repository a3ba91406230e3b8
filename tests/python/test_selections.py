"""Every documented selection builds on an empty warehouse.

`dbt build --empty` and the README's `--select +customer_indicators` are built. Every selector
of selectors.yml is checked on the manifest: each model, seed and snapshot it selects has its
parents selected too (spark_after_fit's may come from spark_before_fit, the step the spark
target runs before it; spark_daily_after_fit's from spark_daily_before_fit and the first
build's spark_before_fit; daily's from monthly_refit, part of the first build), so it builds
where nothing was built before; the daily selector is also built by the Dagster job's test
(test_orchestration.py), spark_before_fit, spark_daily_before_fit and spark_scoring_after_fit
by the Spark parity test.

A selection picks only the tests whose parents it builds (`indirect_selection: buildable`), so
none of them fails on a table the selection did not make.
"""

from __future__ import annotations

import json
import re

import duckdb
import pytest
import yaml
from conftest import PROJECT_DIR, assert_dbt_ok, run_dbt

from broker_segments.datagen import generate

SELECTORS = [
    selector["name"]
    for selector in yaml.safe_load((PROJECT_DIR / "selectors.yml").read_text())["selectors"]
]


@pytest.fixture(scope="module")
def small_raw_dir(tmp_path_factory):
    raw_dir = tmp_path_factory.mktemp("selections") / "raw"
    generate(raw_dir, customers=300, seed=3)
    return raw_dir


# A selector that runs after another one is built after it: the spark target's second step,
# and the daily run on a warehouse whose first build fitted (make build builds the whole
# project where a scheme has no model: it holds monthly_refit).
BUILT_AFTER = {
    "daily": ("monthly_refit",),
    "spark_after_fit": ("spark_before_fit",),
    "spark_scoring_after_fit": ("spark_before_fit",),
    # a day's run, after its own first step and a first build
    "spark_daily_after_fit": ("spark_daily_before_fit", "spark_before_fit"),
}


def build_on_empty_warehouse(args, raw_dir, tmp_path):
    result = run_dbt(["build", *args], raw_dir, tmp_path / "warehouse.duckdb", tmp_path)
    assert_dbt_ok(result)
    done = re.search(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", result.stdout)
    assert done, result.stdout[-3000:]
    passed, _, errors, skipped = (int(group) for group in done.groups())
    assert (errors, skipped) == (0, 0), result.stdout[-3000:]
    assert passed > 0
    assert re.search(r" of \d+ PASS ", result.stdout), "the selection ran no data test"
    return result


def test_the_readme_documents_every_selector():
    readme = (PROJECT_DIR / "README.md").read_text()
    missing = [name for name in SELECTORS if f"--selector {name}" not in readme]
    assert not missing, f"selectors not in the README: {missing}"


BUILT_NODES = ("model", "seed", "snapshot")


@pytest.fixture(scope="module")
def selected(small_raw_dir, tmp_path_factory) -> tuple[dict, dict[str, set[str]]]:
    """The manifest's nodes and, per selector, the models, seeds and snapshots it builds."""
    work_dir = tmp_path_factory.mktemp("selectors")
    selections = {}
    for selector in SELECTORS:
        result = run_dbt(
            ["ls", "--selector", selector, "--output", "json", "--output-keys", "unique_id",
             "--resource-type", *BUILT_NODES, "--quiet"],
            small_raw_dir, work_dir / "warehouse.duckdb", work_dir,
        )  # fmt: skip
        assert_dbt_ok(result)
        lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
        selections[selector] = {json.loads(line)["unique_id"] for line in lines}
        assert selections[selector], f"selector {selector} selects nothing"
    manifest = json.loads((work_dir / "target" / "manifest.json").read_text())
    return manifest["nodes"], selections


@pytest.mark.parametrize("selector", SELECTORS)
def test_every_selector_selects_the_parents_of_what_it_builds(selector, selected):
    nodes, selections = selected
    available = selections[selector].union(
        *(selections[before] for before in BUILT_AFTER.get(selector, ()))
    )
    missing = {
        f"{node_id.split('.')[-1]} needs {parent.split('.')[-1]}"
        for node_id in selections[selector]
        for parent in nodes[node_id]["depends_on"].get("nodes", [])
        if parent.split(".")[0] in BUILT_NODES and parent not in available
    }
    assert not missing, f"selector {selector} does not build what it reads: {sorted(missing)}"


def test_upstream_of_the_indicator_mart_builds_on_an_empty_warehouse(small_raw_dir, tmp_path):
    result = build_on_empty_warehouse(["--select", "+customer_indicators"], small_raw_dir, tmp_path)
    assert "customer_segments" not in result.stdout


def test_an_empty_build_checks_the_schema_without_fitting(small_raw_dir, tmp_path):
    build_on_empty_warehouse(["--empty"], small_raw_dir, tmp_path)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        models = con.execute("select count(*) from segment_model_artifacts").fetchone()[0]
        columns = {row[0] for row in con.execute("describe customer_segments").fetchall()}
    assert models == 0
    assert {"customer_id", "scheme", "segment_code"} <= columns


def test_the_indicators_selector_holds_the_raw_layer(selected):
    """The README's table says `--selector indicators` is the raw layer and customer_indicators."""
    _, selections = selected
    missing = selections["raw_layer"] - selections["indicators"]
    assert not missing, sorted(missing)


def test_the_daily_run_leaves_the_unit_tests_to_ci(small_raw_dir, tmp_path):
    """Unit tests check SQL on fixed rows: the daily production run skips them."""
    unit_tests = {}
    for selector in ("monthly_refit", "daily"):
        result = run_dbt(
            ["ls", "--selector", selector, "--resource-type", "unit_test", "--quiet"],
            small_raw_dir, tmp_path / "warehouse.duckdb", tmp_path,
        )  # fmt: skip
        assert_dbt_ok(result)
        unit_tests[selector] = [line for line in result.stdout.splitlines() if "unit_test" in line]
    assert unit_tests["monthly_refit"]
    assert not unit_tests["daily"]
