import DeltaLog
import LakeCore

/// What `lake vacuum` is asked to do.
public struct VacuumRequest: Sendable {
    /// How long removed and unknown files are kept (default: the table's
    /// `delta.deletedFileRetentionDuration`).
    public var retainMillis: Int64?
    /// List what would be deleted; delete nothing and commit nothing.
    public var dryRun = false
    /// Allow a retention shorter than the table's setting.
    public var force = false
    /// The time retention counts back from (ms since the epoch).
    public var now: Int64 = SystemClock.nowMillis()
    /// Whether the root is walked for unknown files (else only expired tombstones go).
    public var listsOrphans = true
    /// Whether expired log files are cleaned up afterwards.
    public var cleansLog = true

    public init(retainMillis: Int64? = nil, dryRun: Bool = false, force: Bool = false) {
        self.retainMillis = retainMillis
        self.dryRun = dryRun
        self.force = force
    }
}

/// What `lake vacuum` did (or, in a dry run, would do).
public struct VacuumResult: Sendable {
    public var table: String
    /// The table's version after the vacuum (its `VACUUM END` commit; the version read when
    /// nothing was deleted or in a dry run).
    public var version: Int64
    public var dryRun: Bool
    public var retentionMillis: Int64
    /// The files deleted (or that would be), relative to the table root.
    public var files: [String]
    public var filesDeleted: Int
    public var bytesDeleted: Int64
    /// Expired log files deleted (or that would be) by the protocol's metadata cleanup.
    public var logFilesDeleted: Int
    /// Symbolic links under the root, never followed or deleted.
    public var symlinksSkipped: [String]
    /// Folders holding another table, not entered.
    public var otherTablesSkipped: [String]
    /// Unknown files kept because they are younger than the retention (maybe a running write).
    public var youngFilesKept: Int
    /// What the commits' post-commit work could not do.
    public var warnings: [String] = []
}

extension Warehouse {
    /// Deletes the files under the table root that the latest version does not reference and
    /// that expired: removed longer than the retention ago, or unknown to the log and not
    /// modified for longer than it. Never touches `_`/`.` folders, symbolic links, other
    /// tables or anything outside the root; every deletion reaches its file through no link.
    /// Directories are left in place, even empty: a running append may be about to write
    /// into one.
    ///
    /// Records `VACUUM START` and `VACUUM END` commits (no file actions, so they conflict with
    /// nothing), as Spark does, when there is something to delete, then cleans up expired
    /// log files unless `delta.enableExpiredLogCleanup` is false. `progress` is called with
    /// (files deleted, files to delete).
    public func vacuum(_ name: TableName, _ request: VacuumRequest = VacuumRequest(),
                       progress: ((Int, Int) -> Void)? = nil) throws -> VacuumResult {
        let resolved = try resolve(name)
        try checkWritable(resolved)
        let table = resolved.table
        let snapshot = try table.snapshot()
        try TableFeatures.checkMaintainable(snapshot.protocolAction, snapshot.metadata)
        let tableRetention = try snapshot.deletedFileRetentionMillis()
        let retention = request.retainMillis ?? tableRetention
        if retention < tableRetention && !request.force {
            throw LakeError(.invalidArgument, "a retention of \(DurationText.format(retention)) is shorter than \(resolved.displayName)'s "
                + "delta.deletedFileRetentionDuration (\(DurationText.format(tableRetention))): readers, time travel and running "
                + "writers inside that window may still need the files; pass --force to vacuum anyway")
        }
        let plan = try VacuumPlan.make(snapshot, cutoff: request.now - retention, listingOrphans: request.listsOrphans)
        var result = VacuumResult(
            table: resolved.displayName, version: snapshot.version, dryRun: request.dryRun, retentionMillis: retention,
            files: plan.deletions.map(\.relative), filesDeleted: plan.deletions.count, bytesDeleted: plan.bytes,
            logFilesDeleted: 0, symlinksSkipped: plan.symlinks, otherTablesSkipped: plan.otherTables,
            youngFilesKept: plan.youngOrphans)
        if request.dryRun {
            if request.cleansLog {
                result.logFilesDeleted = try LogMaintenance.cleanUpIfEnabled(table, latest: snapshot, now: request.now, dryRun: true)
            }
            return result
        }
        if !plan.deletions.isEmpty {
            let start = try commitVacuum(resolved, snapshot, operation: "VACUUM START",
                                         parameters: [("retentionCheckEnabled", String(!request.force)),
                                                      ("defaultRetentionMillis", String(tableRetention)),
                                                      ("specifiedRetentionMillis", String(retention))],
                                         metrics: [("numFilesToDelete", Int64(plan.deletions.count)),
                                                   ("sizeOfDataToDelete", plan.bytes)])
            result.warnings += start.warnings
            let deleted = Self.delete(plan, root: table.root, storage: table.storage, progress: progress)
            result.files = deleted.files
            result.filesDeleted = deleted.files.count
            result.bytesDeleted = deleted.bytes
            // The end is recorded either way, as Spark does: what was deleted stays deleted.
            let end = try commitVacuum(resolved, snapshot, operation: "VACUUM END",
                                       parameters: [("status", deleted.failure == nil ? "COMPLETED" : "FAILED")],
                                       metrics: [("numDeletedFiles", Int64(deleted.files.count)),
                                                 ("numVacuumedDirectories", Int64(plan.directories.count))])
            result.warnings += end.warnings
            result.version = end.version
            if let failure = deleted.failure {
                throw LakeError(.runtime, "vacuum deleted \(deleted.files.count) of \(plan.deletions.count) files, then: \(failure) "
                                + "(VACUUM END at version \(end.version) records status FAILED; run it again once fixed)")
            }
        }
        // The snapshot read gives the properties cleanup needs; the listing is taken anew.
        if request.cleansLog {
            result.logFilesDeleted = try LogMaintenance.cleanUpIfEnabled(table, latest: snapshot, now: request.now)
        }
        return result
    }

