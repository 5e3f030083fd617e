import Columnar
import DeltaLog
import LakeCore
import Testing
@testable import Lake

/// A warehouse in a temporary directory with a few CSV inputs, removed by `cleanUp`.
struct TemporaryWarehouse {
    let root = "/tmp/lake-tests-\(SystemClock.uuid())"
    var warehouse: Warehouse { Warehouse(path: root) }

    func cleanUp() { try? LocalStorage().removeTree(root) }

    /// Writes `text` to a file under the warehouse root; returns its path.
    func file(_ name: String, _ text: String) throws -> String {
        try LocalStorage().makeDirectories(root + "/inputs")
        let path = root + "/inputs/" + name
        try LocalStorage().writeNew(path, Array(text.utf8))
        return path
    }

    /// `events`: partitioned by region, two appends (eu/us then eu/apac).
    func events() throws -> Warehouse {
        let w = warehouse
        var request = CreateRequest(name: try TableName(parsing: "events"),
                                    schema: try Schema(parsing: "id long not null, region string, amount double"))
        request.partitionBy = ["region"]
        _ = try w.create(request)
        _ = try w.append(to: try TableName(parsing: "events"), files: [try file("a.csv", "id,region,amount\n1,eu,1.5\n2,us,2.5\n3,eu,3.5\n")])
        _ = try w.append(to: try TableName(parsing: "events"), files: [try file("b.csv", "id,region,amount\n4,eu,4.5\n5,apac,5.5\n")])
        return w
    }
}

func ids(_ stream: RowStream) throws -> [Int64] {
    var out: [Int64] = []
    while let batch = try stream.next() {
        guard case .int64(let values) = batch.columns[0].storage else { return [] }
        out += values
    }
    return out.sorted()
}

@Suite struct ScanPlanTests {
    @Test func planPrunesByPartitionAndStatisticsFromTheLogAlone() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        var request = ScanRequest(source: "events")
        request.predicate = "region = 'eu' AND id > 3"
        let plan = try w.plan(request)
        #expect(plan.filesTotal == 4)
        #expect(plan.filesPrunedByPartition == 2)
        #expect(plan.filesSkippedByStats == 1)
        #expect(plan.files.map(\.reason) == [.statsMightMatch])
        #expect(try ids(try w.openRows(request)) == [4])

        // The plan needs no data file: delete them all, then explain again.
        for file in plan.snapshot.files { try LocalStorage().remove(try plan.snapshot.absolutePath(of: file)) }
        let explained = try w.explain(request, analyze: false)
        #expect(explained.measured == nil)
        #expect(explained.files.count == 1 && explained.files[0].path.hasPrefix("region=eu/"))
        let missing = #expect(throws: DeltaError.self) { try w.explain(request, analyze: true) }
        #expect(missing?.kind == .notFound)
    }

    @Test func analyzeMeasuresWhatTheScanRead() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        var request = ScanRequest(source: "events")
        request.predicate = "amount > 2"
        request.columns = ["id"]
        let explained = try w.explain(request, analyze: true)
        let measured = try #require(explained.measured)
        #expect(measured.rowsReturned == 4)
        #expect(measured.filesRead == explained.plan.files.count)
        #expect(measured.rowGroupsRead >= 1 && measured.bytesRead > 0)
        #expect(explained.columns == ["id"])
    }

    @Test func noPredicateKeepsEveryFileAndCountsFromTheLog() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        let plan = try w.plan(ScanRequest(source: "events"))
        #expect(plan.files.allSatisfy { $0.reason == .noPredicate } && plan.files.count == 4)
        #expect(try w.count(try TableName(parsing: "events"), .latest, where: nil).count == 5)
        #expect(try w.count(try TableName(parsing: "events"), .latest, where: "region = 'eu'").count == 3)
        #expect(try w.count(try TableName(parsing: "events"), .version(1), where: nil).count == 3)
    }

    @Test func unknownColumnsAreUsageErrors() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        var request = ScanRequest(source: "events")
        request.columns = ["nope"]
        let error = #expect(throws: LakeError.self) { try w.plan(request) }
        #expect(error?.kind == .invalidArgument)
        #expect(FailureReport(try #require(error)).exitCode == 2)
    }

    @Test func aParquetFileScansWithFilterAndLimit() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        let snapshot = try w.plan(ScanRequest(source: "events")).snapshot
        let eu = try #require(snapshot.files.first { $0.partitionValues.first?.1 == "eu" })
        var request = ScanRequest(source: try snapshot.absolutePath(of: eu))
        request.predicate = "id >= 3"
        #expect(try ids(try w.openRows(request)) == [3])
        request.predicate = nil
        request.limit = 1
        #expect(try ids(try w.openRows(request)).count == 1)
        request.version = .version(0)
        let versioned = #expect(throws: LakeError.self) { try w.openRows(request) }
        #expect(versioned?.kind == .invalidArgument)
    }
}

@Suite struct WriteOperationTests {
    @Test func aFailedAppendCommitsNothingAndLeavesNoFiles() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        let table = try w.resolve(try TableName(parsing: "events"))
        let before = try table.table.snapshot()
        let filesBefore = try dataFiles(under: table.table.root)
        let bad = try t.file("bad.csv", "id,region,amount\n6,eu,1\n7,us,not-a-number\n")
        #expect(throws: (any Error).self) { try w.append(to: try TableName(parsing: "events"), files: [bad]) }
        #expect(try table.table.latestVersion() == before.version)
        #expect(try dataFiles(under: table.table.root) == filesBefore)
    }

    @Test func appendsRecordWhatTheyDidAndIndexTheCatalog() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        let result = try w.append(to: try TableName(parsing: "events"), files: [try t.file("c.csv", "id,region,amount\n6,us,1\n")])
        #expect(result.version == 3 && result.rows == 1 && result.files == 1)
        let listed = try w.list(namespace: nil)
        #expect(listed.map(\.name) == ["default.events"] && listed[0].version == 3 && listed[0].rows == 6)
        let history = try w.history(try TableName(parsing: "events"), limit: 1)
        #expect(history.commits.first?.operation == "WRITE")
        #expect(history.commits.first?.parametersJSON.contains("Append") == true)
    }

    func dataFiles(under root: String) throws -> [String] {
        var out: [String] = []
        func walk(_ dir: String) throws {
            for name in try LocalStorage().list(dir) ?? [] where name != "_delta_log" {
                let path = dir + "/" + name
                if LocalStorage().isDirectory(path) { try walk(path) } else { out.append(path) }
            }
        }
        try walk(root)
        return out.sorted()
    }
}

@Suite struct FailureReportTests {
    @Test func everyModuleErrorMapsToTheContractsExitCode() {
        #expect(FailureReport(DeltaError(.conflict, "c")).exitCode == 3)
        #expect(FailureReport(DeltaError(.conflict, "c")).type == "commit_conflict")
        #expect(FailureReport(DeltaError(.notFound, "n")).exitCode == 4)
        #expect(FailureReport(DeltaError(.corrupt, "x")).exitCode == 1)
        #expect(FailureReport(LakeError(.invalidArgument, "u")).exitCode == 2)
        #expect(FailureReport(LakeError(.alreadyExists, "e")).type == "already_exists")
        #expect(FailureReport(StorageError(path: "/p", "cannot")).exitCode == 1)
        #expect(FailureReport(StorageError(path: "/p", "cannot")).message == "cannot")
        #expect(FailureReport.usage("bad flag").exitCode == 2)
    }
}
