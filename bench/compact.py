#!/usr/bin/env python3
"""Compaction benchmark: `lake compact` against delta-rs (deltalake) `optimize.compact()`.

Builds (untimed, once) an unpartitioned table of $BENCH_COMPACT_FILES (default 400) small
files: delta-rs creates it empty (id long, name string, amount double, ts timestamp;
delta.checkpointInterval=100) and appends $BENCH_COMPACT_ROWS (default 2,500) rows
$BENCH_COMPACT_FILES times, one commit and one zstd Parquet file each (about 47 KB;
1,000,000 rows and 19 MB in all with the defaults). The rows are random (numpy seed 7):
unique ids in random order, names from a list of first and last names, log-normal amounts
rounded to cents, timestamps over 2024 in append order, 1% null names and 1% null amounts.
delta-rs checkpoints the log as it goes (versions 99, 199, ...), so both tools read a
checkpoint written by delta-rs plus the JSON commits after it.

Each repeat copies the table afresh for each tool and times, with the same target size
($BENCH_COMPACT_TARGET_MB, default 128 MiB; far above the whole table, so everything
packs into one file):

    lake -w W compact DIR --target-size 128MB --json -q        whole process
    python -c "DeltaTable(DIR).optimize.compact(
               target_size=128 * 1024 * 1024)"                 whole process (interpreter +
                                                               import included; the in-process
                                                               time of open + compact is
                                                               printed for reference)

alternating which runs first, and prints the median wall time and peak RSS of each and the
ratios lake / delta-rs (targets: wall time <= 0.70, peak RSS <= 0.50). Each tool writes its
output with its own default codec (zstd for both). The compaction commit is version
FILES + 1; the checkpoint interval is moved off 100 if either tool would checkpoint there
(lake at versions v % interval == 0, delta-rs at (v + 1) % interval == 0), so neither does.

Once, untimed, on the last repeat's copies: delta-rs reads the same rows (the sorted
to_pyarrow_table() of each compacted copy equals the original's: same count, same multiset
of rows); lake's copy has at most 2 x ceil(input bytes / target) live files (what greedy
packing needs; 1 with the defaults), the live-file counts of both are printed; lake's new
commits are OPTIMIZE commits whose removes (exactly the original files) and adds (exactly
the live files after) all have dataChange=false; neither tool wrote a checkpoint; and
DuckDB's delta_scan of lake's copy gives the original's count, null counts, id sum,
amount sum and time range (skipped without the duckdb-extension-delta wheel).

Ratios are lake / delta-rs: below 1 means lake is faster or smaller. Peak RSS is each child
process's own (GNU time's %M if /usr/bin/time is there, else os.wait4's ru_maxrss). Nothing
asserts on timings: the exit code is non-zero only when something fails to run or a check
fails.

    bench/compact.sh                                  # the defaults (under a minute on 2 cores)
    BENCH_COMPACT_FILES=50 bench/compact.sh           # quicker
    bench/compact.sh --lake /path/to/lake --workdir /tmp --json out.json

Knobs: $BENCH_COMPACT_FILES, $BENCH_COMPACT_ROWS, $BENCH_COMPACT_TARGET_MB, $BENCH_REPEATS
(default 3), or the matching options (--files, --rows, --target-mb, --repeats).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from processes import print_comparison, deltalake_baseline, measure, medians, mib, print_footer, run, report_checks

COMMIT_FILE = re.compile(r"^(\d{20})\.json$")
FIRST_NAMES = ["Ada", "Alan", "Barbara", "Dennis", "Donald", "Edsger", "Frances", "Grace", "John", "Ken",
               "Leslie", "Linus", "Margaret", "Niklaus", "Radia", "Shafi", "Sophie", "Tim", "Tony", "Yukihiro"]
LAST_NAMES = ["Allen", "Berners-Lee", "Dijkstra", "Goldwasser", "Hamilton", "Hoare", "Hopper", "Knuth",
              "Lamport", "Liskov", "Lovelace", "Matsumoto", "McCarthy", "Perlman", "Ritchie", "Thompson",
              "Torvalds", "Turing", "Wilson", "Wirth"]
YEAR_2024_US = 1_704_067_200_000_000  # 2024-01-01T00:00:00Z in microseconds

# Run in a fresh interpreter; prints the seconds spent in delta-rs itself (after the import),
# then the files it added and their bytes.
DELTARS_COMPACT = """import sys, time
from deltalake import DeltaTable
t = time.perf_counter()
dt = DeltaTable(sys.argv[1])
if len(sys.argv) > 3:
    m = dt.optimize.z_order(sys.argv[3].split(","), target_size=int(sys.argv[2]))
