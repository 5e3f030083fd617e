"""Vacuum and log cleanup: `lake vacuum` deletes what no version inside the retention needs,
and the protocol's metadata cleanup ("Metadata Cleanup" in PROTOCOL.md) deletes the log
files time travel no longer needs, while delta-rs and DuckDB go on reading every version
inside the window equal to lake.

* vacuum deletes expired tombstones (a `remove` older than the retention) and orphans
  (files unknown to the log, last modified longer than the retention ago); never a live
  file, a young tombstone or a young orphan; never `_`/`.` names (but lake's own temporary
  files, and the folders of a partition column named `_p`), symbolic links, other tables,
  or anything outside the table; it leaves empty folders;
* a retention shorter than the table's needs --force; --dry-run changes nothing; the
  `VACUUM START`/`VACUUM END` commits hold no file actions and Spark's parameters/metrics;
* time travel to a vacuumed version says which vacuum deleted its files;
* SIGKILL during a vacuum, and appenders racing vacuums, lose nothing;
* log cleanup keeps the newest checkpoint at or before the cutoff commit and everything
  after it, deletes older commits, checkpoints, `.crc` files and stale temporary files,
  and nothing else (never a link, never a file it does not know).

Lake itself only appends, so tombstones are made with delta-rs (`mode="overwrite"`). Ages
are never waited for: the retention is 0 (`--force`) where everything must be expired, the
default 7 days where everything must be young, and in between files are aged with
os.utime and tombstones by rewriting the `deletionTimestamp` of delta-rs's commit files.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from conftest import describe
from helpers import Decoy, Lake, live_adds, log_versions, read_commit

USAGE, NOT_FOUND = 2, 4
DAY = 86_400
SCHEMA = "id long, s string"
WEEK_MILLIS = 7 * DAY * 1000


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------

def age(path: Path, days: float, plus_seconds: float = 0.0):
    """Set the mtime of a file, folder or link (never its target) to `days` ago."""
    stamp = time.time() - days * DAY + plus_seconds
    os.utime(path, (stamp, stamp), follow_symlinks=False)


def write_csv(path: Path, rows) -> Path:
    path.write_text("id,s\n" + "".join(f"{i},{s}\n" for i, s in rows))
    return path


def lake_table(lk: Lake, tmp: Path, rows_per_append: list[list[tuple]], name: str = "t", *create_args) -> Path:
    """A lake-created table `id long, s string`, one `lake append` per list of rows."""
    lk.ok("create", name, "--schema", SCHEMA, *create_args)
    for k, rows in enumerate(rows_per_append):
        lk.ok("append", name, write_csv(tmp / f"{name}-in-{k}.csv", rows))
    return Path(lk.doc("describe", name)["location"])


def overwrite(table: Path, rows, partition_by=None, columns=("id", "s")):
    """delta-rs rewrites the table: its `remove`s are the tombstones vacuum works on."""
    data = pa.table({
        columns[0]: pa.array([r[0] for r in rows], pa.int64()),
        columns[1]: pa.array([r[1] for r in rows], pa.string()),
    })
    write_deltalake(str(table), data, mode="overwrite", partition_by=partition_by)


def removed_paths(table: Path, version: int) -> list[str]:
    return sorted(a["remove"]["path"] for a in read_commit(table, version) if "remove" in a)


def age_tombstones(table: Path, version: int, days: float):
    """Make the removes of one (delta-rs written) commit `days` old by rewriting their
    deletionTimestamp in the commit file: the only way to get an old tombstone without
    waiting for one. Each line is parsed as JSON, changed and written back."""
    path = table / "_delta_log" / f"{version:020d}.json"
    stamp = int((time.time() - days * DAY) * 1000)
    out = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        action = json.loads(line)
        if "remove" in action:
            action["remove"]["deletionTimestamp"] = stamp
        out.append(json.dumps(action))
    assert any('"remove"' in line for line in out), f"commit {version} has no remove to age"
    path.write_text("\n".join(out) + "\n")


def all_files(root: Path) -> dict[str, tuple]:
    """Every file, link and folder under root (never following links): kind and content."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir",)
            else:
                out[rel] = ("file", p.read_bytes())
    return out


def lake_rows(lk: Lake, table, version: int | None = None, columns=("id", "s")) -> list[tuple]:
    args = ["scan", table, "--format", "json"] + ([] if version is None else ["--version", str(version)])
    proc = lk.ok(*args)
    return sorted(tuple(r[c] for c in columns) for r in json.loads(proc.stdout))


def deltars_rows(table: Path, version: int | None = None, columns=("id", "s")) -> list[tuple]:
    dt = DeltaTable(str(table)) if version is None else DeltaTable(str(table), version=version)
    t = dt.to_pyarrow_table()
    return sorted(zip(*(t.column(c).to_pylist() for c in columns)))


def duck_rows(con, table: Path, version: int | None = None, columns=("id", "s")) -> list[tuple]:
    quoted = str(table).replace("'", "''")
    extra = "" if version is None else f", version => {int(version)}"
    cols = ", ".join(f'"{c}"' for c in columns)
    return sorted(con.execute(f"SELECT {cols} FROM delta_scan('{quoted}'{extra})").fetchall())


