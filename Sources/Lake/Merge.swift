import Columnar
import DeltaLog
import Ingest
import LakeCore
import Query

/// What `lake merge` does with each kind of row.
public struct MergeRequest: Sendable {
    public enum Matched: String, Sendable, CaseIterable { case update, delete, ignore }
    public enum NotMatched: String, Sendable, CaseIterable { case insert, ignore }
    public enum NotMatchedBySource: String, Sendable, CaseIterable { case delete, ignore }

    /// The key columns: a target row matches the source row with equal (non-null) keys.
    public var on: [String]
    public var whenMatched: Matched = .update
    public var whenNotMatched: NotMatched = .insert
    public var whenNotMatchedBySource: NotMatchedBySource = .ignore

    public init(on: [String]) { self.on = on }
}

extension Warehouse {
    /// Merges the rows of input files into a table by key, in one `MERGE` commit (an upsert,
    /// or a CDC apply): matched target rows are replaced by their source row (or deleted, or
    /// left), source rows without a match are inserted (or not), and with
    /// `whenNotMatchedBySource = .delete` target rows no source row matches are deleted.
    ///
    /// The source is held in memory (keyed), the table is read a file at a time: only files
    /// whose partition values and key statistics may hold a source key are read (all of them
    /// when unmatched target rows are deleted), and only those with a row to change are
    /// rewritten (copy-on-write). A key twice in the source ends the command naming it.
    public func merge(_ name: TableName, files: [String], _ request: MergeRequest, options: LoadOptions = LoadOptions(),
                      progress: ((Int64, Int64?) -> Void)? = nil) throws -> DeleteResult {
        guard !files.isEmpty else { throw LakeError(.invalidArgument, "no input: name one or more files, or - for stdin") }
        // Stdin cannot be read again: a merge from it is not re-planned.
        guard !files.contains("-") else { return try mergeOnce(name, files, request, options, progress) }
        return try replanningOnConflict { try mergeOnce(name, files, request, options, progress) }
    }

