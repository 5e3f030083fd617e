"""Text ingest: `lake append` of CSV, TSV and NDJSON files, and `lake create --from`.

* (a) CSV/TSV edge cases (RFC 4180 quoting, `""`, embedded newlines with CRLF, BOM,
  `--delimiter`, `--no-header`, `--null-value`, `--quote`, no trailing newline, TSV):
  `lake scan`, delta-rs and DuckDB must all read exactly the expected rows;
* (b) NDJSON nesting shapes (struct, array, array of struct, map, absent keys, nested
  nulls) read the same way;
* (c) the mapping matrix: every type from every textual form it accepts and the forms it
  must refuse, through CSV and through NDJSON (strings, and JSON numbers/booleans);
* (d) bad input: one stderr line naming file, line and column, exit 1 and the table
  unchanged (log, version, count, data files on disk); `--max-bad-rows` skips and reports;
* (e) stdin, several files in one commit, format by extension versus `--format`;
* (f) `lake create --from` schema inference.

Rows are compared as multisets of canonical rows (helpers.render + canon, typed by the
table's Delta schema), on every side.

Where the contract leaves a choice open, the test takes the one a demanding user expects
and says so in a comment starting with "Choice:".
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import describe
from helpers import (
    UTC,
    Lake,
    assert_same_multiset,
    canon,
    canonical_lake_rows,
    canonical_rows,
    csv_field,
    data_files,
    deltars_arrow_schema,
    error_line_problems,
    error_lines,
    lake_primitive_to_arrow,
    lake_type_name,
    log_versions,
    names_line,
    normalize_engine_value,
    read_delta,
    render,
    table_state,
    tdir,
    write_input as write,
)

ENGINES = ["delta-rs", "duckdb"]


# --------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------


def ndjson(*objects) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)


def expected_canonical(rows: list[dict], schema: pa.Schema) -> list[str]:
    return canonical_rows(pa.Table.from_pylist(rows, schema=schema), schema)


def assert_table_holds(lk: Lake, name: str, rows: list[dict], duckdb_con, what: str):
    """lake scan, delta-rs and DuckDB all read exactly `rows` (a multiset) from the table."""
    path = tdir(lk, name)
    schema = deltars_arrow_schema(path)
    expected = expected_canonical(rows, schema)
    assert_same_multiset(canonical_lake_rows(lk.rows(name), schema), expected, f"{what}: lake scan")
    for engine in ENGINES:
        got = canonical_rows(read_delta(engine, path, duckdb_con), schema)
        assert_same_multiset(got, expected, f"{what}: {engine} reading lake's table")
    assert lk.count(name) == len(rows), f"{what}: lake count"


def load(lk: Lake, name: str, ddl: str, file: Path, *options) -> dict:
    """create + append with --json; returns the append document after basic checks."""
    lk.ok("create", name, "--schema", ddl)
    doc = lk.doc("append", name, file, *options)
    assert doc.get("version") == 1, f"append of {file.name} did not commit version 1: {doc}"
    return doc


# --------------------------------------------------------------------------------------
# (a) CSV / TSV edge cases
# --------------------------------------------------------------------------------------

SIMPLE_DDL = "id long not null, name string, qty int"


def test_csv_quoted_fields(lk, tmp_path, duckdb_con):
    f = write(tmp_path, "quoted.csv", (
        "id,name,qty\n"
        '1,"hello, world",10\n'
        '2,"say ""hi""",20\n'
        '3,"""quoted""",30\n'
        '4,"42",40\n'
        '5,plain,"50"\n'
        '6,"a ""b"", c",60\n'
    ))
    doc = load(lk, "q", SIMPLE_DDL, f)
    assert doc.get("rows") == 6, doc
    assert_table_holds(lk, "q", [
        {"id": 1, "name": "hello, world", "qty": 10},
        {"id": 2, "name": 'say "hi"', "qty": 20},
        {"id": 3, "name": '"quoted"', "qty": 30},
        {"id": 4, "name": "42", "qty": 40},
        {"id": 5, "name": "plain", "qty": 50},  # a quoted number is still a number
        {"id": 6, "name": 'a "b", c', "qty": 60},
    ], duckdb_con, "quoted fields")


def test_csv_empty_unquoted_is_null_quoted_empty_is_empty_string(lk, tmp_path, duckdb_con):
    f = write(tmp_path, "empties.csv", (
        "id,name,qty,note\n"
        '1,,,""\n'
        '2,"",5,\n'
        '3,x,,""\n'
    ))
    load(lk, "e", "id long not null, name string, qty int, note string", f)
    assert_table_holds(lk, "e", [
        {"id": 1, "name": None, "qty": None, "note": ""},
        {"id": 2, "name": "", "qty": 5, "note": None},
        {"id": 3, "name": "x", "qty": None, "note": ""},
    ], duckdb_con, "empty fields")


def test_csv_embedded_newlines_and_crlf(lk, tmp_path, duckdb_con):
    """CRLF line ends everywhere (header included), and quoted fields holding a LF and a
    CRLF, which are part of the value (RFC 4180)."""
    f = write(tmp_path, "crlf.csv", (
        "id,name,qty\r\n"
        '1,"line one\nline two",10\r\n'
        '2,"crlf\r\ninside",20\r\n'
        "3,plain,30\r\n"
        '4,"ends with newline\n",\r\n'
    ))
    load(lk, "c", SIMPLE_DDL, f)
    assert_table_holds(lk, "c", [
        {"id": 1, "name": "line one\nline two", "qty": 10},
        {"id": 2, "name": "crlf\r\ninside", "qty": 20},
        {"id": 3, "name": "plain", "qty": 30},
        {"id": 4, "name": "ends with newline\n", "qty": None},
    ], duckdb_con, "embedded newlines + CRLF")


def test_csv_utf8_bom(lk, tmp_path, duckdb_con):
    """A UTF-8 byte order mark is not part of the first header name."""
    f = write(tmp_path, "bom.csv", "\ufeffid,name,qty\n1,é,10\n2,日本,20\n")
    assert f.read_bytes()[:3] == b"\xef\xbb\xbf"
    load(lk, "b", SIMPLE_DDL, f)
    assert_table_holds(lk, "b", [
        {"id": 1, "name": "é", "qty": 10},
        {"id": 2, "name": "日本", "qty": 20},
    ], duckdb_con, "BOM")


@pytest.mark.parametrize("delimiter", [";", "|"])
def test_csv_delimiter(delimiter, lk, tmp_path, duckdb_con):
    d = delimiter
    f = write(tmp_path, "delim.csv", (
        f"id{d}name{d}price\n"
        f"1{d}a,b{d}2.5\n"
        f'2{d}"x{d}y"{d}-1\n'
        f"3{d}{d}1e3\n"
    ))
    load(lk, "d", "id long not null, name string, price double", f, "--delimiter", d)
    assert_table_holds(lk, "d", [
        {"id": 1, "name": "a,b", "price": 2.5},
        {"id": 2, "name": f"x{d}y", "price": -1.0},
        {"id": 3, "name": None, "price": 1000.0},
    ], duckdb_con, f"delimiter {d!r}")


def test_csv_no_header_maps_by_position(lk, tmp_path, duckdb_con):
    # The first line looks like data of the right types: it must not be taken for a header.
    f = write(tmp_path, "nohdr.csv", "1,a,10\n2,b,20\n3,,\n")
    load(lk, "n", SIMPLE_DDL, f, "--no-header")
    assert_table_holds(lk, "n", [
        {"id": 1, "name": "a", "qty": 10},
        {"id": 2, "name": "b", "qty": 20},
        {"id": 3, "name": None, "qty": None},
    ], duckdb_con, "--no-header")


