import Columnar
import DeltaLog
import LakeCore
import Testing
@testable import Lake

/// The Change Data Feed: `cdc` actions parse and serialize, data-changing commits on a table
/// that records it write change data, and the feed reads each commit's changes.
@Suite struct ChangeFeedTests {
    @Test func cdcActionsRoundTrip() throws {
        let line = #"{"cdc":{"path":"_change_data/p=a/cdc-1.parquet","partitionValues":{"p":"a"},"size":12,"dataChange":false}}"#
        guard case .cdc(let file) = try Action(json: try JSONValue.parse(line)) else {
            Issue.record("not a cdc action")
            return
        }
        #expect(file.path == "_change_data/p=a/cdc-1.parquet" && file.size == 12)
        #expect(file.partitionValues.count == 1 && file.partitionValues[0].1 == "a")
        let made = ChangeDataFile(path: file.path, partitionValues: file.partitionValues, size: 12)
        #expect(Action.cdc(made).json.serialized() == line)
    }

    /// What each version contributed: (version, change type, id), sorted.
    static func changes(_ w: Warehouse, from: Int64, derived: Bool = false) throws -> [String] {
        var request = ChangesRequest(table: "events", start: .version(from))
        request.allowDerived = derived
        let feed = try w.changes(request)
        var out: [String] = []
        while let batch = try feed.rows.next() {
            let fields = batch.schema.fields.map(\.name)
            let id = fields.firstIndex(of: "id")!, type = fields.firstIndex(of: "_change_type")!
            let version = fields.firstIndex(of: "_commit_version")!
            for row in 0..<batch.rowCount {
                guard case .int(let v) = batch.columns[version].value(at: row), case .string(let kind) = batch.columns[type].value(at: row),
                      case .int(let key) = batch.columns[id].value(at: row) else { continue }
                out.append("\(v) \(kind) \(key)")
            }
        }
        return out.sorted()
    }

    @Test func deletesAndUpdatesWriteChangeDataTheFeedReads() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        let events = try TableName(parsing: "events")
        _ = try w.alter(events, .setProperty("delta.enableChangeDataFeed", "true"))          // 3
        _ = try w.delete(events, where: "id = 1")                                             // 4
        _ = try w.update(events, set: "amount = 0", where: "id = 4")                           // 5
        _ = try w.delete(events, where: "region = 'apac'")                                     // 6: a whole file
        let all = try Self.changes(w, from: 1)
        #expect(all == ["1 insert 1", "1 insert 2", "1 insert 3", "2 insert 4", "2 insert 5", "4 delete 1",
                        "5 update_postimage 4", "5 update_preimage 4", "6 delete 5"])
        let table = try w.resolve(events).table
        for version: Int64 in [4, 5] {
            #expect(try table.readCommit(version).contains { if case .cdc = $0 { return true } else { return false } })
        }
        #expect(try !table.readCommit(6).contains { if case .cdc = $0 { return true } else { return false } })
    }

    @Test func rewritesWithoutChangeDataAreRefusedUnlessDerived() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        _ = try w.delete(try TableName(parsing: "events"), where: "id = 3")                    // 3: copy-on-write
        #expect(throws: LakeError.self) { try Self.changes(w, from: 3) }
        #expect(try Self.changes(w, from: 3, derived: true) == ["3 delete 3"])
    }
}
