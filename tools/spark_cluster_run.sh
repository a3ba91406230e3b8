#!/usr/bin/env bash
# The distributed Spark run of docs/benchmarks.md: a Spark standalone master and two workers on
# this machine (loopback only, from the pyspark package), the spark target pointed at them, and
# the pipeline of `make build TARGET=spark` on SIZE generated customers, each step timed: a
# first build of the whole export, then one trading day appended and the daily run of it.
#
#   tools/spark_cluster_run.sh [SIZE]          # default 1000000; run from the project root
#   tools/spark_cluster_run.sh SIZE next-day   # one more day on the last run's warehouse
#
# Data, warehouse, logs and the per-step times go to data/bench/spark-SIZE/ (times.tsv,
# <step>.out, and each dbt step's run_results.json); the run reads a copy of the export (hard
# links, as make bench lays out its run copy), so the appended day leaves the shared data as
# it was. With `next-day` the run appends one more day to that run's export copy and runs the
# daily pipeline on its warehouse (steps next_day_*, appended to times.tsv). Development
# tooling: not installed.
set -euo pipefail

SIZE=${1:-1000000}
MODE=${2:-full}
WORKERS=${SPARK_BENCH_WORKERS:-2}
WORKER_CORES=${SPARK_BENCH_WORKER_CORES:-1}
EXECUTOR_MEMORY=${SPARK_BENCH_EXECUTOR_MEMORY:-5g}
# Shuffle partitions for the cluster's cores (Spark's default of 200 makes every per-day batch
# a write of 200 tasks, most of them empty, on two cores): four tasks a core.
export BROKER_SPARK_SHUFFLE_PARTITIONS=${BROKER_SPARK_SHUFFLE_PARTITIONS:-$((WORKERS * WORKER_CORES * 4))}
ROOT=$(pwd)
BIN=$ROOT/.venv/bin
OUT=$ROOT/data/bench/spark-$SIZE
DATA=$ROOT/data/bench/data/customers-$SIZE-seed-42  # the same data as make bench SIZE=$SIZE
RAW=$OUT/raw
SPARK_HOME=$("$BIN/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
export SPARK_HOME
export SPARK_CONF_DIR=$OUT/conf SPARK_LOG_DIR=$OUT/spark-logs SPARK_WORKER_DIR=$OUT/work
export SPARK_LOCAL_IP=127.0.0.1 SPARK_MASTER_HOST=127.0.0.1
mkdir -p "$SPARK_CONF_DIR" "$SPARK_LOG_DIR" "$SPARK_WORKER_DIR"

# Every SparkSession started here (dbt's, the fit command's) reads these.
cat >"$SPARK_CONF_DIR/spark-defaults.conf" <<EOF
spark.executor.memory $EXECUTOR_MEMORY
spark.executor.cores $WORKER_CORES
spark.driver.host 127.0.0.1
spark.driver.bindAddress 127.0.0.1
spark.local.dir $OUT/tmp
EOF

pids=()
stop_cluster() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop_cluster EXIT

step() { # step NAME COMMAND...: run, time, keep the output and dbt's run_results
    local name=$1 start end
    shift
    echo "$(date -u +%T) $name ..."
    start=$(date +%s.%N)
    "$@" >"$OUT/$name.out" 2>&1 || { echo "$name failed: $OUT/$name.out"; tail -20 "$OUT/$name.out"; exit 1; }
    end=$(date +%s.%N)
    printf '%s\t%.1f\n' "$name" "$(echo "$end - $start" | bc)" | tee -a "$OUT/times.tsv"
    if [ -f "$OUT/target/run_results.json" ]; then cp "$OUT/target/run_results.json" "$OUT/$name.run_results.json"; fi
}

if [ "$MODE" = full ]; then
    : >"$OUT/times.tsv"
    if [ ! -f "$DATA/_generator/summary.json" ]; then
        step datagen "$BIN/python" -m broker_segments.datagen --customers "$SIZE" --seed 42 --jobs 2 --out "$DATA"
    fi
    rm -rf "$RAW" && cp -al "$DATA" "$RAW" && rm -rf "$RAW/_generator" && cp -r "$DATA/_generator" "$RAW/"
fi

"$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port 7077 --webui-port 8080 >"$SPARK_LOG_DIR/master.log" 2>&1 &
pids+=($!)
sleep 5
for i in $(seq 1 "$WORKERS"); do
    "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
        --host 127.0.0.1 --cores "$WORKER_CORES" --memory "$EXECUTOR_MEMORY" \
        --webui-port $((8080 + i)) spark://127.0.0.1:7077 >"$SPARK_LOG_DIR/worker-$i.log" 2>&1 &
    pids+=($!)
done
sleep 5

export BROKER_RAW_DIR=$RAW BROKER_SPARK_WAREHOUSE=$OUT/warehouse
export BROKER_SPARK_MASTER=spark://127.0.0.1:7077 DBT_SEND_ANONYMOUS_USAGE_STATS=false
DBT=("$BIN/dbt" --log-path "$OUT/logs")
TARGET=(--target spark --target-path "$OUT/target")
BUILD=(build "${TARGET[@]}" --exclude-resource-type unit_test)

# The steps of `make build TARGET=spark`: the two dbt steps' selectors chosen before the first
# (the daily ones where no scheme fits), the per-day models given the export's new days.
pipeline() { # pipeline PREFIX
    local steps before after
    step "$1freshness" "${DBT[@]}" source freshness "${TARGET[@]}"
    steps=$("$BIN/python" -m broker_segments.load_range --spark-steps)
    read -r before after <<<"$steps"
    # shellcheck disable=SC2046  # the load range is several arguments
    step "$1before_fit" "${DBT[@]}" "${BUILD[@]}" --selector "$before" \
        $("$BIN/python" -m broker_segments.load_range --target spark)
    step "$1fit" "$BIN/python" -m broker_segments.spark_fit --target spark --manifest "$OUT/target/manifest.json"
    step "$1after_fit" "${DBT[@]}" "${BUILD[@]}" --selector "$after"
}
if [ "$MODE" = full ]; then
    rm -rf "$BROKER_SPARK_WAREHOUSE"
    pipeline ""
    step append_day "$BIN/python" -m broker_segments.datagen --out "$RAW" --append-days 1
    pipeline daily_
else
    step next_day_append "$BIN/python" -m broker_segments.datagen --out "$RAW" --append-days 1
    pipeline next_day_
fi
echo "times: $OUT/times.tsv"
