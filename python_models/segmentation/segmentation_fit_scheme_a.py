"""Fit scheme A (the thesis: 13 indicators, factor analysis, K-means into six groups).

Thin by design: the logic is broker_segments.segmentation (tested by pytest). Returns every
fitted parameter and diagnostic of one model as one long table.
"""

from broker_segments.segmentation.warehouse import fit_model


def model(dbt, session):
    dbt.config(materialized="table")
    indicators = dbt.ref("customer_indicators")
    return fit_model(indicators, scheme="A", settings=dbt.config.get("segmentation"))
