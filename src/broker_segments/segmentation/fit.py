"""Fit a segmentation scheme: transform, standardise, (factor analysis), K-means, name, classify.

``fit_scheme`` runs the stages in order, each a function returning a frozen record of module
``records``; what the fit does, which customers estimate what, and what stops it are in
docs/domain.md (*Scheme A*, *Scheme B*, *What both schemes share*, *Who is fitted*).
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import cluster, continuity, discriminant
from .config import FIELD_VARS, K_VAR, SchemeConfig, get_scheme
from .errors import (
    DroppedInputWarning,
    LowAdequacyWarning,
    SegmentationInputError,
    SmallClusterWarning,
)
from .factor import bartlett, correlation, fit_factor_model, kmo
from .naming import MEDIAN_COLUMNS, name_clusters, naming_profile
from .records import (
    Clustering,
    Discrimination,
    FactorStep,
    FitResult,
    Naming,
    RunInfo,
    Standardisation,
)
from .transform import (
    check_not_singular,
    prepare_inputs,
    reference_bins,
    standardise,
    zero_variance_columns,
)
from .twins import DEFAULT_TWIN_INPUTS, fit_twin_placement


def previous_group_centres(
    previous: continuity.PreviousModel | None, ids: pd.Series, model_all: np.ndarray, k: int
) -> np.ndarray | None:
    """Warm-start centres for a refit: for each group of the previous model, the mean position
    in the new model space of the customers it held (its ``fitted_assignment`` rows).

    None (k-means++ restarts as usual) without a previous model, when it has another k or no
    assignments, or when one of its groups has no customer in the new data.
    """
    if previous is None or previous.assignments.nunique() != k:
        return None
    groups = pd.Series(ids.to_numpy()).map(previous.assignments)
    known = groups.notna().to_numpy()
    if not known.any():
        return None
    means = pd.DataFrame(model_all[known]).groupby(groups[known].to_numpy()).mean()
    if len(means) != k:
        return None
    return means.sort_index().to_numpy()


def discriminant_tables(
    z: np.ndarray,
    groups: np.ndarray,
    k: int,
    codes: list[str],
    inputs: list[str],
    config: SchemeConfig,
) -> dict[str, Any]:
    """SPSS DISCRIMINANT's descriptive, Box's M, canonical coefficient, centroid and prior
    tables as Discrimination fields (frames indexed by segment code / input name)."""
    means, stds, ns = discriminant.group_descriptives(z, groups, k)
    rows = [*codes, "total"]
    statistics = pd.DataFrame(
        {"mean": means.ravel(), "std": stds.ravel(), "n": ns.ravel()},
        index=pd.MultiIndex.from_product([rows, inputs], names=["segment_code", "input"]),
    )
    means_tests = discriminant.equality_of_group_means(z, groups, k)
    means_tests.index = pd.Index(inputs, name="input")
    box_m, log_determinants = discriminant.box_m_test(z, groups, k)
    log_determinants.index = pd.Index([*codes, "pooled"], name="segment_code")
    canonical = discriminant.canonical_coefficients(z, groups, k)
    functions = pd.Index(range(1, canonical["raw"].shape[1] + 1), name="function")
    counts = np.bincount(groups, minlength=k).astype(np.float64)
    code_index = pd.Index(codes, name="segment_code")
    return {
        "group_statistics": statistics,
        "group_means_tests": means_tests,
        "box_m": box_m,
        "log_determinants": log_determinants,
        "canonical_coefficients": pd.DataFrame(
            canonical["standardised"], index=pd.Index(inputs, name="input"), columns=functions
        ),
        "structure_matrix": pd.DataFrame(
            canonical["structure"], index=pd.Index(inputs, name="input"), columns=functions
        ),
        "group_centroids": pd.DataFrame(
            canonical["centroids"], index=code_index, columns=functions
        ),
        "group_priors": pd.DataFrame(
            {"prior": discriminant.prior_probabilities(counts, config.priors), "n": counts},
            index=code_index,
        ),
    }


def canonical_order(ids: pd.Series, seed: int) -> np.ndarray:
    """Row positions ordered by a seeded 64-bit hash of ``str(customer_id)``.

    Stable across runs and row orders: the same customer always gets the same hash, so
    samples (prefixes of this order) keep the same customers when the data is re-read.
    """
    key = f"seg{seed % 10**13:013d}"
    hashes = pd.util.hash_pandas_object(
        ids.astype(str).reset_index(drop=True), index=False, hash_key=key
    ).to_numpy()
    return np.argsort(hashes, kind="stable")


@dataclass(frozen=True)
class FitSample:
    """The rows of a fit as the stages read them: checked, transformed, in canonical order.

    Working data, not a result (it holds every row), so FitResult does not keep it.
    """

    index: pd.Index  # of ``frame``, for the assignments
    ids: pd.Series
    raw: pd.DataFrame  # all configured inputs, after null fill, untransformed
    transformed: np.ndarray  # (n_rows, configured inputs)
    order: np.ndarray  # canonical order (row positions)
    n_fit: int  # rows drawn into the fit sample (before any is left out)
    # rows of the drawn fit sample left out of it: the customers of K-means clusters below
    # ``min_cluster_share`` (``leave_out_small_clusters``); sorted row positions
    left_out: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))

    @property
    def n_rows(self) -> int:
        return len(self.ids)

    @property
    def fit_rows(self) -> np.ndarray:
        """The fit sample: a prefix of the canonical order, without the rows left out."""
        drawn = self.order[: self.n_fit]
        if not len(self.left_out):
            return drawn
        return drawn[~np.isin(drawn, self.left_out)]


@dataclass(frozen=True)
class ModelSpace:
    """Every row's z-scores (kept inputs) and model-space coordinates (working data)."""

    z: np.ndarray  # (n_rows, kept inputs), frame order
    x: np.ndarray  # (n_rows, model variables): factor scores, or ``z`` without the step
    variables: list[str]