def assert_everyone_reads(lk: Lake, con, name: str, table: Path, expected: dict, columns=("id", "s")):
    """lake, delta-rs and DuckDB read each version (None: the latest) as `expected` says."""
    for version, rows in expected.items():
        want = sorted(rows)
        what = "the latest version" if version is None else f"version {version}"
        assert lake_rows(lk, name, version, columns) == want, f"lake, {what}"
        assert deltars_rows(table, version, columns) == want, f"delta-rs, {what}"
        assert duck_rows(con, table, version, columns) == want, f"DuckDB, {what}"


def vacuum_commit(table: Path, version: int) -> dict:
    """A vacuum commit: its commitInfo, asserting it holds no other action."""
    actions = read_commit(table, version)
    kinds = [next(iter(a)) for a in actions]
    assert kinds == ["commitInfo"], f"commit {version} must hold only a commitInfo, holds {kinds}"
    return actions[0]["commitInfo"]


def metrics_as_text(metrics: dict) -> dict:
    return {k: str(v) for k, v in metrics.items()}


# --------------------------------------------------------------------------------------
# what vacuum deletes
# --------------------------------------------------------------------------------------

def test_vacuum_deletes_expired_tombstones_and_records_start_and_end(lk, tmp_path, duckdb_con):
    table = lake_table(lk, tmp_path, [[(1, "a"), (2, "b")], [(3, "c")]])
    overwrite(table, [(100, "new")])  # version 3: removes both appended files
    removed = removed_paths(table, 3)
    assert len(removed) == 2
    sizes = sum((table / p).stat().st_size for p in removed)
    live = sorted(live_adds(table))
    assert len(live) == 1

    doc = lk.doc("vacuum", "t", "--retain", "0", "--force")
    assert doc["table"] == "default.t" and doc["dry_run"] is False, doc
    assert doc["retention"] in ("0", "0s"), doc
    assert doc["files"] == removed, doc
    assert (doc["files_deleted"], doc["bytes_deleted"], doc["log_files_deleted"]) == (2, sizes, 0), doc
    assert (doc["symlinks_skipped"], doc["tables_skipped"], doc["young_files_kept"]) == ([], [], 0), doc
    assert doc["version"] == 5, doc  # VACUUM START is 4, VACUUM END 5
    assert not any((table / p).exists() for p in removed)
    assert all((table / p).is_file() for p in live)
    assert log_versions(table) == [0, 1, 2, 3, 4, 5]

    start, end = vacuum_commit(table, 4), vacuum_commit(table, 5)
    assert start["operation"] == "VACUUM START", start
    assert start["operationParameters"] == {
        "retentionCheckEnabled": "false", "defaultRetentionMillis": str(WEEK_MILLIS), "specifiedRetentionMillis": "0",
    }, start
    assert metrics_as_text(start["operationMetrics"]) == {"numFilesToDelete": "2", "sizeOfDataToDelete": str(sizes)}, start
    assert end["operation"] == "VACUUM END", end
    assert end["operationParameters"] == {"status": "COMPLETED"}, end
    assert metrics_as_text(end["operationMetrics"]) == {"numDeletedFiles": "2", "numVacuumedDirectories": "1"}, end

    history = lk.doc("history", "t")["commits"]
    assert [(c["version"], c["operation"]) for c in history[:3]] == [(5, "VACUUM END"), (4, "VACUUM START"), (3, "WRITE")]
    assert history[0]["parameters"] == {"status": "COMPLETED"}, history[0]
    assert metrics_as_text(history[0]["metrics"]) == {"numDeletedFiles": "2", "numVacuumedDirectories": "1"}
    assert history[1]["parameters"]["specifiedRetentionMillis"] == "0", history[1]
    assert metrics_as_text(history[1]["metrics"]) == {"numFilesToDelete": "2", "sizeOfDataToDelete": str(sizes)}

    # Every version whose files are still there reads alike everywhere (0 had no file).
    assert_everyone_reads(lk, duckdb_con, "t", table, {
        None: [(100, "new")], 5: [(100, "new")], 4: [(100, "new")], 3: [(100, "new")], 0: [],
    })
    for version in (1, 2):
        lk.fails(NOT_FOUND, "scan", "t", "--version", str(version),
                 words=["deleted by the vacuum at version 4", "deleted by the vacuum at version 5"])

    # Nothing left to delete: no commits.
    again = lk.doc("vacuum", "t", "--retain", "0", "--force")
    assert (again["files"], again["files_deleted"], again["version"]) == ([], 0, 5), again
    assert log_versions(table) == [0, 1, 2, 3, 4, 5]


def test_the_default_retention_keeps_young_files_and_commits_nothing(lk, tmp_path):
    table = lake_table(lk, tmp_path, [[(1, "a")], [(2, "b")]])
    overwrite(table, [(3, "c")])  # tombstones removed just now
    (table / "part-00000-orphan.zstd.parquet").write_bytes(b"a failed write, just now")
    (table / "sub").mkdir()
    (table / "sub" / "young.txt").write_text("young")
    (table / "sub" / "week-old.txt").write_text("six days old")
    age(table / "sub" / "week-old.txt", 6)
    before = all_files(table)

    for args in ((), ("--retain", "30d"), ("--retain", "168h"), ("--dry-run",)):
        doc = lk.doc("vacuum", "t", *args)
        assert doc["files"] == [] and doc["files_deleted"] == 0 and doc["bytes_deleted"] == 0, (args, doc)
        assert doc["young_files_kept"] == 3, (args, doc)
        assert doc["version"] == 3, (args, doc)
        assert doc["dry_run"] is (args == ("--dry-run",)), (args, doc)
        assert doc["retention"] == {(): "7d", ("--dry-run",): "7d", ("--retain", "30d"): "30d",
                                    ("--retain", "168h"): "7d"}[args], (args, doc)
        assert all_files(table) == before, f"vacuum {args} changed the table"
        assert log_versions(table) == [0, 1, 2, 3], f"vacuum {args} committed"


