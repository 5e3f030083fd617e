import Columnar
import LakeCore

/// How delimited text is written.
public struct DelimitedOptions: Sendable {
    public var delimiter: UInt8 = UInt8(ascii: ",")
    public var quote: UInt8 = UInt8(ascii: "\"")
    public var header = true
    /// Unquoted text that also means null (an empty unquoted field always does).
    public var nullValue: String?

    public init() {}
}

/// Reads CSV (RFC 4180 and what real exports add: `""` escapes, newlines inside quotes, CRLF,
/// a UTF-8 BOM, any delimiter and quote) or TSV into batches of a table's columns.
///
/// Input is read in blocks; a row that spans blocks is completed with the next one. Fields
/// are parsed straight from the block into typed column builders. A row that does not fit
/// the table is skipped while the bad-row budget lasts, else the load stops with the file,
/// line, column, value and what was expected.
final class DelimitedReader: BatchReader {
    private let input: InputStream
    private let options: DelimitedOptions
    private(set) var table: Schema
    private let budget: BadRowBudget
    private let batchRows: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var eof = false
    private var line = 1
    private var builders: [ColumnBuilder]
    /// For each input field, the table column it fills (nil: none — only before the header check).
    private var fieldColumns: [Int] = []
    var providedColumns: Set<Int> { Set(fieldColumns) }
    private var expectedFields = 0
    /// For each input field: its column's builder, and whether that column is a string and may be null.
    private struct FieldPlan {
        var builder: Unmanaged<ColumnBuilder>
        var isString: Bool
        var nullable: Bool
    }
    private var plans = UnsafeMutableBufferPointer<FieldPlan>(start: nil, count: 0)
    /// The table columns no input field fills (null in every row).
    private var missingColumns: [Int] = []
    private let hasNullValue: Bool
    typealias FieldSpan = (start: Int, end: Int, quoted: Bool, escaped: Bool)
    /// The current row's field spans, in a buffer of their own (grown as rows need).
    private var fieldSpans = UnsafeMutablePointer<FieldSpan>.allocate(capacity: 64)
    private var fieldCapacity = 64
    private var fieldCount = 0
    private var fields: UnsafeBufferPointer<FieldSpan> { UnsafeBufferPointer(start: fieldSpans, count: fieldCount) }

