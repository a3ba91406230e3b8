"""The long artifact frame: schema, keys, and scoring from it (Python and SQL)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from broker_segments.segmentation import (
    ARTIFACT_COLUMNS,
    ARTIFACTS,
    SCHEME_A,
    SCHEME_B,
    ScoringModel,
    SegmentationInputError,
    classify,
    fit_scheme,
    result_to_artifacts,
    score,
)
from broker_segments.segmentation.transform import prepare_inputs
from tools.synthetic import make_customers

pytestmark = pytest.mark.fast

FAST = {"k_range": (2, 4, 6), "silhouette_sample_size": 800}


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return make_customers(2500, seed=4, noise=0.15)


@pytest.fixture(scope="module")
def new_customers() -> pd.DataFrame:
    frame = make_customers(700, seed=5, noise=0.3)
    frame.loc[frame.index[:20], "annual_turnover"] = np.nan  # zero-asset accounts
    return frame


@pytest.fixture(scope="module", params=["A", "B"])
def fitted(request, customers):
    config = dataclasses.replace(SCHEME_A if request.param == "A" else SCHEME_B, **FAST)
    metadata = {"as_of_date": "2024-06-28", "vars": {"k": config.k, "lookback_days": 365}}
    result = fit_scheme(customers, config, f"model_{request.param}", metadata)
    return result, result_to_artifacts(result)


def test_schema_and_dtypes(fitted):
    _, artifacts = fitted
    assert tuple(artifacts.columns) == ARTIFACT_COLUMNS
    for column in ("model_id", "scheme", "artifact", "row_key", "column_key", "text_value"):
        assert artifacts[column].dtype == "str", column
    assert artifacts["value"].dtype == np.float64
    for column in ("model_id", "scheme", "artifact", "row_key", "column_key"):
        assert artifacts[column].notna().all(), column
    assert set(artifacts["artifact"]) <= set(ARTIFACTS)


def test_keys_are_unique(fitted):
    _, artifacts = fitted
    assert not artifacts.duplicated(["model_id", "artifact", "row_key", "column_key"]).any()


def test_every_cell_has_a_number_or_a_text_or_is_a_documented_gap(fitted):
    _, artifacts = fitted
    both = artifacts["value"].notna() & artifacts["text_value"].notna()
    assert not both.any()
    neither = artifacts[artifacts["value"].isna() & artifacts["text_value"].isna()]
    allowed = {
        ("standardisation", "null_fill"),  # inputs without a fill
        ("model_run", "n_factors"),
        ("model_run", "kmo"),
        ("model_run", "low_adequacy"),
        ("model_run", "cumulative_variance_pct"),
        ("model_run", "warnings"),
        ("model_run", "previous_model_id"),  # fitted without a previous model
        ("log_determinant", "log_determinant"),  # a group with a singular covariance
    }
    assert set(zip(neither["artifact"], neither["column_key"], strict=True)) <= allowed


def test_the_reference_bins_hold_the_fit_sample_of_every_input(fitted, customers):
    """Per kept input, bins that partition the fitted z-scores: shares add up to 1 and each
    bin's share is that of the fitted customers with lower_edge < z <= upper_edge."""
    result, artifacts = fitted
    bins = artifacts[artifacts["artifact"] == "input_reference_bin"].pivot(  # noqa: PD010
        index="row_key", columns="column_key", values="value"
    )
    bins["input_name"] = bins.index.str.split(":").str[0]
    assert set(bins["input_name"]) == set(result.inputs)
    standard = result.standardisation
    assert result.assignments["in_fit_sample"].all()  # no fit_sample_size: all are fitted
    _, _, transformed = prepare_inputs(
        customers, standard.inputs, standard.transforms, standard.null_fill
    )
    z = (transformed - standard.mean.to_numpy()) / standard.std.to_numpy()
    for j, name in enumerate(standard.inputs):
        part = bins[bins["input_name"] == name].sort_values("bin")
        assert part["bin"].tolist() == list(range(1, len(part) + 1)) and len(part) <= 10
        assert part["fit_share"].sum() == pytest.approx(1.0)
        assert np.isnan(part["lower_edge"].iloc[0]) and np.isnan(part["upper_edge"].iloc[-1])
        lower = part["lower_edge"].fillna(-np.inf).to_numpy()
        upper = part["upper_edge"].fillna(np.inf).to_numpy()
        column = z[:, j]
        shares = [
            ((column > lo) & (column <= hi)).mean() for lo, hi in zip(lower, upper, strict=True)
        ]
        assert shares == pytest.approx(part["fit_share"].tolist(), abs=1e-12), name
        # no fitted z-score lies within rounding of an edge
        edges = upper[:-1]
        assert np.abs(z[:, j][:, None] - edges[None, :]).min() > 1e-9, name


