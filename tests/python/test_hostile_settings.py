"""Hostile settings and inputs: a bad var, a degenerate export or a failed quality gate stops
the build before anything is published, with one message naming the var or file, and never
leaves the model store or the published marts in a state a later build cannot recover from."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from conftest import PROJECT_DIR, Build, assert_dbt_ok, build, run_dbt, worker_export_dir

from broker_segments.segmentation.errors import SegmentationConfigError
from broker_segments.segmentation.warehouse import FitFrames, fit_from_settings, sample_shortfall

CUSTOMERS = 300
CATALOGUE = pd.read_csv(PROJECT_DIR / "seeds" / "segment_catalogue.csv")


@pytest.fixture(scope="module")
def small_build(tmp_path_factory) -> Build:
    """The models alone: the tests below break or rebuild copies of it, and the one that
    rebuilds it whole (test_a_k_...) runs every data test on that build."""
    built = build(tmp_path_factory.mktemp("hostile"), customers=CUSTOMERS, seed=1, data_tests=False)
    assert_dbt_ok(built.result)
    return built


@pytest.fixture()
def small_copy(small_build, tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(small_build.duckdb_path, path)
    return path


def query(path: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).df()


def current_model(path: Path, scheme: str) -> str:
    """The model the scorer picks: latest as_of_date, then latest fit time."""
    table = f"segmentation_fit_scheme_{scheme.lower()}"
    return query(
        path,
        f"select model_id from {table} where artifact = 'model_run' "
        "and column_key = 'fitted_at_utc' order by as_of_date desc, text_value desc, "
        "model_id desc limit 1",
    )["model_id"][0]


def empty_table(raw: Path, table: str) -> None:
    """Rewrite every file of a raw table with its columns and no row."""
    for file in (raw / table).glob("*.parquet"):
        tmp = file.with_suffix(".tmp")
        with duckdb.connect() as con:
            con.sql(f"copy (from read_parquet('{file}') limit 0) to '{tmp}' (format parquet)")
        tmp.replace(file)


def output(result) -> str:
    return result.stdout + result.stderr


# ---------------------------------------------------------------- the model store


def test_a_k_the_catalogue_cannot_name_is_not_stored_and_a_refit_supersedes(
    small_build, small_copy, tmp_path
):
    raw = small_build.raw_dir
    stored = set(
        query(small_copy, "select distinct model_id from segmentation_fit_scheme_a")["model_id"]
    )
    fit_a = ["run", "--select", "segmentation_fit_scheme_a"]
    bad = run_dbt(fit_a, raw, small_copy, tmp_path, {"scheme_a_k": 7, "segmentation_refit": True})
    assert bad.returncode != 0
    assert "var scheme_a_k is 7" in bad.stdout and "seeds/segment_catalogue.csv" in bad.stdout
    after = set(
        query(small_copy, "select distinct model_id from segmentation_fit_scheme_a")["model_id"]
    )
    assert after == stored

    # A refit with other settings, then the documented refit back to the defaults: the
    # defaults' model is already stored but no longer current, so it is stored again as current.
    first = current_model(small_copy, "B")
    fit_b = ["run", "--select", "segmentation_fit_scheme_b"]
    other = run_dbt(
        fit_b, raw, small_copy, tmp_path, {"segmentation_refit": True, "segmentation_seed": 5}
    )
    assert_dbt_ok(other)
    assert current_model(small_copy, "B") != first
    back = run_dbt(fit_b, raw, small_copy, tmp_path, {"segmentation_refit": True})
    assert_dbt_ok(back)
    assert current_model(small_copy, "B") == f"{first}-1"

    # A changed fit setting without a refit warns that it is ignored.
    ignored = run_dbt(fit_a, raw, small_copy, tmp_path, {"scheme_a_k": 5})
    assert_dbt_ok(ignored)
    assert "WARNING: scheme A: var scheme_a_k (6 -> 5) changed" in output(ignored)

    # Every later build recovers, and leaves no __dbt_tmp table behind.
    again = run_dbt(["build"], raw, small_copy, tmp_path)
    assert_dbt_ok(again)
    assert (
        query(small_copy, "select count(*) as n from customer_segments where segment_code is null")[
            "n"
        ][0]
        == 0
    )
    leftovers = query(
        small_copy,
        "select table_name from information_schema.tables where table_name like '%dbt_tmp%'",
    )
    assert leftovers.empty, list(leftovers["table_name"])


def test_fit_model_checks_k_against_the_catalogue(small_build):
    indicators = small_build.query("select * from customer_indicators")
    frames = FitFrames(indicators, catalogue=CATALOGUE)
    with pytest.raises(SegmentationConfigError, match=r"var scheme_b_k is 5.*segment_catalogue"):
        fit_from_settings(frames, "B", {"k": 5, "refit": "true"})
    fitted = fit_from_settings(frames, "B", {"k": 3, "refit": "true"})
    assert set(fitted["scheme"]) == {"B"}


def test_model_ids_differ_for_different_settings_and_agree_for_equal_ones(small_build):
    indicators = small_build.query("select * from customer_indicators")
    frames = FitFrames(indicators)
    ids = {
        str(fit_from_settings(frames, "B", {"k": k, "refit": "true"})["model_id"].iloc[0])
        for k in ("3", 3, "4", 4)
    }
    assert len(ids) == 2


# ---------------------------------------------------------------- meaningless segments


def test_an_export_without_trades_stops_scheme_b_with_the_reason(tmp_path_factory, tmp_path):
    from broker_segments.datagen import generate

    raw = worker_export_dir(tmp_path_factory)
    generate(raw, customers=CUSTOMERS, seed=1)
    empty_table(raw, "trades")
    result = run_dbt(["build"], raw, tmp_path / "warehouse.duckdb", tmp_path)
    assert result.returncode != 0
    assert (
        "scheme B: input(s) annual_turnover (every customer 0) have no variation" in result.stdout
    )
    # scheme A's placement of new customers points at the export, not at a var, first
    assert "twin placement: input(s) annual_commission (every twin 0)" in result.stdout
    assert "Check the raw export first (a table empty or cut short" in result.stdout
    tables = query(
        tmp_path / "warehouse.duckdb", "select table_name from information_schema.tables"
    )
    assert "customer_segments" not in set(tables["table_name"])


def test_a_short_fitting_sample_says_why():
    frame = pd.DataFrame(
        {"is_closed": [True] * 3, "has_short_history": [False] * 3, "is_outlier": [False] * 3}
    )
    message = sample_shortfall(frame, frame)
    assert "closed" in message and "would not help" in message
    frame["is_closed"] = False
    frame["has_short_history"] = True
    assert "min_open_trading_days" in sample_shortfall(frame, frame)


# ---------------------------------------------------------------- the quality gate


def test_a_failed_quality_gate_leaves_the_published_marts(
    small_build, small_copy, tmp_path_factory, tmp_path
):
    raw = worker_export_dir(tmp_path_factory)
    shutil.copytree(small_build.raw_dir, raw)
    published = ["customer_segments", "customer_points", "segment_service_plan"]
    before = {name: query(small_copy, f"select * from {name} order by all") for name in published}
    # A third export file whose trades belong to no known customer: far above 1% quarantined.
    trades = next((raw / "trades").glob("*.parquet"))
    with duckdb.connect() as con:
        con.sql(
            f"copy (select * replace ('nobody_' || customer_id as customer_id, "
            f"'x' || trade_id as trade_id) from read_parquet('{trades}')) "
            f"to '{raw / 'trades' / 'zz_unknown.parquet'}' (format parquet)"
        )
    result = run_dbt(["build"], raw, small_copy, tmp_path)
    assert result.returncode != 0
    assert "raw_rows_quarantined_within_limit" in result.stdout
    for name in published:
        after = query(small_copy, f"select * from {name} order by all")
        pd.testing.assert_frame_equal(before[name], after)


# ---------------------------------------------------------------- messages


# Every kind of bad var, one per var: check_vars names them all in one run.
BAD_VARS = [
    ({"lookback_days": "abc"}, 'var lookback_days is "abc": must be an integer >= 1'),
    ({"interest_margin_rate": "abc"}, 'var interest_margin_rate is "abc": must be a number'),
    ({"points_scheme": "C"}, 'var points_scheme is "C": must be one of A, B'),
    ({"as_of_date": "2025-02-30"}, 'var as_of_date is "2025-02-30": must be a date'),
    ({"scheme_a_k": 1}, "var scheme_a_k is 1: must be an integer >= 2"),
    (
        {"new_customer_unmeasured_inputs": ["tenure"]},
        "var new_customer_unmeasured_inputs is ['tenure']: must be a list of indicators",
    ),
    (
        {"new_customer_placement": "fisher"},
        'var new_customer_placement is "fisher": must be one of twins, nearest_centre',
    ),
    (
        {"new_customer_twin_inputs": ["account_age_years"]},
        "var new_customer_twin_inputs is ['account_age_years']: must be a non-empty list",
    ),
    (
        {"new_customer_twin_priors": "uniform"},
        'var new_customer_twin_priors is "uniform": must be one of equal, size',
    ),
    (
        {"drift_psi_warn": 0.3},
        "var drift_psi_warn is 0.3: must be above 0 and below drift_psi_refit (0.25)",
    ),
    ({"drift_psi_min_share": 0}, "var drift_psi_min_share is 0: must be a number above 0"),
    (
        {"segmentation_min_cluster_share": 0.5},
        "var segmentation_min_cluster_share is 0.5: must be a number >= 0 and below 0.5",
    ),
    (
        {"segmentation_k_range": "10..2"},
        'var segmentation_k_range is "10..2": must run from low to high',
    ),
    (
        {"migration_from_date": "2025-06-30", "migration_to_date": "2025-01-31"},
        'var migration_from_date is "2025-06-30": must be before migration_to_date (2025-01-31)',
    ),
]


def test_bad_vars_stop_the_run_at_the_start_naming_every_one(small_build, tmp_path):
    dbt_vars = {name: value for given, _ in BAD_VARS for name, value in given.items()}
    assert len(dbt_vars) == sum(len(given) for given, _ in BAD_VARS), "each var once"
    result = run_dbt(
        ["build"], small_build.raw_dir, tmp_path / "warehouse.duckdb", tmp_path, dbt_vars
    )
    assert result.returncode != 0
    assert f"{len(BAD_VARS)} bad vars:" in result.stdout
    for _, message in BAD_VARS:
        assert message in result.stdout
    assert "on-run-start" in result.stdout
    assert (
        not (tmp_path / "warehouse.duckdb").exists()
        or query(
            tmp_path / "warehouse.duckdb", "select table_name from information_schema.tables"
        ).empty
    )


def test_an_unknown_var_warns(small_build, tmp_path):
    result = run_dbt(
        ["run-operation", "check_vars"],
        small_build.raw_dir,
        tmp_path / "w.duckdb",
        tmp_path,
        {"k": 1},
    )
    assert_dbt_ok(result)
    assert "--vars k: not a var of this project, ignored" in result.stdout


def test_the_checked_vars_are_the_project_vars():
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    macro = (PROJECT_DIR / "macros" / "hooks" / "check_vars.sql").read_text()
    listed = macro[macro.index("macro project_vars") : macro.index("endmacro")]
    assert set(re.findall(r"'(\w+)'", listed)) == set(project["vars"])


def test_an_export_without_customers_says_so(tmp_path_factory, tmp_path):
    from broker_segments.datagen import generate

    raw = worker_export_dir(tmp_path_factory)
    generate(raw, customers=CUSTOMERS, seed=1)
    empty_table(raw, "customers")
    result = run_dbt(["build"], raw, tmp_path / "warehouse.duckdb", tmp_path)
    assert result.returncode != 0
    assert "Raw table 'customers': the files in" in result.stdout and "hold no row" in result.stdout
