"""Checkpoints (issue 11, first part): lake writes classic Parquet checkpoints every
`delta.checkpointInterval` versions (10 by default) and on `lake checkpoint`, with a
`_last_checkpoint` whose checksum follows PROTOCOL.md; delta-rs and DuckDB read every version
through them, also once the commits before a checkpoint are gone.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from conftest import describe
from helpers import Lake, log_versions

NOT_FOUND = 4


def protocol_checksum(doc: dict) -> str:
    """PROTOCOL.md "JSON checksum", written from the spec (not from lake's code)."""
    pairs = []

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                if not path and k == "checksum":
                    continue
                walk(v, path + ['"' + quote(k, safe="-._~") + '"'])
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, path + [str(i)])
        elif isinstance(value, str):
            pairs.append(("+".join(path), '"' + quote(value, safe="-._~") + '"'))
        elif isinstance(value, bool):
            pairs.append(("+".join(path), "true" if value else "false"))
        elif value is None:
            pairs.append(("+".join(path), "null"))
        else:
            pairs.append(("+".join(path), json.dumps(value)))

    walk(doc, [])
    canonical = ",".join(f"{p}={v}" for p, v in sorted(pairs, key=lambda pv: pv[0].encode()))
    return hashlib.md5(canonical.encode()).hexdigest()


def test_the_checksum_helper_matches_the_protocols_vector():
    doc = json.loads('{"k0":"\'v 0\'", "checksum": "adsaskfljadfkjadfkj", "k1":{"k2": 2, "k3": ["v3", [1, 2], '
                     '{"k4": "v4", "k5": ["v5", "v6", "v7"]}]}}')
    assert protocol_checksum(doc) == "6a92d155a59bf2eecbd4b4ec7fd1f875"


def appended_table(lk: Lake, tmp: Path, versions: int, *extra) -> Path:
    lk.ok("create", "t", "--schema", "id long, p string, d date, amount decimal(10,2)", "--partition-by", "p", *extra)
    for v in range(1, versions + 1):
        f = tmp / f"in-{v}.csv"
        f.write_text(f"id,p,d,amount\n{v},p{v % 3},2026-01-{v % 28 + 1:02d},{v}.25\n{1000 + v},,2026-02-01,\n")
        lk.ok("append", "t", f)
    return Path(lk.doc("describe", "t")["location"])


def ids_by_lake(lk: Lake, table, version: int) -> list[int]:
    return sorted(r["id"] for r in json.loads(lk.ok("scan", table, "--version", str(version), "--format", "json").stdout))


def duck_ids(duckdb_con, table: Path, version: int) -> list[int]:
    return sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}', version => {version})").fetchall())


def checkpoint_versions(table: Path) -> list[int]:
    return sorted(int(p.name[:20]) for p in (table / "_delta_log").glob("*.checkpoint.parquet"))


def test_checkpoints_every_ten_versions_and_peers_read_every_version(lk, tmp_path, duckdb_con):
    table = appended_table(lk, tmp_path, 25)
    assert checkpoint_versions(table) == [10, 20]
    hint = json.loads((table / "_delta_log" / "_last_checkpoint").read_text())
    assert hint["version"] == 20 and hint["numOfAddFiles"] == 40, hint
    assert hint["checksum"] == protocol_checksum(hint), hint
    assert hint["sizeInBytes"] == (table / "_delta_log" / f"{20:020d}.checkpoint.parquet").stat().st_size
    for version in range(0, 26):
        expected = sorted([v for v in range(1, version + 1)] + [1000 + v for v in range(1, version + 1)])
        assert ids_by_lake(lk, "t", version) == expected, version
        assert sorted(DeltaTable(str(table), version=version).to_pyarrow_table().column("id").to_pylist()) == expected, version
        assert duck_ids(duckdb_con, table, version) == expected, version
    # Null partitions and typed values survive the checkpoint.
    nulls = duckdb_con.execute(f"SELECT count(*) FROM delta_scan('{table}') WHERE p IS NULL").fetchone()[0]
    assert nulls == 25 == lk.doc("count", "t", "--where", "p IS NULL")["count"]
    got = duckdb_con.execute(f"SELECT sum(amount), min(d) FROM delta_scan('{table}', version => 20)").fetchone()
    assert str(got[0]) == str(sum(v + 0.25 for v in range(1, 21))) or float(got[0]) == sum(v + 0.25 for v in range(1, 21)), got


def test_the_checkpoint_holds_what_the_protocol_asks(lk, tmp_path):
    table = appended_table(lk, tmp_path, 10)
    cp = pq.read_table(table / "_delta_log" / f"{10:020d}.checkpoint.parquet").to_pylist()
    kinds = [next(k for k, v in row.items() if v is not None) for row in cp]
    assert kinds.count("protocol") == 1 and kinds.count("metaData") == 1 and kinds.count("add") == 20, kinds
    adds = [r["add"] for r in cp if r["add"] is not None]
    assert all(json.loads(a["stats"])["numRecords"] == 1 for a in adds)
    assert {dict(a["partitionValues"]).get("p") for a in adds} == {"p0", "p1", "p2", None}
    meta = next(r["metaData"] for r in cp if r["metaData"])
    assert meta["partitionColumns"] == ["p"] and json.loads(meta["schemaString"])["type"] == "struct"


