"""broker_segments: the Python side of the broker customer segmentation dbt project."""

__version__ = "0.1.0"
