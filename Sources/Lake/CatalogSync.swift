import Catalog
import DeltaLog
import LakeCore

/// What `catalog sync` did.
public struct SyncResult: Sendable {
    public var synced: [String]
    /// Table folders found in the warehouse layout that the catalog did not name (now registered).
    public var discovered: [String]
    /// Registered tables whose directory holds no table any more.
    public var missing: [String]
    /// With `--rebuild`: where the old catalog file was moved.
    public var movedAside: String?
}

extension Warehouse {
    /// Rebuilds every table's index from its log, and registers (as managed) every table
    /// folder of the warehouse layout (`<namespace>/<table>/_delta_log`) the catalog does not
    /// name yet, so a lost `catalog.db` comes back. External tables live elsewhere and must be
    /// registered again. With `rebuild`, the catalog file is first moved aside (a damaged one
    /// included) and a new one made.
    public func syncCatalog(rebuild: Bool = false) throws -> SyncResult {
        var movedAside: String?
        if rebuild, storage.exists(catalogPath) {
            let aside = catalogPath + ".bad-" + String(SystemClock.nowMillis())
            try storage.rename(catalogPath, to: aside)
            for suffix in ["-wal", "-shm"] where storage.exists(catalogPath + suffix) {
                try? storage.rename(catalogPath + suffix, to: aside + suffix)
            }
            movedAside = aside
            closeCatalog()
        }
        // A warehouse whose catalog was lost (or moved aside) gets a new one.
        guard storage.isDirectory(root) else { _ = try catalog(); return SyncResult(synced: [], discovered: [], missing: []) }
        let catalog = try catalogCreatingWarehouse()
        var missing: [TableEntry] = []
        for entry in try catalog.tables(namespace: nil) {
            let table = DeltaTable(root: entry.location, storage: storage)
            guard table.exists else { missing.append(entry); continue }
            try catalog.resetIndex(tableID: entry.id, wait: true)
            var reset = entry
            reset.version = -1
            try CatalogIndex.catchUp(reset, table: table, catalog: catalog, wait: true)
        }
        var discovered: [String] = []
        let known = Set(try catalog.tables(namespace: nil).map { Paths.resolved($0.location) })
        for namespace in try storage.list(root) ?? [] where TableName.isValidIdentifier(namespace) {
            let folder = root + "/" + namespace
            guard storage.isDirectory(folder) else { continue }
            for name in try storage.list(folder) ?? [] where TableName.isValidIdentifier(name) {
                let location = folder + "/" + name
                let table = DeltaTable(root: location, storage: storage)
                guard storage.isDirectory(location), table.exists, !known.contains(Paths.resolved(location)),
                      try catalog.table(namespace: namespace, name: name) == nil,
                      let snapshot = try? table.snapshot() else { continue }
                let entry = try catalog.register(namespace: namespace, name: name, location: location,
                                                 comment: snapshot.metadata.description, created: SystemClock.nowMillis(),
                                                 managed: true)
                try CatalogIndex.catchUp(entry, table: table, catalog: catalog, latest: snapshot, wait: true)
                discovered.append(entry.qualifiedName)
            }
        }
        let synced = try catalog.tables(namespace: nil).filter { e in !missing.contains { $0.id == e.id } }
        return SyncResult(synced: synced.map(\.qualifiedName), discovered: discovered,
                          missing: missing.map(\.qualifiedName), movedAside: movedAside)
    }
}