@dataclass(frozen=True)
class KMeansRun:
    """The K-means run in K-means' own cluster numbering, before the naming orders it."""

    fit: cluster.KMeansFit
    nearest: np.ndarray  # every row's nearest centre (K-means numbering)
    mismatches: int  # fit-sample rows whose K-means label is not their nearest centre
    notes: tuple[str, ...] = ()


def prepare_sample(frame: pd.DataFrame, config: SchemeConfig) -> FitSample:
    """Check and transform the rows, put them in canonical order and pick the fit sample."""
    k = config.k
    ids, raw, transformed = prepare_inputs(
        frame, config.inputs, config.transform_by_input, config.fill_null_by_input
    )
    n_rows = len(ids)
    if n_rows < k:
        raise SegmentationInputError(
            f"only {n_rows} eligible customer(s) to fit scheme {config.scheme}, fewer than "
            f"k={k} clusters"
        )
    order = canonical_order(ids, config.random_seed)
    n_fit = n_rows if config.fit_sample_size is None else min(n_rows, config.fit_sample_size)
    if n_fit < k:
        raise SegmentationInputError(
            f"fit_sample_size={config.fit_sample_size} leaves {n_fit} customer(s), fewer than "
            f"k={k} clusters"
        )
    return FitSample(frame.index, ids, raw, transformed, order, n_fit)