    @inline(__always)
    private func appendField(_ span: FieldSpan) {
        if fieldCount == fieldCapacity {
            let grown = UnsafeMutablePointer<FieldSpan>.allocate(capacity: 2 * fieldCapacity)
            grown.moveInitialize(from: fieldSpans, count: fieldCount)
            fieldSpans.deallocate()
            fieldSpans = grown
            fieldCapacity *= 2
        }
        (fieldSpans + fieldCount).initialize(to: span)
        fieldCount += 1
    }
    /// Unescaped field text; its own allocation so field pointers stay valid while used.
    private var scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 1)
    private var nullBytes: [UInt8]
    /// The input holds no header and no rows (empty, or only blank lines).
    private var exhausted = false
    private(set) var rowsRead = 0

    var bytesRead: Int64 { input.consumed }
    var totalBytes: Int64? { input.size }

    /// With `table` nil, the header names the columns and every column is a nullable string
    /// (for schema inference).
    init(input: InputStream, table: Schema?, options: DelimitedOptions, budget: BadRowBudget, batchRows: Int = 1 << 16) throws {
        self.input = input
        let table = table ?? Schema([])
        self.options = options
        self.table = table
        self.budget = budget
        self.batchRows = batchRows
        nullBytes = Array((options.nullValue ?? "").utf8)
        hasNullValue = !nullBytes.isEmpty
        builders = table.fields.map { ColumnBuilder($0.type) }
        try readHeader()
        missingColumns = Array(Set(self.table.fields.indices).subtracting(fieldColumns)).sorted()
        plans = .allocate(capacity: fieldColumns.count)
        for (k, c) in fieldColumns.enumerated() {
            plans.initializeElement(at: k, to: FieldPlan(builder: .passUnretained(builders[c]), isString: self.table.fields[c].type == .string,
                                                         nullable: self.table.fields[c].nullable))
        }
    }

    deinit {
        scratch.deallocate()
        fieldSpans.deallocate()
        plans.deallocate()
    }

    private func fill() throws -> Bool {
        if position > 0 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        if eof { return false }
        if try !input.read(into: &buffer) { eof = true }
        bufferIsASCII = buffer.withUnsafeBytes { UTF8Bytes.isASCII($0) }
        return true
    }

    /// Whether the buffer holds ASCII only (string fields then need no UTF-8 check each).
    private var bufferIsASCII = false

    private func readHeader() throws {
        _ = try fill()
        if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        // An empty file has no rows (a quiet hour for an append; inference needs rows).
        guard !(eof && buffer.count <= position) else { exhausted = true; return }
        if !options.header {
            if table.fields.isEmpty {
                // Inference without a header: count the first row's fields.
                let status = buffer.withUnsafeBytes { b in scanRow(b) }
                if case .row = status {
                    table = Schema(fields.indices.map { Field("column_\($0 + 1)", .string) })
                    builders = table.fields.map { ColumnBuilder($0.type) }
                }
            }
            expectedFields = table.fields.count
            fieldColumns = Array(table.fields.indices)
            return
        }
        var header: [String] = []
        while true {
            let status = buffer.withUnsafeBytes { b in scanRow(b) }
            switch status {
            case .row(let next):
                header = buffer.withUnsafeBytes { b in fields.map { f in String(decoding: unquote(b, f), as: UTF8.self) } }
                position = next
            case .incomplete:
                guard try fill() else { throw IngestError(.badInput, "\(input.shownName):1: unterminated quote in the header", location: FailureLocation(file: input.name, line: 1)) }
                continue
            case .blank(let next):
                position = next
                continue
            case .unterminated:
                throw IngestError(.badInput, "\(input.shownName):1: unterminated quote in the header", location: FailureLocation(file: input.name, line: 1))
            case .garbage(let at):
                throw IngestError(.badInput, "\(input.shownName):1: unexpected character after a closing quote at byte \(at) of the header", location: FailureLocation(file: input.name, line: 1))
            case .end:
                exhausted = true
                return
            }
            break
        }
        line += headerNewlines
        if table.fields.isEmpty {
            table = Schema(header.map { Field($0.trimmingSpaces(), .string) })
            builders = table.fields.map { ColumnBuilder($0.type) }
        }
        if header.count == 1, table.fields.count > 1,
           let other = [(";", "';'"), ("|", "'|'"), ("\t", "$'\\t' (or --format tsv)")].first(where: { header[0].contains($0.0) }) {
            throw IngestError(.badInput, "\(input.shownName):1: the header is one column, \(excerpt(header[0])); if the file is separated by \(other.0 == "\t" ? "tabs" : other.1), give --delimiter \(other.1)", location: FailureLocation(file: input.name, line: 1))
        }
        var used = Set<Int>()
        // Names to columns, built once (the first column of a name wins, exactly, then ignoring case).
        var exact: [String: Int] = [:], folded: [String: Int] = [:]
        for (c, field) in table.fields.enumerated().reversed() {
            exact[field.name] = c
            folded[field.name.lowercased()] = c
        }
        for name in header {
            let trimmedName = name.trimmingSpaces()
            guard let c = exact[trimmedName] ?? folded[trimmedName.lowercased()] else {
                throw IngestError(.badInput, "\(input.shownName):1:\(DisplayText.value(trimmedName)): no such column in the table (its columns: \(table.fields.map(\.name).joined(separator: ", "))); add it with --merge-schema or lake alter TABLE add-column", location: FailureLocation(file: input.name, line: 1))
            }
            guard used.insert(c).inserted else {
                throw IngestError(.badInput, "\(input.shownName):1:\(DisplayText.value(trimmedName)): the column appears twice in the header", location: FailureLocation(file: input.name, line: 1))
            }
            fieldColumns.append(c)
        }
        for (c, field) in table.fields.enumerated() where !used.contains(c) && !field.nullable {
            throw IngestError(.badInput, "\(input.shownName):1: column '\(field.name)' is missing from the header, and the table does not allow it to be null", location: FailureLocation(file: input.name, line: 1))
        }
        expectedFields = header.count
    }

    private var headerNewlines = 0

    private enum RowStatus {
        /// A row's fields are in `fields`; the next row starts at the position given.
        case row(Int)
        /// An empty line, skipped.
        case blank(Int)
        /// The block ends inside the row.
        case incomplete
        /// The input ends inside a quoted field.
        case unterminated
        /// Text after a closing quote.
        case garbage(Int)
        /// No more input.
        case end
    }

    /// Finds the fields of the row at `position`; counts its newlines into `headerNewlines`.
    private func scanRow(_ b: UnsafeRawBufferPointer) -> RowStatus {
        fieldCount = 0
        headerNewlines = 0
        let n = b.count
        let delimiter = options.delimiter, quote = options.quote
        var p = position
        if p < n && (b[p] == 0x0A || b[p] == 0x0D) {
            // An empty line.
            var q = p + 1
            if b[p] == 0x0D { if q < n && b[q] == 0x0A { q += 1 } else if q == n && !eof { return .incomplete } }
            headerNewlines = 1
            return .blank(q)
        }
        if p >= n { return eof ? .end : .incomplete }
        while true {
            if p < n && b[p] == quote {
                // Quoted field.
                var q = p + 1
                var escaped = false
                while true {
                    guard q < n else { return eof ? .unterminated : .incomplete }
                    let c = b[q]
                    if c == quote {
                        if q + 1 < n && b[q + 1] == quote { escaped = true; q += 2; continue }
                        if q + 1 == n && !eof { return .incomplete }
                        break
                    }
                    if c == 0x0A { headerNewlines += 1 }
                    q += 1
                }
                appendField((p + 1, q, true, escaped))
                p = q + 1
            } else {
                var q = p
                // Eight bytes at a time while none ends the field.
                if let base = b.baseAddress {
                    let d = UInt64(delimiter) &* 0x0101_0101_0101_0101
                    while q + 8 <= n {
                        let w = base.loadUnaligned(fromByteOffset: q, as: UInt64.self)
                        let x = w ^ d, l = w ^ 0x0A0A_0A0A_0A0A_0A0A, r = w ^ 0x0D0D_0D0D_0D0D_0D0D
                        let ones: UInt64 = 0x0101_0101_0101_0101
                        let hit = ((x &- ones) & ~x | (l &- ones) & ~l | (r &- ones) & ~r) & 0x8080_8080_8080_8080
                        if hit != 0 { q += hit.trailingZeroBitCount >> 3; break }
                        q += 8
                    }
                }
                while q < n {
                    let c = b[q]
                    if c == delimiter || c == 0x0A || c == 0x0D { break }
                    q += 1
                }
                if q == n && !eof { return .incomplete }
                appendField((p, q, false, false))
                p = q
            }
            // After a field: delimiter, end of line, or end of input.
            if p >= n {
                if !eof { return .incomplete }
                return .row(p)
            }
            let c = b[p]
            if c == delimiter { p += 1; continue }
            if c == 0x0A { headerNewlines += 1; return .row(p + 1) }
            if c == 0x0D {
                if p + 1 < n { headerNewlines += 1; return .row(b[p + 1] == 0x0A ? p + 2 : p + 1) }
                if !eof { return .incomplete }
                headerNewlines += 1
                return .row(p + 1)
            }
            return .garbage(p - position)
        }
    }

    /// A field's text, with `""` escapes undone.
    private func unquote(_ b: UnsafeRawBufferPointer, _ f: (start: Int, end: Int, quoted: Bool, escaped: Bool)) -> UnsafeRawBufferPointer {
        let raw = UnsafeRawBufferPointer(rebasing: b[f.start..<f.end])
        guard f.escaped else { return raw }
        if scratch.count < raw.count {
            scratch.deallocate()
            scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: raw.count, alignment: 1)
        }
        var i = 0, n = 0
        while i < raw.count {
            scratch[n] = raw[i]
            n += 1
            i += raw[i] == options.quote ? 2 : 1
        }
        return UnsafeRawBufferPointer(rebasing: scratch[0..<n])
    }

    /// The line each row of the last batch starts on.
    private var batchLines: [Int] = []

    func location(ofRow row: Int) -> RowLocation { .line(batchLines[row]) }

    /// The next batch of rows, or nil at the end of the input.
    func next() throws -> RecordBatch? {
        if exhausted { return nil }
        var rows = 0
        batchLines.removeAll(keepingCapacity: true)
        while rows < batchRows {
            let status = buffer.withUnsafeBytes { b -> (RowStatus, Int) in
                var added = 0
                while rows + added < batchRows {
                    let status = scanRow(b)
                    guard case .row(let next) = status else { return (status, added) }
                    let rowLine = line
                    line += headerNewlines
                    position = next
                    if appendRow(b, line: rowLine) {
                        added += 1
                        batchLines.append(rowLine)
                    }
                    if failure != nil { return (.row(next), added) }
                }
                return (.row(position), added)
            }
            rows += status.1
            if let failure { self.failure = nil; throw failure }
            switch status.0 {
            case .row:
                continue
            case .end:
                break
            case .blank(let next):
                position = next
                line += headerNewlines
            case .incomplete:
                if try !fill() { break }
            case .unterminated:
                throw IngestError(.badInput, "\(input.shownName):\(line): unterminated quote (a quoted field runs to the end of the file)")
            case .garbage(let offset):
                let bad = BadRow(file: input.name, line: line, column: nil,
                                 message: "unexpected text after a closing quote (at character \(offset + 1) of the row)")
                try budget.record(bad)
                try skipLine()
            }
            if eof && position >= buffer.count { break }
        }
        rowsRead += rows
        if rows == 0 { return nil }
        return RecordBatch(schema: table, columns: builders.map { $0.finish() })
    }

    private var failure: Error?

    /// Skips to the next line after a malformed row.
    private func skipLine() throws {
        while true {
            if let nl = buffer[position...].firstIndex(of: 0x0A) {
                position = nl + 1
                line += 1
                return
            }
            if try !fill() { position = buffer.count; return }
        }
    }

    /// Appends the fields in `fields` as one row; false when the row was skipped. A row the
    /// budget cannot absorb sets `failure`.
    private func appendRow(_ b: UnsafeRawBufferPointer, line: Int) -> Bool {
        if fields.count != expectedFields {
            let bad = BadRow(file: input.name, line: line, column: nil,
                             message: "the row has \(fields.count) field\(fields.count == 1 ? "" : "s"), expected \(expectedFields)")
            do { try budget.record(bad) } catch { failure = error }
            return false
        }
        let start = builders[0].count
        // The fields go into their columns through unsafe buffers (no reference counting per field).
        var fatal: Error?
        var failed: (field: Int, error: CellError?)?
        let fields = fields, plans = plans, ascii = bufferIsASCII
        for k in 0..<fields.count {
            let f = fields[k], plan = plans[k]
            let text = unquote(b, f)
            failed = plan.builder._withUnsafeGuaranteedRef { builder -> (field: Int, error: CellError?)? in
                if (text.isEmpty && !(f.quoted && plan.isString)) || (!f.quoted && hasNullValue && text.elementsEqual(nullBytes)) {
                    guard plan.nullable else { return (k, nil) }
                    builder.appendNull()
                } else if plan.isString && ascii {
                    builder.append(validText: text)
                } else {
                    do { try builder.append(text: text) } catch let error as CellError { return (k, error) } catch { fatal = error; return (k, nil) }
                }
                return nil
            }
            if failed != nil { break }
        }
        if let fatal { failure = fatal; return false }
        if let (k, error) = failed {
            rollback(start)
            let c = fieldColumns[k]
            let message = error.map { "\(excerpt(unquote(b, fields[k]))) is not \($0.expected)" }
                ?? "null (empty field) in a column that does not allow nulls"
            do { try budget.record(BadRow(file: input.name, line: line, column: table.fields[c].name, message: message)) } catch { failure = error }
            return false
        }
        // Table columns the input does not have.
        for c in missingColumns { builders[c].appendNull() }
        return true
    }

    private func rollback(_ count: Int) {
        for b in builders { b.truncate(to: count) }
    }
}

/// A source of batches in a table's columns.
protocol BatchReader: AnyObject {
    func next() throws -> RecordBatch?
    /// Where row `row` of the last batch is in the input: its line, or its row number.
    func location(ofRow row: Int) -> RowLocation
    var bytesRead: Int64 { get }
    var totalBytes: Int64? { get }
    /// The table columns (by index) the input has given values for so far; the others are
    /// filled with nulls.
    var providedColumns: Set<Int> { get }
}
