"""Predicates: `lake scan TABLE --where PRED`, `lake count TABLE --where PRED`, `--explain`.

* (a) semantics: a table with every primitive type, nulls in every column, some data files
  entirely null in a column, NaN/±Infinity/-0.0, long strings and longs beyond 2**53,
  built by several appends of Parquet files written by pyarrow, once partitioned by a
  string column and once not. For each predicate, `lake scan --where P --format jsonl`
  must hold the same rows (a multiset of canonical typed values) as DuckDB's
  `SELECT * FROM delta_scan(...) WHERE P`, and `lake count --where P` the same number;
  `--explain --json` must account for every file and read every file holding a match;
* (b) pruning: a table clustered by id and a partitioned table; explain shows the files
  skipped, and deleting exactly the files the log's statistics (or partition values)
  exclude must not change the answer: skipped files are never opened;
* (c) `count --where` decided by partition values or statistics alone needs no data file;
* (d) errors: parse errors (exit 2, the position named), unknown columns and type errors
  (exit 2), bad literals (exit 2), on scan and count, with and without --json.

DuckDB is the reference for SQL semantics (three-valued logic, numeric coercion, NaN
ordering, `/` on integers, `%` sign, LIKE). Its answer is computed on a materialized copy
of `delta_scan(...)` (a temp table), so that DuckDB's own file skipping, which trusts
lake's statistics, cannot hide a row from the reference. Predicates keep the same text in
lake and DuckDB except where the syntax differs (backticks, timestamp literals with an
offset), which the case says.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import describe
from helpers import (
    Lake,
    assert_same_multiset,
    canonical_lake_rows,
    canonical_rows,
    deltars_arrow_schema,
    lake_primitive_to_arrow,
    live_adds,
)

# --------------------------------------------------------------------------------------
# The all-types table
# --------------------------------------------------------------------------------------

COLUMNS = [
    ("b", "boolean"), ("i8", "byte"), ("i16", "short"), ("i32", "int"), ("i64", "long"),
    ("f32", "float"), ("f64", "double"), ("amount", "decimal(12,2)"), ("name", "string"),
    ("d", "date"), ("ts", "timestamp"), ("tsn", "timestamp_ntz"), ("region", "string"),
]
DDL = ", ".join(f"{n} {t}" for n, t in COLUMNS)
SCHEMA = pa.schema([pa.field(n, lake_primitive_to_arrow(t)) for n, t in COLUMNS])

NAN, INF = float("nan"), float("inf")
LONG_A = "x" * 40 + "a"  # longer than the 32-character prefix Delta writers often keep in stats
LONG_B = "x" * 40 + "b"


def _row(**values) -> dict:
    row = {n: None for n, _ in COLUMNS}
    row.update(values)
    for k in ("d",):
        if isinstance(row[k], str):
            row[k] = dt.date.fromisoformat(row[k])
    if isinstance(row["ts"], str):
        row["ts"] = dt.datetime.fromisoformat(row["ts"].replace("Z", "+00:00"))
    if isinstance(row["tsn"], str):
        row["tsn"] = dt.datetime.fromisoformat(row["tsn"])
    if isinstance(row["amount"], str):
        row["amount"] = Decimal(row["amount"])
    return row


# One list of rows per append (one Parquet file each). Partitioned by region, every append
# writes one file per region present in it.
BATCHES = [
    [   # typical values; -0.0/0.0; extremes of byte and short
        _row(b=True, i8=1, i16=100, i32=1, i64=1, f32=1.5, f64=1.5, amount="10.00", name="alpha",
             d="2026-01-01", ts="2026-01-01T00:00:00Z", tsn="2026-01-01T00:00:00", region="eu"),
        _row(b=False, i8=-128, i16=-32768, i32=2, i64=-7, f32=-0.0, f64=-0.0, amount="10.01", name="beta",
             d="2026-01-02", ts="2026-01-01T12:34:56.123456Z", tsn="2026-01-01T12:00:00", region="us"),
        _row(i8=127, i16=32767, i32=3, i64=9, f32=0.0, f64=0.0, amount="-5.50", name="O'Brien",
             d="2025-12-31", ts="2026-01-02T03:00:00Z", tsn="2026-01-02T03:00:00", region="eu"),
        _row(b=True, i8=0, i64=3000000000, f32=2.25, f64=2.5, amount="4.99", name="100%",
             ts="2026-01-02T00:00:00Z", region="apac"),
        _row(b=False, i16=7, i32=4, d="1970-01-01", tsn="1970-01-01T00:00:00", region="us"),
        _row(b=True, i8=5, i16=-1, i32=5, i64=12, f32=0.1, f64=0.1, amount="5.00", name="50% off",
             d="2026-06-15", ts="2025-12-31T23:59:59.999999Z", tsn="2025-12-31T23:59:59.999999"),
    ],
    [   # b, f32, amount, name and ts entirely null in this file
        _row(i8=2, i16=2, i32=6, i64=-3000000000, f64=100.0, d="2026-01-01", tsn="2026-01-01T00:00:00",
             region="eu"),
        _row(i8=3, i16=300, i32=7, i64=0, f64=1e300, d="1969-12-31", tsn="1969-12-31T23:59:59", region="us"),
        _row(i8=-1, i32=-3, i64=6, d="2100-01-01", region="apac"),
        _row(i16=8, i32=8, i64=-9, f64=-2.5, tsn="2026-06-15T08:30:00", region="eu"),
    ],
    [   # +-Infinity, longs around 2**53, decimal extremes, long strings, LIKE specials
        _row(b=True, i8=10, i16=10, i32=9, i64=9007199254740993, f32=INF, f64=INF, amount="9999999999.99",
             name="a_b", d="2026-01-01", ts="2026-01-01T05:00:00Z", tsn="2026-01-01T05:00:00", region="eu"),
        _row(b=False, i8=11, i16=11, i32=10, i64=9007199254740992, f32=-INF, f64=-INF, amount="-9999999999.99",
             name="aXb", d="2026-01-03", ts="1969-12-31T23:59:59Z", tsn="1969-12-31T23:59:59", region="us"),
        _row(b=True, i8=12, i16=12, i32=11, i64=-12, f32=3.0, f64=3.0, amount="0.00", name=LONG_A,
             d="2026-01-02", ts="2026-01-01T04:59:59Z", region="us"),
        _row(b=False, i8=13, i16=-13, i32=12, i64=15, f32=-1.25, f64=1e-300, amount="0.01", name=LONG_B,
             d="2026-01-01", ts="2026-01-03T00:00:00Z", tsn="2026-01-03T00:00:00", region="apac"),
        _row(b=True, i8=14, i16=14, i32=13, i64=18, f32=1.5, f64=-1.0, amount="-0.01", name="é-accent",
             d="2025-12-31", ts="2026-01-01T00:00:00Z", tsn="2026-01-01T00:00:00", region="eu"),
    ],
    [   # NaN next to small numbers only (statistics without NaN say max 2.0), a row null
        # in every column (the null partition too), the empty string
        _row(),
        _row(b=False, i8=20, i16=20, i32=14, i64=21, f32=NAN, f64=NAN, amount="1.00", name="",
             d="2026-01-01", ts="2026-01-01T00:00:00Z", tsn="2026-01-01T00:00:00", region="eu"),
        _row(b=True, i8=21, i16=21, i32=15, i64=-21, f32=2.0, f64=2.0, amount="2.00", name="Alpha",
             d="2026-01-02", ts="2026-01-01T23:59:59Z", tsn="2026-01-01T23:59:59", region="eu"),
        _row(b=False, i8=22, i16=22, i64=3, f32=0.5, f64=1.0, amount="2.50", name="beta",
             d="2026-01-04", ts="2026-01-04T00:00:00Z", region="us"),
    ],
    [   # i32, i64, d and tsn entirely null in this file
        _row(b=True, i8=30, i16=30, f32=4.5, f64=4.5, amount="7.25", name="gamma", ts="2026-03-01T00:00:00Z",
             region="us"),
        _row(i8=31, i16=31, f32=-4.5, f64=-4.5, amount="-7.25", name="delta%_", ts="2026-03-02T00:00:00Z",
             region="apac"),
    ],
]
ALL_ROWS = [r for batch in BATCHES for r in batch]
ENTIRELY_NULL_IN_SOME_FILE = ["b", "f32", "amount", "name", "ts", "i32", "i64", "d", "tsn"]


class Case:
    """A predicate; `duck` is its DuckDB text where the syntax differs."""

    def __init__(self, pred: str, duck: str | None = None):
        self.pred = pred
        self.duck = duck if duck is not None else pred.replace("`", '"')

    def __repr__(self) -> str:
        return self.pred


C = Case
CASES = [
    # --- comparisons of each type
    C("b"), C("NOT b"), C("b = true"), C("b <> false"), C("b = false OR b IS NULL"),
    C("i8 < 0"), C("i8 = 127"), C("i8 >= -128"),
    C("i16 >= 300"), C("i16 <> 7"), C("i16 < -1"),
    C("i32 > 5"), C("i32 <= 3"), C("5 < i32"), C("i32 != 4"),
    C("i64 >= 3000000000"), C("i64 < -5"), C("i64 = 9007199254740993"),
    C("f32 > 2"), C("f32 = 1.5"), C("f32 <= -1.25"),
    # -0.0 = 0.0 (IEEE, and DuckDB); the us partition of the first append holds only -0.0
    C("f64 = 0"), C("f64 >= 0"), C("f64 < 0"), C("f64 <= 0.5"),
    C("amount = 10"), C("amount > 10.005"), C("amount < 0"), C("amount >= 9999999999.99"),
    C("amount <= -9999999999.99"), C("amount = 0"),
    C("name = 'alpha'"), C("name <> 'alpha'"), C("name = ''"),
    # strings compare by UTF-8 bytes (DuckDB's default collation): 'é...' > 'x...' > 'b' > 'Alpha'
    C("name > 'b'"), C("name < 'a'"),
    C("name = 'O''Brien'"), C("name IN ('O''Brien', '100%')"),
    C(f"name = '{LONG_B}'"), C(f"name > '{LONG_A}'"), C(f"name >= '{LONG_A}' AND name < '{LONG_B}'"),
    C("d = DATE '2026-01-01'"), C("d < DATE '1970-01-01'"), C("d >= DATE '2026-01-02'"),
    C("d <> DATE '2026-01-01'"),
    C("ts = TIMESTAMP '2026-01-01T12:34:56.123456Z'"), C("ts < TIMESTAMP '2026-01-01T00:00:00Z'"),
    C("ts > TIMESTAMP '2025-12-31T23:59:59.999999Z'"),
    C("tsn = TIMESTAMP '2025-12-31 23:59:59.999999'"), C("tsn > TIMESTAMP '2026-01-01 04:59:59'"),
    # --- a timestamp literal without a zone: UTC for timestamp, wall clock for timestamp_ntz
    # (lake runs under America/New_York: a local reading would move every bound by 5 hours)
    C("ts >= TIMESTAMP '2026-01-01 05:00:00'"), C("ts < TIMESTAMP '2026-01-01 05:00:00'"),
    C("tsn >= TIMESTAMP '2026-01-01 05:00:00'"),
    # an offset: DuckDB's TIMESTAMP literal drops the offset, TIMESTAMPTZ applies it
    C("ts = TIMESTAMP '2026-01-01T00:00:00-05:00'", duck="ts = TIMESTAMPTZ '2026-01-01T00:00:00-05:00'"),
    # --- date vs timestamp: a date is its midnight (UTC for timestamp)
    C("ts < DATE '2026-01-02'"), C("ts >= DATE '2026-01-02'"), C("tsn < DATE '2026-01-01'"),
    C("d = TIMESTAMP '2026-01-01T00:00:00Z'"), C("d < TIMESTAMP '2026-01-01 12:00:00'"),
    C("d > TIMESTAMP '2026-01-01 12:00:00'"), C("tsn >= DATE '2026-01-02'"),
    # --- a string literal compared with a date/timestamp column is cast
    C("d = '2026-01-01'"), C("d > '2026-01-01'"), C("ts > '2026-01-02 00:00:00'"),
    C("tsn <= '1970-01-01 00:00:00'"),
    # --- mixed numeric types (DuckDB: exact for decimals against integers)
    C("i32 = 2.0"), C("i32 > 2.5"), C("i32 < 2.5"), C("i32 = 2.5"),
    C("i64 > 9007199254740992.5"), C("i64 = 9007199254740993.0"), C("i64 = 9007199254740992.0"),
    C("i32 < f64"), C("amount > f64"), C("amount > i64"), C("i8 = i16"), C("i16 > i32"),
    C("f64 = 2.5"), C("f32 < 2.5"), C("f64 > amount"), C("amount = i32"),
    C("i64 IN (1, 2.5, 9)"), C("amount IN (10, 4.99, -5.5)"), C("f64 IN (1.5, 2, 100)"),
    # DuckDB casts a decimal literal compared with a FLOAT column to FLOAT (not the column to
    # DOUBLE): f32 = 0.1 holds for the float32 nearest 0.1.
    C("f32 = 0.1"),
    # --- AND / OR / NOT with nulls (a row is returned only when the predicate is TRUE)
    C("i32 > 5 OR name = 'alpha'"), C("i32 > 5 AND b"), C("NOT (i32 > 5)"), C("NOT (i32 > 5 AND b)"),
    C("b OR i32 IS NULL"), C("NOT b OR NOT (i64 < 0)"), C("i32 > 3 OR NULL"), C("i32 > 3 AND NULL"),
    C("NOT (i32 > 3 OR NULL)"), C("NOT (i32 > 3 AND NULL)"),
    C("NULL = NULL"), C("NOT NULL"), C("NULL IS NULL"), C("i32 = NULL"), C("i32 <> NULL"),
    C("true"), C("false"), C("NOT false"), C("1 = 1"), C("1 = 1 AND region = 'eu'"),
    C("b AND NOT b"), C("b OR NOT b"),
    # precedence: NOT > AND > OR
    C("i32 > 10 OR i32 < 3 AND b"), C("NOT b AND i32 > 3"), C("(i32 > 10 OR i32 < 3) AND b"),
    # --- IN / NOT IN, with NULL
    C("i32 IN (1, 3, 5)"), C("i32 IN (1, NULL)"), C("i32 NOT IN (1, 2)"), C("i32 NOT IN (1, NULL)"),
    C("NOT (i32 IN (1, NULL))"), C("name IN ('alpha', 'beta', 'nope')"), C("name NOT IN ('alpha', 'beta')"),
    C("d IN (DATE '2026-01-01', DATE '1970-01-01')"), C("region IN ('eu', 'apac')"),
    C("region NOT IN ('eu')"), C("b IN (true)"),
    # --- BETWEEN / NOT BETWEEN (bounds inclusive, not symmetric)
    C("i32 BETWEEN 3 AND 7"), C("i32 NOT BETWEEN 3 AND 7"), C("i32 BETWEEN 7 AND 3"),
    C("amount BETWEEN 0 AND 10.005"), C("d BETWEEN DATE '2026-01-01' AND DATE '2026-01-02'"),
    C("ts BETWEEN TIMESTAMP '2026-01-01T00:00:00Z' AND TIMESTAMP '2026-01-01T23:59:59Z'"),
    C("f64 NOT BETWEEN -1 AND 1"), C("name BETWEEN 'a' AND 'b'"), C("i64 BETWEEN -10 AND i32"),
    # --- IS [NOT] NULL on every type
    C("b IS NULL"), C("i8 IS NOT NULL"), C("i16 IS NULL"), C("i32 IS NULL"), C("i64 IS NOT NULL"),
    C("f32 IS NULL"), C("f64 IS NOT NULL"), C("amount IS NULL"), C("name IS NOT NULL"), C("d IS NULL"),
    C("ts IS NULL"), C("tsn IS NOT NULL"), C("region IS NULL"), C("region IS NOT NULL"),
    C("i32 IS NULL AND i64 IS NULL"), C("(i32 > 5) IS NULL"),
    # --- LIKE: % any run, _ one character (é is one), ESCAPE, case-sensitive
    C("name LIKE 'a%'"), C("name LIKE 'a_b'"), C("name LIKE 'a!_b' ESCAPE '!'"),
    C("name LIKE '%!%%' ESCAPE '!'"), C("name LIKE '%!%' ESCAPE '!'"), C("name NOT LIKE '%a%'"),
    C("name LIKE '_-accent'"), C("name LIKE ''"), C("name LIKE '%'"), C("name LIKE 'x%b'"),
    C("name LIKE 'O''%'"), C("name LIKE 'ALPHA'"), C("name LIKE 'delta#%#_' ESCAPE '#'"),
    C("name NOT LIKE '%#%%' ESCAPE '#'"), C("region LIKE 'a%'"),
    # --- partition-column predicates (and mixed with data columns)
    C("region = 'eu'"), C("region <> 'eu'"), C("region = 'eu' AND i32 > 3"), C("region = 'eu' OR i32 > 12"),
    C("region > 'b'"), C("region = 'EU'"), C("NOT (region = 'eu')"),
    # --- arithmetic
    C("i32 + 1 > 5"), C("amount * 2 >= 10"), C("i64 % 3 = 0"),
    # DuckDB's % takes the sign of the dividend: -9 % 4 = -1
    C("i64 % 4 = -1"),
    # DuckDB's / on integers is float division: 3 / 2 = 1.5
    C("i32 / 2 = 1.5"), C("i32 * 2 - 1 > 10"), C("(-i32) > -3"), C("i32 * -1 >= -2"), C("i32 + 2 * 3 > 10"),
    C("(i32 + 2) * 3 > 20"), C("i16 - i8 > 0"), C("i64 + i32 > 10"), C("amount / 2 > 2"),
    C("amount + 0.005 > 10"), C("f32 + 1 > 2"), C("i32 % 2 = 1 AND i32 > 0"), C("amount - amount = 0"),
    # --- NaN and Infinity (DuckDB: NaN is greater than every number, +Infinity included, and
    # NaN = NaN is true); the NaN files' statistics say max 2.0, which must not skip them
    C("f64 > 100"), C("f32 >= 3"), C("f64 = f64"), C("f32 <> f32"), C("f64 < -1000"),
    C("f64 * 2 > 100"), C("NOT (f64 <= 100)"), C("f64 > f32"),
    # --- identifiers and keywords are case-insensitive; quoted identifiers; whitespace
    C("I32 > 5"), C("Name = 'alpha'"), C('"i32" > 5'), C("`name` = 'alpha'"),
    C("i32 between 3 and 7 and name is not null"), C("name not like 'a%'"), C("i32 in (1, 2) or b is null"),
    C("TRUE AND not b"), C("i32\n>\t5"),
]

TABLES = ["parted", "plain"]


def _case_id(case: Case) -> str:
    return re.sub(r"\s+", " ", case.pred)[:70]


def test_cases_are_distinct():
    preds = [c.pred for c in CASES]
    assert len(preds) == len(set(preds)), [p for p in preds if preds.count(p) > 1]
    assert len(preds) >= 40


class QueryTables:
    def __init__(self, lk: Lake, inputs: list[Path]):
        self.lk = lk
        self.inputs = inputs
        self.path = {name: lk.warehouse / "default" / name for name in TABLES}
        self.schema = deltars_arrow_schema(self.path["plain"])
        self._ref_loaded: set = set()


@pytest.fixture(scope="module")
def qt(lake, tmp_path_factory) -> QueryTables:
    """Both tables, built once: create + one append per batch (a Parquet file each)."""
    root = tmp_path_factory.mktemp("lake-query")
    lk = Lake(lake, root / "warehouse")
    lk.ok("init")
    inputs = []
    for i, batch in enumerate(BATCHES):
        p = root / f"batch-{i}.parquet"
        pq.write_table(pa.Table.from_pylist(batch, schema=SCHEMA), p)
        inputs.append(p)
    lk.ok("create", "parted", "--schema", DDL, "--partition-by", "region")
    lk.ok("create", "plain", "--schema", DDL)
    for p in inputs:
        lk.ok("append", "parted", p)
        lk.ok("append", "plain", p)
    return QueryTables(lk, inputs)


def ref_table(qt: QueryTables, duckdb_con, table: str) -> str:
    """A DuckDB temp table holding delta_scan() of the lake table, with a filename column."""
    name = f"query_ref_{table}"
    if table not in qt._ref_loaded:
        path = str(qt.path[table]).replace("'", "''")
        duckdb_con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM delta_scan('{path}', filename=true)")
        qt._ref_loaded.add(table)
    return name


def duck_rows(qt, duckdb_con, table: str, where: str, select: str = "*") -> pa.Table:
    return duckdb_con.execute(f"SELECT {select} FROM {ref_table(qt, duckdb_con, table)} WHERE {where}").to_arrow_table()


def expected_all(schema: pa.Schema) -> list[str]:
    return canonical_rows(pa.Table.from_pylist(ALL_ROWS, schema=SCHEMA), schema)


# --------------------------------------------------------------------------------------
# (a) the fixture itself
# --------------------------------------------------------------------------------------


def test_inputs_cover_nulls_and_null_files():
    for name, _ in COLUMNS:
        assert any(r[name] is None for r in ALL_ROWS), f"{name} has no null"
        assert any(r[name] is not None for r in ALL_ROWS), f"{name} has only nulls"
    for name in ENTIRELY_NULL_IN_SOME_FILE:
        assert any(all(r[name] is None for r in batch) for batch in BATCHES), f"no file with {name} all null"
    # a file holding NaN whose other values are all small (so a NaN-blind max would be < 100)
    assert any(any(r["f64"] is not None and math.isnan(r["f64"]) for r in batch)
               and max(r["f64"] for r in batch if r["f64"] is not None and not math.isnan(r["f64"])) < 100
               for batch in BATCHES)


@pytest.mark.parametrize("table", TABLES)
def test_tables_hold_the_rows(table, qt, duckdb_con):
    """Without a predicate, lake and DuckDB read exactly what was appended."""
    expected = expected_all(qt.schema)
    assert_same_multiset(canonical_lake_rows(qt.lk.rows(table), qt.schema), expected, f"lake scan {table}")
    got = canonical_rows(duck_rows(qt, duckdb_con, table, "true"), qt.schema)
    assert_same_multiset(got, expected, f"DuckDB delta_scan of {table}")
    files = qt.lk.doc("files", table)["files"]
    assert len(files) >= (len(BATCHES) if table == "plain" else 2 * len(BATCHES)), files


# --------------------------------------------------------------------------------------
# (a) every predicate: lake scan/count == DuckDB
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_where_matches_duckdb(case, table, qt, duckdb_con):
    expected_tbl = duck_rows(qt, duckdb_con, table, case.duck)
    expected = canonical_rows(expected_tbl, qt.schema)
    what = f"{table}: --where {case.pred!r} (DuckDB: WHERE {case.duck})"
    rows = qt.lk.rows(table, "--where", case.pred)
    assert_same_multiset(canonical_lake_rows(rows, qt.schema), expected, what)
    got = qt.lk.count(table, "--where", case.pred)
    assert got == len(expected), f"{what}: lake count --where printed {got}, DuckDB counts {len(expected)}"


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_explain_accounts_for_every_file(case, table, qt, duckdb_con):
    """--explain --json: the documented fields, every live file counted once, and every
    file holding a matching row read (never skipped)."""
    doc = qt.lk.doc("scan", table, "--where", case.pred, "--explain")
    check_explain_doc(doc)
    analyzed = qt.lk.doc("scan", table, "--where", case.pred, "--explain", "--analyze")
    check_explain_doc(analyzed, analyzed=True)
    for field in PLAN_FIELDS:
        assert analyzed[field] == doc[field], f"--analyze changed the plan's {field}: {doc} vs {analyzed}"
    assert analyzed["rows_returned"] == len(duck_rows(qt, duckdb_con, table, case.duck)), analyzed
    files = qt.lk.doc("files", table)["files"]
    assert doc["files_total"] == len(files), f"files_total {doc['files_total']} != {len(files)} live files: {doc}"
    counted = doc["files_pruned_by_partition"] + doc["files_skipped_by_stats"] + doc["files_read"]
    assert counted == doc["files_total"], f"pruned + skipped + read != files_total: {doc}"
    with_matches = duckdb_con.execute(
        f"SELECT count(DISTINCT filename) FROM {ref_table(qt, duckdb_con, table)} WHERE {case.duck}").fetchone()[0]
    assert doc["files_read"] >= with_matches, (
        f"--where {case.pred!r}: {with_matches} files hold matching rows but explain reads {doc['files_read']}: {doc}")
    if table == "plain":
        assert doc["files_pruned_by_partition"] == 0, f"no partitions, yet files pruned by partition: {doc}"


PLAN_FIELDS = ["files_total", "files_pruned_by_partition", "files_skipped_by_stats", "files_read"]
ANALYZE_FIELDS = ["row_groups_read", "row_groups_skipped", "bytes_read", "rows_read", "rows_returned"]


def check_explain_doc(doc, analyzed=False):
    """The plan's fields (and, with --analyze, the measured ones) are counts; the plan lists
    each file it reads with the reason."""
    assert isinstance(doc, dict), f"explain --json printed {doc!r}"
    for f in PLAN_FIELDS + (ANALYZE_FIELDS if analyzed else []):
        v = doc.get(f)
        assert isinstance(v, int) and not isinstance(v, bool) and v >= 0, f"explain --json: {f} = {v!r} in {doc}"
    assert doc.get("analyzed") is analyzed, doc
    if not analyzed:
        for f in ANALYZE_FIELDS:
            assert f not in doc, f"--explain without --analyze reports measured {f}: {doc}"
        assert len(doc["files"]) == doc["files_read"], doc
    assert all(f["reason"] in ("no_predicate", "partition_match", "stats_might_match", "no_stats") for f in doc["files"]), doc


def test_explain_needs_no_data_file(pt):
    """--explain is computed from the log alone: it works with every data file gone, and
    names each file it would read; --analyze then fails on the missing file (exit 4)."""
    table = pt.copy("pp")
    before = pt.lk.doc("scan", table, "--where", "region = 'eu' AND id < 40", "--explain")
    for f in pt.lk.doc("files", table)["files"]:
        (table / f["path"]).unlink()
    doc = pt.lk.doc("scan", table, "--where", "region = 'eu' AND id < 40", "--explain")
    assert doc == before, f"the plan changed when the data files went: {before} vs {doc}"
    assert doc["files_read"] == 1 and doc["files"][0]["path"].startswith("region=eu/"), doc
    assert doc["files"][0]["reason"] == "stats_might_match", doc
    proc = pt.lk.run("scan", table, "--where", "region = 'eu' AND id < 40", "--explain", "--analyze")
    assert proc.returncode == 4, describe(proc)
    text = pt.lk.ok("scan", table, "--explain").stdout
    assert "to read" in text and "no_predicate" in text, text


def test_analyze_needs_explain(pt):
    proc = pt.lk.run("scan", "pp", "--analyze")
    assert proc.returncode == 2, describe(proc)


def test_explain_text_prints_stats_not_rows(qt):
    proc = qt.lk.ok("scan", "plain", "--where", "i32 > 100", "--explain")
    assert "file" in proc.stdout.lower(), f"explain names no file counts{describe(proc)}"
    proc = qt.lk.ok("scan", "plain", "--where", "name = 'alpha'", "--explain", "--format", "jsonl")
    assert not any(line.lstrip().startswith("{\"b\"") for line in proc.stdout.splitlines()), (
        f"--explain printed rows{describe(proc)}")


@pytest.mark.parametrize("table", TABLES)
def test_where_with_columns_filters_on_unprojected_column(table, qt, duckdb_con):
    sub = pa.schema([qt.schema.field("name"), qt.schema.field("i32")])
    pred = "i64 > 5 AND region <> 'us'"
    expected = canonical_rows(duck_rows(qt, duckdb_con, table, pred, select="name, i32"), sub)
    rows = qt.lk.rows(table, "--columns", "name,i32", "--where", pred)
    assert_same_multiset(canonical_lake_rows(rows, sub), expected, f"{table}: --columns name,i32 --where {pred!r}")


@pytest.mark.parametrize("table", TABLES)
def test_where_with_version(table, qt, duckdb_con):
    """Time travel and a predicate: version 2 holds the first two appends."""
    path = str(qt.path[table]).replace("'", "''")
    pred = "i32 > 3 OR f64 IS NULL"
    expected = canonical_rows(duckdb_con.execute(
        f"SELECT * FROM delta_scan('{path}', version=2) WHERE {pred}").to_arrow_table(), qt.schema)
    rows = qt.lk.rows(table, "--version", "2", "--where", pred)
    assert_same_multiset(canonical_lake_rows(rows, qt.schema), expected, f"{table}: --version 2 --where {pred!r}")
    assert qt.lk.count(table, "--version", "2", "--where", pred) == len(expected)


@pytest.mark.parametrize("pred", ["i32 > 3", "name LIKE '%a%' OR f64 > 100", "ts < DATE '2026-01-02'"])
def test_where_on_parquet_file(pred, qt, duckdb_con):
    """`lake scan FILE.parquet --where` (the contract's scan takes a Parquet file too)."""
    f = qt.inputs[0]
    sub = pa.schema([qt.schema.field(n) for n in SCHEMA.names])
    expected = canonical_rows(duckdb_con.execute(
        f"SELECT * FROM read_parquet('{str(f)}') WHERE {pred}").to_arrow_table(), sub)
    rows = qt.lk.rows(f, "--where", pred)
    assert_same_multiset(canonical_lake_rows(rows, sub), expected, f"{f.name}: --where {pred!r}")


# --------------------------------------------------------------------------------------
# (b) pruning: skipped files are never opened
# --------------------------------------------------------------------------------------

CLUSTER_ORDER = [3, 7, 0, 9, 1, 5, 8, 2, 6, 4]  # append order: file order is not id order
CLUSTER_SCHEMA = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("grp", pa.string()),
                            pa.field("val", pa.float64())])
