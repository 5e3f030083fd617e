import DeltaLog
import LakeCore

/// Which files under a table root vacuum deletes, decided from the latest snapshot and one
/// walk of the root:
///
/// - files the snapshot references (live data files and their deletion vectors) stay, and
///   so do files removed less than the retention ago (time travel and running readers within
///   the window need them);
/// - a file whose `remove` is older than the retention goes (a tombstone);
/// - a file the log does not know goes once it was last modified longer than the retention
///   ago (an orphan: a failed or killed write); a younger one may be a running writer's, so
///   it stays.
struct VacuumPlan {
    enum Reason: String, Sendable { case tombstone, orphan }

    struct Deletion: Sendable {
        var relative: String
        var size: Int64
        var reason: Reason
    }

    var deletions: [Deletion] = []
    /// Symbolic links found under the root (relative), skipped.
    var symlinks: [String] = []
    /// Unknown files kept because they are younger than the retention.
    var youngOrphans = 0
    /// Folders holding another table (relative), not entered.
    var otherTables: [String] = []
    /// The directories walked.
    var directories: [String] = []

    var bytes: Int64 { deletions.reduce(0) { $0 + $1.size } }

    /// The plan for `snapshot`'s table with everything older than `cutoff` (ms) expired;
    /// without `listingOrphans`, only the expired tombstones are looked at (no walk of the
    /// root: what `lake maintain` does between its full listings).
    static func make(_ snapshot: Snapshot, cutoff: Int64, listingOrphans: Bool = true) throws -> VacuumPlan {
        let root = snapshot.root
        var kept = Set<String>()
        // Expired tombstones (and their deletion vectors) with the size the log records.
        var expired: [String: Int64?] = [:]
        func relative(_ absolute: String) -> String { String(absolute.dropFirst(root.count + 1)) }
        func deletionVector(_ descriptor: JSONValue?) throws -> String? {
            guard let descriptor, descriptor != .null else { return nil }
            return try DeletionVectorFile.path(descriptor, root: root).map(relative)
        }
        // What the table still needs must all be known: a file of it that vacuum could not
        // place would look like a stranger's and be deleted, so that stops the vacuum.
        do {
            for add in snapshot.files {
                kept.insert(relative(try snapshot.absolutePath(of: add)))
                if let dv = try deletionVector(add[field: "deletionVector"]) { kept.insert(dv) }
            }
            for remove in snapshot.tombstones where (remove.deletionTimestamp ?? 0) > cutoff {
                kept.insert(relative(try DeltaTable.resolve(remove.path, root: root)))
                if let dv = try deletionVector(remove.raw["deletionVector"]) { kept.insert(dv) }
            }
        } catch let error as DeltaError {
            throw DeltaError(error.kind, "refusing to vacuum \(root): \(error.message)")
        }
        // Expired tombstones that lead outside the table, or name no file, are none of vacuum's business.
        for remove in snapshot.tombstones where (remove.deletionTimestamp ?? 0) <= cutoff {
            guard let path = try? DeltaTable.resolve(remove.path, root: root) else { continue }
            expired[relative(path)] = remove.size
            if let dv = (try? deletionVector(remove.raw["deletionVector"])) ?? nil { expired[dv] = .some(nil) }
        }
        guard listingOrphans else {
            var plan = VacuumPlan()
            let partitionColumns = snapshot.metadata.partitionColumns
            for (file, size) in expired where !kept.contains(file)
                && !file.split(separator: "/").contains(where: { TableFileWalk.isHidden(String($0), partitionColumns: partitionColumns) }) {
                guard let info = snapshot.storage.info(root + "/" + file), info.kind == .regular else { continue }
                plan.deletions.append(Deletion(relative: file, size: size ?? info.size, reason: .tombstone))
            }
            plan.deletions.sort { ByteText.less($0.relative, $1.relative) }
            return plan
        }
        let walk = try TableFileWalk.walk(root: root, storage: snapshot.storage,
                                          partitionColumns: snapshot.metadata.partitionColumns)
        var plan = VacuumPlan(symlinks: walk.symlinks, otherTables: walk.otherTables, directories: walk.directories)
        for file in walk.files where !kept.contains(file) {
            if let size = expired[file] {
                let bytes = size ?? snapshot.storage.info(root + "/" + file)?.size ?? 0
                plan.deletions.append(Deletion(relative: file, size: bytes, reason: .tombstone))
            } else if let info = snapshot.storage.info(root + "/" + file), info.kind == .regular {
                if info.modificationTime < cutoff {
                    plan.deletions.append(Deletion(relative: file, size: info.size, reason: .orphan))
                } else {
                    plan.youngOrphans += 1
                }
            }
        }
        plan.deletions.sort { ByteText.less($0.relative, $1.relative) }
        return plan
    }
}
