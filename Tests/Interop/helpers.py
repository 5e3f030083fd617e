"""Helpers shared by lake's interoperability tests.

`render(value, arrow_type)` is the reference implementation of lake's JSON value
rendering contract (`lake scan --format json/jsonl`); `canon()` removes the freedom the
contract leaves (e.g. `1e+16` versus `10000000000000000.0` for a double) so that lake's
output and the reference can be compared with `==` while keeping everything the contract
fixes (the sign of -0.0, float32 printed as shortest *float32*, exactly `scale` digits for
decimals, ...). `first_difference`/`assert_tables_equal` compare values read back by the
other engines (NaN == NaN, -0.0 != 0.0).

Moved here from test_parquet_interop.py so that the Delta tests use the same reference.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import os
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa

UTC = dt.timezone.utc

# --------------------------------------------------------------------------------------
# The reference rendering of values (the contract of `--format json/jsonl`)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    """A JSON number kept as the exact text lake printed (or should print).

    lake's output is parsed with parse_int/parse_float producing Num, so nothing is lost
    to Python's int/float conversions: `-0.0`, the digits of a decimal, `5` vs `5.0`.
    """

    text: str

    def __repr__(self) -> str:
        return self.text


def _reject_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name!r} (NaN/Infinity must be JSON strings)")


def parse_json(text: str):
    """Parse one JSON document as lake printed it, numbers kept as Num."""
    return json.loads(text, parse_int=Num, parse_float=Num, parse_constant=_reject_constant)


def _float_text(value: float, bit_width: int):
    """Shortest round-trip text for a float of the given width; specials as strings."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if bit_width == 32:
        # numpy prints the shortest digits that round-trip *as float32* (0.1, not
        # 0.10000000149011612 which is the float32 value widened to double).
        return Num(str(np.float32(value)))
    return Num(repr(float(value)))


def _timestamp_text(value: dt.datetime, utc: bool) -> str:
    if utc:
        value = value.astimezone(UTC)
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return text + ("Z" if utc else "")


