"""Factor analysis against independent computations: numpy eigen-decomposition + own varimax,
KMO / Bartlett by other formulas, scores = Z W."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from factor_analyzer import calculate_bartlett_sphericity, calculate_kmo
from scipy import stats

from broker_segments.segmentation import SegmentationInputError
from broker_segments.segmentation.factor import (
    bartlett,
    correlation,
    correlation_design,
    fit_factor_model,
    kmo,
    n_factors_kaiser,
    varimax,
)

pytestmark = pytest.mark.fast


def _standardise(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(axis=0)) / x.std(axis=0, ddof=0)


@pytest.fixture(scope="module")
def z() -> np.ndarray:
    """9 variables driven by 3 latent factors (3 variables each) plus noise."""
    rng = np.random.default_rng(7)
    n = 4000
    latent = rng.normal(size=(n, 3))
    weights = np.zeros((3, 9))
    for f in range(3):
        weights[f, 3 * f : 3 * f + 3] = [0.9, 0.8, 0.7]
    weights[0, 3] = 0.3  # a cross-loading so the rotation has something to do
    x = latent @ weights + rng.normal(scale=0.5, size=(n, 9))
    return _standardise(x)


def _varimax(loadings: np.ndarray, step_tol: float = 1e-13, max_iter: int = 100_000) -> np.ndarray:
    """Kaiser-normalised varimax by the SVD algorithm of R's stats::varimax, iterated until the
    rotation matrix is a fixed point (no entry moves by ``step_tol`` in a step).

    Not until the criterion stops gaining, as R and factor_analyzer do: the criterion is flat
    at the optimum, so that stop leaves the loadings up to ~1e-5 off it. The iteration
    contracts by a factor <= 0.9973 per step on this data (two factors are the slowest), so
    the last step bounds the distance to the optimum by ``step_tol * 0.9973 / 0.0027`` ~ 4e-11.
    """
    h = np.sqrt((loadings**2).sum(axis=1))
    a = loadings / h[:, None]
    p, m = a.shape
    rotation = np.eye(m)
    step = np.inf
    for _ in range(max_iter):
        b = a @ rotation
        u, _, vt = np.linalg.svd(a.T @ (b**3 - b @ np.diag((b**2).sum(axis=0)) / p))
        step = np.abs(u @ vt - rotation).max()
        rotation = u @ vt
        if step < step_tol:
            return (a @ rotation) * h[:, None]
    raise AssertionError(f"the reference varimax did not converge (last step {step:.1e})")


def _match_columns(actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """``expected`` with columns reordered and sign-flipped to best match ``actual``."""
    out = np.empty_like(expected)
    used: set[int] = set()
    for j in range(actual.shape[1]):
        scores = [
            -np.inf if i in used else abs(actual[:, j] @ expected[:, i])
            for i in range(expected.shape[1])
        ]
        best = int(np.argmax(scores))
        used.add(best)
        sign = np.sign(actual[:, j] @ expected[:, best])
        out[:, j] = sign * expected[:, best]
    return out


def _numpy_loadings(z: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    eigenvalues, eigenvectors = np.linalg.eigh(np.corrcoef(z, rowvar=False))
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]
    return eigenvalues, eigenvectors[:, :m] * np.sqrt(eigenvalues[:m])


@pytest.mark.parametrize("m", [2, 3, 4])
def test_loadings_match_numpy_eigen_decomposition_and_own_varimax(z, m):
    names = [f"v{i}" for i in range(z.shape[1])]
    model = fit_factor_model(z, names, m)
    eigenvalues, unrotated = _numpy_loadings(z, m)

    assert model.loadings.shape == (z.shape[1], m)  # n_factors honoured
    # The two correlation matrices differ by ~1e-15, eigenvalues by no more (Weyl).
    np.testing.assert_allclose(model.eigenvalues, eigenvalues, atol=1e-10)
    # Eigenvectors move by ~1e-15 / (eigenvalue gap >= 0.011 here): ~1e-13.
    np.testing.assert_allclose(
        model.unrotated_loadings.to_numpy(),
        _match_columns(model.unrotated_loadings.to_numpy(), unrotated),
        atol=1e-8,
    )
    expected = _varimax(unrotated)
    # Both are within ~4e-11 of the varimax optimum (the model: sweep angle < 1e-12, see
    # factor.varimax; the reference: its docstring), so 1e-9 holds on any BLAS build.
    np.testing.assert_allclose(
        model.loadings.to_numpy(), _match_columns(model.loadings.to_numpy(), expected), atol=1e-9
    )


@pytest.mark.parametrize("m", [2, 3, 4, 5])
def test_rotated_loadings_are_a_stationary_point_of_varimax(z, m):
    """First-order optimality on the orthogonal group: with B the Kaiser-normalised rotated
    loadings and G = B'(B^3 - B diag(mean of B^2)) the criterion's gradient, G is symmetric."""
    loadings = fit_factor_model(z, [f"v{i}" for i in range(z.shape[1])], m).loadings.to_numpy()
    b = loadings / np.sqrt((loadings**2).sum(axis=1))[:, None]
    g = b.T @ (b**3 - b * (b**2).mean(axis=0))
    # G's asymmetry is O(distance to the optimum) <= ~1e-12, plus rounding ~1e-15.
    np.testing.assert_allclose(g - g.T, 0.0, atol=1e-10)


def test_varimax_that_does_not_converge_says_so(z):
    _, unrotated = _numpy_loadings(z, 3)
    with pytest.raises(SegmentationInputError, match="did not converge in 2 sweeps"):
        varimax(unrotated, tol=0.0, max_sweeps=2)


def test_communalities_and_variance_table(z):
    names = [f"v{i}" for i in range(z.shape[1])]
    model = fit_factor_model(z, names, 3)
    loadings = model.loadings.to_numpy()
    # The same sums of squares, rounding at most.
    np.testing.assert_allclose(
        model.communalities["extraction"], (loadings**2).sum(axis=1), atol=1e-12
    )
    assert (model.communalities["initial"] == 1.0).all()
    # Rotation redistributes but keeps the explained variance of the kept factors: orthogonal
    # rotations keep row lengths to rounding, and the two extractions agree to ~1e-14.
    np.testing.assert_allclose(
        model.communalities["extraction"],
        (model.unrotated_loadings.to_numpy() ** 2).sum(axis=1),
        atol=1e-8,
    )
    table = model.variance_explained
    assert list(table.index) == list(range(1, 10))
    np.testing.assert_allclose(table["initial_pct_variance"].sum(), 100.0)
    np.testing.assert_allclose(table["initial_cum_pct"].iloc[-1], 100.0)
    kept = table.iloc[:3]
    # Column sums of squares of V sqrt(lambda) are lambda, and rotation keeps their total:
    # rounding only, so the default rtol (1e-7) is far from tight.
    np.testing.assert_allclose(kept["extraction_ss_loadings"], kept["initial_eigenvalue"])
    np.testing.assert_allclose(
        kept["rotation_cum_pct"].iloc[-1], kept["extraction_cum_pct"].iloc[-1]
    )
    assert table.iloc[3:][["extraction_ss_loadings", "rotation_cum_pct"]].isna().all().all()


def test_factor_scores_are_z_times_regression_coefficients(z):
    names = [f"v{i}" for i in range(z.shape[1])]
    model = fit_factor_model(z, names, 3)
    r = np.corrcoef(z, rowvar=False)
    w = np.linalg.inv(r) @ model.loadings.to_numpy()
    # inv vs solve of a correlation matrix with condition number 11: ~1e-15.
    np.testing.assert_allclose(model.score_coefficients.to_numpy(), w, atol=1e-9)
    np.testing.assert_allclose(model.scores(z), z @ w, atol=1e-9)


def test_n_factors_none_is_kaiser_criterion(z):
    names = [f"v{i}" for i in range(z.shape[1])]
    model = fit_factor_model(z, names, None)
    eigenvalues = np.linalg.eigvalsh(np.corrcoef(z, rowvar=False))
    assert (
        model.loadings.shape[1]
        == int((eigenvalues > 1).sum())
        == n_factors_kaiser(model.eigenvalues)
    )


def test_kmo_matches_factor_analyzer_and_partial_correlation_by_regression(z):
    r = correlation(z)
    per_variable, overall = kmo(r)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fa_per_variable, fa_overall = calculate_kmo(z)
    # R^-1 by two routes (condition number 11): ~1e-15.
    np.testing.assert_allclose(per_variable, fa_per_variable, atol=1e-10)
    assert overall == pytest.approx(fa_overall, abs=1e-10)

    # Partial correlation of i and j given the rest = correlation of regression residuals.
    p = z.shape[1]
    q = np.zeros((p, p))
    for i in range(p):
        for j in range(i + 1, p):
            rest = np.delete(z, [i, j], axis=1)
            rest = np.column_stack([np.ones(len(z)), rest])
            ri = z[:, i] - rest @ np.linalg.lstsq(rest, z[:, i], rcond=None)[0]
            rj = z[:, j] - rest @ np.linalg.lstsq(rest, z[:, j], rcond=None)[0]
            q[i, j] = q[j, i] = np.corrcoef(ri, rj)[0, 1]
    r2 = r**2
    np.fill_diagonal(r2, 0)
    expected = r2.sum(axis=0) / (r2.sum(axis=0) + (q**2).sum(axis=0))
    # Least squares on well-conditioned z-scores instead of R^-1: ~1e-14.
    np.testing.assert_allclose(per_variable, expected, atol=1e-10)


def test_bartlett_matches_formula_and_factor_analyzer(z):
    n, p = z.shape
    result = bartlett(correlation(z), n)
    chi_square = -(n - 1 - (2 * p + 5) / 6) * np.log(np.linalg.det(np.corrcoef(z, rowvar=False)))
    # log|R| by slogdet vs log(det) of a well-conditioned R: ~1e-15 relative.
    assert result["chi_square"] == pytest.approx(chi_square, rel=1e-10)
    assert result["df"] == p * (p - 1) / 2
    assert result["p_value"] == pytest.approx(stats.chi2.sf(chi_square, p * (p - 1) / 2))
    fa_chi_square, fa_p = calculate_bartlett_sphericity(z)
    assert result["chi_square"] == pytest.approx(fa_chi_square, rel=1e-10)


def test_factor_analyzer_on_correlation_design_equals_it_on_the_data(z):
    """fit_factor_model feeds factor_analyzer a 2p x p design with the data's correlation
    matrix; the solution must be the one factor_analyzer finds on the rows themselves."""
    from factor_analyzer import FactorAnalyzer

    r = correlation(z)
    design = correlation_design(r)
    assert design.shape == (2 * z.shape[1], z.shape[1])
    # sqrt(r) squared back: rounding of a 9 x 9 product of O(1) numbers, ~1e-15.
    np.testing.assert_allclose(np.corrcoef(design, rowvar=False), r, atol=1e-12)
    # Unrotated (factor_analyzer's own rotation stops short of the optimum, see
    # factor.varimax); its randomized SVD is exact here, 3 + 10 oversamples >= 9 columns.
    on_rows = FactorAnalyzer(n_factors=3, method="principal", rotation=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        on_rows.fit(z)
    model = fit_factor_model(z, [f"v{i}" for i in range(z.shape[1])], 3)
    # Same sign convention (positive column sums); the eigenvectors agree to ~1e-14 (the
    # correlations differ by ~1e-15, the first four eigenvalues are >= 0.2 apart).
    np.testing.assert_allclose(model.unrotated_loadings, on_rows.loadings_, atol=1e-10)
    expected = varimax(on_rows.loadings_)
    expected *= np.sign(expected.sum(axis=0))
    # Rotated to the optimum from either start, within ~1e-12 of it (factor.varimax).
    np.testing.assert_allclose(model.loadings, expected, atol=1e-10)


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_component_transformation_maps_unrotated_to_rotated_loadings(z, m):
    """SPSS's component transformation matrix: L_rot = L_unrot T, T orthogonal, after the
    project's reordering and signs of the rotated factors."""
    model = fit_factor_model(z, [f"v{i}" for i in range(z.shape[1])], m)
    t = model.transformation.to_numpy()
    assert model.transformation.shape == (m, m)
    np.testing.assert_allclose(
        model.unrotated_loadings.to_numpy() @ t, model.loadings.to_numpy(), rtol=0, atol=1e-9
    )
    np.testing.assert_allclose(t.T @ t, np.eye(m), rtol=0, atol=1e-9)


