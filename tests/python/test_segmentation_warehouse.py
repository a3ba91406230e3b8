"""Segmentation in the warehouse: the dbt Python models, SQL scoring and what users see."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from conftest import run_dbt
from sklearn.metrics import adjusted_rand_score

from broker_segments.project import FIT_MODELS, spark_table_folder
from broker_segments.segmentation import SCHEME_B, segment_catalogue
from broker_segments.segmentation.errors import SegmentationConfigError, SegmentationInputError
from broker_segments.segmentation.warehouse import (
    FitFrames,
    RunOptions,
    fit_for_warehouse,
    fit_from_settings,
    fit_model,
    model_id_for,
    no_new_model,
    parse_settings,
)
from broker_segments.spark_fit import every_scheme_keeps_its_model, manifest_nodes

PROJECT_SEEDS = __import__("pathlib").Path(__file__).resolve().parents[2] / "seeds"


def test_catalogue_seed_is_the_package_catalogue():
    seed = pd.read_csv(PROJECT_SEEDS / "segment_catalogue.csv")
    package = segment_catalogue()
    pd.testing.assert_frame_equal(
        seed.reset_index(drop=True), package.reset_index(drop=True), check_dtype=False
    )


def test_model_id_is_deterministic_and_changes_with_settings():
    assert model_id_for("A", "2025-12-31", {"k": 6}) == model_id_for("A", "2025-12-31", {"k": 6})
    assert model_id_for("A", "2025-12-31", {"k": 6}) != model_id_for("A", "2025-12-31", {"k": 5})
    assert model_id_for("A", "2025-12-31", {}).startswith("A-20251231-")


@pytest.fixture(scope="module")
def indicators(clean_build) -> pd.DataFrame:
    return clean_build.query("select * from customer_indicators")


def test_same_data_and_seed_give_the_same_model(indicators):
    config, options = parse_settings("A", {"random_seed": 11})
    first = fit_for_warehouse(FitFrames(indicators), config, options)
    shuffled = FitFrames(indicators.sample(frac=1, random_state=3))
    second = fit_for_warehouse(shuffled, config, options)
    timing = first["column_key"].isin(["fitted_at_utc", "fit_seconds"])
    key = ["artifact", "row_key", "column_key"]
    a = first[~timing].sort_values(key).reset_index(drop=True)
    b = second[~second["column_key"].isin(["fitted_at_utc", "fit_seconds"])]
    b = b.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_fit_uses_only_the_fitting_sample(indicators):
    artifacts = fit_for_warehouse(FitFrames(indicators), *parse_settings("B", {}))
    fitted = artifacts.loc[artifacts["artifact"] == "fitted_assignment", "row_key"].unique()
    assert set(fitted) == set(indicators.loc[indicators["is_in_fitting_sample"], "customer_id"])


def test_fewer_fitting_customers_than_k_is_a_clear_error(indicators):
    with pytest.raises(SegmentationInputError, match=r"fewer than k=100000"):
        fit_from_settings(FitFrames(indicators), "B", {"k": 100000})


def test_sql_scoring_assigns_everyone_and_matches_the_fit(clean_build):
    segments = clean_build.query("select * from customer_segments")
    customers = clean_build.query("select customer_id from customer_indicators")
    assert len(segments) == 2 * len(customers)
    assert segments.groupby("scheme")["customer_id"].nunique().to_dict() == {
        "A": len(customers),
        "B": len(customers),
    }
    # The dbt test customer_segments_kmeans_match_python_fit ran in the build; check it did.
    assert "customer_segments_kmeans_match_python_fit" in clean_build.result.stdout
    assert set(segments.loc[segments["scheme"] == "A", "segment_code"]) >= {
        "vip",
        "potential",
        "ordinary_a",
        "ordinary_b",
        "free",
        "sleeping",
    }


def test_sql_posterior_is_the_fisher_posterior_of_the_assigned_group(clean_build):
    """customer_segments.posterior_probability = Python's softmax of Fisher's scores, for the
    customers the model scores (null for rule rows)."""
    import numpy as np

    from broker_segments.segmentation import discriminant
    from broker_segments.segmentation.scoring import ScoringModel

    segments = clean_build.query("select * from customer_segments")
    rule = segments["assignment_method"] == "rule"
    assert segments.loc[rule, "posterior_probability"].isna().all()
    assert segments.loc[~rule, "posterior_probability"].between(0, 1).all()
    indicators = clean_build.query("select * from customer_indicators")
    for scheme, rows in segments[segments["assignment_method"] == "kmeans"].groupby("scheme"):
        model_id = rows["model_id"].iloc[0]
        artifacts = clean_build.query(
            f"select * from segment_model_artifacts where model_id = '{model_id}'"
        )
        model = ScoringModel.from_artifacts(artifacts)
        frame = indicators.set_index("customer_id").loc[rows["customer_id"]].reset_index()
        _, z = model.standardised(frame)
        scores = discriminant.classification_scores(
            z, model.function_coefficients, model.function_constants
        )
        posterior = np.exp(scores - scores.max(axis=1, keepdims=True))
        posterior /= posterior.sum(axis=1, keepdims=True)
        column = [model.segment_codes.index(code) for code in rows["segment_code"]]
        expected = posterior[np.arange(len(rows)), column]
        np.testing.assert_allclose(
            rows["posterior_probability"].to_numpy(),
            expected,
            rtol=1e-6,
            atol=1e-9,
            err_msg=f"scheme {scheme}",
        )


def test_groups_recover_the_planted_profiles(clean_build):
    """How well scheme A finds the generator's six behaviour profiles."""
    planted = pd.read_parquet(clean_build.raw_dir / "_generator" / "planted_profiles.parquet")
    segments = clean_build.query(
        "select customer_id, segment_code from customer_segments where scheme = 'A'"
    ).merge(planted, on="customer_id")
    open_accounts = segments[segments["segment_code"] != "closed"]
    ari = adjusted_rand_score(open_accounts["planted_profile"], open_accounts["segment_code"])
    vip = open_accounts[open_accounts["planted_profile"] == "vip"]
    sleeping = open_accounts[open_accounts["planted_profile"] == "sleeping"]
    vip_share = (vip["segment_code"] == "vip").mean()
    sleeping_share = (sleeping["segment_code"] == "sleeping").mean()
    print(f"ARI {ari:.3f}; planted VIP in vip {vip_share:.3f}; sleeping {sleeping_share:.3f}")
    assert ari > 0.35
    assert vip_share > 0.8
    assert sleeping_share > 0.9


