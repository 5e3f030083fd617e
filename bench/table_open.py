#!/usr/bin/env python3
"""Delta table open benchmark: how long lake takes to answer from a long log, against delta-rs.

Builds (untimed) a table with `lake create` and $BENCH_COMMITS (default 1,000) commits,
each `lake append` of a one-row Parquet file, so the log is 1,001 JSON commits and no
checkpoint. Then measures, best of 5 each:

    lake count T              whole process, latest version (by catalog name)
    lake count T --version 10 whole process, an old version
    lake count DIR            whole process, latest, by path (no catalog)
    delta-rs open             DeltaTable(DIR) + .file_uris(), in one Python process,
                              timed around the open only (import done before)
    delta-rs open v10         DeltaTable(DIR, version=10) + .file_uris(), same
    python -c delta-rs        whole process: python -c "DeltaTable(DIR).file_uris()"
                              (includes interpreter start and import, like lake's numbers)
    python -c v10             the same with version=10
    python -c import only     whole process: python -c "import deltalake" (the fixed cost)

and prints the seconds and the ratios (delta-rs seconds / lake seconds: above 1 means lake
is faster). Nothing here asserts on timings: the exit code is non-zero only when something
fails to run or the counts are wrong.

Usage: bench/table_open.sh [--commits N] [--workdir DIR] [--keep] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT_COMMITS = 1000
OLD_VERSION = 10
REPEAT = 5


def run(cmd: list, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"error: {' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stderr.strip()}")
    return proc


def best_of(fn, repeat: int = REPEAT) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def build_table(lake: Path, env: dict, table_dir: Path, workdir: Path, commits: int) -> None:
    """lake create + `commits` appends of a one-row file (untimed)."""
    run([lake, "init", "-q"], env)
    # No checkpoints (lake writes one every 10 versions by default): this measures replaying
    # a long JSON log, as before checkpoints existed.
    run([lake, "create", "bench.t", "--schema", "id long, name string", "--property", "delta.checkpointInterval=1000000000",
         "-q"], env)
    row = workdir / "row.parquet"
    pq.write_table(pa.table({"id": pa.array([1], pa.int64()), "name": ["x"]}), row)
    start = time.perf_counter()
    for i in range(commits):
        run([lake, "append", "bench.t", row, "-q"], env)
        if (i + 1) % 100 == 0 or i + 1 == commits:
            rate = (i + 1) / (time.perf_counter() - start)
            print(f"  {i + 1:,} commits ({rate:.0f}/s)", flush=True)
    if not (table_dir / "_delta_log" / f"{commits:020d}.json").is_file():
        raise SystemExit(f"error: expected version {commits} in {table_dir}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--commits", type=int, default=int(os.environ.get("BENCH_COMMITS", DEFAULT_COMMITS)),
                    help=f"appends to make (default $BENCH_COMMITS or {DEFAULT_COMMITS:,})")
    ap.add_argument("--lake", type=Path, default=Path(".build/release/lake"), help="the lake binary")
    ap.add_argument("--workdir", type=Path, help="directory for the warehouse (default: a new temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the warehouse")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = ap.parse_args(argv)
    if args.commits < OLD_VERSION:
        ap.error(f"--commits must be at least {OLD_VERSION}")
    lake = args.lake.resolve()
    if not (lake.is_file() and os.access(lake, os.X_OK)):
        print(f"error: {lake} not found; build it with `swift build -c release`", file=sys.stderr)
        return 1

    from deltalake import DeltaTable  # imported before any timing

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lake-table-open-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse = workdir / "warehouse"
    env = dict(os.environ, LAKE_WAREHOUSE=str(warehouse))
    table_dir = warehouse / "bench" / "t"
    try:
        print(f"building a table of {args.commits:,} commits with lake in {warehouse} ...", flush=True)
        build_table(lake, env, table_dir, workdir, args.commits)

        # Untimed checks: everyone agrees on the counts.
        problems = []
        for cmd, want in (([lake, "count", "bench.t"], args.commits),
                          ([lake, "count", "bench.t", "--version", OLD_VERSION], OLD_VERSION),
                          ([lake, "count", table_dir], args.commits)):
            got = run(cmd, env).stdout.strip()
            if got != str(want):
                problems.append(f"{' '.join(map(str, cmd[1:]))} printed {got!r}, expected {want}")
        if DeltaTable(str(table_dir)).version() != args.commits:
            problems.append(f"delta-rs sees version {DeltaTable(str(table_dir)).version()}")
        if len(DeltaTable(str(table_dir), version=OLD_VERSION).file_uris()) != OLD_VERSION:
            problems.append("delta-rs sees another number of files at version 10")

        print("timing ...", flush=True)
        r = {}
        r["lake_count_latest_s"] = best_of(lambda: run([lake, "count", "bench.t"], env))
        r["lake_count_v10_s"] = best_of(lambda: run([lake, "count", "bench.t", "--version", OLD_VERSION], env))
        r["lake_count_path_s"] = best_of(lambda: run([lake, "count", table_dir], env))
        r["deltars_open_latest_s"] = best_of(lambda: DeltaTable(str(table_dir)).file_uris())
        r["deltars_open_v10_s"] = best_of(lambda: DeltaTable(str(table_dir), version=OLD_VERSION).file_uris())
        py = sys.executable
        snippet = "from deltalake import DeltaTable; DeltaTable({!r}{}).file_uris()"
        r["python_process_latest_s"] = best_of(lambda: run([py, "-c", snippet.format(str(table_dir), "")]))
        r["python_process_v10_s"] = best_of(
            lambda: run([py, "-c", snippet.format(str(table_dir), f", version={OLD_VERSION}")]))
        r["python_import_only_s"] = best_of(lambda: run([py, "-c", "import deltalake"]))

        def ratio(a, b):
            return r[a] / r[b] if r[b] > 0 else None

        r["ratios"] = {
            "deltars_in_process_latest / lake_latest": ratio("deltars_open_latest_s", "lake_count_latest_s"),
            "deltars_in_process_v10 / lake_v10": ratio("deltars_open_v10_s", "lake_count_v10_s"),
            "python_process_latest / lake_latest": ratio("python_process_latest_s", "lake_count_latest_s"),
            "python_process_v10 / lake_v10": ratio("python_process_v10_s", "lake_count_v10_s"),
        }
        r["commits"] = args.commits
        r["repeat"] = REPEAT
        r["problems"] = problems

        print()
        print(f"Delta table open: {args.commits:,} JSON commits, no checkpoint; best of {REPEAT}")
        print()
        rows = [
            ("lake count T (latest, whole process)", "lake_count_latest_s"),
            (f"lake count T --version {OLD_VERSION} (whole process)", "lake_count_v10_s"),
            ("lake count DIR (latest, by path)", "lake_count_path_s"),
            ("delta-rs DeltaTable(DIR).file_uris() (in process)", "deltars_open_latest_s"),
            (f"delta-rs DeltaTable(DIR, version={OLD_VERSION}) (in process)", "deltars_open_v10_s"),
            ("python -c delta-rs latest (whole process)", "python_process_latest_s"),
            (f"python -c delta-rs version={OLD_VERSION} (whole process)", "python_process_v10_s"),
            ("python -c 'import deltalake' (fixed cost)", "python_import_only_s"),
        ]
        print(f"{'measurement':<58} {'seconds':>9}")
        print("-" * 68)
        for label, key in rows:
            print(f"{label:<58} {r[key]:>9.4f}")
        print()
        print(f"{'ratio (above 1: lake is faster)':<58} {'value':>9}")
        print("-" * 68)
        for label, value in r["ratios"].items():
            print(f"{label:<58} {'-' if value is None else f'{value:.2f}':>9}")
        print()
        print("counts verified: lake and delta-rs agree" if not problems else "PROBLEMS: " + "; ".join(problems))
        if args.json:
            args.json.write_text(json.dumps(r, indent=2) + "\n")
        return 0 if not problems else 1
    finally:
        if args.keep:
            print(f"warehouse kept in {warehouse}")
        elif args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            shutil.rmtree(warehouse, ignore_errors=True)
            (workdir / "row.parquet").unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
