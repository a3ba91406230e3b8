"""The steps of `make build TARGET=spark` in one process, for the Spark parity test.

    python tests/python/spark_steps.py STEPS_JSON

STEPS_JSON is a list of [program, arguments]: ``dbt`` runs dbt's own runner
(``dbt.cli.main.dbtRunner``) on the arguments, ``spark_fit`` the main function of
``python -m broker_segments.spark_fit``. The steps are the commands make build runs one
process each; here they share the process's JVM, whose start (and the metastore's) is most of
a small export's Spark time. A step that fails ends the process with a non-zero status.
"""

from __future__ import annotations

import json
import sys

from dbt.cli.main import dbtRunner

from broker_segments import spark_fit


def main(argv: list[str]) -> int:
    for program, args in json.loads(argv[0]):
        print(f"== {program} {' '.join(args)}", flush=True)
        if program == "dbt":
            if not dbtRunner().invoke(args).success:
                return 1
        elif program == "spark_fit":
            status = spark_fit.main(args)
            sys.stdout.flush()
            if status:
                return status
        else:
            raise ValueError(f"unknown step {program}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
