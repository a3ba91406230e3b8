"""The entry point of the dbt Python models: fit one scheme on the warehouse's indicators.

A fit model (``models/segmentation/fit/``) gathers the relations it reads into
:class:`FitFrames` and calls :func:`fit_from_settings` with its ``segmentation`` config, parsed
once (:func:`parse_settings`) into the scheme's :class:`SchemeConfig` and the
:class:`RunOptions`; :func:`fit_model` decides whether to fit (docs/domain.md, *Fit or
score*), fits the rows flagged ``is_in_fitting_sample`` and returns the artifact rows, which
everything else reads from the warehouse. Kept here, not in the model file, so pytest covers it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, cast

import duckdb
import pandas as pd

from .artifacts import ARTIFACT_COLUMNS, result_to_artifacts
from .config import FIELD_VARS, K_VAR, SchemeConfig, config_from_vars
from .discriminant import PRIORS
from .errors import SegmentationConfigError, SegmentationError, SegmentationInputError
from .fit import fit_scheme
from .twins import TWIN_TRANSFORMS

FITTING_SAMPLE_FLAG = "is_in_fitting_sample"


Refit = Literal["auto", "true", "false"]
REFIT_CHOICES: tuple[Refit, ...] = ("auto", "true", "false")
CATALOGUE_SEED = "seeds/segment_catalogue.csv"

# A table the fit reads: a DuckDB relation, as ``dbt.ref()`` gives a Python model in
# dbt-duckdb (and spark_fit hands over), or a pandas frame with its columns.
Relation: TypeAlias = duckdb.DuckDBPyRelation | pd.DataFrame


@dataclass(frozen=True)
class FitFrames:
    """The relations a scheme's fit reads (what each is for: :func:`fit_model`).

    ``existing`` is the model's own table (``dbt.this``) on an incremental run, else None.
    """

    indicators: Relation  # customer_indicators
    existing: duckdb.DuckDBPyRelation | None = None
    invocation: Relation | None = None  # int_dbt_invocation
    catalogue: Relation | None = None  # the segment_catalogue seed
    twins: Relation | None = None  # int_segment_twin_inputs


@dataclass(frozen=True)
class RunOptions:
    """How a run of a scheme's fit goes, apart from the scheme's settings: whether it fits
    (``refit``, var ``segmentation_refit``, see the module docstring) and the priors of the
    functions that place new customers (``twin_priors``, var ``new_customer_twin_priors``).
    ``vars`` are the scheme's settings as the model's config gave them, which the model_run
    artifact records (``parse_settings`` fills it)."""

    refit: Refit = "auto"
    twin_priors: str = "size"
    vars: Mapping[str, Any] = field(default_factory=dict)


def as_frame(relation: Relation, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """``relation`` as a pandas frame; with ``columns``, only those are pulled out of the
    warehouse."""
    if isinstance(relation, pd.DataFrame):
        return relation if columns is None else relation[list(columns)]
    return (relation if columns is None else relation.project(", ".join(columns))).df()


def twin_frame_of(twins: Relation | None) -> pd.DataFrame | None:
    """``int_segment_twin_inputs`` as a frame (None without twins or for an empty relation,
    e.g. a model stored with placement nearest_centre)."""
    if twins is None:
        return None
    frame = as_frame(twins)
    if frame.empty:
        return None
    frame = frame[["customer_id", *[c for c in frame.columns if c in TWIN_TRANSFORMS]]]
    for column in frame.columns[1:]:
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame.sort_values("customer_id").reset_index(drop=True)


def twin_inputs(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c != "customer_id"]


def twin_priors_choice(value: Any) -> str:
    text = "size" if value is None else str(value).strip().lower()
    if text not in PRIORS:
        raise SegmentationConfigError(
            f"var new_customer_twin_priors is {value!r}; use one of {list(PRIORS)}"
        )
    return text


def operator_warning(message: str) -> None:
    """Print a warning the operator sees in dbt's output (a Python model cannot fire dbt
    events): one line, prefixed WARNING."""
    print(f"WARNING: {message}", file=sys.stderr, flush=True)


def catalogue_codes(catalogue: Relation | None, scheme: str) -> list[str] | None:
    """The fitted (not rule-only) segment codes of ``scheme`` in the catalogue seed, or None
    when no catalogue is given."""
    if catalogue is None:
        return None
    frame = as_frame(catalogue)
    rule_only = frame["is_rule_only"].astype(str).str.strip().str.lower().isin(["true", "1"])
    rows = frame[(frame["scheme"].astype(str) == scheme) & ~rule_only]
    return [str(code) for code in rows["segment_code"]]


def check_k_against_catalogue(config: SchemeConfig, codes: list[str] | None) -> None:
    """Stop before fitting when k clusters could not all be named from the catalogue."""
    if codes is None:
        return
    if config.k > len(codes):
        raise SegmentationConfigError(
            f"var {K_VAR[config.scheme]} is {config.k}, but {CATALOGUE_SEED} names only "
            f"{len(codes)} segments for scheme {config.scheme} ({', '.join(codes)}): a k of 2.."
            f"{len(codes)} gives a valid segment table; nothing was fitted or stored"
        )


def check_fitted_segments(
    artifacts: pd.DataFrame, config: SchemeConfig, codes: list[str] | None
) -> None:
    """Stop before storing a model with an empty or unnamed cluster."""
    assigned = artifacts.loc[
        (artifacts["artifact"] == "fitted_assignment")
        & (artifacts["column_key"] == "segment_code"),
        "text_value",
    ]
    found = set(assigned.dropna())
    if len(found) < config.k:
        raise SegmentationInputError(
            f"scheme {config.scheme}: only {len(found)} of k={config.k} clusters hold a "
            f"customer; lower var {K_VAR[config.scheme]}. Nothing was stored"
        )
    if codes is not None:
        unnamed = sorted(found - set(codes))
        if unnamed:
            raise SegmentationInputError(
                f"scheme {config.scheme}: cluster(s) {unnamed} have no name in "
                f"{CATALOGUE_SEED}; lower var {K_VAR[config.scheme]}. Nothing was stored"
            )


# The artifact frame as the warehouse stores it: the package's columns plus the as-of date.
WAREHOUSE_ARTIFACT_COLUMNS = (*ARTIFACT_COLUMNS[:2], "as_of_date", *ARTIFACT_COLUMNS[2:])


def no_new_model() -> pd.DataFrame:
    """An empty artifact frame, typed like a real one, for a run that does not fit."""
    types = {"as_of_date": "datetime64[us]", "value": "float64"}
    return pd.DataFrame(
        {name: pd.Series(dtype=types.get(name, "object")) for name in WAREHOUSE_ARTIFACT_COLUMNS}
    )


def refit_choice(value: Any) -> Refit:
    """The ``segmentation_refit`` var as one of ``auto``, ``true``, ``false``."""
    text = "auto" if value is None else str(value).strip().lower()
    if text not in REFIT_CHOICES:
        raise SegmentationConfigError(
            f"var segmentation_refit is {value!r}; use auto (fit a scheme only when it has no "
            f"model yet), true (refit now) or false (score with the latest model)"
        )
    return cast(Refit, text)


def settings_from_config(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """The settings a model's YAML config passes (dbt vars rendered to strings), without
    those left empty (a var set to null), which fall back to their default."""
    return {
        name: value
        for name, value in (settings or {}).items()
        if value is not None and str(value).strip() != ""
    }


def parse_settings(
    scheme: str, settings: Mapping[str, Any] | None
) -> tuple[SchemeConfig, RunOptions]:
    """A fit model's ``segmentation`` config (``dbt.config.get("segmentation")``), parsed once:
    the scheme's configuration (``config_from_vars``) and the run options ``refit`` and
    ``twin_priors``. Every var is checked, also for a run that will not fit (a daily run,
    ``dbt build --empty``): a bad one raises ``SegmentationConfigError`` naming it."""
    given = settings_from_config(settings)
    refit = refit_choice(given.pop("refit", None))
    twin_priors = twin_priors_choice(given.pop("twin_priors", None))
    return config_from_vars(scheme, given), RunOptions(refit, twin_priors, given)


def model_id_for(
    scheme: str, as_of_date: str, settings: Mapping[str, Any], data: pd.DataFrame | None = None
) -> str:
    """Deterministic id: the same scheme, as-of date, settings and fitting data give the same
    id; other data (late rows for the same day) gives another."""
    digest = hashlib.sha1(json.dumps(dict(settings), sort_keys=True, default=str).encode())
    if data is not None:
        ordered = data.sort_values("customer_id").reset_index(drop=True)
        digest.update(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes())
    return f"{scheme}-{as_of_date.replace('-', '')}-{digest.hexdigest()[:10]}"


def fit_from_settings(
    frames: FitFrames, scheme: str, settings: Mapping[str, Any] | None
) -> pd.DataFrame:
    """What a scheme's dbt Python model (and ``spark_fit``) calls: :func:`parse_settings` on
    the model's ``segmentation`` config, then :func:`fit_model`.

    dbt-duckdb prints the full traceback of any error a Python model raises; a segmentation
    error (a bad var, degenerate data) is the operator's to fix, so it is raised again without
    the package's internal frames: the message is what they need to read. (The model itself
    must call ``dbt.ref`` and ``dbt.config.get``: dbt finds them by parsing the model file.)
    """
    try:
        return fit_model(frames, *parse_settings(scheme, settings))
    except SegmentationConfigError as error:
        raise SegmentationConfigError(
            f"{error}. The scheme settings are dbt vars (dbt_project.yml: scheme_a_n_factors, "
            f"scheme_a_k, scheme_b_k, segmentation_*), passed by the model's config in "
            f"models/segmentation/fit/_fit__models.yml."
        ) from None
    except SegmentationError as error:
        raise error.with_traceback(None) from None


def fit_model(frames: FitFrames, config: SchemeConfig, run_options: RunOptions) -> pd.DataFrame:
    """Fit the scheme when ``run_options.refit`` says so: the new model's artifact rows, or none.

    ``frames.invocation`` is ``int_dbt_invocation``: on ``dbt build --empty`` (every ref read
    as zero rows) nothing is fitted and the model's schema is built from an empty frame; a real
    build whose fitting sample is empty still stops with the reason. ``frames.catalogue`` is
    the ``segment_catalogue`` seed: k must not exceed its codes for the scheme, and every
    fitted cluster must be non-empty and named, else nothing is stored. ``frames.twins`` is
    ``int_segment_twin_inputs`` (the established customers seen as new) or None: the functions
    that place new customers are fitted on it (``twins``).
    """
    if is_empty_build(frames) or keeps_stored_model(frames.existing, config, run_options):
        return no_new_model()
    fitted = existing_model_ids(frames.existing, config.scheme)
    codes = catalogue_codes(frames.catalogue, config.scheme)
    check_k_against_catalogue(config, codes)
    previous = (
        latest_model(frames.existing, config.scheme)
        if frames.existing is not None and fitted
        else None
    )
    artifacts = fit_for_warehouse(frames, config, run_options, previous)
    check_fitted_segments(artifacts, config, codes)
    model_id = str(artifacts["model_id"].iloc[0])
    if model_id in fitted:
        if previous is not None and model_id == str(previous["model_id"].iloc[0]):
            return no_new_model()  # the same model is already stored and current
        # Stored, but another model came after it: store it again, as the current one.
        n = 1
        while f"{model_id}-{n}" in fitted:
            n += 1
        artifacts["model_id"] = f"{model_id}-{n}"
    return artifacts


def keeps_stored_model(
    existing: duckdb.DuckDBPyRelation | None, config: SchemeConfig, run_options: RunOptions
) -> bool:
    """Whether a run of the scheme's fit keeps the stored model and fits nothing: ``refit``
    false, or auto with a model stored (warning when the settings ask for another model than
    the stored one). ``existing`` as :class:`FitFrames` holds it; raises when refit is false
    and the scheme has no model yet."""
    refit = run_options.refit
    fitted = existing_model_ids(existing, config.scheme)
    if refit == "false" and not fitted:
        raise SegmentationConfigError(
            f"var segmentation_refit is false but scheme {config.scheme} has no fitted model "
            f"yet: run once with segmentation_refit auto or true"
        )
    if refit == "false" or (refit == "auto" and fitted):
        warn_if_settings_changed(existing, config, refit)
        return True
    return False


def config_as_json(config: SchemeConfig) -> dict[str, Any]:
    """The configuration as the model_run artifact stores it (JSON types)."""
    return json.loads(json.dumps(dataclasses.asdict(config), default=list))


def warn_if_settings_changed(
    existing: duckdb.DuckDBPyRelation | None, config: SchemeConfig, refit: Refit
) -> None:
    """Warn when the vars ask for another model than the current one but no refit runs."""
    if existing is None:
        return
    rows = (
        existing.filter(
            f"scheme = '{config.scheme}' and artifact = 'model_run' and column_key = 'config'"
        )
        .order("as_of_date desc, model_id desc")
        .project("text_value")
        .fetchall()
    )
    if not rows or rows[0][0] is None:
        return
    stored = json.loads(rows[0][0])
    wanted = config_as_json(config)
    changed = sorted(name for name in wanted if name in stored and stored[name] != wanted[name])
    if not changed:
        return
    names = ", ".join(
        f"var {K_VAR[config.scheme] if name == 'k' else FIELD_VARS.get(name, name)} "
        f"({stored[name]} -> {wanted[name]})"
        for name in changed
    )
    operator_warning(
        f"scheme {config.scheme}: {names} changed, but segmentation_refit is {refit}, so the "
        f"stored model is kept and the change is ignored; run with segmentation_refit true to "
        f"fit with the new settings"
    )


def is_empty_build(frames: FitFrames) -> bool:
    """True on ``dbt build --empty``: ``int_dbt_invocation`` says so and the indicators are
    empty. Both, because a partial build that does not rebuild the invocation view may read
    the flag of an earlier ``--empty`` run; real indicators are never skipped."""
    if frames.invocation is None:
        return False
    if not bool(as_frame(frames.invocation, ["is_empty_build"])["is_empty_build"].any()):
        return False
    return as_frame(frames.indicators, ["customer_id"]).empty


def latest_model(existing: duckdb.DuckDBPyRelation, scheme: str) -> pd.DataFrame:
    """The artifacts of the scheme's latest stored model (latest as-of date, then fit time),
    without the per-customer rows a refit does not need (only each customer's group is kept,
    for the warm start)."""
    runs = existing.filter(
        f"scheme = '{scheme}' and artifact = 'model_run' and column_key = 'fitted_at_utc'"
    ).order("as_of_date desc, text_value desc, model_id desc")
    model_id = runs.limit(1).project("model_id").fetchall()[0][0]
    return existing.filter(
        f"model_id = '{model_id}' and "
        "(artifact != 'fitted_assignment' or column_key = 'segment_code')"
    ).df()


def existing_model_ids(existing: duckdb.DuckDBPyRelation | None, scheme: str) -> set[str]:
    """The ids of the models of ``scheme`` already stored in ``existing`` (the model's own
    table as a DuckDB relation, or None on a first build)."""
    if existing is None:
        return set()
    rows = existing.filter(f"scheme = '{scheme}'").project("model_id").distinct().fetchall()
    return {row[0] for row in rows}


# Schemes whose model cannot do without any input: a constant input stops the fit (scheme A
# drops it with a warning, recorded in the model's dropped_input artifact).
SCHEMES_WITHOUT_DROPPED_INPUTS = ("B",)


def check_inputs_vary(sample: pd.DataFrame, config: SchemeConfig) -> None:
    """Stop (scheme B) or warn (scheme A) when an input has no variation in the fitting
    sample: its segments would be meaningless (an export without trades puts everyone in
    high_activity with a turnover of 0)."""
    fills = config.fill_null_by_input
    constant = {}
    for column in config.inputs:
        values = sample[column].fillna(fills[column]) if column in fills else sample[column]
        if len(values) and bool((values == values.iloc[0]).all()):
            constant[column] = values.iloc[0]
    if not constant:
        return
    described = ", ".join(f"{name} (every customer {value:g})" for name, value in constant.items())
    if config.scheme in SCHEMES_WITHOUT_DROPPED_INPUTS:
        raise SegmentationInputError(
            f"scheme {config.scheme}: input(s) {described} have no variation in the fitting "
            f"sample of {len(sample)} customers, so its segments would be meaningless and "
            f"nothing was fitted or published. Check the raw export (a table empty or cut "
            f"short, e.g. no trades) before building again"
        )
    operator_warning(
        f"scheme {config.scheme}: input(s) {described} have no variation in the fitting sample "
        f"and are left out of the model (artifact dropped_input); check the raw export"
    )


def sample_shortfall(indicators: Relation, frame: pd.DataFrame) -> str:
    """Why the fitting sample is short, by cause, with what would help."""
    counts = as_frame(indicators, ["is_closed", "has_short_history", "is_outlier"])
    if counts.empty:
        return "customer_indicators has no rows: the customers table of the export is empty."
    closed = counts["is_closed"].fillna(False).astype(bool)
    short = counts["has_short_history"].fillna(False).astype(bool) & ~closed
    outlier = counts["is_outlier"].fillna(False).astype(bool) & ~closed & ~short
    open_count = int((~closed).sum())
    if open_count == 0:
        return (
            f"Every one of the {len(counts)} customers is closed on as_of_date: check the "
            f"export's close_date values or the var as_of_date (lowering "
            f"min_open_trading_days would not help)."
        )
    reasons = [f"{int(closed.sum())} closed"]
    if short.any():
        reasons.append(
            f"{int(short.sum())} with fewer open trading days than the var "
            f"min_open_trading_days (lower it, or use a longer export)"
        )
    if outlier.any():
        reasons.append(
            f"{int(outlier.sum())} outliers by the vars outlier_min_avg_daily_assets, "
            f"outlier_min_annual_trade_volume and outlier_max_customer_contribution"
        )
    return "Left out: " + "; ".join(reasons) + ". Use more data, or a smaller k."


def fit_for_warehouse(
    frames: FitFrames,
    config: SchemeConfig,
    run_options: RunOptions,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Fit ``config`` on the fitting sample of ``frames.indicators`` and return the artifact
    frame.

    ``previous`` is the scheme's latest stored model (its artifact rows): the refit starts
    K-means from its groups and keeps its codes where the naming rule is ambiguous. With
    ``frames.twins`` (``customer_id`` and the twin inputs) the functions that place new
    customers are fitted on the twins with priors ``run_options.twin_priors``; they are part of
    the model (and of its id).
    """
    scheme = config.scheme
    columns = ["customer_id", "as_of_date", FITTING_SAMPLE_FLAG, *config.inputs]
    frame = as_frame(frames.indicators, columns)  # only the columns the fit needs

    as_of_dates = frame["as_of_date"].dropna().unique()
    if len(as_of_dates) != 1:
        raise SegmentationInputError(
            f"customer_indicators must hold exactly one as_of_date to fit scheme {scheme}, "
            f"found {len(as_of_dates)}"
        )
    as_of_date = pd.Timestamp(as_of_dates[0]).date().isoformat()
    sample = frame.loc[frame[FITTING_SAMPLE_FLAG].astype(bool), ["customer_id", *config.inputs]]
    if len(sample) < config.k:
        raise SegmentationInputError(
            f"scheme {scheme}: only {len(sample)} of {len(frame)} customers are in the fitting "
            f"sample, fewer than k={config.k}. {sample_shortfall(frames.indicators, frame)}"
        )
    for column in config.inputs:
        sample[column] = pd.to_numeric(sample[column]).astype("float64")
    check_inputs_vary(sample, config)

    # The effective configuration, not the vars as given: equal settings share an id and
    # different ones never collide ("6" and 6 are the same k; a var left at its default too).
    twin_frame = twin_frame_of(frames.twins)
    identity = config_as_json(config)
    data = sample
    settings = dict(run_options.vars)
    twin_priors = run_options.twin_priors
    if twin_frame is not None:
        settings["twin_priors"] = twin_priors
        identity = {**identity, "twins": {"priors": twin_priors, "inputs": twin_inputs(twin_frame)}}
        data = sample.merge(
            twin_frame.add_prefix("twin_"),
            how="left",
            left_on="customer_id",
            right_on="twin_customer_id",
        )
    model_id = model_id_for(config.scheme, as_of_date, identity, data)
    with warnings.catch_warnings():
        # factor_analyzer 0.5.1 passes force_all_finite to scikit-learn 1.7.
        warnings.filterwarnings("ignore", message=".*force_all_finite.*", category=FutureWarning)
        result = fit_scheme(
            sample,
            config,
            model_id=model_id,
            run_metadata={"as_of_date": as_of_date, "vars": settings},
            previous=previous,
            twins=twin_frame,
            twin_inputs=twin_inputs(twin_frame) if twin_frame is not None else (),
            twin_priors=twin_priors,
        )
    artifacts = result_to_artifacts(result)
    artifacts["as_of_date"] = pd.Timestamp(as_of_date).date()
    return artifacts[list(WAREHOUSE_ARTIFACT_COLUMNS)]
