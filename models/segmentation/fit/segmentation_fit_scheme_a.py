"""Fit scheme A (the thesis: 13 indicators, factor analysis, K-means into six groups).

Thin by design: the logic is broker_segments.segmentation (tested by pytest). Appends every
fitted parameter and diagnostic of a new model as one long table, when the var
segmentation_refit says to fit (auto: only when the scheme has no model yet).
"""

from broker_segments.segmentation.warehouse import FitFrames, fit_from_settings


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append")
    frames = FitFrames(
        indicators=dbt.ref("customer_indicators"),
        existing=session.sql(f"select * from {dbt.this}") if dbt.is_incremental else None,
        invocation=dbt.ref("int_dbt_invocation"),
        catalogue=dbt.ref("segment_catalogue"),
        twins=dbt.ref("int_segment_twin_inputs"),
    )
    return fit_from_settings(frames, "A", dbt.config.get("segmentation"))