def test_a_retention_shorter_than_the_tables_needs_force(lk, tmp_path):
    table = lake_table(lk, tmp_path, [[(1, "a")]])
    overwrite(table, [(2, "b")])
    age_tombstones(table, 2, days=3)  # expired for a retention of 1 day, young for the table's 7
    (table / "orphan.bin").write_text("two days old")
    age(table / "orphan.bin", 2)
    before = all_files(table)
    for args in (("--retain", "0"), ("--retain", "90s"), ("--retain", "30m"), ("--retain", "6d"),
                 ("--retain", "167h"), ("--retain", "0", "--dry-run")):
        for json_output in (False, True):
            lk.fails(USAGE, "vacuum", "t", *args, json_output=json_output, words=["--force"])
            assert all_files(table) == before, f"a refused vacuum {args} changed the table"
            assert log_versions(table) == [0, 1, 2], f"a refused vacuum {args} committed"
    # Forced: the dry run lists, the vacuum deletes.
    expected = sorted(["orphan.bin", *removed_paths(table, 2)])
    doc = lk.doc("vacuum", "t", "--retain", "0", "--force", "--dry-run")
    assert (doc["dry_run"], doc["files"], doc["version"]) == (True, expected, 2), doc
    assert all_files(table) == before and log_versions(table) == [0, 1, 2]
    doc = lk.doc("vacuum", "t", "--retain", "1d", "--force")
    assert doc["files"] == expected and doc["files_deleted"] == 2 and doc["version"] == 4, doc
    assert vacuum_commit(table, 3)["operationParameters"] == {
        "retentionCheckEnabled": "false", "defaultRetentionMillis": str(WEEK_MILLIS),
        "specifiedRetentionMillis": str(DAY * 1000),
    }


def test_the_tables_retention_in_sparks_interval_form(lk, tmp_path, duckdb_con):
    """delta.deletedFileRetentionDuration = "interval 1 hours": the default retention, the
    bar for --force, and which tombstones are expired (by their deletionTimestamp)."""
    table = lake_table(lk, tmp_path, [[(1, "a")], [(2, "b")]], "t",
                       "--property", "delta.deletedFileRetentionDuration=interval 1 hours")
    overwrite(table, [(3, "c")])      # version 3: removes the two appended files
    overwrite(table, [(4, "d")])      # version 4: removes version 3's file
    old, young = removed_paths(table, 3), removed_paths(table, 4)
    age_tombstones(table, 3, days=2 / 24)  # two hours ago
    lk.fails(USAGE, "vacuum", "t", "--retain", "30m", words=["--force"])
    assert log_versions(table) == [0, 1, 2, 3, 4]
    doc = lk.doc("vacuum", "t")
    assert doc["retention"] == "1h", doc
    assert doc["files"] == old and doc["files_deleted"] == 2 and doc["version"] == 6, doc
    assert all((table / p).is_file() for p in young)
    start = vacuum_commit(table, 5)
    assert start["operationParameters"] == {"retentionCheckEnabled": "true", "defaultRetentionMillis": "3600000",
                                            "specifiedRetentionMillis": "3600000"}, start
    doc = lk.doc("vacuum", "t", "--retain", "3h")  # longer than the table's: no --force needed
    assert doc["files"] == [] and doc["version"] == 6, doc
    assert_everyone_reads(lk, duckdb_con, "t", table, {None: [(4, "d")], 3: [(3, "c")], 4: [(4, "d")]})


