"""Everyday use: the details that bite scripts, cron jobs and people at a terminal (issue 10).

Every case runs the real binary the way a user or a cron job would.

* Wrong answers: an empty-string partition value is NULL, written as `null` in the log (and the
  `__HIVE_DEFAULT_PARTITION__` directory) and read as NULL whoever wrote `""`.
* Cron pitfalls: reads never create a warehouse (exit 4, nothing made); a read-only warehouse
  can be read and refuses writes in one line; an append stopped by SIGINT/SIGTERM leaves no file
  behind and exits 130/143; a header-only or empty input commits nothing; `-q` is silent;
  global options go before or after the subcommand; `--version`; unknown subcommands get a
  suggestion; a bare `lake` prints help and exits 2.
* Output that scripts parse: `scan --json`; the `--json` documents name `table` and `version`;
  history metrics are numbers; TSV escapes like PostgreSQL's text format; `--format table`
  aligns by display width; `list`/`history`/`files` text has a header and bare fields; `list`
  and `history` show the commit timestamp `--as-of` uses.
* Errors that say what to do: table-name suggestions, `--delimiter`, double-quoted strings in
  `--where`, `lake scan x.csv`, `--limit -1`, `FILE:LINE:COLUMN: message`.
* Progress: a bar with units, rate and ETA on a terminal (checked through a pty), never
  without one or with `-q`.
* Ingest inference: `--infer-decimal` infers `decimal(38, s)`.

Where the issue left a choice open, a comment starting with "Choice:" says what is assumed.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import termios
import time
import tty
import unicodedata
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from conftest import describe
from helpers import binary_anyone_can_run, world_enterable_dir, Lake, log_versions, read_commit

RUNTIME, USAGE, NOT_FOUND = 1, 2, 4
NO_WAREHOUSE_HINT = "(run lake init, or set --warehouse / LAKE_WAREHOUSE)"


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------

@pytest.fixture
def lk(lake, tmp_path) -> Lake:
    """A fresh, initialized warehouse of its own (cwd: tmp_path)."""
    w = Lake(lake, tmp_path / "wh")
    w.ok("init")
    return w


def write(path: Path, content: str | bytes) -> Path:
    """Write a file byte for byte (no newline translation); text is UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def location(lk: Lake, name: str) -> Path:
    return Path(lk.doc("describe", name)["location"])


def make_sales(lk: Lake, tmp: Path, name: str = "sales", appends: int = 1) -> Path:
    """A table `id long, region string, amount decimal(12,2)` partitioned by region, with
    `appends` commits of 3 rows each (ids 10k..10k+2); returns its location."""
    lk.ok("create", name, "--schema", "id long, region string, amount decimal(12,2)", "--partition-by", "region")
    for k in range(appends):
        rows = "".join(f"{10 * k + i},{['eu', 'us', 'eu'][i]},{i}.50\n" for i in range(3))
        lk.ok("append", name, write(tmp / f"{name}-{k}.csv", "id,region,amount\n" + rows))
    return location(lk, name)


def jsonl(proc) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def files_outside_log(root: Path) -> set[str]:
    """Every file (not directory) under a table directory except those in _delta_log."""
    out = set()
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "_delta_log"] if Path(dirpath) == root else dirs
        for f in files:
            out.add(str((Path(dirpath) / f).relative_to(root)))
    return out


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide/fullwidth 2, combining marks 0, else 1."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
               for c in text)


def split_fields(line: str, tabbed: bool) -> list[str]:
    """The fields of a text-output line: tab-separated, or else aligned with spaces."""
    return [f.strip() for f in line.split("\t")] if tabbed else line.split()


def text_table(proc) -> tuple[list[str], list[list[str]]]:
    """(header fields, data rows' fields) of a `list`/`history`/`files` text output."""
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert lines, f"no output{describe(proc)}"
    tabbed = "\t" in lines[0]
    return split_fields(lines[0], tabbed), [split_fields(ln, tabbed) for ln in lines[1:]]


def column(header: list[str], name: str, proc) -> int:
    lowered = [h.lower() for h in header]
    assert name in lowered, f"the header {header} has no field {name!r}{describe(proc)}"
    return lowered.index(name)


WORDY = re.compile(r"\b(version|versions|rows?|bytes?)\b", re.IGNORECASE)


def parse_time(text: str) -> dt.datetime:
    assert isinstance(text, str), f"timestamp is not a string: {text!r}"
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.tzinfo is not None, f"timestamp {text!r} has no offset"
    return value


