import Columnar
import Glibc
import DeltaLog
import LakeCore
import Query

/// What a row-changing command (`delete`, `overwrite`, `update`) did, as the contract prints it.
public struct DeleteResult: Sendable {
    public var table: String
    /// The version committed; the table's version when nothing was deleted.
    public var version: Int64
    public var committed: Bool
    public var rowsDeleted: Int64 = 0
    /// Rows written from the input (`overwrite`).
    public var rowsInserted: Int64 = 0
    /// Rows given new values (`update`).
    public var rowsUpdated: Int64 = 0
    public var filesRemoved = 0, filesAdded = 0
    /// Files removed whole (by partition values or statistics), without reading them.
    public var filesRemovedWhole = 0
    /// Rows copied into the rewritten files.
    public var rowsCopied: Int64 = 0
    /// Files that got a (new) deletion vector instead of being rewritten.
    public var deletionVectorsWritten = 0
    /// Set when `--txn` found its version already applied.
    public var skipped: String?
    public var warnings: [String] = []

    /// Nothing done yet to the table `operation` writes; `skipped` set when `txn` is
    /// already applied there (the command then returns this at once).
    init(_ operation: WriteOperation, txn: ApplicationTransaction?) {
        table = operation.resolved.displayName
        version = operation.snapshot.version
        committed = false
        skipped = ApplicationTransaction.skipped(txn, operation.snapshot)
    }
}

extension Warehouse {
    /// Deletes the rows where `predicate` is TRUE (a NULL keeps the row, as in SQL), in one
    /// `DELETE` commit:
    ///
    /// - a file whose partition values or statistics prove every row matches is removed whole,
    ///   without being read; one whose statistics rule the predicate out is not touched;
    /// - any other file is read for the predicate's columns first: without a matching row it
    ///   stays as it is, else its surviving rows are written to a new file (copy-on-write).
    ///
    /// A concurrent commit that removes a file this delete read makes it re-plan and try
    /// again (up to three times, then exit 3); appends landing meanwhile never conflict.
    public func delete(_ name: TableName, where predicateText: String, transaction txn: ApplicationTransaction? = nil) throws -> DeleteResult {
        try replanningOnConflict { try deleteOnce(name, predicateText, txn) }
    }

    /// Runs `attempt` again, after a short random backoff, when a concurrent commit made it a
    /// conflict: three tries in all, then the conflict is the caller's (exit 3).
    func replanningOnConflict<T>(_ attempt: () throws -> T) throws -> T {
        var tries = 1
        while true {
            do {
                return try attempt()
            } catch let error as DeltaError where error.kind == .conflict && tries < 3 {
                usleep(UInt32(50_000 * tries + Int.random(in: 0..<50_000)))
                tries += 1
            }
        }
    }

    private func deleteOnce(_ name: TableName, _ predicateText: String, _ txn: ApplicationTransaction?) throws -> DeleteResult {
        let operation = try WriteOperation(self, name, operation: "DELETE")
        let snapshot = operation.snapshot
        var result = DeleteResult(operation, txn: txn)
        if result.skipped != nil { return result }
        let predicate = try Predicate(parsing: predicateText, schema: snapshot.schema)
        var removal = RowRemoval()
        var adds: [AddFile] = []
        let committed = try operation.run { op in
            let changes = try op.changeData()
            removal = try RowRemoval.run(predicateText, predicate, in: snapshot, op: op, changes: changes)
            try removal.recordChanges(changes)
            adds = removal.adds
            guard !removal.removed.isEmpty else { return nil }
            let now = SystemClock.nowMillis()
            var transaction = op.transaction(actions: removal.actions(at: now) + (txn.map { [$0.action(at: now)] } ?? []))
            transaction.read = removal.readSet(predicate, snapshot)
            transaction.parameters = [("predicate", JSONValue.array([.string(predicateText)]).serialized())]
            transaction.metrics = removal.metrics
            return transaction
        }
        guard let committed else { return result }  // no row matched
        result.committed = true
        result.version = committed.version
        result.rowsDeleted = removal.rowsDeleted
        result.rowsCopied = removal.rowsCopied
        result.filesRemoved = removal.removed.count
        result.filesAdded = adds.count
        result.filesRemovedWhole = removal.wholeFiles
        result.deletionVectorsWritten = removal.vectorsWritten
        result.warnings = committed.warnings
        return result
    }
}

