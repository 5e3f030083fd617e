#!/usr/bin/env python3
"""Quality benchmarks on the 2M-row events CSV of bench/ingest.py ($BENCH_ROWS, default
2,000,000 rows, generated once):

1. Constraint enforcement: `lake append` of the CSV into a fresh table, with and without the
   CHECK constraints `amount >= 0 AND qty BETWEEN 1 AND 100` and `event_type IS NOT NULL`
   (every row passes them), alternating; the ratio with / without (target <= 1.10).
2. `lake check --deep` of the loaded table (every page of every file decoded, statistics and
   row counts compared) against a DuckDB scan of it, `SELECT count(*) FROM delta_scan(…)` in
   a fresh process (target <= 1.0); DuckDB's in-process time, and a DuckDB scan that reads
   every value (`sum(hash(every column))`), are printed for reference.

Medians of $BENCH_REPEATS (default 3) runs, whole processes. Nothing asserts on timings.

    bench/quality.sh                          # the defaults
    BENCH_ROWS=500000 bench/quality.sh        # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from ingest import LAKE_DDL, generate_csv
from processes import measure, mib, run, report_checks

CONSTRAINTS = [("sane_amounts", "amount >= 0 AND qty BETWEEN 1 AND 100"), ("typed", "event_type IS NOT NULL")]
DUCKDB = """import sys, time
sys.path.insert(0, sys.argv[2])
import duckdb
from conftest import delta_extension_path
con = duckdb.connect(config={"allow_unsigned_extensions": True, "autoinstall_known_extensions": False,
                             "autoload_known_extensions": False})
con.execute(f"LOAD '{delta_extension_path()}'")
t = time.perf_counter()
rows = con.execute(sys.argv[3].replace("TABLE", f"delta_scan('{sys.argv[1]}')")).fetchall()[0][0]
print(time.perf_counter() - t, rows)
"""
COUNT = "SELECT count(*) FROM TABLE"
EVERY_VALUE = "SELECT count(*) + 0 * sum(hash(event_id, ts, event_type, amount, qty, session, note)) FROM TABLE"


def load(lake: Path, warehouse: Path, csv: Path, constrained: bool) -> tuple[float, int]:
    shutil.rmtree(warehouse, ignore_errors=True)
    run([lake, "-w", warehouse, "init", "-q"])
    run([lake, "-w", warehouse, "create", "ev", "--schema", LAKE_DDL, "-q"])
    if constrained:
        for name, expression in CONSTRAINTS:
            run([lake, "-w", warehouse, "alter", "ev", "add-constraint", name, expression, "-q"])
    wall, rss, out = measure([lake, "-w", warehouse, "append", "ev", csv, "--json", "-q"])
    return wall, rss


def main(argv: list[str] | None = None) -> int:
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lake", type=Path, default=Path(".build/release/lake"))
    ap.add_argument("--rows", type=int, default=int(env("BENCH_ROWS", "2000000")))
    ap.add_argument("--repeats", type=int, default=int(env("BENCH_REPEATS", "3")))
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args(argv)
    lake = args.lake.resolve()
    interop = Path(__file__).resolve().parent.parent / "Tests" / "Interop"
    workdir = Path(tempfile.mkdtemp(prefix="lake-quality-bench-", dir=args.workdir))
    problems: list[str] = []
    try:
        csv = workdir / "events.csv"
        print(f"quality: generating {args.rows:,} rows ...", flush=True)
        generate_csv(csv, args.rows)
        loads = {False: [], True: []}
        for rep in range(args.repeats):
            for constrained in ((False, True) if rep % 2 == 0 else (True, False)):
                wall, rss = load(lake, workdir / ("wh-checked" if constrained else "wh-plain"), csv, constrained)
                loads[constrained].append((wall, rss))
                print(f"  repeat {rep + 1}: append {'with' if constrained else 'without'} constraints {wall:6.2f}s {rss / 2**20:5.0f} MiB", flush=True)
        plain = statistics.median(w for w, _ in loads[False])
        checked = statistics.median(w for w, _ in loads[True])
        warehouse = workdir / "wh-checked"
        table = warehouse / "default" / "ev"
        counted = json.loads(run([lake, "-w", warehouse, "count", "ev", "--json"]))["count"]
        if counted != args.rows:
            problems.append(f"the constrained table holds {counted:,} rows, expected {args.rows:,}")

        samples = {"lake": [], "duckdb": [], "duckdb_in": [], "every": [], "every_in": [], "lake_rss": [], "duckdb_rss": []}
        for rep in range(args.repeats):
            wall, rss, out = measure([lake, "-w", warehouse, "check", "ev", "--deep", "--json"])
            doc = json.loads(out)
            if not doc["ok"]:
                problems.append(f"check --deep found problems in a healthy table: {doc['problems'][:2]}")
            samples["lake"].append(wall)
            samples["lake_rss"].append(rss)
            for key, sql in (("duckdb", COUNT), ("every", EVERY_VALUE)):
                wall, rss, out = measure([sys.executable, "-c", DUCKDB, table, interop, sql])
                inner, rows = out.split()
                if int(rows) != args.rows:
                    problems.append(f"DuckDB counted {rows} rows, expected {args.rows:,}")
                samples[key].append(wall)
                samples[key + "_in"].append(float(inner))
                if key == "duckdb":
                    samples["duckdb_rss"].append(rss)
            print(f"  repeat {rep + 1}: check --deep {samples['lake'][-1]:5.2f}s, DuckDB count(*) {samples['duckdb'][-1]:5.2f}s, "
                  f"DuckDB every value {samples['every'][-1]:5.2f}s", flush=True)
        med = {k: statistics.median(v) for k, v in samples.items()}

        print()
        print(f"Constraint enforcement: append of {args.rows:,} CSV rows; median of {args.repeats}, whole processes")
        print(f"{'measurement':<52} {'plain':>10} {'checked':>10} {'ratio':>8}   target")
        print("-" * 92)
        print(f"{'wall time (s)':<52} {plain:>10.2f} {checked:>10.2f} {checked / plain:>8.2f}   <= 1.10")
        print()
        print(f"check --deep of the {args.rows:,}-row table against DuckDB; median of {args.repeats}, whole processes")
        print(f"{'measurement':<52} {'lake':>10} {'DuckDB':>10} {'ratio':>8}   target")
        print("-" * 92)
        print(f"{'wall time (s): check --deep vs count(*)':<52} {med['lake']:>10.2f} {med['duckdb']:>10.2f} {med['lake'] / med['duckdb']:>8.2f}   <= 1.00")
        print(f"{'peak RSS':<52} {mib(med['lake_rss']):>10} {mib(med['duckdb_rss']):>10} {med['lake_rss'] / med['duckdb_rss']:>8.2f}")
        print(f"{'  DuckDB count(*) in process (s)':<52} {med['lake']:>10.2f} {med['duckdb_in']:>10.3f} {med['lake'] / med['duckdb_in']:>8.2f}")
        print(f"{'  DuckDB reading every value, whole process (s)':<52} {med['lake']:>10.2f} {med['every']:>10.2f} {med['lake'] / med['every']:>8.2f}")
        print(f"{'  DuckDB reading every value, in process (s)':<52} {med['lake']:>10.2f} {med['every_in']:>10.2f} {med['lake'] / med['every_in']:>8.2f}")
        print()
        print("DuckDB answers count(*) from the files' footers; check --deep decodes every page, so the\n"
              "every-value scans are the like-for-like reference")
        return report_checks(problems, "outputs verified")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