REGIONS = ["eu", "us", "apac", None]
PARTED_SCHEMA = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("region", pa.string()),
                           pa.field("val", pa.float64())])


def cluster_row(i: int) -> dict:
    return {"id": i, "grp": f"g{i % 7}", "val": i * 0.5}


def parted_row(i: int) -> dict:
    return {"id": i, "region": REGIONS[i % 4], "val": i * 0.25}


class PruneTables:
    def __init__(self, lk: Lake, root: Path):
        self.lk = lk
        self.root = root
        self.clus = lk.warehouse / "default" / "clus"
        self.pp = lk.warehouse / "default" / "pp"
        self._copies = 0

    def copy(self, which: str) -> Path:
        """A private copy of a table directory (addressed by path), free to mutilate."""
        self._copies += 1
        dst = self.root / "copies" / f"{which}-{self._copies}"
        shutil.copytree(getattr(self, which), dst)
        return dst


@pytest.fixture(scope="module")
def pt(lake, tmp_path_factory) -> PruneTables:
    """clus: 10 appends of 100 rows each, disjoint id ranges (k*100 .. k*100+99);
    pp: partitioned by region (eu, us, apac, null), 3 appends of ids 40b .. 40b+39."""
    root = tmp_path_factory.mktemp("lake-prune")
    lk = Lake(lake, root / "warehouse")
    lk.ok("init")
    lk.ok("create", "clus", "--schema", "id long not null, grp string, val double")
    for k in CLUSTER_ORDER:
        p = root / f"clus-{k}.parquet"
        pq.write_table(pa.Table.from_pylist([cluster_row(i) for i in range(k * 100, k * 100 + 100)],
                                            schema=CLUSTER_SCHEMA), p)
        lk.ok("append", "clus", p)
    lk.ok("create", "pp", "--schema", "id long not null, region string, val double", "--partition-by", "region")
    for b in range(3):
        p = root / f"pp-{b}.parquet"
        pq.write_table(pa.Table.from_pylist([parted_row(i) for i in range(40 * b, 40 * b + 40)],
                                            schema=PARTED_SCHEMA), p)
        lk.ok("append", "pp", p)
    return PruneTables(lk, root)


