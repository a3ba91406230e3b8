"""The warehouse form of a fit: one long frame, written from a FitResult and read back.

``FitResult.to_artifacts()`` returns ONE long DataFrame, the return value of the dbt Python
model. The SQL side reads it through one catalogue, the macro ``artifact_catalogue()``
(macros/segmentation/artifact_catalogue.sql), which ``artifact_table()`` turns into each
diagnostics model; tests/python/test_artifact_catalogue.py checks that catalogue against what
a fit writes. Columns:

============ ========= ==================================================================
column       dtype     meaning
============ ========= ==================================================================
model_id     str       the id passed to ``fit_scheme``
scheme       str       'A' or 'B'
artifact     str       which table (below)
row_key      str       the table's row (variable, component, segment code, k, customer_id)
column_key   str       the table's column (statistic, factor, variable, segment code)
value        float64   the number; NaN (read as NULL by DuckDB) when the cell is text or
                       undefined (e.g. the silhouette for a k the sample cannot support)
text_value   str       the text of text cells, else null
============ ========= ==================================================================

(artifact, row_key, column_key) is unique within a model_id. "input" below means a model input
kept after dropping zero-variance ones (configuration order); "model variable" means
``factor_1``..``factor_m`` with the factor step (scheme A), else the kept input's name (its z-score,
scheme B). Segment codes are e.g. ``vip`` (see ``naming``).

========================= ======================= ==========================================
artifact                  row_key                 column_key -> value / text_value
========================= ======================= ==========================================
standardisation           input                   ``position`` (1-based order of the input in
                                                  the model), ``mean``, ``std`` (of the
                                                  transformed input, population std, fit
                                                  sample), ``null_fill`` (raw value nulls are
                                                  filled with before the transform; NaN = no
                                                  fill) -> value; ``transform``
                                                  (``signed_log1p``/``log1p``/``none``) ->
                                                  text_value
input_reference_bin       ``<input>:<bin>``       the input's reference distribution on the
                          (bin ``1``..``b``,      fit sample, for drift (``transform.
                          b <= 10)                reference_bins``): ``bin``, ``lower_edge``
                                                  (no cell for bin 1), ``upper_edge`` (none
                                                  for the last bin) of the z-score, bin =
                                                  lower_edge < z <= upper_edge; ``fit_share``
                                                  (of the fit sample, 0..1; an input's bins
                                                  add up to 1) -> value
dropped_input             input dropped           ``reason`` -> text_value;
                                                  ``constant_value`` (its transformed
                                                  constant) -> value
kmo                       input, or ``overall``   ``kmo`` -> value (factor step only)
bartlett                  ``overall``             ``chi_square``, ``df``, ``p_value``, ``n``
                                                  -> value (factor step only)
communality               input                   ``initial`` (1.0), ``extraction`` -> value
variance_explained        component ``1``..``p``  ``initial_eigenvalue``,
                                                  ``initial_pct_variance``, ``initial_cum_pct``
                                                  for every component; ``extraction_ss_loadings``,
                                                  ``extraction_pct_variance``,
                                                  ``extraction_cum_pct``,
                                                  ``rotation_ss_loadings``,
                                                  ``rotation_pct_variance``,
                                                  ``rotation_cum_pct`` only for the kept
                                                  components ``1``..``m`` (SPSS leaves them
                                                  blank) -> value; percentages in 0..100
unrotated_loading         input                   ``factor_j`` -> principal-component loading
                                                  (SPSS "Component Matrix")
rotated_loading           input                   ``factor_j`` -> varimax-rotated loading
factor_score_coefficient  input                   ``factor_j`` -> regression coefficient
                                                  (W = R^-1 L); factor_j = sum over inputs of
                                                  z * coefficient
correlation_matrix        input                   input -> correlation of the two z-scores
                                                  in the fit sample, R (SPSS "Correlation
                                                  Matrix"; diagonal 1)
anti_image_covariance     input                   input -> P_ij / (P_ii P_jj), P = R^-1 (SPSS
                                                  "Anti-image Covariance"; diagonal 1 - the
                                                  squared multiple correlation)
anti_image_correlation    input                   input -> P_ij / sqrt(P_ii P_jj) (the
                                                  negative partial correlation); on the
                                                  diagonal the input's KMO (MSA, = ``kmo``)
reproduced_correlation    input                   input -> (L L')_ij of the unrotated loadings
                                                  (SPSS "Reproduced Correlation"; diagonal =
                                                  extraction communality)
residual_correlation      input                   another input -> R_ij - (L L')_ij (SPSS
                                                  "Residual"; no diagonal cells)
factor_summary            ``overall``             ``determinant`` (of R), ``large_residual_pct``
                                                  (percent of the p(p-1)/2 non-redundant
                                                  residuals with absolute value > 0.05, SPSS's
                                                  footnote; 0..100), ``rotation_sweeps``
                                                  (sweeps of the planar rotations; 0 without
                                                  rotation) -> value
component_transformation  ``factor_j``            ``factor_j`` (rotated) -> T_jk, with
                          (unrotated)             L_rot = L_unrot T (SPSS "Component
                                                  Transformation Matrix"), after the rotated
                                                  factors' reordering and signs
rotation_iteration        sweep ``0``..``s``      ``criterion`` (varimax criterion of the
                                                  Kaiser-normalised loadings after the sweep;
                                                  0 = the start), ``max_angle`` (largest
                                                  planar rotation of the sweep, radians; not
                                                  for sweep 0) -> value; no rows without a
                                                  rotation (see ``factor.varimax``)
cluster_centre            segment_code            model variable -> final centre coordinate
initial_cluster_centre    segment_code            model variable -> the centre the K-means run
                                                  that produced the model started from (SPSS
                                                  "Initial Cluster Centers"; see
                                                  ``cluster.fit_kmeans``)
kmeans_iteration          ``<iteration>:<code>``  that run's Lloyd steps (SPSS "Iteration
                          (iteration 1..N,        History"): ``change`` (Euclidean distance
                          segment_code)           the centre moved in the step), each model
                                                  variable (the centre after the step; at N
                                                  = ``cluster_centre``) -> value
cluster_profile           segment_code            every configured input (dropped ones too) ->
                                                  mean raw (untransformed, after null fill)
                                                  value over the segment's customers
cluster_median_profile    segment_code            every configured input -> median raw value
                                                  over the segment's customers (after null
                                                  fill); naming reads it for
                                                  ``annual_turnover`` (``naming``)
cluster_size              segment_code            ``n`` (customers), ``pct`` (0..100),
                                                  ``kmeans_cluster_number`` (K-means' own
                                                  1-based number; arbitrary) -> value
segment_naming            segment_code            ``naming_step``, ``sort_order``,
                                                  ``ambiguous`` (1 if the rule was ambiguous
                                                  for it, see ``naming``, else 0),
                                                  ``ambiguity_group`` (0, or the group's
                                                  lowest naming step) -> value;
                                                  ``segment_name``, ``segment_name_zh``,
                                                  ``criterion`` (why it got the name, with
                                                  the statistic read: mean, or median),
                                                  ``naming_method`` (``rule`` or
                                                  ``matched_previous``, see ``continuity``),
                                                  ``rule_segment_code`` (the code the rule
                                                  alone gives) -> text_value
previous_model_match      segment_code            only when fitted with a previous model:
                                                  ``previous_segment_code`` (the previous
                                                  segment it continues: the matched one, else
                                                  the one with the same code) -> text_value;
                                                  ``match_distance`` (between the two
                                                  profiles, new standardised input space) ->
                                                  value
centre_distance           segment_code            segment_code -> Euclidean distance between
                                                  the two centres in model space
anova                     model variable          ``ss_between``, ``df_between``,
                                                  ``ms_between``, ``ss_within``,
                                                  ``df_within``, ``ms_within``, ``f``,
                                                  ``p_value`` -> value
classification_function   segment_code            Fisher's functions (the SPSS
                                                  diagnostic): input -> coefficient on its
                                                  z-score; ``constant`` -> constant (includes
                                                  ln prior)
assignment_function       segment_code            the nearest-centre rule as linear
                                                  functions (they place new customers):
                                                  model variable -> centre coordinate c_g;
                                                  ``constant`` -> -||c_g||^2 / 2
hit_rate                  ``resubstitution`` or   ``overall`` (share correct, 0..1), a
                          ``leave_one_out``       segment_code (share correct within that
                                                  true segment); Fisher's functions; leave-
                                                  one-out is exact (SPSS's cross-validated),
                                                  NaN for a group of one row, and overall
                                                  then: the reason in text_value (else null)
classification_result     ``<method>:<segment>``  Fisher's functions' classification results
                          (method                 (SPSS's table, confusion counts): predicted
                          ``resubstitution``, or  segment_code -> customers of the true
                          ``leave_one_out``;      segment (after the colon) the method puts in
                          segment: the true       it; resubstitution is SPSS's "Original";
                          segment_code)           no leave_one_out rows of a group of one row
                                                  (no rate); diagonal / row total = hit_rate
discriminant_function     canonical function      SPSS's "Eigenvalues" and "Wilks' Lambda"
                          ``1``..``m``            (m = min(inputs, k - 1)), on the inputs'
                                                  z-scores: ``eigenvalue``, ``pct_variance``,
                                                  ``cum_pct`` (0..100),
                                                  ``canonical_correlation``,
                                                  ``wilks_lambda`` (test of functions this
                                                  one through m), ``chi_square``, ``df``,
                                                  ``p_value`` -> value
group_statistic           ``<segment>:<input>``   SPSS's "Group Statistics" of the inputs'
                          (segment: a             z-scores by K-means group: ``mean``,
                          segment_code, or        ``std`` (n - 1; NaN for a group of one),
                          ``total`` for all rows) ``n`` (unweighted customers) -> value
group_means_test          input                   SPSS's "Tests of Equality of Group Means"
                                                  (z-scores): ``wilks_lambda`` (SS_within /
                                                  SS_total), ``f``, ``df1`` (k - 1), ``df2``
                                                  (n - k), ``p_value`` -> value
box_m_test                ``overall``             Box's M test of equal group covariance
                                                  matrices (z-scores): ``box_m``, ``f``
                                                  (Box's 1949 approximation, as SPSS),
                                                  ``df1``, ``df2``, ``p_value``,
                                                  ``groups_used`` -> value (NaN when fewer
                                                  than two groups have a non-singular
                                                  covariance); ``note`` -> text_value, only
                                                  when a group's covariance is singular (it
                                                  is left out of the test, as SPSS does)
log_determinant           segment_code, or        SPSS's "Log Determinants": ``rank``,
                          ``pooled``              ``log_determinant`` (natural log of the
                                                  determinant of the group's covariance,
                                                  NaN when singular; ``pooled``: the pooled
                                                  within-group covariance) -> value
canonical_coefficient     input                   canonical function ``1``..``m`` ->
                                                  standardised coefficient (SPSS's
                                                  "Standardized Canonical Discriminant
                                                  Function Coefficients": raw coefficient x
                                                  the input's pooled within-group std); sign
                                                  fixed so that each function's largest
                                                  absolute coefficient is positive
structure_matrix          input                   canonical function ``1``..``m`` -> pooled
                                                  within-group correlation of the input's
                                                  z-score with the function (SPSS's
                                                  "Structure Matrix"; same signs)
group_centroid            segment_code            canonical function ``1``..``m`` -> the
                                                  group's mean unstandardised canonical score
                                                  (SPSS's "Functions at Group Centroids";
                                                  scores centred on the grand mean)
group_prior               segment_code            SPSS's "Prior Probabilities for Groups":
                                                  ``prior`` (of Fisher's functions, var
                                                  ``segmentation_priors``), ``n`` (customers
                                                  used, unweighted) -> value
twin_standardisation      input of the twin       only when fitted with twins (``twins``):
                          functions               ``position``, ``mean``, ``std`` (of the
                                                  transformed input over the established
                                                  customers' twins, population std),
                                                  ``null_fill`` -> value; ``transform`` ->
                                                  text_value
twin_function             segment_code            only when fitted with twins: the functions
                                                  that place new customers (LDA on the twins,
                                                  classes their K-means segments, priors var
                                                  ``new_customer_twin_priors``): input ->
                                                  coefficient on its twin z-score;
                                                  ``constant`` -> constant (includes ln prior)
k_selection               k (``2``, ``3``..)      ``inertia``, ``silhouette``,
                                                  ``calinski_harabasz``, ``davies_bouldin``,
                                                  ``sample_size``, ``silhouette_sample_size``,
                                                  ``stability_ari_mean``, ``stability_ari_std``
                                                  (bootstrap ARI of refits against the k's
                                                  clustering, see ``cluster.k_selection``;
                                                  NaN without resamples),
                                                  ``stability_resamples``
model_run                 ``run``                 see below
fitted_assignment         customer_id             ``segment_code`` -> text_value;
                                                  ``distance_to_centre`` (Euclidean, model
                                                  space), each model variable (the row's
                                                  factor score / z-score), ``in_fit_sample``
                                                  (1/0) -> value
========================= ======================= ==========================================

``model_run`` column_keys: value: ``n_rows`` (customers passed in, all assigned),
``n_fit_sample`` (rows the parameters were fitted on), ``n_inputs`` (kept), ``n_dropped_inputs``,
``n_factors`` (NaN without factor step), ``k``, ``kmo`` (NaN without factor step),
``low_adequacy`` (1 if KMO below the threshold, else 0; NaN without factor step),
``cumulative_variance_pct`` (rotation cumulative % of the kept factors; NaN without factor
step), ``inertia`` (K-means within sum of squares, fit sample), ``cv_hit_rate`` (leave-one-out),
``resubstitution_hit_rate``, ``random_seed``, ``n_init``, ``fit_seconds``,
``kmeans_label_mismatches`` (fit-sample rows whose K-means label differs from the
nearest-centre rule; 0 except on exact ties), ``codes_matched_to_previous`` (segments whose
code the matching to the previous model decided; 0 without one), ``kmeans_iterations`` (Lloyd
steps of the run that produced the model, see ``kmeans_iteration``),
``min_initial_centre_distance`` (smallest Euclidean distance between two of its initial
centres, SPSS's footnote to the iteration history); text_value:
``model_variables`` (comma-separated, in order), ``segment_codes`` (comma-separated, sort
order), ``config`` (JSON of the SchemeConfig), ``package_version``, ``fitted_at_utc`` (ISO
timestamp), ``warnings`` ('; ' joined, null if none), ``previous_model_id`` (the model passed
as ``previous``, null if none). Each ``run_metadata`` key is stored under its own name:
numbers in value, text (and JSON for dicts/lists, e.g. ``vars``) in text_value; ``as_of_date``
as ISO text.

The SQL scoring places a new customer by ``twin_standardisation`` and ``twin_function`` when
the model has them (var ``new_customer_placement`` twins), else by ``assignment_function``.
Scoring (``scoring.score``/``scoring.classify``, through ``scoring_parameters``) reads only:
standardisation, factor_score_coefficient, cluster_centre, segment_naming (sort order),
assignment_function (else, for a model stored without it, classification_function) and
model_run (model_variables). The SQL side must do the same arithmetic: fill nulls with
``null_fill``, transform, z = (t - mean) / std, factor_j = sum_i z_i * coefficient_ij, segment =
the centre with the smallest sum over model variables of (x - centre)^2, ties to the lower
sort_order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from . import cluster
from .errors import SegmentationInputError

if TYPE_CHECKING:
    from .fit import FitResult

ARTIFACT_COLUMNS = (
    "model_id",
    "scheme",
    "artifact",
    "row_key",
    "column_key",
    "value",
    "text_value",
)
ARTIFACTS = (
    "standardisation",
    "input_reference_bin",
    "dropped_input",
    "kmo",
    "bartlett",
    "communality",
    "variance_explained",
    "unrotated_loading",
    "rotated_loading",
    "factor_score_coefficient",
    "correlation_matrix",
    "anti_image_covariance",
    "anti_image_correlation",
    "reproduced_correlation",
    "residual_correlation",
    "factor_summary",
    "component_transformation",
    "rotation_iteration",
    "cluster_centre",
    "initial_cluster_centre",
    "kmeans_iteration",
    "cluster_profile",
    "cluster_median_profile",
    "cluster_size",
    "segment_naming",
    "previous_model_match",
    "centre_distance",
    "anova",
    "classification_function",
    "assignment_function",
    "hit_rate",
    "classification_result",
    "discriminant_function",
    # SPSS DISCRIMINANT's other tables (spss-discriminant)
    "group_statistic",
    "group_means_test",
    "box_m_test",
    "log_determinant",
    "canonical_coefficient",
    "structure_matrix",
    "group_centroid",
    "group_prior",
    # end SPSS DISCRIMINANT's other tables
    "twin_standardisation",
    "twin_function",
    "k_selection",
    "model_run",
    "fitted_assignment",
)
RESERVED_MODEL_RUN_KEYS = (
    "n_rows",
    "n_fit_sample",
    "n_inputs",
    "n_dropped_inputs",
    "n_factors",
    "k",
    "kmo",
    "low_adequacy",
    "cumulative_variance_pct",
    "inertia",
    "cv_hit_rate",
    "resubstitution_hit_rate",
    "random_seed",
    "n_init",
    "fit_seconds",
    "kmeans_label_mismatches",
    "codes_matched_to_previous",
    "kmeans_iterations",
    "min_initial_centre_distance",
    "model_variables",
    "segment_codes",
    "config",
    "package_version",
    "fitted_at_utc",
    "warnings",
    "previous_model_id",
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
    """Build the long artifact frame of ``result`` (catalogue in the module docstring)."""
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
    catalogue change together; scoring only consumes the parameters."""
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
