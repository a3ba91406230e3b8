"""Factor analysis as SPSS does it: adequacy, principal components, varimax, regression scores.

All functions take the standardised inputs ``z`` (population std, so ``z.T @ z / n`` is the
correlation matrix R) or R itself.

* KMO: with the anti-image (partial) correlations ``q_ij = -P_ij / sqrt(P_ii P_jj)``,
  ``P = R^-1``: ``KMO_j = sum_i r_ij^2 / (sum_i r_ij^2 + sum_i q_ij^2)`` over ``i != j``, and the
  overall KMO with both sums over all off-diagonal pairs.
* Bartlett's test of sphericity: ``chi2 = -(n - 1 - (2p + 5) / 6) ln|R|``, ``df = p(p-1)/2``.
* Extraction: principal components of R (factor_analyzer, ``method='principal'``), loadings
  ``L = V sqrt(lambda)`` for the kept components; rotation: varimax with Kaiser normalisation.
  Rotated factors keep the order the rotation gives them and each factor's sign is chosen so
  its loadings sum to a positive number (factor_analyzer's convention).
* Regression factor score coefficients ``W = R^-1 L_rot``; factor scores ``F = z W``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from factor_analyzer import FactorAnalyzer
from scipy import stats

from .errors import SegmentationInputError


def correlation(z: np.ndarray) -> np.ndarray:
    """Correlation matrix of standardised columns (mean 0, population std 1)."""
    r = z.T @ z / z.shape[0]
    r = (r + r.T) / 2.0
    np.fill_diagonal(r, 1.0)
    return r


def kmo(r: np.ndarray) -> tuple[np.ndarray, float]:
    """Kaiser-Meyer-Olkin measure per variable and overall, from the correlation matrix."""
    p = np.linalg.inv(r)
    d = np.sqrt(np.diag(p))
    q = -p / np.outer(d, d)
    r2 = r**2
    q2 = q**2
    np.fill_diagonal(r2, 0.0)
    np.fill_diagonal(q2, 0.0)
    per_variable = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    overall = float(r2.sum() / (r2.sum() + q2.sum()))
    return per_variable, overall


def bartlett(r: np.ndarray, n: int) -> dict[str, float]:
    """Bartlett's test of sphericity: chi_square, df, p_value (and n)."""
    n_vars = r.shape[0]
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        raise SegmentationInputError("the correlation matrix is not positive definite")
    chi_square = -(n - 1 - (2 * n_vars + 5) / 6.0) * logdet
    df = n_vars * (n_vars - 1) / 2.0
    return {
        "chi_square": float(chi_square),
        "df": float(df),
        "p_value": float(stats.chi2.sf(chi_square, df)),
        "n": float(n),
    }


@dataclass(frozen=True)
class FactorModel:
    """A fitted principal-components factor model (all frames indexed by variable)."""

    eigenvalues: np.ndarray  # all p initial eigenvalues of R, descending
    unrotated_loadings: pd.DataFrame
    loadings: pd.DataFrame  # rotated (or unrotated when n_factors == 1 / rotation 'none')
    score_coefficients: pd.DataFrame  # W = R^-1 L
    communalities: pd.DataFrame  # columns initial (1.0), extraction
    variance_explained: pd.DataFrame  # index component 1..p, SPSS "Total Variance Explained"

    @property
    def factor_names(self) -> list[str]:
        return list(self.loadings.columns)

    def scores(self, z: np.ndarray) -> np.ndarray:
        return z @ self.score_coefficients.to_numpy()


def n_factors_kaiser(eigenvalues: np.ndarray) -> int:
    """Number of eigenvalues above 1 (Kaiser criterion), at least 1."""
    return max(1, int((eigenvalues > 1.0).sum()))


