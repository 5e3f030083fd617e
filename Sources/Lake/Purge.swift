import DeltaLog
import LakeCore

/// `drop --purge`: deletes what a table owns and nothing else — the data files its log names
/// at any version, its `_delta_log`, and lake's own temporary files — never following or
/// deleting a symbolic link and never leaving the table root. Directories left empty go too.
///
/// The log is first moved aside in one rename, so a writer racing the purge finds no table
/// and fails cleanly (its files are removed by its own abort); commits that landed before the
/// rename are read from the moved log, so their files go as well.
struct TablePurge {
    let root: String
    let storage: any Storage

    /// What a purge did, and what it left.
    struct Outcome {
        var filesDeleted = 0
        var bytesDeleted: Int64 = 0
        /// Paths under the root that are still there (not the table's, or not deletable).
        var left: [String] = []
        /// The first error met while deleting, if any.
        var failure: String?
    }

    /// Refuses what a purge must never walk into: a root or `_delta_log` that is a symbolic
    /// link, or a root that is no Delta table.
    func check() throws {
        guard storage.info(root)?.kind == .directory else {
            throw LakeError(.invalidArgument, "refusing to purge \(root): it is not a directory (a symbolic link is never followed)")
        }
        guard storage.info(root + "/_delta_log")?.kind == .directory else {
            throw LakeError(.invalidArgument, "refusing to purge \(root): its _delta_log is missing or a symbolic link")
        }
        // Every log file must be readable, or the purge cannot know what the table owns.
        _ = try LogReferences.dataFiles(in: root + "/_delta_log", storage: storage)
    }

    /// Deletes the table's files. Call ``check()`` first.
    func run() -> Outcome {
        var outcome = Outcome()
        let movedLog = root + "/_delta_log.purging-" + SystemClock.uuid()
        do {
            try storage.rename(root + "/_delta_log", to: movedLog)
        } catch {
            outcome.failure = "\(error)"
            outcome.left = [root + "/_delta_log"]
            return outcome
        }
        var directories = Set<String>()
        do {
            for path in try LogReferences.dataFiles(in: movedLog, storage: storage).paths.sorted() {
                guard let absolute = try? DeltaTable.resolve(path, root: root) else { continue }
                delete(absolute, &outcome)
                directories.insert(Paths.parent(of: absolute))
            }
        } catch {
            outcome.failure = outcome.failure ?? "\(error)"
        }
        // Lake's own temporary files next to the data files and in the log.
        for directory in directories.union([root]) {
            for name in (try? storage.list(directory)) ?? [] where TemporaryName.isLakeTemporary(name) {
                delete(directory + "/" + name, &outcome)
            }
        }
        removeTreeOfRegularFiles(movedLog, &outcome)
        // Directories the purge emptied, deepest first, then the root itself when empty.
        for directory in directories.sorted(by: { $0.count > $1.count }) {
            var current = directory
            while current != root, Paths.isInside(current, root), storage.removeEmptyDirectory(current) {
                current = Paths.parent(of: current)
            }
        }
        outcome.left = remaining(root)
        if outcome.left.isEmpty { _ = storage.removeEmptyDirectory(root) }
        return outcome
    }

    /// Deletes a regular file reached through no symbolic link inside the root.
    private func delete(_ path: String, _ outcome: inout Outcome) {
        guard Paths.isInside(path, root), (try? DeltaTable.checkNoLinks(path, root: root, storage: storage, version: 0)) != nil,
              let info = storage.info(path) else { return }
        do {
            try storage.remove(path)
            outcome.filesDeleted += 1
            outcome.bytesDeleted += info.size
        } catch {
            outcome.failure = outcome.failure ?? "\(error)"
        }
    }

    /// Removes a directory's regular files and subdirectories (never a link), then itself
    /// if that left it empty.
    private func removeTreeOfRegularFiles(_ directory: String, _ outcome: inout Outcome) {
        for name in (try? storage.list(directory)) ?? [] {
            let path = directory + "/" + name
            switch storage.info(path)?.kind {
            case .regular?: delete(path, &outcome)
            case .directory?: removeTreeOfRegularFiles(path, &outcome)
            default: break
            }
        }
        _ = storage.removeEmptyDirectory(directory)
    }

    /// Everything still under `directory` (files and links; directories only through them).
    private func remaining(_ directory: String) -> [String] {
        var out: [String] = []
        for name in (try? storage.list(directory)) ?? [] {
            let path = directory + "/" + name
            if storage.info(path)?.kind == .directory {
                let inside = remaining(path)
                out += inside.isEmpty ? [path] : inside
            } else {
                out.append(path)
            }
        }
        return out
    }
}