    private func mergeOnce(_ name: TableName, _ files: [String], _ request: MergeRequest, _ options: LoadOptions,
                           _ progress: ((Int64, Int64?) -> Void)?) throws -> DeleteResult {
        let operation = try WriteOperation(self, name, operation: "MERGE")
        let base = operation.snapshot
        var result = DeleteResult(operation, txn: options.transaction)
        if result.skipped != nil { return result }
        // With --merge-schema the source's new columns join the schema in this commit; the
        // table is then read and written as that schema (old files give nulls for them).
        var snapshot = base, evolution: [Action] = []
        if options.mergeSchema {
            var plan = try SchemaChangePlan(snapshot: base)
            if try !plan.merge(inputs: files, options: options.ingest).isEmpty {
                let metadata = base.metadata.replacing(schema: plan.schema, configuration: plan.configuration)
                snapshot = try base.evolved(metadata: metadata, protocolAction: plan.protocolAction)
                if plan.protocolAction.raw != base.protocolAction.raw { evolution.append(.protocolAction(plan.protocolAction)) }
                evolution.append(.metaData(metadata))
            }
        }
        let keyColumns = try request.on.map { key -> Int in
            guard let index = snapshot.schema.index(of: key) ?? snapshot.schema.fields.firstIndex(where: { $0.name.lowercased() == key.lowercased() }) else {
                throw LakeError(.invalidArgument, "--on: the table has no column '\(DisplayText.value(key))' (its columns: \(snapshot.schema.fields.map(\.name).joined(separator: ", ")))")
            }
            guard snapshot.schema.fields[index].type.isPrimitive else {
                throw LakeError(.invalidArgument, "--on: '\(key)' is a \(snapshot.schema.fields[index].type) column; keys must be of primitive types")
            }
            return index
        }
        // Every source row passes the table's constraints (those it updates with and inserts).
        let source = try MergeSource(files: files, snapshot: snapshot, keys: keyColumns, options: options,
                                     check: try operation.constraints(for: snapshot), progress: progress)
        let pruning = source.rangePredicate(snapshot)
        let bounds = FileBounds(snapshot: snapshot)
        let deletesUnmatched = request.whenNotMatchedBySource == .delete
        let candidates = snapshot.files.filter { file in
            deletesUnmatched || (pruning?.mightMatch { bounds.partition(file, $0) ?? bounds.stats(file, $0) } ?? true)
        }
        var rewrite = RowRemoval()
        var matchedSource = Set<RowRef>()
        var updated: Int64 = 0, deleted: Int64 = 0, inserted: Int64 = 0, insertedFiles: [AddFile] = []
        let committed = try operation.run { op in
            let writer = try op.writer(for: snapshot)
            let changeData = try op.changeData(for: snapshot)
            // Copy-on-write keeps one file for one; with vectors this writer holds the updates.
            if !snapshot.writesDeletionVectors { writer.targetFileSize = .max }
            for file in candidates {
                // First the keys alone: a file with no row to change is not rewritten (its
                // matches still count: those source rows are not inserted).
                let probe = ScanExecutor(ScanPlan.reading([file], of: snapshot, columns: keyColumns))
                var changes = false
                while let batch = try probe.next() {
                    for match in source.matches(batch, columns: Array(0..<keyColumns.count)) {
                        if let match {
                            matchedSource.insert(match)
                            if request.whenMatched != .ignore { changes = true }
                        } else if deletesUnmatched {
                            changes = true
                        }
                    }
                }
                guard changes else { continue }
                if snapshot.writesDeletionVectors {
                    // The changed rows marked deleted in a vector; updates written as new rows.
                    // (Every column is read when the changed rows go to change data.)
                    let scan = ScanExecutor(ScanPlan.reading([file], of: snapshot, columns: changeData == nil ? keyColumns : nil))
                    let keys = changeData == nil ? Array(0..<keyColumns.count) : keyColumns
                    scan.tracksPositions = true
                    var marked: [UInt64] = [], replacements: [RowRef] = []
                    while let batch = try scan.next() {
                        var changed = ChangedRows()
                        for (row, match) in source.matches(batch, columns: keys).enumerated() {
                            if let match {
                                guard request.whenMatched != .ignore else { continue }
                                marked.append(scan.positions[row])
                                if request.whenMatched == .update {
                                    replacements.append(match)
                                    changed.updated(row, to: match)
                                    updated += 1
                                } else {
                                    changed.deleted.append(row)
                                    deleted += 1
                                }
                            } else if deletesUnmatched {
                                marked.append(scan.positions[row])
                                changed.deleted.append(row)
                                deleted += 1
                            }
                        }
                        try changed.record(batch, source.batches, in: changeData)
                    }
                    if !replacements.isEmpty { try writer.write(RecordBatch.gather(source.batches, replacements)) }
                    try rewrite.mark(file, marked, in: snapshot, op: op)
                    continue
                }
                rewrite.removed.append(file)
                let rows = RowStream(ScanExecutor(ScanPlan.reading([file], of: snapshot)))
                while let batch = try rows.next() {
                    let matches = source.matches(batch, columns: keyColumns)
                    var picks: [RowRef] = []
                    picks.reserveCapacity(batch.rowCount)
                    var changed = ChangedRows()
                    for row in 0..<batch.rowCount {
                        if let match = matches[row] {
                            matchedSource.insert(match)
                            switch request.whenMatched {
                            case .update:
                                picks.append(RowRef(source: Int(match.source) + 1, row: Int(match.row)))
                                changed.updated(row, to: match)
                                updated += 1
                            case .delete:
                                changed.deleted.append(row)
                                deleted += 1
                            case .ignore: picks.append(RowRef(source: 0, row: row))
                            }
                        } else if deletesUnmatched {
                            changed.deleted.append(row)
                            deleted += 1
                        } else {
                            picks.append(RowRef(source: 0, row: row))
                        }
                    }
                    try changed.record(batch, source.batches, in: changeData)
                    guard !picks.isEmpty else { continue }
                    rewrite.rowsCopied += Int64(picks.count)
                    try writer.write(RecordBatch.gather([batch] + source.batches, picks))
                }
                try writer.finishOpenFiles()
            }
            rewrite.adds += try writer.close()
            if request.whenNotMatched == .insert {
                let inserts = try op.writer(for: snapshot)
                for (b, batch) in source.batches.enumerated() {
                    let rows = (0..<batch.rowCount).filter { !matchedSource.contains(RowRef(source: b, row: $0)) }
                    guard !rows.isEmpty else { continue }
                    inserted += Int64(rows.count)
                    let insert = rows.count == batch.rowCount ? batch : batch.take(rows)
                    try inserts.write(insert)
                    try changeData?.write(insert, .insert)
                }
                insertedFiles = try inserts.close()
            }
            try rewrite.recordChanges(changeData)
            guard !rewrite.removed.isEmpty || !insertedFiles.isEmpty else { return nil }
            // (A schema change alone, with no row merged, is not committed.)
            let now = SystemClock.nowMillis()
            var actions = evolution + rewrite.actions(at: now) + insertedFiles.map(Action.add)
            if let txn = options.transaction { actions.append(txn.action(at: now)) }
            var transaction = op.transaction(actions: actions)
            // What the merge read: the files it looked into, and the source keys' range.
            transaction.read = pruning.map { rewrite.readSet($0, snapshot) }
                ?? ReadSet(files: Set(rewrite.removed.map { DeltaTable.normalizedKey($0.path) }), predicate: { _ in true })
            if deletesUnmatched {
                transaction.read = ReadSet(files: Set(candidates.map { DeltaTable.normalizedKey($0.path) }), predicate: { _ in true })
            }
            transaction.parameters = [
                ("predicate", JSONValue.array([.string(request.on.map { "target.\($0) = source.\($0)" }.joined(separator: " AND "))]).serialized()),
                ("matchedPredicates", "[{\"actionType\":\"\(request.whenMatched.rawValue)\"}]"),
                ("notMatchedPredicates", "[{\"actionType\":\"\(request.whenNotMatched.rawValue)\"}]"),
                ("notMatchedBySourcePredicates", "[{\"actionType\":\"\(request.whenNotMatchedBySource.rawValue)\"}]"),
            ]
            transaction.metrics = [
                ("numSourceRows", Int64(source.rows)), ("numTargetRowsUpdated", updated), ("numTargetRowsDeleted", deleted),
                ("numTargetRowsInserted", inserted), ("numTargetRowsCopied", snapshot.writesDeletionVectors ? 0 : rewrite.rowsCopied - updated),
                ("numTargetFilesRemoved", Int64(rewrite.removed.count)),
                ("numTargetFilesAdded", Int64(rewrite.adds.count + insertedFiles.count)),
            ]
            return transaction
        }
        guard let committed else { return result }
        result.committed = true
        result.version = committed.version
        result.rowsUpdated = updated
        result.rowsDeleted = deleted
        result.rowsInserted = inserted
        result.rowsCopied = snapshot.writesDeletionVectors ? 0 : rewrite.rowsCopied - updated
        result.filesRemoved = rewrite.removed.count
        result.filesAdded = rewrite.adds.count + insertedFiles.count
        result.deletionVectorsWritten = rewrite.vectorsWritten
        result.warnings = committed.warnings
        return result
    }
}