def test_ages_decide_tombstones_by_their_remove_and_orphans_by_their_mtime(lk, tmp_path, duckdb_con):
    table = lake_table(lk, tmp_path, [[(1, "a"), (2, "b")], [(3, "c")]])
    overwrite(table, [(10, "x"), (11, "y")])  # version 3: removes the appended files
    overwrite(table, [(20, "z")])             # version 4: removes version 3's file
    expired, young_tombstone = removed_paths(table, 3), removed_paths(table, 4)
    # The removes of version 3 happened 10 days ago (deletionTimestamp rewritten).
    age_tombstones(table, 3, days=10)
    # Every data file was last modified 20 days ago: a file the log knows is never judged
    # by its mtime (the live one and the young tombstone stay).
    for p in table.glob("*.parquet"):
        age(p, 20)
    live = sorted(live_adds(table))

    def plant(rel: str, days: float | None):
        p = table / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(f"planted {rel}".encode())
        if days is not None:
            age(p, days)

    old_orphans = ["part-00000-orphan-old.zstd.parquet", "stuff/deep/old.txt",
                   ".part-00001-abc.zstd.parquet.4242.123456789.tmp",   # lake's own temporary file
                   "_change_data/cdc-00000.parquet"]  # change data expires by age (as Spark's vacuum does)
    young_orphans = ["part-00000-orphan-young.zstd.parquet", ".part-00002-def.zstd.parquet.4242.987654321.tmp"]
    hidden = ["_hidden.parquet", ".hidden.parquet", "_tmp/old.parquet", ".cache/old.parquet",
              "_p=1/old.parquet",               # not a partition column here
              ".part-x.parquet.tmp",            # not lake's temporary-name shape (no pid, no random)
              ".notes.txt.4242.123.tmp",        # lake's shape, but not a .json/.parquet file
              "_delta_log/notes.txt"]
    for rel in old_orphans + hidden:
        plant(rel, 10)
    for rel in young_orphans:
        plant(rel, None)
    expected = sorted(expired + old_orphans)
    kept = sorted(live + young_tombstone + young_orphans + hidden)
    sizes = sum((table / p).stat().st_size for p in expected)
    before = all_files(table)

    # Dry runs: text lists the paths one per line, sorted; JSON the same; nothing changes.
    proc = lk.ok("vacuum", "t", "--dry-run")
    lines = proc.stdout.splitlines()
    assert lines[:len(expected)] == expected, describe(proc)
    assert not set(lines[len(expected):]) & set(kept + expected), describe(proc)
    doc = lk.doc("vacuum", "t", "--dry-run")
    assert (doc["dry_run"], doc["files"], doc["files_deleted"], doc["bytes_deleted"], doc["young_files_kept"]) == (
        True, expected, len(expected), sizes, 2), doc
    assert doc["version"] == 4, doc
    assert all_files(table) == before and log_versions(table) == [0, 1, 2, 3, 4]

    doc = lk.doc("vacuum", "t")
    assert [p for p in expected if os.path.lexists(table / p)] == [], "vacuum left expired files"
    assert [p for p in kept if not (table / p).is_file()] == [], "vacuum deleted files it must keep"
    assert (table / "stuff" / "deep").is_dir() and not list((table / "stuff" / "deep").iterdir())  # left in place
    assert doc["version"] == 6 and doc["retention"] == "7d", doc
    # The report names every file the vacuum deleted (the same list as the dry run).
    assert (doc["files"], doc["files_deleted"], doc["bytes_deleted"], doc["young_files_kept"]) == (
        expected, len(expected), sizes, 2), doc
    end = vacuum_commit(table, 6)
    # As Spark counts them: every folder walked, the root included (root, stuff, stuff/deep,
    # _change_data).
    assert metrics_as_text(end["operationMetrics"]) == {"numDeletedFiles": str(len(expected)),
                                                        "numVacuumedDirectories": "4"}, end

    assert_everyone_reads(lk, duckdb_con, "t", table, {
        None: [(20, "z")], 3: [(10, "x"), (11, "y")], 4: [(20, "z")], 6: [(20, "z")],
    })
    lk.fails(NOT_FOUND, "scan", "t", "--version", "2",
             words=["deleted by the vacuum at version 5", "deleted by the vacuum at version 6"])


def test_folders_of_a_partition_column_named_with_an_underscore_are_vacuumed(lk, tmp_path, duckdb_con):
    lk.ok("create", "u", "--schema", "id long, _p string", "--partition-by", "_p")
    (tmp_path / "u.csv").write_text("id,_p\n1,a\n2,b\n")
    lk.ok("append", "u", tmp_path / "u.csv")
    table = Path(lk.doc("describe", "u")["location"])
    assert sorted(p.name for p in table.iterdir()) == ["_delta_log", "_p=a", "_p=b"]
    overwrite(table, [(3, "a")], partition_by=["_p"], columns=("id", "_p"))
    removed = removed_paths(table, 2)
    assert sorted(p.split("/")[0] for p in removed) == ["_p=a", "_p=b"], removed
    for rel in ("_p=a/orphan.parquet", "_p=b/orphan.txt", "_q=1/old.parquet", "_p=a/_hidden.parquet",
                "_p=b/.hidden.parquet"):
        (table / rel).parent.mkdir(exist_ok=True)
        (table / rel).write_text(rel)
        age(table / rel, 10)
    doc = lk.doc("vacuum", "u", "--retain", "0", "--force")
    expected = sorted(removed + ["_p=a/orphan.parquet", "_p=b/orphan.txt"])
    assert doc["files"] == expected and doc["files_deleted"] == 4, doc
    assert not [p for p in expected if (table / p).exists()]
    for rel in ("_q=1/old.parquet", "_p=a/_hidden.parquet", "_p=b/.hidden.parquet"):
        assert (table / rel).is_file(), f"vacuum deleted {rel}"
    assert (table / "_p=b").is_dir()
    end = vacuum_commit(table, doc["version"])
    assert str(end["operationMetrics"]["numVacuumedDirectories"]) == "3", end  # root, _p=a, _p=b
    assert_everyone_reads(lk, duckdb_con, "u", table, {None: [(3, "a")], 2: [(3, "a")]}, columns=("id", "_p"))