def test_artifact_set_per_scheme(fitted):
    result, artifacts = fitted
    present = set(artifacts["artifact"])
    common = {
        "standardisation",
        "input_reference_bin",
        "cluster_centre",
        "cluster_profile",
        "cluster_median_profile",
        "cluster_size",
        "segment_naming",
        "centre_distance",
        "anova",
        "classification_function",
        "assignment_function",
        "hit_rate",
        "classification_result",
        "discriminant_function",
        # SPSS DISCRIMINANT's other tables (spss-discriminant)
        "group_statistic",
        "group_means_test",
        "box_m_test",
        "log_determinant",
        "canonical_coefficient",
        "structure_matrix",
        "group_centroid",
        "group_prior",
        # end SPSS DISCRIMINANT's other tables
        "k_selection",
        "model_run",
        "fitted_assignment",
        "initial_cluster_centre",
        "kmeans_iteration",
    }
    factor = {
        "kmo",
        "bartlett",
        "communality",
        "variance_explained",
        "unrotated_loading",
        "rotated_loading",
        "factor_score_coefficient",
        "correlation_matrix",
        "anti_image_covariance",
        "anti_image_correlation",
        "reproduced_correlation",
        "residual_correlation",
        "factor_summary",
        "component_transformation",
        "rotation_iteration",
    }
    expected = common | factor if result.config.use_factor_analysis else common
    assert present == expected


def test_model_run(fitted):
    result, artifacts = fitted
    run = artifacts[artifacts["artifact"] == "model_run"].set_index("column_key")
    assert (run["row_key"] == "run").all()
    assert run.loc["as_of_date", "text_value"] == "2024-06-28"
    assert json.loads(run.loc["vars", "text_value"])["lookback_days"] == 365
    assert run.loc["n_rows", "value"] == len(result.assignments)
    assert run.loc["k", "value"] == result.config.k
    assert run.loc["random_seed", "value"] == result.config.random_seed
    assert run.loc["fit_seconds", "value"] > 0
    assert 0.9 < run.loc["cv_hit_rate", "value"] <= 1.0
    assert run.loc["segment_codes", "text_value"].split(",") == result.segment_codes
    config = json.loads(run.loc["config", "text_value"])
    assert config["scheme"] == result.scheme
    if result.config.use_factor_analysis:
        assert run.loc["n_factors", "value"] == 5
        assert run.loc["kmo", "value"] == pytest.approx(result.factor_step.kmo_overall)
        assert 0 < run.loc["cumulative_variance_pct", "value"] <= 100


def test_tables_round_trip(fitted):
    result, artifacts = fitted

    def wide(name: str) -> pd.DataFrame:
        part = artifacts[(artifacts["artifact"] == name) & artifacts["text_value"].isna()]
        return part.pivot(index="row_key", columns="column_key", values="value")  # noqa: PD010

    centres = wide("cluster_centre").loc[result.segment_codes, result.model_variables]
    np.testing.assert_array_equal(centres.to_numpy(), result.centres.to_numpy())  # exact
    sizes = wide("cluster_size").loc[result.segment_codes, "n"]
    assert sizes.sum() == len(result.assignments)
    k_table = wide("k_selection")
    assert sorted(k_table.index, key=int) == ["2", "4", "6"]
    if result.config.use_factor_analysis:
        variance = wide("variance_explained")
        assert len(variance) == len(result.inputs)
        assert variance["rotation_cum_pct"].notna().sum() == 5
        kmo = wide("kmo")
        assert "overall" in kmo.index and len(kmo) == len(result.inputs) + 1


def _wide(artifacts: pd.DataFrame, name: str) -> pd.DataFrame:
    part = artifacts[(artifacts["artifact"] == name) & artifacts["text_value"].isna()]
    return part.pivot(index="row_key", columns="column_key", values="value")  # noqa: PD010


