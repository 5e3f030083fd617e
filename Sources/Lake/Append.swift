import Columnar
import DeltaLog
import Parquet

/// What an append did.
public struct AppendResult: Sendable {
    public var name: String
    public var version: Int64
    public var rows: Int
    public var files: Int
    public var bytes: Int64
}

extension Warehouse {
    /// Appends the rows of Parquet files to a table in one commit. Input columns are matched
    /// to the table's by name and cast where exact; a missing nullable column is null. Any
    /// bad input fails the whole append: no commit, and the data files written are removed.
    public func append(to name: TableName, files: [String]) throws -> AppendResult {
        guard !files.isEmpty else { throw LakeError(.invalidArgument, "no input files: name one or more Parquet files") }
        let resolved = try resolve(name)
        let snapshot = try resolved.table.snapshot()
        try TableFeatures.checkAppendable(snapshot.protocolAction, snapshot.metadata)
        let writer = try TableWriter(snapshot: snapshot)
        var rows = 0
        let adds: [AddFile]
        do {
            for file in files {
                let reader = try ParquetReader(path: file)
                let plan = try InputMapping(input: reader.schema.schema, table: snapshot.schema, file: file)
                for g in 0..<reader.rowGroupCount {
                    let batch = try reader.readRowGroup(g, columns: plan.inputColumns)
                    let conformed = try plan.conform(batch)
                    try writer.write(conformed)
                    rows += conformed.rowCount
                }
            }
            adds = try writer.close()
        } catch {
            writer.abort()
            throw error
        }
        var transaction = Transaction(table: resolved.table, readVersion: snapshot.version, operation: "WRITE",
                                      actions: adds.map(Action.add), isBlindAppend: true,
                                      inCommitTimestamps: snapshot.inCommitTimestampsEnabled)
        transaction.parameters = [("mode", "Append"),
                                  ("partitionBy", JSONValue.array(snapshot.metadata.partitionColumns.map(JSONValue.string)).serialized())]
        let bytes = adds.reduce(0) { $0 + $1.size }
        transaction.metrics = [("numFiles", Int64(adds.count)), ("numOutputRows", Int64(rows)), ("numOutputBytes", bytes)]
        let version: Int64
        do {
            version = try transaction.commit()
        } catch {
            writer.abort()
            throw error
        }
        if let entry = resolved.entry {
            // The commit landed; a stale index is caught up on next access if this fails.
            try? CatalogIndex.catchUp(entry, table: resolved.table, catalog: catalog(),
                                      latest: version == snapshot.version + 1 ? snapshot.appending(adds, version: version) : nil)
        }
        return AppendResult(name: resolved.displayName, version: version, rows: rows, files: adds.count, bytes: bytes)
    }
}

/// How an input file's columns become a table's: by name, cast where exact.
struct InputMapping {
    let table: Schema
    let file: String
    /// Input columns to read, in table order (nil entries: missing from the input).
    let sources: [Int?]
    let inputColumns: [String]

    init(input: Schema, table: Schema, file: String) throws {
        self.table = table
        self.file = file
        var sources: [Int?] = []
        var used = Set<String>()
        var names: [String] = []
        for field in table.fields {
            let match = input.fields.firstIndex { $0.name == field.name }
                ?? input.fields.firstIndex { $0.name.lowercased() == field.name.lowercased() }
            if let match {
                used.insert(input.fields[match].name)
                sources.append(names.count)
                names.append(input.fields[match].name)
            } else {
                guard field.nullable else {
                    throw LakeError(.badInput, "\(file): column '\(field.name)' is missing, and the table does not allow it to be null")
                }
                sources.append(nil)
            }
        }
        if let extra = input.fields.first(where: { !used.contains($0.name) }) {
            throw LakeError(.badInput, "\(file): column '\(extra.name)' (\(extra.type)) is not in the table (its columns: \(table.fields.map(\.name).joined(separator: ", ")))")
        }
        self.sources = sources
        inputColumns = names
    }

    /// The batch as the table's columns.
    func conform(_ batch: RecordBatch) throws -> RecordBatch {
        var columns: [Column] = []
        for (field, source) in zip(table.fields, sources) {
            guard let source else {
                columns.append(try Column(field.type, Array(repeating: .null, count: batch.rowCount)))
                continue
            }
            let input = batch.columns[source]
            let column: Column
            do {
                column = try Cast.column(input, to: field.type)
            } catch let error as ColumnarError {
                throw LakeError(.badInput, "\(file): column '\(field.name)' is \(input.type), the table's is \(field.type): \(error)")
            }
            if !field.nullable && column.nullCount > 0 {
                let row = (0..<column.count).first { column.isNull($0) }! + 1
                throw LakeError(.badInput, "\(file): column '\(field.name)' is null in row \(row), but the table does not allow nulls")
            }
            columns.append(column)
        }
        return RecordBatch(schema: table, columns: columns)
    }
}
