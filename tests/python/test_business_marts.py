"""The business marts, recomputed in pandas from the seed CSV files and the segment tables.

dbt's unit tests pin each formula on hand-made rows; these tests replay the marts on a whole
generated warehouse (the session's clean build) by another route: the rules are read from the
seed files (not the seed tables), tiers are matched in Python, points are computed with
Decimal, and every customer, group and indicator is compared.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from conftest import INDICATORS, PROJECT_DIR, PROJECT_VARS, Build, run_dbt

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


def test_customer_service_plans_match_pandas(clean_build: Build) -> None:
    """Each customer's plan, replayed from the seed file: the service of the customer's group
    in the scheme of var service_plan_scheme, capped at the customer's own rating; the
    professional investor candidates by the vars' thresholds."""
    standards = pd.read_csv(SEEDS / "service_standards.csv")
    scheme = VARS["service_plan_scheme"]
    customers = clean_build.query(
        f"""select segments.customer_id, segments.segment_code, customers.risk_level,
            indicators.avg_daily_assets, indicators.account_age_years
        from customer_segments as segments
        inner join int_customers_cleaned as customers using (customer_id)
        inner join customer_indicators as indicators using (customer_id)
        where segments.scheme = '{scheme}'"""
    )
    expected = customers.merge(
        standards[standards["scheme"] == scheme], on="segment_code", how="left", validate="m:1"
    )
    rated = expected["risk_level"].notna()
    expected["allowed"] = np.where(
        rated & expected["max_product_risk_level"].notna(),
        np.fmin(expected["max_product_risk_level"], expected["risk_level"]),
        np.nan,
    )
    plan = clean_build.query("select * from customer_service_plan")
    merged = expected.merge(plan, on="customer_id", validate="1:1")
    assert len(merged) == len(plan) == len(expected)
    assert (merged["suitability_status"] == np.where(rated, "rated", "unrated")).all()
    got = merged["max_recommended_product_risk_level"].astype(float)
    assert np.array_equal(got.to_numpy(), merged["allowed"].to_numpy(), equal_nan=True)
    # the cases the rule is for are in the data: a VIP rated C1, unrated customers
    vip_c1 = merged[(merged["segment_code_x"] == "vip") & (merged["risk_level_x"] == 1)]
    assert not vip_c1.empty and (vip_c1["max_recommended_product_risk_level"] == 1).all()
    assert (~rated).any() and got[~rated].isna().all()
    # professional investor candidates (Art. 8): flagged by the thresholds, never reclassified
    candidates = (expected["avg_daily_assets"] >= VARS["professional_investor_min_assets_cny"]) & (
        expected["account_age_years"] >= VARS["professional_investor_min_account_years"]
    )
    assert (merged["is_professional_candidate"] == candidates).all()
    assert candidates.any() and not candidates.all()


def test_a_plan_above_a_customers_rating_fails_and_is_kept(
    clean_build: Build, warehouse_copy, tmp_path
) -> None:
    """The suitability test stops the build on a plan that allows more than the customer's
    rating, and keeps the failing rows for the compliance team."""
    import duckdb

    with duckdb.connect(str(warehouse_copy)) as con:
        broken = con.execute(
            """update customer_service_plan set max_recommended_product_risk_level = 5
            where customer_id = (
                select min(customer_id) from customer_service_plan where risk_level = 1
            )
            returning customer_id"""
        ).fetchall()
    assert len(broken) == 1
    result = run_dbt(
        ["test", "--select", "customer_service_plan"], clean_build.raw_dir, warehouse_copy, tmp_path
    )
    assert result.returncode != 0
    assert "customer_service_plan_recommends_within_suitability" in result.stdout
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        kept = con.sql(
            "select customer_id from main_data_quality_failures."
            "customer_service_plan_recommends_within_suitability"
        ).fetchall()
    assert kept == broken


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