def standardise_inputs(
    sample: FitSample, config: SchemeConfig
) -> tuple[Standardisation, np.ndarray]:
    """Stage 1: drop inputs constant in the fit sample, standardise the others.

    Returns the record and every row's z-scores (n x kept inputs: working data, the record
    does not keep them). Raises when nothing is left or R is (nearly) singular.
    """
    mean, std, constant = zero_variance_columns(sample.transformed[sample.fit_rows])
    dropped = {
        name: "zero variance in the fitting sample"
        for name, is_const in zip(config.inputs, constant, strict=True)
        if is_const
    }
    dropped_values = {
        name: float(m) for name, m, c in zip(config.inputs, mean, constant, strict=True) if c
    }
    kept = [i for i, c in enumerate(constant) if not c]
    inputs = [config.inputs[i] for i in kept]
    if not inputs:
        raise SegmentationInputError(
            f"every input of scheme {config.scheme} is constant in the fitting sample "
            f"({list(config.inputs)}); nothing to segment on"
        )
    notes: list[str] = []
    if dropped:
        message = (
            f"scheme {config.scheme}: input(s) {sorted(dropped)} have zero variance in the "
            "fitting sample and were left out of the model"
        )
        warnings.warn(message, DroppedInputWarning, stacklevel=3)
        notes.append(message)
    z_all = standardise(sample.transformed[:, kept], mean[kept], std[kept])
    check_not_singular(correlation(z_all[sample.fit_rows]), inputs)
    fill = config.fill_null_by_input
    record = Standardisation(
        inputs=inputs,
        transforms={name: config.transform_by_input[name] for name in inputs},
        null_fill={name: fill[name] for name in inputs if name in fill},
        mean=pd.Series(mean[kept], index=inputs, name="mean"),
        std=pd.Series(std[kept], index=inputs, name="std"),
        dropped_inputs=dropped,
        dropped_values=dropped_values,
        reference_bins=reference_bins(z_all[sample.fit_rows], inputs),
        notes=tuple(notes),
    )
    return record, z_all


def fit_factor_step(
    z_fit: np.ndarray, standardisation: Standardisation, config: SchemeConfig
) -> FactorStep | None:
    """Stage 2 (scheme A): adequacy (KMO, Bartlett) and the factor model on the fit sample;
    None when the scheme clusters the z-scores themselves."""
    if not config.use_factor_analysis:
        return None
    inputs = standardisation.inputs
    r = correlation(z_fit)
    per_variable, kmo_overall = kmo(r)
    notes: list[str] = []
    if kmo_overall < config.kmo_warning_threshold:
        message = (
            f"scheme {config.scheme}: KMO = {kmo_overall:.3f} is below "
            f"{config.kmo_warning_threshold}; the inputs share little common variance and "
            "the factor solution is questionable"
        )
        warnings.warn(message, LowAdequacyWarning, stacklevel=3)
        notes.append(message)
    if config.n_factors is not None and config.n_factors > len(inputs):
        raise SegmentationInputError(
            f"n_factors={config.n_factors} but only {len(inputs)} input(s) are left after "
            f"dropping zero-variance input(s) {sorted(standardisation.dropped_inputs)}"
        )
    return FactorStep(
        kmo_per_variable=pd.Series(per_variable, index=inputs, name="kmo"),
        kmo_overall=kmo_overall,
        bartlett=bartlett(r, len(z_fit)),
        model=fit_factor_model(z_fit, inputs, config.n_factors, config.rotation),
        notes=tuple(notes),
    )


def model_space(
    z_all: np.ndarray, standardisation: Standardisation, factor_step: FactorStep | None
) -> ModelSpace:
    """Where the clustering happens: the factor scores (scheme A) or the z-scores (B)."""
    if factor_step is None:
        return ModelSpace(z_all, z_all, list(standardisation.inputs))
    fm = factor_step.model
    return ModelSpace(z_all, fm.scores(z_all), fm.factor_names)