/// The target rows of one batch a merge changes, for its change data: those deleted, and
/// those updated with the source row that replaces each.
private struct ChangedRows {
    var deleted: [Int] = []
    var preimages: [Int] = []
    var postimages: [RowRef] = []

    mutating func updated(_ row: Int, to source: RowRef) {
        preimages.append(row)
        postimages.append(source)
    }

    /// Writes them to `changes` (nothing without it).
    func record(_ batch: RecordBatch, _ source: [RecordBatch], in changes: ChangeDataWriter?) throws {
        guard let changes else { return }
        if !deleted.isEmpty { try changes.write(batch.take(deleted), .delete) }
        if !preimages.isEmpty {
            try changes.write(batch.take(preimages), .updatePreimage)
            try changes.write(RecordBatch.gather(source, postimages), .updatePostimage)
        }
    }
}

/// A merge's source rows in memory, indexed by key: by the integer itself for one integer
/// key column (the common case, no allocation per row), else by the key's bytes.
private struct MergeSource {
    var batches: [RecordBatch] = []
    /// Each non-null key's row.
    var index: [[UInt8]: RowRef] = [:]
    var integers: [Int64: RowRef]?
    var rows = 0
    let keyColumns: [Int]

    /// The source row each row of `batch` matches (nil: none, or a null key), its keys at `columns`.
    func matches(_ batch: RecordBatch, columns: [Int]) -> [RowRef?] {
        if let integers, let values = Self.integerKeys(batch.columns[columns[0]]) {
            let column = batch.columns[columns[0]]
            return (0..<batch.rowCount).map { column.isNull($0) ? nil : integers[values[$0]] }
        }
        return Self.keys(batch, columns: columns).map { $0.flatMap { index[$0] } }
    }

    /// An integer column's values as Int64 (nil for other types).
    static func integerKeys(_ column: Column) -> [Int64]? {
        switch column.storage {
        case .int8(let v): return v.map(Int64.init)
        case .int16(let v): return v.map(Int64.init)
        case .int32(let v): return v.map(Int64.init)
        case .int64(let v): return v
        default: return nil
        }
    }