else:
    m = dt.optimize.compact(target_size=int(sys.argv[2]))
print(time.perf_counter() - t, m["numFilesAdded"], m["numFilesRemoved"], m["filesAdded"])
"""


# ---------------------------------------------------------------- processes

# ---------------------------------------------------------------- the table

def checkpoint_interval(files: int) -> int:
    """100, or the next interval at which neither tool checkpoints the compaction commit
    (version files + 1): lake checkpoints v when v % interval == 0, delta-rs when
    (v + 1) % interval == 0."""
    version = files + 1
    return next(i for i in range(100, 1000) if version % i and (version + 1) % i)


def build_table(root: Path, files: int, rows: int, interval: int) -> None:
    import numpy as np
    import pyarrow as pa
    from deltalake import DeltaTable, WriterProperties, write_deltalake

    rng = np.random.default_rng(7)
    n = files * rows
    first = np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]
    names = np.char.add(np.char.add(first, " "), last)
    table = pa.table({
        "id": pa.array(rng.permutation(n).astype(np.int64) + 1_000_000),
        "name": pa.array(names.tolist(), pa.string(), mask=rng.random(n) < 0.01),
        "amount": pa.array(np.round(rng.lognormal(3.5, 1.2, n), 2), mask=rng.random(n) < 0.01),
        # UTC-adjusted microseconds: Delta's `timestamp` (not timestamp_ntz, which needs table features).
        "ts": pa.array(np.sort(YEAR_2024_US + rng.integers(0, 366 * 86_400 * 10**6, n)), pa.timestamp("us", tz="UTC")),
    })
    dt = DeltaTable.create(str(root), schema=table.schema, configuration={"delta.checkpointInterval": str(interval)})
    props = WriterProperties(compression="ZSTD")
    for i in range(files):
        write_deltalake(dt, table.slice(i * rows, rows), mode="append", writer_properties=props)


def live_files(table: Path) -> list[dict]:
    """The live add actions as delta-rs reads them: [{path, size_bytes, ...}]."""
    import pyarrow as pa
    from deltalake import DeltaTable

    return pa.table(DeltaTable(str(table)).get_add_actions(flatten=True)).select(["path", "size_bytes"]).to_pylist()


def sorted_rows(table: Path):
    from deltalake import DeltaTable

    t = DeltaTable(str(table)).to_pyarrow_table()
    return t.sort_by([(c, "ascending") for c in t.column_names]).combine_chunks()


def commits_after(table: Path, version: int) -> dict[int, list[dict]]:
    commits = {}
    for entry in (table / "_delta_log").iterdir():
        m = COMMIT_FILE.match(entry.name)
        if m and int(m[1]) > version:
            commits[int(m[1])] = [json.loads(line) for line in entry.read_text().splitlines() if line.strip()]
    return dict(sorted(commits.items()))


def checkpoints(table: Path) -> set[str]:
    return {e.name for e in (table / "_delta_log").iterdir() if ".checkpoint" in e.name}


def codec(table: Path, path: str) -> str:
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(table / path).metadata
    return meta.row_group(0).column(0).compression.lower() if meta.num_row_groups else "-"


# ---------------------------------------------------------------- checks

def check_lake_commits(table: Path, base_version: int, before: set[str], after: set[str]) -> list[str]:
    problems = []
    commits = commits_after(table, base_version)
    if not commits:
        return ["lake made no commit"]
    removed, added = [], []
    for version, actions in commits.items():
        info = next((a["commitInfo"] for a in actions if "commitInfo" in a), {})
        if info.get("operation") != "OPTIMIZE":
            problems.append(f"lake's commit {version} is {info.get('operation')!r}, expected 'OPTIMIZE'")
        for action in actions:
            for kind, into in (("remove", removed), ("add", added)):
                if kind in action:
                    into.append(action[kind]["path"])
                    if action[kind].get("dataChange") is not False:
                        problems.append(f"lake's commit {version}: {kind} {action[kind]['path']} has "
                                        f"dataChange={action[kind].get('dataChange')!r}, expected false")
    if len(removed) != len(set(removed)) or set(removed) != before:
        problems.append(f"lake removed {len(removed):,} files ({len(set(removed) & before):,} of the {len(before):,} "
                        f"originals), expected exactly the originals")
    if len(added) != len(set(added)) or set(added) != after:
        problems.append(f"lake added {len(added):,} files, but {len(after):,} are live after ({len(set(added) & after):,} in both)")
    return problems[:10]


def duckdb_check(table: Path, expected: dict) -> list[str]:
    """DuckDB's delta_scan of lake's compacted copy: the same aggregates as the original's."""
    import duckdb

    try:
        import duckdb_extension_delta
    except ImportError:
        print("  (duckdb-extension-delta not installed: no DuckDB check)")
        return []
    ext = Path(duckdb_extension_delta.__file__).parent / "extensions" / f"v{duckdb.__version__}" / "delta.duckdb_extension"
    con = duckdb.connect(config={"allow_unsigned_extensions": "true", "autoinstall_known_extensions": "false",
                                 "autoload_known_extensions": "false"})
    try:
        con.execute(f"LOAD '{ext}'")
        got = con.sql(f"SELECT count(*), count(name), count(amount), sum(id)::BIGINT, sum(amount), "
                      f"epoch_us(min(ts)), epoch_us(max(ts)) FROM delta_scan('{table}')").fetchone()
    finally:
        con.close()
    keys = ["rows", "names", "amounts", "id_sum", "amount_sum", "ts_min", "ts_max"]
    got = dict(zip(keys, got))
    bad = [k for k in keys if not (math.isclose(got[k], expected[k], rel_tol=1e-9) if k == "amount_sum" else got[k] == expected[k])]
    return [f"DuckDB's delta_scan of lake's copy gives {k}={got[k]!r}, expected {expected[k]!r}" for k in bad]


