#!/usr/bin/env bash
# Ingest benchmark: `lake append` of a CSV file against pyarrow.csv + delta-rs, of an NDJSON
# file (the same events) against pyarrow.json + delta-rs, and `lake create --from` of
# 8,000- and 16,000-column CSVs (time ratio).
#
#   swift build -c release          # builds .build/release/lake
#   bench/ingest.sh                 # 2,000,000 CSV rows and 500,000 NDJSON rows best of 3,
#                                   # wide create, then lake on 20,000,000 CSV rows
#   BENCH_ROWS=200000 bench/ingest.sh   # a quick run (50,000 NDJSON rows)
#
# Extra arguments go to bench/ingest.py (--rows N, --scale K, --workdir DIR, --keep,
# --json FILE, --repeat N, --skip-lake, --skip-deltars, --ndjson-rows N (0: skip NDJSON),
# --skip-wide). With --workdir the generated CSV and NDJSON inputs are cached there
# between runs.
# Python: $PYTHON if set, else .venv/bin/python if present, else python3.
# Needs the Python packages of Tests/Interop/requirements.txt (pyarrow, numpy, deltalake)
# and GNU time (/usr/bin/time, Debian package `time`) for the peak memory.
source "$(dirname "$0")/common.sh"
BENCH_ARGS="$*"
require_binaries "$LAKE"

# GNU time reports the peak resident set size ("Maximum resident set size").
if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time (Debian package \`time\`) for peak memory measurements"
    SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time
fi

exec "$PYTHON" bench/ingest.py --lake "$LAKE" --python "$PYTHON" "$@"