def run_kmeans(
    sample: FitSample,
    space: ModelSpace,
    config: SchemeConfig,
    previous: continuity.PreviousModel | None,
) -> KMeansRun:
    """Stage 3: K-means on the fit sample in canonical order; a refit starts from the previous
    model's groups, so similar data keeps its partition (and its customers their groups)."""
    k = config.k
    notes: list[str] = []
    x_fit = np.ascontiguousarray(space.x[sample.fit_rows])
    # the previous groups' means without the customers left out of the fit, so an outlier
    # does not pull a start back towards itself
    kept = np.setdiff1d(np.arange(sample.n_rows), sample.left_out)
    warm_start = previous_group_centres(previous, sample.ids.iloc[kept], space.x[kept], k)
    if warm_start is not None:
        notes.append("K-means started from the previous model's groups (warm start)")
    kmeans = cluster.fit_kmeans(
        x_fit,
        k,
        config.n_init,
        config.random_seed,
        config.restart_sample_size,
        init_centres=warm_start,
    )
    nearest = cluster.squared_distances(space.x, kmeans.centres).argmin(axis=1)
    mismatches = int((nearest[sample.fit_rows] != kmeans.labels).sum())
    if mismatches:
        notes.append(
            f"{mismatches} fit-sample row(s) got another K-means label than their nearest "
            "centre (floating-point ties); they are assigned by the nearest-centre rule"
        )
    if len(np.unique(nearest)) < k:
        raise SegmentationInputError(
            f"a K-means centre has no nearest customer for k={k}; the data has fewer than k "
            "well-separated groups, lower k"
        )
    return KMeansRun(kmeans, nearest, mismatches, tuple(notes))


# Rounds of leaving out the customers of too small clusters before the fit gives up: an
# outlier or two leave in the first round; clusters still too small after three say that the
# sample does not hold k groups of that size, and another round would only eat into it.
SMALL_CLUSTER_ROUNDS = 3


def small_clusters(sample: FitSample, kmeans: KMeansRun, config: SchemeConfig) -> np.ndarray:
    """The K-means clusters (its numbering) whose fit-sample customers, at their nearest
    centre, are fewer than ``min_cluster_share`` of the fit sample as drawn (a fixed bar over
    the rounds); none with a share of 0."""
    counts = np.bincount(kmeans.nearest[sample.fit_rows], minlength=config.k)
    return np.flatnonzero(counts < config.min_cluster_share * sample.n_fit)


def leave_out_small_clusters(
    sample: FitSample, kmeans: KMeansRun, small: np.ndarray, config: SchemeConfig, rounds: int
) -> FitSample:
    """The fit sample without the customers of the ``small`` clusters, for another fit.

    Raises ``SegmentationInputError`` (nothing is stored) when ``rounds`` rounds have already
    left customers out, or when too few customers would be left for k clusters of the minimum
    size: the fitting sample does not hold k groups that large."""
    fit_rows = sample.fit_rows
    members = fit_rows[np.isin(kmeans.nearest[fit_rows], small)]
    minimum = config.min_cluster_share * sample.n_fit
    sizes = sorted(np.bincount(kmeans.nearest[fit_rows], minlength=config.k)[small].tolist())
    share_var, k_var = FIELD_VARS["min_cluster_share"], K_VAR.get(config.scheme, "k")
    remedy = (
        f"lower var {k_var} or var {share_var} (0 turns the rule off), or check the export "
        f"for a group of extreme accounts. Nothing was fitted or stored"
    )
    if rounds >= SMALL_CLUSTER_ROUNDS:
        raise SegmentationInputError(
            f"scheme {config.scheme}: K-means still gives cluster(s) of {sizes} customer(s), "
            f"fewer than var {share_var} ({config.min_cluster_share:g}) of the fitting sample "
            f"of {sample.n_fit} ({minimum:g}), after leaving the customers of such clusters "
            f"out of the fit {rounds} time(s) ({len(sample.left_out)} customers): the sample "
            f"does not hold k={config.k} groups of that size; {remedy}"
        )
    left = len(fit_rows) - len(members)
    if left < max(config.k, config.k * minimum):
        raise SegmentationInputError(
            f"scheme {config.scheme}: leaving out the {len(members)} customer(s) of cluster(s) "
            f"of {sizes}, fewer than var {share_var} ({config.min_cluster_share:g}) of the "
            f"fitting sample of {sample.n_fit} ({minimum:g}), leaves {left} customer(s), too "
            f"few for k={config.k} clusters of that size; {remedy}"
        )
    return dataclasses.replace(sample, left_out=np.union1d(sample.left_out, members))