def rfc3339_ms(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --------------------------------------------------------------------------------------
# Wrong answers: an empty-string partition value is NULL
# --------------------------------------------------------------------------------------

def test_empty_string_partition_value_is_written_as_null(lk, tmp_path, duckdb_con):
    lk.ok("create", "t", "--schema", "id long, p string", "--partition-by", "p")
    # Quoted "" is the empty string for lake's CSV reader, an unquoted empty field is null:
    # both must land in the null partition.
    lk.ok("append", "t", write(tmp_path / "in.csv", 'id,p\n1,""\n2,\n3,eu\n'))
    loc = location(lk, "t")

    assert lk.count("t", "--where", "p IS NULL") == 2
    assert lk.count("t", "--where", "p = ''") == 0
    assert {r["id"]: r["p"] for r in jsonl(lk.ok("scan", "t", "--format", "jsonl"))} == {1: None, 2: None, 3: "eu"}
    duck = duckdb_con.execute(
        f"SELECT count(*) FROM delta_scan('{str(loc).replace(chr(39), chr(39) * 2)}') WHERE p IS NULL").fetchone()[0]
    assert duck == 2, f"DuckDB delta_scan sees {duck} null partition values"
    deltars = DeltaTable(str(loc)).to_pyarrow_table()
    assert deltars.column("p").null_count == 2, f"delta-rs reads p as {deltars.column('p').to_pylist()}"

    adds = [a["add"] for v in log_versions(loc) for a in read_commit(loc, v) if "add" in a]
    values = [a["partitionValues"] for a in adds]
    assert {"p": None} in values and all(pv["p"] in (None, "eu") for pv in values), (
        f"partitionValues must hold null (never \"\") for the empty string: {values}")
    assert not (loc / "p=").exists(), "an empty partition value must not get a `p=` directory"
    assert (loc / "p=__HIVE_DEFAULT_PARTITION__").is_dir(), sorted(p.name for p in loc.iterdir())


def _hand_written_table(root: Path) -> Path:
    """A Delta table whose log says `"partitionValues": {"p": ""}` for one file (2 rows) and
    {"p": "x"} for another (1 row), as another writer may produce it."""
    log = root / "_delta_log"
    log.mkdir(parents=True)
    files = {"p=__HIVE_DEFAULT_PARTITION__/part-a.parquet": ("", [10, 11]), "p=x/part-b.parquet": ("x", [12])}
    now = int(time.time() * 1000)
    schema = {"type": "struct", "fields": [
        {"name": "id", "type": "long", "nullable": True, "metadata": {}},
        {"name": "p", "type": "string", "nullable": True, "metadata": {}},
    ]}
    actions = [
        {"commitInfo": {"timestamp": now, "operation": "WRITE", "operationParameters": {}}},
        {"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}},
        {"metaData": {"id": str(uuid.uuid4()), "format": {"provider": "parquet", "options": {}},
                      "schemaString": json.dumps(schema), "partitionColumns": ["p"], "configuration": {},
                      "createdTime": now}},
    ]
    for rel, (value, ids) in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({"id": pa.array(ids, pa.int64())}), path)
        stats = {"numRecords": len(ids), "minValues": {"id": min(ids)}, "maxValues": {"id": max(ids)},
                 "nullCount": {"id": 0}}
        actions.append({"add": {"path": rel, "partitionValues": {"p": value}, "size": path.stat().st_size,
                                "modificationTime": now, "dataChange": True, "stats": json.dumps(stats)}})
    (log / f"{0:020d}.json").write_text("".join(json.dumps(a) + "\n" for a in actions))
    return root


def test_empty_string_in_partition_values_reads_as_null(lake, tmp_path):
    lk = Lake(lake, tmp_path / "wh")
    table = _hand_written_table(tmp_path / "foreign")
    assert lk.count(table) == 3
    assert lk.count(table, "--where", "p IS NULL") == 2
    assert lk.count(table, "--where", "p = ''") == 0
    assert lk.count(table, "--where", "p IS NOT NULL") == 1
    rows = {r["id"]: r["p"] for r in jsonl(lk.ok("scan", table, "--format", "jsonl"))}
    assert rows == {10: None, 11: None, 12: "x"}, rows
    assert sorted(r["id"] for r in jsonl(lk.ok("scan", table, "--format", "jsonl", "--where", "p IS NULL"))) == [10, 11]


# --------------------------------------------------------------------------------------
# Cron pitfalls
# --------------------------------------------------------------------------------------

MISSING_WAREHOUSE_COMMANDS = {
    "list": lambda t: ["list"],
    "scan": lambda t: ["scan", "t"],
    "count": lambda t: ["count", "t"],
    "describe": lambda t: ["describe", "t"],
    "history": lambda t: ["history", "t"],
    "files": lambda t: ["files", "t"],
    "append": lambda t: ["append", "t", t / "in.csv"],
    "drop": lambda t: ["drop", "t"],
    "rename": lambda t: ["rename", "t", "u"],
    "register": lambda t: ["register", "t", t / "dr"],
    "catalog sync": lambda t: ["catalog", "sync"],
}


def _inputs(tmp: Path):
    write(tmp / "in.csv", "id\n1\n")
    write_deltalake(str(tmp / "dr"), pa.table({"id": pa.array([1, 2], pa.int64())}))


def _assert_no_warehouse(proc, wh: Path):
    assert proc.returncode == NOT_FOUND, f"expected exit 4 on a missing warehouse{describe(proc)}"
    said = proc.stderr
    assert f"no warehouse at {wh}" in said or f"no warehouse at {wh.resolve()}" in said, describe(proc)
    assert NO_WAREHOUSE_HINT in said, describe(proc)
    assert not wh.exists(), f"{wh} was created by a command that only reads or needs a warehouse{describe(proc)}"


@pytest.mark.parametrize("command", list(MISSING_WAREHOUSE_COMMANDS))
def test_a_missing_warehouse_is_never_created(command, lake, tmp_path):
    _inputs(tmp_path)
    wh = tmp_path / "nowh"
    lk = Lake(lake, wh)
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = lk.run(*MISSING_WAREHOUSE_COMMANDS[command](tmp_path))
    _assert_no_warehouse(proc, wh)
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "something was created next to the warehouse"


def test_a_missing_warehouse_given_by_option_or_default(lake, tmp_path):
    lk = Lake(lake, tmp_path / "unused")
    _assert_no_warehouse(lk.run("list", "-w", tmp_path / "opt"), tmp_path / "opt")
    # No --warehouse, no $LAKE_WAREHOUSE: ./lakehouse, which must not be created either.
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = {k: v for k, v in lk.env.items() if k != "LAKE_WAREHOUSE"}
    proc = subprocess.run([str(lake), "count", "t"], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == NOT_FOUND and "no warehouse at" in proc.stderr and "lakehouse" in proc.stderr, describe(proc)
    assert list(cwd.iterdir()) == [], "a read created ./lakehouse"
    assert not (tmp_path / "unused").exists(), "$LAKE_WAREHOUSE was created although -w named another"


def test_a_table_path_needs_no_warehouse(lake, tmp_path):
    _inputs(tmp_path)
    wh = tmp_path / "nowh"
    lk = Lake(lake, wh)
    dr = tmp_path / "dr"
    assert lk.count(dr) == 2
    assert sorted(r["id"] for r in jsonl(lk.ok("scan", dr, "--format", "jsonl"))) == [1, 2]
    assert lk.doc("describe", dr)["version"] == 0
    lk.ok("history", dr)
    lk.ok("files", dr)
    lk.ok("append", dr, tmp_path / "in.csv")
    assert lk.count(dr) == 3
    assert DeltaTable(str(dr)).version() == 1
    assert not wh.exists(), "a command on a table path created the warehouse"


def _set_writable(root: Path, writable: bool):
    for p in [root, *root.rglob("*")]:
        if p.is_symlink():
            continue
        if writable:
            p.chmod(p.stat().st_mode | (0o700 if p.is_dir() else 0o600))
        else:
            p.chmod(0o555 if p.is_dir() else 0o444)


def test_a_read_only_warehouse_can_be_read_and_refuses_writes(lake):
    base = world_enterable_dir("lake-everyday-ro-")
    base_bin = world_enterable_dir("lake-everyday-bin-")
    try:
        # The binary lives outside `base`, whose files all lose their write (and exec) bits.
        lk = Lake(binary_anyone_can_run(lake, base_bin), base / "wh")
        lk.ok("init")
        loc = make_sales(lk, base, appends=2)
        write(base / "more.csv", "id,region,amount\n99,eu,1.00\n")

        def as_nobody(*args):
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *lk.argv(*args)]
            return subprocess.run(argv, capture_output=True, text=True, env=lk.env, cwd="/", timeout=60,
                                  stdin=subprocess.DEVNULL)

        _set_writable(base, False)
        try:
            reads = {
                ("list", "--json"): lambda d: [t["name"] for t in d["tables"]] == ["default.sales"],
                ("count", "sales", "--json"): lambda d: d["count"] == 6,
                ("describe", "sales", "--json"): lambda d: d["version"] == 2,
                ("history", "sales", "--json"): lambda d: [c["version"] for c in d["commits"]] == [2, 1, 0],
            }
            for args, check in reads.items():
                proc = as_nobody(*args)
                assert proc.returncode == 0, f"{args} on a read-only warehouse{describe(proc)}"
                assert check(json.loads(proc.stdout)), f"{args} on a read-only warehouse{describe(proc)}"
            proc = as_nobody("scan", "sales", "--format", "csv")
            assert proc.returncode == 0 and len(proc.stdout.strip().splitlines()) == 7, describe(proc)

            writes = (("append", "sales", str(base / "more.csv")),
                      ("create", "other", "--schema", "id long"),
                      ("drop", "sales"))
            for args in writes:
                proc = as_nobody(*args)
                lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
                assert proc.returncode == RUNTIME, f"{args} on a read-only warehouse: expected exit 1{describe(proc)}"
                assert len(lines) == 1, f"{args}: expected one error line{describe(proc)}"
                # Choice: "one clear line" says why: read-only / permission / not writable.
                assert re.search(r"read-?only|read only|permission|writable|denied", lines[0], re.I), describe(proc)
        finally:
            _set_writable(base, True)
        assert log_versions(loc) == [0, 1, 2]
        assert [t["name"] for t in lk.doc("list")["tables"]] == ["default.sales"]
        assert lk.count("sales") == 6
    finally:
        _set_writable(base, True)
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(base_bin, ignore_errors=True)


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_append_removes_what_it_wrote(sig, code, lk, tmp_path):
    loc = make_sales(lk, tmp_path)
    before_files = files_outside_log(loc)
    before_versions = log_versions(loc)
    proc = subprocess.Popen(lk.argv("append", "sales", "-", "--format", "csv"), cwd=lk.cwd, env=lk.env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    fd = proc.stdin.fileno()
    os.set_blocking(fd, False)
    pending = b"id,region,amount\n"
    next_id = 1000
    deadline = time.monotonic() + 1.5
    try:
        # Feed rows without ever reaching EOF until a data or temporary file shows up.
        while time.monotonic() < deadline and files_outside_log(loc) == before_files:
            if len(pending) < 65536:
                pending += "".join(f"{i},{['eu', 'us', 'ap'][i % 3]},{i % 997}.25\n"
                                   for i in range(next_id, next_id + 5000)).encode()
                next_id += 5000
            try:
                pending = pending[os.write(fd, pending):]
            except BlockingIOError:
                time.sleep(0.005)
        assert proc.poll() is None, f"lake append ended (exit {proc.returncode}) before the signal although stdin was still open"
        proc.send_signal(sig)
        # Keep stdin open until lake has acted on the signal: closing it mid-row would race
        # the signal with a (correct) "truncated row" failure.
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"lake append did not exit within 20 s of {sig.name}")
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == code, f"exit code after {sig.name}: {proc.returncode} (want {code}); stderr: {err[:500]}"
    assert log_versions(loc) == before_versions, "a stopped append committed"
    left = files_outside_log(loc) ^ before_files
    assert not left, f"a stopped append left files behind (or removed some): {sorted(left)}"
    assert lk.count("sales") == 3
    lk.ok("append", "sales", tmp_path / "sales-0.csv")  # no stale lock or state
    assert lk.count("sales") == 6


QUIET_INPUTS = {
    "header-only csv": ("h.csv", "id,region,amount\n", ()),
    "header-only csv without newline": ("h2.csv", "id,region,amount", ()),
    "empty ndjson": ("e.ndjson", "", ()),
    "header-only csv on stdin": (None, "id,region,amount\n", ("--format", "csv")),
}


@pytest.mark.parametrize("kind", list(QUIET_INPUTS))
def test_nothing_to_append_is_a_quiet_hour(kind, lk, tmp_path):
    name, content, extra = QUIET_INPUTS[kind]
    loc = make_sales(lk, tmp_path)
    source = ["-"] if name is None else [write(tmp_path / name, content)]
    stdin = content if name is None else None
    proc = lk.run("append", "sales", *source, *extra, input=stdin)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.strip() == "appended 0 rows (nothing to commit)", describe(proc)
    proc = lk.run("append", "sales", *source, *extra, "--json", input=stdin)
    assert proc.returncode == 0, describe(proc)
    doc = json.loads(proc.stdout)
    assert doc.get("table") == "default.sales" and "version" in doc and doc["version"] is None and doc["rows"] == 0, doc
    assert log_versions(loc) == [0, 1], "an empty input committed"
    assert lk.doc("describe", "sales")["version"] == 1


@pytest.mark.parametrize("where", ["after", "before"])
def test_quiet_makes_success_silent(where, lk, tmp_path):
    def q(*args):
        return lk.run(*(["-q", *args] if where == "before" else [*args, "-q"]))

    inp = write(tmp_path / "in.csv", "id\n1\n2\n")
    steps = [
        ("init",),
        ("create", "t", "--schema", "id long"),
        ("append", "t", inp),
        ("rename", "t", "u"),
        ("drop", "u"),
    ]
    for args in steps:
        proc = q(*args)
        assert proc.returncode == 0, f"{args} -q{describe(proc)}"
        assert proc.stdout == "" and proc.stderr == "", f"-q must print nothing on success{describe(proc)}"
    assert lk.doc("list")["tables"] == []
    # With --json the document still prints (and nothing else).
    proc = q("create", "j", "--schema", "id long", "--json")
    assert proc.returncode == 0 and proc.stderr == "", describe(proc)
    assert json.loads(proc.stdout)["table"] == "default.j", describe(proc)
    proc = q("append", "j", inp, "--json")
    assert proc.returncode == 0 and proc.stderr == "" and json.loads(proc.stdout)["version"] == 1, describe(proc)
    # Errors still print.
    proc = q("count", "nosuch")
    assert proc.returncode == NOT_FOUND and proc.stderr.strip(), f"-q must not hide errors{describe(proc)}"
    proc = q("append", "j", write(tmp_path / "bad.csv", "id\nx\n"))
    assert proc.returncode == RUNTIME and "bad.csv" in proc.stderr, f"-q must not hide errors{describe(proc)}"


def test_global_options_before_or_after_the_subcommand(lake, tmp_path):
    # $LAKE_WAREHOUSE points at another warehouse, so an ignored -w gives a wrong answer.
    env_wh = Lake(lake, tmp_path / "env-wh")
    env_wh.ok("init")
    env_wh.ok("create", "from_env", "--schema", "id long")
    other = Lake(lake, tmp_path / "other")
    other.ok("init")
    other.ok("create", "from_option", "--schema", "id long")
    d = str(other.warehouse)
    for args in (["-w", d, "list", "--json"], ["list", "-w", d, "--json"], ["--warehouse", d, "list", "--json"],
                 ["list", "--json", "--warehouse", d], ["--json", "-w", d, "list"], ["-w", d, "--json", "list"],
                 ["--json", "list", "-w", d]):
        proc = env_wh.run(*args)
        assert proc.returncode == 0, describe(proc)
        names = [t["name"] for t in json.loads(proc.stdout)["tables"]]
        assert names == ["default.from_option"], f"{args}: listed {names}{describe(proc)}"
    proc = env_wh.run("--json", "-w", d, "count", "from_option")
    assert proc.returncode == 0 and json.loads(proc.stdout)["count"] == 0, describe(proc)
    proc = env_wh.run("-q", "-w", d, "create", "made_quietly", "--schema", "id long")
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", describe(proc)
    assert "default.made_quietly" in [t["name"] for t in other.doc("list")["tables"]]
    assert [t["name"] for t in env_wh.doc("list")["tables"]] == ["default.from_env"]


def test_version_option(lake, tmp_path):
    lk = Lake(lake, tmp_path / "wh")
    a = lk.run("--version")
    b = lk.run("version")
    assert a.returncode == 0 and b.returncode == 0, describe(a) + describe(b)
    assert re.fullmatch(r"lake \d+\.\d+\.\d+", a.stdout.strip()), describe(a)
    assert a.stdout == b.stdout, describe(a) + describe(b)


@pytest.mark.parametrize("typo,meant", [("lst", "list"), ("apend", "append"), ("descrbe", "describe"),
                                        ("histroy", "history")])
def test_unknown_subcommand_suggests_the_closest(typo, meant, lake, tmp_path):
    lk = Lake(lake, tmp_path / "wh")
    proc = lk.run(typo)
    assert proc.returncode == USAGE, describe(proc)
    assert f"unknown command '{typo}'" in proc.stderr and f"did you mean '{meant}'" in proc.stderr, describe(proc)
    assert not lk.warehouse.exists()


def test_bare_lake_prints_help_and_exits_2(lake, tmp_path):
    lk = Lake(lake, tmp_path / "wh")
    proc = lk.run()
    assert proc.returncode == USAGE, describe(proc)
    said = proc.stdout + proc.stderr
    assert re.search(r"usage", said, re.I) and all(c in said for c in ("init", "append", "scan", "list")), describe(proc)


# --------------------------------------------------------------------------------------
# Output that scripts parse
# --------------------------------------------------------------------------------------

def test_scan_json_is_one_array_document(lk, tmp_path):
    make_sales(lk, tmp_path)
    proc = lk.ok("scan", "sales", "--json")
    try:
        doc = json.loads(proc.stdout)
    except ValueError as e:
        raise AssertionError(f"scan --json is not one JSON document ({e}){describe(proc)}") from None
    fmt = json.loads(lk.ok("scan", "sales", "--format", "json").stdout)
    assert isinstance(doc, list) and all(isinstance(r, dict) for r in doc), describe(proc)
    assert doc == fmt, "scan --json must equal scan --format json"
    assert sorted((r["id"], r["region"]) for r in doc) == [(0, "eu"), (1, "us"), (2, "eu")], doc


@pytest.mark.parametrize("form", ["name", "relative path", "absolute path"])
def test_json_documents_name_table_and_version(form, lk, tmp_path):
    created = lk.doc("create", "t", "--schema", "id long, region string", "--partition-by", "region")
    assert created.get("table") == "default.t" and created.get("version") == 0, created
    loc = lk.warehouse / "default" / "t"
    ref = {"name": "t", "relative path": "wh/default/t", "absolute path": str(loc)}[form]
    # Choice: a table given as a path is named by its absolute, normalized path in every
    # document (the same whatever the working directory), as `describe` locates it.
    expected = "default.t" if form == "name" else str(loc)
    src = write(tmp_path / "in.csv", "id,region\n1,eu\n2,us\n3,eu\n")

    appended = lk.doc("append", ref, src)
    assert appended.get("table") == expected and appended.get("version") == 1 and appended.get("rows") == 3, appended
    count = lk.doc("count", ref)
    assert {k: count.get(k) for k in ("table", "version", "count")} == {"table": expected, "version": 1, "count": 3}, count
    files = lk.doc("files", ref)
    assert files.get("table") == expected and files.get("version") == 1, files
    assert isinstance(files.get("files"), list) and len(files["files"]) == 2, files
    described = lk.doc("describe", ref)
    assert described.get("table") == expected and described.get("version") == 1, described
    plan = lk.doc("scan", ref, "--explain", "--where", "region = 'eu'")
    assert plan.get("table") == expected and plan.get("version") == 1, plan

    history = lk.doc("history", ref)
    assert history.get("table") == expected, history
    commits = history["commits"]
    assert [c["version"] for c in commits] == [1, 0], commits
    for c in commits:
        assert {"version", "timestamp", "operation", "parameters", "metrics"} <= set(c), c
        bad = {k: v for k, v in c["metrics"].items() if not is_number(v)}
        assert not bad, f"metrics must be JSON numbers, not strings: {bad}"
        if "partitionBy" in c["parameters"]:
            assert c["parameters"]["partitionBy"] == ["region"], f"partitionBy must be a JSON array: {c}"
    write_commit = commits[0]
    assert write_commit["metrics"].get("numOutputRows") == 3, write_commit
    assert write_commit["metrics"].get("numFiles") == 2, write_commit
    assert any("partitionBy" in c["parameters"] for c in commits), "no commit names partitionBy"


TSV_VALUES = [
    ("plain", "plain"),
    ("a\tb", "a\\tb"),
    ("two\nlines", "two\\nlines"),
    ("back\\slash", "back\\\\slash"),
    ("\\t is not a tab", "\\\\t is not a tab"),
    ("mix\t\n\\", "mix\\t\\n\\\\"),
    ('has,comma "and quotes"', 'has,comma "and quotes"'),
    (None, ""),
]


def test_tsv_escapes_like_postgres_text(lk, tmp_path):
    lk.ok("create", "t", "--schema", "id long, s string")
    f = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": pa.array(range(len(TSV_VALUES)), pa.int64()),
                             "s": pa.array([v for v, _ in TSV_VALUES], pa.string())}), f)
    lk.ok("append", "t", f)
    proc = lk.ok("scan", "t", "--format", "tsv")
    lines = proc.stdout.removesuffix("\n").split("\n")
    assert lines[0] == "id\ts", describe(proc)
    # Each row starts with its unique id, so sorting the lines as text pairs them up.
    assert sorted(lines[1:]) == sorted(f"{i}\t{text}" for i, (_, text) in enumerate(TSV_VALUES)), describe(proc)


