"""Input checks, transforms and standardisation (shared by fitting and scoring).

Order of operations, identical when fitting and when scoring new rows (the SQL side must
follow it too): fill configured nulls with a raw value -> transform -> ``z = (t - mean) / std``
with the mean and *population* standard deviation (ddof=0) of the transformed fitting sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import SegmentationInputError

# A correlation matrix whose smallest eigenvalue is below this is treated as singular: the
# factor score coefficients (R^-1 L) and the discriminant functions (S^-1 m) would be noise.
SINGULAR_EIGENVALUE = 1e-8


def apply_transform(values: np.ndarray, transform: str, name: str) -> np.ndarray:
    """Apply one named transform (``config.TRANSFORMS``; docs/domain.md, "Scheme A") to a
    float array."""
    if transform == "none":
        return values.astype(np.float64, copy=True)
    if transform == "signed_log1p":
        return np.sign(values) * np.log1p(np.abs(values))
    if transform == "log1p":
        negative = values < 0
        if negative.any():
            raise SegmentationInputError(
                f"input {name!r} has {int(negative.sum())} negative value(s) "
                f"(min {values[negative].min():g}); its transform log1p needs values >= 0"
            )
        return np.log1p(values)
    raise SegmentationInputError(f"unknown transform {transform!r} for input {name!r}")


def prepare_inputs(
    frame: pd.DataFrame,
    inputs: Sequence[str],
    transforms: Mapping[str, str],
    fill_null: Mapping[str, float],
    *,
    require_unique_ids: bool = True,
) -> tuple[pd.Series, pd.DataFrame, np.ndarray]:
    """Check ``frame`` and return ``(customer_id, raw, transformed)``.

    ``raw`` holds the inputs as float64 after the null fill (used for the cluster profiles),
    ``transformed`` the (n, len(inputs)) array after the transforms. Raises
    :class:`SegmentationInputError` naming the column for: a missing column, a null or duplicate
    customer_id, a non-numeric input, and every null (not covered by ``fill_null``) or
    infinite value, with its count.
    """
    if not isinstance(frame, pd.DataFrame):
        raise SegmentationInputError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in ["customer_id", *inputs] if c not in frame.columns]
    if missing:
        raise SegmentationInputError(
            f"input frame lacks column(s) {missing}; it has {list(frame.columns)}"
        )
    ids = frame["customer_id"]
    if ids.isna().any():
        raise SegmentationInputError(
            f"customer_id is null in {int(ids.isna().sum())} row(s) of {len(frame)}"
        )
    if require_unique_ids and ids.duplicated().any():
        dupes = ids[ids.duplicated()].astype(str).unique()[:5].tolist()
        raise SegmentationInputError(
            f"customer_id is not unique: {int(ids.duplicated().sum())} duplicate row(s), "
            f"e.g. {dupes}"
        )
    raw = {}
    problems = []
    for name in inputs:
        column = frame[name]
        try:
            values = pd.to_numeric(column, errors="raise").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
        except (TypeError, ValueError):
            raise SegmentationInputError(
                f"input {name!r} is not numeric (dtype {column.dtype})"
            ) from None
        nulls = np.isnan(values)
        if nulls.any():
            if name in fill_null:
                values = np.where(nulls, float(fill_null[name]), values)
            else:
                problems.append(f"{name!r}: {int(nulls.sum())} null")
        infinite = np.isinf(values)
        if infinite.any():
            problems.append(f"{name!r}: {int(infinite.sum())} infinite")
        raw[name] = values
    if problems:
        raise SegmentationInputError(
            f"inputs have null or infinite values ({'; '.join(problems)}) in {len(frame)} rows; "
            "fill or exclude them upstream (only configured fills are applied: "
            f"{dict(fill_null) or 'none'})"
        )
    raw_frame = pd.DataFrame(raw, index=frame.index)
    transformed = (
        np.column_stack([apply_transform(raw[name], transforms[name], name) for name in inputs])
        if inputs
        else np.empty((len(frame), 0))
    )
    return ids, raw_frame, transformed


def standardise(values: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """``(values - mean) / std`` column-wise."""
    return (values - mean) / std


def zero_variance_columns(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(mean, std, is_constant)`` per column; population std (ddof=0).

    A column counts as constant when its std is below 1e-12 times (1 + |mean|): at that size
    the z-scores would be rounding noise.
    """
    mean = values.mean(axis=0)
    std = values.std(axis=0, ddof=0)
    is_constant = std <= 1e-12 * (1.0 + np.abs(mean))
    return mean, std, is_constant


REFERENCE_BINS = 10  # deciles: the usual bins of the population stability index


def reference_bins(z: np.ndarray, names: Sequence[str], bins: int = REFERENCE_BINS) -> pd.DataFrame:
    """Each input's reference distribution on the fitting sample, for drift (the PSI).

    ``z`` is the fit sample's z-scores (rows x ``names``). Per input, the edges are its
    ``bins``-quantiles, each moved to halfway between the two distinct fit-sample values it
    falls between (so no fitted value lies on an edge, and a z-score recomputed in SQL with a
    rounding difference lands in the same bin), dropped when no value lies above it, and made
    unique (a value that many customers share, e.g. no trade, merges the bins it spans). Bin
    ``b`` (1-based) holds ``lower_edge < z <= upper_edge``; the first bin has no lower edge and
    the last no upper edge (NaN). Returns one row per (input, bin): ``input_name``, ``bin``,
    ``lower_edge``, ``upper_edge``, ``fit_share`` (share of the fit sample in the bin; the
    shares of an input add up to 1).
    """
    rows = []
    for j, name in enumerate(names):
        values = np.sort(z[:, j])
        distinct = np.unique(values)
        midpoints = []
        for q in np.quantile(values, np.arange(1, bins) / bins):
            above = distinct[distinct > q]
            if len(above):
                midpoints.append((distinct[distinct <= q].max() + above[0]) / 2.0)
        edges = np.unique(midpoints)
        counts = np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)
        lower = np.concatenate([[np.nan], edges])
        upper = np.concatenate([edges, [np.nan]])
        for b, count in enumerate(counts):
            rows.append((name, b + 1, lower[b], upper[b], count / len(values)))
    columns = ["input_name", "bin", "lower_edge", "upper_edge", "fit_share"]
    return pd.DataFrame(rows, columns=columns)


def check_not_singular(corr: np.ndarray, names: Sequence[str]) -> None:
    """Raise if the correlation matrix is (nearly) singular, naming the variables involved.

    The eigenvector of the smallest eigenvalue is the near-exact linear combination among the
    standardised inputs; the variables with the largest weights in it are the ones to look at
    (e.g. one input is the sum of two others).
    """
    eigenvalues, eigenvectors = np.linalg.eigh(corr)
    smallest = float(eigenvalues[0])
    if smallest >= SINGULAR_EIGENVALUE:
        return
    weights = eigenvectors[:, 0]
    order = np.argsort(-np.abs(weights))
    involved = [
        f"{names[i]} ({weights[i]:+.2f})"
        for i in order
        if abs(weights[i]) >= 0.1 * abs(weights[order[0]])
    ][:6]
    raise SegmentationInputError(
        "the correlation matrix of the standardised inputs is singular or nearly so "
        f"(smallest eigenvalue {smallest:.3g}): an (almost) exact linear combination links "
        f"{', '.join(involved)}; drop or redefine one of these inputs"
    )
