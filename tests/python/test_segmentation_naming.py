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
