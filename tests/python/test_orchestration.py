"""The Dagster definitions: they load, schedule what the README says, and build the project.

Dagster is the optional extra `orchestration` (`make test` installs it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytest.importorskip(
    "dagster_dbt", reason="the orchestration extra: pip install -e '.[dev,orchestration]'"
)

import dagster as dg  # noqa: E402

from broker_segments.datagen import generate  # noqa: E402
from broker_segments.orchestration import definitions  # noqa: E402
from broker_segments.orchestration.assets import (  # noqa: E402
    DBT_ASSETS_NAME,
    SPARK_AFTER_FIT_NAME,
    SPARK_BEFORE_FIT_NAME,
    SPARK_DBT_ARGS,
    SPARK_FIT_KEYS,
    SPARK_FIT_NAME,
    DbtBuildConfig,
    dbt_build_args,
    dbt_freshness_args,
    spark_fit_command,
)
from broker_segments.orchestration.project import BrokerWarehouse, dbt_project  # noqa: E402

# dagster-dbt 0.29 itself still calls the deprecated AssetExecutionContext.op.
# Enough customers for every profile and both fits; the job's build, not the model, is tested.
JOB_CUSTOMERS = 300

pytestmark = pytest.mark.filterwarnings(
    "ignore:AssetExecutionContext.op is deprecated:DeprecationWarning"
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """Where the definitions parse the manifest and the run builds: never the repository's."""
    return tmp_path_factory.mktemp("orchestration")


@pytest.fixture(scope="module")
def defs(workspace) -> dg.Definitions:
    return definitions.build_definitions(
        target_path=workspace / "target",
        target="ci",
        warehouse=BrokerWarehouse(
            duckdb_path=str(workspace / "warehouse.duckdb"), raw_dir=str(workspace / "raw")
        ),
    )


def test_definitions_load_with_every_dbt_model_as_an_asset(defs):
    dg.Definitions.validate_loadable(defs)
    keys = {key.to_user_string() for key in defs.resolve_all_asset_keys()}
    assert {"customer_indicators", "customer_segments", "customer_points"} <= keys
    assert "segment_service_plan" in keys and "segment_model_runs" in keys


def test_the_module_loads_as_a_code_location(workspace, defs):
    """What `dagster dev -m ...` loads, from the environment (the manifest is already parsed)."""
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("dagster")),
            "definitions",
            "validate",
            "-m",
            "broker_segments.orchestration.definitions",
        ],
        env={**os.environ, "DBT_TARGET_PATH": str(workspace / "target"), "DBT_TARGET": "ci"},
        capture_output=True,
        text=True,
        check=False,
        cwd=workspace,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Validation successful" in result.stdout + result.stderr


def test_daily_schedule_builds_with_default_vars_and_monthly_refits(defs):
    daily = defs.resolve_schedule_def("daily_build_schedule")
    monthly = defs.resolve_schedule_def("monthly_refit_schedule")
    assert (daily.job_name, daily.cron_schedule) == ("daily_build_job", "0 19 2-31 * *")
    assert (monthly.job_name, monthly.cron_schedule) == ("monthly_refit_job", "0 19 1 * *")
    assert daily.execution_timezone == monthly.execution_timezone == "Asia/Shanghai"

    def dbt_args(job_name: str) -> list[str]:
        run_config = defs.resolve_job_def(job_name).run_config
        op_config = run_config["ops"][DBT_ASSETS_NAME]["config"]
        return dbt_build_args(op_config["segmentation_refit"])

    assert dbt_args("daily_build_job") == ["build"]
    assert dbt_args("monthly_refit_job") == ["build", "--vars", '{"segmentation_refit": true}']
    assert dbt_build_args("false")[-1] == '{"segmentation_refit": false}'


