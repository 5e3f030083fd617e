"""Reading deletion vectors (issue 14, first part). Tables whose files carry deletion vectors
read with the deleted rows gone in `scan`, `count` (from stats: numRecords less the vector's
cardinality) and predicates; storage types `u` (a file named by a Z85 UUID), `i` (inline,
Z85) and `p` (a path) are all read; compaction rewrites such files without the deleted rows.
Spark's fixtures are judged by DuckDB (delta-rs's reader refuses the feature); the vectors of
`test_vectors_written_to_the_protocol_read_with_their_rows_gone` are written here, byte by
byte from PROTOCOL.md and RoaringFormatSpec, with array, bitmap and run containers.
"""

from __future__ import annotations

import json
import struct
import uuid
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import FIXTURES
from helpers import log_versions, read_commit

DELTA_FIXTURES = FIXTURES / "delta-tables"
Z85_ALPHABET = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"


def z85(data: bytes) -> str:
    data = data + b"\0" * (-len(data) % 4)
    out = bytearray()
    for i in range(0, len(data), 4):
        value = int.from_bytes(data[i:i + 4], "big")
        out += bytes(Z85_ALPHABET[(value // 85 ** k) % 85] for k in range(4, -1, -1))
    return out.decode()


def roaring32(values: list[int], runs: set[int] = frozenset()) -> bytes:
    """A 32-bit Roaring bitmap in the portable format; containers of high keys in `runs` are
    run containers, others array (up to 4096 values) or bitmap containers."""
    containers: dict[int, list[int]] = {}
    for v in sorted(values):
        containers.setdefault(v >> 16, []).append(v & 0xFFFF)
    keys = sorted(containers)
    payloads = []
    for key in keys:
        low = containers[key]
        if key in runs:
            pairs, start, prev = [], low[0], low[0]
            for v in low[1:] + [None]:
                if v is not None and v == prev + 1:
                    prev = v
                    continue
                pairs.append((start, prev - start))
                if v is not None:
                    start = prev = v
            payloads.append(struct.pack("<H", len(pairs)) + b"".join(struct.pack("<HH", s, n) for s, n in pairs))
        elif len(low) <= 4096:
            payloads.append(b"".join(struct.pack("<H", v) for v in low))
        else:
            words = [0] * 1024
            for v in low:
                words[v >> 6] |= 1 << (v & 63)
            payloads.append(b"".join(struct.pack("<Q", w) for w in words))
    n = len(keys)
    has_runs = any(k in runs for k in keys)
    if has_runs:
        flags = bytearray((n + 7) // 8)
        for i, key in enumerate(keys):
            if key in runs:
                flags[i // 8] |= 1 << (i % 8)
        header = struct.pack("<I", 12347 | ((n - 1) << 16)) + bytes(flags)
    else:
        header = struct.pack("<II", 12346, n)
    header += b"".join(struct.pack("<HH", key, len(containers[key]) - 1) for key in keys)
    if not has_runs or n >= 4:
        offset = len(header) + 4 * n
        for payload in payloads:
            header += struct.pack("<I", offset)
            offset += len(payload)
    return header + b"".join(payloads)


def vector(rows: list[int], runs: set[int] = frozenset()) -> bytes:
    """Delta's serialized deletion vector: magic, then the portable 64-bit bitmap."""
    buckets: dict[int, list[int]] = {}
    for r in rows:
        buckets.setdefault(r >> 32, []).append(r & 0xFFFFFFFF)
    out = struct.pack("<IQ", 1681511377, len(buckets))
    for high in sorted(buckets):
        out += struct.pack("<I", high) + roaring32(buckets[high], runs)
    return out


def framed_file(*vectors: bytes) -> tuple[bytes, list[int]]:
    """A deletion vector file (version byte, then size, data, CRC-32 big-endian) and each
    vector's offset."""
    out, offsets = bytearray(b"\x01"), []
    for data in vectors:
        offsets.append(len(out))
        out += struct.pack(">I", len(data)) + data + struct.pack(">I", zlib.crc32(data))
    return bytes(out), offsets


def write_table(root: Path, files: dict[str, int], vectors: dict[str, dict]) -> None:
    (root / "_delta_log").mkdir(parents=True)
    actions = [
        {"protocol": {"minReaderVersion": 3, "minWriterVersion": 7, "readerFeatures": ["deletionVectors"],
                      "writerFeatures": ["deletionVectors"]}},
        {"metaData": {"id": str(uuid.uuid4()), "format": {"provider": "parquet", "options": {}},
                      "schemaString": json.dumps({"type": "struct", "fields": [
                          {"name": "id", "type": "long", "nullable": True, "metadata": {}},
                          {"name": "f", "type": "string", "nullable": True, "metadata": {}}]}),
                      "partitionColumns": [], "configuration": {"delta.enableDeletionVectors": "true"},
                      "createdTime": 1}},
    ]
    start = 0
    for name, rows in files.items():
        pq.write_table(pa.table({"id": pa.array(range(start, start + rows), pa.int64()), "f": [name] * rows}), root / name)
        stats = {"numRecords": rows, "minValues": {"id": start, "f": name}, "maxValues": {"id": start + rows - 1, "f": name},
                 "nullCount": {"id": 0, "f": 0}, "tightBounds": False}
        add = {"path": name, "partitionValues": {}, "size": (root / name).stat().st_size, "modificationTime": 1,
               "dataChange": True, "stats": json.dumps(stats)}
        if name in vectors:
            add["deletionVector"] = vectors[name]
        actions.append({"add": add})
        start += rows
    (root / "_delta_log" / "00000000000000000000.json").write_text("".join(json.dumps(a) + "\n" for a in actions))


def test_vectors_written_to_the_protocol_read_with_their_rows_gone(lk, tmp_path, duckdb_con):
    table = tmp_path / "dv"
    files = {"a.parquet": 70_000, "b.parquet": 1_000, "c.parquet": 500, "d.parquet": 10}
    # a: a bitmap container (5,000 rows below 65,536) and a run container above it; b: an
    # inline array; c: a vector by absolute path (with a second one before it in its file).
    deleted_a = list(range(0, 10_000, 2)) + list(range(65_636, 65_736))
    deleted_b = [1, 5, 999]
    deleted_c = [0, 499]
    table.mkdir()
    file_uuid = uuid.uuid4()
    a_bytes = vector(deleted_a, runs={1})
    a_file, (a_offset,) = framed_file(a_bytes)
    (table / "ab").mkdir()
    (table / "ab" / f"deletion_vector_{file_uuid}.bin").write_bytes(a_file)
    c_bytes = vector(deleted_c)
    c_file, (_, c_offset) = framed_file(vector([3]), c_bytes)
    (table / "c-vectors.bin").write_bytes(c_file)
    b_bytes = vector(deleted_b)
    vectors = {
        "a.parquet": {"storageType": "u", "pathOrInlineDv": "ab" + z85(file_uuid.bytes), "offset": a_offset,
                      "sizeInBytes": len(a_bytes), "cardinality": len(deleted_a)},
        "b.parquet": {"storageType": "i", "pathOrInlineDv": z85(b_bytes), "sizeInBytes": len(b_bytes),
                      "cardinality": len(deleted_b)},
        "c.parquet": {"storageType": "p", "pathOrInlineDv": (table / "c-vectors.bin").as_uri(), "offset": c_offset,
                      "sizeInBytes": len(c_bytes), "cardinality": len(deleted_c)},
    }
    write_table(table, files, vectors)
    gone = set(deleted_a) | {70_000 + r for r in deleted_b} | {71_000 + r for r in deleted_c}
    expected = sorted(set(range(71_510)) - gone)
    ids = lambda rows: sorted(r["id"] for r in rows)  # noqa: E731
    plain = [json.loads(line) for line in lk.ok("scan", table, "--format", "jsonl", "--columns", "id").stdout.splitlines()]
    assert ids(plain) == expected
    assert lk.count(table) == len(expected)
    duck = sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}')").fetchall())
    assert duck == expected
    for where in ("id < 10000", "id >= 70000", "f = 'c.parquet'", "id % 7 = 3"):
        want = duckdb_con.execute(f"SELECT count(*) FROM delta_scan('{table}') WHERE {where}").fetchone()[0]
        assert lk.count(table, "--where", where) == want, where
    # A checkpoint keeps the vectors of its adds: readers of it alone still miss the rows.
    lk.ok("checkpoint", table)
    (table / "_delta_log" / "00000000000000000000.json").unlink()
    assert lk.count(table) == len(expected) and ids(json.loads(line) for line in lk.ok(
        "scan", table, "--format", "jsonl", "--columns", "id").stdout.splitlines()) == expected
    assert sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}')").fetchall()) == expected
    # Compaction rewrites the files with vectors without their deleted rows; readers agree.
    doc = lk.doc("compact", table)
    assert doc["files_removed"] == 4, doc
    removes = [a["remove"] for a in read_commit(table, doc["version"]) if "remove" in a]
    assert {r["path"]: r.get("deletionVector") for r in removes} == {p: vectors.get(p) for p in files}
    assert sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}')").fetchall()) == expected
    assert lk.count(table) == len(expected)
    assert lk.count(table, "--version", "0") == len(expected)
    assert not any(a["add"].get("deletionVector") for a in read_commit(table, doc["version"]) if "add" in a)


def test_a_corrupt_vector_is_refused_naming_it(lk, tmp_path):
    table = tmp_path / "bad"
    table.mkdir()
    data = vector([1, 2])
    file, (offset,) = framed_file(data)
    broken = bytearray(file)
    broken[offset + 6] ^= 0xFF  # inside the data: the CRC no longer matches
    file_uuid = uuid.uuid4()
    (table / f"deletion_vector_{file_uuid}.bin").write_bytes(bytes(broken))
    write_table(table, {"a.parquet": 10}, {"a.parquet": {"storageType": "u", "pathOrInlineDv": z85(file_uuid.bytes),
                                                        "offset": offset, "sizeInBytes": len(data), "cardinality": 2}})
    lk.fails(1, "scan", table, words=["CRC"])
    assert lk.count(table) == 8  # from the statistics, without reading the vector


def test_spark_fixtures_with_deletion_vectors_read_like_duckdb(lk, duckdb_con):
    for name in ("table-with-dv-small", "table_with_deletion_logs"):
        path = DELTA_FIXTURES / name
        for version in log_versions(path):
            rel = duckdb_con.execute(f"SELECT * FROM delta_scan('{path}', version => {version})")
            columns = [d[0] for d in rel.description]
            duck = sorted(json.dumps(dict(zip(columns, row)), sort_keys=True, default=str) for row in rel.fetchall())
            out = lk.ok("scan", path, "--version", version, "--format", "jsonl").stdout.splitlines()
            ours = sorted(json.dumps(json.loads(line), sort_keys=True) for line in out if line.strip())
            assert len(ours) == len(duck) and lk.count(path, "--version", version) == len(duck), (name, version)
            if name == "table-with-dv-small":
                assert ours == duck, (name, version)


def test_deleting_from_files_with_vectors_keeps_their_deleted_rows_gone(lk, tmp_path, duckdb_con):
    table = tmp_path / "dv-delete"
    table.mkdir()
    data = vector([0, 1, 2])
    file, (offset,) = framed_file(data)
    file_uuid = uuid.uuid4()
    (table / f"deletion_vector_{file_uuid}.bin").write_bytes(file)
    write_table(table, {"a.parquet": 100, "b.parquet": 50}, {"a.parquet": {
        "storageType": "u", "pathOrInlineDv": z85(file_uuid.bytes), "offset": offset, "sizeInBytes": len(data), "cardinality": 3}})
    doc = lk.doc("delete", table, "--where", "id % 10 = 5")
    assert doc["rows_deleted"] == 15 and doc["files_removed"] == 2, doc
    expected = sorted(i for i in range(150) if i > 2 and i % 10 != 5)
    assert sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}')").fetchall()) == expected
    assert lk.count(table) == len(expected)
    removes = {a["remove"]["path"]: a["remove"].get("deletionVector") for a in read_commit(table, 1) if "remove" in a}
    assert removes["a.parquet"]["pathOrInlineDv"] == z85(file_uuid.bytes) and removes["b.parquet"] is None


def test_deletes_on_a_table_with_deletion_vectors_write_vectors_peers_read(lk, tmp_path, duckdb_con):
    from deltalake import DeltaTable, QueryBuilder

    lk.ok("create", "t", "--schema", "id long, r string", "--property", "delta.enableDeletionVectors=true")
    table = Path(lk.doc("describe", "t")["location"])
    proto = [a["protocol"] for a in read_commit(table, 0) if "protocol" in a][0]
    assert "deletionVectors" in proto["readerFeatures"] and "deletionVectors" in proto["writerFeatures"]
    for k in range(2):
        rows = "".join(f"{k * 100_000 + i},r{i % 7}\n" for i in range(70_000))
        lk.ok("append", "t", "-", "--format", "csv", input="id,r\n" + rows)
    paths = {a["add"]["path"] for v in (1, 2) for a in read_commit(table, v) if "add" in a}
    expected = set(range(70_000)) | set(range(100_000, 170_000))
    for where, gone in (("id % 10 = 3", {i for i in expected if i % 10 == 3}),
                        ("r = 'r5' AND id < 100000", {i for i in expected if i < 100_000 and i % 7 == 5}),
                        ("id BETWEEN 100000 AND 100100", set(range(100_000, 100_101)))):
        doc = lk.doc("delete", "t", "--where", where)
        assert doc["deletion_vectors_written"] >= 1 and doc["rows_copied"] == 0, doc
        expected -= gone
        version = doc["version"]
        adds = [a["add"] for a in read_commit(table, version) if "add" in a]
        # The same files, re-added with vectors (the union of every delete so far).
        assert {a["path"] for a in adds} <= paths and all(a["deletionVector"]["storageType"] == "u" for a in adds)
        assert all(json.loads(a["stats"])["tightBounds"] is False for a in adds)
        ours = sorted(json.loads(line)["id"] for line in lk.ok("scan", "t", "--format", "jsonl", "--columns", "id").stdout.splitlines())
        assert ours == sorted(expected)
        assert lk.count("t") == len(expected)
        duck = sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}')").fetchall())
        assert duck == sorted(expected), where
        theirs = QueryBuilder().register("t", DeltaTable(str(table))).execute("SELECT id FROM t").read_all()
        assert sorted(theirs.column("id").to_pylist()) == sorted(expected), where
    # Vacuum keeps the live vectors; compaction rewrites the files without their deleted rows.
    lk.ok("vacuum", "t", "--retain", "0s", "--force")
    assert lk.count("t") == len(expected)
    compacted = lk.doc("compact", "t")["version"]
    assert not any(a["add"].get("deletionVector") for a in read_commit(table, compacted) if "add" in a)
    assert sorted(r[0] for r in duckdb_con.execute(f"SELECT id FROM delta_scan('{table}')").fetchall()) == sorted(expected)


