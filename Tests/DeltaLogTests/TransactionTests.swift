#if canImport(Glibc)
import Glibc
#endif
import Columnar
import LakeCore
import Testing
@testable import DeltaLog

/// A table in a temporary directory, removed by `cleanUp`.
struct TemporaryTable {
    let table = DeltaTable(root: "/tmp/lake-log-test-\(SystemClock.uuid())")
    static let schema = Schema([Field("a", .long), Field("b", .string)])

    func cleanUp() { try? LocalStorage().removeTree(table.root) }

    /// Version 0 with `schema` and the given table id.
    @discardableResult
    func create(id: String = SystemClock.uuid(), schema: Schema = TemporaryTable.schema) throws -> Int64 {
        try Transaction(creating: table, operation: "CREATE TABLE",
                        actions: [.protocolAction(ProtocolAction(minReaderVersion: 1, minWriterVersion: 2)),
                                  .metaData(metadata(id: id, schema: schema))],
                        inCommitTimestamps: false).commit()
    }
}

func metadata(id: String, schema: Schema = TemporaryTable.schema, configuration: [(String, String)] = []) -> Metadata {
    Metadata(id: id, name: nil, description: nil, schemaString: SchemaJSON.encode(schema).serialized(),
             partitionColumns: [], configuration: configuration, createdTime: 0)
}

