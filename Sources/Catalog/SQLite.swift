import LakeCore
import CSQLite

/// A SQLite error with the statement and SQLite's extended result code.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public var code: Int32
    public var message: String
    public var sql: String?

    /// The file is not a SQLite database, or is damaged.
    public var isCorrupt: Bool { code & 0xFF == SQLITE_NOTADB || code & 0xFF == SQLITE_CORRUPT }

    public var description: String {
        "catalog database error \(code): \(message)" + (sql.map { " (in: \($0))" } ?? "")
    }
}

extension SQLiteError: LakeFailure {
    public var category: FailureCategory { .runtime }
    public var errorType: String { "catalog" }
}

/// A value bound to or read from a statement.
public enum SQLValue: Equatable, Sendable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    public var int: Int64? { if case .int(let v) = self { return v }; return nil }
    public var text: String? { if case .text(let v) = self { return v }; return nil }
}

/// One SQLite connection: WAL mode, a busy timeout, prepared statements with bound values.
/// Not shared between threads.
public final class SQLiteDatabase {
    private var handle: OpaquePointer?
    public let path: String
    /// Whether the connection can only read (a read-only file or directory).
    public let readOnly: Bool
    private let busyTimeout: Int32

    /// Opens (creating) the database at `path`, in WAL mode with `busyTimeout` milliseconds.
    /// With `readOnly`, opens an existing database for reading only; when its directory is not
    /// writable either (no WAL index can be made), it is opened as immutable.
    public init(path: String, readOnly: Bool = false, busyTimeout: Int32 = 30_000) throws {
        self.path = path
        self.readOnly = readOnly
        self.busyTimeout = busyTimeout
        if readOnly {
            var rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
            if rc == SQLITE_OK, (try? execute("SELECT count(*) FROM sqlite_master")) == nil {
                sqlite3_close(handle)
                handle = nil
                rc = SQLITE_CANTOPEN
            }
            if rc != SQLITE_OK {
                sqlite3_close(handle)
                handle = nil
                rc = sqlite3_open_v2("file:\(Self.uriEscaped(path))?immutable=1", &handle,
                                     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nil)
            }
            try check(rc)
            sqlite3_extended_result_codes(handle, 1)
            sqlite3_busy_timeout(handle, busyTimeout)
            return
        }
        try check(sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil))
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeout)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=NORMAL")
        try execute("PRAGMA foreign_keys=ON")
    }

    private func check(_ rc: Int32) throws {
        guard rc == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            handle = nil
            throw SQLiteError(code: rc, message: "\(message): \(path)")
        }
    }

    private static func uriEscaped(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "%"): out += "%" + String(byte, radix: 16, uppercase: true)
            default: out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }

    deinit { sqlite3_close_v2(handle) }

    private func error(_ rc: Int32, _ sql: String?) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs `sql` with `arguments`; returns the rows (column name → value).
    @discardableResult
    public func execute(_ sql: String, _ arguments: [SQLValue] = []) throws -> [[String: SQLValue]] {
        var statement: OpaquePointer?
        var rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK else { throw error(rc, sql) }
        defer { sqlite3_finalize(statement) }
        for (i, value) in arguments.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .int(let v): rc = sqlite3_bind_int64(statement, index, v)
            case .double(let v): rc = sqlite3_bind_double(statement, index, v)
            case .text(let v):
                // SQLITE_TRANSIENT: SQLite copies the text.
                rc = sqlite3_bind_text(statement, index, v, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
            }
            guard rc == SQLITE_OK else { throw error(rc, sql) }
        }
        var rows: [[String: SQLValue]] = []
        while true {
            rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { return rows }
            guard rc == SQLITE_ROW else { throw error(rc, sql) }
            var row: [String: SQLValue] = [:]
            for c in 0..<sqlite3_column_count(statement) {
                let name = String(cString: sqlite3_column_name(statement, c))
                switch sqlite3_column_type(statement, c) {
                case SQLITE_INTEGER: row[name] = .int(sqlite3_column_int64(statement, c))
                case SQLITE_FLOAT: row[name] = .double(sqlite3_column_double(statement, c))
                case SQLITE_TEXT: row[name] = .text(String(cString: sqlite3_column_text(statement, c)))
                default: row[name] = .null
                }
            }
            rows.append(row)
        }
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT` (rolled back when it throws). Without
    /// `wait`, a database another connection is writing fails at once with `SQLITE_BUSY`
    /// instead of waiting for the busy timeout.
    public func transaction<R>(wait: Bool = true, _ body: () throws -> R) throws -> R {
        if !wait { sqlite3_busy_timeout(handle, 0) }
        defer { if !wait { sqlite3_busy_timeout(handle, busyTimeout) } }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }
}
