"""Delta Lake interoperability of `lake` with delta-rs, DuckDB (delta extension) and polars.

* lake WRITES (`lake create` + `lake append`) plain and partitioned tables of every type;
  delta-rs, DuckDB and polars must read EVERY version exactly as `lake scan --version v`
  prints it, and that must be exactly the rows that were appended. The log lake writes is
  checked against PROTOCOL.md (actions, file names, partition directories, statistics).
* delta-rs appends to a lake table; lake sees the new version.
* lake READS tables written by delta-rs (appends, deletes, updates, overwrites, schema
  evolution, checkpoints, cleaned-up logs, vacuumed files) and the delta-rs project's
  fixture tables exactly as delta-rs reads them, at every version delta-rs can load.
* time travel (`--version`, `--as-of` with file times and with in-commit timestamps),
  the catalog commands, the global options and the exit codes of the contract.

Rows are compared as multisets: every row is rendered the way lake must print it
(helpers.render, typed by the table's Delta schema) and canon()ed, on both sides.

Where the contract leaves a choice open, the test takes the one a demanding user expects
and says so in a comment starting with "Choice:".
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import FIXTURES, describe
from helpers import (
    UTC,
    Lake,
    assert_same_multiset,
    canonical_lake_rows,
    canonical_rows,
    delta_schema_to_arrow,
    delta_type_to_arrow,
    lake_type_name,
    log_versions,
    read_commit,
    type_signature,
)

DELTA_FIXTURES = FIXTURES / "delta-tables"
ENGINES = ["delta-rs", "duckdb", "polars"]
NOT_FOUND = 4

# --------------------------------------------------------------------------------------
# Reading with the other engines
# --------------------------------------------------------------------------------------


def deltars_table(path: Path, version: int | None = None):
    from deltalake import DeltaTable

    return DeltaTable(str(path)) if version is None else DeltaTable(str(path), version=version)


def deltars_schema(path: Path, version: int | None = None) -> pa.Schema:
    """The table's Delta schema at `version` (as delta-rs reads the log), as arrow types."""
    return delta_schema_to_arrow(deltars_table(path, version).schema().to_json())


def engine_read(engine: str, path: Path, version: int, duckdb_con) -> pa.Table:
    """What `engine` reads from the Delta table at `path`, version `version`."""
    if engine == "delta-rs":
        return deltars_table(path, version).to_pyarrow_table()
    if engine == "duckdb":
        # duckdb-extension-delta's delta_scan takes a `version` parameter (checked in
        # test_duckdb_delta_scan_supports_version below), so every version is read.
        quoted = str(path).replace("'", "''")
        return duckdb_con.execute(f"SELECT * FROM delta_scan('{quoted}', version={int(version)})").to_arrow_table()
    if engine == "polars":
        import polars as pl

        return pl.read_delta(str(path), version=version).to_arrow()
    raise ValueError(engine)


def deltars_adds(path: Path, version: int | None = None) -> list[dict]:
    """The add actions delta-rs sees at `version`, flattened (path, size_bytes, num_records, ...)."""
    return pa.table(deltars_table(path, version).get_add_actions(flatten=True)).to_pylist()


def test_duckdb_delta_scan_supports_version(duckdb_con):
    """Guard for engine_read: DuckDB's delta_scan reads old versions (simple_table: 5 versions)."""
    path = DELTA_FIXTURES / "simple_table"
    counts = [
        duckdb_con.execute(f"SELECT count(*) FROM delta_scan('{path}', version={v})").fetchone()[0]
        for v in range(5)
    ]
    assert counts == [5, 20, 5, 5, 3]


# --------------------------------------------------------------------------------------
# The log, as the tests read it
# --------------------------------------------------------------------------------------


def replay_json_log(table_dir: Path, version: int) -> dict:
    """Snapshot of a table whose log is JSON commits only (what lake writes): the live add
    actions by path, the last metaData and protocol."""
    adds: dict[str, dict] = {}
    meta = protocol = None
    for v in range(version + 1):
        for action in read_commit(table_dir, v):
            if "add" in action:
                adds[action["add"]["path"]] = action["add"]
            elif "remove" in action:
                adds.pop(action["remove"]["path"], None)
            elif "metaData" in action:
                meta = action["metaData"]
            elif "protocol" in action:
                protocol = action["protocol"]
    return {"adds": adds, "metaData": meta, "protocol": protocol}


def parse_time(text: str) -> dt.datetime:
    """An RFC 3339 timestamp as lake prints it -> aware datetime."""
    assert isinstance(text, str), f"timestamp is not a string: {text!r}"
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.tzinfo is not None, f"timestamp {text!r} has no offset (RFC 3339 requires one)"
    return value


def rfc3339(value: dt.datetime, offset: dt.timedelta | None = None) -> str:
    """Millisecond RFC 3339 text of an instant, in UTC ('Z') or at a given offset."""
    if offset is None:
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value.astimezone(dt.timezone(offset)).isoformat(timespec="milliseconds")


def ms_to_datetime(ms: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=ms)


# --------------------------------------------------------------------------------------
# Comparing lake with delta-rs on an existing table
# --------------------------------------------------------------------------------------


def resolve_file(location: Path, path: str) -> str:
    """A `lake files` path (absolute, or relative to the table and decoded, as on disk)."""
    p = Path(path)
    return os.path.realpath(p if p.is_absolute() else location / p)


def partition_value_matches(lake_value, deltars_value) -> bool:
    """lake's partition value (the log's string, or a typed JSON value) vs delta-rs' value."""
    if deltars_value is None or lake_value is None:
        return lake_value is None and deltars_value is None
    if isinstance(deltars_value, (dt.date, dt.datetime)):
        return isinstance(lake_value, str) and lake_value.startswith(deltars_value.isoformat()[:10])
    if isinstance(deltars_value, bool):
        return lake_value == deltars_value or lake_value == str(deltars_value).lower()
    if isinstance(deltars_value, (int, float, Decimal)):
        try:
            return not isinstance(lake_value, bool) and Decimal(str(lake_value)) == Decimal(str(deltars_value))
        except ArithmeticError:
            return False
    return lake_value == deltars_value


def compare_files_with_deltars(lk: Lake, table_arg, path: Path, version: int, problems: list[str]):
    """`lake files --version v --json` vs delta-rs' add actions at that version."""
    location = Path(os.path.realpath(path))
    expected = {os.path.realpath(location / unquote(a["path"])): a for a in deltars_adds(path, version)}
    proc = lk.run("files", table_arg, "--version", version, json_output=True)
    if proc.returncode != 0:
        problems.append(f"version {version}: lake files failed{describe(proc, 400)}")
        return
    doc = json.loads(proc.stdout)
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, list):
        problems.append(f"version {version}: lake files --json has no 'files' list: {str(doc)[:300]}")
        return
    got = {resolve_file(location, str(f.get("path", ""))): f for f in files}
    if set(got) != set(expected) or len(got) != len(files):
        problems.append(
            f"version {version}: lake files lists {sorted(set(got) - set(expected))[:3]} not in delta-rs, "
            f"misses {sorted(set(expected) - set(got))[:3]} ({len(files)} vs {len(expected)} files)"
        )
        return
    for key, f in got.items():
        add = expected[key]
        where = f"version {version}: lake files {f.get('path')}"
        if f.get("size") != add["size_bytes"]:
            problems.append(f"{where}: size {f.get('size')!r} != {add['size_bytes']}")
        if add.get("num_records") is not None and f.get("rows") != add["num_records"]:
            problems.append(f"{where}: rows {f.get('rows')!r} != {add['num_records']}")
        want_pv = {k.removeprefix("partition."): v for k, v in add.items() if k.startswith("partition.")}
        pv = f.get("partition_values")
        if not isinstance(pv, dict) or set(pv) != set(want_pv):
            problems.append(f"{where}: partition_values {pv!r}, delta-rs says {want_pv!r}")
            continue
        for col, value in want_pv.items():
            if not partition_value_matches(pv[col], value):
                problems.append(f"{where}: partition value {col}={pv[col]!r}, delta-rs says {value!r}")


def compare_with_deltars(lk: Lake, path: Path, version: int, table_arg=None, check_files: bool = True) -> list[str]:
    """Everything lake says about `path` at `version` vs delta-rs. Returns the problems.

    * delta-rs cannot load the version (log cleaned up, never existed): lake exits 4.
    * delta-rs loads it and reads the data: scan (multiset), count, describe, files agree.
    * delta-rs loads it but a data file is gone (vacuumed; the fixtures ship some logs
      without data): scan exits 4 (a file not found); count answers from the log stats
      when every file has numRecords, else exits 4; describe/files still work (log only).
    """
    table_arg = table_arg if table_arg is not None else path
    problems: list[str] = []
    try:
        dtab = deltars_table(path, version)
    except Exception as e:  # noqa: BLE001 - any failure to load means "no such version"
        for args in (["scan", table_arg, "--version", version, "--format", "jsonl"],
                     ["count", table_arg, "--version", version],
                     ["describe", table_arg, "--version", version]):
            proc = lk.run(*args)
            if proc.returncode != NOT_FOUND:
                problems.append(
                    f"version {version}: delta-rs cannot load it ({type(e).__name__}: {str(e)[:120]}), "
                    f"expected exit 4{describe(proc, 400)}"
                )
        return problems

    schema = delta_schema_to_arrow(dtab.schema().to_json())
    adds = deltars_adds(path, version)
    try:
        table = dtab.to_pyarrow_table()
        missing = None
    except FileNotFoundError as e:
        table, missing = None, e
    except OSError as e:
        if "not found" not in str(e).lower():
            raise
        table, missing = None, e

    stats_rows = sum(a["num_records"] for a in adds) if all(a.get("num_records") is not None for a in adds) else None
    if table is not None:
        try:
            lake_rows = canonical_lake_rows(lk.rows(table_arg, "--version", version), schema)
            assert_same_multiset(lake_rows, canonical_rows(table, schema), f"version {version}: lake scan vs delta-rs")
        except AssertionError as e:
            problems.append(str(e))
        true_rows = table.num_rows
        proc = lk.run("count", table_arg, "--version", version, json_output=True)
        if proc.returncode != 0 or json.loads(proc.stdout).get("count") != true_rows:
            problems.append(f"version {version}: lake count should be {true_rows}{describe(proc, 400)}")
    else:
        true_rows = stats_rows
        proc = lk.run("scan", table_arg, "--version", version, "--format", "jsonl")
        if proc.returncode != NOT_FOUND:
            problems.append(f"version {version}: a data file is missing ({str(missing)[:150]}), "
                            f"lake scan must exit 4{describe(proc, 400)}")
        proc = lk.run("count", table_arg, "--version", version, json_output=True)
        if stats_rows is not None:
            if proc.returncode != 0 or json.loads(proc.stdout).get("count") != stats_rows:
                problems.append(f"version {version}: every file has numRecords: lake count should answer "
                                f"{stats_rows} from the log{describe(proc, 400)}")
        elif proc.returncode != NOT_FOUND:
            problems.append(f"version {version}: files without stats are missing: count must exit 4{describe(proc, 400)}")

    proc = lk.run("describe", table_arg, "--version", version, json_output=True)
    if proc.returncode != 0:
        problems.append(f"version {version}: lake describe failed{describe(proc, 400)}")
    else:
        d = json.loads(proc.stdout)
        want = {
            "version": version,
            "files": len(adds),
            "bytes": sum(a["size_bytes"] for a in adds),
            "partition_columns": list(dtab.metadata().partition_columns),
        }
        for k, v in want.items():
            if d.get(k) != v:
                problems.append(f"version {version}: describe {k} = {d.get(k)!r}, delta-rs says {v!r}")
        # Choice: `rows` must be exact; null is accepted only when some file has no
        # numRecords in the log (describe answers from the log, like count).
        if d.get("rows") != true_rows and not (d.get("rows") is None and stats_rows is None):
            problems.append(f"version {version}: describe rows = {d.get('rows')!r}, expected {true_rows!r}")
        got_schema = [(c.get("name"), c.get("type"), c.get("nullable")) for c in d.get("schema") or []]
        want_schema = [(f.name, lake_type_name(f.type), f.nullable) for f in schema]
        if got_schema != want_schema:
            problems.append(f"version {version}: describe schema {got_schema} != {want_schema}")
        proto = d.get("protocol") or {}
        p = dtab.protocol()
        if (proto.get("min_reader_version"), proto.get("min_writer_version")) != (p.min_reader_version, p.min_writer_version):
            problems.append(f"version {version}: describe protocol {proto} != delta-rs {p}")
        if Path(str(d.get("location"))).resolve() != path.resolve():
            problems.append(f"version {version}: describe location {d.get('location')!r} != {path}")
    if check_files:
        compare_files_with_deltars(lk, table_arg, path, version, problems)
    return problems


