"""Re-runnable pipelines (issue 14), first part: idempotent appends with `--txn APP:VERSION`
(Delta `txn` actions). A version the table already records for the application is skipped
with exit 0 and nothing read or committed; two runs of one APP:VERSION racing land once;
delta-rs's `transaction_version` and `describe --json` agree on what is recorded.
"""

from __future__ import annotations

import json
from pathlib import Path

from deltalake import DeltaTable

from helpers import log_versions, read_commit


def test_txn_appends_once_per_application_version(lk, tmp_path):
    lk.ok("create", "t", "--schema", "id long")
    table = Path(lk.doc("describe", "t")["location"])
    rows = tmp_path / "rows.csv"
    rows.write_text("id\n1\n2\n")
    doc = lk.doc("append", "t", rows, "--txn", "nightly:41")
    assert doc["version"] == 1 and doc["skipped"] is False, doc
    txn = [a["txn"] for a in read_commit(table, 1) if "txn" in a]
    assert len(txn) == 1 and txn[0]["appId"] == "nightly" and txn[0]["version"] == 41 and txn[0]["lastUpdated"] > 0
    # The same version again, or an older one: skipped, exit 0, nothing committed (or read:
    # the input may be gone).
    for version, source in (("41", rows), ("40", tmp_path / "gone.csv")):
        doc = lk.doc("append", "t", source, "--txn", f"nightly:{version}")
        assert doc["skipped"] is True and doc["version"] is None and doc["rows"] == 0, doc
    assert "skipped: nightly:41 already applied" in lk.ok("append", "t", rows, "--txn", "nightly:41").stdout
    assert log_versions(table) == [0, 1]
    # Another application, or the next version: committed.
    assert lk.doc("append", "t", rows, "--txn", "backfill:1")["version"] == 2
    assert lk.doc("append", "t", rows, "--txn", "nightly:42")["version"] == 3
    assert lk.count("t") == 6
    dt = DeltaTable(str(table))
    assert dt.transaction_version("nightly") == 42 and dt.transaction_version("backfill") == 1
    described = lk.doc("describe", "t")["transactions"]
    assert described == [{"app": "backfill", "version": 1}, {"app": "nightly", "version": 42}]
    # A checkpoint keeps them.
    lk.ok("checkpoint", "t")
    assert lk.doc("append", "t", rows, "--txn", "nightly:42")["skipped"] is True
    for bad in ("nightly", "nightly:", ":3", "nightly:-1", "nightly:x"):
        lk.fails(2, "append", "t", rows, "--txn", bad, words=["APP:VERSION"])


def test_racing_runs_of_one_txn_land_exactly_once(lk, tmp_path):
    lk.ok("create", "t", "--schema", "id long")
    table = Path(lk.doc("describe", "t")["location"])
    rows = tmp_path / "rows.csv"
    rows.write_text("id\n" + "".join(f"{i}\n" for i in range(1000)))
    for round_ in range(3):
        procs = [lk.popen("append", "t", rows, "--txn", f"cron:{round_}", "--json") for _ in range(4)]
        outs = [p.communicate(timeout=120) for p in procs]
        assert all(p.returncode == 0 for p in procs), outs
        docs = [json.loads(out) for out, _ in outs]
        assert sum(1 for d in docs if not d["skipped"]) == 1, docs
    assert lk.count("t") == 3000
    txns = [a["txn"] for v in log_versions(table) for a in read_commit(table, v) if "txn" in a]
    assert sorted(t["version"] for t in txns) == [0, 1, 2]


def canon_rows(rows) -> list[str]:
    from decimal import Decimal

    return sorted(json.dumps(r, sort_keys=True, default=lambda v: float(v) if isinstance(v, Decimal) else str(v)) for r in rows)


def duck(con, table: Path, version: int) -> list[str]:
    rel = con.execute(f"SELECT * FROM delta_scan('{table}', version => {version})")
    names = [d[0] for d in rel.description]
    return canon_rows(dict(zip(names, row)) for row in rel.fetchall())


