"""New customers (a short history, placed by the classification functions) land where their
established peers of the same planted profile are.

The data opens a share of every planted profile in the last 20..55 trading days
(``short_history_share``), so each profile has new customers. Agreement = the share of a
group of customers (new: assignment_method 'discriminant'; established: 'kmeans') in the
segment most established customers of their planted profile are in.
"""

from __future__ import annotations

import pytest
from conftest import Build, assert_dbt_ok, run_dbt

from broker_segments.datagen import generate

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


def _build(tmp_root, raw_dir, dbt_vars=None) -> Build:
    duckdb_path = tmp_root / "warehouse.duckdb"
    result = run_dbt(["build"], raw_dir, duckdb_path, tmp_root, dbt_vars)
    assert_dbt_ok(result)
    return Build(raw_dir, duckdb_path, tmp_root, result)


@pytest.fixture(scope="module")
def agreement(tmp_path_factory) -> dict:
    raw_dir = tmp_path_factory.mktemp("new_customers_raw") / "raw"
    generate(raw_dir, customers=2000, seed=7, short_history_share=0.15)
    out = {}
    for label, dbt_vars in (
        ("raw_totals", {"new_customer_annualise": False}),
        ("comparable", None),
    ):
        built = _build(tmp_path_factory.mktemp(f"new_customers_{label}"), raw_dir, dbt_vars)
        frame = built.query(AGREEMENT.format(raw=raw_dir))
        out[label] = frame.set_index(["scheme", "assignment_method"])["agreement"].to_dict()
        assert (frame["customers"] >= 30).all(), frame
    return out


@pytest.mark.parametrize("scheme", ["A", "B"])
def test_comparable_inputs_place_new_customers_closer_to_their_peers(agreement, scheme):
    before = agreement["raw_totals"][(scheme, "discriminant")]
    after = agreement["comparable"][(scheme, "discriminant")]
    assert after > before, agreement
    # the fitted customers do not move
    assert (
        agreement["comparable"][(scheme, "kmeans")] == agreement["raw_totals"][(scheme, "kmeans")]
    )


@pytest.mark.xfail(
    reason=(
        "a genuinely new account also has near-zero tenure and recency and an opening deposit "
        "as its net inflow; those inputs (not window totals) still set it apart from "
        "established peers"
    ),
    strict=True,  # when the target is met this fails: remove the marker
)
@pytest.mark.parametrize("scheme", ["A", "B"])
def test_new_customers_placed_as_their_established_peers_within_5_points(agreement, scheme):
    new = agreement["comparable"][(scheme, "discriminant")]
    established = agreement["comparable"][(scheme, "kmeans")]
    assert new >= established - 0.05, agreement
