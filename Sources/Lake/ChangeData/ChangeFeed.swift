import Columnar
import DeltaLog
import LakeCore
import Query

/// Where a `lake changes` range starts or ends: a version, or a time (ms since the epoch).
public enum ChangeBound: Sendable {
    case version(Int64)
    case time(Int64)
}

/// What `lake changes` reads.
public struct ChangesRequest: Sendable {
    public var table: String
    /// The first version (or the first commit at or after a time).
    public var start: ChangeBound
    /// The last version (or the last commit at or before a time); nil: the latest.
    public var end: ChangeBound?
    public var columns: [String]?
    public var predicate: String?
    /// Derive the changes of commits that rewrote files without change data by comparing
    /// the rows of the files they removed and added.
    public var allowDerived = false

    public init(table: String, start: ChangeBound) {
        self.table = table
        self.start = start
    }
}

/// The Change Data Feed of a range of versions, planned from the log and ready to stream.
public struct ChangeFeed {
    public let table: String
    public let fromVersion: Int64
    /// The last version the feed covers: pass `toVersion + 1` as the next run's start to read
    /// every change exactly once. When the range is empty, the version before its start (at
    /// most the latest).
    public let toVersion: Int64
    /// The commits in the range, and those of them that changed rows.
    public let commits: Int
    public let changingCommits: Int
    /// The rows, in version order: the table's columns (as of `toVersion`) and
    /// `_change_type`, `_commit_version`, `_commit_timestamp`.
    public let rows: RowStream
}

extension Warehouse {
    /// The Change Data Feed of a table between two versions (PROTOCOL.md, "Change Data
    /// Files"), planned from the log before any row is read:
    ///
    /// - a commit with `cdc` actions contributes the rows of those files, nothing else;
    /// - otherwise its data-changing `add`s are inserts and its `remove`s deletes (a file
    ///   re-added with a new deletion vector: the rows the vector newly deletes, or restores);
    /// - commits that change no data (`dataChange` false: compaction) contribute nothing;
    /// - a commit that removed and added files without change data, on a table not recording
    ///   it, may have copied rows: refused unless `allowDerived`, which compares the files' rows.
    ///
    /// Rows take the schema of the range's last version: columns added later are null before,
    /// renamed ones carry the new name. A start before the oldest commit still in the log, or a
    /// file of the range that is gone, is `notFound` (exit 4) naming it.
    public func changes(_ request: ChangesRequest) throws -> ChangeFeed {
        let resolved = try resolve(try TableName(parsing: request.table))
        let table = resolved.table
        let listing = try table.listing()
        guard let latest = listing.latestVersion, let oldest = listing.commits.keys.min() else {
            throw DeltaError(.notFound, "\(resolved.displayName) has no commits")
        }
        let stamps = try table.commitTimestamps(listing: listing)
        let timestamp = Dictionary(uniqueKeysWithValues: stamps.map { ($0.version, $0.timestamp) })
        let start: Int64
        switch request.start {
        case .version(let v): start = v
        case .time(let t): start = stamps.first { $0.timestamp >= t }?.version ?? latest + 1
        }
        var end: Int64
        switch request.end {
        case nil: end = latest
        case .version(let v)?: end = min(v, latest)
        case .time(let t)?: end = stamps.last { $0.timestamp <= t }?.version ?? -1
        }
        let startsTooEarly: Bool
        switch request.start {
        case .version(let v): startsTooEarly = v < oldest
        case .time(let t): startsTooEarly = oldest > 0 && (stamps.first.map { t < $0.timestamp } ?? false)
        }
        if startsTooEarly {
            throw DeltaError(.notFound, "the changes of \(resolved.displayName) before version \(oldest) are gone: log cleanup removed the older commits; the oldest version to read from is \(oldest) (--from-version \(oldest))")
        }
        let readable = start <= end
        end = readable ? end : min(start - 1, latest)
        // The schema of the range's end; when the log can no longer rebuild that version (its
        // checkpoint is later), that of the oldest version it can rebuild.
        let rebuildable = listing.oldestReadableVersion ?? latest
        let last = try table.snapshot(version: max(end, rebuildable), listing: listing)
        var planner = ChangePlanner(table: table, last: last, allowDerived: request.allowDerived, name: resolved.displayName)
        var commits: [PlannedChanges] = []
        if readable {
            let actions = try (start...end).map { try table.readCommit($0, listing: listing) }
            // The table's settings as of the start (whether it recorded change data). A start
            // the log cannot rebuild has those of the oldest version it can when no commit
            // between them changed them; else they are unknown (taken as not recording)
            // until the range's first `metaData`.
            var metadata: Metadata?
            if start >= rebuildable {
                metadata = try table.snapshot(version: start, listing: listing, files: false).metadata
            } else {
                let between = try ((start + 1)...rebuildable).map { v in v <= end ? actions[Int(v - start)] : try table.readCommit(v, listing: listing) }
                if !between.contains(where: { $0.contains { if case .metaData = $0 { return true } else { return false } } }) {
                    metadata = try table.snapshot(version: rebuildable, listing: listing, files: false).metadata
                }
            }
            for (offset, commit) in actions.enumerated() {
                let version = start + Int64(offset)
                for case .metaData(let m) in commit { metadata = m }
                let planned = try planner.plan(version, commit, timestamp: timestamp[version] ?? 0, metadata: metadata)
                if !planned.reads.isEmpty { commits.append(planned) }
            }
        }
        let source = try ChangeFeedSource(last: last, commits: commits, columns: request.columns, predicate: request.predicate)
        return ChangeFeed(table: resolved.displayName, fromVersion: start, toVersion: end,
                          commits: readable ? Int(end - start + 1) : 0, changingCommits: commits.count, rows: RowStream(source))
    }
}