func addFile(_ path: String, rows: Int = 1, dataChange: Bool = true, minA: Int = 0, maxA: Int = 0) -> AddFile {
    AddFile(path: path, partitionValues: [], size: 1, modificationTime: 0, dataChange: dataChange,
            stats: #"{"numRecords":\#(rows),"minValues":{"a":\#(minA)},"maxValues":{"a":\#(maxA)},"nullCount":{"a":0}}"#)
}

func removeFile(_ path: String, dataChange: Bool = true) -> Action {
    .remove(RemoveFile(removing: addFile(path), at: 1, dataChange: dataChange))
}

func commitInfo(blindAppend: Bool) -> Action {
    .commitInfo(.object([("operation", .string("X")), ("isBlindAppend", .bool(blindAppend))]))
}

@Suite struct TransactionTests {
    @Test func appendsRebaseOverEachOther() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        try t.create()
        let base = try t.table.snapshot()
        // Two writers read version 0; both commit.
        let first = try Transaction(table: t.table, base: base, operation: "WRITE", actions: [.add(addFile("a"))]).commit()
        let second = try Transaction(table: t.table, base: base, operation: "WRITE", actions: [.add(addFile("b"))]).commit()
        #expect(first == 1 && second == 2)
        let snapshot = try t.table.snapshot()
        #expect(snapshot.files.map(\.path) == ["a", "b"])
        #expect(snapshot.statsRowCount == 2)
        #expect(try t.table.snapshot(version: 1).files.count == 1)
        // The commit says what it was.
        guard case .commitInfo(let info)? = try t.table.readCommit(2).first else { Issue.record("no commitInfo"); return }
        #expect(info["isBlindAppend"]?.boolValue == true)
        #expect(info["isolationLevel"]?.stringValue == "WriteSerializable")
        #expect(info["readVersion"]?.intValue == 0)
    }

    @Test func deleteConflictsWithAConcurrentDeleteOfTheSameFile() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        try t.create()
        _ = try Transaction(table: t.table, base: try t.table.snapshot(), operation: "WRITE", actions: [.add(addFile("a"))]).commit()
        let base = try t.table.snapshot()
        var first = Transaction(table: t.table, base: base, operation: "DELETE", actions: [removeFile("a")])
        first.read = .wholeTable(base)
        #expect(try first.commit() == 2)
        var second = Transaction(table: t.table, base: base, operation: "DELETE", actions: [removeFile("a")])
        second.read = .wholeTable(base)
        let error = #expect(throws: DeltaError.self) { try second.commit() }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("removed a") == true, "\(String(describing: error))")
        #expect(try t.table.latestVersion() == 2)
    }

    @Test func appendAfterAPropertyChangeIsRevalidatedAndLands() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        let id = SystemClock.uuid()
        try t.create(id: id)
        let base = try t.table.snapshot()
        _ = try Transaction(table: t.table, base: base, operation: "SET TBLPROPERTIES",
                            actions: [.metaData(metadata(id: id, configuration: [("k", "v")]))]).commit()
        #expect(try Transaction(table: t.table, base: base, operation: "WRITE", actions: [.add(addFile("a"))]).commit() == 2)
        #expect(try t.table.snapshot().metadata.property("k") == "v")
    }

    @Test func appendAfterAColumnTypeChangeConflicts() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        let id = SystemClock.uuid()
        try t.create(id: id)
        let base = try t.table.snapshot()
        _ = try Transaction(table: t.table, base: base, operation: "REPLACE COLUMNS",
                            actions: [.metaData(metadata(id: id, schema: Schema([Field("a", .string), Field("b", .string)])))]).commit()
        let error = #expect(throws: DeltaError.self) {
            try Transaction(table: t.table, base: base, operation: "WRITE", actions: [.add(addFile("a"))]).commit()
        }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("column 'a'") == true, "\(String(describing: error))")
    }

    @Test func aTableRecreatedInPlaceRefusesTheCommit() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        try t.create()
        _ = try Transaction(table: t.table, base: try t.table.snapshot(), operation: "WRITE", actions: [.add(addFile("a"))]).commit()
        let base = try t.table.snapshot()
        // Dropped and created again (same path, new log) while the append ran.
        t.cleanUp()
        try t.create()
        _ = try Transaction(table: t.table, base: try t.table.snapshot(), operation: "WRITE", actions: [.add(addFile("x"))]).commit()
        let error = #expect(throws: DeltaError.self) {
            try Transaction(table: t.table, base: base, operation: "WRITE", actions: [.add(addFile("b"))]).commit()
        }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("replaced") == true, "\(String(describing: error))")
        #expect(try t.table.latestVersion() == 1)
        #expect(try t.table.snapshot().files.map(\.path) == ["x"])
    }

    @Test func aRecreatedTableWithFewerCommitsGetsNoGap() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        try t.create()
        for name in ["a", "b", "c"] {
            _ = try Transaction(table: t.table, base: try t.table.snapshot(), operation: "WRITE", actions: [.add(addFile(name))]).commit()
        }
        let base = try t.table.snapshot()
        t.cleanUp()
        try t.create()
        let error = #expect(throws: DeltaError.self) {
            try Transaction(table: t.table, base: base, operation: "WRITE", actions: [.add(addFile("d"))]).commit()
        }
        #expect(error?.kind == .conflict)
        #expect(try t.table.latestVersion() == 0)
        #expect(try LocalStorage().list(t.table.logDirectory) == [DeltaTable.commitName(0)])
    }

    @Test func aDeletedLogRefusesTheCommitAndWritesNothing() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        try t.create()
        let base = try t.table.snapshot()
        try LocalStorage().removeTree(t.table.logDirectory)
        let error = #expect(throws: DeltaError.self) {
            try Transaction(table: t.table, base: base, operation: "WRITE", actions: [.add(addFile("a"))]).commit()
        }
        #expect(error?.kind == .conflict)
        #expect(!LocalStorage().exists(t.table.logDirectory))
    }

    @Test func createRacesHaveOneWinner() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        try t.create()
        let error = #expect(throws: DeltaError.self) { try t.create() }
        #expect(error?.kind == .conflict)
    }

    @Test func missingVersionsAreNotFound() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        try t.create()
        for name in ["a", "b"] {
            _ = try Transaction(table: t.table, base: try t.table.snapshot(), operation: "WRITE", actions: [.add(addFile(name))]).commit()
        }
        let beyond = #expect(throws: DeltaError.self) { try t.table.snapshot(version: 3) }
        #expect(beyond?.kind == .notFound)
        try LocalStorage().remove(t.table.logDirectory + "/" + DeltaTable.commitName(1))
        let middle = #expect(throws: DeltaError.self) { try t.table.snapshot() }
        #expect(middle?.kind == .notFound)
        #expect(middle?.message.contains("commit 1 is missing") == true, "\(String(describing: middle))")
        try LocalStorage().remove(t.table.logDirectory + "/" + DeltaTable.commitName(0))
        let cleaned = #expect(throws: DeltaError.self) { try t.table.snapshot(version: 1) }
        #expect(cleaned?.kind == .notFound)
    }

    @Test func removeAfterAddHidesTheFileAndKeepsATombstone() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        try t.create()
        _ = try Transaction(table: t.table, base: try t.table.snapshot(), operation: "WRITE",
                            actions: [.add(addFile("a%20b")), .add(addFile("c"))]).commit()
        let removeJSON = try JSONValue.parse(#"{"remove":{"path":"a b","deletionTimestamp":1,"dataChange":true,"size":7}}"#)
        _ = try Transaction(table: t.table, base: try t.table.snapshot(), operation: "DELETE",
                            actions: [try Action(json: removeJSON)]).commit()
        let snapshot = try t.table.snapshot()
        #expect(snapshot.files.map(\.path) == ["c"])
        #expect(snapshot.tombstones.map(\.path) == ["a b"])
        #expect(snapshot.tombstones.first?.size == 7)
        // Added again: no longer a tombstone.
        _ = try Transaction(table: t.table, base: snapshot, operation: "WRITE", actions: [.add(addFile("a%20b"))]).commit()
        #expect(try t.table.snapshot().tombstones.isEmpty)
    }

    @Test func statisticsAreParsedOnce() throws {
        let add = addFile("a", rows: 5, minA: -3, maxA: 9)
        #expect(add.numRecords == 5)
        let bounds = add.statistics?.bounds(of: "a", type: .long)
        #expect(bounds?.min == .int(-3) && bounds?.max == .int(9) && bounds?.nullCount == 0)
        #expect(AddFile(path: "x", partitionValues: [], size: 1, modificationTime: 0, dataChange: true, stats: "not json").statistics == nil)
    }
}