def lake_rows(lk, table, *args) -> list[str]:
    out = lk.ok("scan", table, "--format", "jsonl", *args).stdout.splitlines()
    return canon_rows(json.loads(line) for line in out if line.strip())


def test_restore_brings_back_an_old_versions_files_and_schema(lk, tmp_path, duckdb_con):
    lk.ok("create", "t", "--schema", "id long, region string", "--partition-by", "region")
    table = Path(lk.doc("describe", "t")["location"])
    for k in range(3):
        f = tmp_path / f"in{k}.csv"
        f.write_text("id,region\n" + "".join(f"{k * 10 + i},{['eu', 'us'][i % 2]}\n" for i in range(4)))
        lk.ok("append", "t", f)
    lk.ok("compact", "t")                                          # v4
    lk.ok("alter", "t", "add-column", "note string")               # v5
    late = tmp_path / "late.json"
    late.write_text(json.dumps({"id": 99, "region": "ap", "note": "n"}) + "\n")
    lk.ok("append", "t", late)                                     # v6
    before = {p["path"] for v in log_versions(table) for a in read_commit(table, v) if "add" in a for p in [a["add"]]}
    doc = lk.doc("restore", "t", "--version", "2")
    assert doc["committed"] and doc["restored_version"] == 2 and doc["version"] == 7, doc
    assert doc["files_added"] == 4 and doc["rows_inserted"] == 8 and doc["rows_deleted"] == 13, doc
    assert lake_rows(lk, "t") == duck(duckdb_con, table, 2) == duck(duckdb_con, table, 7)
    assert [f["name"] for f in lk.doc("describe", "t")["schema"]] == ["id", "region"]
    assert canon_rows(DeltaTable(str(table)).to_pyarrow_table().to_pylist()) == lake_rows(lk, "t")
    commit = read_commit(table, 7)
    info = next(a["commitInfo"] for a in commit if "commitInfo" in a)
    assert info["operation"] == "RESTORE" and info["operationMetrics"]["numRestoredFiles"] == "4", info
    # The files brought back are the old ones, by path: nothing was rewritten.
    assert {a["add"]["path"] for a in commit if "add" in a} <= before
    # Every version before stays readable, and restoring forward again works too.
    assert lake_rows(lk, "t", "--version", "6") == duck(duckdb_con, table, 6)
    assert lk.doc("restore", "t", "--version", "6")["version"] == 8
    assert lake_rows(lk, "t") == duck(duckdb_con, table, 6)
    lk.fails(2, "restore", "t", "--version", "8", words=["latest"])
    lk.fails(2, "restore", "t", words=["--version"])
    lk.fails(4, "restore", "t", "--version", "99", words=["version"])


def test_restore_of_a_vacuumed_version_exits_4_naming_the_files(lk, tmp_path):
    lk.ok("create", "t", "--schema", "id long")
    table = Path(lk.doc("describe", "t")["location"])
    for k in range(3):
        lk.ok("append", "t", "-", "--format", "csv", input=f"id\n{k}\n")
    lk.ok("compact", "t")
    lk.ok("vacuum", "t", "--retain", "0s", "--force")
    versions = log_versions(table)
    proc = lk.fails(4, "restore", "t", "--version", "2", words=["vacuum"])
    assert ".parquet" in proc.stderr
    assert log_versions(table) == versions


# --------------------------------------------------------------------------------------
# delete
# --------------------------------------------------------------------------------------

import pytest  # noqa: E402


def live_paths(table: Path) -> set[str]:
    return {p for p in DeltaTable(str(table)).file_uris()}