def compare_all_versions(lk: Lake, path: Path, table_arg=None) -> list[str]:
    """compare_with_deltars at every version, one past the latest, and with no --version."""
    table_arg = table_arg if table_arg is not None else path
    latest = deltars_table(path).version()
    problems = []
    for v in range(latest + 1):
        problems += compare_with_deltars(lk, path, v, table_arg)
    proc = lk.run("scan", table_arg, "--version", latest + 1, "--format", "jsonl")
    if proc.returncode != NOT_FOUND:
        problems.append(f"version {latest + 1} (after the latest) must exit 4{describe(proc, 400)}")
    # No --version: the latest.
    schema = deltars_schema(path)
    try:
        want = canonical_rows(deltars_table(path).to_pyarrow_table(), schema)
    except OSError:  # a data file is missing (FileNotFoundError included)
        proc = lk.run("scan", table_arg, "--format", "jsonl")
        if proc.returncode != NOT_FOUND:
            problems.append(f"latest: a data file is missing, lake scan must exit 4{describe(proc, 400)}")
        return problems
    try:
        assert_same_multiset(canonical_lake_rows(lk.rows(table_arg), schema), want, "latest (no --version): lake scan vs delta-rs")
    except AssertionError as e:
        problems.append(str(e))
    return problems


# --------------------------------------------------------------------------------------
# Data for the tables lake writes
# --------------------------------------------------------------------------------------

ALL_DDL = (
    "id long not null, flag boolean, i8 byte, i16 short, i32 int, i64 long, f32 float, f64 double, "
    "amount decimal(12,2), big decimal(38,10), name string, raw binary, d date, ts timestamp, "
    "tags array<string>, m map<string,long>, s struct<a:int,b:string>, pts array<struct<x:double,y:string>>"
)
POINT = pa.struct([pa.field("a", pa.int32()), pa.field("b", pa.string())])
XY = pa.struct([pa.field("x", pa.float64()), pa.field("y", pa.string())])
ALL_SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False),
    pa.field("flag", pa.bool_()),
    pa.field("i8", pa.int8()),
    pa.field("i16", pa.int16()),
    pa.field("i32", pa.int32()),
    pa.field("i64", pa.int64()),
    pa.field("f32", pa.float32()),
    pa.field("f64", pa.float64()),
    pa.field("amount", pa.decimal128(12, 2)),
    pa.field("big", pa.decimal128(38, 10)),
    pa.field("name", pa.string()),
    pa.field("raw", pa.binary()),
    pa.field("d", pa.date32()),
    pa.field("ts", pa.timestamp("us", tz="UTC")),
    pa.field("tags", pa.list_(pa.string())),
    pa.field("m", pa.map_(pa.string(), pa.int64())),
    pa.field("s", POINT),
    pa.field("pts", pa.list_(XY)),
])

NAN, INF = float("nan"), float("inf")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
WORDS = ["alpha", "beta", "héllo", "日本語", "🦆", "", 'q"uote', "back\\slash", "new\nline", "tab\t"]

EDGES = {
    "flag": [None, True, False],
    "i8": [None, -128, 127, 0],
    "i16": [None, -32768, 32767, 0],
    "i32": [None, -(2**31), 2**31 - 1, 0],
    "i64": [None, -(2**63), 2**63 - 1, 0],
    "f32": [None, NAN, INF, -INF, -0.0, 0.1, 3.4028234663852886e38],
    "f64": [None, NAN, INF, -INF, -0.0, 0.1, 1.7976931348623157e308, 5e-324, 1e16],
    "amount": [None, Decimal("9999999999.99"), Decimal("-9999999999.99"), Decimal("0.00"), Decimal("0.01")],
    "big": [None, Decimal("9999999999999999999999999999.9999999999"),
            Decimal("-9999999999999999999999999999.9999999999"), Decimal("1E-10")],
    "name": [None, "", "héllo", "日本語", "🦆", 'quote " backslash \\', "line\nbreak\ttab", "x" * 300],
    "raw": [None, b"", b"\x00", b"\xff\x00binary", bytes(range(256))],
    "d": [None, dt.date(1900, 1, 1), dt.date(1969, 12, 31), dt.date(1970, 1, 1), dt.date(2000, 2, 29), dt.date(9999, 12, 31)],
    "ts": [None, EPOCH, dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
           dt.datetime(1900, 1, 1, 0, 0, 0, 1, tzinfo=UTC), dt.datetime(2026, 11, 26, 10, 0, 0, 123456, tzinfo=UTC),
           dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)],
    "tags": [None, [], [None], ["a", None, ""], ["日本語"]],
    "m": [None, [], [("k", None)], [("k1", 1), ("k2", -2), ("", 0)], [("日本語", -(2**63))]],
    "s": [None, {"a": None, "b": None}, {"a": 1, "b": None}, {"a": -(2**31), "b": "日本語"}],
    "pts": [None, [], [None], [{"x": NAN, "y": None}, {"x": -0.0, "y": "p"}, {"x": None, "y": ""}]],
}


def _maybe(rng: random.Random, fn, null_fraction: float = 0.15):
    return None if rng.random() < null_fraction else fn()


def _decimal(rng: random.Random, precision: int, scale: int) -> Decimal:
    digits = rng.randint(1, precision)
    return Decimal(f"{rng.randint(-(10**digits - 1), 10**digits - 1)}E-{scale}")


def _micros_ts(rng: random.Random) -> dt.datetime:
    micros = rng.randint(-2 * 10**15, 3 * 10**15)
    if rng.random() < 0.3:
        micros -= micros % 1_000_000
    return EPOCH + dt.timedelta(microseconds=micros)


GENERATORS = {
    "flag": lambda r: r.random() < 0.5,
    "i8": lambda r: r.randint(-128, 127),
    "i16": lambda r: r.randint(-32768, 32767),
    "i32": lambda r: r.randint(-(2**31), 2**31 - 1),
    "i64": lambda r: r.randint(-(2**63), 2**63 - 1),
    "f32": lambda r: r.uniform(-1e6, 1e6),
    "f64": lambda r: r.gauss(0, 1) * 10.0 ** r.randint(-20, 20),
    "amount": lambda r: _decimal(r, 12, 2),
    "big": lambda r: _decimal(r, 38, 10),
    "name": lambda r: r.choice(WORDS) + str(r.randint(0, 99)),
    "raw": lambda r: bytes(r.getrandbits(8) for _ in range(r.randint(0, 12))),
    "d": lambda r: dt.date(1970, 1, 1) + dt.timedelta(days=r.randint(-30000, 30000)),
    "ts": _micros_ts,
    "tags": lambda r: [_maybe(r, lambda: r.choice(WORDS)) for _ in range(r.randint(0, 4))],
    "m": lambda r: [(f"k{j}", _maybe(r, lambda: r.randint(-1000, 1000))) for j in range(r.randint(0, 3))],
    "s": lambda r: {"a": _maybe(r, lambda: r.randint(-1000, 1000)), "b": _maybe(r, lambda: r.choice(WORDS))},
    "pts": lambda r: [
        _maybe(r, lambda: {"x": _maybe(r, lambda: r.uniform(-5, 5)), "y": _maybe(r, lambda: r.choice(WORDS))})
        for _ in range(r.randint(0, 3))
    ],
    "ntz": lambda r: _micros_ts(r).replace(tzinfo=None),
}


def make_rows_table(schema: pa.Schema, first_id: int, n: int, seed: int, edges: bool = False,
                    columns: list[str] | None = None, fixed: dict | None = None) -> pa.Table:
    """A deterministic input table for `schema` (ids first_id..first_id+n-1); with `edges`
    the edge values come first; `columns` keeps a subset (in the given order); `fixed`
    gives a column's values (a list, cycled) instead of the generator."""
    rng = random.Random(seed)
    arrays, fields = [], []
    for f in schema:
        if f.name == "id":
            values = list(range(first_id, first_id + n))
        elif fixed and f.name in fixed:
            pool = fixed[f.name]
            values = [pool[i % len(pool)] for i in range(n)]
        else:
            gen = GENERATORS.get(f.name) or PART_GENERATORS[f.name]
            head = EDGES.get(f.name, [None]) if edges else []
            values = (head + [_maybe(rng, lambda: gen(rng)) for _ in range(n)])[:n]
        arrays.append(pa.array(values, type=f.type))
        fields.append(f)
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    if columns is not None:
        table = table.select(columns)
    return table