def file_id_ranges(table_dir: Path) -> dict[str, tuple[int, int]]:
    """Each live data file (path relative to the table) -> its (min id, max id) from the log."""
    out = {}
    for path, add in live_adds(table_dir).items():
        stats = add["stats_parsed"] or {}
        lo, hi = (stats.get("minValues") or {}).get("id"), (stats.get("maxValues") or {}).get("id")
        assert lo is not None and hi is not None, f"{path}: no id statistics in the log: {add.get('stats')}"
        out[path] = (int(lo), int(hi))
    return out


def lake_file_paths(lk: Lake, table) -> list[str]:
    return [f["path"] for f in lk.doc("files", table)["files"]]


def check_rows(lk: Lake, table, pred: str, expected_rows: list[dict], schema: pa.Schema, what: str):
    expected = canonical_rows(pa.Table.from_pylist(expected_rows, schema=schema), schema)
    assert_same_multiset(canonical_lake_rows(lk.rows(table, "--where", pred), schema), expected, what)
    got = lk.count(table, "--where", pred)
    assert got == len(expected_rows), f"{what}: lake count --where printed {got}, expected {len(expected_rows)}"


def test_explain_stats_skipping_on_clustered_ids(pt):
    doc = pt.lk.doc("scan", "clus", "--where", "id BETWEEN 120 AND 130", "--explain")
    check_explain_doc(doc)
    assert doc["files_total"] == 10, doc
    assert doc["files_pruned_by_partition"] == 0, doc
    assert doc["files_skipped_by_stats"] >= 8, f"min/max statistics skip fewer than 8 of 10 files: {doc}"
    assert 1 <= doc["files_read"] <= 2, doc
    assert doc["files_pruned_by_partition"] + doc["files_skipped_by_stats"] + doc["files_read"] == 10, doc


