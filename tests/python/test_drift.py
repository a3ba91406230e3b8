"""Drift and refit advice: the reference bins a fit stores, and the drift marts built on them.

On the build that fitted the models, today's population is the fitting sample, so every PSI
is 0 (stable). A population whose market value is ten times larger, rescored with the stored
models, drifts on that input (refit recommended, and the test named so warns) and not on the
inputs it leaves alone."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Build, run_dbt

from broker_segments.segmentation.transform import reference_bins


def test_reference_bins_are_deciles_with_edges_between_fitted_values():
    # 1..10: the deciles 1.9, 2.8, .. fall between two values: edges 1.5, 2.5, .., 9.5.
    bins = reference_bins(np.arange(1.0, 11.0).reshape(-1, 1), ["x"])
    assert bins["upper_edge"].dropna().tolist() == [b + 0.5 for b in range(1, 10)]
    assert bins["fit_share"].tolist() == pytest.approx([0.1] * 10)
    assert np.isnan(bins["lower_edge"].iloc[0]) and np.isnan(bins["upper_edge"].iloc[-1])


def test_a_value_many_customers_share_merges_its_bins():
    # Six zeros and 1, 2, 3, 4: the deciles 0.1 .. 0.5 are all 0, so one edge (0.5) for them;
    # 0.6 .. 0.9 give 0.4, 1.3, 2.2, 3.1 -> edges 0.5, 1.5, 2.5, 3.5: 5 bins.
    z = np.array([0, 0, 0, 0, 0, 0, 1, 2, 3, 4], dtype=float).reshape(-1, 1)
    bins = reference_bins(z, ["x"])
    assert bins["bin"].tolist() == [1, 2, 3, 4, 5]
    assert bins["upper_edge"].dropna().tolist() == [0.5, 1.5, 2.5, 3.5]
    assert bins["fit_share"].tolist() == pytest.approx([0.6, 0.1, 0.1, 0.1, 0.1])


def test_drift_is_zero_on_the_build_that_fitted_the_models(clean_build: Build):
    drift = clean_build.query("select * from segment_drift")
    inputs = clean_build.query("select scheme, input_name from segment_standardisation")
    measured = drift[drift["measure_type"] == "input"]
    assert sorted(zip(measured["scheme"], measured["drift_measure"], strict=True)) == sorted(
        zip(inputs["scheme"], inputs["input_name"], strict=True)
    )
    assert set(drift.loc[drift["measure_type"] == "segment_share", "scheme"]) == {"A", "B"}
    assert (drift["psi"].abs() < 1e-9).all(), drift[["scheme", "drift_measure", "psi"]]
    assert set(drift["drift_status"]) == {"stable"}
    bins = clean_build.query("select * from segment_drift_bins")
    assert (bins["current_share"] - bins["fit_share"]).abs().max() < 1e-9


def test_a_shifted_population_says_refit_recommended(clean_build: Build, warehouse_copy, tmp_path):
    import duckdb

    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute(
            "update customer_indicators set avg_daily_market_value = avg_daily_market_value * 10"
        )
    models = [
        "int_segment_inputs_standardised",
        "int_segment_scores",
        "int_segment_assignments",
        "segment_drift_bins",
        "segment_drift",
    ]
    result = run_dbt(["build", "--select", *models], clean_build.raw_dir, warehouse_copy, tmp_path)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "Warning in test segment_drift_psi_within_drift_psi_refit__else_refit_recommended" in (
        result.stdout
    )
    assert "Warning in test segment_drift_psi_within_drift_psi_warn" in result.stdout
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        drift = con.sql("select * from segment_drift").df().set_index(["scheme", "drift_measure"])
    shifted = drift.loc[("A", "avg_daily_market_value")]
    assert shifted["psi"] > 0.25 and shifted["drift_status"] == "refit recommended"
    # the other inputs of the customers are as fitted
    untouched = drift[(drift["measure_type"] == "input")].drop(("A", "avg_daily_market_value"))
    assert (untouched["psi"].abs() < 1e-9).all() and set(untouched["drift_status"]) == {"stable"}