@pytest.mark.parametrize("token", ["NA", "\\N"])
def test_csv_null_value(token, lk, tmp_path, duckdb_con):
    f = write(tmp_path, "nulls.csv", (
        "id,name,qty\n"
        f"1,{token},{token}\n"
        f'2,"{token}",5\n'       # quoted: the text itself, not null
        "3,,6\n"                  # an empty unquoted field stays null
        f"4,{token}x,7\n"        # only the exact text is null
    ))
    load(lk, "nv", SIMPLE_DDL, f, "--null-value", token)
    assert_table_holds(lk, "nv", [
        {"id": 1, "name": None, "qty": None},
        {"id": 2, "name": token, "qty": 5},
        {"id": 3, "name": None, "qty": 6},
        {"id": 4, "name": token + "x", "qty": 7},
    ], duckdb_con, f"--null-value {token}")


def test_csv_quote_char(lk, tmp_path, duckdb_con):
    f = write(tmp_path, "squote.csv", (
        "id,name,qty\n"
        "1,'a,b',10\n"
        "2,'it''s',20\n"
        '3,say "hi",30\n'        # a double quote is an ordinary character now
        "4,'',40\n"              # quoted empty: empty string
        "5,'multi\nline',50\n"
    ))
    load(lk, "sq", SIMPLE_DDL, f, "--quote", "'")
    assert_table_holds(lk, "sq", [
        {"id": 1, "name": "a,b", "qty": 10},
        {"id": 2, "name": "it's", "qty": 20},
        {"id": 3, "name": 'say "hi"', "qty": 30},
        {"id": 4, "name": "", "qty": 40},
        {"id": 5, "name": "multi\nline", "qty": 50},
    ], duckdb_con, "--quote \"'\"")


@pytest.mark.parametrize("last", ["2,b,", '2,"b",20', "2,b,20\r\n\r\n"], ids=["empty-last-field", "quoted", "blank-lines-at-end"])
def test_csv_end_of_file(last, lk, tmp_path, duckdb_con):
    """No trailing newline (the last field empty or quoted); or trailing blank lines.
    Choice: blank lines at the end of a CSV file hold no row (as pyarrow, DuckDB and
    pandas read them), rather than being ragged one-field rows."""
    f = write(tmp_path, "eof.csv", "id,name,qty\n1,a,10\n" + last)
    load(lk, "t", SIMPLE_DDL, f)
    second = {"id": 2, "name": "b", "qty": None if last == "2,b," else 20}
    assert_table_holds(lk, "t", [{"id": 1, "name": "a", "qty": 10}, second], duckdb_con, f"end of file {last!r}")


@pytest.mark.parametrize("how", ["extension", "flag"])
def test_tsv(how, lk, tmp_path, duckdb_con):
    content = (
        "id\tname\tqty\n"
        "1\ta,b\t10\n"
        '2\t"tab\there"\t20\n'
        "3\t\t30\n"
        '4\t"say ""x"""\t\n'
    )
    if how == "extension":
        f, opts = write(tmp_path, "data.tsv", content), []
    else:
        f, opts = write(tmp_path, "data.txt", content), ["--format", "tsv"]
    load(lk, "tsv", SIMPLE_DDL, f, *opts)
    assert_table_holds(lk, "tsv", [
        {"id": 1, "name": "a,b", "qty": 10},
        {"id": 2, "name": "tab\there", "qty": 20},
        {"id": 3, "name": None, "qty": 30},
        {"id": 4, "name": 'say "x"', "qty": None},
    ], duckdb_con, f"TSV by {how}")


def test_csv_header_maps_by_name(lk, tmp_path, duckdb_con):
    """Header names map to columns: any order, exact then case-insensitive; a nullable
    column the file lacks is null."""
    f = write(tmp_path, "reordered.csv", "qty,ID,Name\n10,1,a\n20,2,b\n")
    load(lk, "h", "id long not null, name string, qty int, price double", f)
    assert_table_holds(lk, "h", [
        {"id": 1, "name": "a", "qty": 10, "price": None},
        {"id": 2, "name": "b", "qty": 20, "price": None},
    ], duckdb_con, "header mapping")


# --------------------------------------------------------------------------------------
# (b) NDJSON shapes
# --------------------------------------------------------------------------------------

