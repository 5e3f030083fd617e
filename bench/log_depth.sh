#!/usr/bin/env bash
# Log depth benchmark: 20 appends + counts on a table at version 1,000 (checkpointed) vs 10,
# and opening the deep table's latest and middle version against delta-rs.
#
#   swift build -c release
#   bench/log_depth.sh                   # 1,000 commits (about a minute to build on 2 cores)
#   BENCH_COMMITS=200 bench/log_depth.sh # quicker
source "$(dirname "$0")/common.sh"
require_binaries "$LAKE"
exec "$PYTHON" bench/log_depth.py --lake "$LAKE" "$@"
