"""The documentation dbt docs shows: every macro of the project is described in YAML with the
arguments of its signature, and the landing page (__overview__) links to documents that exist.

One `dbt parse` (no warehouse is built), read through its manifest.json."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import PROJECT_DIR
from dbt.parser.schemas import is_valid_type

PACKAGE = "broker_segments"

# The opening tag of a macro's block: `{% macro name(a, b=...) %}`, `{% test name(model, ...) %}`
# or `{% materialization name, adapter %}`.
OPENING_TAG = re.compile(r"\{%-?\s*(macro|test|materialization)\s+(.*?)\s*-?%\}", re.S)
CALL = re.compile(r"(\w+)\s*\((.*)\)", re.S)


@pytest.fixture(scope="module")
def manifest(project_manifest) -> dict:
    return project_manifest


@pytest.fixture(scope="module")
def macros(manifest) -> list[dict]:
    found = [node for node in manifest["macros"].values() if node["package_name"] == PACKAGE]
    assert found, "the manifest holds no macro of the project"
    return sorted(found, key=lambda node: node["name"])


def signature(node: dict) -> list[str]:
    """The argument names of the macro's opening tag, in order.

    A materialization takes no argument: dbt names `{% materialization batched_incremental,
    default %}` materialization_batched_incremental_default, and its tag holds no list."""
    tag = OPENING_TAG.match(node["macro_sql"].lstrip())
    assert tag, f"{node['name']}: no opening tag in {node['macro_sql'][:80]!r}"
    kind, rest = tag.groups()
    if kind == "materialization":
        name, adapter = (part.strip() for part in rest.split(",")[:2])
        # `{% materialization m, adapter='spark' %}` names the adapter as a keyword
        adapter = adapter.removeprefix("adapter=").strip("'\"")
        assert node["name"] == f"materialization_{name}_{adapter}", node["name"]
        return []
    call = CALL.fullmatch(rest)
    assert call, f"{node['name']}: cannot read the signature {rest!r}"
    name, params = call.groups()
    assert node["name"] == (f"test_{name}" if kind == "test" else name), node["name"]
    # Jinja's defaults (none, true, [], {}, 'text') are valid Python, names included.
    function = ast.parse(f"def f({params}):\n    pass").body[0]
    return [argument.arg for argument in function.args.args]


def test_every_macro_has_a_description(macros):
    undocumented = [
        f"{node['name']} ({node['original_file_path']})"
        for node in macros
        if not node["description"].strip()
    ]
    assert not undocumented, (
        "macros without a description (add them to the _<folder>__macros.yml beside them): "
        + ", ".join(undocumented)
    )


def test_every_macro_documents_the_arguments_of_its_signature_in_order(macros):
    wrong = {}
    for node in macros:
        documented = [argument["name"] for argument in node["arguments"]]
        if documented != signature(node):
            wrong[node["name"]] = {"yaml": documented, "signature": signature(node)}
    assert not wrong, f"documented arguments differ from the signature: {wrong}"


def test_every_documented_argument_has_a_dbt_type_and_a_description(macros):
    wrong = [
        f"{node['name']}.{argument['name']}"
        for node in macros
        for argument in node["arguments"]
        if not (argument.get("type") and is_valid_type(argument["type"]))
        or not (argument.get("description") or "").strip()
    ]
    assert not wrong, f"arguments without a valid dbt type or a description: {wrong}"


def test_the_signature_reader_reads_every_kind_of_block():
    def node(name: str, sql: str) -> dict:
        return {"name": name, "macro_sql": sql}

    assert signature(node("f", "{% macro f(a, b=[], c={'x': 1}, d=none) -%}x{% endmacro %}")) == [
        "a",
        "b",
        "c",
        "d",
    ]
    assert signature(node("test_t", "{%- test t(model, column_name) %}{% endtest %}")) == [
        "model",
        "column_name",
    ]
    assert signature(node("g", "{% macro g() %}{% endmacro %}")) == []
    materialization = "{% materialization batched_incremental, default %}{% endmaterialization %}"
    assert signature(node("materialization_batched_incremental_default", materialization)) == []


def test_the_landing_page_describes_the_project_and_links_documents_that_exist(manifest):
    overview = manifest["docs"].get(f"doc.{PACKAGE}.__overview__")
    assert overview, "no {% docs __overview__ %} block in the project"
    text = overview["block_contents"]
    for model in [
        "customer_indicators",
        "customer_segments",
        "segment_service_plan",
        "customer_points",
        "segment_migrations",
        "selectors.yml",
    ]:
        assert model in text, model
    doc_dir = PROJECT_DIR / Path(overview["original_file_path"]).parent
    links = re.findall(r"\]\(([^)#\s]+\.md)\)", text)
    assert {"domain.md", "raw-data-contract.md", "studies.md"} <= {Path(x).name for x in links}
    missing = [link for link in links if not (doc_dir / link).resolve().is_file()]
    assert not missing, f"__overview__ links to files that do not exist: {missing}"
