#!/usr/bin/env python3
"""Scan benchmark: `lake scan`/`lake count`, with and without predicates, against DuckDB.

Builds (untimed) the event table of the ingest benchmark (bench/ingest.py's generator,
numpy seed 42; 2,000,000 rows unless $BENCH_ROWS or --rows says otherwise; event_id is
sequential from 1, so the table is clustered by it):

    lake create ev --schema "event_id long not null, ts timestamp, event_type string,
                             amount double, qty int, session string, note string"
    lake append ev events.csv

then measures, whole process each (nothing subtracted), best of 3:

    (a) full scan to CSV   lake scan ev --format csv > /dev/null
                           duckdb: COPY (SELECT * FROM delta_scan(DIR)) TO '/dev/null' (FORMAT csv)
                           target lake_s / duckdb_s <= 1.0
    (b) selective, on the clustered id: --where "event_id BETWEEN 1000000 AND 1001000"
                           (the 1,001 ids from the middle: ROWS/2 .. ROWS/2+1000), output CSV,
                           DuckDB: the same COPY with WHERE                       <= 1.0
    (c) low selectivity, on a string column: --where "event_type = 'purchase'" when the
                           generator has that type, else 'search' (about 9% of rows), CSV <= 1.5
    (d) count              lake count ev   vs   SELECT count(*) FROM delta_scan(DIR)      <= 0.5
    (e) full scan to JSONL lake scan ev --format jsonl > /dev/null
                           duckdb: COPY (SELECT * FROM delta_scan(DIR)) TO '/dev/null' (FORMAT json)
                           (DuckDB's json format writes newline-delimited JSON; its json
                           extension is built into the wheel, nothing to load)  <= 1.0

DuckDB runs as `python -c` (import duckdb, load the delta extension from the
duckdb-extension-delta wheel, no network, run the query): the same whole-process
measurement as lake's. Its fixed start-up cost (the same with `SELECT 1`) and lake's
(`lake version`) are reported separately, not subtracted.

Verification (untimed): for every query lake and DuckDB return the same number of rows
(lines of lake's CSV or JSONL output, `lake count --where`, DuckDB's count(*); for (e) also
the lines DuckDB's COPY ... (FORMAT json) writes to a pipe, and lake's first JSONL line is
an object with the table's columns as keys), and query (b) returns exactly the ids of its
range. `lake scan --explain --analyze --json` is printed for (b) and (c).
Nothing asserts on timings: the exit code is non-zero only when something fails to run or
a verification fails.

Usage: bench/scan.sh [--rows N] [--workdir DIR] [--keep] [--json FILE] [--repeat N]
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

DEFAULT_ROWS = 2_000_000
REPEAT = 3
SELECTIVE_SPAN = 1000

# query key -> target for lake_s / duckdb_s
TARGETS = {"full_scan": 1.0, "selective_id": 1.0, "string_eq": 1.5, "count": 0.5, "full_scan_jsonl": 1.0}

DUCKDB_SCRIPT = r"""
import sys
import duckdb
con = duckdb.connect(config={"allow_unsigned_extensions": "true",
                             "autoinstall_known_extensions": "false",
                             "autoload_known_extensions": "false"})
con.execute("LOAD '" + sys.argv[1].replace("'", "''") + "'")
print(con.execute(sys.argv[2]).fetchall()[0][0])
"""

# For verification only: run a COPY ... TO '/dev/stdout' and print nothing else, so that
# the lines on stdout are exactly the rows DuckDB wrote (the progress bar, which the Python
# client draws on stdout for a query over 2 s, is off).
DUCKDB_STDOUT_SCRIPT = r"""
import sys
import duckdb
con = duckdb.connect(config={"allow_unsigned_extensions": "true",
                             "autoinstall_known_extensions": "false",
                             "autoload_known_extensions": "false"})
con.execute("SET enable_progress_bar = false")
con.execute("LOAD '" + sys.argv[1].replace("'", "''") + "'")
con.execute(sys.argv[2])
"""

# ----------------------------------------------------------------------------- data


def generate_input(workdir: Path, n_rows: int) -> tuple[Path, str, list[str]]:
    """The events input file, its lake DDL and the generator's event types.

    bench/ingest.py's CSV generator when it is there (the same rows the ingest benchmark
    loads); else an equivalent Parquet file generated here."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        import ingest  # bench/ingest.py

        path = workdir / f"events-{n_rows}.csv"
        ingest.generate_csv(path, n_rows)
        return path, ingest.LAKE_DDL, list(ingest.EVENT_TYPES)
    except (ImportError, AttributeError) as e:
        print(f"  (bench/ingest.py's generator unavailable: {e}; generating equivalent Parquet)", flush=True)
        return _fallback_parquet(workdir / f"events-{n_rows}.parquet", n_rows)


