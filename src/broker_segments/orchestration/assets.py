"""The dbt project as Dagster assets: every model, seed and snapshot (dagster-dbt, from the
manifest), dbt tests as asset checks; one op runs `dbt source freshness` (the raw export
against the run date: an error stops the run) and then `dbt build`, refitting or not by its run
config, after the preflight's check that no other build holds the warehouse.

On the spark target (dbt-spark runs no Python model) the pipeline is three steps, as
`make build TARGET=spark` runs them: the dbt assets of the selector `spark_before_fit`
(freshness, then build), the two fits as one asset step that runs
`python -m broker_segments.spark_fit` (its assets are the source tables `segment_fits.*`, which
the dbt models after the fit read), and the dbt assets of the selector `spark_after_fit`.
"""

# No `from __future__ import annotations`: Dagster reads the asset function's annotations
# (the run config class) at definition time.
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from broker_segments.load_range import build_args, fitted_duckdb, fitted_spark
from broker_segments.orchestration.project import BrokerWarehouse
from broker_segments.preflight import check_raw_files, check_warehouse_free
from broker_segments.project import FIT_MODELS

DBT_ASSETS_NAME = "broker_segments_dbt"
# The spark target's three steps (selectors.yml; the fit command's assets are the sources it
# appends to, keyed as dagster-dbt keys a source: [source name, table name]).
SPARK_BEFORE_FIT_NAME = "broker_segments_dbt_before_fit"
SPARK_FIT_NAME = "segment_fits_on_spark"
SPARK_AFTER_FIT_NAME = "broker_segments_dbt_after_fit"
SPARK_FIT_KEYS = (
    dg.AssetKey(["segment_fits", "segmentation_fit_scheme_a"]),
    dg.AssetKey(["segment_fits", "segmentation_fit_scheme_b"]),
)
# Unit tests run on DuckDB (make test): Spark in local mode fails on some of their fixtures.
SPARK_DBT_ARGS = ["--exclude-resource-type", "unit_test"]

RefitMode = Literal["auto", "true", "false"]
# What a fit reads that the daily job leaves out (selectors.yml `daily`).
FIT_INPUT_KEY = dg.AssetKey("int_segment_twin_inputs")
FIT_KEYS = tuple(dg.AssetKey(name) for name in FIT_MODELS.values())


def dbt_build_args(segmentation_refit: RefitMode = "auto") -> list[str]:
    """The dbt command of a run: `auto` keeps the project's default vars."""
    if segmentation_refit == "auto":
        return ["build"]
    return ["build", "--vars", json.dumps({"segmentation_refit": segmentation_refit == "true"})]


def dbt_freshness_args(freshness_run_date: str | None = None) -> list[str]:
    """The freshness check before the build: `None` keeps the project's run date (the var
    freshness_run_date's default: as_of_date, else the export's last day)."""
    if freshness_run_date is None:
        return ["source", "freshness"]
    return ["source", "freshness", "--vars", json.dumps({"freshness_run_date": freshness_run_date})]


class DbtVarsConfig(dg.Config):
    """Run config of a dbt step: whether the run refits the segment models.

    segmentation_refit `auto` (default): fit a scheme that has no model yet, else score with
    the latest model; `true`: refit both schemes now; `false`: never fit (fails when a scheme
    has no model).
    """

    segmentation_refit: RefitMode = "auto"


class DbtBuildConfig(DbtVarsConfig):
    """Run config of the dbt step that starts a run: segmentation_refit (DbtVarsConfig) and the
    day the raw export should reach.

    freshness_run_date ('YYYY-MM-DD'): the run date `dbt source freshness` holds the export
    against before the build; null (default) = the project's.
    """

    freshness_run_date: str | None = None


