"""Group codes stay stable across refits: the rule, and the previous model where it is ambiguous."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from broker_segments.segmentation import (
    ARTIFACTS,
    SCHEME_A,
    SCHEME_B,
    SegmentationConfigError,
    SegmentationInputError,
    config_from_vars,
    fit_scheme,
    result_to_artifacts,
    score,
)
from broker_segments.segmentation.continuity import PreviousModelWarning
from tools.synthetic import make_customers

pytestmark = pytest.mark.fast

FAST = {"k_range": (2,), "silhouette_sample_size": 200}
A = dataclasses.replace(SCHEME_A, **FAST)
B = dataclasses.replace(SCHEME_B, **FAST)

# Four well-separated scheme-B groups. X and Y are nearly tied on turnover (10 vs 10.4, within
# the default 10% margin), so the rule's high_activity step is ambiguous between them: the one
# that trades more is high_activity, the other (of the two, the longer tenure wins either
# way over Z) is loyal_retained.
GROUPS = {  # median contribution, median turnover, mean tenure (years), customers
    "H": (50_000.0, 5.0, 6.0, 150),
    "X": (3_000.0, 10.0, 2.0, 400),
    "Y": (300.0, 10.4, 12.0, 400),
    "Z": (80.0, 0.5, 0.7, 400),
}


def make_groups(seed: int, x_turnover: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for group, (contribution, turnover, tenure, n) in GROUPS.items():
        factor = x_turnover if group == "X" else 1.0
        parts.append(
            pd.DataFrame(
                {
                    "group": group,
                    "customer_contribution": contribution * np.exp(rng.normal(0, 0.15, n)),
                    "annual_turnover": turnover * factor * np.exp(rng.normal(0, 0.15, n)),
                    "account_age_years": np.maximum(
                        0.1, tenure + rng.normal(0, 0.3 * min(tenure, 1.0), n)
                    ),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "customer_id", [f"S{seed}-{i:05d}" for i in range(len(frame))])
    return frame


def codes_by_group(result, frame: pd.DataFrame) -> dict[str, str]:
    """The one code each known group got (asserting the fit recovered the groups)."""
    table = pd.crosstab(frame["group"].to_numpy(), result.assignments["segment_code"].to_numpy())
    assert (table.gt(0).sum(axis=1) == 1).all(), table
    return table.idxmax(axis=1).to_dict()


def naming_table(artifacts: pd.DataFrame, column: str) -> pd.Series:
    part = artifacts[
        (artifacts["artifact"] == "segment_naming") & (artifacts["column_key"] == column)
    ]
    cells = part["text_value"] if part["value"].isna().all() else part["value"]
    return pd.Series(cells.to_numpy(), index=part["row_key"].to_numpy())


@pytest.fixture(scope="module")
def month_1() -> pd.DataFrame:
    return make_groups(1)


@pytest.fixture(scope="module")
def month_2(month_1) -> pd.DataFrame:
    """The same customers a month on: X's customers traded 8% more, now just above Y."""
    frame = month_1.copy()
    frame.loc[frame["group"] == "X", "annual_turnover"] *= 1.08
    return frame


@pytest.fixture(scope="module")
def fit_1(month_1):
    return fit_scheme(month_1, B, "B-month-1")


@pytest.fixture(scope="module")
def previous_1(fit_1) -> pd.DataFrame:
    """The previous model as the warehouse holds it (rows of segment_model_artifacts)."""
    artifacts = result_to_artifacts(fit_1)
    artifacts.insert(2, "as_of_date", pd.Timestamp("2024-05-31").date())
    return artifacts


@pytest.fixture(scope="module")
def refit_2(month_2, previous_1):
    return fit_scheme(month_2, B, "B-month-2", previous=previous_1)


# --- without a previous model nothing changes -------------------------------------------------


