"""fit_scheme end to end on synthetic customers with known groups, and its degenerate inputs."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from broker_segments.segmentation import (
    SCHEME_A,
    SCHEME_B,
    DroppedInputWarning,
    LowAdequacyWarning,
    ScoringModel,
    SegmentationInputError,
    SmallClusterWarning,
    classify,
    fit_scheme,
    result_to_artifacts,
    score,
)
from tools.synthetic import make_customers

pytestmark = pytest.mark.fast

FAST = {"k_range": (2, 3, 6), "silhouette_sample_size": 1000}
A = dataclasses.replace(SCHEME_A, **FAST)
B = dataclasses.replace(SCHEME_B, **FAST)


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return make_customers(3000, seed=3, noise=0.1)


@pytest.fixture(scope="module")
def fit_a(customers):
    return fit_scheme(customers, A, "test_a", {"as_of_date": "2024-06-28"})


@pytest.fixture(scope="module")
def fit_b(customers):
    return fit_scheme(customers, B, "test_b")


def test_recovers_and_names_the_known_groups(customers, fit_a):
    codes = fit_a.assignments["segment_code"]
    assert adjusted_rand_score(customers["archetype"], codes) > 0.98
    # The synthetic archetypes are built as the thesis groups, so the names must agree.
    assert (customers["archetype"].to_numpy() == codes.to_numpy()).mean() > 0.99
    assert fit_a.segment_codes == [
        "vip",
        "potential",
        "ordinary_a",
        "ordinary_b",
        "free",
        "sleeping",
    ]


def test_standardisation_uses_population_std(customers, fit_a):
    t = np.sign(customers["annual_commission"]) * np.log1p(customers["annual_commission"].abs())
    # The same sums over the same rows: equal but for rounding (~1e-16 relative).
    assert fit_a.standardisation.mean["annual_commission"] == pytest.approx(t.mean())
    assert fit_a.standardisation.std["annual_commission"] == pytest.approx(t.std(ddof=0))


def test_sql_style_nearest_centre_equals_kmeans_labels(customers, fit_a):
    """Refit sklearn K-means exactly as fit_scheme does and compare its labels with the
    nearest stored centre computed the way SQL does (sum of squared differences)."""
    z = np.column_stack(
        [
            (
                (
                    np.sign(customers[c]) * np.log1p(customers[c].abs())
                    if A.transform_by_input[c] == "signed_log1p"
                    else customers[c]
                )
                - fit_a.standardisation.mean[c]
            )
            / fit_a.standardisation.std[c]
            for c in fit_a.inputs
        ]
    )
    x = z @ fit_a.factor_model.score_coefficients.to_numpy()
    # z by another route: O(1) scores agree to ~1e-15 absolute (relative fails near 0).
    np.testing.assert_allclose(x, fit_a.assignments[fit_a.model_variables].to_numpy(), atol=1e-12)
    from broker_segments.segmentation.fit import canonical_order

    order = canonical_order(customers["customer_id"], A.random_seed)
    km = KMeans(6, n_init=A.n_init, random_state=A.random_seed).fit(x[order])
    labels = np.empty(len(x), dtype=int)
    labels[order] = km.labels_
    centres = fit_a.centres.to_numpy()
    sql = np.argmin([((x - c) ** 2).sum(axis=1) for c in centres], axis=0)
    codes = np.asarray(fit_a.segment_codes)[sql]
    assert (codes == fit_a.assignments["segment_code"].to_numpy()).all()
    assert adjusted_rand_score(labels, sql) == 1.0
    for cluster_number in range(6):  # same partition, and the centres are K-means' own
        code = codes[labels == cluster_number][0]
        assert (codes[labels == cluster_number] == code).all()
        # Means of the same O(1) scores over the same rows: rounding ~1e-15.
        np.testing.assert_allclose(
            fit_a.centres.loc[code], km.cluster_centers_[cluster_number], atol=1e-12
        )
    assert fit_a.clustering.kmeans_label_mismatches == 0


def test_tables_are_consistent(customers, fit_a):
    sizes = fit_a.clustering.sizes
    assert sizes["n"].sum() == len(customers)
    assert sizes["pct"].sum() == pytest.approx(100.0)
    counts = fit_a.assignments["segment_code"].value_counts()
    assert (sizes["n"] == counts.reindex(sizes.index)).all()
    profile = customers.groupby(fit_a.assignments["segment_code"].to_numpy())[list(A.inputs)].mean()
    pd.testing.assert_frame_equal(
        fit_a.clustering.profile,
        profile.reindex(fit_a.clustering.profile.index),
        check_names=False,
    )
    d = fit_a.clustering.centre_distances
    assert np.allclose(d.to_numpy(), d.to_numpy().T) and np.allclose(np.diag(d), 0)
    anova = fit_a.clustering.anova
    assert list(anova.index) == fit_a.model_variables
    assert (anova["f"] > 10).all() and (anova["p_value"] < 1e-6).all()
    assert (anova["df_between"] == 5).all() and (anova["df_within"] == len(customers) - 6).all()
    assert list(fit_a.clustering.k_selection.index) == [2, 3, 6]
    assert fit_a.clustering.k_selection["silhouette"].between(-1, 1).all()


def test_anova_matches_scipy(customers, fit_a):
    from scipy import stats

    x = fit_a.assignments
    groups = [x.loc[x["segment_code"] == c, "factor_1"] for c in fit_a.segment_codes]
    f, p = stats.f_oneway(*groups)
    assert fit_a.clustering.anova.loc["factor_1", "f"] == pytest.approx(f)


def test_classification_functions(customers, fit_a):
    hit = fit_a.discrimination.hit_rates
    assert hit.loc["resubstitution", "overall"] > 0.97
    assert hit.loc["leave_one_out", "overall"] > 0.97
    # Fisher functions by hand from the definition.
    z = score(customers, fit_a)  # model space only; recompute z below
    assert (z["segment_code"] == fit_a.assignments["segment_code"]).all()
    sm = ScoringModel.from_result(fit_a)
    _, zz = sm.standardised(customers)
    y = fit_a.assignments["segment_code"].to_numpy()
    means = np.vstack([zz[y == c].mean(axis=0) for c in fit_a.segment_codes])
    within = sum(
        (zz[y == c] - m).T @ (zz[y == c] - m)
        for c, m in zip(fit_a.segment_codes, means, strict=True)
    ) / (len(zz) - 6)
    coefficients = np.linalg.solve(within, means.T).T
    prior = np.full(6, 1 / 6)  # equal priors, SPSS's default
    constants = -0.5 * np.einsum("gp,gp->g", coefficients, means) + np.log(prior)
    functions = fit_a.discrimination.classification_functions
    # Two routes to S^-1 m (centred sums here, x'x - sum n m m' in the fit) differ by
    # cond(S) (~2e3) x the rounding of S (~1e-14 relative, the groups are tight): ~2e-11 of
    # the largest coefficient (~1e4), so compare on that scale, not element by element.
    for actual, expected in (
        (functions[fit_a.inputs].to_numpy(), coefficients),
        (functions["constant"].to_numpy(), constants),
    ):
        np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-8 * np.abs(expected).max())
    classified = classify(customers, fit_a, function_set="fisher")
    assert (classified["segment_code"] == y).mean() == pytest.approx(
        hit.loc["resubstitution", "overall"]
    )
    assert classified["posterior_probability"].between(0, 1).all()


@pytest.mark.parametrize("scheme", ["A", "B"])
def test_assignment_functions_agree_with_kmeans(customers, fit_a, fit_b, scheme):
    """The functions that place new customers reproduce the nearest-centre rule on the fitted
    customers (Fisher's functions need not: they are the SPSS diagnostic)."""
    fit = fit_a if scheme == "A" else fit_b
    classified = classify(customers, fit)
    agreement = (classified["segment_code"] == fit.assignments["segment_code"]).mean()
    assert agreement >= 0.999
    # c_g'x - ||c_g||^2 / 2 on the model variables, read back from the artifacts alike
    functions = fit.discrimination.assignment_functions
    centres = fit.centres.to_numpy()
    np.testing.assert_array_equal(functions[fit.model_variables].to_numpy(), centres)
    np.testing.assert_allclose(functions["constant"], -0.5 * (centres**2).sum(axis=1))
    stored = classify(customers, result_to_artifacts(fit, include_assignments=False))
    assert (stored["segment_code"] == classified["segment_code"]).all()


def test_scheme_b(customers, fit_b):
    assert fit_b.factor_model is None and fit_b.factor_step is None
    assert fit_b.model_variables == list(SCHEME_B.inputs)
    assert fit_b.segment_codes == [
        "high_contribution",
        "high_activity",
        "loyal_retained",
        "relationship_maintained",
    ]
    profile = fit_b.clustering.profile
    assert profile["customer_contribution"].idxmax() == "high_contribution"
    rest = profile.drop(index="high_contribution")
    assert rest["annual_turnover"].idxmax() == "high_activity"
    assert rest.drop(index="high_activity")["account_age_years"].idxmax() == "loyal_retained"
    assert fit_b.discrimination.hit_rates.loc["leave_one_out", "overall"] > 0.9


def test_naming_reads_the_turnover_median(customers, fit_a, fit_b):
    for fit in (fit_a, fit_b):
        inputs = list(fit.config.inputs)
        by_segment = customers[inputs].fillna({"annual_turnover": 0.0})
        expected = by_segment.groupby(fit.assignments["segment_code"].to_numpy()).median()
        pd.testing.assert_frame_equal(
            fit.clustering.median_profile, expected.loc[fit.segment_codes], check_names=False
        )
        stored = result_to_artifacts(fit, include_assignments=False)
        medians = stored[stored["artifact"] == "cluster_median_profile"]
        assert len(medians) == fit.config.k * len(inputs)
        assert not medians.duplicated(["row_key", "column_key"]).any()
    assert "median annual_turnover" in fit_a.naming.loc["potential", "criterion"]
    assert "median annual_turnover" in fit_b.naming.loc["high_activity", "criterion"]


def test_deterministic_and_independent_of_row_order(customers, fit_a):
    again = fit_scheme(customers, A, "test_a")
    pd.testing.assert_frame_equal(again.centres, fit_a.centres)
    pd.testing.assert_frame_equal(again.assignments, fit_a.assignments)
    shuffled = customers.sample(frac=1.0, random_state=11)
    other = fit_scheme(shuffled, A, "test_a")
    # The fit reads rows in canonical order: the same arithmetic, rounding at most.
    pd.testing.assert_frame_equal(other.centres, fit_a.centres, atol=1e-9, rtol=0)
    by_id = other.assignments.set_index("customer_id").loc[customers["customer_id"]]
    assert (by_id["segment_code"].to_numpy() == fit_a.assignments["segment_code"]).all()


def test_other_seed_same_partition_same_names(customers, fit_a):
    other = fit_scheme(customers, dataclasses.replace(A, random_seed=99), "seed_99")
    assert (other.assignments["segment_code"] == fit_a.assignments["segment_code"]).all()


def test_fit_on_sample_scores_everyone(customers, fit_a):
    config = dataclasses.replace(A, fit_sample_size=1000, k_selection_sample_size=500)
    result = fit_scheme(customers, config, "sampled")
    assert result.run.n_fit == 1000 and result.run.n_rows == len(customers)
    assert result.assignments["in_fit_sample"].sum() == 1000
    assert result.clustering.k_selection["sample_size"].eq(500).all()
    ari = adjusted_rand_score(fit_a.assignments["segment_code"], result.assignments["segment_code"])
    assert ari > 0.95


# --- degenerate input -----------------------------------------------------------------


def test_fewer_rows_than_k(customers):
    with pytest.raises(SegmentationInputError, match="only 5 eligible customer\\(s\\).*k=6"):
        fit_scheme(customers.head(5), A, "tiny")


def test_fit_sample_smaller_than_k(customers):
    with pytest.raises(SegmentationInputError, match="fit_sample_size=3 leaves 3"):
        fit_scheme(customers, dataclasses.replace(A, fit_sample_size=3), "tiny")


def test_missing_column(customers):
    with pytest.raises(SegmentationInputError, match="lacks column\\(s\\) \\['trade_count'\\]"):
        fit_scheme(customers.drop(columns="trade_count"), A, "m")


def test_nan_and_inf_name_column_and_count(customers):
    bad = customers.copy()
    bad.loc[bad.index[:3], "avg_daily_market_value"] = np.nan
    bad.loc[bad.index[:2], "trade_count"] = np.inf
    with pytest.raises(
        SegmentationInputError,
        match="'avg_daily_market_value': 3 null; 'trade_count': 2 infinite",
    ):
        fit_scheme(bad, A, "m")


def test_null_turnover_is_filled_with_zero(customers):
    data = customers.copy()
    no_assets = data["archetype"] == "sleeping"
    data.loc[no_assets, "annual_turnover"] = np.nan  # as the mart gives it for zero assets
    result = fit_scheme(data, B, "m")
    assert not result.assignments["segment_code"].isna().any()
    assert result.clustering.profile["annual_turnover"].notna().all()


def test_negative_value_under_log1p(customers):
    bad = customers.copy()
    bad.loc[bad.index[0], "customer_contribution"] = -5.0
    with pytest.raises(SegmentationInputError, match="'customer_contribution' has 1 negative"):
        fit_scheme(bad, B, "m")


def test_duplicate_customer_id(customers):
    bad = pd.concat([customers, customers.head(2)])
    with pytest.raises(SegmentationInputError, match="customer_id is not unique: 2 duplicate"):
        fit_scheme(bad, A, "m")


def test_zero_variance_input_is_dropped_and_recorded(customers):
    data = customers.copy()
    data["product_breadth"] = 2.0
    with pytest.warns(DroppedInputWarning, match="product_breadth"):
        result = fit_scheme(data, A, "m")
    assert result.standardisation.dropped_inputs == {
        "product_breadth": "zero variance in the fitting sample"
    }
    assert "product_breadth" not in result.inputs and len(result.inputs) == 12
    assert "product_breadth" in result.clustering.profile.columns  # still described
    artifacts = result_to_artifacts(result, include_assignments=False)
    dropped = artifacts[artifacts["artifact"] == "dropped_input"]
    assert set(dropped["row_key"]) == {"product_breadth"}
    scored = score(data.drop(columns="product_breadth"), result)  # not needed to score
    assert (scored["segment_code"] == result.assignments["segment_code"]).all()


def test_every_input_constant(customers):
    data = customers.copy()
    for column in SCHEME_B.inputs:
        data[column] = 1.0
    with (
        pytest.raises(SegmentationInputError, match="every input of scheme B is constant"),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", DroppedInputWarning)
        fit_scheme(data, B, "m")


def test_singular_correlation_names_the_variables(customers):
    data = customers.copy()
    data["trade_count"] = data["active_trading_days"]  # same transform -> identical z-scores
    with pytest.raises(SegmentationInputError, match="singular") as error:
        fit_scheme(data, A, "m")
    message = str(error.value)
    assert "trade_count" in message and "active_trading_days" in message
    assert "annual_commission" not in message


def test_singular_linear_combination_without_factor_step(customers):
    config = dataclasses.replace(B, transforms=("none", "none", "none"))
    data = customers.copy()
    contribution, turnover = data["customer_contribution"], data["annual_turnover"]
    data["account_age_years"] = contribution / contribution.std() - turnover / turnover.std()
    with pytest.raises(SegmentationInputError, match="singular") as error:
        fit_scheme(data, config, "m")
    for name in SCHEME_B.inputs:
        assert name in str(error.value)


def test_low_kmo_warns_and_is_recorded():
    # Pairs of independent variables with their sum: zero correlations, strong partial ones.
    rng = np.random.default_rng(5)
    n = 600
    values = []
    for _ in range(4):
        a, b = rng.normal(size=(2, n))
        values += [a, b, a + b + rng.normal(scale=0.3, size=n)]
    values.append(rng.normal(size=n))
    columns = dict(zip(SCHEME_A.inputs, values, strict=True))
    data = pd.DataFrame(columns)
    data.insert(0, "customer_id", [f"c{i}" for i in range(n)])
    config = dataclasses.replace(
        A, transforms=("none",) * 13, fill_null=(), n_factors=3, k=3, k_range=(2, 3)
    )
    with pytest.warns(LowAdequacyWarning, match="KMO = 0\\.[0-4]"):
        result = fit_scheme(data, config, "low_kmo")
    assert result.factor_step.kmo_overall < 0.5
    assert any("KMO" in note for note in result.run.warnings)
    run = result_to_artifacts(result, include_assignments=False).query("artifact == 'model_run'")
    run = run.set_index("column_key")
    assert run.loc["low_adequacy", "value"] == 1.0
    assert "KMO" in run.loc["warnings", "text_value"]


def test_restarts_on_a_sample_then_one_run_on_all_rows(customers, fit_a):
    config = dataclasses.replace(A, restart_sample_size=400)
    result = fit_scheme(customers, config, "restart_sample")
    assert result.clustering.kmeans_label_mismatches == 0
    ari = adjusted_rand_score(fit_a.assignments["segment_code"], result.assignments["segment_code"])
    assert ari > 0.99
    assert result.segment_codes == fit_a.segment_codes


def test_more_clusters_and_kaiser_factors_from_vars(customers):
    from broker_segments.segmentation import config_from_vars

    config = config_from_vars(A, {"k": "7", "n_factors": "none", "k_range": "2..3", "n_init": "2"})
    result = fit_scheme(customers, config, "k7")
    eigenvalues = result.factor_model.eigenvalues
    assert len(result.model_variables) == int((eigenvalues > 1).sum())
    assert len(result.segment_codes) == 7 and "cluster_7" in result.segment_codes
    assert result.naming.loc["cluster_7", "segment_name_zh"] == "第7类客户"
    artifacts = result_to_artifacts(result, include_assignments=False)
    assert not artifacts.duplicated(["artifact", "row_key", "column_key"]).any()


def test_leave_one_out_needs_two_rows_per_group():
    from broker_segments.segmentation.discriminant import fit_and_validate

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3))
    groups = np.array([0] * 30 + [1] * 17 + [2] * 3)
    x[groups == 1] += 4
    x[groups == 2] -= 4
    *_, loo = fit_and_validate(x, groups, 3)
    assert np.isfinite(loo["overall"])
    groups[-3:-1] = 1  # group 2 now has one row
    *_, resub, loo = fit_and_validate(x, groups, 3)
    assert np.isnan(loo["overall"]) and "one-member group" in loo["overall_reason"]
    assert resub["counts"].sum() == len(groups) and resub["overall"] > 0.9


