"""Dagster definitions: the dbt project as assets, a daily build and a monthly refit.

The pieces, as the dagster-dbt examples lay them out: `project` (the dbt project, dbt and the
warehouse), `assets` (the dbt assets and the op that builds them), `schedules` (the jobs and
their schedules); this module puts them together.

    dagster dev -m broker_segments.orchestration.definitions
    dagster definitions validate -m broker_segments.orchestration.definitions

- Assets: every dbt model, seed and snapshot (dagster-dbt, from the project's manifest); dbt
  tests are asset checks. The manifest is read from the target path (`DBT_TARGET_PATH`, default
  `target/`) and made with `dbt parse` when it is missing or under `dagster dev`; a deployment
  that ships a manifest does not parse at start-up.
- `daily_build_job`, on `daily_build_schedule` (19:00 Asia/Shanghai, after the day's export,
  every day but the 1st): the assets of the dbt selector `daily` (selectors.yml: what a new
  day changes, without the fits' inputs and the diagnostics), built with the default vars, so
  new customers and new days are scored with the latest fitted model. A new warehouse has no
  model: the daily job stops before dbt and says to run the monthly refit job (or every asset)
  first, which fits.
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

On a spark target (DBT_TARGET=spark, README "Running on Spark") the assets are the three steps
of `make build TARGET=spark`: the dbt assets of the selector `spark_before_fit`, the fit
command (assets `segment_fits/segmentation_fit_scheme_a` and `_b`, the tables it appends to)
and the dbt assets of `spark_after_fit`; both jobs run all three, with their refit var, the
daily job over the daily selection's assets (schedules.py). Give a Spark target its own
DBT_TARGET_PATH: the manifest is parsed per target.
"""

from pathlib import Path

import dagster as dg

from broker_segments.orchestration.assets import build_dbt_assets, build_spark_assets
from broker_segments.orchestration.project import (
    BrokerWarehouse,
    dbt_project,
    dbt_resource,
    prepare_project,
    target_type,
)
from broker_segments.orchestration.schedules import (
    build_jobs,
    build_schedules,
    build_spark_jobs,
)


def build_definitions(
    *,
    project_dir: Path | str | None = None,
    target_path: Path | str | None = None,
    target: str | None = None,
    warehouse: BrokerWarehouse | None = None,
    dbt_executable: str | None = None,
) -> dg.Definitions:
    """The project's Definitions; every argument defaults to the environment (see the module)."""
    project = dbt_project(project_dir, target_path, target)
    dbt = dbt_resource(project, dbt_executable)
    prepare_project(project, dbt)
    if target_type(project) == "spark":
        assets = build_spark_assets(project)
        daily_job, monthly_job = build_spark_jobs(assets)
    else:
        assets = [build_dbt_assets(project)]
        daily_job, monthly_job = build_jobs(assets[0])
    return dg.Definitions(
        assets=assets,
        jobs=[daily_job, monthly_job],
        schedules=build_schedules(daily_job, monthly_job),
        resources={"dbt": dbt, "warehouse": warehouse or BrokerWarehouse.from_environment()},
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What `dagster dev -m broker_segments.orchestration.definitions` loads."""
    return build_definitions()
