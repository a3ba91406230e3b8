"""Factor analysis as SPSS does it: :func:`fit_factor_model` extracts principal components,
rotates them by varimax with Kaiser normalisation run to the optimum
(:func:`varimax_with_history` gives the stopping rule and how it relates to SPSS's) and gives
the regression factor score coefficients; :func:`kmo`, :func:`bartlett`, :func:`anti_image` and
:func:`reproduced` are SPSS FACTOR's other tables. The functions take the standardised inputs
``z`` (population std, so ``z.T @ z / n`` is the correlation matrix R) or R itself. The
formulas, the order and signs of the rotated factors and where the project differs from SPSS:
docs/domain.md, "Scheme A" ("Factor analysis, as SPSS does it").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from factor_analyzer import FactorAnalyzer, Rotator
from scipy import stats

from .errors import SegmentationInputError

VARIMAX_ANGLE_TOL = 1e-12
"""Varimax stops when no planar rotation of a full sweep turns by more than this (radians)."""

VARIMAX_MAX_SWEEPS = 1000
"""Sweeps over all factor pairs before the varimax gives up (a few to ~25 are typical)."""

LARGE_RESIDUAL = 0.05
"""SPSS's footnote to the residuals counts the non-redundant ones with |residual| above this."""


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


def anti_image(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SPSS's anti-image covariance and correlation matrices of ``r``.

    With ``P = R^-1``: covariance ``P_ij / (P_ii P_jj)`` (diagonal ``1 / P_ii``, the share of a
    variable's variance the others do not explain), correlation ``P_ij / sqrt(P_ii P_jj)`` off
    the diagonal (the negatives of the partial correlations) and, on the diagonal, each
    variable's measure of sampling adequacy ``MSA_j = sum_i r_ij^2 / (sum_i r_ij^2 + sum_i
    a_ij^2)`` over ``i != j``, computed from the off-diagonal ``a_ij`` of this matrix (it is
    :func:`kmo`'s per-variable KMO).
    """
    p = np.linalg.inv(r)
    p = (p + p.T) / 2.0
    d = np.diag(p).copy()
    covariance = p / np.outer(d, d)
    correlation_ = p / np.sqrt(np.outer(d, d))
    r2 = r**2
    a2 = correlation_**2
    np.fill_diagonal(r2, 0.0)
    np.fill_diagonal(a2, 0.0)
    np.fill_diagonal(correlation_, r2.sum(axis=0) / (r2.sum(axis=0) + a2.sum(axis=0)))
    return covariance, correlation_


def reproduced(r: np.ndarray, loadings: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Reproduced correlations ``L L'``, residuals ``R - L L'`` (NaN on the diagonal, which SPSS
    leaves blank) and the percent of the ``p(p-1)/2`` non-redundant residuals with
    ``|residual| >`` :data:`LARGE_RESIDUAL` (SPSS's footnote; NaN for a single input)."""
    fitted = loadings @ loadings.T
    fitted = (fitted + fitted.T) / 2.0
    residual = r - fitted
    np.fill_diagonal(residual, np.nan)
    upper = residual[np.triu_indices(r.shape[0], k=1)]
    pct = 100.0 * float((np.abs(upper) > LARGE_RESIDUAL).mean()) if len(upper) else np.nan
    return fitted, residual, pct


def varimax_criterion(loadings: np.ndarray) -> float:
    """Kaiser's varimax criterion of Kaiser-normalised ``loadings``: the sum over factors of the
    variance (over variables, divide by p) of the squared normalised loadings."""
    loadings = np.asarray(loadings, dtype=np.float64)
    h = np.sqrt((loadings**2).sum(axis=1))
    h[h == 0.0] = 1.0
    b2 = (loadings / h[:, None]) ** 2
    return float((b2**2).mean(axis=0).sum() - (b2.mean(axis=0) ** 2).sum())


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
    correlation: pd.DataFrame  # R, input x input (SPSS "Correlation Matrix")
    anti_image_covariance: pd.DataFrame  # input x input
    anti_image_correlation: pd.DataFrame  # input x input, diagonal = per-variable KMO (MSA)
    reproduced_correlation: pd.DataFrame  # L L', input x input, diagonal = communalities
    residual_correlation: pd.DataFrame  # R - L L', NaN on the diagonal
    # T with L_rot = L_unrot T: unrotated factor x rotated factor (identity-like without
    # rotation)
    transformation: pd.DataFrame
    # one row per sweep of Kaiser's planar rotations (0 = the start, after factor_analyzer's
    # varimax): criterion, max_angle (NaN for sweep 0); empty without a rotation
    rotation_history: pd.DataFrame
    # determinant (of R), large_residual_pct, rotation_sweeps
    summary: dict[str, float]

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
    rotated = _fit_factor_analyzer(r, m)
    history = _empty_rotation_history()
    if rotation == "varimax" and m > 1:
        rotated, history = varimax_with_history(rotated)
    rotated = _positive_column_sums(rotated)
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

    # L_rot = L_unrot T: the columns of L_unrot are orthogonal (V sqrt(lambda)), so the least
    # squares T is diag(1 / ss) L_unrot' L_rot; both span the first m eigenvectors, so it is
    # exact up to rounding (~1e-13) and orthogonal.
    transformation = (unrotated.T @ rotated) / extraction_ss[:, None]
    covariance, anti_correlation = anti_image(r)
    fitted, residual, large_pct = reproduced(r, unrotated)
    sign, logdet = np.linalg.slogdet(r)

    def square(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=names, columns=names)

    return FactorModel(
        eigenvalues=eigenvalues,
        unrotated_loadings=pd.DataFrame(unrotated, index=names, columns=factors),
        loadings=pd.DataFrame(rotated, index=names, columns=factors),
        score_coefficients=pd.DataFrame(coefficients, index=names, columns=factors),
        communalities=pd.DataFrame(
            {"initial": np.ones(n_vars), "extraction": extraction}, index=names
        ),
        variance_explained=table,
        correlation=square(r.copy()),
        anti_image_covariance=square(covariance),
        anti_image_correlation=square(anti_correlation),
        reproduced_correlation=square(fitted),
        residual_correlation=square(residual),
        transformation=pd.DataFrame(transformation, index=factors, columns=factors),
        rotation_history=history,
        summary={
            "determinant": float(sign * np.exp(logdet)),
            "large_residual_pct": large_pct,
            "rotation_sweeps": float(max(len(history) - 1, 0)),
        },
    )


def correlation_design(r: np.ndarray) -> np.ndarray:
    """A ``2p x p`` data matrix whose correlation matrix is exactly ``r``.

    ``[S; -S]`` with ``S = r^(1/2)`` has column means 0 and cross-products ``2 S'S = 2r``, so its
    correlation matrix is ``r``. Principal-component extraction depends on the data only
    through the correlation matrix, so factor_analyzer fitted on this design gives the same
    loadings as on the million rows the correlation came from, in microseconds instead of
    seconds (its principal method runs an SVD and p^2 Pearson correlations over every row).
    Tests compare the result with an eigen-decomposition of the data's correlation.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(r)
    root = (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T
    return np.vstack([root, -root])


def varimax(
    loadings: np.ndarray, tol: float = VARIMAX_ANGLE_TOL, max_sweeps: int = VARIMAX_MAX_SWEEPS
) -> np.ndarray:
    """Varimax rotation with Kaiser normalisation (see :func:`varimax_with_history`)."""
    return varimax_with_history(loadings, tol, max_sweeps)[0]


def _empty_rotation_history() -> pd.DataFrame:
    return pd.DataFrame(
        {"criterion": np.empty(0), "max_angle": np.empty(0)},
        index=pd.RangeIndex(0, 0, name="sweep"),
    )


def varimax_with_history(
    loadings: np.ndarray, tol: float = VARIMAX_ANGLE_TOL, max_sweeps: int = VARIMAX_MAX_SWEEPS
) -> tuple[np.ndarray, pd.DataFrame]:
    """Varimax rotation with Kaiser normalisation of ``loadings`` (p x m), to the optimum.

    Two stages, both on the Kaiser-normalised rows ``b_i = l_i / h_i`` (``h_i`` = row length):

    1. factor_analyzer's varimax (the SVD algorithm of R's ``stats::varimax``) from the given
       loadings, with the settings this project has always used. Of the equivalent optima
       (they differ in column order and signs) it picks the one the factors have always been
       reported in. It stops when the criterion gains less than 1e-12 relative in a step,
       which bounds nothing on the loadings: the criterion is flat to second order at the
       optimum and the algorithm converges linearly, at a rate that can be close to 1 (0.997
       for two factors of the test data, where it stops 8.8e-6 from the optimum, at a point
       that depends on the BLAS build).
    2. Kaiser's pairwise planar rotations, the algorithm of SPSS FACTOR: each pair of columns
       ``(x, y)`` is turned by the angle ``phi`` that maximises the criterion in their plane,
       ``tan 4 phi = (D - 2AB/p) / (C - (A^2 - B^2)/p)`` with ``u = x^2 - y^2``, ``v = 2xy``,
       ``A = sum u``, ``B = sum v``, ``C = sum(u^2 - v^2)``, ``D = 2 sum uv``. Sweeps over all
       pairs repeat until the largest ``|phi|`` of a sweep is below ``tol``
       (:data:`VARIMAX_ANGLE_TOL`, 1e-12 rad).

    The stopping rule bounds the loadings: a planar rotation by ``phi`` moves no loading by
    more than ``|phi| h_i <= |phi|`` (communalities from a correlation matrix are <= 1), and
    near the optimum the largest angle shrinks geometrically from sweep to sweep (by a factor
    0.001..0.5 on the project's data), so the loadings end within about ``tol`` of the exact
    optimum, as Kaiser's algorithm in extended precision, run to angles below 1e-17, confirms
    for 2..5 factors of the test data and of synthetic scheme A data. The
    angles are computed to ~1e-16 (rounding in the sums), so the tolerance is reachable with
    room to spare. With two factors the planar rotation is the exact optimum: one sweep.

    SPSS FACTOR uses the same planar rotations but stops after at most 25 sweeps
    (``/CRITERIA ITERATE(25)``) or when the varimax criterion changes by <= 1e-5 between
    sweeps. A change of the criterion is second order in the distance to the optimum, so
    SPSS's loadings can be ~1e-3 off it.
    This rotation is iterated further than SPSS's: its loadings agree with SPSS's to about
    SPSS's own stopping precision (the three decimals SPSS prints), not to 1e-12.

    Returns the rotated loadings and the history of stage 2: one row per sweep (index
    ``sweep``; 0 = the start, stage 1's result) with the :func:`varimax_criterion` after it and
    the largest ``|phi|`` it turned by (``max_angle``, NaN for sweep 0). SPSS does not print
    such a table (it says "Rotation converged in N iterations"); the criterion rises to its
    optimum and the angles fall below ``tol`` in the last sweep.

    Raises :class:`SegmentationInputError` if ``max_sweeps`` sweeps
    (:data:`VARIMAX_MAX_SWEEPS`) do not get there: the criterion is then flat in some plane,
    i.e. the data do not determine the rotated factors.
    """
    loadings = np.asarray(loadings, dtype=np.float64)
    p, m = loadings.shape
    if m < 2:
        return loadings.copy(), _empty_rotation_history()
    start = Rotator(method="varimax", normalize=True, tol=1e-12, max_iter=5000).fit_transform(
        loadings
    )
    h = np.sqrt((start**2).sum(axis=1))
    h[h == 0.0] = 1.0  # a variable with no loading stays at zero under any rotation
    b = start / h[:, None]
    criteria, angles = [varimax_criterion(b)], [np.nan]
    largest = np.inf
    for _ in range(max_sweeps):
        largest = 0.0
        for j in range(m - 1):
            for k in range(j + 1, m):
                x, y = b[:, j], b[:, k]
                u, v = x * x - y * y, 2.0 * x * y
                a_sum, b_sum = u.sum(), v.sum()
                numerator = 2.0 * (u * v).sum() - 2.0 * a_sum * b_sum / p
                denominator = (u * u - v * v).sum() - (a_sum * a_sum - b_sum * b_sum) / p
                phi = float(np.arctan2(numerator, denominator)) / 4.0
                largest = max(largest, abs(phi))
                c, s = np.cos(phi), np.sin(phi)
                b[:, j], b[:, k] = c * x + s * y, c * y - s * x
        criteria.append(varimax_criterion(b))
        angles.append(largest)
        if largest < tol:
            history = pd.DataFrame(
                {"criterion": criteria, "max_angle": angles},
                index=pd.RangeIndex(0, len(criteria), name="sweep"),
            )
            return b * h[:, None], history
    raise SegmentationInputError(
        f"the varimax rotation of {m} factors did not converge in {max_sweeps} sweeps (the "
        f"last one still turned by {largest:.1e} rad, tolerance {tol:g}): the data do not "
        "determine the rotated factors; use fewer factors or rotation 'none'"
    )


def _fit_factor_analyzer(r: np.ndarray, m: int) -> np.ndarray:
    """factor_analyzer's unrotated principal-component loadings of ``r``, first ``m``."""
    # svd_method='lapack' is the full SVD of the 2p x p design: exact for every m. The default
    # 'randomized' (scikit-learn's randomized SVD with 10 oversamples) is exact only when
    # m + 10 >= p, when its m + 10 random directions span the whole column space; with p = 13
    # inputs and m <= 2 its error would depend on the eigenvalue gaps. With 'lapack'
    # factor_analyzer returns every component, largest first, whatever n_factors says, so the
    # first m are kept here; the rotation is varimax() above.
    analyzer = FactorAnalyzer(n_factors=m, method="principal", rotation=None, svd_method="lapack")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*force_all_finite.*", category=FutureWarning)
        analyzer.fit(correlation_design(r))
    loadings = np.asarray(analyzer.loadings_, dtype=np.float64)
    if loadings.shape[0] != r.shape[0] or loadings.shape[1] < m:
        raise RuntimeError(
            f"factor_analyzer returned loadings of shape {loadings.shape}, expected "
            f"{r.shape[0]} rows and at least {m} columns"
        )
    return loadings[:, :m]


def _positive_column_sums(loadings: np.ndarray) -> np.ndarray:
    """``loadings`` with each column's sign chosen so that it sums to a positive number."""
    signs = np.sign(loadings.sum(axis=0))
    signs[signs == 0] = 1.0
    return loadings * signs


def _principal_loadings(r: np.ndarray, m: int) -> np.ndarray:
    """Unrotated principal-component loadings (for the SPSS extraction sums of squares)."""
    eigenvalues, eigenvectors = np.linalg.eigh(r)
    order = np.argsort(eigenvalues)[::-1][:m]
    loadings = eigenvectors[:, order] * np.sqrt(np.clip(eigenvalues[order], 0.0, None))
    return _positive_column_sums(loadings)