    init(files: [String], snapshot: Snapshot, keys: [Int], options: LoadOptions, check: TableConstraints?,
         progress: ((Int64, Int64?) -> Void)?) throws {
        keyColumns = keys
        var collected: [RecordBatch] = []
        try Ingest.read(files, table: snapshot.schema, options: options.ingest, budget: BadRowBudget(limit: options.maxBadRows),
                        check: check, progress: progress) { collected.append($0) }
        batches = collected
        if keys.count == 1, batches.allSatisfy({ Self.integerKeys($0.columns[keys[0]]) != nil }) { integers = [:] }
        for (b, batch) in batches.enumerated() {
            rows += batch.rowCount
            let integerKeys = integers == nil ? nil : Self.integerKeys(batch.columns[keys[0]])
            let byteKeys = integerKeys == nil ? Self.keys(batch, columns: keys) : []
            for row in 0..<batch.rowCount {
                let ref = RowRef(source: b, row: row), duplicate: Bool
                if let integerKeys {
                    guard !batch.columns[keys[0]].isNull(row) else { continue }  // a NULL key matches nothing
                    duplicate = integers!.updateValue(ref, forKey: integerKeys[row]) != nil
                } else {
                    guard let key = byteKeys[row] else { continue }
                    duplicate = index.updateValue(ref, forKey: key) != nil
                }
                if duplicate {
                    let shown = keys.map { c -> String in
                        var text: [UInt8] = []
                        ColumnText.appendJSON(batch.columns[c], row, to: &text)
                        return "\(snapshot.schema.fields[c].name)=\(DisplayText.value(String(decoding: text, as: UTF8.self)))"
                    }
                    throw LakeError(.badInput, "the source holds the key \(shown.joined(separator: ", ")) more than once; a merge needs one source row per key")
                }
            }
        }
    }

    /// Each row's key bytes (nil when a key column is null).
    static func keys(_ batch: RecordBatch, columns: [Int]) -> [[UInt8]?] {
        let keyed = SortKeyEncoder.lexicographic(columns).keys(batch)
        guard case .bytes(let offsets, let bytes) = keyed.storage else { return [] }
        return (0..<batch.rowCount).map { row in
            columns.contains { batch.columns[$0].isNull(row) } ? nil : Array(bytes[offsets[row]..<offsets[row + 1]])
        }
    }

    /// `k BETWEEN min AND max` for every key column (nil when the source has no key): target
    /// files outside it hold no source key.
    func rangePredicate(_ snapshot: Snapshot) -> Predicate? {
        var conditions: [Expression] = []
        for column in keyColumns {
            let field = snapshot.schema.fields[column]
            var low: (key: [UInt8], literal: Literal)?, high: (key: [UInt8], literal: Literal)?
            for batch in batches {
                let keys = Self.keys(batch, columns: [column])
                for row in 0..<batch.rowCount {
                    guard let key = keys[row] else { continue }
                    if low == nil || key.lexicographicallyPrecedes(low!.key), let l = Self.literal(batch.columns[column], row, field.type) { low = (key, l) }
                    if high == nil || high!.key.lexicographicallyPrecedes(key), let l = Self.literal(batch.columns[column], row, field.type) { high = (key, l) }
                }
            }
            guard let low, let high else { return nil }
            conditions.append(.between(.column(field.name), .literal(low.literal), .literal(high.literal), negated: false))
        }
        guard var condition = conditions.first else { return nil }
        for next in conditions.dropFirst() { condition = .and(condition, next) }
        return try? Predicate(condition, schema: snapshot.schema)
    }

    /// A key value as a literal the predicate compares with its column.
    static func literal(_ column: Column, _ row: Int, _ type: DataType) -> Literal? {
        switch (column.value(at: row), type) {
        case (.int(let v), .date): return .date(v)
        case (.int(let v), .timestamp): return .timestamp(v, hasZone: true)
        case (.int(let v), .timestampNTZ): return .timestamp(v, hasZone: false)
        case (.int(let v), _): return .integer(v)
        case (.decimal(let v), .decimal(_, let s)): return .decimal(v, scale: s)
        case (.double(let d), _): return .double(d)
        case (.float(let f), _): return .double(Double(f))
        case (.string(let s), _): return .string(s)
        case (.bool(let b), _): return .boolean(b)
        default: return nil
        }
    }
}
