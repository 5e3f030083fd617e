"""Hostile input through the real binary (issue 9, "Hostile input").

* (a) `--where` nested thousands deep: up to the documented limit (1000 levels) the
  expression runs on a table (`scan`, `count`) and on a Parquet file (`scan`); above it, and
  at the issue's sizes (5,000 ANDs, 30,000 parentheses, 5,000-term sums), one clear error
  line naming the limit and the position, exit 2 — never a crash;
* (b) error messages: control characters from a data file, a Parquet column name, a table
  path or name never reach stderr or the `--json` document raw (ESC is shown as `\\x1b`);
  a 10,000-character bad value is cut;
* (c) exit codes: NDJSON nested 10,000 deep on append is bad input (1); a FIFO given as a
  Parquet file exits 1 at once instead of hanging; pipes are legitimate CSV inputs
  (`lake append t <(zcat x.csv.gz)` passes /dev/fd/N; a named FIFO); a missing middle
  commit is named as missing;
* (d) lake's own temporary files older than an hour vanish on the next append; fresh ones,
  look-alikes and symlinks stay.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import describe
from helpers import Lake, error_lines, tdir

LIMIT = 1000
ESC = "\x1b"


def run_bytes(lk: Lake, *args, json_output: bool = False, timeout: float = 30.0, **kwargs) -> subprocess.CompletedProcess:
    """Run lake and keep stdout/stderr as bytes, so nothing hides a raw control byte."""
    return subprocess.run(lk.argv(*args, json_output=json_output), cwd=lk.cwd, env=lk.env, capture_output=True,
                          stdin=kwargs.pop("stdin", subprocess.DEVNULL), timeout=timeout, **kwargs)


ROWS = [{"id": i, "amount": float(i) / 2, "name": f"n{i}"} for i in range(1, 6)]
ARROW_SCHEMA = pa.schema([("id", pa.int64()), ("amount", pa.float64()), ("name", pa.string())])


@pytest.fixture
def table(lk, tmp_path) -> str:
    """Table `t` (id long, amount double, name string) holding ids 1..5, in two files."""
    lk.ok("create", "t", "--schema", "id long, amount double, name string")
    for part in (ROWS[:3], ROWS[3:]):
        f = tmp_path / f"rows{part[0]['id']}.csv"
        f.write_text("id,amount,name\n" + "".join(f"{r['id']},{r['amount']},{r['name']}\n" for r in part))
        lk.ok("append", "t", f)
    return "t"


@pytest.fixture
def parquet_file(tmp_path) -> Path:
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS, schema=ARROW_SCHEMA), path)
    return path


# --------------------------------------------------------------------------------------
# (a) deep predicates
# --------------------------------------------------------------------------------------


def deep(shape: str, depth: int) -> str:
    """A predicate true for every row, exactly `depth` levels deep (a comparison and its
    operands are 2 levels; every AND/OR/operator, NOT, sign and pair of parentheses adds 1)."""
    if shape == "and":
        return " AND ".join(["id > 0"] * (depth - 1))
    if shape == "or":
        return " OR ".join(["id > 0"] * (depth - 1))
    if shape == "sum":  # n terms are n levels, `> 0` one more
        return " + ".join(["id"] * (depth - 1)) + " > 0"
    if shape == "parentheses":
        return "(" * (depth - 2) + "id > 0" + ")" * (depth - 2)
    if shape == "not":  # an even number of NOTs
        assert depth % 2 == 0
        return "NOT " * (depth - 2) + "id > 0"
    if shape == "mixed":  # (id > 0 AND (id > 0 AND (…)))
        n = (depth - 2) // 2
        return "(id > 0 AND " * n + "id > 0" + ")" * n
    raise ValueError(shape)


SHAPES = ["and", "or", "sum", "parentheses", "not", "mixed"]


def scan_ids(proc) -> list[int]:
    return sorted(json.loads(line)["id"] for line in proc.stdout.splitlines() if line.strip())


@pytest.mark.parametrize("shape", SHAPES)
def test_deep_predicates_at_the_limit_work_on_tables_and_files(shape, lk, table, parquet_file):
    text = deep(shape, LIMIT)
    got = lk.ok("scan", table, "--where", text, "--format", "jsonl")
    assert scan_ids(got) == [1, 2, 3, 4, 5], describe(got)
    count = lk.doc("count", table, "--where", text)
    assert count.get("count") == 5, count
    got = lk.ok("scan", parquet_file, "--where", text, "--format", "jsonl")
    assert scan_ids(got) == [1, 2, 3, 4, 5], describe(got)


def assert_too_deep(lk: Lake, *args):
    proc = lk.run(*args)
    assert proc.returncode == 2, f"expected exit 2{describe(proc)}"
    lines = error_lines(proc)
    assert len(lines) == 1, f"expected one error line{describe(proc)}"
    assert str(LIMIT) in lines[0] and "at character" in lines[0], describe(proc)
    assert len(lines[0]) < 400, describe(proc)
    assert proc.stdout == "", describe(proc)
    doc = json.loads(lk.run(*args, json_output=True).stdout)
    assert doc["error"]["type"] == "invalid_predicate", doc


ABOVE = {
    **{f"{shape}_limit_plus_one": deep(shape, LIMIT + 2 if shape in ("not", "mixed") else LIMIT + 1) for shape in SHAPES},
    "5000_ands": " AND ".join(["id > 0"] * 5000),
    "30000_parentheses": "(" * 30000 + "id > 0" + ")" * 30000,
    "30000_open_parentheses": "(" * 30000,
    "5000_term_sum": "+".join(["id"] * 5000) + " > 0",
    "5000_nots": "NOT " * 5000 + "id > 0",
    "10000_signs": "id > " + "-" * 10000 + "1",
}


@pytest.mark.parametrize("name", list(ABOVE))
def test_deep_predicates_above_the_limit_are_refused(name, lk, table, parquet_file):
    text = ABOVE[name]
    assert_too_deep(lk, "scan", table, "--where", text)
    assert_too_deep(lk, "count", table, "--where", text)
    assert_too_deep(lk, "scan", parquet_file, "--where", text)


# --------------------------------------------------------------------------------------
# (b) error messages: no raw control characters, long values cut
# --------------------------------------------------------------------------------------


def assert_no_raw_control(proc, what: str):
    for stream, data in (("stderr", proc.stderr), ("stdout", proc.stdout)):
        assert b"\x1b" not in data, f"{what}: raw ESC on {stream}: {data[:400]!r}"
        assert b"\x07" not in data and b"\x9b" not in data and "\x9b".encode() not in data, f"{what}: raw control on {stream}"
    err = proc.stderr.decode("utf-8", "replace").rstrip("\n")
    assert "\n" not in err, f"{what}: the error is more than one line: {err!r}"


def assert_refused_safely(lk: Lake, code: int, *args, what: str, escaped: str = "\\x1b"):
    proc = run_bytes(lk, *args)
    assert proc.returncode == code, f"{what}: exit {proc.returncode}, expected {code}: {proc.stderr[:400]!r}"
    assert_no_raw_control(proc, what)
    assert escaped in proc.stderr.decode(), f"{what}: the escaped form is not shown: {proc.stderr[:400]!r}"
    proc = run_bytes(lk, *args, json_output=True)
    assert proc.returncode == code, f"{what} --json: exit {proc.returncode}"
    assert_no_raw_control(proc, f"{what} --json")
    doc = json.loads(proc.stdout)
    assert escaped in doc["error"]["message"] and ESC not in doc["error"]["message"], doc


def test_esc_in_a_data_file_value_is_escaped(lk, table, tmp_path):
    f = tmp_path / "esc.csv"
    f.write_bytes(b'id,amount,name\n7,1.5,ok\n"8\x1b[2J\x1b]0;pwned\x07",2.5,x\n')
    assert_refused_safely(lk, 1, "append", table, f, what="bad CSV value with ESC")
    f = tmp_path / "esc.ndjson"
    f.write_bytes(b'{"id": 1}\n{"id": "\\u001b[31m9"}\n')
    assert_refused_safely(lk, 1, "append", table, f, what="bad NDJSON value with ESC", escaped="\\u001b")
    f = tmp_path / "key.ndjson"
    f.write_bytes(b'{"id": 1, "\\u001b[31mkey": 2}\n')
    assert_refused_safely(lk, 1, "append", table, f, what="NDJSON key with ESC")
    f = tmp_path / "header.csv"
    f.write_bytes(b'id,\x1b[31mcol\n1,2\n')
    assert_refused_safely(lk, 1, "append", table, f, what="CSV header with ESC")


def test_esc_in_a_parquet_column_name_is_escaped(lk, table, tmp_path):
    f = tmp_path / "esc.parquet"
    pq.write_table(pa.table({"id": [1], f"evil{ESC}[2J": [2]}), f)
    assert_refused_safely(lk, 1, "append", table, f, what="Parquet column name with ESC")
    assert_refused_safely(lk, 2, "scan", f, "--where", "nope = 1", what="column list with ESC")


def test_esc_in_a_table_path_or_name_is_escaped(lk, tmp_path):
    path = tmp_path / f"x{ESC}[31mred\nsecond" / "t"
    assert_refused_safely(lk, 4, "scan", path, what="table path with ESC")
    assert_refused_safely(lk, 4, "count", path, what="table path with ESC (count)")
    assert_refused_safely(lk, 2, "scan", f"t{ESC}[2J", what="table name with ESC")
    # An existing table at such a path: a predicate error there names nothing raw either.
    lk.ok("create", path, "--schema", "id long")
    assert_refused_safely(lk, 2, "scan", path, "--where", f"'{ESC}' > 1", what="literal with ESC", escaped="\\x1b")


def test_a_10000_character_bad_value_is_cut(lk, table, tmp_path):
    value = "9" * 10_000 + "z"
    f = tmp_path / "long.csv"
    f.write_text(f"id,amount,name\n1,1.0,a\n{value},2.0,b\n")
    proc = lk.run("append", table, f)
    assert proc.returncode == 1, describe(proc)
    lines = error_lines(proc)
    assert len(lines) == 1, describe(proc)
    assert "long.csv:3" in lines[0] and "…" in lines[0], describe(proc)
    assert len(lines[0]) < 400 and "9" * 200 not in lines[0], f"{len(lines[0])} characters{describe(proc)}"
    doc = json.loads(lk.run("append", table, f, json_output=True).stdout)
    assert len(doc["error"]["message"]) < 400, doc


# --------------------------------------------------------------------------------------
# (c) exit codes and inputs that are not regular files
# --------------------------------------------------------------------------------------


def test_ndjson_nested_10000_deep_is_bad_input(lk, table, tmp_path):
    f = tmp_path / "deep.ndjson"
    f.write_text('{"id": 1, "name": ' + "[" * 10_000 + "]" * 10_000 + "}\n")
    proc = lk.run("append", table, f)
    assert proc.returncode == 1, describe(proc)
    assert len(error_lines(proc)) == 1, describe(proc)
    doc = json.loads(lk.run("append", table, f, json_output=True).stdout)
    assert doc["error"]["type"] == "bad_input", doc
    proc = lk.run("create", "deep", "--from", f)
    assert proc.returncode == 1, describe(proc)
    # Deeper than a table can hold, though JSON can parse it: still bad input, no table.
    f = tmp_path / "nested.ndjson"
    f.write_text('{"id": 1, "n": ' + '{"x": ' * 150 + "1" + "}" * 150 + "}\n")
    proc = lk.run("create", "nested", "--from", f)
    assert proc.returncode == 1, describe(proc)
    assert lk.run("describe", "nested").returncode == 4
    # The same depth given by hand is a usage error, refused before the table exists.
    spec = "id long, n " + "struct<x: " * 150 + "long" + ">" * 150
    proc = lk.run("create", "byhand", "--schema", spec)
    assert proc.returncode == 2, describe(proc)
    assert lk.run("describe", "byhand").returncode == 4


def test_a_fifo_as_a_parquet_file_fails_at_once(lk, table, tmp_path):
    fifo = tmp_path / "rows.parquet"
    os.mkfifo(fifo)
    link = tmp_path / "link.parquet"
    link.symlink_to(fifo)
    for args in (("scan", fifo), ("scan", link), ("scan", fifo, "--where", "id > 1"), ("inspect", fifo),
                 ("append", table, fifo)):
        start = time.monotonic()
        proc = lk.run(*args, timeout=10)
        assert proc.returncode == 1, describe(proc)
        assert time.monotonic() - start < 5
        lines = error_lines(proc)
        assert len(lines) == 1 and "pipe" in lines[0].lower(), describe(proc)
    assert lk.doc("count", table)["count"] == 5


def test_a_directory_as_input_is_refused(lk, table, tmp_path):
    d = tmp_path / "dir.csv"
    d.mkdir()
    proc = lk.run("append", table, d)
    assert proc.returncode == 1 and "directory" in proc.stderr, describe(proc)


CSV_ROWS = "id,amount,name\n10,1.0,p\n11,2.0,q\n"


def test_a_pipe_from_process_substitution_is_read(lk, table, tmp_path):
    """`lake append t <(cat f.csv) --format csv`: lake gets /dev/fd/N, a pipe."""
    read_end, write_end = os.pipe()

    def feed():
        with os.fdopen(write_end, "wb") as w:
            w.write(CSV_ROWS.encode())

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        proc = subprocess.run(lk.argv("append", table, f"/dev/fd/{read_end}", "--format", "csv"), cwd=lk.cwd, env=lk.env,
                              pass_fds=(read_end,), capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
    finally:
        os.close(read_end)
        feeder.join(timeout=10)
    assert proc.returncode == 0, describe(proc)
    assert lk.doc("count", table)["count"] == 7
    # The same through bash's own process substitution, where available.
    f = tmp_path / "more.csv"
    f.write_text("id,amount,name\n12,3.0,r\n")
    bash = subprocess.run(["bash", "-c", f'"$LAKE" append t <(cat "{f}") --format csv'], cwd=lk.cwd,
                          env={**lk.env, "LAKE": str(lk.binary)}, capture_output=True, text=True, timeout=30)
    assert bash.returncode == 0, bash.stderr
    assert lk.doc("count", table)["count"] == 8


def test_a_named_fifo_is_read(lk, table, tmp_path):
    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as w:
            w.write(CSV_ROWS.encode())

    feeder = threading.Thread(target=feed)
    feeder.start()
    proc = lk.run("append", table, fifo, timeout=30)
    feeder.join(timeout=10)
    assert proc.returncode == 0, describe(proc)
    assert lk.doc("count", table)["count"] == 7


def test_create_from_a_pipe_is_refused(lk, tmp_path):
    """Inference reads the input twice: a pipe would lose the sample's rows."""
    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)
    proc = lk.run("create", "p", "--from", fifo, timeout=10)
    assert proc.returncode == 1 and "twice" in proc.stderr, describe(proc)


