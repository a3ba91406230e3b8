"""The installed package holds the runtime only: the development tools (the benchmark harness,
synthetic test data) live in tools/ at the project root, which no runtime module imports and
the wheel does not ship."""

from __future__ import annotations

import ast
import importlib.util
import tomllib

import pytest
import setuptools
from conftest import PROJECT_DIR

pytestmark = pytest.mark.fast

PACKAGE_DIR = PROJECT_DIR / "src" / "broker_segments"


def _imported_modules(path) -> set[str]:
    """The absolute modules a Python file imports (relative imports stay in the package)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_no_runtime_module_imports_the_development_tools():
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    assert files
    importing = {
        str(path.relative_to(PROJECT_DIR)): sorted(
            m for m in _imported_modules(path) if m == "tools" or m.startswith("tools.")
        )
        for path in files
    }
    assert not {path: modules for path, modules in importing.items() if modules}


@pytest.mark.parametrize(
    "module",
    [
        "broker_segments.bench",
        "broker_segments.segmentation.benchmark",
        "broker_segments.segmentation.synthetic",
    ],
)
def test_the_moved_development_tools_are_gone_from_the_package(module):
    assert importlib.util.find_spec(module) is None, f"{module} is back in the runtime package"


def test_the_wheel_packages_src_only_and_tools_stay_out():
    config = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
    assert config["tool"]["setuptools"]["packages"]["find"]["where"] == ["src"]
    packages = setuptools.find_packages(where=str(PROJECT_DIR / "src"))
    assert "broker_segments" in packages
    assert all(p == "broker_segments" or p.startswith("broker_segments.") for p in packages)
    assert (PROJECT_DIR / "tools" / "bench" / "__main__.py").is_file()  # where they went
    assert (PROJECT_DIR / "tools" / "synthetic.py").is_file()


def _segmentation_imports(path, modules: set[str]) -> set[str]:
    """The sibling modules of broker_segments.segmentation a module imports: at module level,
    inside a function or under ``if TYPE_CHECKING:`` (a function-level import only hides a
    cycle, and a type-checking one is still a loop a reader has to untangle)."""
    found: set[str] = set()
    pending: list[ast.AST] = [ast.parse(path.read_text(), filename=str(path))]
    while pending:
        node = pending.pop()
        pending.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                names = [node.module] if node.module else [a.name for a in node.names]
            elif node.level == 0 and (node.module or "").startswith("broker_segments.segmentation"):
                rest = node.module.removeprefix("broker_segments.segmentation").lstrip(".")
                names = [rest] if rest else [a.name for a in node.names]
            else:
                continue
            found.update(n.split(".")[0] for n in names if n and n.split(".")[0] in modules)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                rest = alias.name.removeprefix("broker_segments.segmentation.")
                if rest != alias.name and rest.split(".")[0] in modules:
                    found.add(rest.split(".")[0])
    return found


def test_the_segmentation_modules_import_each_other_without_a_cycle():
    """A stage imports the stages before it, never one after it: a cycle (artifacts and fit
    importing each other, as before the split; fit, artifacts and scoring through their
    type-checking imports, before the stage records moved to ``records``) makes the import
    order matter and the modules impossible to read or test one at a time."""
    directory = PACKAGE_DIR / "segmentation"
    paths = {p.stem: p for p in directory.glob("*.py") if p.stem != "__init__"}
    assert {"artifacts", "fit", "scoring"} <= set(paths)
    graph = {name: _segmentation_imports(path, set(paths)) for name, path in paths.items()}
    assert "artifacts" in graph["scoring"]  # the parser sees relative imports
    assert "config" in graph["continuity"]  # and those under ``if TYPE_CHECKING:``

    # Depth-first search; a node met again while on the current path closes a cycle.
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, f"import cycles among segmentation modules: {cycles}"