def test_a_one_member_groups_leave_one_out_rate_is_undefined_with_its_reason():
    """Leaving the only row of a group out leaves no case of it to fit: that group's rate
    (and the overall one) is NaN with the reason, never a number outside [0, 1]; the other
    groups' rates are the ones their rows give, and their counts are there."""
    from broker_segments.segmentation.discriminant import ONE_MEMBER_GROUP, fit_and_validate

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3))
    groups = np.array([0] * 30 + [1] * 19 + [2])
    x[groups == 1] += 4
    x[groups == 2] -= 4
    *_, resub, loo = fit_and_validate(x, groups, 3)
    assert np.isnan(loo["per_group"][2]) and loo["reasons"][2] == ONE_MEMBER_GROUP
    assert np.isnan(loo["overall"]) and loo["overall_reason"]
    assert loo["reasons"][:2] == [None, None]
    assert ((loo["per_group"][:2] >= 0) & (loo["per_group"][:2] <= 1)).all()
    assert loo["counts"][2].sum() == 0  # its customer is not classified
    np.testing.assert_array_equal(loo["counts"].sum(axis=1)[:2], [30, 19])
    np.testing.assert_allclose(loo["per_group"][:2], np.diag(loo["counts"])[:2] / [30, 19])
    assert resub["reasons"] == [None] * 3 and np.isfinite(resub["per_group"]).all()


