"""Clustering (issue 12): `lake compact --sort-by COLS` and `--zorder-by COLS` rewrite each
partition's files in that order, in files rolled at the target size, tagged with the
clustering so that a partition with nothing new is left alone. delta-rs, DuckDB and pyarrow
read the same rows; after `--zorder-by a,b` a narrow range reads no larger share of the files
than after delta-rs's own `optimize.z_order`; a sort larger than its memory spills sorted runs
and merges them in bounded memory; appends racing a clustering all land.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from helpers import live_adds, log_versions, read_commit
from test_compact import SCHEMA, deltars_ids, duck_ids, lake_rows, small_appends

USAGE = 2


def commit_info(table: Path, version: int) -> dict:
    return next(a["commitInfo"] for a in read_commit(table, version) if "commitInfo" in a)


def file_column(table: Path, path: str, column: str) -> list:
    return pq.read_table(table / path, columns=[column]).column(column).to_pylist()


def test_sort_by_orders_each_partition_and_every_reader_agrees(lk, tmp_path, duckdb_con):
    lk.ok("create", "t", "--schema", SCHEMA, "--partition-by", "region")
    table = small_appends(lk, tmp_path, 12, per=40)
    before = {v: lake_rows(lk, "t", v) for v in range(0, 13)}
    doc = lk.doc("compact", "t", "--sort-by", "v,id", "--target-size", "4KB")
    assert doc["clustering"] == "sort(v,id)" and doc["versions"] == [13] and doc["partitions"] == 4, doc
    adds = live_adds(table)
    assert doc["files_added"] == len(adds) > 4, doc  # several files per partition at this target
    # Same rows for every reader, now and at every earlier version.
    assert lake_rows(lk, "t") == before[12]
    ids = sorted(i for i in range(480))
    assert duck_ids(duckdb_con, table) == ids and deltars_ids(table) == ids
    for v in (1, 6, 12):
        assert lake_rows(lk, "t", v) == before[v]
        assert duck_ids(duckdb_con, table, v) == deltars_ids(table, v)
    # Each file is in order, and the files of a partition cover consecutive stretches of it.
    by_partition: dict[str, list[tuple]] = {}
    for path, add in adds.items():
        assert add["tags"] == {"lake.clustering": "sort(v,id)"} and add["dataChange"] is False, add
        keys = list(zip(file_column(table, path, "v"), file_column(table, path, "id")))
        assert keys == sorted(keys, key=lambda k: (k[0] is not None, k)), path  # nulls first
        by_partition.setdefault(str(add["partitionValues"].get("region")), []).append((keys[0], keys[-1]))
    for spans in by_partition.values():
        spans.sort(key=lambda s: (s[0][0] is not None, s[0]))
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert (end[0] is not None, end) <= (start[0] is not None, start), spans
    info = commit_info(table, 13)
    assert info["operation"] == "OPTIMIZE" and info["operationParameters"]["sortBy"] == '["v","id"]', info
    assert info["operationParameters"]["zOrderBy"] == "[]", info

    # Nothing new: the second run rewrites nothing and commits nothing.
    again = lk.doc("compact", "t", "--sort-by", "v,id", "--target-size", "4KB")
    assert again["bins"] == 0 and again["versions"] == [] and log_versions(table)[-1] == 13, again
    assert "already ordered" in lk.ok("compact", "t", "--sort-by", "v,id").stdout
    # A plain compaction leaves clustered files to the clustering.
    assert lk.doc("compact", "t")["bins"] == 0

    # An append to one partition: only that partition is clustered again.
    extra = tmp_path / "eu.json"
    extra.write_text(json.dumps({"id": 1000, "region": "eu", "v": 0.25}) + "\n")
    lk.ok("append", "t", extra)
    eu_files = {p for p, a in live_adds(table).items() if a["partitionValues"].get("region") == "eu"}
    third = lk.doc("compact", "t", "--sort-by", "v,id", "--target-size", "4KB")
    assert third["partitions"] == 1 and third["files_removed"] == len(eu_files), third
    removed = {a["remove"]["path"] for a in read_commit(table, third["version"]) if "remove" in a}
    assert {p.split("/", 1)[1] for p in removed} == {p.split("/", 1)[1] for p in eu_files}
    assert sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}')").fetchall()) == ids + [1000]


def random_table(path: Path, files: int, rows: int, seed: int = 11) -> None:
    """A delta-rs table of `files` appends of uniformly random a (long) and b (double)."""
    rng = np.random.default_rng(seed)
    for _ in range(files):
        write_deltalake(str(path), pa.table({
            "a": pa.array(rng.integers(0, 1_000_000, rows), pa.int64()),
            "b": pa.array(rng.random(rows) * 1000.0),
        }), mode="append")


def share_read(table: Path, column: str, ranges: list[tuple[float, float]]) -> tuple[float, int]:
    """The mean share of live files whose statistics overlap each range of `column`."""
    actions = pa.table(DeltaTable(str(table)).get_add_actions(flatten=True)).to_pylist()
    shares = [sum(1 for f in actions if f[f"min.{column}"] <= hi and f[f"max.{column}"] >= lo) / len(actions)
              for lo, hi in ranges]
    return sum(shares) / len(shares), len(actions)


def test_zorder_skips_at_least_as_well_as_deltars(lk, tmp_path, duckdb_con):
    original = tmp_path / "original"
    random_table(original, files=30, rows=4000)
    ours, theirs = tmp_path / "lake", tmp_path / "deltars"
    shutil.copytree(original, ours)
    shutil.copytree(original, theirs)
    DeltaTable(str(theirs)).optimize.z_order(["a", "b"], target_size=128 * 1024)
    doc = lk.doc("compact", ours, "--zorder-by", "a,b", "--target-size", "128KB")
    assert doc["clustering"] == "zorder(a,b)" and doc["files_removed"] == 30, doc

    b_ranges = [(x, x + 10.0) for x in (50.0, 250.0, 480.0, 700.0, 930.0)]
    a_ranges = [(x, x + 10_000) for x in (40_000, 310_000, 555_000, 800_000)]
    lake_b, lake_files = share_read(ours, "b", b_ranges)
    theirs_b, their_files = share_read(theirs, "b", b_ranges)
    lake_a, _ = share_read(ours, "a", a_ranges)
    theirs_a, _ = share_read(theirs, "a", a_ranges)
    print(f"files after: lake {lake_files}, delta-rs {their_files}; share read on b: lake {lake_b:.3f}, "
          f"delta-rs {theirs_b:.3f}; on a: lake {lake_a:.3f}, delta-rs {theirs_a:.3f}")
    # Comparable layouts (neither wins by writing one big file), and lake skips at least as well.
    assert their_files / 2 <= lake_files <= their_files * 2, (lake_files, their_files)
    assert lake_b <= theirs_b and lake_a <= theirs_a, (lake_b, theirs_b, lake_a, theirs_a)
    assert lake_b < 0.5 and lake_a < 0.5

    # The same rows for every reader, and a range query agrees.
    def sums(sql_table):
        return duckdb_con.execute(f"SELECT count(*), sum(a), sum(b)::DECIMAL(20,3) FROM {sql_table}").fetchone()
    assert sums(f"delta_scan('{ours}')") == sums(f"delta_scan('{original}')")
    where = "b >= 250 AND b < 260"
    assert (duckdb_con.execute(f"SELECT count(*) FROM delta_scan('{ours}') WHERE {where}").fetchone()
            == duckdb_con.execute(f"SELECT count(*) FROM delta_scan('{original}') WHERE {where}").fetchone())
    assert lk.count(ours, "--where", "b >= 250 and b < 260") == DeltaTable(str(original)).to_pyarrow_table().filter(
        (pa.compute.field("b") >= 250) & (pa.compute.field("b") < 260)).num_rows

    version = doc["version"]
    info = commit_info(ours, version)
    assert info["operationParameters"]["zOrderBy"] == '["a","b"]' and "sortBy" not in info["operationParameters"]
    assert all(a.get("tags") == {"lake.clustering": "zorder(a,b)"} for a in live_adds(ours).values())
    # Idempotent: nothing new, nothing rewritten (delta-rs rewrites everything every run).
    assert lk.doc("compact", ours, "--zorder-by", "a,b", "--target-size", "128KB")["versions"] == []
    # Another order is another clustering: it rewrites.
    assert lk.doc("compact", ours, "--zorder-by", "b,a", "--target-size", "128KB")["files_removed"] == lake_files


# Runs argv[2:] and writes its peak RSS (KiB) to argv[1]. A child's ru_maxrss starts from its
# parent's resident size at fork, so lake is started from this small process, not from pytest.
LAUNCHER = """import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def peak_rss_kib(argv: list, env: dict, scratch: Path) -> tuple[int, subprocess.CompletedProcess]:
    """Runs `argv` and returns its own peak RSS (KiB) and its outcome."""
    rss = scratch.with_suffix(".rss")
    proc = subprocess.run([sys.executable, "-c", LAUNCHER, str(rss), *map(str, argv)], env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=300)
    return int(rss.read_text()), proc