REGIONS = ["us", "eu", None, "a/b c", "x=y", "日本", "100%", "q?#&+"]
DAYS = [dt.date(2026, 11, 26), dt.date(1969, 12, 31), None, dt.date(2000, 2, 29), dt.date(1900, 1, 1)]
BUCKETS = [0, -1, 7, 2**31 - 1, None, -(2**31)]
CATS = ["a", "b", None]

PART_GENERATORS = {
    "region": lambda r: r.choice(REGIONS[:2]),
    "v": lambda r: r.uniform(-1, 1),
    "day": lambda r: r.choice(DAYS[:2]),
    "n": lambda r: r.randint(-100, 100),
    "bucket": lambda r: r.choice(BUCKETS[:3]),
    "cat": lambda r: r.choice(CATS[:2]),
    "x": lambda r: r.uniform(-1e3, 1e3),
}

P_STR_DDL = "id long not null, region string, amount decimal(12,2), ts timestamp, v double"
P_STR_SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False), pa.field("region", pa.string()),
    pa.field("amount", pa.decimal128(12, 2)), pa.field("ts", pa.timestamp("us", tz="UTC")), pa.field("v", pa.float64()),
])
P_DATE_DDL = "id long not null, day date, name string, n int"
P_DATE_SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False), pa.field("day", pa.date32()),
    pa.field("name", pa.string()), pa.field("n", pa.int32()),
])
P_INT_DDL = "id long not null, bucket int, cat string, x double, tags array<string>"
P_INT_SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False), pa.field("bucket", pa.int32()), pa.field("cat", pa.string()),
    pa.field("x", pa.float64()), pa.field("tags", pa.list_(pa.string())),
])
NTZ_DDL = "id long not null, ntz timestamp_ntz, ts timestamp"
NTZ_SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False), pa.field("ntz", pa.timestamp("us")),
    pa.field("ts", pa.timestamp("us", tz="UTC")),
])
NTZ_VALUES = [None, dt.datetime(1970, 1, 1), dt.datetime(1969, 12, 31, 23, 59, 59, 999999),
              dt.datetime(2026, 11, 26, 10, 0, 0, 123456), dt.datetime(1900, 1, 1, 0, 0, 0, 1)]
EDGES["ntz"] = NTZ_VALUES


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """An input table as the Delta table holds it: the schema's columns, missing ones null."""
    cols = [table.column(f.name) if f.name in table.column_names else pa.nulls(table.num_rows, f.type) for f in schema]
    return pa.table(dict(zip(schema.names, cols)))


@dataclass
class Scenario:
    """A table built by lake: its inputs, and what every version must contain."""

    name: str
    lake: Lake
    path: Path
    ddl: str
    schema: pa.Schema
    partition_by: list[str]
    properties: dict
    comment: str | None
    batches: list[list[pa.Table]]  # one list of input files per append commit
    create_doc: dict = field(default_factory=dict)
    append_docs: list[dict] = field(default_factory=list)
    _lake_rows: dict = field(default_factory=dict)

    @property
    def latest(self) -> int:
        return len(self.batches)

    def expected_rows(self, version: int) -> list[str]:
        tables = [conform(t, self.schema) for files in self.batches[:version] for t in files]
        if not tables:
            return []
        return canonical_rows(pa.concat_tables(tables), self.schema)

    def lake_rows(self, version: int) -> list[str]:
        if version not in self._lake_rows:
            self._lake_rows[version] = canonical_lake_rows(self.lake.rows(self.name, "--version", version), self.schema)
        return self._lake_rows[version]


def build_scenario(lk: Lake, inputs_dir: Path, name: str, ddl: str, schema: pa.Schema, batches,
                   partition_by=(), properties=None, comment=None) -> Scenario:
    properties = properties or {}
    args = ["create", name, "--schema", ddl]
    if partition_by:
        args += ["--partition-by", ",".join(partition_by)]
    for k, v in properties.items():
        args += ["--property", f"{k}={v}"]
    if comment is not None:
        args += ["--comment", comment]
    create_doc = lk.doc(*args)
    sc = Scenario(name, lk, lk.warehouse / "default" / name, ddl, schema, list(partition_by), properties,
                  comment, batches, create_doc)
    for i, files in enumerate(batches):
        paths = []
        for j, t in enumerate(files):
            p = inputs_dir / f"{name}-{i}-{j}.parquet"
            pq.write_table(t, p)
            paths.append(p)
        sc.append_docs.append(lk.doc("append", name, *paths))
    return sc


SCENARIOS = ["all_types", "by_string", "by_date", "by_int_and_string", "timestamp_ntz"]


@pytest.fixture(scope="module")
def lake_tables(lake, tmp_path_factory) -> dict[str, Scenario]:
    """The tables lake writes, built once: create + several appends each."""
    root = tmp_path_factory.mktemp("lake-delta")
    lk = Lake(lake, root / "warehouse")
    lk.ok("init")
    inputs = root / "inputs"
    inputs.mkdir()
    S = ALL_SCHEMA
    out = {}
    out["all_types"] = build_scenario(
        lk, inputs, "all_types", ALL_DDL, S,
        [
            [make_rows_table(S, 0, 120, seed=1, edges=True)],
            [make_rows_table(S, 1000, 80, seed=2)],
            # Two files in one append: one commit with the rows of both.
            [make_rows_table(S, 2000, 50, seed=3), make_rows_table(S, 3000, 40, seed=4, edges=True)],
            # Columns matched by name: another order, nullable columns missing (-> null).
            [make_rows_table(S, 4000, 30, seed=5, columns=["s", "name", "id", "ts", "amount", "f64"])],
        ],
        properties={"owner": "interop-tests", "delta.appendOnly": "false"},
        comment="every type lake supports",
    )
    out["by_string"] = build_scenario(
        lk, inputs, "by_string", P_STR_DDL, P_STR_SCHEMA,
        [
            [make_rows_table(P_STR_SCHEMA, 0, 60, seed=11, fixed={"region": REGIONS})],
            [make_rows_table(P_STR_SCHEMA, 100, 20, seed=12), make_rows_table(P_STR_SCHEMA, 200, 9, seed=13, fixed={"region": REGIONS[3:]})],
            [make_rows_table(P_STR_SCHEMA, 300, 7, seed=14, fixed={"region": [None]})],
        ],
        partition_by=["region"],
    )
    out["by_date"] = build_scenario(
        lk, inputs, "by_date", P_DATE_DDL, P_DATE_SCHEMA,
        [
            [make_rows_table(P_DATE_SCHEMA, 0, 40, seed=21, fixed={"day": DAYS})],
            [make_rows_table(P_DATE_SCHEMA, 100, 15, seed=22)],
            [make_rows_table(P_DATE_SCHEMA, 200, 5, seed=23, fixed={"day": [None]})],
        ],
        partition_by=["day"],
    )
    out["by_int_and_string"] = build_scenario(
        lk, inputs, "by_int_and_string", P_INT_DDL, P_INT_SCHEMA,
        [
            [make_rows_table(P_INT_SCHEMA, 0, 72, seed=31, fixed={"bucket": BUCKETS, "cat": CATS * 2 + CATS[::-1] * 2})],
            [make_rows_table(P_INT_SCHEMA, 100, 30, seed=32)],
            [make_rows_table(P_INT_SCHEMA, 200, 6, seed=33, fixed={"bucket": [None], "cat": [None]})],
        ],
        partition_by=["bucket", "cat"],
    )
    out["timestamp_ntz"] = build_scenario(
        lk, inputs, "timestamp_ntz", NTZ_DDL, NTZ_SCHEMA,
        [
            [make_rows_table(NTZ_SCHEMA, 0, 10, seed=41, fixed={"ntz": NTZ_VALUES, "ts": EDGES["ts"]})],
            [make_rows_table(NTZ_SCHEMA, 100, 10, seed=42, fixed={"ntz": NTZ_VALUES[::-1], "ts": EDGES["ts"][::-1]})],
        ],
    )
    return out


# --------------------------------------------------------------------------------------
# lake writes: the data is what was appended, every version
# --------------------------------------------------------------------------------------


def test_generated_inputs_have_nulls_and_edges():
    t = make_rows_table(ALL_SCHEMA, 0, 120, seed=1, edges=True)
    for f in ALL_SCHEMA:
        if f.nullable:
            assert t.column(f.name).null_count > 0, f.name
    assert t.column("i64").to_pylist()[1:3] == [-(2**63), 2**63 - 1]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_lake_scan_every_version_equals_appended_rows(scenario, lake_tables):
    sc = lake_tables[scenario]
    problems = []
    for v in range(sc.latest + 1):
        try:
            assert_same_multiset(sc.lake_rows(v), sc.expected_rows(v), f"{scenario} version {v}: lake scan vs the appended rows")
        except AssertionError as e:
            problems.append(str(e))
    # No --version: the latest; by path as well as by name.
    for table_arg in (sc.name, sc.path):
        try:
            rows = canonical_lake_rows(sc.lake.rows(table_arg), sc.schema)
            assert_same_multiset(rows, sc.expected_rows(sc.latest), f"{scenario}: lake scan {table_arg} (latest)")
        except AssertionError as e:
            problems.append(str(e))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_peer_reads_every_version_like_lake(scenario, engine, lake_tables, duckdb_con):
    """delta-rs / DuckDB / polars read each version of lake's table as lake scan shows it."""
    sc = lake_tables[scenario]
    problems = []
    for v in range(sc.latest + 1):
        try:
            got = canonical_rows(engine_read(engine, sc.path, v, duckdb_con), sc.schema)
        except Exception as e:  # noqa: BLE001 - a peer that cannot read lake's table is a failure
            problems.append(f"version {v}: {engine} cannot read lake's table: {type(e).__name__}: {str(e)[:500]}")
            continue
        try:
            assert_same_multiset(sc.lake_rows(v), got, f"{scenario} version {v}: lake scan vs {engine}")
        except AssertionError as e:
            problems.append(str(e))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_count_describe_files_agree_with_deltars(scenario, lake_tables):
    sc = lake_tables[scenario]
    problems = []
    for v in range(sc.latest + 1):
        problems += compare_with_deltars(sc.lake, sc.path, v, table_arg=sc.name)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_count_uses_every_version(scenario, lake_tables):
    """lake count (latest and each version) equals the number of appended rows, plain and --json."""
    sc = lake_tables[scenario]
    for v in range(sc.latest + 1):
        want = sum(t.num_rows for files in sc.batches[:v] for t in files)
        assert sc.lake.count(sc.name, "--version", v) == want, f"version {v}"
    proc = sc.lake.ok("count", sc.name)
    assert proc.stdout.strip() == str(sum(t.num_rows for files in sc.batches for t in files)), describe(proc)