def _is_string_type(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _is_binary_type(t: pa.DataType) -> bool:
    return (
        pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_fixed_size_binary(t)
        or pa.types.is_binary_view(t)
    )


def _is_list_type(t: pa.DataType) -> bool:
    return (
        pa.types.is_list(t)
        or pa.types.is_large_list(t)
        or pa.types.is_fixed_size_list(t)
        or pa.types.is_list_view(t)
        or pa.types.is_large_list_view(t)
    )


def render(value, t: pa.DataType):
    """The JSON value lake must print for `value` (a pyarrow to_pylist() value) of type t.

    The result is what `parse_json` returns for lake's correct output: numbers as Num,
    everything else as plain Python JSON values.
    """
    if value is None:
        return None
    if pa.types.is_dictionary(t):
        return render(value, t.value_type)
    if pa.types.is_boolean(t):
        return bool(value)
    if pa.types.is_integer(t):
        return Num(str(int(value)))
    if pa.types.is_floating(t):
        return _float_text(value, t.bit_width)
    if pa.types.is_decimal(t):
        quantum = Decimal(1).scaleb(-t.scale)
        exact = value.quantize(quantum, context=decimal.Context(prec=80))
        return Num(format(exact, "f"))  # exactly `scale` fractional digits
    if _is_string_type(t):
        return value
    if _is_binary_type(t):
        return base64.b64encode(value).decode("ascii")
    if pa.types.is_date(t):
        return value.isoformat()
    if pa.types.is_timestamp(t):
        return _timestamp_text(value, utc=t.tz is not None)
    if pa.types.is_struct(t):
        return {f.name: render(value.get(f.name), f.type) for f in t}
    if pa.types.is_map(t):
        if _is_string_type(t.key_type):
            return {k: render(v, t.item_type) for k, v in value}
        return [{"key": render(k, t.key_type), "value": render(v, t.item_type)} for k, v in value]
    if _is_list_type(t):
        return [render(v, t.value_type) for v in value]
    if pa.types.is_null(t):
        return None
    raise NotImplementedError(f"render: no lake rendering for arrow type {t}")


_INT_RE = re.compile(r"-?(0|[1-9][0-9]*)")
_CANON_CONTEXT = decimal.Context(prec=100)


def _bad(value, t) -> str:
    return f"<unexpected {type(value).__name__} {value!r} for {t}>"


def _canon_float(value: Num, t: pa.DataType) -> str:
    """The float a printed number denotes, plus how many significant digits it used.

    Equal for two printings iff they denote the same float (of t's width, sign of zero
    included) with the same number of digits. So any shortest round-trip printing is
    accepted (where two shortest candidates tie, either one), and a longer one is not.
    """
    try:
        exact = Decimal(value.text)
    except decimal.InvalidOperation:
        return _bad(value, t)
    # normalize() drops trailing zeros ("1.50" -> "1.5", "1E+16" stays) and keeps the
    # sign of zero ("-0.0" -> "-0").
    digits = len(exact.normalize(_CANON_CONTEXT).as_tuple().digits)
    as_float = float(exact)
    if as_float == 0 and exact.is_signed() and _INT_RE.fullmatch(value.text):
        # "-0" is read back as the integer 0 by most JSON parsers: the sign is lost.
        return _bad(value, t)
    if t.bit_width == 32:
        # str() of a float32 is numpy's shortest float32 text: '0.1', '-0.0'.
        return f"{str(np.float32(as_float))} ({digits} digits)"
    return f"{as_float!r} ({digits} digits)"


def canon(value, t: pa.DataType):
    """Canonical, ==-comparable form of a parsed JSON value of arrow type t.

    Applied to both lake's output and render()'s reference. Keeps what the contract
    fixes, drops only representation freedom: a double may be printed `1e+16` or
    `10000000000000000.0`, but its digits must be the shortest round-trip ones.
    """
    if value is None:
        return None
    if pa.types.is_dictionary(t):
        return canon(value, t.value_type)
    if pa.types.is_boolean(t):
        return value if isinstance(value, bool) else _bad(value, t)
    if pa.types.is_integer(t):
        if isinstance(value, Num) and _INT_RE.fullmatch(value.text):
            return int(value.text)
        return _bad(value, t)
    if pa.types.is_floating(t):
        if isinstance(value, str):
            return value if value in ("NaN", "Infinity", "-Infinity") else _bad(value, t)
        if isinstance(value, Num):
            return _canon_float(value, t)
        return _bad(value, t)
    if pa.types.is_decimal(t):
        # Exact text: the contract fixes exactly `scale` fractional digits.
        return value.text if isinstance(value, Num) else _bad(value, t)
    if _is_string_type(t) or _is_binary_type(t) or pa.types.is_date(t) or pa.types.is_timestamp(t):
        return value if isinstance(value, str) else _bad(value, t)
    if pa.types.is_struct(t):
        if not isinstance(value, dict):
            return _bad(value, t)
        names = [f.name for f in t]
        out = {f.name: canon(value[f.name], f.type) if f.name in value else "<missing field>" for f in t}
        out.update({k: "<unexpected field>" for k in value if k not in names})
        return out
    if pa.types.is_map(t):
        if _is_string_type(t.key_type):
            if not isinstance(value, dict):
                return _bad(value, t)
            return {k: canon(v, t.item_type) for k, v in value.items()}
        if not isinstance(value, list) or not all(isinstance(e, dict) and set(e) == {"key", "value"} for e in value):
            return _bad(value, t)
        return [(canon(e["key"], t.key_type), canon(e["value"], t.item_type)) for e in value]
    if _is_list_type(t):
        if not isinstance(value, list):
            return _bad(value, t)
        return [canon(v, t.value_type) for v in value]
    if pa.types.is_null(t):
        return _bad(value, t)
    raise NotImplementedError(f"canon: no lake rendering for arrow type {t}")


def render_table(table: pa.Table) -> list[dict]:
    """render() of every row of a table, as the dicts lake's jsonl lines should parse to."""
    columns = [
        [render(v, field.type) for v in table.column(i).to_pylist()]
        for i, field in enumerate(table.schema)
    ]
    names = table.schema.names
    return [dict(zip(names, row)) for row in zip(*columns)]


def assert_rows_match(actual: list[dict], expected: list[dict], schema: pa.Schema, what: str):
    """Compare lake's parsed jsonl rows with rendered reference rows, column by column."""
    assert len(actual) == len(expected), f"{what}: lake printed {len(actual)} rows, expected {len(expected)}"
    types = {f.name: f.type for f in schema}
    problems = []
    for i, (a, e) in enumerate(zip(actual, expected)):
        if not isinstance(a, dict):
            problems.append(f"row {i}: not a JSON object: {a!r}")
        elif set(a) != set(e):
            problems.append(f"row {i}: keys {sorted(a)} != expected {sorted(e)}")
        else:
            for name in e:
                if canon(a[name], types[name]) != canon(e[name], types[name]):
                    problems.append(
                        f"row {i} column {name!r} ({types[name]}): lake printed {a[name]!r}, expected {e[name]!r}"
                    )
        if len(problems) >= 8:
            break
    assert not problems, f"{what}: lake's JSON differs from the reference rendering:\n  " + "\n  ".join(problems)


# --------------------------------------------------------------------------------------
# NaN-aware deep equality for values read back by the engines
# --------------------------------------------------------------------------------------


def first_difference(a, b, path: str = "$") -> str | None:
    """None if a and b are equal (NaN == NaN, -0.0 != 0.0, same Python types), else where not."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return None if math.isnan(a) and math.isnan(b) else f"{path}: {a!r} != {b!r}"
        if a != b or math.copysign(1.0, a) != math.copysign(1.0, b):
            return f"{path}: {a!r} != {b!r}"
        return None
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} {a!r} != {type(b).__name__} {b!r}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)} ({a!r} != {b!r})"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def assert_tables_equal(actual: pa.Table, expected: pa.Table, what: str):
    """Table equality with NaN == NaN and -0.0 distinguished from 0.0, column by column."""
    assert actual.num_rows == expected.num_rows, f"{what}: {actual.num_rows} rows != {expected.num_rows}"
    assert actual.schema.names == expected.schema.names, f"{what}: columns {actual.schema.names} != {expected.schema.names}"
    for name in expected.schema.names:
        diff = first_difference(actual.column(name).to_pylist(), expected.column(name).to_pylist(), name)
        assert diff is None, f"{what}: column {name!r} differs at {diff}"


def type_signature(t: pa.DataType) -> str:
    """A type's full description (units, tz, precision, nested nullability) without the
    child field names that writers legitimately choose (`element` vs `item`, `key_value`)."""
    def child(f: pa.Field) -> str:
        return type_signature(f.type) + ("" if f.nullable else " not null")

    if pa.types.is_struct(t):
        return "struct<" + ", ".join(f"{f.name}: {child(f)}" for f in t) + ">"
    if pa.types.is_map(t):
        return f"map<{type_signature(t.key_type)}, {child(t.item_field)}>"
    if _is_list_type(t):
        return f"list<{child(t.value_field)}>"
    return str(t)


def lake_type_name(t: pa.DataType) -> str:
    """lake's type string for an arrow type, as `lake inspect --json` prints it."""
    simple = {
        pa.bool_(): "boolean", pa.int8(): "byte", pa.int16(): "short", pa.int32(): "int",
        pa.int64(): "long", pa.float32(): "float", pa.float64(): "double",
        pa.string(): "string", pa.large_string(): "string", pa.binary(): "binary",
        pa.large_binary(): "binary", pa.date32(): "date",
    }
    if t in simple:
        return simple[t]
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_timestamp(t):
        return "timestamp" if t.tz is not None else "timestamp_ntz"
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"{f.name}:{lake_type_name(f.type)}" for f in t) + ">"
    if pa.types.is_map(t):
        return f"map<{lake_type_name(t.key_type)},{lake_type_name(t.item_type)}>"
    if _is_list_type(t):
        return f"array<{lake_type_name(t.value_type)}>"
    raise NotImplementedError(f"no lake type for {t}")