def test_table_format_aligns_by_display_width(lk, tmp_path):
    values = ["日本語", "e\u0301", "abc", "ＡＢ", "x日e\u0301", None]
    lk.ok("create", "t", "--schema", "word string, id long")
    f = tmp_path / "in.parquet"
    pq.write_table(pa.table({"word": pa.array(values, pa.string()),
                             "id": pa.array(range(len(values)), pa.int64())}), f)
    lk.ok("append", "t", f)
    proc = lk.ok("scan", "t", "--format", "table")
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip() and not re.fullmatch(r"\(\d+ rows?\)", ln.strip())]
    assert len(lines) >= 2 + len(values), describe(proc)
    widths = {ln: display_width(ln) for ln in lines}
    assert len(set(widths.values())) == 1, "lines of different display widths:\n" + "\n".join(
        f"{w:3d} {ln!r}" for ln, w in widths.items())
    # And the column separator sits at the same display column on every line.
    def separators(line):
        return [display_width(line[:i]) for i, c in enumerate(line) if c in "│|┼┬┴+"]
    seps = {tuple(separators(ln)) for ln in lines if separators(ln)}
    assert len(seps) == 1, f"column separators are not aligned: {seps}{describe(proc)}"
    for v in values[:-1]:
        assert v in proc.stdout or unicodedata.normalize("NFC", v) in proc.stdout, f"{v!r} missing{describe(proc)}"