def test_anti_image_matrices_by_partial_correlations_and_kmo(z):
    """Anti-image correlation: -(partial correlation given all other variables, by regression
    residuals) off the diagonal, factor_analyzer's per-variable KMO on it; anti-image
    covariance: 1 - R^2 of each variable on the others on the diagonal."""
    names = [f"v{i}" for i in range(z.shape[1])]
    model = fit_factor_model(z, names, 3)
    anti = model.anti_image_correlation.to_numpy()
    covariance = model.anti_image_covariance.to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fa_per_variable, _ = calculate_kmo(z)
    np.testing.assert_allclose(np.diag(anti), fa_per_variable, rtol=0, atol=1e-10)
    np.testing.assert_allclose(np.diag(anti), kmo(correlation(z))[0], rtol=0, atol=1e-12)

    def residual(target: int, drop: tuple[int, ...]) -> np.ndarray:
        others = [c for c in range(z.shape[1]) if c not in drop]
        beta, *_ = np.linalg.lstsq(z[:, others], z[:, target], rcond=None)
        return z[:, target] - z[:, others] @ beta

    i, j = 0, 4
    ri, rj = residual(i, (i, j)), residual(j, (i, j))
    partial = ri @ rj / np.sqrt((ri @ ri) * (rj @ rj))
    assert anti[i, j] == pytest.approx(-partial, abs=1e-10)
    unexplained = residual(i, (i,))
    assert covariance[i, i] == pytest.approx(unexplained @ unexplained / len(z), abs=1e-10)
    np.testing.assert_allclose(anti, anti.T, rtol=0, atol=1e-14)


