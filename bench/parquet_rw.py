#!/usr/bin/env python3
"""Parquet write/read benchmark: lake's Parquet layer against pyarrow.

Generates a deterministic table (numpy, seed 42; 5,000,000 rows unless $BENCH_ROWS or
--rows says otherwise):

    id        int64              sequential
    value     double             standard normal, 10% nulls
    category  string             one of 20 values (dictionary-friendly)
    token     string             16 hex digits of a random 64-bit number (high cardinality)
    ts        timestamp[us, UTC] increasing, one second apart plus up to 0.5 s of jitter

writes it once, UNCOMPRESSED, as input.parquet (untimed), then measures, best of 3 each:

    pyarrow write   pq.write_table(t, "py.parquet", compression="zstd", compression_level=3)
                    on the table already in memory
    lake write      lake-bench write input.parquet lake.parquet --codec zstd --level 3 --repeat 3
                    (lake-bench loads the input untimed and times only the write)
    pyarrow read    pq.read_table(f) for f in py.parquet, lake.parquet
    lake read       lake-bench read f --repeat 3 for f in py.parquet, lake.parquet

and prints the timings, the file sizes and the ratios against their targets:

    write speed  pyarrow_write_s / lake_write_s        >= 1.0
    size         lake_size / pyarrow_size              <= 1.05
    read speed   pyarrow_read_s / lake_read_s (same f) >= 0.8

Finally it checks, untimed, that pyarrow reads lake.parquet equal to the input table.
Nothing here asserts on timings: the exit code is non-zero only when something fails to
run or lake's file does not read back equal.

Usage: bench/parquet_rw.sh [--rows N] [--workdir DIR] [--keep] [--json FILE] [--skip-lake]
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

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT_ROWS = 5_000_000
SEED = 42
REPEAT = 3
ZSTD_LEVEL = 3
N_CATEGORIES = 20
NULL_FRACTION = 0.10

# ratio name -> (comparison, target)
TARGETS = {
    "write_speed": (">=", 1.0),
    "size": ("<=", 1.05),
    "read_speed_py_file": (">=", 0.8),
    "read_speed_lake_file": (">=", 0.8),
}


# ----------------------------------------------------------------------------- data


def _hex_tokens(values: np.ndarray) -> pa.Array:
    """16-character lowercase hex strings of uint64 values, built without Python loops."""
    n = len(values)
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    raw = values.astype(">u8").view(np.uint8).reshape(n, 8)  # big-endian bytes
    chars = np.empty((n, 16), dtype=np.uint8)
    chars[:, 0::2] = digits[raw >> 4]
    chars[:, 1::2] = digits[raw & 0x0F]
    offsets = np.arange(0, 16 * (n + 1), 16, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))


def make_table(n_rows: int, seed: int = SEED) -> pa.Table:
    """The benchmark table; the same for the same (n_rows, seed) on every machine."""
    rng = np.random.default_rng(seed)
    ids = np.arange(n_rows, dtype=np.int64)

    values = rng.standard_normal(n_rows)
    value_nulls = rng.random(n_rows) < NULL_FRACTION

    categories = pa.array([f"category-{i:02d}" for i in range(N_CATEGORIES)], pa.string())
    category_idx = rng.integers(0, N_CATEGORIES, n_rows, dtype=np.int32)
    category = pa.DictionaryArray.from_arrays(pa.array(category_idx), categories).dictionary_decode()

    tokens = _hex_tokens(rng.integers(0, 2**64 - 1, n_rows, dtype=np.uint64, endpoint=True))

    start_us = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
    jitter = rng.integers(0, 500_000, n_rows, dtype=np.int64)
    ts = start_us + ids * 1_000_000 + jitter  # strictly increasing: jitter < 1 s step

    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "value": pa.array(values, pa.float64(), mask=value_nulls),
        "category": category,
        "token": tokens,
        "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
    })


# ----------------------------------------------------------------------------- timing


def best_of(fn, repeat: int = REPEAT) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run_lake_bench(lake_bench: Path, *args) -> dict:
    """Run lake-bench and return its JSON result {"seconds": best, "rows": N}."""
    cmd = [str(lake_bench), *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"error: {' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr.strip()}")
    # The result is the last line of stdout that is a JSON object.
    for line in reversed(proc.stdout.strip().splitlines()):
        try:
            result = json.loads(line)
        except ValueError:
            continue
        if isinstance(result, dict) and "seconds" in result:
            return result
    raise SystemExit(f"error: {' '.join(cmd)} printed no JSON result:\n{proc.stdout.strip()}")


# ----------------------------------------------------------------------------- report


def mb(n_bytes: int | None) -> str:
    return "-" if n_bytes is None else f"{n_bytes / 1e6:,.1f} MB"


def secs(s: float | None) -> str:
    return "-" if s is None else f"{s:.3f}"


def judge(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    op, target = TARGETS[name]
    ok = value >= target if op == ">=" else value <= target
    return "ok" if ok else "MISS"


def print_report(r: dict):
    n = r["rows"]
    print()
    print(f"Parquet read/write benchmark: {n:,} rows, best of {REPEAT}, zstd level {ZSTD_LEVEL}")
    print(f"input.parquet (uncompressed, pyarrow): {mb(r['sizes']['input'])}")
    print()
    rows = [
        ("pyarrow write  -> py.parquet", r["pyarrow_write_s"], r["sizes"]["py"]),
        ("lake    write  -> lake.parquet", r["lake_write_s"], r["sizes"]["lake"]),
        ("pyarrow read   py.parquet", r["pyarrow_read_s"]["py"], None),
        ("pyarrow read   lake.parquet", r["pyarrow_read_s"]["lake"], None),
        ("lake    read   py.parquet", r["lake_read_s"]["py"], None),
        ("lake    read   lake.parquet", r["lake_read_s"]["lake"], None),
        ("(pyarrow read py.parquet, 1 thread)", r["pyarrow_read_1t_s"]["py"], None),
        ("(pyarrow read lake.parquet, 1 thread)", r["pyarrow_read_1t_s"]["lake"], None),
    ]
    print(f"{'measurement':<40} {'seconds':>9} {'file size':>12}")
    print("-" * 63)
    for label, s, size in rows:
        print(f"{label:<40} {secs(s):>9} {mb(size) if size else '':>12}")
    print()
    ratios = [
        ("write speed   pyarrow_s / lake_s", "write_speed"),
        ("size          lake / pyarrow", "size"),
        ("read speed    py.parquet   pyarrow_s / lake_s", "read_speed_py_file"),
        ("read speed    lake.parquet pyarrow_s / lake_s", "read_speed_lake_file"),
    ]
    print(f"{'ratio':<48} {'value':>7} {'target':>8}")
    print("-" * 70)
    for label, key in ratios:
        value = r["ratios"][key]
        op, target = TARGETS[key]
        shown = "-" if value is None else f"{value:.2f}"
        print(f"{label:<48} {shown:>7} {op + ' ' + format(target, '.2f'):>8}  {judge(key, value)}")
    print()
    print(r["verification"])


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ROWS", DEFAULT_ROWS)),
                    help=f"rows to generate (default $BENCH_ROWS or {DEFAULT_ROWS:,})")
    ap.add_argument("--lake-bench", type=Path, default=Path(".build/release/lake-bench"),
                    help="the lake-bench helper binary (default .build/release/lake-bench)")
    ap.add_argument("--workdir", type=Path, help="directory for the files (default: a new temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    ap.add_argument("--skip-lake", action="store_true", help="measure pyarrow only (to check the harness)")
    args = ap.parse_args(argv)

    run_lake = not args.skip_lake
    if run_lake and not (args.lake_bench.is_file() and os.access(args.lake_bench, os.X_OK)):
        print(f"error: {args.lake_bench} not found; build it with `swift build -c release` "
              "(or pass --skip-lake to measure pyarrow alone)", file=sys.stderr)
        return 1

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lake-parquet-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    input_path, py_path, lake_path = workdir / "input.parquet", workdir / "py.parquet", workdir / "lake.parquet"
    try:
        print(f"generating {args.rows:,} rows (seed {SEED}) in {workdir} ...", flush=True)
        pq.write_table(make_table(args.rows), input_path, compression="none")
        table = pq.read_table(input_path)  # the in-memory table pyarrow writes (untimed)

        print("pyarrow write ...", flush=True)
        pyarrow_write_s = best_of(
            lambda: pq.write_table(table, py_path, compression="zstd", compression_level=ZSTD_LEVEL))

        lake_write_s = None
        lake_read_s = {"py": None, "lake": None}
        if run_lake:
            print("lake write ...", flush=True)
            result = run_lake_bench(args.lake_bench, "write", input_path, lake_path,
                                    "--codec", "zstd", "--level", ZSTD_LEVEL, "--repeat", REPEAT)
            if result.get("rows") != args.rows:
                print(f"warning: lake-bench write reported {result.get('rows')} rows, expected {args.rows}")
            lake_write_s = float(result["seconds"])

        files = {"py": py_path, "lake": lake_path}
        pyarrow_read_s, pyarrow_read_1t_s = {"py": None, "lake": None}, {"py": None, "lake": None}
        for key, path in files.items():
            if not path.exists():
                continue
            print(f"reads of {path.name} ...", flush=True)
            pyarrow_read_s[key] = best_of(lambda: pq.read_table(path))
            pyarrow_read_1t_s[key] = best_of(lambda: pq.read_table(path, use_threads=False))
            if run_lake:
                result = run_lake_bench(args.lake_bench, "read", path, "--repeat", REPEAT)
                if result.get("rows") != args.rows:
                    print(f"warning: lake-bench read {path.name} reported {result.get('rows')} rows, expected {args.rows}")
                lake_read_s[key] = float(result["seconds"])

        sizes = {
            "input": input_path.stat().st_size,
            "py": py_path.stat().st_size,
            "lake": lake_path.stat().st_size if lake_path.exists() else None,
        }

        # Untimed: does pyarrow read lake's file back equal to the input?
        ok = True
        if lake_path.exists():
            got = pq.read_table(lake_path)
            problems = []
            if got.num_rows != table.num_rows:
                problems.append(f"{got.num_rows:,} rows instead of {table.num_rows:,}")
            else:
                for name in table.schema.names:
                    if name not in got.schema.names:
                        problems.append(f"column {name} missing")
                    elif not got.column(name).equals(table.column(name)):
                        problems.append(f"column {name} differs ({got.schema.field(name).type} vs {table.schema.field(name).type})")
            ok = not problems
            checksum = int(np.asarray(got.column("id").to_numpy()).sum()) if got.num_rows else 0
            verification = (
                f"verified: pyarrow reads lake.parquet equal to the input ({got.num_rows:,} rows, "
                f"all {len(table.schema)} columns; sum(id) = {checksum:,}, "
                f"{got.column('value').null_count:,} null values)"
                if ok else "VERIFICATION FAILED: pyarrow reads lake.parquet differently: " + "; ".join(problems)
            )
        else:
            verification = "lake.parquet not written (--skip-lake): nothing to verify"

        results = {
            "rows": args.rows,
            "seed": SEED,
            "repeat": REPEAT,
            "zstd_level": ZSTD_LEVEL,
            "pyarrow_version": pa.__version__,
            "pyarrow_write_s": pyarrow_write_s,
            "lake_write_s": lake_write_s,
            "pyarrow_read_s": pyarrow_read_s,
            "pyarrow_read_1t_s": pyarrow_read_1t_s,
            "lake_read_s": lake_read_s,
            "sizes": sizes,
            "ratios": {
                "write_speed": ratio(pyarrow_write_s, lake_write_s),
                "size": ratio(sizes["lake"], sizes["py"]),
                "read_speed_py_file": ratio(pyarrow_read_s["py"], lake_read_s["py"]),
                "read_speed_lake_file": ratio(pyarrow_read_s["lake"], lake_read_s["lake"]),
            },
            "verified": ok,
            "verification": verification,
        }
        print_report(results)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"files kept in {workdir}")
        elif args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            for p in (input_path, py_path, lake_path):
                p.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
