"""Dagster definitions: the dbt project as assets, a daily build and a monthly refit.

    dagster dev -m broker_segments.orchestration.definitions
    dagster definitions validate -m broker_segments.orchestration.definitions

- Assets: every dbt model, seed and snapshot (dagster-dbt, from the project's manifest); dbt
  tests are asset checks. The manifest is read from the target path (`DBT_TARGET_PATH`, default
  `target/`) and made with `dbt parse` when it is missing or under `dagster dev`; a deployment
  that ships a manifest does not parse at start-up.
- `daily_build_job`, on `daily_build_schedule` (19:00 Asia/Shanghai, after the day's export,
  every day but the 1st): the assets of the dbt selector `daily` (selectors.yml), built with
  the default vars, so new customers and new days
  are scored with the latest fitted model (`segmentation_refit: auto` fits a scheme only when
  it has no model yet).
- `monthly_refit_job`, on `monthly_refit_schedule` (19:00 on the 1st, in place of that day's
  daily build): the assets of the selector `monthly_refit`, built with
  `--vars '{segmentation_refit: true}'`, which refits both schemes and
  scores everyone with the new models.

Both jobs build the one DuckDB file, which takes a single writer: the two crons never meet,
both runs carry the tag `broker_segments/warehouse` so that a run queue limit of 1 on it
(`run_queue: tag_concurrency_limits` in dagster.yaml) also holds manual launches back, and a
run that finds the file held stops before dbt with the preflight's message
(broker_segments.preflight).

Where dbt reads and writes comes from the code location's environment, as for a plain
`dbt build`: BROKER_DUCKDB_PATH (default data/broker_segments.duckdb) and BROKER_RAW_DIR
(default data/raw), relative paths from the project directory; DBT_TARGET picks the profile's
target (default `dev`). Schedules start stopped, as Dagster's always do: turn them on in the
UI or with `dagster schedule start`.
"""

# No `from __future__ import annotations`: Dagster reads the asset function's annotations
# (the run config class) at definition time.
import json
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, Self

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, build_dbt_asset_selection, dbt_assets

from broker_segments.preflight import check_warehouse_free
from broker_segments.project import DEFAULT_DUCKDB_PATH, DEFAULT_RAW_DIR

DBT_ASSETS_NAME = "broker_segments_dbt"
DAILY_JOB = "daily_build_job"
MONTHLY_JOB = "monthly_refit_job"
# The dbt selectors (selectors.yml) each job builds.
DAILY_SELECTOR = "daily"
MONTHLY_SELECTOR = "monthly_refit"
SCHEDULE_TIMEZONE = "Asia/Shanghai"
# After the A-share close (15:00) and the evening export; the daily build skips the 1st, when
# the monthly refit builds (and scores) instead: two builds cannot share the DuckDB file.
DAILY_CRON = "0 19 2-31 * *"
MONTHLY_CRON = "0 19 1 * *"
WAREHOUSE_TAG = {"broker_segments/warehouse": "duckdb"}

RefitMode = Literal["auto", "true", "false"]


def default_project_dir() -> Path:
    """The dbt project: BROKER_DBT_PROJECT_DIR, else the checkout this package is installed from."""
    if configured := os.environ.get("BROKER_DBT_PROJECT_DIR"):
        return Path(configured).resolve()
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "dbt_project.yml").exists():
        return checkout
    return Path.cwd()


def default_dbt_executable() -> str:
    """The dbt beside this Python (the project's venv), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return str(beside)
    return shutil.which("dbt") or "dbt"


def dbt_build_args(segmentation_refit: RefitMode = "auto") -> list[str]:
    """The dbt command of a run: `auto` keeps the project's default vars."""
    if segmentation_refit == "auto":
        return ["build"]
    return ["build", "--vars", json.dumps({"segmentation_refit": segmentation_refit == "true"})]


class DbtBuildConfig(dg.Config):
    """Run config of the dbt assets: whether the run refits the segment models.

    `auto` (default): fit a scheme that has no model yet, else score with the latest model;
    `true`: refit both schemes now; `false`: never fit (fails when a scheme has no model).
    """

    segmentation_refit: RefitMode = "auto"


