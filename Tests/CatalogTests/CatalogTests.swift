import Testing
@testable import Catalog
#if canImport(Glibc)
import Glibc
#endif

@Suite struct CatalogTests {
    func open() throws -> (SQLiteCatalog, String) {
        let path = "/tmp/lake-catalog-test-\(UInt64.random(in: 0...UInt64.max)).db"
        return (try SQLiteCatalog(path: path), path)
    }

    @Test func registerRenameDrop() throws {
        let (catalog, path) = try open()
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        let entry = try catalog.register(namespace: "default", name: "t", location: "/data/t", comment: "hi", created: 5, managed: true)
        #expect(entry.qualifiedName == "default.t" && entry.version == -1)
        let taken = #expect(throws: CatalogError.self) { try catalog.register(namespace: "default", name: "t", location: "/x", comment: nil, created: 6, managed: true) }
        #expect(taken?.kind == .alreadyExists)
        try catalog.rename(namespace: "default", name: "t", to: "sales", "orders")
        #expect(try catalog.table(namespace: "default", name: "t") == nil)
        #expect(try catalog.table(namespace: "sales", name: "orders")?.location == "/data/t")
        #expect(try catalog.table(location: "/data/t")?.name == "orders")
        try catalog.drop(namespace: "sales", name: "orders")
        #expect(try catalog.tables(namespace: nil).isEmpty)
    }

    @Test func leasesExcludeOthersUntilTheyExpire() throws {
        let (catalog, path) = try open()
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        let id = try catalog.register(namespace: "default", name: "t", location: "/data/t", comment: nil, created: 5, managed: true).id
        #expect(try catalog.acquireLease(.table(id: id), holder: "a:1", now: 100, until: 200))
        #expect(try !catalog.acquireLease(.table(id: id), holder: "b:2", now: 150, until: 250))
        #expect(try catalog.renewLease(.table(id: id), holder: "a:1", until: 300))
        #expect(try !catalog.renewLease(.table(id: id), holder: "b:2", until: 400))
        #expect(try !catalog.acquireLease(.table(id: id), holder: "b:2", now: 299, until: 400))
        // Expired: taken over; the old holder can no longer renew or release it.
        #expect(try catalog.acquireLease(.table(id: id), holder: "b:2", now: 301, until: 500))
        #expect(try !catalog.renewLease(.table(id: id), holder: "a:1", until: 600))
        try catalog.releaseLease(.table(id: id), holder: "a:1")
        #expect(try !catalog.acquireLease(.table(id: id), holder: "c:3", now: 400, until: 700))
        try catalog.releaseLease(.table(id: id), holder: "b:2")
        #expect(try catalog.acquireLease(.table(id: id), holder: "c:3", now: 400, until: 700))
        // A table named by its path has a lease of its own, apart from any catalog table's.
        #expect(try catalog.acquireLease(.path("/data/t"), holder: "d:4", now: 400, until: 700))
        #expect(try !catalog.acquireLease(.path("/data/t"), holder: "e:5", now: 500, until: 800))
        #expect(try catalog.acquireLease(.path("/data/other"), holder: "e:5", now: 500, until: 800))
        #expect(try catalog.renewLease(.path("/data/t"), holder: "d:4", until: 900))
        try catalog.releaseLease(.path("/data/t"), holder: "d:4")
        #expect(try catalog.acquireLease(.path("/data/t"), holder: "e:5", now: 500, until: 800))
    }

    @Test func maintenanceRunsAreKeptNewestFirst() throws {
        let (catalog, path) = try open()
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        let id = try catalog.register(namespace: "default", name: "t", location: "/data/t", comment: nil, created: 5, managed: true).id
        for (started, full) in [(10, true), (20, false), (30, false)] {
            try catalog.recordMaintenance(MaintenanceRun(tableID: id, started: Int64(started), finished: Int64(started) + 1,
                                                         actions: ["compact", "vacuum"], filesBefore: 9, bytesBefore: 90,
                                                         filesAfter: 1, bytesAfter: 80, outcome: "ok", error: nil, fullVacuum: full))
        }
        let runs = try catalog.maintenanceRuns(tableID: id, limit: 2)
        #expect(runs.map(\.started) == [30, 20] && runs[0].actions == ["compact", "vacuum"])
        #expect(try catalog.lastFullVacuum(tableID: id) == 10)
        #expect(try catalog.maintenanceRuns(tableID: nil, limit: 10).count == 3)
    }

    @Test func stateOnlyMovesForward() throws {
        let (catalog, path) = try open()
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        let entry = try catalog.register(namespace: "default", name: "t", location: "/data/t", comment: nil, created: 0, managed: true)
        let commit = CommitEntry(version: 3, timestamp: 9, operation: "WRITE", rowsAdded: 10, filesAdded: 1,
                                 bytesAdded: 100, rowsRemoved: 0, filesRemoved: 0, bytesRemoved: 0)
        try catalog.record(tableID: entry.id, commits: [commit],
                           state: TableState(version: 3, rows: 10, bytes: 100, files: 1, schemaSummary: "a long", lastChange: 9), wait: true)
        try catalog.record(tableID: entry.id, commits: [],
                           state: TableState(version: 2, rows: 1, bytes: 1, files: 1, schemaSummary: "", lastChange: 1), wait: true)
        let now = try #require(try catalog.table(namespace: "default", name: "t"))
        #expect(now.version == 3 && now.rows == 10)
        #expect(try catalog.commits(tableID: entry.id) == [commit])
    }

    @Test func reopeningKeepsTheSchema() throws {
        let (catalog, path) = try open()
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        _ = try catalog.register(namespace: "a", name: "b", location: "/x", comment: nil, created: 0, managed: true)
        let again = try SQLiteCatalog(path: path)
        #expect(try again.tables(namespace: "a").count == 1)
        #expect(try again.database.execute("PRAGMA journal_mode").first?["journal_mode"]?.text == "wal")
    }
}