def test_sort_larger_than_memory_spills_and_stays_bounded(lk, tmp_path):
    original = tmp_path / "original"
    rng = np.random.default_rng(5)
    for _ in range(12):
        n = 100_000
        write_deltalake(str(original), pa.table({
            "k": pa.array(rng.integers(-10**12, 10**12, n), pa.int64()),
            "s": pa.array([f"row-{x}" for x in rng.integers(0, 10**9, n)]),
            "v": pa.array(rng.random(n)),
        }), mode="append")
    expected = DeltaTable(str(original)).to_pyarrow_table().sort_by([("k", "ascending"), ("s", "ascending")])
    results = {}
    for name, memory in (("spilled", "8MB"), ("in_memory", "1GB")):
        copy = tmp_path / name
        shutil.copytree(original, copy)
        rss, proc = peak_rss_kib(lk.argv("compact", copy, "--sort-by", "k,s", "--sort-memory", memory, "--json"), lk.env,
                                 tmp_path / name)
        assert proc.returncode == 0, proc.stderr
        results[name] = (rss, json.loads(proc.stdout), copy)
    spilled_rss, spilled, copy = results["spilled"]
    memory_rss, in_memory, _ = results["in_memory"]
    print(f"peak RSS: spilled {spilled_rss / 1024:.0f} MiB ({spilled['sort_runs_spilled']} runs), "
          f"in memory {memory_rss / 1024:.0f} MiB")
    assert spilled["sort_runs_spilled"] >= 3 and in_memory["sort_runs_spilled"] == 0, (spilled, in_memory)
    # The merge holds a row group per run, not the partition.
    assert spilled_rss < memory_rss * 0.7, (spilled_rss, memory_rss)
    # The rows, in order, all there; no run file is left behind.
    files = sorted(live_adds(copy).values(), key=lambda a: a["path"])
    got = pa.concat_tables(pq.read_table(copy / a["path"]) for a in files)
    assert got.num_rows == expected.num_rows
    keys = list(zip(got.column("k").to_pylist(), got.column("s").to_pylist()))
    assert keys == sorted(keys)
    assert got.sort_by([("k", "ascending"), ("s", "ascending")]).equals(expected.select(got.column_names))
    assert not [p for p in os.listdir(copy) if "lake-sort" in p]


