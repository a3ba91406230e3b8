"""New customers (a short history, placed by the classification functions) land where their
established peers of the same planted profile are: by default the functions trained on the
established customers' twins (docs/domain.md), else (var new_customer_placement
nearest_centre) the model's nearest-centre functions.

The data opens a share of every planted profile in the last 20..55 trading days
(``short_history_share``), so each profile has new customers. Agreement = the share of a
group of customers (new: assignment_method 'discriminant'; established: 'kmeans') in the
segment most established customers of their planted profile are in.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Build, assert_dbt_ok, run_dbt

from broker_segments.datagen import generate
from broker_segments.segmentation import discriminant
from broker_segments.segmentation.scoring import ScoringModel
from broker_segments.segmentation.transform import apply_transform

AGREEMENT = """
with planted as (
    select * from read_parquet('{raw}/_generator/planted_profiles.parquet')
),
segments as (
    select segments.scheme, segments.segment_code, segments.assignment_method,
        planted.planted_profile
    from customer_segments as segments
    inner join planted on segments.customer_id = planted.customer_id
    where segments.assignment_method in ('kmeans', 'discriminant')
),
peers as (
    select scheme, planted_profile, mode(segment_code) as peer_segment_code
    from segments where assignment_method = 'kmeans'
    group by scheme, planted_profile
)
select segments.scheme, segments.assignment_method, count(*) as customers,
    avg(cast(segments.segment_code = peers.peer_segment_code as double)) as agreement
from segments
inner join peers
    on segments.scheme = peers.scheme and segments.planted_profile = peers.planted_profile
group by segments.scheme, segments.assignment_method
"""

# What a new customer's unmeasured inputs (var new_customer_unmeasured_inputs) are scored at,
# beside a fitted customer's: the fitted mean (z = 0) for every new customer, as measured for
# the fitted ones.
UNMEASURED_Z = """
select
    inputs.is_new_customer,
    count(*) as customers,
    count(case when inputs.z_account_age_years = 0 then 1 end) as at_mean_tenure,
    count(case when inputs.z_net_fund_inflow = 0 then 1 end) as at_mean_inflow_a
from int_segment_inputs_standardised as inputs
inner join customer_segments as segments
    on inputs.customer_id = segments.customer_id and inputs.scheme = segments.scheme