/// The conflict rules, each judged against hand-written winning commits.
@Suite struct ConflictCheckerTests {
    let id = "table-1"

    func base(_ files: [String] = ["f1", "f2"]) throws -> Snapshot {
        var actions: [Action] = [.protocolAction(ProtocolAction(minReaderVersion: 1, minWriterVersion: 2)), .metaData(metadata(id: id))]
        actions += files.map { .add(addFile($0)) }
        return try Snapshot.replay(root: "/t", version: 3, fingerprint: 1, [actions])
    }

    func checker(_ base: Snapshot, actions: [Action], read: ReadSet = .nothing,
                 isolation: IsolationLevel = .writeSerializable) -> ConflictChecker {
        ConflictChecker(operation: "OP", base: base, isolation: isolation, read: read, actions: actions)
    }

    func winner(_ actions: [Action]) -> WinningCommit { WinningCommit(version: 4, actions: actions) }

    func conflicts(_ checker: ConflictChecker, _ winner: WinningCommit) -> Bool {
        do { try checker.check(winner); return false } catch let error as DeltaError { return error.kind == .conflict } catch { return false }
    }

    @Test func appendsNeverConflictWithAppends() throws {
        let append = checker(try base(), actions: [.add(addFile("new"))])
        #expect(append.isAppend)
        #expect(!conflicts(append, winner([commitInfo(blindAppend: true), .add(addFile("other"))])))
    }

    @Test func appendsNeverConflictWithCompaction() throws {
        let append = checker(try base(), actions: [.add(addFile("new"))])
        let compaction = winner([commitInfo(blindAppend: false), removeFile("f1", dataChange: false), removeFile("f2", dataChange: false),
                                 .add(addFile("big", dataChange: false))])
        #expect(!conflicts(append, compaction))
    }

    @Test func removingAFileThisTransactionReadConflicts() throws {
        let b = try base()
        let reader = checker(b, actions: [.add(addFile("out"))], read: ReadSet(files: ["f1"]))
        #expect(conflicts(reader, winner([removeFile("f1", dataChange: false), .add(addFile("big", dataChange: false))])))
        #expect(!conflicts(reader, winner([removeFile("f2")])))
    }

    @Test func removingAFileThisTransactionRemovesConflicts() throws {
        let delete = checker(try base(), actions: [removeFile("f2")])
        #expect(conflicts(delete, winner([removeFile("f2")])))
        #expect(!conflicts(delete, winner([removeFile("f1")])))
    }

