#!/usr/bin/env python3
"""Delete benchmark: `lake delete` against delta-rs (deltalake) `DeltaTable.delete`.

Builds (untimed, once) with delta-rs an unpartitioned event table of $BENCH_DML_ROWS (default
2,000,000) rows in $BENCH_DML_FILES (default 8) zstd files: event_id (unique, in random order),
ts (timestamp), event_type (one of 8 words), amount (double, 1% null), user_id (long). Each
repeat copies it afresh for each tool and deletes about 1% of the rows, scattered over every
file, so both tools rewrite every file:

    lake -w W delete DIR --where 'event_id % 100 = 0' --json -q     whole process
    python -c "DeltaTable(DIR).delete('event_id % 100 = 0')"       whole process (the in-process
                                                                   time is printed for reference)

alternating which runs first; prints the median wall time and peak RSS of each and the ratios
lake / delta-rs (targets: time <= 0.70, peak RSS <= 0.50). Once, untimed: both copies hold the
same rows (delta-rs reads both; the original's rows less the deleted ones), and lake's commit
is a DELETE whose metrics count the deleted rows. Nothing asserts on timings.

    bench/dml.sh                        # the defaults
    BENCH_DML_ROWS=500000 bench/dml.sh  # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from processes import deltalake_baseline, measure, medians, mib, print_footer, run

PREDICATE = "event_id % 100 = 0"
DELTARS_DELETE = """import sys, time
from deltalake import DeltaTable
t = time.perf_counter()
m = DeltaTable(sys.argv[1]).delete(sys.argv[2])
print(time.perf_counter() - t, m["num_deleted_rows"])
"""


def build_table(root: Path, rows: int, files: int) -> None:
    import numpy as np
    import pyarrow as pa
    from deltalake import WriterProperties, write_deltalake

    rng = np.random.default_rng(11)
    words = np.array(["view", "click", "search", "cart", "buy", "share", "like", "exit"])
    table = pa.table({
        "event_id": pa.array(rng.permutation(rows).astype(np.int64)),
        "ts": pa.array(1_704_067_200_000_000 + np.sort(rng.integers(0, 366 * 86_400 * 10**6, rows)), pa.timestamp("us", tz="UTC")),
        "event_type": pa.array(words[rng.integers(0, len(words), rows)].tolist()),
        "amount": pa.array(np.round(rng.lognormal(3, 1, rows), 2), mask=rng.random(rows) < 0.01),
        "user_id": pa.array(rng.integers(0, 100_000, rows), pa.int64()),
    })
    per = -(-rows // files)
    props = WriterProperties(compression="ZSTD")
    for i in range(files):
        write_deltalake(str(root), table.slice(i * per, per), mode="append", writer_properties=props)


def bench(args, lake: Path, warehouse: Path, workdir: Path) -> tuple[dict, list[str]]:
    from deltalake import DeltaTable

    template = workdir / "template"
    print(f"delete: building a {args.rows:,}-row table in {args.files} files with delta-rs ...", flush=True)
    build_table(template, args.rows, args.files)
    tables = {"lake": workdir / "lake", "delta-rs": workdir / "deltars"}
    commands = {"lake": [lake, "-w", warehouse, "delete", tables["lake"], "--where", PREDICATE, "--json", "-q"],
                "delta-rs": [sys.executable, "-c", DELTARS_DELETE, tables["delta-rs"], PREDICATE]}
    samples = {name: {"wall": [], "rss": [], "inner": []} for name in commands}
    deleted = {}
    for rep in range(args.repeats):
        for name in (commands if rep % 2 == 0 else list(reversed(commands))):
            shutil.rmtree(tables[name], ignore_errors=True)
            shutil.copytree(template, tables[name])
            wall, rss, out = measure(commands[name])
            samples[name]["wall"].append(wall)
            samples[name]["rss"].append(rss)
            if name == "lake":
                deleted[name] = json.loads(out)["rows_deleted"]
            else:
                inner, rows = out.split()
                samples[name]["inner"].append(float(inner))
                deleted[name] = int(rows)
            print(f"  repeat {rep + 1}: {name:<8} {wall:7.2f}s {rss / 2**20:7.0f} MiB", flush=True)
    problems = []
    expected = args.rows // 100
    for name in tables:
        if deleted[name] != expected:
            problems.append(f"{name} deleted {deleted[name]:,} rows, expected {expected:,}")
    original = DeltaTable(str(template)).to_pyarrow_table()
    import pyarrow.compute as pc
    want = original.filter(pc.not_equal(pc.modulo(original["event_id"], 100), 0)).sort_by("event_id")
    for name, table in tables.items():
        got = DeltaTable(str(table)).to_pyarrow_table().sort_by("event_id")
        if not got.equals(want.select(got.column_names)):
            problems.append(f"{name}'s table does not hold the original's rows less the deleted ones")
    result = medians(samples)
    result.update(rows=args.rows, files=args.files, deleted=expected)
    shutil.rmtree(template)
    return result, problems


def main(argv: list[str] | None = None) -> int:
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lake", type=Path, default=Path(".build/release/lake"))
    ap.add_argument("--rows", type=int, default=int(env("BENCH_DML_ROWS", "2000000")))
    ap.add_argument("--files", type=int, default=int(env("BENCH_DML_FILES", "8")))
    ap.add_argument("--repeats", type=int, default=int(env("BENCH_REPEATS", "3")))
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args(argv)
    lake = args.lake.resolve()
    workdir = Path(tempfile.mkdtemp(prefix="lake-dml-bench-", dir=args.workdir))
    try:
        warehouse = workdir / "warehouse"
        run([lake, "init", "-w", warehouse, "-q"])
        c, problems = bench(args, lake, warehouse, workdir)
        baseline = deltalake_baseline(sys.executable)
        print()
        print(f"Delete of {c['deleted']:,} of {c['rows']:,} rows ({PREDICATE!r}, every one of {c['files']} files rewritten); "
              f"median of {args.repeats}, whole processes")
        print()
        print(f"{'measurement':<52} {'lake':>10} {'delta-rs':>10} {'lake/d-rs':>10}   target")
        print("-" * 94)
        print(f"{'wall time (s)':<52} {c['lake_s']:>10.2f} {c['deltars_s']:>10.2f} {c['time_ratio']:>10.2f}   <= 0.70")
        print(f"{'peak RSS':<52} {mib(c['lake_peak_rss_bytes']):>10} {mib(c['deltars_peak_rss_bytes']):>10} "
              f"{c['rss_ratio']:>10.2f}   <= 0.50")
        print(f"{'wall time, delta-rs in process':<52} {c['lake_s']:>10.2f} {c['deltars_in_process_s']:>10.2f} "
              f"{c['lake_s'] / c['deltars_in_process_s']:>10.2f}")
        print()
        print_footer(baseline)
        print("checks passed: both tools' outputs verified" if not problems else "PROBLEMS:\n  " + "\n  ".join(problems))
        return 0 if not problems else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