# --------------------------------------------------------------------------------------
# Delta tables: types, canonical row multisets, the log, and running lake on a warehouse
# --------------------------------------------------------------------------------------

# Delta's primitive type names (PROTOCOL.md, "Schema Serialization Format") and the arrow
# type whose render() is lake's rendering of that Delta type.
DELTA_PRIMITIVES = {
    "boolean": pa.bool_(),
    "byte": pa.int8(),
    "short": pa.int16(),
    "integer": pa.int32(),
    "long": pa.int64(),
    "float": pa.float32(),
    "double": pa.float64(),
    "string": pa.string(),
    "binary": pa.binary(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "timestamp_ntz": pa.timestamp("us"),
}
_DECIMAL_RE = re.compile(r"decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)")


def delta_type_to_arrow(t) -> pa.DataType:
    """The arrow type for a Delta schema type (a JSON string or object from schemaString)."""
    if isinstance(t, str):
        if t in DELTA_PRIMITIVES:
            return DELTA_PRIMITIVES[t]
        m = _DECIMAL_RE.fullmatch(t)
        if m:
            return pa.decimal128(int(m.group(1)), int(m.group(2)))
        raise NotImplementedError(f"Delta type {t!r}")
    kind = t["type"]
    if kind == "struct":
        return pa.struct([
            pa.field(f["name"], delta_type_to_arrow(f["type"]), f.get("nullable", True)) for f in t["fields"]
        ])
    if kind == "array":
        return pa.list_(pa.field("element", delta_type_to_arrow(t["elementType"]), t.get("containsNull", True)))
    if kind == "map":
        return pa.map_(
            delta_type_to_arrow(t["keyType"]),
            pa.field("value", delta_type_to_arrow(t["valueType"]), t.get("valueContainsNull", True)),
        )
    raise NotImplementedError(f"Delta type {t!r}")


def delta_schema_to_arrow(schema) -> pa.Schema:
    """An arrow schema for a Delta schema (schemaString text or its parsed JSON)."""
    if isinstance(schema, str):
        schema = json.loads(schema)
    return pa.schema([
        pa.field(f["name"], delta_type_to_arrow(f["type"]), f.get("nullable", True)) for f in schema["fields"]
    ])


def normalize_engine_value(value, t: pa.DataType):
    """A value as some engine returned it, in the form pyarrow's to_pylist() gives for t.

    Engines differ in representation only: a map may come back as a list of (k, v)
    tuples, of {"key", "value"} dicts, or as a dict; a struct may hold extra fields.
    """
    if value is None:
        return None
    if pa.types.is_map(t):
        items = value.items() if isinstance(value, dict) else value
        out = []
        for item in items:
            if isinstance(item, dict) and set(item) == {"key", "value"}:
                k, v = item["key"], item["value"]
            else:
                k, v = item
            out.append((normalize_engine_value(k, t.key_type), normalize_engine_value(v, t.item_type)))
        return out
    if pa.types.is_struct(t):
        if not isinstance(value, dict):
            return value
        return {f.name: normalize_engine_value(value.get(f.name), f.type) for f in t}
    if _is_list_type(t):
        if isinstance(value, (list, tuple)):
            return [normalize_engine_value(v, t.value_type) for v in value]
        return value
    if pa.types.is_timestamp(t) and isinstance(value, dt.datetime):
        if t.tz is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
    return value


def _row_key(row) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False, default=repr)