@pytest.mark.parametrize("partitioned", [False, True], ids=["plain", "partitioned"])
def test_delete_leaves_what_duckdb_sql_leaves(lk, tmp_path, duckdb_con, partitioned):
    args = ["--partition-by", "region"] if partitioned else []
    lk.ok("create", "t", "--schema", "id long, region string, v double, s struct<a:int>", *args)
    table = Path(lk.doc("describe", "t")["location"])
    for k in range(4):
        f = tmp_path / f"in{k}.json"
        f.write_text("".join(json.dumps({"id": k * 100 + i, "region": ["eu", "us", "ap"][i % 3],
                                          "v": None if i % 7 == 0 else float(k * 100 + i) / 2, "s": {"a": i}}) + "\n"
                             for i in range(50)))
        lk.ok("append", "t", f)
    cases = [
        ("region = 'ap'", None),        # partitions (whole files when partitioned)
        ("id >= 300", None),            # statistics prove the whole last file matches
        ("id % 10 = 3", None),          # every file holds some: copy-on-write
        ("v > 100", None),              # NULL v keeps the row
        ("id > 100000", "nothing"),     # no row matches: no commit
        ("id = 1 OR id = 57", None),
    ]
    for where, expect in cases:
        before_version = log_versions(table)[-1]
        before_paths = live_paths(table)
        expected = canon_rows(dict(zip([d[0] for d in rel.description], row)) for rel in [duckdb_con.execute(
            f"SELECT * FROM delta_scan('{table}', version => {before_version}) WHERE ({where}) IS NOT TRUE")]
            for row in rel.fetchall())
        deleted = duckdb_con.execute(
            f"SELECT count(*) FROM delta_scan('{table}', version => {before_version}) WHERE {where}").fetchone()[0]
        doc = lk.doc("delete", "t", "--where", where)
        assert doc["rows_deleted"] == deleted, (where, doc)
        if expect == "nothing":
            assert not doc["committed"] and log_versions(table)[-1] == before_version, doc
            continue
        version = doc["version"]
        assert version == before_version + 1
        assert lake_rows(lk, "t") == expected == duck(duckdb_con, table, version), where
        assert canon_rows(DeltaTable(str(table)).to_pyarrow_table().to_pylist()) == expected, where
        # Files without a deleted row keep their paths.
        removed = {a["remove"]["path"] for a in read_commit(table, version) if "remove" in a}
        after_paths = live_paths(table)
        assert all(any(p.endswith(r) for p in before_paths) for r in removed)
        kept = {p for p in before_paths if not any(p.endswith(r) for r in removed)}
        assert kept <= after_paths, where
        info = next(a["commitInfo"] for a in read_commit(table, version) if "commitInfo" in a)
        assert info["operation"] == "DELETE" and json.loads(info["operationParameters"]["predicate"]) == [where], info
    if partitioned:
        first = [a for a in read_commit(table, 5) if "remove" in a or "add" in a]
        assert all("remove" in a for a in first)  # region = 'ap': whole files, nothing rewritten
    # Refusals change nothing.
    versions = log_versions(table)
    lk.fails(2, "delete", "t", "--where", "nope = 1", words=["nope"])
    lk.fails(2, "delete", "t", words=["--where"])
    assert log_versions(table) == versions


def test_delete_with_txn_runs_once(lk, tmp_path):
    lk.ok("create", "t", "--schema", "id long")
    lk.ok("append", "t", "-", "--format", "csv", input="id\n1\n2\n3\n")
    assert lk.doc("delete", "t", "--where", "id = 2", "--txn", "gdpr:7")["rows_deleted"] == 1
    assert lk.doc("delete", "t", "--where", "id = 3", "--txn", "gdpr:7")["skipped"] is True
    assert lk.count("t") == 2


def test_deletes_racing_appenders_lose_no_appended_row(lk, tmp_path, duckdb_con):
    import threading

    lk.ok("create", "t", "--schema", "id long, kind string")
    table = Path(lk.doc("describe", "t")["location"])
    lk.ok("append", "t", "-", "--format", "csv", input="id,kind\n" + "".join(f"{i},old\n" for i in range(200)))
    errors: list[str] = []

    def appender():
        for k in range(8):
            proc = lk.run("append", "t", "-", "--format", "csv",
                          input="id,kind\n" + "".join(f"{10_000 + k * 10 + i},new\n" for i in range(10)))
            if proc.returncode != 0:
                errors.append(proc.stderr)

    thread = threading.Thread(target=appender)
    thread.start()
    for k in range(4):
        proc = lk.run("delete", "t", "--where", f"kind = 'old' AND id % 4 = {k}")
        assert proc.returncode == 0, proc.stderr
    thread.join()
    assert not errors, errors
    ids = sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}')").fetchall())
    assert ids == [10_000 + i for i in range(80)]


