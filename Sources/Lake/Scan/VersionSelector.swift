import DeltaLog

/// Which version of a table to read.
public enum VersionSelector: Sendable {
    case latest
    case version(Int64)
    /// Milliseconds since the epoch.
    case asOf(Int64)
}

extension Warehouse {
    /// The snapshot a selector names; catches the catalog index up when reading the latest.
    public func snapshot(_ resolved: ResolvedTable, _ selector: VersionSelector) throws -> Snapshot {
        let listing = try resolved.table.listing()
        let snapshot: Snapshot
        switch selector {
        case .latest: snapshot = try resolved.table.snapshot(listing: listing)
        case .version(let v): snapshot = try resolved.table.snapshot(version: v, listing: listing)
        case .asOf(let t): snapshot = try resolved.table.snapshot(version: try resolved.table.version(asOf: t, listing: listing), listing: listing)
        }
        if let entry = resolved.entry, entry.version < listing.latestVersion! {
            try? CatalogIndex.catchUp(entry, table: resolved.table, catalog: catalog(),
                                      latest: snapshot.version == listing.latestVersion ? snapshot : nil, wait: false)
        }
        return snapshot
    }

    /// The table `name` names and its snapshot at `selector`.
    public func snapshot(of name: TableName, _ selector: VersionSelector) throws -> (ResolvedTable, Snapshot) {
        let resolved = try resolve(name)
        return (resolved, try snapshot(resolved, selector))
    }
}
