"""K-means and the SPSS "Quick Cluster" tables: initial centres, iteration history, final
centres, distances, ANOVA, choosing k.

The model is one Lloyd run from explicit initial centres to a fixed point (:func:`fit_kmeans`,
:func:`lloyd`), so the run can be shown as QUICK CLUSTER shows it: where it started and how far
each centre moved in each step.

Assignment rule (the one SQL reproduces): a row belongs to the centre with the smallest
squared Euclidean distance ``sum_j (x_j - c_j)^2`` in model space; exact ties go to the centre
listed first (the segment with the lowest sort order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.utils import check_random_state
from sklearn.utils.extmath import row_norms
from threadpoolctl import threadpool_limits

from .errors import SegmentationInputError


@dataclass(frozen=True)
class KMeansFit:
    """A K-means fit: the model and the run that produced it (SPSS QUICK CLUSTER's "Initial
    Cluster Centers" and "Iteration History").

    ``history[0]`` is ``initial_centres``, ``history[i]`` the centres after Lloyd step i
    (members' means of the assignment to ``history[i - 1]``), ``history[-1]`` is ``centres``;
    the assignment to ``history[-1]`` is ``labels``, a fixed point.
    """

    centres: np.ndarray  # (k, d), K-means' own cluster order
    labels: np.ndarray
    inertia: float
    initial_centres: np.ndarray  # (k, d)
    history: np.ndarray  # (iterations + 1, k, d)

    @property
    def iterations(self) -> int:
        return self.history.shape[0] - 1


def fit_kmeans(
    x: np.ndarray,
    k: int,
    n_init: int,
    seed: int,
    restart_sample_size: int | None = None,
    init_centres: np.ndarray | None = None,
) -> KMeansFit:
    """K-means (k-means++, ``n_init`` restarts, fixed seed): a :class:`KMeansFit`.

    The model comes from ONE Lloyd run on all of ``x`` from explicit initial centres, run to a
    fixed point (:func:`lloyd`), and that run is recorded. Its initial centres:

    * with ``init_centres`` (k rows): those (a refit's warm start from the previous model's
      groups);
    * with ``restart_sample_size`` below the rows of ``x``: the best of ``n_init`` restarts
      (sklearn, k-means++) on the first ``restart_sample_size`` rows (a deterministic sample
      when ``x`` is in canonical order): the quality of ``n_init`` restarts at the cost of
      about one full run;
    * else the k-means++ seeds of the best of ``n_init`` restarts on all of ``x``
      (:func:`best_restart_seeds`, the restarts sklearn's ``KMeans(n_init=...)`` runs).

    ``labels`` are each row's nearest final centre.
    """
    if x.shape[0] < k:
        raise SegmentationInputError(
            f"{x.shape[0]} eligible customer(s) in the fitting sample, fewer than k={k} clusters"
        )
    x = np.ascontiguousarray(x, dtype=np.float64)
    if init_centres is not None:
        initial = np.array(init_centres, dtype=np.float64)
    elif restart_sample_size is not None and restart_sample_size < x.shape[0]:
        sample = x[: max(restart_sample_size, k)]
        seeding = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed)
        initial = seeding.fit(sample).cluster_centers_.astype(np.float64)
    else:
        initial = best_restart_seeds(x, k, n_init, seed)
    centres, labels, history = lloyd(x, initial)
    n_found = len(np.unique(labels))
    if n_found < k:
        raise SegmentationInputError(
            f"K-means found only {n_found} distinct cluster(s) for k={k}: the fitting sample "
            f"has too few distinct points ({len(np.unique(x, axis=0))}) for k clusters"
        )
    inertia = float(squared_distances(x, centres)[np.arange(len(labels)), labels].sum())
    return KMeansFit(centres, labels, inertia, initial, history)


def best_restart_seeds(x: np.ndarray, k: int, n_init: int, seed: int) -> np.ndarray:
    """The k-means++ initial centres of the restart ``KMeans(k, n_init=n_init,
    random_state=seed)`` keeps, drawn explicitly (sklearn does not expose them).

    As sklearn does: the rows are centred on their mean, one ``RandomState(seed)`` draws the
    ``n_init`` k-means++ seedings in turn, each seeds one Lloyd run, and a run replaces the best
    so far when its inertia is lower and its partition differs. Returns the winner's seeds in
    the coordinates of ``x``.
    """
    random_state = check_random_state(seed)
    x_mean = x.mean(axis=0)
    centred = x - x_mean
    norms = row_norms(centred, squared=True)
    best_seeds, best_labels, best_inertia = None, None, np.inf
    for _ in range(n_init):
        seeds = kmeans_plusplus(centred, k, random_state=random_state, x_squared_norms=norms)[0]
        run = KMeans(n_clusters=k, init=seeds + x_mean, n_init=1).fit(x)
        if best_labels is None or (
            run.inertia_ < best_inertia and not _same_partition(run.labels_, best_labels)
        ):
            best_seeds, best_labels, best_inertia = seeds + x_mean, run.labels_, run.inertia_
    return np.ascontiguousarray(best_seeds, dtype=np.float64)


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two labelings are the same partition up to renumbering (sklearn's test)."""
    pairs = len(np.unique(np.stack([a, b]), axis=1))
    return pairs == len(np.unique(a)) == len(np.unique(b))


def lloyd(
    x: np.ndarray, initial: np.ndarray, max_iter: int = 600
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lloyd steps from ``initial`` until the assignment is a fixed point, as SPSS's final
    cluster centres: every centre is exactly its members' mean and every row its nearest
    centre's. Returns ``(centres, labels, history)``, ``history`` the centres before the first
    step and after each step (``(steps + 1, k, d)``).

    sklearn stops on a centre-shift tolerance, so its centres can be a step off the members'
    means; here the steps go on until nothing moves. A centre left without members keeps its
    position (sklearn would move it to a far row; it does not happen from k-means++ seeds or
    a restart's centres on the project's data).
    """
    centres = np.array(initial, dtype=np.float64)
    labels = squared_distances(x, centres).argmin(axis=1)
    history = [centres.copy()]
    k = centres.shape[0]
    for _ in range(max_iter):
        for g in range(k):
            members = labels == g
            if members.any():
                centres[g] = x[members].mean(axis=0)
        history.append(centres.copy())
        new_labels = squared_distances(x, centres).argmin(axis=1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    return centres, labels, np.stack(history)


def iteration_changes(history: np.ndarray) -> np.ndarray:
    """``(steps, k)`` Euclidean distance each centre moved in each Lloyd step (SPSS's "Change
    in Cluster Centers")."""
    return np.sqrt(((history[1:] - history[:-1]) ** 2).sum(axis=2))


def squared_distances(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """``(n, k)`` squared Euclidean distances, summed term by term as SQL does."""
    out = np.empty((x.shape[0], centres.shape[0]))
    for g, centre in enumerate(centres):
        out[:, g] = ((x - centre) ** 2).sum(axis=1)
    return out


def nearest_centre(x: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest centre (first on ties) and the Euclidean distance to it."""
    d2 = squared_distances(x, centres)
    labels = d2.argmin(axis=1)
    return labels, np.sqrt(d2[np.arange(x.shape[0]), labels])


def centre_distances(centres: pd.DataFrame) -> pd.DataFrame:
    """Euclidean distances between final centres (a square frame, zero diagonal)."""
    values = centres.to_numpy()
    d = np.sqrt(((values[:, None, :] - values[None, :, :]) ** 2).sum(axis=2))
    return pd.DataFrame(d, index=centres.index, columns=centres.index)


def anova(x: np.ndarray, labels: np.ndarray, names: list[str]) -> pd.DataFrame:
    """One-way ANOVA of each model variable between clusters (SPSS K-means ANOVA table).

    As SPSS says beside it: the F tests are descriptive only, the clusters were chosen to
    maximise the differences.
    """
    n = x.shape[0]
    groups = np.unique(labels)
    g = len(groups)
    grand = x.mean(axis=0)
    ss_between = np.zeros(x.shape[1])
    ss_within = np.zeros(x.shape[1])
    for group in groups:
        members = x[labels == group]
        mean = members.mean(axis=0)
        ss_between += len(members) * (mean - grand) ** 2
        ss_within += ((members - mean) ** 2).sum(axis=0)
    df_between, df_within = g - 1, n - g
    ms_between = ss_between / df_between if df_between > 0 else np.full_like(ss_between, np.nan)
    ms_within = ss_within / df_within if df_within > 0 else np.full_like(ss_within, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(ms_within > 0, ms_between / ms_within, np.nan)
    p = np.where(np.isfinite(f), stats.f.sf(f, df_between, df_within), np.nan)
    return pd.DataFrame(
        {
            "ss_between": ss_between,
            "df_between": float(df_between),
            "ms_between": ms_between,
            "ss_within": ss_within,
            "df_within": float(df_within),
            "ms_within": ms_within,
            "f": f,
            "p_value": p,
        },
        index=pd.Index(names, name="variable"),
    )


def bootstrap_stability(
    x: np.ndarray, labels: np.ndarray, k: int, n_resamples: int, n_init: int, seed: int
) -> np.ndarray:
    """Adjusted Rand index of K-means refits on bootstrap resamples against ``labels``.

    Each resample draws ``len(x)`` rows of ``x`` with replacement (seeded by ``seed`` and
    ``k``, so reproducible), fits K-means (k-means++, ``n_init`` restarts), assigns every row
    of ``x`` to the refit's nearest centre and compares that partition with ``labels`` (the
    clustering at k on ``x``). ARI is 1 for the same partition whatever the cluster numbers,
    about 0 for an unrelated one. A resample with fewer than k distinct rows gives NaN.
    Returns the ``n_resamples`` indices. The refits run single-threaded: on small samples
    sklearn's thread start-up costs far more than the fit itself (40x on 3,000 rows).
    """
    rng = np.random.default_rng([seed % 2**32, k])
    n = x.shape[0]
    out = np.full(n_resamples, np.nan)
    with threadpool_limits(1):
        for r in range(n_resamples):
            sample = x[rng.integers(0, n, n)]
            if len(np.unique(sample, axis=0)) < k:
                continue
            model = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed + r)
            refit = nearest_centre(x, model.fit(sample).cluster_centers_)[0]
            out[r] = adjusted_rand_score(labels, refit)
    return out


def k_selection(
    x: np.ndarray,
    k_range: tuple[int, ...],
    n_init: int,
    seed: int,
    silhouette_sample_size: int,
    fitted_centres: np.ndarray | None = None,
    stability_resamples: int = 0,
) -> pd.DataFrame:
    """Quality of K-means over ``k_range`` on the sample ``x`` (already a deterministic sample).

    Inertia (within-cluster sum of squares), Calinski-Harabasz and Davies-Bouldin on all of
    ``x``; the silhouette on its first ``silhouette_sample_size`` rows (the silhouette is
    quadratic in rows). k values that the sample cannot support (k >= rows) are left out.
    With ``fitted_centres`` (the fitted model's), the row at their k describes that model: the
    rows of ``x`` at their nearest fitted centre, not a separate K-means run.

    Bootstrap stability (with ``stability_resamples`` > 0, see :func:`bootstrap_stability`):
    the mean and standard deviation over the resamples of the ARI between a refit on a
    resample (``n_init`` restarts) and the row's clustering of ``x``; NaN without resamples.
    """
    rows = []
    n = x.shape[0]
    n_silhouette = min(n, silhouette_sample_size)
    for k in sorted(set(k_range)):
        if k >= n or k >= n_silhouette:
            continue
        if fitted_centres is not None and k == fitted_centres.shape[0]:
            labels, distance = nearest_centre(x, fitted_centres)
            inertia = float((distance**2).sum())
        else:
            model = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed)
            labels = model.fit_predict(x)
            inertia = float(model.inertia_)
        distinct = len(np.unique(labels))
        stability = (
            bootstrap_stability(x, labels, k, stability_resamples, n_init, seed)
            if stability_resamples > 0
            else np.full(1, np.nan)
        )
        finite = stability[np.isfinite(stability)]
        silhouette_labels = labels[:n_silhouette]
        rows.append(
            {
                "k": k,
                "inertia": inertia,
                "silhouette": float(silhouette_score(x[:n_silhouette], silhouette_labels))
                if 1 < len(np.unique(silhouette_labels)) < n_silhouette
                else np.nan,
                "calinski_harabasz": float(calinski_harabasz_score(x, labels))
                if distinct > 1
                else np.nan,
                "davies_bouldin": float(davies_bouldin_score(x, labels))
                if distinct > 1
                else np.nan,
                "sample_size": float(n),
                "silhouette_sample_size": float(n_silhouette),
                "stability_ari_mean": float(finite.mean()) if len(finite) else np.nan,
                "stability_ari_std": float(finite.std()) if len(finite) else np.nan,
                "stability_resamples": float(len(finite)),
            }
        )
    columns = [
        "inertia",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "sample_size",
        "silhouette_sample_size",
        "stability_ari_mean",
        "stability_ari_std",
        "stability_resamples",
    ]
    if not rows:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="k"), dtype=float)
    return pd.DataFrame(rows).set_index("k")[columns]
