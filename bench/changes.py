#!/usr/bin/env python3
"""Change Data Feed benchmark: `lake changes` against delta-rs (deltalake) `load_cdf` over a
table of $BENCH_CHANGES_COMMITS (default 100) appends of $BENCH_CHANGES_ROWS (default 10,000)
rows each, written by delta-rs with `delta.enableChangeDataFeed=true` (untimed, once):
event_id (long), ts (timestamp), kind (one of 8 words), amount (double, 1% null).

Both read every commit's changes (all inserts, taken from the commits' added files) and write
them, with `_change_type`, `_commit_version` and `_commit_timestamp`, to one zstd Parquet file:

    lake -w W changes DIR --from-version 0 --format parquet --output F --json -q
    python -c "pq.write_table(pa.table(DeltaTable(DIR).load_cdf(starting_version=0).read_all()),
               F, compression='zstd')"

Each repeat alternates which runs first; prints the median wall time and peak RSS of each and
the ratios lake / delta-rs (target: time <= 0.70). Once, untimed: both files hold the same
rows (event ids and commit versions). Nothing asserts on timings.

    bench/changes.sh                             # the defaults
    BENCH_CHANGES_COMMITS=20 bench/changes.sh    # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from processes import deltalake_baseline, measure, medians, print_comparison, print_footer, run, report_checks

DELTARS_CHANGES = """import sys, time
import pyarrow as pa, pyarrow.parquet as pq
from deltalake import DeltaTable
t = time.perf_counter()
table = pa.table(DeltaTable(sys.argv[1]).load_cdf(starting_version=0).read_all())
pq.write_table(table, sys.argv[2], compression="zstd")
print(time.perf_counter() - t, table.num_rows)
"""


def build_table(root: Path, commits: int, rows: int) -> None:
    import numpy as np
    import pyarrow as pa
    from deltalake import WriterProperties, write_deltalake

    rng = np.random.default_rng(5)
    words = np.array(["view", "click", "search", "cart", "buy", "share", "like", "exit"])
    props = WriterProperties(compression="ZSTD")
    for c in range(commits):
        batch = pa.table({
            "event_id": pa.array(np.arange(c * rows, (c + 1) * rows, dtype=np.int64)),
            "ts": pa.array(1_704_067_200_000_000 + np.sort(rng.integers(0, 86_400 * 10**6, rows)), pa.timestamp("us", tz="UTC")),
            "kind": pa.array(words[rng.integers(0, len(words), rows)].tolist()),
            "amount": pa.array(np.round(rng.lognormal(3, 1, rows), 2), mask=rng.random(rows) < 0.01),
        })
        write_deltalake(str(root), batch, mode="append", writer_properties=props,
                        configuration={"delta.enableChangeDataFeed": "true"} if c == 0 else None)


def main(argv: list[str] | None = None) -> int:
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lake", type=Path, default=Path(".build/release/lake"))
    ap.add_argument("--commits", type=int, default=int(env("BENCH_CHANGES_COMMITS", "100")))
    ap.add_argument("--rows", type=int, default=int(env("BENCH_CHANGES_ROWS", "10000")), help="rows per commit")
    ap.add_argument("--repeats", type=int, default=int(env("BENCH_REPEATS", "3")))
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args(argv)
    import pyarrow.parquet as pq

    lake = args.lake.resolve()
    workdir = Path(tempfile.mkdtemp(prefix="lake-changes-bench-", dir=args.workdir))
    try:
        warehouse = workdir / "warehouse"
        run([lake, "init", "-w", warehouse, "-q"])
        table = workdir / "table"
        print(f"changes: building {args.commits} appends of {args.rows:,} rows with delta-rs ...", flush=True)
        build_table(table, args.commits, args.rows)
        outputs = {"lake": workdir / "lake.parquet", "delta-rs": workdir / "deltars.parquet"}
        commands = {"lake": [lake, "-w", warehouse, "changes", table, "--from-version", "0", "--format", "parquet",
                             "--output", outputs["lake"], "--json", "-q"],
                    "delta-rs": [sys.executable, "-c", DELTARS_CHANGES, table, outputs["delta-rs"]]}
        samples = {name: {"wall": [], "rss": [], "inner": []} for name in commands}
        reported = {}
        for rep in range(args.repeats):
            for name in (commands if rep % 2 == 0 else list(reversed(commands))):
                wall, rss, out = measure(commands[name])
                samples[name]["wall"].append(wall)
                samples[name]["rss"].append(rss)
                if name == "lake":
                    reported[name] = json.loads(out)["rows"]
                else:
                    samples[name]["inner"].append(float(out.split()[0]))
                    reported[name] = int(out.split()[1])
                print(f"  repeat {rep + 1}: {name:<8} {wall:7.2f}s {rss / 2**20:7.0f} MiB", flush=True)
        problems = []
        expected = args.commits * args.rows
        for name, rows in reported.items():
            if rows != expected:
                problems.append(f"{name} read {rows:,} changed rows, expected {expected:,}")
        keys = {}
        for name, path in outputs.items():
            got = pq.read_table(path, columns=["event_id", "_commit_version", "_change_type"])
            keys[name] = sorted(zip(got["event_id"].to_pylist(), map(int, got["_commit_version"].to_pylist()),
                                    got["_change_type"].to_pylist()))
        if keys["lake"] != keys["delta-rs"]:
            problems.append("the two files do not hold the same (event_id, _commit_version, _change_type) rows")
        result = medians(samples)
        baseline = deltalake_baseline(sys.executable)
        print()
        print(f"Change feed of {args.commits} appends x {args.rows:,} rows ({expected:,} inserts) to zstd Parquet; "
              f"median of {args.repeats}, whole processes")
        print()
        print_comparison(result, "open + load_cdf + write", time_target="<= 0.70")
        print()
        print_footer(baseline)
        return report_checks(problems)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