def left_out_note(sample: FitSample, config: SchemeConfig, rounds: int) -> str:
    """The run's warning for the customers left out of the fit (``leave_out_small_clusters``)."""
    message = (
        f"scheme {config.scheme}: {len(sample.left_out)} customer(s) of the fitting sample of "
        f"{sample.n_fit} were left out of the fit as outliers: K-means put them in cluster(s) "
        f"holding fewer than var {FIELD_VARS['min_cluster_share']} "
        f"({config.min_cluster_share:g}) of the sample ({rounds} round(s)); they are assigned "
        f"to their nearest centre like every other customer"
    )
    warnings.warn(message, SmallClusterWarning, stacklevel=3)
    return message


def name_segments(
    sample: FitSample,
    kmeans: KMeansRun,
    standardisation: Standardisation,
    config: SchemeConfig,
    previous: continuity.PreviousModel | None,
) -> Naming:
    """Stage 4: name the K-means clusters from their raw profiles (means; medians of the
    heavy-tailed turnover, see ``naming``), keeping the previous model's codes where the rule
    is ambiguous (``continuity``, which matches on the means). The table's order is the
    display order, and ``kmeans_cluster_number - 1`` maps it back to the K-means clusters."""
    raw, labels = sample.raw, kmeans.nearest
    cluster_profile = raw.groupby(labels).mean()
    robust = [c for c in MEDIAN_COLUMNS if c in raw.columns]
    named_on = naming_profile(cluster_profile, raw[robust].groupby(labels).median())
    table = name_clusters(named_on, config.naming_rule, config.naming_ambiguity_margin)
    if previous is None:
        table, kept = continuity.rule_only(table), None
    else:
        kept = continuity.apply_previous(
            table, cluster_profile, previous, config, standardisation.mean, standardisation.std
        )
        table = kept.naming
    table = table.sort_values("sort_order", kind="mergesort")
    return Naming(
        table=table.set_index("segment_code"),
        kmeans_clusters=table.index.to_numpy(),
        previous_model_id=None if kept is None else kept.previous_model_id,
        codes_matched_to_previous=0 if kept is None else kept.codes_matched,
        previous_match=None if kept is None else kept.match,
        notes=() if kept is None else tuple(kept.notes),
    )


def describe_clusters(
    sample: FitSample,
    space: ModelSpace,
    kmeans: KMeansRun,
    naming: Naming,
    config: SchemeConfig,
) -> Clustering:
    """Stage 5: the K-means clusters in display order, every row assigned to its nearest centre
    (ties to the first centre in that order, as in SQL), and the tables describing them."""
    k, n_rows = config.k, sample.n_rows
    cluster_numbers = naming.kmeans_clusters
    codes = naming.segment_codes
    variables = space.variables
    fit = kmeans.fit
    ordered_centres = fit.centres[cluster_numbers]
    d2 = cluster.squared_distances(space.x, ordered_centres)
    segment = d2.argmin(axis=1)
    distance = np.sqrt(d2[np.arange(n_rows), segment])
    del d2

    code_index = pd.Index(codes, name="segment_code")
    counts = np.bincount(segment, minlength=k)
    sizes = pd.DataFrame(
        {
            "n": counts.astype(float),
            "pct": 100.0 * counts / n_rows,
            "kmeans_cluster_number": cluster_numbers.astype(float) + 1.0,
        },
        index=code_index,
    )
    raw = sample.raw
    profile = raw.groupby(segment).mean().reindex(range(k))
    profile.index = code_index
    median_profile = raw.groupby(segment).median().reindex(range(k))
    median_profile.index = code_index
    centres = pd.DataFrame(ordered_centres, index=code_index, columns=variables)
    initial_centres = pd.DataFrame(
        fit.initial_centres[cluster_numbers], index=code_index, columns=variables
    )
    history = fit.history[:, cluster_numbers]
    kmeans_iterations = pd.DataFrame(
        history[1:].reshape(-1, len(variables)),
        index=pd.MultiIndex.from_product(
            [range(1, fit.iterations + 1), codes], names=["iteration", "segment_code"]
        ),
        columns=variables,
    )
    kmeans_iterations.insert(0, "change", cluster.iteration_changes(history).ravel())

    anova = cluster.anova(space.x, segment, variables)
    k_selection = cluster.k_selection(
        np.ascontiguousarray(space.x[sample.fit_rows[: config.k_selection_sample_size]]),
        config.k_range,
        config.k_selection_n_init,
        config.random_seed,
        config.silhouette_sample_size,
        fitted_centres=ordered_centres,
        stability_resamples=config.stability_resamples,
    )
    in_fit = np.zeros(n_rows, dtype=bool)
    in_fit[sample.fit_rows] = True
    assignments = pd.DataFrame(
        {
            "customer_id": sample.ids.to_numpy(),
            "segment_code": np.asarray(codes, dtype=object)[segment],
            "distance_to_centre": distance,
            **{name: space.x[:, j] for j, name in enumerate(variables)},
            "in_fit_sample": in_fit,
        },
        index=sample.index,
    )
    return Clustering(
        model_variables=list(variables),
        centres=centres,
        initial_centres=initial_centres,
        kmeans_iterations=kmeans_iterations,
        inertia=fit.inertia,
        kmeans_label_mismatches=kmeans.mismatches,
        labels=segment,
        assignments=assignments,
        sizes=sizes,
        profile=profile,
        median_profile=median_profile,
        centre_distances=cluster.centre_distances(centres),
        anova=anova,
        k_selection=k_selection,
        notes=kmeans.notes,
    )


