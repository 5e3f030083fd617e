import Catalog
import DeltaLog
import LakeCore

/// Work done after a commit landed. A hook never fails the command: the commit is the
/// truth, and whatever a hook leaves undone is caught up later (the catalog index on next
/// access; checkpoints and log cleanup at the next checkpoint version or `lake checkpoint`).
/// Log cleanup runs after each checkpoint written, as in Spark.
enum PostCommitHooks {
    /// Runs the hooks, in order; returns warnings for the person at the terminal.
    static func run(_ committed: CommittedWrite) -> [String] {
        indexInCatalog(committed)
        var warnings: [String] = []
        if let warning = checkpointIfDue(committed) { warnings.append(warning) }
        // At checkpoint versions only: listing a busy table's folders at every commit would
        // cost more than the stray files it finds.
        if committed.version % committed.base.checkpointInterval == 0 { removeStaleTempFiles(committed) }
        return warnings
    }

    /// A classic checkpoint at every `delta.checkpointInterval`-th version (10 unless set),
    /// as Spark writes them. A failure never fails the commit: it is reported, and the next
    /// commit at a checkpoint version (or `lake checkpoint`) writes one.
    static func checkpointIfDue(_ committed: CommittedWrite) -> String? {
        let interval = committed.base.checkpointInterval
        guard committed.version > 0, committed.version % interval == 0 else { return nil }
        let table = committed.resolved.table
        let snapshot: Snapshot
        do {
            snapshot = try table.snapshot(version: committed.version)
            guard try CheckpointWriter.write(snapshot, table: table) != nil else { return nil }
        } catch {
            return "version \(committed.version) was committed, but its checkpoint could not be written: \(FailureReport(error).message)"
        }
        do {
            _ = try LogMaintenance.cleanUpIfEnabled(table, latest: snapshot)
            return nil
        } catch {
            return "version \(committed.version) was committed and checkpointed, but expired log files could not be cleaned up: \(FailureReport(error).message)"
        }
    }

    /// The catalog's index catches up with the new commit.
    static func indexInCatalog(_ committed: CommittedWrite) {
        guard let entry = committed.resolved.entry, let catalog = try? committed.warehouse.catalog() else { return }
        if (try? CatalogIndex.recordAppend(entry, committed, catalog: catalog)) == true { return }
        try? CatalogIndex.catchUp(entry, table: committed.resolved.table, catalog: catalog,
                                  latest: committed.snapshotIfDerivable, wait: true)
    }

    /// Lake's own temporary files that a killed writer left behind, once they are an hour
    /// old; run at checkpoint versions only.
    static func removeStaleTempFiles(_ committed: CommittedWrite) {
        let table = committed.resolved.table
        // `_delta_log`, and the folders this commit wrote into (a commit without files, like
        // vacuum's, sweeps only the log: the data folders are vacuum's own to count).
        var directories = ["_delta_log"]
        for action in committed.transaction.actions {
            guard case .add(let add) = action else { continue }
            let parent = Paths.parent(of: Partitioning.uriDecode(add.path))
            let relative = parent == "." ? "" : parent
            if !directories.contains(relative) { directories.append(relative) }
        }
        StaleTempFiles.remove(root: table.root, directories: directories, storage: table.storage)
    }
}

/// Lake's temporary files: `.<name>.<pid>.<random>.tmp`, as `Storage.putIfAbsent` (commit
/// files) and `ParquetWriter` (data files) create them next to the file they become.
enum StaleTempFiles {
    /// Removes the stale temporary files directly in each of `directories` (relative to
    /// `root`, "" for the root itself). Best effort: errors are ignored. Only regular files
    /// with a temporary name are removed; nothing is followed through a symlink (a directory
    /// reached through one is skipped), and no directory outside `root` is entered.
    /// Returns the paths removed.
    @discardableResult
    static func remove(root: String, directories: [String], storage: any Storage,
                       now: Int64 = SystemClock.nowMillis()) -> [String] {
        var removed: [String] = []
        for relative in directories {
            guard let directory = inside(root, relative, storage), let names = try? storage.list(directory) else { continue }
            for name in names where TemporaryName.isLakeTemporary(name) {
                let path = directory + "/" + name
                guard let info = storage.info(path), info.kind == .regular,
                      now - info.modificationTime > TemporaryName.staleAfterMillis else { continue }
                if (try? storage.remove(path)) != nil { removed.append(path) }
            }
        }
        return removed
    }

    /// `root/relative` when every component of `relative` is a plain name and a real
    /// directory (not a symlink); nil otherwise.
    private static func inside(_ root: String, _ relative: String, _ storage: any Storage) -> String? {
        var path = root
        for part in relative.split(separator: "/", omittingEmptySubsequences: true) {
            guard part != ".", part != ".." else { return nil }
            path += "/" + part
            guard storage.info(path)?.kind == .directory else { return nil }
        }
        return path
    }
}
