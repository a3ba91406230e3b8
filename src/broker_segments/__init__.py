"""broker_segments: the Python side of the broker customer segmentation dbt project."""

from importlib.metadata import PackageNotFoundError, version

# One home: pyproject.toml (CHANGELOG.md says what each version changed).
try:
    __version__ = version("broker_segments")
except PackageNotFoundError:  # run from a source tree that is not installed
    __version__ = "0+unknown"
