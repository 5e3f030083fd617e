#!/usr/bin/env python3
"""Table maintenance benchmark: `lake checkpoint` and `lake vacuum` against delta-rs (deltalake).

1. Checkpoint. Writes (untimed) a table's log directly as JSON, no data files: commit 0 with
   protocol (reader 1, writer 2), metaData (id long, name string, ts timestamp; unpartitioned;
   delta.checkpointInterval=1000000 so nothing checkpoints early) and commitInfo, then commits
   1..$BENCH_CHECKPOINT_COMMITS (default 20) sharing $BENCH_FILES (default 200,000) `add`
   actions with per-file statistics. Each repeat times, on its own copy of the table:

       lake -w W checkpoint DIR -q                       whole process
       python -c "DeltaTable(DIR).create_checkpoint()"   whole process (interpreter + import
                                                         included; the in-process time of open +
                                                         checkpoint is printed for reference)

   then deletes the checkpoint and _last_checkpoint. It prints the median wall time and peak
   RSS of each and the ratios lake / delta-rs. Once, untimed, it checks that the two
   checkpoints hold the same add paths, and that delta-rs (file_uris(), count() and null counts
   from the statistics) and DuckDB (delta_scan: all N files, all skipped by their statistics
   for `id < 0`) read lake's checkpoint right, from a copy of the log with the JSON commits
   deleted so only the checkpoint can answer.

2. Vacuum. Builds (untimed) a table whose commit 1 adds $BENCH_TOMBSTONES (default 10,000)
   tiny real files in the table's root, commit 2 removes them all (deletionTimestamp 30 days
   ago), commit 3 adds one live file. Each repeat copies it afresh for each tool and times:

       lake -w W vacuum DIR --retain 0 --force -q                          whole process
       python -c "DeltaTable(DIR).vacuum(retention_hours=0,
                  enforce_retention_duration=False, dry_run=False)"        whole process

   checking after each that exactly the tombstoned files are gone and the live one is left.
   It prints the median times and the ratio lake / delta-rs (target <= 0.70).

Ratios are lake / delta-rs: below 1 means lake is faster or smaller. Peak RSS is each child
process's own (GNU time's %M if /usr/bin/time is there, else os.wait4's ru_maxrss). Nothing
asserts on timings: the exit code is non-zero only when something fails to run or a check
fails.

    bench/maintenance.sh                                        # the defaults (1-2 minutes)
    BENCH_FILES=20000 BENCH_TOMBSTONES=2000 bench/maintenance.sh # quicker
    bench/maintenance.sh --lake /path/to/lake --only vacuum --json out.json

Knobs: $BENCH_FILES, $BENCH_CHECKPOINT_COMMITS, $BENCH_TOMBSTONES, $BENCH_REPEATS (default 3),
or the matching options (--files, --commits, --tombstones, --repeats).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from processes import print_comparison, deltalake_baseline, measure, medians, mib, print_footer, run, report_checks

COMMIT_FILE = re.compile(r"^\d{20}\.json$")
DAY_MS = 86_400_000
SCHEMA = {"type": "struct", "fields": [
    {"name": "id", "type": "long", "nullable": True, "metadata": {}},
    {"name": "name", "type": "string", "nullable": True, "metadata": {}},
    {"name": "ts", "type": "timestamp", "nullable": True, "metadata": {}},
]}
ROWS_PER_FILE = 100_000

# Run in a fresh interpreter; prints the seconds spent in delta-rs itself (after the import).
DELTARS_CHECKPOINT = """import sys, time
from deltalake import DeltaTable
t = time.perf_counter()
DeltaTable(sys.argv[1]).create_checkpoint()
print(time.perf_counter() - t)
"""
DELTARS_VACUUM = """import sys, time
from deltalake import DeltaTable
t = time.perf_counter()
n = len(DeltaTable(sys.argv[1]).vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False))
print(time.perf_counter() - t, n)
"""


# ---------------------------------------------------------------- processes

# ---------------------------------------------------------------- tables

def file_name(rng: random.Random) -> str:
    return f"part-00000-{uuid.UUID(int=rng.getrandbits(128), version=4)}-c000.zstd.parquet"


def header_actions(now_ms: int, interval: int) -> list[dict]:
    return [
        {"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}},
        {"metaData": {"id": str(uuid.uuid4()), "format": {"provider": "parquet", "options": {}},
                      "schemaString": json.dumps(SCHEMA, separators=(",", ":")), "partitionColumns": [],
                      "configuration": {"delta.checkpointInterval": str(interval)}, "createdTime": now_ms}},
        commit_info(now_ms, "CREATE TABLE"),
    ]


def commit_info(now_ms: int, operation: str) -> dict:
    return {"commitInfo": {"timestamp": now_ms, "operation": operation, "operationParameters": {},
                           "engineInfo": "lake-bench", "isBlindAppend": operation == "WRITE"}}


def write_commit(log: Path, version: int, actions) -> None:
    with open(log / f"{version:020d}.json", "w") as f:
        for action in actions:
            f.write(json.dumps(action, separators=(",", ":")))
            f.write("\n")


def stats(i: int, base_ms: int) -> str:
    """Statistics like a writer's for file number i: ROWS_PER_FILE rows, ids in one range."""
    lo, hi = i * ROWS_PER_FILE, (i + 1) * ROWS_PER_FILE - 1
    ts_lo, ts_hi = base_ms + i * 60_000, base_ms + i * 60_000 + 59_999

    def iso(ms: int) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"

    return json.dumps({"numRecords": ROWS_PER_FILE,
                       "minValues": {"id": lo, "name": f"name-{lo:012d}", "ts": iso(ts_lo)},
                       "maxValues": {"id": hi, "name": f"name-{hi:012d}", "ts": iso(ts_hi)},
                       "nullCount": {"id": 0, "name": i % 7, "ts": 0}}, separators=(",", ":"))