def test_spss_factor_matrices(fitted):
    """Correlation, anti-image, reproduced and residual matrices, the transformation matrix
    and the rotation history, read back from the artifacts (scheme A only)."""
    result, artifacts = fitted
    if not result.config.use_factor_analysis:
        return
    inputs = result.inputs
    fm = result.factor_model

    def square(name: str) -> np.ndarray:
        return _wide(artifacts, name).loc[inputs, inputs].to_numpy()

    r = square("correlation_matrix")
    np.testing.assert_allclose(np.diag(r), 1.0, rtol=0, atol=0)
    np.testing.assert_allclose(r, r.T, rtol=0, atol=1e-15)
    summary = _wide(artifacts, "factor_summary").loc["overall"]
    assert summary["determinant"] == pytest.approx(np.linalg.det(r), rel=1e-9)
    # Anti-image correlation: its diagonal is the per-variable KMO, off it the negative
    # partial correlations (from the inverse, by another formula: -P_ij / sqrt(P_ii P_jj)).
    anti = square("anti_image_correlation")
    kmo = _wide(artifacts, "kmo").loc[inputs, "kmo"].to_numpy()
    np.testing.assert_allclose(np.diag(anti), kmo, rtol=0, atol=1e-12)
    precision = np.linalg.inv(r)
    partial = -precision / np.sqrt(np.outer(np.diag(precision), np.diag(precision)))
    off = ~np.eye(len(inputs), dtype=bool)
    np.testing.assert_allclose(anti[off], -partial[off], rtol=0, atol=1e-12)
    covariance = square("anti_image_covariance")
    np.testing.assert_allclose(np.diag(covariance), 1.0 / np.diag(precision), rtol=1e-12)
    # Reproduced correlations: diagonal = extraction communality; residual = R - reproduced
    # off the diagonal, and no diagonal residual cells.
    fitted_r = square("reproduced_correlation")
    communality = _wide(artifacts, "communality").loc[inputs, "extraction"].to_numpy()
    np.testing.assert_allclose(np.diag(fitted_r), communality, rtol=0, atol=1e-12)
    loadings = _wide(artifacts, "rotated_loading").loc[inputs, result.model_variables].to_numpy()
    np.testing.assert_allclose(fitted_r, loadings @ loadings.T, rtol=0, atol=1e-12)
    residual_rows = artifacts[artifacts["artifact"] == "residual_correlation"]
    assert not (residual_rows["row_key"] == residual_rows["column_key"]).any()
    residual = _wide(artifacts, "residual_correlation").loc[inputs, inputs].to_numpy()
    np.testing.assert_allclose(residual[off], (r - fitted_r)[off], rtol=0, atol=1e-15)
    upper = residual[np.triu_indices(len(inputs), k=1)]
    expected_pct = 100.0 * (np.abs(upper) > 0.05).sum() / len(upper)
    assert summary["large_residual_pct"] == pytest.approx(expected_pct, abs=1e-12)
    # Component transformation: L_unrot T = L_rot, T orthogonal.
    factors = result.model_variables
    t = _wide(artifacts, "component_transformation").loc[factors, factors].to_numpy()
    unrotated = _wide(artifacts, "unrotated_loading").loc[inputs, factors].to_numpy()
    np.testing.assert_allclose(unrotated @ t, loadings, rtol=0, atol=1e-9)
    np.testing.assert_allclose(t.T @ t, np.eye(len(factors)), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(t, fm.transformation.to_numpy())
    # Rotation history: sweeps 0..s, the last one turned by less than the tolerance.
    sweeps = _wide(artifacts, "rotation_iteration")
    sweeps.index = sweeps.index.astype(int)
    sweeps = sweeps.sort_index()
    assert list(sweeps.index) == list(range(len(sweeps)))
    assert summary["rotation_sweeps"] == len(sweeps) - 1 >= 1
    assert np.isnan(sweeps.loc[0, "max_angle"]) and sweeps["max_angle"].iloc[-1] < 1e-12
    assert (np.diff(sweeps["criterion"].to_numpy()) > -1e-12).all()  # varimax only gains


def test_kmeans_initial_centres_and_iteration_history(fitted):
    """The run that produced the model: iteration 1 starts from the initial centres, each
    step's change is the distance its centre moved, the last centres are cluster_centre."""
    result, artifacts = fitted
    codes, variables = result.segment_codes, result.model_variables
    initial = _wide(artifacts, "initial_cluster_centre").loc[codes, variables].to_numpy()
    np.testing.assert_array_equal(initial, result.clustering.initial_centres.to_numpy())
    history = _wide(artifacts, "kmeans_iteration")
    keys = history.index.str.split(":", n=1)
    history["iteration"] = [int(key[0]) for key in keys]
    history["segment_code"] = [key[1] for key in keys]
    history = history.set_index(["iteration", "segment_code"]).sort_index()
    n = history.index.get_level_values("iteration").max()
    assert set(history.index.get_level_values("iteration")) == set(range(1, n + 1))
    assert len(history) == n * len(codes)
    previous = initial
    for step in range(1, n + 1):
        centres = history.loc[step].loc[codes, variables].to_numpy()
        moved = np.sqrt(((centres - previous) ** 2).sum(axis=1))
        np.testing.assert_allclose(
            history.loc[step].loc[codes, "change"].to_numpy(), moved, rtol=0, atol=1e-15
        )
        previous = centres
    final = _wide(artifacts, "cluster_centre").loc[codes, variables].to_numpy()
    np.testing.assert_array_equal(previous, final)  # exact: the same array
    run = artifacts[artifacts["artifact"] == "model_run"].set_index("column_key")["value"]
    assert run["kmeans_iterations"] == n
    gaps = [
        np.sqrt(((initial[i] - initial[j]) ** 2).sum())
        for i in range(len(codes))
        for j in range(i + 1, len(codes))
    ]
    assert run["min_initial_centre_distance"] == pytest.approx(min(gaps), rel=1e-12)


def test_spss_discriminant_tables_round_trip(fitted):
    """The discriminant tables are stored exactly, keyed as the catalogue says."""
    result, artifacts = fitted

    def wide(name: str) -> pd.DataFrame:
        part = artifacts[(artifacts["artifact"] == name) & artifacts["text_value"].isna()]
        return part.pivot(index="row_key", columns="column_key", values="value")  # noqa: PD010

    codes, inputs = result.segment_codes, result.inputs
    functions = [str(j) for j in result.discrimination.canonical_coefficients.columns]
    assert functions == [str(j) for j in range(1, min(len(inputs), result.config.k - 1) + 1)]
    statistics = wide("group_statistic")
    assert len(statistics) == (len(codes) + 1) * len(inputs)
    for segment in (codes[0], "total"):
        stored = statistics.loc[[f"{segment}:{name}" for name in inputs], ["mean", "std", "n"]]
        expected = result.discrimination.group_statistics.loc[segment].loc[
            inputs, ["mean", "std", "n"]
        ]
        np.testing.assert_array_equal(stored.to_numpy(), expected.to_numpy())
    tests = wide("group_means_test").loc[inputs, ["wilks_lambda", "f", "df1", "df2", "p_value"]]
    np.testing.assert_array_equal(
        tests.to_numpy(), result.discrimination.group_means_tests.to_numpy()
    )
    for name, frame in (
        ("canonical_coefficient", result.discrimination.canonical_coefficients),
        ("structure_matrix", result.discrimination.structure_matrix),
    ):
        stored = wide(name).loc[inputs, functions]
        np.testing.assert_array_equal(stored.to_numpy(), frame.to_numpy())
    centroids = wide("group_centroid").loc[codes, functions]
    np.testing.assert_array_equal(
        centroids.to_numpy(), result.discrimination.group_centroids.to_numpy()
    )
    priors = wide("group_prior").loc[codes, ["prior", "n"]]
    np.testing.assert_array_equal(priors.to_numpy(), result.discrimination.group_priors.to_numpy())
    logdets = wide("log_determinant").loc[[*codes, "pooled"], ["rank", "log_determinant"]]
    np.testing.assert_array_equal(
        logdets.to_numpy(), result.discrimination.log_determinants.to_numpy()
    )
    box = artifacts[artifacts["artifact"] == "box_m_test"].set_index("column_key")
    assert (box["row_key"] == "overall").all()
    assert box.loc["box_m", "value"] == result.discrimination.box_m["box_m"]
    singular = result.discrimination.log_determinants.loc[codes, "log_determinant"].isna()
    assert box.loc["groups_used", "value"] == len(codes) - singular.sum()
    if singular.any():  # the synthetic sleeping customers never trade
        assert "singular" in box.loc["note", "text_value"]
    else:
        assert "note" not in box.index


def test_fitted_assignment(fitted):
    result, artifacts = fitted
    part = artifacts[artifacts["artifact"] == "fitted_assignment"]
    codes = part[part["column_key"] == "segment_code"].set_index("row_key")["text_value"]
    expected = result.assignments.set_index(result.assignments["customer_id"].astype(str))
    assert (codes.loc[expected.index] == expected["segment_code"]).all()
    keys = set(part["column_key"])
    assert keys == {
        "segment_code",
        "distance_to_centre",
        "in_fit_sample",
        *result.model_variables,
    }


def test_score_from_artifacts_equals_fit(fitted, customers):
    result, artifacts = fitted
    from_artifacts = score(customers, artifacts)
    assert (from_artifacts["segment_code"] == result.assignments["segment_code"]).all()
    # The parameters round-trip exactly and the arithmetic is the same: rounding at most.
    np.testing.assert_allclose(
        from_artifacts["distance_to_centre"], result.assignments["distance_to_centre"]
    )


def test_score_and_classify_new_rows_same_from_result_and_artifacts(fitted, new_customers):
    result, artifacts = fitted
    pd.testing.assert_frame_equal(score(new_customers, result), score(new_customers, artifacts))
    a, b = classify(new_customers, result), classify(new_customers, artifacts)
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)  # same parameters, same arithmetic
    agreement = (score(new_customers, result)["segment_code"] == a["segment_code"]).mean()
    assert agreement > 0.85  # discriminant functions approximate the K-means partition


