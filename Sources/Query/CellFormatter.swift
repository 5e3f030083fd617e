import Columnar
import Dispatch
#if canImport(Glibc)
import Glibc
import LakeCore
#endif

/// The formatted values of one column: cell `i` is `bytes[offsets[i]..<offsets[i+1]]`, and
/// `nulls` marks null cells (empty in CSV, `null` in JSON).
struct CellBuffer: Sendable {
    var offsets: [Int]
    var bytes: [UInt8]
    var nulls: Bitmap?
}

/// Cells copied into memory of their own, so rows can be assembled on several threads with
/// plain pointers (no reference counting in the inner loop).
final class PinnedCells: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
    let offsets: UnsafeMutableBufferPointer<Int>
    /// One byte per row: 1 when the cell has a value.
    let present: UnsafeMutableBufferPointer<UInt8>

    init(_ cells: CellBuffer) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, cells.bytes.count), alignment: 1)
        cells.bytes.withUnsafeBytes { if $0.count > 0 { storage.copyMemory(from: $0) } }
        bytes = storage
        offsets = .allocate(capacity: cells.offsets.count)
        _ = offsets.initialize(from: cells.offsets)
        let rows = cells.offsets.count - 1
        present = .allocate(capacity: max(1, rows))
        for i in 0..<rows { present[i] = (cells.nulls?[i] ?? true) ? 1 : 0 }
    }

    deinit {
        bytes.deallocate()
        offsets.deallocate()
        present.deallocate()
    }

    /// The cells' buffers as plain pointers, for loops that touch every cell (no reference
    /// counting per cell); valid while this object is.
    struct View {
        let bytes: UnsafePointer<UInt8>
        let offsets: UnsafeMutablePointer<Int>
        let present: UnsafeMutablePointer<UInt8>
    }

    var view: View {
        View(bytes: UnsafePointer(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)), offsets: offsets.baseAddress!,
             present: present.baseAddress!)
    }

    /// Calls `body` with the views of `columns`, kept alive meanwhile.
    static func withViews<R>(_ columns: [PinnedCells], _ body: (UnsafeBufferPointer<View>) -> R) -> R {
        withExtendedLifetime(columns) { columns.map(\.view).withUnsafeBufferPointer(body) }
    }

    /// Assembles delimited rows `range` of `columns` into a new byte array.
    static func assemble(_ columns: [PinnedCells], _ range: Range<Int>, delimiter: UInt8) -> [UInt8] {
        var size = range.count * max(1, columns.count)
        for c in columns { size += c.offsets[range.upperBound] - c.offsets[range.lowerBound] }
        return withViews(columns) { views in
            [UInt8](unsafeUninitializedCapacity: size) { out, written in
                var p = 0
                let base = out.baseAddress!
                for row in range {
                    for k in 0..<views.count {
                        let c = views[k]
                        if k > 0 { base[p] = delimiter; p += 1 }
                        if c.present[row] != 0 {
                            let lo = c.offsets[row], n = c.offsets[row + 1] - lo
                            if n > 0 { (base + p).update(from: c.bytes + lo, count: n) }
                            p += n
                        }
                    }
                    base[p] = 0x0A
                    p += 1
                }
                written = p
            }
        }
    }

    /// Assembles rows `range` of `columns` as JSON objects into a new byte array: each row is
    /// `prefix` (`firstPrefix` for the output's first row, when given), `{`, each column's
    /// key (`"name":`, from `keys`) and cell (or `null`) separated by commas, `}`, `suffix`.
    static func assembleJSON(_ columns: [PinnedCells], _ range: Range<Int>, keys: [[UInt8]],
                             prefix: [UInt8], firstPrefix: [UInt8]?, suffix: [UInt8]) -> [UInt8] {
        // One buffer of every fixed piece: `{` and the keys (a comma before each but the
        // first) with the end of each, `}`, the prefixes, the suffix and `null`.
        var fixed: [UInt8] = [UInt8(ascii: "{")]
        var keyEnds: [Int] = []
        for (k, key) in keys.enumerated() {
            if k > 0 { fixed.append(UInt8(ascii: ",")) }
            fixed += key
            keyEnds.append(fixed.count)
        }
        fixed.append(UInt8(ascii: "}"))
        let frameCount = fixed.count
        let firstPrefix = firstPrefix ?? prefix
        let prefixAt = fixed.count, firstPrefixAt = prefixAt + prefix.count, suffixAt = firstPrefixAt + firstPrefix.count
        let nullAt = suffixAt + suffix.count
        fixed += prefix + firstPrefix + suffix + Array("null".utf8)
        var size = range.count * (max(prefix.count, firstPrefix.count) + frameCount + suffix.count + 4 * columns.count)
        for c in columns { size += c.offsets[range.upperBound] - c.offsets[range.lowerBound] }
        return withViews(columns) { views in
            fixed.withUnsafeBufferPointer { fixed in
                let f = fixed.baseAddress!
                return [UInt8](unsafeUninitializedCapacity: size) { out, written in
                    var p = 0
                    let base = out.baseAddress!
                    @inline(__always) func put(_ from: UnsafePointer<UInt8>, _ n: Int) {
                        if n > 0 { (base + p).update(from: from, count: n) }
                        p += n
                    }
                    for row in range {
                        if row == range.lowerBound { put(f + firstPrefixAt, firstPrefix.count) } else { put(f + prefixAt, prefix.count) }
                        var at = 0
                        for k in 0..<views.count {
                            put(f + at, keyEnds[k] - at)
                            at = keyEnds[k]
                            let c = views[k]
                            if c.present[row] != 0 {
                                let lo = c.offsets[row]
                                put(c.bytes + lo, c.offsets[row + 1] - lo)
                            } else {
                                put(f + nullAt, 4)
                            }
                        }
                        put(f + at, frameCount - at)
                        put(f + suffixAt, suffix.count)
                    }
                    written = p
                }
            }
        }
    }
}