def build_checkpoint_table(root: Path, files: int, commits: int) -> None:
    log = root / "_delta_log"
    log.mkdir(parents=True)
    rng = random.Random(1)
    now_ms = int(time.time() * 1000)
    write_commit(log, 0, header_actions(now_ms, 1_000_000))
    base_ms = now_ms - 400 * DAY_MS
    per_commit, extra = divmod(files, commits)
    i = 0
    for version in range(1, commits + 1):
        count = per_commit + (1 if version <= extra else 0)
        actions = [{"add": {"path": file_name(rng), "partitionValues": {}, "size": 40_000_000 + rng.randrange(8_000_000),
                            "modificationTime": now_ms, "dataChange": True, "stats": stats(i + j, base_ms)}}
                   for j in range(count)]
        i += count
        actions.append(commit_info(now_ms, "WRITE"))
        write_commit(log, version, actions)


def build_vacuum_table(root: Path, tombstones: int) -> list[str]:
    """The table for the vacuum benchmark; returns the tombstoned paths."""
    log = root / "_delta_log"
    log.mkdir(parents=True)
    rng = random.Random(2)
    now_ms = int(time.time() * 1000)
    write_commit(log, 0, header_actions(now_ms, 100))
    names = [file_name(rng) for _ in range(tombstones)]
    for name in names:
        (root / name).write_bytes(b"PAR1")
    write_commit(log, 1, [*({"add": {"path": n, "partitionValues": {}, "size": 4, "modificationTime": now_ms,
                                     "dataChange": True, "stats": stats(k, now_ms)}} for k, n in enumerate(names)),
                          commit_info(now_ms, "WRITE")])
    removed_ms = now_ms - 30 * DAY_MS
    write_commit(log, 2, [*({"remove": {"path": n, "deletionTimestamp": removed_ms, "dataChange": True,
                                        "extendedFileMetadata": True, "partitionValues": {}, "size": 4}}
                            for n in names),
                          commit_info(now_ms, "DELETE")])
    live = file_name(rng)
    (root / live).write_bytes(b"PAR1")
    write_commit(log, 3, [{"add": {"path": live, "partitionValues": {}, "size": 4, "modificationTime": now_ms,
                                   "dataChange": True, "stats": stats(tombstones, now_ms)}},
                          commit_info(now_ms, "WRITE")])
    return names


