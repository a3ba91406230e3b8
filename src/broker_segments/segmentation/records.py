"""The records of a fit: one frozen dataclass per stage, and :class:`FitResult`, which holds them.

``fit`` writes them (``fit_scheme``, one function per stage, each returning its record), and
everything after the fit reads them: ``artifacts.result_to_artifacts`` turns a result into the
warehouse's long frame, ``scoring.ScoringModel.from_result`` (or ``scoring.score`` and
``scoring.classify``) places new rows with it. They are pure data with read-only properties, in
a module of their own so that the fit and its readers do not import each other. What each
stage computes is in ``fit``'s docstring; what the warehouse keeps of it is the artifact
catalogue (docs/artifacts.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .config import SchemeConfig
from .factor import FactorModel
from .twins import TwinPlacement


@dataclass(frozen=True)
class Standardisation:
    """The inputs the model keeps and how they are put on one scale (fit sample).

    Scoring repeats exactly this (fill, transform, z-score), so it is the first record both the
    artifacts and a ScoringModel read.
    """

    inputs: list[str]  # kept inputs, in configuration order
    transforms: dict[str, str]  # kept input -> transform
    null_fill: dict[str, float]  # kept input -> the value its nulls are filled with (if any)
    mean: pd.Series  # of the transformed kept inputs, fit sample
    std: pd.Series  # population std (ddof=0)
    dropped_inputs: dict[str, str]  # input -> reason
    dropped_values: dict[str, float]  # input -> its constant transformed value
    # kept input's decile bins of the fit sample's z-scores (``transform.reference_bins``):
    # the reference the drift marts compare today's population with
    reference_bins: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()  # the stage's warnings, for ``model_run``


@dataclass(frozen=True)
class FactorStep:
    """Adequacy and the factor model (scheme A); a fit without the step holds None instead."""

    kmo_per_variable: pd.Series
    kmo_overall: float
    bartlett: dict[str, float]
    model: FactorModel  # with its SPSS tables (``factor``)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clustering:
    """K-means in model space and what describes its partition.

    Frames indexed by ``segment_code`` are in display (sort) order, which the naming decides.
    ``model_variables`` are the columns of model space: ``factor_1..factor_m`` with the factor
    step, else the kept inputs (their z-scores).
    """

    model_variables: list[str]
    centres: pd.DataFrame  # segment_code x model variable
    # the K-means run that produced the centres (SPSS QUICK CLUSTER): its initial centres
    # (segment_code x model variable) and its Lloyd steps, index (iteration 1.., segment_code),
    # columns ``change`` (distance the centre moved in the step) and the model variables (the
    # centre after the step; the last iteration's are ``centres``)
    initial_centres: pd.DataFrame
    kmeans_iterations: pd.DataFrame
    inertia: float
    kmeans_label_mismatches: int
    # every row's segment as its position in display order (frame order; the discriminant
    # stage's groups), and the same as the assignments frame the artifacts store
    labels: np.ndarray = field(repr=False, compare=False)
    assignments: pd.DataFrame  # customer_id, segment_code, distance_to_centre, model vars..
    sizes: pd.DataFrame  # segment_code x (n, pct, kmeans_cluster_number)
    # segment_code x raw input (all configured inputs): mean, and median. They describe the
    # final assignment, so they live here; the naming read the profiles of K-means' own
    # partition (the same but for nearest-centre ties)
    profile: pd.DataFrame
    median_profile: pd.DataFrame
    centre_distances: pd.DataFrame
    anova: pd.DataFrame
    k_selection: pd.DataFrame  # quality and bootstrap stability by k
    notes: tuple[str, ...] = ()  # the K-means run's (warm start, label ties)

    @property
    def segment_codes(self) -> list[str]:
        return list(self.centres.index)


@dataclass(frozen=True)
class Naming:
    """The segments' codes and names, from the raw profiles, and the continuity with the
    previous model (``naming``, ``continuity``)."""

    # segment_code x (naming_step, sort_order, names, criterion, ambiguous, ambiguity_group,
    # naming_method, rule_segment_code)
    table: pd.DataFrame
    # the K-means cluster (0-based, K-means' own numbering) of each segment, display order
    kmeans_clusters: np.ndarray = field(repr=False, compare=False)
    previous_model_id: str | None = None  # the model passed as ``previous``
    codes_matched_to_previous: int = 0  # segments whose code the matching decided
    # segment_code x (previous_segment_code, match_distance); None without ``previous``
    previous_match: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()  # continuity's

    @property
    def segment_codes(self) -> list[str]:
        return list(self.table.index)


@dataclass(frozen=True)
class Discrimination:
    """The classification functions and SPSS DISCRIMINANT's tables, on the inputs' z-scores
    with the K-means groups (all rows of ``frame``; see ``discriminant`` and the ``artifacts``
    catalogue)."""

    classification_functions: pd.DataFrame  # Fisher: segment_code x (inputs..., constant)
    # nearest centre as linear functions: segment_code x (model variables..., constant); these
    # place new customers (they agree with K-means), Fisher's are the SPSS diagnostic
    assignment_functions: pd.DataFrame
    hit_rates: pd.DataFrame  # resubstitution / leave_one_out x (overall, <segment codes>)
    # the same cells: why a rate is undefined (NaN), e.g. a one-member group's leave-one-out
    # rate; None where it is defined
    hit_rate_reasons: pd.DataFrame
    # Fisher's functions' confusion counts: index (validation_method, actual segment_code),
    # columns the predicted segment codes; resubstitution (SPSS "Original") and, when
    # possible, leave_one_out (SPSS "Cross-validated")
    classification_results: pd.DataFrame
    # canonical discriminant functions: function x (eigenvalue, pct_variance, cum_pct,
    # canonical_correlation, wilks_lambda, chi_square, df, p_value)
    discriminant_functions: pd.DataFrame
    # (segment_code or 'total', input) x (mean, std, n) -- "Group Statistics"
    group_statistics: pd.DataFrame
    # input x (wilks_lambda, f, df1, df2, p_value) -- "Tests of Equality of Group Means"
    group_means_tests: pd.DataFrame
    # Box's M: box_m, f, df1, df2, p_value, groups_used, note (text or None)
    box_m: dict[str, Any]
    # segment_code or 'pooled' x (rank, log_determinant) -- "Log Determinants"
    log_determinants: pd.DataFrame
    # input x function (1..m): standardised coefficients, and the structure matrix
    canonical_coefficients: pd.DataFrame
    structure_matrix: pd.DataFrame
    # segment_code x function (1..m) -- "Functions at Group Centroids"
    group_centroids: pd.DataFrame
    # segment_code x (prior, n) -- "Prior Probabilities for Groups"
    group_priors: pd.DataFrame


@dataclass(frozen=True)
class RunInfo:
    """What the fit was asked and how it went: the ``model_run`` artifact's own cells."""

    model_id: str
    config: SchemeConfig
    run_metadata: dict[str, Any]
    n_rows: int  # customers passed in, all assigned
    n_fit: int  # rows the parameters were fitted on
    fit_seconds: float
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FitResult:
    """Everything a fit produced, one record per stage; ``artifacts.result_to_artifacts`` gives
    its warehouse form.

    The properties below are the fields most code reads (python models, tests); the others
    are read from their stage's record (``result.discrimination.hit_rates``).
    """

    run: RunInfo
    standardisation: Standardisation
    factor_step: FactorStep | None  # None without the factor step (scheme B)
    clustering: Clustering
    segment_naming: Naming
    discrimination: Discrimination
    # the new customers' placement trained on the established customers' twins (``twins``),
    # None when the fit was given no twins
    twin_placement: TwinPlacement | None = None

    @property
    def model_id(self) -> str:
        return self.run.model_id

    @property
    def config(self) -> SchemeConfig:
        return self.run.config

    @property
    def scheme(self) -> str:
        return self.run.config.scheme

    @property
    def inputs(self) -> list[str]:
        return self.standardisation.inputs

    @property
    def factor_model(self) -> FactorModel | None:
        return None if self.factor_step is None else self.factor_step.model

    @property
    def model_variables(self) -> list[str]:
        return self.clustering.model_variables

    @property
    def centres(self) -> pd.DataFrame:
        return self.clustering.centres

    @property
    def segment_codes(self) -> list[str]:
        return self.clustering.segment_codes

    @property
    def assignments(self) -> pd.DataFrame:
        return self.clustering.assignments

    @property
    def naming(self) -> pd.DataFrame:
        return self.segment_naming.table