def test_create_and_append_json_documents(lake_tables):
    for sc in lake_tables.values():
        d = sc.create_doc
        assert d.get("table") == f"default.{sc.name}", d
        assert d.get("version") == 0, d
        assert Path(d.get("location", "")).is_absolute() and Path(d["location"]).resolve() == sc.path.resolve(), d
        for i, (files, a) in enumerate(zip(sc.batches, sc.append_docs), 1):
            adds = [x["add"] for x in read_commit(sc.path, i) if "add" in x]
            assert a.get("table") in (f"default.{sc.name}", sc.name), a
            assert a.get("version") == i, a
            assert a.get("rows") == sum(t.num_rows for t in files), a
            assert a.get("files") == len(adds), a
            assert a.get("bytes") == sum(x["size"] for x in adds), a


def test_describe_properties_comment_protocol(lake_tables):
    sc = lake_tables["all_types"]
    d = sc.lake.doc("describe", sc.name)
    assert d.get("table") == "default.all_types" and d.get("version") == sc.latest, d
    props = d.get("properties")
    assert isinstance(props, dict) and all(props.get(k) == v for k, v in sc.properties.items()), props
    assert d.get("comment") == sc.comment, d
    assert d.get("partition_columns") == [], d
    assert d.get("protocol", {}).get("min_reader_version") == 1 and d["protocol"].get("min_writer_version") == 2, d
    d = sc.lake.doc("describe", "by_int_and_string")
    assert d.get("partition_columns") == ["bucket", "cat"], d
    assert d.get("comment") is None, d
    d = sc.lake.doc("describe", "timestamp_ntz")
    proto = d.get("protocol", {})
    assert (proto.get("min_reader_version"), proto.get("min_writer_version")) == (3, 7), proto
    assert "timestampNtz" in (proto.get("reader_features") or []), proto
    assert "timestampNtz" in (proto.get("writer_features") or []), proto
    # An old version describes the table as it was then.
    d = sc.lake.doc("describe", sc.name, "--version", 1)
    assert (d.get("version"), d.get("rows")) == (1, sum(t.num_rows for t in sc.batches[0])), d


# --------------------------------------------------------------------------------------
# lake writes: the log and the data files follow the protocol
# --------------------------------------------------------------------------------------

UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DATA_FILE_RE = re.compile(rf"part-\d{{5}}-{UUID_RE}-c000\.zstd\.parquet")
SIMPLE_VALUE_RE = re.compile(r"[A-Za-z0-9_.\-]+")
MIN_MAX_TYPES = ("byte", "short", "integer", "long", "float", "double", "date", "timestamp", "timestamp_ntz", "string")


def _expected_delta_schema(schema: pa.Schema) -> list[tuple]:
    return [(f.name, type_signature(f.type), f.nullable) for f in schema]


def _check_stat(col: str, dtype, lo, hi, values: list, problems: list, where: str):
    """min/max statistics of one column vs the values in the file (non-null)."""
    if isinstance(dtype, str) and dtype in ("float", "double"):
        values = [v for v in values if v == v]  # NaN never counts
    if not values:
        return
    vmin, vmax = min(values), max(values)
    if dtype in ("float", "double") and (math.isinf(vmin) or math.isinf(vmax)) and (lo is None or hi is None):
        return  # JSON has no infinities: with one in the file, min/max may be left out
    if lo is None or hi is None:
        problems.append(f"{where}: no min/max statistics for {col} ({dtype})")
        return
    if dtype in ("byte", "short", "integer", "long"):
        ok = lo == vmin and hi == vmax
    elif dtype in ("float", "double"):
        width = np.float32 if dtype == "float" else np.float64

        def same(stat, actual):
            if isinstance(stat, str) and stat in ("Infinity", "-Infinity"):
                return float(stat) == actual
            return isinstance(stat, (int, Decimal)) and not isinstance(stat, bool) and width(float(stat)) == width(actual)
        ok = same(lo, vmin) and same(hi, vmax)
    elif isinstance(dtype, str) and dtype.startswith("decimal"):
        ok = Decimal(str(lo)) == vmin and Decimal(str(hi)) == vmax
    elif dtype == "date":
        ok = lo == vmin.isoformat() and hi == vmax.isoformat()
    elif dtype in ("timestamp", "timestamp_ntz"):
        # Choice: exact microseconds, or milliseconds as Spark and delta-rs write them: the
        # min truncated down; the max truncated down (their convention) or rounded up. The
        # text must be a timestamp other readers parse (four-digit year).
        def near(stat, actual, is_max):
            try:
                parsed = dt.datetime.fromisoformat(str(stat).replace("Z", "+00:00"))
            except ValueError:
                problems.append(f"{where}: {col} statistic {stat!r} is not a valid timestamp")
                return True
            if dtype == "timestamp" and parsed.tzinfo is None:
                return False
            if dtype == "timestamp_ntz":
                parsed = parsed.replace(tzinfo=None)
            down = actual.replace(microsecond=actual.microsecond - actual.microsecond % 1000)
            try:
                up = down + dt.timedelta(milliseconds=1) if down != actual else actual
            except OverflowError:  # the last representable instant: no room to round up
                up = actual
            return parsed in ((actual, down, up) if is_max else (actual, down))
        ok = near(lo, vmin, False) and near(hi, vmax, True)
    elif dtype == "string":
        # Choice: exact, or a truncated prefix as min and a bound >= the real max.
        ok = (lo == vmin or vmin.startswith(lo)) and (hi == vmax or hi > vmax)
    else:
        return
    if not ok:
        problems.append(f"{where}: {col} statistics min {lo!r} max {hi!r}, the file holds {vmin!r}..{vmax!r}")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_lake_log_follows_the_protocol(scenario, lake_tables):
    sc = lake_tables[scenario]
    problems = []
    assert log_versions(sc.path) == list(range(sc.latest + 1)), f"commit files: {log_versions(sc.path)}"

    # Version 0: commitInfo, protocol, metaData.
    v0 = read_commit(sc.path, 0)
    kinds = [next(iter(a)) for a in v0]
    assert sorted(kinds) == ["commitInfo", "metaData", "protocol"], f"version 0 actions: {kinds}"
    info = next(a["commitInfo"] for a in v0 if "commitInfo" in a)
    assert info.get("operation") == "CREATE TABLE", info
    assert isinstance(info.get("timestamp"), int), info
    proto = next(a["protocol"] for a in v0 if "protocol" in a)
    if scenario == "timestamp_ntz":
        assert proto.get("minReaderVersion") == 3 and proto.get("minWriterVersion") == 7, proto
        assert "timestampNtz" in proto.get("readerFeatures", []), proto
        assert "timestampNtz" in proto.get("writerFeatures", []), proto
    else:
        assert proto == {"minReaderVersion": 1, "minWriterVersion": 2}, proto
    meta = next(a["metaData"] for a in v0 if "metaData" in a)
    assert re.fullmatch(UUID_RE, meta.get("id", "")), meta
    assert meta.get("format", {}).get("provider") == "parquet", meta
    assert meta.get("partitionColumns") == sc.partition_by, meta
    assert isinstance(meta.get("createdTime"), int), meta
    assert _expected_delta_schema(delta_schema_to_arrow(meta["schemaString"])) == _expected_delta_schema(sc.schema)
    for k, v in sc.properties.items():
        assert meta.get("configuration", {}).get(k) == v, meta.get("configuration")
    if sc.comment is not None:
        assert meta.get("description") == sc.comment, meta
    types = {f["name"]: f["type"] for f in json.loads(meta["schemaString"])["fields"]}

    for version in range(1, sc.latest + 1):
        actions = read_commit(sc.path, version)
        kinds = [next(iter(a)) for a in actions]
        if kinds.count("commitInfo") != 1 or set(kinds) - {"commitInfo", "add"} or "add" not in kinds:
            problems.append(f"version {version}: actions {kinds}, expected one commitInfo and adds")
        info = next((a["commitInfo"] for a in actions if "commitInfo" in a), {})
        if info.get("operation") != "WRITE":
            problems.append(f"version {version}: commitInfo.operation {info.get('operation')!r}, expected 'WRITE'")
        n_rows = 0
        for a in (x["add"] for x in actions if "add" in x):
            where = f"version {version} add {a.get('path')}"
            path = a.get("path", "")
            if path.startswith("/") or "://" in path:
                problems.append(f"{where}: path must be relative to the table")
                continue
            parts = unquote(path).split("/") if sc.partition_by else [unquote(path)]
            if not DATA_FILE_RE.fullmatch(parts[-1]):
                problems.append(f"{where}: file name does not match part-NNNNN-<uuid>-c000.zstd.parquet")
            pv = a.get("partitionValues")
            if pv is None or set(pv) != set(sc.partition_by):
                problems.append(f"{where}: partitionValues {pv!r} for partition columns {sc.partition_by}")
                continue
            if sc.partition_by:
                dirs = parts[:-1]
                if len(dirs) != len(sc.partition_by):
                    problems.append(f"{where}: expected {len(sc.partition_by)} Hive-style directories")
                for col, d in zip(sc.partition_by, dirs):
                    value = pv[col]
                    if not d.startswith(f"{col}="):
                        problems.append(f"{where}: directory {d!r} is not {col}=...")
                    elif value is None and d != f"{col}=__HIVE_DEFAULT_PARTITION__":
                        problems.append(f"{where}: null partition value must be {col}=__HIVE_DEFAULT_PARTITION__, got {d!r}")
                    elif value is not None and SIMPLE_VALUE_RE.fullmatch(value) and d != f"{col}={value}":
                        problems.append(f"{where}: directory {d!r} for value {value!r}")
            file = sc.path / unquote(path)
            if not file.is_file():
                problems.append(f"{where}: no such file {file}")
                continue
            if a.get("size") != file.stat().st_size:
                problems.append(f"{where}: size {a.get('size')} != {file.stat().st_size} on disk")
            if a.get("dataChange") is not True or not isinstance(a.get("modificationTime"), int):
                problems.append(f"{where}: dataChange {a.get('dataChange')!r} modificationTime {a.get('modificationTime')!r}")
            data = pq.read_table(file)
            n_rows += data.num_rows
            # The data file holds the non-partition columns (partition values live in the log).
            want_cols = [c for c in sc.schema.names if c not in sc.partition_by]
            if data.schema.names != want_cols:
                problems.append(f"{where}: file columns {data.schema.names}, expected {want_cols}")
            for f in data.schema:
                if f.name in sc.schema.names and type_signature(f.type) != type_signature(sc.schema.field(f.name).type):
                    problems.append(f"{where}: column {f.name} stored as {f.type}, table type {sc.schema.field(f.name).type}")
            meta_pq = pq.ParquetFile(file).metadata
            codecs = {meta_pq.row_group(r).column(c).compression for r in range(meta_pq.num_row_groups) for c in range(meta_pq.num_columns)}
            if codecs - {"ZSTD"}:
                problems.append(f"{where}: codecs {codecs}, the name says zstd")
            try:
                stats = json.loads(a.get("stats") or "null", parse_float=Decimal)
            except ValueError:
                problems.append(f"{where}: stats is not JSON: {a.get('stats')!r:.200}")
                continue
            if not isinstance(stats, dict):
                problems.append(f"{where}: no stats")
                continue
            if stats.get("numRecords") != data.num_rows:
                problems.append(f"{where}: numRecords {stats.get('numRecords')} != {data.num_rows} rows in the file")
            nulls, mins, maxs = stats.get("nullCount") or {}, stats.get("minValues") or {}, stats.get("maxValues") or {}
            for col in data.schema.names:
                dtype = types.get(col)
                values = data.column(col).to_pylist()
                if isinstance(dtype, str):  # top-level primitive column
                    if nulls.get(col) != data.column(col).null_count:
                        problems.append(f"{where}: nullCount.{col} = {nulls.get(col)!r}, the file has {data.column(col).null_count}")
                    if dtype in MIN_MAX_TYPES or dtype.startswith("decimal"):
                        _check_stat(col, dtype, mins.get(col), maxs.get(col), [v for v in values if v is not None], problems, where)
        want_rows = sum(t.num_rows for t in sc.batches[version - 1])
        if n_rows != want_rows:
            problems.append(f"version {version}: the added files hold {n_rows} rows, {want_rows} were appended")
    assert not problems, "\n".join(problems[:40])


