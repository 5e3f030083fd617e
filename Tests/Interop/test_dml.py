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
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)


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
