"""The project's layout: the README's tree is the repository's, and the layers only read
upstream (no intermediate model reads a mart)."""

from __future__ import annotations

import json
import re

import pytest
from conftest import PROJECT_DIR, run_dbt

from broker_segments.datagen import generate

MODEL_ROOTS = ("models", "python_models")


def readme_tree() -> list[str]:
    """The folders the README's project tree lists, as paths from the project root."""
    readme = (PROJECT_DIR / "README.md").read_text()
    block = readme[readme.index("## The project") :]
    block = block[block.index("```\n") + 4 :]
    block = block[: block.index("```")]
    paths, base = [], ""
    for line in block.splitlines():
        entry = re.match(r"^( {0,2})(\S+/)(\s|$)", line)
        if not entry:
            continue  # a description's continuation line, or a file
        indent, path = entry.group(1), entry.group(2)
        if indent:
            paths.append(base + path)
        else:
            base = path
            paths.append(path)
    return paths


def test_the_readme_tree_lists_existing_folders_and_every_model_folder():
    listed = readme_tree()
    missing = [path for path in listed if not (PROJECT_DIR / path).is_dir()]
    assert not missing, f"the README's tree lists folders that do not exist: {missing}"
    model_folders = {
        f"{path.parent.relative_to(PROJECT_DIR)}/"
        for root in MODEL_ROOTS
        for path in (PROJECT_DIR / root).rglob("*")
        if path.suffix in (".sql", ".py")
    }
    unlisted = sorted(model_folders - set(listed))
    assert not unlisted, f"model folders the README's tree does not list: {unlisted}"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("layout")
    generate(work / "raw", customers=50, seed=1)
    result = run_dbt(["parse"], work / "raw", work / "warehouse.duckdb", work)
    assert result.returncode == 0, result.stdout
    return json.loads((work / "target" / "manifest.json").read_text())


def test_no_intermediate_model_reads_a_mart(manifest):
    nodes = manifest["nodes"]
    path = {key: node["original_file_path"] for key, node in nodes.items()}
    upstream_marts = {
        key: sorted(
            parent
            for parent in node["depends_on"]["nodes"]
            if path.get(parent, "").startswith("models/marts/")
        )
        for key, node in nodes.items()
        if node["resource_type"] == "model"
        and node["original_file_path"].startswith("models/intermediate/")
    }
    assert upstream_marts, "no intermediate model found"
    assert {key: marts for key, marts in upstream_marts.items() if marts} == {}
