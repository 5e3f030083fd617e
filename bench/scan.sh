#!/usr/bin/env bash
# Scan benchmark: lake scan/count, with and without --where, against DuckDB's delta_scan
# (full scan to CSV and to JSONL, two predicates, count).
#
#   swift build -c release          # builds .build/release/lake
#   bench/scan.sh                   # 2,000,000 events, best of 3 (a few minutes on 2 cores)
#   BENCH_ROWS=200000 bench/scan.sh # a quick run
#
# Extra arguments go to bench/scan.py (--rows N, --workdir DIR, --keep, --json FILE, --repeat N).
# With --workdir the generated input is cached there between runs.
# Python: $PYTHON if set, else .venv/bin/python if present, else python3.
# Needs the Python packages of Tests/Interop/requirements.txt (duckdb, duckdb-extension-delta,
# pyarrow, numpy); the input comes from bench/ingest.py's generator.
source "$(dirname "$0")/common.sh"
require_binaries "$LAKE"
exec "$PYTHON" bench/scan.py --lake "$LAKE" --python "$PYTHON" "$@"
