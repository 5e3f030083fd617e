#!/usr/bin/env bash
# Change Data Feed benchmark: lake changes against delta-rs load_cdf over 100 commits of
# appends, both writing the feed to one zstd Parquet file: wall time and peak RSS.
#
#   swift build -c release                     # builds .build/release/lake
#   bench/changes.sh                           # the defaults
#   BENCH_CHANGES_COMMITS=20 bench/changes.sh  # quicker
#
# Knobs: BENCH_CHANGES_COMMITS, BENCH_CHANGES_ROWS, BENCH_REPEATS. Extra arguments go to bench/changes.py.
source "$(dirname "$0")/common.sh"
require_binaries "$LAKE"
exec "$PYTHON" bench/changes.py --lake "$LAKE" "$@"
