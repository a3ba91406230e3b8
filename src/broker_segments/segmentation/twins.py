"""Placing new customers by classification functions trained on their established twins:
:func:`fit_twin_placement` fits Fisher's functions on the twins' comparable inputs
(``int_segment_twin_inputs``), transformed and standardised by the twins' own mean and
population std, with each twin's class its customer's K-means segment; :class:`TwinPlacement`
holds them and places a customer in the segment of the highest score. Why twins, their
inputs and how well they place new customers: docs/domain.md, "Who is fitted, and how every
customer gets a segment" ("Placing new customers by their twins").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from broker_segments.project import TWIN_NULL_FILL, TWIN_TRANSFORMS

from . import discriminant
from .errors import SegmentationInputError
from .transform import apply_transform

# The default inputs (var new_customer_twin_inputs): scheme A's inputs a short history measures.
DEFAULT_TWIN_INPUTS = (
    "annual_commission",
    "interest_margin_contribution",
    "avg_daily_market_value",
    "annual_trade_volume",
    "annual_turnover",
    "trade_count",
    "active_trading_days",
    "product_breadth",
    "active_months",
)


@dataclass(frozen=True)
class TwinPlacement:
    """The twin functions of one model: standardisation of the inputs and one linear function
    per segment (display order)."""

    inputs: list[str]
    means: np.ndarray  # (p,) of the transformed inputs, over the twins
    stds: np.ndarray  # (p,) population std
    segment_codes: list[str]
    coefficients: np.ndarray  # (G, p) on the inputs' z-scores
    constants: np.ndarray  # (G,), including ln prior
    priors: str
    n_twins: int
    counts: np.ndarray = field(repr=False)  # twins per segment

    def z_scores(self, frame: pd.DataFrame) -> np.ndarray:
        """The twin z-scores of ``frame`` (the inputs, raw, as columns)."""
        return _z_scores(frame, self.inputs, self.means, self.stds)

    def place(self, frame: pd.DataFrame) -> np.ndarray:
        """The segment code each row of ``frame`` (raw comparable inputs) is placed in."""
        scores = discriminant.classification_scores(
            self.z_scores(frame), self.coefficients, self.constants
        )
        return np.asarray(self.segment_codes, dtype=object)[scores.argmax(axis=1)]

    def standardisation_frame(self) -> pd.DataFrame:
        """input x (position, mean, std, null_fill); transforms in ``transforms()``."""
        return pd.DataFrame(
            {
                "position": np.arange(1, len(self.inputs) + 1, dtype=np.float64),
                "mean": self.means,
                "std": self.stds,
                "null_fill": [TWIN_NULL_FILL.get(name, np.nan) for name in self.inputs],
            },
            index=pd.Index(self.inputs, name="input"),
        )

    def transforms(self) -> list[str]:
        return [TWIN_TRANSFORMS[name] for name in self.inputs]

    def functions_frame(self) -> pd.DataFrame:
        """segment_code x (inputs..., constant, prior, n)."""
        frame = pd.DataFrame(self.coefficients, index=self.segment_codes, columns=self.inputs)
        frame["constant"] = self.constants
        frame["prior"] = discriminant.prior_probabilities(self.counts, self.priors)
        frame["n"] = self.counts
        frame.index.name = "segment_code"
        return frame


def _transformed(frame: pd.DataFrame, inputs: Sequence[str]) -> np.ndarray:
    columns = []
    for name in inputs:
        values = pd.to_numeric(frame[name]).astype("float64")
        if name in TWIN_NULL_FILL:
            values = values.fillna(TWIN_NULL_FILL[name])
        if values.isna().any():
            raise SegmentationInputError(
                f"twin placement: input {name} has {int(values.isna().sum())} null value(s)"
            )
        columns.append(apply_transform(values.to_numpy(), TWIN_TRANSFORMS[name], name))
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


def _z_scores(
    frame: pd.DataFrame, inputs: Sequence[str], means: np.ndarray, stds: np.ndarray
) -> np.ndarray:
    return (_transformed(frame, inputs) - means) / stds


def check_twin_inputs(inputs: Sequence[str]) -> list[str]:
    inputs = list(inputs)
    unknown = [name for name in inputs if name not in TWIN_TRANSFORMS]
    if not inputs or unknown or len(set(inputs)) != len(inputs):
        raise SegmentationInputError(
            f"twin placement inputs must be distinct names of {sorted(TWIN_TRANSFORMS)}, "
            f"got {inputs}"
        )
    return inputs


def fit_twin_placement(
    twins: pd.DataFrame,
    assignments: pd.DataFrame,
    segment_codes: Sequence[str],
    inputs: Sequence[str] = DEFAULT_TWIN_INPUTS,
    priors: str = "size",
) -> TwinPlacement:
    """Fit the twin functions.

    ``twins``: ``customer_id`` and the raw comparable ``inputs`` of each established
    customer's twin (``int_segment_twin_inputs``). ``assignments``: ``customer_id`` and
    ``segment_code``, the customers' K-means segments (the fit's). A twin without a segment (not
    in the fitting sample) is left out; an input constant over the twins is an error (the
    pooled covariance would be singular), as is a segment without a twin.
    """
    inputs = check_twin_inputs(inputs)
    codes = list(segment_codes)
    segment = assignments.set_index("customer_id")["segment_code"]
    frame = twins.loc[twins["customer_id"].isin(segment.index)]
    if frame.empty:
        raise SegmentationInputError("twin placement: no twin is a customer of the fit")
    labels = frame["customer_id"].map(segment)
    order = {code: g for g, code in enumerate(codes)}
    if not labels.isin(order).all():
        raise SegmentationInputError("twin placement: a twin's segment is not the model's")
    groups = labels.map(order).to_numpy(dtype=np.int64)
    transformed = _transformed(frame, inputs)
    means = transformed.mean(axis=0)
    stds = transformed.std(axis=0)
    constant = {
        name: frame[name].iloc[0] for name, s in zip(inputs, stds, strict=True) if not s > 0
    }
    if constant:
        described = ", ".join(f"{name} (every twin {value:g})" for name, value in constant.items())
        raise SegmentationInputError(
            f"twin placement: input(s) {described} have no variation over the {len(frame)} "
            f"twins, so they cannot tell the groups apart. Check the raw export first (a table "
            f"empty or cut short, e.g. no trades, makes every twin 0); if the export is right, "
            f"leave them out of var new_customer_twin_inputs"
        )
    z = (transformed - means) / stds
    counts, sums, cross = discriminant.group_statistics(z, groups, len(codes))
    coefficients, constants = discriminant.functions_from_statistics(counts, sums, cross, priors)
    return TwinPlacement(
        inputs=inputs,
        means=means,
        stds=stds,
        segment_codes=codes,
        coefficients=coefficients,
        constants=constants,
        priors=priors,
        n_twins=len(frame),
        counts=counts,
    )
