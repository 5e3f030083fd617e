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

/// What `rename` did.
public struct RenameResult: Sendable {
    public var from: String
    public var to: String
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
                entry.parametersJSON = Self.unwrapped(info["operationParameters"], numbers: false).serialized()
                entry.metricsJSON = Self.unwrapped(info["operationMetrics"], numbers: true).serialized()
            }
            out.append(entry)
        }
        return TableHistory(table: resolved.displayName, commits: out)
    }

    /// Delta writers store operation parameters and metrics as strings (`"[\"region\"]"`,
    /// `"1400"`); scripts want the values: strings holding a JSON array or object become it,
    /// and (for metrics) strings holding a number become the number.
    static func unwrapped(_ object: JSONValue?, numbers: Bool) -> JSONValue {
        guard case .object(let members)? = object else { return .object([]) }
        return .object(members.map { key, value in
            guard case .string(let text) = value else { return (key, value) }
            if numbers, let n = JSONValue.number(exactly: text) { return (key, n) }
            if let first = text.first, first == "[" || first == "{", let parsed = try? JSONValue.parse(text) { return (key, parsed) }
            return (key, value)
        })
    }

    /// Tables in the catalog (one namespace or all), their indexes caught up with the logs.
    public func list(namespace: String?) throws -> [TableSummary] {
        let catalog = try catalog()
        for entry in try catalog.tables(namespace: namespace) {
            let table = DeltaTable(root: entry.location, storage: storage)
            if table.exists { try? CatalogIndex.catchUp(entry, table: table, catalog: catalog, wait: false) }
        }
        return try catalog.tables(namespace: namespace).map(TableSummary.init)
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
        let catalog = try catalog()
        if let existing = try catalog.table(namespace: ns, name: n) {
            throw LakeError(.alreadyExists, "table \(existing.qualifiedName) already exists (at \(existing.location))")
        }
        try checkLocation(table.root, registering: true)
        let snapshot = try table.snapshot()
        do {
            let entry = try catalog.register(namespace: ns, name: n, location: table.root,
                                             comment: snapshot.metadata.description, created: SystemClock.nowMillis(),
                                             managed: false)
            try CatalogIndex.catchUp(entry, table: table, catalog: catalog, latest: snapshot, wait: true)
            return TableSummary(try catalog.table(namespace: ns, name: n) ?? entry)
        } catch let error as CatalogError {
            throw LakeError(.alreadyExists, error.message)
        }
    }
}
