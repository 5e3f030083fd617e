#!/usr/bin/env bash
# Quality benchmarks: the cost of CHECK constraints on a 2M-row CSV append (with / without),
# and lake check --deep of that table against a DuckDB scan of it.
#
#   swift build -c release              # builds .build/release/lake
#   bench/quality.sh                    # the defaults
#   BENCH_ROWS=500000 bench/quality.sh  # quicker
#
# Knobs: BENCH_ROWS, BENCH_REPEATS. Extra arguments go to bench/quality.py.
source "$(dirname "$0")/common.sh"
require_binaries "$LAKE"
exec "$PYTHON" bench/quality.py --lake "$LAKE" "$@"
