"""The project's layout: the README's tree is the repository's, and the layers only read
upstream (a model reads its own layer or an earlier one, in the order the data flows)."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import PROJECT_DIR


def readme_tree() -> list[str]:
    """The folders the README's project tree lists, as paths from the project root."""
    readme = (PROJECT_DIR / "README.md").read_text()
    block = readme[readme.index("## The project") :]
    block = block[block.index("```\n") + 4 :]
    block = block[: block.index("```")]
    paths: list[str] = []
    parents: list[str] = []  # the folder of each indentation level above the line
    for line in block.splitlines():
        # a folder entry is indented two spaces a level; a description's continuation line
        # (indented to the description column) or a file is not one
        entry = re.match(r"^((?:  ){0,4})(\S+/)(\s|$)", line)
        if not entry:
            continue
        depth = len(entry.group(1)) // 2
        parents = [*parents[:depth], entry.group(2)]
        paths.append("".join(parents))
    return paths


def test_the_readme_tree_lists_existing_folders_and_every_model_folder():
    listed = readme_tree()
    missing = [path for path in listed if not (PROJECT_DIR / path).is_dir()]
    assert not missing, f"the README's tree lists folders that do not exist: {missing}"
    unlisted = sorted(model_folders() - set(listed))
    assert not unlisted, f"model folders the README's tree does not list: {unlisted}"


@pytest.fixture(scope="module")
def manifest(project_manifest) -> dict:
    return project_manifest


def model_folders() -> set[str]:
    """The folders holding a model file, as paths from the project root ("models/x/")."""
    return {
        f"{path.parent.relative_to(PROJECT_DIR)}/"
        for path in (PROJECT_DIR / "models").rglob("*")
        if path.suffix in (".sql", ".py")
    }


def layers() -> list[str]:
    """The model folders in the order the data flows: the README's tree lists them so."""
    folders = model_folders()
    return [path for path in readme_tree() if path in folders]


def test_no_model_reads_a_later_layer(manifest):
    """A model reads its own layer or an earlier one, in the order the README's tree lists
    the folders."""
    order = layers()
    assert len(order) > 10, order
    nodes = manifest["nodes"]
    path = {
        key: n["original_file_path"] for key, n in nodes.items() if n["resource_type"] == "model"
    }
    assert len(path) > 50

    def layer(file: str) -> int:
        return order.index(file.rsplit("/", 1)[0] + "/")

    upstream_later = {
        f"{path[key]}": sorted(
            path[parent]
            for parent in nodes[key]["depends_on"]["nodes"]
            if parent in path and layer(path[parent]) > layer(path[key])
        )
        for key in path
    }
    assert {model: later for model, later in upstream_later.items() if later} == {}


def test_each_model_folder_has_one_yaml_file_of_models_named_after_it():
    wrong = {}
    for folder in sorted(model_folders()):
        path = PROJECT_DIR / folder
        with_models = sorted(
            f.name
            for f in path.glob("*.yml")
            if (yaml.safe_load(f.read_text()) or {}).get("models")
        )
        if with_models != [f"_{path.name}__models.yml"]:
            wrong[folder] = with_models
    assert not wrong, f"model folders without exactly one _<folder>__models.yml: {wrong}"
