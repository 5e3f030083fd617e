import Catalog
import Columnar
import DeltaLog
import LakeCore

/// One commit as `history` shows it.
public struct HistoryEntry: Sendable {
    public var version: Int64
    /// Milliseconds since the epoch (in-commit timestamp when recorded, else commit time).
    public var timestamp: Int64
    public var operation: String
    /// `operationParameters` and `operationMetrics` as JSON text.
    public var parametersJSON: String
    public var metricsJSON: String
}

/// `lake history`: a table's commits, newest first.
public struct TableHistory: Sendable {
    public var table: String
    public var commits: [HistoryEntry]
}

/// A catalog table as `list` shows it.
public struct TableSummary: Sendable {
    public var name: String
    public var location: String
    public var version: Int64
    public var rows: Int64?
    public var bytes: Int64
    public var files: Int64
    /// Milliseconds since the epoch.
    public var lastChange: Int64

    init(_ entry: TableEntry) {
        name = entry.qualifiedName
        location = entry.location
        version = entry.version
        rows = entry.rows
        bytes = entry.bytes
        files = entry.files
        lastChange = entry.lastChange
    }
}

/// What `drop` did.
public struct DropResult: Sendable {
    public var table: String
    public var location: String
    public var purged: Bool
}

/// What `rename` did.
public struct RenameResult: Sendable {
    public var from: String
    public var to: String
}

/// What `catalog sync` did.
public struct SyncResult: Sendable {
    public var synced: [String]
    /// Registered tables whose directory holds no table any more.
    public var missing: [String]
}

extension Warehouse {
    /// Commits of `name` newest first (at most `limit`), from the log.
    public func history(_ name: TableName, limit: Int?) throws -> TableHistory {
        let resolved = try resolve(name)
        let listing = try resolved.table.listing()
        let stamps = Dictionary(uniqueKeysWithValues: try resolved.table.commitTimestamps(listing: listing).map { ($0.version, $0.timestamp) })
        var out: [HistoryEntry] = []
        for version in listing.commits.keys.sorted(by: >) {
            if let limit, out.count >= limit { break }
            var entry = HistoryEntry(version: version, timestamp: stamps[version] ?? 0, operation: "UNKNOWN",
                                     parametersJSON: "{}", metricsJSON: "{}")
            if case .commitInfo(let info)? = try resolved.table.readCommit(version, listing: listing).first(where: {
                if case .commitInfo = $0 { return true }
                return false
            }) {
                entry.operation = info["operation"]?.stringValue ?? entry.operation
                entry.parametersJSON = (info["operationParameters"] ?? .object([])).serialized()
                entry.metricsJSON = (info["operationMetrics"] ?? .object([])).serialized()
            }
            out.append(entry)
        }
        return TableHistory(table: resolved.displayName, commits: out)
    }

    /// Tables in the catalog (one namespace or all), their indexes caught up with the logs.
    public func list(namespace: String?) throws -> [TableSummary] {
        let catalog = try catalog()
        for entry in try catalog.tables(namespace: namespace) {
            let table = DeltaTable(root: entry.location, storage: storage)
            if table.exists { try? CatalogIndex.catchUp(entry, table: table, catalog: catalog) }
        }
        return try catalog.tables(namespace: namespace).map(TableSummary.init)
    }

    /// Removes a table from the catalog; with `purge`, deletes its directory too.
    public func drop(_ name: TableName, purge: Bool) throws -> DropResult {
        guard case .catalog(let ns, let n) = name else {
            throw LakeError(.invalidArgument, "drop takes a catalog name; to delete a table directory that is not registered, remove it yourself")
        }
        guard let entry = try catalog().table(namespace: ns, name: n) else {
            throw LakeError(.notFound, "table \(ns).\(n) does not exist")
        }
        if purge {
            let location = entry.location
            // Never delete the warehouse, its catalog, or anything that is not a table root.
            guard location != root, location != "/", !root.hasPrefix(location + "/"),
                  DeltaTable(root: location, storage: storage).exists || !storage.exists(location) else {
                throw LakeError(.invalidArgument, "refusing to delete \(location): it is not a Delta table directory")
            }
            try storage.removeTree(location)
        }
        try catalog().drop(namespace: ns, name: n)
        return DropResult(table: name.description, location: entry.location, purged: purge)
    }

    /// Renames a catalog table (its files stay where they are).
    public func rename(_ name: TableName, to newName: TableName) throws -> RenameResult {
        guard case .catalog(let ns, let n) = name, case .catalog(let newNs, let newN) = newName else {
            throw LakeError(.invalidArgument, "rename takes catalog names (NAME or NAMESPACE.NAME)")
        }
        do {
            try catalog().rename(namespace: ns, name: n, to: newNs, newN)
        } catch let error as CatalogError {
            throw LakeError(error.kind == .notFound ? .notFound : .alreadyExists, error.message)
        }
        return RenameResult(from: "\(ns).\(n)", to: "\(newNs).\(newN)")
    }

    /// Adds an existing Delta table directory to the catalog.
    public func register(_ name: TableName, directory: String) throws -> TableSummary {
        guard case .catalog(let ns, let n) = name else {
            throw LakeError(.invalidArgument, "register takes a catalog name (NAME or NAMESPACE.NAME) and a directory")
        }
        let table = DeltaTable(root: directory, storage: storage)
        guard table.exists else { throw LakeError(.notFound, "\(table.root) is not a Delta table (no _delta_log)") }
        let snapshot = try table.snapshot()
        let catalog = try catalog()
        do {
            let entry = try catalog.register(namespace: ns, name: n, location: table.root,
                                             comment: snapshot.metadata.description, created: SystemClock.nowMillis())
            try CatalogIndex.catchUp(entry, table: table, catalog: catalog, latest: snapshot)
            return TableSummary(try catalog.table(namespace: ns, name: n) ?? entry)
        } catch let error as CatalogError {
            throw LakeError(.alreadyExists, error.message)
        }
    }

    /// Rebuilds every table's index from its log. Returns the tables synced and those whose
    /// directory holds no table any more.
    public func syncCatalog() throws -> SyncResult {
        let catalog = try catalog()
        var missing: [TableEntry] = []
        for entry in try catalog.tables(namespace: nil) {
            let table = DeltaTable(root: entry.location, storage: storage)
            guard table.exists else { missing.append(entry); continue }
            try catalog.resetIndex(tableID: entry.id)
            var reset = entry
            reset.version = -1
            try CatalogIndex.catchUp(reset, table: table, catalog: catalog)
        }
        let synced = try catalog.tables(namespace: nil).filter { e in !missing.contains { $0.id == e.id } }
        return SyncResult(synced: synced.map(\.qualifiedName), missing: missing.map(\.qualifiedName))
    }
}