NDJSON_SHAPES = {
    "struct": (
        "id long, s struct<a:int,b:string,c:struct<d:double>>",
        [
            {"id": 1, "s": {"a": 1, "b": "x", "c": {"d": 1.5}}},
            {"id": 2, "s": {"b": "y", "a": 2}},   # keys in another order, c absent
            {"id": 3, "s": None},
            {"id": 4, "s": {}},
        ],
        [
            {"id": 1, "s": {"a": 1, "b": "x", "c": {"d": 1.5}}},
            {"id": 2, "s": {"a": 2, "b": "y", "c": None}},
            {"id": 3, "s": None},
            {"id": 4, "s": {"a": None, "b": None, "c": None}},
        ],
    ),
    "array": (
        "id long, arr array<long>, words array<string>, grid array<array<int>>",
        [
            {"id": 1, "arr": [1, 2, 3], "words": ["a", "b"], "grid": [[1, 2], [], [3]]},
            {"id": 2, "arr": [], "words": [], "grid": []},
            {"id": 3, "arr": None, "words": None, "grid": None},
        ],
        [
            {"id": 1, "arr": [1, 2, 3], "words": ["a", "b"], "grid": [[1, 2], [], [3]]},
            {"id": 2, "arr": [], "words": [], "grid": []},
            {"id": 3, "arr": None, "words": None, "grid": None},
        ],
    ),
    "array_of_struct": (
        "id long, items array<struct<sku:string,qty:int>>",
        [
            {"id": 1, "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}]},
            {"id": 2, "items": [{"qty": 3, "sku": "c"}, {"sku": "d"}]},
            {"id": 3, "items": []},
        ],
        [
            {"id": 1, "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}]},
            {"id": 2, "items": [{"sku": "c", "qty": 3}, {"sku": "d", "qty": None}]},
            {"id": 3, "items": []},
        ],
    ),
    "map": (
        "id long, m map<string,double>, mm map<string,array<int>>",
        [
            {"id": 1, "m": {"k1": 1.5, "k2": 2}, "mm": {"a": [1, 2], "b": []}},
            {"id": 2, "m": {}, "mm": {}},
            {"id": 3, "m": None, "mm": None},
            {"id": 4, "m": {"only": -0.25}, "mm": {"z": [7]}},
        ],
        [
            {"id": 1, "m": [("k1", 1.5), ("k2", 2.0)], "mm": [("a", [1, 2]), ("b", [])]},
            {"id": 2, "m": [], "mm": []},
            {"id": 3, "m": None, "mm": None},
            {"id": 4, "m": [("only", -0.25)], "mm": [("z", [7])]},
        ],
    ),
    "absent_keys": (
        "id long, name string, qty int, tags array<string>, s struct<a:int>, m map<string,long>",
        [
            {"id": 1},
            {"id": 2, "name": "b"},
            {"qty": 3},
            {},
            {"id": 5, "name": "e", "qty": 5, "tags": ["t"], "s": {"a": 5}, "m": {"k": 5}},
        ],
        [
            {"id": 1, "name": None, "qty": None, "tags": None, "s": None, "m": None},
            {"id": 2, "name": "b", "qty": None, "tags": None, "s": None, "m": None},
            {"id": None, "name": None, "qty": 3, "tags": None, "s": None, "m": None},
            {"id": None, "name": None, "qty": None, "tags": None, "s": None, "m": None},
            {"id": 5, "name": "e", "qty": 5, "tags": ["t"], "s": {"a": 5}, "m": [("k", 5)]},
        ],
    ),
    "nested_nulls": (
        "id long, s struct<a:int,b:array<int>>, arr array<struct<x:int>>, m map<string,string>, n array<array<string>>",
        [
            {"id": 1, "s": {"a": None, "b": [1, None, 3]}, "arr": [None, {"x": None}, {"x": 5}],
             "m": {"k": None, "j": "v"}, "n": [None, [None, "x"]]},
            {"id": 2, "s": {"a": 1, "b": None}, "arr": [None], "m": {"k": None}, "n": [[]]},
        ],
        [
            {"id": 1, "s": {"a": None, "b": [1, None, 3]}, "arr": [None, {"x": None}, {"x": 5}],
             "m": [("k", None), ("j", "v")], "n": [None, [None, "x"]]},
            {"id": 2, "s": {"a": 1, "b": None}, "arr": [None], "m": [("k", None)], "n": [[]]},
        ],
    ),
}


@pytest.mark.parametrize("shape", list(NDJSON_SHAPES))
def test_ndjson_shapes(shape, lk, tmp_path, duckdb_con):
    ddl, objects, expected = NDJSON_SHAPES[shape]
    # Blank lines (also with spaces, and a CRLF one) are skipped.
    text = "\n".join(json.dumps(o) for o in objects)
    text = text.replace("\n", "\n\n", 1) + "\n  \n\r\n"
    f = write(tmp_path, f"{shape}.ndjson", text)
    doc = load(lk, "j", ddl, f)
    assert doc.get("rows") == len(objects), doc
    assert_table_holds(lk, "j", expected, duckdb_con, f"NDJSON {shape}")


def test_ndjson_strings_and_key_order(lk, tmp_path, duckdb_con):
    """JSON string escapes (\\n, \\", \\\\, \\u00e9, surrogate pairs) and whitespace
    inside objects; keys map by name whatever their order."""
    text = (
        '{"name": "line\\nbreak \\"q\\" back\\\\slash", "id": 1}\n'
        '  {  "id" : 2 , "name" : "\\u00e9\\ud83d\\ude00\\t"  }  \n'
        '{"id":3,"name":"日本"}'   # no newline at the end
    )
    f = write(tmp_path, "strings.jsonl", text)
    load(lk, "s", "id long not null, name string", f)
    assert_table_holds(lk, "s", [
        {"id": 1, "name": 'line\nbreak "q" back\\slash'},
        {"id": 2, "name": "é😀\t"},
        {"id": 3, "name": "日本"},
    ], duckdb_con, "NDJSON strings")


# --------------------------------------------------------------------------------------
# (c) The mapping matrix: (type, text) -> value or error, via CSV and via NDJSON
# --------------------------------------------------------------------------------------

ERR = "<error>"
NAN, INF = float("nan"), float("inf")
F32_MAX = float(np.float32(3.4028235e38))
D = Decimal


def ts(*args, us: int = 0) -> dt.datetime:
    return dt.datetime(*args, microsecond=us, tzinfo=UTC)


def ntz(*args, us: int = 0) -> dt.datetime:
    return dt.datetime(*args, microsecond=us)


# Textual forms: CSV/TSV fields and NDJSON strings alike (the contract's "textual forms
# accepted per type").
TEXT_CASES = [
    # boolean: true/false/1/0/t/f/yes/no, any case
    ("boolean", "true", True), ("boolean", "false", False), ("boolean", "TRUE", True),
    ("boolean", "False", False), ("boolean", "1", True), ("boolean", "0", False),
    ("boolean", "t", True), ("boolean", "F", False), ("boolean", "yes", True),
    ("boolean", "no", False), ("boolean", "YES", True), ("boolean", "No", False),
    ("boolean", "2", ERR), ("boolean", "maybe", ERR), ("boolean", "truthy", ERR),
    # byte/short/int/long: optional sign + digits, spaces around trimmed, range-checked
    ("byte", "127", 127), ("byte", "-128", -128), ("byte", "+5", 5), ("byte", " 7 ", 7), ("byte", "0", 0),
    ("byte", "128", ERR), ("byte", "-129", ERR), ("byte", "1.0", ERR), ("byte", "x", ERR),
    ("short", "32767", 32767), ("short", "-32768", -32768), ("short", "32768", ERR), ("short", "-32769", ERR),
    ("int", "2147483647", 2147483647), ("int", "-2147483648", -2147483648), ("int", "007", 7),
    ("int", "2147483648", ERR), ("int", "1e3", ERR), ("int", "12abc", ERR), ("int", "1 000", ERR),
    ("long", "9223372036854775807", 9223372036854775807), ("long", "-9223372036854775808", -9223372036854775808),
    ("long", "+42", 42), ("long", "9223372036854775808", ERR), ("long", "-9223372036854775809", ERR),
    ("long", "1.5", ERR), ("long", "0x10", ERR), ("long", "-", ERR),
    # float/double: decimal, scientific, NaN, Infinity, -Infinity, inf
    ("float", "1.5", 1.5), ("float", "0.1", 0.1), ("float", "-0.0", -0.0), ("float", "1e10", 1e10),
    ("float", "3.4028235e38", F32_MAX), ("float", "NaN", NAN), ("float", "Infinity", INF),
    ("float", "-Infinity", -INF), ("float", "inf", INF), ("float", "abc", ERR),
    ("double", "3.14", 3.14), ("double", "-2.5e-3", -0.0025), ("double", "1E308", 1e308),
    ("double", "42", 42.0), ("double", "-0.0", -0.0), ("double", "5e-324", 5e-324),
    ("double", "0.1", 0.1), ("double", "NaN", NAN), ("double", "Infinity", INF),
    ("double", "-Infinity", -INF), ("double", "inf", INF),
    ("double", "1.2.3", ERR), ("double", "abc", ERR), ("double", "--1", ERR), ("double", "1,5", ERR),
    # decimal(p,s): exact; more fractional digits than s, or more than p-s integer digits: error
    ("decimal(5,2)", "123.45", D("123.45")), ("decimal(5,2)", "-0.5", D("-0.50")),
    ("decimal(5,2)", "7", D("7.00")), ("decimal(5,2)", "+1.1", D("1.10")),
    ("decimal(5,2)", "999.99", D("999.99")), ("decimal(5,2)", "-999.99", D("-999.99")),
    ("decimal(5,2)", "0.10", D("0.10")),
    ("decimal(5,2)", "1000.00", ERR), ("decimal(5,2)", "1000", ERR), ("decimal(5,2)", "1.234", ERR),
    ("decimal(5,2)", "0.001", ERR), ("decimal(5,2)", "abc", ERR),
    ("decimal(38,18)", "12345678901234567890.123456789012345678", D("12345678901234567890.123456789012345678")),
    ("decimal(38,18)", "-0.000000000000000001", D("-0.000000000000000001")),
    ("decimal(38,18)", "123456789012345678901", ERR),
    # string: any valid UTF-8, as is (no trimming)
    ("string", "hello", "hello"), ("string", "  padded  ", "  padded  "),
    ("string", "ünïcödé ✓ 日本 😀", "ünïcödé ✓ 日本 😀"), ("string", "NA", "NA"), ("string", "null", "null"),
    ("string", 'a,b "q"', 'a,b "q"'), ("string", "line\nbreak", "line\nbreak"),
    # binary: base64
    ("binary", "AAEC/w==", b"\x00\x01\x02\xff"), ("binary", "aGVsbG8=", b"hello"),
    ("binary", "not base64!", ERR), ("binary", "@@@@", ERR),
    # date: YYYY-MM-DD
    ("date", "2026-01-02", dt.date(2026, 1, 2)), ("date", "1970-01-01", dt.date(1970, 1, 1)),
    ("date", "2024-02-29", dt.date(2024, 2, 29)), ("date", "1969-12-31", dt.date(1969, 12, 31)),
    ("date", "2023-02-29", ERR), ("date", "2026-13-01", ERR), ("date", "2026/01/02", ERR),
    ("date", "20260102", ERR), ("date", "2026-1-2", ERR), ("date", "tomorrow", ERR),
    # timestamp: ISO 8601, Z or offset, T or space; no offset = UTC (lake runs under New York time)
    ("timestamp", "2026-01-02T03:04:05Z", ts(2026, 1, 2, 3, 4, 5)),
    ("timestamp", "2026-01-02T03:04:05.123456+02:00", ts(2026, 1, 2, 1, 4, 5, us=123456)),
    ("timestamp", "2026-01-02 03:04:05Z", ts(2026, 1, 2, 3, 4, 5)),
    ("timestamp", "2026-01-02 03:04:05.5-05:30", ts(2026, 1, 2, 8, 34, 5, us=500000)),
    ("timestamp", "2026-01-02T03:04:05", ts(2026, 1, 2, 3, 4, 5)),
    ("timestamp", "2026-07-01 12:00:00", ts(2026, 7, 1, 12, 0, 0)),
    ("timestamp", "2026-03-08T02:30:00", ts(2026, 3, 8, 2, 30, 0)),  # no such local time in New York
    ("timestamp", "1969-12-31T23:59:59.999999Z", ts(1969, 12, 31, 23, 59, 59, us=999999)),
    ("timestamp", "2026-01-02T25:00:00Z", ERR), ("timestamp", "2026-01-32T00:00:00Z", ERR),
    ("timestamp", "yesterday", ERR),
    # timestamp_ntz: without offset; an offset is an error
    ("timestamp_ntz", "2026-01-02T03:04:05", ntz(2026, 1, 2, 3, 4, 5)),
    ("timestamp_ntz", "2026-01-02 03:04:05.25", ntz(2026, 1, 2, 3, 4, 5, us=250000)),
    ("timestamp_ntz", "2026-03-08T02:30:00", ntz(2026, 3, 8, 2, 30, 0)),
    ("timestamp_ntz", "2026-01-02T03:04:05Z", ERR), ("timestamp_ntz", "2026-01-02T03:04:05+02:00", ERR),
    ("timestamp_ntz", "noon", ERR),
]

MATRIX_TYPES = sorted({t for t, _, _ in TEXT_CASES})

# CSV only: raw field text (already quoted where quoted).
CSV_ONLY = [(t, "", None) for t in MATRIX_TYPES] + [
    ("string", '""', ""),          # quoted empty: the empty string
    ("string", '"  x  "', "  x  "),
    ("long", '"42"', 42),          # quoted number
    ("date", '"2026-01-02"', dt.date(2026, 1, 2)),
]

# NDJSON only: raw JSON values (numbers, booleans, null, other kinds).
JSON_ONLY = [(t, "null", None) for t in MATRIX_TYPES] + [
    ("boolean", "true", True), ("boolean", "false", False),
    ("byte", "-5", -5), ("byte", "300", ERR), ("short", "-300", -300), ("int", "2147483648", ERR),
    ("long", "42", 42), ("long", "-9223372036854775808", -9223372036854775808),
    ("long", "9223372036854775808", ERR), ("long", "1.5", ERR), ("long", "true", ERR), ('long', '{"a": 1}', ERR),
    ("long", "[1]", ERR),
    ("float", "0.1", 0.1), ("float", "1", 1.0),
    ("double", "3", 3.0), ("double", "-0.0", -0.0), ("double", "1.5e300", 1.5e300),
    ("double", "12345678901234567890", 12345678901234567890.0),
    ("decimal(5,2)", "12.5", D("12.50")), ("decimal(5,2)", "12", D("12.00")),
    ("decimal(5,2)", "1.234", ERR), ("decimal(5,2)", "1000", ERR),
    # A JSON number goes into a decimal exactly, never through a double.
    ("decimal(38,18)", "12345678901234567890.123456789012345678", D("12345678901234567890.123456789012345678")),
    ("decimal(38,18)", "0.1", D("0.1")),
    ("string", '"\\u00e9\\ud83d\\ude00"', "é😀"), ("string", '""', ""),
    ("boolean", '"yes"', True),
    ("date", "20260102", ERR), ("boolean", '{"x": true}', ERR),
]


def _matrix_params():
    params = []
    for t, text, expected in TEXT_CASES:
        params.append(pytest.param("csv", t, csv_field(text), expected, id=f"csv-{t}-{text!r}"))
    for t, raw, expected in CSV_ONLY:
        params.append(pytest.param("csv", t, raw, expected, id=f"csv-{t}-raw{raw!r}"))
    for t, text, expected in TEXT_CASES:
        params.append(pytest.param("ndjson", t, json.dumps(text, ensure_ascii=False), expected,
                                   id=f"ndjson-{t}-{text!r}"))
    for t, raw, expected in JSON_ONLY:
        params.append(pytest.param("ndjson", t, raw, expected, id=f"ndjson-{t}-json{raw}"))
    return params


MATRIX_PARAMS = _matrix_params()


def _slug(t: str) -> str:
    return re.sub(r"\W+", "_", t).strip("_")


class Matrix:
    """One warehouse for the whole matrix; one table per (format, type), made on first use.
    A case appends one row (or fails to) and finds its row again by id."""

    def __init__(self, lk: Lake, directory: Path):
        self.lk, self.dir, self.made, self.next_id = lk, directory, set(), 0

    def table(self, fmt: str, t: str) -> tuple[str, str]:
        name, column = f"{fmt}_{_slug(t)}", f"v_{_slug(t)}"
        if name not in self.made:
            self.lk.ok("create", name, "--schema", f"id long not null, {column} {t}")
            self.made.add(name)
        return name, column

    def case_file(self, fmt: str, column: str, raw: str) -> tuple[Path, int]:
        self.next_id += 1
        case_id = self.next_id
        if fmt == "csv":
            content = f"id,{column}\n{case_id},{raw}\n"
        else:
            content = f'{{"id": {case_id}, "{column}": {raw}}}\n'
        return write(self.dir, f"case{case_id}.{fmt}", content), case_id


@pytest.fixture(scope="module")
def matrix(lake, tmp_path_factory) -> Matrix:
    root = tmp_path_factory.mktemp("matrix")
    lk = Lake(lake, root / "warehouse")
    lk.ok("init")
    return Matrix(lk, root)


def _row_value(rows: list, case_id: int, column: str, t: pa.DataType, what: str):
    hits = [r for r in rows if isinstance(r, dict) and r.get("id") is not None and canon(r["id"], pa.int64()) == case_id]
    assert len(hits) == 1, f"{what}: {len(hits)} rows with id {case_id}"
    assert column in hits[0], f"{what}: row has no column {column}: {hits[0]}"
    return hits[0][column]


@pytest.mark.parametrize("fmt, type_name, raw, expected", MATRIX_PARAMS)
def test_mapping_matrix(fmt, type_name, raw, expected, matrix):
    lk = matrix.lk
    name, column = matrix.table(fmt, type_name)
    f, case_id = matrix.case_file(fmt, column, raw)
    t = lake_primitive_to_arrow(type_name)
    before = lk.count(name)
    what = f"{fmt} {raw!r} into {type_name}"
    if expected is ERR:
        proc = lk.run("append", name, f)
        assert proc.returncode == 1, f"{what}: expected a refusal (exit 1){describe(proc)}"
        lines = error_lines(proc)
        assert len(lines) == 1, f"{what}: expected one error line on stderr{describe(proc)}"
        msg = lines[0]
        assert f.name in msg, f"{what}: the error does not name the file{describe(proc)}"
        assert column in msg, f"{what}: the error does not name the column {column}{describe(proc)}"
        line = 2 if fmt == "csv" else 1
        assert names_line(msg, f.name, line), f"{what}: the error does not give line {line}{describe(proc)}"
        assert lk.count(name) == before, f"{what}: rows were committed by a failed append"
        return
    proc = lk.run("append", name, f)
    assert proc.returncode == 0, f"{what}: expected {expected!r}{describe(proc)}"
    want = canon(render(expected, t), t)
    got_lake = canon(_row_value(lk.rows(name), case_id, column, t, what), t)
    assert got_lake == want, f"{what}: lake scan gives {got_lake!r}, expected {want!r}"
    table = read_delta("delta-rs", tdir(lk, name))
    ids = table.column("id").to_pylist()
    assert ids.count(case_id) == 1, f"{what}: delta-rs sees {ids.count(case_id)} rows with id {case_id}"
    value = table.column(column).to_pylist()[ids.index(case_id)]
    got_deltars = canon(render(normalize_engine_value(value, t), t), t)
    assert got_deltars == want, f"{what}: delta-rs reads {value!r}, expected {expected!r}"


# --------------------------------------------------------------------------------------
# (d) Bad input: one error line, exit 1, nothing committed; --max-bad-rows
# --------------------------------------------------------------------------------------

BAD_DDL = "order_id long not null, label string, qty int, ship_date date"
HEADER = "order_id,label,qty,ship_date\n"
GOOD_2 = "1,alpha,10,2026-01-01\n2,beta,20,2026-01-02\n"
GOOD_5 = "5,epsilon,50,2026-01-05\n"
GOOD_ROWS = [  # the good rows of every bad file (order_id 1, 2, 5)
    {"order_id": 1, "label": "alpha", "qty": 10, "ship_date": dt.date(2026, 1, 1)},
    {"order_id": 2, "label": "beta", "qty": 20, "ship_date": dt.date(2026, 1, 2)},
    {"order_id": 5, "label": "epsilon", "qty": 50, "ship_date": dt.date(2026, 1, 5)},
]
SEED_ROWS = [{"order_id": 100, "label": "seed", "qty": 1, "ship_date": dt.date(2025, 12, 31)}]
LONG_VALUE = "9" * 10 + "x" * 190


def _csv_with(bad_line: bytes) -> bytes:
    """Header (line 1), two good rows (2, 3), the bad row (line 4), a good row (line 5)."""
    return HEADER.encode() + GOOD_2.encode() + bad_line + b"\n" + GOOD_5.encode()


def _ndjson_with(bad_line: str) -> bytes:
    """Good objects on lines 1 and 2, the bad one on line 3, a good one on line 4."""
    good = [json.dumps({"order_id": r["order_id"], "label": r["label"], "qty": r["qty"],
                        "ship_date": r["ship_date"].isoformat()}) for r in GOOD_ROWS]
    return "\n".join([good[0], good[1], bad_line, good[2]]).encode() + b"\n"


def _truncated_parquet() -> bytes:
    import io

    buf = io.BytesIO()
    pq.write_table(pa.table({"order_id": pa.array(range(1000), pa.int64()),
                             "label": [f"l{i}" for i in range(1000)]}), buf)
    data = buf.getvalue()
    return data[: len(data) // 2]


GARBAGE = bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8))

# kind -> (file name, content, line or None, column or None, value fragment or None,
#          row-level (skippable with --max-bad-rows), extra words that must appear)
BAD_KINDS = {
    "ragged_too_many": ("too_many.csv", _csv_with(b"3,gamma,30,2026-01-03,extra"), 4, None, None, True, ()),
    "ragged_too_few": ("too_few.csv", _csv_with(b"3,gamma,30"), 4, None, None, True, ()),
    "bad_number": ("bad_number.csv", _csv_with(b"3,gamma,12z4,2026-01-03"), 4, "qty", "12z4", True, ("int",)),
    "int_overflow": ("overflow.csv", _csv_with(b"3,gamma,2147483648,2026-01-03"), 4, "qty", "2147483648", True, ("int",)),
    "bad_date": ("bad_date.csv", _csv_with(b"3,gamma,30,2026-02-30"), 4, "ship_date", "2026-02-30", True, ()),
    "invalid_utf8": ("bad_utf8.csv", _csv_with(b"3,gam\xff\xfema,30,2026-01-03"), 4, "label", None, True, ("utf",)),
    "null_in_not_null": ("null_id.csv", _csv_with(b",gamma,30,2026-01-03"), 4, "order_id", None, True, ()),
    "long_bad_value": ("long_value.csv", _csv_with(f"3,gamma,{LONG_VALUE},2026-01-03".encode()), 4, "qty",
                       LONG_VALUE[:20], True, ()),
    "ndjson_wrong_type": ("wrong_type.ndjson", _ndjson_with('{"order_id": 3, "label": "gamma", "qty": 1.5}'),
                          3, "qty", "1.5", True, ()),
    "ndjson_string_in_number": ("string_qty.ndjson", _ndjson_with('{"order_id": 3, "qty": "lots"}'),
                                3, "qty", "lots", True, ()),
    "after_embedded_newline": ("multiline.csv", HEADER.encode() + b'1,"two\nlines",10,2026-01-01\n'
                               b"2,beta,zz,2026-01-02\n", 4, "qty", "zz", True, ()),
    "crlf_bad_row": ("crlf.csv", b"order_id,label,qty,ship_date\r\n1,alpha,10,2026-01-01\r\n"
                     b"2,beta,20,2026-01-02\r\n3,gamma,x9,2026-01-03\r\n5,epsilon,50,2026-01-05\r\n",
                     4, "qty", "x9", True, ()),
    "unterminated_quote": ("unterminated.csv", _csv_with(b'3,"gamma,30,2026-01-03'), 4, None, None, False, ()),
    "unknown_column": ("unknown_col.csv", b"order_id,label,qty,ship_date,bogus_col\n1,a,1,2026-01-01,x\n",
                       None, "bogus_col", None, False, ()),
    "missing_not_null_column": ("no_id.csv", b"label,qty\na,1\n", None, "order_id", None, False, ()),
    "ndjson_malformed": ("malformed.ndjson", _ndjson_with('{"order_id": 3, "label": '), 3, None, None, False, ()),
    "ndjson_invalid_utf8": ("bad_utf8.ndjson",
                            _ndjson_with('{"order_id": 3, "label": "gam@@ma"}').replace(b"@@", b"\xff\xfe"),
                            3, None, None, False, ()),
    "ndjson_not_an_object": ("array_line.ndjson", _ndjson_with("[3, \"gamma\"]"), 3, None, None, False, ()),
    "truncated_parquet": ("truncated.parquet", _truncated_parquet(), None, None, None, False, ()),
    "binary_garbage_csv": ("garbage.csv", GARBAGE, None, None, None, False, ()),
    "binary_garbage_ndjson": ("garbage.ndjson", GARBAGE, None, None, None, False, ()),
}
ROW_LEVEL = [k for k, v in BAD_KINDS.items() if v[5]]


def _seeded(lk: Lake, tmp_path: Path) -> tuple[Path, dict]:
    """Table `t` with one committed row (version 1, one data file), and its state."""
    lk.ok("create", "t", "--schema", BAD_DDL)
    lk.ok("append", "t", write(tmp_path, "seed.csv", HEADER + "100,seed,1,2025-12-31\n"))
    path = tdir(lk, "t")
    state = table_state(lk, "t", path)
    assert state["version"] == 1 and state["count"] == 1 and len(state["data_files"]) >= 1, state
    return path, state


def _assert_refused(lk: Lake, path: Path, state: dict, proc, file_name: str, line, column, value, words, what):
    msg, problems = error_line_problems(proc, what, file_name, line, column, value)
    for w in words:
        if w.lower() not in msg.lower():
            problems.append(f"does not say {w!r}")
    if len(msg) > 400:
        problems.append(f"is {len(msg)} characters long (values are to be cut to ~40)")
    if LONG_VALUE in msg:
        problems.append("shows the 200-character value uncut")
    assert not problems, f"{what}: the error line " + "; ".join(problems) + describe(proc)
    after = table_state(lk, "t", path)
    assert after == state, f"{what}: the table changed although the load failed:\nbefore {state}\nafter  {after}"


@pytest.mark.parametrize("kind", list(BAD_KINDS))
def test_bad_input_is_refused_and_nothing_changes(kind, lk, tmp_path):
    name, content, line, column, value, _row_level, words = BAD_KINDS[kind]
    path, state = _seeded(lk, tmp_path)
    f = write(tmp_path, name, content)
    proc = lk.run("append", "t", f)
    _assert_refused(lk, path, state, proc, name, line, column, value, words, kind)
    # The same bad file after a good one: nothing of the multi-file append is committed.
    good = write(tmp_path, "good.csv", HEADER + GOOD_2)
    proc = lk.run("append", "t", good, f)
    _assert_refused(lk, path, state, proc, name, line, column, value, words, f"{kind} (second of two files)")


# Inputs without rows are a quiet hour, not bad input: exit 0 and no commit; after a good
# file, the good rows are committed.
NO_ROWS = {
    "empty_file": ("empty.csv", b""),
    "empty_ndjson": ("blank.ndjson", b"\n\n  \n"),
    "header_only": ("header_only.csv", HEADER.encode()),
}


@pytest.mark.parametrize("kind", list(NO_ROWS))
def test_inputs_without_rows_commit_nothing(kind, lk, tmp_path):
    name, content = NO_ROWS[kind]
    path, state = _seeded(lk, tmp_path)
    f = write(tmp_path, name, content)
    proc = lk.ok("append", "t", f)
    assert proc.stdout == "appended 0 rows (nothing to commit)\n" and proc.stderr == "", describe(proc)
    assert table_state(lk, "t", path) == state
    doc = lk.doc("append", "t", f)
    assert doc["version"] is None and doc["rows"] == 0, doc
    good = write(tmp_path, "good.csv", HEADER + GOOD_2)
    assert lk.doc("append", "t", good, f)["version"] == 2
    assert lk.count("t") == state["count"] + GOOD_2.count("\n")


@pytest.mark.parametrize("kind", ROW_LEVEL)
def test_max_bad_rows_skips_and_reports(kind, lk, tmp_path, duckdb_con):
    name, content, line, column, _value, _row_level, _words = BAD_KINDS[kind]
    path, state = _seeded(lk, tmp_path)
    f = write(tmp_path, name, content)
    doc = lk.doc("append", "t", f, "--max-bad-rows", "1")
    if kind == "after_embedded_newline":
        good = [{"order_id": 1, "label": "two\nlines", "qty": 10, "ship_date": dt.date(2026, 1, 1)}]
    else:
        good = GOOD_ROWS
    assert doc.get("rows") == len(good), f"{kind}: rows landed: {doc}"
    assert doc.get("skipped_rows") == 1, f"{kind}: skipped_rows: {doc}"
    bad = doc.get("bad_rows")
    assert isinstance(bad, list) and len(bad) == 1, f"{kind}: bad_rows: {doc}"
    assert isinstance(bad[0], dict) and set(bad[0]) >= {"file", "line", "column", "message"}, f"{kind}: {bad}"
    assert Path(str(bad[0]["file"])).name == name, f"{kind}: bad_rows file: {bad}"
    assert bad[0]["line"] == line, f"{kind}: bad_rows line {bad[0]['line']!r}, expected {line}"
    if column is not None:
        assert bad[0]["column"] == column, f"{kind}: bad_rows column {bad[0]['column']!r}, expected {column}"
    assert isinstance(bad[0]["message"], str) and bad[0]["message"], f"{kind}: {bad}"
    assert doc.get("version") == 2 and log_versions(path) == [0, 1, 2], f"{kind}: {doc}"
    assert_table_holds(lk, "t", SEED_ROWS + good, duckdb_con, f"{kind} with --max-bad-rows 1")


@pytest.mark.parametrize("kind", ROW_LEVEL)
def test_max_bad_rows_exceeded_fails_unchanged(kind, lk, tmp_path):
    name, content, line, column, value, _row_level, words = BAD_KINDS[kind]
    path, state = _seeded(lk, tmp_path)
    # A second copy of the bad line at the end of the file: two bad rows, one allowed.
    bad_line = content.split(b"\n")[line - 1]  # the bad row is on one physical line
    f = write(tmp_path, name, content + bad_line + b"\n")
    proc = lk.run("append", "t", f, "--max-bad-rows", "1")
    # The load fails on the second bad row; the message names that one (the last line).
    last = content.count(b"\n") + 1
    _assert_refused(lk, path, state, proc, name, last, column, None, (), f"{kind}, two bad rows, --max-bad-rows 1")


def test_max_bad_rows_reports_first_ten(lk, tmp_path):
    path, _ = _seeded(lk, tmp_path)
    body = "".join(f"{i},r{i},{'bad' if i % 2 else i},2026-01-01\n" for i in range(1, 31))  # 15 bad
    f = write(tmp_path, "many.csv", HEADER + body)
    doc = lk.doc("append", "t", f, "--max-bad-rows", "15")
    assert doc.get("rows") == 15 and doc.get("skipped_rows") == 15, doc
    bad = doc.get("bad_rows")
    assert isinstance(bad, list) and len(bad) == 10, f"first 10 bad rows expected: {bad}"
    assert [b.get("line") for b in bad] == [i + 1 for i in range(1, 21, 2)], bad
    assert all(b.get("column") == "qty" for b in bad), bad
    assert lk.count("t") == 16
    # One more than allowed: refused, unchanged.
    state = table_state(lk, "t", path)
    proc = lk.run("append", "t", f, "--max-bad-rows", "14")
    assert proc.returncode == 1 and len(error_lines(proc)) == 1, describe(proc)
    assert table_state(lk, "t", path) == state


def test_append_json_output_fields(lk, tmp_path):
    lk.ok("create", "t", "--schema", BAD_DDL)
    doc = lk.doc("append", "t", write(tmp_path, "ok.csv", HEADER + GOOD_2))
    assert doc.get("table") == "default.t" and doc.get("version") == 1 and doc.get("rows") == 2, doc
    assert isinstance(doc.get("files"), int) and doc["files"] >= 1, doc
    assert isinstance(doc.get("bytes"), int) and doc["bytes"] > 0, doc
    assert doc.get("skipped_rows") == 0 and doc.get("bad_rows") == [], doc
    assert doc["bytes"] == sum((tdir(lk, "t") / p).stat().st_size for p in data_files(tdir(lk, "t"))), doc


# --------------------------------------------------------------------------------------
# (e) stdin, several files in one commit, format by extension or --format
# --------------------------------------------------------------------------------------


def test_stdin_csv(lk, duckdb_con):
    lk.ok("create", "t", "--schema", SIMPLE_DDL)
    doc = lk.doc("append", "t", "-", "--format", "csv", input='id,name,qty\r\n1,"a,b",10\r\n2,,\r\n')
    assert doc.get("rows") == 2 and doc.get("version") == 1, doc
    assert_table_holds(lk, "t", [{"id": 1, "name": "a,b", "qty": 10}, {"id": 2, "name": None, "qty": None}],
                       duckdb_con, "CSV from stdin")


def test_stdin_ndjson_and_tsv(lk, duckdb_con):
    lk.ok("create", "t", "--schema", SIMPLE_DDL)
    lk.ok("append", "t", "-", "--format", "json", input=ndjson({"id": 1, "name": "j"}, {"id": 2, "qty": 3}))
    lk.ok("append", "t", "-", "--format", "tsv", input="id\tname\tqty\n3\tt\t4\n")
    assert log_versions(tdir(lk, "t")) == [0, 1, 2]
    assert_table_holds(lk, "t", [
        {"id": 1, "name": "j", "qty": None}, {"id": 2, "name": None, "qty": 3}, {"id": 3, "name": "t", "qty": 4},
    ], duckdb_con, "NDJSON and TSV from stdin")


def test_stdin_needs_format(lk):
    lk.ok("create", "t", "--schema", SIMPLE_DDL)
    state = table_state(lk, "t", tdir(lk, "t"))
    proc = lk.run("append", "t", "-", input="id,name,qty\n1,a,1\n")
    # Choice: either exit code of a caller's mistake (1 bad input, 2 usage) is accepted.
    assert proc.returncode in (1, 2) and error_lines(proc), describe(proc)
    assert "format" in proc.stderr.lower(), f"the error should say --format is needed{describe(proc)}"
    assert table_state(lk, "t", tdir(lk, "t")) == state


def test_stdin_bad_row_names_stdin(lk):
    lk.ok("create", "t", "--schema", SIMPLE_DDL)
    state = table_state(lk, "t", tdir(lk, "t"))
    proc = lk.run("append", "t", "-", "--format", "csv", input="id,name,qty\n1,a,1\n2,b,many\n")
    assert proc.returncode == 1 and len(error_lines(proc)) == 1, describe(proc)
    msg = error_lines(proc)[0]
    # Choice: stdin is named "<stdin>" in messages (a bare "-" reads as a typo).
    assert names_line(msg, "<stdin>", 3) and "qty" in msg, f"expected <stdin>, line 3 and column qty{describe(proc)}"
    assert table_state(lk, "t", tdir(lk, "t")) == state


def test_several_files_one_commit(lk, tmp_path, duckdb_con):
    lk.ok("create", "t", "--schema", SIMPLE_DDL)
    a = write(tmp_path, "a.csv", "id,name,qty\n1,a,1\n2,b,2\n")
    b = write(tmp_path, "b.csv", "qty,id\n3,3\n")
    c = write(tmp_path, "c.csv", "id,name,qty\n4,d,4\n5,e,5\n6,f,6\n")
    doc = lk.doc("append", "t", a, b, c)
    assert doc.get("version") == 1 and doc.get("rows") == 6, doc
    assert log_versions(tdir(lk, "t")) == [0, 1], "three files must make one commit"
    assert_table_holds(lk, "t", [
        {"id": 1, "name": "a", "qty": 1}, {"id": 2, "name": "b", "qty": 2}, {"id": 3, "name": None, "qty": 3},
        {"id": 4, "name": "d", "qty": 4}, {"id": 5, "name": "e", "qty": 5}, {"id": 6, "name": "f", "qty": 6},
    ], duckdb_con, "three CSV files")


def test_several_files_of_different_formats_one_commit(lk, tmp_path, duckdb_con):
    """Each file's format comes from its own extension."""
    lk.ok("create", "t", "--schema", SIMPLE_DDL)
    a = write(tmp_path, "a.csv", "id,name,qty\n1,a,1\n")
    b = write(tmp_path, "b.tsv", "id\tname\tqty\n2\tb\t2\n")
    c = write(tmp_path, "c.ndjson", ndjson({"id": 3, "name": "c", "qty": 3}))
    d = tmp_path / "d.parquet"
    pq.write_table(pa.table({"id": pa.array([4], pa.int64()), "name": ["d"], "qty": pa.array([4], pa.int32())}), d)
    doc = lk.doc("append", "t", a, b, c, d)
    assert doc.get("version") == 1 and doc.get("rows") == 4, doc
    assert log_versions(tdir(lk, "t")) == [0, 1]
    assert_table_holds(lk, "t", [{"id": i, "name": n, "qty": i} for i, n in enumerate("abcd", 1)],
                       duckdb_con, "mixed formats")


@pytest.mark.parametrize("ext", ["csv", "tsv", "json", "jsonl", "ndjson", "parquet"])
def test_format_by_extension(ext, lk, tmp_path, duckdb_con):
    lk.ok("create", "t", "--schema", SIMPLE_DDL)
    rows = [{"id": 1, "name": "x,y", "qty": 7}, {"id": 2, "name": None, "qty": None}]
    f = tmp_path / f"data.{ext}"
    if ext == "csv":
        f.write_text('id,name,qty\n1,"x,y",7\n2,,\n')
    elif ext == "tsv":
        f.write_text("id\tname\tqty\n1\tx,y\t7\n2\t\t\n")
    elif ext == "parquet":
        pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(
            [("id", pa.int64()), ("name", pa.string()), ("qty", pa.int32())])), f)
    else:
        f.write_text(ndjson(*rows))
    lk.ok("append", "t", f)
    assert_table_holds(lk, "t", rows, duckdb_con, f".{ext} by extension")


