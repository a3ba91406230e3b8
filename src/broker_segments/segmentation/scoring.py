"""Scoring: assign new rows to the segments of a fitted model.

A :class:`ScoringModel` holds only what assignment needs (standardisation, factor score
coefficients, centres, classification and assignment functions), built from a FitResult or
read back from the artifact frame (``artifacts.scoring_parameters``), so a model stored in
the warehouse scores exactly as the fit that produced it. The arithmetic is the one the SQL
side repeats (``artifacts.scoring_parameters`` says which artifacts it reads).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import cluster, discriminant
from .artifacts import scoring_parameters
from .records import FitResult
from .transform import prepare_inputs, standardise


@dataclass(frozen=True)
class ScoringModel:
    """The parameters needed to assign new rows, from a FitResult or from artifacts."""

    model_id: str
    scheme: str
    inputs: tuple[str, ...]
    transforms: dict[str, str]
    null_fill: dict[str, float]
    mean: np.ndarray
    std: np.ndarray
    score_coefficients: np.ndarray | None  # (n_inputs, m) or None without a factor step
    model_variables: tuple[str, ...]
    segment_codes: tuple[str, ...]  # sort order
    centres: np.ndarray  # (k, n model variables)
    function_coefficients: np.ndarray  # (k, n_inputs) Fisher's, on the z-scores
    function_constants: np.ndarray  # (k,)
    # nearest centre as linear functions on the model variables; None for a model stored
    # without them (classify then falls back to Fisher's)
    assignment_coefficients: np.ndarray | None = None  # (k, n model variables)
    assignment_constants: np.ndarray | None = None  # (k,)

    @classmethod
    def from_result(cls, result: FitResult) -> ScoringModel:
        standard = result.standardisation
        fm = result.factor_model
        functions = result.discrimination.classification_functions
        assignment = result.discrimination.assignment_functions
        return cls(
            model_id=result.model_id,
            scheme=result.scheme,
            inputs=tuple(standard.inputs),
            transforms=dict(standard.transforms),
            null_fill=dict(standard.null_fill),
            mean=standard.mean.to_numpy(),
            std=standard.std.to_numpy(),
            score_coefficients=None if fm is None else fm.score_coefficients.to_numpy(),
            model_variables=tuple(result.model_variables),
            segment_codes=tuple(result.segment_codes),
            centres=result.centres.to_numpy(),
            function_coefficients=functions[list(result.inputs)].to_numpy(),
            function_constants=functions["constant"].to_numpy(),
            assignment_coefficients=assignment[list(result.model_variables)].to_numpy(),
            assignment_constants=assignment["constant"].to_numpy(),
        )

    @classmethod
    def from_artifacts(cls, artifacts: pd.DataFrame, model_id: str | None = None) -> ScoringModel:
        """Read the parameters back from the long artifact frame (one model_id)."""
        return cls(**scoring_parameters(artifacts, model_id))

    def standardised(self, frame: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
        ids, _, transformed = prepare_inputs(
            frame, self.inputs, self.transforms, self.null_fill, require_unique_ids=False
        )
        return ids, standardise(transformed, self.mean, self.std)

    def model_space(self, z: np.ndarray) -> np.ndarray:
        return z if self.score_coefficients is None else z @ self.score_coefficients

    def score(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Nearest centre: customer_id, segment_code, distance_to_centre, model variables."""
        ids, z = self.standardised(frame)
        x = self.model_space(z)
        segment, distance = cluster.nearest_centre(x, self.centres)
        return pd.DataFrame(
            {
                "customer_id": ids.to_numpy(),
                "segment_code": np.asarray(self.segment_codes, dtype=object)[segment],
                "distance_to_centre": distance,
                **{name: x[:, j] for j, name in enumerate(self.model_variables)},
            },
            index=frame.index,
        )

    def classify(self, frame: pd.DataFrame, function_set: str = "nearest_centre") -> pd.DataFrame:
        """Classification functions: customer_id, segment_code, classification_score,
        posterior_probability (a softmax of the scores; exact under the LDA model only).

        ``function_set``: ``nearest_centre`` (default; the assignment functions on the model
        variables, which agree with K-means, or Fisher's for a model stored without them) or
        ``fisher`` (Fisher's functions on the z-scores, the SPSS diagnostic)."""
        if function_set not in ("nearest_centre", "fisher"):
            raise ValueError(
                f"function_set must be 'nearest_centre' or 'fisher', got {function_set!r}"
            )
        ids, z = self.standardised(frame)
        if (
            function_set == "nearest_centre"
            and self.assignment_coefficients is not None
            and self.assignment_constants is not None
        ):
            x, coefficients, constants = (
                self.model_space(z),
                self.assignment_coefficients,
                self.assignment_constants,
            )
        else:
            x, coefficients, constants = z, self.function_coefficients, self.function_constants
        group, best, posterior = discriminant.classify(x, coefficients, constants)
        return pd.DataFrame(
            {
                "customer_id": ids.to_numpy(),
                "segment_code": np.asarray(self.segment_codes, dtype=object)[group],
                "classification_score": best,
                "posterior_probability": posterior,
            },
            index=frame.index,
        )


def _model(model: FitResult | ScoringModel | pd.DataFrame, model_id: str | None) -> ScoringModel:
    if isinstance(model, ScoringModel):
        return model
    if isinstance(model, pd.DataFrame):
        return ScoringModel.from_artifacts(model, model_id)
    if isinstance(model, FitResult):
        return ScoringModel.from_result(model)
    raise TypeError(f"expected a FitResult, ScoringModel or artifact DataFrame, got {type(model)}")


def score(
    frame: pd.DataFrame,
    model: FitResult | ScoringModel | pd.DataFrame,
    model_id: str | None = None,
) -> pd.DataFrame:
    """Assign ``frame`` rows to the nearest stored centre.

    ``model`` is a FitResult, a ScoringModel or the artifact frame (``model_id`` picks one
    model when it holds several). ``frame`` needs ``customer_id`` and the model's kept inputs.
    Returns customer_id, segment_code, distance_to_centre and the model variables, in the
    frame's order and index.
    """
    return _model(model, model_id).score(frame)


def classify(
    frame: pd.DataFrame,
    model: FitResult | ScoringModel | pd.DataFrame,
    model_id: str | None = None,
    function_set: str = "nearest_centre",
) -> pd.DataFrame:
    """Assign ``frame`` rows with classification functions (highest score wins): the
    nearest-centre assignment functions by default, ``function_set='fisher'`` for Fisher's.

    Returns customer_id, segment_code, classification_score, posterior_probability.
    """
    return _model(model, model_id).classify(frame, function_set)
