"""Segmentation quality: a fit on a sample of the fitting sample against a fit on all of it."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .floor import warehouse_fitting_sample_sql

if TYPE_CHECKING:
    from broker_segments.segmentation.config import SchemeConfig

DEFAULT_ARI_SAMPLE = 200_000


def default_sample_size(customers: int) -> int:
    """The sample of the sample-versus-full fit: DEFAULT_ARI_SAMPLE, or a fifth of the
    customers (at least 1,000) below twice that."""
    if customers > 2 * DEFAULT_ARI_SAMPLE:
        return DEFAULT_ARI_SAMPLE
    return max(customers // 5, 1000)


def segmentation_config(manifest: Mapping[str, Any], scheme: str) -> SchemeConfig:
    """The scheme's configuration dbt passes its fit model (the rendered `segmentation` config,
    parsed as the fit parses it; the run options set apart)."""
    from broker_segments.segmentation.warehouse import parse_settings

    for node in manifest["nodes"].values():
        if node.get("resource_type") == "model" and node.get("name") == (
            f"segmentation_fit_scheme_{scheme.lower()}"
        ):
            config, _ = parse_settings(scheme, (node.get("config") or {}).get("segmentation"))
            return config
    raise RuntimeError(f"no model segmentation_fit_scheme_{scheme.lower()} in the manifest")


def sample_versus_full(
    database: Path,
    manifest: Mapping[str, Any],
    sample_size: int,
    schemes: Sequence[str] = "AB",
    fitting_sample_sql: Callable[[Sequence[str]], str] = warehouse_fitting_sample_sql,
) -> dict[str, dict[str, Any]]:
    """Per scheme: the fitting sample's size, fit seconds without and with the sample, and the
    adjusted Rand index between the two fits' segments of the fitting sample (read from
    database with fitting_sample_sql: the warehouse's customer_indicators, or the floor's
    table)."""
    import duckdb
    from sklearn.metrics import adjusted_rand_score

    from broker_segments.segmentation.config import config_from_vars
    from broker_segments.segmentation.fit import fit_scheme

    out: dict[str, dict[str, Any]] = {}
    for scheme in schemes:
        config = segmentation_config(manifest, scheme)
        full_config = config_from_vars(config, {"fit_sample_size": None})
        sample_config = config_from_vars(config, {"fit_sample_size": sample_size})
        query = fitting_sample_sql(["customer_id", *full_config.inputs])
        with duckdb.connect(str(database), read_only=True) as con:
            frame = con.execute(query).df()
        for column in full_config.inputs:
            frame[column] = frame[column].astype("float64")
        fits = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for label, config in (("full", full_config), ("sample", sample_config)):
                started = time.perf_counter()
                result = fit_scheme(frame, config, model_id=f"bench-{scheme}-{label}")
                fits[label] = (time.perf_counter() - started, result.assignments)
        full = fits["full"][1].set_index("customer_id")["segment_code"]
        sample = fits["sample"][1].set_index("customer_id")["segment_code"].reindex(full.index)
        out[scheme] = {
            "fitting_sample": len(frame),
            "sample_size": min(sample_size, len(frame)),
            "full_fit_seconds": fits["full"][0],
            "sample_fit_seconds": fits["sample"][0],
            "adjusted_rand_index": float(adjusted_rand_score(full, sample)),
            "same_segment_share": float((full == sample).mean()),
        }
    return out
