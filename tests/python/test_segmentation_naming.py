"""Naming rule: deterministic, independent of K-means' numbering, both schemes."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from broker_segments.segmentation import (
    SCHEME_A,
    SCHEME_B,
    config_from_vars,
    name_clusters,
    segment_catalogue,
)
from broker_segments.segmentation.naming import MEDIAN_COLUMNS, naming_profile

pytestmark = pytest.mark.fast

THESIS_COLUMNS = [
    "annual_commission",
    "interest_margin_contribution",
    "avg_daily_market_value",
    "annual_turnover",
    "asset_growth",
    "active_trading_days",
    "days_since_last_trade",
]
# One row per thesis group, in an order unrelated to the answer.
THESIS_PROFILE = pd.DataFrame(
    {
        "ordinary_b": [300, 500, 40_000, 2.0, -0.1, 40, 20],
        "vip": [9000, 7000, 2_500_000, 6.0, 0.05, 150, 5],
        "sleeping": [0, 3, 30, 0.0, -0.5, 0, 900],
        "ordinary_a": [900, 1200, 300_000, 3.0, 0.1, 60, 15],
        "free": [60, 50, 3000, 0.6, -0.2, 6, 150],
        "potential": [800, 200, 100_000, 25.0, 0.6, 160, 3],
    },
    index=THESIS_COLUMNS,
).T


def _named(profile: pd.DataFrame, rule: str) -> pd.Series:
    return name_clusters(profile, rule)["segment_code"]


def test_thesis_rule_names_the_archetypes():
    names = _named(THESIS_PROFILE, "thesis")
    assert names.to_dict() == {code: code for code in THESIS_PROFILE.index}


def test_names_do_not_depend_on_cluster_numbers():
    expected = dict(zip(range(6), THESIS_PROFILE.index, strict=True))
    base = THESIS_PROFILE.reset_index(drop=True)
    for permutation in itertools.islice(itertools.permutations(range(6)), 0, 720, 37):
        relabelled = base.copy()
        relabelled.index = list(permutation)  # cluster i of the original is now permutation[i]
        relabelled = relabelled.sample(frac=1.0, random_state=sum(permutation))  # row order too
        names = _named(relabelled, "thesis")
        for original, label in enumerate(permutation):
            assert names[label] == expected[original]


def test_six_distinct_codes_and_display_order():
    result = name_clusters(THESIS_PROFILE.reset_index(drop=True), "thesis")
    assert sorted(result["segment_code"]) == sorted(
        ["vip", "potential", "ordinary_a", "ordinary_b", "free", "sleeping"]
    )
    by_order = result.sort_values("sort_order")["segment_code"].tolist()
    assert by_order == ["vip", "potential", "ordinary_a", "ordinary_b", "free", "sleeping"]
    assert result.set_index("segment_code").loc["vip", "segment_name_zh"] == "VIP客户"
    assert result.set_index("segment_code").loc["sleeping", "naming_step"] == 1


def test_sleeping_tie_broken_by_days_since_last_trade():
    profile = THESIS_PROFILE.copy()
    profile.loc["free", "active_trading_days"] = 0  # as inactive as sleeping
    profile.loc["free", "days_since_last_trade"] = 2000  # but dormant for longer
    names = _named(profile, "thesis")
    assert names["free"] == "sleeping"
    assert names["sleeping"] == "free"  # the lowest value left


def test_fewer_clusters_than_codes():
    profile = THESIS_PROFILE.loc[["vip", "sleeping", "free", "potential"]]
    assert _named(profile, "thesis").to_dict() == {
        "vip": "vip",
        "sleeping": "sleeping",
        "free": "free",
        "potential": "potential",
    }


def test_extra_clusters_get_numbered_codes_by_value():
    extra = pd.DataFrame(
        [[500, 700, 150_000, 2.5, 0.0, 50, 18], [100, 200, 20_000, 1.5, -0.1, 30, 25]],
        columns=THESIS_COLUMNS,
        index=["mid", "low_mid"],
    )
    profile = pd.concat([THESIS_PROFILE, extra])
    result = name_clusters(profile, "thesis")
    codes = result["segment_code"].to_dict()
    assert codes["vip"] == "vip" and codes["sleeping"] == "sleeping"
    assert codes["potential"] == "potential" and codes["free"] == "free"
    # After free, the four left by decreasing value: ordinary_a (ordinary_a row 2100),
    # ordinary_b (mid 1200), cluster_7 (ordinary_b row 800), cluster_8 (low_mid 300).
    assert codes["ordinary_a"] == "ordinary_a"
    assert codes["mid"] == "ordinary_b"
    assert codes["ordinary_b"] == "cluster_7"
    assert codes["low_mid"] == "cluster_8"
    assert result.loc["low_mid", "segment_name"] == "Cluster 8"
    assert result.loc["low_mid", "segment_name_zh"] == "第8类客户"
    assert result.loc["low_mid", "sort_order"] == 8


def test_identical_profiles_fall_back_to_cluster_number():
    profile = pd.concat([THESIS_PROFILE, THESIS_PROFILE.loc[["ordinary_b"]]])
    profile.index = range(7)
    codes = _named(profile, "thesis")
    assert codes[0] == "ordinary_b" and codes[6] == "cluster_7"


PAPER_PROFILE = pd.DataFrame(
    {
        "customer_contribution": [12_000, 3000, 150, 900],
        "annual_turnover": [5.0, 30.0, 0.5, 3.0],
        "account_age_years": [10.0, 2.0, 12.0, 4.0],
    },
    index=[7, 3, 0, 5],
)


def test_paper_rule():
    assert _named(PAPER_PROFILE, "paper").to_dict() == {
        7: "high_contribution",
        3: "high_activity",
        0: "loyal_retained",
        5: "relationship_maintained",
    }


def test_paper_rule_takes_the_rest_after_each_step():
    profile = PAPER_PROFILE.copy()
    profile.loc[7, "annual_turnover"] = 50.0  # the top contributor also trades most
    profile.loc[7, "account_age_years"] = 20.0
    names = _named(profile, "paper")
    assert names[7] == "high_contribution"
    assert names[3] == "high_activity"  # highest turnover among the rest
    assert names[0] == "loyal_retained"


def test_unknown_rule_and_missing_columns():
    with pytest.raises(ValueError, match="unknown naming rule"):
        name_clusters(PAPER_PROFILE, "other")
    with pytest.raises(ValueError, match="needs profile column"):
        name_clusters(PAPER_PROFILE.drop(columns="annual_turnover"), "paper")


def test_segment_catalogue():
    catalogue = segment_catalogue()
    assert list(catalogue.columns) == [
        "scheme",
        "segment_code",
        "segment_name",
        "segment_name_zh",
        "sort_order",
        "is_rule_only",
    ]
    assert not catalogue.duplicated(["scheme", "segment_code"]).any()
    assert not catalogue.duplicated(["scheme", "sort_order"]).any()
    a = catalogue[catalogue["scheme"] == SCHEME_A.scheme].set_index("segment_code")
    b = catalogue[catalogue["scheme"] == SCHEME_B.scheme].set_index("segment_code")
    assert list(a.index) == [
        "vip",
        "potential",
        "ordinary_a",
        "ordinary_b",
        "free",
        "sleeping",
        "closed",
    ]
    assert list(b.index) == [
        "high_contribution",
        "high_activity",
        "loyal_retained",
        "relationship_maintained",
        "closed",
    ]
    assert a.loc["closed", "segment_name_zh"] == "已销户客户" and a.loc["closed", "is_rule_only"]
    assert b.loc["loyal_retained", "segment_name_zh"] == "忠诚保持客户"
    assert a.loc["ordinary_a", "segment_name_zh"] == "A类普通客户"
    assert catalogue["sort_order"].dtype == np.int64


def test_segment_catalogue_with_more_clusters():
    catalogue = segment_catalogue([config_from_vars("A", {"k": 8})])
    assert catalogue["segment_code"].tolist()[-3:] == ["cluster_7", "cluster_8", "closed"]


# --- ambiguity: where a refit could flip the rule's choice --------------------------------


def _flags(profile: pd.DataFrame, rule: str, margin: float = 0.10) -> pd.DataFrame:
    return name_clusters(profile, rule, margin)[["segment_code", "ambiguous", "ambiguity_group"]]


def _with_value(profile: pd.DataFrame, values: dict[str, float]) -> pd.DataFrame:
    """``profile`` with the customer_value of some clusters set (all of it commission)."""
    profile = profile.copy()
    for label, value in values.items():
        profile.loc[label, "annual_commission"] = value
        profile.loc[label, "interest_margin_contribution"] = 0.0
    return profile


def test_clear_profiles_are_not_ambiguous():
    for profile, rule in ((THESIS_PROFILE, "thesis"), (PAPER_PROFILE, "paper")):
        flags = _flags(profile, rule)
        assert not flags["ambiguous"].any()
        assert (flags["ambiguity_group"] == 0).all()


def test_near_tie_flags_both_clusters_and_keeps_the_rule_codes():
    profile = _with_value(THESIS_PROFILE, {"ordinary_a": 1000.0, "ordinary_b": 950.0})
    flags = _flags(profile, "thesis")
    assert flags["segment_code"].to_dict() == {code: code for code in profile.index}
    assert set(flags.index[flags["ambiguous"]]) == {"ordinary_a", "ordinary_b"}
    assert flags.loc["ordinary_a", "ambiguity_group"] == 5  # the first step of the group
    assert flags.loc["ordinary_b", "ambiguity_group"] == 5
    # Outside the margin (5% apart, margin 4%) the step is clear.
    assert not _flags(profile, "thesis", 0.04)["ambiguous"].any()


def test_margin_zero_flags_only_exact_ties():
    near = _with_value(THESIS_PROFILE, {"ordinary_a": 1000.0, "ordinary_b": 999.0})
    assert not _flags(near, "thesis", 0.0)["ambiguous"].any()
    tied = THESIS_PROFILE.copy()
    tied.loc["free", "active_trading_days"] = 0  # as inactive as sleeping: the tie-break decides
    flags = _flags(tied, "thesis", 0.0)
    assert set(flags.index[flags["ambiguous"]]) == {"sleeping", "free"}
    assert (flags.loc[["sleeping", "free"], "ambiguity_group"] == 1).all()


def test_rank_sum_step_is_ambiguous_when_a_ranked_quantity_could_swap():
    profile = THESIS_PROFILE.copy()
    # ordinary_a trades almost as much as potential (within 10%) but grows far less: if its
    # turnover were the higher, the rank sums would tie and the turnover tie-break would pick
    # ordinary_a, so the potential step is ambiguous between the two.
    profile.loc["ordinary_a", "annual_turnover"] = 24.0
    flags = _flags(profile, "thesis")
    assert flags.loc["potential", "segment_code"] == "potential"
    assert set(flags.index[flags["ambiguous"]]) == {"potential", "ordinary_a"}
    assert flags.loc["potential", "ambiguity_group"] == 3
    # Clearly apart on turnover (24 vs 25 is not within 1%): the choice is clear.
    assert not _flags(profile, "thesis", 0.01)["ambiguous"].any()


def test_overlapping_ambiguities_form_one_group():
    # free (700) is within 10% of ordinary_b (740), which is within 10% of ordinary_a (780).
    values = {"free": 700.0, "ordinary_b": 740.0, "ordinary_a": 780.0}
    flags = _flags(_with_value(THESIS_PROFILE, values), "thesis")
    assert set(flags.index[flags["ambiguous"]]) == set(values)
    assert (flags.loc[list(values), "ambiguity_group"] == 4).all()  # free is named at step 4


def test_codes_never_depend_on_the_margin():
    profiles = [
        (THESIS_PROFILE, "thesis"),
        (_with_value(THESIS_PROFILE, {"ordinary_a": 1000.0, "ordinary_b": 990.0}), "thesis"),
        (PAPER_PROFILE, "paper"),
    ]
    for profile, rule in profiles:
        codes = [_flags(profile, rule, m)["segment_code"].tolist() for m in (0.0, 0.1, 0.5, 1.0)]
        assert all(c == codes[0] for c in codes)


def test_ambiguity_does_not_depend_on_cluster_numbers():
    profile = _with_value(THESIS_PROFILE, {"ordinary_a": 1000.0, "ordinary_b": 950.0})
    expected = _flags(profile, "thesis")
    relabelled = profile.reset_index(drop=True)
    relabelled.index = [5, 3, 1, 0, 4, 2]
    flags = _flags(relabelled.iloc[::-1], "thesis")
    flags.index = [profile.index[[5, 3, 1, 0, 4, 2].index(label)] for label in flags.index]
    pd.testing.assert_frame_equal(flags.loc[expected.index], expected)


def test_paper_rule_ambiguity_on_turnover():
    profile = PAPER_PROFILE.copy()
    profile.loc[0, "annual_turnover"] = 28.0  # within 10% of cluster 3's 30
    flags = _flags(profile, "paper")
    assert flags.loc[3, "segment_code"] == "high_activity"
    assert set(flags.index[flags["ambiguous"]]) == {3, 0}


def test_margin_out_of_range():
    with pytest.raises(ValueError, match="ambiguity_margin is 1.5"):
        name_clusters(PAPER_PROFILE, "paper", 1.5)


# --- robust statistic: a few extreme-turnover accounts do not rename groups -----------------


def _customers(profile: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` customers per cluster (row of ``profile``) scattered around its values: ``label``
    and the profile's columns, the way a fit holds them (raw inputs by assigned cluster)."""
    rng = np.random.default_rng(seed)
    parts = []
    for label, row in profile.iterrows():
        part = pd.DataFrame(
            {
                column: value + rng.normal(0, 0.05, n)
                if column == "asset_growth"  # a log difference, may be negative
                else value * np.exp(rng.normal(0, 0.1, n))
                for column, value in row.items()
            }
        )
        parts.append(part.assign(label=label))
    return pd.concat(parts, ignore_index=True)


