"""Fisher's linear classification functions (SPSS "Classification Function Coefficients")
and SPSS DISCRIMINANT's other tables. :func:`fit_and_validate` fits the functions on the model
inputs (the z-scores) with the K-means groups as classes and the priors ``equal`` or ``size``,
and gives their resubstitution and exact leave-one-out hit rates (:func:`leave_one_out_scores`:
a rank-one downdate, not n refits); :func:`nearest_centre_functions` writes the nearest-centre
rule as linear functions; :func:`canonical_functions`, :func:`group_descriptives`,
:func:`equality_of_group_means`, :func:`box_m_test` and :func:`canonical_coefficients` are the
other tables. The formulas and where the project differs from SPSS: docs/domain.md, "What
both schemes share" ("Fisher's classification functions" and "SPSS DISCRIMINANT's other
tables").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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


PRIORS = ("equal", "size")


def log_priors(counts: np.ndarray, priors: str) -> np.ndarray:
    """``ln p_g``: equal (``-ln G``) or from the group sizes (``ln n_g / n``)."""
    if priors == "equal":
        return np.full(len(counts), -np.log(len(counts)))
    if priors == "size":
        return np.log(counts / counts.sum())
    raise SegmentationInputError(f"priors must be one of {list(PRIORS)}, got {priors!r}")


def functions_from_statistics(
    counts: np.ndarray, sums: np.ndarray, cross: np.ndarray, priors: str = "equal"
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients ``(G, p)`` and constants ``(G,)`` from :func:`group_statistics`:
    ``c_g = S^-1 m_g`` and ``c_g0 = -0.5 m_g' S^-1 m_g + ln p_g``, with the pooled within-group
    covariance ``S`` = within-group SSCP / ``(n - G)``, so ``score_g(x) = c_g0 + c_g' x``.

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
    constants = -0.5 * np.einsum("gp,gp->g", coefficients, means) + log_priors(counts, priors)
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
    """``(group, best score, posterior probability)`` per row: the group of the highest score
    (ties: the group listed first) and ``exp(score_g) / sum_h exp(score_h)``, exact under the
    LDA model."""
    scores = classification_scores(x, coefficients, constants)
    best = scores.argmax(axis=1)
    top = scores[np.arange(len(best)), best]
    posterior = 1.0 / np.exp(scores - top[:, None]).sum(axis=1)
    return best, top, posterior


def leave_one_out_scores(
    x: np.ndarray, groups: np.ndarray, n_groups: int, priors: str = "equal"
) -> np.ndarray:
    """``(n, G)`` classification scores of each row by the functions fitted without it.

    Exact, without refits. Leaving row i (group g, ``u = x_i - m_g``, ``k = n_g / (n_g - 1)``)
    out changes only group g's mean, to ``m_g - u / (n_g - 1)`` (so ``x_i - m_g`` becomes
    ``k u``), the within-group SSCP ``A`` to ``B = A - k u u'`` and the degrees of freedom to
    ``n - 1 - G``. With ``score_h(x) = -0.5 (x - m_h)' S^-1 (x - m_h) + 0.5 x' S^-1 x + ln p_h``
    and Sherman-Morrison, ``v' B^-1 w = v' A^-1 w + k (u' A^-1 v)(u' A^-1 w) / (1 - k u' A^-1 u)``.
    Size priors become ``(n_h - [h = g]) / (n - 1)``. A row alone in its group leaves no case
    of it to fit: its scores are NaN (the other rows are scored as usual).
    """
    counts, sums, cross = group_statistics(x, groups, n_groups)
    if (counts == 0).any():
        raise SegmentationInputError(
            f"leave-one-out: group(s) {np.flatnonzero(counts == 0).tolist()} are empty"
        )
    n = counts.sum()
    df = n - 1 - n_groups
    if df < 1:
        raise SegmentationInputError(
            f"leave-one-out needs more rows ({int(n)}) than groups + 1 ({n_groups + 1})"
        )
    means = sums / counts[:, None]
    within = cross - means.T @ sums
    within = (within + within.T) / 2.0
    try:
        a_inv = np.linalg.inv(within)
    except np.linalg.LinAlgError:
        raise SegmentationInputError(
            "the pooled within-group covariance matrix is singular: some inputs are constant "
            "within every cluster or linearly dependent"
        ) from None
    alone = counts[groups] < 2
    out = np.full((len(groups), n_groups), np.nan)
    x, groups = x[~alone], groups[~alone]
    rows = np.arange(len(groups))
    u = x - means[groups]
    a_inv_u = u @ a_inv
    k = counts[groups] / (counts[groups] - 1.0)
    denominator = 1.0 - k * np.einsum("ip,ip->i", a_inv_u, u)
    # x' B^-1 x
    xx = np.einsum("ip,ip->i", x @ a_inv, x) + k * np.einsum("ip,ip->i", a_inv_u, x) ** 2 / (
        denominator
    )
    scores = np.empty((len(groups), n_groups))
    for h in range(n_groups):
        v = x - means[h]
        own = groups == h
        v[own] = k[own, None] * u[own]
        vv = np.einsum("ip,ip->i", v @ a_inv, v) + k * np.einsum("ip,ip->i", a_inv_u, v) ** 2 / (
            denominator
        )
        scores[:, h] = -0.5 * df * (vv - xx)
    if priors == "size":
        left = np.broadcast_to(counts, scores.shape).copy()
        left[rows, groups] -= 1.0
        scores += np.log(left / (n - 1.0))
    else:
        scores += log_priors(counts, priors)
    out[~alone] = scores
    return out


def fit_and_validate(
    x: np.ndarray, groups: np.ndarray, n_groups: int, priors: str = "equal"
) -> tuple[np.ndarray, np.ndarray, dict, dict]:
    """Classification functions on all rows, and their hit rates.

    Returns ``(coefficients, constants, resubstitution, leave_one_out)``; each hit-rate dict
    is ``{'overall': share correct, 'per_group': share correct within each true group,
    'counts': (G, G) confusion counts, true group x predicted group}`` (SPSS's
    "Classification Results": resubstitution is its "Original"), the second by exact
    leave-one-out (SPSS's "cross-validated"; see :func:`leave_one_out_scores`). Each dict also
    has ``overall_reason`` and ``reasons`` (per group): None, or why the rate is undefined
    (NaN). A group of one row has no leave-one-out rate (leaving its row out leaves no case of
    the group to fit), and then neither has the overall rate (that row cannot be classified);
    the other groups' rates and counts are computed (the one-row group's counts row is 0).
    With no more rows than groups + 1 leave-one-out is impossible: every rate NaN, counts None.
    """
    counts, sums, cross = group_statistics(x, groups, n_groups)
    coefficients, constants = functions_from_statistics(counts, sums, cross, priors)
    predicted = classify(x, coefficients, constants)[0]
    resubstitution = _rates(groups, predicted, n_groups)
    if counts.sum() - 1 - n_groups < 1:
        reason = (
            f"too few cases: leave-one-out needs more customers ({int(counts.sum())}) than "
            f"groups + 1 ({n_groups + 1})"
        )
        impossible = {
            "overall": np.nan,
            "per_group": np.full(n_groups, np.nan),
            "counts": None,
            "overall_reason": reason,
            "reasons": [reason] * n_groups,
        }
        return coefficients, constants, resubstitution, impossible
    scores = leave_one_out_scores(x, groups, n_groups, priors)
    classified = ~np.isnan(scores).any(axis=1)
    loo = _rates(groups[classified], scores[classified].argmax(axis=1), n_groups)
    alone = counts == 1
    loo["per_group"] = np.where(alone, np.nan, loo["per_group"])
    loo["reasons"] = [ONE_MEMBER_GROUP if a else None for a in alone]
    loo["overall_reason"] = None
    if alone.any():
        loo["overall"] = np.nan
        loo["overall_reason"] = "a one-member group: leave-one-out cannot classify its customer"
    return coefficients, constants, resubstitution, loo


# Why a one-member group has no leave-one-out (cross-validated) hit rate.
ONE_MEMBER_GROUP = "one-member group: leave-one-out leaves no case to fit"


def confusion_counts(truth: np.ndarray, predicted: np.ndarray, n_groups: int) -> np.ndarray:
    """``(G, G)`` counts of rows by true group (rows) and predicted group (columns)."""
    cells = np.asarray(truth, dtype=np.int64) * n_groups + np.asarray(predicted, dtype=np.int64)
    return np.bincount(cells, minlength=n_groups * n_groups).reshape(n_groups, n_groups)


def _rates(truth: np.ndarray, predicted: np.ndarray, n_groups: int) -> dict:
    correct = truth == predicted
    per_group = np.array(
        [correct[truth == g].mean() if (truth == g).any() else np.nan for g in range(n_groups)]
    )
    return {
        "overall": float(correct.mean()),
        "per_group": per_group,
        "counts": confusion_counts(truth, predicted, n_groups),
        "overall_reason": None,
        "reasons": [None] * n_groups,
    }


def functions_frame(
    coefficients: np.ndarray, constants: np.ndarray, codes: list[str], variables: list[str]
) -> pd.DataFrame:
    frame = pd.DataFrame(
        coefficients, index=pd.Index(codes, name="segment_code"), columns=variables
    )
    frame["constant"] = constants
    return frame


def _canonical_problem(x: np.ndarray, groups: np.ndarray, n_groups: int) -> dict:
    """What both canonical tables start from: the group means, the grand mean, the
    within-group SSCP ``W`` (from centred groups: no cancellation) and the between-group SSCP
    ``B`` of ``x`` by ``groups``, the Cholesky factor ``L`` of ``W`` and the symmetric
    ``L^-1 B L^-T``, whose eigenvalues are those of ``W^-1 B`` (``W^-1 B v = l v`` <=>
    ``(L^-1 B L^-T) y = l y`` with ``v = L^-T y``; ``y'y = 1`` gives ``v'W v = 1``)."""
    x = np.asarray(x, dtype=np.float64)
    n, p = x.shape
    counts, sums, _ = group_statistics(x, groups, n_groups)
    if (counts == 0).any() or n - n_groups < 1:
        raise SegmentationInputError(
            "discriminant analysis needs every group non-empty and more rows than groups"
        )
    means = sums / counts[:, None]
    grand = x.mean(axis=0)
    within = np.zeros((p, p))
    for g in range(n_groups):
        centred = x[groups == g] - means[g]
        within += centred.T @ centred
    within = (within + within.T) / 2.0
    centred_means = means - grand
    between = (centred_means * counts[:, None]).T @ centred_means
    try:
        chol = np.linalg.cholesky(within)
    except np.linalg.LinAlgError:
        raise SegmentationInputError(
            "the pooled within-group covariance matrix is singular: some inputs are constant "
            "within every cluster or linearly dependent"
        ) from None
    half = np.linalg.solve(chol, np.linalg.solve(chol, between).T)
    return {
        "n": n,
        "p": p,
        "grand": grand,
        "centred_means": centred_means,
        "within": within,
        "chol": chol,
        "reduced": (half + half.T) / 2.0,
    }


def canonical_functions(x: np.ndarray, groups: np.ndarray, n_groups: int) -> pd.DataFrame:
    """SPSS's "Eigenvalues" and "Wilks' Lambda" tables of the canonical discriminant functions.

    With the within-group SSCP ``W`` and the between-group SSCP ``B`` of ``x`` by ``groups``,
    the eigenvalues ``l_1 >= .. >= l_m`` of ``W^-1 B`` (``m = min(p, G - 1)``) are the
    functions' eigenvalues; the canonical correlation is ``sqrt(l / (1 + l))``. Wilks' lambda
    of "functions i through m" is ``prod_{j >= i} 1 / (1 + l_j)`` (for i = 1 it equals
    ``det W / det(W + B)``), tested by Bartlett's chi-square
    ``-(n - 1 - (p + G) / 2) ln lambda`` on ``(p - i + 1)(G - i)`` degrees of freedom.

    Returns one row per function ``1..m`` (index ``function``): ``eigenvalue``,
    ``pct_variance``, ``cum_pct`` (0..100), ``canonical_correlation``, ``wilks_lambda``,
    ``chi_square``, ``df``, ``p_value``.
    """
    from scipy import stats

    problem = _canonical_problem(x, groups, n_groups)
    n, p = problem["n"], problem["p"]
    eigenvalues = np.linalg.eigvalsh(problem["reduced"])[::-1]
    m = min(p, n_groups - 1)
    eigenvalues = np.clip(eigenvalues[:m], 0.0, None)
    total = eigenvalues.sum()
    pct = 100.0 * eigenvalues / total if total > 0 else np.full(m, np.nan)
    wilks = np.array([np.prod(1.0 / (1.0 + eigenvalues[i:])) for i in range(m)])
    scale = n - 1 - (p + n_groups) / 2.0
    chi_square = -scale * np.log(wilks)
    functions = np.arange(1, m + 1)
    df = (p - functions + 1) * (n_groups - functions)
    return pd.DataFrame(
        {
            "eigenvalue": eigenvalues,
            "pct_variance": pct,
            "cum_pct": np.cumsum(pct),
            "canonical_correlation": np.sqrt(eigenvalues / (1.0 + eigenvalues)),
            "wilks_lambda": wilks,
            "chi_square": chi_square,
            "df": df.astype(np.float64),
            "p_value": stats.chi2.sf(chi_square, df),
        },
        index=pd.Index(functions, name="function"),
    )


# --- SPSS DISCRIMINANT's descriptive and canonical tables -------------------------------------
# (Group Statistics, Tests of Equality of Group Means, Box's M with the Log Determinants,
# Standardized Canonical Discriminant Function Coefficients, Structure Matrix, Functions at
# Group Centroids, Prior Probabilities for Groups.)


def group_descriptives(
    x: np.ndarray, groups: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SPSS's "Group Statistics": ``(means, stds, counts)``, each ``(G + 1, p)``.

    Rows ``0..G-1`` are the groups, the last row is the total (all rows). Standard deviations
    use n - 1 (NaN for a group of one row); counts are unweighted.
    """
    x = np.asarray(x, dtype=np.float64)
    means, stds, counts = [], [], []
    for g in [*range(n_groups), None]:
        part = x if g is None else x[groups == g]
        n_g = len(part)
        means.append(part.mean(axis=0) if n_g else np.full(x.shape[1], np.nan))
        stds.append(part.std(axis=0, ddof=1) if n_g > 1 else np.full(x.shape[1], np.nan))
        counts.append(np.full(x.shape[1], float(n_g)))
    return np.vstack(means), np.vstack(stds), np.vstack(counts)


def equality_of_group_means(x: np.ndarray, groups: np.ndarray, n_groups: int) -> pd.DataFrame:
    """SPSS's "Tests of Equality of Group Means", one row per input (positional index).

    Wilks' lambda = SS_within / SS_total of the input; ``F = ((1 - lambda) / (G - 1)) /
    (lambda / (n - G))`` (the one-way ANOVA F) on ``df1 = G - 1``, ``df2 = n - G``. An input
    constant over all rows has NaN lambda and F.
    """
    from scipy import stats

    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    total = ((x - x.mean(axis=0)) ** 2).sum(axis=0)
    within = np.zeros(x.shape[1])
    for g in range(n_groups):
        part = x[groups == g]
        if len(part):
            within += ((part - part.mean(axis=0)) ** 2).sum(axis=0)
    df1, df2 = float(n_groups - 1), float(n - n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        wilks = np.where(total > 0, within / total, np.nan)
        f = ((total - within) / df1) / (within / df2)
    f = np.where(np.isfinite(wilks), f, np.nan)
    return pd.DataFrame(
        {
            "wilks_lambda": wilks,
            "f": f,
            "df1": np.full(x.shape[1], df1),
            "df2": np.full(x.shape[1], df2),
            "p_value": stats.f.sf(f, df1, df2),
        }
    )


def box_m_test(
    x: np.ndarray, groups: np.ndarray, n_groups: int
) -> tuple[dict[str, float | str | None], pd.DataFrame]:
    """Box's M test of equal group covariance matrices and SPSS's "Log Determinants" table.

    With the group covariances ``S_g`` (n_g - 1) and the pooled within-group covariance
    ``S = sum (n_g - 1) S_g / (n - G)`` over the groups used:

        M   = (n - G) ln|S| - sum_g (n_g - 1) ln|S_g|
        c1  = (sum_g 1 / (n_g - 1) - 1 / (n - G)) (2p^2 + 3p - 1) / (6 (p + 1)(G - 1))
        c2  = (sum_g 1 / (n_g - 1)^2 - 1 / (n - G)^2) (p - 1)(p + 2) / (6 (G - 1))
        df1 = p (p + 1)(G - 1) / 2

    and Box's (1949) F approximation as SPSS prints it: if ``c2 > c1^2``,
    ``df2 = (df1 + 2) / (c2 - c1^2)``, ``F = M (1 - c1 - df1 / df2) / df1``; else
    ``df2 = (df1 + 2) / (c1^2 - c2)``, ``b = df2 / (1 - c1 + 2 / df2)``,
    ``F = df2 M / (df1 (b - M))``; ``p_value`` is F's upper tail.

    A group whose covariance is singular (rank < p, e.g. an input constant within it, or
    n_g <= p) has no log determinant: its ``log_determinant`` is NaN, and it is left out of
    M (as SPSS does), named in ``note``. With fewer than two non-singular groups the test
    is NaN and ``note`` says so.

    Returns ``(test, log_determinants)``: ``test`` has ``box_m``, ``f``, ``df1``, ``df2``,
    ``p_value``, ``groups_used`` and ``note`` (None when every group is used);
    ``log_determinants`` has rows ``0..G-1`` and ``'pooled'`` (the pooled within-group
    covariance of all groups, the matrix of the functions), columns ``rank``,
    ``log_determinant``.
    """
    from scipy import stats

    x = np.asarray(x, dtype=np.float64)
    p = x.shape[1]
    counts = np.bincount(groups, minlength=n_groups).astype(np.float64)
    covariances: list[np.ndarray | None] = []
    ranks: list[float] = []
    logdets: list[float] = []
    for g in range(n_groups):
        part = x[groups == g]
        if len(part) < 2:
            covariances.append(None)
            ranks.append(float(max(len(part) - 1, 0)))
            logdets.append(np.nan)
            continue
        centred = part - part.mean(axis=0)
        cov = centred.T @ centred / (len(part) - 1)
        cov = (cov + cov.T) / 2.0
        rank = int(np.linalg.matrix_rank(cov, hermitian=True))
        sign, logdet = np.linalg.slogdet(cov)
        covariances.append(cov)
        ranks.append(float(rank))
        logdets.append(float(logdet) if rank == p and sign > 0 else np.nan)
    logdets_a = np.array(logdets)

    def pooled_of(members: list[int]) -> tuple[float, float]:
        df = counts[members].sum() - len(members)
        pooled = sum((counts[g] - 1) * covariances[g] for g in members) / df
        sign, logdet = np.linalg.slogdet(pooled)
        rank = float(np.linalg.matrix_rank(pooled, hermitian=True))
        return rank, float(logdet) if rank == p and sign > 0 else np.nan

    with_cov = [g for g in range(n_groups) if covariances[g] is not None]
    pooled_rank, pooled_logdet = (
        pooled_of(with_cov) if counts[with_cov].sum() - len(with_cov) > 0 else (np.nan, np.nan)
    )
    log_determinants = pd.DataFrame(
        {
            "rank": [*ranks, pooled_rank],
            "log_determinant": [*logdets_a, pooled_logdet],
        },
        index=[*range(n_groups), "pooled"],
    )
    used = [g for g in range(n_groups) if np.isfinite(logdets_a[g])]
    left_out = [g for g in range(n_groups) if g not in used]
    test: dict[str, float | str | None] = {
        "box_m": np.nan,
        "f": np.nan,
        "df1": np.nan,
        "df2": np.nan,
        "p_value": np.nan,
        "groups_used": float(len(used)),
        "note": None,
    }
    if len(used) < 2:
        test["note"] = (
            "no test: fewer than two groups with a non-singular covariance matrix "
            f"(singular: groups {left_out})"
        )
        return test, log_determinants
    if left_out:
        test["note"] = (
            f"groups {left_out} have a singular covariance matrix (an input constant within "
            "the group, or no more rows than inputs) and are left out of the test"
        )
    n_used, g_used = counts[used].sum(), len(used)
    df_within = n_used - g_used
    _, pooled_logdet_used = pooled_of(used)
    m = df_within * pooled_logdet_used - float(((counts[used] - 1) * logdets_a[used]).sum())
    c1 = (
        ((1.0 / (counts[used] - 1)).sum() - 1.0 / df_within)
        * (2 * p**2 + 3 * p - 1)
        / (6.0 * (p + 1) * (g_used - 1))
    )
    c2 = (
        ((1.0 / (counts[used] - 1) ** 2).sum() - 1.0 / df_within**2)
        * (p - 1)
        * (p + 2)
        / (6.0 * (g_used - 1))
    )
    df1 = p * (p + 1) * (g_used - 1) / 2.0
    if c2 > c1**2:
        df2 = (df1 + 2) / (c2 - c1**2)
        f = m * (1 - c1 - df1 / df2) / df1
    else:
        df2 = (df1 + 2) / (c1**2 - c2)
        b = df2 / (1 - c1 + 2 / df2)
        f = df2 * m / (df1 * (b - m))
    test.update(
        box_m=float(m), f=float(f), df1=float(df1), df2=float(df2), p_value=stats.f.sf(f, df1, df2)
    )
    return test, log_determinants


def canonical_coefficients(
    x: np.ndarray, groups: np.ndarray, n_groups: int
) -> dict[str, np.ndarray]:
    """The canonical discriminant functions themselves (SPSS's coefficient tables).

    With the within- and between-group SSCP ``W``, ``B`` and the pooled within-group
    covariance ``S = W / (n - G)``, the raw (unstandardised) coefficients ``u_j`` of function
    ``j`` are the eigenvectors of ``W^-1 B`` (eigenvalues in decreasing order, the first
    ``m = min(p, G - 1)``) scaled so that ``u_j' S u_j = 1``: a function's pooled
    within-group variance is 1. The score of a row is ``u_j' (x - xbar)`` (``xbar`` the
    grand mean: SPSS's constant ``-u_j' xbar``, so the scores average 0 over all rows).

    Sign convention (an eigenvector's sign is arbitrary; SPSS does not document its own):
    each function is oriented so that its standardised coefficient of largest absolute
    value is positive (the first such input on an exact tie).

    Returns ``raw`` ``(p, m)``, ``standardised`` ``(p, m)`` (``u_ij sqrt(S_ii)``, SPSS's
    "Standardized Canonical Discriminant Function Coefficients"), ``structure`` ``(p, m)``
    (pooled within-group correlation of each input with each function, SPSS's "Structure
    Matrix": ``D^-1 S u`` with ``D = diag(sqrt(S_ii))``), ``constant`` ``(m,)`` and
    ``centroids`` ``(G, m)`` (the groups' mean scores, SPSS's "Functions at Group
    Centroids": ``u_j' (m_g - xbar)``).
    """
    problem = _canonical_problem(x, groups, n_groups)
    n, p, chol, within = problem["n"], problem["p"], problem["chol"], problem["within"]
    grand, centred_means = problem["grand"], problem["centred_means"]
    eigenvalues, vectors = np.linalg.eigh(problem["reduced"])
    m = min(p, n_groups - 1)
    top = np.argsort(eigenvalues)[::-1][:m]
    raw = np.linalg.solve(chol.T, vectors[:, top]) * np.sqrt(n - n_groups)
    pooled = within / (n - n_groups)
    scale = np.sqrt(np.diag(pooled))
    standardised = raw * scale[:, None]
    biggest = np.abs(standardised).argmax(axis=0)
    signs = np.sign(standardised[biggest, np.arange(m)])
    signs[signs == 0] = 1.0
    raw, standardised = raw * signs, standardised * signs
    structure = (pooled @ raw) / scale[:, None]
    return {
        "raw": raw,
        "standardised": standardised,
        "structure": structure,
        "constant": -grand @ raw,
        "centroids": centred_means @ raw,
    }


def prior_probabilities(counts: np.ndarray, priors: str) -> np.ndarray:
    """SPSS's "Prior Probabilities for Groups": the prior of each group (``exp`` of
    :func:`log_priors`)."""
    return np.exp(log_priors(np.asarray(counts, dtype=np.float64), priors))
