#!/usr/bin/env python3
"""Ingest benchmark: `lake append` of CSV and NDJSON files against pyarrow + delta-rs,
and `lake create --from` of wide CSVs.

Generates a deterministic CSV of events (numpy, seed 42; 2,000,000 rows unless
$BENCH_ROWS or --rows says otherwise):

    event_id    sequential int64 (1, 2, 3, ...)
    ts          ISO 8601 with milliseconds and `Z`, increasing (100 ms steps plus jitter)
    event_type  one of 12 values, skewed (low cardinality)
    amount      decimal-looking text with 2 decimals (123.45), loaded as double
    qty         small integers 1-20
    session     "s-" + 22 hex digits, ~1 session per 8 events (high cardinality)
    note        short text; 10% empty (null), some with commas (quoted), a few with
                doubled quotes

then measures, whole process each, best of 3, a fresh table each run:

    lake        `lake create ev --schema "event_id long not null, ts timestamp,
                event_type string, amount double, qty int, session string, note string"`
                (untimed), then `/usr/bin/time -v lake append ev events.csv` (timed)
    delta-rs    the same table created with delta-rs (untimed), then under
                /usr/bin/time -v: `python -c` pyarrow.csv.read_csv(events.csv, the same
                column types, empty unquoted = null) + deltalake.write_deltalake(mode=
                "append", WriterProperties(compression="ZSTD", compression_level=3))
                (the python process includes interpreter start and imports, as lake's
                includes its own start)

and prints seconds, peak RSS ("Maximum resident set size" of /usr/bin/time -v) and the
bytes of each table's data files, with the ratios against their targets:

    time     lake_s / deltars_s           <= 0.7
    memory   lake_peak / deltars_peak     <= 0.5
    size     lake_bytes / deltars_bytes   <= 1.05

NDJSON ingest: the same generator's events for --ndjson-rows rows (default 500,000, about
84 MB; --rows/4 when --rows is below 2,000,000; 0 skips) written as NDJSON, one object a
line, keys in the schema's order:

    {"event_id":1,"ts":"2026-01-01T00:00:00.056Z","event_type":"page_view","amount":16.87,
     "qty":3,"session":"s-...","note":"..."}          (amount a number with 2 decimals,
                                                        an empty note is null)

(cached in the workdir like the CSV), then, as for the CSV, best of 3, fresh table each run:

    lake        `lake create ev --schema ...` (untimed), then timed `lake append ev events.ndjson`
    delta-rs    `python -c` pyarrow.json.read_json(events.ndjson, ParseOptions(explicit_schema=
                the table's arrow schema)) + the same write_deltalake; pyarrow parses the
                `...Z` strings straight into timestamp[us, UTC] (no cast from string needed)

    ndjson time     lake_s / deltars_s           <= 0.8
    ndjson memory   lake_peak / deltars_peak     <= 0.5

Wide create (lake alone; --skip-wide skips it): 2-row CSVs with 8,000 and 16,000 columns
c1..cN (every third column short strings, the others small integers), each timed as
`lake create wide8k --from wide-8000.csv` / `lake create wide16k --from wide-16000.csv` in a
fresh warehouse, best of 3:

    wide create     t(16,000 columns) / t(8,000 columns)   <= 2.5   (linear would be 2.0)

Then the 10x input (--scale 10: 20,000,000 rows, generated once and cached in the
workdir) is appended by lake alone, once, and its peak RSS compared with the 1x run's
(target: a 10x larger input runs within the same peak memory, ratio <= 1.10).

Verification (untimed): each CSV and NDJSON table holds the generated number of rows and
the generated sum(qty) (read with delta-rs), and `lake count` agrees; each wide table has
columns c1..cN with the generated types (`lake describe --json`) and 2 rows (`lake count`).
Nothing asserts on timings: the exit code is non-zero only when something fails to run or
a verification fails.

Usage: bench/ingest.sh [--rows N] [--scale K] [--workdir DIR] [--keep] [--json FILE]
                       [--repeat N] [--skip-lake] [--skip-deltars] [--ndjson-rows N]
                       [--skip-wide]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DEFAULT_ROWS = 2_000_000
DEFAULT_SCALE = 10
SEED = 42
REPEAT = 3
ZSTD_LEVEL = 3
CHUNK_ROWS = 500_000
TIME_BIN = "/usr/bin/time"

LAKE_DDL = ("event_id long not null, ts timestamp, event_type string, amount double, qty int, "
            "session string, note string")
ARROW_SCHEMA = pa.schema([
    pa.field("event_id", pa.int64(), nullable=False),
    pa.field("ts", pa.timestamp("us", tz="UTC")),
    pa.field("event_type", pa.string()),
    pa.field("amount", pa.float64()),
    pa.field("qty", pa.int32()),
    pa.field("session", pa.string()),
    pa.field("note", pa.string()),
])

EVENT_TYPES = ["page_view", "click", "scroll", "add_to_cart", "remove_from_cart", "checkout_start",
               "checkout_complete", "search", "login", "logout", "signup", "error"]
EVENT_WEIGHTS = np.array([30, 22, 14, 8, 3, 4, 3, 9, 3, 2, 1, 1], dtype=np.float64)
NOTE_EMPTY_FRACTION = 0.10
NOTE_POOL_SIZE = 600

# ratio name -> (comparison, target)
TARGETS = {
    "time": ("<=", 0.7),
    "memory": ("<=", 0.5),
    "size": ("<=", 1.05),
    "scale_memory": ("<=", 1.10),
    "ndjson_time": ("<=", 0.8),
    "ndjson_memory": ("<=", 0.5),
    "wide_create": ("<=", 2.5),
}
DEFAULT_NDJSON_ROWS = 500_000
WIDE_COLUMNS = (8_000, 16_000)


# ----------------------------------------------------------------------------- data


def _note_texts(rng: np.random.Generator) -> list[str]:
    """~600 short notes (raw text): some hold commas, a few hold double quotes."""
    words = ["ok", "retry", "delivered", "customer", "called", "back", "late", "gift", "wrap",
             "priority", "fragile", "left", "at", "door", "signed", "by", "neighbour", "promo",
             "code", "applied", "refund", "pending", "address", "updated", "mobile", "app"]
    pool = []
    for i in range(NOTE_POOL_SIZE):
        n = int(rng.integers(1, 7))
        text = " ".join(words[int(j)] for j in rng.integers(0, len(words), n))
        if i % 5 == 0:
            text = text + ", " + words[int(rng.integers(0, len(words)))]
        if i % 37 == 0:
            text = f'said "{text}"'
        pool.append(text)
    return pool


def _note_pool(rng: np.random.Generator) -> list[str]:
    """The notes as CSV fields: those with commas are quoted, double quotes doubled."""
    return ['"' + t.replace('"', '""') + '"' if ("," in t or '"' in t) else t for t in _note_texts(rng)]


def _note_pool_json(rng: np.random.Generator) -> list[str]:
    """The notes as JSON strings (json.dumps once per pool entry, not per row)."""
    return [json.dumps(t) for t in _note_texts(rng)]


def _hex(values: np.ndarray, digits: int) -> pa.Array:
    """Fixed-width lowercase hex strings of uint64 values (the low `digits` nibbles)."""
    n = len(values)
    table = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    shifts = np.arange(digits - 1, -1, -1, dtype=np.uint64) * np.uint64(4)
    nibbles = (values[:, None] >> shifts[None, :]) & np.uint64(0xF)
    chars = table[nibbles.astype(np.intp)]
    offsets = np.arange(0, digits * (n + 1), digits, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))


def _chunk_columns(rng: np.random.Generator, start: int, n: int, n_sessions: int) -> dict:
    """The text of each column of rows start+1 .. start+n (note as pool indexes and an
    empty mask), and their sum(qty). The same random draws in the same order for every
    output format, so CSV and NDJSON of the same n_rows hold the same events."""
    ids = np.arange(start + 1, start + n + 1, dtype=np.int64)
    base_ms = 1_767_225_600_000  # 2026-01-01T00:00:00Z
    ts_ms = base_ms + (ids - 1) * 100 + rng.integers(0, 100, n, dtype=np.int64)  # increasing
    ts = pc.strftime(pa.array(ts_ms, pa.timestamp("ms", tz="UTC")), format="%Y-%m-%dT%H:%M:%SZ")

    kinds = pa.array(EVENT_TYPES, pa.string()).take(
        pa.array(rng.choice(len(EVENT_TYPES), n, p=EVENT_WEIGHTS / EVENT_WEIGHTS.sum())))

    cents = np.minimum(np.round(rng.lognormal(8.0, 1.2, n)), 99_999_999).astype(np.int64)
    whole = pc.cast(pa.array(cents // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0")
    amount = pc.binary_join_element_wise(whole, frac, ".")

    qty_values = rng.integers(1, 21, n, dtype=np.int64)
    qty = pc.cast(pa.array(qty_values), pa.string())

    session_ids = rng.integers(0, n_sessions, n, dtype=np.uint64)
    # a bijective scramble so that session text looks random, 22 hex digits ("s-" + 22 = 24 chars)
    scrambled = (session_ids * np.uint64(0x9E3779B97F4A7C15)) ^ np.uint64(0xD1B54A32D192ED03)
    session = pc.binary_join_element_wise(
        pa.array(["s-"] * n), _hex(scrambled, 16), _hex(session_ids * np.uint64(2654435761), 6), "")

    note_idx = pa.array(rng.integers(0, NOTE_POOL_SIZE, n))
    empty = pa.array(rng.random(n) < NOTE_EMPTY_FRACTION)
    return {"event_id": pc.cast(pa.array(ids), pa.string()), "ts": ts, "event_type": kinds, "amount": amount,
            "qty": qty, "session": session, "note_idx": note_idx, "note_empty": empty,
            "sum_qty": int(qty_values.sum())}


def _lines_bytes(row, n: int) -> bytes:
    """The bytes of n strings, each followed by a newline."""
    lines = pc.binary_join_element_wise(row, pa.scalar(""), "\n")  # "row\n"
    lines = pa.concat_arrays(lines.chunks) if isinstance(lines, pa.ChunkedArray) else lines
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset: lines.offset + n + 1]
    return lines.buffers()[2].to_pybytes()[offsets[0]: offsets[-1]]


def _chunk_text(rng: np.random.Generator, start: int, n: int, n_sessions: int, notes: pa.Array) -> tuple[bytes, int]:
    """CSV text of rows start+1 .. start+n (no header), and their sum(qty)."""
    c = _chunk_columns(rng, start, n, n_sessions)
    note = pc.if_else(c["note_empty"], pa.scalar(""), notes.take(c["note_idx"]))
    row = pc.binary_join_element_wise(c["event_id"], c["ts"], c["event_type"], c["amount"], c["qty"],
                                      c["session"], note, ",")
    return _lines_bytes(row, n), c["sum_qty"]


def _chunk_ndjson(rng: np.random.Generator, start: int, n: int, n_sessions: int,
                  notes_json: pa.Array) -> tuple[bytes, int]:
    """NDJSON of rows start+1 .. start+n, one object a line, keys in the schema's order
    (amount a number with 2 decimals, an empty note null), and their sum(qty)."""
    c = _chunk_columns(rng, start, n, n_sessions)
    note = pc.if_else(c["note_empty"], pa.scalar("null"), notes_json.take(c["note_idx"]))
    row = pc.binary_join_element_wise(
        pa.scalar('{"event_id":'), c["event_id"], pa.scalar(',"ts":"'), c["ts"],
        pa.scalar('","event_type":"'), c["event_type"], pa.scalar('","amount":'), c["amount"],
        pa.scalar(',"qty":'), c["qty"], pa.scalar(',"session":"'), c["session"],
        pa.scalar('","note":'), note, pa.scalar("}"), "")
    return _lines_bytes(row, n), c["sum_qty"]


def _generate(path: Path, meta_path: Path, n_rows: int, seed: int, header: bytes, chunk, notes: list[str],
              fmt: str | None = None) -> dict:
    """Write the events with chunk() (cached: reused when path and its sidecar match)."""
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("rows") == n_rows and meta.get("seed") == seed and meta.get("bytes") == path.stat().st_size \
                and meta.get("format") == fmt:
            print(f"  reusing {path.name} ({n_rows:,} rows, {meta['bytes'] / 1e6:,.0f} MB)", flush=True)
            return meta
    notes_array = pa.array(notes, pa.string())
    n_sessions = max(1, n_rows // 8)
    sum_qty = 0
    start_t = time.perf_counter()
    tmp = path.with_suffix(".partial")
    with open(tmp, "wb") as out:
        out.write(header)
        for start in range(0, n_rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, n_rows - start)
            data, s = chunk(start, n, n_sessions, notes_array)
            out.write(data)
            sum_qty += s
    tmp.rename(path)
    meta = {"rows": n_rows, "seed": seed, "sum_qty": sum_qty, "bytes": path.stat().st_size}
    if fmt is not None:
        meta["format"] = fmt
    meta_path.write_text(json.dumps(meta) + "\n")
    print(f"  wrote {path.name}: {n_rows:,} rows, {meta['bytes'] / 1e6:,.0f} MB "
          f"in {time.perf_counter() - start_t:.1f} s", flush=True)
    return meta


def generate_csv(path: Path, n_rows: int, seed: int = SEED) -> dict:
    """Write the events CSV (the same bytes for the same n_rows and seed on every machine);
    return {"rows", "sum_qty", "bytes"}. Cached: reused when path and its sidecar exist."""
    rng = np.random.default_rng(seed)
    notes = _note_pool(rng)
    return _generate(path, path.with_suffix(".meta.json"), n_rows, seed,
                     b"event_id,ts,event_type,amount,qty,session,note\n",
                     lambda start, n, n_sessions, pool: _chunk_text(rng, start, n, n_sessions, pool), notes)


def generate_ndjson(path: Path, n_rows: int, seed: int = SEED) -> dict:
    """Write the same events as NDJSON (the rows generate_csv writes for this n_rows and
    seed); return {"rows", "sum_qty", "bytes", "format"}. Cached like the CSV (the sidecar
    is PATH.meta.json, apart from the CSV's)."""
    rng = np.random.default_rng(seed)
    notes = _note_pool_json(rng)
    return _generate(path, path.with_name(path.name + ".meta.json"), n_rows, seed, b"",
                     lambda start, n, n_sessions, pool: _chunk_ndjson(rng, start, n, n_sessions, pool),
                     notes, fmt="ndjson")


def generate_wide_csv(path: Path, n_cols: int) -> dict:
    """A 2-row CSV with columns c1..cN: every third column short strings ("s7r1"), the
    others small integers. Returns {"cols", "rows", "string_cols", "bytes"}; cheap, so
    rewritten only when missing."""
    names = [f"c{i}" for i in range(1, n_cols + 1)]
    is_str = [i % 3 == 0 for i in range(1, n_cols + 1)]
    if not path.exists():
        rows = []
        for r in (1, 2):
            rows.append(",".join(f"s{i % 100}r{r}" if is_str[i - 1] else str((i * 7 + r * 13) % 1000)
                                 for i in range(1, n_cols + 1)))
        tmp = path.with_suffix(".partial")
        tmp.write_text(",".join(names) + "\n" + "\n".join(rows) + "\n")
        tmp.rename(path)
    return {"cols": n_cols, "rows": 2, "string_cols": sum(is_str), "bytes": path.stat().st_size}


# ----------------------------------------------------------------------------- running


# Runs as its own process (timed whole, like `lake append`), so it repeats ARROW_SCHEMA
# instead of importing this module and its numpy start-up cost.
# The peers' shared start: arguments and the table's arrow schema.
PEER_PRELUDE = r"""
import sys
import pyarrow as pa
from deltalake import WriterProperties, write_deltalake

path, table_dir, level = sys.argv[1], sys.argv[2], int(sys.argv[3])
schema = pa.schema([
    pa.field("event_id", pa.int64(), nullable=False),
    pa.field("ts", pa.timestamp("us", tz="UTC")),
    pa.field("event_type", pa.string()),
    pa.field("amount", pa.float64()),
    pa.field("qty", pa.int32()),
    pa.field("session", pa.string()),
    pa.field("note", pa.string()),
])
"""

DELTARS_SCRIPT = PEER_PRELUDE + r"""
import pyarrow.csv as csv
convert = csv.ConvertOptions(
    column_types={f.name: f.type for f in schema},
    strings_can_be_null=True,          # an empty unquoted field is null (as lake reads it)
    quoted_strings_can_be_null=False,  # "" stays the empty string
)
table = csv.read_csv(path, convert_options=convert).cast(schema)
write_deltalake(table_dir, table, mode="append",
                writer_properties=WriterProperties(compression="ZSTD", compression_level=level))
print(table.num_rows)
"""


# The NDJSON peer: pyarrow.json with the table's schema given (it parses the ISO 8601
# `...Z` strings straight into timestamp[us, UTC]; no cast from string is needed).
DELTARS_NDJSON_SCRIPT = PEER_PRELUDE + r"""
import pyarrow.json as pj
table = pj.read_json(path, parse_options=pj.ParseOptions(explicit_schema=schema)).cast(schema)
write_deltalake(table_dir, table, mode="append",
                writer_properties=WriterProperties(compression="ZSTD", compression_level=level))
print(table.num_rows)
"""


def run(cmd: list, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"error: {' '.join(map(str, cmd))} exited {proc.returncode}:\n"
                         f"{proc.stdout.strip()}\n{proc.stderr.strip()}")
    return proc


_RSS_RE = re.compile(r"Maximum resident set size \(kbytes\):\s*(\d+)")


def timed(cmd: list, env: dict | None = None) -> tuple[float, int, subprocess.CompletedProcess]:
    """Run cmd under /usr/bin/time -v: (wall seconds, peak RSS bytes, process)."""
    start = time.perf_counter()
    proc = subprocess.run([TIME_BIN, "-v", *map(str, cmd)], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"error: {' '.join(map(str, cmd))} exited {proc.returncode}:\n"
                         f"{proc.stdout.strip()}\n{proc.stderr.strip()[-3000:]}")
    m = _RSS_RE.search(proc.stderr)
    if not m:
        raise SystemExit(f"error: no 'Maximum resident set size' in /usr/bin/time output:\n{proc.stderr[-2000:]}")
    return seconds, int(m.group(1)) * 1024, proc


def data_bytes(table_dir: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(table_dir):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files if f.endswith(".parquet"))
    return total


def best(runs: list[tuple[float, int, int]]) -> dict:
    """Best time of the runs; peak memory is the max over runs (what the machine must have)."""
    return {
        "seconds": min(r[0] for r in runs),
        "peak_rss": max(r[1] for r in runs),
        "bytes": runs[-1][2],
        "all_seconds": [r[0] for r in runs],
        "all_peak_rss": [r[1] for r in runs],
    }


def lake_runs(lake: Path, workdir: Path, csv_path: Path, name: str, repeat: int) -> tuple[dict, Path, dict]:
    """`repeat` timed appends, each into a fresh table; returns the best, the last table
    directory and the environment to reach it."""
    runs = []
    table_dir = None
    env = None
    for i in range(repeat):
        warehouse = workdir / f"lake-wh-{name}"
        shutil.rmtree(warehouse, ignore_errors=True)
        env = dict(os.environ, LAKE_WAREHOUSE=str(warehouse))
        run([lake, "init", "-q"], env)
        run([lake, "create", "ev", "--schema", LAKE_DDL, "-q"], env)
        table_dir = warehouse / "default" / "ev"
        seconds, rss, _ = timed([lake, "append", "ev", csv_path, "-q"], env)
        runs.append((seconds, rss, data_bytes(table_dir)))
        print(f"  lake append run {i + 1}/{repeat}: {seconds:.2f} s, peak {rss / 1e6:,.0f} MB", flush=True)
    return best(runs), table_dir, env


def deltars_runs(python: str, workdir: Path, csv_path: Path, repeat: int, script: str = DELTARS_SCRIPT,
                 table_name: str = "deltars-ev") -> tuple[dict, Path]:
    from deltalake import DeltaTable

    runs = []
    table_dir = workdir / table_name
    for i in range(repeat):
        shutil.rmtree(table_dir, ignore_errors=True)
        DeltaTable.create(str(table_dir), ARROW_SCHEMA)
        seconds, rss, _ = timed([python, "-c", script, csv_path, table_dir, ZSTD_LEVEL])
        runs.append((seconds, rss, data_bytes(table_dir)))
        print(f"  delta-rs append run {i + 1}/{repeat}: {seconds:.2f} s, peak {rss / 1e6:,.0f} MB", flush=True)
    return best(runs), table_dir


def wide_runs(lake: Path, workdir: Path, csv_path: Path, table: str, repeat: int) -> tuple[dict, dict]:
    """`repeat` timed `lake create TABLE --from CSV`, each in a fresh warehouse; returns the
    best and the environment of the last warehouse."""
    runs = []
    env = None
    for i in range(repeat):
        warehouse = workdir / f"lake-wh-{table}"
        shutil.rmtree(warehouse, ignore_errors=True)
        env = dict(os.environ, LAKE_WAREHOUSE=str(warehouse))
        run([lake, "init", "-q"], env)
        seconds, rss, _ = timed([lake, "create", table, "--from", csv_path, "-q"], env)
        runs.append((seconds, rss, data_bytes(warehouse / "default" / table)))
        print(f"  lake create {table} --from {csv_path.name} run {i + 1}/{repeat}: {seconds:.2f} s, "
              f"peak {rss / 1e6:,.0f} MB", flush=True)
    return best(runs), env


def table_totals(table_dir: Path) -> tuple[int, int]:
    """(rows, sum(qty)) of a Delta table's latest version, read with delta-rs."""
    from deltalake import DeltaTable

    t = DeltaTable(str(table_dir)).to_pyarrow_table(columns=["qty"])
    s = pc.sum(t.column("qty")).as_py()
    return t.num_rows, int(s or 0)


# ----------------------------------------------------------------------------- report


def ratio(a, b):
    return None if a is None or b is None or b <= 0 else a / b


def judge(key: str, value) -> str:
    if value is None:
        return "n/a"
    op, target = TARGETS[key]
    return "ok" if (value <= target if op == "<=" else value >= target) else "MISS"


def fmt(v, unit: str) -> str:
    if v is None:
        return "-"
    if unit == "s":
        return f"{v:.2f}"
    return f"{v / 1e6:,.1f}"


def print_report(r: dict):
    print()
    print(f"CSV ingest benchmark: {r['rows']:,} rows ({r['csv_bytes'] / 1e6:,.0f} MB CSV), "
          f"whole process, best of {r['repeat']}, fresh table each run")
    print()
    print(f"{'measurement':<38} {'seconds':>9} {'peak RSS MB':>12} {'data MB':>9}")
    print("-" * 71)
    for label, key in (("lake append", "lake"), ("pyarrow read_csv + delta-rs write", "deltars")):
        m = r.get(key) or {}
        print(f"{label:<38} {fmt(m.get('seconds'), 's'):>9} {fmt(m.get('peak_rss'), 'b'):>12} {fmt(m.get('bytes'), 'b'):>9}")
    sc = r.get("scaled")
    if sc:
        label = f"lake append, {sc['rows']:,} rows ({r['scale']}x)"
        print(f"{label:<38} {fmt(sc['seconds'], 's'):>9} {fmt(sc['peak_rss'], 'b'):>12} {fmt(sc['bytes'], 'b'):>9}")
    nd = r.get("ndjson")
    if nd:
        print(f"NDJSON: {nd['rows']:,} rows ({nd['bytes'] / 1e6:,.0f} MB NDJSON), the same events")
        for label, key in (("lake append (NDJSON)", "lake"), ("pyarrow read_json + delta-rs write", "deltars")):
            m = nd.get(key) or {}
            print(f"{label:<38} {fmt(m.get('seconds'), 's'):>9} {fmt(m.get('peak_rss'), 'b'):>12} "
                  f"{fmt(m.get('bytes'), 'b'):>9}")
    wide = r.get("wide")
    if wide:
        print("wide CSV, 2 rows, lake create --from:")
        for n, m in wide.items():
            label = f"lake create --from, {int(n):,} columns"
            print(f"{label:<38} {fmt(m['seconds'], 's'):>9} {fmt(m['peak_rss'], 'b'):>12} {fmt(m['bytes'], 'b'):>9}")
    print()
    print(f"{'ratio':<44} {'value':>7} {'target':>8}")
    print("-" * 66)
    labels = {
        "time": "time     lake_s / deltars_s",
        "memory": "memory   lake_peak / deltars_peak",
        "size": "size     lake_bytes / deltars_bytes",
        "scale_memory": f"memory   lake {r['scale']}x peak / lake 1x peak",
        "ndjson_time": "ndjson   lake_s / deltars_s",
        "ndjson_memory": "ndjson   lake_peak / deltars_peak",
        "wide_create": "wide     create 16k cols s / 8k cols s",
    }
    for key, label in labels.items():
        value = r["ratios"].get(key)
        op, target = TARGETS[key]
        shown = "-" if value is None else f"{value:.2f}"
        print(f"{label:<44} {shown:>7} {op + ' ' + format(target, '.2f'):>8}  {judge(key, value)}")
    print()
    for line in r["verification"]:
        print(line)


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ROWS", DEFAULT_ROWS)),
                    help=f"rows of the 1x input (default $BENCH_ROWS or {DEFAULT_ROWS:,})")
    ap.add_argument("--scale", type=int, default=DEFAULT_SCALE,
                    help=f"also run lake on an input this many times larger (default {DEFAULT_SCALE}; 1 or 0: skip)")
    ap.add_argument("--lake", type=Path, default=Path(".build/release/lake"), help="the lake binary")
    ap.add_argument("--python", default=sys.executable, help="python for the delta-rs process (default: this one)")
    ap.add_argument("--workdir", type=Path, help="directory for inputs and tables (default: a new temporary one); "
                    "generated inputs are cached there")
    ap.add_argument("--keep", action="store_true", help="keep the generated files and tables")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    ap.add_argument("--repeat", type=int, default=REPEAT, help=f"runs per measurement (default {REPEAT})")
    ap.add_argument("--skip-lake", action="store_true", help="measure delta-rs only (to check the harness)")
    ap.add_argument("--skip-deltars", action="store_true", help="measure lake only")
    ap.add_argument("--ndjson-rows", type=int, default=None,
                    help=f"rows of the NDJSON input (default {DEFAULT_NDJSON_ROWS:,}, or --rows/4 when --rows is "
                    f"below {DEFAULT_ROWS:,}; 0: skip the NDJSON measurement)")
    ap.add_argument("--skip-wide", action="store_true",
                    help="skip the wide `lake create --from` measurement (8,000 and 16,000 columns)")
    args = ap.parse_args(argv)
    if args.ndjson_rows is None:
        args.ndjson_rows = (DEFAULT_NDJSON_ROWS if args.rows >= DEFAULT_ROWS
                            else args.rows * DEFAULT_NDJSON_ROWS // DEFAULT_ROWS)
    if args.ndjson_rows < 0:
        ap.error("--ndjson-rows must be 0 or more")

    if not (os.path.isfile(TIME_BIN) and os.access(TIME_BIN, os.X_OK)):
        print(f"error: {TIME_BIN} not found: install GNU time (Debian package `time`)", file=sys.stderr)
        return 1
    run_lake = not args.skip_lake
    lake = args.lake.resolve()
    if run_lake and not (lake.is_file() and os.access(lake, os.X_OK)):
        print(f"error: {lake} not found; build it with `swift build -c release` "
              "(or pass --skip-lake)", file=sys.stderr)
        return 1

    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="lake-ingest-bench-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    csv_path = workdir / f"events-{args.rows}.csv"
    scaled_rows = args.rows * args.scale if args.scale > 1 else None
    scaled_path = workdir / f"events-{scaled_rows}.csv" if scaled_rows else None
    try:
        print(f"generating {args.rows:,} rows (seed {SEED}) in {workdir} ...", flush=True)
        meta = generate_csv(csv_path, args.rows)

        results: dict = {"rows": args.rows, "seed": SEED, "repeat": args.repeat, "zstd_level": ZSTD_LEVEL,
                         "csv_bytes": meta["bytes"], "scale": args.scale, "lake": None, "deltars": None,
                         "scaled": None, "ndjson": None, "wide": None, "pyarrow_version": pa.__version__}
        verification: list[str] = []
        ok = True

        def verify(label: str, table_dir: Path, rows: int, sum_qty: int, env: dict | None = None):
            nonlocal ok
            got_rows, got_sum = table_totals(table_dir)
            line = f"{label}: {got_rows:,} rows, sum(qty) = {got_sum:,}"
            good = got_rows == rows and got_sum == sum_qty
            if env is not None:
                count = json.loads(run([lake, "count", "ev", "--json"], env).stdout)["count"]
                line += f", lake count = {count:,}"
                good = good and count == rows
            if good:
                verification.append(f"verified: {line} (as generated)")
            else:
                ok = False
                verification.append(f"VERIFICATION FAILED: {line}; generated {rows:,} rows, sum(qty) = {sum_qty:,}")

        lake_dir = lake_env = deltars_dir = None
        if run_lake:
            print("lake append ...", flush=True)
            results["lake"], lake_dir, lake_env = lake_runs(lake, workdir, csv_path, "1x", args.repeat)
        if not args.skip_deltars:
            print("pyarrow + delta-rs append ...", flush=True)
            results["deltars"], deltars_dir = deltars_runs(args.python, workdir, csv_path, args.repeat)

        if lake_dir:
            verify("lake's table", lake_dir, meta["rows"], meta["sum_qty"], lake_env)
        if deltars_dir:
            verify("delta-rs's table", deltars_dir, meta["rows"], meta["sum_qty"])

        if args.ndjson_rows > 0 and (run_lake or not args.skip_deltars):
            nd_path = workdir / f"events-{args.ndjson_rows}.ndjson"
            print(f"generating the NDJSON input ({args.ndjson_rows:,} rows) ...", flush=True)
            nd_meta = generate_ndjson(nd_path, args.ndjson_rows)
            nd = {"rows": nd_meta["rows"], "bytes": nd_meta["bytes"], "lake": None, "deltars": None}
            nd_lake_dir = nd_lake_env = nd_deltars_dir = None
            if run_lake:
                print("lake append (NDJSON) ...", flush=True)
                nd["lake"], nd_lake_dir, nd_lake_env = lake_runs(lake, workdir, nd_path, "ndjson", args.repeat)
            if not args.skip_deltars:
                print("pyarrow.json + delta-rs append ...", flush=True)
                nd["deltars"], nd_deltars_dir = deltars_runs(args.python, workdir, nd_path, args.repeat,
                                                             DELTARS_NDJSON_SCRIPT, "deltars-ev-ndjson")
            if nd_lake_dir:
                verify("lake's NDJSON table", nd_lake_dir, nd_meta["rows"], nd_meta["sum_qty"], nd_lake_env)
            if nd_deltars_dir:
                verify("delta-rs's NDJSON table", nd_deltars_dir, nd_meta["rows"], nd_meta["sum_qty"])
            results["ndjson"] = nd

        if run_lake and not args.skip_wide:
            results["wide"] = {}
            for n_cols in WIDE_COLUMNS:
                wide_path = workdir / f"wide-{n_cols}.csv"
                wide_meta = generate_wide_csv(wide_path, n_cols)
                table = f"wide{n_cols // 1000}k"
                print(f"lake create {table} --from {wide_path.name} ...", flush=True)
                results["wide"][str(n_cols)], wide_env = wide_runs(lake, workdir, wide_path, table, args.repeat)
                desc = json.loads(run([lake, "describe", table, "--json"], wide_env).stdout)
                count = json.loads(run([lake, "count", table, "--json"], wide_env).stdout)["count"]
                names = [c["name"] for c in desc["schema"]]
                strings = sum(1 for c in desc["schema"] if c["type"] == "string")
                longs = sum(1 for c in desc["schema"] if c["type"] == "long")
                line = (f"lake's {table}: {len(names):,} columns ({longs:,} long, {strings:,} string), "
                        f"{desc.get('rows')} rows, lake count = {count}")
                want_names = [f"c{i}" for i in range(1, n_cols + 1)]
                if (names == want_names and count == wide_meta["rows"] and desc.get("rows") == wide_meta["rows"]
                        and strings == wide_meta["string_cols"] and longs == n_cols - wide_meta["string_cols"]):
                    verification.append(f"verified: {line} (as generated)")
                else:
                    ok = False
                    verification.append(f"VERIFICATION FAILED: {line}; generated c1..c{n_cols} "
                                        f"({n_cols - wide_meta['string_cols']:,} long, "
                                        f"{wide_meta['string_cols']:,} string), {wide_meta['rows']} rows")

        if run_lake and scaled_rows:
            print(f"generating the {args.scale}x input ({scaled_rows:,} rows) ...", flush=True)
            scaled_meta = generate_csv(scaled_path, scaled_rows)
            print(f"lake append of the {args.scale}x input (once) ...", flush=True)
            scaled, scaled_dir, scaled_env = lake_runs(lake, workdir, scaled_path, f"{args.scale}x", 1)
            results["scaled"] = {"rows": scaled_rows, **scaled}
            verify(f"lake's {args.scale}x table", scaled_dir, scaled_meta["rows"], scaled_meta["sum_qty"], scaled_env)

        lk, dr, sc = results["lake"], results["deltars"], results["scaled"]
        results["ratios"] = {
            "time": ratio(lk and lk["seconds"], dr and dr["seconds"]),
            "memory": ratio(lk and lk["peak_rss"], dr and dr["peak_rss"]),
            "size": ratio(lk and lk["bytes"], dr and dr["bytes"]),
            "scale_memory": ratio(sc and sc["peak_rss"], lk and lk["peak_rss"]),
        }
        nd = results["ndjson"] or {}
        ndl, ndd = nd.get("lake"), nd.get("deltars")
        results["ratios"]["ndjson_time"] = ratio(ndl and ndl["seconds"], ndd and ndd["seconds"])
        results["ratios"]["ndjson_memory"] = ratio(ndl and ndl["peak_rss"], ndd and ndd["peak_rss"])
        wide = results["wide"] or {}
        w_small, w_big = wide.get(str(WIDE_COLUMNS[0])), wide.get(str(WIDE_COLUMNS[1]))
        results["ratios"]["wide_create"] = ratio(w_big and w_big["seconds"], w_small and w_small["seconds"])
        results["verified"] = ok
        results["verification"] = verification
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
            # a given workdir keeps its generated inputs (the cache); tables are removed
            for p in workdir.iterdir():
                if p.is_dir() and (p.name.startswith("lake-wh-") or p.name.startswith("deltars-ev")):
                    shutil.rmtree(p, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