def test_each_job_builds_the_assets_of_its_dbt_selector(defs):
    """daily: what a day changes; monthly_refit: the fits, what reads them and what those
    read."""

    def job_assets(job_name: str) -> set[str]:
        selection = defs.resolve_job_def(job_name).asset_layer.selected_asset_keys
        return {key.to_user_string() for key in selection}

    (assets,) = defs.assets
    every_dbt_asset = {key.to_user_string() for key in assets.keys}
    # daily: all but what only a fit changes (the fits' twin inputs, the diagnostics)
    left_to_the_fit = every_dbt_asset - job_assets("daily_build_job")
    assert {"int_segment_twin_inputs", "segment_kmo"} <= left_to_the_fit
    assert not {"customer_segments", "segmentation_fit_scheme_a", "segment_model_runs"} & (
        left_to_the_fit
    )
    monthly = job_assets("monthly_refit_job")
    assert {"segmentation_fit_scheme_a", "customer_segments", "customer_points"} <= monthly
    # the refit also builds the raw data quality gate the published tables depend on (the
    # reconciliation counts the quarantined rows)
    assert {"raw_data_reconciliation", "quarantined_rows"} <= monthly


def test_warehouse_paths_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("BROKER_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("BROKER_RAW_DIR", "exports/latest")
    monkeypatch.setenv("BROKER_SPARK_WAREHOUSE", "/lake/broker")
    environment = BrokerWarehouse.from_environment().dbt_environment(tmp_path)
    assert environment == {
        "BROKER_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
        "BROKER_RAW_DIR": str(tmp_path / "exports/latest"),
        "BROKER_SPARK_WAREHOUSE": "/lake/broker",
    }


def _run_vars(workspace: Path, run_id: str) -> dict:
    run_results = workspace / "target" / f"dagster-{run_id[:8]}" / "run_results.json"
    return json.loads(run_results.read_text())["args"].get("vars", {})


def _freshness(workspace: Path, run_id: str) -> dict:
    sources = workspace / "target" / f"dagster-{run_id[:8]}" / "freshness" / "sources.json"
    results = json.loads(sources.read_text())["results"]
    return {result["unique_id"].split(".")[-1]: result["status"] for result in results}


def test_dbt_freshness_args_pass_the_run_date_only_when_given():
    assert dbt_freshness_args() == ["source", "freshness"]
    assert dbt_freshness_args("2026-01-05") == [
        "source",
        "freshness",
        "--vars",
        '{"freshness_run_date": "2026-01-05"}',
    ]


def test_the_jobs_materialise_the_dbt_assets(defs, workspace):
    """The daily job builds and tests everything; the monthly job passes the refit var."""
    generate(workspace / "raw", customers=JOB_CUSTOMERS, seed=7)
    (assets,) = defs.assets  # unbound: materialize binds the DbtCliResource and the warehouse

    daily = dg.materialize(
        [assets],
        resources=defs.resources,
        run_config=defs.resolve_job_def("daily_build_job").run_config,
    )
    assert daily.success
    materialised = {e.asset_key.to_user_string() for e in daily.get_asset_materialization_events()}
    assert {"customer_segments", "segment_model_runs", "customer_points"} <= materialised
    checks = daily.get_asset_check_evaluations()
    assert checks and all(check.passed for check in checks)
    assert _run_vars(workspace, daily.run_id) == {}
    # The freshness check ran first, on every raw table with a daily date, and passed.
    assert _freshness(workspace, daily.run_id) == {
        "daily_balances": "pass",
        "fund_transfers": "pass",
        "trades": "pass",
    }

    with duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True) as con:
        per_scheme = dict(
            con.execute("select scheme, count(*) from customer_segments group by all").fetchall()
        )
    assert per_scheme == {"A": JOB_CUSTOMERS, "B": JOB_CUSTOMERS}

    # The monthly job's config reaches dbt (a seed alone keeps the second build short).
    monthly = dg.materialize(
        [assets],
        resources=defs.resources,
        run_config=defs.resolve_job_def("monthly_refit_job").run_config,
        selection=["segment_catalogue"],
    )
    assert monthly.success
    assert _run_vars(workspace, monthly.run_id) == {"segmentation_refit": True}


