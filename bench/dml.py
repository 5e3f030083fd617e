#!/usr/bin/env python3
"""DML benchmarks: `lake delete` against delta-rs (deltalake) `DeltaTable.delete`, and
`lake merge` against delta-rs `merge … when_matched_update_all().when_not_matched_insert_all()`.

Builds (untimed, once) with delta-rs an unpartitioned event table of $BENCH_DML_ROWS (default
2,000,000) rows in $BENCH_DML_FILES (default 8) zstd files: event_id (unique, in random order),
ts (timestamp), event_type (one of 8 words), amount (double, 1% null), user_id (long). Each
repeat copies it afresh for each tool and deletes about 1% of the rows, scattered over every
file, so both tools rewrite every file:

    lake -w W delete DIR --where 'event_id % 100 = 0' --json -q     whole process
    python -c "DeltaTable(DIR).delete('event_id % 100 = 0')"       whole process (the in-process
                                                                   time is printed for reference)

Then the merge of a 20,000-row Parquet source (half of it updates of existing event ids, half
new ids) keyed on event_id:

    lake -w W merge DIR source.parquet --on event_id --json -q
    python -c "DeltaTable(DIR).merge(pq.read_table(SRC), 't.event_id = s.event_id', …)
               .when_matched_update_all().when_not_matched_insert_all().execute()"

Each repeat copies the table afresh for each tool, alternating which runs first; prints the
median wall time and peak RSS of each and the ratios lake / delta-rs (targets: time <= 0.70,
peak RSS <= 0.50). Once, untimed: both copies hold the same rows (delta-rs reads both, and
pyarrow computes what they must hold). Nothing asserts on timings.

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

from processes import print_comparison, deltalake_baseline, measure, medians, mib, print_footer, run, report_checks

PREDICATE = "event_id % 100 = 0"
DELTARS_MERGE = """import sys, time
import pyarrow.parquet as pq
from deltalake import DeltaTable
t = time.perf_counter()
m = (DeltaTable(sys.argv[1]).merge(pq.read_table(sys.argv[2]), "t.event_id = s.event_id", source_alias="s", target_alias="t")
     .when_matched_update_all().when_not_matched_insert_all().execute())
