import Columnar
import DeltaLog
import LakeCore
import Query

/// Streams a planned change feed: each planned read's rows, a file at a time, given
/// `_change_type`, `_commit_version` and `_commit_timestamp`, filtered by `--where` and
/// projected to `--columns`. Memory holds one batch, except while a derived commit is
/// compared: the keys of the rows its removed files held.
final class ChangeFeedSource: BatchSource {
    static let versionColumn = "_commit_version"
    static let timestampColumn = "_commit_timestamp"

    let schema: Schema
    private(set) var rowsDelivered = 0
    var expectedRows: Int? { nil }

    private let last: Snapshot
    private let changeDataSnapshot: Snapshot
    /// Every output column, before projection.
    private let fullSchema: Schema
    private let projection: [Int]?
    private let predicate: Predicate?
    private var pending: [(commit: PlannedChanges, read: ChangeRead)]
    private var current: (commit: PlannedChanges, read: ChangeRead, scan: ScanExecutor)?
    /// The rows of a derived commit's removed files not yet matched, by their key.
    private var unmatched: [[UInt8]: Int] = [:]
    private var countedVersion: Int64?

    init(last: Snapshot, commits: [PlannedChanges], columns: [String]?, predicate: String?) throws {
        self.last = last
        changeDataSnapshot = try ChangeDataWriter.fileSnapshot(of: last)
        fullSchema = Schema(last.schema.fields + [
            Field(ChangeDataWriter.changeTypeColumn, .string, nullable: false),
            Field(Self.versionColumn, .long, nullable: false),
            Field(Self.timestampColumn, .timestamp, nullable: false),
        ])
        let full = fullSchema
        projection = try columns.map { names in
            try names.map { name in
                guard let index = full.index(of: name) ?? full.fields.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) else {
                    throw LakeError(.invalidArgument, "--columns: no column '\(DisplayText.value(name))' (the feed's columns: \(full.fields.map(\.name).joined(separator: ", ")))")
                }
                return index
            }
        }
        schema = projection.map { Schema($0.map { full.fields[$0] }) } ?? full
        self.predicate = try predicate.map { try Predicate(parsing: $0, schema: full) }
        pending = commits.flatMap { commit in commit.reads.map { (commit, $0) } }.reversed()
    }

    func next() throws -> RecordBatch? {
        while true {
            if current == nil {
                guard let (commit, read) = pending.popLast() else { return nil }
                let snapshot = { if case .changeData = read.rows { return changeDataSnapshot } else { return last } }()
                let scan = ScanExecutor(ScanPlan.reading([read.file], of: snapshot))
                if case .positions = read.rows { scan.tracksPositions = true }
                current = (commit, read, scan)
            }
            guard let (commit, read, scan) = current else { continue }
            guard let batch = try scan.next() else {
                current = nil
                continue
            }
            guard let changed = try changes(batch, read, scan) else { continue }
            let count = changed.batch.rowCount
            var out = RecordBatch(schema: fullSchema, columns: changed.batch.columns + [
                changed.types,
                Column(type: .long, count: count, storage: .int64(Array(repeating: commit.version, count: count))),
                Column(type: .timestamp, count: count, storage: .int64(Array(repeating: commit.timestamp * 1000, count: count))),
            ])
            if let predicate {
                let rows = try predicate.select(out)
                if rows.count != out.rowCount { out = out.take(rows) }
            }
            guard out.rowCount > 0 else { continue }
            if let projection { out = RecordBatch(schema: schema, columns: projection.map { out.columns[$0] }) }
            rowsDelivered += out.rowCount
            return out
        }
    }

    /// The changed rows of a batch of `read` (the table's columns) and their `_change_type`;
    /// nil when none is.
    private func changes(_ batch: RecordBatch, _ read: ChangeRead, _ scan: ScanExecutor) throws -> (batch: RecordBatch, types: Column)? {
        switch read.rows {
        case .changeData:
            // The table's columns, then the file's `_change_type`.
            let types = batch.columns[batch.columns.count - 1]
            if types.validity != nil {
                throw DeltaError(.corrupt, "change data file \(DisplayText.value(read.file.path)) has rows without a _change_type")
            }
            return (RecordBatch(schema: last.schema, columns: Array(batch.columns.dropLast())), types)
        case .all(let type):
            return (batch, ChangeDataWriter.constant(type.rawValue, count: batch.rowCount))
        case .positions(let wanted, let type):
            let rows = scan.positions.indices.filter { wanted.contains(scan.positions[$0]) }
            guard !rows.isEmpty else { return nil }
            return (batch.take(rows), ChangeDataWriter.constant(type.rawValue, count: rows.count))
        case .counted:
            // The counts start empty with each derived commit.
            if current?.commit.version != countedVersion {
                unmatched = [:]
                countedVersion = current?.commit.version
            }
            for key in Self.rowKeys(batch) { unmatched[key, default: 0] += 1 }
            return nil
        case .unmatchedAdded, .unmatchedRemoved:
            let inserting: Bool = { if case .unmatchedAdded = read.rows { return true } else { return false } }()
            var rows: [Int] = []
            for (row, key) in Self.rowKeys(batch).enumerated() {
                let count = unmatched[key] ?? 0
                // An added row with a removed twin was copied; a removed row still counted was deleted.
                if count > 0 { unmatched[key] = count - 1 }
                if (count > 0) != inserting { rows.append(row) }
            }
            guard !rows.isEmpty else { return nil }
            return (batch.take(rows), ChangeDataWriter.constant((inserting ? ChangeType.insert : .delete).rawValue, count: rows.count))
        }
    }


    /// Each row's values as bytes that are equal exactly when the rows are.
    static func rowKeys(_ batch: RecordBatch) -> [[UInt8]] {
        (0..<batch.rowCount).map { row in
            var key: [UInt8] = []
            for column in batch.columns {
                ColumnText.appendJSON(column, row, to: &key)
                key.append(0x1F)
            }
            return key
        }
    }
}
