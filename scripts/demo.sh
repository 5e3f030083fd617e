#!/usr/bin/env bash
# A short tour of lake at this stage: inspect and scan a Parquet file written by pyarrow,
# rewrite it with lake's own writer (zstd), and read that back.
set -euo pipefail
cd "$(dirname "$0")/.."
lake=.build/release/lake
out=demo-warehouse
mkdir -p "$out"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step $lake inspect Fixtures/trips.parquet
step $lake scan Fixtures/trips.parquet --limit 5 --format table
step $lake scan Fixtures/trips.parquet --format parquet --output "$out/trips.zstd.parquet"
step $lake inspect "$out/trips.zstd.parquet"
step $lake scan "$out/trips.zstd.parquet" --columns trip_id,zone,fare,tags --limit 3 --format jsonl
step $lake scan "$out/trips.zstd.parquet" --columns zone,pickup --limit 4 --format csv
