import Columnar

/// The value of an expression over a batch: one typed array plus validity. Integers of every
/// width widen to `Int64`, decimals keep their scale, dates are days and timestamps
/// microseconds; a literal is broadcast to the batch length.
enum Vector {
    case boolean([Bool], Bitmap?)
    case integer([Int64], Bitmap?)
    case decimal([Int128], scale: Int, Bitmap?)
    case double([Double], Bitmap?)
    case string(offsets: [Int], bytes: [UInt8], Bitmap?)
    case date([Int64], Bitmap?)
    case timestamp([Int64], utc: Bool, Bitmap?)
    /// All null (a NULL literal, or a binary or nested column used only for IS NULL).
    case null(count: Int, nested: Column?)

    var validity: Bitmap? {
        switch self {
        case .boolean(_, let v), .integer(_, let v), .decimal(_, _, let v), .double(_, let v),
             .string(_, _, let v), .date(_, let v), .timestamp(_, _, let v): return v
        case .null(let count, let nested):
            if let nested { return nested.validity }
            return Bitmap(repeating: false, count: count)
        }
    }

    /// A column of a batch as a vector.
    init(_ column: Column) {
        let v = column.validity
        switch column.storage {
        case .bool(let b): self = .boolean(b, v)
        case .int8(let x): self = .integer(x.map(Int64.init), v)
        case .int16(let x): self = .integer(x.map(Int64.init), v)
        case .int32(let x): self = column.type == .date ? .date(x.map(Int64.init), v) : .integer(x.map(Int64.init), v)
        case .int64(let x):
            switch column.type {
            case .timestamp: self = .timestamp(x, utc: true, v)
            case .timestampNTZ: self = .timestamp(x, utc: false, v)
            default: self = .integer(x, v)
            }
        case .float32(let x): self = .double(x.map(Double.init), v)
        case .float64(let x): self = .double(x, v)
        case .int128(let x):
            if case .decimal(_, let s) = column.type { self = .decimal(x, scale: s, v) } else { self = .null(count: column.count, nested: column) }
        case .bytes(let o, let b):
            self = column.type == .string ? .string(offsets: o, bytes: b, v) : .null(count: column.count, nested: column)
        case .structure, .list, .map:
            self = .null(count: column.count, nested: column)
        }
    }

    /// A literal repeated `count` times.
    init(_ literal: Literal, count: Int) {
        switch literal {
        case .null: self = .null(count: count, nested: nil)
        case .boolean(let b): self = .boolean(Array(repeating: b, count: count), nil)
        case .integer(let i): self = .integer(Array(repeating: i, count: count), nil)
        case .decimal(let d, let s): self = .decimal(Array(repeating: d, count: count), scale: s, nil)
        case .double(let d): self = .double(Array(repeating: d, count: count), nil)
        case .string(let s):
            let utf8 = Array(s.utf8)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(utf8.count * count)
            var offsets = [0]
            offsets.reserveCapacity(count + 1)
            for _ in 0..<count { bytes += utf8; offsets.append(bytes.count) }
            self = .string(offsets: offsets, bytes: bytes, nil)
        case .date(let d): self = .date(Array(repeating: d, count: count), nil)
        case .timestamp(let t, let zone): self = .timestamp(Array(repeating: t, count: count), utc: zone, nil)
        }
    }
}

/// Validity of a row in two vectors at once.
@inline(__always)
func bothValid(_ a: Bitmap?, _ b: Bitmap?, _ i: Int) -> Bool {
    (a?[i] ?? true) && (b?[i] ?? true)
}

/// The AND of two validity masks (nil: all valid).
func combine(_ a: Bitmap?, _ b: Bitmap?, count: Int) -> Bitmap? {
    guard a != nil || b != nil else { return nil }
    var out = Bitmap(repeating: true, count: count)
    for i in 0..<count where !bothValid(a, b, i) { out[i] = false }
    return out
}

/// DuckDB's order for doubles: NaN equals NaN and sorts above every number.
@inline(__always)
func compareDoubles(_ a: Double, _ b: Double) -> Int {
    if a.isNaN { return b.isNaN ? 0 : 1 }
    if b.isNaN { return -1 }
    return a < b ? -1 : (a > b ? 1 : 0)
}