def test_format_flag_and_unsupported_extensions(lk, tmp_path, duckdb_con):
    lk.ok("create", "t", "--schema", SIMPLE_DDL)
    path = tdir(lk, "t")
    txt = write(tmp_path, "data.txt", "id,name,qty\n1,a,1\n")
    state = table_state(lk, "t", path)
    # No format from the extension and no --format: refused (Choice: exit 1 or 2), unchanged.
    proc = lk.run("append", "t", txt)
    assert proc.returncode in (1, 2) and error_lines(proc), describe(proc)
    assert table_state(lk, "t", path) == state
    lk.fails(4, "append", "t", tmp_path / "missing.csv")  # a missing input file: not found
    assert table_state(lk, "t", path) == state
    lk.ok("append", "t", txt, "--format", "csv")
    lk.ok("append", "t", write(tmp_path, "objects.log", ndjson({"id": 2, "name": "b"})), "--format", "json")
    assert_table_holds(lk, "t", [{"id": 1, "name": "a", "qty": 1}, {"id": 2, "name": "b", "qty": None}],
                       duckdb_con, "--format")
    # .gz is not supported: refused with the file named, nothing committed.
    import gzip

    gz = write(tmp_path, "data.csv.gz", gzip.compress(b"id,name,qty\n9,z,9\n"))
    state = table_state(lk, "t", path)
    proc = lk.run("append", "t", gz)
    assert proc.returncode in (1, 2) and "data.csv.gz" in proc.stderr, describe(proc)
    assert table_state(lk, "t", path) == state


