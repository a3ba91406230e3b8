"""The functions that place new customers, trained on the established customers' twins
(broker_segments.segmentation.twins): their arithmetic, what a fit stores, and that the SQL
side and the package agree on which inputs exist."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from broker_segments.segmentation import (
    SCHEME_B,
    SegmentationInputError,
    discriminant,
    fit_scheme,
    result_to_artifacts,
)
from broker_segments.segmentation.twins import (
    DEFAULT_TWIN_INPUTS,
    TWIN_TRANSFORMS,
    fit_twin_placement,
)
from tools.synthetic import make_customers

pytestmark = pytest.mark.fast

PROJECT_DIR = Path(__file__).resolve().parents[2]
FAST = {"k_range": (2, 4), "silhouette_sample_size": 300}


def noisy_twins(customers: pd.DataFrame, seed: int, scale: float = 0.5) -> pd.DataFrame:
    """A short-history look of each customer: its inputs times a lognormal noise."""
    rng = np.random.default_rng(seed)
    twins = customers[["customer_id", *DEFAULT_TWIN_INPUTS]].copy()
    for column in DEFAULT_TWIN_INPUTS:
        twins[column] = twins[column] * np.exp(rng.normal(0.0, scale, len(twins)))
    return twins


def test_twin_functions_are_fishers_functions_on_the_twins_z_scores():
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 3, 400)
    x = rng.normal(size=(400, 2)) + np.array([[0, 0], [3, 0], [0, 3]])[groups]
    twins = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(400)],
            "trade_count": np.exp(x[:, 0]),
            "product_breadth": x[:, 1],
        }
    )
    codes = ["g0", "g1", "g2"]
    assignments = pd.DataFrame(
        {"customer_id": twins["customer_id"], "segment_code": np.asarray(codes)[groups]}
    )
    placement = fit_twin_placement(
        twins, assignments, codes, ["trade_count", "product_breadth"], priors="size"
    )
    # signed log1p of trade_count, product_breadth as is, standardised by the twins' own
    t = np.column_stack([np.log1p(np.exp(x[:, 0])), x[:, 1]])
    np.testing.assert_allclose(placement.means, t.mean(axis=0))
    np.testing.assert_allclose(placement.stds, t.std(axis=0))
    z = (t - t.mean(axis=0)) / t.std(axis=0)
    expected = discriminant.functions_from_statistics(
        *discriminant.group_statistics(z, groups, 3), "size"
    )
    np.testing.assert_allclose(placement.coefficients, expected[0])
    np.testing.assert_allclose(placement.constants, expected[1])
    placed = placement.place(twins)
    assert (placed == np.asarray(codes)[groups]).mean() > 0.8
    # equal priors move only the constants
    equal = fit_twin_placement(
        twins, assignments, codes, ["trade_count", "product_breadth"], priors="equal"
    )
    np.testing.assert_allclose(equal.coefficients, placement.coefficients)
    assert not np.allclose(equal.constants, placement.constants)


def test_twins_of_customers_outside_the_fit_are_left_out_and_bad_inputs_stop():
    customers = make_customers(300, seed=2, noise=0.2)
    twins = noisy_twins(customers, seed=1)
    assignments = pd.DataFrame(
        {"customer_id": customers["customer_id"][:200], "segment_code": ["a", "b"] * 100}
    )
    placement = fit_twin_placement(twins, assignments, ["a", "b"])
    assert placement.n_twins == 200
    with pytest.raises(SegmentationInputError, match=r"product_breadth \(every twin 1\) have no"):
        fit_twin_placement(twins.assign(product_breadth=1.0), assignments, ["a", "b"])
    with pytest.raises(SegmentationInputError, match="inputs"):
        fit_twin_placement(twins, assignments, ["a", "b"], ["account_age_years"])
    with pytest.raises(SegmentationInputError, match="not the model"):
        fit_twin_placement(twins, assignments, ["a"])


def test_a_fit_with_twins_stores_their_functions_and_places_twins_in_their_segments():
    customers = make_customers(1500, seed=7, noise=0.2)
    config = dataclasses.replace(SCHEME_B, **FAST)
    without = result_to_artifacts(fit_scheme(customers, config, "b"))
    assert not without["artifact"].isin(["twin_standardisation", "twin_function"]).any()
    twins = noisy_twins(customers, seed=5)
    result = fit_scheme(customers, config, "b", twins=twins)
    frame = result_to_artifacts(result)
    functions = frame[frame["artifact"] == "twin_function"]
    assert set(functions["row_key"]) == set(result.segment_codes)
    assert set(functions["column_key"]) == {*DEFAULT_TWIN_INPUTS, "constant"}
    standardisation = frame[frame["artifact"] == "twin_standardisation"]
    transforms = standardisation.loc[standardisation["column_key"] == "transform"]
    assert dict(zip(transforms["row_key"], transforms["text_value"], strict=True)) == {
        name: TWIN_TRANSFORMS[name] for name in DEFAULT_TWIN_INPUTS
    }
    # the model's other tables do not depend on the twins
    same = without[without["artifact"] == "cluster_centre"].reset_index(drop=True)
    other = frame[frame["artifact"] == "cluster_centre"].reset_index(drop=True)
    pd.testing.assert_frame_equal(same, other)
    # twins a little noisier than the customers still land mostly in their own segment
    segment = result.assignments.set_index("customer_id")["segment_code"]
    placed = result.twin_placement.place(twins)
    assert (placed == twins["customer_id"].map(segment).to_numpy()).mean() > 0.7


def test_the_default_twin_inputs_are_twin_inputs_of_the_registry():
    """The twin inputs' one home is the indicator registry (the macro twin_input_columns() is
    generated from it: test_project_facts.py); the vars' defaults name some of them."""
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["vars"]["new_customer_twin_inputs"] == list(DEFAULT_TWIN_INPUTS)
    assert set(DEFAULT_TWIN_INPUTS) <= set(TWIN_TRANSFORMS)
    assert project["vars"]["new_customer_twin_priors"] == "size"
    # none of the inputs a short history does not measure is a twin input
    assert not set(project["vars"]["new_customer_unmeasured_inputs"]) & set(TWIN_TRANSFORMS)