def canonical_rows(table: pa.Table, schema: pa.Schema) -> list[str]:
    """Sorted canonical rows of an engine's arrow result, typed by `schema` (the table's
    Delta schema as arrow): each row is rendered as lake must print it, then canon()ed."""
    columns = []
    for field in schema:
        if field.name not in table.column_names:
            raise AssertionError(f"engine result lacks column {field.name!r}: has {table.column_names}")
        columns.append([
            canon(render(normalize_engine_value(v, field.type), field.type), field.type)
            for v in table.column(field.name).to_pylist()
        ])
    names = schema.names
    return sorted(_row_key(dict(zip(names, row))) for row in zip(*columns)) if columns else []


def canonical_lake_rows(rows: list, schema: pa.Schema) -> list[str]:
    """Sorted canonical rows of lake's parsed jsonl output (see canonical_rows)."""
    out = []
    names = set(schema.names)
    for row in rows:
        if not isinstance(row, dict):
            out.append(_row_key({"<not an object>": repr(row)}))
            continue
        canon_row = {f.name: canon(row[f.name], f.type) if f.name in row else "<missing column>" for f in schema}
        canon_row.update({k: "<unexpected column>" for k in row if k not in names})
        out.append(_row_key(canon_row))
    return sorted(out)


def assert_same_multiset(actual: list[str], expected: list[str], what: str, limit: int = 5):
    """Two sorted lists of canonical rows hold the same rows, duplicates counted."""
    if actual == expected:
        return
    from collections import Counter

    a, e = Counter(actual), Counter(expected)
    only_a = list((a - e).elements())
    only_e = list((e - a).elements())
    lines = [f"{what}: {len(actual)} rows vs {len(expected)} expected; "
             f"{len(only_a)} rows only in lake's output, {len(only_e)} only in the reference"]
    for r in only_a[:limit]:
        lines.append(f"  lake only: {r[:600]}")
    for r in only_e[:limit]:
        lines.append(f"  reference only: {r[:600]}")
    raise AssertionError("\n".join(lines))


