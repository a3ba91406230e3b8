"""The warehouse form of a fit: one long frame, written from a FitResult and read back.

``result_to_artifacts(result)`` is the dbt Python model's return value, a row per cell of an
artifact (a table of the fit); ``scoring_parameters`` reads back what scoring needs. Which
artifacts there are and what their rows hold is the catalogue ``artifacts.yml`` beside this
module (``make generate`` writes the SQL macro and docs/artifacts.md from it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from . import cluster
from .errors import SegmentationInputError
from .records import FitResult

# The artifact catalogue (artifacts.yml): the long frame's columns and the artifacts in order.
ARTIFACT_REGISTRY: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "artifacts.yml").read_text(encoding="utf-8")
)
ARTIFACT_COLUMNS: tuple[str, ...] = tuple(column["name"] for column in ARTIFACT_REGISTRY["columns"])
ARTIFACTS: tuple[str, ...] = tuple(entry["name"] for entry in ARTIFACT_REGISTRY["artifacts"])
# The column_keys of model_run the fit writes itself, those every fit writes (not optional):
# a run_metadata key may not take one.
_MODEL_RUN = next(e for e in ARTIFACT_REGISTRY["artifacts"] if e["name"] == "model_run")[
    "diagnostics"
]
RESERVED_MODEL_RUN_KEYS: tuple[str, ...] = tuple(
    name for name, _ in _MODEL_RUN["columns"] if name not in _MODEL_RUN.get("optional", [])
)


class _Blocks:
    """Collects artifact cells as arrow arrays and builds the frame once."""

    def __init__(self) -> None:
        self.parts: list[tuple[str, pa.Array, pa.Array, np.ndarray, pa.Array]] = []

    def add(
        self,
        artifact: str,
        row_keys: Sequence[Any] | pa.Array,
        column_keys: Sequence[Any] | pa.Array,
        values: Sequence[float] | np.ndarray | None = None,
        texts: Sequence[str | None] | None = None,
    ) -> None:
        rows = row_keys if isinstance(row_keys, pa.Array) else pa.array([str(r) for r in row_keys])
        n = len(rows)
        if isinstance(column_keys, pa.Array):
            columns = column_keys
        else:
            columns = pa.array([str(c) for c in column_keys], type=pa.string())
        value_array = np.full(n, np.nan) if values is None else np.asarray(values, dtype=np.float64)
        text_array = pa.nulls(n, pa.string()) if texts is None else pa.array(texts, pa.string())
        if not (len(columns) == len(value_array) == len(text_array) == n):
            raise ValueError(f"artifact {artifact}: ragged block")
        self.parts.append((artifact, rows, columns, value_array, text_array))

    def add_frame(self, artifact: str, frame: pd.DataFrame, dropna: bool = False) -> None:
        """A wide numeric frame: index -> row_key, columns -> column_key."""
        values = frame.to_numpy(dtype=np.float64)
        row_keys = np.repeat(
            np.asarray([_key(i) for i in frame.index], dtype=object), frame.shape[1]
        )
        column_keys = np.tile(np.asarray([str(c) for c in frame.columns], dtype=object), len(frame))
        flat = values.ravel()
        if dropna:
            keep = ~np.isnan(flat)
            row_keys, column_keys, flat = row_keys[keep], column_keys[keep], flat[keep]
        self.add(artifact, list(row_keys), list(column_keys), flat)

    def frame(self, model_id: str, scheme: str) -> pd.DataFrame:
        lengths = [len(p[1]) for p in self.parts]
        total = sum(lengths)
        artifact = pa.chunked_array(
            [_constant(p[0], len(p[1])) for p in self.parts], type=pa.string()
        )
        table = pa.table(
            {
                "model_id": _constant(model_id, total),
                "scheme": _constant(scheme, total),
                "artifact": artifact,
                "row_key": pa.chunked_array([p[1] for p in self.parts], type=pa.string()),
                "column_key": pa.chunked_array([p[2] for p in self.parts], type=pa.string()),
                "value": pa.array(
                    np.concatenate([p[3] for p in self.parts]) if total else np.empty(0),
                    type=pa.float64(),
                    from_pandas=False,
                ),
                "text_value": pa.chunked_array([p[4] for p in self.parts], type=pa.string()),
            }
        )
        frame = table.to_pandas()
        for column in ("model_id", "scheme", "artifact", "row_key", "column_key", "text_value"):
            if frame[column].dtype != "str":
                frame[column] = frame[column].astype("str")
        frame["value"] = frame["value"].astype(np.float64)
        return frame


def _constant(text: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(text, pa.string()), n)


def _key(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _metadata_cell(value: Any) -> tuple[float, str | None]:
    if isinstance(value, bool):
        return float(value), None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value), None
    if value is None:
        return np.nan, None
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp):
        return np.nan, value.isoformat()
    if isinstance(value, dict | list | tuple):
        return np.nan, json.dumps(value, default=_json_default, sort_keys=True, ensure_ascii=False)
    return np.nan, str(value)


def _min_distance(centres: pd.DataFrame | None) -> float:
    """Smallest distance between two different rows of ``centres`` (NaN for fewer than 2)."""
    if centres is None or len(centres) < 2:
        return np.nan
    d = cluster.centre_distances(centres).to_numpy()
    return float(d[np.triu_indices(len(d), k=1)].min())


def result_to_artifacts(result: FitResult, include_assignments: bool = True) -> pd.DataFrame:
    """Build the long artifact frame of ``result`` (catalogue: artifacts.yml)."""
    from .. import __version__

    clash = sorted(set(result.run.run_metadata) & set(RESERVED_MODEL_RUN_KEYS))
    if clash:
        raise ValueError(f"run_metadata keys {clash} clash with model_run statistics")
    blocks = _Blocks()
    config = result.config
    standardisation = result.standardisation

    standard = pd.DataFrame(
        {
            "position": np.arange(1, len(result.inputs) + 1, dtype=float),
            "mean": standardisation.mean.to_numpy(),
            "std": standardisation.std.to_numpy(),
            "null_fill": [standardisation.null_fill.get(name, np.nan) for name in result.inputs],
        },
        index=result.inputs,
    )
    blocks.add_frame("standardisation", standard)
    blocks.add(
        "standardisation",
        result.inputs,
        ["transform"] * len(result.inputs),
        texts=[standardisation.transforms[name] for name in result.inputs],
    )
    bins = standardisation.reference_bins
    if bins is not None and len(bins):
        keyed = bins.drop(columns="input_name")
        keyed.index = [f"{n}:{b}" for n, b in zip(bins["input_name"], bins["bin"], strict=True)]
        # bin 1 has no lower edge and the last bin no upper edge: no cell, a null column in SQL
        blocks.add_frame("input_reference_bin", keyed, dropna=True)
    if standardisation.dropped_inputs:
        names = list(standardisation.dropped_inputs)
        blocks.add(
            "dropped_input",
            names,
            ["reason"] * len(names),
            texts=[standardisation.dropped_inputs[name] for name in names],
        )
        blocks.add(
            "dropped_input",
            names,
            ["constant_value"] * len(names),
            [standardisation.dropped_values[name] for name in names],
        )

    fm = result.factor_model
    factor_step = result.factor_step
    if fm is not None and factor_step is not None:
        kmo = factor_step.kmo_per_variable.to_frame("kmo")
        kmo.loc["overall"] = factor_step.kmo_overall
        blocks.add_frame("kmo", kmo)
        blocks.add_frame("bartlett", pd.DataFrame(factor_step.bartlett, index=["overall"]))
        blocks.add_frame("communality", fm.communalities)
        blocks.add_frame("variance_explained", fm.variance_explained, dropna=True)
        blocks.add_frame("unrotated_loading", fm.unrotated_loadings)
        blocks.add_frame("rotated_loading", fm.loadings)
        blocks.add_frame("factor_score_coefficient", fm.score_coefficients)
        blocks.add_frame("correlation_matrix", fm.correlation)
        blocks.add_frame("anti_image_covariance", fm.anti_image_covariance)
        blocks.add_frame("anti_image_correlation", fm.anti_image_correlation)
        blocks.add_frame("reproduced_correlation", fm.reproduced_correlation)
        blocks.add_frame("residual_correlation", fm.residual_correlation, dropna=True)
        blocks.add_frame("factor_summary", pd.DataFrame(fm.summary, index=["overall"]), dropna=True)
        blocks.add_frame("component_transformation", fm.transformation)
        if len(fm.rotation_history):
            blocks.add_frame("rotation_iteration", fm.rotation_history, dropna=True)

    blocks.add_frame("cluster_centre", result.centres)
    if result.clustering.initial_centres is not None:
        blocks.add_frame("initial_cluster_centre", result.clustering.initial_centres)
    iterations = result.clustering.kmeans_iterations
    if iterations is not None and len(iterations):
        keyed = iterations.copy()
        keyed.index = [f"{step}:{code}" for step, code in iterations.index]
        blocks.add_frame("kmeans_iteration", keyed)
    blocks.add_frame("cluster_profile", result.clustering.profile)
    if result.clustering.median_profile is not None:
        blocks.add_frame("cluster_median_profile", result.clustering.median_profile)
    blocks.add_frame("cluster_size", result.clustering.sizes)
    naming = result.naming
    numeric = naming[["naming_step", "sort_order", "ambiguous", "ambiguity_group"]]
    blocks.add_frame("segment_naming", numeric.astype(float))
    naming_texts = (
        "segment_name",
        "segment_name_zh",
        "criterion",
        "naming_method",
        "rule_segment_code",
    )
    for column in naming_texts:
        blocks.add(
            "segment_naming",
            list(naming.index),
            [column] * len(naming),
            texts=naming[column].astype(str).tolist(),
        )
    match = result.segment_naming.previous_match
    if match is not None and len(match):
        blocks.add(
            "previous_model_match",
            list(match.index),
            ["previous_segment_code"] * len(match),
            texts=match["previous_segment_code"].astype(str).tolist(),
        )
        blocks.add(
            "previous_model_match",
            list(match.index),
            ["match_distance"] * len(match),
            match["match_distance"].to_numpy(dtype=np.float64),
        )
    blocks.add_frame("centre_distance", result.clustering.centre_distances)
    blocks.add_frame("anova", result.clustering.anova)
    blocks.add_frame("classification_function", result.discrimination.classification_functions)
    blocks.add_frame("assignment_function", result.discrimination.assignment_functions)
    # an undefined rate (NaN, a null in SQL) carries its reason in the cell's text_value
    hit_rates = result.discrimination.hit_rates
    reasons = result.discrimination.hit_rate_reasons.reindex_like(hit_rates)
    blocks.add(
        "hit_rate",
        np.repeat(hit_rates.index.astype(str), hit_rates.shape[1]),
        np.tile(hit_rates.columns.astype(str), len(hit_rates)),
        hit_rates.to_numpy(dtype=np.float64).ravel(),
        texts=[None if pd.isna(r) else str(r) for r in reasons.to_numpy().ravel()],
    )
    confusion = result.discrimination.classification_results
    if confusion is not None and len(confusion):
        keyed = confusion.copy()
        keyed.index = [f"{method}:{actual}" for method, actual in confusion.index]
        blocks.add_frame("classification_result", keyed)
    if result.discrimination.discriminant_functions is not None:
        blocks.add_frame("discriminant_function", result.discrimination.discriminant_functions)
    # SPSS DISCRIMINANT's other tables (spss-discriminant)
    if result.discrimination.group_statistics is not None:
        keyed = result.discrimination.group_statistics.copy()
        keyed.index = [f"{segment}:{name}" for segment, name in keyed.index]
        blocks.add_frame("group_statistic", keyed)
        blocks.add_frame("group_means_test", result.discrimination.group_means_tests)
        box = result.discrimination.box_m
        statistics = ["box_m", "f", "df1", "df2", "p_value", "groups_used"]
        blocks.add(
            "box_m_test", ["overall"] * len(statistics), statistics, [box[c] for c in statistics]
        )
        if box.get("note"):
            blocks.add("box_m_test", ["overall"], ["note"], texts=[box["note"]])
        blocks.add_frame("log_determinant", result.discrimination.log_determinants)
        blocks.add_frame("canonical_coefficient", result.discrimination.canonical_coefficients)
        blocks.add_frame("structure_matrix", result.discrimination.structure_matrix)
        blocks.add_frame("group_centroid", result.discrimination.group_centroids)
        blocks.add_frame("group_prior", result.discrimination.group_priors)
    # end SPSS DISCRIMINANT's other tables
    twins = result.twin_placement
    if twins is not None:
        blocks.add_frame("twin_standardisation", twins.standardisation_frame())
        blocks.add(
            "twin_standardisation",
            twins.inputs,
            ["transform"] * len(twins.inputs),
            texts=twins.transforms(),
        )
        blocks.add_frame("twin_function", twins.functions_frame()[[*twins.inputs, "constant"]])
    blocks.add_frame("k_selection", result.clustering.k_selection)

    # model_run
    cumulative = (
        float(fm.variance_explained["rotation_cum_pct"].dropna().iloc[-1]) if fm else np.nan
    )
    numbers = {
        "n_rows": result.run.n_rows,
        "n_fit_sample": result.run.n_fit,
        "n_inputs": len(result.inputs),
        "n_dropped_inputs": len(standardisation.dropped_inputs),
        "n_factors": len(result.model_variables) if fm else np.nan,
        "k": config.k,
        "kmo": factor_step.kmo_overall if factor_step else np.nan,
        "low_adequacy": float(factor_step.kmo_overall < config.kmo_warning_threshold)
        if factor_step
        else np.nan,
        "cumulative_variance_pct": cumulative,
        "inertia": result.clustering.inertia,
        "cv_hit_rate": result.discrimination.hit_rates.loc["leave_one_out", "overall"],
        "resubstitution_hit_rate": result.discrimination.hit_rates.loc["resubstitution", "overall"],
        "random_seed": config.random_seed,
        "n_init": config.n_init,
        "fit_seconds": result.run.fit_seconds,
        "kmeans_label_mismatches": result.clustering.kmeans_label_mismatches,
        "codes_matched_to_previous": result.segment_naming.codes_matched_to_previous,
        "kmeans_iterations": (
            iterations.index.get_level_values("iteration").max()
            if iterations is not None and len(iterations)
            else np.nan
        ),
        "min_initial_centre_distance": _min_distance(result.clustering.initial_centres),
    }
    texts = {
        "model_variables": ",".join(result.model_variables),
        "segment_codes": ",".join(result.segment_codes),
        "config": json.dumps(dataclasses.asdict(config), default=_json_default),
        "package_version": __version__,
        "fitted_at_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "warnings": "; ".join(result.run.warnings) if result.run.warnings else None,
        "previous_model_id": result.segment_naming.previous_model_id,
    }
    metadata = {key: _metadata_cell(value) for key, value in result.run.run_metadata.items()}
    keys = list(numbers) + list(texts) + list(metadata)
    blocks.add(
        "model_run",
        ["run"] * len(keys),
        keys,
        [float(v) for v in numbers.values()]
        + [np.nan] * len(texts)
        + [v for v, _ in metadata.values()],
        [None] * len(numbers) + list(texts.values()) + [t for _, t in metadata.values()],
    )

    if include_assignments:
        a = result.assignments
        ids = pa.array(a["customer_id"].astype(str).to_numpy(dtype=object), pa.string())
        n = len(a)
        blocks.add(
            "fitted_assignment",
            ids,
            _constant("segment_code", n),
            texts=a["segment_code"].tolist(),
        )
        for column in ("distance_to_centre", *result.model_variables, "in_fit_sample"):
            blocks.add(
                "fitted_assignment",
                ids,
                _constant(column, n),
                a[column].to_numpy(dtype=np.float64),
            )
    return blocks.frame(result.model_id, result.scheme)


def scoring_parameters(artifacts: pd.DataFrame, model_id: str | None = None) -> dict[str, Any]:
    """The keyword arguments of ``scoring.ScoringModel`` read back from the long artifact frame
    (one model_id): the reading lives here, next to the writing, so the two sides of the
    catalogue change together; scoring only consumes the parameters.

    Scoring reads standardisation, factor_score_coefficient, cluster_centre, segment_naming
    (sort order), assignment_function (else, for a model stored without it,
    classification_function) and model_run (model_variables); a new customer is placed by
    twin_standardisation and twin_function where the model has them. The SQL scoring does the
    same arithmetic: nulls filled with ``null_fill``, transform, z = (t - mean) / std,
    factor_j = sum_i z_i * coefficient_ij, the nearest centre over the model variables, ties to
    the lower sort_order."""
    ids = artifacts["model_id"].unique()
    if model_id is None:
        if len(ids) != 1:
            raise SegmentationInputError(
                f"artifacts hold {len(ids)} model_ids {sorted(map(str, ids))[:5]}; pass model_id"
            )
        model_id = str(ids[0])
    a = artifacts[artifacts["model_id"] == model_id]
    if a.empty:
        raise SegmentationInputError(f"no artifacts for model_id {model_id!r}")

    # pivot, not pivot_table: a duplicate (row_key, column_key) must fail, not be averaged.
    def table(name: str, text: bool = False) -> pd.DataFrame:
        part = a[a["artifact"] == name]
        if text:
            part = part[part["text_value"].notna()]
            return part.pivot(index="row_key", columns="column_key", values="text_value")  # noqa: PD010
        part = part[part["text_value"].isna()]
        return part.pivot(index="row_key", columns="column_key", values="value")  # noqa: PD010

    standard = table("standardisation").sort_values("position")
    inputs = tuple(standard.index)
    transforms = table("standardisation", text=True)["transform"].to_dict()
    run = a[a["artifact"] == "model_run"].set_index("column_key")
    model_variables = tuple(str(run.loc["model_variables", "text_value"]).split(","))
    naming = table("segment_naming").sort_values("sort_order")
    codes = tuple(naming.index)
    coefficients = None
    if (a["artifact"] == "factor_score_coefficient").any():
        coefficients = (
            table("factor_score_coefficient").loc[list(inputs), list(model_variables)]
        ).to_numpy()
    centres = table("cluster_centre").loc[list(codes), list(model_variables)].to_numpy()
    functions = table("classification_function").loc[list(codes)]
    assignment_coefficients = assignment_constants = None
    if (a["artifact"] == "assignment_function").any():
        assignment = table("assignment_function").loc[list(codes)]
        assignment_coefficients = assignment[list(model_variables)].to_numpy()
        assignment_constants = assignment["constant"].to_numpy()
    return dict(
        model_id=model_id,
        scheme=str(a["scheme"].iloc[0]),
        inputs=inputs,
        transforms={k: str(v) for k, v in transforms.items()},
        null_fill={k: float(v) for k, v in standard["null_fill"].items() if not np.isnan(v)},
        mean=standard["mean"].to_numpy(),
        std=standard["std"].to_numpy(),
        score_coefficients=coefficients,
        model_variables=model_variables,
        segment_codes=codes,
        centres=centres,
        function_coefficients=functions[list(inputs)].to_numpy(),
        function_constants=functions["constant"].to_numpy(),
        assignment_coefficients=assignment_coefficients,
        assignment_constants=assignment_constants,
    )