def test_the_fit_stores_an_undefined_hit_rate_as_null_with_its_reason():
    customers = _one_extreme_customer()
    result = fit_scheme(customers, dataclasses.replace(A, min_cluster_share=0.0), "alone")
    alone = result.clustering.sizes.index[result.clustering.sizes["n"] == 1][0]
    cells = result_to_artifacts(result, include_assignments=False).query("artifact == 'hit_rate'")
    cells = cells.set_index(["row_key", "column_key"])
    assert np.isnan(cells.loc[("leave_one_out", alone), "value"])
    assert "one-member group" in cells.loc[("leave_one_out", alone), "text_value"]
    assert np.isnan(cells.loc[("leave_one_out", "overall"), "value"])
    defined = cells[cells["value"].notna()]
    assert defined["value"].between(0, 1).all() and defined["text_value"].isna().all()
    assert len(defined) == len(cells) - 2
    loo = result.discrimination.classification_results.loc["leave_one_out"]
    assert alone not in loo.index and len(loo) == len(result.segment_codes) - 1


@pytest.mark.parametrize("priors", ["equal", "size"])
def test_leave_one_out_equals_refitting_without_each_row(priors):
    """The closed form equals n refits, each without one row, to 1e-9."""
    from broker_segments.segmentation import discriminant

    rng = np.random.default_rng(3)
    groups = np.repeat([0, 1, 2], [9, 14, 6])
    x = rng.normal(size=(len(groups), 4)) + 1.2 * np.eye(4)[groups] @ np.diag([3, 2, 1, 0.5])
    fast = discriminant.leave_one_out_scores(x, groups, 3, priors)
    brute = np.empty_like(fast)
    for i in range(len(groups)):
        keep = np.arange(len(groups)) != i
        c, c0 = discriminant.functions_from_statistics(
            *discriminant.group_statistics(x[keep], groups[keep], 3), priors
        )
        brute[i] = discriminant.classification_scores(x[i : i + 1], c, c0)[0]
    np.testing.assert_allclose(fast, brute, rtol=1e-9, atol=1e-9)
    *_, loo = discriminant.fit_and_validate(x, groups, 3, priors)
    assert loo["overall"] == pytest.approx((brute.argmax(axis=1) == groups).mean())
    # The cross-validated classification results are the refits' predictions, counted.
    expected = np.zeros((3, 3), dtype=int)
    np.add.at(expected, (groups, brute.argmax(axis=1)), 1)
    np.testing.assert_array_equal(loo["counts"], expected)


