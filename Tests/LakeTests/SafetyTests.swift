import Columnar
import DeltaLog
import LakeCore
import Testing
@testable import Lake
#if canImport(Glibc)
import Glibc
#endif

@Suite struct FailureReportSanitizingTests {
    @Test func controlCharactersAreEscapedSoTheMessageStaysOneInertLine() {
        let hostile = "no table at /tmp/\u{1B}[31mred\u{1B}[0m\nsecond line\r\tcol \u{7F}\u{9B}2J \u{202E}txt \u{0}end"
        for report in [FailureReport(LakeError(.notFound, hostile)), FailureReport(DeltaError(.corrupt, hostile)),
                       FailureReport.usage(hostile), FailureReport(exitCode: 1, type: "error", message: hostile)] {
            let message = report.message
            #expect(!message.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) },
                    "\(message.debugDescription)")
            #expect(message.contains(#"\x1b[31mred\x1b[0m\nsecond line\r\tcol \x7f\x9b2J \u{202e}txt \x00end"#),
                    "\(message.debugDescription)")
        }
        // Nothing to escape: the message is kept as it is, non-ASCII included.
        #expect(FailureReport(LakeError(.notFound, "table ventes.été does not exist")).message == "table ventes.été does not exist")
    }

    @Test func aHugeMessageLosesItsMiddle() {
        let message = FailureReport(LakeError(.runtime, "start " + String(repeating: "x", count: 100_000) + " end")).message
        #expect(message.count <= DisplayText.messageLimit + 1)
        #expect(message.hasPrefix("start ") && message.hasSuffix(" end") && message.contains("…"))
    }

    @Test func valuesAndPathsAreCut() {
        let value = DisplayText.value(String(repeating: "v", count: 10_000) + "\u{1B}")
        #expect(value.count == DisplayText.valueLimit + 1 && value.hasSuffix("…"))
        #expect(DisplayText.value("short\u{1B}") == #"short\x1b"#)
        let path = DisplayText.path("/" + String(repeating: "d/", count: 500) + "file.csv")
        #expect(path.count == DisplayText.pathLimit + 1 && path.hasSuffix("/file.csv") && path.hasPrefix("/d/d"))
    }
}

@Suite struct StaleTempFileTests {
    /// Sets a path's modification time `secondsAgo` in the past (the symlink itself, not its
    /// target).
    func age(_ path: String, _ secondsAgo: Int) {
        let then = timespec(tv_sec: time(nil) - secondsAgo, tv_nsec: 0)
        let times = [then, then]
        #expect(utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0, "\(path)")
    }

    func touch(_ path: String, secondsAgo: Int = 0) throws {
        try LocalStorage().writeNew(path, Array("x".utf8))
        if secondsAgo > 0 { age(path, secondsAgo) }
    }

    @Test func onlyOldRealTempFilesOfLakesOwnNamesGo() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let root = t.root + "/table"
        let storage = LocalStorage()
        try storage.makeDirectories(root + "/_delta_log")
        try storage.makeDirectories(root + "/region=eu")
        try storage.makeDirectories(t.root + "/outside")
        let log = root + "/_delta_log/"
        let oldCommit = log + ".00000000000000000003.json.4242.18446744073709551615.tmp"
        let oldCheckpointPointer = log + "._last_checkpoint.7.8.tmp"
        let oldData = root + "/.part-00000-1f2e-c000.zstd.parquet.4242.123456.tmp"
        let oldPartitionData = root + "/region=eu/.part-00001-1f2e-c000.snappy.parquet.1.2.tmp"
        let fresh = log + ".00000000000000000004.json.4242.99.tmp"
        let decoys = [
            log + ".00000000000000000003.json.abc.5678.tmp",  // pid not digits
            log + "00000000000000000003.json.1.2.tmp",         // not hidden
            log + ".00000000000000000003.json.1.2.tmp.bak",    // not .tmp
            log + ".notes.1.2.tmp",                            // not a name lake writes
            log + ".json.1.2.tmp",                             // no base name
            log + "00000000000000000003.json",                 // a commit
            root + "/part-00000-1f2e-c000.zstd.parquet",       // a data file
        ]
        for path in [oldCommit, oldCheckpointPointer, oldData, oldPartitionData] + decoys { try touch(path, secondsAgo: 7200) }
        try touch(fresh, secondsAgo: 600)
        // A symlink named like a temp file (itself old), pointing at an old file outside the
        // table: neither the link nor its target goes.
        let target = t.root + "/outside/.00000000000000000005.json.1.2.tmp"
        try touch(target, secondsAgo: 7200)
        let link = log + ".00000000000000000006.json.1.2.tmp"
        #expect(symlink(target, link) == 0)
        age(link, 7200)
        // A partition directory that is a symlink to a directory outside: not entered.
        #expect(symlink(t.root + "/outside", root + "/region=us") == 0)

