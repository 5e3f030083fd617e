import Catalog
import DeltaLog

/// Work done after a commit landed. A hook never fails the command: the commit is the
/// truth, and whatever a hook leaves undone is caught up later (the catalog index on next
/// access; checkpoints and log cleanup by the next writer or `lake maintain`).
enum PostCommitHooks {
    /// Runs the hooks, in order.
    static func run(_ committed: CommittedWrite) {
        indexInCatalog(committed)
    }

    /// The catalog's index catches up with the new commit.
    static func indexInCatalog(_ committed: CommittedWrite) {
        guard let entry = committed.resolved.entry, let catalog = try? committed.warehouse.catalog() else { return }
        try? CatalogIndex.catchUp(entry, table: committed.resolved.table, catalog: catalog,
                                  latest: committed.snapshotIfDerivable, wait: true)
    }
}
