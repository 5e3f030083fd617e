"""Compaction (issue 12, first part): `lake compact` packs each partition's small files into
files near the target size and commits `OPTIMIZE` with `dataChange=false` removes and adds.
delta-rs, DuckDB and pyarrow read the same rows before and after, at every earlier version
too; appends racing it all land, and a delete racing it never brings rows back.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from conftest import describe
from helpers import Lake, live_adds, log_versions, read_commit

USAGE = 2
CONFLICT = 3

SCHEMA = ("id long, region string, v double, s struct<a int, b string>, arr array<int>, "
          "m map<string, int>, d decimal(10,2), ts timestamp, day date, flag boolean")


def row(i: int) -> dict:
    if i % 5 == 0:  # a row of nulls in the null partition
        return {"id": i, "region": None, "v": None, "s": None, "arr": None, "m": None, "d": None, "ts": None,
                "day": None, "flag": None}
    return {"id": i, "region": ["eu", "us", "ap"][i % 3], "v": i + 0.5, "s": {"a": i, "b": f"x{i}"},
            "arr": [1, None, i], "m": {"k": i}, "d": f"{i}.25", "ts": f"2024-01-01T00:{i % 60:02d}:00Z",
            "day": f"2024-02-{i % 28 + 1:02d}", "flag": i % 2 == 0}


def small_appends(lk: Lake, tmp: Path, n: int, per: int = 3, start: int = 0, name: str = "t") -> Path:
    for k in range(n):
        f = tmp / f"{name}-in-{start + k}.json"
        f.write_text("".join(json.dumps(row(i)) + "\n" for i in range((start + k) * per, (start + k + 1) * per)))
        lk.ok("append", name, f)
    return Path(lk.doc("describe", name)["location"])


def lake_rows(lk: Lake, table, version: int | None = None) -> list[str]:
    args = ["scan", str(table), "--format", "jsonl"] + ([] if version is None else ["--version", str(version)])
    return sorted(lk.ok(*args).stdout.splitlines())


def duck_ids(con, table: Path, version: int | None = None) -> list[int]:
    at = "" if version is None else f", version => {version}"
    return sorted(r[0] for r in con.execute(f"SELECT id FROM delta_scan('{table}'{at})").fetchall())


def deltars_ids(table: Path, version: int | None = None) -> list[int]:
    dt = DeltaTable(str(table)) if version is None else DeltaTable(str(table), version=version)
    return sorted(dt.to_pyarrow_table().column("id").to_pylist())


@pytest.fixture
def events(lk, tmp_path):
    lk.ok("create", "t", "--schema", SCHEMA, "--partition-by", "region")
    return small_appends(lk, tmp_path, 12)


def test_compaction_rewrites_small_files_and_every_reader_agrees(lk, events, duckdb_con):
    table = events
    before = {v: lake_rows(lk, "t", v) for v in range(0, 13)}
    files_before = len(live_adds(table))
    assert files_before > 12, files_before  # every append wrote a file per region it touched
    doc = lk.doc("compact", "t")
    assert doc["version"] == 13 and doc["versions"] == [13] and doc["dry_run"] is False, doc
    assert doc["partitions"] == 4 and doc["bins"] == 4 and doc["files_added"] == 4, doc
    assert doc["files_removed"] == files_before and doc["files_left"] == 0, doc
    # One file per partition now, the same rows and values (nested, decimal, null) as before.
    adds = live_adds(table)
    assert len(adds) == 4 and sorted(str(dict(a["partitionValues"]).get("region")) for a in adds.values()) == [
        "None", "ap", "eu", "us"]
    assert lake_rows(lk, "t") == before[12]
    for v in range(0, 14):
        expected = sorted(json.loads(r)["id"] for r in before[min(v, 12)])
        assert duck_ids(duckdb_con, table, v) == expected, v
        assert deltars_ids(table, v) == expected, v
    # DuckDB sees the same values, not just the same ids.
    got = duckdb_con.execute(f"SELECT sum(d), count(s), sum(v), count(*) FILTER (WHERE flag) FROM delta_scan('{table}')").fetchone()
    ids = [i for i in range(36) if i % 5]
    assert float(got[0]) == sum(i + 0.25 for i in ids) and got[1] == len(ids) and got[2] == sum(i + 0.5 for i in ids), got
    assert got[3] == sum(1 for i in ids if i % 2 == 0)
    # The commit is Spark's OPTIMIZE: only dataChange=false removes and adds.
    actions = read_commit(table, 13)
    info = actions[0]["commitInfo"]
    assert info["operation"] == "OPTIMIZE" and info["operationParameters"]["predicate"] == "[]", info
    assert info["operationMetrics"]["numRemovedFiles"] == str(files_before) and info["operationMetrics"]["numAddedFiles"] == "4"
    kinds = sorted(next(iter(a)) for a in actions[1:])
    assert kinds == ["add"] * 4 + ["remove"] * files_before, kinds
    assert all(a[next(iter(a))]["dataChange"] is False for a in actions[1:])
    assert all(json.loads(a["add"]["stats"])["numRecords"] > 0 for a in actions[1:] if "add" in a)
    # Nothing left to do: a second run commits nothing and says so.
    again = lk.ok("compact", "t")
    assert "nothing to compact" in again.stdout, describe(again)
    assert log_versions(table) == list(range(14))


def test_dry_run_and_where_on_partitions(lk, events, duckdb_con):
    table = events
    dry = lk.doc("compact", "t", "--dry-run")
    assert dry["dry_run"] is True and dry["bins"] == 4 and dry["files_added"] == 0, dry
    assert log_versions(table) == list(range(13))
    before = [dict(a["partitionValues"]).get("region") for a in live_adds(table).values()]
    doc = lk.doc("compact", "t", "--where", "region = 'eu'")
    assert doc["partitions"] == 1 and doc["files_removed"] == before.count("eu") > 1, (doc, before)
    regions = [dict(a["partitionValues"]).get("region") for a in live_adds(table).values()]
    assert regions.count("eu") == 1, regions
    assert [regions.count(r) for r in ("us", "ap", None)] == [before.count(r) for r in ("us", "ap", None)], regions
    info = read_commit(table, 13)[0]["commitInfo"]
    assert json.loads(info["operationParameters"]["predicate"]) == ["region = 'eu'"]
    lk.fails(USAGE, "compact", "t", "--where", "v > 1", words=["only partition columns", "v is not one"])
    lk.fails(USAGE, "compact", "t", "--target-size", "big", words=["--target-size"])
    assert duck_ids(duckdb_con, table) == deltars_ids(table) == list(range(36))


def test_target_size_and_max_bytes(lk, tmp_path, duckdb_con):
    lk.ok("create", "t", "--schema", SCHEMA)
    table = small_appends(lk, tmp_path, 10)
    sizes = sorted(a["size"] for a in live_adds(table).values())
    # A target of about three files' size: bins of up to three files each.
    target = sizes[0] * 3 + 1
    doc = lk.doc("compact", "t", "--target-size", str(target), "--dry-run")
    assert doc["bins"] >= 3 and doc["files_removed"] <= 10, doc
    # --max-bytes stops after the first bin, commits it and says what is left.
    first = lk.doc("compact", "t", "--target-size", str(target), "--max-bytes", "1")
    assert first["bins"] == 1 and first["files_left"] > 0 and len(first["versions"]) == 1, first
    rest = lk.doc("compact", "t", "--target-size", str(target))
    assert rest["files_left"] == 0 and rest["bins"] >= 1, rest
    lake_ids = sorted(json.loads(r)["id"] for r in lake_rows(lk, "t"))
    assert lake_ids == duck_ids(duckdb_con, table) == deltars_ids(table) == list(range(30))


def test_appenders_racing_compaction_all_land(lk, tmp_path, duckdb_con):
    lk.ok("create", "t", "--schema", SCHEMA, "--partition-by", "region")
    table = small_appends(lk, tmp_path, 20)
    errors: list[str] = []

    def appender(k: int):
        for j in range(6):
            f = tmp_path / f"race-{k}-{j}.json"
            base = 1000 + k * 100 + j * 3
            f.write_text("".join(json.dumps(row(i)) + "\n" for i in range(base, base + 3)))
            proc = lk.run("append", "t", f)
            if proc.returncode != 0:
                errors.append(describe(proc))

    threads = [threading.Thread(target=appender, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    compactions = []
    for _ in range(3):
        compactions.append(lk.run("compact", "t", "--json"))
    for t in threads:
        t.join()
    assert not errors, errors[0]
    for proc in compactions:
        assert proc.returncode == 0, describe(proc)
    expected = sorted(list(range(60)) + [1000 + k * 100 + j * 3 + i for k in range(2) for j in range(6) for i in range(3)])
    assert sorted(json.loads(r)["id"] for r in lake_rows(lk, "t")) == expected
    assert duck_ids(duckdb_con, table) == deltars_ids(table) == expected


def test_a_delete_racing_compaction_never_brings_rows_back(lk, tmp_path, duckdb_con):
    """delta-rs deletes rows (removing their files) while lake compacts: whichever lands
    first, the deleted rows stay deleted; lake re-plans once on the conflict, else exits 3."""
    lk.ok("create", "t", "--schema", "id long, region string", "--partition-by", "region")
    for k in range(30):
        f = tmp_path / f"in-{k}.csv"
        f.write_text("id,region\n" + "".join(f"{k * 10 + i},{'eu' if i % 2 else 'us'}\n" for i in range(10)))
        lk.ok("append", "t", f)
    table = Path(lk.doc("describe", "t")["location"])
    deleted: list[Exception] = []

    def delete():
        try:
            DeltaTable(str(table)).delete("id % 7 = 0")
        except Exception as error:  # a conflict with lake's compaction is a fine outcome
            deleted.append(error)

    t = threading.Thread(target=delete)
    t.start()
    proc = lk.run("compact", "t", "--json")
    t.join()
    assert proc.returncode in (0, CONFLICT), describe(proc)
    ids = sorted(json.loads(r)["id"] for r in lake_rows(lk, "t"))
    if deleted:  # delta-rs lost: everything is still there, compacted or not
        assert ids == list(range(300)), (deleted, proc.stdout)
    else:
        assert ids == [i for i in range(300) if i % 7], proc.stdout
    assert duck_ids(duckdb_con, table) == deltars_ids(table) == ids
    # Whatever happened, a compaction now succeeds and changes no row.
    lk.ok("compact", "t")
    assert sorted(json.loads(r)["id"] for r in lake_rows(lk, "t")) == ids


def test_tables_written_by_delta_rs_compact_too(lk, tmp_path, duckdb_con):
    path = tmp_path / "drs"
    for k in range(8):
        write_deltalake(str(path), pa.table({"id": pa.array(range(k * 5, k * 5 + 5), pa.int64()),
                                             "name": pa.array([f"n{i}" for i in range(k * 5, k * 5 + 5)])}), mode="append")
    doc = lk.doc("compact", str(path))
    assert doc["files_removed"] == 8 and doc["files_added"] == 1, doc
    assert deltars_ids(path) == duck_ids(duckdb_con, path) == list(range(40))
    assert pq.read_table(next(p for p in path.glob("*.parquet") if p.name in {Path(k).name for k in live_adds(path)})).num_rows == 40


def test_tables_with_constraints_compact_and_appends_check_them(lk, tmp_path, duckdb_con):
    """Compaction rewrites rows that already satisfy the table's CHECK constraints, so it runs
    on such a table (written by delta-rs) without checking them; appends check every row."""
    table = tmp_path / "checked"
    for k in range(4):
        write_deltalake(str(table), pa.table({"id": pa.array([k * 10 + i + 1 for i in range(10)], pa.int64())}),
                        mode="append")
    DeltaTable(str(table)).alter.add_constraint({"id_positive": "id > 0"})
    new_rows = tmp_path / "more.csv"
    new_rows.write_text("id\n-5\n")
    lk.fails(1, "append", table, new_rows, words=["id_positive"])
    doc = lk.doc("compact", table)
    assert doc["files_removed"] == 4 and doc["files_added"] == 1, doc
    dt = DeltaTable(str(table))
    assert dt.metadata().configuration.get("delta.constraints.id_positive") == "id > 0"
    assert deltars_ids(table) == list(range(1, 41)) == duck_ids(duckdb_con, table)
    # delta-rs still enforces the constraint on the compacted table.
    with pytest.raises(Exception):
        write_deltalake(str(table), pa.table({"id": pa.array([-1], pa.int64())}), mode="append")
    doc = lk.doc("compact", table, "--zorder-by", "id")
    assert doc["files_removed"] == 1 and doc["clustering"] == "zorder(id)", doc