# --------------------------------------------------------------------------------------
# (f) lake create --from: schema inference and load
# --------------------------------------------------------------------------------------


def _schema_of(lk: Lake, name: str) -> dict:
    return {c["name"]: c["type"] for c in lk.doc("describe", name)["schema"]}


def _check_created(lk: Lake, name: str, n_rows: int):
    versions = log_versions(tdir(lk, name))
    assert versions in ([0], [0, 1]), f"create --from made versions {versions} (one commit, or create + append)"
    assert lk.count(name) == n_rows


INFER_CSV = (
    "i,f,b,d,ts,tn,s,mix,empty,dec\n"
    "1,1,true,2026-01-01,2026-01-01T00:00:00Z,2026-01-01T00:00:00,alpha,1,,12.50\n"
    "2,2.5,false,2026-01-02,2026-01-02T03:04:05+02:00,2026-01-02 03:04:05,beta,x,,3.10\n"
    "-3,,,,,,,2,,\n"
    "40,-1e3,true,2024-02-29,2026-01-03 00:00:00.5Z,2026-01-03T00:00:00.5,\"g,h\",2.5,,100.00\n"
)


def test_create_from_csv_infers_types(lk, tmp_path, duckdb_con):
    f = write(tmp_path, "infer.csv", INFER_CSV)
    lk.ok("create", "inf", "--from", f)
    assert _schema_of(lk, "inf") == {
        "i": "long", "f": "double", "b": "boolean", "d": "date", "ts": "timestamp", "tn": "timestamp_ntz",
        "s": "string", "mix": "string", "empty": "string", "dec": "double",
    }
    assert [c["name"] for c in lk.doc("describe", "inf")["schema"]] == INFER_CSV.split("\n")[0].split(","), \
        "columns in the header's order"
    _check_created(lk, "inf", 4)
    assert_table_holds(lk, "inf", [
        {"i": 1, "f": 1.0, "b": True, "d": dt.date(2026, 1, 1), "ts": ts(2026, 1, 1, 0, 0, 0),
         "tn": ntz(2026, 1, 1, 0, 0, 0), "s": "alpha", "mix": "1", "empty": None, "dec": 12.5},
        {"i": 2, "f": 2.5, "b": False, "d": dt.date(2026, 1, 2), "ts": ts(2026, 1, 2, 1, 4, 5),
         "tn": ntz(2026, 1, 2, 3, 4, 5), "s": "beta", "mix": "x", "empty": None, "dec": 3.1},
        {"i": -3, "f": None, "b": None, "d": None, "ts": None, "tn": None, "s": None, "mix": "2",
         "empty": None, "dec": None},
        {"i": 40, "f": -1000.0, "b": True, "d": dt.date(2024, 2, 29), "ts": ts(2026, 1, 3, 0, 0, 0, us=500000),
         "tn": ntz(2026, 1, 3, 0, 0, 0, us=500000), "s": "g,h", "mix": "2.5", "empty": None, "dec": 100.0},
    ], duckdb_con, "create --from CSV")


