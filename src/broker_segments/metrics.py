"""MetricFlow's ``mf`` on the warehouse this environment names (``BROKER_DUCKDB_PATH``).

    python -m broker_segments.metrics query --saved-query customers_per_segment

Run from the dbt project's directory, as ``mf``. MetricFlow finds the tables through
``target/semantic_manifest.json``, which the last ``dbt parse`` or ``dbt build`` wrote: each
table there carries the database name DuckDB gives the warehouse file (its name without the
extension) under the ``BROKER_DUCKDB_PATH`` of that command. Run under another path, ``mf``
looks for a catalog the open file does not have and ends in a catalog error. This command
parses again when the manifest names another database, stops with one line when the warehouse
holds no segments yet, and then runs ``mf`` with the arguments given.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from broker_segments.project import duckdb_path, venv_executable

SEMANTIC_MANIFEST = Path("target") / "semantic_manifest.json"
# The marts every semantic model reads (models/semantic/_semantic__models.yml).
SEGMENTS_TABLE = "customer_segments"


def manifest_databases(manifest: Path) -> set[str]:
    """The databases the semantic manifest's models name (empty when there is no manifest)."""
    if not manifest.exists():
        return set()
    models = json.loads(manifest.read_text()).get("semantic_models", [])
    return {model["node_relation"]["database"] for model in models if model.get("node_relation")}


class WarehouseNotReadyError(RuntimeError):
    """The warehouse holds nothing to query yet."""


def check_segments_built(path: Path) -> None:
    """Raise WarehouseNotReadyError when the warehouse has no customer_segments table."""
    if not path.exists():
        raise WarehouseNotReadyError(
            f"The warehouse {path} does not exist: build it first (make run, or dbt build)."
        )
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute(
            "select count(*) from information_schema.tables where table_name = ?",
            [SEGMENTS_TABLE],
        ).fetchone()
    if not found or found[0] == 0:
        raise WarehouseNotReadyError(
            f"The warehouse {path} holds no segments yet ({SEGMENTS_TABLE} is not built): "
            "build it first (make run, or dbt build), then query it."
        )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    warehouse = duckdb_path()
    try:
        check_segments_built(warehouse)
    except WarehouseNotReadyError as error:
        print(error, file=sys.stderr)
        return 2
    if manifest_databases(SEMANTIC_MANIFEST) != {warehouse.stem}:
        print(f"binding the semantic manifest to {warehouse} (dbt parse) ...", file=sys.stderr)
        parsed = subprocess.run([venv_executable("dbt"), "parse", "--quiet"], check=False)
        if parsed.returncode != 0:
            return parsed.returncode
    return subprocess.run([venv_executable("mf"), *args], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