def discriminate(
    sample: FitSample,
    space: ModelSpace,
    standardisation: Standardisation,
    clustering: Clustering,
    config: SchemeConfig,
) -> Discrimination:
    """Stage 6: classification functions (Fisher's on the z-scores, the SPSS diagnostic, with
    their hit rates; the nearest-centre rule as linear functions, which place new customers)
    and SPSS DISCRIMINANT's tables, all rows with the K-means groups."""
    k, z_all, segment = config.k, space.z, clustering.labels
    codes, inputs = clustering.segment_codes, standardisation.inputs
    order = sample.order
    # Exact leave-one-out: the rates do not depend on the row order.
    coefficients, constants, resub, loo = discriminant.fit_and_validate(
        z_all[order], segment[order], k, config.priors
    )
    functions = discriminant.functions_frame(coefficients, constants, codes, inputs)
    assignment_functions = discriminant.functions_frame(
        # C order, as K-means' centres: the constants' sums then round as they always did
        *discriminant.nearest_centre_functions(np.ascontiguousarray(clustering.centres)),
        codes,
        list(clustering.model_variables),
    )
    methods = pd.Index(["resubstitution", "leave_one_out"], name="method")
    hit_rates = pd.DataFrame(
        [
            [resub["overall"], *resub["per_group"]],
            [loo["overall"], *loo["per_group"]],
        ],
        index=methods,
        columns=["overall", *codes],
    )
    hit_rate_reasons = pd.DataFrame(
        [
            [resub["overall_reason"], *resub["reasons"]],
            [loo["overall_reason"], *loo["reasons"]],
        ],
        index=methods,
        columns=["overall", *codes],
        dtype=object,
    )
    # a group without a rate has no row: its customers were not classified (diagonal / row
    # total is the rate, of the groups that have one)
    classification_results = pd.concat(
        {
            method: pd.DataFrame(
                rates["counts"].astype(np.float64),
                index=pd.Index(codes, name="actual_segment_code"),
                columns=codes,
            )[~np.isnan(np.asarray(rates["per_group"], dtype=float))]
            for method, rates in (("resubstitution", resub), ("leave_one_out", loo))
            if rates["counts"] is not None
        },
        names=["validation_method", "actual_segment_code"],
    )
    return Discrimination(
        classification_functions=functions,
        assignment_functions=assignment_functions,
        hit_rates=hit_rates,
        hit_rate_reasons=hit_rate_reasons,
        classification_results=classification_results,
        discriminant_functions=discriminant.canonical_functions(z_all, segment, k),
        **discriminant_tables(z_all, segment, k, codes, inputs, config),
    )


