import DeltaLog
import LakeCore

/// What `lake restore` did.
public struct RestoreResult: Sendable {
    public var table: String
    /// The version committed (the table's version when it already equalled the old one).
    public var version: Int64
    /// The version whose contents the table now has.
    public var restoredVersion: Int64
    public var committed: Bool
    public var filesRemoved = 0, filesAdded = 0
    public var rowsDeleted: Int64 = 0, rowsInserted: Int64 = 0
    public var warnings: [String] = []
}

extension Warehouse {
    /// Makes the table's live files (and its schema and properties) those of an older version,
    /// in one `RESTORE` commit: a `remove` for each file added since, an `add` (with its
    /// statistics and deletion vector) for each file removed since. Every file to add back must
    /// still exist: a version whose files a vacuum deleted exits 4 naming them. Any commit that
    /// lands meanwhile is a conflict (exit 3): the restore would undo it unseen.
    public func restore(_ name: TableName, to selector: VersionSelector) throws -> RestoreResult {
        guard case .latest = selector else {
            let operation = try WriteOperation(self, name, operation: "RESTORE")
            let current = operation.snapshot
            let target = try snapshot(operation.resolved, selector)
            guard target.version < current.version else {
                throw LakeError(.invalidArgument, "version \(target.version) is the table's latest; restore goes back to an older one")
            }
            return try restore(operation, current: current, target: target)
        }
        throw LakeError(.invalidArgument, "restore needs --version N or --as-of TIME")
    }

    private func restore(_ operation: WriteOperation, current: Snapshot, target: Snapshot) throws -> RestoreResult {
        let now = Dictionary(current.files.map { ($0.identity, $0) }, uniquingKeysWith: { a, _ in a })
        let then = Dictionary(target.files.map { ($0.identity, $0) }, uniquingKeysWith: { a, _ in a })
        let removed = current.files.filter { then[$0.identity] == nil }
        let restored = target.files.filter { now[$0.identity] == nil }
        // Every file (and deletion vector) to bring back must still be there.
        var missing: [String] = []
        for file in restored {
            let path = try target.absolutePath(of: file)
            if operation.resolved.table.storage.info(path) == nil { missing.append(path) }
            if file.hasDeletionVector, let descriptor = file[field: "deletionVector"],
               let vector = try DeletionVectorFile.path(descriptor, root: target.root),
               operation.resolved.table.storage.info(vector) == nil {
                missing.append(vector)
            }
        }
        if let first = missing.first {
            let more = missing.count > 1 ? " and \(missing.count - 1) more" : ""
            throw LakeError(.notFound, "cannot restore version \(target.version): \(DisplayText.path(first))\(more) no longer exist (deleted by a vacuum); a version whose files are all still there can be restored")
        }
        var result = RestoreResult(table: operation.resolved.displayName, version: current.version,
                                   restoredVersion: target.version, committed: false)
        let metadataChanged = target.metadata.raw != current.metadata.raw
        guard !removed.isEmpty || !restored.isEmpty || metadataChanged else { return result }
        let stamp = SystemClock.nowMillis()
        let committed = try operation.run { op in
            var actions: [Action] = metadataChanged ? [.metaData(target.metadata)] : []
            actions += removed.map { .remove(RemoveFile(removing: $0, at: stamp, dataChange: true)) }
            actions += restored.map { file in
                var add = file
                add.dataChange = true
                return .add(add)
            }
            var transaction = op.transaction(actions: actions)
            // Whatever lands meanwhile would be undone unseen: every concurrent commit conflicts.
            transaction.read = ReadSet(files: Set(current.files.map { DeltaTable.normalizedKey($0.path) }), predicate: { _ in true })
            transaction.isolation = .serializable
            let sizes = (removed.reduce(Int64(0)) { $0 + $1.size }, restored.reduce(Int64(0)) { $0 + $1.size })
            transaction.parameters = [("version", String(target.version))]
            transaction.metrics = [
                ("numRemovedFiles", Int64(removed.count)), ("removedFilesSize", sizes.0),
                ("numRestoredFiles", Int64(restored.count)), ("restoredFilesSize", sizes.1),
                ("numOfFilesAfterRestore", Int64(target.files.count)), ("tableSizeAfterRestore", target.totalBytes),
            ]
            return transaction
        }
        result.committed = committed != nil
        result.version = committed?.version ?? current.version
        result.filesRemoved = removed.count
        result.filesAdded = restored.count
        result.rowsDeleted = removed.reduce(0) { $0 + ($1.liveRecords ?? 0) }
        result.rowsInserted = restored.reduce(0) { $0 + ($1.liveRecords ?? 0) }
        result.warnings = committed?.warnings ?? []
        return result
    }
}