def aggregates(rows) -> dict:
    import pyarrow.compute as pc

    return {"rows": rows.num_rows, "names": rows.num_rows - rows.column("name").null_count,
            "amounts": rows.num_rows - rows.column("amount").null_count,
            "id_sum": pc.sum(rows.column("id")).as_py(), "amount_sum": pc.sum(rows.column("amount")).as_py(),
            "ts_min": pc.min(rows.column("ts")).cast("int64").as_py(), "ts_max": pc.max(rows.column("ts")).cast("int64").as_py()}


# ---------------------------------------------------------------- the benchmark

def bench(args, lake: Path, warehouse: Path, workdir: Path) -> tuple[dict, list[str]]:
    template = workdir / "template"
    interval = checkpoint_interval(args.files)
    print(f"compact: building a table of {args.files:,} files x {args.rows:,} rows with delta-rs "
          f"(zstd, delta.checkpointInterval={interval}) ...", flush=True)
    start = time.perf_counter()
    build_table(template, args.files, args.rows, interval)
    originals = live_files(template)
    sizes = [f["size_bytes"] for f in originals]
    input_bytes = sum(sizes)
    base_version = args.files  # create at 0, then one append each
    print(f"  {len(originals):,} files, {input_bytes / 1e6:.1f} MB (files of {min(sizes) / 1e3:.0f}-{max(sizes) / 1e3:.0f} KB, "
          f"mean {input_bytes / len(sizes) / 1e3:.0f} KB) in {time.perf_counter() - start:.1f}s; "
          f"target {args.target_mb} MiB", flush=True)
    target = args.target_mb * 1024 * 1024
    tables = {"lake": workdir / "compact-lake", "delta-rs": workdir / "compact-deltars"}
    commands = {"lake": [lake, "-w", warehouse, "compact", tables["lake"], "--target-size", f"{args.target_mb}MB", "--json", "-q"],
                "delta-rs": [sys.executable, "-c", DELTARS_COMPACT, tables["delta-rs"], target]}
    if args.zorder:
        commands["lake"] += ["--zorder-by", args.zorder]
        commands["delta-rs"].append(args.zorder)
    samples = {name: {"wall": [], "rss": [], "inner": []} for name in commands}
    reported = {}
    problems = []
    for rep in range(args.repeats):
        order = list(commands) if rep % 2 == 0 else list(reversed(commands))
        for name in order:
            shutil.rmtree(tables[name], ignore_errors=True)
            shutil.copytree(template, tables[name])
            wall, rss, out = measure(commands[name])
            samples[name]["wall"].append(wall)
            samples[name]["rss"].append(rss)
            if name == "lake":
                doc = json.loads(out)
                reported[name] = (doc["files_removed"], doc["files_added"], doc["bytes_added"])
            else:
                inner, added, removed, stats = out.split(maxsplit=3)
                samples[name]["inner"].append(float(inner))
                reported[name] = (int(removed), int(added), json.loads(stats)["totalSize"])
            if reported[name][0] != args.files:
                problems.append(f"{name} reported {reported[name][0]:,} files removed in repeat {rep + 1}, expected {args.files:,}")
            print(f"  repeat {rep + 1}: {name:<8} {wall:7.2f}s {rss / 2**20:7.0f} MiB", flush=True)

    # Untimed checks on the last repeat's copies.
    print("checking ...", flush=True)
    expected = sorted_rows(template)
    after = {}
    for name, table in tables.items():
        after[name] = live_files(table)
        got = sorted_rows(table)
        if got.num_rows != expected.num_rows:
            problems.append(f"{name}'s compacted table has {got.num_rows:,} rows, expected {expected.num_rows:,}")
        elif not got.equals(expected):
            problems.append(f"{name}'s compacted table has other rows than the original (same count, {got.num_rows:,})")
        new = checkpoints(table) - checkpoints(template)
        if new:
            problems.append(f"{name} wrote a checkpoint ({', '.join(sorted(new))}): the timings include it")
    bound = 2 * math.ceil(input_bytes / target)
    if not args.zorder and len(after["lake"]) > bound:
        problems.append(f"lake left {len(after['lake']):,} live files, expected at most {bound} for "
                        f"{input_bytes / 1e6:.1f} MB at a {args.target_mb} MiB target")
    if len(after["lake"]) != reported["lake"][1]:
        problems.append(f"lake reported {reported['lake'][1]} files added, but {len(after['lake'])} are live")
    problems += check_lake_commits(tables["lake"], base_version, {f["path"] for f in originals},
                                   {f["path"] for f in after["lake"]})
    problems += duckdb_check(tables["lake"], aggregates(expected))
    codecs = {name: ",".join(sorted({codec(tables[name], f["path"]) for f in after[name]})) for name in tables}
    for table in (*tables.values(), template):
        shutil.rmtree(table)

    result = medians(samples)
    result.update({
        "files": args.files, "rows_per_file": args.rows, "rows": expected.num_rows, "input_bytes": input_bytes,
        "target_size": target, "checkpoint_interval": interval,
        "lake_files_after": len(after["lake"]), "deltars_files_after": len(after["delta-rs"]),
        "lake_bytes_after": sum(f["size_bytes"] for f in after["lake"]),
        "deltars_bytes_after": sum(f["size_bytes"] for f in after["delta-rs"]),
        "lake_codec": codecs["lake"], "deltars_codec": codecs["delta-rs"], "zorder": args.zorder,
    })
    return result, problems