def test_reproduced_correlations_and_residuals(z):
    names = [f"v{i}" for i in range(z.shape[1])]
    model = fit_factor_model(z, names, 3)
    r = model.correlation.to_numpy()
    np.testing.assert_array_equal(r, correlation(z))
    fitted = model.reproduced_correlation.to_numpy()
    np.testing.assert_allclose(
        np.diag(fitted), model.communalities["extraction"].to_numpy(), rtol=0, atol=1e-12
    )
    residual = model.residual_correlation.to_numpy()
    assert np.isnan(np.diag(residual)).all()
    off = ~np.eye(len(names), dtype=bool)
    np.testing.assert_array_equal(residual[off], (r - fitted)[off])
    upper = residual[np.triu_indices(len(names), k=1)]
    assert model.summary["large_residual_pct"] == pytest.approx(
        100.0 * np.mean(np.abs(upper) > 0.05)
    )
    assert model.summary["determinant"] == pytest.approx(np.linalg.det(r), rel=1e-10)


@pytest.mark.parametrize("m", [2, 3, 4])
def test_rotation_history_records_each_sweep(z, m):
    model = fit_factor_model(z, [f"v{i}" for i in range(z.shape[1])], m)
    history = model.rotation_history
    assert list(history.index) == list(range(len(history))) and len(history) >= 2
    assert np.isnan(history.loc[0, "max_angle"])
    assert (history["max_angle"].iloc[1:-1] >= 1e-12).all()  # a sweep stops the rotation...
    assert history["max_angle"].iloc[-1] < 1e-12  # ...only when it turned by < 1e-12 rad
    assert (np.diff(history["criterion"].to_numpy()) > -1e-12).all()
    b = model.loadings.to_numpy() / np.sqrt((model.loadings.to_numpy() ** 2).sum(axis=1))[:, None]
    b2 = b**2
    expected = ((b2**2).mean(axis=0) - b2.mean(axis=0) ** 2).sum()
    assert history["criterion"].iloc[-1] == pytest.approx(expected, abs=1e-12)
    assert model.summary["rotation_sweeps"] == len(history) - 1
    unrotated = fit_factor_model(z, [f"v{i}" for i in range(z.shape[1])], m, rotation="none")
    assert unrotated.rotation_history.empty and unrotated.summary["rotation_sweeps"] == 0