def read_commit(table_dir, version: int) -> list[dict]:
    """The actions of one commit file of a Delta table, as plain JSON objects."""
    from pathlib import Path

    path = Path(table_dir) / "_delta_log" / f"{version:020d}.json"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def log_versions(table_dir) -> list[int]:
    """The versions of the commit files present in a table's _delta_log."""
    from pathlib import Path

    return sorted(
        int(p.name[:20]) for p in (Path(table_dir) / "_delta_log").iterdir()
        if re.fullmatch(r"\d{20}\.json", p.name)
    )


class Lake:
    """Runs the lake binary against one warehouse (a directory of its own per test).

    The warehouse is given through $LAKE_WAREHOUSE (the contract's default), so that no
    assumption is made about where global options go on the command line; tests of the
    `-w/--warehouse` option itself pass it explicitly. Like conftest's run_lake, lake runs
    under a non-UTC time zone, with no stdin, and never raises on a non-zero exit.
    """

    def __init__(self, binary, warehouse, cwd=None, tz: str = "America/New_York", timeout: float = 60.0):
        import os
        from pathlib import Path

        self.binary = Path(binary)
        self.warehouse = Path(warehouse)
        self.cwd = Path(cwd) if cwd else self.warehouse.parent
        self.timeout = timeout
        self.env = dict(os.environ)
        self.env["TZ"] = tz
        self.env["LAKE_WAREHOUSE"] = str(self.warehouse)
        self.env.setdefault("LC_ALL", "C.UTF-8")

    def argv(self, *args, json_output: bool = False) -> list[str]:
        return [str(self.binary), *(str(a) for a in args), *(["--json"] if json_output else [])]

    def run(self, *args, json_output: bool = False, timeout: float | None = None, env: dict | None = None,
            input: str | bytes | None = None):
        """Run lake; `input` (text as UTF-8, or raw bytes) is fed to its stdin, which is
        otherwise /dev/null. stdout and stderr are always returned as text."""
        import subprocess

        argv = self.argv(*args, json_output=json_output)
        common = dict(cwd=self.cwd, env=env or self.env, capture_output=True, timeout=timeout or self.timeout)
        if input is None:
            return subprocess.run(argv, stdin=subprocess.DEVNULL, text=True, encoding="utf-8",
                                  errors="replace", **common)
        data = input.encode("utf-8") if isinstance(input, str) else bytes(input)
        proc = subprocess.run(argv, input=data, **common)
        proc.stdout = proc.stdout.decode("utf-8", "replace")
        proc.stderr = proc.stderr.decode("utf-8", "replace")
        return proc

    def popen(self, *args, **kwargs):
        import subprocess

        return subprocess.Popen(
            self.argv(*args), cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs,
        )

    def ok(self, *args, **kwargs):
        """Run and assert exit 0."""
        from conftest import describe

        proc = self.run(*args, **kwargs)
        assert proc.returncode == 0, f"lake failed{describe(proc)}"
        return proc

    def doc(self, *args, **kwargs) -> dict:
        """Run with --json, assert exit 0 and one JSON document on stdout; return it."""
        from conftest import describe

        proc = self.run(*args, json_output=True, **kwargs)
        assert proc.returncode == 0, f"lake failed{describe(proc)}"
        try:
            return json.loads(proc.stdout)
        except ValueError as e:
            raise AssertionError(f"--json output is not one JSON document ({e}){describe(proc)}") from None

    def fails(self, code: int, *args, json_output: bool = False, words=(), **kwargs):
        """Run, assert exit `code` with an error message (on stderr, or the --json error
        document on stdout); `words`: at least one must appear in the message (any case)."""
        from conftest import describe

        proc = self.run(*args, json_output=json_output, **kwargs)
        assert proc.returncode == code, f"expected exit {code}{describe(proc)}"
        if json_output:
            try:
                doc = json.loads(proc.stdout)
            except ValueError as e:
                raise AssertionError(f"--json error output is not JSON ({e}){describe(proc)}") from None
            err = doc.get("error") if isinstance(doc, dict) else None
            assert isinstance(err, dict) and isinstance(err.get("type"), str) and isinstance(err.get("message"), str), (
                f'--json error must be {{"error": {{"type", "message"}}}}{describe(proc)}'
            )
            message = err["message"]
        else:
            message = proc.stderr.strip()
            assert message, f"no error message on stderr{describe(proc)}"
        if words:
            squashed = message.lower().replace(" ", "").replace("_", "")
            assert any(w.lower().replace(" ", "").replace("_", "") in squashed for w in words), (
                f"error message names none of {list(words)}{describe(proc)}"
            )
        return proc

    def rows(self, table, *args) -> list:
        """`lake scan TABLE --format jsonl [args]`: exit 0, one parsed object per line."""
        from conftest import describe

        proc = self.run("scan", table, "--format", "jsonl", *args)
        assert proc.returncode == 0, f"lake scan failed{describe(proc)}"
        out = []
        for n, line in enumerate(proc.stdout.splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(parse_json(line))
            except ValueError as e:
                raise AssertionError(f"lake scan {table}: line {n} is not JSON ({e}): {line[:300]!r}") from None
        return out

    def count(self, table, *args) -> int:
        """`lake count TABLE --json [args]` -> the count (asserting exit 0 and an integer)."""
        doc = self.doc("count", table, *args)
        assert isinstance(doc, dict) and isinstance(doc.get("count"), int) and not isinstance(doc["count"], bool), (
            f"lake count --json printed {doc!r}, expected {{\"count\": N}}"
        )
        return doc["count"]


# --------------------------------------------------------------------------------------
# Loading text files (test_ingest.py): table state, engine reads, lake type names
# --------------------------------------------------------------------------------------


def tdir(lk: Lake, name: str) -> Path:
    """The folder of table `name` in the default namespace of `lk`'s warehouse."""
    return lk.warehouse / "default" / name


def write_input(directory: Path, name: str, content: str | bytes) -> Path:
    """Write an input file byte for byte (no newline translation); text is UTF-8."""
    p = directory / name
    p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return p


def data_files(table_dir) -> list[str]:
    """Every *.parquet file under a table directory (relative paths, sorted), referenced
    by the log or not: a failed load must leave none behind."""
    import os
    from pathlib import Path

    root = Path(table_dir)
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".parquet"):
                out.append(str((Path(dirpath) / name).relative_to(root)))
    return sorted(out)