def drop_checkpoints(table: Path) -> None:
    """Deletes everything in the log but the JSON commits (checkpoints, _last_checkpoint, …)."""
    for entry in (table / "_delta_log").iterdir():
        if not COMMIT_FILE.match(entry.name):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def checkpoint_files(table: Path) -> list[Path]:
    return sorted((table / "_delta_log").glob("*.checkpoint*.parquet"))


def data_files(table: Path) -> set[str]:
    return {e.name for e in table.iterdir() if e.is_file()}


# ---------------------------------------------------------------- benchmarks

def duckdb_check(table: Path, files: int) -> list[str]:
    """DuckDB's delta_scan of the table: a filter no file's statistics allow must skip all `files`
    (its plan shows "Scanning Files: 0/N"). Without the duckdb-extension-delta wheel, counts the
    add rows of the checkpoint with read_parquet instead."""
    import duckdb

    try:
        import duckdb_extension_delta
    except ImportError:
        parts = [str(p) for p in checkpoint_files(table)]
        got = duckdb.sql(f"SELECT count(DISTINCT add.path) FROM read_parquet({parts!r}) WHERE add IS NOT NULL").fetchone()[0]
        print("  (duckdb-extension-delta not installed: DuckDB reads the checkpoint with read_parquet)")
        return [] if got == files else [f"DuckDB reads {got:,} adds in lake's checkpoint, expected {files:,}"]
    ext = Path(duckdb_extension_delta.__file__).parent / "extensions" / f"v{duckdb.__version__}" / "delta.duckdb_extension"
    con = duckdb.connect(config={"allow_unsigned_extensions": "true", "autoinstall_known_extensions": "false",
                                 "autoload_known_extensions": "false"})
    try:
        con.execute(f"LOAD '{ext}'")
        plan = con.sql(f"EXPLAIN ANALYZE SELECT count(*) FROM delta_scan('{table}') WHERE id < 0").fetchall()[0][1]
    finally:
        con.close()
    scanned = re.search(r"Scanning Files:[\s│]*(\d+)/(\d+)", plan)
    if not scanned or (int(scanned[1]), int(scanned[2])) != (0, files):
        seen = f"{scanned[1]}/{scanned[2]}" if scanned else "no file count"
        return [f"DuckDB's delta_scan of lake's checkpoint shows {seen} files scanned, expected 0/{files}"]
    return []


