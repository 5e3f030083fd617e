/// The catalog in a SQLite database (`catalog.db`), WAL mode, schema by ordered migrations.
public final class SQLiteCatalog: TableCatalog {
    public let database: SQLiteDatabase

    /// The schema, one migration per step; `PRAGMA user_version` records how many ran.
    /// Never edit a released step: add a new one.
    static let migrations: [String] = [
        """
        CREATE TABLE namespaces (
            name TEXT PRIMARY KEY,
            created INTEGER NOT NULL
        );
        CREATE TABLE tables (
            id INTEGER PRIMARY KEY,
            namespace TEXT NOT NULL REFERENCES namespaces(name),
            name TEXT NOT NULL,
            location TEXT NOT NULL,
            comment TEXT,
            created INTEGER NOT NULL,
            version INTEGER NOT NULL DEFAULT -1,
            rows INTEGER,
            bytes INTEGER NOT NULL DEFAULT 0,
            files INTEGER NOT NULL DEFAULT 0,
            schema_summary TEXT NOT NULL DEFAULT '',
            last_change INTEGER NOT NULL DEFAULT 0,
            UNIQUE (namespace, name)
        );
        CREATE TABLE commits (
            table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            timestamp INTEGER NOT NULL,
            operation TEXT NOT NULL,
            rows_added INTEGER NOT NULL,
            files_added INTEGER NOT NULL,
            bytes_added INTEGER NOT NULL,
            rows_removed INTEGER NOT NULL,
            files_removed INTEGER NOT NULL,
            bytes_removed INTEGER NOT NULL,
            PRIMARY KEY (table_id, version)
        );
        """,
        // Managed (made by create under the warehouse) or external (registered, or created
        // with a location outside it); NULL for tables registered before this step.
        """
        ALTER TABLE tables ADD COLUMN managed INTEGER;
        """,
        // `lake maintain`: one lease per table, and a row per table a run maintained.
        """
        CREATE TABLE leases (
            table_id INTEGER PRIMARY KEY REFERENCES tables(id) ON DELETE CASCADE,
            holder TEXT NOT NULL,
            acquired INTEGER NOT NULL,
            expires INTEGER NOT NULL
        );
        CREATE TABLE maintenance_runs (
            id INTEGER PRIMARY KEY,
            table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
            started INTEGER NOT NULL,
            finished INTEGER NOT NULL,
            actions TEXT NOT NULL,
            files_before INTEGER NOT NULL,
            bytes_before INTEGER NOT NULL,
            files_after INTEGER NOT NULL,
            bytes_after INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            error TEXT,
            full_vacuum INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX maintenance_runs_by_table ON maintenance_runs (table_id, started);
        """,
        // Leases of tables named by path (`lake maintain /data/t`), by resolved location.
        """
        CREATE TABLE path_leases (
            location TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            acquired INTEGER NOT NULL,
            expires INTEGER NOT NULL
        );
        """,
        // `lake check` results, next to the maintenance runs.
        """
        CREATE TABLE check_runs (
            id INTEGER PRIMARY KEY,
            table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
            started INTEGER NOT NULL,
            finished INTEGER NOT NULL,
            version INTEGER,
            deep INTEGER NOT NULL,
            problems INTEGER NOT NULL,
            summary TEXT
        );
        CREATE INDEX check_runs_by_table ON check_runs (table_id, started);
        """,
    ]

    /// Opens `path`, creating it and running pending migrations; with `readOnly`, opens an
    /// existing catalog for reading only (it must be at the current schema). A file that is
    /// not a SQLite database is a `corrupt` error naming the fix.
    public init(path: String, readOnly: Bool = false) throws {
        do {
            database = try SQLiteDatabase(path: path, readOnly: readOnly)
            try migrate()
        } catch let error as SQLiteError where error.isCorrupt {
            throw CatalogError(kind: .corrupt, message: "the catalog \(path) is damaged or not a catalog (\(error.message)); "
                               + "run lake catalog sync --rebuild to move it aside and rebuild it from the table folders")
        }
    }

