"""Fit scheme B (the paper: contribution, turnover and tenure, K-means into four groups).

Thin by design: the logic is broker_segments.segmentation (tested by pytest). Returns every
fitted parameter and diagnostic of one model as one long table.
"""

from broker_segments.segmentation.warehouse import fit_model


def model(dbt, session):
    dbt.config(materialized="table")
    indicators = dbt.ref("customer_indicators")
    return fit_model(indicators, scheme="B", settings=dbt.config.get("segmentation"))