# (predicate, lo, hi): every matching id lies in lo..hi, so files whose id range misses
# lo..hi cannot hold a match and are deleted before the scan.
STATS_CASES = [
    ("id BETWEEN 120 AND 130", 120, 130),
    ("id >= 120 AND id <= 130", 120, 130),
    ("id = 125", 125, 125),
    ("id IN (125, 127)", 125, 127),
    ("id < 50", 0, 49),
    ("id > 949", 950, 999),
    ("id BETWEEN 150 AND 250", 150, 250),
    ("id >= 120 AND id <= 130 AND grp = 'g3'", 120, 130),
    ("NOT (id < 120 OR id > 130)", 120, 130),
]


@pytest.mark.parametrize("pred,lo,hi", STATS_CASES, ids=[c[0] for c in STATS_CASES])
def test_files_skipped_by_stats_are_never_opened(pred, lo, hi, pt):
    table = pt.copy("clus")
    ranges = file_id_ranges(table)
    assert sorted(ranges) == sorted(lake_file_paths(pt.lk, table)), "lake files and the log disagree"
    doomed = [p for p, (a, b) in ranges.items() if b < lo or a > hi]
    assert len(doomed) >= 8, f"test setup: only {len(doomed)} files excluded by the id ranges {ranges}"
    for p in doomed:
        (table / p).unlink()
    expected = [cluster_row(i) for i in range(1000) if lo <= i <= hi]
    expected = [r for r in expected if _cluster_match(pred, r)]
    check_rows(pt.lk, table, pred, expected, CLUSTER_SCHEMA,
               f"--where {pred!r} after deleting the {len(doomed)} files its statistics exclude")