def test_classification_results_agree_with_the_hit_rates(fit_a, fit_b):
    """Confusion counts per method: rows add up to the group sizes, the diagonal share is the
    group's hit rate, the diagonal total share the overall one."""
    for fit in (fit_a, fit_b):
        table = fit.discrimination.classification_results
        assert list(table.index.get_level_values(0).unique()) == [
            "resubstitution",
            "leave_one_out",
        ]
        sizes = fit.assignments["segment_code"].value_counts()
        for method in ("resubstitution", "leave_one_out"):
            counts = table.loc[method].loc[fit.segment_codes, fit.segment_codes]
            np.testing.assert_array_equal(counts.sum(axis=1), sizes[fit.segment_codes])
            diagonal = np.diag(counts.to_numpy())
            np.testing.assert_allclose(
                diagonal / counts.sum(axis=1).to_numpy(),
                fit.discrimination.hit_rates.loc[method, fit.segment_codes].to_numpy(dtype=float),
            )
            assert diagonal.sum() / counts.to_numpy().sum() == pytest.approx(
                fit.discrimination.hit_rates.loc[method, "overall"]
            )


def test_priors_equal_or_group_sizes():
    from broker_segments.segmentation import discriminant

    rng = np.random.default_rng(5)
    groups = np.repeat([0, 1], [40, 10])
    x = rng.normal(size=(50, 2)) + np.array([[0, 0], [1, 1]])[groups]
    stats = discriminant.group_statistics(x, groups, 2)
    c_eq, c0_eq = discriminant.functions_from_statistics(*stats, "equal")
    c_size, c0_size = discriminant.functions_from_statistics(*stats, "size")
    np.testing.assert_array_equal(c_eq, c_size)  # priors move only the constants
    np.testing.assert_allclose(c0_size - c0_eq, np.log([0.8, 0.2]) - np.log(0.5))
    with pytest.raises(SegmentationInputError, match="priors"):
        discriminant.functions_from_statistics(*stats, "uniform")
    # the setting reaches the fit and its artifacts
    customers = make_customers(600, seed=2)
    sized = fit_scheme(customers, dataclasses.replace(SCHEME_B, priors="size"), "b-size")
    equal = fit_scheme(customers, SCHEME_B, "b-equal")
    delta = (
        sized.discrimination.classification_functions["constant"]
        - equal.discrimination.classification_functions["constant"]
    )
    shares = sized.clustering.sizes["n"] / sized.clustering.sizes["n"].sum()
    np.testing.assert_allclose(delta, np.log(shares) - np.log(0.25), atol=1e-9)
    assert (sized.assignments["segment_code"] == equal.assignments["segment_code"]).all()