    @Test func serializableReadsConflictWithMatchingBlindAppends() throws {
        let b = try base()
        // Read "a between 10 and 20".
        let read = ReadSet(files: ["f1"], predicate: { add in
            guard let s = add.statistics?.bounds(of: "a", type: .long), case .int(let lo)? = s.min, case .int(let hi)? = s.max else { return true }
            return hi >= 10 && lo <= 20
        })
        let serializable = checker(b, actions: [removeFile("f1")], read: read, isolation: .serializable)
        #expect(conflicts(serializable, winner([commitInfo(blindAppend: true), .add(addFile("m", minA: 15, maxA: 15))])))
        #expect(!conflicts(serializable, winner([commitInfo(blindAppend: true), .add(addFile("n", minA: 50, maxA: 60))])))
        // Rewrites add no data.
        #expect(!conflicts(serializable, winner([.add(addFile("r", dataChange: false, minA: 15, maxA: 15))])))
        // Write-serializable lets blind appends through, but not other writers' matching adds.
        let writeSerializable = checker(b, actions: [removeFile("f1")], read: read, isolation: .writeSerializable)
        #expect(!conflicts(writeSerializable, winner([commitInfo(blindAppend: true), .add(addFile("m", minA: 15, maxA: 15))])))
        #expect(conflicts(writeSerializable, winner([commitInfo(blindAppend: false), removeFile("f2"),
                                                     .add(addFile("m", minA: 15, maxA: 15))])))
    }

    @Test func anotherTableIDAlwaysConflicts() throws {
        let append = checker(try base(), actions: [.add(addFile("new"))])
        #expect(conflicts(append, winner([.metaData(metadata(id: "table-2"))])))
    }

    @Test func metadataChangesConflictUnlessAnAppendStillFits() throws {
        let b = try base()
        let append = checker(b, actions: [.add(addFile("new"))])
        #expect(!conflicts(append, winner([.metaData(metadata(id: id, configuration: [("k", "v")]))])))
        let widened = Schema(TemporaryTable.schema.fields + [Field("c", .int)])
        #expect(!conflicts(append, winner([.metaData(metadata(id: id, schema: widened))])))
        #expect(conflicts(append, winner([.metaData(metadata(id: id, schema: Schema([Field("a", .long)])))])))
        let notNull = Schema(TemporaryTable.schema.fields + [Field("c", .int, nullable: false)])
        #expect(conflicts(append, winner([.metaData(metadata(id: id, schema: notNull))])))
        // Anything that is not a plain append conflicts with any metadata change.
        let delete = checker(b, actions: [removeFile("f1")], read: .wholeTable(b))
        #expect(conflicts(delete, winner([.metaData(metadata(id: id, configuration: [("k", "v")]))])))
    }

    @Test func appendsRebaseOverRenamesUnderColumnMappingAndWidenings() throws {
        let append = checker(try base(), actions: [.add(addFile("new"))])
        // Column mapping turned on with the names kept as physical names, then a rename:
        // the append's files still hold every column under its physical name.
        let (mapped, maxID) = ColumnMapping.assign(TemporaryTable.schema, maxID: 0, keepNames: true)
        let renamed = try SchemaEdit.rename(FieldPath([mapped.fields[0].name]), to: "renamed", in: mapped)
        let config = [("delta.columnMapping.mode", "name"), ("delta.columnMapping.maxColumnId", String(maxID))]
        let mapping = ProtocolAction(minReaderVersion: 2, minWriterVersion: 5)
        #expect(!conflicts(append, winner([.protocolAction(mapping), .metaData(metadata(id: id, schema: renamed, configuration: config))])))
        // Dropping a column the append wrote conflicts; widening one does not.
        let dropped = try SchemaEdit.drop(FieldPath([mapped.fields[0].name]), in: mapped)
        #expect(conflicts(append, winner([.protocolAction(mapping), .metaData(metadata(id: id, schema: dropped, configuration: config))])))
        // a: long → decimal(30,0).
        let widened = try SchemaEdit.retype(FieldPath(["a"]), in: TemporaryTable.schema) { _ in .decimal(precision: 30, scale: 0) }
        #expect(!conflicts(append, winner([.metaData(metadata(id: id, schema: widened))])))
        let narrowed = try SchemaEdit.retype(FieldPath(["a"]), in: TemporaryTable.schema) { _ in .int }
        #expect(conflicts(append, winner([.metaData(metadata(id: id, schema: narrowed))])))
    }

    @Test func protocolChangesConflictUnlessLakeCanStillWrite() throws {
        let append = checker(try base(), actions: [.add(addFile("new"))])
        #expect(!conflicts(append, winner([.protocolAction(ProtocolAction(minReaderVersion: 1, minWriterVersion: 4))])))
        // A writer feature lake does not know (row tracking) makes the append invalid.
        let unknown = ProtocolAction(minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ["rowTracking"])
        #expect(conflicts(append, winner([.protocolAction(unknown)])))
        let dv = ProtocolAction(minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["deletionVectors"],
                                writerFeatures: ["deletionVectors"])
        #expect(!conflicts(append, winner([.protocolAction(dv)])))
    }

    @Test func theSameApplicationTransactionConflicts() throws {
        let txn = checker(try base(), actions: [.add(addFile("new")), .txn(Txn(appId: "etl", version: 7, lastUpdated: 0))])
        #expect(conflicts(txn, winner([.txn(Txn(appId: "etl", version: 7, lastUpdated: 0)), .add(addFile("x"))])))
        #expect(!conflicts(txn, winner([.txn(Txn(appId: "other", version: 1, lastUpdated: 0)), .add(addFile("x"))])))
    }
}