def test_scan_prints_columns_in_schema_order(lake_tables):
    """Partition columns are included, in schema order (by_string: region is the 2nd column)."""
    for name in ("by_string", "by_int_and_string", "all_types"):
        sc = lake_tables[name]
        rows = sc.lake.rows(sc.name, "--limit", "3")
        assert len(rows) == 3
        for row in rows:
            assert list(row) == sc.schema.names, f"{name}: keys {list(row)} != schema order {sc.schema.names}"


def test_scan_columns_and_limit(lake_tables):
    sc = lake_tables["by_string"]
    rows = sc.lake.rows(sc.name, "--columns", "v,region,id", "--limit", "5")
    assert len(rows) == 5
    assert all(set(r) == {"v", "region", "id"} for r in rows), rows
    sub = pa.schema([sc.schema.field(c) for c in ("id", "region", "v")])
    full = canonical_rows(pa.concat_tables([conform(t, sc.schema) for fs in sc.batches for t in fs]).select(["id", "region", "v"]), sub)
    got = canonical_lake_rows(rows, sub)
    assert all(r in full for r in got), "rows printed with --columns/--limit are not rows of the table"
    # --limit applies across files and versions
    assert len(sc.lake.rows(sc.name, "--version", 1, "--limit", "1000")) == sum(t.num_rows for t in sc.batches[0])


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "table"])
def test_scan_other_formats_succeed(fmt, lake_tables):
    sc = lake_tables["by_date"]
    proc = sc.lake.ok("scan", sc.name, "--format", fmt, "--columns", "id,day")
    assert proc.stdout.strip(), describe(proc)
    if fmt == "json":
        doc = json.loads(proc.stdout)
        assert isinstance(doc, list) and len(doc) == sum(t.num_rows for fs in sc.batches for t in fs)
    if fmt in ("csv", "tsv"):
        lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
        total = sum(t.num_rows for fs in sc.batches for t in fs)
        assert len(lines) in (total, total + 1), f"{len(lines)} lines for {total} rows{describe(proc, 300)}"


def test_history_of_lake_table(lake_tables):
    sc = lake_tables["all_types"]
    doc = sc.lake.doc("history", sc.name)
    commits = doc.get("commits")
    assert isinstance(commits, list) and len(commits) == sc.latest + 1, doc
    assert [c.get("version") for c in commits] == list(range(sc.latest, -1, -1)), "history must be newest first"
    assert commits[-1].get("operation") == "CREATE TABLE"
    assert all(c.get("operation") == "WRITE" for c in commits[:-1]), [c.get("operation") for c in commits]
    times = [parse_time(c.get("timestamp")) for c in commits]
    assert times == sorted(times, reverse=True), f"timestamps not monotonic: {times}"
    assert all(isinstance(c.get("parameters"), dict) and isinstance(c.get("metrics"), dict) for c in commits), commits
    limited = sc.lake.doc("history", sc.name, "--limit", "2")["commits"]
    assert [c["version"] for c in limited] == [sc.latest, sc.latest - 1]


# --------------------------------------------------------------------------------------
# lake append: errors and casts
# --------------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, table: pa.Table) -> Path:
    p = tmp_path / name
    pq.write_table(table, p)
    return p


def test_append_rejects_bad_inputs_without_committing(lk, tmp_path):
    lk.ok("create", "t", "--schema", "id long not null, name string, amount decimal(12,2)")
    good = _write(tmp_path, "good.parquet", pa.table({"id": pa.array([1, 2], pa.int64()), "name": ["a", "b"]}))
    lk.ok("append", "t", good)
    path = lk.warehouse / "default" / "t"
    bad_inputs = {
        "extra column": pa.table({"id": pa.array([3], pa.int64()), "nope": ["x"]}),
        "string into long": pa.table({"id": ["three"], "name": ["c"]}),
        # Choice: a null in a `not null` column is refused (the schema is a contract).
        "null in not-null column": pa.table({"id": pa.array([None], pa.int64()), "name": ["c"]}),
        "binary into decimal": pa.table({"id": pa.array([3], pa.int64()), "amount": pa.array([b"\x01"], pa.binary())}),
    }
    problems = []
    for i, (what, table) in enumerate(bad_inputs.items()):
        f = _write(tmp_path, f"bad{i}.parquet", table)
        # The good file first: nothing of a multi-file append is committed when one input is bad.
        proc = lk.run("append", "t", good, f)
        if proc.returncode != 1 or not proc.stderr.strip():
            problems.append(f"{what}: expected exit 1 with a message{describe(proc, 500)}")
        if log_versions(path) != [0, 1] or lk.count("t") != 2:
            problems.append(f"{what}: a commit was written: versions {log_versions(path)}")
    assert not problems, "\n".join(problems)
    lk.fails(NOT_FOUND, "append", "t", tmp_path / "missing.parquet")
    lk.fails(NOT_FOUND, "append", "nosuchtable", good)
    assert log_versions(path) == [0, 1]
    assert canonical_lake_rows(lk.rows("t"), deltars_schema(path)) == canonical_rows(
        deltars_table(path).to_pyarrow_table(), deltars_schema(path))


def test_append_widening_casts(lk, tmp_path):
    """Choice: lossless widenings cast (int -> long, millisecond -> microsecond timestamps,
    float -> double), as pyarrow, polars and Spark write such files."""
    lk.ok("create", "w", "--schema", "id long, ts timestamp, x double")
    src = pa.table({
        "id": pa.array([1, None, -5], pa.int32()),
        "ts": pa.array([0, 1_700_000_000_123, None], pa.timestamp("ms", tz="UTC")),
        "x": pa.array([0.5, None, -1.25], pa.float32()),
    })
    lk.ok("append", "w", _write(tmp_path, "narrow.parquet", src))
    path = lk.warehouse / "default" / "w"
    schema = deltars_schema(path)
    expected = canonical_rows(pa.table({
        "id": src.column("id").cast(pa.int64()),
        "ts": src.column("ts").cast(pa.timestamp("us", tz="UTC")),
        "x": src.column("x").cast(pa.float64()),
    }), schema)
    assert_same_multiset(canonical_lake_rows(lk.rows("w"), schema), expected, "lake scan after widening append")
    assert_same_multiset(canonical_rows(deltars_table(path).to_pyarrow_table(), schema), expected, "delta-rs after widening append")


def test_create_errors_and_if_not_exists(lk):
    d = lk.doc("create", "c", "--schema", "id long, name string", "--comment", "first")
    assert d.get("table") == "default.c" and d.get("version") == 0, d
    assert Path(d["location"]).resolve() == (lk.warehouse / "default" / "c").resolve(), d
    path = lk.warehouse / "default" / "c"
    before = (path / "_delta_log" / f"{0:020d}.json").read_bytes()
    lk.fails(1, "create", "c", "--schema", "id long")
    lk.ok("create", "c", "--schema", "x int", "--if-not-exists")
    assert log_versions(path) == [0]
    assert (path / "_delta_log" / f"{0:020d}.json").read_bytes() == before, "--if-not-exists changed the table"
    assert [c["name"] for c in lk.doc("describe", "c")["schema"]] == ["id", "name"]
    # Choice: a malformed schema or partition column is the caller's mistake: exit 2 (usage)
    # or 1, with nothing created either way.
    for args in (["create", "bad1", "--schema", "id lng"],
                 ["create", "bad2", "--schema", "id long", "--partition-by", "nope"],
                 ["create", "bad3", "--schema", "id long, s struct<a:int>", "--partition-by", "s"]):
        proc = lk.run(*args)
        assert proc.returncode in (1, 2) and proc.stderr.strip(), describe(proc)
        assert not (lk.warehouse / "default" / args[1] / "_delta_log").exists(), f"{args}: left a table behind"


def test_create_at_location_and_namespace(lk, tmp_path):
    loc = tmp_path / "elsewhere" / "tbl"
    d = lk.doc("create", "sales.orders", "--schema", "id long", "--location", loc)
    assert d["table"] == "sales.orders" and Path(d["location"]).resolve() == loc.resolve(), d
    assert (loc / "_delta_log" / f"{0:020d}.json").is_file()
    d2 = lk.doc("create", "sales.items", "--schema", "id long")
    assert Path(d2["location"]).resolve() == (lk.warehouse / "sales" / "items").resolve(), d2


