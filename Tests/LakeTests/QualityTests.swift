import Columnar
import DeltaLog
import LakeCore
import Testing
@testable import Lake

/// CHECK constraints with SQL semantics, and `check` finding what is wrong with a table.
@Suite struct QualityTests {
    @Test func constraintsRejectFalseAndPassNull() throws {
        let schema = try Schema(parsing: "id long, amount double")
        let batch = RecordBatch(schema: schema, columns: [
            try Column(.long, [.int(1), .int(2), .int(3)]),
            try Column(.double, [.double(5), .double(-1), .null]),
        ])
        let constraint = try TableConstraints.compile("positive", "amount > 0", schema: schema, table: "t")
        let checks = TableConstraints(constraints: [constraint])
        let found = try checks.violations(batch)
        #expect(found.map(\.row) == [1])
        #expect(found[0].message == "violates CHECK constraint positive (amount > 0): amount=-1.0")
        #expect(throws: LakeError.self) { try TableConstraints.compile("bad", "amount >>= 0", schema: schema, table: "t") }
        #expect(TableConstraints.declared([("delta.constraints.b", "x > 1"), ("other", "1"), ("delta.constraints.a", "y")]).map(\.name) == ["a", "b"])
    }

    @Test func constraintsAreCheckedOnAddAndOnAppend() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        let events = try TableName(parsing: "events")
        #expect(throws: LakeError.self) { try w.alter(events, .addConstraint("small", "amount < 5")) }  // 5.5 is there
        _ = try w.alter(events, .addConstraint("Positive", "amount > 0"))
        #expect(try w.describe(events, .latest).constraints.map(\.name) == ["positive"])
        let bad = try t.file("bad.csv", "id,region,amount\n9,eu,1\n10,eu,-2\n")
        #expect(throws: (any Error).self) { try w.append(to: events, files: [bad]) }
        #expect(try w.describe(events, .latest).version == 3)
    }

    @Test func checkFindsAMissingFile() throws {
        let t = TemporaryWarehouse()
        defer { t.cleanUp() }
        let w = try t.events()
        let events = try TableName(parsing: "events")
        #expect(try w.check(CheckRequest(tables: [events])).ok)
        let snapshot = try w.resolve(events).table.snapshot()
        let files = snapshot.files.map { snapshot.root + "/" + Partitioning.uriDecode($0.path) }
        try LocalStorage().remove(files[0])
        let report = try w.check(CheckRequest(tables: [events]))
        #expect(report.tables[0].problems.map(\.kind) == ["missing_file"])
    }
}
