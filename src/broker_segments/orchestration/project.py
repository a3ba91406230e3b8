"""The dbt project Dagster runs: where it is, which dbt, where dbt reads and writes.

- `default_project_dir()`: BROKER_DBT_PROJECT_DIR, else the checkout this package is installed
  from, else the working directory.
- `BrokerWarehouse`: the raw export, the DuckDB file and the Spark warehouse folder, from
  BROKER_RAW_DIR, BROKER_DUCKDB_PATH and BROKER_SPARK_WAREHOUSE (defaults in
  broker_segments.project), relative to the project directory.
- `target_type()`: the adapter type of the profile target the project runs on (`duckdb`,
  `spark`), which decides how the pipeline is laid out as assets.
- `prepare_project()`: the manifest, written with `dbt parse` when it is missing or under
  `dagster dev`; a deployment that ships a manifest does not parse at start-up.
"""

import os
from pathlib import Path
from typing import Self

import dagster as dg
import yaml
from dagster_dbt import DbtCliResource, DbtProject

from broker_segments.project import (
    DEFAULT_DUCKDB_PATH,
    DEFAULT_RAW_DIR,
    DEFAULT_SPARK_WAREHOUSE,
    venv_executable,
)


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
    return venv_executable("dbt")


class BrokerWarehouse(dg.ConfigurableResource):
    """The raw export dbt reads and the warehouse it builds: the DuckDB file, or on the spark
    target the Spark warehouse folder (BROKER_RAW_DIR, BROKER_DUCKDB_PATH,
    BROKER_SPARK_WAREHOUSE).

    Relative paths are from the dbt project directory, where dbt runs.
    """

    duckdb_path: str = DEFAULT_DUCKDB_PATH
    raw_dir: str = DEFAULT_RAW_DIR
    spark_warehouse: str = DEFAULT_SPARK_WAREHOUSE

    def dbt_environment(self, project_dir: Path) -> dict[str, str]:
        return {
            "BROKER_DUCKDB_PATH": str(project_dir / self.duckdb_path),
            "BROKER_RAW_DIR": str(project_dir / self.raw_dir),
            "BROKER_SPARK_WAREHOUSE": str(project_dir / self.spark_warehouse),
        }

    @classmethod
    def from_environment(cls) -> Self:
        return cls(
            duckdb_path=os.environ.get("BROKER_DUCKDB_PATH", DEFAULT_DUCKDB_PATH),
            raw_dir=os.environ.get("BROKER_RAW_DIR", DEFAULT_RAW_DIR),
            spark_warehouse=os.environ.get("BROKER_SPARK_WAREHOUSE", DEFAULT_SPARK_WAREHOUSE),
        )


def target_type(project: DbtProject) -> str:
    """The adapter type (`duckdb`, `spark`) of the profile target the project runs on."""
    profiles = yaml.safe_load((Path(project.project_dir) / "profiles.yml").read_text())
    profile = profiles["broker_segments"]
    target = project.target or profile["target"]
    if target not in profile["outputs"]:
        raise ValueError(
            f"profiles.yml has no target '{target}' (DBT_TARGET); "
            f"its targets: {', '.join(profile['outputs'])}."
        )
    return profile["outputs"][target]["type"]


def prepare_project(project: DbtProject, dbt: DbtCliResource) -> None:
    """Write the manifest with `dbt parse` when it is missing, or always under `dagster dev`."""
    if project.preparer.using_dagster_dev() or not project.manifest_path.exists():
        dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()
    if not project.manifest_path.exists():
        raise FileNotFoundError(
            f"No dbt manifest at {project.manifest_path} after `dbt parse`: "
            f"run `dbt parse` in {project.project_dir} and read its error."
        )


def dbt_project(
    project_dir: Path | str | None = None,
    target_path: Path | str | None = None,
    target: str | None = None,
) -> DbtProject:
    """The DbtProject; each argument defaults to the environment (DBT_TARGET_PATH, DBT_TARGET)."""
    return DbtProject(
        project_dir=Path(project_dir) if project_dir else default_project_dir(),
        target_path=Path(target_path or os.environ.get("DBT_TARGET_PATH") or "target"),
        target=target or os.environ.get("DBT_TARGET"),
    )


def dbt_resource(project: DbtProject, dbt_executable: str | None = None) -> DbtCliResource:
    """The dbt CLI resource of ``project``: the dbt beside this Python unless given."""
    return DbtCliResource(
        project_dir=project,
        dbt_executable=dbt_executable or default_dbt_executable(),
        target=project.target,
    )
