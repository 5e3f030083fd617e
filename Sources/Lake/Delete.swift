import Columnar
import Glibc
import DeltaLog
import LakeCore
import Query

/// What a row-changing command (`delete`, `restore`, …) did, as the contract prints it.
public struct DeleteResult: Sendable {
    public var table: String
    /// The version committed; the table's version when nothing was deleted.
    public var version: Int64
    public var committed: Bool
    public var rowsDeleted: Int64 = 0
    public var filesRemoved = 0, filesAdded = 0
    /// Files removed whole (by partition values or statistics), without reading them.
    public var filesRemovedWhole = 0
    /// Rows copied into the rewritten files.
    public var rowsCopied: Int64 = 0
    /// Set when `--txn` found its version already applied.
    public var skipped: String?
    public var warnings: [String] = []
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
        var attempt = 0
        while true {
            do {
                return try deleteOnce(name, predicateText, txn)
            } catch let error as DeltaError where error.kind == .conflict && attempt < 2 {
                attempt += 1
                usleep(UInt32(50_000 * attempt + Int.random(in: 0..<50_000)))
            }
        }
    }

    private func deleteOnce(_ name: TableName, _ predicateText: String, _ txn: ApplicationTransaction?) throws -> DeleteResult {
        let operation = try WriteOperation(self, name, operation: "DELETE")
        let snapshot = operation.snapshot
        var result = DeleteResult(table: operation.resolved.displayName, version: snapshot.version, committed: false)
        if let txn, let applied = snapshot.transactions[txn.app], applied >= txn.version {
            result.skipped = "\(txn.app):\(txn.version) already applied (the table records \(txn.app):\(applied) at version \(snapshot.version))"
            return result
        }
        let predicate = try Predicate(parsing: predicateText, schema: snapshot.schema)
        // Rows where the predicate is not TRUE: NOT p, or p NULL (some column it reads null).
        let inverse = try Predicate(parsing: "NOT (\(predicateText))", schema: snapshot.schema)
        let bounds = FileBounds(snapshot: snapshot)
        let columns = predicate.columns.sorted()
        var wholeFiles: [AddFile] = [], candidates: [AddFile] = []
        for file in snapshot.files {
            let of: (String) -> ColumnBounds? = { bounds.partition(file, $0) ?? bounds.stats(file, $0) }
            guard predicate.mightMatch(of) else { continue }
            // Every row matches when no row can fail the predicate and no column it reads is null.
            let noNulls = columns.allSatisfy { column in
                guard let b = of(column), let nulls = b.nullCount else { return false }
                return nulls == 0
            }
            if noNulls && !inverse.mightMatch(of) { wholeFiles.append(file) } else { candidates.append(file) }
        }
        var removed = wholeFiles, adds: [AddFile] = []
        let committed = try operation.run { op in
            let writer = try op.writer()
            // One output file per rewritten file: the layout stays as it was.
            writer.targetFileSize = .max
            for file in candidates {
                // First the predicate's columns alone: a file without a match is not rewritten.
                let probe = ScanExecutor(ScanPlan.matching(predicate, in: file, of: snapshot))
                var matches: Int64 = 0
                while let batch = try probe.next() { matches += Int64(batch.rowCount) }
                guard matches > 0 else { continue }
                removed.append(file)
                result.rowsDeleted += matches
                let rows = RowStream(ScanExecutor(ScanPlan.reading([file], of: snapshot)))
                while let batch = try rows.next() {
                    let deleted = Set(try predicate.select(batch))
                    guard deleted.count < batch.rowCount else { continue }
                    let kept = deleted.isEmpty ? batch : batch.take((0..<batch.rowCount).filter { !deleted.contains($0) })
                    result.rowsCopied += Int64(kept.rowCount)
                    try writer.write(kept)
                }
                try writer.finishOpenFiles()
            }
            adds = try writer.close()
            for file in wholeFiles { result.rowsDeleted += file.liveRecords ?? 0 }
            guard !removed.isEmpty else { return nil }
            let now = SystemClock.nowMillis()
            var actions = removed.map { Action.remove(RemoveFile(removing: $0, at: now, dataChange: true)) } + adds.map(Action.add)
            if let txn { actions.append(.txn(Txn(appId: txn.app, version: txn.version, lastUpdated: now))) }
            var transaction = op.transaction(actions: actions)
            // What this delete read: the files it removed or looked into, and the predicate
            // (a concurrent rewrite adding matching rows conflicts; blind appends do not).
            let read = Set((removed + candidates).map { DeltaTable.normalizedKey($0.path) })
            let check = predicate
            transaction.read = ReadSet(files: read, predicate: { add in
                check.mightMatch { bounds.partition(add, $0) ?? bounds.stats(add, $0) }
            })
            transaction.parameters = [("predicate", JSONValue.array([.string(predicateText)]).serialized())]
            transaction.metrics = [
                ("numRemovedFiles", Int64(removed.count)), ("numAddedFiles", Int64(adds.count)),
                ("numDeletedRows", result.rowsDeleted), ("numCopiedRows", result.rowsCopied),
                ("numRemovedBytes", removed.reduce(0) { $0 + $1.size }), ("numAddedBytes", adds.reduce(0) { $0 + $1.size }),
            ]
            return transaction
        }
        guard let committed else { return result }  // no row matched
        result.committed = true
        result.version = committed.version
        result.filesRemoved = removed.count
        result.filesAdded = adds.count
        result.filesRemovedWhole = wholeFiles.count
        result.warnings = committed.warnings
        return result
    }
}
