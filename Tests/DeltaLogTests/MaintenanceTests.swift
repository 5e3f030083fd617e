#if canImport(Glibc)
import Glibc
#endif
import Columnar
import LakeCore
import Testing
@testable import DeltaLog

@Suite struct FileStatisticsScanTests {
    @Test func numRecordsIsReadFromTheTopLevelOnly() {
        #expect(FileStatistics(parsing: #"{"numRecords":12,"minValues":{"a":1}}"#)?.numRecords == 12)
        // A column named numRecords inside the bounds is not the count.
        #expect(FileStatistics(parsing: #"{"minValues":{"numRecords":5},"numRecords":3}"#)?.numRecords == 3)
        #expect(FileStatistics(parsing: #"{"minValues":{"numRecords":5}}"#)?.numRecords == nil)
        // Quotes and braces inside strings do not end anything.
        #expect(FileStatistics(parsing: #"{"minValues":{"s":"}\"{,"},"numRecords":7}"#)?.numRecords == 7)
        #expect(FileStatistics(parsing: #" { "numRecords" : 9223372036854775807 } "#)?.numRecords == Int64.max)
        #expect(FileStatistics(parsing: #"{"numRecords":9223372036854775808}"#)?.numRecords == nil)
        #expect(FileStatistics(parsing: #"{"numRecords":-1}"#)?.numRecords == nil)
        // Not an integer: no count, but still statistics.
        #expect(FileStatistics(parsing: #"{"numRecords":1.5}"#)?.numRecords == nil)
        #expect(FileStatistics(parsing: #"{"numRecords":null}"#) != nil)
    }

    @Test func textThatIsNoObjectHasNoStatistics() {
        for text in ["", "[]", "12", #"{"numRecords":1"#, #"{"a":"}"#, #"{"numRecords":1}x"#] {
            #expect(FileStatistics(parsing: text) == nil, "\(text)")
        }
    }

    @Test func boundsAreParsedWhenAskedFor() {
        let stats = FileStatistics(parsing: #"{"numRecords":2,"minValues":{"a":1},"maxValues":{"a":9},"nullCount":{"a":0}}"#)!
        let bounds = stats.bounds(of: "a", type: .long)
        #expect(bounds.min == .int(1) && bounds.max == .int(9) && bounds.nullCount == 0)
    }
}

@Suite struct DeletionVectorFileTests {
    /// The descriptor and file name of the `table-with-dv-small` fixture (written by Spark).
    @Test func aRelativeDescriptorNamesItsFile() throws {
        let descriptor = JSONValue.object([("storageType", .string("u")), ("pathOrInlineDv", .string("vBn[lx{q8@P<9BNH/isA")),
                                           ("offset", .int(1)), ("sizeInBytes", .int(36)), ("cardinality", .int(2))])
        #expect(try DeletionVectorFile.path(descriptor, root: "/t") == "/t/deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin")
        let prefixed = JSONValue.object([("storageType", .string("u")), ("pathOrInlineDv", .string("ab" + "vBn[lx{q8@P<9BNH/isA"))])
        #expect(try DeletionVectorFile.path(prefixed, root: "/t") == "/t/ab/deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin")
        let inline = JSONValue.object([("storageType", .string("i")), ("pathOrInlineDv", .string("wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L"))])
        #expect(try DeletionVectorFile.path(inline, root: "/t") == nil)
        let outside = JSONValue.object([("storageType", .string("p")), ("pathOrInlineDv", .string("file:///etc/x.bin"))])
        #expect(throws: DeltaError.self) { try DeletionVectorFile.path(outside, root: "/t") }
    }
}

@Suite struct LogCleanupTests {
    @Test func theCutoffIsMidnightUTC() {
        #expect(LogCleanup.midnightUTC(86_400_000 * 3 + 5) == 86_400_000 * 3)
        #expect(LogCleanup.midnightUTC(86_400_000 * 3) == 86_400_000 * 3)
        #expect(LogCleanup.midnightUTC(-1) == -86_400_000)
    }