def bench_checkpoint(args, lake: Path, warehouse: Path, workdir: Path) -> tuple[dict, list[str]]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from deltalake import DeltaTable

    template = workdir / "checkpoint-template"
    print(f"checkpoint: writing a log of {args.files:,} adds in {args.commits} commits ...", flush=True)
    start = time.perf_counter()
    build_checkpoint_table(template, args.files, args.commits)
    log_bytes = sum(f.stat().st_size for f in (template / "_delta_log").iterdir())
    print(f"  {log_bytes / 1e6:.0f} MB of JSON in {time.perf_counter() - start:.1f}s", flush=True)
    tables = {"lake": workdir / "checkpoint-lake", "delta-rs": workdir / "checkpoint-deltars"}
    for table in tables.values():
        shutil.copytree(template, table)
    shutil.rmtree(template)
    commands = {"lake": [lake, "checkpoint", tables["lake"], "-w", warehouse, "-q"],
                "delta-rs": [sys.executable, "-c", DELTARS_CHECKPOINT, tables["delta-rs"]]}
    samples = {name: {"wall": [], "rss": [], "inner": []} for name in commands}
    problems = []
    for rep in range(args.repeats):
        order = list(commands) if rep % 2 == 0 else list(reversed(commands))
        for name in order:
            drop_checkpoints(tables[name])
            wall, rss, out = measure(commands[name])
            samples[name]["wall"].append(wall)
            samples[name]["rss"].append(rss)
            if name == "delta-rs":
                samples[name]["inner"].append(float(out.split()[0]))
            print(f"  repeat {rep + 1}: {name:<8} {wall:7.2f}s {rss / 2**20:7.0f} MiB", flush=True)
            if not checkpoint_files(tables[name]):
                problems.append(f"{name} wrote no checkpoint")

    # Untimed checks on the last repeat's checkpoints.
    paths = {}
    for name, table in tables.items():
        found = set()
        rows = 0
        for part in checkpoint_files(table):
            add = pq.read_table(part, columns=["add"]).column("add").combine_chunks()
            valid = add.filter(add.is_valid())
            rows += len(valid)
            found.update(valid.field("path").to_pylist())
        paths[name] = found
        if rows != args.files or len(found) != args.files:
            problems.append(f"{name}'s checkpoint has {rows:,} add rows ({len(found):,} paths), expected {args.files:,}")
    if paths["lake"] != paths["delta-rs"]:
        problems.append(f"the checkpoints' add paths differ ({len(paths['lake'] ^ paths['delta-rs']):,} not in both)")
    # Only lake's checkpoint left to read from: delete the JSON commits it covers.
    only = workdir / "checkpoint-only"
    shutil.copytree(tables["lake"] / "_delta_log", only / "_delta_log",
                    ignore=lambda _d, names: [n for n in names if COMMIT_FILE.match(n)])
    try:
        dt = DeltaTable(str(only))
        if dt.version() != args.commits:
            problems.append(f"delta-rs reads version {dt.version()} from lake's checkpoint, expected {args.commits}")
        if len(dt.file_uris()) != args.files:
            problems.append(f"delta-rs reads {len(dt.file_uris()):,} files from lake's checkpoint, expected {args.files:,}")
        rows = dt.count()
        if rows != args.files * ROWS_PER_FILE:
            problems.append(f"delta-rs counts {rows:,} rows from lake's checkpoint's statistics, expected {args.files * ROWS_PER_FILE:,}")
        nulls = pc.sum(pa.table(dt.get_add_actions(flatten=True)).column("null_count.name")).as_py()
        if nulls != sum(i % 7 for i in range(args.files)):
            problems.append(f"delta-rs reads {nulls} null names from lake's checkpoint's statistics")
        problems += duckdb_check(only, args.files)
    except Exception as e:  # e.g. no checkpoint to read: report it with the rest
        problems.append(f"reading lake's checkpoint failed: {type(e).__name__}: {e}")
    for table in (*tables.values(), only):
        shutil.rmtree(table)

    result = medians(samples)
    result.update({
        "files": args.files, "commits": args.commits, "log_bytes": log_bytes,
    })
    return result, problems


def bench_vacuum(args, lake: Path, warehouse: Path, workdir: Path) -> tuple[dict, list[str]]:
    template = workdir / "vacuum-template"
    print(f"vacuum: building a table of {args.tombstones:,} tombstoned files ...", flush=True)
    names = set(build_vacuum_table(template, args.tombstones))
    before = data_files(template)
    live = before - names
    table = workdir / "vacuum-table"
    commands = {"lake": [lake, "vacuum", table, "--retain", "0", "--force", "-w", warehouse, "-q"],
                "delta-rs": [sys.executable, "-c", DELTARS_VACUUM, table]}
    samples = {name: {"wall": [], "rss": [], "inner": []} for name in commands}
    problems = []
    for rep in range(args.repeats):
        order = list(commands) if rep % 2 == 0 else list(reversed(commands))
        for name in order:
            shutil.rmtree(table, ignore_errors=True)
            shutil.copytree(template, table)
            wall, rss, out = measure(commands[name])
            samples[name]["wall"].append(wall)
            samples[name]["rss"].append(rss)
            if name == "delta-rs":
                inner, reported = out.split()
                samples[name]["inner"].append(float(inner))
                if int(reported) != args.tombstones:
                    problems.append(f"delta-rs reported {reported} files deleted, expected {args.tombstones:,}")
            after = data_files(table)
            deleted = before - after
            if deleted != names or after != live:
                problems.append(f"{name} deleted {len(deleted):,} files ({len(deleted & names):,} tombstoned), "
                                f"left {len(after):,}; expected exactly the {args.tombstones:,} tombstoned gone")
            print(f"  repeat {rep + 1}: {name:<8} {wall:7.2f}s {rss / 2**20:7.0f} MiB", flush=True)
    shutil.rmtree(table, ignore_errors=True)
    shutil.rmtree(template)

    result = medians(samples)
    result.update({
        "tombstones": args.tombstones,
    })
    return result, problems