def materialize_on(defs, duckdb_path, raw_dir, run_config, **kwargs):
    """The dbt assets materialised against another warehouse and export; never raises."""
    (assets,) = defs.assets
    return dg.materialize(
        [assets],
        resources={
            **defs.resources,
            "warehouse": BrokerWarehouse(duckdb_path=str(duckdb_path), raw_dir=str(raw_dir)),
        },
        run_config=run_config,
        raise_on_error=False,
        **kwargs,
    )


def test_a_stale_export_stops_the_run_before_the_build(defs, workspace, tmp_path):
    """A run date past the error threshold (var freshness_error_after_days) after the export's
    last day fails the freshness step, and dbt build never starts."""
    generate(tmp_path / "raw", customers=200, seed=7)
    result = materialize_on(
        defs,
        tmp_path / "warehouse.duckdb",
        tmp_path / "raw",
        dg.RunConfig(ops={DBT_ASSETS_NAME: DbtBuildConfig(freshness_run_date="2099-01-01")}),
    )
    assert not result.success
    assert set(_freshness(workspace, result.run_id).values()) == {"error"}
    assert not (workspace / "target" / f"dagster-{result.run_id[:8]}" / "run_results.json").exists()
    assert not result.get_asset_materialization_events()


def test_a_run_on_a_held_warehouse_stops_with_the_reason(defs, workspace, tmp_path):
    """The preflight runs before dbt: another process writing the file fails the run clearly."""
    held = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', "
            "flush=True); time.sleep(120)",
            str(held),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = materialize_on(
            defs, held, workspace / "raw", defs.resolve_job_def("daily_build_job").run_config
        )
    finally:
        holder.kill()
        holder.wait()
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert failure.cause.cls_name == "WarehouseInUseError"
    assert f"The warehouse {held} is in use by process {holder.pid}" in failure.cause.message


def test_the_daily_job_on_a_warehouse_without_a_model_says_which_run_comes_first(
    defs, workspace, tmp_path
):
    """The daily job leaves out what a fit reads: on a new warehouse it stops before dbt."""
    daily = defs.resolve_job_def("daily_build_job")
    result = materialize_on(
        defs,
        tmp_path / "new.duckdb",
        workspace / "raw",
        daily.run_config,
        selection=list(daily.asset_layer.selected_asset_keys),
    )
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "holds no model of every scheme yet" in failure.description
    assert "monthly_refit job" in failure.description


@pytest.fixture(scope="module")
def spark_defs(tmp_path_factory) -> dg.Definitions:
    """The definitions on the spark target (parsed with dbt-spark: the extra `spark`)."""
    pytest.importorskip("dbt.adapters.spark", reason="the spark extra: pip install -e '.[spark]'")
    workspace = tmp_path_factory.mktemp("orchestration_spark")
    return definitions.build_definitions(
        target_path=workspace / "target",
        target="spark",
        warehouse=BrokerWarehouse(
            raw_dir=str(workspace / "raw"), spark_warehouse=str(workspace / "warehouse")
        ),
    )