def test_without_previous_the_rule_names_and_records_it(fit_1, month_1):
    assert codes_by_group(fit_1, month_1) == {
        "H": "high_contribution",
        "Y": "high_activity",  # 10.4 > 10
        "X": "loyal_retained",
        "Z": "relationship_maintained",
    }
    naming = fit_1.naming
    assert (naming["naming_method"] == "rule").all()
    assert (naming["rule_segment_code"] == naming.index).all()
    assert set(naming.index[naming["ambiguous"]]) == {"high_activity", "loyal_retained"}
    assert (
        fit_1.segment_naming.previous_model_id is None
        and fit_1.segment_naming.previous_match is None
    )
    artifacts = result_to_artifacts(fit_1, include_assignments=False)
    assert "previous_model_match" not in set(artifacts["artifact"])
    run = artifacts[artifacts["artifact"] == "model_run"].set_index("column_key")
    assert run.loc["codes_matched_to_previous", "value"] == 0
    assert pd.isna(run.loc["previous_model_id", "text_value"])


def test_previous_none_is_the_same_fit(month_1, fit_1):
    again = fit_scheme(month_1, B, "B-month-1", previous=None)
    pd.testing.assert_frame_equal(again.assignments, fit_1.assignments)
    pd.testing.assert_frame_equal(again.naming, fit_1.naming)


# --- the near tie: the rule flips, continuity keeps the codes ----------------------------------


def test_rule_alone_swaps_the_codes_of_the_nearly_tied_groups(month_2, fit_1, month_1):
    rule_only = fit_scheme(month_2, B, "B-month-2")
    before, after = codes_by_group(fit_1, month_1), codes_by_group(rule_only, month_2)
    assert after["X"] == before["Y"] == "high_activity"
    assert after["Y"] == before["X"] == "loyal_retained"
    moved = fit_1.assignments["segment_code"] != rule_only.assignments["segment_code"]
    assert moved.sum() == 800  # every X and Y customer "migrates" without changing much


def test_continuity_keeps_the_previous_codes(refit_2, fit_1, month_2):
    # Same customers, same order: nobody migrates.
    assert (refit_2.assignments["segment_code"] == fit_1.assignments["segment_code"]).all()
    naming = refit_2.naming
    assert naming.loc["high_activity", "rule_segment_code"] == "loyal_retained"
    assert naming.loc["loyal_retained", "rule_segment_code"] == "high_activity"
    assert naming.loc["high_activity", "naming_method"] == "matched_previous"
    assert naming.loc["high_contribution", "naming_method"] == "rule"  # unambiguous: stays
    assert (
        "matched to the previous model's high_activity" in naming.loc["high_activity", "criterion"]
    )
    # Step and display order follow the code.
    assert naming.loc["high_activity", "naming_step"] == 2
    assert refit_2.segment_codes == fit_1.segment_codes
    assert refit_2.segment_naming.previous_model_id == "B-month-1"
    assert refit_2.segment_naming.codes_matched_to_previous == 2
    match = refit_2.segment_naming.previous_match
    assert (match["previous_segment_code"] == match.index).all()
    # H's customers did not change: the same profile standardised twice, 0 but for rounding.
    assert match.loc["high_contribution", "match_distance"] == pytest.approx(0.0, abs=1e-12)
    assert match.loc["high_activity", "match_distance"] < 0.3  # Y did not move
    profile = refit_2.clustering.profile
    assert profile.loc["high_activity", "account_age_years"] > 10  # still the Y customers


def test_continuity_on_a_resample(fit_1, previous_1):
    """New customers drawn from the same groups, X's turnover now above Y's."""
    month = make_groups(2, x_turnover=1.08)
    assert codes_by_group(fit_scheme(month, B, "rule"), month)["X"] == "high_activity"
    kept = fit_scheme(month, B, "kept", previous=previous_1)
    assert codes_by_group(kept, month) == codes_by_group(fit_1, make_groups(1))


