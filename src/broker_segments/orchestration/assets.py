"""The dbt project as Dagster assets: every model, seed and snapshot (dagster-dbt, from the
manifest), dbt tests as asset checks; one op runs `dbt source freshness` (the raw export
against the run date: an error stops the run) and then `dbt build`, refitting or not by its run
config, after the preflight's check that no other build holds the warehouse.
"""

# No `from __future__ import annotations`: Dagster reads the asset function's annotations
# (the run config class) at definition time.
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from broker_segments.orchestration.project import BrokerWarehouse
from broker_segments.preflight import check_warehouse_free

DBT_ASSETS_NAME = "broker_segments_dbt"

RefitMode = Literal["auto", "true", "false"]


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


class DbtBuildConfig(dg.Config):
    """Run config of the dbt assets: whether the run refits the segment models, and the day
    the raw export should reach.

    segmentation_refit `auto` (default): fit a scheme that has no model yet, else score with
    the latest model; `true`: refit both schemes now; `false`: never fit (fails when a scheme
    has no model). freshness_run_date ('YYYY-MM-DD'): the run date `dbt source freshness`
    holds the export against before the build; null (default) = the project's.
    """

    segmentation_refit: RefitMode = "auto"
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
        # A second build on the held DuckDB file fails with a message that says so.
        check_warehouse_free(Path(environment["BROKER_DUCKDB_PATH"]))
        # Each run's artifacts and logs in their own folder of the project's target path.
        run_folder = f"dagster-{context.run.run_id[:8]}"
        target_path = project.project_dir / project.target_path / run_folder
        with _environment(environment):
            # A raw table past the error threshold fails the run here, before anything is
            # built; a warning is logged and the build goes on. sources.json in freshness/.
            dbt.cli(
                dbt_freshness_args(config.freshness_run_date),
                target_path=target_path / "freshness",
                manifest=project.manifest_path,
            ).wait()
            invocation = dbt.cli(args, context=context, target_path=target_path)
        yield from invocation.stream()

    return broker_segments_dbt
