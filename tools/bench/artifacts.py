"""dbt's artifacts of a build (``run_results.json``, ``manifest.json``) and the warehouse's row
counts, into per-node figures (layer, seconds, CPU, peak RSS, rows) and per-layer sums."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from .monitor import Measured, cpu_between, peak_between

OK_STATUSES = ("success", "pass", "warn", "no-op")

# A model's layer is its one layer tag (``+tags`` of its folder in dbt_project.yml), named with
# a space for the underscore; tests, seeds, snapshots, hooks and exposures are layers of their
# own by their resource type. A model with no layer tag, or two, is in "other" (a test of
# tests/python/test_bench.py fails on it first).
LAYER_TAGS = (
    "staging",
    "validation",
    "indicators",
    "segmentation_fit",
    "segmentation_score",
    "diagnostics",
    "business",
)


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def node_interval(result: Mapping[str, Any]) -> tuple[float, float] | None:
    """(start, end) unix times of a run_results entry: compile start to execute end."""
    stamps = [
        parse_time(t[key])
        for t in result.get("timing", [])
        for key in ("started_at", "completed_at")
        if t.get(key)
    ]
    return (min(stamps), max(stamps)) if stamps else None


def layer_tags(node: Mapping[str, Any]) -> list[str]:
    """The node's tags that name a layer (LAYER_TAGS)."""
    return [tag for tag in node.get("tags") or [] if tag in LAYER_TAGS]


def layer_of(node: Mapping[str, Any]) -> str:
    """The benchmark layer of a manifest node: by its resource type, else its layer tag."""
    kind = node.get("resource_type", "")
    if kind in ("test", "unit_test"):
        return "tests"
    if kind in ("seed", "snapshot"):
        return kind + "s"
    if kind == "operation":
        return "hooks"
    if kind == "exposure":
        return "exposures"
    tags = layer_tags(node)
    return tags[0].replace("_", " ") if len(tags) == 1 else "other"


def manifest_node(manifest: Mapping[str, Any], unique_id: str) -> dict[str, Any]:
    """The manifest entry of a run_results node (unit tests have their own section); a minimal
    one from the id when the manifest has none (e.g. a project hook)."""
    for section in ("nodes", "unit_tests"):
        if unique_id in manifest.get(section, {}):
            return manifest[section][unique_id]
    kind, _, rest = unique_id.partition(".")
    return {"resource_type": kind, "name": rest.rsplit(".", 1)[-1]}


def relation_name(node: Mapping[str, Any]) -> str | None:
    alias = node.get("alias") or node.get("name")
    schema = node.get("schema")
    if not alias or not schema:
        return None
    return f'"{schema}"."{alias}"'


def count_rows(warehouse: Path, manifest: Mapping[str, Any]) -> dict[str, int]:
    """count(*) of every table-like model and seed in the warehouse (views are not counted)."""
    import duckdb

    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        existing = {
            (schema, name)
            for schema, name, kind in con.execute(
                "select table_schema, table_name, table_type from information_schema.tables"
            ).fetchall()
            if kind == "BASE TABLE"
        }
        for unique_id, node in manifest["nodes"].items():
            if node.get("resource_type") not in ("model", "seed", "snapshot"):
                continue
            if (node.get("schema"), node.get("alias") or node.get("name")) not in existing:
                continue
            query = f"select count(*) from {relation_name(node)}"
            counts[unique_id] = con.execute(query).fetchone()[0]
    return counts


def source_rows(manifest: Mapping[str, Any], raw_summary: Mapping[str, Any]) -> dict[str, int]:
    """Rows of each raw source, from the generator's summary (every row of its Parquet files)."""
    rows = {}
    for unique_id, source in manifest.get("sources", {}).items():
        table = source.get("identifier") or source.get("name")
        entry = raw_summary.get("tables", {}).get(table) or raw_summary.get("tables", {}).get(
            source.get("name")
        )
        if entry:
            rows[unique_id] = int(entry["rows_written"])
    return rows


def input_rows(
    unique_id: str,
    manifest: Mapping[str, Any],
    counts: Mapping[str, int],
    sources: Mapping[str, int],
    _seen: frozenset[str] = frozenset(),
) -> int | None:
    """Rows of the node's direct parents: a source by its Parquet rows, a counted table by its
    count, a view (not counted) by its own parents' rows, recursively."""
    node = manifest["nodes"].get(unique_id) or {}
    total, known = 0, False
    for parent in node.get("depends_on", {}).get("nodes", []):
        if parent in _seen:
            continue
        if parent in sources:
            total, known = total + sources[parent], True
        elif parent in counts:
            total, known = total + counts[parent], True
        elif parent in manifest["nodes"]:
            rows = input_rows(parent, manifest, counts, sources, _seen | {unique_id})
            if rows is not None:
                total, known = total + rows, True
    return total if known else None


@dataclasses.dataclass
class BuildResult:
    name: str
    measured: Measured
    nodes: list[dict[str, Any]]
    elapsed_dbt: float | None
    ok: bool
    project: str = ""


def summarise_build(
    name: str,
    measured: Measured,
    run_results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    counts_after: Mapping[str, int],
    counts_before: Mapping[str, int] | None,
    sources: Mapping[str, int],
) -> BuildResult:
    """Per node: layer, status, seconds, peak RSS while it ran, rows in / out, rows/s."""
    nodes = []
    for result in run_results.get("results", []):
        unique_id = result["unique_id"]
        node = manifest_node(manifest, unique_id)
        kind = node["resource_type"]
        materialized = (node.get("config") or {}).get("materialized")
        seconds = float(result.get("execution_time") or 0.0)
        interval = node_interval(result)
        peak = peak_between(measured.samples, *interval) if interval else None
        cpu = cpu_between(measured.cpu_samples, *interval) if interval else None
        rows_out = counts_after.get(unique_id)
        if kind in ("model", "seed", "snapshot"):
            if materialized == "incremental" and counts_before is not None:
                before = counts_before.get(unique_id)
                rows_in = None if rows_out is None or before is None else rows_out - before
            elif kind == "seed":
                rows_in = rows_out
            else:
                rows_in = input_rows(unique_id, manifest, counts_after, sources)
        else:
            rows_in = None
        nodes.append(
            {
                "unique_id": unique_id,
                "name": node.get("name") or unique_id.rsplit(".", 1)[-1],
                "resource_type": kind,
                "layer": layer_of(node),
                "materialized": materialized,
                "status": result.get("status"),
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_rss_bytes": peak,
                "rows_in": rows_in,
                "rows_out": rows_out,
                # a view processes no row when it is built
                "rows_per_second": rows_in / seconds
                if rows_in and seconds > 0 and materialized != "view"
                else None,
            }
        )
    ok = measured.returncode == 0 and all(n["status"] in OK_STATUSES for n in nodes)
    return BuildResult(name, measured, nodes, run_results.get("elapsed_time"), ok)


def layer_seconds(nodes: Iterable[Mapping[str, Any]], key: str = "seconds") -> dict[str, float]:
    """Per layer, the sum of the nodes' ``key`` (``seconds``, or ``cpu_seconds``)."""
    totals: dict[str, float] = {}
    for node in nodes:
        totals[node["layer"]] = totals.get(node["layer"], 0.0) + (node.get(key) or 0.0)
    return totals
