import DeltaLog
import LakeCore

/// What `lake maintain` finds due on one table, from its log (and the catalog's record of
/// earlier runs), in the order it is done. Every threshold is a table property:
///
/// - checkpoint: `delta.checkpointInterval` commits since the newest checkpoint, or a
///   `_last_checkpoint` that is missing or behind it;
/// - compact: a partition holding `lake.compaction.minFiles` (50) files smaller than a
///   quarter of the target size (`delta.targetFileSize`, 128 MB);
/// - vacuum: a removed file past `delta.deletedFileRetentionDuration`, or a full listing of
///   the table for unknown files, which runs at most every `lake.vacuum.fullInterval` (7 days);
/// - log cleanup: commits older than `delta.logRetentionDuration` behind a checkpoint.
struct MaintenancePlan {
    var steps: [MaintenanceStep] = []
    /// Whether the vacuum lists every file (else it only deletes expired tombstones).
    var fullVacuum = false

    init(warehouse: Warehouse, resolved: ResolvedTable, snapshot: Snapshot, now: Int64) throws {
        let table = resolved.table
        let listing = try table.listing()
        steps.append(Self.checkpoint(table, snapshot, listing))
        steps.append(Self.compaction(snapshot))
        let lastFull = try resolved.entry.flatMap { try warehouse.catalog().lastFullVacuum(tableID: $0.id) }
        let (vacuum, full) = try Self.vacuum(snapshot, lastFull: lastFull, now: now)
        steps.append(vacuum)
        fullVacuum = full
        steps.append(try Self.logCleanup(table, snapshot, listing, now: now))
    }

    static func checkpoint(_ table: DeltaTable, _ snapshot: Snapshot, _ listing: LogListing) -> MaintenanceStep {
        let interval = snapshot.checkpointInterval
        guard let newest = listing.checkpoint(atOrBefore: snapshot.version)?.version else {
            // Version 0 is the first, as for the checkpoint every interval-th version.
            return MaintenanceStep(action: "checkpoint", due: snapshot.version >= interval,
                                   reason: "no checkpoint up to version \(snapshot.version) (interval \(interval))")
        }
        let since = snapshot.version - newest
        if since >= interval {
            return MaintenanceStep(action: "checkpoint", due: true,
                                   reason: "\(since) commit(s) since the checkpoint at version \(newest) (interval \(interval))")
        }
        let hint = (try? table.storage.read(table.logDirectory + "/_last_checkpoint")).flatMap { $0 }.flatMap { try? LastCheckpoint.parse($0) }
        guard let hint else {
            return MaintenanceStep(action: "checkpoint", due: since > 0, reason: "_last_checkpoint is missing or unreadable")
        }
        if hint.version < newest {
            return MaintenanceStep(action: "checkpoint", due: since > 0,
                                   reason: "_last_checkpoint names version \(hint.version), behind the checkpoint at \(newest)")
        }
        return MaintenanceStep(action: "checkpoint", due: false,
                               reason: "\(since) commit(s) since the checkpoint at version \(newest) (interval \(interval))")
    }

    static func compaction(_ snapshot: Snapshot) -> MaintenanceStep {
        let target = snapshot.property("delta.targetFileSize").flatMap { parseSize($0) }.map(Int64.init) ?? 128 << 20
        let small = max(1, target / 4)
        let minFiles = snapshot.property("lake.compaction.minFiles").flatMap { Int($0) }.map { max(2, $0) } ?? 50
        var counts: [String: Int] = [:]
        for file in snapshot.files where file.size < small && Clustering.tag(of: file) == nil { counts[CompactionPlan.key(file.partitionValues), default: 0] += 1 }
        let crowded = counts.values.filter { $0 >= minFiles }
        let size = DurationText.formatSize(small)
        if crowded.isEmpty {
            return MaintenanceStep(action: "compact", due: false,
                                   reason: "no partition holds \(minFiles) files under \(size) (most: \(counts.values.max() ?? 0))")
        }
        return MaintenanceStep(action: "compact", due: true,
                               reason: "\(crowded.reduce(0, +)) files under \(size) in \(crowded.count) partition(s)")
    }

    static func vacuum(_ snapshot: Snapshot, lastFull: Int64?, now: Int64) throws -> (MaintenanceStep, Bool) {
        let retention = try snapshot.deletedFileRetentionMillis()
        // Only those whose files are still there: the rest are done. (Lake's checkpoints keep
        // tombstones a week past their retention, so a checkpoint just written drops none of these.)
        let expired = snapshot.tombstones.filter { remove in
            guard (remove.deletionTimestamp ?? 0) <= now - retention,
                  let path = try? DeltaTable.resolve(remove.path, root: snapshot.root) else { return false }
            return snapshot.storage.info(path)?.kind == .regular
        }.count
        let fullInterval = snapshot.property("lake.vacuum.fullInterval").flatMap(Interval.millis) ?? 7 * 86_400_000
        let full = lastFull.map { now - $0 >= fullInterval } ?? true
        var reasons: [String] = []
        if expired > 0 { reasons.append("\(expired) removed file(s) past the \(DurationText.format(retention)) retention") }
        if full {
            reasons.append(lastFull == nil ? "no full listing recorded yet"
                           : "last full listing \(DurationText.format(now - lastFull!)) ago (every \(DurationText.format(fullInterval)))")
        }
        if reasons.isEmpty { reasons.append("no removed file past the \(DurationText.format(retention)) retention") }
        return (MaintenanceStep(action: "vacuum", due: expired > 0 || full, reason: reasons.joined(separator: "; ")), full)
    }

    static func logCleanup(_ table: DeltaTable, _ snapshot: Snapshot, _ listing: LogListing, now: Int64) throws -> MaintenanceStep {
        guard snapshot.expiredLogCleanupEnabled else {
            return MaintenanceStep(action: "log_cleanup", due: false, reason: "delta.enableExpiredLogCleanup is false")
        }
        let plan = try LogCleanup.plan(table, latest: snapshot, listing: listing, now: now)
        let retention = DurationText.format(try snapshot.logRetentionMillis())
        guard let kept = plan.keptCheckpoint, !plan.files.isEmpty else {
            return MaintenanceStep(action: "log_cleanup", due: false, reason: "nothing older than \(retention) lies behind a checkpoint")
        }
        return MaintenanceStep(action: "log_cleanup", due: true,
                               reason: "\(plan.files.count) log file(s) older than \(retention) lie behind the checkpoint at version \(kept)")
    }
}
