import Catalog
import Columnar
import DeltaLog
import LakeCore

/// Keeps the catalog's per-table indexes in step with the logs. The log is the truth: on
/// access, commits past the catalog's version are read and indexed.
enum CatalogIndex {
    /// Indexes every commit of `table` after the entry's version, and the state at the latest
    /// version (taken from `snapshot` when it is that version). Without `wait` (reads), a
    /// catalog another process is writing is left for later instead of waited for.
    static func catchUp(_ entry: TableEntry, table: DeltaTable, catalog: TableCatalog,
                        latest snapshot: Snapshot? = nil, wait: Bool) throws {
        // Right after a commit the caller has the new snapshot: index up to it without
        // listing the log again (a later access catches up with anything newer).
        let listing: LogListing
        if let snapshot, entry.version < snapshot.version {
            listing = LogListing(commitsThrough: snapshot.version, from: entry.version + 1)
        } else {
            listing = try table.listing()
        }
        guard let latest = listing.latestVersion else { return }
        var from = entry.version + 1
        if entry.version > latest {
            // The table was replaced by an older log (restored from backup, re-created).
            try catalog.resetIndex(tableID: entry.id, wait: wait)
            from = 0
        } else if entry.version == latest {
            return
        }
        let state = snapshot?.version == latest ? snapshot! : try table.snapshot(listing: listing)
        // The timestamps `history` and `--as-of` use, continuing from the last one indexed.
        let stamps = try table.commitTimestamps(listing: listing, latest: state, from: from,
                                                previous: from > 0 ? entry.lastChange : .min)
        var commits: [CommitEntry] = []
        for (v, timestamp) in stamps {
            var commit = try commitEntry(table, version: v, listing: listing)
            commit.timestamp = timestamp
            commits.append(commit)
        }
        let lastChange = commits.last?.timestamp ?? entry.lastChange
        try catalog.record(tableID: entry.id, commits: commits, state: TableState(
            version: latest, rows: state.statsRowCount, bytes: state.totalBytes, files: Int64(state.files.count),
            schemaSummary: schemaSummary(state.schema), lastChange: lastChange), wait: wait)
    }

    /// Right after a blind append whose base the entry had indexed: records the commit and the
    /// entry's state plus the appended files, without reading the table's files. False (and
    /// nothing recorded) when that does not hold; then ``catchUp`` does the work.
    static func recordAppend(_ entry: TableEntry, _ committed: CommittedWrite, catalog: TableCatalog) throws -> Bool {
        let base = committed.base
        guard entry.version == base.version, committed.version == base.version + 1, committed.transaction.isBlindAppend,
              entry.schemaSummary == schemaSummary(base.schema) else { return false }
        var rows: Int64 = 0, bytes: Int64 = 0, files: Int64 = 0
        for action in committed.transaction.actions {
            guard case .add(let add) = action else { continue }
            guard let n = add.liveRecords else { return false }
            rows += n
            bytes += add.size
            files += 1
        }
        let table = committed.resolved.table
        let listing = LogListing(commitsThrough: committed.version, from: committed.version)
        let stamps = try table.commitTimestamps(listing: listing, latest: base, from: committed.version, previous: entry.lastChange)
        guard let stamp = stamps.first else { return false }
        var commit = try commitEntry(table, version: committed.version, listing: listing)
        commit.timestamp = stamp.timestamp
        try catalog.record(tableID: entry.id, commits: [commit], state: TableState(
            version: committed.version, rows: entry.rows.map { $0 + rows }, bytes: entry.bytes + bytes,
            files: entry.files + files, schemaSummary: entry.schemaSummary, lastChange: stamp.timestamp), wait: true)
        return true
    }

    /// What commit `version` did (its timestamp is set by the caller).
    static func commitEntry(_ table: DeltaTable, version: Int64, listing: LogListing) throws -> CommitEntry {
        let actions = try table.readCommit(version, listing: listing)
        var entry = CommitEntry(version: version, timestamp: 0, operation: "UNKNOWN", rowsAdded: 0, filesAdded: 0,
                                bytesAdded: 0, rowsRemoved: 0, filesRemoved: 0, bytesRemoved: 0)
        for action in actions {
            switch action {
            case .commitInfo(let info):
                entry.operation = info["operation"]?.stringValue ?? entry.operation
            case .add(let add):
                entry.filesAdded += 1
                entry.bytesAdded += add.size
                entry.rowsAdded += add.liveRecords ?? 0
            case .remove(let remove):
                entry.filesRemoved += 1
                entry.bytesRemoved += remove.size ?? 0
                entry.rowsRemoved += (remove.statistics?.numRecords ?? 0) - (remove.raw["deletionVector"]?["cardinality"]?.intValue ?? 0)
            default:
                break
            }
        }
        return entry
    }

    static func schemaSummary(_ schema: Schema) -> String {
        schema.fields.map { "\($0.name) \($0.type)\($0.nullable ? "" : " not null")" }.joined(separator: ", ")
    }
}
