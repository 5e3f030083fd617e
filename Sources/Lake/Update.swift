import Columnar
import DeltaLog
import LakeCore
import Query

extension Warehouse {
    /// Sets columns to expression values in the rows where `predicate` is TRUE (every row
    /// without one), in one `UPDATE` commit: each file holding such a row is rewritten
    /// (copy-on-write, one new file for one old) with the new values; the others stay. A value
    /// that does not fit its column (overflow, a decimal out of range, NULL into a `not null`
    /// column) ends the command naming the row and the column, with no commit. Updating a
    /// partition column moves the rows to their new partition. Conflicts re-plan as `delete`.
    public func update(_ name: TableName, set assignments: String, where predicateText: String?,
                       transaction txn: ApplicationTransaction? = nil) throws -> DeleteResult {
        try replanningOnConflict { try updateOnce(name, assignments, predicateText, txn) }
    }

    private func updateOnce(_ name: TableName, _ assignments: String, _ predicateText: String?,
                            _ txn: ApplicationTransaction?) throws -> DeleteResult {
        let operation = try WriteOperation(self, name, operation: "UPDATE")
        let snapshot = operation.snapshot
        var result = DeleteResult(operation, txn: txn)
        if result.skipped != nil { return result }
        let sets = try Self.assignments(assignments, snapshot.schema)
        let predicate = try predicateText.map { try Predicate(parsing: $0, schema: snapshot.schema) }
        let bounds = FileBounds(snapshot: snapshot)
        let candidates = snapshot.files.filter { file in
            predicate?.mightMatch { bounds.partition(file, $0) ?? bounds.stats(file, $0) } ?? true
        }
        var rewrite = RowRemoval()
        let committed = try operation.run { op in
            let writer = try op.writer()
            let changes = try op.changeData()
            // The new values must pass the table's constraints.
            let constraints = try op.constraints()
            if snapshot.writesDeletionVectors {
                // The old rows marked deleted in vectors, the new ones written to new files.
                try rewrite.markDeleted(candidates, where: predicate, in: snapshot, op: op, replacing: { batch in
                    let updated = try Self.assign(sets, to: batch, selected: Array(0..<batch.rowCount), snapshot)
                    try constraints?.check(updated) { _ in "update: a row with new values" }
                    return updated
                }, writer: writer, changes: changes)
                rewrite.adds += try writer.close()
            } else {
                try rewrite.rewrite(candidates, where: predicate, in: snapshot, writer: writer) { batch, selected in
                    guard !selected.isEmpty else { return batch }
                    let updated = try Self.assign(sets, to: batch, selected: selected, snapshot)
                    if constraints != nil || changes != nil {
                        // The rows given new values, before and after.
                        let all = selected.count == batch.rowCount
                        let after = all ? updated : updated.take(selected)
                        try constraints?.check(after) { _ in "update: a row with new values" }
                        try changes?.write(all ? batch : batch.take(selected), .updatePreimage)
                        try changes?.write(after, .updatePostimage)
                    }
                    return updated
                }
            }
            try rewrite.recordChanges(changes)
            guard !rewrite.removed.isEmpty, rewrite.rowsDeleted > 0 else { return nil }
            let now = SystemClock.nowMillis()
            var transaction = op.transaction(actions: rewrite.actions(at: now) + (txn.map { [$0.action(at: now)] } ?? []))
            if let predicate { transaction.read = rewrite.readSet(predicate, snapshot) } else {
                transaction.read = ReadSet(files: Set(rewrite.removed.map { DeltaTable.normalizedKey($0.path) }))
            }
            transaction.parameters = [("predicate", JSONValue.array(predicateText.map { [JSONValue.string($0)] } ?? []).serialized())]
            transaction.metrics = [("numUpdatedRows", rewrite.rowsDeleted), ("numCopiedRows", rewrite.rowsCopied - rewrite.rowsDeleted),
                                   ("numRemovedFiles", Int64(rewrite.removed.count)), ("numAddedFiles", Int64(rewrite.adds.count))]
            return transaction
        }
        guard let committed else { return result }
        result.committed = true
        result.version = committed.version
        result.rowsUpdated = rewrite.rowsDeleted
        result.rowsCopied = rewrite.rowsCopied - rewrite.rowsDeleted
        result.filesRemoved = rewrite.removed.count
        result.filesAdded = rewrite.adds.count
        result.deletionVectorsWritten = rewrite.vectorsWritten
        result.warnings = committed.warnings
        return result
    }

