import LakeCore

/// Deletes the log files that time travel no longer needs, by the protocol's steps
/// (PROTOCOL.md, "Metadata Cleanup"):
///
/// 1. the cutoff timestamp is midnight UTC of now − `delta.logRetentionDuration`;
/// 2. the cutoff commit is the newest commit not newer than it (commit times as `--as-of`
///    sees them: in-commit timestamps, else file times made monotonic);
/// 3. the kept checkpoint is the newest complete checkpoint at or before the cutoff commit;
///    it, its JSON commit and everything after stay;
/// 4. commits, checkpoints and `.crc` files before it are deleted, with log compactions that
///    start at or before it and lake's own temporary files once stale;
/// 5. without such a checkpoint nothing is deleted.
///
/// Only regular files directly in `_delta_log` are deleted, never through a link.
public enum LogCleanup {
    /// What a cleanup would delete.
    public struct Plan: Sendable, Equatable {
        /// Midnight UTC of now − the log retention.
        public var cutoffTimestamp: Int64
        /// The newest commit not newer than the cutoff (nil when every commit is younger).
        public var cutoffCommit: Int64?
        /// The checkpoint everything from on is kept (nil: nothing can be cleaned up).
        public var keptCheckpoint: Int64?
        /// Names in `_delta_log` to delete, in listing order.
        public var files: [String]
    }

    static let day: Int64 = 86_400_000

    /// The cleanup due on `table` at `now` (ms), given its latest snapshot and listing.
    public static func plan(_ table: DeltaTable, latest: Snapshot, listing: LogListing,
                            now: Int64 = SystemClock.nowMillis()) throws -> Plan {
        let cutoffTimestamp = midnightUTC(now - (try latest.logRetentionMillis()))
        var plan = Plan(cutoffTimestamp: cutoffTimestamp, cutoffCommit: nil, keptCheckpoint: nil, files: [])
        let checkpoints = Set(listing.checkpoints.keys).union(listing.v2Checkpoints.keys)
        // Without a checkpoint there is nothing to keep the log from, so nothing to read.
        guard !checkpoints.isEmpty else { return plan }
        let stamps = try table.commitTimestamps(listing: listing, latest: latest, notAfter: cutoffTimestamp)
        guard let cutoffCommit = stamps.last?.version else { return plan }
        plan.cutoffCommit = cutoffCommit
        guard let kept = checkpoints.filter({ $0 <= cutoffCommit }).max() else { return plan }
        plan.keptCheckpoint = kept
        guard let names = try table.storage.list(table.logDirectory) else { return plan }
        for name in names where isExpired(name, before: kept, now: now, table: table) {
            guard table.storage.info(table.logDirectory + "/" + name)?.kind == .regular else { continue }
            plan.files.append(name)
        }
        return plan
    }

    /// Deletes the plan's files; returns how many were deleted (a file another cleanup
    /// deleted first is not counted, and one that cannot be deleted is left).
    @discardableResult
    public static func run(_ plan: Plan, table: DeltaTable) throws -> Int {
        try table.checkLogDirectory(forWriting: true)
        var deleted = 0
        for name in plan.files {
            let path = table.logDirectory + "/" + name
            guard table.storage.info(path)?.kind == .regular else { continue }
            if (try? table.storage.remove(path)) != nil { deleted += 1 }
        }
        return deleted
    }

    /// Midnight UTC at or before `millis`.
    public static func midnightUTC(_ millis: Int64) -> Int64 {
        let days = millis >= 0 ? millis / day : (millis - day + 1) / day
        return days * day
    }

    /// Whether log file `name` is older than the kept checkpoint `kept`.
    static func isExpired(_ name: String, before kept: Int64, now: Int64, table: DeltaTable) -> Bool {
        if TemporaryName.isLakeTemporary(name) {
            guard let info = table.storage.info(table.logDirectory + "/" + name) else { return false }
            return now - info.modificationTime > TemporaryName.staleAfterMillis
        }
        guard let version = LogListing.version(name) else { return false }
        let rest = name.utf8.dropFirst(20)
        let suffix = String(decoding: rest, as: UTF8.self)
        if suffix.hasSuffix(".compacted.json") {
            // `<start>.<end>.compacted.json`: it goes when it starts at or before the checkpoint.
            return version <= kept
        }
        guard version < kept else { return false }
        return suffix == ".json" || suffix == ".crc" || (suffix.hasPrefix(".checkpoint.") && (suffix.hasSuffix(".parquet") || suffix.hasSuffix(".json")))
    }
}