/// One file read of a change feed, and which of its rows are changes of what kind.
struct ChangeRead {
    enum Rows {
        /// A change data file: every row, with its own `_change_type`.
        case changeData
        /// Every live row of the file (its deletion vector applied).
        case all(ChangeType)
        /// The rows at these positions (the file read without its deletion vector).
        case positions(Set<UInt64>, ChangeType)
        /// A file of a rewrite without change data, compared with the others of its commit:
        /// the removed files' rows counted first, then the added rows without a counterpart
        /// are inserts, then the removed rows still counted are deletes.
        case counted
        case unmatchedAdded
        case unmatchedRemoved
    }

    let file: AddFile
    let rows: Rows
}

/// A commit's part of the feed.
struct PlannedChanges {
    let version: Int64
    let timestamp: Int64
    var reads: [ChangeRead] = []
}

/// Turns each commit's actions into the file reads that give its changes.
struct ChangePlanner {
    let table: DeltaTable
    let last: Snapshot
    let allowDerived: Bool
    let name: String

    init(table: DeltaTable, last: Snapshot, allowDerived: Bool, name: String) {
        self.table = table
        self.last = last
        self.allowDerived = allowDerived
        self.name = name
    }

    /// Operations that replace whole files without copying rows: their removes and adds are
    /// exact deletes and inserts even without change data.
    static let wholeFileOperations: Set<String> = ["WRITE", "CREATE TABLE AS SELECT", "CREATE OR REPLACE TABLE AS SELECT",
                                                   "REPLACE TABLE AS SELECT", "CREATE OR REPLACE TABLE", "RESTORE"]