def test_updates_and_merges_on_a_table_with_deletion_vectors_mark_rows_instead_of_rewriting(lk, tmp_path, duckdb_con):
    from deltalake import DeltaTable, QueryBuilder

    lk.ok("create", "t", "--schema", "id long, v string", "--property", "delta.enableDeletionVectors=true")
    table = Path(lk.doc("describe", "t")["location"])
    lk.ok("append", "t", "-", "--format", "csv", input="id,v\n" + "".join(f"{i},old\n" for i in range(1000)))
    original = {a["add"]["path"] for a in read_commit(table, 1) if "add" in a}
    expected = {i: "old" for i in range(1000)}

    def check(doc):
        commit = read_commit(table, doc["version"])
        # The old file stays, re-added with a vector; new rows go to new files.
        assert original <= {a["add"]["path"] for a in commit if "add" in a}, commit
        assert all(a["add"].get("deletionVector") for a in commit if "add" in a and a["add"]["path"] in original)
        want = sorted(expected.items())
        assert sorted((r["id"], r["v"]) for r in (json.loads(l) for l in lk.ok("scan", "t", "--format", "jsonl").stdout.splitlines())) == want
        assert sorted(duckdb_con.execute(f"SELECT id, v FROM delta_scan('{table}')").fetchall()) == want
        got = QueryBuilder().register("t", DeltaTable(str(table))).execute("SELECT id, v FROM t").read_all()
        assert sorted(zip(got.column("id").to_pylist(), got.column("v").to_pylist())) == want
        assert lk.count("t") == len(expected)

    doc = lk.doc("update", "t", "--set", "v = 'upd'", "--where", "id % 100 = 1")
    assert doc["rows_updated"] == 10 and doc["deletion_vectors_written"] == 1 and doc["rows_copied"] == 0, doc
    expected.update({i: "upd" for i in range(1, 1000, 100)})
    check(doc)
    src = tmp_path / "src.csv"
    src.write_text("id,v\n5,merged\n6,merged\n5000,new\n")
    doc = lk.doc("merge", "t", src, "--on", "id", "--format", "csv")
    assert doc["rows_updated"] == 2 and doc["rows_inserted"] == 1 and doc["deletion_vectors_written"] == 1, doc
    expected.update({5: "merged", 6: "merged", 5000: "new"})
    check(doc)
    src.write_text("id,v\n7,gone\n")
    doc = lk.doc("merge", "t", src, "--on", "id", "--format", "csv", "--when-matched", "delete", "--when-not-matched", "ignore")
    assert doc["rows_deleted"] == 1, doc
    del expected[7]
    check(doc)