# --------------------------------------------------------------------------------------
# overwrite
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("partitioned", [False, True], ids=["plain", "partitioned"])
def test_overwrite_replaces_all_or_the_selected_rows(lk, tmp_path, duckdb_con, partitioned):
    args = ["--partition-by", "day"] if partitioned else []
    lk.ok("create", "t", "--schema", "id long, day string, v double", *args)
    table = Path(lk.doc("describe", "t")["location"])
    for d in ("2026-11-01", "2026-11-02", "2026-11-03"):
        lk.ok("append", "t", "-", "--format", "csv", input="id,day,v\n" + "".join(f"{i},{d},{i / 4}\n" for i in range(20)))
    # Replace one day: the other days' rows (and, partitioned, their files) stay.
    before = log_versions(table)[-1]
    new_day = "id,day,v\n" + "".join(f"{100 + i},2026-11-02,{i}\n" for i in range(5))
    doc = lk.doc("overwrite", "t", "-", "--format", "csv", "--where", "day = '2026-11-02'", input=new_day)
    assert doc["rows_deleted"] == 20 and doc["rows_inserted"] == 5, doc
    expected = duckdb_con.execute(
        f"SELECT count(*) FROM delta_scan('{table}', version => {before}) WHERE day <> '2026-11-02'").fetchone()[0] + 5
    assert lk.count("t") == expected == len(duck(duckdb_con, table, doc["version"]))
    assert lake_rows(lk, "t") == duck(duckdb_con, table, doc["version"])
    assert canon_rows(DeltaTable(str(table)).to_pyarrow_table().to_pylist()) == lake_rows(lk, "t")
    if partitioned:
        removed = [a["remove"]["path"] for a in read_commit(table, doc["version"]) if "remove" in a]
        assert removed and all("day=2026-11-02" in p for p in removed)
        assert doc["files_removed_whole"] == len(removed)
    # A new row outside the predicate: exit 1 naming it, nothing committed.
    versions = log_versions(table)
    proc = lk.fails(1, "overwrite", "t", "-", "--format", "csv", "--where", "day = '2026-11-02'",
                    input="id,day,v\n1,2026-11-02,1\n2,2026-11-09,2\n", words=["does not match"])
    assert "input row 2" in proc.stderr and "2026-11-09" in proc.stderr
    assert log_versions(table) == versions
    # Everything: the table holds exactly the input; --txn makes it run once.
    doc = lk.doc("overwrite", "t", "-", "--format", "csv", "--txn", "reload:1", input="id,day,v\n7,2026-12-01,0.5\n")
    assert doc["rows_inserted"] == 1 and lake_rows(lk, "t") == canon_rows([{"id": 7, "day": "2026-12-01", "v": 0.5}])
    assert lake_rows(lk, "t") == duck(duckdb_con, table, doc["version"])
    assert lk.doc("overwrite", "t", "-", "--format", "csv", "--txn", "reload:1", input="id,day,v\n8,x,1\n")["skipped"] is True
    assert lk.count("t") == 1
    info = next(a["commitInfo"] for a in read_commit(table, doc["version"]) if "commitInfo" in a)
    assert info["operation"] == "WRITE" and info["operationParameters"]["mode"] == "Overwrite"