/// Formats whole columns at a time (one type switch per column, tight loops per value), so
/// printing a batch is formatting its columns — in parallel — then copying cells into rows.
enum CellFormatter {
    enum Style { case delimited(UInt8), json }

    static func format(_ batch: RecordBatch, style: Style) -> [CellBuffer] {
        let columns = batch.columns
        let results = UncheckedBox<[CellBuffer?]>(Array(repeating: nil, count: columns.count))
        DispatchQueue.concurrentPerform(iterations: columns.count) { c in
            let cells = format(columns[c], style: style)
            results.lock.withLock { results.value[c] = cells }
        }
        return results.value.map { $0! }
    }

    static func format(_ column: Column, style: Style) -> CellBuffer {
        let n = column.count
        var offsets = [Int](repeating: 0, count: n + 1)
        var out: [UInt8] = []
        let valid = column.validity
        func each(_ body: (Int, inout [UInt8]) -> Void) {
            out.reserveCapacity(n * 8)
            for i in 0..<n {
                if valid?[i] ?? true { body(i, &out) }
                offsets[i + 1] = out.count
            }
        }
        let json: Bool
        if case .json = style { json = true } else { json = false }
        switch column.storage {
        case .bool(let v):
            each { i, out in out += (v[i] ? "true" : "false").utf8 }
        case .int8(let v): each { i, out in ValueText.appendInt(Int64(v[i]), to: &out) }
        case .int16(let v): each { i, out in ValueText.appendInt(Int64(v[i]), to: &out) }
        case .int32(let v):
            if column.type == .date {
                each { i, out in
                    if json { out.append(UInt8(ascii: "\"")) }
                    ValueText.appendDate(days: Int64(v[i]), to: &out)
                    if json { out.append(UInt8(ascii: "\"")) }
                }
            } else {
                each { i, out in ValueText.appendInt(Int64(v[i]), to: &out) }
            }
        case .int64(let v):
            if column.type == .timestamp || column.type == .timestampNTZ {
                let utc = column.type == .timestamp
                each { i, out in
                    if json { out.append(UInt8(ascii: "\"")) }
                    ValueText.appendTimestamp(micros: v[i], utc: utc, to: &out)
                    if json { out.append(UInt8(ascii: "\"")) }
                }
            } else {
                each { i, out in ValueText.appendInt(v[i], to: &out) }
            }
        case .float32(let v):
            each { i, out in
                let q = json && !v[i].isFinite
                if q { out.append(UInt8(ascii: "\"")) }
                ValueText.appendFloat(v[i], to: &out)
                if q { out.append(UInt8(ascii: "\"")) }
            }
        case .float64(let v):
            each { i, out in
                let q = json && !v[i].isFinite
                if q { out.append(UInt8(ascii: "\"")) }
                ValueText.appendFloat(v[i], to: &out)
                if q { out.append(UInt8(ascii: "\"")) }
            }
        case .int128(let v):
            guard case .decimal(_, let scale) = column.type else { break }
            each { i, out in ValueText.appendDecimal(v[i], scale: scale, to: &out) }
        case .bytes(let o, let b):
            let binary = column.type == .binary
            b.withUnsafeBytes { raw in
                each { i, out in
                    let cell = UnsafeRawBufferPointer(rebasing: raw[o[i]..<o[i + 1]])
                    switch style {
                    case .json:
                        out.append(UInt8(ascii: "\""))
                        if binary { ValueText.appendBase64(cell, to: &out) } else { JSONText.appendEscaped(cell, to: &out) }
                        out.append(UInt8(ascii: "\""))
                    case .delimited(let delimiter):
                        if binary { ValueText.appendBase64(cell, to: &out) }
                        else { appendDelimited(cell, delimiter: delimiter, to: &out) }
                    }
                }
            }
        case .structure, .list, .map:
            var scratch: [UInt8] = []
            each { i, out in
                if json {
                    ColumnText.appendJSON(column, i, to: &out)
                } else if case .delimited(let delimiter) = style {
                    scratch.removeAll(keepingCapacity: true)
                    ColumnText.appendJSON(column, i, to: &scratch)
                    scratch.withUnsafeBytes { appendDelimited($0, delimiter: delimiter, to: &out) }
                }
            }
        }
        return CellBuffer(offsets: offsets, bytes: out, nulls: valid)
    }