class BrokerWarehouse(dg.ConfigurableResource):
    """The raw export dbt reads and the DuckDB file it builds (BROKER_RAW_DIR, BROKER_DUCKDB_PATH).

    Relative paths are from the dbt project directory, where dbt runs.
    """

    duckdb_path: str = DEFAULT_DUCKDB_PATH
    raw_dir: str = DEFAULT_RAW_DIR

    def dbt_environment(self, project_dir: Path) -> dict[str, str]:
        return {
            "BROKER_DUCKDB_PATH": str(project_dir / self.duckdb_path),
            "BROKER_RAW_DIR": str(project_dir / self.raw_dir),
        }

    @classmethod
    def from_environment(cls) -> Self:
        return cls(
            duckdb_path=os.environ.get("BROKER_DUCKDB_PATH", DEFAULT_DUCKDB_PATH),
            raw_dir=os.environ.get("BROKER_RAW_DIR", DEFAULT_RAW_DIR),
        )


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


def prepare_project(project: DbtProject, dbt: DbtCliResource) -> None:
    """Write the manifest with `dbt parse` when it is missing, or always under `dagster dev`."""
    if project.preparer.using_dagster_dev() or not project.manifest_path.exists():
        dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()
    if not project.manifest_path.exists():
        raise FileNotFoundError(
            f"No dbt manifest at {project.manifest_path} after `dbt parse`: "
            f"run `dbt parse` in {project.project_dir} and read its error."
        )


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    @dbt_assets(manifest=project.manifest_path, project=project, name=DBT_ASSETS_NAME)
    def broker_segments_dbt(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: BrokerWarehouse,
        config: DbtBuildConfig,
    ):
        """`dbt build` of the project; the run config decides whether it refits."""
        args = dbt_build_args(config.segmentation_refit)
        environment = warehouse.dbt_environment(project.project_dir)
        context.log.info(f"dbt {' '.join(args)} with {environment}")
        # A second build on the held DuckDB file fails with a message that says so.
        check_warehouse_free(Path(environment["BROKER_DUCKDB_PATH"]))
        # Each run's artifacts and logs in their own folder of the project's target path.
        run_folder = f"dagster-{context.run.run_id[:8]}"
        target_path = project.project_dir / project.target_path / run_folder
        with _environment(environment):
            invocation = dbt.cli(args, context=context, target_path=target_path)
        yield from invocation.stream()

    return broker_segments_dbt


def build_definitions(
    *,
    project_dir: Path | str | None = None,
    target_path: Path | str | None = None,
    target: str | None = None,
    warehouse: BrokerWarehouse | None = None,
    dbt_executable: str | None = None,
) -> dg.Definitions:
    """The project's Definitions; every argument defaults to the environment (see the module)."""
    project = DbtProject(
        project_dir=Path(project_dir) if project_dir else default_project_dir(),
        target_path=Path(target_path or os.environ.get("DBT_TARGET_PATH", "target")),
        target=target or os.environ.get("DBT_TARGET"),
    )
    dbt = DbtCliResource(
        project_dir=project,
        dbt_executable=dbt_executable or default_dbt_executable(),
        target=project.target,
    )
    prepare_project(project, dbt)
    assets = build_dbt_assets(project)

    daily_job = dg.define_asset_job(
        DAILY_JOB,
        selection=build_dbt_asset_selection([assets], dbt_selector=DAILY_SELECTOR),
        description="Daily: dbt build with the default vars (score with the latest model).",
        config=dg.RunConfig(ops={DBT_ASSETS_NAME: DbtBuildConfig(segmentation_refit="auto")}),
        tags=WAREHOUSE_TAG,
    )
    monthly_job = dg.define_asset_job(
        MONTHLY_JOB,
        selection=build_dbt_asset_selection([assets], dbt_selector=MONTHLY_SELECTOR),
        description="Monthly: dbt build --vars '{segmentation_refit: true}' (refit, then score).",
        config=dg.RunConfig(ops={DBT_ASSETS_NAME: DbtBuildConfig(segmentation_refit="true")}),
        tags=WAREHOUSE_TAG,
    )
    schedules = [
        dg.ScheduleDefinition(
            name="daily_build_schedule",
            job=daily_job,
            cron_schedule=DAILY_CRON,
            execution_timezone=SCHEDULE_TIMEZONE,
            description="Build and score every day after the export, except the 1st (refit).",
        ),
        dg.ScheduleDefinition(
            name="monthly_refit_schedule",
            job=monthly_job,
            cron_schedule=MONTHLY_CRON,
            execution_timezone=SCHEDULE_TIMEZONE,
            description="Refit the segment models on the 1st, then build and score.",
        ),
    ]
    return dg.Definitions(
        assets=[assets],
        jobs=[daily_job, monthly_job],
        schedules=schedules,
        resources={"dbt": dbt, "warehouse": warehouse or BrokerWarehouse.from_environment()},
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What `dagster dev -m broker_segments.orchestration.definitions` loads."""
    return build_definitions()