# --------------------------------------------------------------------------------------
# update
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("partitioned", [False, True], ids=["plain", "partitioned"])
def test_update_sets_what_duckdb_sql_sets(lk, tmp_path, duckdb_con, partitioned):
    args = ["--partition-by", "region"] if partitioned else []
    lk.ok("create", "t", "--schema", "id long not null, region string, amount decimal(10,2), qty int, note string", *args)
    table = Path(lk.doc("describe", "t")["location"])
    for k in range(3):
        lk.ok("append", "t", "-", "--format", "csv", input="id,region,amount,qty,note\n" + "".join(
            f"{k * 20 + i},{['eu', 'us'][i % 2]},{i}.25,{i if i % 5 else ''},n{i}\n" for i in range(20)))
    cases = [
        ("amount = amount * 2", "region = 'eu'", {"amount": "amount * 2"}),
        ("qty = qty + 1, note = 'x'", "id % 3 = 0", {"qty": "qty + 1", "note": "'x'"}),
        ("region = 'zz'", "id < 5", {"region": "'zz'"}),
        ("note = NULL", None, {"note": "NULL"}),
        ("qty = 7", "id > 1000", None),
    ]
    columns = ["id", "region", "amount", "qty", "note"]
    for assignments, where, sql in cases:
        before = log_versions(table)[-1]
        cond = f"({where}) IS TRUE" if where else "TRUE"
        select = ", ".join(f"CASE WHEN {cond} THEN CAST({sql[c]} AS {duck_type(c)}) ELSE {c} END AS {c}" if sql and c in sql else c
                           for c in columns)
        expected = canon_rows(dict(zip(columns, row)) for row in duckdb_con.execute(
            f"SELECT {select} FROM delta_scan('{table}', version => {before})").fetchall())
        matching = duckdb_con.execute(
            f"SELECT count(*) FROM delta_scan('{table}', version => {before}) WHERE {cond}").fetchone()[0]
        doc = lk.doc("update", "t", "--set", assignments, *(["--where", where] if where else []))
        assert doc["rows_updated"] == matching, (assignments, doc)
        if sql is None:
            assert not doc["committed"] and log_versions(table)[-1] == before
            continue
        assert lake_rows(lk, "t") == expected == duck(duckdb_con, table, doc["version"]), assignments
        assert canon_rows(DeltaTable(str(table)).to_pyarrow_table().to_pylist()) == expected, assignments
        info = next(a["commitInfo"] for a in read_commit(table, doc["version"]) if "commitInfo" in a)
        assert info["operation"] == "UPDATE" and info["operationMetrics"]["numUpdatedRows"] == str(matching)
    if partitioned:
        assert any("region=zz" in p for p in DeltaTable(str(table)).file_uris())
    # A value that does not fit, or a NULL into a not null column: exit 1, nothing changed.
    versions = log_versions(table)
    lk.fails(1, "update", "t", "--set", "qty = qty * 100000000000", "--where", "qty > 2", words=["qty", "does not fit"])
    lk.fails(1, "update", "t", "--set", "id = NULL", words=["id", "null"])
    lk.fails(1, "update", "t", "--set", "amount = amount * 100000000000", words=["amount"])
    lk.fails(2, "update", "t", "--set", "nope = 1", words=["nope"])
    lk.fails(2, "update", "t", "--set", "qty", words=["COL = EXPR"])
    assert log_versions(table) == versions


def duck_type(column: str) -> str:
    return {"id": "BIGINT", "region": "VARCHAR", "amount": "DECIMAL(10,2)", "qty": "INTEGER", "note": "VARCHAR"}[column]


# --------------------------------------------------------------------------------------
# merge
# --------------------------------------------------------------------------------------

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

MERGE_SCHEMA = pa.schema([("day", pa.string()), ("id", pa.int64()), ("v", pa.string()), ("amount", pa.float64())])


def source_file(tmp: Path, name: str, rows: list[tuple]) -> Path:
    path = tmp / f"{name}.parquet"
    pq.write_table(pa.Table.from_pylist([dict(zip(MERGE_SCHEMA.names, r)) for r in rows], schema=MERGE_SCHEMA), path)
    return path


