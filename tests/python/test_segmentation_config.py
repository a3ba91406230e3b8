"""Scheme configurations and dbt var overrides."""

from __future__ import annotations

import dataclasses

import pytest

from broker_segments.segmentation import (
    SCHEME_A,
    SCHEME_B,
    SchemeConfig,
    SegmentationConfigError,
    config_from_vars,
    get_scheme,
)
from broker_segments.segmentation.warehouse import RunOptions, parse_settings

pytestmark = pytest.mark.fast


def test_scheme_a_is_the_thesis():
    assert SCHEME_A.inputs == (
        "annual_commission",
        "interest_margin_contribution",
        "avg_daily_market_value",
        "annual_trade_volume",
        "net_fund_inflow",
        "asset_growth",
        "annual_turnover",
        "trade_count",
        "active_trading_days",
        "product_breadth",
        "active_months",
        "account_age_years",
        "days_since_last_trade",
    )
    untransformed = {"asset_growth", "product_breadth", "active_months", "account_age_years"}
    for name, transform in SCHEME_A.transform_by_input.items():
        assert transform == ("none" if name in untransformed else "signed_log1p"), name
    assert SCHEME_A.use_factor_analysis
    assert (SCHEME_A.n_factors, SCHEME_A.k, SCHEME_A.rotation) == (5, 6, "varimax")


def test_scheme_b_is_the_paper():
    assert SCHEME_B.inputs == ("customer_contribution", "annual_turnover", "account_age_years")
    assert SCHEME_B.transforms == ("log1p", "log1p", "none")
    assert not SCHEME_B.use_factor_analysis
    assert SCHEME_B.k == 4


def test_schemes_differ_only_in_configuration():
    assert type(SCHEME_A) is type(SCHEME_B) is SchemeConfig
    hash(SCHEME_A)  # immutable all the way down
    with pytest.raises(dataclasses.FrozenInstanceError):
        SCHEME_A.k = 3  # type: ignore[misc]


def test_get_scheme():
    assert get_scheme("a") is SCHEME_A
    assert get_scheme(" B ") is SCHEME_B
    assert get_scheme(SCHEME_B) is SCHEME_B
    with pytest.raises(SegmentationConfigError, match="unknown scheme 'C'"):
        get_scheme("C")


def test_vars_as_strings_and_numbers():
    config = config_from_vars(
        "A",
        {
            "k": "7",
            "n_factors": 4.0,
            "n_init": "3",
            "random_seed": 42,
            "k_range": "3..6",
            "fit_sample_size": "200000",
            "silhouette_sample_size": 2000,
        },
    )
    assert (config.k, config.n_factors, config.n_init, config.random_seed) == (7, 4, 3, 42)
    assert config.k_range == (3, 4, 5, 6)
    assert config.fit_sample_size == 200_000
    assert config.silhouette_sample_size == 2000
    assert config.inputs == SCHEME_A.inputs  # the rest untouched


@pytest.mark.parametrize("value", [None, "none", "", "None"])
def test_n_factors_none_means_eigenvalue_over_one(value):
    assert config_from_vars("A", {"n_factors": value}).n_factors is None


def test_fit_sample_size_all():
    assert config_from_vars("A", {"fit_sample_size": "all"}).fit_sample_size is None


def test_k_range_forms():
    assert config_from_vars("B", {"k_range": [5, 3, 4]}).k_range == (3, 4, 5)
    assert config_from_vars("B", {"k_range": "2, 4, 6"}).k_range == (2, 4, 6)
    assert config_from_vars("B", {"k_range_min": "3", "k_range_max": 5}).k_range == (3, 4, 5)


def test_n_factors_is_ignored_without_factor_step():
    assert config_from_vars("B", {"n_factors": 2}).n_factors is None


@pytest.mark.parametrize(
    ("vars", "message"),
    [
        ({"k": "six"}, "var 'k' must be an integer, got 'six'"),
        ({"k": 6.5}, "var 'k' must be an integer"),
        ({"k": True}, "var 'k' must be an integer"),
        ({"k": None}, "var 'k' is required"),
        ({"k": 1}, "k is 1; must be >= 2"),
        ({"n_factors": 14}, "n_factors is 14; must be 1..13"),
        ({"n_init": "0"}, "n_init is 0"),
        ({"random_seed": -1}, "random_seed is -1"),
        ({"k_range": "10..2"}, "var 'k_range'"),
        ({"k_range": "1..4"}, "k_range is \\[1, 2, 3, 4\\]"),
        ({"k_range": "2..4", "k_range_max": 5}, "either var 'k_range' or"),
        ({"k_range_min": 6, "k_range_max": 3}, "var 'k_range_max' \\(3\\) is below"),
        ({"fit_sample_size": "lots"}, "var 'fit_sample_size' must be an integer"),
        ({"kmo_warning_threshold": "high"}, "var 'kmo_warning_threshold' must be a number"),
        ({"kmo_warning_threshold": 1.5}, "kmo_warning_threshold is 1.5"),
        ({"cv_folds": 1}, "cv_folds is 1"),
        ({"n_clusters": 6}, "unknown segmentation var\\(s\\) \\['n_clusters'\\]"),
    ],
)
def test_invalid_vars_name_the_var(vars, message):
    with pytest.raises(SegmentationConfigError, match=message):
        config_from_vars("A", vars)


def test_invalid_config_fields():
    with pytest.raises(SegmentationConfigError, match="transforms has 2 entries for 3 inputs"):
        dataclasses.replace(SCHEME_B, transforms=("log1p", "none"))
    with pytest.raises(SegmentationConfigError, match="unknown transforms \\['log10'\\]"):
        dataclasses.replace(SCHEME_B, transforms=("log10", "none", "none"))
    with pytest.raises(SegmentationConfigError, match="fill_null names 'x'"):
        dataclasses.replace(SCHEME_B, fill_null=(("x", 0.0),))


def test_a_fit_models_config_is_parsed_once_into_the_scheme_and_the_run_options():
    """The model's `segmentation` config as dbt renders it (strings; a var set to null left
    empty) gives the scheme's configuration and, apart, the run options."""
    config, options = parse_settings(
        "B", {"k": "3", "priors": "", "refit": " TRUE ", "twin_priors": "equal"}
    )
    assert config == config_from_vars("B", {"k": 3})
    assert options == RunOptions(refit="true", twin_priors="equal", vars={"k": "3"})
    assert parse_settings("A", {"refit": None, "twin_priors": ""}) == (SCHEME_A, RunOptions())
    assert parse_settings("A", None) == (SCHEME_A, RunOptions())


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"refit": "sometimes"}, "var segmentation_refit is 'sometimes'; use auto"),
        ({"twin_priors": "often"}, "var new_customer_twin_priors is 'often'"),
        ({"k": "six"}, "var 'k' must be an integer, got 'six'"),
    ],
)
def test_a_bad_run_option_or_setting_names_the_var(settings, message):
    with pytest.raises(SegmentationConfigError, match=message):
        parse_settings("A", settings)