def test_profiles_mart_shows_the_median_naming_reads(clean_build):
    profiles = clean_build.query("select * from segment_cluster_profiles")
    assert profiles["median_value"].notna().all()
    assert set(profiles["scheme"]) == {"A", "B"}
    naming = clean_build.query("select * from segment_naming").set_index(["scheme", "segment_code"])
    assert "median annual_turnover" in naming.loc[("A", "potential"), "criterion"]
    assert "median annual_turnover" in naming.loc[("B", "high_activity"), "criterion"]
    assert "mean customer_value" in naming.loc[("A", "vip"), "criterion"]


def test_a_degenerate_fit_stops_the_build_with_the_reason(clean_build, warehouse_copy, tmp_path):
    result = run_dbt(
        ["run", "--select", "segmentation_fit_scheme_b"],
        clean_build.raw_dir,
        warehouse_copy,
        tmp_path,
        {"scheme_b_k": 100000, "segmentation_refit": True},
    )
    assert result.returncode != 0
    # More clusters than the catalogue names: stopped before anything is fitted or stored.
    assert "var scheme_b_k is 100000" in result.stdout
    assert "seeds/segment_catalogue.csv" in result.stdout
    # The package's own frames are not in the operator's way.
    assert "fit.py" not in result.stdout


def test_a_bad_segmentation_var_names_the_setting(clean_build, warehouse_copy, tmp_path):
    result = run_dbt(
        ["run", "--select", "segmentation_fit_scheme_a"],
        clean_build.raw_dir,
        warehouse_copy,
        tmp_path,
        {"scheme_a_n_factors": 99, "segmentation_refit": True},
    )
    assert result.returncode != 0
    assert "n_factors is 99" in result.stdout
    assert "scheme_a_n_factors" in result.stdout