def test_every_type_in_ddl_is_created(lk):
    ddl = ("a boolean, b byte, c short, d int, e long, f float, g double, h decimal(38,18), i string, "
           "j binary, k date, l timestamp, m timestamp_ntz, n struct<x:int,y:array<map<string,decimal(5,2)>>>, "
           "o array<array<long>>, p map<string,struct<q:date>>")
    lk.ok("create", "types", "--schema", ddl)
    meta = next(a["metaData"] for a in read_commit(lk.warehouse / "default" / "types", 0) if "metaData" in a)
    schema = json.loads(meta["schemaString"])
    got = {f["name"]: f["type"] for f in schema["fields"]}
    assert got["a"] == "boolean" and got["b"] == "byte" and got["c"] == "short" and got["d"] == "integer"
    assert got["e"] == "long" and got["f"] == "float" and got["g"] == "double" and got["h"] == "decimal(38,18)"
    assert got["i"] == "string" and got["j"] == "binary" and got["k"] == "date" and got["l"] == "timestamp"
    assert got["m"] == "timestamp_ntz"
    n = delta_type_to_arrow(got["n"])
    assert type_signature(n) == type_signature(pa.struct([
        ("x", pa.int32()), ("y", pa.list_(pa.map_(pa.string(), pa.decimal128(5, 2))))]))
    assert type_signature(delta_type_to_arrow(got["o"])) == type_signature(pa.list_(pa.list_(pa.int64())))
    assert type_signature(delta_type_to_arrow(got["p"])) == type_signature(pa.map_(pa.string(), pa.struct([("q", pa.date32())])))
    described = [(c["name"], c["type"]) for c in lk.doc("describe", "types")["schema"]]
    assert described == [(f, lake_type_name(delta_type_to_arrow(t))) for f, t in got.items()]
    # delta-rs opens it (protocol (3,7) with timestampNtz because of column m).
    p = deltars_table(lk.warehouse / "default" / "types").protocol()
    assert (p.min_reader_version, p.min_writer_version) == (3, 7) and "timestampNtz" in (p.reader_features or [])


# --------------------------------------------------------------------------------------
# delta-rs writes to a lake table
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["all_types", "by_int_and_string", "timestamp_ntz"])
def test_deltars_appends_to_lake_table(scenario, lake, tmp_path, duckdb_con):
    from deltalake import write_deltalake

    lk = Lake(lake, tmp_path / "warehouse")
    lk.ok("init")
    ddl, schema, parts = {
        "all_types": (ALL_DDL, ALL_SCHEMA, []),
        "by_int_and_string": (P_INT_DDL, P_INT_SCHEMA, ["bucket", "cat"]),
        "timestamp_ntz": (NTZ_DDL, NTZ_SCHEMA, []),
    }[scenario]
    args = ["--partition-by", ",".join(parts)] if parts else []
    lk.ok("create", "t", "--schema", ddl, *args)
    first = make_rows_table(schema, 0, 40, seed=51, edges=scenario == "all_types")
    lk.ok("append", "t", _write(tmp_path, "first.parquet", first))
    path = lk.warehouse / "default" / "t"
    second = make_rows_table(schema, 1000, 30, seed=52, edges=True)
    target = pa.schema(deltars_table(path).schema().to_arrow())
    write_deltalake(str(path), second.cast(target), mode="append", partition_by=parts or None)
    assert log_versions(path) == [0, 1, 2]
    # lake sees version 2 (by name: the catalog must not pin an old version).
    expected = canonical_rows(pa.concat_tables([first, second]), schema)
    assert_same_multiset(canonical_lake_rows(lk.rows("t"), schema), expected, "lake scan after delta-rs appended")
    assert lk.count("t") == 70
    assert lk.doc("describe", "t")["version"] == 2
    # ... and lake appends after delta-rs; every engine reads all three versions alike.
    third = make_rows_table(schema, 2000, 5, seed=53)
    lk.ok("append", "t", _write(tmp_path, "third.parquet", third))
    problems = compare_all_versions(lk, path, table_arg="t")
    for engine in ENGINES:
        got = canonical_rows(engine_read(engine, path, 3, duckdb_con), schema)
        try:
            assert_same_multiset(canonical_lake_rows(lk.rows("t", "--version", 3), schema), got, f"version 3: lake vs {engine}")
        except AssertionError as e:
            problems.append(str(e))
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------
# lake reads what delta-rs writes
# --------------------------------------------------------------------------------------

DR_SCHEMA = pa.schema(list(ALL_SCHEMA) + [pa.field("ntz", pa.timestamp("us"))])


def _dr_batch(first_id: int, n: int, seed: int, edges: bool = False) -> pa.Table:
    t = make_rows_table(ALL_SCHEMA, first_id, n, seed, edges=edges)
    rng = random.Random(seed)
    ntz = [rng.choice(NTZ_VALUES) for _ in range(n)]
    return t.append_column(pa.field("ntz", pa.timestamp("us")), pa.array(ntz, pa.timestamp("us")))


@pytest.fixture(scope="module")
def deltars_tables(tmp_path_factory) -> dict[str, Path]:
    """Tables written by delta-rs: every kind of commit it makes."""
    from deltalake import DeltaTable, write_deltalake

    root = tmp_path_factory.mktemp("deltars-tables")
    out = {}

    # Plain, every type (timestamp_ntz -> protocol 3,7): write, append, delete, update,
    # overwrite, schema evolution, checkpoint, append after the checkpoint.
    p = root / "plain"
    write_deltalake(str(p), _dr_batch(0, 60, 61, edges=True))
    write_deltalake(str(p), _dr_batch(100, 40, 62), mode="append")
    DeltaTable(str(p)).delete("i32 < 0")
    DeltaTable(str(p)).update(updates={"name": "'updated'"}, predicate="id % 3 = 0")
    write_deltalake(str(p), _dr_batch(200, 30, 63, edges=True), mode="overwrite")
    extra = _dr_batch(300, 20, 64).append_column("extra", pa.array([f"e{i}" for i in range(20)]))
    write_deltalake(str(p), extra, mode="append", schema_mode="merge")
    DeltaTable(str(p)).create_checkpoint()
    write_deltalake(str(p), extra.slice(0, 5), mode="append")
    out["plain"] = p

    # Partitioned by a string with nulls and characters that need escaping; then a
    # partition overwrite (replaceWhere), which removes files.
    p = root / "by_string"
    t = make_rows_table(P_STR_SCHEMA, 0, 48, seed=71, fixed={"region": REGIONS})
    write_deltalake(str(p), t, partition_by=["region"])
    write_deltalake(str(p), make_rows_table(P_STR_SCHEMA, 100, 16, seed=72, fixed={"region": REGIONS}), mode="append")
    write_deltalake(str(p), make_rows_table(P_STR_SCHEMA, 200, 5, seed=73, fixed={"region": ["eu"]}),
                    mode="overwrite", predicate="region = 'eu'")
    out["by_string"] = p

    # Partitioned by an int and a date, with nulls.
    p = root / "by_int_date"
    schema = pa.schema([pa.field("id", pa.int64()), pa.field("bucket", pa.int32()), pa.field("day", pa.date32()),
                        pa.field("x", pa.float64())])
    rows = lambda first, n: pa.table({  # noqa: E731
        "id": pa.array(range(first, first + n), pa.int64()),
        "bucket": pa.array([BUCKETS[i % len(BUCKETS)] for i in range(n)], pa.int32()),
        "day": pa.array([DAYS[i % len(DAYS)] for i in range(n)], pa.date32()),
        "x": pa.array([i / 7 for i in range(n)], pa.float64()),
    }, schema=schema)
    write_deltalake(str(p), rows(0, 30), partition_by=["bucket", "day"])
    write_deltalake(str(p), rows(100, 30), mode="append")
    write_deltalake(str(p), rows(200, 10), mode="overwrite")
    out["by_int_date"] = p

    # Log cleaned up and files vacuumed: early versions cannot be loaded, and one version
    # references vacuumed files.
    p = root / "cleaned"
    small = pa.table({"id": pa.array([1, 2, 3], pa.int64())})
    write_deltalake(str(p), small, configuration={"delta.logRetentionDuration": "interval 0 days"})
    for _ in range(3):
        write_deltalake(str(p), small, mode="append")
    DeltaTable(str(p)).create_checkpoint()
    write_deltalake(str(p), small, mode="overwrite")
    time.sleep(0.05)
    DeltaTable(str(p)).cleanup_metadata()
    DeltaTable(str(p)).vacuum(retention_hours=0, dry_run=False, enforce_retention_duration=False)
    write_deltalake(str(p), small, mode="append")
    out["cleaned"] = p
    return out


def test_deltars_tables_are_what_the_tests_expect(deltars_tables):
    """Guard: the scenarios exercise what they claim (removes, checkpoints, cleaned log)."""
    plain = deltars_tables["plain"]
    log = plain / "_delta_log"
    assert any(p.name.endswith(".checkpoint.parquet") for p in log.iterdir())
    assert any("remove" in a for v in log_versions(plain) for a in read_commit(plain, v))
    cleaned = deltars_tables["cleaned"] / "_delta_log"
    assert not (cleaned / f"{0:020d}.json").exists()


@pytest.mark.parametrize("name", ["plain", "by_string", "by_int_date", "cleaned"])
def test_lake_reads_deltars_table_every_version(name, deltars_tables, lake, tmp_path):
    lk = Lake(lake, tmp_path / "warehouse")
    problems = compare_all_versions(lk, deltars_tables[name])
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------
# The delta-rs project's fixture tables
# --------------------------------------------------------------------------------------

FIXTURE_TABLES = [
    "simple_table",
    "delta-0.8.0",
    "delta-0.8.0-partitioned",
    "delta-0.8.0-null-partition",
    "delta-0.8.0-numeric-partition",
    "delta-0.8.0-special-partition",
    "delta-0.8.0-date",
    "delta-2.2.0-partitioned-types",
    "checkpoints",
    "simple_table_with_checkpoint",
    "checkpoint_with_partitions",
    "latest_not_checkpointed",
    "with_checkpoint_no_last_checkpoint",
    "table_failed_last_checkpoint_update",
    # More tables delta-rs reads; the same rules apply.
    "delta-0.8-empty",
    "delta-0.2.0",
    "partition-type-primitives",
    "delta-1.2.1-only-struct-stats",
    "python-0.25.5-checkpoint",
    "delta-stats-optional",
    "delta-checkpoint-stats-optional",
    "table-without-dv-small",
    "table_with_null_stats_in_notnull_struct",
    "simple_commit",
    "issue_1374",
    "checkpoints_vacuumed",
]


