#!/usr/bin/env bash
# Compaction benchmark: lake compact of a table of 400 small files (one append each, 1,000,000
# rows) into files of the target size (128 MiB: one file), against delta-rs (deltalake)
# optimize.compact(): wall time and peak RSS. With --zorder COLS: lake compact --zorder-by COLS
# against delta-rs optimize.z_order(COLS).
#
#   swift build -c release                  # builds .build/release/lake
#   bench/compact.sh                        # the defaults (under a minute on 2 cores)
#   BENCH_COMPACT_FILES=50 bench/compact.sh # a quick run
#
# Knobs: BENCH_COMPACT_FILES, BENCH_COMPACT_ROWS, BENCH_COMPACT_TARGET_MB, BENCH_REPEATS. Extra
# arguments go to bench/compact.py (--workdir DIR, --json FILE, --lake BIN).
# Python: $PYTHON if set, else .venv/bin/python if present, else python3.
# Needs the Python packages of Tests/Interop/requirements.txt (deltalake, pyarrow, numpy, duckdb).
source "$(dirname "$0")/common.sh"
require_binaries "$LAKE"
exec "$PYTHON" bench/compact.py --lake "$LAKE" "$@"