def test_links_other_tables_and_the_outside_are_never_touched(lk, tmp_path, duckdb_con):
    decoy = Decoy(tmp_path, age_days=60)
    table = lake_table(lk, tmp_path, [[(1, "a")], [(2, "b")]])
    overwrite(table, [(3, "c")])
    first, second = removed_paths(table, 3)
    # A tombstoned path that is now a link to a file outside: it must stay, and so must its target.
    (table / first).unlink()
    os.symlink(decoy.file, table / first)
    os.symlink(decoy.dir, table / "linked-dir")                                  # a folder link
    os.symlink(decoy.dir / "inner" / "part-00000-precious.parquet", table / "part-linked.parquet")
    os.symlink(tmp_path / "nowhere.parquet", table / "dangling.parquet")         # a dangling link
    (table / "sub").mkdir()
    os.symlink(decoy.dir / "inner", table / "sub" / "inner-link")
    for link in (table / first, table / "linked-dir", table / "part-linked.parquet", table / "dangling.parquet"):
        age(link, 30)  # the links themselves are old too
    # Another table inside this one (not entered), with an old stray file of its own.
    nested = table / "nested"
    write_deltalake(str(nested), pa.table({"id": pa.array([7], pa.int64())}))
    (nested / "stray.parquet").write_text("not mine to delete")
    for p in nested.rglob("*"):
        age(p, 30)
    nested_before = all_files(nested)

    doc = lk.doc("vacuum", "t", "--retain", "0", "--force")
    assert doc["files"] == [second] and doc["files_deleted"] == 1, doc
    assert sorted(doc["symlinks_skipped"]) == sorted(
        [first, "dangling.parquet", "linked-dir", "part-linked.parquet", "sub/inner-link"]), doc
    assert doc["tables_skipped"] == ["nested"], doc
    assert not (table / second).exists()
    for link, target in ((first, decoy.file), ("linked-dir", decoy.dir),
                         ("part-linked.parquet", decoy.dir / "inner" / "part-00000-precious.parquet"),
                         ("dangling.parquet", tmp_path / "nowhere.parquet"), ("sub/inner-link", decoy.dir / "inner")):
        assert (table / link).is_symlink() and os.readlink(table / link) == str(target), f"vacuum touched the link {link}"
    decoy.check("vacuum --retain 0 --force")
    assert all_files(nested) == nested_before, "vacuum entered another table"
    assert DeltaTable(str(nested)).to_pyarrow_table().column("id").to_pylist() == [7]
    assert_everyone_reads(lk, duckdb_con, "t", table, {None: [(3, "c")]})
    # The text report names what it skipped.
    proc = lk.ok("vacuum", "t", "--retain", "0", "--force")
    for name in ("linked-dir", "part-linked.parquet", "nested"):
        assert name in proc.stdout, describe(proc)
    decoy.check("second vacuum")


# --------------------------------------------------------------------------------------
# crashes and races
# --------------------------------------------------------------------------------------

ORPHANS = 2000


def plant_orphans(table: Path, trial: int) -> set[str]:
    """ORPHANS tiny old files unknown to the log, half in the root, half in folders."""
    out = set()
    for i in range(ORPHANS):
        rel = f"orphan-{trial}-{i}.bin" if i % 2 else f"junk/{i % 7}/orphan-{trial}-{i}.bin"
        p = table / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
        age(p, 10)
        out.add(rel)
    return out