def fit_scheme(
    frame: pd.DataFrame,
    config: SchemeConfig | str,
    model_id: str,
    run_metadata: dict[str, Any] | None = None,
    previous: pd.DataFrame | None = None,
    twins: pd.DataFrame | None = None,
    twin_inputs: Sequence[str] = DEFAULT_TWIN_INPUTS,
    twin_priors: str = "size",
) -> FitResult:
    """Fit ``config`` on ``frame`` (``customer_id`` + the config's inputs, eligible rows only).

    The stages, each taking the records of those before it: ``standardise_inputs``
    (:class:`Standardisation`), ``fit_factor_step`` (:class:`FactorStep`, None for scheme B),
    ``run_kmeans`` (the run in K-means' own numbering), ``name_segments`` (:class:`Naming`,
    which also fixes the display order), ``describe_clusters`` (:class:`Clustering`, in that
    order) and ``discriminate`` (:class:`Discrimination`); :class:`RunInfo` is the run. The
    names are read from K-means' clusters and their display order breaks ties of the final
    assignment (as in SQL), so K-means comes before the naming and its description after. The
    per-row arrays the stages pass on (:class:`FitSample`, :class:`ModelSpace`) are working
    data, not kept in the result.

    ``run_metadata`` (e.g. ``{'as_of_date': '2024-06-28', 'vars': {...}}``) is stored as is in
    the ``model_run`` artifact. ``previous`` is the previous model of the same scheme as its
    artifact frame (the rows of ``segment_model_artifacts`` of ONE model_id; it needs
    ``cluster_profile`` and ``segment_naming``) or None: where the naming rule is ambiguous,
    the codes follow that model (``continuity``); with None the rule alone names. Raises
    ``SegmentationInputError`` on degenerate input or a ``previous`` of another scheme.
    ``twins`` (``customer_id`` and the raw ``twin_inputs`` of each customer's twin, see
    ``twins``) or None: the functions that place new customers are fitted on them, with the
    customers' K-means segments as classes and the priors ``twin_priors``.
    """
    started = time.perf_counter()
    config = get_scheme(config)
    if not str(model_id):
        raise SegmentationInputError("model_id must be a non-empty string")
    # Read (and check) the previous model once, before any work: the warm start and the
    # naming continuity both use it.
    previous = None if previous is None else continuity.as_previous_model(previous, config.scheme)

    sample = prepare_sample(frame, config)
    rounds = 0
    while True:
        standardisation, z_all = standardise_inputs(sample, config)
        factor_step = fit_factor_step(z_all[sample.fit_rows], standardisation, config)
        space = model_space(z_all, standardisation, factor_step)
        kmeans = run_kmeans(sample, space, config, previous)
        small = small_clusters(sample, kmeans, config)
        if not len(small):
            break
        sample = leave_out_small_clusters(sample, kmeans, small, config, rounds)
        rounds += 1
    left_out = (left_out_note(sample, config, rounds),) if rounds else ()
    naming = name_segments(sample, kmeans, standardisation, config, previous)
    clustering = describe_clusters(sample, space, kmeans, naming, config)
    discrimination = discriminate(sample, space, standardisation, clustering, config)
    twin_placement = (
        None
        if twins is None
        else fit_twin_placement(
            twins, clustering.assignments, clustering.segment_codes, twin_inputs, twin_priors
        )
    )

    notes = [
        *left_out,
        *standardisation.notes,
        *(factor_step.notes if factor_step is not None else ()),
        *clustering.notes,
        *naming.notes,
    ]
    run = RunInfo(
        model_id=str(model_id),
        config=config,
        run_metadata=dict(run_metadata or {}),
        n_rows=sample.n_rows,
        n_fit=len(sample.fit_rows),
        fit_seconds=time.perf_counter() - started,
        warnings=notes,
    )
    return FitResult(
        run=run,
        standardisation=standardisation,
        factor_step=factor_step,
        clustering=clustering,
        segment_naming=naming,
        discrimination=discrimination,
        twin_placement=twin_placement,
    )