def table_state(lk: "Lake", table: str, table_dir) -> dict:
    """What a failed load must leave unchanged: the log's commit files, the version
    `lake describe` reports, `lake count` and the data files on disk."""
    return {
        "log_versions": log_versions(table_dir),
        "version": lk.doc("describe", table)["version"],
        "count": lk.count(table),
        "data_files": data_files(table_dir),
    }


def read_delta(engine: str, path, duckdb_con=None, version: int | None = None) -> pa.Table:
    """The latest (or given) version of a Delta table as delta-rs or DuckDB reads it."""
    if engine == "delta-rs":
        from deltalake import DeltaTable

        dt_ = DeltaTable(str(path)) if version is None else DeltaTable(str(path), version=version)
        return dt_.to_pyarrow_table()
    if engine == "duckdb":
        quoted = str(path).replace("'", "''")
        extra = "" if version is None else f", version={int(version)}"
        return duckdb_con.execute(f"SELECT * FROM delta_scan('{quoted}'{extra})").to_arrow_table()
    raise ValueError(engine)


def deltars_arrow_schema(path) -> pa.Schema:
    """A Delta table's schema (as delta-rs reads the log), in the arrow types render() uses."""
    from deltalake import DeltaTable

    return delta_schema_to_arrow(DeltaTable(str(path)).schema().to_json())


# lake's DDL type names (`lake create --schema`, `lake describe`) -> arrow: Delta's names,
# except that lake says `int` where Delta says `integer`.
LAKE_PRIMITIVES = {("int" if name == "integer" else name): t for name, t in DELTA_PRIMITIVES.items()}


def lake_primitive_to_arrow(name: str) -> pa.DataType:
    """The arrow type of a primitive lake type name such as `long` or `decimal(5,2)`."""
    if name in LAKE_PRIMITIVES:
        return LAKE_PRIMITIVES[name]
    m = _DECIMAL_RE.fullmatch(name)
    if m:
        return pa.decimal128(int(m.group(1)), int(m.group(2)))
    raise NotImplementedError(f"lake type {name!r}")


def csv_field(text: str, quote: str = '"', delimiter: str = ",") -> str:
    """RFC 4180 text of one field: quoted (the quote doubled) when it must be or is empty."""
    if text == "" or any(c in text for c in (quote, delimiter, "\r", "\n")):
        return quote + text.replace(quote, quote * 2) + quote
    return text


