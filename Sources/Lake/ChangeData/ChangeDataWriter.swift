import Columnar
import DeltaLog
import LakeCore

/// The kinds of row change the Change Data Feed records, as `_change_type` names them.
public enum ChangeType: String, Sendable, CaseIterable {
    case insert
    case delete
    case updatePreimage = "update_preimage"
    case updatePostimage = "update_postimage"
}

/// The change data of one data-changing commit on a table that records the Change Data Feed
/// (PROTOCOL.md, "Change Data Files"): each changed row with its `_change_type`, in files
/// under `_change_data/` (partitioned as the table is), named by `cdc` actions in the same
/// commit. A reader that finds `cdc` actions in a commit reads only them, so once a commit
/// writes any change data, every row it changes must be in it (see ``needed``).
final class ChangeDataWriter {
    /// The folder of change data files, under the table root.
    static let folder = "_change_data"
    /// The column naming each row's change.
    static let changeTypeColumn = "_change_type"

    private let table: Snapshot
    private let writer: TableWriter
    private let fileSchema: Schema
    /// Rows written so far.
    private(set) var rows: Int64 = 0

    /// Writes through `writer`, made for `files`: ``fileSnapshot(of:)`` of `table`.
    init(_ table: Snapshot, files: Snapshot, writer: TableWriter) {
        self.table = table
        self.writer = writer
        fileSchema = files.schema
    }

    /// `table` with `_change_type` after its columns: how change data files are written and read.
    static func fileSnapshot(of table: Snapshot) throws -> Snapshot {
        let schema = Schema(table.schema.fields + [Field(changeTypeColumn, .string, nullable: true)])
        return try table.evolved(metadata: table.metadata.replacing(schema: schema), protocolAction: table.protocolAction)
    }

    /// Records the rows of `batch` (the table's columns) as changed by `type`.
    func write(_ batch: RecordBatch, _ type: ChangeType) throws {
        guard batch.rowCount > 0 else { return }
        let types = Self.constant(type.rawValue, count: batch.rowCount)
        try writer.write(RecordBatch(schema: fileSchema, columns: batch.columns + [types]))
        rows += Int64(batch.rowCount)
    }

    /// Records every live row of `files` (of the table) as deleted: the files a commit
    /// removes whole, when the commit writes change data for other rows.
    func writeDeleted(_ files: [AddFile]) throws {
        guard !files.isEmpty else { return }
        let scan = RowStream(ScanExecutor(ScanPlan.reading(files, of: table)))
        while let batch = try scan.next() { try write(batch, .delete) }
    }

    /// A string column holding `text` `count` times.
    static func constant(_ text: String, count: Int) -> Column {
        let utf8 = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count * count)
        for _ in 0..<count { bytes += utf8 }
        return Column(type: .string, count: count, storage: .bytes(offsets: (0...count).map { $0 * utf8.count }, bytes: bytes))
    }

    /// Finishes the files; their `cdc` actions.
    func close() throws -> [Action] {
        try writer.close().map { .cdc(ChangeDataFile(path: $0.path, partitionValues: $0.partitionValues, size: $0.size)) }
    }
}