def _plant(customers: pd.DataFrame, label: object, count: int) -> pd.DataFrame:
    """``count`` more customers of cluster ``label``, typical but for an annual_turnover of
    200,000 (100 CNY of average assets traded 20 M a year: not an outlier by the rule)."""
    planted = customers[customers["label"] == label].head(count).copy()
    planted["annual_turnover"] = 200_000.0
    return pd.concat([customers, planted], ignore_index=True)


def _codes(customers: pd.DataFrame, rule: str, robust: bool) -> dict[object, str]:
    """The codes as a fit gives them (``robust``: means and the turnover median, the fit's
    naming profile) or as the mean-only rule did (``robust=False``)."""
    raw = customers.drop(columns="label")
    groups = raw.groupby(customers["label"])
    means = groups.mean()
    profile = naming_profile(means, groups[list(MEDIAN_COLUMNS)].median()) if robust else means
    return name_clusters(profile, rule)["segment_code"].to_dict()


@pytest.mark.parametrize(
    ("rule", "base", "planted_in", "taken_code"),
    [
        # Scheme B: 2 extreme accounts among 400 would make relationship_maintained (mean
        # turnover 3) the highest-turnover group.
        ("paper", PAPER_PROFILE, 5, "high_activity"),
        # Scheme A: 2 in ordinary_a would raise its turnover rank to the top, tie potential's
        # rank sum and win the turnover tie-break: the potential code.
        ("thesis", THESIS_PROFILE, "ordinary_a", "potential"),
    ],
)
def test_a_few_extreme_turnover_accounts_do_not_flip_the_names(rule, base, planted_in, taken_code):
    customers = _customers(base, n=400, seed=3)
    clean = _codes(customers, rule, robust=True)
    assert clean == _codes(customers, rule, robust=False)  # no planted accounts: same names
    assert clean[planted_in] != taken_code
    planted = _plant(customers, planted_in, count=2)
    # The mean-only rule flips: the cluster with the two accounts takes the code ...
    assert _codes(planted, rule, robust=False)[planted_in] == taken_code
    # ... the median the rule now reads is not moved: every name stays.
    assert _codes(planted, rule, robust=True) == clean


def test_naming_profile_takes_only_the_turnover_median():
    means = THESIS_PROFILE.copy()
    medians = THESIS_PROFILE[["annual_turnover"]] / 2.0
    profile = naming_profile(means, medians)
    pd.testing.assert_series_equal(profile["annual_turnover"], medians["annual_turnover"])
    pd.testing.assert_frame_equal(
        profile.drop(columns="annual_turnover"), means.drop(columns="annual_turnover")
    )
    assert MEDIAN_COLUMNS == ("annual_turnover",)
    with pytest.raises(ValueError, match="median of 'annual_turnover'"):
        naming_profile(means, medians.drop(columns="annual_turnover"))
    criteria = name_clusters(profile, "thesis").set_index("segment_code")["criterion"]
    assert "median annual_turnover" in criteria["potential"]
    assert "mean customer_value" in criteria["vip"]
    paper = name_clusters(PAPER_PROFILE, "paper").set_index("segment_code")["criterion"]
    assert "median annual_turnover" in paper["high_activity"]
