"""Fisher's linear classification functions (SPSS "Classification Function Coefficients").

With the pooled within-group covariance ``S = sum_g sum_{i in g} (x_i - m_g)(x_i - m_g)' / (n - G)``
of the model inputs ``x`` (here: the z-scores of the transformed indicators) and the prior
``p_g = n_g / n`` (group shares):

    c_g  = S^-1 m_g
    c_g0 = -0.5 m_g' S^-1 m_g + ln p_g
    score_g(x) = c_g0 + c_g' x

A row is classified to the group with the highest score (ties: the group listed first). The
posterior probability is ``exp(score_g) / sum_h exp(score_h)`` (exact under the LDA model).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from .errors import SegmentationInputError


def fit_functions(
    x: np.ndarray, groups: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients ``(n_groups, p)`` and constants ``(n_groups,)``; groups are 0..n_groups-1."""
    n, p = x.shape
    counts = np.bincount(groups, minlength=n_groups).astype(np.float64)
    if (counts == 0).any():
        raise SegmentationInputError(
            f"discriminant analysis: group(s) {np.flatnonzero(counts == 0).tolist()} are empty"
        )
    if n - n_groups < 1:
        raise SegmentationInputError(
            f"discriminant analysis needs more rows ({n}) than groups ({n_groups})"
        )
    means = np.vstack([x[groups == g].mean(axis=0) for g in range(n_groups)])
    centred = x - means[groups]
    within = centred.T @ centred / (n - n_groups)
    try:
        coefficients = np.linalg.solve(within, means.T).T
    except np.linalg.LinAlgError:
        raise SegmentationInputError(
            "the pooled within-group covariance matrix is singular: some inputs are constant "
            "within every cluster or linearly dependent"
        ) from None
    constants = -0.5 * np.einsum("gp,gp->g", coefficients, means) + np.log(counts / n)
    return coefficients, constants


def classification_scores(
    x: np.ndarray, coefficients: np.ndarray, constants: np.ndarray
) -> np.ndarray:
    return x @ coefficients.T + constants


def classify(
    x: np.ndarray, coefficients: np.ndarray, constants: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(group, best score, posterior probability)`` per row."""
    scores = classification_scores(x, coefficients, constants)
    best = scores.argmax(axis=1)
    top = scores[np.arange(len(best)), best]
    posterior = 1.0 / np.exp(scores - top[:, None]).sum(axis=1)
    return best, top, posterior


def hit_rates(
    x: np.ndarray, groups: np.ndarray, n_groups: int, folds: int, seed: int
) -> tuple[dict[str, np.ndarray | float], dict[str, np.ndarray | float]]:
    """Resubstitution and stratified k-fold cross-validated hit rates.

    Each is ``{'overall': share correct, 'per_group': share correct within each true group,
    'n_folds': folds used}``. The number of folds is lowered to the smallest group's size when
    a group is smaller than ``folds``; with a group of one row no cross-validation is possible
    and the cross-validated rates are NaN (``n_folds`` 0).
    """
    coefficients, constants = fit_functions(x, groups, n_groups)
    predicted = classify(x, coefficients, constants)[0]
    resubstitution = _rates(groups, predicted, n_groups)
    resubstitution["n_folds"] = np.nan
    smallest = int(np.bincount(groups, minlength=n_groups).min())
    used = min(folds, smallest)
    if used < 2:
        return resubstitution, {
            "overall": np.nan,
            "per_group": np.full(n_groups, np.nan),
            "n_folds": 0.0,
        }
    predicted_cv = np.empty_like(groups)
    splitter = StratifiedKFold(n_splits=used, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(groups)), groups):
        c, c0 = fit_functions(x[train], groups[train], n_groups)
        predicted_cv[test] = classify(x[test], c, c0)[0]
    cross_validated = _rates(groups, predicted_cv, n_groups)
    cross_validated["n_folds"] = float(used)
    return resubstitution, cross_validated


def _rates(truth: np.ndarray, predicted: np.ndarray, n_groups: int) -> dict:
    correct = truth == predicted
    per_group = np.array(
        [correct[truth == g].mean() if (truth == g).any() else np.nan for g in range(n_groups)]
    )
    return {"overall": float(correct.mean()), "per_group": per_group}


def functions_frame(
    coefficients: np.ndarray, constants: np.ndarray, codes: list[str], variables: list[str]
) -> pd.DataFrame:
    frame = pd.DataFrame(
        coefficients, index=pd.Index(codes, name="segment_code"), columns=variables
    )
    frame["constant"] = constants
    return frame
