"""Concurrent lake processes on one warehouse.

* 8 processes each run `lake append T f.parquet` 10 times at once: every append succeeds
  (commit conflicts between blind appends are retried, never reported), the log has
  exactly 80 new versions, every row is there once, history has 81 commits, and the
  catalog agrees with the log. Readers running meanwhile always see whole commits.
* 8 processes creating 8 different tables at once all succeed; 8 processes creating the
  SAME table: exactly one wins, the others exit 1 (or 0 with --if-not-exists), and the
  table has one version 0.

Runtime is kept modest (well under a minute on 2 cores).
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import describe
from helpers import Lake, log_versions, read_commit

WORKERS = 8
APPENDS_PER_WORKER = 10
ROWS_PER_APPEND = 10
TIMEOUT_S = 120.0

# What may be in _delta_log once all writers are done: commits, checkpoints and their
# companions, and hidden files (a writer's temporary files start with '.').
LOG_ENTRY_RE = re.compile(r"\d{20}\.(json|crc|checkpoint\.parquet)|_last_checkpoint|\..*")


def _input(tmp: Path, worker: int, seq: int) -> Path:
    first = worker * 1000 + seq * ROWS_PER_APPEND
    table = pa.table({
        "id": pa.array(range(first, first + ROWS_PER_APPEND), pa.int64()),
        "worker": pa.array([worker] * ROWS_PER_APPEND, pa.int32()),
        "seq": pa.array([seq] * ROWS_PER_APPEND, pa.int32()),
        "payload": pa.array([f"w{worker}-s{seq}-{i}" for i in range(ROWS_PER_APPEND)]),
    })
    path = tmp / f"w{worker}-s{seq}.parquet"
    pq.write_table(table, path)
    return path


def test_eight_processes_append_concurrently(lake, tmp_path):
    lk = Lake(lake, tmp_path / "warehouse", timeout=TIMEOUT_S)
    lk.ok("init")
    lk.ok("create", "t", "--schema", "id long not null, worker int, seq int, payload string")
    inputs = {(w, s): _input(tmp_path, w, s) for w in range(WORKERS) for s in range(APPENDS_PER_WORKER)}
    path = lk.warehouse / "default" / "t"

    done = threading.Event()
    reader_problems: list[str] = []
    reads = [0]

    def reader():
        """Counts and scans while the writers run: always exit 0, always whole commits."""
        while not done.is_set():
            proc = lk.run("count", "t", json_output=True)
            if proc.returncode != 0:
                reader_problems.append(f"count during appends failed{describe(proc, 300)}")
                return
            n = json.loads(proc.stdout)["count"]
            if n % ROWS_PER_APPEND:
                reader_problems.append(f"count during appends saw {n} rows: not whole commits")
            proc = lk.run("scan", "t", "--columns", "id", "--format", "jsonl")
            if proc.returncode != 0:
                reader_problems.append(f"scan during appends failed{describe(proc, 300)}")
                return
            ids = [json.loads(line)["id"] for line in proc.stdout.splitlines() if line.strip()]
            if len(ids) % ROWS_PER_APPEND or len(set(ids)) != len(ids):
                reader_problems.append(f"scan during appends saw {len(ids)} rows ({len(set(ids))} distinct)")
            reads[0] += 1

    def writer(w: int):
        return [lk.run("append", "t", inputs[(w, s)], json_output=True) for s in range(APPENDS_PER_WORKER)]

    reader_thread = threading.Thread(target=reader)
    reader_thread.start()
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            results = [p for procs in pool.map(writer, range(WORKERS)) for p in procs]
    finally:
        done.set()
        reader_thread.join(timeout=TIMEOUT_S)

    failed = [p for p in results if p.returncode != 0]
    assert not failed, f"{len(failed)} of {len(results)} appends failed; first:{describe(failed[0])}"
    versions = sorted(json.loads(p.stdout)["version"] for p in results)
    assert versions == list(range(1, 81)), f"append --json versions: {versions}"
    assert log_versions(path) == list(range(81))

    total = WORKERS * APPENDS_PER_WORKER * ROWS_PER_APPEND
    # Each commit holds exactly one input (its rows: one worker, one seq).
    seen = Counter()
    for v in range(1, 81):
        actions = read_commit(path, v)
        adds = [a["add"] for a in actions if "add" in a]
        assert sum(1 for a in actions if "commitInfo" in a) == 1, f"version {v}: {actions}"
        n = sum(json.loads(a["stats"])["numRecords"] for a in adds)
        assert n == ROWS_PER_APPEND, f"version {v} adds {n} rows"
        for a in adds:
            assert (path / a["path"]).is_file(), f"version {v}: {a['path']} missing"
            seen[a["path"]] += 1
    assert all(c == 1 for c in seen.values()), "a data file was added twice"

    assert lk.count("t") == total
    proc = lk.ok("scan", "t", "--columns", "id,worker,seq", "--format", "jsonl")
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    want = Counter((w * 1000 + s * ROWS_PER_APPEND + i, w, s)
                   for w in range(WORKERS) for s in range(APPENDS_PER_WORKER) for i in range(ROWS_PER_APPEND))
    assert Counter((r["id"], r["worker"], r["seq"]) for r in rows) == want

    commits = lk.doc("history", "t")["commits"]
    assert len(commits) == 81 and [c["version"] for c in commits] == list(range(80, -1, -1))

    listed = {t["name"]: t for t in lk.doc("list")["tables"]}
    assert (listed["default.t"]["version"], listed["default.t"]["rows"]) == (80, total), listed["default.t"]
    d = lk.doc("describe", "t")
    assert (d["version"], d["rows"], d["files"]) == (80, total, len(seen)), d

    from deltalake import DeltaTable

    dtab = DeltaTable(str(path))
    assert dtab.version() == 80
    got = dtab.to_pyarrow_table(columns=["id"]).column("id").to_pylist()
    assert sorted(got) == sorted(i for i, _, _ in want)

    leftovers = [p.name for p in (path / "_delta_log").iterdir() if not LOG_ENTRY_RE.fullmatch(p.name)]
    assert not leftovers, f"unexpected files in _delta_log: {leftovers}"
    assert not reader_problems, "\n".join(reader_problems[:5])
    assert reads[0] > 0, "the reader never completed a read while the writers ran"


def test_eight_processes_create_different_tables(lake, tmp_path):
    lk = Lake(lake, tmp_path / "warehouse", timeout=TIMEOUT_S)
    lk.ok("init")
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(
            lambda i: lk.run("create", f"ns{i % 2}.t{i}", "--schema", "id long, name string", json_output=True),
            range(WORKERS)))
    failed = [p for p in results if p.returncode != 0]
    assert not failed, f"{len(failed)} creates failed; first:{describe(failed[0])}"
    listed = {t["name"]: t for t in lk.doc("list")["tables"]}
    assert set(listed) == {f"ns{i % 2}.t{i}" for i in range(WORKERS)}, sorted(listed)
    for i in range(WORKERS):
        assert log_versions(lk.warehouse / f"ns{i % 2}" / f"t{i}") == [0]
        assert listed[f"ns{i % 2}.t{i}"]["version"] == 0


def test_eight_processes_create_the_same_table(lake, tmp_path):
    lk = Lake(lake, tmp_path / "warehouse", timeout=TIMEOUT_S)
    lk.ok("init")
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda i: lk.run("create", "same", "--schema", f"id long, c{i} int"), range(WORKERS)))
    codes = sorted(p.returncode for p in results)
    assert codes == [0] + [1] * (WORKERS - 1), f"exit codes {codes}: exactly one create must win, the rest exit 1" + "".join(
        describe(p, 300) for p in results if p.returncode not in (0, 1))
    path = lk.warehouse / "default" / "same"
    assert log_versions(path) == [0]
    winner = results[[p.returncode for p in results].index(0)]
    winner_column = re.search(r"c(\d+) int", " ".join(winner.args)).group(0).split()[0]
    schema = json.loads(next(a["metaData"] for a in read_commit(path, 0) if "metaData" in a)["schemaString"])
    assert [f["name"] for f in schema["fields"]] == ["id", winner_column], "the table is not the winner's"
    listed = [t["name"] for t in lk.doc("list")["tables"]]
    assert listed == ["default.same"], listed
    assert [c["name"] for c in lk.doc("describe", "same")["schema"]] == ["id", winner_column]

    # With --if-not-exists everyone succeeds and there is still one version 0.
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(
            lambda i: lk.run("create", "again", "--schema", "id long", "--if-not-exists"), range(WORKERS)))
    failed = [p for p in results if p.returncode != 0]
    assert not failed, f"create --if-not-exists raced and failed:{describe(failed[0])}"
    assert log_versions(lk.warehouse / "default" / "again") == [0]
    assert sorted(t["name"] for t in lk.doc("list")["tables"]) == ["default.again", "default.same"]
