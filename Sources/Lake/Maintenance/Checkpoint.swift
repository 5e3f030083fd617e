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
    /// Expired log files deleted after the checkpoint (when `delta.enableExpiredLogCleanup`).
    public var logFilesDeleted: Int = 0
}

extension Warehouse {
    /// Writes a classic Parquet checkpoint of the latest version of `name`, and
    /// `_last_checkpoint`; nothing when that version has one already. Then (with `cleansLog`)
    /// cleans up expired log files, unless the table turned that off.
    public func checkpoint(_ name: TableName, cleansLog: Bool = true) throws -> CheckpointResult {
        let resolved = try resolve(name)
        try checkWritable(resolved)
        let snapshot = try resolved.table.snapshot()
        try TableFeatures.checkMaintainable(snapshot.protocolAction, snapshot.metadata)
        let hint = try CheckpointWriter.write(snapshot, table: resolved.table)
        var result = CheckpointResult(table: resolved.displayName, version: snapshot.version, written: hint != nil,
                                      actions: hint?.size, files: hint?.numOfAddFiles, bytes: hint?.sizeInBytes)
        if cleansLog { result.logFilesDeleted = try LogMaintenance.cleanUpIfEnabled(resolved.table, latest: snapshot) }
        return result
    }
}

/// Log cleanup as the write path and the maintenance commands run it.
enum LogMaintenance {
    /// Deletes expired log files when `delta.enableExpiredLogCleanup` is on (the default);
    /// returns how many (with `dryRun`, how many it would delete).
    static func cleanUpIfEnabled(_ table: DeltaTable, latest: Snapshot, now: Int64 = SystemClock.nowMillis(),
                                 dryRun: Bool = false) throws -> Int {
        guard latest.expiredLogCleanupEnabled else { return 0 }
        let plan = try LogCleanup.plan(table, latest: latest, listing: try table.listing(), now: now)
        return dryRun ? plan.files.count : try LogCleanup.run(plan, table: table)
    }
}