def _cluster_match(pred: str, row: dict) -> bool:
    """The Python meaning of the STATS_CASES predicates (within lo..hi)."""
    i = row["id"]
    if "IN (125, 127)" in pred:
        return i in (125, 127)
    if "id = 125" in pred:
        return i == 125
    if "grp = 'g3'" in pred:
        return row["grp"] == "g3"
    return True


def test_explain_partition_pruning(pt):
    doc = pt.lk.doc("scan", "pp", "--where", "region = 'eu'", "--explain")
    check_explain_doc(doc)
    assert doc["files_total"] == 12, doc  # 3 appends x 4 partitions (null included)
    assert doc["files_pruned_by_partition"] == 9, doc
    assert doc["files_read"] == 3, doc
    assert doc["files_skipped_by_stats"] == 0, doc
    # partition values and statistics together: only the first append's eu file holds id < 40
    doc = pt.lk.doc("scan", "pp", "--where", "region = 'eu' AND id < 40", "--explain")
    check_explain_doc(doc)
    assert doc["files_pruned_by_partition"] == 9, doc
    assert doc["files_skipped_by_stats"] == 2, doc
    assert doc["files_read"] == 1, doc


PARTITION_CASES = [
    ("region = 'eu'", lambda r: r["region"] == "eu"),
    ("region IN ('eu')", lambda r: r["region"] == "eu"),
    ("region = 'eu' AND id >= 40", lambda r: r["region"] == "eu" and r["id"] >= 40),
    ("region = 'eu' AND val > 5", lambda r: r["region"] == "eu" and r["val"] > 5),
    ("region LIKE 'e%'", lambda r: r["region"] == "eu"),
    ("NOT (region <> 'eu')", lambda r: r["region"] == "eu"),
]