@pytest.mark.parametrize("name", FIXTURE_TABLES)
def test_lake_reads_fixture_table(name, lake, tmp_path):
    """Every version: equal to delta-rs where it reads the data; exit 4 where delta-rs
    cannot load the version (log cleaned up) and, for scan, where data files are absent
    (several fixtures ship only their _delta_log)."""
    path = DELTA_FIXTURES / name
    assert (path / "_delta_log").is_dir(), f"fixture missing: {path}"
    lk = Lake(lake, tmp_path / "warehouse")
    problems = compare_all_versions(lk, path)
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_deletion_vectors_enabled_later(lake, tmp_path, duckdb_con):
    """table_with_deletion_logs: versions before deletion vectors were enabled read like
    delta-rs; later versions (which delta-rs's reader refuses) read like DuckDB, the rows
    the vectors delete gone (test_deletion_vectors.py judges the values)."""
    path = DELTA_FIXTURES / "table_with_deletion_logs"
    lk = Lake(lake, tmp_path / "warehouse")
    problems = []
    judged_by_duckdb = 0
    from deltalake.exceptions import DeltaProtocolError

    for v in range(deltars_table(path).version() + 1):
        try:
            deltars_table(path, v).to_pyarrow_table()
        except DeltaProtocolError:
            proc = lk.run("scan", path, "--version", v, "--format", "jsonl")
            duck = duckdb_con.execute(f"SELECT count(*) FROM delta_scan('{path}', version => {v})").fetchone()[0]
            if proc.returncode != 0 or len([line for line in proc.stdout.splitlines() if line.strip()]) != duck:
                problems.append(f"version {v}: lake read other rows than DuckDB ({duck}){describe(proc, 300)}")
            judged_by_duckdb += 1
            continue
        problems += compare_with_deltars(lk, path, v)
    assert not problems, "\n".join(problems)
    assert judged_by_duckdb > 0


# --------------------------------------------------------------------------------------
# Time travel
# --------------------------------------------------------------------------------------


def _version_as_of(lk: Lake, table, when: str) -> int:
    return lk.doc("describe", table, "--as-of", when)["version"]


def test_as_of_with_history_timestamps(lk, tmp_path):
    lk.ok("create", "tt", "--schema", "id long")
    for i in range(1, 4):
        time.sleep(0.05)
        lk.ok("append", "tt", _write(tmp_path, f"in{i}.parquet", pa.table({"id": pa.array(range(i), pa.int64())})))
    rows_at = {0: 0, 1: 1, 2: 3, 3: 6}
    commits = lk.doc("history", "tt")["commits"]
    ts = {c["version"]: parse_time(c["timestamp"]) for c in commits}
    assert sorted(ts) == [0, 1, 2, 3]
    assert all(ts[v] < ts[v + 1] for v in range(3)), f"commit timestamps must increase: {ts}"
    problems = []
    for v in range(4):
        cases = [rfc3339(ts[v]), rfc3339(ts[v], dt.timedelta(hours=5, minutes=30)), rfc3339(ts[v], -dt.timedelta(hours=8))]
        if v < 3:
            cases.append(rfc3339(ts[v] + (ts[v + 1] - ts[v]) / 2))
        for when in cases:
            got = _version_as_of(lk, "tt", when)
            if got != v:
                problems.append(f"--as-of {when}: version {got}, expected {v} (history: {rfc3339(ts[v])})")
        if lk.count("tt", "--as-of", rfc3339(ts[v])) != rows_at[v]:
            problems.append(f"count --as-of {rfc3339(ts[v])} != {rows_at[v]}")
    assert not problems, "\n".join(problems)
    before = rfc3339(ts[0] - dt.timedelta(milliseconds=1))
    for args in (["describe", "tt"], ["scan", "tt", "--format", "jsonl"], ["count", "tt"], ["files", "tt"]):
        lk.fails(NOT_FOUND, *args, "--as-of", before)
        lk.fails(NOT_FOUND, *args, "--as-of", "2000-01-01")
        lk.fails(NOT_FOUND, *args, "--version", 999)
    lk.fails(NOT_FOUND, "scan", "tt", "--version", 999, json_output=True)
    assert _version_as_of(lk, "tt", "2999-01-01T00:00:00Z") == 3
    assert _version_as_of(lk, "tt", "2999-12-31") == 3
    # Choice: --version and --as-of together is a usage error; so is an unparsable time.
    problems = []
    for args in (["scan", "tt", "--version", 1, "--as-of", rfc3339(ts[1])],
                 ["count", "tt", "--as-of", rfc3339(ts[1]), "--version", 1],
                 ["scan", "tt", "--as-of", "yesterday-ish"],
                 ["count", "tt", "--as-of", "2026-13-45"]):
        proc = lk.run(*args)
        if proc.returncode != 2:
            problems.append(f"expected a usage error (exit 2){describe(proc, 300)}")
    assert not problems, "\n".join(problems)


def _set_mtime(path: Path, when: dt.datetime):
    ns = int((when - EPOCH).total_seconds() * 1_000_000) * 1000
    os.utime(path, ns=(ns, ns))


def test_as_of_uses_file_times_made_monotonic_and_dates_are_utc_midnight(lk, tmp_path):
    """Without in-commit timestamps the commit time is the commit file's mtime; an mtime not
    after the previous commit's counts as the previous one + 1 ms (PROTOCOL.md). A date is
    midnight UTC (lake runs with TZ=America/New_York, midnight there is 05:00Z)."""
    lk.ok("create", "mt", "--schema", "id long")
    for i in range(1, 4):
        lk.ok("append", "mt", _write(tmp_path, f"in{i}.parquet", pa.table({"id": pa.array(range(i), pa.int64())})))
    # A copy by path, so no catalog entry can remember the original times.
    copy = tmp_path / "copy" / "mt"
    shutil.copytree(lk.warehouse / "default" / "mt", copy)
    Z = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    times = {0: Z("2026-11-25T12:00:00Z"), 1: Z("2026-11-26T00:00:00Z"), 2: Z("2026-11-26T03:00:00Z"),
             3: Z("2026-11-26T02:00:00Z")}  # version 3 goes back in time: it counts as 03:00:00.001Z
    for v, when in times.items():
        _set_mtime(copy / "_delta_log" / f"{v:020d}.json", when)
    cases = {
        "2026-11-25T12:00:00Z": 0,
        "2026-11-25T23:59:59.999Z": 0,
        "2026-11-26": 1,  # midnight UTC exactly: version 1 (at or before)
        "2026-11-26T00:00:00Z": 1,
        "2026-11-26T05:30:00+05:30": 1,
        "2026-11-25T19:00:00-05:00": 1,
        "2026-11-26T02:30:00Z": 1,  # version 3's raw mtime is 02:00, but it counts as 03:00:00.001
        "2026-11-26T03:00:00Z": 2,
        "2026-11-26T03:00:00.001Z": 3,
        "2026-11-27": 3,
    }
    problems = []
    for when, want in cases.items():
        proc = lk.run("describe", copy, "--as-of", when, json_output=True)
        got = json.loads(proc.stdout).get("version") if proc.returncode == 0 else f"exit {proc.returncode}"
        if got != want:
            problems.append(f"--as-of {when}: {got}, expected version {want}")
    for when in ("2026-11-25T11:59:59.999Z", "2026-11-25"):
        proc = lk.run("count", copy, "--as-of", when)
        if proc.returncode != NOT_FOUND:
            problems.append(f"--as-of {when} is before the first commit: expected exit 4{describe(proc, 300)}")
    hist = {c["version"]: parse_time(c["timestamp"]) for c in lk.doc("history", copy)["commits"]}
    want_hist = {0: times[0], 1: times[1], 2: times[2], 3: times[2] + dt.timedelta(milliseconds=1)}
    if hist != want_hist:
        problems.append(f"history timestamps {hist} != {want_hist}")
    assert not problems, "\n".join(problems)


def test_in_commit_timestamps_survive_a_copy(lk, tmp_path):
    lk.ok("create", "ict", "--schema", "id long", "--property", "delta.enableInCommitTimestamps=true")
    for i in range(1, 4):
        time.sleep(0.02)
        lk.ok("append", "ict", _write(tmp_path, f"in{i}.parquet", pa.table({"id": pa.array(range(i), pa.int64())})))
    path = lk.warehouse / "default" / "ict"
    v0 = read_commit(path, 0)
    proto = next(a["protocol"] for a in v0 if "protocol" in a)
    meta = next(a["metaData"] for a in v0 if "metaData" in a)
    assert proto.get("minWriterVersion") == 7 and "inCommitTimestamp" in proto.get("writerFeatures", []), proto
    assert meta.get("configuration", {}).get("delta.enableInCommitTimestamps") == "true", meta
    ict = {}
    for v in range(4):
        first = read_commit(path, v)[0]
        assert "commitInfo" in first, f"version {v}: commitInfo must be the first action, got {list(first)}"
        assert isinstance(first["commitInfo"].get("inCommitTimestamp"), int), first
        ict[v] = first["commitInfo"]["inCommitTimestamp"]
    assert all(ict[v] < ict[v + 1] for v in range(3)), f"inCommitTimestamp must increase: {ict}"
    hist = {c["version"]: parse_time(c["timestamp"]) for c in lk.doc("history", "ict")["commits"]}
    assert hist == {v: ms_to_datetime(ms) for v, ms in ict.items()}, f"history {hist} != in-commit timestamps {ict}"

    # Copy with cp -r (new mtimes), then scramble the mtimes further: only the in-commit
    # timestamps can still tell the versions apart.
    time.sleep(1.1)
    copy = tmp_path / "copied-ict"
    subprocess.run(["cp", "-r", str(path), str(copy)], check=True)
    for v in range(4):
        _set_mtime(copy / "_delta_log" / f"{v:020d}.json", dt.datetime(2001, 1, 1, tzinfo=UTC) - dt.timedelta(days=v))
    problems = []
    for v in range(4):
        at = ms_to_datetime(ict[v])
        for when in [rfc3339(at)] + ([rfc3339(at + (ms_to_datetime(ict[v + 1]) - at) / 2)] if v < 3 else []):
            proc = lk.run("describe", copy, "--as-of", when, json_output=True)
            got = json.loads(proc.stdout).get("version") if proc.returncode == 0 else f"exit {proc.returncode}"
            if got != v:
                problems.append(f"copy --as-of {when}: {got}, expected {v}")
    proc = lk.run("count", copy, "--as-of", rfc3339(ms_to_datetime(ict[0] - 1)))
    if proc.returncode != NOT_FOUND:
        problems.append(f"before the first in-commit timestamp: expected exit 4{describe(proc, 300)}")
    assert not problems, "\n".join(problems)
    assert deltars_table(copy).to_pyarrow_table().num_rows == 6


