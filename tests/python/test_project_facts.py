"""Facts that cross between Python and the dbt project agree with their one home,
``broker_segments.project`` (see its docstring for which copy is which)."""

from __future__ import annotations

import ast
import re

import pytest
import yaml
from conftest import PROJECT_DIR, run_dbt

from broker_segments import project
from tools import generate

pytestmark = pytest.mark.fast


def _env_defaults(text: str, variable: str) -> set[str]:
    return set(re.findall(rf"env_var\('{variable}', '([^']*)'\)", text))


def test_the_default_warehouse_is_the_default_targets():
    profiles = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["broker_segments"]
    path = profiles["outputs"][profiles["target"]]["path"]
    assert _env_defaults(path, "BROKER_DUCKDB_PATH") == {project.DEFAULT_DUCKDB_PATH}


def test_the_default_spark_warehouse_is_the_spark_targets():
    spark = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["broker_segments"]
    parameters = spark["outputs"]["spark"]["server_side_parameters"]
    found = set().union(
        *(_env_defaults(str(value), "BROKER_SPARK_WAREHOUSE") for value in parameters.values())
    )
    assert found == {project.DEFAULT_SPARK_WAREHOUSE}
    assert spark["outputs"]["spark"]["schema"] == project.SPARK_SCHEMA


def test_the_default_raw_folder_is_the_sources_and_the_demo_datas():
    sources = (PROJECT_DIR / "models" / "raw" / "staging" / "_broker__sources.yml").read_text()
    assert _env_defaults(sources, "BROKER_RAW_DIR") == {project.DEFAULT_RAW_DIR}
    makefile = (PROJECT_DIR / "Makefile").read_text()
    assert re.search(r"^DEMO_RAW_DIR := (\S+)$", makefile, re.M).group(1) == project.DEFAULT_RAW_DIR


def test_the_files_generated_from_the_registries_are_current():
    """make generate writes them (the indicator macros, docs/domain.md's indicator table);
    make lint runs the same check."""
    stale = [
        str(path.relative_to(PROJECT_DIR))
        for path, text in generate.generated().items()
        if path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"run make generate: {stale}"


def test_the_generated_indicator_table_and_macro_follow_the_registry(tmp_path, monkeypatch):
    """A registry change reaches the macro and the docs table (here a renamed indicator)."""
    renamed = [dict(entry) for entry in project.INDICATOR_REGISTRY]
    renamed[0]["name"] = "open_days_renamed"
    monkeypatch.setattr(generate, "INDICATOR_REGISTRY", tuple(renamed))
    files = generate.generated()
    assert "'open_days_renamed', 'avg_daily_cash'" in files[generate.MACRO_FILE]
    assert "| `open_days_renamed` | 窗口内开户交易日 |" in files[generate.DOMAIN_FILE]
    with pytest.raises(SystemExit, match="markers"):
        generate.domain_table("no markers here")


def test_the_raw_contract_macro_has_the_sources_columns_in_order():
    macro = (PROJECT_DIR / "macros" / "raw_data" / "raw_contract_columns.sql").read_text()
    contract = ast.literal_eval(re.search(r"set contract = (\{.*?\}) %\}", macro, re.S).group(1))
    sources = yaml.safe_load(
        (PROJECT_DIR / "models" / "raw" / "staging" / "_broker__sources.yml").read_text()
    )
    declared = {
        table["name"]: [column["name"] for column in table["columns"]]
        for table in sources["sources"][0]["tables"]
    }
    assert {name: part["key"] + part["values"] for name, part in contract.items()} == declared


def test_the_packages_scheme_defaults_are_the_project_vars():
    """Outside dbt the package fits with SchemeConfig's defaults; in the project the vars
    set them: they agree, so a fit in a notebook gives the warehouse's model. The one
    exception is fit_sample_size: the package fits every row it is given."""
    from broker_segments.segmentation.config import SCHEME_A, SCHEME_B

    values = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    low, high = (int(end) for end in values["segmentation_k_range"].split(".."))
    assert (SCHEME_A.n_factors, SCHEME_A.k, SCHEME_B.k) == (
        values["scheme_a_n_factors"],
        values["scheme_a_k"],
        values["scheme_b_k"],
    )
    for scheme in (SCHEME_A, SCHEME_B):
        assert (
            scheme.n_init,
            scheme.random_seed,
            scheme.k_range,
            scheme.stability_resamples,
            scheme.priors,
            scheme.min_cluster_share,
        ) == (
            values["segmentation_n_init"],
            values["segmentation_seed"],
            tuple(range(low, high + 1)),
            values["segmentation_stability_resamples"],
            values["segmentation_priors"],
            values["segmentation_min_cluster_share"],
        )


def test_the_pre_commit_hooks_run_the_lint_steps():
    """.pre-commit-config.yaml parses, and each hook runs a tool of `make lint`."""
    config = yaml.safe_load((PROJECT_DIR / ".pre-commit-config.yaml").read_text())
    hooks = config["repos"][0]["hooks"]
    makefile = (PROJECT_DIR / "Makefile").read_text()
    lint = makefile[makefile.index("\nlint:") : makefile.index("\n\n", makefile.index("\nlint:"))]
    for hook in hooks:
        program = next(
            word.split("/")[-1] for word in hook["entry"].split() if word.startswith(".venv/bin/")
        )
        assert f"$(BIN)/{program}" in lint, (hook["id"], program)
    assert {"ruff-check", "sqlfluff-lint", "mypy", "generated"} <= {hook["id"] for hook in hooks}


def test_a_test_marked_fast_cannot_run_dbt(tmp_path):
    """make test-fast runs the tests marked fast alone: one that ran dbt would make it slow."""
    with pytest.raises(RuntimeError, match="marked fast runs dbt"):
        run_dbt(["parse"], tmp_path / "raw", tmp_path / "warehouse.duckdb", tmp_path)
