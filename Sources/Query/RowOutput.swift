import Columnar
import LakeCore
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The text formats `scan` prints rows in.
public enum TextFormat: String, CaseIterable, Sendable {
    case table, csv, tsv, json, jsonl
}

/// Buffered writes to a file descriptor (stdout by default).
public final class OutputStream {
    private var buffer: [UInt8] = []
    private let fd: Int32

    public init(fd: Int32 = 1) {
        self.fd = fd
        buffer.reserveCapacity(1 << 20)
    }

    /// Appends through `body`, flushing when the buffer passes 1 MiB.
    @inline(__always)
    public func write(_ body: (inout [UInt8]) -> Void) throws {
        body(&buffer)
        if buffer.count >= 1 << 20 { try flush() }
    }

    public func flush() throws {
        var done = 0
        try buffer.withUnsafeBytes { raw in
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EPIPE { throw OutputClosed() }
                    throw OutputClosed()
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The reader of the output went away (a closed pipe, as with `| head`).
public struct OutputClosed: Error {}

/// Prints batches of rows in one of the ``TextFormat``s, streaming: memory stays bounded
/// whatever the number of rows (the table format measures column widths on its first rows).
public final class RowPrinter {
    private let format: TextFormat
    private let out: OutputStream
    private let schema: Schema
    private var rowsWritten = 0
    private var keys: [[UInt8]] = []
    // Table format: rows held until widths are known.
    private var tableRows: [[String?]] = []
    private var widths: [Int] = []
    private var tableHeaderDone = false
    private static let tableSampleRows = 1000
    private static let tableMaxWidth = 40

    public init(format: TextFormat, schema: Schema, output: OutputStream) {
        self.format = format
        self.out = output
        self.schema = schema
        keys = schema.fields.map { name in
            var key: [UInt8] = []
            ColumnText.appendJSONKey(name.name, to: &key)
            return key
        }
    }

    /// Prints the header, if the format has one (call once, before rows).
    public func begin() throws {
        switch format {
        case .csv, .tsv:
            let delimiter = UInt8(ascii: format == .csv ? "," : "\t")
            try out.write { buffer in
                for (i, field) in schema.fields.enumerated() {
                    if i > 0 { buffer.append(delimiter) }
                    Self.appendDelimited(Array(field.name.utf8), delimiter: delimiter, emptyQuoted: false, to: &buffer)
                }
                buffer.append(0x0A)
            }
        case .json:
            try out.write { $0.append(UInt8(ascii: "[")) }
        case .jsonl, .table:
            break
        }
    }

    /// Prints every row of `batch`.
    public func write(_ batch: RecordBatch) throws {
        let columns = batch.columns
        switch format {
        case .csv, .tsv:
            let delimiter = UInt8(ascii: format == .csv ? "," : "\t")
            let cells = CellFormatter.format(batch, style: .delimited(delimiter)).map(PinnedCells.init)
            try writeInSlices(batch.rowCount) { rows, _ in PinnedCells.assemble(cells, rows, delimiter: delimiter) }
        case .json, .jsonl:
            let cells = CellFormatter.format(batch, style: .json).map(PinnedCells.init)
            let json = format == .json, firstRow = rowsWritten == 0
            try writeInSlices(batch.rowCount) { [keys] rows, k in
                // A JSON array's rows are separated by `,\n`; its first row follows `[\n`.
                let first: [UInt8]? = json && firstRow && k == 0 ? Array("\n".utf8) : nil
                return PinnedCells.assembleJSON(cells, rows, keys: keys, prefix: json ? Array(",\n".utf8) : [],
                                                firstPrefix: first, suffix: json ? [] : [0x0A])
            }
        case .table:
            var cell: [UInt8] = []
            for row in 0..<batch.rowCount {
                let cells: [String?] = columns.map { column in
                    cell.removeAll(keepingCapacity: true)
                    guard ColumnText.appendText(column, row, to: &cell) else { return nil }
                    return String(decoding: cell, as: UTF8.self)
                }
                tableRows.append(cells)
                if tableRows.count >= Self.tableSampleRows { try flushTable() }
            }
        }
        rowsWritten += batch.rowCount
    }

    /// Writes `rowCount` rows assembled by `assemble(rows, slice)`: in two slices on two
    /// threads for a large batch (one otherwise), written in order.
    private func writeInSlices(_ rowCount: Int, _ assemble: @Sendable (Range<Int>, Int) -> [UInt8]) throws {
        let n = rowCount
        let slices = n < 16_384 ? [0..<n] : [0..<n / 2, n / 2..<n]
        let parts = UncheckedBox<[[UInt8]]>(Array(repeating: [], count: slices.count))
        DispatchQueue.concurrentPerform(iterations: slices.count) { k in
            let part = assemble(slices[k], k)
            parts.lock.withLock { parts.value[k] = part }
        }
        for part in parts.value { try out.write { $0 += part } }
    }

    /// Prints what the format needs after the last row (the JSON array's end, the table's
    /// remaining rows and row count) and flushes.
    public func finish() throws {
        switch format {
        case .json: try out.write { $0 += (rowsWritten == 0 ? "]\n" : "\n]\n").utf8 }
        case .table:
            try flushTable()
            let count = rowsWritten
            try out.write { $0 += "(\(count) row\(count == 1 ? "" : "s"))\n".utf8 }
        default: break
        }
        try out.flush()
    }

    private func flushTable() throws {
        if !tableHeaderDone {
            widths = schema.fields.map { min(Self.tableMaxWidth, DisplayWidth.of($0.name)) }
            for row in tableRows {
                for (c, cell) in row.enumerated() {
                    widths[c] = max(widths[c], min(Self.tableMaxWidth, DisplayWidth.of((cell ?? "NULL").replacingNewlines())))
                }
            }
            let header = schema.fields.enumerated().map { Self.fit($0.element.name, widths[$0.offset]) }.joined(separator: " │ ")
            let rule = widths.map { String(repeating: "─", count: $0) }.joined(separator: "─┼─")
            try out.write { $0 += (header + "\n" + rule + "\n").utf8 }
            tableHeaderDone = true
        }
        for row in tableRows {
            let line = row.enumerated().map { Self.fit($0.element ?? "NULL", widths[$0.offset]) }.joined(separator: " │ ")
            try out.write { $0 += (line + "\n").utf8 }
        }
        tableRows.removeAll(keepingCapacity: true)
    }

    /// `text` cut to `width` terminal columns (with an ellipsis) or padded to it.
    private static func fit(_ text: String, _ width: Int) -> String {
        let flat = text.replacingNewlines()
        let shown = DisplayWidth.of(flat)
        if shown > width {
            var out = "", used = 0
            for ch in flat {
                let w = DisplayWidth.of(ch)
                if used + w > width - 1 { break }
                out.append(ch)
                used += w
            }
            return out + "…" + String(repeating: " ", count: max(0, width - 1 - used))
        }
        return flat + String(repeating: " ", count: width - shown)
    }

    /// RFC 4180 quoting (see ``CellFormatter/appendDelimited(_:delimiter:to:)``); with
    /// `emptyQuoted` false, an empty cell stays empty (header names).
    static func appendDelimited(_ cell: [UInt8], delimiter: UInt8, emptyQuoted: Bool, to out: inout [UInt8]) {
        if cell.isEmpty && !emptyQuoted { return }
        cell.withUnsafeBytes { CellFormatter.appendDelimited($0, delimiter: delimiter, to: &out) }
    }
}

extension String {
    /// The text as one line of a table cell: newlines and tabs become spaces, and other
    /// control characters (an ESC from a data file) are shown escaped, never sent raw to the
    /// terminal.
    func replacingNewlines() -> String {
        guard contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\t" }) else { return DisplayText.escapingControls(self) }
        return DisplayText.escapingControls(String(map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 }))
    }
}