        let removed = StaleTempFiles.remove(root: root, directories: ["_delta_log", "", "region=eu", "region=us", "../outside"],
                                            storage: storage)
        #expect(Set(removed) == Set([oldCommit, oldCheckpointPointer, oldData, oldPartitionData]))
        for path in [oldCommit, oldCheckpointPointer, oldData, oldPartitionData] { #expect(storage.info(path) == nil, "\(path)") }
        for path in decoys + [fresh, target] { #expect(storage.info(path)?.kind == .regular, "\(path)") }
        #expect(storage.info(link)?.kind == .symlink)
    }

    /// Stale temporary files go with the commit at the next checkpoint version (every tenth).
    @Test func theAppendAtACheckpointVersionRemovesOldTempFiles() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        let root = try w.resolve(try TableName(parsing: "events")).table.root
        let old = root + "/_delta_log/.00000000000000000009.json.77.1234.tmp"
        let oldData = root + "/region=eu/.part-00000-ab-c000.zstd.parquet.77.99.tmp"
        let fresh = root + "/_delta_log/.00000000000000000010.json.77.1235.tmp"
        try touch(old, secondsAgo: 3 * 3600)
        try touch(oldData, secondsAgo: 3 * 3600)
        try touch(fresh)
        // Versions 3 to 9 leave them; version 10 is a checkpoint version.
        for i in 3...10 {
            if i == 10 { #expect(LocalStorage().info(old) != nil) }
            _ = try w.append(to: try TableName(parsing: "events"), files: [try t.file("c\(i).csv", "id,region,amount\n\(i),eu,1\n")])
        }
        #expect(LocalStorage().info(old) == nil)
        #expect(LocalStorage().info(oldData) == nil, "the commit wrote into region=eu")
        #expect(LocalStorage().info(fresh) != nil)
    }
}

@Suite struct DeepPredicateTests {
    static let limit = 1000

    /// `id > 0 AND … AND id > 0`, exactly `depth` levels deep.
    func chain(depth: Int) -> String { Array(repeating: "id > 0", count: depth - 1).joined(separator: " AND ") }
    func sum(depth: Int) -> String { Array(repeating: "amount", count: depth - 1).joined(separator: " + ") + " > 0" }
    func parentheses(depth: Int) -> String {
        String(repeating: "(", count: depth - 2) + "id > 0" + String(repeating: ")", count: depth - 2)
    }

    @Test func atTheLimitScansAndCountsEndToEnd() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        for text in [chain(depth: Self.limit), sum(depth: Self.limit), parentheses(depth: Self.limit)] {
            var request = ScanRequest(source: "events")
            request.predicate = text
            #expect(try ids(try w.openRows(request)) == [1, 2, 3, 4, 5])
            #expect(try w.count(try TableName(parsing: "events"), .latest, where: text).count == 5)
        }
    }

    @Test func aboveTheLimitIsAUsageErrorWithAPosition() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        for text in [chain(depth: Self.limit + 1), sum(depth: 5_000), parentheses(depth: 30_000)] {
            let error = #expect(throws: QueryErrorProbe.self) {
                do { _ = try w.count(try TableName(parsing: "events"), .latest, where: text) } catch { throw QueryErrorProbe(error) }
            }
            #expect(error?.report.exitCode == 2)
            #expect(error?.report.message.contains("--where, at character") == true, "\(error?.report.message ?? "")")
            #expect(error?.report.message.contains("1000 levels") == true)
        }
    }

    struct QueryErrorProbe: Error {
        let report: FailureReport
        init(_ error: Error) { report = FailureReport(error) }
    }
}

@Suite struct InputExitCodeTests {
    func report(_ body: () throws -> Void) -> FailureReport? {
        do { try body(); return nil } catch { return FailureReport(error) }
    }

