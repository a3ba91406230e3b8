"""Development tools of the project, not part of the installed package (``src/broker_segments``).

Run from the project root (``python -m tools.<name>``); pytest imports them the same way
(``pythonpath`` in pyproject.toml):

* ``tools.bench``: the benchmark harness, ``make bench SIZE=<customers>`` (docs/benchmarks.md);
* ``tools.fit_benchmark``: time one segmentation fit on synthetic customers;
* ``tools.synthetic``: synthetic customer indicators with known groups, for the tests of the
  fits and for ``tools.fit_benchmark``.
"""