def test_scoring_model_picks_model_id(fitted, customers):
    result, artifacts = fitted
    other = artifacts.assign(model_id="other")
    both = pd.concat([artifacts, other], ignore_index=True)
    with pytest.raises(SegmentationInputError, match="pass model_id"):
        ScoringModel.from_artifacts(both)
    model = ScoringModel.from_artifacts(both, model_id="other")
    assert model.model_id == "other"
    with pytest.raises(SegmentationInputError, match="no artifacts for model_id 'nope'"):
        ScoringModel.from_artifacts(both, model_id="nope")


def test_run_metadata_cannot_shadow_statistics(customers):
    result = fit_scheme(customers, dataclasses.replace(SCHEME_B, **FAST), "m", {"k": 4})
    with pytest.raises(ValueError, match="clash"):
        result_to_artifacts(result)


SQL_SCORING = """
with
params as (select * from artifacts where model_id = $model_id),
standardisation as (
    select
        row_key as variable,
        max(value) filter (where column_key = 'mean') as mean_value,
        max(value) filter (where column_key = 'std') as std_value,
        max(value) filter (where column_key = 'null_fill') as null_fill,
        max(text_value) filter (where column_key = 'transform') as transform_name
    from params
    where artifact = 'standardisation'
    group by row_key
),
z_scores as (
    select
        i.customer_id,
        s.variable,
        (
            case s.transform_name
                when 'signed_log1p' then sign(x.v) * ln(1 + abs(x.v))
                when 'log1p' then ln(1 + x.v)
                else x.v
            end - s.mean_value
        ) / s.std_value as z
    from inputs as i
    inner join standardisation as s on i.variable = s.variable
    cross join lateral (select coalesce(i.raw_value, s.null_fill) as v) as x
),
model_space as (
    -- factor scores when there are coefficients, else the z-scores themselves
    select z.customer_id, w.column_key as model_variable, sum(z.z * w.value) as x
    from z_scores as z
    inner join params as w
        on w.artifact = 'factor_score_coefficient' and w.row_key = z.variable
    group by all
    union all
    select customer_id, variable, z
    from z_scores
    where not exists (select 1 from params where artifact = 'factor_score_coefficient')
),
distances as (
    select m.customer_id, c.row_key as segment_code, sum((m.x - c.value) ^ 2) as d2
    from model_space as m
    inner join params as c
        on c.artifact = 'cluster_centre' and c.column_key = m.model_variable
    group by all
),
ranked as (
    select
        d.*,
        row_number() over (partition by d.customer_id order by d.d2, n.value) as rank_
    from distances as d
    inner join params as n
        on n.artifact = 'segment_naming' and n.column_key = 'sort_order'
        and n.row_key = d.segment_code
)
select customer_id, segment_code, sqrt(d2) as distance_to_centre
from ranked where rank_ = 1
"""


def test_sql_scoring_reproduces_kmeans_labels(fitted, customers, new_customers):
    duckdb = pytest.importorskip("duckdb")
    result, artifacts = fitted
    for frame, expected in (
        (customers, result.assignments),
        (new_customers, score(new_customers, artifacts)),
    ):
        inputs = frame.melt(  # noqa: PD013  (long inputs, as the SQL side unpivots them)
            id_vars="customer_id",
            value_vars=list(result.inputs),
            var_name="variable",
            value_name="raw_value",
        )
        con = duckdb.connect()
        con.register("artifacts", artifacts)
        con.register("inputs", inputs)
        sql = con.execute(SQL_SCORING, {"model_id": result.model_id}).df()
        sql = sql.set_index("customer_id").loc[expected["customer_id"]]
        assert (sql["segment_code"].to_numpy() == expected["segment_code"].to_numpy()).all()
        np.testing.assert_allclose(
            sql["distance_to_centre"], expected["distance_to_centre"], rtol=1e-9
        )