def test_plain_table_copy_uses_new_file_times(lk, tmp_path):
    """Contrast: without in-commit timestamps, a copy's commits happened when copied."""
    lk.ok("create", "plain", "--schema", "id long")
    lk.ok("append", "plain", _write(tmp_path, "in.parquet", pa.table({"id": pa.array([1], pa.int64())})))
    first = parse_time(lk.doc("history", "plain")["commits"][-1]["timestamp"])
    time.sleep(1.1)
    copy = tmp_path / "copied-plain"
    subprocess.run(["cp", "-r", str(lk.warehouse / "default" / "plain"), str(copy)], check=True)
    lk.fails(NOT_FOUND, "count", copy, "--as-of", rfc3339(first))


# --------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------


def _listing(lk: Lake, *args) -> dict[str, dict]:
    doc = lk.doc("list", *args)
    assert isinstance(doc.get("tables"), list), doc
    return {t["name"]: t for t in doc["tables"]}


def test_init_is_idempotent(lake, tmp_path):
    lk = Lake(lake, tmp_path / "wh")
    d1 = lk.doc("init")
    assert Path(d1["warehouse"]).resolve() == (tmp_path / "wh").resolve() and Path(d1["warehouse"]).is_absolute(), d1
    assert Path(d1["catalog"]).resolve() == (tmp_path / "wh" / "catalog.db").resolve(), d1
    assert (tmp_path / "wh" / "catalog.db").is_file()
    lk.ok("create", "keep", "--schema", "id long")
    assert lk.doc("init") == d1
    assert "default.keep" in _listing(lk)


def test_warehouse_option_and_defaults(lake, tmp_path):
    lk = Lake(lake, tmp_path / "from-env")
    other = tmp_path / "from-option"
    d = lk.doc("init", "-w", other)
    assert Path(d["warehouse"]).resolve() == other.resolve(), "-w must win over $LAKE_WAREHOUSE"
    d = lk.doc("init", "--warehouse", tmp_path / "long-form")
    assert Path(d["warehouse"]).resolve() == (tmp_path / "long-form").resolve()
    env = {k: v for k, v in lk.env.items() if k != "LAKE_WAREHOUSE"}
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    proc = subprocess.run([str(lake), "init", "--json"], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, describe(proc)
    assert Path(json.loads(proc.stdout)["warehouse"]).resolve() == (cwd / "lakehouse").resolve()
    assert (cwd / "lakehouse" / "catalog.db").is_file()


def test_quiet_option(lk, tmp_path):
    """-q: no progress or notes on stderr when all goes well; errors are still reported."""
    for args in (["create", "q", "--schema", "id long", "-q"],
                 ["append", "q", _write(tmp_path, "q.parquet", pa.table({"id": pa.array([1], pa.int64())})), "-q"],
                 ["scan", "q", "--format", "csv", "-q"],
                 ["init", "--quiet"]):
        proc = lk.ok(*args)
        assert proc.stderr == "", f"-q must keep stderr empty on success{describe(proc)}"
    assert lk.count("q") == 1
    lk.fails(NOT_FOUND, "count", "nosuch", "-q")


def test_catalog_round_trip(lk, tmp_path):
    from deltalake import write_deltalake

    one = _write(tmp_path, "one.parquet", pa.table({"id": pa.array([1, 2, 3], pa.int64())}))
    lk.ok("create", "events", "--schema", "id long")
    lk.ok("append", "events", one)
    lk.ok("create", "sales.orders", "--schema", "id long", "--comment", "orders")
    lk.ok("append", "sales.orders", one)
    lk.ok("append", "sales.orders", one)

    tables = _listing(lk)
    assert set(tables) == {"default.events", "sales.orders"}, tables
    ev, so = tables["default.events"], tables["sales.orders"]
    assert Path(ev["location"]).resolve() == (lk.warehouse / "default" / "events").resolve()
    assert (ev["version"], ev["rows"], so["version"], so["rows"]) == (1, 3, 2, 6), tables
    for t in tables.values():
        assert isinstance(t["bytes"], int) and t["bytes"] > 0, t
        parse_time(t["last_change"])
    assert set(_listing(lk, "sales")) == {"sales.orders"}
    assert set(_listing(lk, "default")) == {"default.events"}

    d = lk.doc("describe", "sales.orders")
    assert d["table"] == "sales.orders" and d["version"] == 2 and d["rows"] == 6 and d["comment"] == "orders", d
    assert lk.doc("describe", "events")["table"] == "default.events"
    assert lk.doc("describe", "default.events")["rows"] == 3

    # rename: the old name is gone, the data is not.
    lk.ok("rename", "events", "events2")
    lk.fails(NOT_FOUND, "describe", "events")
    assert lk.count("events2") == 3
    lk.fails(1, "rename", "events2", "sales.orders")  # Choice: renaming onto an existing table fails
    assert set(_listing(lk)) == {"default.events2", "sales.orders"}

    # drop without --purge: catalog entry gone, directory kept, readable by path.
    loc = Path(lk.doc("describe", "events2")["location"])
    lk.ok("drop", "events2")
    lk.fails(NOT_FOUND, "describe", "events2")
    lk.fails(NOT_FOUND, "drop", "events2")
    assert (loc / "_delta_log").is_dir()
    assert lk.count(loc) == 3
    assert set(_listing(lk)) == {"sales.orders"}

    # register it back, under a new name; and a table delta-rs wrote.
    lk.ok("register", "back", loc)
    assert lk.doc("describe", "back")["version"] == 1 and lk.count("back") == 3
    dr = tmp_path / "made-by-deltars"
    write_deltalake(str(dr), pa.table({"id": pa.array([7, 8], pa.int64())}))
    write_deltalake(str(dr), pa.table({"id": pa.array([9], pa.int64())}), mode="append")
    lk.ok("register", "sales.external", dr)
    ext = _listing(lk)["sales.external"]
    assert (ext["version"], ext["rows"]) == (1, 3) and Path(ext["location"]).resolve() == dr.resolve(), ext
    lk.fails(1, "register", "back", dr)  # Choice: the name is taken: exit 1
    proc = lk.run("register", "nodelta", tmp_path)  # not a Delta table (and holding the warehouse)
    assert proc.returncode == 2 and proc.stderr.strip(), describe(proc)

    # delta-rs changes a registered table: describe notices; list after catalog sync too.
    write_deltalake(str(dr), pa.table({"id": pa.array([10, 11], pa.int64())}), mode="append")
    d = lk.doc("describe", "sales.external")
    assert (d["version"], d["rows"]) == (2, 5), d
    sync = lk.doc("catalog", "sync")
    assert isinstance(sync, dict), sync
    ext = _listing(lk)["sales.external"]
    assert (ext["version"], ext["rows"]) == (2, 5), ext

    # sync rebuilds everything from the logs: versions/rows match each log.
    for name, t in _listing(lk).items():
        path = Path(t["location"])
        assert t["version"] == deltars_table(path).version(), (name, t)
        assert t["rows"] == deltars_table(path).to_pyarrow_table().num_rows, (name, t)

    # drop --purge refuses a registered (external) table, and deletes a managed one.
    loc = Path(lk.doc("describe", "back")["location"])
    lk.fails(2, "drop", "back", "--purge")
    assert (loc / "_delta_log").is_dir()
    lk.ok("drop", "back")
    lk.ok("create", "gone", "--schema", "id long")
    loc = Path(lk.doc("describe", "gone")["location"])
    lk.ok("drop", "gone", "--purge")
    assert not loc.exists(), "drop --purge left the directory"
    assert set(_listing(lk)) == {"sales.orders", "sales.external"}
    lk.fails(NOT_FOUND, "scan", "nosuch", "--format", "jsonl")
    lk.fails(NOT_FOUND, "count", "nosuch.table")
    lk.fails(NOT_FOUND, "describe", tmp_path / "no" / "such" / "dir")
    lk.fails(NOT_FOUND, "history", "nosuch", json_output=True)


def test_catalog_sync_after_external_appends_to_lake_table(lk, tmp_path):
    from deltalake import write_deltalake

    lk.ok("create", "ext", "--schema", "id long not null, k string", "--partition-by", "k")
    lk.ok("append", "ext", _write(tmp_path, "a.parquet", pa.table({"id": pa.array([1, 2], pa.int64()), "k": ["a", None]})))
    path = lk.warehouse / "default" / "ext"
    target = pa.schema(deltars_table(path).schema().to_arrow())
    for i in range(3):
        write_deltalake(str(path), pa.table({"id": pa.array([10 + i], pa.int64()), "k": ["b"]}).cast(target), mode="append")
    d = lk.doc("describe", "ext")
    assert (d["version"], d["rows"], d["files"]) == (4, 5, len(deltars_adds(path))), d
    lk.ok("catalog", "sync")
    t = _listing(lk)["default.ext"]
    assert (t["version"], t["rows"]) == (4, 5), t
    assert t["bytes"] == sum(a["size_bytes"] for a in deltars_adds(path)), t


def test_table_argument_with_slash_is_a_path(lk, tmp_path):
    """A relative path with '/' is a path, resolved against the cwd (the catalog is not asked)."""
    lk.ok("create", "rel", "--schema", "id long")
    rel = os.path.relpath(lk.warehouse / "default" / "rel", lk.cwd)
    assert "/" in rel
    d = lk.doc("describe", rel)
    assert Path(d["location"]).resolve() == (lk.warehouse / "default" / "rel").resolve(), d
    assert d["version"] == 0
    lk.fails(NOT_FOUND, "describe", "./rel")  # a path, relative to the cwd: no such directory


def test_error_exit_codes_are_documents_with_json(lk):
    lk.fails(NOT_FOUND, "describe", "missing", json_output=True)
    lk.fails(NOT_FOUND, "count", "missing", json_output=True)
    lk.ok("create", "e", "--schema", "id long")
    lk.fails(1, "create", "e", "--schema", "id long", json_output=True)
    assert lk.run("scan", "e", "--version", "not-a-number").returncode == 2
    assert lk.run("scan", "e", "--format", "no-such-format").returncode == 2
