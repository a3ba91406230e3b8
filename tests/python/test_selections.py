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
from dbt.cli.main import dbtRunner

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


def list_selections(raw_dir, work_dir, selections: dict[str, list[str]]) -> dict[str, set[str]]:
    """The unique ids of what each `dbt ls` selection lists: dbt in this process, the project
    parsed once (its manifest passed to every ls), where a `dbt ls` process each would parse
    and import dbt again (~5 s a call)."""
    common = [
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--target", "ci",
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
        "--quiet",
    ]  # fmt: skip
    env = {
        "BROKER_RAW_DIR": str(raw_dir),
        "BROKER_DUCKDB_PATH": str(work_dir / "warehouse.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        parsed = dbtRunner().invoke(["parse", *common])
        assert parsed.success, parsed.exception
        runner = dbtRunner(manifest=parsed.result)
        listed = {}
        for name, args in selections.items():
            result = runner.invoke(
                ["ls", *args, "--output", "json", "--output-keys", "unique_id", *common]
            )
            assert result.success, f"dbt ls {args}: {result.exception}"
            listed[name] = {json.loads(line)["unique_id"] for line in result.result}
    return listed


@pytest.fixture(scope="module")
def selected(small_raw_dir, tmp_path_factory) -> tuple[dict, dict[str, set[str]]]:
    """The manifest's nodes and, per selector, the models, seeds and snapshots it builds; and
    (`<selector> unit tests`) the unit tests of the production runs' selectors."""
    work_dir = tmp_path_factory.mktemp("selectors")
    selections = {
        selector: ["--selector", selector, "--resource-type", *BUILT_NODES]
        for selector in SELECTORS
    }
    for selector in ("monthly_refit", "daily"):
        selections[f"{selector} unit tests"] = [
            "--selector", selector, "--resource-type", "unit_test",
        ]  # fmt: skip
    listed = list_selections(small_raw_dir, work_dir, selections)
    for selector in SELECTORS:
        assert listed[selector], f"selector {selector} selects nothing"
    manifest = json.loads((work_dir / "target" / "manifest.json").read_text())
    return manifest["nodes"], listed


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


def test_the_daily_run_leaves_the_unit_tests_to_ci(selected):
    """Unit tests check SQL on fixed rows: the daily production run skips them."""
    _, selections = selected
    assert selections["monthly_refit unit tests"]
    assert not selections["daily unit tests"]
