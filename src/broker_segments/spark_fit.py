"""The segment fits on the spark target, where dbt cannot run the Python models.

    python -m broker_segments.spark_fit [--manifest PATH] [--target spark]

Run between the dbt step that builds ``customer_indicators`` and the one that reads the fits
(README, *Running on Spark*): for each scheme it reads the fit's inputs through Spark, fits with
the Python models' code (:func:`broker_segments.segmentation.warehouse.fit_from_settings`)
and appends the artifact rows to the scheme's table of source ``segment_fits``; a run that
keeps every stored model returns without starting Spark.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import yaml

from broker_segments.project import FIT_MODELS, INDICATOR_NAMES, spark_table_folder
from broker_segments.segmentation.errors import SegmentationError
from broker_segments.segmentation.warehouse import (
    FITTING_SAMPLE_FLAG,
    WAREHOUSE_ARTIFACT_COLUMNS,
    FitFrames,
    fit_from_settings,
    keeps_stored_model,
    parse_settings,
)

PROJECT = "broker_segments"
# What the fit reads of customer_indicators besides the inputs (why the sample is short).
INDICATOR_FLAGS = ("is_closed", "has_short_history", "is_outlier")
# The fit table's columns (WAREHOUSE_ARTIFACT_COLUMNS) as the Python model's table has them.
ARTIFACT_SCHEMA = pa.schema(
    [
        ("model_id", pa.string()),
        ("scheme", pa.string()),
        ("as_of_date", pa.date32()),
        ("artifact", pa.string()),
        ("row_key", pa.string()),
        ("column_key", pa.string()),
        ("value", pa.float64()),
        ("text_value", pa.string()),
    ]
)


def spark_settings(profiles: Path, target: str) -> dict[str, str]:
    """The target's server_side_parameters, rendered as dbt renders profiles.yml."""
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    set_invocation_context(os.environ)  # env_var() reads the environment through it

    outputs = yaml.safe_load(profiles.read_text())[PROJECT]["outputs"]
    if target not in outputs or outputs[target].get("method") != "session":
        raise SystemExit(
            f"profiles.yml: target '{target}' is not a Spark target with method: session; "
            f"the fit command starts its own SparkSession (see README, Running on Spark)."
        )
    rendered = ProfileRenderer({}).render_data(outputs[target])
    return {key: str(value) for key, value in rendered.get("server_side_parameters", {}).items()}


def manifest_nodes(manifest: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fit models' configs (disabled on Spark, still rendered) and the sources by name."""
    data = json.loads(manifest.read_text())
    models = {}
    for name in FIT_MODELS.values():
        unique_id = f"model.{PROJECT}.{name}"
        node = (
            data["nodes"].get(unique_id) or (data.get("disabled", {}).get(unique_id) or [None])[0]
        )
        if node is None:
            raise SystemExit(f"{manifest}: no model {name}; run dbt (parse) for this target first.")
        models[name] = node
    sources = {
        node["identifier"]: node
        for node in data["sources"].values()
        if node["package_name"] == PROJECT
    }
    return models, sources


def relation_name(node: dict[str, Any]) -> str:
    return ".".join(
        part
        for part in (
            node.get("schema"),
            node.get("alias") or node.get("identifier") or node["name"],
        )
        if part
    )


def to_duckdb(con: duckdb.DuckDBPyConnection, frame: Any) -> duckdb.DuckDBPyRelation:
    """A Spark DataFrame as a DuckDB relation (through Arrow, no row-by-row copy)."""
    return con.from_arrow(frame.toArrow())


def fit_scheme_on_spark(
    spark: Any, scheme: str, model: dict[str, Any], sources: dict[str, Any], schema: str
) -> int:
    """Fit one scheme as its dbt Python model would; append the new model. Returns its rows."""
    name = FIT_MODELS[scheme]
    con = duckdb.connect()
    indicators_table = f"{schema}.customer_indicators"
    present = set(spark.table(indicators_table).columns)
    columns = ["customer_id", "as_of_date", FITTING_SAMPLE_FLAG, *INDICATOR_FLAGS]
    columns += [name for name in INDICATOR_NAMES if name in present]
    fits_table = relation_name(sources[name])
    existing = None
    if spark.catalog.tableExists(fits_table):
        existing = to_duckdb(con, spark.table(fits_table).where(f"scheme = '{scheme}'"))
    frames = FitFrames(
        indicators=to_duckdb(con, spark.table(indicators_table).select(*columns)),
        existing=existing,
        invocation=to_duckdb(con, spark.table(f"{schema}.int_dbt_invocation")),
        catalogue=to_duckdb(con, spark.table(f"{schema}.segment_catalogue")),
        twins=to_duckdb(con, spark.table(f"{schema}.int_segment_twin_inputs")),
    )
    artifacts = fit_from_settings(frames, scheme, model["config"].get("segmentation"))
    # NaN is null, as DuckDB stores a pandas NaN of the Python model's frame.
    rows = pa.Table.from_pandas(
        artifacts[list(WAREHOUSE_ARTIFACT_COLUMNS)], schema=ARTIFACT_SCHEMA, preserve_index=False
    )
    spark.createDataFrame(rows).write.format("parquet").mode("append").saveAsTable(fits_table)
    return rows.num_rows


def stored_fits(
    con: duckdb.DuckDBPyConnection, warehouse: Path, schema: str, name: str
) -> duckdb.DuckDBPyRelation | None:
    """The fit table's rows (its Parquet files in the warehouse folder) read by DuckDB, or
    None before the first fit."""
    files = sorted(spark_table_folder(warehouse, name, schema).glob("*.parquet"))
    return con.read_parquet([str(file) for file in files]) if files else None


def every_scheme_keeps_its_model(
    models: dict[str, Any], sources: dict[str, Any], warehouse: Path
) -> bool:
    """Whether no scheme fits in this run (keeps_stored_model on the stored fits, with the
    settings the fit model's config gives)."""
    con = duckdb.connect()
    return all(
        keeps_stored_model(
            stored_fits(con, warehouse, sources[name]["schema"], name),
            *parse_settings(scheme, models[name]["config"].get("segmentation")),
        )
        for scheme, name in FIT_MODELS.items()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # dbt writes the manifest into DBT_TARGET_PATH when that is set, else target/.
    target_path = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    parser.add_argument("--manifest", type=Path, default=target_path / "manifest.json")
    parser.add_argument("--profiles", type=Path, default=Path("profiles.yml"))
    parser.add_argument("--target", default="spark")
    args = parser.parse_args(argv)

    models, sources = manifest_nodes(args.manifest)
    settings = spark_settings(args.profiles, args.target)
    try:
        # a warehouse folder this machine cannot list (hdfs://, s3a://) is read through Spark
        warehouse = Path(settings.get("spark.sql.warehouse.dir", ""))
        if warehouse.is_dir() and every_scheme_keeps_its_model(models, sources, warehouse):
            print("every scheme keeps its stored model: nothing to fit (Spark not started)")
            return 0
    except SegmentationError as error:
        print(f"segment fit failed: {error}", file=sys.stderr)
        return 1

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("broker_segments fit").enableHiveSupport()
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    schema = next(iter(models.values()))["schema"]
    try:
        for scheme, name in FIT_MODELS.items():
            started = time.monotonic()
            rows = fit_scheme_on_spark(spark, scheme, models[name], sources, schema)
            seconds = time.monotonic() - started
            print(f"scheme {scheme}: {rows:,} artifact rows appended in {seconds:.1f} s")
    except SegmentationError as error:
        print(f"segment fit failed: {error}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
