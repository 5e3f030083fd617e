import Catalog
import DeltaLog
import LakeCore

/// Where tables may live. Locations never overlap: one directory is one table under one name,
/// and no table lies inside, around or on another table, a `_delta_log`, a namespace folder
/// or the warehouse. Locations are compared after resolving symbolic links.
extension Warehouse {
    /// Refuses (`invalidArgument`, exit 2) a location a new table (`create`) or a registered
    /// one (`register`) may not have. `name`'s own catalog entry is no overlap: a create
    /// racing another create of the same name is settled by the commit of version 0.
    func checkLocation(_ location: String, registering: Bool, name: String? = nil) throws {
        let real = Paths.resolved(location)
        func refuse(_ why: String) -> LakeError {
            LakeError(.invalidArgument, "refusing \(location) as a table location: \(why)")
        }
        if real == "/" { throw refuse("it is the root directory") }
        let warehouse = Paths.resolved(root)
        if Paths.isInside(warehouse, real) {
            throw refuse(real == warehouse ? "it is the warehouse itself" : "it contains the warehouse \(root)")
        }
        if Paths.parent(of: real) == warehouse { throw refuse("it is a namespace folder of the warehouse") }
        if real.split(separator: "/").contains("_delta_log") { throw refuse("it lies inside a table's _delta_log") }
        var ancestor = Paths.parent(of: real)
        while ancestor != "/" {
            if storage.exists(ancestor + "/_delta_log") { throw refuse("it lies inside the Delta table at \(ancestor)") }
            ancestor = Paths.parent(of: ancestor)
        }
        if storage.exists(catalogPath) {
            for entry in try catalog().tables(namespace: nil) where entry.qualifiedName != name {
                let other = Paths.resolved(entry.location)
                if other == real { throw refuse("it is already the location of table \(entry.qualifiedName)") }
                if Paths.isInside(real, other) { throw refuse("it lies inside table \(entry.qualifiedName) at \(entry.location)") }
                if Paths.isInside(other, real) { throw refuse("it contains table \(entry.qualifiedName) at \(entry.location)") }
            }
        }
        guard let info = storage.info(real) else { return }
        if info.kind != .directory { throw refuse("it is not a directory") }
        // Listed before `_delta_log` is looked at: a create racing this one makes the log
        // between the two, and is then seen as the table it is, never as a stranger's folder.
        let names = try storage.list(real) ?? []
        let isTable = storage.isDirectory(real + "/_delta_log")
        if !isTable, !names.isEmpty {
            throw refuse("it is a non-empty directory that is not a Delta table")
        }
        if registering && !isTable {
            throw LakeError(.notFound, "\(location) is not a Delta table (no _delta_log)")
        }
    }

    /// The catalog table whose location is `location` (after resolving links), if any.
    func registeredTable(at location: String) throws -> TableEntry? {
        guard storage.exists(catalogPath) else { return nil }
        let real = Paths.resolved(location)
        return try catalog().tables(namespace: nil).first { Paths.resolved($0.location) == real }
    }

    /// Whether a table at `location` made by `create` is managed: inside the warehouse.
    func isManagedLocation(_ location: String) -> Bool {
        Paths.isInside(Paths.resolved(location), Paths.resolved(root))
    }

    /// Refuses writing to a table whose root resolves into (or around) another registered
    /// table, or whose `_delta_log` is a symbolic link.
    func checkWritable(_ resolved: ResolvedTable) throws {
        try resolved.table.checkLogDirectory(forWriting: true)
        guard storage.exists(catalogPath), let tables = try? catalog().tables(namespace: nil) else { return }
        let real = Paths.resolved(resolved.table.root)
        for entry in tables where entry.id != resolved.entry?.id {
            let other = Paths.resolved(entry.location)
            if Paths.isInside(real, other) || Paths.isInside(other, real) {
                throw LakeError(.invalidArgument, "\(resolved.table.root) resolves to \(real), which overlaps table \(entry.qualifiedName) at \(entry.location); lake does not write it")
            }
        }
    }
}

extension TableEntry {
    /// Whether lake owns the table's files: recorded at registration, else (older catalogs)
    /// whether it lies in the warehouse.
    func isManaged(in warehouse: Warehouse) -> Bool {
        managed ?? warehouse.isManagedLocation(location)
    }
}