def test_create_from_csv_infer_decimal(lk, tmp_path, duckdb_con):
    f = write(tmp_path, "prices.csv", "id,price\n1,12.50\n2,3.10\n3,100.00\n4,\n")
    lk.ok("create", "p", "--from", f, "--infer-decimal")
    types = _schema_of(lk, "p")
    assert types["id"] == "long", types
    m = re.fullmatch(r"decimal\((\d+),(\d+)\)", types["price"])
    assert m and int(m.group(2)) == 2 and int(m.group(1)) >= 5, f"price should be decimal(p,2), p >= 5: {types}"
    _check_created(lk, "p", 4)
    assert_table_holds(lk, "p", [
        {"id": 1, "price": D("12.50")}, {"id": 2, "price": D("3.10")}, {"id": 3, "price": D("100.00")},
        {"id": 4, "price": None},
    ], duckdb_con, "create --from --infer-decimal")


def test_create_from_tsv_with_partitioning(lk, tmp_path, duckdb_con):
    f = write(tmp_path, "events.tsv", "kind\tn\nclick\t1\nview\t2\nclick\t3\n")
    lk.ok("create", "ev", "--from", f, "--partition-by", "kind")
    d = lk.doc("describe", "ev")
    assert d.get("partition_columns") == ["kind"], d
    assert _schema_of(lk, "ev") == {"kind": "string", "n": "long"}
    _check_created(lk, "ev", 3)
    assert_table_holds(lk, "ev", [{"kind": "click", "n": 1}, {"kind": "view", "n": 2}, {"kind": "click", "n": 3}],
                       duckdb_con, "create --from TSV partitioned")


