"""The entry point of the dbt Python models: fit one scheme on the warehouse's indicators.

A dbt Python model (``python_models/segmentation/``) reads ``customer_indicators``, calls
:func:`fit_for_warehouse` and returns its frame; everything else (SQL scoring of every
customer, the diagnostics tables) reads that frame from the warehouse. Kept here, not in the
model file, so it is covered by pytest.

Who is fitted: the rows of ``customer_indicators`` flagged ``is_in_fitting_sample`` (open
accounts with enough history that are not outliers by the paper's rule; the thresholds are dbt
vars of the indicator mart).

Fit or score: the models are append-only (every fitted model is kept). The setting ``refit``
(dbt var ``segmentation_refit``) decides whether a run fits: ``auto`` fits only a scheme that
has no model yet, ``true`` fits now, ``false`` never fits. A run that does not fit returns no
rows and everyone is scored in SQL with the scheme's latest model. A model id is a hash of the
scheme, as-of date, settings and fitting data, so fitting the same thing twice adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .artifacts import ARTIFACT_COLUMNS
from .config import config_from_vars
from .errors import SegmentationConfigError, SegmentationError, SegmentationInputError
from .fit import fit_scheme

FITTING_SAMPLE_FLAG = "is_in_fitting_sample"


REFIT_CHOICES = ("auto", "true", "false")
# The artifact frame as the warehouse stores it: the package's columns plus the as-of date.
WAREHOUSE_ARTIFACT_COLUMNS = (*ARTIFACT_COLUMNS[:2], "as_of_date", *ARTIFACT_COLUMNS[2:])


def no_new_model() -> pd.DataFrame:
    """An empty artifact frame, typed like a real one, for a run that does not fit."""
    types = {"as_of_date": "datetime64[us]", "value": "float64"}
    return pd.DataFrame(
        {name: pd.Series(dtype=types.get(name, "object")) for name in WAREHOUSE_ARTIFACT_COLUMNS}
    )


def refit_choice(value: Any) -> str:
    """The ``segmentation_refit`` var as one of ``auto``, ``true``, ``false``."""
    text = "auto" if value is None else str(value).strip().lower()
    if text not in REFIT_CHOICES:
        raise SegmentationConfigError(
            f"var segmentation_refit is {value!r}; use auto (fit a scheme only when it has no "
            f"model yet), true (refit now) or false (score with the latest model)"
        )
    return text


def settings_from_config(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """The scheme settings a model's YAML config passes (dbt vars rendered to strings).

    Settings left empty (a var set to null) fall back to the scheme's default.
    """
    return {
        name: value
        for name, value in (settings or {}).items()
        if value is not None and str(value).strip() != ""
    }


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


def fit_model(
    indicators: Any,
    scheme: str,
    settings: Mapping[str, Any] | None = None,
    existing: Any = None,
    invocation: Any = None,
) -> pd.DataFrame:
    """What a scheme's dbt Python model calls: fit when ``refit`` says so, with clear errors.

    ``existing`` is the model's own table (``dbt.this``) on an incremental run, else None.
    ``invocation`` is ``int_dbt_invocation``: on ``dbt build --empty`` (every ref read as zero
    rows) nothing is fitted and the model's schema is built from an empty frame; a real build
    whose fitting sample is empty still stops with the reason.
    dbt-duckdb prints the full traceback of any error a Python model raises; a segmentation
    error (a bad var, degenerate data) is the operator's to fix, so it is raised again without
    the package's internal frames: the message is what they need to read. (The model itself
    must call ``dbt.ref`` and ``dbt.config.get``: dbt finds them by parsing the model file.)
    """
    try:
        settings = dict(settings or {})
        refit = refit_choice(settings.pop("refit", "auto"))
        if is_empty_build(invocation, indicators):
            return no_new_model()
        fitted = existing_model_ids(existing, scheme)
        if refit == "false" and not fitted:
            raise SegmentationConfigError(
                f"var segmentation_refit is false but scheme {scheme} has no fitted model yet: "
                f"run once with segmentation_refit auto or true"
            )
        if refit == "false" or (refit == "auto" and fitted):
            return no_new_model()
        previous = latest_model(existing, scheme) if fitted else None
        artifacts = fit_for_warehouse(indicators, scheme, settings, previous)
        if artifacts["model_id"].iloc[0] in fitted:
            return no_new_model()  # the same model is already stored
        return artifacts
    except SegmentationConfigError as error:
        raise SegmentationConfigError(
            f"{error}. The scheme settings are dbt vars (dbt_project.yml: scheme_a_n_factors, "
            f"scheme_a_k, scheme_b_k, segmentation_*), passed by the model's config in "
            f"python_models/segmentation/_segmentation__models.yml."
        ) from None
    except SegmentationError as error:
        raise error.with_traceback(None) from None


def is_empty_build(invocation: Any, indicators: Any) -> bool:
    """True on ``dbt build --empty``: ``int_dbt_invocation`` says so and the indicators are
    empty. Both, because a partial build that does not rebuild the invocation view may read
    the flag of an earlier ``--empty`` run; real indicators are never skipped."""
    if invocation is None:
        return False
    flags = invocation.df() if hasattr(invocation, "df") else pd.DataFrame(invocation)
    if not bool(flags["is_empty_build"].any()):
        return False
    if hasattr(indicators, "limit"):
        return not indicators.limit(1).fetchall()
    return len(indicators) == 0


def latest_model(existing: Any, scheme: str) -> pd.DataFrame:
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


def existing_model_ids(existing: Any, scheme: str) -> set[str]:
    """The ids of the models of ``scheme`` already stored in ``existing`` (the model's own
    table as a DuckDB relation, or None on a first build)."""
    if existing is None:
        return set()
    rows = existing.filter(f"scheme = '{scheme}'").project("model_id").distinct().fetchall()
    return {row[0] for row in rows}


def fit_for_warehouse(
    indicators: Any,
    scheme: str,
    settings: Mapping[str, Any] | None = None,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Fit ``scheme`` on the fitting sample of ``indicators`` and return the artifact frame.

    ``indicators`` is the ``customer_indicators`` relation (a DuckDB relation, as
    ``dbt.ref()`` gives in dbt-duckdb) or a pandas frame with its columns. ``previous`` is the
    scheme's latest stored model (its artifact rows): the refit starts K-means from its groups
    and keeps its codes where the naming rule is ambiguous.
    """
    settings = settings_from_config(settings)
    config = config_from_vars(scheme, settings)
    columns = ["customer_id", "as_of_date", FITTING_SAMPLE_FLAG, *config.inputs]
    if hasattr(indicators, "project"):
        # Pull only the columns the fit needs out of the warehouse.
        frame = indicators.project(", ".join(columns)).df()
    else:
        frame = pd.DataFrame(indicators)[columns]

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
            f"sample (open, at least min_open_trading_days of history, not an outlier), fewer "
            f"than k={config.k}. Use more data, or lower the var min_open_trading_days."
        )
    for column in config.inputs:
        sample[column] = pd.to_numeric(sample[column]).astype("float64")

    model_id = model_id_for(config.scheme, as_of_date, settings, sample)
    with warnings.catch_warnings():
        # factor_analyzer 0.5.1 passes force_all_finite to scikit-learn 1.7.
        warnings.filterwarnings("ignore", message=".*force_all_finite.*", category=FutureWarning)
        result = fit_scheme(
            sample,
            config,
            model_id=model_id,
            run_metadata={"as_of_date": as_of_date, "vars": settings},
            previous=previous,
        )
    artifacts = result.to_artifacts()
    artifacts["as_of_date"] = pd.Timestamp(as_of_date).date()
    return artifacts[list(WAREHOUSE_ARTIFACT_COLUMNS)]
