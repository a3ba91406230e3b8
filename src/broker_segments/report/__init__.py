"""The segment report: one static HTML page of charts from the warehouse.

python -m broker_segments.report [--duckdb PATH] [--out reports/segment_report.html]
"""

from broker_segments.report.build import build_report, render

__all__ = ["build_report", "render"]
