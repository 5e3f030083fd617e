import Columnar
import LakeCore

/// Reads newline-delimited JSON (one object per line; blank lines skipped) into batches of a
/// table's columns. Keys map to columns by name; absent keys are null; nested objects fill
/// struct and map columns, arrays fill array columns.
final class NDJSONReader: BatchReader {
    private(set) var providedColumns = Set<Int>()
    private let input: InputStream
    private let table: Schema
    private let budget: BadRowBudget
    private let batchRows: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var eof = false
    private var line = 0
    private let builders: [ColumnBuilder]
    private var columnByName: [String: Int] = [:]
    private(set) var rowsRead = 0

    var bytesRead: Int64 { input.consumed }
    var totalBytes: Int64? { input.size }

    init(input: InputStream, table: Schema, budget: BadRowBudget, batchRows: Int = 1 << 16) {
        self.input = input
        self.table = table
        self.budget = budget
        self.batchRows = batchRows
        builders = table.fields.map { ColumnBuilder($0.type) }
        for (i, f) in table.fields.enumerated() {
            columnByName[f.name] = i
            if columnByName[f.name.lowercased()] == nil { columnByName[f.name.lowercased()] = i }
        }
    }

    /// The next line's bytes (without the newline), or nil at the end.
    private func nextLine() throws -> Range<Int>? {
        while true {
            if let nl = buffer[position...].firstIndex(of: 0x0A) {
                defer { position = nl + 1 }
                line += 1
                var end = nl
                if end > position && buffer[end - 1] == 0x0D { end -= 1 }
                return position..<end
            }
            if eof {
                guard position < buffer.count else { return nil }
                defer { position = buffer.count }
                line += 1
                return position..<buffer.count
            }
            buffer.removeSubrange(0..<position)
            position = 0
            if try !input.read(into: &buffer) { eof = true }
        }
    }

    /// The line of each row of the last batch.
    private var batchLines: [Int] = []

    func location(ofRow row: Int) -> RowLocation { .line(batchLines[row]) }

    func next() throws -> RecordBatch? {
        var rows = 0
        batchLines.removeAll(keepingCapacity: true)
        while rows < batchRows, var range = try nextLine() {
            if line == 1 && buffer[range].starts(with: [0xEF, 0xBB, 0xBF]) { range = (range.lowerBound + 3)..<range.upperBound }
            if try appendLine(range) {
                rows += 1
                batchLines.append(line)
            }
        }
        rowsRead += rows
        if rows == 0 { return nil }
        return RecordBatch(schema: table, columns: builders.map { $0.finish() })
    }

    /// Appends one line's object; false when it was blank or skipped.
    private func appendLine(_ range: Range<Int>) throws -> Bool {
        let json: JSONValue
        do {
            let parsed = try buffer.withUnsafeBytes { b -> JSONValue? in
                let bytes = UnsafeRawBufferPointer(rebasing: b[range])
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
                if bytes.contains(where: { $0 >= 0x80 }) && !TextParsing.isValidUTF8(bytes) {
                    throw JSONError(message: "the line is not valid UTF-8", offset: 0)
                }
                return try JSONValue.parse(bytes)
            }
            guard let parsed else { return false }
            json = parsed
        } catch let error as JSONError {
            try budget.record(BadRow(file: input.name, line: line, column: nil, message: "not a JSON object: \(error.message) (at character \(error.offset + 1))"))
            return false
        }
        guard case .object(let members) = json else {
            try budget.record(BadRow(file: input.name, line: line, column: nil, message: "the line is not a JSON object"))
            return false
        }
        let start = builders[0].count
        var seen = [Bool](repeating: false, count: builders.count)
        for (key, value) in members {
            guard let c = columnByName[key] ?? columnByName[key.lowercased()] else {
                rollback(start)
                throw IngestError(.badInput, "\(input.shownName):\(line): key \(excerpt(key)) is not a column of the table (its columns: \(table.fields.map(\.name).joined(separator: ", "))); add it with --merge-schema or lake alter TABLE add-column")
            }
            guard !seen[c] else { continue }
            seen[c] = true
            providedColumns.insert(c)
            if value == .null && !table.fields[c].nullable {
                rollback(start)
                try budget.record(BadRow(file: input.name, line: line, column: table.fields[c].name,
                                         message: "null in a column that does not allow nulls"))
                return false
            }
            do {
                try builders[c].append(json: value)
            } catch let error as CellError {
                rollback(start)
                try budget.record(BadRow(file: input.name, line: line, column: table.fields[c].name,
                                         message: "\(DisplayText.value(value.serialized())) is not \(error.expected)"))
                return false
            }
        }
        for c in builders.indices where !seen[c] {
            guard table.fields[c].nullable else {
                rollback(start)
                try budget.record(BadRow(file: input.name, line: line, column: table.fields[c].name,
                                         message: "the key is missing, and the column does not allow nulls"))
                return false
            }
            builders[c].appendNull()
        }
        return true
    }

    private func rollback(_ count: Int) {
        for b in builders { b.truncate(to: count) }
    }
}
