"""Regenerates the golden files in Fixtures/ (written by pyarrow, the reference writer).

Run with the interop virtualenv: .venv/bin/python scripts/make_fixtures.py
"""
import datetime
import decimal
import random

import pyarrow as pa
import pyarrow.parquet as pq

random.seed(7)
zones = ["Astoria", "Chelsea", "Harlem", "Midtown", "SoHo", "Williamsburg", "Zürich-Nord", "東京"]
n = 1000
start = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
table = pa.table({
    "trip_id": pa.array(range(1, n + 1), pa.int64()),
    "pickup": pa.array([start + datetime.timedelta(seconds=97 * i, microseconds=i % 7) for i in range(n)],
                       pa.timestamp("us", tz="UTC")),
    "zone": pa.array([random.choice(zones) for _ in range(n)]),
    "fare": pa.array([decimal.Decimal(random.randint(250, 9999)) / 100 for _ in range(n)], pa.decimal128(10, 2)),
    "distance_km": pa.array([None if i % 10 == 0 else round(random.uniform(0.3, 30), 3) for i in range(n)]),
    "passengers": pa.array([random.randint(1, 4) for _ in range(n)], pa.int16()),
    "tags": pa.array([random.sample(["airport", "night", "shared", "card"], random.randint(0, 2)) for _ in range(n)],
                     pa.list_(pa.string())),
})
pq.write_table(table, "Fixtures/trips.parquet", row_group_size=400)
print("wrote Fixtures/trips.parquet")