    /// Commits 0–7 are 40 days old, 8–12 new; checkpoints at 5 and 10: the cutoff commit is 7,
    /// the kept checkpoint 5, so commits 0–4 go with their .crc files and the checkpoint-less
    /// temp files; the newest checkpoint and everything after 5 stay.
    @Test func exactlyTheProtocolsFilesGo() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        try t.create()
        var base = try t.table.snapshot()
        for i in 1...12 {
            _ = try Transaction(table: t.table, base: base, operation: "WRITE", actions: [.add(addFile("f\(i)"))]).commit()
            base = try t.table.snapshot()
            if i == 5 || i == 10 { _ = try CheckpointWriter.write(base, table: t.table) }
        }
        let log = t.table.logDirectory
        let storage = LocalStorage()
        for v in 0...4 { try storage.writeNew(log + "/" + String(v).leftPadded(20) + ".crc", Array("{}".utf8)) }
        try storage.writeNew(log + "/notes.txt", Array("mine".utf8))
        let now = SystemClock.nowMillis()
        let old = now - 40 * 86_400_000
        for name in try storage.list(log) ?? [] {
            guard let v = LogListing.version(name), v <= 7 else { continue }
            setModificationTime(log + "/" + name, old + v * 1000)
        }
        let latest = try t.table.snapshot()
        let plan = try LogCleanup.plan(t.table, latest: latest, listing: try t.table.listing(), now: now)
        #expect(plan.cutoffCommit == 7)
        #expect(plan.keptCheckpoint == 5)
        let expected = (0...4).flatMap { v in [String(v).leftPadded(20) + ".crc", DeltaTable.commitName(Int64(v))] }.sorted()
        #expect(plan.files.sorted() == expected)
        #expect(try LogCleanup.run(plan, table: t.table) == 10)
        #expect(storage.exists(log + "/notes.txt"))
        let listing = try t.table.listing()
        #expect(listing.oldestReadableVersion == 5)
        #expect(try t.table.snapshot().files.count == 12)
        #expect(try t.table.snapshot(version: 5).files.count == 5)
        #expect(throws: DeltaError.self) { try t.table.snapshot(version: 4) }
    }

    @Test func withoutAnOldEnoughCheckpointNothingGoes() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        try t.create()
        var base = try t.table.snapshot()
        for i in 1...3 {
            _ = try Transaction(table: t.table, base: base, operation: "WRITE", actions: [.add(addFile("f\(i)"))]).commit()
            base = try t.table.snapshot()
        }
        _ = try CheckpointWriter.write(base, table: t.table)
        let now = SystemClock.nowMillis()
        for v in 0...2 { setModificationTime(t.table.logDirectory + "/" + DeltaTable.commitName(Int64(v)), now - 40 * 86_400_000 + Int64(v)) }
        // The only checkpoint (3) is newer than the cutoff commit (2).
        let plan = try LogCleanup.plan(t.table, latest: base, listing: try t.table.listing(), now: now)
        #expect(plan.cutoffCommit == 2 && plan.keptCheckpoint == nil && plan.files.isEmpty)
    }

    func setModificationTime(_ path: String, _ millis: Int64) {
        var times = [timespec(tv_sec: Int(millis / 1000), tv_nsec: Int(millis % 1000) * 1_000_000),
                     timespec(tv_sec: Int(millis / 1000), tv_nsec: Int(millis % 1000) * 1_000_000)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }
}