def test_k_selection_skips_k_the_sample_cannot_support():
    from broker_segments.segmentation.cluster import k_selection

    x = np.random.default_rng(0).normal(size=(40, 2))
    table = k_selection(x, (2, 3, 50), n_init=1, seed=0, silhouette_sample_size=30)
    assert list(table.index) == [2, 3]


def test_spss_conventions(customers, fit_a, fit_b):
    # rotated factors in decreasing order of their rotation sums of squared loadings
    ss = fit_a.factor_model.variance_explained["rotation_ss_loadings"].dropna().to_numpy()
    assert (np.diff(ss) <= 1e-12).all()
    np.testing.assert_allclose(ss, (fit_a.factor_model.loadings.to_numpy() ** 2).sum(axis=0))
    for fit in (fit_a, fit_b):
        a = fit.assignments
        # final centres are exactly the members' means (the whole frame is the fit sample)
        means = a.groupby("segment_code")[fit.model_variables].mean().loc[fit.segment_codes]
        np.testing.assert_allclose(fit.centres.to_numpy(), means.to_numpy(), atol=1e-12)
        # the k-selection row at the chosen k is the fitted model
        if fit.config.k not in fit.clustering.k_selection.index:
            continue
        row = fit.clustering.k_selection.loc[fit.config.k]
        assert row["sample_size"] == len(a)
        assert row["inertia"] == pytest.approx((a["distance_to_centre"] ** 2).sum(), rel=1e-9)
        assert row["inertia"] == pytest.approx(fit.clustering.inertia, rel=1e-9)


def test_bootstrap_stability_is_highest_at_the_true_k():
    """Four well-separated, equidistant blobs: refits on resamples recover the 4-group
    partition (ARI near 1), while k = 3 or 5 must merge two blobs or split one, which pair or
    which blob is arbitrary, and the refits come back less alike."""
    from sklearn.datasets import make_blobs

    from broker_segments.segmentation.cluster import k_selection

    x, _ = make_blobs(
        n_samples=400, centers=6.0 * np.eye(4), cluster_std=0.6, random_state=1, shuffle=True
    )
    table = k_selection(
        x, (3, 4, 5), n_init=2, seed=7, silhouette_sample_size=400, stability_resamples=10
    )
    stability = table["stability_ari_mean"]
    assert stability[4] > 0.99
    assert stability[4] > stability[3] and stability[4] > stability[5]
    assert (table["stability_resamples"] == 10).all()
    assert (table["stability_ari_std"] >= 0).all()
    again = k_selection(
        x, (3, 4, 5), n_init=2, seed=7, silhouette_sample_size=400, stability_resamples=10
    )
    pd.testing.assert_frame_equal(table, again)
    none = k_selection(x, (4,), n_init=2, seed=7, silhouette_sample_size=400)
    assert np.isnan(none.loc[4, "stability_ari_mean"]) and none.loc[4, "stability_resamples"] == 0


def test_fit_reports_the_stability_of_each_k(fit_a, fit_b):
    for fit in (fit_a, fit_b):
        table = fit.clustering.k_selection
        assert (table["stability_resamples"] == fit.config.stability_resamples).all()
        assert table["stability_ari_mean"].between(-1, 1).all()