@pytest.mark.parametrize("pred,match", PARTITION_CASES, ids=[c[0] for c in PARTITION_CASES])
def test_files_pruned_by_partition_are_never_opened(pred, match, pt):
    table = pt.copy("pp")
    files = pt.lk.doc("files", table)["files"]
    doomed = [f["path"] for f in files if f["partition_values"].get("region") != "eu"]
    assert len(doomed) == 9, files
    for p in doomed:
        (table / p).unlink()
    expected = [r for r in (parted_row(i) for i in range(120)) if match(r)]
    check_rows(pt.lk, table, pred, expected, PARTED_SCHEMA, f"--where {pred!r} after deleting the other partitions")


def test_limit_with_where(pt):
    rows = pt.lk.rows("clus", "--where", "id >= 500 AND grp <> 'g0'", "--limit", "5")
    assert len(rows) == 5, rows
    ids = [int(r["id"].text) for r in rows]
    assert len(set(ids)) == 5 and all(i >= 500 and i % 7 != 0 for i in ids), ids
    expected = canonical_rows(pa.Table.from_pylist([cluster_row(i) for i in ids], schema=CLUSTER_SCHEMA),
                              CLUSTER_SCHEMA)
    assert_same_multiset(canonical_lake_rows(rows, CLUSTER_SCHEMA), expected, "--limit 5 rows")
    # a limit above the number of matches returns them all
    rows = pt.lk.rows("clus", "--where", "id BETWEEN 120 AND 122", "--limit", "5")
    assert sorted(int(r["id"].text) for r in rows) == [120, 121, 122], rows


