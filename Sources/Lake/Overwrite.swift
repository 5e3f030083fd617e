import Columnar
import DeltaLog
import Ingest
import LakeCore
import Query

extension Warehouse {
    /// Replaces the table's rows with the inputs' in one commit (`WRITE`, mode `Overwrite`).
    /// With `predicate` only the rows it selects are replaced, as Delta's `replaceWhere`: they
    /// are removed as ``delete(_:where:transaction:)`` removes them, and every input row must
    /// match the predicate (the first that does not ends the command, exit 1, no commit).
    /// Inputs are read as `append` reads them; an input without rows still replaces.
    public func overwrite(_ name: TableName, files: [String], where predicateText: String?, options: LoadOptions = LoadOptions(),
                          progress: ((Int64, Int64?) -> Void)? = nil) throws -> DeleteResult {
        guard !files.isEmpty else { throw LakeError(.invalidArgument, "no input: name one or more files, or - for stdin") }
        let operation = try WriteOperation(self, name, operation: "WRITE")
        let snapshot = operation.snapshot
        var result = DeleteResult(operation, txn: options.transaction)
        if result.skipped != nil { return result }
        let predicate = try predicateText.map { try Predicate(parsing: $0, schema: snapshot.schema) }
        var removal = RowRemoval()
        var inserted: [AddFile] = []
        var rowsInserted: Int64 = 0
        let committed = try operation.run { op in
            // The new rows first: a row outside the predicate stops everything before any rewrite.
            let writer = try op.writer()
            // Change data only with --where: a whole replacement is whole-file removes and adds.
            let changes = predicate == nil ? nil : try op.changeData()
            let budget = BadRowBudget(limit: options.maxBadRows)
            let job = ReadJob(files: files, schema: snapshot.schema, options: options.ingest, budget: budget,
                              check: try op.constraints(), progress: progress)
            let pipeline = BatchPipeline { emit in _ = try job.run(emit) }
            defer { pipeline.cancel() }
            while let batch = try pipeline.next() {
                if let predicate, let predicateText {
                    let matching = try predicate.select(batch)
                    if matching.count != batch.rowCount {
                        let row = zip(matching + [batch.rowCount], 0...).first { $0 != $1 }!.1
                        let values = batch.schema.fields.indices.map { c -> String in
                            var text: [UInt8] = []
                            ColumnText.appendJSON(batch.columns[c], row, to: &text)
                            return "\(batch.schema.fields[c].name)=\(DisplayText.value(String(decoding: text, as: UTF8.self)))"
                        }
                        throw LakeError(.badInput, "input row \(rowsInserted + Int64(row) + 1) does not match --where \(DisplayText.value(predicateText)) (\(values.joined(separator: ", "))): an overwrite with --where replaces only the rows it selects, so every new row must match it")
                    }
                }
                try writer.write(batch)
                try changes?.write(batch, .insert)
                rowsInserted += Int64(batch.rowCount)
            }
            inserted = try writer.close()
            if let predicate, let predicateText {
                removal = try RowRemoval.run(predicateText, predicate, in: snapshot, op: op, changes: changes)
                try removal.recordChanges(changes)
            } else {
                removal.removed = snapshot.files
                removal.removedWhole = snapshot.files
                removal.rowsDeleted = snapshot.files.reduce(0) { $0 + ($1.liveRecords ?? 0) }
            }
            guard !removal.removed.isEmpty || !inserted.isEmpty else { return nil }
            let now = SystemClock.nowMillis()
            var actions = removal.actions(at: now) + inserted.map(Action.add)
            if let txn = options.transaction { actions.append(txn.action(at: now)) }
            var transaction = op.transaction(actions: actions)
            if let predicate {
                transaction.read = removal.readSet(predicate, snapshot)
            } else {
                // Everything is replaced: any concurrent change to the table conflicts.
                transaction.read = ReadSet(files: Set(snapshot.files.map { DeltaTable.normalizedKey($0.path) }), predicate: { _ in true })
                transaction.isolation = .serializable
            }
            transaction.parameters = [("mode", "Overwrite"),
                                      ("partitionBy", JSONValue.array(snapshot.metadata.partitionColumns.map(JSONValue.string)).serialized())]
            if let predicateText { transaction.parameters.append(("predicate", JSONValue.array([.string(predicateText)]).serialized())) }
            transaction.metrics = [("numFiles", Int64(inserted.count)), ("numOutputRows", rowsInserted),
                                   ("numOutputBytes", inserted.reduce(0) { $0 + $1.size })]
                + removal.metrics.filter { $0.0 != "numAddedFiles" && $0.0 != "numAddedBytes" }
            return transaction
        }
        guard let committed else { return result }
        result.committed = true
        result.version = committed.version
        result.rowsDeleted = removal.rowsDeleted
        result.rowsInserted = rowsInserted
        result.rowsCopied = removal.rowsCopied
        result.filesRemoved = removal.removed.count
        result.filesRemovedWhole = removal.wholeFiles
        result.filesAdded = inserted.count + removal.adds.count
        result.warnings = committed.warnings
        return result
    }
}