def test_wilks_lambda_and_eigenvalues_of_the_discriminant_functions(customers, fit_a):
    """Eigenvalues as sklearn's LDA (its explained variance ratio), Wilks' lambda of all
    functions = det W / det T, and each later test keeps fewer functions."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    from broker_segments.segmentation import discriminant

    rng = np.random.default_rng(0)
    groups = np.repeat([0, 1, 2, 3], [30, 40, 25, 35])
    x = rng.normal(size=(len(groups), 5)) + 2.0 * np.eye(5)[groups]
    table = discriminant.canonical_functions(x, groups, 4)
    assert list(table.index) == [1, 2, 3]
    lda = LinearDiscriminantAnalysis(solver="eigen").fit(x, groups)
    np.testing.assert_allclose(table["pct_variance"], 100 * lda.explained_variance_ratio_)
    centred = x - x.mean(axis=0)
    within = sum(
        (x[groups == g] - x[groups == g].mean(axis=0)).T
        @ (x[groups == g] - x[groups == g].mean(axis=0))
        for g in range(4)
    )
    assert table.loc[1, "wilks_lambda"] == pytest.approx(
        np.linalg.det(within) / np.linalg.det(centred.T @ centred)
    )
    assert table["wilks_lambda"].is_monotonic_increasing
    assert list(table["df"]) == [15, 8, 3]
    assert table["cum_pct"].iloc[-1] == pytest.approx(100)
    fitted = fit_a.discrimination.discriminant_functions
    assert len(fitted) == min(len(fit_a.inputs), fit_a.config.k - 1)
    assert (fitted["p_value"].iloc[:1] < 1e-6).all()


def _history_is_the_run(result) -> None:
    """The iteration history starts at the initial centres, each step is the members' means
    of the assignment to the previous centres, and it ends at the final centres."""
    steps = result.clustering.kmeans_iterations
    n = steps.index.get_level_values("iteration").max()
    codes, variables = result.segment_codes, result.model_variables
    previous = result.clustering.initial_centres.loc[codes, variables].to_numpy()
    for step in range(1, n + 1):
        centres = steps.loc[step].loc[codes, variables].to_numpy()
        moved = np.sqrt(((centres - previous) ** 2).sum(axis=1))
        np.testing.assert_allclose(steps.loc[step, "change"].to_numpy(), moved, atol=1e-15)
        previous = centres
    np.testing.assert_array_equal(previous, result.centres.to_numpy())


def test_kmeans_initial_centres_and_iteration_history(customers, fit_a, fit_b):
    """The winning restart's k-means++ seeds are drawn explicitly: they are the seeds of
    sklearn's best restart (its n_init restarts give the same partition), the Lloyd steps from
    them end at the final centres, and a refit gives the same history (deterministic)."""
    from broker_segments.segmentation import cluster

    for result in (fit_a, fit_b):
        _history_is_the_run(result)
        assert len(result.clustering.kmeans_iterations) % result.config.k == 0
    x = fit_a.assignments[fit_a.model_variables].to_numpy()[:1500]
    x = np.ascontiguousarray(x)
    seeds = cluster.best_restart_seeds(x, 6, A.n_init, A.random_seed)
    fitted = cluster.fit_kmeans(x, 6, A.n_init, A.random_seed)
    np.testing.assert_array_equal(fitted.initial_centres, seeds)
    np.testing.assert_array_equal(fitted.history[0], seeds)
    np.testing.assert_array_equal(fitted.history[-1], fitted.centres)
    reference = KMeans(6, n_init=A.n_init, random_state=A.random_seed).fit(x)
    assert adjusted_rand_score(reference.labels_, fitted.labels) == 1.0
    assert fitted.inertia == pytest.approx(reference.inertia_, rel=1e-9)
    again = cluster.fit_kmeans(x, 6, A.n_init, A.random_seed)
    np.testing.assert_array_equal(again.history, fitted.history)
    again = fit_scheme(customers, A, "test_a")
    pd.testing.assert_frame_equal(
        again.clustering.kmeans_iterations, fit_a.clustering.kmeans_iterations
    )
    pd.testing.assert_frame_equal(
        again.clustering.initial_centres, fit_a.clustering.initial_centres
    )


def test_kmeans_history_of_a_restart_sample_and_of_a_warm_start(customers, fit_a):
    """With restarts on a sample, the run on all rows starts from the sample's best centres;
    a refit with the previous model starts from its groups' means."""
    result = fit_scheme(customers, dataclasses.replace(A, restart_sample_size=400), "sampled")
    _history_is_the_run(result)
    refit = fit_scheme(customers, A, "refit", previous=result_to_artifacts(fit_a))
    _history_is_the_run(refit)
    codes = refit.segment_codes
    means = refit.assignments.groupby("segment_code")[refit.model_variables].mean()
    np.testing.assert_allclose(
        refit.clustering.initial_centres.to_numpy(), means.loc[codes].to_numpy(), atol=1e-9
    )


# --- SPSS DISCRIMINANT's other tables (spss-discriminant) -------------------------------------


