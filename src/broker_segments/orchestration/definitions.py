"""Dagster definitions: the dbt project as assets, a daily build and a monthly refit, put
together from ``project`` (the dbt project, dbt and the warehouse), ``assets`` (the dbt assets
and the op that builds them) and ``schedules`` (the jobs and their schedules), as the
dagster-dbt examples lay them out. Load it with ``dagster dev -m
broker_segments.orchestration.definitions``. What the jobs build and when, why they never
write the warehouse at once, where the manifest and the warehouse come from, and the Spark
target's three steps: README, "From Dagster" and "Running on Spark".
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