def test_limit_stops_early(pt):
    """A limit satisfied by the first file read opens no other file."""
    doc = pt.lk.doc("scan", "clus", "--where", "id >= 0", "--limit", "5", "--explain", "--analyze")
    check_explain_doc(doc, analyzed=True)
    assert doc["files_read"] <= 2, f"--limit 5 (100 rows per file) still reads {doc['files_read']} files: {doc}"


# --------------------------------------------------------------------------------------
# (c) count --where answered from the log alone
# --------------------------------------------------------------------------------------

COUNT_PARTITION_CASES = [
    ("region = 'eu'", lambda r: r["region"] == "eu"),
    ("region IN ('eu', 'us')", lambda r: r["region"] in ("eu", "us")),
    ("region IS NULL", lambda r: r["region"] is None),
    ("region <> 'eu'", lambda r: r["region"] is not None and r["region"] != "eu"),
    ("region IS NOT NULL AND region LIKE 'a%'", lambda r: r["region"] == "apac"),
]


@pytest.mark.parametrize("pred,match", COUNT_PARTITION_CASES, ids=[c[0] for c in COUNT_PARTITION_CASES])
def test_count_where_on_partitions_needs_no_data_file(pred, match, pt):
    table = pt.copy("pp")
    for p in lake_file_paths(pt.lk, table):
        (table / p).unlink()
    want = sum(1 for i in range(120) if match(parted_row(i)))
    assert pt.lk.count(table, "--where", pred) == want, f"count --where {pred!r} without data files"