def error_lines(proc) -> list[str]:
    """The non-blank lines a failed lake process printed on stderr."""
    return [line for line in (proc.stderr or "").splitlines() if line.strip()]


def names_line(message: str, file_name: str, line: int) -> bool:
    """Does an error message give the line number of a row (`line 4`, `line: 4`,
    `file.csv:4`)? A bare digit is not enough: paths and values hold digits too."""
    n = str(line)
    return bool(
        re.search(rf"\bline\W{{0,3}}{n}(?!\d)", message, re.IGNORECASE)
        or re.search(rf"{re.escape(file_name)}:{n}(?!\d)", message)
    )


def error_line_problems(proc, what: str, file_name: str, line: int | None,
                        column: str | None = None, value: str | None = None) -> tuple[str, list[str]]:
    """Asserts exit 1 with exactly one error line on stderr; returns that line and what it
    fails to say of the file, line, column and value given (an empty list when nothing)."""
    from conftest import describe
    assert proc.returncode == 1, f"{what}: expected exit 1{describe(proc)}"
    lines = error_lines(proc)
    assert len(lines) == 1, f"{what}: expected exactly one error line on stderr, got {len(lines)}{describe(proc)}"
    msg = lines[0]
    problems = []
    if file_name not in msg:
        problems.append(f"does not name the file {file_name}")
    if line is not None and not names_line(msg, file_name, line):
        problems.append(f"does not give line {line}")
    if column is not None and column not in msg:
        problems.append(f"does not name the column {column}")
    if value is not None and value not in msg:
        problems.append(f"does not show the value {value!r}")
    return msg, problems


# --------------------------------------------------------------------------------------
# Predicates (test_query.py): the live files of a table with their statistics
# --------------------------------------------------------------------------------------


def live_adds(table_dir) -> dict[str, dict]:
    """The live add actions of a table whose log is JSON commits only (what lake writes),
    keyed by their path as it is on disk relative to the table (percent-decoded), each
    with its statistics parsed into `add["stats_parsed"]` (None when the add has none;
    decimals and floats as Decimal, so nothing is rounded)."""
    from urllib.parse import unquote

    adds: dict[str, dict] = {}
    for version in log_versions(table_dir):
        for action in read_commit(table_dir, version):
            if "add" in action:
                add = dict(action["add"])
                stats = add.get("stats")
                add["stats_parsed"] = json.loads(stats, parse_float=Decimal) if stats else None
                adds[unquote(add["path"])] = add
            elif "remove" in action:
                adds.pop(unquote(action["remove"]["path"]), None)
    return adds


def world_enterable_dir(prefix: str) -> "Path":
    """A new directory every user can enter (pytest's own are private to root)."""
    import os
    import tempfile
    from pathlib import Path

    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    return Path(d)


def binary_anyone_can_run(binary, directory) -> "Path":
    """A copy of the lake binary in `directory` (which every user can enter), so that tests
    running it as an unprivileged user work wherever the repository was cloned (a clone under
    /root is not reachable by `nobody`)."""
    import os
    import shutil
    from pathlib import Path

    target = Path(directory) / "lake-bin"
    target.mkdir(exist_ok=True)
    os.chmod(target, 0o755)
    copy = target / "lake"
    shutil.copy2(binary, copy)
    os.chmod(copy, 0o755)
    return copy


class Decoy:
    """Files outside every table that nothing may touch: a file and a directory of files,
    optionally dated `age_days` ago (so a vacuum that followed a link to them would find them
    expired)."""

    def __init__(self, root: Path, age_days: float = 0):
        self.dir = root / "decoy"
        (self.dir / "inner").mkdir(parents=True)
        self.file = self.dir / "precious.txt"
        self.file.write_text("do not delete\n")
        (self.dir / "inner" / "part-00000-precious.parquet").write_bytes(b"PAR1 not really")
        if age_days:
            stamp = time.time() - age_days * 86400
            for p in self.dir.rglob("*"):
                os.utime(p, (stamp, stamp), follow_symlinks=False)
        self.snapshot = self._state()

    def _state(self):
        return sorted((str(p.relative_to(self.dir)), p.read_bytes()) for p in self.dir.rglob("*") if p.is_file())

    def check(self, what: str):
        assert self._state() == self.snapshot, f"{what}: the decoy outside the table changed"
