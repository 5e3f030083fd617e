import LakeCore

/// The files under a table root that vacuum may consider, found by listing each directory
/// level in parallel. Nothing is followed through a symbolic link: links are collected to be
/// reported, and the walk never leaves the root.
///
/// Hidden names (beginning with `_` or `.`, like `_delta_log` and editors' files, and
/// `metadata`) are skipped with everything under them, except folders of partition columns
/// whose names begin with `_` (`_region=eu`), lake's own temporary files, which are orphans,
/// and the root's `_change_data`: change data files are named by their commit alone (never
/// by a snapshot), so they are unknown files to vacuum, expiring by age as their commit does.
/// A folder holding a `_delta_log` is another table and is not entered.
struct TableFileWalk {
    /// Regular files, by their paths relative to the root.
    var files: [String] = []
    /// Symbolic links met (relative paths), never followed.
    var symlinks: [String] = []
    /// Directories walked (relative paths, the root as ""), shallowest first.
    var directories: [String] = []
    /// Folders that hold another table's `_delta_log` (relative), not entered.
    var otherTables: [String] = []

    /// Walks `root`; throws when a directory cannot be listed.
    static func walk(root: String, storage: any Storage, partitionColumns: [String]) throws -> TableFileWalk {
        var walk = TableFileWalk()
        var level = [""]
        while !level.isEmpty {
            walk.directories += level
            let directories = level
            let listed = try parallelMap(directories.count) { i in
                try listDirectory(root: root, relative: directories[i], storage: storage, partitionColumns: partitionColumns)
            }
            level = []
            for part in listed {
                walk.files += part.files
                walk.symlinks += part.symlinks
                walk.otherTables += part.otherTables
                level += part.directories
            }
        }
        return walk
    }

    private static func listDirectory(root: String, relative: String, storage: any Storage,
                                      partitionColumns: [String]) throws -> TableFileWalk {
        var out = TableFileWalk()
        let directory = relative.isEmpty ? root : root + "/" + relative
        for (name, kind) in try storage.entries(directory) ?? [] {
            let path = relative.isEmpty ? name : relative + "/" + name
            switch kind {
            case .symlink:
                out.symlinks.append(path)
            case .directory where !isHidden(name, partitionColumns: partitionColumns) || (relative.isEmpty && name == "_change_data"):
                if storage.exists(directory + "/" + name + "/_delta_log") {
                    out.otherTables.append(path)
                } else {
                    out.directories.append(path)
                }
            case .regular where !isHidden(name, partitionColumns: partitionColumns) || TemporaryName.isLakeTemporary(name):
                out.files.append(path)
            default:
                break
            }
        }
        return out
    }

    /// Whether a name is hidden from vacuum, as Spark decides it (`metadata` is reserved for
    /// the Iceberg metadata of UniForm tables).
    static func isHidden(_ name: String, partitionColumns: [String]) -> Bool {
        if name == "metadata" { return true }
        guard name.hasPrefix("_") || name.hasPrefix(".") else { return false }
        return !partitionColumns.contains { name.hasPrefix($0 + "=") }
    }
}
