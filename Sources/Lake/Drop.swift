import Catalog
import DeltaLog
import LakeCore

/// What `drop` did.
public struct DropResult: Sendable {
    public var table: String
    public var location: String
    public var purged: Bool
    /// With `--purge`: the table's files deleted, and anything left under its location
    /// (files that are not the table's, symbolic links).
    public var filesDeleted = 0
    public var bytesDeleted: Int64 = 0
    public var left: [String] = []
}

extension Warehouse {
    /// Removes a table from the catalog; with `purge`, then deletes what a managed table owns
    /// (``TablePurge``). External tables (registered, or created outside the warehouse) are
    /// never purged. The catalog entry goes first, so a purge that fails halfway leaves no
    /// name pointing at a broken directory; the error then says what is left on disk.
    public func drop(_ name: TableName, purge: Bool) throws -> DropResult {
        guard case .catalog(let ns, let n) = name else {
            throw LakeError(.invalidArgument, "drop takes a catalog name; to delete a table directory that is not registered, remove it yourself")
        }
        guard let entry = try catalog().table(namespace: ns, name: n) else {
            throw LakeError(.notFound, "table \(ns).\(n) does not exist")
        }
        var result = DropResult(table: entry.qualifiedName, location: entry.location, purged: purge)
        guard purge else {
            try catalog().drop(namespace: ns, name: n)
            return result
        }
        guard entry.isManaged(in: self) else {
            throw LakeError(.invalidArgument, "table \(entry.qualifiedName) is external (its files at \(entry.location) are not lake's to delete); lake drop without --purge forgets it")
        }
        let purge = TablePurge(root: Paths.absolute(entry.location), storage: storage)
        let hasFiles = storage.exists(entry.location)
        if hasFiles { try purge.check() }
        try catalog().drop(namespace: ns, name: n)
        guard hasFiles else { return result }
        let outcome = purge.run()
        result.filesDeleted = outcome.filesDeleted
        result.bytesDeleted = outcome.bytesDeleted
        result.left = outcome.left
        if let failure = outcome.failure {
            let shown = outcome.left.prefix(5).joined(separator: ", ") + (outcome.left.count > 5 ? ", …" : "")
            throw LakeError(.runtime, "dropped \(entry.qualifiedName) from the catalog, but the purge stopped: \(failure); "
                            + "\(outcome.left.count) path(s) are left under \(entry.location)\(shown.isEmpty ? "" : ": " + shown)")
        }
        return result
    }
}