    /// `batch` with the `selected` rows given the assignments' values.
    static func assign(_ sets: [(Int, ValueExpression)], to batch: RecordBatch, selected: [Int], _ snapshot: Snapshot) throws -> RecordBatch {
        let rows = selected.count == batch.rowCount ? batch : batch.take(selected)
        var sources = batch.columns.map { [$0] }
        for (column, expression) in sets {
            let field = snapshot.schema.fields[column]
            do {
                sources[column].append(try expression.column(rows, as: field.type, nullable: field.nullable))
            } catch let error as QueryError {
                throw LakeError(.badInput, "cannot set column '\(field.name)': \(error.message); nothing was changed")
            }
        }
        // Selected rows take the new values, the others keep theirs.
        var isSelected = [Int](repeating: -1, count: batch.rowCount)
        for (j, row) in selected.enumerated() { isSelected[row] = j }
        let picks = (0..<batch.rowCount).map { row in
            isSelected[row] >= 0 ? RowRef(source: 1, row: isSelected[row]) : RowRef(source: 0, row: row)
        }
        return RecordBatch(schema: batch.schema, columns: sources.map { $0.count == 1 ? $0[0] : Column.gather($0, picks) })
    }

    /// `COL = EXPR[, COL = EXPR…]`: each column's index and its bound expression. Commas
    /// inside quotes or parentheses belong to the expression.
    static func assignments(_ text: String, _ schema: Schema) throws -> [(Int, ValueExpression)] {
        var parts: [String] = [], current = "", depth = 0, quoted = false
        for c in text {
            if c == "'" { quoted.toggle() }
            if !quoted && c == "(" { depth += 1 }
            if !quoted && c == ")" { depth -= 1 }
            if c == "," && !quoted && depth == 0 { parts.append(current); current = ""; continue }
            current.append(c)
        }
        parts.append(current)
        var out: [(Int, ValueExpression)] = []
        for part in parts {
            guard let equals = part.firstIndex(of: "=") else {
                throw LakeError(.invalidArgument, "--set '\(DisplayText.value(part.trimmingSpaces()))' is not COL = EXPR")
            }
            var column = part[..<equals].trimmingSpaces()
            if column.count > 1, column.hasPrefix("\""), column.hasSuffix("\"") { column = String(column.dropFirst().dropLast()) }
            guard let index = schema.index(of: column) ?? schema.fields.firstIndex(where: { $0.name.lowercased() == column.lowercased() }) else {
                throw LakeError(.invalidArgument, "--set: the table has no column '\(DisplayText.value(column))' (its columns: \(schema.fields.map(\.name).joined(separator: ", ")))")
            }
            guard !out.contains(where: { $0.0 == index }) else {
                throw LakeError(.invalidArgument, "--set names column '\(schema.fields[index].name)' twice")
            }
            guard schema.fields[index].type.isPrimitive, schema.fields[index].type != .binary else {
                throw LakeError(.invalidArgument, "--set: column '\(schema.fields[index].name)' is a \(schema.fields[index].type); only columns of primitive types can be set")
            }
            let expression: ValueExpression
            do { expression = try ValueExpression(parsing: String(part[part.index(after: equals)...]), schema: schema) } catch let error as QueryError {
                throw LakeError(.invalidArgument, "--set \(schema.fields[index].name): \(error.message)")
            }
            out.append((index, expression))
        }
        return out
    }
}