/// The rows of a snapshot where a predicate is TRUE, taken out of their files (what `delete`
/// and `overwrite --where` do): a file whose partition values or statistics prove every row
/// matches goes whole; one whose statistics rule the predicate out stays; any other is read
/// for the predicate's columns and, when some row matches, rewritten (one file for one) with
/// the rows where the predicate is not TRUE.
///
/// With `changes` (the table records the Change Data Feed), the rows taken out are recorded
/// as deleted; ``recordChanges(_:)`` then adds the files removed whole and the `cdc` actions.
struct RowRemoval {
    /// The files taken out (whole or rewritten), and those read to decide.
    var removed: [AddFile] = [], examined: [AddFile] = []
    /// The files among `removed` taken out whole, without being read.
    var removedWhole: [AddFile] = []
    /// The rewritten files' adds (and the re-adds with new deletion vectors).
    var adds: [AddFile] = []
    /// The commit's `cdc` actions (``recordChanges(_:)``).
    var changeActions: [Action] = []
    var vectorsWritten = 0
    var wholeFiles: Int { removedWhole.count }
    var rowsDeleted: Int64 = 0, rowsCopied: Int64 = 0

    static func run(_ text: String, _ predicate: Predicate, in snapshot: Snapshot, op: WriteOperation,
                    changes: ChangeDataWriter?) throws -> RowRemoval {
        var removal = RowRemoval()
        let writer = try op.writer()
        // Rows where the predicate is not TRUE: NOT p, or p NULL (some column it reads null).
        let inverse = try Predicate(parsing: "NOT (\(text))", schema: snapshot.schema)
        let bounds = FileBounds(snapshot: snapshot)
        let columns = predicate.columns
        for file in snapshot.files {
            let of: (String) -> ColumnBounds? = { bounds.partition(file, $0) ?? bounds.stats(file, $0) }
            guard predicate.mightMatch(of) else { continue }
            // Every row matches when no row can fail the predicate and no column it reads is null.
            let noNulls = columns.allSatisfy { of($0)?.nullCount == 0 }
            if noNulls && !inverse.mightMatch(of) {
                removal.removed.append(file)
                removal.removedWhole.append(file)
                removal.rowsDeleted += file.liveRecords ?? 0
            } else {
                removal.examined.append(file)
            }
        }
        if snapshot.writesDeletionVectors {
            try removal.markDeleted(removal.examined, where: predicate, in: snapshot, op: op, changes: changes)
            removal.adds += try writer.close()
            return removal
        }
        try removal.rewrite(removal.examined, where: predicate, in: snapshot, writer: writer) { batch, selected in
            if !selected.isEmpty { try changes?.write(selected.count == batch.rowCount ? batch : batch.take(selected), .delete) }
            // The rows selected come in ascending order: the others are the gaps between them.
            guard selected.count < batch.rowCount else { return nil }
            var keep: [Int] = []
            keep.reserveCapacity(batch.rowCount - selected.count)
            var next = 0
            for row in 0..<batch.rowCount {
                if next < selected.count && selected[next] == row { next += 1 } else { keep.append(row) }
            }
            return selected.isEmpty ? batch : batch.take(keep)
        }
        return removal
    }

    /// For each of `files` holding a row where `predicate` is TRUE, a new deletion vector
    /// (the rows of its old vector and these): the file is re-added with it, not rewritten.
    ///
    /// With `replacing`, the rows (every column) also go through it to `writer`, as new rows
    /// in new files: how an update changes rows without rewriting the files that held them.
    /// With `changes`, the rows are recorded as deleted, or (with `replacing`) as updated.
    mutating func markDeleted(_ files: [AddFile], where predicate: Predicate?, in snapshot: Snapshot, op: WriteOperation,
                              replacing: ((RecordBatch) throws -> RecordBatch)? = nil, writer: TableWriter? = nil,
                              changes: ChangeDataWriter? = nil) throws {
        for file in files {
            let allColumns = replacing != nil || changes != nil
            let scan = ScanExecutor(ScanPlan.matching(predicate, in: file, of: snapshot, allColumns: allColumns))
            scan.tracksPositions = true
            var rows: [UInt64] = []
            while let batch = try scan.next() {
                rows += scan.positions
                if let replacing, let writer {
                    let replaced = try replacing(batch)
                    rowsCopied += Int64(replaced.rowCount)
                    try writer.write(replaced)
                    try changes?.write(batch, .updatePreimage)
                    try changes?.write(replaced, .updatePostimage)
                } else {
                    try changes?.write(batch, .delete)
                }
            }
            try mark(file, rows, in: snapshot, op: op)
        }
    }