@contextmanager
def _environment(overrides: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables while dagster-dbt starts dbt (it passes os.environ on)."""
    saved = {name: os.environ.get(name) for name in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run_folder(context: dg.AssetExecutionContext, project: DbtProject) -> Path:
    """Each run's dbt artifacts and logs in their own folder of the project's target path."""
    return project.project_dir / project.target_path / f"dagster-{context.run.run_id[:8]}"


def _check_freshness(
    dbt: DbtCliResource, project: DbtProject, config: DbtBuildConfig, target_path: Path
) -> None:
    """A raw table past the error threshold fails the run here, before anything is built; a
    warning is logged and the build goes on. sources.json in freshness/."""
    dbt.cli(
        dbt_freshness_args(config.freshness_run_date),
        target_path=target_path / "freshness",
        manifest=project.manifest_path,
    ).wait()


def check_fit_inputs_selected(selected: set, fits: bool, fitted: Callable[[], bool]) -> None:
    """A selection with the fits (`fits`) but not what they read (the daily job's) on a
    warehouse where a scheme has no model yet (`fitted()` false) would fit without its inputs:
    stop and say which job runs first."""
    if FIT_INPUT_KEY in selected or not fits:
        return
    if not fitted():
        raise dg.Failure(
            description="The warehouse holds no model of every scheme yet, and this run "
            "leaves out what a fit reads (int_segment_twin_inputs): the first run builds every "
            "asset (the monthly_refit job, or materialize all), then the daily job scores."
        )


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    @dbt_assets(manifest=project.manifest_path, project=project, name=DBT_ASSETS_NAME)
    def broker_segments_dbt(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: BrokerWarehouse,
        config: DbtBuildConfig,
    ):
        """`dbt source freshness`, then `dbt build` of the project; the run config decides
        whether it refits."""
        args = dbt_build_args(config.segmentation_refit)
        environment = warehouse.dbt_environment(project.project_dir)
        context.log.info(f"dbt {' '.join(args)} with {environment}")
        # A second build on the held DuckDB file, a file that is no database, a raw file
        # that is no Parquet: each fails with a message that says so (the preflight).
        check_raw_files(Path(environment["BROKER_RAW_DIR"]))
        check_warehouse_free(Path(environment["BROKER_DUCKDB_PATH"]))
        check_fit_inputs_selected(
            context.selected_asset_keys,
            bool(set(FIT_KEYS) & set(context.selected_asset_keys)),
            lambda: fitted_duckdb(Path(environment["BROKER_DUCKDB_PATH"])),
        )
        target_path = _run_folder(context, project)
        with _environment(environment):
            _check_freshness(dbt, project, config, target_path)
            # the days the per-day models load, as make build passes them
            args += build_args(project.target or "dev")
            invocation = dbt.cli(args, context=context, target_path=target_path)
        yield from invocation.stream()

    return broker_segments_dbt


def spark_fit_command(project: DbtProject, manifest: Path) -> list[str]:
    """The fit command of the spark target, as `make build TARGET=spark` runs it."""
    return [
        sys.executable,
        "-m",
        "broker_segments.spark_fit",
        "--target",
        project.target or "spark",
        "--manifest",
        str(manifest),
        "--profiles",
        str(Path(project.project_dir) / "profiles.yml"),
    ]


def _spark_dbt_step(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: BrokerWarehouse,
    config: DbtVarsConfig,
    project: DbtProject,
    step: str,
):
    """One dbt step of the spark target, its artifacts in the run folder's `step`; a step
    whose config carries a freshness run date (DbtBuildConfig) checks freshness first."""
    args = [*dbt_build_args(config.segmentation_refit), *SPARK_DBT_ARGS]
    target_path = _run_folder(context, project) / step
    environment = warehouse.dbt_environment(project.project_dir)
    if isinstance(config, DbtBuildConfig):  # the step before the fit command
        check_fit_inputs_selected(
            context.selected_asset_keys,
            True,
            lambda: fitted_spark(Path(environment["BROKER_SPARK_WAREHOUSE"])),
        )
    with _environment(environment):
        if isinstance(config, DbtBuildConfig):
            _check_freshness(dbt, project, config, target_path)
        args += build_args(project.target or "spark")
        invocation = dbt.cli(args, context=context, target_path=target_path)
    yield from invocation.stream()


def build_spark_assets(project: DbtProject) -> list[dg.AssetsDefinition]:
    """The spark target's three steps: dbt before the fit, the fit command, dbt after it."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name=SPARK_BEFORE_FIT_NAME,
        selector="spark_before_fit",
    )
    def before_fit(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: BrokerWarehouse,
        config: DbtBuildConfig,
    ):
        """`dbt source freshness`, then `dbt build` of what the fit reads (on Spark)."""
        yield from _spark_dbt_step(context, dbt, warehouse, config, project, "before_fit")

    @dg.multi_asset(
        name=SPARK_FIT_NAME,
        specs=[
            dg.AssetSpec(key, deps=list(before_fit.keys), group_name="segment_fits")
            for key in SPARK_FIT_KEYS
        ],
    )
    def segment_fits(context: dg.AssetExecutionContext, warehouse: BrokerWarehouse):
        """`python -m broker_segments.spark_fit`: both schemes' fits, appended to their tables,
        with the settings of the dbt step before (its manifest: the run's vars apply)."""
        manifest = _run_folder(context, project) / "before_fit" / "manifest.json"
        if not manifest.exists():  # the fit launched alone: the project's own manifest
            manifest = project.manifest_path
        command = spark_fit_command(project, manifest)
        context.log.info(" ".join(command))
        result = subprocess.run(
            command,
            cwd=project.project_dir,
            env={**os.environ, **warehouse.dbt_environment(project.project_dir)},
            capture_output=True,
            text=True,
            check=False,
        )
        for line in result.stdout.splitlines():
            context.log.info(line)
        if result.returncode != 0:
            last_line = (result.stderr.strip().splitlines() or [""])[-1]
            raise dg.Failure(
                description=f"The segment fit on Spark failed (exit {result.returncode}): "
                f"{last_line}",
                metadata={"stderr": dg.MetadataValue.text(result.stderr[-4000:])},
            )
        for key in SPARK_FIT_KEYS:
            yield dg.MaterializeResult(asset_key=key)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name=SPARK_AFTER_FIT_NAME,
        selector="spark_after_fit",
    )
    def after_fit(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: BrokerWarehouse,
        config: DbtVarsConfig,
    ):
        """`dbt build` of what reads the fits: scoring, diagnostics, business marts, history."""
        yield from _spark_dbt_step(context, dbt, warehouse, config, project, "after_fit")

    return [before_fit, segment_fits, after_fit]