# ---------------------------------------------------------------- report


def report(c: dict, repeats: int, baseline: tuple[float, int]) -> None:
    print()
    what = f"Z-order by {c['zorder']} (lake compact --zorder-by, delta-rs optimize.z_order)" if c["zorder"] else "Compact"
    print(f"{what}: {c['files']:,} files of {c['rows_per_file']:,} rows ({c['rows']:,} rows, "
          f"{c['input_bytes'] / 1e6:.1f} MB, zstd), unpartitioned, target {c['target_size'] / 2**20:.0f} MiB; "
          f"median of {repeats}, whole processes")
    print()
    # The issue sets targets for packing; z-order is measured against delta-rs without one.
    packing = not c["zorder"]
    print_comparison(c, "open + " + ("z-order" if c["zorder"] else "compact"),
                     time_target="<= 0.70" if packing else None, rss_target="<= 0.50" if packing else None)
    print(f"{'live files after (before: ' + format(c['files'], ',') + ')':<52} {c['lake_files_after']:>10,} "
          f"{c['deltars_files_after']:>10,}")
    print(f"{'bytes after (MB; codec ' + c['lake_codec'] + ' / ' + c['deltars_codec'] + ')':<52} "
          f"{c['lake_bytes_after'] / 1e6:>10.1f} {c['deltars_bytes_after'] / 1e6:>10.1f} "
          f"{c['lake_bytes_after'] / c['deltars_bytes_after']:>10.2f}")
    print()
    print_footer(baseline)