def test_removes_in_a_checkpoint_are_tombstones_without_stats(lk, tmp_path, duckdb_con):
    table = appended_table(lk, tmp_path, 3)
    # delta-rs rewrites the table: its removes are tombstones lake's checkpoint must keep.
    write_deltalake(str(table), pa.table({"id": pa.array([7], pa.int64()), "p": pa.array(["p1"]),
                                          "d": pa.array([None], pa.date32()),
                                          "amount": pa.array([None], pa.decimal128(10, 2))}),
                    mode="overwrite", partition_by=["p"])
    doc = lk.doc("checkpoint", "t")
    assert doc["written"] is True and doc["version"] == 4 and doc["files"] == 1, doc
    cp = pq.read_table(table / "_delta_log" / f"{4:020d}.checkpoint.parquet").to_pylist()
    removes = [r["remove"] for r in cp if r["remove"] is not None]
    assert len(removes) == 6 and all("stats" not in r for r in removes), removes
    assert all(r["deletionTimestamp"] and r["dataChange"] is True for r in removes), removes
    assert lk.doc("checkpoint", "t")["written"] is False  # never over an existing checkpoint
    assert DeltaTable(str(table)).to_pyarrow_table().column("id").to_pylist() == [7]
    assert duck_ids(duckdb_con, table, 4) == [7] == ids_by_lake(lk, "t", 4)


def test_a_checkpoint_alone_rebuilds_the_table_once_older_commits_are_gone(lk, tmp_path, duckdb_con):
    table = appended_table(lk, tmp_path, 23)
    for v in range(0, 20):
        (table / "_delta_log" / f"{v:020d}.json").unlink()
    (table / "_delta_log" / f"{10:020d}.checkpoint.parquet").unlink()
    for version in (20, 21, 23):
        expected = sorted(list(range(1, version + 1)) + [1000 + v for v in range(1, version + 1)])
        assert ids_by_lake(lk, "t", version) == expected
        assert sorted(DeltaTable(str(table), version=version).to_pyarrow_table().column("id").to_pylist()) == expected
        assert duck_ids(duckdb_con, table, version) == expected
    lk.fails(NOT_FOUND, "scan", "t", "--version", "5", words=["version 5 is no longer in the log (oldest: 20)"])
    lk.ok("append", "t", tmp_path / "in-1.csv")
    assert lk.doc("count", "t")["count"] == 48


def test_the_interval_is_the_tables_property(lk, tmp_path):
    table = appended_table(lk, tmp_path, 7, "--property", "delta.checkpointInterval=3")
    assert checkpoint_versions(table) == [3, 6]
    assert log_versions(table) == list(range(8))


def test_lake_checkpoint_on_demand(lk, tmp_path, duckdb_con):
    table = appended_table(lk, tmp_path, 2)
    proc = lk.ok("checkpoint", "t")
    assert "checkpointed default.t at version 2" in proc.stdout, describe(proc)
    assert checkpoint_versions(table) == [2]
    assert duck_ids(duckdb_con, table, 2) == [1, 2, 1001, 1002]
    assert json.loads((table / "_delta_log" / "_last_checkpoint").read_text())["version"] == 2


def test_checkpoints_race_appenders(lk, tmp_path, duckdb_con):
    """Appenders commit (and write due checkpoints) while `lake checkpoint` runs again and
    again beside them: every append lands, no checkpoint is half written or replaced, and
    delta-rs and DuckDB read every version equal to lake."""
    import threading

    lk.ok("create", "t", "--schema", "id long")
    table = Path(lk.doc("describe", "t")["location"])
    stop = threading.Event()
    codes: list[int] = []

    def appender(k: int):
        for i in range(8):
            f = tmp_path / f"a{k}-{i}.csv"
            f.write_text(f"id\n{k * 100 + i}\n")
            codes.append(lk.run("append", "t", f).returncode)

    def checkpointer():
        while not stop.is_set():
            codes.append(lk.run("checkpoint", "t").returncode)

    threads = [threading.Thread(target=appender, args=(k,)) for k in range(3)]
    cp = threading.Thread(target=checkpointer)
    cp.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    cp.join()
    assert set(codes) == {0}, codes
    assert log_versions(table) == list(range(25))
    assert not [p for p in (table / "_delta_log").iterdir() if p.name.endswith(".tmp")]
    expected = sorted(k * 100 + i for k in range(3) for i in range(8))
    for version in range(1, 25):
        lake_ids = ids_by_lake(lk, "t", version)
        assert len(lake_ids) == version
        assert sorted(DeltaTable(str(table), version=version).to_pyarrow_table().column("id").to_pylist()) == lake_ids
        assert duck_ids(duckdb_con, table, version) == lake_ids
    assert ids_by_lake(lk, "t", 24) == expected
    assert 10 in checkpoint_versions(table) and 20 in checkpoint_versions(table)
