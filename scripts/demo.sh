#!/usr/bin/env bash
# A short tour of lake: a Parquet file inspected and scanned, then a table's life in a demo
# warehouse (demo-warehouse/, recreated on every run): create, append, scan, history, time
# travel, predicates with pruning, a table created from a CSV file, then clustering, a schema
# change, a delete, an update and a restore.
set -euo pipefail
cd "$(dirname "$0")/.."
lake="$PWD/.build/release/lake"
export LAKE_WAREHOUSE="$PWD/demo-warehouse"
rm -rf "$LAKE_WAREHOUSE"
mkdir -p "$LAKE_WAREHOUSE"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

# Parquet files.
step $lake inspect Fixtures/trips.parquet
step $lake scan Fixtures/trips.parquet --limit 3 --format table
step $lake scan Fixtures/trips.parquet --format parquet --output "$LAKE_WAREHOUSE/trips.zstd.parquet"

# A table's life.
step $lake init
step $lake create trips --schema "trip_id long not null, pickup timestamp, zone string, fare decimal(10,2), distance_km double, passengers short, tags array<string>" --partition-by passengers --comment "demo taxi trips"
step $lake append trips Fixtures/trips.parquet
sleep 1
before=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
step $lake append trips "$LAKE_WAREHOUSE/trips.zstd.parquet"
step $lake count trips
step $lake scan trips --columns trip_id,zone,fare,passengers --limit 5 --format table
step $lake history trips
step $lake count trips --as-of "$before"
step $lake scan trips --version 1 --columns zone --format csv --limit 3
step $lake describe trips
step $lake scan trips --where "zone = 'Harlem' AND fare > 50" --columns trip_id,zone,fare,passengers --limit 5 --format table
step $lake scan trips --where "passengers = 2" --explain
step $lake count trips --where "passengers IN (3, 4)"
$lake scan trips --format csv > "$LAKE_WAREHOUSE/trips.csv"
step $lake create trips_csv --from "$LAKE_WAREHOUSE/trips.csv"
step $lake describe trips_csv
step $lake list
# Keeping it healthy and re-running loads: clustering, schema changes, row edits, rollback.
step $lake compact trips --zorder-by fare,distance_km --target-size 64KB
step $lake alter trips add-column "note string comment 'set by the demo'"
step $lake delete trips --where "fare < 5"
step $lake update trips --set "note = 'short'" --where "distance_km < 2"
step $lake count trips --where "note = 'short'"
step $lake restore trips --version 2
step $lake history trips --limit 6
