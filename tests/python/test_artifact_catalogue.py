"""The artifact catalogue crosses languages: the SQL side's (macro artifact_catalogue, which
the diagnostic models are rendered from; generated from the registry
src/broker_segments/segmentation/artifacts.yml) against what the Python fit writes.

The catalogue is a Jinja literal: it is read with plain Jinja (dbt's `return` raises, as in
dbt), no dbt run needed. The fits are small (tools.synthetic), one per scheme and a refit
with a previous model (the only fit that writes previous_model_match)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import pytest

from broker_segments.segmentation import (
    ARTIFACTS,
    SCHEME_A,
    SCHEME_B,
    fit_scheme,
    result_to_artifacts,
)
from broker_segments.segmentation.twins import DEFAULT_TWIN_INPUTS
from tools.synthetic import make_customers

pytestmark = pytest.mark.fast

PROJECT_DIR = Path(__file__).resolve().parents[2]
CATALOGUE_MACRO = PROJECT_DIR / "macros" / "segmentation" / "artifact_catalogue.sql"
DIAGNOSTICS_DIR = PROJECT_DIR / "models" / "segmentation" / "diagnostics"
FAST = {"k_range": (2, 4), "silhouette_sample_size": 300}
SQL_TYPES = {"double", "varchar", "integer", "bigint"}
# Artifacts no diagnostic model reads: the scored customers (fitted_assignment, read by the
# scoring models) and the inputs dropped as constant (dropped_input, only for degenerate data).
NOT_DIAGNOSTICS = {"fitted_assignment", "dropped_input"}


class MacroReturn(Exception):  # noqa: N818 - dbt's name for the same device
    def __init__(self, value):
        self.value = value


def dbt_return(value):
    raise MacroReturn(value)


def read_catalogue() -> dict:
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    environment.globals["return"] = dbt_return
    module = environment.from_string(CATALOGUE_MACRO.read_text()).module
    with pytest.raises(MacroReturn) as returned:
        module.artifact_catalogue()
    return returned.value.value


@pytest.fixture(scope="module")
def catalogue() -> dict:
    return read_catalogue()


@pytest.fixture(scope="module")
def fits() -> dict[str, pd.DataFrame]:
    """The artifact frames of a scheme-A fit, a scheme-B fit and a refit of B with B as the
    previous model, as the warehouse runs them (run_metadata with as_of_date and vars; the
    A and B fits with twins, as int_segment_twin_inputs gives them, the refit without)."""
    customers = make_customers(1500, seed=7, noise=0.2)
    metadata = {"as_of_date": "2024-06-28", "vars": {"lookback_days": 365}}
    rng = np.random.default_rng(0)
    twins = customers[["customer_id", *DEFAULT_TWIN_INPUTS]].copy()
    for column in DEFAULT_TWIN_INPUTS:  # a short history's noisier look of each customer
        twins[column] = twins[column] * np.exp(rng.normal(0.0, 0.5, len(twins)))
    frames = {}
    for scheme, base in (("A", SCHEME_A), ("B", SCHEME_B)):
        config = dataclasses.replace(base, **FAST)
        fitted = fit_scheme(customers, config, f"model_{scheme}", metadata, twins=twins)
        frames[scheme] = result_to_artifacts(fitted)
    previous = frames["B"].copy()
    previous.insert(2, "as_of_date", pd.Timestamp("2024-05-31").date())
    refit = fit_scheme(
        make_customers(1500, seed=8, noise=0.2),
        dataclasses.replace(SCHEME_B, **FAST),
        "model_B_refit",
        metadata,
        previous=previous,
    )
    frames["B refit"] = result_to_artifacts(refit)
    return frames


def tables(catalogue: dict) -> dict:
    return {name: entry for name, entry in catalogue.items() if "columns" in entry}


def matrices(catalogue: dict) -> dict:
    return {name: entry for name, entry in catalogue.items() if "columns" not in entry}


def artifacts_read_by_diagnostics() -> dict[str, set[str]]:
    """Per diagnostic model, the artifacts it names: artifact_table's arguments and any
    `artifact = '...'` / `artifact in (...)` filter of its own."""
    read = {}
    for path in sorted(DIAGNOSTICS_DIR.glob("*.sql")):
        sql = path.read_text()
        calls = re.findall(r"artifact_table\((.*?)\)", sql, re.S)
        filters = re.findall(r"artifact\s*(?:=|in)\s*\(?([^)\n]*)", sql)
        read[path.stem] = {
            name for text in calls + filters for name in re.findall(r"'(\w+)'", text)
        }
    return read


def test_the_catalogue_is_well_formed(catalogue):
    assert catalogue, "artifact_catalogue() returned nothing"
    for name, entry in catalogue.items():
        keys = set(entry)
        assert keys <= {"row_key", "columns", "optional", "not_shown", "column_key", "value"}, name
        assert "row_key" in entry, name
        if "columns" in entry:
            assert not keys & {"column_key", "value"}, f"{name}: a table and a matrix"
            names = [column for column, _ in entry["columns"]]
            assert len(names) == len(set(names)), f"{name}: a column twice"
            assert set(entry.get("optional", [])) <= set(names), name
            assert not set(entry.get("not_shown", [])) & set(names), name
            # the pivot's own columns cannot be column_keys
            assert not {"model_id", "scheme", "as_of_date", entry["row_key"][0]} & set(names)
            typed = [entry["row_key"], *entry["columns"]]
        else:
            assert {"column_key", "value"} <= keys, f"{name}: a matrix needs column_key, value"
            typed = [entry["row_key"], entry["column_key"], entry["value"]]
        for column, sql_type in typed:
            assert re.fullmatch(r"[a-z_][a-z0-9_]*", column), (name, column)
            assert sql_type in SQL_TYPES, (name, column, sql_type)


def test_every_catalogued_artifact_is_one_the_fit_writes(catalogue):
    assert set(catalogue) <= set(ARTIFACTS), set(catalogue) - set(ARTIFACTS)


def test_every_artifact_a_diagnostic_model_reads_is_catalogued(catalogue):
    read = artifacts_read_by_diagnostics()
    assert all(read.values()), [model for model, names in read.items() if not names]
    missing = {model: names - set(catalogue) for model, names in read.items()}
    assert not any(missing.values()), {model: names for model, names in missing.items() if names}
    everything = set().union(*read.values())
    assert everything <= set(ARTIFACTS), everything - set(ARTIFACTS)
    # and every catalogued artifact is shown, the diagnostics read every artifact but two
    assert set(catalogue) <= everything, set(catalogue) - everything
    assert set(ARTIFACTS) - everything == NOT_DIAGNOSTICS


def test_every_catalogued_artifact_is_written_by_a_fit(catalogue, fits):
    written = set().union(*(set(frame["artifact"]) for frame in fits.values()))
    assert set(catalogue) <= written, set(catalogue) - written


def test_a_table_has_exactly_the_column_keys_of_the_catalogue(catalogue, fits):
    wrong = {}
    for fit, frame in fits.items():
        for name, entry in tables(catalogue).items():
            part = frame[frame["artifact"] == name]
            if part.empty:
                continue
            present = set(part["column_key"])
            columns = {column for column, _ in entry["columns"]}
            required = columns - set(entry.get("optional", []))
            allowed = columns | set(entry.get("not_shown", []))
            if not required <= present <= allowed:
                wrong[(fit, name)] = {
                    "missing": sorted(required - present),
                    "not catalogued": sorted(present - allowed),
                }
    assert not wrong, wrong


def test_text_and_number_columns_are_where_the_catalogue_reads_them(catalogue, fits):
    """A `varchar` column is read from text_value, the others from value: a cell on the
    other side would be a null column in SQL."""
    wrong = set()
    for frame in fits.values():
        for name, entry in tables(catalogue).items():
            part = frame[frame["artifact"] == name]
            for column, sql_type in entry["columns"]:
                cells = part[part["column_key"] == column]
                other = cells["value"] if sql_type == "varchar" else cells["text_value"]
                if other.notna().any():
                    wrong.add((name, column))
    assert not wrong, wrong


def test_integer_keys_and_columns_cast(catalogue, fits):
    """What the catalogue casts to integer or bigint is whole in every fit."""
    wrong = set()
    for frame in fits.values():
        for name, entry in catalogue.items():
            part = frame[frame["artifact"] == name]
            typed = {"row_key": entry["row_key"]}
            if "column_key" in entry:
                typed["column_key"] = entry["column_key"]
            for field, (column, sql_type) in typed.items():
                whole = part[field].str.fullmatch(r"-?\d+").all()
                if sql_type in ("integer", "bigint") and not whole:
                    wrong.add((name, column))
            cells = []
            if "columns" in entry:
                cells = [
                    (column, part.loc[part["column_key"] == column, "value"])
                    for column, sql_type in entry["columns"]
                    if sql_type in ("integer", "bigint")
                ]
            elif entry["value"][1] in ("integer", "bigint"):
                cells = [(entry["value"][0], part["value"])]
            for column, values in cells:
                values = values.dropna()
                if not (values == values.round()).all():
                    wrong.add((name, column))
    assert not wrong, wrong