    /// Re-adds `file` with a deletion vector holding its old vector's rows and `rows`.
    mutating func mark(_ file: AddFile, _ rows: [UInt64], in snapshot: Snapshot, op: WriteOperation) throws {
        guard !rows.isEmpty else { return }
        let old = try snapshot.deletionVector(of: file, rowCount: file.numRecords ?? Int64.max)?.rows ?? []
        let union = Array(Set(old).union(rows)).sorted()
        let descriptor = try DeletionVector.write(union, root: snapshot.root, writeNew: op.writeNew)
        removed.append(file)
        adds.append(file.deleting(with: descriptor))
        rowsDeleted += Int64(rows.count)
        vectorsWritten += 1
    }

    /// Rewrites each of `files` that holds a row where `predicate` is TRUE (every file when
    /// it is nil), one new file for one old: `transform` turns each batch and its selected
    /// rows into the rows to write (nil: none). Files without a selected row stay as they are.
    /// `rowsDeleted` counts the rows selected, `rowsCopied` the rows written.
    mutating func rewrite(_ files: [AddFile], where predicate: Predicate?, in snapshot: Snapshot, writer: TableWriter,
                          _ transform: (RecordBatch, [Int]) throws -> RecordBatch?) throws {
        writer.targetFileSize = .max
        for file in files {
            if let predicate {
                // First the predicate's columns alone: a file without a match is not rewritten.
                let probe = ScanExecutor(ScanPlan.matching(predicate, in: file, of: snapshot))
                var matches = false
                while !matches, let batch = try probe.next() { matches = batch.rowCount > 0 }
                guard matches else { continue }
            }
            removed.append(file)
            let rows = RowStream(ScanExecutor(ScanPlan.reading([file], of: snapshot)))
            while let batch = try rows.next() {
                let selected = try predicate?.select(batch) ?? Array(0..<batch.rowCount)
                rowsDeleted += Int64(selected.count)
                guard let out = try transform(batch, selected), out.rowCount > 0 else { continue }
                rowsCopied += Int64(out.rowCount)
                try writer.write(out)
            }
            try writer.finishOpenFiles()
        }
        adds = try writer.close()
    }

    /// Finishes the commit's change data (when the table records it and some row went to
    /// it): the rows of the files removed whole join it as deleted, since a reader of a
    /// commit with change data reads nothing else of it. Sets `changeActions`.
    mutating func recordChanges(_ changes: ChangeDataWriter?) throws {
        guard let changes, changes.rows > 0 else { return }
        try changes.writeDeleted(removedWhole)
        changeActions = try changes.close()
    }

    /// The commit's `remove`s, `add`s and `cdc`s.
    func actions(at now: Int64) -> [Action] {
        removed.map { .remove(RemoveFile(removing: $0, at: now, dataChange: true)) } + adds.map(Action.add) + changeActions
    }

    /// What the removal read: the files it removed or looked into, and the predicate (a
    /// concurrent rewrite adding matching rows conflicts; blind appends do not).
    func readSet(_ predicate: Predicate, _ snapshot: Snapshot) -> ReadSet {
        let bounds = FileBounds(snapshot: snapshot)
        return ReadSet(files: Set((removed + examined).map { DeltaTable.normalizedKey($0.path) }), predicate: { add in
            predicate.mightMatch { bounds.partition(add, $0) ?? bounds.stats(add, $0) }
        })
    }

    var metrics: [(String, Int64)] {
        [("numRemovedFiles", Int64(removed.count)), ("numAddedFiles", Int64(adds.count)),
         ("numDeletedRows", rowsDeleted), ("numCopiedRows", rowsCopied),
         ("numRemovedBytes", removed.reduce(0) { $0 + $1.size }), ("numAddedBytes", adds.reduce(0) { $0 + $1.size })]
    }
}
