"""The Change Data Feed (issue 15): `lake changes` reads what each commit changed, and lake's
delete, update, merge and overwrite --where write `cdc` change data when the table sets
`delta.enableChangeDataFeed`. delta-rs `load_cdf` is the judge: it reads lake's change data
row for row, and lake reads what delta-rs and Spark (the fixtures) wrote, as delta-rs does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from conftest import DELTA_TABLES
from helpers import Decoy, read_commit

CDF = ("--property", "delta.enableChangeDataFeed=true")
SCHEMA = "id long, name string, amount double, day date, region string"


def canon(rows) -> list[str]:
    """Rows as sorted JSON texts, `_commit_timestamp` left out (compared on its own)."""
    def value(v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, (dt.date, dt.datetime)):
            return v.isoformat()
        return str(v)
    return sorted(json.dumps({k: value(v) for k, v in r.items() if k != "_commit_timestamp"}, sort_keys=True) for r in rows)


def lake_changes(lk, table, *args) -> list[dict]:
    out = lk.ok("changes", table, "--format", "jsonl", *args).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def deltars_changes(path, start: int, end: int | None = None) -> list[dict]:
    reader = DeltaTable(str(path)).load_cdf(starting_version=start, ending_version=end)
    return pa.table(reader.read_all()).to_pylist()


def commit_times(rows) -> dict[int, str]:
    return {r["_commit_version"]: r["_commit_timestamp"] for r in rows}


def location(lk, table) -> Path:
    return Path(lk.doc("describe", table)["location"])


def csv(tmp_path, name, lines) -> Path:
    path = tmp_path / name
    path.write_text("id,name,amount,day,region\n" + "".join(line + "\n" for line in lines))
    return path


def cdf_table(lk, tmp_path, rows: str) -> None:
    """Table `t` (id long, v string) recording change data, with the CSV text `rows`
    appended at version 1."""
    lk.ok("create", "t", "--schema", "id long, v string", *CDF)
    path = tmp_path / "seed.csv"
    path.write_text(rows)
    lk.ok("append", "t", path)


def run_every_operation(lk, tmp_path, table: str) -> None:
    """append, delete (rewrite), update, merge, overwrite --where, delete of a whole
    partition, compact: versions 1-7 of a table created with CDF on."""
    lk.ok("append", table, csv(tmp_path, "a.csv", [
        "1,a,1.5,2026-01-01,eu", "2,b,2.5,2026-01-02,eu", "3,c,3.5,2026-01-03,us",
        "4,d,,2026-01-04,us", "5,e,5.5,2026-01-05,ap", "6,f,6.5,,ap"]))
    lk.ok("delete", table, "--where", "id = 2")
    lk.ok("update", table, "--set", "amount = amount * 10, name = 'upd'", "--where", "region = 'us'")
    lk.ok("merge", table, csv(tmp_path, "m.csv", ["1,A,100,2026-02-01,eu", "9,z,9,2026-02-09,eu", "3,C,33,2026-02-03,us"]),
          "--on", "id")
    lk.ok("overwrite", table, csv(tmp_path, "o.csv", ["7,x,7,2026-03-07,ap"]), "--where", "region = 'ap'")
    lk.ok("delete", table, "--where", "region = 'us'")
    lk.ok("compact", table)


@pytest.mark.parametrize("layout", ["plain", "partitioned", "deletion_vectors"])
def test_delta_rs_reads_lakes_change_data_row_for_row(lk, tmp_path, layout, duckdb_con):
    args = ["--partition-by", "region"] if layout == "partitioned" else []
    if layout == "deletion_vectors":
        args += ["--property", "delta.enableDeletionVectors=true"]
    lk.ok("create", "t", "--schema", SCHEMA, *CDF, *args)
    table = location(lk, "t")
    protocol = next(a["protocol"] for a in read_commit(table, 0) if "protocol" in a)
    assert protocol["minWriterVersion"] >= 4 and ("changeDataFeed" in protocol.get("writerFeatures", ["changeDataFeed"]))
    run_every_operation(lk, tmp_path, "t")
    mine = lake_changes(lk, "t", "--from-version", "1")
    theirs = deltars_changes(table, 1)
    assert canon(mine) == canon(theirs)
    # What each operation recorded, by version.
    kinds = {}
    for r in mine:
        kinds.setdefault(r["_commit_version"], []).append((r["_change_type"], r["id"]))
    assert sorted(kinds[1]) == [("insert", i) for i in range(1, 7)]
    assert kinds[2] == [("delete", 2)]
    assert sorted(kinds[3]) == [("update_postimage", 3), ("update_postimage", 4), ("update_preimage", 3), ("update_preimage", 4)]
    assert sorted(kinds[4]) == [("insert", 9), ("update_postimage", 1), ("update_postimage", 3),
                                ("update_preimage", 1), ("update_preimage", 3)]
    assert sorted(kinds[5]) == [("delete", 5), ("delete", 6), ("insert", 7)]
    assert sorted(kinds[6]) == [("delete", 3), ("delete", 4)]
    assert 7 not in kinds  # compaction changes no row
    post = {r["id"]: r for r in mine if r["_change_type"] == "update_postimage" and r["_commit_version"] == 3}
    assert post[3]["amount"] == 35.0 and post[4]["amount"] is None and post[3]["name"] == "upd"
    # The commits that copied rows carry cdc actions; a delete of whole files (6, when
    # partitioned) needs none: readers derive it from the removes.
    for version in (2, 3, 4, 5):
        assert any("cdc" in a for a in read_commit(table, version)), version
    cdc_files = [a["cdc"] for a in read_commit(table, 5) if "cdc" in a]
    assert all(c["path"].startswith("_change_data/") and c["dataChange"] is False for c in cdc_files)
    types = pq.read_table(table / cdc_files[0]["path"]).column("_change_type").to_pylist()
    assert set(types) <= {"insert", "delete"} and types
    assert any("cdc" in a for a in read_commit(table, 6)) == (layout != "partitioned")
    # Timestamps are the commits' (delta-rs takes commitInfo's, lake the commit file's).
    for version, stamp in commit_times(mine).items():
        theirs_at = next(r["_commit_timestamp"] for r in theirs if r["_commit_version"] == version)
        mine_at = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).replace(tzinfo=None)
        assert abs((mine_at - theirs_at).total_seconds()) < 2, (version, mine_at, theirs_at)
    # The table itself reads the same in DuckDB and lake: change data is not data.
    duck = duckdb_con.execute(f"SELECT id FROM delta_scan('{table}') ORDER BY id").fetchall()
    scanned = [json.loads(line)["id"] for line in lk.ok("scan", "t", "--format", "jsonl").stdout.splitlines()]
    assert [r[0] for r in duck] == sorted(scanned) == [1, 7, 9]


def test_lake_reads_delta_rs_change_data(lk, tmp_path):
    path = tmp_path / "drs"
    data = pa.table({"id": pa.array([1, 2, 3, 4], pa.int64()), "p": ["a", "a", "b", "b"], "v": ["w", "x", "y", "z"]})
    write_deltalake(str(path), data, partition_by=["p"], configuration={"delta.enableChangeDataFeed": "true"})
    write_deltalake(str(path), data.slice(0, 1).set_column(0, "id", pa.array([5], pa.int64())), mode="append")
    dtab = DeltaTable(str(path))
    dtab.delete("id = 2")
    dtab.update(predicate="id = 3", updates={"v": "'Y'"})
    source = pa.table({"id": pa.array([4, 6], pa.int64()), "p": ["b", "a"], "v": ["Z", "n"]})
    (dtab.merge(source, "t.id = s.id", source_alias="s", target_alias="t")
     .when_matched_update_all().when_not_matched_insert_all().execute())
    DeltaTable(str(path)).delete("p = 'a'")
    latest = DeltaTable(str(path)).version()
    for start in (0, 2, latest):
        assert canon(lake_changes(lk, path, "--from-version", str(start))) == canon(deltars_changes(path, start)), start


@pytest.mark.parametrize("name,start", [("cdf-table", 0), ("cdf-table-non-partitioned", 0), ("checkpoint-cdf-table", 3),
                                        ("simple_table_with_cdc", 0), ("cdf-table-with-cdc-and-dvs", 0), ("cdc_ict_table", 0)])
def test_fixtures_read_as_delta_rs_reads_them(lk, tmp_path, name, start):
    path = tmp_path / name
    shutil.copytree(DELTA_TABLES / name, path)
    mine = lake_changes(lk, path, "--from-version", str(start))
    assert mine and canon(mine) == canon(deltars_changes(path, start))
    if name == "cdc_ict_table":
        # In-commit timestamps, not the files' times: version 1's is in May 2023.
        assert commit_times(mine)[1].startswith("2023-05-12")
    if name == "checkpoint-cdf-table":
        # Only the checkpoint at 3 and commits 3-5 are left.
        lk.fails(4, "changes", path, "--from-version", "0", words=["oldest version to read from is 3"])


def test_a_range_crosses_schema_changes(lk, tmp_path):
    lk.ok("create", "t", "--schema", "id long, name string", *CDF)
    rows = tmp_path / "r.csv"
    rows.write_text("id,name\n1,a\n2,b\n")
    lk.ok("append", "t", rows)                                     # 1
    lk.ok("alter", "t", "add-column", "score double")               # 2
    more = tmp_path / "s.csv"
    more.write_text("id,name,score\n3,c,0.5\n")
    lk.ok("append", "t", more)                                     # 3
    lk.ok("alter", "t", "rename-column", "name", "label")           # 4
    lk.ok("update", "t", "--set", "score = 9", "--where", "id = 1")  # 5
    mine = lake_changes(lk, "t", "--from-version", "1")
    assert {tuple(sorted(k for k in r if not k.startswith("_"))) for r in mine} == {("id", "label", "score")}
    by = {(r["_commit_version"], r["_change_type"], r["id"]): r for r in mine}
    assert by[(1, "insert", 1)] == {**by[(1, "insert", 1)], "label": "a", "score": None}
    assert by[(3, "insert", 3)]["score"] == 0.5
    assert by[(5, "update_preimage", 1)]["score"] is None and by[(5, "update_postimage", 1)]["score"] == 9.0
    assert by[(5, "update_postimage", 1)]["label"] == "a"
    # A range that ends before the rename shows the old name.
    early = lake_changes(lk, "t", "--from-version", "1", "--to-version", "3")
    assert {k for r in early for k in r if not k.startswith("_")} == {"id", "name", "score"}


def test_range_errors_and_empty_ranges(lk, tmp_path):
    lk.ok("create", "t", "--schema", "id long", *CDF)
    table = location(lk, "t")
    rows = tmp_path / "r.csv"
    rows.write_text("id\n1\n")
    for _ in range(4):
        lk.ok("append", "t", rows)                                 # 1-4
    # After the latest: nothing, exit 0, and the version to continue after.
    doc = lk.doc("changes", "t", "--from-version", "9")
    assert doc["rows"] == [] and doc["to_version"] == 4 and doc["commits"] == 0
    assert lake_changes(lk, "t", "--from-version", "5") == []
    lk.fails(2, "changes", "t", "--from-version", "3", "--to-version", "2", words=["before"])
    lk.fails(2, "changes", "t", words=["--from-version"])
    # --to-version past the latest ends at the latest.
    assert lk.doc("changes", "t", "--from-version", "2", "--to-version", "99")["to_version"] == 4
    # The older commits gone (as log cleanup leaves a table): a start before them is exit 4.
    lk.ok("checkpoint", "t")
    for version in (0, 1, 2):
        (table / "_delta_log" / f"{version:020d}.json").unlink()
    lk.fails(4, "changes", "t", "--from-version", "1", words=["oldest version to read from is 3"])
    assert [r["_commit_version"] for r in lake_changes(lk, "t", "--from-version", "3")] == [3, 4]
    # Version 3 is still in the log though the log can rebuild only 4 (its checkpoint) on.
    assert [r["_commit_version"] for r in lake_changes(lk, "t", "--from-version", "3", "--to-version", "3")] == [3]


def test_vacuumed_change_data_is_named_and_later_versions_still_read(lk, tmp_path):
    cdf_table(lk, tmp_path, "id,v\n1,a\n2,b\n3,c\n")  # 1
    lk.ok("delete", "t", "--where", "id = 2")        # 2: cdc + rewrite
    table = location(lk, "t")
    change_files = list((table / "_change_data").rglob("*.parquet"))
    assert len(change_files) == 1
    # Within the retention, vacuum keeps change data (it is unknown to the snapshot, and young).
    lk.ok("vacuum", "t")
    assert change_files[0].exists()
    lk.ok("vacuum", "t", "--retain", "0s", "--force")
    assert not change_files[0].exists()
    lk.fails(4, "changes", "t", "--from-version", "2", words=["version 2", "vacuum"])
    lk.ok("delete", "t", "--where", "id = 3")
    versions = {r["_commit_version"] for r in lake_changes(lk, "t", "--from-version", "5")}
    assert versions and all(v >= 5 for v in versions)


def test_vacuum_never_follows_links_in_change_data(lk, tmp_path):
    cdf_table(lk, tmp_path, "id,v\n1,a\n2,b\n")
    lk.ok("delete", "t", "--where", "id = 2")
    table = location(lk, "t")
    decoy = Decoy(tmp_path, age_days=30)
    old = time.time() - 30 * 86400
    (table / "_change_data" / "linked").symlink_to(decoy.dir, target_is_directory=True)
    (table / "_change_data" / "part-00009-linked.parquet").symlink_to(decoy.file)
    os.utime(table / "_change_data" / "linked", (old, old), follow_symlinks=False)
    doc = lk.doc("vacuum", "t", "--retain", "0s", "--force")
    decoy.check("vacuum of _change_data")
    assert (table / "_change_data" / "linked").is_symlink() and (table / "_change_data" / "part-00009-linked.parquet").is_symlink()
    assert not list((table / "_change_data").rglob("*.zstd.parquet")), doc


def test_a_rewrite_without_change_data_needs_allow_derived(lk, tmp_path):
    lk.ok("create", "t", "--schema", "id long, v string, region string", "--partition-by", "region")
    rows = tmp_path / "r.csv"
    rows.write_text("id,v,region\n1,a,eu\n2,b,eu\n3,c,us\n4,d,us\n2,b,eu\n")
    lk.ok("append", "t", rows)                                    # 1: appends read without CDF
    lk.ok("delete", "t", "--where", "region = 'us'")              # 2: whole files: exact too
    assert sorted((r["_change_type"], r["id"]) for r in lake_changes(lk, "t", "--from-version", "2")) == [("delete", 3), ("delete", 4)]
    lk.ok("delete", "t", "--where", "id = 1")                     # 3: copy-on-write without CDF
    lk.fails(1, "changes", "t", "--from-version", "1", words=["delta.enableChangeDataFeed"])
    proc = lk.run("changes", "t", "--from-version", "3")
    assert "version 3" in proc.stderr and "--allow-derived" in proc.stderr and proc.stdout == ""
    derived = lake_changes(lk, "t", "--from-version", "3", "--allow-derived")
    # Only the deleted row: the copied rows (a duplicate among them) cancel out.
    assert [(r["_change_type"], r["id"], r["region"]) for r in derived] == [("delete", 1, "eu")]
    lk.ok("update", "t", "--set", "v = 'B'", "--where", "id = 2")  # 4: both copies of 2 change
    derived = lake_changes(lk, "t", "--from-version", "4", "--allow-derived")
    assert sorted((r["_change_type"], r["id"], r["v"]) for r in derived) == [
        ("delete", 2, "b"), ("delete", 2, "b"), ("insert", 2, "B"), ("insert", 2, "B")]
    # Once the table records change data, the next rewrite is exact without the option.
    lk.ok("alter", "t", "set-property", "delta.enableChangeDataFeed=true")  # 5
    lk.ok("update", "t", "--set", "v = 'C'", "--where", "id = 2")           # 6
    assert sorted(r["_change_type"] for r in lake_changes(lk, "t", "--from-version", "5")) == [
        "update_postimage", "update_postimage", "update_preimage", "update_preimage"]


def test_the_incremental_loop_reads_each_change_once(lk, tmp_path):
    lk.ok("create", "t", "--schema", "id long, v string", *CDF)
    seen: list[tuple] = []
    next_version = 0
    for run in range(3):
        rows = tmp_path / f"r{run}.csv"
        rows.write_text("id,v\n" + "".join(f"{run * 10 + i},x\n" for i in range(3)))
        lk.ok("append", "t", rows)
        lk.ok("update", "t", "--set", "v = 'y'", "--where", f"id = {run * 10}")
        doc = lk.doc("changes", "t", "--from-version", str(next_version))
        seen += [(r["_commit_version"], r["_change_type"], r["id"]) for r in doc["rows"]]
        assert doc["to_version"] == 2 * run + 2
        next_version = doc["to_version"] + 1
    assert len(seen) == len(set(seen)) == 3 * 5
    assert sorted(seen) == sorted(
        [(2 * run + 1, "insert", run * 10 + i) for run in range(3) for i in range(3)]
        + [(2 * run + 2, kind, run * 10) for run in range(3) for kind in ("update_preimage", "update_postimage")])
    # A run with nothing new reads nothing and keeps its place.
    doc = lk.doc("changes", "t", "--from-version", str(next_version))
    assert doc["rows"] == [] and doc["to_version"] == next_version - 1
    # --since / --until select commits by time.
    first = lake_changes(lk, "t", "--from-version", "3", "--to-version", "3")[0]["_commit_timestamp"]
    by_time = lake_changes(lk, "t", "--since", first, "--until", first)
    assert {r["_commit_version"] for r in by_time} == {3}


def test_where_columns_and_formats(lk, tmp_path):
    cdf_table(lk, tmp_path, "id,v\n1,a\n2,b\n3,c\n")
    lk.ok("delete", "t", "--where", "id >= 2")
    only = lake_changes(lk, "t", "--from-version", "1", "--where", "_change_type = 'delete' AND id > 2",
                        "--columns", "id,_change_type,_commit_version")
    assert only == [{"id": 3, "_change_type": "delete", "_commit_version": 2}]
    out = tmp_path / "changes.parquet"
    doc = lk.doc("changes", "t", "--from-version", "0", "--format", "parquet", "--output", out)
    assert doc["rows"] == 5 and doc["to_version"] == 2
    got = pq.read_table(out)
    assert got.schema.field("_commit_version").type == pa.int64()
    assert got.schema.field("_commit_timestamp").type == pa.timestamp("us", tz="UTC")
    assert sorted(got.column("_change_type").to_pylist()) == ["delete", "delete", "insert", "insert", "insert"]
    text = lk.ok("changes", "t", "--from-version", "2", "--format", "csv").stdout.splitlines()
    assert text[0] == "id,v,_change_type,_commit_version,_commit_timestamp" and len(text) == 3
    proc = lk.run("changes", "t", "--from-version", "0", "--json")
    assert proc.stdout.rstrip().endswith('"to_version":2}')
    lk.fails(2, "changes", "t", "--from-version", "0", "--columns", "nope", words=["nope"])


def test_change_data_writes_race_appenders(lk, tmp_path):
    cdf_table(lk, tmp_path, "id,v\n" + "".join(f"{i},old\n" for i in range(2000)))
    batch = tmp_path / "more.csv"
    batch.write_text("id,v\n" + "".join(f"{i},new\n" for i in range(10_000, 10_100)))
    appenders = [lk.popen("append", "t", batch) for _ in range(4)]
    lk.ok("delete", "t", "--where", "id % 10 = 0 AND id < 2000", timeout=120)
    lk.ok("update", "t", "--set", "v = 'upd'", "--where", "id % 10 = 1 AND id < 2000", timeout=120)
    for p in appenders:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    table = location(lk, "t")
    mine = lake_changes(lk, "t", "--from-version", "1")
    assert canon(mine) == canon(deltars_changes(table, 1))
    counts = {}
    for r in mine:
        counts[r["_change_type"]] = counts.get(r["_change_type"], 0) + 1
    assert counts == {"insert": 2000 + 400, "delete": 200, "update_preimage": 200, "update_postimage": 200}
