"""A dbt-duckdb plugin (profiles.yml, `plugins:`): the preflight, run as dbt opens the warehouse.

dbt-duckdb calls ``update_connection_config`` just before it connects; a warehouse file that
another process holds or that is no DuckDB database, or a raw Parquet file that cannot be read,
then stops the run with the preflight's one-line message (``broker_segments.preflight``) instead
of DuckDB's error at the end of a long traceback. ``make build`` and Dagster run the same checks
before dbt starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from broker_segments.preflight import check_raw_files, check_warehouse_free
from broker_segments.project import raw_dir


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        check_raw_files(raw_dir())
        check_warehouse_free(Path(creds.path))
