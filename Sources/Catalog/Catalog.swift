import LakeCore

/// A table registered in the catalog, with the indexes kept about it.
public struct TableEntry: Sendable, Equatable {
    public var id: Int64
    public var namespace: String
    public var name: String
    /// The table directory (absolute).
    public var location: String
    public var comment: String?
    /// Registration time, milliseconds since the epoch.
    public var created: Int64
    /// The latest version the catalog has indexed, and the state at that version.
    public var version: Int64
    public var rows: Int64?
    public var bytes: Int64
    public var files: Int64
    /// The schema as `name type, …`.
    public var schemaSummary: String
    /// The timestamp of the latest indexed commit, milliseconds since the epoch.
    public var lastChange: Int64
    /// Whether lake manages the table's files (made by `create` under the warehouse) or only
    /// names it (external); nil for tables registered before lake recorded it.
    public var managed: Bool?

    public var qualifiedName: String { "\(namespace).\(name)" }
}

/// One commit as the catalog indexes it.
public struct CommitEntry: Sendable, Equatable {
    public var version: Int64
    public var timestamp: Int64
    public var operation: String
    public var rowsAdded: Int64
    public var filesAdded: Int64
    public var bytesAdded: Int64
    public var rowsRemoved: Int64
    public var filesRemoved: Int64
    public var bytesRemoved: Int64

    public init(version: Int64, timestamp: Int64, operation: String, rowsAdded: Int64, filesAdded: Int64,
                bytesAdded: Int64, rowsRemoved: Int64, filesRemoved: Int64, bytesRemoved: Int64) {
        self.version = version
        self.timestamp = timestamp
        self.operation = operation
        self.rowsAdded = rowsAdded
        self.filesAdded = filesAdded
        self.bytesAdded = bytesAdded
        self.rowsRemoved = rowsRemoved
        self.filesRemoved = filesRemoved
        self.bytesRemoved = bytesRemoved
    }
}

/// The state of a table at its latest indexed version.
public struct TableState: Sendable {
    public var version: Int64
    public var rows: Int64?
    public var bytes: Int64
    public var files: Int64
    public var schemaSummary: String
    public var lastChange: Int64

    public init(version: Int64, rows: Int64?, bytes: Int64, files: Int64, schemaSummary: String, lastChange: Int64) {
        self.version = version
        self.rows = rows
        self.bytes = bytes
        self.files = files
        self.schemaSummary = schemaSummary
        self.lastChange = lastChange
    }
}

/// Errors of catalog operations on names.
public struct CatalogError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        case notFound, alreadyExists
        /// The catalog file is damaged or not a catalog.
        case corrupt
        /// The catalog can only be read, and this needs a write.
        case readOnly
    }
    public var kind: Kind
    public var message: String
    public var description: String { message }
}

extension CatalogError: LakeFailure {
    public var category: FailureCategory { kind == .notFound ? .notFound : .runtime }
    public var errorType: String {
        switch kind {
        case .notFound: return "not_found"
        case .alreadyExists: return "already_exists"
        case .corrupt: return "corrupt_catalog"
        case .readOnly: return "read_only"
        }
    }
}

/// The catalog: the source of truth for table names (name → location, namespace, comment)
/// and a fast index of each table's log. Many processes use it at once.
public protocol TableCatalog {
    func table(namespace: String, name: String) throws -> TableEntry?
    func tables(namespace: String?) throws -> [TableEntry]
    func table(location: String) throws -> TableEntry?
    /// Registers a table; throws `alreadyExists` when the name is taken.
    func register(namespace: String, name: String, location: String, comment: String?, created: Int64,
                  managed: Bool) throws -> TableEntry
    func drop(namespace: String, name: String) throws
    func rename(namespace: String, name: String, to newNamespace: String, _ newName: String) throws
    /// Adds indexed commits and moves the table's state forward (never backward). Without
    /// `wait`, fails at once (`SQLITE_BUSY`) when another process is writing the catalog.
    func record(tableID: Int64, commits: [CommitEntry], state: TableState, wait: Bool) throws
    /// Forgets every indexed commit of a table (for a rebuild).
    func resetIndex(tableID: Int64, wait: Bool) throws
    func commits(tableID: Int64) throws -> [CommitEntry]

    /// Takes the maintenance lease of `subject` for `holder` until `until` (ms), in one
    /// immediate transaction; false when another holder's lease has not expired at `now`.
    func acquireLease(_ subject: LeaseSubject, holder: String, now: Int64, until: Int64) throws -> Bool
    /// Extends `holder`'s lease; false when it no longer holds it (it expired and was taken).
    func renewLease(_ subject: LeaseSubject, holder: String, until: Int64) throws -> Bool
    func releaseLease(_ subject: LeaseSubject, holder: String) throws
    /// Records one table's maintenance run.
    func recordMaintenance(_ run: MaintenanceRun) throws
    /// The latest runs, newest first (of one table, or of all).
    func maintenanceRuns(tableID: Int64?, limit: Int) throws -> [MaintenanceRun]
    /// When the table's last run that vacuumed with a full listing started.
    func lastFullVacuum(tableID: Int64) throws -> Int64?
    /// Records one `lake check` of a table.
    func recordCheck(_ run: CheckRun) throws
    /// The latest checks, newest first (of one table, or of all).
    func checkRuns(tableID: Int64?, limit: Int) throws -> [CheckRun]
}

/// One table's `lake check` (or the check `maintain` runs), as the catalog keeps it.
public struct CheckRun: Sendable, Equatable {
    public var tableID: Int64
    public var started: Int64
    public var finished: Int64
    /// The version checked (nil when the log could not tell).
    public var version: Int64?
    public var deep: Bool
    /// How many problems it found (0: healthy).
    public var problems: Int
    /// The first problem, in words.
    public var summary: String?

    public init(tableID: Int64, started: Int64, finished: Int64, version: Int64?, deep: Bool, problems: Int, summary: String?) {
        self.tableID = tableID
        self.started = started
        self.finished = finished
        self.version = version
        self.deep = deep
        self.problems = problems
        self.summary = summary
    }
}

/// One table's `lake maintain` run, as the catalog keeps it.
public struct MaintenanceRun: Sendable, Equatable {
    public var tableID: Int64
    public var started: Int64
    public var finished: Int64
    /// The actions done (`checkpoint`, `compact`, `vacuum`, `log_cleanup`).
    public var actions: [String]
    public var filesBefore: Int64
    public var bytesBefore: Int64
    public var filesAfter: Int64
    public var bytesAfter: Int64
    /// `ok` or `failed`.
    public var outcome: String
    public var error: String?
    /// Whether its vacuum listed every file (not only expired tombstones).
    public var fullVacuum: Bool

    public init(tableID: Int64, started: Int64, finished: Int64, actions: [String], filesBefore: Int64, bytesBefore: Int64,
                filesAfter: Int64, bytesAfter: Int64, outcome: String, error: String?, fullVacuum: Bool) {
        self.tableID = tableID
        self.started = started
        self.finished = finished
        self.actions = actions
        self.filesBefore = filesBefore
        self.bytesBefore = bytesBefore
        self.filesAfter = filesAfter
        self.bytesAfter = bytesAfter
        self.outcome = outcome
        self.error = error
        self.fullVacuum = fullVacuum
    }
}

/// What a maintenance lease covers: a catalog table, or a table named by its path (its
/// resolved location), which the catalog does not list.
public enum LeaseSubject: Sendable, Equatable {
    case table(id: Int64)
    case path(String)
}