def test_refit_of_the_same_data_with_itself_as_previous(month_1, fit_1, previous_1):
    again = fit_scheme(month_1, B, "B-month-1-again", previous=previous_1)
    assert again.segment_codes == fit_1.segment_codes
    assert (again.assignments["segment_code"] == fit_1.assignments["segment_code"]).all()
    assert (again.naming["rule_segment_code"] == again.naming.index).all()
    # Same data: each profile against itself, 0 but for rounding of O(1) z-scores.
    np.testing.assert_allclose(
        again.segment_naming.previous_match["match_distance"], 0.0, atol=1e-12
    )


def test_scheme_a_ordinary_groups_nearly_tied_on_value():
    """The thesis' A/B ordinary split decided by value, with the two values 3% apart."""
    base = make_customers(2500, seed=4, noise=0.15)

    def with_b_value(ratio: float) -> pd.DataFrame:
        frame = base.copy()
        value = frame["annual_commission"] + frame["interest_margin_contribution"]
        a, b = frame["archetype"] == "ordinary_a", frame["archetype"] == "ordinary_b"
        extra = value[a].mean() * ratio - value[b].mean()
        commission = frame.loc[b, "annual_commission"]
        frame.loc[b, "annual_commission"] = commission + extra * commission / commission.mean()
        return frame

    before, after = with_b_value(0.97), with_b_value(1.03)
    first = fit_scheme(before, A, "A-1")
    truth = before["archetype"].to_numpy()
    assert (first.assignments["segment_code"].to_numpy() == truth).mean() > 0.99
    assert set(first.naming.index[first.naming["ambiguous"]]) == {"ordinary_a", "ordinary_b"}
    rule_only = fit_scheme(after, A, "A-2")
    swapped = rule_only.assignments["segment_code"].replace(
        {"ordinary_a": "ordinary_b", "ordinary_b": "ordinary_a"}
    )
    assert (swapped.to_numpy() == truth).mean() > 0.99  # the rule swaps A and B
    previous = result_to_artifacts(first, include_assignments=False)
    kept = fit_scheme(after, A, "A-2", previous=previous)
    assert (kept.assignments["segment_code"].to_numpy() == truth).mean() > 0.99
    assert kept.segment_naming.codes_matched_to_previous == 2


def test_margin_decides_whether_the_previous_model_is_consulted(month_2, previous_1, fit_1):
    # X and Y are 3.7% apart on turnover: with a 1% margin the step is clear and the rule
    # (which now prefers X) names them, previous or not.
    strict = dataclasses.replace(B, naming_ambiguity_margin=0.01)
    result = fit_scheme(month_2, strict, "strict", previous=previous_1)
    assert not result.naming["ambiguous"].any()
    assert (result.naming["naming_method"] == "rule").all()
    assert result.segment_naming.codes_matched_to_previous == 0
    assert codes_by_group(result, month_2)["X"] == "high_activity"
    # Codes the rule gives clearly still have their continuation recorded.
    assert set(result.segment_naming.previous_match.index) == set(result.segment_codes)


# --- artifacts ----------------------------------------------------------------------------------


def test_artifacts_record_the_matching(refit_2):
    artifacts = result_to_artifacts(refit_2)
    assert set(artifacts["artifact"]) <= set(ARTIFACTS)
    assert not artifacts.duplicated(["artifact", "row_key", "column_key"]).any()
    assert not (artifacts["value"].notna() & artifacts["text_value"].notna()).any()
    method = naming_table(artifacts, "naming_method")
    assert method.to_dict() == {
        "high_contribution": "rule",
        "high_activity": "matched_previous",
        "loyal_retained": "matched_previous",
        "relationship_maintained": "rule",
    }
    assert naming_table(artifacts, "rule_segment_code")["high_activity"] == "loyal_retained"
    assert naming_table(artifacts, "ambiguous").to_dict() == {
        "high_contribution": 0.0,
        "high_activity": 1.0,
        "loyal_retained": 1.0,
        "relationship_maintained": 0.0,
    }
    run = artifacts[artifacts["artifact"] == "model_run"].set_index("column_key")
    assert run.loc["previous_model_id", "text_value"] == "B-month-1"
    assert run.loc["codes_matched_to_previous", "value"] == 2
    match = artifacts[artifacts["artifact"] == "previous_model_match"]
    assert set(match["column_key"]) == {"previous_segment_code", "match_distance"}
    assert set(match["row_key"]) == set(refit_2.segment_codes)
    previous_code = match[match["column_key"] == "previous_segment_code"]
    assert (previous_code["text_value"] == previous_code["row_key"]).all()
    assert match.loc[match["column_key"] == "match_distance", "value"].ge(0).all()