FALLBACK_EVENT_TYPES = ["page_view", "click", "scroll", "add_to_cart", "purchase", "search", "login", "logout"]


def _fallback_parquet(path: Path, n_rows: int) -> tuple[Path, str, list[str]]:
    """event_id sequential long (clustered), ts increasing, event_type low cardinality,
    amount double, qty int, session and note strings (10% null notes)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    ddl = ("event_id long not null, ts timestamp, event_type string, amount double, qty int, "
           "session string, note string")
    if path.exists():
        return path, ddl, FALLBACK_EVENT_TYPES
    rng = np.random.default_rng(42)
    ids = np.arange(1, n_rows + 1, dtype=np.int64)
    ts = 1_767_225_600_000_000 + (ids - 1) * 100_000 + rng.integers(0, 100_000, n_rows)
    weights = np.array([30, 22, 14, 8, 9, 9, 5, 3], dtype=np.float64)
    kinds = pa.array(FALLBACK_EVENT_TYPES).take(pa.array(rng.choice(len(weights), n_rows, p=weights / weights.sum())))
    notes = pa.array([f"note {i}, text" for i in range(600)]).take(pa.array(rng.integers(0, 600, n_rows)))
    table = pa.table({
        "event_id": pa.array(ids),
        "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
        "event_type": kinds,
        "amount": pa.array(np.round(rng.lognormal(8.0, 1.2, n_rows)) / 100),
        "qty": pa.array(rng.integers(1, 21, n_rows, dtype=np.int32)),
        "session": pa.array([f"s-{i:022x}" for i in rng.integers(0, max(1, n_rows // 8), n_rows)]),
        "note": pa.array(notes.to_pylist(), mask=rng.random(n_rows) < 0.10),
    })
    pq.write_table(table, path, compression="none")
    return path, ddl, FALLBACK_EVENT_TYPES


# ----------------------------------------------------------------------------- running


def delta_extension_path() -> Path:
    """The delta extension inside the duckdb-extension-delta wheel (as Tests/Interop loads it)."""
    import duckdb
    import duckdb_extension_delta

    path = (Path(duckdb_extension_delta.__file__).parent / "extensions" / f"v{duckdb.__version__}"
            / "delta.duckdb_extension")
    if not path.is_file():
        raise SystemExit(f"error: DuckDB delta extension not found at {path} "
                         f"(duckdb-extension-delta must match duckdb {duckdb.__version__})")
    return path


def run(cmd: list, env: dict | None = None, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], stdout=stdout, stderr=subprocess.PIPE, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"error: {' '.join(map(str, cmd))} exited {proc.returncode}:\n{(proc.stderr or '').strip()}")
    return proc


def best_of(cmd: list, env: dict | None, repeat: int) -> float:
    """Best wall time of `repeat` runs of a whole process, stdout to /dev/null."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run(cmd, env, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def csv_rows(cmd: list, env: dict | None) -> int:
    """Data lines of a CSV stream (the header line not counted), without holding it in memory;
    also the lines of a JSONL stream (no header). The generated text holds no newline inside
    a field."""
    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    lines, first, last = 0, None, b"\n"
    while True:
        chunk = proc.stdout.read(1 << 20)
        if not chunk:
            break
        if first is None:
            first = chunk[:64]
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    err = proc.stderr.read().decode("utf-8", "replace")
    if proc.wait() != 0:
        raise SystemExit(f"error: {' '.join(map(str, cmd))} exited {proc.returncode}:\n{err.strip()}")
    if last != b"\n":
        lines += 1
    header = first is not None and first.startswith(b"event_id")
    return lines - (1 if header else 0)


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ROWS", DEFAULT_ROWS)),
                    help=f"rows of the event table (default $BENCH_ROWS or {DEFAULT_ROWS:,})")
    ap.add_argument("--lake", type=Path, default=Path(".build/release/lake"), help="the lake binary")
    ap.add_argument("--python", default=sys.executable, help="python for the DuckDB processes (default: this one)")
    ap.add_argument("--workdir", type=Path, help="directory for the input and the table (default: a new temporary "
                    "one); the generated input is cached there")
    ap.add_argument("--keep", action="store_true", help="keep the generated input and the table")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    ap.add_argument("--repeat", type=int, default=REPEAT, help=f"runs per measurement (default {REPEAT})")
    args = ap.parse_args(argv)
    if args.rows < 2:
        ap.error("--rows must be at least 2")
    lake = args.lake.resolve()
    if not (lake.is_file() and os.access(lake, os.X_OK)):
        print(f"error: {lake} not found; build it with `swift build -c release`", file=sys.stderr)
        return 1
    import duckdb  # noqa: F401 - fail early when missing

    ext = delta_extension_path()
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="lake-scan-bench-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse = workdir / "warehouse"
    env = dict(os.environ, LAKE_WAREHOUSE=str(warehouse))
    table_dir = warehouse / "default" / "ev"
    try:
        print(f"generating {args.rows:,} events in {workdir} ...", flush=True)
        input_path, ddl, event_types = generate_input(workdir, args.rows)
        print(f"building table ev with lake create + lake append {input_path.name} ...", flush=True)
        shutil.rmtree(warehouse, ignore_errors=True)
        run([lake, "init", "-q"], env)
        run([lake, "create", "ev", "--schema", ddl, "-q"], env)
        start = time.perf_counter()
        run([lake, "append", "ev", input_path, "-q"], env)
        n_files = len(json.loads(run([lake, "files", "ev", "--json"], env).stdout)["files"])
        print(f"  appended in {time.perf_counter() - start:.1f} s ({n_files} data files)", flush=True)

        lo = max(1, args.rows // 2)
        hi = lo + SELECTIVE_SPAN
        kind = "purchase" if "purchase" in event_types else "search"
        where_b = f"event_id BETWEEN {lo} AND {hi}"
        where_c = f"event_type = '{kind}'"
        src = "delta_scan('" + str(table_dir).replace("'", "''") + "')"
        queries = {
            "full_scan": {"label": "(a) full scan to CSV", "where": None},
            "selective_id": {"label": f"(b) {where_b}", "where": where_b},
            "string_eq": {"label": f"(c) {where_c}", "where": where_c},
            "count": {"label": "(d) count, no predicate", "where": None},
            "full_scan_jsonl": {"label": "(e) full scan to JSONL", "where": None},
        }
        for key, q in queries.items():
            w = f" WHERE {q['where']}" if q["where"] else ""
            if key == "count":
                q["lake"] = [lake, "count", "ev"]
                q["duckdb_sql"] = f"SELECT count(*) FROM {src}"
            elif key == "full_scan_jsonl":
                # DuckDB's json format writes newline-delimited JSON (one object a line)
                q["lake"] = [lake, "scan", "ev", "--format", "jsonl"]
                q["duckdb_sql"] = f"COPY (SELECT * FROM {src}{w}) TO '/dev/null' (FORMAT json)"
            else:
                q["lake"] = [lake, "scan", "ev", "--format", "csv"] + (["--where", q["where"]] if q["where"] else [])
                q["duckdb_sql"] = f"COPY (SELECT * FROM {src}{w}) TO '/dev/null' (FORMAT csv)"
            q["duckdb"] = [args.python, "-c", DUCKDB_SCRIPT, ext, q["duckdb_sql"]]
            q["count_sql"] = f"SELECT count(*) FROM {src}{w}"

        # ---- untimed verification: the same row counts on both sides
        import duckdb as _duckdb

        con = _duckdb.connect(config={"allow_unsigned_extensions": "true", "autoinstall_known_extensions": "false",
                                      "autoload_known_extensions": "false"})
        con.execute(f"LOAD '{ext}'")
        problems: list[str] = []
        verification: list[str] = []
        for key, q in queries.items():
            duck_n = con.execute(q["count_sql"]).fetchone()[0]
            if key == "count":
                lake_n = int(run(q["lake"], env).stdout.strip())
                shown = f"lake count {lake_n:,}"
            else:
                lake_n = csv_rows(q["lake"], env)
                count_args = [lake, "count", "ev", "--json"] + (["--where", q["where"]] if q["where"] else [])
                counted = json.loads(run(count_args, env).stdout)["count"]
                shown = f"lake scan {lake_n:,} rows, lake count {counted:,}"
                if counted != duck_n:
                    problems.append(f"{q['label']}: lake count {counted} != DuckDB {duck_n}")
            if key == "full_scan_jsonl":
                # lines of both JSONL streams (lake's counted above), and the first objects' keys
                duck_sql = f"COPY (SELECT * FROM {src}) TO '/dev/stdout' (FORMAT json)"
                duck_lines = csv_rows([args.python, "-c", DUCKDB_STDOUT_SCRIPT, ext, duck_sql], None)
                shown += f", DuckDB JSON lines {duck_lines:,}"
                if duck_lines != duck_n:
                    problems.append(f"{q['label']}: DuckDB wrote {duck_lines} JSON lines != count {duck_n}")
                first = run([lake, "scan", "ev", "--format", "jsonl", "--limit", "1"], env).stdout.splitlines()
                try:
                    keys = list(json.loads(first[0])) if first else []
                except ValueError:
                    keys = None
                want_keys = [d[0] for d in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
                if keys != want_keys:
                    problems.append(f"{q['label']}: lake's first JSONL line {first[:1]!r} is not an object "
                                    f"with the keys {want_keys}")
            if lake_n != duck_n:
                problems.append(f"{q['label']}: lake {lake_n} rows != DuckDB {duck_n}")
            q["rows"] = duck_n
            verification.append(f"  {q['label']:<48} DuckDB {duck_n:>10,}   {shown}")
        ids_out = run([lake, "scan", "ev", "--where", where_b, "--columns", "event_id", "--format", "csv"],
                      env).stdout.split()
        ids = sorted(int(x) for x in ids_out if x.isdigit())
        want = list(range(lo, min(hi, args.rows) + 1))
        if ids != want:
            problems.append(f"(b) returned ids {ids[:3]}..{ids[-3:] if ids else []} ({len(ids)}), "
                            f"expected {lo}..{min(hi, args.rows)}")
        expl = {}
        for key in ("selective_id", "string_eq"):
            proc = subprocess.run([str(c) for c in [lake, "scan", "ev", "--where", queries[key]["where"],
                                                    "--explain", "--analyze", "--json"]],
                                  capture_output=True, text=True, env=env)
            try:
                expl[key] = json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr.strip()}
            except ValueError:
                expl[key] = {"error": f"not JSON: {proc.stdout[:200]!r}"}
        con.close()

        # ---- timing
        print(f"timing (whole process, best of {args.repeat}) ...", flush=True)
        r: dict = {"rows": args.rows, "repeat": args.repeat, "input": input_path.name, "queries": {},
                   "duckdb_version": _duckdb.__version__}
        r["duckdb_startup_s"] = best_of([args.python, "-c", DUCKDB_SCRIPT, ext, "SELECT 1"], None, args.repeat)
        r["lake_startup_s"] = best_of([lake, "version"], env, args.repeat)
        for key, q in queries.items():
            lake_s = best_of(q["lake"], env, args.repeat)
            duck_s = best_of(q["duckdb"], None, args.repeat)
            r["queries"][key] = {
                "label": q["label"], "lake_cmd": " ".join(map(str, q["lake"][1:])), "duckdb_sql": q["duckdb_sql"],
                "rows": q["rows"], "lake_s": lake_s, "duckdb_s": duck_s,
                "ratio": lake_s / duck_s if duck_s > 0 else None, "target": TARGETS[key],
            }
            print(f"  {q['label']}: lake {lake_s:.3f} s, duckdb {duck_s:.3f} s", flush=True)
        r["explain"] = expl
        r["problems"] = problems

        # ---- report
        print()
        print(f"Scan benchmark: {args.rows:,} events ({input_path.name}), whole process, best of {args.repeat}")
        print()
        print(f"{'query':<50} {'rows':>10} {'lake s':>8} {'duckdb s':>9} {'ratio':>6} {'target':>7}")
        print("-" * 96)
        for key, m in r["queries"].items():
            ratio = m["ratio"]
            verdict = "-" if ratio is None else ("ok" if ratio <= m["target"] else "MISS")
            print(f"{m['label']:<50} {m['rows']:>10,} {m['lake_s']:>8.3f} {m['duckdb_s']:>9.3f} "
                  f"{'-' if ratio is None else f'{ratio:.2f}':>6} {'<= ' + format(m['target'], '.1f'):>7}  {verdict}")
        print()
        print(f"{'fixed cost: python -c duckdb + LOAD delta + SELECT 1':<50} {'':>10} {'':>8} "
              f"{r['duckdb_startup_s']:>9.3f}")
        print(f"{'fixed cost: lake version':<50} {'':>10} {r['lake_startup_s']:>8.3f}")
        print("(ratio = lake_s / duckdb_s, whole processes, nothing subtracted)")
        print()
        for key in ("selective_id", "string_eq"):
            print(f"lake scan --where {queries[key]['where']!r} --explain --analyze --json: {json.dumps(expl[key])}")
        print()
        print("row counts (untimed):")
        for line in verification:
            print(line)
        print("verified: lake and DuckDB agree" if not problems else "PROBLEMS: " + "; ".join(problems))
        if args.json:
            args.json.write_text(json.dumps(r, indent=2) + "\n")
        return 0 if not problems else 1
    finally:
        if args.keep:
            print(f"kept {workdir}")
        elif args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            shutil.rmtree(warehouse, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