def test_refit_choices_decide_whether_a_run_fits(indicators):
    """auto fits only a scheme without a model; true refits (the same data adds nothing, its
    model is already stored); false never fits and says so when there is no model yet."""
    con = duckdb.connect()
    first = fit_from_settings(FitFrames(indicators), "B", {"refit": "auto"})
    assert len(first) > 0 and set(first["scheme"]) == {"B"}
    stored = FitFrames(indicators, existing=con.from_df(first))
    assert fit_from_settings(stored, "B", {"refit": "auto"}).empty
    assert fit_model(stored, SCHEME_B, RunOptions(refit="true")).empty  # parsed settings
    refit = fit_from_settings(stored, "B", {"refit": "true", "random_seed": 5})
    assert set(refit["model_id"]) and set(refit["model_id"]) != set(first["model_id"])
    assert list(refit.columns) == list(first.columns) == list(no_new_model().columns)
    with pytest.raises(SegmentationConfigError, match="segmentation_refit is false"):
        fit_from_settings(FitFrames(indicators), "B", {"refit": "false"})
    with pytest.raises(SegmentationConfigError, match="segmentation_refit is 'sometimes'"):
        fit_from_settings(stored, "B", {"refit": "sometimes"})


def test_discriminant_marts_recompute_from_the_fitted_z_scores(clean_build):
    """Scheme B's model space is the inputs' z-scores, stored per fitted customer: the
    discriminant marts (group statistics, Box's M, standardised coefficients, structure
    matrix, centroids, priors) must be what those rows give, the canonical pieces as sklearn's
    eigen LDA up to the documented sign."""
    import numpy as np
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    from broker_segments.segmentation import discriminant

    runs = clean_build.query("select model_id from segment_model_runs where scheme = 'B'")
    assert len(runs)
    for model_id in runs["model_id"]:
        rows = clean_build.query(
            "select row_key, column_key, value, text_value from segment_model_artifacts "
            f"where model_id = '{model_id}' and artifact = 'fitted_assignment'"
        )
        codes = clean_build.query(
            "select segment_code from segment_cluster_sizes "
            f"where model_id = '{model_id}' order by segment_code"
        )["segment_code"].tolist()
        inputs = clean_build.query(
            "select input_name from segment_group_means_tests "
            f"where model_id = '{model_id}' order by input_name"
        )["input_name"].tolist()
        z = rows[rows["column_key"].isin(inputs)].pivot(  # noqa: PD010
            index="row_key", columns="column_key", values="value"
        )[inputs]
        segment = rows[rows["column_key"] == "segment_code"].set_index("row_key")["text_value"]
        groups = np.array([codes.index(c) for c in segment.loc[z.index]])
        x = z.to_numpy()
        n, k = x.shape[0], len(codes)

        stats_ = clean_build.query(
            f"select * from segment_group_statistics where model_id = '{model_id}'"
        ).set_index(["segment_code", "input_name"])
        for g, code in enumerate(codes):
            part = x[groups == g]
            np.testing.assert_allclose(
                stats_.loc[code].loc[inputs, "mean"], part.mean(axis=0), rtol=1e-9, atol=1e-12
            )
            np.testing.assert_allclose(
                stats_.loc[code].loc[inputs, "std_deviation"], part.std(axis=0, ddof=1), rtol=1e-9
            )
            assert (stats_.loc[code, "n"] == len(part)).all()
        assert (stats_.loc["total", "n"] == n).all()

        box = clean_build.query(
            f"select * from segment_box_m_tests where model_id = '{model_id}'"
        ).iloc[0]
        expected, _ = discriminant.box_m_test(x, groups, k)
        assert box["groups_used"] == expected["groups_used"]
        if np.isfinite(expected["box_m"]):
            assert box["box_m"] == pytest.approx(expected["box_m"], rel=1e-8)
            assert box["f"] == pytest.approx(expected["f"], rel=1e-8)

        table = clean_build.query(
            f"select * from segment_canonical_coefficients where model_id = '{model_id}'"
        )
        values = ["standardised_coefficient", "structure_correlation"]
        by = {"index": "input_name", "columns": "discriminant_function"}
        canonical = table.pivot(**by, values=values)  # noqa: PD010
        m = min(len(inputs), k - 1)
        standardised = canonical["standardised_coefficient"].loc[inputs, range(1, m + 1)]
        lda = LinearDiscriminantAnalysis(solver="eigen").fit(x, groups)
        raw = lda.scalings_[:, :m] * np.sqrt((n - k) / n)
        centred = x - lda.means_[groups]
        pooled = centred.T @ centred / (n - k)
        sd = np.sqrt(np.diag(pooled))
        sklearn_standardised = raw * sd[:, None]
        signs = np.sign(sklearn_standardised[np.abs(sklearn_standardised).argmax(axis=0), range(m)])
        np.testing.assert_allclose(
            standardised.to_numpy(), sklearn_standardised * signs, rtol=1e-8, atol=1e-10
        )
        structure = canonical["structure_correlation"].loc[inputs, range(1, m + 1)]
        np.testing.assert_allclose(
            structure.to_numpy(), (pooled @ raw * signs) / sd[:, None], rtol=1e-8, atol=1e-10
        )
        table = clean_build.query(
            f"select * from segment_group_centroids where model_id = '{model_id}'"
        )
        by["index"] = "segment_code"
        centroids = table.pivot(**by, values="centroid")  # noqa: PD010
        np.testing.assert_allclose(
            centroids.loc[codes, range(1, m + 1)].to_numpy(),
            (lda.means_ - x.mean(axis=0)) @ raw * signs,
            rtol=1e-8,
            atol=1e-10,
        )
        priors = clean_build.query(
            f"select * from segment_group_priors where model_id = '{model_id}'"
        ).set_index("segment_code")
        np.testing.assert_array_equal(
            priors.loc[codes, "cases_used"], np.bincount(groups, minlength=k)
        )
        assert priors["prior"].sum() == pytest.approx(1.0)


