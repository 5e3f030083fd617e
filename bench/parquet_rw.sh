#!/usr/bin/env bash
# Parquet write/read benchmark: lake's Parquet layer against pyarrow.
#
#   swift build -c release          # builds .build/release/lake and .build/release/lake-bench
#   bench/parquet_rw.sh             # 5,000,000 rows, best of 3 (a few minutes on 2 cores)
#   BENCH_ROWS=100000 bench/parquet_rw.sh   # a quick run
#
# Extra arguments go to bench/parquet_rw.py (--workdir DIR, --keep, --json FILE, --skip-lake).
# Python: $PYTHON if set, else .venv/bin/python if present, else python3.
# Needs the Python packages of Tests/Interop/requirements.txt (pyarrow, numpy).
source "$(dirname "$0")/common.sh"
BENCH_ARGS="$*"
require_binaries "$LAKE" "$LAKE_BENCH"
exec "$PYTHON" bench/parquet_rw.py --lake-bench "$LAKE_BENCH" "$@"
