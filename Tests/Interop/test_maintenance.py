"""Checkpoints (issue 11): lake writes classic Parquet checkpoints every
`delta.checkpointInterval` versions (10 by default) and on `lake checkpoint`, with a
`_last_checkpoint` whose checksum follows PROTOCOL.md, typed `stats_parsed` and
`partitionValues_parsed`; delta-rs and DuckDB read every version through them, also once the
commits before a checkpoint are gone. Lake reads every kind of checkpoint others write: V2 with
sidecars, multi-part (and ignores a set with a part missing), and a stale, missing or corrupt
`_last_checkpoint`. Vacuum and log cleanup are in test_vacuum.py.
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


# --- Reading every kind of checkpoint (issue 11, second part) ---------------------------------

from conftest import DELTA_TABLES  # noqa: E402


def lake_ids_at(lk: Lake, table, version: int | None = None, column: str = "id") -> list:
    args = ["scan", str(table), "--format", "json"] + (["--version", str(version)] if version is not None else [])
    return sorted(r[column] for r in json.loads(lk.ok(*args).stdout))


def test_v2_checkpoints_with_sidecars_read_as_duckdb_reads_them(lk, duckdb_con):
    """`checkpoint-v2-table` (Spark): UUID-named JSON checkpoints at 6 and 8 whose files sit in
    `_delta_log/_sidecars`. delta-rs 1.6.6 refuses the v2Checkpoint feature; DuckDB judges."""
    table = DELTA_TABLES / "checkpoint-v2-table"
    assert sorted(p.name[:20] for p in (table / "_delta_log").glob("*.checkpoint.*.json")) == [f"{6:020d}", f"{8:020d}"]
    for version in [None, *range(0, 10)]:
        at = "" if version is None else f", version => {version}"
        duck = sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}'{at})").fetchall())
        assert lake_ids_at(lk, table, version) == duck, version
    assert lk.doc("count", str(table))["count"] == 44


def test_a_copy_read_from_its_v2_checkpoint_alone(lk, tmp_path, duckdb_con):
    """With the commits before 8 gone, only the V2 checkpoint and its sidecar can answer."""
    import shutil
    table = tmp_path / "v2"
    shutil.copytree(DELTA_TABLES / "checkpoint-v2-table", table)
    for p in table.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    for v in range(0, 8):
        (table / "_delta_log" / f"{v:020d}.json").unlink()
    duck = sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}')").fetchall())
    assert lake_ids_at(lk, table) == duck and len(duck) == 44
    lk.fails(NOT_FOUND, "scan", str(table), "--version", "5", words=["no longer in the log (oldest: 8)"])
    # A sidecar that is missing is an error naming it, never a smaller table.
    for sidecar in (table / "_delta_log" / "_sidecars").glob(f"{8:020d}.*"):
        sidecar.unlink()
    proc = lk.run("count", str(table))
    assert proc.returncode != 0 and "_sidecars" in proc.stderr, describe(proc)


@pytest.mark.parametrize("fixture", ["table_failed_last_checkpoint_update", "latest_not_checkpointed",
                                     "with_checkpoint_no_last_checkpoint"])
def test_a_stale_or_missing_last_checkpoint_is_only_a_hint(lk, fixture):
    """`_last_checkpoint` naming an older checkpoint (a failed update), none at all, or one that
    is behind the latest commit: the listing decides, as delta-rs does."""
    table = DELTA_TABLES / fixture
    dt = DeltaTable(str(table))
    rows = sum(a for a in dt.get_add_actions(flatten=True).column("num_records").to_pylist())
    assert lk.doc("count", str(table))["count"] == rows
    assert lk.doc("describe", str(table))["version"] == dt.version()


def test_a_corrupt_or_wrong_last_checkpoint_changes_nothing(lk, tmp_path, duckdb_con):
    table = appended_table(lk, tmp_path, 12)
    expected = lake_ids_at(lk, "t")
    hint = table / "_delta_log" / "_last_checkpoint"
    for text in ["not json", '{"version": 99, "size": 1}', '{"version": 3}', ""]:
        hint.write_text(text)
        assert lake_ids_at(lk, "t") == expected, text
        assert lk.doc("count", "t")["count"] == 24
    duck = sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}')").fetchall())
    assert duck == expected


def split_into_parts(checkpoint: Path, parts: int) -> list[Path]:
    """A multi-part checkpoint made from a classic one: the same rows, `parts` files."""
    rows = pq.read_table(checkpoint)
    version = int(checkpoint.name[:20])
    out = []
    step = (rows.num_rows + parts - 1) // parts
    for k in range(parts):
        path = checkpoint.parent / f"{version:020d}.checkpoint.{k + 1:010d}.{parts:010d}.parquet"
        pq.write_table(rows.slice(k * step, step), path)
        out.append(path)
    checkpoint.unlink()
    return out


def test_multi_part_checkpoints_and_a_part_missing(lk, tmp_path, duckdb_con):
    table = appended_table(lk, tmp_path, 13)
    log = table / "_delta_log"
    parts = split_into_parts(log / f"{10:020d}.checkpoint.parquet", 3)
    (log / "_last_checkpoint").unlink()
    for v in range(0, 10):
        (log / f"{v:020d}.json").unlink()
    expected = sorted(list(range(1, 14)) + [1000 + v for v in range(1, 14)])
    assert lake_ids_at(lk, "t") == expected
    assert sorted(DeltaTable(str(table)).to_pyarrow_table().column("id").to_pylist()) == expected
    assert duck_ids(duckdb_con, table, 13) == expected
    # A set with a part missing is no checkpoint: without the commits, version 10 is gone.
    parts[1].unlink()
    lk.fails(NOT_FOUND, "scan", "t", "--version", "11", words=["version 11"])


def test_an_incomplete_multi_part_set_falls_back_to_the_commits(lk, tmp_path, duckdb_con):
    table = appended_table(lk, tmp_path, 12)
    log = table / "_delta_log"
    parts = split_into_parts(log / f"{10:020d}.checkpoint.parquet", 2)
    parts[0].unlink()
    expected = sorted(list(range(1, 13)) + [1000 + v for v in range(1, 13)])
    # `_last_checkpoint` still names version 10: lake treats it as the hint it is. delta-rs and
    # DuckDB (both on delta-kernel) refuse "a _last_checkpoint hint but no checkpoint"; without
    # the hint they agree.
    assert lake_ids_at(lk, "t") == expected
    (log / "_last_checkpoint").unlink()
    assert sorted(DeltaTable(str(table)).to_pyarrow_table().column("id").to_pylist()) == expected
    assert duck_ids(duckdb_con, table, 12) == expected == lake_ids_at(lk, "t")


def test_checkpoints_carry_typed_stats_and_partition_values(lk, tmp_path, duckdb_con):
    """stats_parsed and partitionValues_parsed follow the table schema, as Spark writes them;
    with `delta.checkpoint.writeStatsAsJson=false` the text goes, and every reader still gets
    the statistics from the struct."""
    table = appended_table(lk, tmp_path, 10, "--property", "delta.checkpoint.writeStatsAsJson=false")
    cp = pq.read_table(table / "_delta_log" / f"{10:020d}.checkpoint.parquet")
    add_type = cp.schema.field("add").type
    names = [add_type.field(i).name for i in range(add_type.num_fields)]
    assert "stats" not in names and "stats_parsed" in names and "partitionValues_parsed" in names, names
    stats_type = add_type.field("stats_parsed").type
    assert str(stats_type.field("minValues").type) == "struct<id: int64, d: date32[day], amount: decimal128(10, 2)>"
    assert str(stats_type.field("nullCount").type) == "struct<id: int64, d: int64, amount: int64>"
    adds = [r["add"] for r in cp.to_pylist() if r["add"]]
    one = next(a for a in adds if a["stats_parsed"]["minValues"]["id"] == 4)
    assert str(one["stats_parsed"]["maxValues"]["amount"]) == "4.25" and one["partitionValues_parsed"] == {"p": "p1"}
    nulls = next(a for a in adds if a["stats_parsed"]["minValues"]["id"] == 1004)
    assert nulls["stats_parsed"]["nullCount"]["amount"] == 1 and nulls["partitionValues_parsed"] == {"p": None}
    for v in range(0, 10):
        (table / "_delta_log" / f"{v:020d}.json").unlink()
    expected = sorted(list(range(1, 11)) + [1000 + v for v in range(1, 11)])
    assert lake_ids_at(lk, "t") == expected == duck_ids(duckdb_con, table, 10)
    assert sorted(DeltaTable(str(table)).to_pyarrow_table().column("id").to_pylist()) == expected
    # Counts and data skipping from the parsed statistics alone.
    assert lk.doc("count", "t")["count"] == 20
    plan = lk.ok("scan", "t", "--where", "id = 4", "--explain").stdout
    assert "20 total, 0 pruned by partition, 19 skipped by stats, 1 to read" in plan, plan
    assert json.loads(lk.ok("scan", "t", "--where", "id = 4", "--format", "json").stdout) == [
        {"id": 4, "p": "p1", "d": "2026-01-05", "amount": 4.25}]
