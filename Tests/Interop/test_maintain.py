"""`lake maintain` (issue 12): for each table it decides what is due and does it in a safe
order (checkpoint → compact → vacuum → log cleanup) under a lease in the catalog; one JSON
line per table; overlapping runs never maintain a table twice; readers agree after it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from conftest import describe
from helpers import Lake, live_adds, log_versions, read_commit


def lines(proc) -> dict[str, dict]:
    docs = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return {d["table"]: d for d in docs}


def steps(doc: dict) -> dict[str, dict]:
    return {a["action"]: a for a in doc["actions"]}


def busy_table(lk: Lake, tmp: Path, name: str, appends: int, *props) -> Path:
    lk.ok("create", name, "--schema", "id long, region string", "--partition-by", "region", *props)
    for k in range(appends):
        f = tmp / f"{name}-{k}.csv"
        f.write_text(f"id,region\n{k},eu\n{1000 + k},us\n")
        lk.ok("append", name, f)
    return Path(lk.doc("describe", name)["location"])


def ids(table: Path) -> list[int]:
    return sorted(DeltaTable(str(table)).to_pyarrow_table().column("id").to_pylist())


def test_maintain_does_what_is_due_in_order_and_then_nothing(lk, tmp_path, duckdb_con):
    small = busy_table(lk, tmp_path, "small", 12, "--property", "lake.compaction.minFiles=5",
                       "--property", "delta.checkpointInterval=100")
    quiet = busy_table(lk, tmp_path, "quiet", 1)
    expected = ids(small)
    dry = lk.run("maintain", "--dry-run", "--json")
    assert dry.returncode == 0, describe(dry)
    plan = lines(dry)
    assert set(plan) == {"default.small", "default.quiet"}, plan
    s = steps(plan["default.small"])
    assert [a["action"] for a in plan["default.small"]["actions"]] == ["checkpoint", "compact", "vacuum", "log_cleanup"]
    assert s["compact"]["due"] and not s["compact"]["done"] and "24 files under 32MB in 2 partition(s)" in s["compact"]["reason"], s
    assert not s["checkpoint"]["due"] and "interval 100" in s["checkpoint"]["reason"], s
    assert log_versions(small) == list(range(13)) and len(live_adds(small)) == 24  # dry run: nothing changed
    run = lk.run("maintain", "--json")
    assert run.returncode == 0, describe(run)
    done = lines(run)
    s = steps(done["default.small"])
    assert done["default.small"]["status"] == "ok" and s["compact"]["done"] and s["compact"]["files_removed"] == 24, s
    assert s["vacuum"]["done"] and s["vacuum"]["files_deleted"] == 0, s  # compacted files are young tombstones
    assert read_commit(small, 13)[0]["commitInfo"]["operation"] == "OPTIMIZE"
    assert len(live_adds(small)) == 2 and ids(small) == expected
    got = sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{small}')").fetchall())
    assert got == expected
    # Nothing is due after a run.
    again = lines(lk.ok("maintain", "--json"))
    assert {d["status"] for d in again.values()} == {"nothing_due"}, again
    history = lk.doc("maintain", "--history")["runs"]
    assert [r["table"] for r in history if r["table"] == "default.small"][:1] == ["default.small"]
    last = next(r for r in history if r["table"] == "default.small")
    assert last["outcome"] == "ok" and "compact" in last["actions"] and last["files_before"] == 24 and last["files_after"] == 2
    assert lk.doc("maintain", "--history", "quiet")["runs"][0]["table"] == "default.quiet"


def test_expired_tombstones_checkpoints_and_log_cleanup_are_done_when_due(lk, tmp_path):
    table = busy_table(lk, tmp_path, "t", 6, "--property", "delta.checkpointInterval=5",
                       "--property", "delta.deletedFileRetentionDuration=interval 1 hours",
                       "--property", "delta.logRetentionDuration=interval 1 days")
    write_deltalake(str(table), pa.table({"id": pa.array([7], pa.int64()), "region": pa.array(["eu"])}),
                    mode="overwrite", partition_by=["region"])
    # Age the tombstones two hours and the commits before the checkpoint at 5 three days.
    commit = table / "_delta_log" / f"{7:020d}.json"
    actions = [json.loads(l) for l in commit.read_text().splitlines()]
    for a in actions:
        if "remove" in a:
            a["remove"]["deletionTimestamp"] -= 2 * 3600 * 1000
    commit.write_text("".join(json.dumps(a) + "\n" for a in actions))
    # The files were written when they were added, before they were removed: as old, too. (The
    # checkpoint maintain writes first drops the expired tombstones, as Spark's does; vacuum
    # then finds the files as old unknown files.)
    stamp = time.time() - 3 * 3600
    for p in table.rglob("*.parquet"):
        os.utime(p, (stamp, stamp))
    old = time.time() - 3 * 86400
    for v in range(0, 6):
        p = table / "_delta_log" / f"{v:020d}.json"
        subprocess.run(["touch", "-d", f"@{old + v}", str(p)], check=True)
    (table / "_delta_log" / "_last_checkpoint").unlink()
    doc = lines(lk.ok("maintain", "t", "--json"))["default.t"]
    s = steps(doc)
    assert s["checkpoint"]["due"] and s["checkpoint"]["done"], s
    assert s["vacuum"]["done"] and s["vacuum"]["files_deleted"] == 12, s
    assert s["log_cleanup"]["due"] and s["log_cleanup"]["done"] and s["log_cleanup"]["log_files_deleted"] == 5, s
    assert log_versions(table)[0] == 5 and ids(table) == [7]
    assert json.loads((table / "_delta_log" / "_last_checkpoint").read_text())["version"] == 7


def test_a_held_lease_makes_the_table_busy_and_an_expired_one_is_taken(lk, tmp_path):
    busy_table(lk, tmp_path, "a", 2)
    busy_table(lk, tmp_path, "b", 2)
    db = sqlite3.connect(lk.warehouse / "catalog.db")
    table_id = db.execute("SELECT id FROM tables WHERE name = 'a'").fetchone()[0]
    now = int(time.time() * 1000)
    db.execute("INSERT INTO leases VALUES (?, 'otherhost:1', ?, ?)", (table_id, now, now + 600_000))
    db.commit()
    out = lines(lk.ok("maintain", "--json"))
    assert out["default.a"]["status"] == "busy" and out["default.b"]["status"] in ("ok", "nothing_due"), out
    db.execute("UPDATE leases SET expires = ? WHERE table_id = ?", (now - 1, table_id))
    db.commit()
    out = lines(lk.ok("maintain", "--json"))
    assert out["default.a"]["status"] in ("ok", "nothing_due"), out
    assert db.execute("SELECT count(*) FROM leases").fetchone()[0] == 0  # released after the run
    db.close()


def test_a_table_named_by_path_has_a_lease_by_its_resolved_location(lk, tmp_path):
    table = tmp_path / "external"
    write_deltalake(str(table), pa.table({"id": pa.array([1, 2], pa.int64())}))
    link = tmp_path / "via-link"
    link.symlink_to(table)
    db = sqlite3.connect(lk.warehouse / "catalog.db")
    now = int(time.time() * 1000)
    db.execute("INSERT INTO path_leases VALUES (?, 'otherhost:1', ?, ?)", (os.path.realpath(table), now, now + 600_000))
    db.commit()
    # Held under its real location: busy by either path; nothing is done.
    for path in (table, link):
        doc = json.loads(lk.ok("maintain", path, "--json").stdout)
        assert doc["status"] == "busy", doc
    db.execute("UPDATE path_leases SET expires = ?", (now - 1,))
    db.commit()
    doc = json.loads(lk.ok("maintain", link, "--json").stdout)
    assert doc["status"] in ("ok", "nothing_due"), doc
    assert db.execute("SELECT count(*) FROM path_leases").fetchone()[0] == 0  # released after the run
    db.close()


def test_one_failed_table_does_not_stop_the_others(lk, tmp_path):
    busy_table(lk, tmp_path, "good", 3)
    busy_table(lk, tmp_path, "bad", 3, "--property", "delta.deletedFileRetentionDuration=whenever")
    proc = lk.run("maintain", "--json")
    assert proc.returncode == 1, describe(proc)
    out = lines(proc)
    assert out["default.bad"]["status"] == "failed" and "deletedFileRetentionDuration" in out["default.bad"]["error"], out
    assert out["default.good"]["status"] in ("ok", "nothing_due"), out


def test_overlapping_runs_beside_appenders(lk, tmp_path, duckdb_con):
    """Two maintain runs at once (cron firing again) while appenders write: every append
    lands, every run exits 0, and no table is compacted twice from the same files."""
    tables = [busy_table(lk, tmp_path, n, 8, "--property", "lake.compaction.minFiles=4") for n in ("x", "y")]
    errors: list[str] = []

    def appender(name: str):
        for j in range(5):
            f = tmp_path / f"race-{name}-{j}.csv"
            f.write_text(f"id,region\n{5000 + j},eu\n")
            proc = lk.run("append", name, f)
            if proc.returncode != 0:
                errors.append(describe(proc))

    runs: list = []
    threads = [threading.Thread(target=appender, args=(n,)) for n in ("x", "y")]
    threads += [threading.Thread(target=lambda: runs.append(lk.run("maintain", "--json"))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    for proc in runs:
        assert proc.returncode == 0, describe(proc)
        assert {d["status"] for d in lines(proc).values()} <= {"ok", "busy", "nothing_due"}, proc.stdout
    for table in tables:
        expected = sorted(list(range(8)) + [1000 + k for k in range(8)] + [5000 + j for j in range(5)])
        assert ids(table) == expected
        got = sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}')").fetchall())
        assert got == expected
        optimizes = [v for v in log_versions(table) if read_commit(table, v)[0]["commitInfo"]["operation"] == "OPTIMIZE"]
        removed = [a["remove"]["path"] for v in optimizes for a in read_commit(table, v) if "remove" in a]
        assert len(removed) == len(set(removed)), "a file was compacted twice"


def test_between_full_listings_expired_tombstones_still_go_after_the_checkpoint(lk, tmp_path):
    """The vacuum between full listings deletes only expired removed files; a checkpoint
    written first (which drops those tombstones from the log) must not make it miss them."""
    # Interval 6: delta-rs (which checkpoints when version + 1 is a multiple) writes none at its
    # overwrite (version 4); lake's append at version 6 does.
    table = busy_table(lk, tmp_path, "t", 3, "--property", "delta.checkpointInterval=6",
                       "--property", "delta.deletedFileRetentionDuration=interval 1 hours")
    first = steps(lines(lk.ok("maintain", "t", "--json"))["default.t"])
    assert first["vacuum"]["done"] and "no full listing recorded yet" in first["vacuum"]["reason"], first
    write_deltalake(str(table), pa.table({"id": pa.array([7], pa.int64()), "region": pa.array(["eu"])}),
                    mode="overwrite", partition_by=["region"])
    commit = table / "_delta_log" / f"{4:020d}.json"
    actions = [json.loads(l) for l in commit.read_text().splitlines()]
    removed = [a["remove"]["path"] for a in actions if "remove" in a]
    for a in actions:
        if "remove" in a:
            a["remove"]["deletionTimestamp"] -= 2 * 3600 * 1000
    commit.write_text("".join(json.dumps(a) + "\n" for a in actions))
    orphan = table / "stray.parquet"
    orphan.write_bytes(b"x")
    stamp = time.time() - 3 * 3600
    os.utime(orphan, (stamp, stamp))
    lk.ok("append", "t", tmp_path / "t-0.csv")
    lk.ok("append", "t", tmp_path / "t-1.csv")  # version 6: a checkpoint after the tombstones expired
    assert (table / "_delta_log" / f"{6:020d}.checkpoint.parquet").exists()
    doc = steps(lines(lk.ok("maintain", "t", "--json"))["default.t"])
    assert doc["vacuum"]["done"] and doc["vacuum"]["files_deleted"] == len(removed) == 6, doc
    assert "full listing" not in doc["vacuum"]["reason"], doc
    assert all(not (table / p).exists() for p in removed)
    assert orphan.exists(), "between full listings, unknown files are left for the next one"
    assert ids(table) == sorted([7, 0, 1000, 1, 1001])
