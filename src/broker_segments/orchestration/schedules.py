"""The two jobs and their schedules: ``daily_build_job`` (the selector ``daily``, 19:00
Asia/Shanghai every day but the 1st; it stops before dbt on a warehouse without a model of
every scheme) and ``monthly_refit_job`` (the selector ``monthly_refit`` with
``segmentation_refit: true``, 19:00 on the 1st), both tagged ``broker_segments/warehouse``
so that one run at a time writes the warehouse; on the spark target, the same jobs over the
three steps of ``make build TARGET=spark``. What each job builds and why: README, "From
Dagster" and "Running on Spark".
"""

import dagster as dg
from dagster_dbt import build_dbt_asset_selection

from broker_segments.load_range import SPARK_DAILY_STEPS
from broker_segments.orchestration.assets import (
    DBT_ASSETS_NAME,
    SPARK_AFTER_FIT_NAME,
    SPARK_BEFORE_FIT_NAME,
    DbtBuildConfig,
    DbtVarsConfig,
    RefitMode,
)

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
# The spark target's Derby metastore takes one process too.
SPARK_WAREHOUSE_TAG = {"broker_segments/warehouse": "spark"}
DAILY_DESCRIPTION = "Daily: dbt build with the default vars (score with the latest model)."
MONTHLY_DESCRIPTION = "Monthly: dbt build --vars '{segmentation_refit: true}' (refit, then score)."


def build_jobs(assets: dg.AssetsDefinition) -> tuple:
    """The daily job and the monthly refit job over the dbt assets of their selectors
    (unresolved asset jobs: Dagster resolves their selections when it loads them)."""
    daily_job = dg.define_asset_job(
        DAILY_JOB,
        selection=build_dbt_asset_selection([assets], dbt_selector=DAILY_SELECTOR),
        description=DAILY_DESCRIPTION,
        config=dg.RunConfig(ops={DBT_ASSETS_NAME: DbtBuildConfig(segmentation_refit="auto")}),
        tags=WAREHOUSE_TAG,
    )
    monthly_job = dg.define_asset_job(
        MONTHLY_JOB,
        selection=build_dbt_asset_selection([assets], dbt_selector=MONTHLY_SELECTOR),
        description=MONTHLY_DESCRIPTION,
        config=dg.RunConfig(ops={DBT_ASSETS_NAME: DbtBuildConfig(segmentation_refit="true")}),
        tags=WAREHOUSE_TAG,
    )
    return daily_job, monthly_job


def build_spark_jobs(assets: list[dg.AssetsDefinition]) -> tuple:
    """The daily and monthly jobs on the spark target: the three steps, the daily job over the
    daily selectors' assets of the two dbt steps."""
    before_fit, fit, after_fit = assets
    daily = (
        build_dbt_asset_selection([before_fit], dbt_selector=SPARK_DAILY_STEPS[0])
        | dg.AssetSelection.assets(fit)
        | build_dbt_asset_selection([after_fit], dbt_selector=SPARK_DAILY_STEPS[1])
    )

    def spark_job(name: str, description: str, refit: RefitMode, selection):
        return dg.define_asset_job(
            name,
            selection=selection,
            description=description,
            config=dg.RunConfig(
                ops={
                    SPARK_BEFORE_FIT_NAME: DbtBuildConfig(segmentation_refit=refit),
                    SPARK_AFTER_FIT_NAME: DbtVarsConfig(segmentation_refit=refit),
                }
            ),
            tags=SPARK_WAREHOUSE_TAG,
        )

    return (
        spark_job(DAILY_JOB, DAILY_DESCRIPTION, "auto", daily),
        spark_job(MONTHLY_JOB, MONTHLY_DESCRIPTION, "true", dg.AssetSelection.assets(*assets)),
    )


def build_schedules(daily_job, monthly_job) -> list[dg.ScheduleDefinition]:
    """Every day but the 1st the daily job, on the 1st the refit; both start stopped."""
    return [
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
