"""A dbt-duckdb plugin (profiles.yml, `plugins:`) that checks the warehouse before dbt opens it.

dbt-duckdb calls ``update_connection_config`` just before it connects; a file that another
process holds then stops the run with the preflight's one-line message, naming the holder,
instead of DuckDB's lock error at the end of a long traceback. ``make build`` and Dagster run the
same check before dbt starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from broker_segments.preflight import check_warehouse_free


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        check_warehouse_free(Path(creds.path))