@pytest.mark.parametrize("pred", ["id > 5000", "id < 0", "id IS NULL", "id BETWEEN 1000 AND 2000"])
def test_where_excluding_every_file_by_stats_needs_no_data_file(pred, pt):
    table = pt.copy("clus")
    for p in lake_file_paths(pt.lk, table):
        (table / p).unlink()
    assert pt.lk.count(table, "--where", pred) == 0
    assert pt.lk.rows(table, "--where", pred) == []


# --------------------------------------------------------------------------------------
# (d) errors
# --------------------------------------------------------------------------------------

_POSITION_WORDS = r"(?:position|pos|column|col|offset|character|char|index|at)"


def names_position(message: str, predicate: str, offsets) -> bool:
    """Does an error message point at one of `offsets` (0-based indexes into the
    predicate)? Accepts `position 12` / `column 13` / `at 12` (0- or 1-based), `1:13`, or
    the predicate echoed with a caret under the offending character."""
    for off in offsets:
        for n in (off, off + 1):
            if re.search(rf"\b{_POSITION_WORDS}\W{{0,3}}{n}(?!\d)", message, re.IGNORECASE):
                return True
            if re.search(rf"(?<!\d)1:{n}(?!\d)", message):
                return True
    lines = message.splitlines()
    for i, line in enumerate(lines[:-1]):
        j = line.find(predicate)
        if j >= 0 and "^" in lines[i + 1]:
            if lines[i + 1].index("^") - j in offsets:
                return True
    return False


# (predicate, acceptable 0-based offsets of the error)
PARSE_ERRORS = [
    ("i32 >", [5]),
    ("i32 > 3 AND AND b", [12]),
    ("(i32 > 3", [8]),
    ("i32 > 3)", [7]),
    ("name = 'abc", [7, 11]),
    ("i32 IN ()", [8]),
    ("i32 ! 3", [4]),
    ("i32 > 3 xyz", [8]),
    ("i32 BETWEEN 1", [13]),
    ("name LIKE 'a%' ESCAPE", [21]),
    ("i32 >> 3", [5]),
    ("i32 = 1.2.3", [6, 9]),
]


@pytest.mark.parametrize("command", ["scan", "count"])
@pytest.mark.parametrize("pred,offsets", PARSE_ERRORS, ids=[p for p, _ in PARSE_ERRORS])
def test_parse_error_exits_2_naming_the_position(pred, offsets, command, qt):
    proc = qt.lk.fails(2, command, "plain", "--where", pred)
    assert names_position(proc.stderr, pred, offsets), (
        f"the message does not point at offset {offsets} of {pred!r}{describe(proc)}")
    assert not proc.stdout.strip(), f"output printed on a parse error{describe(proc)}"


def test_empty_predicate_exits_2(qt):
    qt.lk.fails(2, "scan", "plain", "--where", "")
    qt.lk.fails(2, "count", "plain", "--where", "   ")


def test_parse_error_with_json(qt):
    proc = qt.lk.fails(2, "scan", "plain", "--where", "i32 > 3 AND AND b", json_output=True)
    message = json.loads(proc.stdout)["error"]["message"]
    assert names_position(message, "i32 > 3 AND AND b", [12]), f"no position in the JSON error{describe(proc)}"


@pytest.mark.parametrize("command", ["scan", "count"])
@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("pred", ["nope > 3", "i32 > 3 AND nope IS NULL", "nope IN (1, 2)", "region = nope",
                                  "\"nope\" = 1"])
def test_unknown_column_exits_2(pred, table, command, qt):
    qt.lk.fails(2, command, table, "--where", pred, words=["nope"])


# Comparing or combining values of types with no common type, or a predicate that is not
# boolean.
TYPE_ERRORS = ["name > 5", "d > 5", "ts = 1", "name + 1 = 2", "b + 1 > 2", "name", "i32 > 3 AND name",
               "d - 1 > 0", "name BETWEEN 1 AND 2", "d IN (1, 2)", "i32 LIKE 'a%'"]


@pytest.mark.parametrize("command", ["scan", "count"])
@pytest.mark.parametrize("pred", TYPE_ERRORS)
def test_type_error_exits_2(pred, command, qt):
    qt.lk.fails(2, command, "plain", "--where", pred)


@pytest.mark.parametrize("pred", ["d = DATE '2026-02-30'", "ts > TIMESTAMP 'yesterday'", "d = '2026-13-01'",
                                  "name LIKE 'a%' ESCAPE 'ab'"])
def test_bad_literal_exits_2(pred, qt):
    qt.lk.fails(2, "scan", "plain", "--where", pred)


def test_errors_with_json_are_documents(qt):
    qt.lk.fails(2, "scan", "plain", "--where", "nope > 3", json_output=True, words=["nope"])
    qt.lk.fails(2, "count", "plain", "--where", "name > 5", json_output=True)