def test_scoring_from_artifacts_of_a_matched_fit(refit_2, month_2):
    scored = score(month_2, result_to_artifacts(refit_2, include_assignments=False))
    assert (scored["segment_code"] == refit_2.assignments["segment_code"]).all()


def test_deterministic(month_2, previous_1, refit_2):
    shuffled = previous_1.sample(frac=1.0, random_state=3)
    again = fit_scheme(month_2.sample(frac=1.0, random_state=4), B, "B-month-2", previous=shuffled)
    pd.testing.assert_frame_equal(again.naming, refit_2.naming)
    pd.testing.assert_frame_equal(
        again.segment_naming.previous_match, refit_2.segment_naming.previous_match
    )
    by_id = again.assignments.set_index("customer_id").loc[month_2["customer_id"]]
    assert (by_id["segment_code"].to_numpy() == refit_2.assignments["segment_code"]).all()


# --- no duplicate codes, whatever the previous model says --------------------------------------


def relabelled(previous: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """``previous`` with its segment codes renamed (a permutation of them)."""
    frame = previous.copy()
    by_segment = frame["artifact"].isin(["cluster_profile", "cluster_centre", "segment_naming"])
    frame.loc[by_segment, "row_key"] = frame.loc[by_segment, "row_key"].map(
        lambda code: mapping.get(code, code)
    )
    return frame[frame["artifact"].isin(["cluster_profile", "segment_naming", "model_run"])]


@pytest.mark.parametrize("margin", [0.1, 1.0])
def test_no_duplicate_codes_under_any_previous_labelling(month_2, fit_1, previous_1, margin):
    """Even a previous model whose codes are scrambled (and, with margin 1, where every step
    is ambiguous so the matching decides every code) never yields a duplicate code, and codes
    outside the ambiguity groups are the rule's."""
    config = dataclasses.replace(B, naming_ambiguity_margin=margin)
    rule = fit_scheme(month_2, config, "rule").naming
    rng = np.random.default_rng(0)
    codes = list(fit_1.segment_codes)
    for _ in range(6):
        mapping = dict(zip(codes, rng.permutation(codes), strict=True))
        result = fit_scheme(month_2, config, "m", previous=relabelled(previous_1, mapping))
        naming = result.naming
        assert naming.index.is_unique and sorted(naming.index) == sorted(codes)
        fixed = ~naming["ambiguous"]
        assert (naming.index[fixed] == naming.loc[fixed, "rule_segment_code"]).all()
        ambiguous = set(naming.loc[naming["ambiguous"], "rule_segment_code"])
        assert ambiguous == set(rule.index[rule["ambiguous"]])
        assert result.assignments["segment_code"].isin(codes).all()
        if margin == 1.0:  # one group of all clusters: the scrambled codes follow the clusters
            assert naming["ambiguous"].all()
            expected = fit_1.assignments["segment_code"].map(mapping)
            assert (result.assignments["segment_code"] == expected).all()


# --- a previous model that does not quite fit ----------------------------------------------------


@pytest.mark.parametrize("previous_k", [2, 3, 5])
def test_previous_model_with_another_k(month_1, month_2, previous_k):
    """Documented choice: match what can be matched (codes both models have), warn."""
    previous = fit_scheme(month_1, dataclasses.replace(B, k=previous_k), f"k{previous_k}")
    rule = fit_scheme(month_2, B, "rule").naming
    with pytest.warns(PreviousModelWarning, match=f"k={previous_k}, this one k=4"):
        result = fit_scheme(month_2, B, "m", previous=result_to_artifacts(previous))
    naming = result.naming
    assert naming.index.is_unique and sorted(naming.index) == sorted(rule.index)
    fixed = ~naming["ambiguous"]
    assert (naming.index[fixed] == naming.loc[fixed, "rule_segment_code"]).all()
    assert any("k=" in note for note in result.run.warnings)
    assert set(result.segment_naming.previous_match["previous_segment_code"]) <= set(
        previous.segment_codes
    )


def test_previous_model_with_other_inputs(month_2, fit_1):
    """Documented choice: match on the inputs both models have, warn."""
    # A previous model without the tenure input (its profile has no account_age_years).
    previous = result_to_artifacts(fit_1, include_assignments=False)
    previous = previous[
        ~(
            (previous["artifact"] == "cluster_profile")
            & (previous["column_key"] == "account_age_years")
        )
    ]
    with pytest.warns(PreviousModelWarning, match=r"lacks input\(s\) \['account_age_years'\]"):
        result = fit_scheme(month_2, B, "m", previous=previous)
    assert (result.assignments["segment_code"] == fit_1.assignments["segment_code"]).all()


def test_previous_model_sharing_no_input_is_ignored(month_2, previous_1):
    previous = previous_1.copy()
    profile = previous["artifact"] == "cluster_profile"
    previous.loc[profile, "column_key"] = "other_" + previous.loc[profile, "column_key"]
    with pytest.warns(PreviousModelWarning, match="shares no input.*ignored"):
        result = fit_scheme(month_2, B, "m", previous=previous)
    assert (result.naming["naming_method"] == "rule").all()
    assert (
        result.segment_naming.previous_model_id == "B-month-1"
        and result.segment_naming.codes_matched_to_previous == 0
    )
    assert codes_by_group(result, month_2)["X"] == "high_activity"  # the rule's choice


def test_wiring_errors(month_2, previous_1):
    scheme_a = result_to_artifacts(
        fit_scheme(make_customers(600, seed=1), A, "A-prev"), include_assignments=False
    )
    with pytest.raises(SegmentationInputError, match="is of scheme A, not B"):
        fit_scheme(month_2, B, "m", previous=scheme_a)
    two = pd.concat([previous_1, previous_1.assign(model_id="other")])
    with pytest.raises(SegmentationInputError, match="exactly one model_id, found 2"):
        fit_scheme(month_2, B, "m", previous=two)
    with pytest.raises(SegmentationInputError, match="exactly one model_id, found 0"):
        fit_scheme(month_2, B, "m", previous=previous_1.iloc[:0])
    no_profile = previous_1[previous_1["artifact"] != "cluster_profile"]
    with pytest.raises(SegmentationInputError, match=r"lacks artifact\(s\) \['cluster_profile'\]"):
        fit_scheme(month_2, B, "m", previous=no_profile)


# --- configuration ---------------------------------------------------------------------------


def test_margin_from_vars():
    assert SCHEME_A.naming_ambiguity_margin == 0.10
    assert (
        config_from_vars("B", {"naming_ambiguity_margin": "0.25"}).naming_ambiguity_margin == 0.25
    )
    with pytest.raises(SegmentationConfigError, match="naming_ambiguity_margin is 1.5"):
        config_from_vars("A", {"naming_ambiguity_margin": 1.5})
    with pytest.raises(SegmentationConfigError, match="'naming_ambiguity_margin' must be a number"):
        config_from_vars("A", {"naming_ambiguity_margin": "wide"})


def test_no_warning_when_previous_fits(month_2, previous_1):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PreviousModelWarning)
        fit_scheme(month_2, B, "m", previous=previous_1)