def fit_factor_model(
    z: np.ndarray, names: list[str], n_factors: int | None, rotation: str = "varimax"
) -> FactorModel:
    """Principal-components extraction of ``n_factors`` (None = eigenvalue > 1) and rotation."""
    r = correlation(z)
    eigenvalues = np.linalg.eigvalsh(r)[::-1]
    n_vars = len(names)
    m = n_factors_kaiser(eigenvalues) if n_factors is None else int(n_factors)
    if not 1 <= m <= n_vars:
        raise SegmentationInputError(
            f"n_factors={m} but only {n_vars} input(s) are left in the model ({names})"
        )
    unrotated = _principal_loadings(r, m)
    rotated = _fit_factor_analyzer(r, m, "varimax" if rotation == "varimax" and m > 1 else None)
    # SPSS lists the rotated factors by their rotation sums of squared loadings, largest first.
    rotated = rotated[:, np.argsort(-(rotated**2).sum(axis=0), kind="stable")]
    factors = [f"factor_{j + 1}" for j in range(m)]
    coefficients = np.linalg.solve(r, rotated)
    extraction = (rotated**2).sum(axis=1)

    pct = 100.0 * eigenvalues / n_vars
    table = pd.DataFrame(
        {
            "initial_eigenvalue": eigenvalues,
            "initial_pct_variance": pct,
            "initial_cum_pct": np.cumsum(pct),
        },
        index=pd.RangeIndex(1, n_vars + 1, name="component"),
    )
    extraction_ss = (unrotated**2).sum(axis=0)
    rotation_ss = (rotated**2).sum(axis=0)
    for prefix, ss in (("extraction", extraction_ss), ("rotation", rotation_ss)):
        column = np.full(n_vars, np.nan)
        column[:m] = ss
        table[f"{prefix}_ss_loadings"] = column
        table[f"{prefix}_pct_variance"] = 100.0 * column / n_vars
        cumulative = np.full(n_vars, np.nan)
        cumulative[:m] = np.cumsum(100.0 * ss / n_vars)
        table[f"{prefix}_cum_pct"] = cumulative

    return FactorModel(
        eigenvalues=eigenvalues,
        unrotated_loadings=pd.DataFrame(unrotated, index=names, columns=factors),
        loadings=pd.DataFrame(rotated, index=names, columns=factors),
        score_coefficients=pd.DataFrame(coefficients, index=names, columns=factors),
        communalities=pd.DataFrame(
            {"initial": np.ones(n_vars), "extraction": extraction}, index=names
        ),
        variance_explained=table,
    )


def correlation_design(r: np.ndarray) -> np.ndarray:
    """A ``2p x p`` data matrix whose correlation matrix is exactly ``r``.

    ``[S; -S]`` with ``S = r^(1/2)`` has column means 0 and cross-products ``2 S'S = 2r``, so its
    correlation matrix is ``r``. Principal-component extraction depends on the data only
    through the correlation matrix, so factor_analyzer fitted on this design gives the same
    loadings as on the million rows the correlation came from, in microseconds instead of
    seconds (its principal method runs a randomized SVD and 65 Pearson correlations over every
    row). Tests compare the result with an eigen-decomposition of the data's correlation.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(r)
    root = (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T
    return np.vstack([root, -root])


def _fit_factor_analyzer(r: np.ndarray, m: int, rotation: str | None) -> np.ndarray:
    # svd_method='randomized' is the one that honours n_factors for method='principal'
    # (with 'lapack' factor_analyzer keeps every component). With p <= 13 inputs and its
    # 10 oversamples the randomized range finder spans the whole column space, so the result
    # is the exact eigen-decomposition; the shape check guards the n_factors contract.
    # The rotator's default stop (relative criterion gain < 1e-5) leaves loadings ~1e-3 off
    # the varimax optimum; a tight tolerance costs microseconds on a p x m matrix.
    analyzer = FactorAnalyzer(
        n_factors=m,
        method="principal",
        rotation=rotation,
        svd_method="randomized",
        rotation_kwargs={"tol": 1e-12, "max_iter": 5000} if rotation else {},
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*force_all_finite.*", category=FutureWarning)
        analyzer.fit(correlation_design(r))
    loadings = np.asarray(analyzer.loadings_, dtype=np.float64)
    if loadings.shape != (r.shape[0], m):
        raise RuntimeError(
            f"factor_analyzer returned loadings of shape {loadings.shape}, expected "
            f"{(r.shape[0], m)}"
        )
    return loadings


def _principal_loadings(r: np.ndarray, m: int) -> np.ndarray:
    """Unrotated principal-component loadings (for the SPSS extraction sums of squares)."""
    eigenvalues, eigenvectors = np.linalg.eigh(r)
    order = np.argsort(eigenvalues)[::-1][:m]
    loadings = eigenvectors[:, order] * np.sqrt(np.clip(eigenvalues[order], 0.0, None))
    signs = np.sign(loadings.sum(axis=0))
    signs[signs == 0] = 1.0
    return loadings * signs