where segments.assignment_method in ('kmeans', 'discriminant')
group by inputs.is_new_customer
order by inputs.is_new_customer
"""


def _build(tmp_root, raw_dir, dbt_vars=None) -> Build:
    duckdb_path = tmp_root / "warehouse.duckdb"
    # the placements are the subject: the models alone (the data tests run on the other builds),
    # the per-day models loaded a year a batch (a batch costs dbt's fixed work whatever its rows)
    dbt_vars = {"per_day_batch_size": "year", **(dbt_vars or {})}
    result = run_dbt(["build"], raw_dir, duckdb_path, tmp_root, dbt_vars, data_tests=False)
    assert_dbt_ok(result)
    return Build(raw_dir, duckdb_path, tmp_root, result)


@pytest.fixture(scope="module")
def agreement(tmp_path_factory) -> dict:
    raw_dir = tmp_path_factory.mktemp("new_customers_raw") / "raw"
    generate(raw_dir, customers=2000, seed=7, short_history_share=0.15)
    out = {}
    nearest_centre = {"new_customer_placement": "nearest_centre"}
    for label, dbt_vars in (
        (
            "raw_totals",
            {
                **nearest_centre,
                "new_customer_annualise": False,
                "new_customer_unmeasured_inputs": [],
            },
        ),
        ("comparable_nearest_centre", nearest_centre),
        ("comparable", None),  # the defaults: comparable inputs, placed by the twin functions
    ):
        built = _build(tmp_path_factory.mktemp(f"new_customers_{label}"), raw_dir, dbt_vars)
        frame = built.query(AGREEMENT.format(raw=raw_dir))
        out[label] = frame.set_index(["scheme", "assignment_method"])["agreement"].to_dict()
        assert (frame["customers"] >= 30).all(), frame
        out[f"{label}_z"] = built.query(UNMEASURED_Z)
        out[f"{label}_build"] = built
    return out


def test_unmeasured_inputs_of_new_customers_are_scored_at_the_fitted_mean(agreement):
    z = agreement["comparable_z"].set_index("is_new_customer")
    new, fitted = z.loc[True], z.loc[False]
    # tenure is an input of both schemes; net_fund_inflow of scheme A only (null in B)
    assert new["at_mean_tenure"] == new["customers"], z
    assert new["at_mean_inflow_a"] == new["customers"] / 2, z
    assert fitted["at_mean_tenure"] < fitted["customers"] / 100, z
    raw = agreement["raw_totals_z"].set_index("is_new_customer")
    assert raw.loc[True, "at_mean_tenure"] < raw.loc[True, "customers"] / 100, raw


@pytest.mark.parametrize("scheme", ["A", "B"])
def test_comparable_inputs_place_new_customers_closer_to_their_peers(agreement, scheme):
    # placed by the nearest-centre functions (var new_customer_placement nearest_centre)
    before = agreement["raw_totals"][(scheme, "discriminant")]
    after = agreement["comparable_nearest_centre"][(scheme, "discriminant")]
    assert after > before, agreement
    # the fitted customers do not move
    assert (
        agreement["comparable_nearest_centre"][(scheme, "kmeans")]
        == agreement["raw_totals"][(scheme, "kmeans")]
    )


@pytest.mark.parametrize("scheme", ["A", "B"])
def test_twin_functions_place_new_customers_closer_than_the_nearest_centre(agreement, scheme):
    before = agreement["comparable_nearest_centre"][(scheme, "discriminant")]
    after = agreement["comparable"][(scheme, "discriminant")]
    assert after > before, agreement
    # the twins change where new customers go, not the model: the fitted customers stay
    assert (
        agreement["comparable"][(scheme, "kmeans")]
        == agreement["comparable_nearest_centre"][(scheme, "kmeans")]
    )


@pytest.mark.parametrize("scheme", ["A", "B"])
def test_new_customers_placed_as_their_established_peers_within_5_points(agreement, scheme):
    new = agreement["comparable"][(scheme, "discriminant")]
    established = agreement["comparable"][(scheme, "kmeans")]
    assert new >= established - 0.05, agreement


# The window totals a new customer's comparable inputs scale by the annualisation factor.
SCALED_TOTALS = [
    "annual_commission",
    "annual_trade_volume",
    "trade_count",
    "active_trading_days",
    "annual_turnover",
]


@pytest.mark.parametrize("scheme", ["A", "B"])
def test_a_new_customers_path_crosses_the_classification_functions_boundary(agreement, scheme):
    """New customers placed by the model's nearest-centre functions (customer_segment_
    explanation_inputs, placement_rule classification): each z-score moved by its change,
    just past and just short, placed by the package's functions in the next group up or
    not; the target value, scaled as the customer's totals are scored, standardises to that
    z-score (the annualisation undone exactly); an input held at the mean has no path."""
    built = agreement["comparable_nearest_centre_build"]
    parameters = built.query(
        f"select * from int_segment_current_parameters where scheme = '{scheme}'"
    )
    model = ScoringModel.from_artifacts(parameters)
    rows = built.query(
        f"""select inputs.*, standardised.annualisation_factor
        from customer_segment_explanation_inputs as inputs
        inner join int_segment_inputs_standardised as standardised
            using (customer_id, scheme)
        where inputs.scheme = '{scheme}' and inputs.placement_rule = 'classification'"""
    )
    assert rows["customer_id"].nunique() >= 30
    assert rows.loc[rows["is_held_at_mean"], "target_value_for_next_segment"].isna().all()
    z = rows.pivot(index="customer_id", columns="input_name", values="z_score")  # noqa: PD010
    z = z[list(model.inputs)]
    paths = rows.dropna(subset=["z_change_to_next_segment"]).reset_index(drop=True)
    assert len(paths) >= 30
    change = paths["z_change_to_next_segment"].to_numpy()
    column = np.array([model.inputs.index(name) for name in paths["input_name"]])
    step = np.maximum(1e-6 * np.abs(change), 1e-9) * np.where(change < 0, -1, 1)
    codes = np.asarray(model.segment_codes, dtype=object)
    for side, expect_next in ((1, True), (-1, False)):
        moved = z.loc[paths["customer_id"]].to_numpy().copy()
        moved[np.arange(len(paths)), column] += change + side * step
        group, _, _ = discriminant.classify(
            model.model_space(moved), model.assignment_coefficients, model.assignment_constants
        )
        reached = codes[group] == paths["next_segment_code"].to_numpy()
        assert reached.all() if expect_next else not reached.any()

    totals = paths[paths["input_name"].isin(SCALED_TOTALS)]
    assert (totals["annualisation_factor"] > 1).any()
    for name, part in totals.groupby("input_name"):
        i = model.inputs.index(name)
        scaled = part["target_value_for_next_segment"] * part["annualisation_factor"]
        transformed = apply_transform(scaled.to_numpy(), model.transforms[name], name)
        np.testing.assert_allclose(
            (transformed - model.mean[i]) / model.std[i],
            part["z_score"] + part["z_change_to_next_segment"],
            rtol=1e-9,
            atol=1e-9,
        )
