import Catalog
import Columnar
import DeltaLog
#if canImport(Glibc)
import Glibc
import LakeCore
#endif

/// A warehouse directory: its catalog and the default home of its tables
/// (`<warehouse>/<namespace>/<table>`).
public final class Warehouse {
    /// The warehouse directory (absolute).
    public let root: String
    /// Where the warehouse's tables live.
    let storage: any Storage
    private var openCatalog: SQLiteCatalog?

    /// The warehouse at `path`, else `$LAKE_WAREHOUSE`, else `./lakehouse`.
    public init(path: String?) {
        let chosen = path ?? getenv("LAKE_WAREHOUSE").map { String(cString: $0) } ?? "lakehouse"
        root = Paths.absolute(chosen.isEmpty ? "lakehouse" : chosen)
        storage = LocalStorage()
    }

    public var catalogPath: String { root + "/catalog.db" }

    /// The catalog; `notFound` when there is no warehouse (only `init` and `create` make
    /// one: a read in cron's working directory must not). A catalog (or warehouse directory)
    /// this process cannot write is opened read-only: reads work, writes fail with one clear
    /// error.
    public func catalog() throws -> SQLiteCatalog {
        if let openCatalog { return openCatalog }
        guard storage.exists(catalogPath) else {
            throw LakeError(.notFound, "no warehouse at \(root) (run lake init, or set --warehouse / LAKE_WAREHOUSE)")
        }
        return try openCatalogFile()
    }

    /// The catalog, made (with the warehouse directory) when there is none.
    func catalogCreatingWarehouse() throws -> SQLiteCatalog {
        if let openCatalog { return openCatalog }
        if !storage.exists(catalogPath) { try storage.makeDirectories(root) }
        return try openCatalogFile()
    }

    private func openCatalogFile() throws -> SQLiteCatalog {
        let readOnly = storage.exists(catalogPath) && (access(catalogPath, W_OK) != 0 || access(root, W_OK) != 0)
        let catalog = try SQLiteCatalog(path: catalogPath, readOnly: readOnly)
        openCatalog = catalog
        return catalog
    }

    /// Closes the catalog connection (the next use opens it again).
    func closeCatalog() { openCatalog = nil }

    /// Creates the warehouse and its catalog (idempotent).
    public func initialize() throws -> InitResult {
        _ = try catalogCreatingWarehouse()
        return InitResult(warehouse: root, catalog: catalogPath)
    }

    /// The default location of a table.
    public func defaultLocation(namespace: String, name: String) -> String {
        root + "/" + namespace + "/" + name
    }
}

/// What `init` made (or found).
public struct InitResult: Sendable {
    public var warehouse: String
    public var catalog: String
}

/// How a command names a table: a catalog name or a directory.
public enum TableName: Sendable, CustomStringConvertible {
    case catalog(namespace: String, name: String)
    case path(String)

    public static let defaultNamespace = "default"

    /// `NAME`, `NAMESPACE.NAME`, or (anything with a `/`) a path.
    public init(parsing text: String) throws {
        if text.contains("/") {
            self = .path(Paths.absolute(text))
            return
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count) else {
            throw LakeError(.invalidArgument, "'\(DisplayText.value(text))' is not a table name: use NAME or NAMESPACE.NAME, or a path containing '/'")
        }
        for part in parts where !Self.isValidIdentifier(part) {
            throw LakeError(.invalidArgument, "'\(DisplayText.value(part))' is not a valid name: use letters, digits, '_' and '-'")
        }
        self = parts.count == 2 ? .catalog(namespace: parts[0], name: parts[1])
                                : .catalog(namespace: Self.defaultNamespace, name: parts[0])
    }

    public static func isValidIdentifier(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 128 && s.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }

    public var description: String {
        switch self {
        case .catalog(let ns, let name): return "\(ns).\(name)"
        case .path(let p): return p
        }
    }
}

/// A table found by name or path: the Delta table, and its catalog entry when it has one.
public struct ResolvedTable: Sendable {
    public var table: DeltaTable
    public var entry: TableEntry?
    /// How to name the table to the user.
    public var displayName: String
}

extension Warehouse {
    /// Finds a table; `notFound` when the name is not in the catalog or the path holds no
    /// Delta table.
    public func resolve(_ name: TableName) throws -> ResolvedTable {
        switch name {
        case .catalog(let ns, let n):
            guard let entry = try catalog().table(namespace: ns, name: n) else {
                throw LakeError(.notFound, "table \(ns).\(n) does not exist in \(catalogPath)" + (try suggestion(ns, n)))
            }
            let table = DeltaTable(root: entry.location, storage: storage)
            guard table.exists else {
                throw LakeError(.notFound, "table \(ns).\(n) is registered at \(entry.location), but no Delta table is there")
            }
            return ResolvedTable(table: table, entry: entry, displayName: entry.qualifiedName)
        case .path(let path):
            let table = DeltaTable(root: path, storage: storage)
            guard table.exists else { throw LakeError(.notFound, "\(DisplayText.path(path)) is not a Delta table (no _delta_log)") }
            // A registered table named by its path still keeps its catalog index current; a
            // table named by path never needs the catalog, so a damaged one does not matter.
            let entry = storage.exists(catalogPath) ? (try? catalog().table(location: table.root)) ?? nil : nil
            return ResolvedTable(table: table, entry: entry, displayName: path)
        }
    }
}

extension Warehouse {
    /// `(did you mean events?)` for the nearest table name, else a pointer to `lake list`.
    func suggestion(_ namespace: String, _ name: String) throws -> String {
        let tables = try catalog().tables(namespace: nil)
        let sameNamespace = tables.filter { $0.namespace == namespace }.map(\.name)
        if let near = closestMatch(name, among: sameNamespace) {
            return " (did you mean \(namespace == TableName.defaultNamespace ? near : namespace + "." + near)?)"
        }
        if let near = closestMatch("\(namespace).\(name)", among: tables.map(\.qualifiedName)) { return " (did you mean \(near)?)" }
        return " (lake list shows the tables)"
    }
}

/// Parses `TIME` arguments: RFC 3339 with any offset, or a date (midnight UTC). Returns
/// milliseconds since the epoch (rounded down).
public func parseTime(_ text: String) throws -> Int64 {
    guard let (micros, hasOffset) = ValueText.parseTimestamp(Substring(text)), hasOffset || text.count == 10 else {
        throw LakeError(.invalidArgument, "'\(DisplayText.value(text))' is not a time: use RFC 3339 (2026-11-26T10:00:00Z, any offset) or a date (2026-11-26)")
    }
    return micros >= 0 ? micros / 1000 : (micros - 999) / 1000
}