def _separated_groups(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    groups = np.repeat([0, 1, 2, 3], [30, 40, 25, 35])
    x = rng.normal(size=(len(groups), 5)) + 2.0 * np.eye(5)[groups] @ np.diag([3, 2, 1.5, 1, 0.5])
    return x, groups


def test_group_statistics_and_tests_of_equality_of_group_means():
    """Means, n - 1 stds and counts per group and in total; Wilks' lambda of one input is
    SS_within / SS_total and its F the one-way ANOVA F (scipy's f_oneway)."""
    from scipy import stats

    from broker_segments.segmentation import discriminant

    x, groups = _separated_groups()
    means, stds, counts = discriminant.group_descriptives(x, groups, 4)
    for g in range(4):
        np.testing.assert_allclose(means[g], x[groups == g].mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(stds[g], x[groups == g].std(axis=0, ddof=1), rtol=1e-12)
        assert (counts[g] == (groups == g).sum()).all()
    np.testing.assert_allclose(means[4], x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stds[4], x.std(axis=0, ddof=1), rtol=1e-12)
    assert (counts[4] == len(x)).all()
    table = discriminant.equality_of_group_means(x, groups, 4)
    for j in range(x.shape[1]):
        anova = stats.f_oneway(*(x[groups == g, j] for g in range(4)))
        assert table.loc[j, "f"] == pytest.approx(anova.statistic, rel=1e-10)
        assert table.loc[j, "p_value"] == pytest.approx(anova.pvalue, rel=1e-8, abs=1e-300)
        within = sum(((x[groups == g, j] - x[groups == g, j].mean()) ** 2).sum() for g in range(4))
        total = ((x[:, j] - x[:, j].mean()) ** 2).sum()
        assert table.loc[j, "wilks_lambda"] == pytest.approx(within / total, rel=1e-12)
    assert (table["df1"] == 3).all() and (table["df2"] == len(x) - 4).all()


def _box_m_by_the_book(x, groups, n_groups):
    """Box's M and its F approximation written out from the textbook formulas (dets, not
    log-dets; every group non-singular)."""
    n, p = x.shape
    ns = np.array([(groups == g).sum() for g in range(n_groups)], dtype=float)
    covs = [np.cov(x[groups == g], rowvar=False, ddof=1) for g in range(n_groups)]
    pooled = sum((ns[g] - 1) * covs[g] for g in range(n_groups)) / (n - n_groups)
    m = (n - n_groups) * np.log(np.linalg.det(pooled)) - sum(
        (ns[g] - 1) * np.log(np.linalg.det(covs[g])) for g in range(n_groups)
    )
    c1 = (np.sum(1 / (ns - 1)) - 1 / (n - n_groups)) * (2 * p * p + 3 * p - 1)
    c1 /= 6 * (p + 1) * (n_groups - 1)
    c2 = (np.sum(1 / (ns - 1) ** 2) - 1 / (n - n_groups) ** 2) * (p - 1) * (p + 2)
    c2 /= 6 * (n_groups - 1)
    df1 = p * (p + 1) * (n_groups - 1) / 2
    if c2 > c1**2:
        df2 = (df1 + 2) / (c2 - c1**2)
        f = m / (df1 / (1 - c1 - df1 / df2))
    else:
        df2 = (df1 + 2) / (c1**2 - c2)
        b = df2 / (1 - c1 + 2 / df2)
        f = df2 * m / (df1 * (b - m))
    return m, f, df1, df2, [np.log(np.linalg.det(c)) for c in covs], np.log(np.linalg.det(pooled))


@pytest.mark.parametrize("sizes", [[30, 40, 25, 35], [7, 8, 9, 60]])
def test_box_m_and_log_determinants(sizes):
    """Both branches of Box's F approximation (c2 > c1^2 with moderate groups, c2 < c1^2 with
    small ones) against the textbook formulas; equal covariances are not rejected, unequal
    ones are."""
    from scipy import stats

    from broker_segments.segmentation import discriminant

    rng = np.random.default_rng(4)
    groups = np.repeat([0, 1, 2, 3], sizes)
    x = rng.normal(size=(len(groups), 3)) + 3.0 * np.eye(3, 4).T[groups]
    test, logdets = discriminant.box_m_test(x, groups, 4)
    m, f, df1, df2, group_logdets, pooled_logdet = _box_m_by_the_book(x, groups, 4)
    assert test["box_m"] == pytest.approx(m, rel=1e-9)
    assert test["f"] == pytest.approx(f, rel=1e-9)
    assert (test["df1"], test["groups_used"]) == (df1, 4)
    assert test["df2"] == pytest.approx(df2, rel=1e-9)
    assert test["p_value"] == pytest.approx(stats.f.sf(f, df1, df2), rel=1e-9)
    assert test["note"] is None
    np.testing.assert_allclose(logdets["log_determinant"].iloc[:4], group_logdets, rtol=1e-9)
    assert logdets.loc["pooled", "log_determinant"] == pytest.approx(pooled_logdet, rel=1e-9)
    assert (logdets["rank"] == 3).all()
    assert test["p_value"] > 0.001  # the groups share one covariance
    x[groups == 3] *= 3.0
    assert discriminant.box_m_test(x, groups, 4)[0]["p_value"] < 1e-6


def test_box_m_leaves_out_a_singular_group_and_says_so():
    from broker_segments.segmentation import discriminant

    x, groups = _separated_groups(1)
    x[groups == 2, 1] = 5.0  # constant within group 2: its covariance is singular
    test, logdets = discriminant.box_m_test(x, groups, 4)
    assert np.isnan(logdets.loc[2, "log_determinant"]) and logdets.loc[2, "rank"] == 4
    assert np.isfinite(logdets.drop(index=2)["log_determinant"]).all()
    assert test["groups_used"] == 3 and "[2]" in test["note"]
    keep = groups != 2
    relabelled = np.searchsorted([0, 1, 3], groups[keep])
    alone = discriminant.box_m_test(x[keep], relabelled, 3)[0]
    assert test["box_m"] == pytest.approx(alone["box_m"], rel=1e-12)  # as if it were absent
    assert test["f"] == pytest.approx(alone["f"], rel=1e-12)
    x[groups == 0, 1] = 1.0
    x[groups == 1, 1] = 2.0
    none = discriminant.box_m_test(x, groups, 4)[0]
    assert np.isnan(none["box_m"]) and np.isnan(none["p_value"]) and "no test" in none["note"]


def test_canonical_coefficients_agree_with_sklearn_lda():
    """sklearn's LDA(solver='eigen') scalings are the raw coefficients scaled to unit
    variance under W / n; ours are scaled to unit variance under W / (n - G): the same
    vectors times sqrt((n - G) / n), up to each function's sign (ours: the largest absolute
    standardised coefficient is positive)."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    from broker_segments.segmentation import discriminant

    x, groups = _separated_groups()
    n, g = len(x), 4
    c = discriminant.canonical_coefficients(x, groups, g)
    lda = LinearDiscriminantAnalysis(solver="eigen").fit(x, groups)
    expected = lda.scalings_[:, :3] * np.sqrt((n - g) / n)
    signs = np.sign((expected * c["raw"]).sum(axis=0))
    np.testing.assert_allclose(c["raw"], expected * signs, rtol=1e-8, atol=1e-10)
    biggest = np.abs(c["standardised"]).argmax(axis=0)
    assert (c["standardised"][biggest, range(3)] > 0).all()
    # standardised = raw x pooled within-group std
    within = sum(
        (x[groups == h] - x[groups == h].mean(axis=0)).T
        @ (x[groups == h] - x[groups == h].mean(axis=0))
        for h in range(g)
    ) / (n - g)
    sd = np.sqrt(np.diag(within))
    np.testing.assert_allclose(c["standardised"], c["raw"] * sd[:, None], rtol=1e-12)
    # the scores have pooled within-group variance 1, mean 0 overall, and are uncorrelated
    scores = x @ c["raw"] + c["constant"]
    np.testing.assert_allclose(scores.mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(c["raw"].T @ within @ c["raw"], np.eye(3), atol=1e-10)
    # centroids: each group's mean score
    for h in range(g):
        np.testing.assert_allclose(c["centroids"][h], scores[groups == h].mean(axis=0), atol=1e-10)
    # structure matrix: pooled within-group correlation of each input with each score
    resid_x = x - np.vstack([x[groups == h].mean(axis=0) for h in range(g)])[groups]
    resid_s = scores - c["centroids"][groups]
    corr = (resid_x.T @ resid_s) / np.sqrt(
        np.outer((resid_x**2).sum(axis=0), (resid_s**2).sum(axis=0))
    )
    np.testing.assert_allclose(c["structure"], corr, rtol=1e-8, atol=1e-12)
    # the eigenvalues of W^-1 B are the functions' between/within variance ratio
    table = discriminant.canonical_functions(x, groups, g)
    between = sum(
        (groups == h).sum() * np.outer(c["centroids"][h], c["centroids"][h]) for h in range(g)
    )
    np.testing.assert_allclose(
        np.diag(between) / (n - g), table["eigenvalue"].to_numpy(), rtol=1e-8
    )


def test_fit_carries_the_spss_discriminant_tables(fit_a, fit_b):
    for fit in (fit_a, fit_b):
        codes, inputs = fit.segment_codes, fit.inputs
        m = min(len(inputs), fit.config.k - 1)
        stats_ = fit.discrimination.group_statistics
        assert list(stats_.index.get_level_values(0).unique()) == [*codes, "total"]
        sizes = fit.assignments["segment_code"].value_counts()
        n = stats_.xs(inputs[0], level="input")["n"]
        np.testing.assert_array_equal(n.loc[codes], sizes.loc[codes])
        assert n.loc["total"] == fit.run.n_rows
        np.testing.assert_allclose(stats_.xs("total")["mean"].loc[inputs], 0, atol=0.2)
        assert list(fit.discrimination.group_means_tests.index) == inputs
        assert fit.discrimination.group_means_tests["wilks_lambda"].between(0, 1).all()
        if not fit.config.use_factor_analysis:  # model space = the z-scores: the ANOVA's F
            np.testing.assert_allclose(
                fit.discrimination.group_means_tests["f"].to_numpy(),
                fit.clustering.anova.loc[inputs, "f"].to_numpy(),
                rtol=1e-8,
            )
        assert list(fit.discrimination.log_determinants.index) == [*codes, "pooled"]
        assert fit.discrimination.canonical_coefficients.shape == (len(inputs), m)
        assert fit.discrimination.structure_matrix.abs().le(1 + 1e-12).all().all()
        assert list(fit.discrimination.group_centroids.index) == codes
        centroids = fit.discrimination.group_centroids.to_numpy()
        weights = fit.discrimination.group_priors["n"].to_numpy()
        np.testing.assert_allclose(weights @ centroids / weights.sum(), 0, atol=1e-8)
        np.testing.assert_allclose(fit.discrimination.group_priors["prior"], 1 / fit.config.k)
        np.testing.assert_array_equal(fit.discrimination.group_priors["n"], sizes.loc[codes])


# ---------------------------------------------------------------- clusters of outliers


def _one_extreme_customer() -> pd.DataFrame:
    """The reported case: one customer's asset_growth of -13.06 among -0.8..1.1."""
    customers = make_customers(3000, seed=3, noise=0.1)
    customers.loc[17, "asset_growth"] = -13.06
    return customers


def test_a_cluster_below_the_minimum_share_is_left_out_and_fitted_again():
    customers = _one_extreme_customer()
    extreme = customers.loc[17, "customer_id"]
    with pytest.warns(SmallClusterWarning, match="1 customer"):
        result = fit_scheme(customers, A, "outlier")
    sizes = result.clustering.sizes
    assert (sizes["n"] >= A.min_cluster_share * len(customers)).all(), sizes
    assert result.run.n_fit == len(customers) - 1
    assignments = result.assignments.set_index("customer_id")
    # left out of the fit, still assigned (to its nearest centre, as SQL scores it)
    assert not assignments.loc[extreme, "in_fit_sample"]
    assert assignments["in_fit_sample"].sum() == len(customers) - 1
    assert assignments.loc[extreme, "segment_code"] in result.segment_codes
    centres = result.centres.to_numpy()
    x = assignments.loc[extreme, result.model_variables].to_numpy(dtype=float)
    nearest = result.segment_codes[int(((centres - x) ** 2).sum(axis=1).argmin())]
    assert assignments.loc[extreme, "segment_code"] == nearest
    assert any("left out of the fit as outliers" in w for w in result.run.warnings)
    run = result_to_artifacts(result, include_assignments=False).query("artifact == 'model_run'")
    run = run.set_index("column_key")
    assert run.loc["n_fit_sample", "value"] == len(customers) - 1
    assert "segmentation_min_cluster_share" in run.loc["warnings", "text_value"]
    # every group has a leave-one-out hit rate now
    assert result.discrimination.hit_rates.notna().all().all()


def test_a_share_of_zero_keeps_a_cluster_of_one():
    """Without the rule K-means gives the extreme customer a cluster of its own (the case the
    rule is for), and the fit is as before: nobody left out."""
    customers = _one_extreme_customer()
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallClusterWarning)
        result = fit_scheme(customers, dataclasses.replace(A, min_cluster_share=0.0), "old")
    assert result.clustering.sizes["n"].min() == 1
    assert result.run.n_fit == len(customers)
    assert result.assignments["in_fit_sample"].all()
    assert not any("left out" in w for w in result.run.warnings)


def test_clusters_that_stay_too_small_stop_the_fit():
    # vip holds about 5% of the customers: six clusters of at least 16% each cannot be had
    with pytest.raises(SegmentationInputError) as raised:
        fit_scheme(
            make_customers(3000, seed=3, noise=0.1),
            dataclasses.replace(A, min_cluster_share=0.16),
            "nothing",
        )
    message = str(raised.value)
    assert message.startswith("scheme A: ")
    assert "var segmentation_min_cluster_share (0.16)" in message
    assert "lower var scheme_a_k" in message and "Nothing was fitted or stored" in message


def test_min_cluster_share_must_leave_room_for_two_clusters():
    from broker_segments.segmentation import SegmentationConfigError, config_from_vars

    assert config_from_vars("B", {"min_cluster_share": "0"}).min_cluster_share == 0.0
    assert config_from_vars("A", {"min_cluster_share": 0.05}).min_cluster_share == 0.05
    for bad in (-0.01, 0.5, 0.7):
        with pytest.raises(SegmentationConfigError, match="min_cluster_share"):
            config_from_vars("A", {"min_cluster_share": bad})