def main(argv: list[str] | None = None) -> int:
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lake", type=Path, default=Path(".build/release/lake"), help="the lake binary")
    ap.add_argument("--files", type=int, default=int(env("BENCH_COMPACT_FILES", "400")),
                    help="small files (one append each) in the table (default $BENCH_COMPACT_FILES or 400)")
    ap.add_argument("--rows", type=int, default=int(env("BENCH_COMPACT_ROWS", "2500")),
                    help="rows per file (default $BENCH_COMPACT_ROWS or 2,500)")
    ap.add_argument("--target-mb", type=int, default=int(env("BENCH_COMPACT_TARGET_MB", "128")),
                    help="target file size in MiB, the same for both tools (default $BENCH_COMPACT_TARGET_MB or 128)")
    ap.add_argument("--repeats", type=int, default=int(env("BENCH_REPEATS", "3")),
                    help="runs of each tool; medians are printed (default $BENCH_REPEATS or 3)")
    ap.add_argument("--zorder", metavar="COLUMNS",
                    help="z-order by these comma-separated columns (lake --zorder-by, delta-rs optimize.z_order) instead of packing")
    ap.add_argument("--workdir", type=Path, help="directory for the tables (default: a new temporary one)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = ap.parse_args(argv)
    if args.files < 2 or args.rows < 1 or args.target_mb < 1 or args.repeats < 1:
        ap.error("--files must be at least 2, --rows, --target-mb and --repeats at least 1")
    lake = args.lake.resolve()
    if not (lake.is_file() and os.access(lake, os.X_OK)):
        print(f"error: {lake} not found; build it with `swift build -c release`", file=sys.stderr)
        return 1

    workdir = Path(tempfile.mkdtemp(prefix="lake-compact-bench-", dir=args.workdir))
    try:
        warehouse = workdir / "warehouse"  # lake wants one even for tables given by path
        run([lake, "init", "-w", warehouse, "-q"])
        result, problems = bench(args, lake, warehouse, workdir)
        baseline = deltalake_baseline(sys.executable)
        report(result, args.repeats, baseline)
        report_checks(problems)
        if args.json:
            result.update(repeats=args.repeats, import_deltalake_s=baseline[0], import_deltalake_rss_bytes=baseline[1],
                          problems=problems)
            args.json.write_text(json.dumps(result, indent=2) + "\n")
        return 0 if not problems else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