def test_kill_9_during_vacuum(lk, tmp_path, duckdb_con):
    """SIGKILL after delays from none to past the end of the vacuum: every time, lake,
    delta-rs and DuckDB read all rows, and the next vacuum deletes exactly what is left."""
    table = lake_table(lk, tmp_path, [[(1, "a"), (2, "b")], [(3, "c")], [(4, "d")]])
    overwrite(table, [(10, "x"), (11, "y")])
    lk.ok("append", "t", write_csv(tmp_path / "more.csv", [(12, "z")]))
    expected = [(10, "x"), (11, "y"), (12, "z")]
    tombstones = set(removed_paths(table, 4))
    live = sorted(live_adds(table))
    for p in live:
        age(table / p, 30)  # live files are old too: never deleted for their age
    outcomes = []
    for trial, delay in enumerate((0.0, 0.01, 0.03, 0.06, 5.0)):
        planted = plant_orphans(table, trial) | (tombstones if trial == 0 else set())
        proc = lk.popen("vacuum", "t", "--retain", "0", "--force", "--json")
        try:  # communicate, not wait: the JSON report of thousands of files fills a pipe
            out, err = proc.communicate(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
            out, err = proc.communicate(timeout=60)
        left = {p for p in planted if (table / p).exists()}
        where = f"trial {trial} (delay {delay}s, {'killed' if killed else f'exit {proc.returncode}'}, {len(left)} left)"
        if not killed:
            assert proc.returncode == 0, f"{where}: {err[:1000]}"
        outcomes.append((killed, len(planted) - len(left)))
        versions = log_versions(table)
        assert versions == list(range(len(versions))), f"{where}: the log has a gap: {versions}"
        assert [p for p in live if not (table / p).is_file()] == [], f"{where}: a live file was deleted"
        assert_everyone_reads(lk, duckdb_con, "t", table, {None: expected})
        # The next vacuum finishes the job, exactly.
        doc = lk.doc("vacuum", "t", "--retain", "0", "--force")
        assert set(doc["files"]) == left and doc["files_deleted"] == len(left), f"{where}: {doc['files'][:5]}"
        assert [p for p in planted if (table / p).exists()] == [], where
        assert_everyone_reads(lk, duckdb_con, "t", table, {None: expected})
    print(f"kill -9 during vacuum: (killed, files deleted before the second vacuum) = {outcomes}")
    assert lk.count("t") == 3


def test_vacuum_races_appenders(lk, tmp_path, duckdb_con):
    """Three processes append five times each while vacuums run beside them (default
    retention; old orphans planted before each round, so each one commits START and END):
    no row is lost, no live file deleted, every version reads alike everywhere."""
    table = lake_table(lk, tmp_path, [[(1, "a")]])
    overwrite(table, [(0, "base")])
    age_tombstones(table, 2, days=10)  # the appended file's remove is expired
    inputs = {(k, i): write_csv(tmp_path / f"race-{k}-{i}.csv",
                                [(1000 * (k + 1) + 10 * i + j, f"p{k}-{i}-{j}") for j in range(3)])
              for k in range(3) for i in range(5)}
    append_codes: list[subprocess.CompletedProcess] = []
    vacuums: list[subprocess.CompletedProcess] = []
    planted: set[str] = set()
    appending = threading.Event()
    appending.set()

    def appender(k: int):
        for i in range(5):
            append_codes.append(lk.run("append", "t", inputs[(k, i)]))

    def vacuumer():
        # A bounded number of rounds (at least 3, at most 8): vacuums back to back commit so
        # often that an append's commit retries can take very long.
        for n in range(8):
            if n >= 3 and not appending.is_set():
                break
            for j in range(10):
                rel = f"junk/{n}-{j}.bin"
                (table / "junk").mkdir(exist_ok=True)
                (table / rel).write_text("old")
                age(table / rel, 10)
                planted.add(rel)
            vacuums.append(lk.run("vacuum", "t", "--json"))

    v = threading.Thread(target=vacuumer)
    v.start()
    threads = [threading.Thread(target=appender, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    appending.clear()
    v.join()
    final = lk.doc("vacuum", "t")

    bad = [p for p in append_codes + vacuums if p.returncode != 0]
    assert not bad, "".join(describe(p) for p in bad[:3])
    docs = [json.loads(p.stdout) for p in vacuums] + [final]
    assert sum(d["files_deleted"] for d in docs) == len(planted) + 1, [d["files_deleted"] for d in docs]
    assert [p for p in planted if (table / p).exists()] == []
    versions = log_versions(table)
    assert versions == list(range(len(versions))), versions
    ops = [c["operation"] for c in lk.doc("history", "t")["commits"]]
    assert ops.count("WRITE") == 1 + 1 + 15 and ops.count("VACUUM START") == ops.count("VACUUM END") == len(vacuums), ops
    expected = sorted([(0, "base")] + [(1000 * (k + 1) + 10 * i + j, f"p{k}-{i}-{j}")
                                        for k in range(3) for i in range(5) for j in range(3)])
    assert lk.count("t") == len(expected) == 46
    assert [p for p in live_adds(table) if not (table / p).is_file()] == [], "a live file was deleted"
    assert_everyone_reads(lk, duckdb_con, "t", table, {None: expected})
    # Every version since the overwrite reads alike everywhere.
    for version in range(2, versions[-1] + 1):
        rows = lake_rows(lk, "t", version)
        assert deltars_rows(table, version) == rows, f"delta-rs, version {version}"
        assert duck_rows(duckdb_con, table, version) == rows, f"DuckDB, version {version}"


# --------------------------------------------------------------------------------------
# log cleanup
# --------------------------------------------------------------------------------------

def log_table(lk: Lake, tmp: Path, *props, checkpoint_at_2: bool = True) -> tuple[Path, dict]:
    """Versions 0..12 (one row per append), checkpoints every 5 versions (5, 10) and, by
    `lake checkpoint`, at 2. Returns the table and the rows of every version."""
    lk.ok("create", "t", "--schema", SCHEMA, "--property", "delta.checkpointInterval=5", *props)
    expected = {0: []}
    for v in range(1, 13):
        lk.ok("append", "t", write_csv(tmp / f"v{v}.csv", [(v, f"v{v}")]))
        expected[v] = sorted(expected[v - 1] + [(v, f"v{v}")])
        if v == 2 and checkpoint_at_2:
            lk.ok("checkpoint", "t")
    table = Path(lk.doc("describe", "t")["location"])
    assert checkpoints(table) == ([2, 5, 10] if checkpoint_at_2 else [5, 10])
    return table, expected


def checkpoints(table: Path) -> list[int]:
    return sorted(int(p.name[:20]) for p in (table / "_delta_log").glob("*.checkpoint.parquet"))


def date_commits(table: Path, versions, days: float):
    """Commit times are the commit files' mtimes: set those of `versions` `days` ago, a
    second apart (monotonic)."""
    for v in versions:
        age(table / "_delta_log" / f"{v:020d}.json", days, plus_seconds=v)


def log_listing(table: Path) -> dict[str, tuple]:
    return all_files(table / "_delta_log")


def plant_log_files(table: Path, decoy: Decoy, crc_versions) -> list[str]:
    """A non-log file, a `.crc` link to the decoy, `.crc` files and lake temporary files
    (one stale, one fresh) in `_delta_log`; returns the planted names that are expired."""
    log = table / "_delta_log"
    (log / "notes.txt").write_text("my notes")
    age(log / "notes.txt", 40)
    os.symlink(decoy.file, log / f"{1:020d}.crc")
    age(log / f"{1:020d}.crc", 40)
    expired = []
    for v in crc_versions:
        (log / f"{v:020d}.crc").write_text("{}")
        age(log / f"{v:020d}.crc", 40, plus_seconds=v)
        expired.append(f"{v:020d}.crc")
    stale = f".{13:020d}.json.4242.1234567.tmp"
    (log / stale).write_text("a commit a killed writer never linked")
    age(log / stale, 40)
    (log / f".{14:020d}.json.4243.7654321.tmp").write_text("a running writer's")
    return expired + [stale]


@pytest.mark.parametrize("trigger", ["checkpoint", "vacuum"])
def test_log_cleanup_keeps_the_newest_checkpoint_before_the_cutoff(lk, tmp_path, duckdb_con, trigger):
    decoy = Decoy(tmp_path, age_days=60)
    table, expected = log_table(lk, tmp_path)
    date_commits(table, range(0, 8), 40)  # commits 0..7 40 days ago, 8..12 now: the cutoff commit is 7
    planted_expired = plant_log_files(table, decoy, crc_versions=(0, 2, 3, 4))
    to_delete = sorted([f"{v:020d}.json" for v in range(5)] + [f"{2:020d}.checkpoint.parquet"] + planted_expired)
    before = log_listing(table)

    if trigger == "checkpoint":
        doc = lk.doc("checkpoint", "t")
        assert doc["written"] is True and doc["version"] == 12, doc
    else:
        dry = lk.doc("vacuum", "t", "--dry-run")
        assert dry["log_files_deleted"] == len(to_delete) and dry["files"] == [], dry
        assert log_listing(table) == before, "a dry run deleted log files"
        doc = lk.doc("vacuum", "t")
        assert doc["log_files_deleted"] == len(to_delete) and doc["files"] == [] and doc["version"] == 12, doc
    after = log_listing(table)
    gone = sorted(set(before) - set(after))
    assert gone == to_delete, f"deleted {gone}, expected {to_delete}"
    new = sorted(set(after) - set(before))
    assert new == ([f"{12:020d}.checkpoint.parquet"] if trigger == "checkpoint" else []), new
    assert log_versions(table) == list(range(5, 13))
    assert checkpoints(table) == ([5, 10, 12] if trigger == "checkpoint" else [5, 10])
    link = table / "_delta_log" / f"{1:020d}.crc"
    assert link.is_symlink() and os.readlink(link) == str(decoy.file), "log cleanup deleted a link"
    assert (table / "_delta_log" / "notes.txt").read_text() == "my notes"
    assert (table / "_delta_log" / f".{14:020d}.json.4243.7654321.tmp").is_file()
    decoy.check(f"log cleanup by {trigger}")

    assert_everyone_reads(lk, duckdb_con, "t", table,
                          {None: expected[12], **{v: expected[v] for v in range(5, 13)}})
    for version in (0, 2, 4):
        lk.fails(NOT_FOUND, "scan", "t", "--version", str(version), words=["no longer in the log (oldest: 5)"])
    lk.ok("append", "t", write_csv(tmp_path / "v13.csv", [(13, "v13")]))
    assert lake_rows(lk, "t") == deltars_rows(table) == sorted(expected[12] + [(13, "v13")])


def test_log_cleanup_without_a_checkpoint_before_the_cutoff_deletes_nothing(lk, tmp_path, duckdb_con):
    decoy = Decoy(tmp_path, age_days=60)
    table, expected = log_table(lk, tmp_path, checkpoint_at_2=False)
    date_commits(table, range(0, 4), 40)  # the cutoff commit is 3; the first checkpoint is 5
    plant_log_files(table, decoy, crc_versions=(0, 2))
    before = log_listing(table)
    lk.ok("checkpoint", "t")
    doc = lk.doc("vacuum", "t")
    assert doc["log_files_deleted"] == 0, doc
    after = log_listing(table)
    assert sorted(set(before) - set(after)) == [], "log cleanup deleted files without a checkpoint to keep"
    assert sorted(set(after) - set(before)) == [f"{12:020d}.checkpoint.parquet"]
    assert log_versions(table) == list(range(13))
    decoy.check("no cleanup")
    assert_everyone_reads(lk, duckdb_con, "t", table, {v: expected[v] for v in (0, 3, 4, 12)})


def test_log_cleanup_off_when_the_table_says_so(lk, tmp_path):
    decoy = Decoy(tmp_path, age_days=60)
    table, expected = log_table(lk, tmp_path, "--property", "delta.enableExpiredLogCleanup=false")
    date_commits(table, range(0, 8), 40)
    plant_log_files(table, decoy, crc_versions=(0, 2, 3, 4))
    before = log_listing(table)
    lk.ok("checkpoint", "t")  # version 12
    after = log_listing(table)
    assert sorted(set(before) - set(after)) == [], "log cleanup ran though delta.enableExpiredLogCleanup=false"
    assert sorted(set(after) - set(before)) == [f"{12:020d}.checkpoint.parquet"]
    for v in (13, 14, 15):    # and the checkpoint the interval writes at 15
        lk.ok("append", "t", write_csv(tmp_path / f"v{v}.csv", [(v, f"v{v}")]))
    # (A commit's own hook removes stale temporary files whatever the setting: not log cleanup.)
    gone = sorted(set(after) - set(log_listing(table)) - {f".{13:020d}.json.4242.1234567.tmp"})
    assert gone == [], "log cleanup ran though delta.enableExpiredLogCleanup=false"
    assert checkpoints(table) == [2, 5, 10, 12, 15]
    assert log_versions(table) == list(range(16))
    assert lake_rows(lk, "t", 0) == [] and lake_rows(lk, "t", 4) == expected[4]
    # Vacuum honours the setting too.
    before = log_listing(table)
    assert lk.doc("vacuum", "t", "--dry-run")["log_files_deleted"] == 0
    assert lk.doc("vacuum", "t")["log_files_deleted"] == 0
    assert set(before) - set(log_listing(table)) == set()
    decoy.check("cleanup off")


def test_a_short_log_retention_and_the_checkpoint_the_interval_writes(lk, tmp_path, duckdb_con):
    """delta.logRetentionDuration = "interval 1 days" with commits 0..7 three days old: the
    checkpoint an append writes at version 15 cleans up through version 4. The same log with
    the default 30 days keeps everything."""
    short = Lake(lk.binary, tmp_path / "wh-short")
    short.ok("init")
    (tmp_path / "s").mkdir()
    (tmp_path / "d").mkdir()
    tables = {}
    for name, runner, props in (("short", short, ("--property", "delta.logRetentionDuration=interval 1 days")),
                                ("default", lk, ())):
        table, expected = log_table(runner, tmp_path / name[0], *props, checkpoint_at_2=False)
        date_commits(table, range(0, 8), 3)
        for v in (13, 14, 15):
            runner.ok("append", "t", write_csv(tmp_path / f"{name}-v{v}.csv", [(v, f"v{v}")]))
            expected[v] = sorted(expected[v - 1] + [(v, f"v{v}")])
        assert checkpoints(table) == [5, 10, 15]
        tables[name] = (runner, table, expected)
    _, table, expected = tables["short"]
    assert log_versions(table) == list(range(5, 16)), "the short retention did not clean up through version 4"
    assert_everyone_reads(short, duckdb_con, "t", table, {None: expected[15], 5: expected[5], 7: expected[7], 15: expected[15]})
    short.fails(NOT_FOUND, "scan", "t", "--version", "4", words=["no longer in the log (oldest: 5)"])
    runner, table, expected = tables["default"]
    assert log_versions(table) == list(range(16)), "the default 30-day retention deleted 3-day-old commits"
    assert lake_rows(runner, "t", 0) == [] and deltars_rows(table, 2) == expected[2]


def test_a_vacuum_that_cannot_delete_everything_records_failed(lk, tmp_path, duckdb_con):
    """A folder of orphans on a read-only mount: vacuum deletes what it can, records
    `VACUUM END` with status FAILED, exits 1 saying so, and the next run finishes the job."""
    table = lake_table(lk, tmp_path, [[(1, "a")]])
    expected = lake_rows(lk, "t")
    stuck = table / "stuck"
    stuck.mkdir()
    for name in ("old-1.parquet", "old-2.parquet"):
        (stuck / name).write_bytes(b"x")
        age(stuck / name, 30)
    (table / "old-root.parquet").write_bytes(b"y")
    age(table / "old-root.parquet", 30)
    if subprocess.run(["mount", "--bind", str(stuck), str(stuck)], capture_output=True).returncode != 0:
        pytest.skip("bind mounts are not permitted here")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(stuck)], capture_output=True).returncode != 0:
            pytest.skip("read-only remounts are not permitted here")
        proc = lk.run("vacuum", "t")
        assert proc.returncode == 1, describe(proc)
        assert "deleted 1 of 3 files" in proc.stderr and "FAILED" in proc.stderr, describe(proc)
        assert not (table / "old-root.parquet").exists() and (stuck / "old-1.parquet").exists()
        end = vacuum_commit(table, max(log_versions(table)))
        assert end["operation"] == "VACUUM END" and end["operationParameters"]["status"] == "FAILED", end
        assert str(end["operationMetrics"]["numDeletedFiles"]) == "1", end
    finally:
        subprocess.run(["umount", str(stuck)], capture_output=True)
    doc = lk.doc("vacuum", "t")
    assert doc["files"] == ["stuck/old-1.parquet", "stuck/old-2.parquet"], doc
    assert vacuum_commit(table, doc["version"])["operationParameters"]["status"] == "COMPLETED"
    assert lake_rows(lk, "t") == expected == duck_rows(duckdb_con, table)


def test_log_cleanup_races_appenders(lk, tmp_path, duckdb_con):
    """Appends commit (and their checkpoints clean up the log) while `lake vacuum` and
    `lake checkpoint` clean it up too: every append lands, the log stays contiguous from
    the kept checkpoint, and every engine reads every version that is left."""
    table, _ = log_table(lk, tmp_path)
    date_commits(table, range(0, 8), 40)
    errors: list[str] = []

    def appender(k: int):
        for j in range(6):
            proc = lk.run("append", "t", write_csv(tmp_path / f"race-{k}-{j}.csv", [(100 + 10 * k + j, "r")]))
            if proc.returncode != 0:
                errors.append(describe(proc))

    threads = [threading.Thread(target=appender, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for _ in range(3):
        for args in (("vacuum", "t"), ("checkpoint", "t")):
            proc = lk.run(*args)
            if proc.returncode != 0:
                errors.append(describe(proc))
    for t in threads:
        t.join()
    assert not errors, errors[0]
    versions = log_versions(table)
    assert versions[0] == 5 and versions == list(range(5, versions[-1] + 1)) and versions[-1] == 24, versions
    ids = sorted([v for v in range(1, 13)] + [100 + 10 * k + j for k in range(2) for j in range(6)])
    assert sorted(r[0] for r in lake_rows(lk, "t")) == ids == sorted(r[0] for r in duck_rows(duckdb_con, table))
    assert sorted(r[0] for r in deltars_rows(table)) == ids
    for v in (5, 12, 24):
        assert lake_rows(lk, "t", v) == duck_rows(duckdb_con, table, v) == deltars_rows(table, v), v