@Suite struct SchemaMetadataTests {
    @Test func fieldMetadataRoundTripsExactly() throws {
        let text = #"{"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{"comment":"the id","delta.columnMapping.id":1,"x":{"nested":[1,2.50]}}},{"name":"s","type":{"type":"struct","fields":[{"name":"b","type":"string","nullable":false,"metadata":{"delta.columnMapping.physicalName":"col-1"}}]},"nullable":true,"metadata":{}}]}"#
        let schema = try SchemaJSON.decode(text)
        #expect(SchemaJSON.encode(schema).serialized() == text)
        #expect(schema.fields[0].metadata.first?.0 == "comment")
        // Metadata takes no part in equality.
        #expect(schema.fields[0] == Field("a", .long))
    }
}

@Suite struct LastCheckpointTests {
    @Test func parsesAndRefuses() throws {
        let hint = try LastCheckpoint.parse(Array(#"{"version":10,"size":13,"parts":2,"sizeInBytes":500,"numOfAddFiles":3}"#.utf8))
        #expect(hint == LastCheckpoint(version: 10, size: 13, parts: 2, sizeInBytes: 500, numOfAddFiles: 3))
        #expect(try LastCheckpoint.parse(hint.serialized) == hint)
        for bad in ["", "[]", #"{"size":1}"#, #"{"version":-1}"#, #"{"version":1,"parts":0}"#, "{\"version\":"] {
            let error = #expect(throws: DeltaError.self) { try LastCheckpoint.parse(Array(bad.utf8)) }
            #expect(error?.kind == .corrupt, "\(bad)")
        }
    }
}

@Suite struct PathSafetyTests {
    @Test func linksInsideATableAreRefused() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        try t.create()
        let storage = LocalStorage()
        try storage.makeDirectories(t.table.root + "/p=1")
        try storage.writeNew(t.table.root + "/p=1/a.parquet", [1])
        #expect(throws: Never.self) {
            try DeltaTable.checkNoLinks(t.table.root + "/p=1/a.parquet", root: t.table.root, storage: storage, version: 0)
        }
        #expect(symlink(t.table.root + "/p=1", t.table.root + "/p=2") == 0)
        let linked = #expect(throws: DeltaError.self) {
            try DeltaTable.checkNoLinks(t.table.root + "/p=2/a.parquet", root: t.table.root, storage: storage, version: 0)
        }
        #expect(linked?.kind == .unsupported && linked?.message.contains("symbolic link") == true)
        let missing = #expect(throws: DeltaError.self) {
            try DeltaTable.checkNoLinks(t.table.root + "/p=1/b.parquet", root: t.table.root, storage: storage, version: 0)
        }
        #expect(missing?.kind == .notFound)
        #expect(mkfifo(t.table.root + "/p=1/f.parquet", 0o644) == 0)
        let fifo = #expect(throws: DeltaError.self) {
            try DeltaTable.checkNoLinks(t.table.root + "/p=1/f.parquet", root: t.table.root, storage: storage, version: 0)
        }
        #expect(fifo?.kind == .corrupt)
        // The storage never reads through a link or from a FIFO.
        #expect(symlink(t.table.root + "/p=1/a.parquet", t.table.root + "/l.json") == 0)
        #expect(throws: StorageError.self) { try storage.read(t.table.root + "/l.json") }
        #expect(throws: StorageError.self) { try storage.read(t.table.root + "/p=1/f.parquet") }
    }

    @Test func resolvedPathsFollowLinksEvenForMissingTails() {
        let root = "/tmp/lake-paths-\(SystemClock.uuid())"
        defer { try? LocalStorage().removeTree(root) }
        try? LocalStorage().makeDirectories(root + "/real/x")
        #expect(symlink(root + "/real", root + "/link") == 0)
        #expect(Paths.resolved(root + "/link/x") == Paths.resolved(root + "/real/x"))
        #expect(Paths.resolved(root + "/link/not/yet") == Paths.resolved(root + "/real") + "/not/yet")
        #expect(Paths.isInside("/a/b", "/a") && Paths.isInside("/a", "/a") && !Paths.isInside("/ab", "/a"))
        #expect(Paths.isInside("/x", "/"))
    }
}

