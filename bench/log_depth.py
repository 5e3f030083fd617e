#!/usr/bin/env python3
"""Log depth benchmark: does a table stay fast as it ages? (issue 11)

Builds (untimed) two tables with lake's default checkpoints (every 10 versions): one at
version 10 and one at version $BENCH_COMMITS (default 1,000), each commit an append of a
one-row Parquet file. Then times, best of 3, 20 rounds of `lake append` + `lake count` on
each, whole processes, and prints the ratio deep / shallow (target <= 1.2). For reference it
also times delta-rs opening the deep table's latest version and version 500 (in process)
against `lake count` of the same versions. Nothing asserts on timings.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROUNDS = 20
REPEAT = 3


def run(argv, env):
    subprocess.run([str(a) for a in argv], env=env, check=True, stdout=subprocess.DEVNULL)


def build(lake: Path, env: dict, name: str, commits: int, row: Path):
    run([lake, "create", name, "--schema", "id long, name string", "-q"], env)
    for _ in range(commits):
        run([lake, "append", name, row, "-q"], env)


def rounds(lake: Path, env: dict, name: str, row: Path) -> float:
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        for _ in range(ROUNDS):
            run([lake, "append", name, row, "-q"], env)
            run([lake, "count", name, "-q"], env)
        best = min(best, time.perf_counter() - start)
    return best


def best_of(fn) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lake", default=".build/release/lake")
    parser.add_argument("--commits", type=int, default=int(os.environ.get("BENCH_COMMITS", "1000")))
    args = parser.parse_args()
    lake = Path(args.lake).resolve()
    with tempfile.TemporaryDirectory(prefix="lake-log-depth-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, LAKE_WAREHOUSE=str(tmp / "wh"))
        row = tmp / "row.parquet"
        pq.write_table(pa.table({"id": pa.array([1], pa.int64()), "name": ["x"]}), row)
        run([lake, "init", "-q"], env)
        print(f"building tables at version 10 and {args.commits:,} (checkpoints every 10) ...", flush=True)
        build(lake, env, "shallow", 10, row)
        build(lake, env, "deep", args.commits, row)
        shallow = rounds(lake, env, "shallow", row)
        deep = rounds(lake, env, "deep", row)
        from deltalake import DeltaTable

        deep_dir = tmp / "wh" / "default" / "deep"
        latest = DeltaTable(str(deep_dir)).version()
        half = latest // 2
        dr_latest = best_of(lambda: DeltaTable(str(deep_dir)).file_uris())
        dr_half = best_of(lambda: DeltaTable(str(deep_dir), version=half).file_uris())
        lk_latest = best_of(lambda: run([lake, "count", deep_dir], env))
        lk_half = best_of(lambda: run([lake, "count", deep_dir, "--version", str(half)], env))
        print(f"\nLog depth: {ROUNDS} x (append + count), whole processes, best of {REPEAT}\n")
        print(f"{'measurement':<52}{'seconds':>10}")
        print("-" * 62)
        print(f"{'at version 10':<52}{shallow:>10.3f}")
        print(f"{'at version ' + format(args.commits, ',') + ' (checkpointed)':<52}{deep:>10.3f}")
        print(f"{'delta-rs open latest (in process)':<52}{dr_latest:>10.4f}")
        print(f"{'delta-rs open version ' + str(half) + ' (in process)':<52}{dr_half:>10.4f}")
        print(f"{'lake count latest (whole process)':<52}{lk_latest:>10.4f}")
        print(f"{'lake count --version ' + str(half) + ' (whole process)':<52}{lk_half:>10.4f}")
        print(f"\n{'ratio':<52}{'value':>10}   target")
        print("-" * 70)
        print(f"{'deep / shallow (20 appends + counts)':<52}{deep / shallow:>10.2f}   <= 1.20")
        print(f"{'delta-rs latest / lake latest':<52}{dr_latest / lk_latest:>10.2f}   (above 1: lake faster)")
        print(f"{'delta-rs v' + str(half) + ' / lake v' + str(half):<52}{dr_half / lk_half:>10.2f}")
        count = subprocess.run([str(lake), "count", str(deep_dir)], env=env, capture_output=True, text=True).stdout.strip()
        expected = args.commits + ROUNDS * REPEAT
        if int(count) != expected or DeltaTable(str(deep_dir)).to_pyarrow_table().num_rows != expected:
            print(f"error: counts disagree: lake {count}, expected {expected}", file=sys.stderr)
            sys.exit(1)
        print(f"counts verified: lake and delta-rs agree ({expected:,} rows)")


if __name__ == "__main__":
    main()