# ---------------------------------------------------------------- report


def report(r: dict, repeats: int, baseline: tuple[float, int]) -> None:
    print()
    if "checkpoint" in r:
        c = r["checkpoint"]
        print(f"Checkpoint: {c['files']:,} live files in {c['commits'] + 1} JSON commits "
              f"({c['log_bytes'] / 1e6:.0f} MB); median of {repeats}, whole processes")
        print()
        print_comparison(c, "open + checkpoint")
        print()
    if "vacuum" in r:
        v = r["vacuum"]
        print(f"Vacuum: {v['tombstones']:,} tombstoned files (removed 30 days ago) + 1 live; "
              f"median of {repeats}, whole processes")
        print()
        print_comparison(v, "open + vacuum", time_target="<= 0.70", digits=3)
        print()
    print_footer(baseline)


def main(argv: list[str] | None = None) -> int:
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lake", type=Path, default=Path(".build/release/lake"), help="the lake binary")
    ap.add_argument("--files", type=int, default=int(env("BENCH_FILES", "200000")),
                    help="live files in the checkpoint table (default $BENCH_FILES or 200,000)")
    ap.add_argument("--commits", type=int, default=int(env("BENCH_CHECKPOINT_COMMITS", "20")),
                    help="commits sharing them (default $BENCH_CHECKPOINT_COMMITS or 20)")
    ap.add_argument("--tombstones", type=int, default=int(env("BENCH_TOMBSTONES", "10000")),
                    help="tombstoned files in the vacuum table (default $BENCH_TOMBSTONES or 10,000)")
    ap.add_argument("--repeats", type=int, default=int(env("BENCH_REPEATS", "3")),
                    help="runs of each measurement; medians are printed (default $BENCH_REPEATS or 3)")
    ap.add_argument("--only", choices=["checkpoint", "vacuum"], help="run one of the two benchmarks")
    ap.add_argument("--workdir", type=Path, help="directory for the tables (default: a new temporary one)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = ap.parse_args(argv)
    if args.files < 1 or args.commits < 1 or args.tombstones < 1 or args.repeats < 1:
        ap.error("--files, --commits, --tombstones and --repeats must be at least 1")
    lake = args.lake.resolve()
    if not (lake.is_file() and os.access(lake, os.X_OK)):
        print(f"error: {lake} not found; build it with `swift build -c release`", file=sys.stderr)
        return 1

    workdir = Path(tempfile.mkdtemp(prefix="lake-maintenance-bench-", dir=args.workdir))
    try:
        warehouse = workdir / "warehouse"  # lake wants one even for tables given by path
        run([lake, "init", "-w", warehouse, "-q"])
        results, problems = {}, []
        if args.only in (None, "checkpoint"):
            results["checkpoint"], found = bench_checkpoint(args, lake, warehouse, workdir)
            problems += found
        if args.only in (None, "vacuum"):
            results["vacuum"], found = bench_vacuum(args, lake, warehouse, workdir)
            problems += found
        baseline = deltalake_baseline(sys.executable)
        report(results, args.repeats, baseline)
        report_checks(problems)
        if args.json:
            results.update(repeats=args.repeats, import_deltalake_s=baseline[0], import_deltalake_rss_bytes=baseline[1],
                           problems=problems)
            args.json.write_text(json.dumps(results, indent=2) + "\n")
        return 0 if not problems else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