print(time.perf_counter() - t, m["num_target_rows_updated"] + m["num_target_rows_inserted"])
"""
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


def race(commands: dict, tables: dict, template: Path, repeats: int, parse) -> tuple[dict, dict]:
    """Each repeat: fresh copies of `template`, each tool timed, alternating the order.
    `parse(name, stdout)` gives what the tool reports; returns the samples and those reports."""
    samples = {name: {"wall": [], "rss": [], "inner": []} for name in commands}
    reported = {}
    for rep in range(repeats):
        for name in (commands if rep % 2 == 0 else list(reversed(commands))):
            shutil.rmtree(tables[name], ignore_errors=True)
            shutil.copytree(template, tables[name])
            wall, rss, out = measure(commands[name])
            samples[name]["wall"].append(wall)
            samples[name]["rss"].append(rss)
            inner, reported[name] = parse(name, out)
            if inner is not None:
                samples[name]["inner"].append(inner)
            print(f"  repeat {rep + 1}: {name:<8} {wall:7.2f}s {rss / 2**20:7.0f} MiB", flush=True)
    return samples, reported


def same_rows(tables: dict, want, problems: list[str], what: str) -> None:
    from deltalake import DeltaTable

    for name, table in tables.items():
        got = DeltaTable(str(table)).to_pyarrow_table().sort_by("event_id")
        if not got.equals(want.select(got.column_names)):
            problems.append(f"{name}'s table after the {what} does not hold the rows it must")


def bench(args, lake: Path, warehouse: Path, workdir: Path) -> tuple[list[dict], list[str]]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from deltalake import DeltaTable

    template = workdir / "template"
    print(f"dml: building a {args.rows:,}-row table in {args.files} files with delta-rs ...", flush=True)
    build_table(template, args.rows, args.files)
    original = DeltaTable(str(template)).to_pyarrow_table()
    tables = {"lake": workdir / "lake", "delta-rs": workdir / "deltars"}
    problems: list[str] = []
    results = []

    print("delete:", flush=True)
    commands = {"lake": [lake, "-w", warehouse, "delete", tables["lake"], "--where", PREDICATE, "--json", "-q"],
                "delta-rs": [sys.executable, "-c", DELTARS_DELETE, tables["delta-rs"], PREDICATE]}
    samples, reported = race(commands, tables, template, args.repeats, lambda name, out: (
        (None, json.loads(out)["rows_deleted"]) if name == "lake" else (float(out.split()[0]), int(out.split()[1]))))
    for name in tables:
        if reported[name] != args.rows // 100:
            problems.append(f"{name} deleted {reported[name]:,} rows, expected {args.rows // 100:,}")
    same_rows(tables, original.filter(pc.not_equal(pc.modulo(original["event_id"], 100), 0)).sort_by("event_id"),
              problems, "delete")
    result = medians(samples)
    result.update(operation="delete", what=f"Delete of {args.rows // 100:,} of {args.rows:,} rows ({PREDICATE!r}, rows in every one of {args.files} files)")
    results.append(result)

    print("merge:", flush=True)
    rng = np.random.default_rng(3)
    half = args.source // 2
    updates = original.take(pa.array(rng.choice(original.num_rows, half, replace=False)))
    updates = updates.set_column(updates.schema.get_field_index("amount"), "amount", pa.array(np.full(half, 1.25)))
    inserts = original.slice(0, args.source - half)
    inserts = inserts.set_column(0, "event_id", pa.array(np.arange(args.rows, args.rows + inserts.num_rows, dtype=np.int64)))
    source = pa.concat_tables([updates, inserts.cast(updates.schema)])
    source_path = workdir / "source.parquet"
    pq.write_table(source, source_path)
    commands = {"lake": [lake, "-w", warehouse, "merge", tables["lake"], source_path, "--on", "event_id", "--json", "-q"],
                "delta-rs": [sys.executable, "-c", DELTARS_MERGE, tables["delta-rs"], source_path]}
    samples, reported = race(commands, tables, template, args.repeats, lambda name, out: (
        (None, (lambda d: d["rows_updated"] + d["rows_inserted"])(json.loads(out))) if name == "lake"
        else (float(out.split()[0]), int(out.split()[1]))))
    for name in tables:
        if reported[name] != args.source:
            problems.append(f"{name} merged {reported[name]:,} rows, expected {args.source:,}")
    kept = original.filter(pc.invert(pc.is_in(original["event_id"], source["event_id"])))
    same_rows(tables, pa.concat_tables([kept, source.cast(kept.schema)]).sort_by("event_id"), problems, "merge")
    result = medians(samples)
    result.update(operation="merge", what=f"Merge of a {args.source:,}-row source ({half:,} updates, {args.source - half:,} inserts) "
                       f"into {args.rows:,} rows on event_id")
    results.append(result)
    shutil.rmtree(template)
    return results, problems


def main(argv: list[str] | None = None) -> int:
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lake", type=Path, default=Path(".build/release/lake"))
    ap.add_argument("--rows", type=int, default=int(env("BENCH_DML_ROWS", "2000000")))
    ap.add_argument("--files", type=int, default=int(env("BENCH_DML_FILES", "8")))
    ap.add_argument("--source", type=int, default=int(env("BENCH_DML_SOURCE", "20000")), help="merge source rows")
    ap.add_argument("--repeats", type=int, default=int(env("BENCH_REPEATS", "3")))
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args(argv)
    lake = args.lake.resolve()
    workdir = Path(tempfile.mkdtemp(prefix="lake-dml-bench-", dir=args.workdir))
    try:
        warehouse = workdir / "warehouse"
        run([lake, "init", "-w", warehouse, "-q"])
        results, problems = bench(args, lake, warehouse, workdir)
        baseline = deltalake_baseline(sys.executable)
        for c in results:
            print()
            print(f"{c['what']}; median of {args.repeats}, whole processes")
            print()
            print_comparison(c, "open + " + c["operation"], time_target="<= 0.70", rss_target="<= 0.50")
        print()
        print_footer(baseline)
        return report_checks(problems)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
