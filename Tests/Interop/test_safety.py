"""Safety: a table never overlaps, escapes, or destroys what it does not own (issue 9).

Every case runs the real binary the way a user would hit it. A decoy lives outside each
table (a file, and a directory of files, some reached through symbolic links from inside
the table); after every destructive or refused command the decoy is checked untouched.

* Locations: create --location / register refuse overlaps (exit 2), compared after resolving
  symbolic links; one directory is one table under one name.
* Managed vs external: drop --purge refuses external tables; describe names the kind.
* Purge deletes only what the table owns (files its log names at any version, its
  _delta_log, lake's temporary files), never follows or deletes a link, says what is left.
* Symbolic links and special files inside a table are never followed or opened.
* Races: appenders against drop --purge + create of the same name never corrupt a table.
* The catalog is a cache of names: sync rediscovers managed tables; a damaged catalog gives
  one clear line and `catalog sync --rebuild` fixes it; reads never wait for the write lock;
  a read-only warehouse can be read.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from conftest import describe
from helpers import Decoy, Lake, binary_anyone_can_run, data_files, live_adds, log_versions, world_enterable_dir

USAGE, RUNTIME, CONFLICT, NOT_FOUND = 2, 1, 3, 4


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------

@pytest.fixture
def env(lake, tmp_path):
    lk = Lake(lake, tmp_path / "wh")
    lk.ok("init")
    return lk, Decoy(tmp_path), tmp_path


def csv(path: Path, rows: list[tuple], header="id,region") -> Path:
    path.write_text(header + "\n" + "".join(",".join("" if v is None else str(v) for v in r) + "\n" for r in rows))
    return path


def make_table(lk: Lake, tmp: Path, name="t", appends=2) -> Path:
    lk.ok("create", name, "--schema", "id long, region string", "--partition-by", "region")
    for k in range(appends):
        lk.ok("append", name, csv(tmp / f"{name}-{k}.csv", [(10 * k + i, ["eu", "us"][i % 2]) for i in range(4)]))
    return Path(lk.doc("describe", name)["location"])


# --------------------------------------------------------------------------------------
# locations never overlap
# --------------------------------------------------------------------------------------

def test_create_location_refuses_overlaps(env):
    lk, decoy, tmp = env
    loc = make_table(lk, tmp)
    other = tmp / "elsewhere"
    lk.ok("create", "ext", "--schema", "id long", "--location", other)
    (tmp / "full").mkdir()
    (tmp / "full" / "notes.txt").write_text("x")
    os.symlink(loc, tmp / "link-to-t")
    os.symlink(other, tmp / "link-to-ext")
    refused = {
        "inside a table": loc / "sub",
        "a table itself": loc,
        "a table's _delta_log": loc / "_delta_log",
        "inside a _delta_log": loc / "_delta_log" / "x",
        "around a table": other.parent,
        "a namespace folder": lk.warehouse / "default",
        "a new namespace folder": lk.warehouse / "newns",
        "the warehouse": lk.warehouse,
        "the root": Path("/"),
        "a non-empty non-Delta directory": tmp / "full",
        "a symlink to a table": tmp / "link-to-t",
        "inside a symlinked table": tmp / "link-to-ext" / "deeper",
    }
    for what, where in refused.items():
        proc = lk.run("create", "x", "--schema", "id long", "--location", where)
        assert proc.returncode == USAGE, f"create --location {what} ({where}){describe(proc)}"
        assert "refusing" in proc.stderr, describe(proc)
    assert "x" not in {t["name"].split(".")[-1] for t in lk.doc("list")["tables"]}
    # An empty directory, or a new one outside every table, is fine.
    (tmp / "empty").mkdir()
    lk.ok("create", "fresh", "--schema", "id long", "--location", tmp / "empty")
    decoy.check("refused creates")


def test_register_refuses_overlaps_and_second_names(env):
    lk, decoy, tmp = env
    loc = make_table(lk, tmp)
    dr = tmp / "deltars"
    write_deltalake(str(dr), pa.table({"id": pa.array([1, 2], pa.int64())}))
    lk.ok("register", "ext", dr)
    os.symlink(dr, tmp / "dr-link")
    for where in (loc, dr, tmp / "dr-link", lk.warehouse, lk.warehouse / "default", loc / "_delta_log", Path("/")):
        proc = lk.run("register", "again", where)
        assert proc.returncode == USAGE, f"register {where}{describe(proc)}"
    nested = loc / "nested"
    write_deltalake(str(nested), pa.table({"id": pa.array([1], pa.int64())}))
    lk.fails(USAGE, "register", "nested", nested, words=["inside"])
    proc = lk.run("register", "plain", decoy.dir)
    assert proc.returncode == USAGE, describe(proc)  # a non-empty directory that is no Delta table
    lk.fails(RUNTIME, "register", "ext", tmp / "nowhere")  # the name is taken (checked first)
    decoy.check("refused registers")


# --------------------------------------------------------------------------------------
# managed and external tables; purge deletes only what the table owns
# --------------------------------------------------------------------------------------

def test_external_tables_are_never_purged(env):
    lk, decoy, tmp = env
    dr = tmp / "deltars"
    write_deltalake(str(dr), pa.table({"id": pa.array([1, 2], pa.int64())}))
    lk.ok("register", "reg", dr)
    lk.ok("create", "loc", "--schema", "id long", "--location", tmp / "outside")
    lk.ok("create", "man", "--schema", "id long")
    assert lk.doc("describe", "reg")["kind"] == "external"
    assert lk.doc("describe", "loc")["kind"] == "external"
    assert lk.doc("describe", "man")["kind"] == "managed"
    assert lk.doc("describe", dr)["kind"] == "external"  # the registered table, named by its path
    loose = tmp / "loose"
    write_deltalake(str(loose), pa.table({"id": pa.array([1], pa.int64())}))
    assert lk.doc("describe", loose)["kind"] == "path"
    before = sorted(p for p in dr.rglob("*"))
    for name in ("reg", "loc"):
        lk.fails(USAGE, "drop", name, "--purge", words=["external"])
    assert sorted(p for p in dr.rglob("*")) == before and (tmp / "outside" / "_delta_log").is_dir()
    assert {t["name"] for t in lk.doc("list")["tables"]} == {"default.reg", "default.loc", "default.man"}
    lk.ok("drop", "reg")  # plain drop only forgets it
    assert sorted(p for p in dr.rglob("*")) == before
    assert DeltaTable(str(dr)).to_pyarrow_table().num_rows == 2
    decoy.check("external drops")


def test_purge_deletes_only_what_the_table_owns(env):
    lk, decoy, tmp = env
    loc = make_table(lk, tmp)
    # Another engine rewrites the table: the old files stay on disk, named by old versions.
    write_deltalake(str(loc), pa.table({"id": pa.array([99], pa.int64()), "region": pa.array(["eu"])}),
                    mode="overwrite", partition_by=["region"])
    owned = [p for p in loc.rglob("*.parquet")]
    assert len(owned) >= 5, owned
    # What the table does not own: an unrelated file and folder, a stray Parquet file, links
    # out to the decoy (a file and a directory), and a log entry naming a file outside.
    (loc / "README.txt").write_text("mine, not the table's")
    (loc / "notes").mkdir()
    (loc / "notes" / "n.txt").write_text("n")
    (loc / "region=eu" / "stray.parquet").write_bytes(b"not referenced")
    os.symlink(decoy.file, loc / "link-file.parquet")
    os.symlink(decoy.dir / "inner", loc / "region=xx")
    log = loc / "_delta_log"
    outside = {"add": {"path": "../../../decoy/precious.txt", "partitionValues": {}, "size": 1,
                       "modificationTime": 0, "dataChange": True}}
    version = max(log_versions(loc)) + 1
    (log / f"{version:020d}.json").write_text(json.dumps({"commitInfo": {"operation": "HAND"}}) + "\n" + json.dumps(outside) + "\n")
    (log / ".00000000000000000099.json.123.456.tmp").write_text("lake temp")
    doc = lk.doc("drop", "t", "--purge")
    assert doc["purged"] is True and doc["files_deleted"] >= len(owned), doc
    assert not any(p.exists() for p in owned), [p for p in owned if p.exists()]
    assert not log.exists() and not list(loc.glob("_delta_log*")), list(loc.iterdir())
    for kept in ("README.txt", "notes/n.txt", "region=eu/stray.parquet"):
        assert (loc / kept).exists(), f"purge deleted {kept}, which the table does not own"
    assert (loc / "link-file.parquet").is_symlink() and (loc / "region=xx").is_symlink(), "purge deleted a symlink"
    left = {str(Path(p).relative_to(loc)) for p in doc["left"]}
    assert {"README.txt", "notes/n.txt", "region=eu/stray.parquet", "link-file.parquet", "region=xx"} <= left, doc
    assert "default.t" not in {t["name"] for t in lk.doc("list")["tables"]}
    decoy.check("purge")


def test_purge_of_a_clean_table_removes_its_folder(env):
    lk, decoy, tmp = env
    loc = make_table(lk, tmp)
    doc = lk.doc("drop", "t", "--purge")
    assert not loc.exists() and doc["left"] == [], doc
    assert (lk.warehouse / "catalog.db").exists()
    decoy.check("clean purge")


def test_purge_refuses_a_symlinked_log_and_unregisters_nothing(env):
    lk, decoy, tmp = env
    loc = make_table(lk, tmp)
    real = tmp / "real-log"
    shutil.move(loc / "_delta_log", real)
    os.symlink(real, loc / "_delta_log")
    lk.fails(USAGE, "drop", "t", "--purge", words=["symbolic link"])
    assert "default.t" in {t["name"] for t in lk.doc("list")["tables"]}
    assert (real / f"{0:020d}.json").exists()
    decoy.check("refused purge")


# --------------------------------------------------------------------------------------
# never through symbolic links or special files
# --------------------------------------------------------------------------------------

def test_delta_log_symlinks(env):
    lk, decoy, tmp = env
    a = make_table(lk, tmp, "a")
    # b's _delta_log is a link to a's: refused for reading and writing.
    b = tmp / "b"
    b.mkdir()
    os.symlink(a / "_delta_log", b / "_delta_log")
    for args in (("scan", b), ("count", b), ("append", b, csv(tmp / "x.csv", [(1, "eu")]))):
        proc = lk.run(*args)
        assert proc.returncode == RUNTIME and "symbolic link" in proc.stderr, f"{args}{describe(proc)}"
    # c's _delta_log is a link inside c itself: read, but never written through.
    c = tmp / "c"
    shutil.copytree(a, c)
    shutil.move(c / "_delta_log", c / ".log")
    os.symlink(c / ".log", c / "_delta_log")
    assert lk.doc("count", c)["count"] == 8
    proc = lk.run("append", c, csv(tmp / "y.csv", [(1, "eu")]))
    assert proc.returncode == RUNTIME and "symbolic link" in proc.stderr, describe(proc)
    assert log_versions(c) == [0, 1, 2]
    assert lk.doc("count", "a")["count"] == 8
    decoy.check("log links")


def test_data_files_are_never_opened_through_links(env):
    lk, decoy, tmp = env
    loc = make_table(lk, tmp, appends=1)
    victim = next(loc.glob("region=eu/*.parquet"))
    copy = decoy.dir / "copy.parquet"
    shutil.copy(victim, copy)
    decoy.snapshot = decoy._state()
    victim.unlink()
    os.symlink(copy, victim)
    proc = lk.run("scan", "t")
    assert proc.returncode == RUNTIME and "symbolic link" in proc.stderr, describe(proc)
    assert lk.run("count", "t", "--where", "id >= 0 AND region = 'eu'").returncode == RUNTIME
    # A partition directory that is a link.
    victim.unlink()
    shutil.copy(copy, victim)
    part = loc / "region=us"
    shutil.move(part, decoy.dir / "us")
    decoy.snapshot = decoy._state()
    os.symlink(decoy.dir / "us", part)
    proc = lk.run("scan", "t")
    assert proc.returncode == RUNTIME and "symbolic link" in proc.stderr, describe(proc)
    assert lk.run("scan", "t", "--where", "region = 'eu'").returncode == 0  # pruned: never opened
    decoy.check("data links")


def test_files_are_never_written_through_a_linked_partition_folder(env):
    """Appends and compactions that would write into a partition folder that is a link out of
    the table fail, commit nothing and leave the decoy as it was."""
    lk, decoy, tmp = env
    loc = make_table(lk, tmp, appends=2)
    os.symlink(decoy.dir, loc / "region=zz")
    before = log_versions(loc)
    proc = lk.run("append", "t", csv(tmp / "zz.csv", [(99, "zz")]))
    assert proc.returncode == RUNTIME and "symbolic link" in proc.stderr, describe(proc)
    decoy.check("an append through a linked partition folder")
    # A folder lake compacts into, swapped for a link after the files were written.
    part = loc / "region=us"
    shutil.move(part, decoy.dir / "us")
    os.symlink(decoy.dir / "us", part)
    decoy.snapshot = decoy._state()
    proc = lk.run("compact", "t")
    assert proc.returncode == RUNTIME and "symbolic link" in proc.stderr, describe(proc)
    assert log_versions(loc) == before
    assert (loc / "region=zz").is_symlink() and part.is_symlink()
    decoy.check("writes through links")


def test_a_fifo_data_file_is_an_error_not_a_hang(env):
    lk, decoy, tmp = env
    loc = make_table(lk, tmp, appends=1)
    victim = next(loc.glob("region=eu/*.parquet"))
    victim.unlink()
    os.mkfifo(victim)
    start = time.monotonic()
    proc = lk.run("scan", "t", timeout=20)
    assert proc.returncode == RUNTIME and "regular file" in proc.stderr, describe(proc)
    assert time.monotonic() - start < 15
    decoy.check("fifo")


def test_a_root_resolving_into_another_table_is_not_written(env):
    lk, decoy, tmp = env
    loc = make_table(lk, tmp, appends=1)
    os.symlink(loc, tmp / "alias")
    proc = lk.run("append", tmp / "alias", csv(tmp / "z.csv", [(5, "eu")]))
    assert proc.returncode == USAGE and "overlaps" in proc.stderr, describe(proc)
    assert log_versions(loc) == [0, 1]
    assert lk.doc("count", tmp / "alias")["count"] == 4  # reading by path is fine
    decoy.check("alias")


# --------------------------------------------------------------------------------------
# races that must not corrupt a table
# --------------------------------------------------------------------------------------

def _contiguous(loc: Path) -> bool:
    versions = log_versions(loc)
    return versions == list(range(len(versions)))


def test_appends_racing_drop_purge_and_create(env):
    lk, decoy, tmp = env
    lk.ok("create", "r", "--schema", "id long, region string")
    inputs = [csv(tmp / f"in-{k}.csv", [(k, "eu")]) for k in range(4)]
    codes: list[int] = []
    stop = threading.Event()

    def appender(k: int):
        while not stop.is_set():
            codes.append(lk.run("append", "r", inputs[k], timeout=60).returncode)

    for round_ in range(10):
        stop.clear()
        threads = [threading.Thread(target=appender, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        purge = lk.run("drop", "r", "--purge")
        create = lk.run("create", "r", "--schema", "id long, region string")
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join()
        assert purge.returncode in (0, RUNTIME), f"round {round_}: purge{describe(purge)}"
        assert create.returncode == 0, f"round {round_}: create{describe(create)}"
        loc = Path(lk.doc("describe", "r")["location"])
        assert _contiguous(loc), f"round {round_}: the new table's log has a gap: {log_versions(loc)}"
        n = lk.doc("count", "r")["count"]
        assert n == DeltaTable(str(loc)).to_pyarrow_table().num_rows, f"round {round_}: lake and delta-rs disagree"
        assert n == len(lk.rows("r")), f"round {round_}"
    assert set(codes) <= {0, RUNTIME, CONFLICT, NOT_FOUND}, sorted(set(codes))
    assert codes.count(0) > 0, "no append ever succeeded"
    decoy.check("races")


# --------------------------------------------------------------------------------------
# the catalog is a cache of names
# --------------------------------------------------------------------------------------

def test_sync_rediscovers_managed_tables_after_the_catalog_is_lost(env):
    lk, decoy, tmp = env
    make_table(lk, tmp, "t")
    lk.ok("create", "sales.orders", "--schema", "id long")
    dr = tmp / "deltars"
    write_deltalake(str(dr), pa.table({"id": pa.array([1], pa.int64())}))
    lk.ok("register", "ext", dr)
    for f in lk.warehouse.glob("catalog.db*"):
        f.unlink()
    proc = lk.ok("catalog", "sync")
    assert "register them again" in proc.stdout, proc.stdout
    doc = lk.doc("catalog", "sync")
    names = {t["name"]: t for t in lk.doc("list")["tables"]}
    assert set(names) == {"default.t", "sales.orders"}, names
    assert names["default.t"]["rows"] == 8 and names["default.t"]["version"] == 2
    assert lk.doc("describe", "t")["kind"] == "managed"
    assert doc["discovered"] == [], doc  # the second sync finds nothing new
    decoy.check("sync")


def test_a_damaged_catalog_says_how_to_fix_it(env):
    lk, decoy, tmp = env
    loc = make_table(lk, tmp)
    for f in lk.warehouse.glob("catalog.db-*"):
        f.unlink()
    (lk.warehouse / "catalog.db").write_bytes(b"this is not a database" * 100)
    proc = lk.run("list")
    assert proc.returncode == RUNTIME, describe(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "catalog.db" in lines[0] and "catalog sync --rebuild" in lines[0], describe(proc)
    # A table named by its path never needs the catalog.
    assert lk.doc("count", loc)["count"] == 8
    lk.ok("append", loc, csv(tmp / "p.csv", [(100, "eu")]))
    doc = lk.doc("catalog", "sync", "--rebuild")
    assert doc["moved_aside"] and Path(doc["moved_aside"]).exists(), doc
    assert doc["discovered"] == ["default.t"], doc
    assert lk.doc("count", "t")["count"] == 9
    decoy.check("damaged catalog")


def test_reads_never_wait_for_the_catalog_write_lock(env):
    lk, decoy, tmp = env
    loc = make_table(lk, tmp)
    # Another engine appends, so the catalog's index is behind and a read wants to catch up.
    write_deltalake(str(loc), pa.table({"id": pa.array([7], pa.int64()), "region": pa.array(["us"])}),
                    mode="append", partition_by=["region"])
    con = sqlite3.connect(lk.warehouse / "catalog.db", timeout=0, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    try:
        for args in (("scan", "t", "--format", "csv"), ("count", "t"), ("describe", "t"), ("history", "t"), ("list",)):
            start = time.monotonic()
            proc = lk.run(*args, timeout=20)
            took = time.monotonic() - start
            assert proc.returncode == 0, f"{args} while the catalog is locked{describe(proc)}"
            assert took < 5, f"{args} waited {took:.1f}s for the catalog's write lock"
        assert lk.doc("count", "t")["count"] == 9
    finally:
        con.execute("ROLLBACK")
        con.close()
    assert lk.doc("list")["tables"][0]["rows"] == 9  # caught up once the lock is gone
    decoy.check("lock")


def test_a_read_only_warehouse_can_be_read(lake):
    base = world_enterable_dir("lake-ro-")
    lk = Lake(binary_anyone_can_run(lake, base), base / "wh")
    lk.ok("init")
    make_table(lk, base)
    lk.ok("count", "t")
    for p in [base, *base.rglob("*")]:
        if p.is_symlink():
            continue
        mode = p.stat().st_mode
        p.chmod((mode & ~0o222) | (0o555 if p.is_dir() else 0o444))
    try:
        env = dict(lk.env)

        def as_nobody(*args):
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *lk.argv(*args)]
            return subprocess.run(argv, capture_output=True, text=True, env=env, cwd="/", timeout=60)

        for args in (("list", "--json"), ("count", "t", "--json"), ("scan", "t", "--format", "csv"),
                     ("describe", "t", "--json"), ("history", "t", "--json")):
            proc = as_nobody(*args)
            assert proc.returncode == 0, f"{args} on a read-only warehouse{describe(proc)}"
        assert json.loads(as_nobody("count", "t", "--json").stdout)["count"] == 8
        proc = as_nobody("append", "t", str(base / "t-0.csv"))
        assert proc.returncode == RUNTIME and len(proc.stderr.strip().splitlines()) == 1, describe(proc)
    finally:
        for p in [base, *base.rglob("*")]:
            if not p.is_symlink():
                p.chmod(p.stat().st_mode | 0o200)
        shutil.rmtree(base, ignore_errors=True)


def test_a_missing_middle_commit_is_named(env):
    lk, decoy, tmp = env
    loc = make_table(lk, tmp)
    (loc / "_delta_log" / f"{1:020d}.json").unlink()
    lk.fails(NOT_FOUND, "scan", "t", words=["commit 1 is missing"])


@contextlib.contextmanager
def tmpfs(mountpoint: Path, size: str):
    """A small tmpfs mounted at `mountpoint` for the test (skipped where mounting needs root)."""
    mountpoint.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mountpoint)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root: {mounted.stderr.decode().strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True)


def test_a_full_disk_leaves_no_temporary_or_orphan_files(lake, tmp_path):
    """ENOSPC at every step of an append (the data file, the commit's temporary file, its
    link): each failed append exits 1 and leaves neither a temporary file nor a data file the
    log does not name; once there is room, the append lands."""
    with tmpfs(tmp_path / "tiny", "512k") as mnt:
        lk = Lake(lake, tmp_path / "wh")
        table = mnt / "t"
        lk.ok("create", table, "--schema", "id long, s string")
        rows = csv(tmp_path / "rows.csv", [(i, f"value-{i}") for i in range(300)], header="id,s")
        filler = mnt / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            while os.write(fd, b"x" * 4096) == 4096:
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        codes = []
        for _ in range(40):
            proc = lk.run("append", table, rows)
            codes.append(proc.returncode)
            temporaries = [str(p) for p in table.rglob("*") if p.name.endswith(".tmp")]
            assert not temporaries, f"append (exit {proc.returncode}) left {temporaries}{describe(proc)}"
            named = set(live_adds(table))
            assert set(data_files(table)) == named, f"append (exit {proc.returncode}) left orphans{describe(proc)}"
            if proc.returncode == 0:
                break
            assert proc.returncode == RUNTIME and len(proc.stderr.strip().splitlines()) == 1, describe(proc)
            os.truncate(filler, max(0, filler.stat().st_size - 4096))
        assert codes[-1] == 0 and RUNTIME in codes, codes
        assert log_versions(table) == [0, 1]
        assert lk.doc("count", table)["count"] == 300


def test_table_output_never_sends_a_raw_escape_to_the_terminal(env):
    """A data value holding ESC prints escaped in the table format (for people), and
    byte for byte in CSV (for programs)."""
    lk, decoy, tmp = env
    lk.ok("create", "t", "--schema", "id long, s string")
    (tmp / "esc.csv").write_bytes(b"id,s\n1,\x1b[31mred\x1b[0m\n")
    lk.ok("append", "t", tmp / "esc.csv")
    table = lk.ok("scan", "t", "--format", "table").stdout
    assert "\x1b" not in table and "\\x1b[31mred" in table, table
    assert "\x1b[31mred" in lk.ok("scan", "t", "--format", "csv").stdout


def test_a_purge_that_fails_halfway_says_what_is_left(lake, tmp_path):
    """The table is unregistered first; when deleting then fails (a read-only file system),
    the error says so and what is left, and no catalog name points at the directory."""
    with tmpfs(tmp_path / "ro", "4m") as mnt:
        lk = Lake(lake, mnt / "wh")
        lk.ok("init")
        make_table(lk, tmp_path)
        loc = Path(lk.doc("describe", "t")["location"])
        before = sorted(str(p) for p in loc.rglob("*"))
        # The table's folder becomes read-only; the catalog stays writable elsewhere.
        if subprocess.run(["mount", "--bind", str(loc), str(loc)], capture_output=True).returncode != 0:
            pytest.skip("bind mounts are not permitted here")
        try:
            if subprocess.run(["mount", "-o", "remount,bind,ro", str(loc)], capture_output=True).returncode != 0:
                pytest.skip("read-only remounts are not permitted here")
            proc = lk.run("drop", "t", "--purge")
            assert proc.returncode == RUNTIME, describe(proc)
            line = proc.stderr.strip()
            assert len(line.splitlines()) == 1 and "dropped default.t from the catalog" in line and "left" in line, describe(proc)
            assert "default.t" not in {t["name"] for t in lk.doc("list")["tables"]}
            assert sorted(str(p) for p in loc.rglob("*")) == before
        finally:
            subprocess.run(["umount", str(loc)], capture_output=True)
