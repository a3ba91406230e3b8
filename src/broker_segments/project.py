"""Facts the Python side shares with the dbt project, each with one home here: the warehouse
file, raw export and Spark warehouse folder used when ``BROKER_DUCKDB_PATH``,
``BROKER_RAW_DIR`` and ``BROKER_SPARK_WAREHOUSE`` are unset (``DEFAULT_DUCKDB_PATH``,
``DEFAULT_RAW_DIR``, ``DEFAULT_SPARK_WAREHOUSE``, relative to the project directory) and the
Spark schema (``SPARK_SCHEMA``), whose copies in ``profiles.yml`` (the default target's
``path``, the ``spark`` target's ``server_side_parameters`` and ``schema``) and in the sources
YAML (``raw_dir``) ``tests/python/test_project_facts.py`` holds equal to these; ``FIT_MODELS``,
the dbt Python model that stores each scheme's fitted models; and ``INDICATORS``,
``TWIN_TRANSFORMS`` and ``TWIN_NULL_FILL``, read from the indicator registry
``indicators.yml``, from which ``make generate`` (``tools/generate.py``) writes the macros
``indicator_columns()`` and ``twin_input_columns()`` and docs/domain.md's indicator table.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

DEFAULT_DUCKDB_PATH = "data/broker_segments.duckdb"
DEFAULT_RAW_DIR = "data/raw"
DEFAULT_SPARK_WAREHOUSE = "data/spark-warehouse"
# The spark target's schema (profiles.yml): its tables are the folders <schema>.db/<table> of
# the warehouse.
SPARK_SCHEMA = "broker_segments"
# Each scheme's fit: the Python model (models/segmentation/fit) that appends its models'
# artifacts on DuckDB, and on Spark the table of the same name the fit command appends to.
FIT_MODELS = {"A": "segmentation_fit_scheme_a", "B": "segmentation_fit_scheme_b"}

# The indicator registry (indicators.yml beside this module): each indicator's facts, in the
# domain's order. `make generate` writes the dbt macros and the docs table from the same file.
INDICATOR_REGISTRY: tuple[dict[str, Any], ...] = tuple(
    yaml.safe_load((Path(__file__).parent / "indicators.yml").read_text(encoding="utf-8"))[
        "indicators"
    ]
)
INDICATORS: tuple[tuple[str, str], ...] = tuple(
    (entry["name"], entry["term"]) for entry in INDICATOR_REGISTRY
)
INDICATOR_NAMES: tuple[str, ...] = tuple(name for name, _ in INDICATORS)
# The inputs a twin (and a new customer) can have, each with its transform before
# standardising, in the indicators' order; and the value a null one is filled with first.
TWIN_TRANSFORMS: dict[str, str] = {
    entry["name"]: entry["twin_transform"]
    for entry in INDICATOR_REGISTRY
    if "twin_transform" in entry
}
TWIN_NULL_FILL: dict[str, float] = {
    entry["name"]: float(entry["twin_null_fill"])
    for entry in INDICATOR_REGISTRY
    if "twin_null_fill" in entry
}


def spark_table_folder(warehouse: Path, table: str, schema: str = SPARK_SCHEMA) -> Path:
    """The folder of a table of the spark target: Spark's layout of a managed table in the
    warehouse folder (``<warehouse>/<schema>.db/<table>``)."""
    return Path(warehouse) / f"{schema}.db" / table


def duckdb_path() -> Path:
    """The warehouse file: ``BROKER_DUCKDB_PATH``, else the project's default."""
    return Path(os.environ.get("BROKER_DUCKDB_PATH", DEFAULT_DUCKDB_PATH))


def spark_warehouse() -> Path:
    """The spark target's warehouse folder: ``BROKER_SPARK_WAREHOUSE``, else the project's
    default."""
    return Path(os.environ.get("BROKER_SPARK_WAREHOUSE", DEFAULT_SPARK_WAREHOUSE))


def raw_dir() -> Path:
    """The raw export: ``BROKER_RAW_DIR``, else the project's default."""
    return Path(os.environ.get("BROKER_RAW_DIR", DEFAULT_RAW_DIR))


def venv_executable(name: str) -> str:
    """The program ``name`` beside this Python (the project's venv), else the one on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    return shutil.which(name) or name