def test_text_listings_have_a_header_and_bare_fields(lk, tmp_path):
    make_sales(lk, tmp_path, appends=2)  # version 2, 6 rows, 2 partitions per append

    proc = lk.ok("list")
    header, data = text_table(proc)
    vi, ri = column(header, "version", proc), column(header, "rows", proc)
    column(header, "name", proc)
    assert len(data) == 1, describe(proc)
    assert data[0][vi] == "2" and data[0][ri] == "6", f"version/rows fields must be bare numbers{describe(proc)}"
    assert not any(WORDY.search(f) for f in data[0]), f"words in the data fields{describe(proc)}"

    proc = lk.ok("history", "sales")
    header, data = text_table(proc)
    vi = column(header, "version", proc)
    assert [row[vi] for row in data] == ["2", "1", "0"], describe(proc)
    assert not any(WORDY.search(f) for row in data for f in row), f"words in the data fields{describe(proc)}"

    proc = lk.ok("files", "sales")
    header, data = text_table(proc)
    pi = column(header, "path", proc)
    assert len(data) == 4 and all(row[pi].endswith(".parquet") for row in data), describe(proc)
    assert not any(WORDY.search(f) for row in data for f in row), f"words in the data fields{describe(proc)}"


def test_list_and_history_show_the_timestamp_as_of_uses(lk, tmp_path):
    make_sales(lk, tmp_path, appends=1)
    time.sleep(0.05)
    lk.ok("append", "sales", write(tmp_path / "more.csv", "id,region,amount\n100,us,1.00\n"))
    commits = lk.doc("history", "sales")["commits"]
    assert [c["version"] for c in commits[:2]] == [2, 1], commits
    listed = {t["name"]: t for t in lk.doc("list")["tables"]}["default.sales"]
    newest = parse_time(commits[0]["timestamp"])
    assert parse_time(listed["last_change"]) == newest, (
        f"list says {listed['last_change']}, history says {commits[0]['timestamp']}")
    ids = sorted(r["id"] for r in jsonl(lk.ok("scan", "sales", "--format", "jsonl", "--as-of", commits[0]["timestamp"])))
    assert ids == [0, 1, 2, 100], f"--as-of the newest commit's timestamp must read version 2, got ids {ids}"
    # A millisecond earlier is the version before: the timestamp is exactly the one --as-of uses.
    assert parse_time(commits[1]["timestamp"]) < newest - dt.timedelta(milliseconds=1)
    earlier = rfc3339_ms(newest - dt.timedelta(milliseconds=1))
    ids = sorted(r["id"] for r in jsonl(lk.ok("scan", "sales", "--format", "jsonl", "--as-of", earlier)))
    assert ids == [0, 1, 2], f"--as-of {earlier} must read version 1, got ids {ids}"


