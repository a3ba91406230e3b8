"""The segment explanations (customer_segment_explanations and its per-input detail) checked
against the package's own scoring on the session's clean build, by another route than the
SQL: the margins and contributions recomputed from the stored model's centres, and every
path to the next group replayed by moving the input just short of and just past its target
and scoring the customer again (docs/domain.md, "Why this group, and what would move the
customer up").

Tolerances: a margin or a contribution is a sum of at most a few dozen products of stored
doubles of order 1-100, so two evaluation orders agree to ~1e-12; 1e-9 leaves room without
hiding a wrong term (a wrong coefficient or a row joined twice moves them by order 1).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT_DIR, Build

from broker_segments.segmentation import discriminant
from broker_segments.segmentation.scoring import ScoringModel

TOLERANCE = 1e-9
# How far short of and past a target value the input is moved, relative to the change.
STEP = 1e-6


@pytest.fixture(scope="module")
def parameters(clean_build: Build) -> pd.DataFrame:
    return clean_build.query("select * from int_segment_current_parameters")


@pytest.fixture(scope="module")
def indicators(clean_build: Build) -> pd.DataFrame:
    return clean_build.query("select * from customer_indicators").set_index("customer_id")


@pytest.fixture(scope="module")
def explanations(clean_build: Build) -> pd.DataFrame:
    return clean_build.query("select * from customer_segment_explanations")


@pytest.fixture(scope="module")
def explanation_inputs(clean_build: Build) -> pd.DataFrame:
    return clean_build.query("select * from customer_segment_explanation_inputs")


def model_of(parameters: pd.DataFrame, scheme: str) -> ScoringModel:
    frame = parameters[parameters["scheme"] == scheme]
    return ScoringModel.from_artifacts(frame)


def test_every_model_placed_customer_is_explained(
    explanations: pd.DataFrame, clean_build: Build
) -> None:
    segments = clean_build.query("select customer_id, scheme, segment_code from customer_segments")
    merged = segments.merge(explanations, on=["customer_id", "scheme"], suffixes=("", "_x"))
    assert len(merged) == len(segments) == len(explanations)
    assert (merged["segment_code"] == merged["segment_code_x"]).all()
    placed = explanations[explanations["assignment_method"] != "rule"]
    assert placed["runner_up_segment_code"].notna().all()
    assert (placed["runner_up_segment_code"] != placed["segment_code"]).all()
    # both placement rules of the default settings are explained
    assert set(placed["placement_rule"]) == {"nearest_centre", "twin"}
    rules = explanations[explanations["assignment_method"] == "rule"]
    assert not rules.empty
    assert rules[["placement_rule", "score_margin", "cheapest_input"]].isna().all().all()


def test_contributions_add_up_to_the_margin(
    explanations: pd.DataFrame, explanation_inputs: pd.DataFrame
) -> None:
    sums = explanation_inputs.groupby(["customer_id", "scheme"])["margin_contribution"].sum()
    placed = explanations[explanations["placement_rule"].notna()].set_index(
        ["customer_id", "scheme"]
    )
    total = sums.loc[placed.index] + placed["constant_contribution"]
    np.testing.assert_allclose(total, placed["score_margin"], rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("scheme", ["A", "B"])
def test_nearest_centre_explanations_match_a_brute_force_recomputation(
    scheme: str,
    parameters: pd.DataFrame,
    indicators: pd.DataFrame,
    explanations: pd.DataFrame,
    explanation_inputs: pd.DataFrame,
) -> None:
    """K-means' customers: runner-up = the second-nearest centre, margin = half the squared
    distances' difference, each input's part z_i x sum_d W_id (c_gd - c_rd)."""
    model = model_of(parameters, scheme)
    explained = explanations[
        (explanations["scheme"] == scheme) & (explanations["placement_rule"] == "nearest_centre")
    ].set_index("customer_id")
    assert len(explained) > 100
    frame = indicators.loc[explained.index].reset_index()
    _, z = model.standardised(frame)
    x = model.model_space(z)
    squared = ((x[:, None, :] - model.centres[None, :, :]) ** 2).sum(axis=2)
    order = np.argsort(squared, axis=1, kind="stable")
    codes = np.asarray(model.segment_codes, dtype=object)
    best, runner_up = order[:, 0], order[:, 1]
    rows = np.arange(len(frame))
    assert (codes[best] == explained["segment_code"].to_numpy()).all()
    assert (codes[runner_up] == explained["runner_up_segment_code"].to_numpy()).all()
    margin = (squared[rows, runner_up] - squared[rows, best]) / 2
    np.testing.assert_allclose(explained["score_margin"], margin, rtol=0, atol=TOLERANCE)
    share = 1 - squared[rows, best] / squared[rows, runner_up]
    np.testing.assert_allclose(explained["margin_share"], share, rtol=0, atol=TOLERANCE)

    weights = (
        np.eye(len(model.inputs)) if model.score_coefficients is None else model.score_coefficients
    )
    difference = model.centres[best] - model.centres[runner_up]  # (n, d)
    contributions = z * (difference @ weights.T)  # (n, inputs)
    expected = pd.DataFrame(contributions, index=explained.index, columns=list(model.inputs))
    got = explanation_inputs[explanation_inputs["scheme"] == scheme].pivot(  # noqa: PD010
        index="customer_id", columns="input_name", values="margin_contribution"
    )
    got = got.loc[expected.index, expected.columns]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=0, atol=TOLERANCE)


def paths(explanation_inputs: pd.DataFrame, scheme: str, rule: str) -> pd.DataFrame:
    chosen = explanation_inputs[
        (explanation_inputs["scheme"] == scheme)
        & (explanation_inputs["placement_rule"] == rule)
        & explanation_inputs["target_value_for_next_segment"].notna()
    ]
    return chosen.reset_index(drop=True)


@pytest.mark.parametrize("scheme", ["A", "B"])
def test_the_path_to_the_next_group_crosses_its_boundary(
    scheme: str,
    parameters: pd.DataFrame,
    indicators: pd.DataFrame,
    explanation_inputs: pd.DataFrame,
) -> None:
    """Each K-means customer's input moved alone to just past its target value is scored in
    the next group up by the package; just short of it, not."""
    model = model_of(parameters, scheme)
    chosen = paths(explanation_inputs, scheme, "nearest_centre")
    assert len(chosen) > 100
    assert set(chosen["input_name"]) == set(model.inputs)
    base = indicators.loc[chosen["customer_id"]].reset_index()
    step = (STEP * chosen["change_to_next_segment"].abs()).clip(lower=1e-9)
    direction = np.sign(chosen["change_to_next_segment"]).replace(0, 1)
    for side, expect_next in ((1, True), (-1, False)):
        frame = base.copy()
        for name in model.inputs:
            frame[name] = frame[name].astype("float64")
        moved = chosen["target_value_for_next_segment"] + side * direction * step
        for name, rows in chosen.groupby("input_name").groups.items():
            frame.loc[rows, name] = moved.loc[rows]
        scored = model.score(frame)["segment_code"].to_numpy()
        reached = scored == chosen["next_segment_code"].to_numpy()
        assert reached.all() if expect_next else not reached.any(), (
            f"scheme {scheme}: {int((reached != expect_next).sum())} of {len(chosen)} paths "
            f"{'past' if side > 0 else 'short of'} the target"
        )


@pytest.mark.parametrize("scheme", ["A", "B"])
def test_a_new_customers_path_crosses_the_twin_functions_boundary(
    scheme: str, parameters: pd.DataFrame, explanation_inputs: pd.DataFrame
) -> None:
    """New customers placed by their twins: the z-score moved by the change just past and
    short of it, scored by the stored twin functions (Fisher's, as TwinPlacement.place)."""
    chosen = paths(explanation_inputs, scheme, "twin")
    assert not chosen.empty
    stored = parameters[
        (parameters["scheme"] == scheme) & (parameters["artifact"] == "twin_function")
    ]
    functions = stored.pivot(index="row_key", columns="column_key", values="value")  # noqa: PD010
    naming = parameters[
        (parameters["scheme"] == scheme)
        & (parameters["artifact"] == "segment_naming")
        & (parameters["column_key"] == "sort_order")
    ].set_index("row_key")["value"]
    functions = functions.loc[naming.sort_values().index]
    inputs = [column for column in functions.columns if column != "constant"]
    twin_rows = explanation_inputs[
        (explanation_inputs["scheme"] == scheme) & (explanation_inputs["placement_rule"] == "twin")
    ]
    z = twin_rows.pivot(index="customer_id", columns="input_name", values="z_score")  # noqa: PD010
    base = z.loc[chosen["customer_id"], inputs].fillna(0.0).to_numpy()
    column = np.array([inputs.index(name) for name in chosen["input_name"]])
    rows = np.arange(len(chosen))
    step = (STEP * chosen["z_change_to_next_segment"].abs()).clip(lower=1e-9).to_numpy()
    direction = np.sign(chosen["z_change_to_next_segment"]).replace(0, 1).to_numpy()
    for side, expect_next in ((1, True), (-1, False)):
        moved = base.copy()
        moved[rows, column] += (
            chosen["z_change_to_next_segment"].to_numpy() + side * direction * step
        )
        scores = discriminant.classification_scores(
            moved, functions[inputs].to_numpy(), functions["constant"].to_numpy()
        )
        placed = functions.index.to_numpy()[scores.argmax(axis=1)]
        reached = placed == chosen["next_segment_code"].to_numpy()
        assert reached.all() if expect_next else not reached.any()


def test_no_path_leaves_an_indicators_range(explanation_inputs: pd.DataFrame) -> None:
    """Targets respect the indicators' least values (no negative assets) and are finite."""
    from broker_segments.project import INDICATOR_REGISTRY

    minimums = {
        entry["name"]: entry["minimum"] for entry in INDICATOR_REGISTRY if "minimum" in entry
    }
    targets = explanation_inputs.dropna(subset=["target_value_for_next_segment"])
    assert np.isfinite(targets["target_value_for_next_segment"]).all()
    least = targets["input_name"].map(minimums)
    assert (targets["target_value_for_next_segment"][least.notna()] >= least.dropna()).all()
    held = explanation_inputs[explanation_inputs["is_held_at_mean"]]
    assert held["target_value_for_next_segment"].isna().all()


def test_the_readmes_advisor_list_runs(clean_build: Build, explanations: pd.DataFrame) -> None:
    """The README's call list (borderline potential customers with their cheapest path to
    VIP) runs as written and lists the customers the explanations say it should."""
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", readme, flags=re.DOTALL)
    query = next(block for block in blocks if "from customer_segment_explanations" in block)
    listed = clean_build.query(query.rstrip().rstrip(";"))
    expected = explanations[
        (explanations["scheme"] == "A")
        & (explanations["segment_code"] == "potential")
        & explanations["is_borderline"].fillna(False).astype(bool)
        & (explanations["next_segment_code"] == "vip")
        & explanations["cheapest_input"].notna()
    ]
    assert len(listed) == min(20, len(expected))
    assert set(listed["customer_id"]) <= set(expected["customer_id"])