@Suite struct ChecksumTests {
    @Test func md5MatchesRFC1321() {
        #expect(MD5.hex([]) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hex(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(MD5.hex(Array(String(repeating: "1234567890", count: 8).utf8)) == "57edf4a22be3c955ac49da2e2107b67a")
    }

    /// The protocol's own test vector (PROTOCOL.md, "JSON checksum").
    @Test func lastCheckpointChecksumMatchesTheProtocolsVector() throws {
        let text = #"{"k0":"'v 0'", "checksum": "adsaskfljadfkjadfkj", "k1":{"k2": 2, "k3": ["v3", [1, 2], {"k4": "v4", "k5": ["v5", "v6", "v7"]}]}}"#
        #expect(LastCheckpoint.checksum(of: try JSONValue.parse(text)) == "6a92d155a59bf2eecbd4b4ec7fd1f875")
        let written = try JSONValue.parse(String(decoding: LastCheckpoint(version: 10, size: 4, sizeInBytes: 900, numOfAddFiles: 2).serialized, as: UTF8.self))
        #expect(written["checksum"]?.stringValue == LastCheckpoint.checksum(of: written))
    }
}

@Suite struct CheckpointTests {
    @Test func aCheckpointReadsBackAsTheSnapshotItWasWrittenFrom() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        try t.create(schema: Schema([Field("a", .long), Field("p", .string)]))
        for name in ["f1", "f2", "f3"] {
            var add = addFile(name)
            add.partitionValues = [("p", name == "f2" ? nil : "x")]
            _ = try Transaction(table: t.table, base: try t.table.snapshot(), operation: "WRITE",
                                actions: [.add(AddFile(path: add.path, partitionValues: add.partitionValues, size: 10,
                                                       modificationTime: 5, dataChange: true, stats: add.stats))]).commit()
        }
        let now = SystemClock.nowMillis()
        _ = try Transaction(table: t.table, base: try t.table.snapshot(), operation: "DELETE",
                            actions: [.remove(RemoveFile(removing: try t.table.snapshot().files[0], at: now, dataChange: true)),
                                      .txn(Txn(appId: "etl", version: 7, lastUpdated: now))]).commit()
        let snapshot = try t.table.snapshot()
        let hint = try #require(try CheckpointWriter.write(snapshot, table: t.table))
        #expect(hint.version == 4 && hint.numOfAddFiles == 2 && hint.size == 2 + 1 + 2 + 1)
        #expect(try CheckpointWriter.write(snapshot, table: t.table) == nil)  // never over an existing one
        // Older commits gone: the checkpoint alone rebuilds the table.
        for v in 0...3 { try LocalStorage().remove(t.table.logDirectory + "/" + DeltaTable.commitName(Int64(v))) }
        let read = try t.table.snapshot()
        #expect(read.files.map(\.path) == snapshot.files.map(\.path))
        #expect(read.files.map { $0.partitionValues.map(\.1) } == [[nil], ["x"]])
        #expect(read.files.map(\.numRecords) == [1, 1])
        #expect(read.tombstones.map(\.path) == ["f1"])
        #expect(read.transactions == ["etl": 7])
        #expect(read.metadata.id == snapshot.metadata.id && read.schema == snapshot.schema)
        #expect(read.protocolAction.minWriterVersion == 2)
        let bytes = try #require(try LocalStorage().read(t.table.logDirectory + "/_last_checkpoint"))
        #expect(try LastCheckpoint.parse(bytes).version == 4)
    }

    @Test func expiredTombstonesAreLeftOut() throws {
        #expect(Interval.millis("interval 1 week") == 604_800_000)
        #expect(Interval.millis("interval 30 days") == Int64(30) * 86_400_000)
        #expect(Interval.millis("2 hours") == 7_200_000)
        #expect(Interval.millis("soon") == nil)
    }
}