    /// CSV (RFC 4180): a cell holding the delimiter, a quote, CR or LF is quoted with quotes
    /// doubled; an empty string is `""` so it differs from null. TSV (a tab delimiter) is
    /// never quoted: tab, newline, carriage return and backslash are escaped as `\t`, `\n`,
    /// `\r`, `\\` (PostgreSQL's text format), so every row is one line.
    static func appendDelimited(_ cell: UnsafeRawBufferPointer, delimiter: UInt8, to out: inout [UInt8]) {
        if delimiter == 0x09 { appendTSVEscaped(cell, to: &out); return }
        if cell.isEmpty { out += "\"\"".utf8; return }
        var needsQuotes = false
        for b in cell where b == delimiter || b == UInt8(ascii: "\"") || b == 0x0A || b == 0x0D {
            needsQuotes = true
            break
        }
        guard needsQuotes else { out.append(contentsOf: cell); return }
        out.append(UInt8(ascii: "\""))
        for b in cell {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension CellFormatter {
    static func appendTSVEscaped(_ cell: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        for b in cell {
            switch b {
            case 0x09: out += #"\t"#.utf8
            case 0x0A: out += #"\n"#.utf8
            case 0x0D: out += #"\r"#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            default: out.append(b)
            }
        }
    }
}

/// A value shared by worker threads under a lock.
final class UncheckedBox<T>: @unchecked Sendable {
    var value: T
    let lock = Lock()
    init(_ value: T) { self.value = value }
}