@pytest.mark.parametrize("partitioned", [False, True], ids=["plain", "partitioned"])
def test_merge_does_what_duckdb_sql_does(lk, tmp_path, duckdb_con, partitioned):
    args = ["--partition-by", "day"] if partitioned else []
    lk.ok("create", "t", "--schema", "day string, id long, v string, amount double", *args)
    table = Path(lk.doc("describe", "t")["location"])
    for k, day in enumerate(("d1", "d2", "d3")):
        lk.ok("append", "t", source_file(tmp_path, f"base{k}", [(day, k * 100 + i, f"v{i}", float(i)) for i in range(50)]))
    key = "t.day = s.day AND t.id = s.id"
    cases = [
        # (source rows, merge options, DuckDB SQL of the result from target t and source s)
        ([("d2", 105, "new", 1.5), ("d2", 999, "ins", 2.5), ("d9", 1, "ins", None)], [],
         f"SELECT * FROM t WHERE NOT EXISTS (SELECT 1 FROM s WHERE {key}) UNION ALL SELECT * FROM s"),
        ([("d1", 3, "gone", 0.0), ("d1", 4, "gone", 0.0), ("d1", 5000, "never", 0.0)],
         ["--when-matched", "delete", "--when-not-matched", "ignore"],
         f"SELECT * FROM t WHERE NOT EXISTS (SELECT 1 FROM s WHERE {key})"),
        ([("d3", 210, "keep", 9.0), (None, 1, "nullkey", 1.0)], ["--when-matched", "ignore"],
         f"SELECT * FROM t UNION ALL SELECT * FROM s WHERE NOT EXISTS (SELECT 1 FROM t WHERE {key})"),
        ([("d2", 101, "only", 7.0), ("d3", 201, "only", 8.0)], ["--when-not-matched-by-source", "delete"],
         f"SELECT * FROM s"),
    ]
    for k, (rows, options, sql) in enumerate(cases):
        before = log_versions(table)[-1]
        src = source_file(tmp_path, f"src{k}", rows)
        duckdb_con.execute(f"CREATE OR REPLACE TEMP VIEW t AS SELECT day, id, v, amount FROM delta_scan('{table}', version => {before})")
        duckdb_con.execute(f"CREATE OR REPLACE TEMP VIEW s AS SELECT day, id, v, amount FROM read_parquet('{src}')")
        expected = canon_rows(dict(zip(MERGE_SCHEMA.names, r)) for r in duckdb_con.execute(sql).fetchall())
        paths_before = live_paths(table)
        doc = lk.doc("merge", "t", src, "--on", "day,id", *options)
        assert doc["committed"], doc
        assert lake_rows(lk, "t") == expected == duck(duckdb_con, table, doc["version"]), (k, rows)
        assert canon_rows(DeltaTable(str(table)).to_pyarrow_table().to_pylist()) == expected
        info = next(a["commitInfo"] for a in read_commit(table, doc["version"]) if "commitInfo" in a)
        assert info["operation"] == "MERGE", info
        if k == 0:
            # Only the file holding d2's keys was read and rewritten: the others keep their paths.
            removed = [a["remove"]["path"] for a in read_commit(table, doc["version"]) if "remove" in a]
            assert len(removed) == 1 and doc["rows_updated"] == 1 and doc["rows_inserted"] == 2, doc
            assert len(paths_before - live_paths(table)) == 1
    # A key twice in the source: exit 1 naming it, nothing committed.
    versions = log_versions(table)
    dup = source_file(tmp_path, "dup", [("d2", 7, "a", 1.0), ("d2", 7, "b", 2.0)])
    lk.fails(1, "merge", "t", dup, "--on", "day,id", words=["id=7", "more than once"])
    lk.fails(2, "merge", "t", dup, "--on", "nope", words=["nope"])
    lk.fails(2, "merge", "t", dup, "--on", "id", "--when-matched", "explode", words=["when-matched"])
    assert log_versions(table) == versions