    /// Whether this catalog can only be read.
    public var readOnly: Bool { database.readOnly }

    private func migrate() throws {
        // Reading the schema version takes no lock; only a pending migration writes.
        let version = Int(try database.execute("PRAGMA user_version").first?["user_version"]?.int ?? 0)
        guard version < Self.migrations.count else { return }
        if database.readOnly {
            throw CatalogError(kind: .readOnly, message: "the catalog \(database.path) is read-only and needs an upgrade; open it once where it is writable")
        }
        try database.transaction {
            let current = Int(try database.execute("PRAGMA user_version").first?["user_version"]?.int ?? 0)
            guard current < Self.migrations.count else { return }
            for step in Self.migrations[current...] {
                for statement in step.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                    try database.execute(String(statement))
                }
            }
            try database.execute("PRAGMA user_version = \(Self.migrations.count)")
        }
    }

    private func entry(_ row: [String: SQLValue]) -> TableEntry {
        TableEntry(id: row["id"]?.int ?? 0, namespace: row["namespace"]?.text ?? "", name: row["name"]?.text ?? "",
                   location: row["location"]?.text ?? "", comment: row["comment"]?.text,
                   created: row["created"]?.int ?? 0, version: row["version"]?.int ?? -1, rows: row["rows"]?.int,
                   bytes: row["bytes"]?.int ?? 0, files: row["files"]?.int ?? 0,
                   schemaSummary: row["schema_summary"]?.text ?? "", lastChange: row["last_change"]?.int ?? 0,
                   managed: row["managed"]?.int.map { $0 != 0 })
    }

    public func table(namespace: String, name: String) throws -> TableEntry? {
        try database.execute("SELECT * FROM tables WHERE namespace = ? AND name = ?", [.text(namespace), .text(name)])
            .first.map(entry)
    }

    public func table(location: String) throws -> TableEntry? {
        try database.execute("SELECT * FROM tables WHERE location = ? ORDER BY id LIMIT 1", [.text(location)]).first.map(entry)
    }

    public func tables(namespace: String?) throws -> [TableEntry] {
        if let namespace {
            return try database.execute("SELECT * FROM tables WHERE namespace = ? ORDER BY name", [.text(namespace)]).map(entry)
        }
        return try database.execute("SELECT * FROM tables ORDER BY namespace, name").map(entry)
    }

    public func register(namespace: String, name: String, location: String, comment: String?, created: Int64,
                         managed: Bool) throws -> TableEntry {
        try database.transaction {
            if try table(namespace: namespace, name: name) != nil {
                throw CatalogError(kind: .alreadyExists, message: "table \(namespace).\(name) already exists")
            }
            try database.execute("INSERT OR IGNORE INTO namespaces (name, created) VALUES (?, ?)", [.text(namespace), .int(created)])
            try database.execute("INSERT INTO tables (namespace, name, location, comment, created, managed) VALUES (?, ?, ?, ?, ?, ?)",
                                 [.text(namespace), .text(name), .text(location), comment.map(SQLValue.text) ?? .null,
                                  .int(created), .int(managed ? 1 : 0)])
            return try table(namespace: namespace, name: name)!
        }
    }

    public func drop(namespace: String, name: String) throws {
        try database.transaction {
            guard let t = try table(namespace: namespace, name: name) else {
                throw CatalogError(kind: .notFound, message: "table \(namespace).\(name) does not exist")
            }
            try database.execute("DELETE FROM commits WHERE table_id = ?", [.int(t.id)])
            try database.execute("DELETE FROM tables WHERE id = ?", [.int(t.id)])
        }
    }

    public func rename(namespace: String, name: String, to newNamespace: String, _ newName: String) throws {
        try database.transaction {
            guard let t = try table(namespace: namespace, name: name) else {
                throw CatalogError(kind: .notFound, message: "table \(namespace).\(name) does not exist")
            }
            if try table(namespace: newNamespace, name: newName) != nil {
                throw CatalogError(kind: .alreadyExists, message: "table \(newNamespace).\(newName) already exists")
            }
            try database.execute("INSERT OR IGNORE INTO namespaces (name, created) VALUES (?, ?)", [.text(newNamespace), .int(t.created)])
            try database.execute("UPDATE tables SET namespace = ?, name = ? WHERE id = ?", [.text(newNamespace), .text(newName), .int(t.id)])
        }
    }

    public func record(tableID: Int64, commits: [CommitEntry], state: TableState, wait: Bool) throws {
        try database.transaction(wait: wait) {
            for c in commits {
                try database.execute("""
                    INSERT OR IGNORE INTO commits (table_id, version, timestamp, operation, rows_added, files_added,
                        bytes_added, rows_removed, files_removed, bytes_removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.int(tableID), .int(c.version), .int(c.timestamp), .text(c.operation), .int(c.rowsAdded),
                          .int(c.filesAdded), .int(c.bytesAdded), .int(c.rowsRemoved), .int(c.filesRemoved),
                          .int(c.bytesRemoved)])
            }
            try database.execute("""
                UPDATE tables SET version = ?, rows = ?, bytes = ?, files = ?, schema_summary = ?, last_change = ?
                WHERE id = ? AND version <= ?
                """, [.int(state.version), state.rows.map(SQLValue.int) ?? .null, .int(state.bytes), .int(state.files),
                      .text(state.schemaSummary), .int(state.lastChange), .int(tableID), .int(state.version)])
        }
    }

    /// The table and key column of a subject's lease, and its key.
    private func leaseRow(_ subject: LeaseSubject) -> (table: String, column: String, key: SQLValue) {
        switch subject {
        case .table(let id): return ("leases", "table_id", .int(id))
        case .path(let location): return ("path_leases", "location", .text(location))
        }
    }

    public func acquireLease(_ subject: LeaseSubject, holder: String, now: Int64, until: Int64) throws -> Bool {
        let row = leaseRow(subject)
        return try database.transaction(wait: true) {
            let current = try database.execute("SELECT holder, expires FROM \(row.table) WHERE \(row.column) = ?", [row.key]).first
            if let current, current["holder"]?.text != holder, (current["expires"]?.int ?? 0) > now { return false }
            try database.execute("INSERT OR REPLACE INTO \(row.table) (\(row.column), holder, acquired, expires) VALUES (?, ?, ?, ?)",
                                 [row.key, .text(holder), .int(now), .int(until)])
            return true
        }
    }

    public func renewLease(_ subject: LeaseSubject, holder: String, until: Int64) throws -> Bool {
        let row = leaseRow(subject)
        return try database.transaction(wait: true) {
            try database.execute("UPDATE \(row.table) SET expires = ? WHERE \(row.column) = ? AND holder = ?",
                                 [.int(until), row.key, .text(holder)])
            return try database.execute("SELECT changes() AS n").first?["n"]?.int == 1
        }
    }

    public func releaseLease(_ subject: LeaseSubject, holder: String) throws {
        let row = leaseRow(subject)
        _ = try database.transaction(wait: true) {
            try database.execute("DELETE FROM \(row.table) WHERE \(row.column) = ? AND holder = ?", [row.key, .text(holder)])
        }
    }

    public func recordMaintenance(_ run: MaintenanceRun) throws {
        try database.transaction(wait: true) {
            try database.execute("""
                INSERT INTO maintenance_runs (table_id, started, finished, actions, files_before, bytes_before, files_after,
                    bytes_after, outcome, error, full_vacuum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.int(run.tableID), .int(run.started), .int(run.finished), .text(run.actions.joined(separator: ",")),
                      .int(run.filesBefore), .int(run.bytesBefore), .int(run.filesAfter), .int(run.bytesAfter),
                      .text(run.outcome), run.error.map(SQLValue.text) ?? .null, .int(run.fullVacuum ? 1 : 0)])
        }
    }

    public func recordCheck(_ run: CheckRun) throws {
        try database.transaction(wait: true) {
            try database.execute("""
                INSERT INTO check_runs (table_id, started, finished, version, deep, problems, summary) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.int(run.tableID), .int(run.started), .int(run.finished), run.version.map(SQLValue.int) ?? .null,
                      .int(run.deep ? 1 : 0), .int(Int64(run.problems)), run.summary.map(SQLValue.text) ?? .null])
        }
    }

    public func checkRuns(tableID: Int64?, limit: Int) throws -> [CheckRun] {
        let rows = try database.execute("""
            SELECT * FROM check_runs WHERE (? IS NULL OR table_id = ?) ORDER BY started DESC, id DESC LIMIT ?
            """, [tableID.map(SQLValue.int) ?? .null, tableID.map(SQLValue.int) ?? .null, .int(Int64(limit))])
        return rows.map { row in
            CheckRun(tableID: row["table_id"]?.int ?? 0, started: row["started"]?.int ?? 0, finished: row["finished"]?.int ?? 0,
                     version: row["version"]?.int, deep: (row["deep"]?.int ?? 0) != 0, problems: Int(row["problems"]?.int ?? 0),
                     summary: row["summary"]?.text)
        }
    }

    public func maintenanceRuns(tableID: Int64?, limit: Int) throws -> [MaintenanceRun] {
        let rows = try database.execute("""
            SELECT * FROM maintenance_runs WHERE (? IS NULL OR table_id = ?) ORDER BY started DESC, id DESC LIMIT ?
            """, [tableID.map(SQLValue.int) ?? .null, tableID.map(SQLValue.int) ?? .null, .int(Int64(limit))])
        return rows.map { row in
            MaintenanceRun(tableID: row["table_id"]?.int ?? 0, started: row["started"]?.int ?? 0, finished: row["finished"]?.int ?? 0,
                           actions: (row["actions"]?.text ?? "").split(separator: ",").map(String.init),
                           filesBefore: row["files_before"]?.int ?? 0, bytesBefore: row["bytes_before"]?.int ?? 0,
                           filesAfter: row["files_after"]?.int ?? 0, bytesAfter: row["bytes_after"]?.int ?? 0,
                           outcome: row["outcome"]?.text ?? "", error: row["error"]?.text,
                           fullVacuum: (row["full_vacuum"]?.int ?? 0) != 0)
        }
    }

    public func lastFullVacuum(tableID: Int64) throws -> Int64? {
        try database.execute("SELECT max(started) AS t FROM maintenance_runs WHERE table_id = ? AND full_vacuum = 1",
                             [.int(tableID)]).first?["t"]?.int
    }

    public func resetIndex(tableID: Int64, wait: Bool) throws {
        try database.transaction(wait: wait) {
            try database.execute("DELETE FROM commits WHERE table_id = ?", [.int(tableID)])
            try database.execute("UPDATE tables SET version = -1 WHERE id = ?", [.int(tableID)])
        }
    }

    public func commits(tableID: Int64) throws -> [CommitEntry] {
        try database.execute("SELECT * FROM commits WHERE table_id = ? ORDER BY version", [.int(tableID)]).map { r in
            CommitEntry(version: r["version"]?.int ?? 0, timestamp: r["timestamp"]?.int ?? 0,
                        operation: r["operation"]?.text ?? "", rowsAdded: r["rows_added"]?.int ?? 0,
                        filesAdded: r["files_added"]?.int ?? 0, bytesAdded: r["bytes_added"]?.int ?? 0,
                        rowsRemoved: r["rows_removed"]?.int ?? 0, filesRemoved: r["files_removed"]?.int ?? 0, bytesRemoved: r["bytes_removed"]?.int ?? 0)
        }
    }
}