def test_on_spark_the_fit_command_runs_between_the_two_dbt_steps(spark_defs):
    """The three steps of `make build TARGET=spark`: dbt before the fit, the fit command (its
    assets are the fit tables), dbt after it; every dbt asset in one of the two dbt steps."""
    dg.Definitions.validate_loadable(spark_defs)
    steps = {assets.node_def.name: assets for assets in spark_defs.assets}
    assert list(steps) == [SPARK_BEFORE_FIT_NAME, SPARK_FIT_NAME, SPARK_AFTER_FIT_NAME]
    before, fit, after = (set(assets.keys) for assets in steps.values())
    graph = spark_defs.resolve_asset_graph()
    assert fit == set(SPARK_FIT_KEYS)
    for key in fit:
        assert graph.get(key).parent_keys == before
        assert dg.AssetKey("segment_model_artifacts") in graph.get(key).child_keys
    named = {key.to_user_string() for key in before}
    assert {"customer_indicators", "int_segment_twin_inputs", "segment_catalogue"} <= named
    assert {"customer_segments", "customer_points"} <= {key.to_user_string() for key in after}
    assert not before & after
    monthly_keys = spark_defs.resolve_job_def("monthly_refit_job").asset_layer.selected_asset_keys
    assert monthly_keys == before | fit | after
    # the daily job leaves out what only a fit changes: its inputs and the diagnostics
    daily_keys = spark_defs.resolve_job_def("daily_build_job").asset_layer.selected_asset_keys
    left_out = {key.to_user_string() for key in monthly_keys - daily_keys}
    assert "int_segment_twin_inputs" in left_out and "segment_factor_loadings" in left_out
    assert fit <= daily_keys
    assert {"customer_indicators", "customer_segments", "segment_model_runs"} <= {
        key.to_user_string() for key in daily_keys
    }
    monthly = spark_defs.resolve_job_def("monthly_refit_job").run_config["ops"]
    assert {op: config["config"]["segmentation_refit"] for op, config in monthly.items()} == {
        SPARK_BEFORE_FIT_NAME: "true",
        SPARK_AFTER_FIT_NAME: "true",
    }


def test_on_spark_the_steps_are_the_makefiles(spark_defs):
    """The Dagster steps run what `make build TARGET=spark` runs: the same selectors, the
    unit tests left to DuckDB, the same fit command."""
    makefile = subprocess.run(
        ["make", "-n", "--no-print-directory", "build", "TARGET=spark"],
        cwd=dbt_project().project_dir,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commands = [line for line in makefile.splitlines() if "dbt " in line or "spark_fit" in line]
    # the step before the fit loads the export's new days (the Dagster step adds the same);
    # the two steps' selectors are chosen once (load_range --spark-steps, as the jobs' are)
    loaded_days = " $(.venv/bin/python -m broker_segments.load_range --target spark) && \\"
    assert commands[1].endswith(loaded_days), makefile
    commands[1] = commands[1].removesuffix(loaded_days)
    commands[2] = commands[2].removesuffix(" && \\")
    assert "load_range --spark-steps" in makefile
    assert [" ".join(command.split("/")[-1].split()) for command in commands] == [
        "dbt source freshness --target spark",
        "dbt build --target spark " + " ".join(SPARK_DBT_ARGS) + " --selector $1",
        "python -m broker_segments.spark_fit --target spark",
        "dbt build --target spark " + " ".join(SPARK_DBT_ARGS) + " --selector $2",
    ]
    steps = {assets.node_def.name: assets for assets in spark_defs.assets}
    assert steps[SPARK_BEFORE_FIT_NAME].op.tags["dagster_dbt/selector"] == "spark_before_fit"
    assert steps[SPARK_AFTER_FIT_NAME].op.tags["dagster_dbt/selector"] == "spark_after_fit"
    project = dbt_project(target="spark")
    command = spark_fit_command(project, Path("manifest.json"))
    assert command[1:5] == ["-m", "broker_segments.spark_fit", "--target", "spark"]


def test_the_spark_daily_job_on_a_warehouse_without_a_model_says_which_run_comes_first(
    spark_defs, tmp_path
):
    """On Spark too the daily job leaves out what a fit reads: on a new warehouse its first
    step stops before dbt (and before Spark starts)."""
    daily = spark_defs.resolve_job_def("daily_build_job")
    result = dg.materialize(
        list(spark_defs.assets),
        resources={
            **spark_defs.resources,
            "warehouse": BrokerWarehouse(
                raw_dir=str(tmp_path / "raw"), spark_warehouse=str(tmp_path / "warehouse")
            ),
        },
        run_config=daily.run_config,
        selection=list(daily.asset_layer.selected_asset_keys),
        raise_on_error=False,
    )
    assert not result.success
    failure = result.get_step_failure_events()[0]
    assert failure.step_key == SPARK_BEFORE_FIT_NAME
    description = failure.step_failure_data.user_failure_data.description
    assert "holds no model of every scheme yet" in description