def test_merge_with_txn_and_racing_appenders(lk, tmp_path, duckdb_con):
    import threading

    lk.ok("create", "t", "--schema", "day string, id long, v string, amount double")
    table = Path(lk.doc("describe", "t")["location"])
    lk.ok("append", "t", source_file(tmp_path, "base", [("d", i, "old", 0.0) for i in range(100)]))
    errors: list[str] = []

    def appender():
        for k in range(6):
            proc = lk.run("append", "t", source_file(tmp_path, f"app{k}", [("n", 10_000 + k * 10 + i, "app", 1.0) for i in range(10)]))
            if proc.returncode != 0:
                errors.append(proc.stderr)

    thread = threading.Thread(target=appender)
    thread.start()
    for k in range(3):
        src = source_file(tmp_path, f"m{k}", [("d", k * 10 + i, f"m{k}", 2.0) for i in range(10)] + [("m", 500 + k, "ins", 3.0)])
        proc = lk.run("merge", "t", src, "--on", "id", "--txn", f"cdc:{k}")
        assert proc.returncode == 0, proc.stderr
    thread.join()
    assert not errors, errors
    ids = sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}')").fetchall())
    assert ids == sorted(list(range(100)) + [500, 501, 502] + [10_000 + i for i in range(60)])
    assert lk.doc("merge", "t", source_file(tmp_path, "again", [("d", 1, "x", 0.0)]), "--on", "id", "--txn", "cdc:2")["skipped"]
    assert lk.count("t", "--where", "v = 'm2'") == 10


def test_merge_schema_adds_the_sources_new_columns(lk, tmp_path, duckdb_con):
    lk.ok("create", "t", "--schema", "id long, v string")
    table = Path(lk.doc("describe", "t")["location"])
    lk.ok("append", "t", "-", "--format", "csv", input="id,v\n1,a\n2,b\n")
    src = tmp_path / "src.json"
    src.write_text(json.dumps({"id": 2, "v": "B", "score": 1.5}) + "\n" + json.dumps({"id": 3, "v": "c", "score": 2.5}) + "\n")
    proc = lk.fails(1, "merge", "t", src, "--on", "id", words=["score"])
    assert "--merge-schema" in proc.stderr
    doc = lk.doc("merge", "t", src, "--on", "id", "--merge-schema")
    assert doc["rows_updated"] == 1 and doc["rows_inserted"] == 1, doc
    commit = read_commit(table, doc["version"])
    assert any("metaData" in a for a in commit)
    want = [(1, "a", None), (2, "B", 1.5), (3, "c", 2.5)]
    assert sorted(duckdb_con.execute(f"SELECT id, v, score FROM delta_scan('{table}')").fetchall()) == want
    rows = [json.loads(line) for line in lk.ok("scan", "t", "--format", "jsonl").stdout.splitlines()]
    assert sorted((r["id"], r["v"], r["score"]) for r in rows) == want


def test_updates_racing_appenders_lose_no_appended_row(lk, tmp_path, duckdb_con):
    import threading

    lk.ok("create", "t", "--schema", "id long, kind string")
    table = Path(lk.doc("describe", "t")["location"])
    lk.ok("append", "t", "-", "--format", "csv", input="id,kind\n" + "".join(f"{i},old\n" for i in range(200)))
    errors: list[str] = []

    def appender():
        for k in range(8):
            proc = lk.run("append", "t", "-", "--format", "csv",
                          input="id,kind\n" + "".join(f"{10_000 + k * 10 + i},new\n" for i in range(10)))
            if proc.returncode != 0:
                errors.append(proc.stderr)

    thread = threading.Thread(target=appender)
    thread.start()
    for k in range(4):
        proc = lk.run("update", "t", "--set", f"kind = 'set{k}'", "--where", f"id < 200 AND id % 4 = {k}")
        assert proc.returncode == 0, proc.stderr
    thread.join()
    assert not errors, errors
    rows = sorted(duckdb_con.execute(f"SELECT id, kind FROM delta_scan('{table}')").fetchall())
    assert rows == sorted([(i, f"set{i % 4}") for i in range(200)] + [(10_000 + i, "new") for i in range(80)])
