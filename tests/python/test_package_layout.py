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