def test_a_missing_middle_commit_is_named_missing(lk, table):
    (tdir(lk, table) / "_delta_log" / f"{1:020d}.json").unlink()
    for args in (("scan", table), ("count", table)):
        proc = lk.run(*args)
        assert proc.returncode == 4, describe(proc)
        assert "commit 1 is missing" in proc.stderr and "cleaned up" not in proc.stderr, describe(proc)


# --------------------------------------------------------------------------------------
# (d) lake's leftover temporary files
# --------------------------------------------------------------------------------------


def test_old_temp_files_vanish_at_the_next_checkpoint_version(lk, table, tmp_path):
    """Lake's stale temporary files go with the commit at the next checkpoint version (every
    tenth): listing a busy table's folders at every commit would cost more than they weigh."""
    root = tdir(lk, table)
    log = root / "_delta_log"
    hours_ago = time.time() - 2 * 3600

    def make(path: Path, old: bool = True) -> Path:
        path.write_bytes(b"{}")
        if old:
            os.utime(path, (hours_ago, hours_ago))
        return path

    old = [make(log / f".{3:020d}.json.{os.getpid()}.123456789.tmp"),
           make(log / "._last_checkpoint.1.2.tmp"),
           make(root / ".part-00000-dead-c000.zstd.parquet.77.4242.tmp")]
    fresh = [make(log / f".{4:020d}.json.1.2.tmp", old=False), make(root / ".part-1-c000.parquet.3.4.tmp", old=False)]
    decoys = [make(log / f".{3:020d}.json.x1.2.tmp"), make(log / ".user-notes.1.2.tmp"), make(log / "keep.tmp"),
              make(root / f"{5:020d}.json.1.2.tmp")]
    outside = make(tmp_path / f".{6:020d}.json.1.2.tmp")
    link = log / f".{7:020d}.json.1.2.tmp"
    link.symlink_to(outside)
    os.utime(link, (hours_ago, hours_ago), follow_symlinks=False)

    f = tmp_path / "more.csv"
    f.write_text("id,amount,name\n6,3.0,s\n")
    before = lk.doc("count", table)["count"]
    appends = 1
    while lk.doc("append", table, f)["version"] % 10 != 0:
        assert all(p.exists() for p in old), "stale temp files go at checkpoint versions only"
        appends += 1

    for p in old:
        assert not p.exists(), f"{p.name} is older than an hour and should be gone"
    for p in fresh + decoys + [outside]:
        assert p.exists(), f"{p.name} should stay"
    assert link.is_symlink()
    assert lk.doc("count", table)["count"] == before + appends
