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


def group_statistics(
    x: np.ndarray, groups: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sufficient statistics: counts ``(G,)``, sums ``(G, p)`` and ``x' x`` ``(p, p)``.

    They add up over disjoint row sets, so cross-validation folds cost one pass over the data.
    """
    counts = np.bincount(groups, minlength=n_groups).astype(np.float64)
    sums = np.vstack([x[groups == g].sum(axis=0) for g in range(n_groups)])
    return counts, sums, x.T @ x


def functions_from_statistics(
    counts: np.ndarray, sums: np.ndarray, cross: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients ``(G, p)`` and constants ``(G,)`` from :func:`group_statistics`.

    Within-group SSCP = ``x'x - sum_g n_g m_g m_g'`` (the model inputs are z-scores, O(1), so
    the subtraction loses no meaningful precision).
    """
    n_groups = len(counts)
    n = counts.sum()
    if (counts == 0).any():
        raise SegmentationInputError(
            f"discriminant analysis: group(s) {np.flatnonzero(counts == 0).tolist()} are empty"
        )
    if n - n_groups < 1:
        raise SegmentationInputError(
            f"discriminant analysis needs more rows ({int(n)}) than groups ({n_groups})"
        )
    means = sums / counts[:, None]
    within = (cross - means.T @ sums) / (n - n_groups)
    within = (within + within.T) / 2.0
    try:
        coefficients = np.linalg.solve(within, means.T).T
    except np.linalg.LinAlgError:
        raise SegmentationInputError(
            "the pooled within-group covariance matrix is singular: some inputs are constant "
            "within every cluster or linearly dependent"
        ) from None
    constants = -0.5 * np.einsum("gp,gp->g", coefficients, means) + np.log(counts / n)
    return coefficients, constants


def nearest_centre_functions(centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Linear functions that reproduce the nearest-centre rule in the clustering space.

    ``score_g(x) = c_g' x - ||c_g||^2 / 2``: since ``||x - c_g||^2 = ||x||^2 - 2 score_g(x)``,
    the highest score is the nearest centre (up to floating-point near-ties). Returns
    ``(coefficients (G, m), constants (G,))`` on the model variables.
    """
    centres = np.asarray(centres, dtype=np.float64)
    return centres.copy(), -0.5 * np.einsum("gm,gm->g", centres, centres)


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


def fit_and_validate(
    x: np.ndarray, groups: np.ndarray, n_groups: int, folds: int, seed: int
) -> tuple[np.ndarray, np.ndarray, dict, dict]:
    """Classification functions on all rows, and their hit rates.

    Returns ``(coefficients, constants, resubstitution, cross_validated)``; each hit-rate dict
    is ``{'overall': share correct, 'per_group': share correct within each true group,
    'n_folds': folds used}``, cross-validation by stratified k-fold (shuffled with ``seed``).
    The number of folds is lowered to the smallest group's size when a group is smaller than
    ``folds``; with a group of one row no cross-validation is possible and the
    cross-validated rates are NaN (``n_folds`` 0).
    """
    counts, sums, cross = group_statistics(x, groups, n_groups)
    coefficients, constants = functions_from_statistics(counts, sums, cross)
    predicted = classify(x, coefficients, constants)[0]
    resubstitution = _rates(groups, predicted, n_groups)
    resubstitution["n_folds"] = np.nan
    used = min(folds, int(counts.min()))
    if used < 2:
        impossible = {"overall": np.nan, "per_group": np.full(n_groups, np.nan), "n_folds": 0.0}
        return coefficients, constants, resubstitution, impossible
    splitter = StratifiedKFold(n_splits=used, shuffle=True, random_state=seed)
    test_sets = [test for _, test in splitter.split(np.zeros(len(groups)), groups)]
    fold_stats = [group_statistics(x[test], groups[test], n_groups) for test in test_sets]
    predicted_cv = np.empty_like(groups)
    for test, (c_fold, s_fold, x_fold) in zip(test_sets, fold_stats, strict=True):
        c, c0 = functions_from_statistics(counts - c_fold, sums - s_fold, cross - x_fold)
        predicted_cv[test] = classify(x[test], c, c0)[0]
    cross_validated = _rates(groups, predicted_cv, n_groups)
    cross_validated["n_folds"] = float(used)
    return coefficients, constants, resubstitution, cross_validated


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