def test_a_spark_fit_run_that_keeps_every_model_reads_their_files_not_spark(clean_build, tmp_path):
    """The spark target's fit command decides from the stored fits' Parquet files whether it
    needs Spark: a daily run (refit auto, every scheme fitted) fits nothing; a refit, or a
    warehouse without the fits, does."""
    models, sources = manifest_nodes(clean_build.work_dir / "target" / "manifest.json")
    for name in FIT_MODELS.values():
        folder = spark_table_folder(tmp_path / "warehouse", name, sources[name]["schema"])
        folder.mkdir(parents=True)
        with duckdb.connect(str(clean_build.duckdb_path), read_only=True) as con:
            con.execute(f"copy {name} to '{folder / 'part-00000.parquet'}' (format parquet)")
    assert every_scheme_keeps_its_model(models, sources, tmp_path / "warehouse")

    def with_refit(node: dict, refit: str) -> dict:
        segmentation = {**node["config"]["segmentation"], "refit": refit}
        return {**node, "config": {**node["config"], "segmentation": segmentation}}

    refit = {name: with_refit(node, "true") for name, node in models.items()}
    assert not every_scheme_keeps_its_model(refit, sources, tmp_path / "warehouse")
    assert not every_scheme_keeps_its_model(models, sources, tmp_path / "new")
    never = {name: with_refit(node, "false") for name, node in models.items()}
    with pytest.raises(SegmentationConfigError, match="has no fitted model yet"):
        every_scheme_keeps_its_model(never, sources, tmp_path / "new")
