"""Dagster orchestration of the dbt project (optional extra: `pip install -e '.[orchestration]'`).

    dagster dev -m broker_segments.orchestration.definitions

loads every dbt model, seed and snapshot as an asset, with a daily build-and-score schedule
and a monthly refit schedule: `project` (the dbt project, dbt and the warehouse), `assets`
(the dbt assets), `schedules` (the jobs and their schedules), `definitions` (all together).
"""