# --------------------------------------------------------------------------------------
# Errors that say what to do
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["count", "describe", "scan"])
def test_a_misspelled_table_suggests_the_closest(command, lk):
    lk.ok("create", "events", "--schema", "id long")
    lk.ok("create", "orders", "--schema", "id long")
    proc = lk.fails(NOT_FOUND, command, "evnts")
    assert re.search(r"did you mean '?(default\.)?events\b", proc.stderr), describe(proc)


@pytest.mark.parametrize("sep", [";", "|", "\t"], ids=["semicolon", "pipe", "tab"])
def test_a_one_column_header_suggests_delimiter(sep, lk, tmp_path):
    loc = make_sales(lk, tmp_path)
    f = write(tmp_path / "other.csv", sep.join(["id", "region", "amount"]) + "\n" + sep.join(["5", "eu", "1.00"]) + "\n")
    proc = lk.fails(RUNTIME, "append", "sales", f)
    assert "--delimiter" in proc.stderr, describe(proc)
    assert log_versions(loc) == [0, 1]


@pytest.mark.parametrize("command", ["scan", "count"])
def test_double_quoted_string_in_where_says_use_single_quotes(command, lk, tmp_path):
    make_sales(lk, tmp_path)
    proc = lk.fails(USAGE, command, "sales", "--where", 'region = "eu"')
    assert "no column 'eu'" in proc.stderr and "single quotes" in proc.stderr, describe(proc)