def test_create_from_ndjson_infers_nested_types(lk, tmp_path, duckdb_con):
    f = write(tmp_path, "nested.ndjson", ndjson(
        {"id": 1, "name": "a", "score": 1, "ok": True, "tags": ["x", "y"], "pos": {"lat": 1.5, "lon": 2}},
        {"id": 2, "name": "b", "score": 2.5, "ok": False, "tags": [], "pos": {"lat": -1, "lon": 2.25}},
        {"id": 3, "name": None, "tags": None},
    ))
    lk.ok("create", "nj", "--from", f)
    types = _schema_of(lk, "nj")
    # Choice: columns in order of first appearance is expected, but only the set is checked.
    assert types == {
        "id": "long", "name": "string", "score": "double", "ok": "boolean", "tags": "array<string>",
        "pos": lake_type_name(pa.struct([("lat", pa.float64()), ("lon", pa.float64())])),
    }, types
    _check_created(lk, "nj", 3)
    assert_table_holds(lk, "nj", [
        {"id": 1, "name": "a", "score": 1.0, "ok": True, "tags": ["x", "y"], "pos": {"lat": 1.5, "lon": 2.0}},
        {"id": 2, "name": "b", "score": 2.5, "ok": False, "tags": [], "pos": {"lat": -1.0, "lon": 2.25}},
        {"id": 3, "name": None, "score": None, "ok": None, "tags": None, "pos": None},
    ], duckdb_con, "create --from NDJSON")


