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
set -euo pipefail

cd "$(dirname "$0")/.."

# $PYTHON overrides; else the project's virtualenv if there is one; else python3.
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then
        PYTHON=.venv/bin/python
    else
        PYTHON=python3
    fi
fi

LAKE=.build/release/lake
LAKE_BENCH=.build/release/lake-bench
for bin in "$LAKE" "$LAKE_BENCH"; do
    if [ ! -x "$bin" ] && [[ " $* " != *" --skip-lake "* ]]; then
        echo "error: $bin not found; build it first with: swift build -c release" >&2
        exit 1
    fi
done

exec "$PYTHON" bench/parquet_rw.py --lake-bench "$LAKE_BENCH" "$@"