@pytest.mark.parametrize("given", ["x.csv", "absolute"])
def test_scanning_a_csv_file_points_to_append(given, lk, tmp_path):
    f = write(tmp_path / "x.csv", "id,region\n1,eu\n")
    proc = lk.run("scan", "x.csv" if given == "x.csv" else f)
    assert proc.returncode in (RUNTIME, USAGE), describe(proc)
    assert "is not a Parquet file or a Delta table" in proc.stderr and "lake append" in proc.stderr, describe(proc)


def test_negative_limit_is_a_usage_error(lk, tmp_path):
    make_sales(lk, tmp_path)
    proc = lk.fails(USAGE, "scan", "sales", "--limit", "-1")
    assert "--limit must be a positive integer" in proc.stderr, describe(proc)


@pytest.mark.parametrize("given", ["bad.csv", "in/bad.csv", "absolute"])
def test_error_lines_are_file_line_column_message(given, lk, tmp_path):
    make_sales(lk, tmp_path)
    f = write(tmp_path / "in" / "bad.csv", "id,region,amount\n1,eu,1.00\n2,us,lots\n")
    if given == "bad.csv":
        shutil.copy(f, tmp_path / "bad.csv")
    arg = str(f) if given == "absolute" else given
    proc = lk.fails(RUNTIME, "append", "sales", arg)
    assert any(ln.startswith(f"{arg}:3:amount:") for ln in proc.stderr.splitlines()), (
        f"no stderr line starts with {arg}:3:amount:{describe(proc)}")


