#!/usr/bin/env bash
# Table maintenance benchmark: lake checkpoint of a table of 200,000 live files and lake vacuum
# of 10,000 removed files, each against delta-rs (deltalake): wall time and peak RSS.
#
#   swift build -c release                                        # builds .build/release/lake
#   bench/maintenance.sh                                          # the defaults (1-2 minutes on 2 cores)
#   BENCH_FILES=20000 BENCH_TOMBSTONES=2000 bench/maintenance.sh  # a quick run
#
# Knobs: BENCH_FILES, BENCH_CHECKPOINT_COMMITS, BENCH_TOMBSTONES, BENCH_REPEATS. Extra arguments
# go to bench/maintenance.py (--only checkpoint|vacuum, --workdir DIR, --json FILE, --lake BIN).
# Python: $PYTHON if set, else .venv/bin/python if present, else python3.
# Needs the Python packages of Tests/Interop/requirements.txt (deltalake, pyarrow, duckdb).
source "$(dirname "$0")/common.sh"
require_binaries "$LAKE"
exec "$PYTHON" bench/maintenance.py --lake "$LAKE" "$@"