@Suite struct CheckpointLayoutTests {
    /// `stats_parsed` follows the table schema; `writeStatsAsJson=false` drops the text,
    /// and a checkpoint holding only parsed stats reads back the same counts and bounds.
    @Test func parsedStatsRoundTrip() throws {
        let t = TemporaryTable()
        defer { t.cleanUp() }
        _ = try Transaction(creating: t.table, operation: "CREATE TABLE",
                            actions: [.protocolAction(ProtocolAction(minReaderVersion: 1, minWriterVersion: 2)),
                                      .metaData(metadata(id: "x", configuration: [("delta.checkpoint.writeStatsAsJson", "false")]))],
                            inCommitTimestamps: false).commit()
        var base = try t.table.snapshot()
        _ = try Transaction(table: t.table, base: base, operation: "WRITE", actions: [.add(addFile("f", rows: 3, minA: -2, maxA: 8))]).commit()
        base = try t.table.snapshot()
        let layout = CheckpointWriter.AddLayout(base)
        #expect(!layout.fields.contains { $0.name == "stats" })
        #expect(layout.fields.contains { $0.name == "stats_parsed" })
        _ = try CheckpointWriter.write(base, table: t.table)
        try LocalStorage().remove(t.table.logDirectory + "/" + DeltaTable.commitName(1))
        let read = try t.table.snapshot()
        #expect(read.files.count == 1 && read.statsRowCount == 3)
        let bounds = read.files[0].statistics!.bounds(of: "a", type: .long)
        #expect(bounds.min == .int(-2) && bounds.max == .int(8) && bounds.nullCount == 0)
    }

    @Test func sidecarsStayInsideTheirFolder() throws {
        #expect(try CheckpointReader.sidecarPath("a.parquet", logDirectory: "/t/_delta_log", version: 1) == "/t/_delta_log/_sidecars/a.parquet")
        #expect(throws: DeltaError.self) { try CheckpointReader.sidecarPath("../../x.parquet", logDirectory: "/t/_delta_log", version: 1) }
        #expect(throws: DeltaError.self) { try CheckpointReader.sidecarPath("file:///etc/passwd", logDirectory: "/t/_delta_log", version: 1) }
    }
}

@Suite struct PathTextTests {
    @Test func normalAbsolutePathsAreRecognized() {
        // Normal paths come back as they are (the fast path); the rest are normalized.
        for path in ["/", "/a", "/a/b.parquet", "/a/.hidden", "/a/...", "/a/b..c"] { #expect(Paths.absolute(path) == path, "\(path)") }
        for path in ["a", "/a/", "//a", "/a//b", "/a/./b", "/a/../b", "/a/.", "/a/.."] { #expect(Paths.absolute(path) != path, "\(path)") }
        #expect(Paths.absolute("/a/./b/../c//d") == "/a/c/d")
        #expect(Paths.parent(of: "/a/b") == "/a" && Paths.parent(of: "/a") == "/" && Paths.parent(of: "a") == ".")
        #expect(Paths.basename(of: "/a/bé") == "bé" && Paths.basename(of: "x") == "x")
    }

    @Test func byteOrderIsStrcmpOrder() {
        #expect(ByteText.less("a", "b") && ByteText.less("a", "ab") && !ByteText.less("ab", "a") && !ByteText.less("a", "a"))
        #expect(ByteText.less("Z", "a") && ByteText.less("z", "é"))
        #expect(ByteText.contains("a%b", UInt8(ascii: "%")) && !ByteText.contains("", UInt8(ascii: "%")))
    }

    @Test func intervalsInWords() {
        #expect(Interval.describe(604_800_000) == "7 days")
        #expect(Interval.describe(3_600_000) == "1 hour")
        #expect(Interval.describe(0) == "0 seconds")
        #expect(Interval.millis("interval 9223372036854775807 weeks") == nil)
        let twoWeeksThreeDays: Int64 = 2 * 604_800_000 + 3 * 86_400_000
        #expect(Interval.millis("interval 2 weeks 3 days") == twoWeeksThreeDays)
        #expect(Interval.millis("1 hour 30 minutes") == 5_400_000)
        #expect(Interval.millis("interval 1 month") == nil && Interval.millis("interval 2") == nil)
    }
}