def test_create_from_widens_int_to_double_and_anything_to_string(lk, tmp_path):
    # The widening must hold over the whole input, not a first sample: the odd values come last.
    body = "".join(f"{i},{i},{i}\n" for i in range(5000))
    f = write(tmp_path, "wide.csv", "a,b,c\n" + body + "5000,0.5,text\n")
    lk.ok("create", "w", "--from", f)
    assert _schema_of(lk, "w") == {"a": "long", "b": "double", "c": "string"}
    _check_created(lk, "w", 5001)


def test_a_table_of_five_thousand_columns_loads_scans_and_reads_in_peers(lk, tmp_path, duckdb_con):
    """Wide tables: every per-column lookup is by a map built once (header matching, file
    fields, the writer's per-column state), so thousands of columns load and scan; the values
    are checked here, the time by `bench` (issue 17)."""
    n = 5000
    names = [f"c{i}" for i in range(n)]
    src = tmp_path / "wide.csv"
    src.write_text(",".join(names) + "\n" + ",".join(str(i) for i in range(n)) + "\n"
                   + ",".join("" if i % 7 == 0 else str(-i) for i in range(n)) + "\n")
    lk.ok("create", "wide", "--from", src)
    lk.ok("append", "wide", src)
    rows = [json.loads(line) for line in lk.ok("scan", "wide", "--format", "jsonl").stdout.splitlines()]
    assert len(rows) == 4 and all(len(r) == n for r in rows)
    firsts = sorted(rows, key=lambda r: (r["c1"], r["c0"] is None))
    assert [r["c4999"] for r in firsts] == [-4999, -4999, 4999, 4999]
    assert sum(1 for r in rows if r["c7"] is None) == 2
    table = json.loads(lk.ok("describe", "wide", "--json").stdout)["location"]
    got = duckdb_con.execute(f"SELECT c0, c4999 FROM delta_scan('{table}') ORDER BY c4999").fetchall()
    assert got == [(None, -4999), (None, -4999), (0, 4999), (0, 4999)]
