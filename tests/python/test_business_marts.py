"""The business marts, recomputed in pandas from the seed CSV files and the segment tables.

dbt's unit tests pin each formula on hand-made rows; these tests replay the marts on a whole
generated warehouse (the session's clean build) by another route: the rules are read from the
seed files (not the seed tables), tiers are matched in Python, points are computed with
Decimal, and every customer, group and indicator is compared.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from conftest import INDICATORS, PROJECT_DIR, PROJECT_VARS, Build

VARS = PROJECT_VARS
SEEDS = PROJECT_DIR / "seeds"


@pytest.fixture(scope="module")
def segmented(clean_build: Build) -> pd.DataFrame:
    """One row per customer per scheme: the segment and every indicator."""
    return clean_build.query(
        """
        select segments.scheme, segments.segment_code, indicators.*
        from customer_segments as segments
        inner join customer_indicators as indicators using (customer_id)
        """
    )


def test_every_indicator_of_customer_indicators_is_profiled(clean_build: Build) -> None:
    columns = set(clean_build.query("select * from customer_indicators limit 0").columns)
    not_indicators = {"customer_id", "as_of_date", "window_start_date", "open_date", "close_date"}
    flags = {column for column in columns if column.startswith(("is_", "has_"))}
    assert sorted(columns - not_indicators - flags - {"outlier_rule"}) == sorted(INDICATORS)


def test_service_plan_matches_pandas(clean_build: Build, segmented: pd.DataFrame) -> None:
    standards = pd.read_csv(SEEDS / "service_standards.csv")
    catalogue = pd.read_csv(SEEDS / "segment_catalogue.csv")
    groups = segmented.groupby(["scheme", "segment_code"])["customer_contribution"].agg(
        customers="size", total="sum", median="median"
    )
    expected = (
        catalogue[["scheme", "segment_code"]]
        .merge(standards, on=["scheme", "segment_code"], how="left", validate="1:1")
        .merge(groups.reset_index(), on=["scheme", "segment_code"], how="left")
        .fillna({"customers": 0, "total": 0.0})
    )
    expected["cost"] = expected["customers"] * expected["annual_service_cost_cny"]
    plan = clean_build.query("select * from segment_service_plan")
    merged = expected.merge(plan, on=["scheme", "segment_code"], validate="1:1")
    assert len(merged) == len(catalogue)
    assert (merged["service_level_x"] == merged["service_level_y"]).all()
    assert (merged["customers_x"] == merged["customers_y"]).all()
    pd.testing.assert_series_equal(
        merged["total"], merged["total_customer_contribution"], check_names=False, rtol=1e-9
    )
    pd.testing.assert_series_equal(
        merged["median"], merged["median_customer_contribution"], check_names=False, rtol=1e-9
    )
    pd.testing.assert_series_equal(
        merged["cost"].astype(float),
        merged["total_service_cost_cny"].astype(float),
        check_names=False,
    )
    for scheme, rows in merged.groupby("scheme"):
        assert rows["customers_y"].sum() == (segmented["scheme"] == scheme).sum()
        assert rows["customer_share"].sum() == pytest.approx(1.0, abs=1e-12)
        assert rows["contribution_share"].sum() == pytest.approx(1.0, abs=1e-12)


def _tier(rules: pd.DataFrame, value: float | None) -> pd.Series | None:
    """The rule whose [lower_bound, upper_bound) holds value; None when none does."""
    if value is None or pd.isna(value):
        return None
    hits = rules[
        (rules["lower_bound"] <= value)
        & (rules["upper_bound"].isna() | (value < rules["upper_bound"]))
    ]
    assert len(hits) <= 1, f"tiers overlap at {value}"
    return None if hits.empty else hits.iloc[0]


def test_points_match_decimal_arithmetic(clean_build: Build) -> None:
    rules = pd.read_csv(SEEDS / "points_rules.csv", dtype={"rule_value": str})
    by_type = {rule_type: group for rule_type, group in rules.groupby("rule_type")}
    (points_per_cny,) = by_type["points_per_cny_commission"]["rule_value"].map(Decimal)
    group_multipliers = {
        row.segment_code: Decimal(row.rule_value)
        for row in by_type["group_multiplier"].itertuples()
        if row.scheme == VARS["points_scheme"]
    }
    customers = clean_build.query(
        f"""
        select
            indicators.customer_id,
            cast(indicators.annual_commission as varchar) as annual_commission,
            indicators.annual_turnover,
            indicators.account_age_years,
            segments.segment_code
        from customer_indicators as indicators
        left join customer_segments as segments
            on indicators.customer_id = segments.customer_id
            and segments.scheme = '{VARS["points_scheme"]}'
        """
    )
    points = clean_build.query(
        "select customer_id, cast(base_points as varchar) as base_points, total_points"
        " from customer_points"
    ).set_index("customer_id")
    assert len(points) == len(customers)

    for row in customers.itertuples():
        bonus_rule = _tier(by_type["turnover_bonus"], row.annual_turnover)
        tenure_rule = _tier(by_type["tenure_multiplier"], row.account_age_years)
        assert tenure_rule is not None, f"no tenure tier for {row.account_age_years}"
        base = Decimal(row.annual_commission) * points_per_cny
        bonus = Decimal(0) if bonus_rule is None else Decimal(bonus_rule["rule_value"])
        total = (base + bonus) * Decimal(tenure_rule["rule_value"])
        total *= group_multipliers[row.segment_code]
        expected = int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        actual = points.loc[row.customer_id]
        assert Decimal(actual["base_points"]) == base, row.customer_id
        assert actual["total_points"] == expected, row.customer_id


def test_profiles_match_pandas(clean_build: Build, segmented: pd.DataFrame) -> None:
    profiles = clean_build.query("select * from segment_profiles").set_index(
        ["scheme", "segment_code"]
    )
    values = segmented[INDICATORS].astype(float)
    keys = [segmented["scheme"], segmented["segment_code"]]
    means = values.groupby(keys).mean()
    medians = values.groupby(keys).median()
    sizes = segmented.groupby(["scheme", "segment_code"]).size()

    for key, customers in sizes.items():
        assert profiles.loc[key, "customers"] == customers
    empty = profiles.index.difference(sizes.index)
    assert (profiles.loc[empty, "customers"] == 0).all()
    for indicator in INDICATORS:
        for stat, frame in (("mean", means), ("median", medians)):
            expected = frame[indicator]
            actual = profiles.loc[expected.index, f"{indicator}_{stat}"]
            pd.testing.assert_series_equal(
                actual, expected, check_names=False, check_index=False, rtol=1e-9
            )