    @Test func inputNestedTooDeeplyIsBadInputNotUsage() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        let deep = try t.file("deep.ndjson", "{\"id\": 1, \"region\": " + String(repeating: "[", count: 10_000)
                                  + String(repeating: "]", count: 10_000) + "}\n")
        let append = report { _ = try w.append(to: try TableName(parsing: "events"), files: [deep]) }
        #expect(append?.exitCode == 1 && append?.type == "bad_input", "\(append?.message ?? "accepted")")
        // Deeper than a table can hold (but not than JSON parsing allows): create --from.
        let nested = try t.file("nested.ndjson", "{\"id\": 1, \"n\": " + String(repeating: "{\"x\": ", count: 150) + "1"
                                    + String(repeating: "}", count: 150) + "}\n")
        let created = report {
            _ = try w.createFrom(CreateRequest(name: try TableName(parsing: "nested"), schema: Schema([])), files: [nested],
                                 options: LoadOptions())
        }
        #expect(created?.exitCode == 1 && created?.type == "bad_input", "\(created?.message ?? "accepted")")
        #expect(throws: (any Error).self) { try w.resolve(try TableName(parsing: "nested")).table.snapshot() }
        // A schema given by hand that deep is a usage error, refused before the table exists.
        let spec = "id long, n " + String(repeating: "struct<x: ", count: 150) + "long" + String(repeating: ">", count: 150)
        let byHand = report { _ = try w.create(CreateRequest(name: try TableName(parsing: "byhand"), schema: try Schema(parsing: spec))) }
        #expect(byHand?.exitCode == 2, "\(byHand?.message ?? "accepted")")
    }

    /// A pipe is a legitimate input (`lake append t <(zcat x.csv.gz)` passes /dev/fd/N).
    @Test func appendReadsAPipe() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let writer = fds[1]
        let text = Array("id,region,amount\n10,eu,1\n11,us,2\n".utf8)
        let thread = TestThread { text.withUnsafeBytes { _ = write(writer, $0.baseAddress, $0.count) }; close(writer) }
        defer { thread.join() }
        var options = LoadOptions()
        options.format = .csv
        let result = try w.append(to: try TableName(parsing: "events"), files: ["/dev/fd/\(fds[0])"], options: options)
        close(fds[0])
        #expect(result.rows == 2)
    }

    /// A directory as an input is bad input (exit 1).
    @Test func aDirectoryIsRefused() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        var options = LoadOptions()
        options.format = .csv
        let failure = report { _ = try w.append(to: try TableName(parsing: "events"), files: [t.root], options: options) }
        #expect(failure?.exitCode == 1 && failure?.message.contains("directory") == true, "\(failure?.message ?? "accepted")")
    }
}

/// A joinable thread for tests.
final class TestThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { raw in
            let me = Unmanaged<TestThread>.fromOpaque(raw!).takeRetainedValue()
            me.body()
            return nil
        }, box)
    }

    func join() { pthread_join(thread, nil) }
}

@Suite struct DurationTextTests {
    @Test func durationsParseAndPrint() throws {
        #expect(try DurationText.parse("90s", option: "--retain") == 90_000)
        #expect(try DurationText.parse("30m", option: "--retain") == 1_800_000)
        #expect(try DurationText.parse("168h", option: "--retain") == 604_800_000)
        #expect(try DurationText.parse("7d", option: "--retain") == 604_800_000)
        #expect(try DurationText.parse("0", option: "--retain") == 0)
        for bad in ["", "7", "7x", "-1d", "d", "1.5h", "99999999999999999w"] {
            #expect(throws: LakeError.self, "\(bad)") { try DurationText.parse(bad, option: "--retain") }
        }
        #expect(DurationText.format(604_800_000) == "7d" && DurationText.format(5_400_000) == "90m" && DurationText.format(0) == "0s")
        #expect(DurationText.format(1500) == "1500ms")
    }
}

@Suite struct CompactionPlanTests {
    /// Per partition, in log order, bins of up to the target; single-file bins and files at
    /// or above the target stay.
    @Test func binsPackSmallFilesPerPartition() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        let name = try TableName(parsing: "events")
        for i in 0..<4 { _ = try w.append(to: name, files: [try t.file("m\(i).csv", "id,region,amount\n\(10 + i),eu,1\n")]) }
        let snapshot = try w.resolve(name).table.snapshot()
        let eu = snapshot.files.filter { $0.partitionValues.first?.1 == "eu" }
        #expect(eu.count == 6)
        let plan = CompactionPlan.make(snapshot, target: 1 << 30, predicate: nil)
        // eu: 6 files in one bin; us and apac hold one file each: left alone.
        #expect(plan.bins.count == 1 && plan.bins[0].files.map(\.path) == eu.map(\.path))
        #expect(plan.filesConsidered == snapshot.files.count && plan.filesSkipped == 2)
        // A target of two files' size makes bins of two.
        let two = CompactionPlan.make(snapshot, target: eu[0].size + eu[1].size, predicate: nil)
        #expect(two.bins.map(\.files.count) == [2, 2, 2])
        // Nothing smaller than a tiny target: nothing to do.
        #expect(CompactionPlan.make(snapshot, target: 1, predicate: nil).bins.isEmpty)
    }

    @Test func compactionKeepsEveryRowAndIsIdempotent() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        let name = try TableName(parsing: "events")
        let before = try ids(w.openRows(ScanRequest(source: "events")))
        _ = try w.append(to: name, files: [try t.file("x.csv", "id,region,amount\n7,eu,7.5\n")])
        let result = try w.compact(name)
        #expect(result.filesRemoved == 3 && result.filesAdded == 1 && result.versions == [4])
        #expect(try ids(w.openRows(ScanRequest(source: "events"))).sorted() == (before + [7]).sorted())
        let again = try w.compact(name)
        #expect(again.bins == 0 && again.versions.isEmpty)
        #expect(throws: LakeError.self) { try w.compact(name, CompactRequest(predicate: "amount > 1")) }
    }
}
