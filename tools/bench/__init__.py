"""Benchmark the project at a broker's scale: ``make bench SIZE=1000000``, i.e. (from the
project root)

    python -m tools.bench --size 1000000 [--seed 42] [--work data/bench]
        [--doc docs/benchmarks.md] [--ari-sample 200000] [--no-daily] [--no-ari]

One run:

1. **Data.** Generates ``--size`` customers with ``--seed`` into
   ``WORK/data/customers-<size>-seed-<seed>/`` (reused when its summary says the same size and
   seed and no day was appended), then lays a run copy out in ``WORK/run-<size>/raw`` (hard
   links to the Parquet files, a copy of ``_generator``), so appending a day never touches the
   reused data.
2. **Full build.** ``dbt build`` (every model, seed, snapshot and test) on a fresh warehouse
   ``WORK/run-<size>/warehouse.duckdb``, with its own target and log folders.
3. **Floor.** A single hand-written DuckDB query (``FLOOR_SQL``) that computes every customer
   indicator straight from the same Parquet files into a table of a scratch database, with the
   profile's DuckDB settings, in its own process: the floor for the indicator layer.
4. **Segmentation quality.** The adjusted Rand index between the scheme segments of a fit on
   the whole fitting sample and a fit on ``--ari-sample`` customers of it, both fitted by the
   package on the warehouse's ``customer_indicators`` with the settings dbt passed the models
   (read from the manifest), compared over the fitting sample (the customers K-means assigns;
   the rule-assigned ones do not depend on the fit).
5. **Daily build.** Appends one trading day (``broker_segments.datagen.append_days``) and runs
   ``dbt build`` with the day's selection as ``make build`` gives it (``--selector daily`` on
   DuckDB: ``broker_segments.load_range.selection_args``) on the same warehouse, with the full
   build's target folder (so dbt parses partially, as a scheduled daily run does; the full
   build parses from cold).

Measured per node (from dbt's ``run_results.json``: ``execution_time``, and the node's start
and end), and per build (the harness's clock):

* wall time; the total also from the harness's clock around the dbt process;
* peak RSS: the dbt process and its children, sampled from ``/proc`` every
  ``SAMPLE_SECONDS``; per node the highest sample while it ran (DuckDB keeps its buffers
  between nodes, so this is the process's high-water mark at that time, not what the node
  alone needs); per build also the kernel's own ``ru_maxrss`` of the dbt process;
* rows: ``rows in`` = the rows of the node's direct parents (a source by its Parquet rows, a
  view by its own parents' rows, a table or seed by ``count(*)`` after the build), and for an
  incremental model on the daily build the rows it added; ``rows/s`` = rows in / seconds;
  ``rows out`` = its rows after the build.

Results go to ``WORK/run-<size>/results.json`` and to a section of ``--doc`` per size between
``<!-- bench:<size>:start -->`` and ``<!-- bench:<size>:end -->`` (replaced on a rerun; the rest
of the file, the notes written by hand, is kept).

The modules, one concern each: ``cli`` (the command line and the order of a run), ``data`` (the
data set, generated or reused, and its run copy), ``monitor`` (a process tree's RSS and CPU from
``/proc``), ``builds`` (running ``dbt build`` under the monitor), ``artifacts`` (dbt's
``run_results.json`` and ``manifest.json`` into per-node and per-layer figures; a model's layer
is its layer tag, the ``+tags`` of its folder in ``dbt_project.yml``), ``floor`` (the
hand-written query), ``segmentation`` (the sample-versus-full fit), ``machine`` (the machine,
the versions and the commit) and ``report`` (the headline figures and the Markdown section).
"""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