# --------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------

# Choice: the brief suggests ~300k rows; a bar that waits 0.1 s before drawing never shows
# on that, nor on 1M rows (~19 MB, ~0.1 s since ingest runs near 200 MB/s), so the input is
# 4M rows (~80 MB): the bar draws with a rate and an ETA before the load is done.
BIG_ROWS = 4_000_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("everyday-big") / "big.csv"
    with path.open("w") as f:
        f.write("id,region,amount\n")
        step = 50_000
        for start in range(0, BIG_ROWS, step):
            f.write("".join(f"{i},{('eu', 'us', 'ap')[i % 3]},{i % 100000}.{i % 100:02d}\n"
                            for i in range(start, start + step)))
    return path


def _big_table(lk: Lake):
    lk.ok("create", "big", "--schema", "id long, region string, amount decimal(12,2)")


def run_with_tty_stderr(lk: Lake, *args, timeout: float = 60.0):
    """Run lake with stderr on a pty (120x40, raw: no newline translation) and stdout on a
    pipe. Returns (exit code, stderr bytes, stdout bytes, elapsed seconds)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    tty.setraw(slave)
    env = dict(lk.env, TERM="xterm-256color", COLUMNS="120")
    start = time.monotonic()
    proc = subprocess.Popen(lk.argv(*args), cwd=lk.cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    err, out = bytearray(), bytearray()
    open_fds = {master, proc.stdout.fileno()}
    try:
        while open_fds:
            if time.monotonic() - start > timeout:
                proc.kill()
                pytest.fail(f"lake {' '.join(map(str, args))} did not finish within {timeout} s")
            ready, _, _ = select.select(list(open_fds), [], [], 0.5)
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError as e:
                    if e.errno != errno.EIO:
                        raise
                    chunk = b""
                if not chunk:
                    open_fds.discard(fd)
                else:
                    (err if fd == master else out).extend(chunk)
        proc.wait(timeout=timeout)
    finally:
        os.close(master)
        proc.stdout.close()
    return proc.returncode, bytes(err), bytes(out), time.monotonic() - start


def test_progress_bar_on_a_terminal(lk, big_csv):
    _big_table(lk)
    code, err, out, elapsed = run_with_tty_stderr(lk, "append", "big", big_csv)
    shown = err.decode("utf-8", "replace")
    assert code == 0, f"exit {code}; stderr {shown[-500:]!r}"
    assert "/s" in shown and "ETA" in shown, f"no rate or ETA in the progress output: {shown[-500:]!r}"
    assert re.search(r"\d (MB|kB|KB|GB)\b", shown), f"no human units in the progress output: {shown[-500:]!r}"
    redraws = err.count(b"\r")
    assert redraws <= 10 * elapsed + 2, f"{redraws} redraws in {elapsed:.2f} s (at most 10 a second)"
    assert b"ETA" not in out, "the progress bar went to stdout"
    assert lk.count("big") == BIG_ROWS


def test_no_progress_bar_without_a_terminal(lk, big_csv):
    _big_table(lk)
    proc = lk.ok("append", "big", big_csv)
    assert proc.stderr == "", f"stderr must stay empty when it is not a terminal{describe(proc)}"
    assert "ETA" not in proc.stdout, describe(proc)


def test_no_progress_bar_with_quiet(lk, big_csv):
    _big_table(lk)
    code, err, out, _ = run_with_tty_stderr(lk, "append", "big", big_csv, "-q")
    assert code == 0, f"exit {code}; stderr {err[-500:]!r}"
    assert err == b"", f"-q on a terminal must draw no bar: {err[-300:]!r}"
    assert out == b"", f"-q must print nothing: {out[-300:]!r}"


# --------------------------------------------------------------------------------------
# Ingest inference
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("sample,scale", [(["999.99", "12.5", "0.01"], 2), (["1.125", "3.5", "70.25"], 3)],
                         ids=["scale-2", "scale-3"])
def test_infer_decimal_uses_precision_38(sample, scale, lk, tmp_path):
    f = write(tmp_path / "pay.csv", "id,amount\n" + "".join(f"{i},{v}\n" for i, v in enumerate(sample)))
    lk.ok("create", "pay", "--from", f, "--infer-decimal")
    schema = {c["name"]: c["type"] for c in lk.doc("describe", "pay")["schema"]}
    assert schema["amount"] == f"decimal(38,{scale})", schema
    assert lk.count("pay") == len(sample)
    lk.ok("append", "pay", write(tmp_path / "tomorrow.csv", "id,amount\n100,12345678.5\n"))
    assert lk.count("pay", "--where", "amount = 12345678.5") == 1
    proc = lk.ok("scan", "pay", "--format", "csv", "--columns", "amount", "--where", "id = 100")
    assert proc.stdout.splitlines()[1:] == ["12345678." + "5".ljust(scale, "0")], describe(proc)
