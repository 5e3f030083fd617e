#!/usr/bin/env bash
# Delete benchmark: lake delete of about 1% of a 2M-row table (rows scattered over every file)
# against delta-rs DeltaTable.delete: wall time and peak RSS.
#
#   swift build -c release                 # builds .build/release/lake
#   bench/dml.sh                           # the defaults
#   BENCH_DML_ROWS=500000 bench/dml.sh     # a quick run
#
# Knobs: BENCH_DML_ROWS, BENCH_DML_FILES, BENCH_REPEATS. Extra arguments go to bench/dml.py.
source "$(dirname "$0")/common.sh"
require_binaries "$LAKE"
exec "$PYTHON" bench/dml.py --lake "$LAKE" "$@"