def test_runs_of_a_killed_sort_are_removed_by_vacuum(lk, tmp_path):
    lk.ok("create", "t", "--schema", "id long")
    table = Path(lk.doc("describe", "t")["location"])
    run = table / ".lake-sort-0b7c4a52-1b6e-4d7a-9d3e-4ad1b0c0ffee-0.parquet.4242.17.tmp"
    writing = table / f".{run.name}.4242.99.tmp"
    for path in (run, writing):
        path.write_bytes(b"PAR1")
        old = time.time() - 8 * 86400
        os.utime(path, (old, old))
    doc = lk.doc("vacuum", "t")
    assert not run.exists() and not writing.exists(), doc


def test_appends_racing_a_zorder_all_land(lk, tmp_path, duckdb_con):
    lk.ok("create", "t", "--schema", "id long, x double")
    for k in range(6):
        f = tmp_path / f"in-{k}.csv"
        f.write_text("id,x\n" + "".join(f"{i},{(i * 7919) % 1000}\n" for i in range(k * 500, (k + 1) * 500)))
        lk.ok("append", "t", f)
    table = Path(lk.doc("describe", "t")["location"])
    errors: list[str] = []

    def append_more():
        for k in range(6, 12):
            f = tmp_path / f"in-{k}.csv"
            f.write_text("id,x\n" + "".join(f"{i},{i % 1000}\n" for i in range(k * 500, (k + 1) * 500)))
            proc = lk.run("append", "t", f)
            if proc.returncode != 0:
                errors.append(proc.stderr)

    writer = threading.Thread(target=append_more)
    writer.start()
    for _ in range(4):
        proc = lk.run("compact", "t", "--zorder-by", "id,x", "--target-size", "16KB")
        assert proc.returncode == 0, proc.stderr
    writer.join()
    assert not errors, errors
    expected = list(range(6000))
    assert duck_ids(duckdb_con, table) == expected and deltars_ids(table) == expected
    assert lk.count("t") == 6000


def test_clustering_usage_errors(lk, tmp_path):
    lk.ok("create", "t", "--schema", SCHEMA, "--partition-by", "region")
    table = small_appends(lk, tmp_path, 2)
    lk.fails(USAGE, "compact", "t", "--sort-by", "id", "--zorder-by", "v", words=["exclude"])
    lk.fails(USAGE, "compact", "t", "--zorder-by", "region,id", words=["partition column"])
    lk.fails(USAGE, "compact", "t", "--sort-by", "nope", words=["no column"])
    lk.fails(USAGE, "compact", "t", "--zorder-by", "s", words=["primitive"])
    lk.fails(USAGE, "compact", "t", "--zorder-by", "id,id", words=["twice"])
    lk.fails(USAGE, "compact", "t", "--sort-memory", "1MB", words=["only with"])
    lk.fails(USAGE, "compact", "t", "--sort-by", " , ", words=["columns"])
    # Nothing was written by any of them.
    assert log_versions(table) == [0, 1, 2]