    /// The reads of commit `version`; `metadata` is the table's as of it (nil: unknown).
    mutating func plan(_ version: Int64, _ actions: [Action], timestamp: Int64, metadata: Metadata?) throws -> PlannedChanges {
        var planned = PlannedChanges(version: version, timestamp: timestamp)
        var changeFiles: [ChangeDataFile] = [], adds: [AddFile] = [], removes: [RemoveFile] = []
        var info: JSONValue?
        for action in actions {
            switch action {
            case .cdc(let c): changeFiles.append(c)
            case .add(let a) where a.dataChange: adds.append(a)
            case .remove(let r) where r.dataChange: removes.append(r)
            case .commitInfo(let i): info = i
            default: break
            }
        }
        if !changeFiles.isEmpty {
            planned.reads = try changeFiles.map { ChangeRead(file: try checked($0.asFile, version), rows: .changeData) }
            return planned
        }
        // A file removed and re-added in one commit changed its deletion vector.
        let removedByPath = Dictionary(removes.map { (DeltaTable.normalizedKey($0.path), $0) }, uniquingKeysWith: { a, _ in a })
        let addedPaths = Set(adds.map { DeltaTable.normalizedKey($0.path) })
        for add in adds {
            guard let remove = removedByPath[DeltaTable.normalizedKey(add.path)] else { continue }
            let rowCount = add.numRecords ?? Int64.max
            let before = Set(try last.deletionVector(of: remove.asFile, rowCount: rowCount)?.rows ?? [])
            let after = Set(try last.deletionVector(of: add, rowCount: rowCount)?.rows ?? [])
            let plain = try checked(AddFile(path: add.path, partitionValues: add.partitionValues, size: add.size,
                                            modificationTime: add.modificationTime, dataChange: true, stats: nil), version)
            let deleted = after.subtracting(before), restored = before.subtracting(after)
            if !deleted.isEmpty { planned.reads.append(ChangeRead(file: plain, rows: .positions(deleted, .delete))) }
            if !restored.isEmpty { planned.reads.append(ChangeRead(file: plain, rows: .positions(restored, .insert))) }
        }
        let removed = try removes.filter { !addedPaths.contains(DeltaTable.normalizedKey($0.path)) }.map { try removedFile($0, version) }
        let added = try adds.filter { removedByPath[DeltaTable.normalizedKey($0.path)] == nil }.map { try checked($0, version) }
        let operation = info?["operation"]?.stringValue ?? "UNKNOWN"
        let predicate = info?["operationParameters"]?["predicate"]
        let wholeFiles = Self.wholeFileOperations.contains(operation) && (predicate == nil || predicate == .null)
        let recorded = metadata?.configuration.contains { $0.0 == "delta.enableChangeDataFeed" && $0.1.lowercased() == "true" } ?? false
        if !removed.isEmpty && !added.isEmpty && !recorded && !wholeFiles {
            guard allowDerived else {
                throw LakeError(.badInput, "version \(version) of \(name) (\(operation)) rewrote files without recording change data, so its changes cannot be read exactly: enable the Change Data Feed for future commits (lake alter \(name) set-property delta.enableChangeDataFeed=true), or pass --allow-derived to derive them by comparing the rows of the files it removed and added (slower)")
            }
            planned.reads = removed.map { ChangeRead(file: $0, rows: .counted) } + added.map { ChangeRead(file: $0, rows: .unmatchedAdded) }
                + removed.map { ChangeRead(file: $0, rows: .unmatchedRemoved) }
            return planned
        }
        planned.reads += removed.map { ChangeRead(file: $0, rows: .all(.delete)) } + added.map { ChangeRead(file: $0, rows: .all(.insert)) }
        return planned
    }

    /// A removed file as its `add` named it; partition values a `remove` does not record come
    /// from the version before (its files looked up once per version).
    private mutating func removedFile(_ remove: RemoveFile, _ version: Int64) throws -> AddFile {
        var file = remove.asFile
        if !remove.hasPartitionValues && !last.metadata.partitionColumns.isEmpty {
            if previous?.version != version {
                let files = try table.snapshot(version: version - 1).files
                previous = (version, Dictionary(files.map { (DeltaTable.normalizedKey($0.path), $0.partitionValues) }, uniquingKeysWith: { a, _ in a }))
            }
            guard let values = previous?.partitionValues[DeltaTable.normalizedKey(remove.path)] else {
                throw DeltaError(.corrupt, "version \(version) of \(name) removes \(DisplayText.value(remove.path)), which version \(version - 1) does not hold")
            }
            file.partitionValues = values
        }
        return try checked(file, version)
    }

    /// The partition values of the files of the version before the one planned last.
    private var previous: (version: Int64, partitionValues: [String: PartitionValues])?

    /// `file`, once it is known to be there: a vacuumed file ends the plan naming the version.
    private func checked(_ file: AddFile, _ version: Int64) throws -> AddFile {
        let path = try last.absolutePath(of: file)
        guard last.storage.info(path)?.kind == .regular else {
            throw DeltaError(.notFound, "the changes of version \(version) of \(name) can no longer be read: \(DisplayText.path(path)) is gone (vacuumed); read from a later version")
        }
        return file
    }
}