    /// A commit without file actions on `base`, through the write path (so its hooks run).
    private func commitVacuum(_ resolved: ResolvedTable, _ base: Snapshot, operation: String, parameters: [(String, String)],
                              metrics: [(String, Int64)]) throws -> CommittedWrite {
        let op = try WriteOperation(self, resolved, base: base, operation: operation, changesData: false)
        return try op.run { op in
            var transaction = op.transaction(actions: [])
            transaction.parameters = parameters
            transaction.metrics = metrics
            return transaction
        }!
    }

    /// What the deletions did: the files removed, their bytes, and the first error (the
    /// files after it in its batch were not tried; other batches were).
    struct Deleted {
        var files: [String] = []
        var bytes: Int64 = 0
        var failure: String?
    }

    /// Deletes the plan's files in parallel, up to 512 files of one directory per batch; each
    /// is reached through no symbolic link.
    private static func delete(_ plan: VacuumPlan, root: String, storage: any Storage,
                               progress: ((Int, Int) -> Void)?) -> Deleted {
        var byDirectory: [String: [Int]] = [:]
        var order: [String] = []
        for (i, deletion) in plan.deletions.enumerated() {
            let directory = Paths.parent(of: deletion.relative)
            if byDirectory[directory] == nil { order.append(directory) }
            byDirectory[directory, default: []].append(i)
        }
        var batches: [(directory: String, indices: ArraySlice<Int>)] = []
        for directory in order {
            let indices = byDirectory[directory]!
            for start in stride(from: 0, to: indices.count, by: 512) {
                batches.append((directory, indices[start..<min(indices.count, start + 512)]))
            }
        }
        var deleted = Deleted()
        var done = 0
        var next = 0
        // Rounds of a few batches, so progress moves while the cores delete.
        while next < batches.count {
            let round = Array(batches[next..<min(batches.count, next + 8)])
            let results = (try? parallelMap(round.count) { k -> (removed: [Int], failure: String?) in
                let (directory, indices) = round[k]
                let names = indices.map { Paths.basename(of: plan.deletions[$0].relative) }
                do {
                    let removed = try storage.removeRegularFiles(names, in: directory == "." ? "" : directory, under: root)
                    return (zip(indices, removed).filter(\.1).map(\.0), nil)
                } catch {
                    return ([], "\(error)")
                }
            }) ?? []
            for result in results {
                for i in result.removed {
                    deleted.files.append(plan.deletions[i].relative)
                    deleted.bytes += plan.deletions[i].size
                }
                if deleted.failure == nil { deleted.failure = result.failure }
            }
            done += round.reduce(0) { $0 + $1.indices.count }
            next += round.count
            progress?(done, plan.deletions.count)
        }
        deleted.files.sort { ByteText.less($0, $1) }
        return deleted
    }
}
