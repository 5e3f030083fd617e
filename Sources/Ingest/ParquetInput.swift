import Columnar
import Parquet

/// Reads a Parquet file's row groups as batches of a table's columns: matched by name, cast
/// where exact, a missing nullable column null.
final class ParquetInput: BatchReader {
    private let reader: ParquetReader
    private let table: Schema
    private let name: String
    /// For each table column, the position among `inputColumns` (nil: missing from the file).
    private let sources: [Int?]
    var providedColumns: Set<Int> { Set(sources.indices.filter { sources[$0] != nil }) }
    private let inputColumns: [String]
    private var group = 0
    private var read: Int64 = 0

    var bytesRead: Int64 { read }
    var totalBytes: Int64? { Int64(reader.rowCount) }

    init(path: String, table: Schema) throws {
        do {
            reader = try ParquetReader(path: path)
        } catch let error as ParquetError {
            throw IngestError(error.kind == .notFound ? .notFound : .badInput, "\(error)")
        }
        self.table = table
        name = path
        var sources: [Int?] = []
        var used = Set<String>()
        var names: [String] = []
        let input = reader.schema.schema
        for field in table.fields {
            let match = input.fields.firstIndex { $0.name == field.name }
                ?? input.fields.firstIndex { $0.name.lowercased() == field.name.lowercased() }
            if let match {
                used.insert(input.fields[match].name)
                sources.append(names.count)
                names.append(input.fields[match].name)
            } else {
                guard field.nullable else {
                    throw IngestError(.badInput, "\(path): column '\(field.name)' is missing, and the table does not allow it to be null")
                }
                sources.append(nil)
            }
        }
        if let extra = input.fields.first(where: { !used.contains($0.name) }) {
            throw IngestError(.badInput, "\(path): column \(excerpt(extra.name)) (\(extra.type)) is not in the table (its columns: \(table.fields.map(\.name).joined(separator: ", "))); add it with --merge-schema or lake alter TABLE add-column")
        }
        if let (column, reason) = reader.schema.unsupportedColumns.first {
            throw IngestError(.badInput, "\(path): column '\(column)': \(reason)")
        }
        self.sources = sources
        inputColumns = names
    }

    /// Rows of the input before the last batch.
    private var rowsBefore: Int64 = 0

    func location(ofRow row: Int) -> RowLocation { .row(rowsBefore + Int64(row) + 1) }

    func next() throws -> RecordBatch? {
        guard group < reader.rowGroupCount else { return nil }
        rowsBefore = read
        let batch: RecordBatch
        do {
            batch = try reader.readRowGroup(group, columns: inputColumns)
        } catch let error as ParquetError {
            throw IngestError(.badInput, "\(error)")
        }
        group += 1
        read += Int64(batch.rowCount)
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
                throw IngestError(.badInput, "\(name): column '\(field.name)' is \(input.type), the table's is \(field.type): \(error)")
            }
            if !field.nullable && column.nullCount > 0 {
                let row = (0..<column.count).first { column.isNull($0) }! + 1
                throw IngestError(.badInput, "\(name): column '\(field.name)' is null in row \(row) of row group \(group), but the table does not allow nulls")
            }
            columns.append(column)
        }
        return RecordBatch(schema: table, columns: columns)
    }
}
