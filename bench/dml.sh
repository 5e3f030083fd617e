#!/usr/bin/env bash
# DML benchmarks on a 2M-row table: lake delete of about 1% of the rows (scattered over every
# file) against delta-rs DeltaTable.delete, and lake merge of a 20k-row source (half updates)
# against delta-rs merge … when_matched_update_all().when_not_matched_insert_all(): wall time
# and peak RSS.
#
#   swift build -c release                 # builds .build/release/lake
#   bench/dml.sh                           # the defaults
#   BENCH_DML_ROWS=500000 bench/dml.sh     # a quick run
#
# Knobs: BENCH_DML_ROWS, BENCH_DML_FILES, BENCH_DML_SOURCE, BENCH_REPEATS. Extra arguments go to bench/dml.py.
source "$(dirname "$0")/common.sh"
require_binaries "$LAKE"
exec "$PYTHON" bench/dml.py --lake "$LAKE" "$@"
