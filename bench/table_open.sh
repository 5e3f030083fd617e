#!/usr/bin/env bash
# Delta table open benchmark: lake count on a table of many commits vs delta-rs (deltalake).
#
#   swift build -c release          # builds .build/release/lake
#   bench/table_open.sh             # 1,000 commits (a few minutes to build the table on 2 cores)
#   BENCH_COMMITS=100 bench/table_open.sh   # a quick run
#
# Extra arguments go to bench/table_open.py (--commits N, --workdir DIR, --keep, --json FILE).
# Python: $PYTHON if set, else .venv/bin/python if present, else python3.
# Needs the Python packages of Tests/Interop/requirements.txt (deltalake, pyarrow).
source "$(dirname "$0")/common.sh"
require_binaries "$LAKE"
exec "$PYTHON" bench/table_open.py --lake "$LAKE" "$@"
