import DeltaLog
import LakeCore

/// What `lake checkpoint` did.
public struct CheckpointResult: Sendable {
    public var table: String
    public var version: Int64
    /// False when a checkpoint of this version existed already.
    public var written: Bool
    /// Actions, live files and bytes of the checkpoint written (nil when none was).
    public var actions: Int64?
    public var files: Int64?
    public var bytes: Int64?
}

extension Warehouse {
    /// Writes a classic Parquet checkpoint of the latest version of `name`, and
    /// `_last_checkpoint`; nothing when that version has one already.
    public func checkpoint(_ name: TableName) throws -> CheckpointResult {
        let resolved = try resolve(name)
        try checkWritable(resolved)
        let snapshot = try resolved.table.snapshot()
        let hint = try CheckpointWriter.write(snapshot, table: resolved.table)
        return CheckpointResult(table: resolved.displayName, version: snapshot.version, written: hint != nil,
                                actions: hint?.size, files: hint?.numOfAddFiles, bytes: hint?.sizeInBytes)
    }
}
