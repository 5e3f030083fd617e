import Columnar
import LakeCore

/// Why a field could not become a value: what the column expected.
struct CellError: Error {
    var expected: String
}

/// Builds one column from text fields (CSV, TSV) or JSON values (NDJSON), appending into
/// typed buffers; the type is switched on once per value, never through an existential.
/// ``truncate(to:)`` undoes a partly appended row.
final class ColumnBuilder {
    let type: DataType
    private(set) var count = 0
    /// One bit per value once a null was appended (empty until then: all values valid).
    private var validity = Bitmap(repeating: true, count: 0)
    private var nulls = 0
    private var bools: [Bool] = []
    private var ints: [Int64] = []
    private var floats: [Double] = []
    private var decimals: [Int128] = []
    private var offsets: [Int] = [0]
    private var bytes: [UInt8] = []
    private var children: [ColumnBuilder] = []
    /// The type's case, decided once: the hot paths switch on this small enum, not the type.
    private let storage: Storage
    private enum Storage: UInt8 { case boolean, integer, float, double, decimal, date, timestamp, timestampNTZ, string, binary, nested }
    /// For a decimal column: its precision and scale.
    private let precision: Int, scale: Int
    /// Minimum and maximum for integer types.
    private let range: ClosedRange<Int64>

    init(_ type: DataType) {
        self.type = type
        switch type {
        case .boolean: storage = .boolean
        case .byte, .short, .int, .long: storage = .integer
        case .float: storage = .float
        case .double: storage = .double
        case .decimal: storage = .decimal
        case .date: storage = .date
        case .timestamp: storage = .timestamp
        case .timestampNTZ: storage = .timestampNTZ
        case .string: storage = .string
        case .binary: storage = .binary
        case .struct, .array, .map: storage = .nested
        }
        if case .decimal(let p, let s) = type { (precision, scale) = (p, s) } else { (precision, scale) = (0, 0) }
        switch type {
        case .byte: range = Int64(Int8.min)...Int64(Int8.max)
        case .short: range = Int64(Int16.min)...Int64(Int16.max)
        case .int: range = Int64(Int32.min)...Int64(Int32.max)
        default: range = Int64.min...Int64.max
        }
        switch type {
        case .struct(let fields): children = fields.map { ColumnBuilder($0.type) }
        case .array(let element, _): children = [ColumnBuilder(element)]
        case .map(let key, let value, _): children = [ColumnBuilder(key), ColumnBuilder(value)]
        default: break
        }
    }

    /// What the column accepts, for error messages.
    var expectation: String {
        switch type {
        case .boolean: return "a boolean (true/false)"
        case .byte, .short, .int, .long: return "an integer (\(type), \(range.lowerBound) to \(range.upperBound))"
        case .float, .double: return "a number"
        case .decimal(let p, let s): return "a decimal(\(p),\(s)): at most \(p - s) digits before the point and \(s) after"
        case .date: return "a date (YYYY-MM-DD)"
        case .timestamp: return "a timestamp (ISO 8601, e.g. 2026-11-26T10:00:00Z)"
        case .timestampNTZ: return "a timestamp without time zone (e.g. 2026-11-26T10:00:00)"
        case .string: return "UTF-8 text"
        case .binary: return "base64"
        case .struct: return "a JSON object"
        case .array: return "a JSON array"
        case .map: return "a JSON object"
        }
    }

    func appendNull() {
        switch storage {
        case .boolean: bools.append(false)
        case .integer, .date, .timestamp, .timestampNTZ: ints.append(0)
        case .float, .double: floats.append(0)
        case .decimal: decimals.append(0)
        case .string, .binary: offsets.append(bytes.count)
        case .nested:
            if case .struct = type { for c in children { c.appendNull() } } else { offsets.append(offsets.last!) }
        }
        if validity.count < count { validity = Bitmap(repeating: true, count: count) }
        validity.append(false)
        nulls += 1
        count += 1
    }

    @inline(__always)
    private func appendValid() {
        if validity.count > 0 { validity.append(true) }
        count += 1
    }

    /// Appends a boolean (the column is boolean).
    func append(boolean v: Bool) {
        bools.append(v)
        appendValid()
    }

    /// Appends text already known to be valid UTF-8 (the column is a string).
    func append(validText b: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: b)
        offsets.append(bytes.count)
        appendValid()
    }

    /// Appends a field's text (already unquoted).
    func append(text b: UnsafeRawBufferPointer) throws {
        switch storage {
        case .boolean:
            guard let v = TextParsing.boolean(b) else { throw CellError(expected: expectation) }
            bools.append(v)
        case .integer:
            guard let v = TextParsing.integer(b, min: range.lowerBound, max: range.upperBound) else {
                throw CellError(expected: TextParsing.isOutOfRangeInteger(b) ? "an integer that fits \(type) (\(range.lowerBound) to \(range.upperBound))" : expectation)
            }
            ints.append(v)
        case .float, .double:
            guard let v = TextParsing.double(b) else { throw CellError(expected: expectation) }
            if storage == .float, v.isFinite, !Float(v).isFinite { throw CellError(expected: "a number that fits float") }
            floats.append(v)
        case .decimal:
            guard let v = TextParsing.decimal(b, precision: precision, scale: scale) else { throw CellError(expected: expectation) }
            decimals.append(v)
        case .date:
            guard let d = ValueText.parseDate(bytes: TextParsing.trimmed(b)) else { throw CellError(expected: expectation) }
            ints.append(d)
        case .timestamp, .timestampNTZ:
            guard let (micros, hasOffset) = ValueText.parseTimestamp(bytes: TextParsing.trimmed(b)) else {
                throw CellError(expected: expectation)
            }
            if storage == .timestampNTZ && hasOffset {
                throw CellError(expected: "a timestamp without a time zone offset (the column is timestamp_ntz)")
            }
            ints.append(micros)
        case .string:
            if !UTF8Bytes.isValid(b) { throw CellError(expected: "valid UTF-8 text") }
            bytes.append(contentsOf: b)
            offsets.append(bytes.count)
        case .binary:
            guard TextParsing.base64(b, into: &bytes) else {
                bytes.removeSubrange(offsets.last!...)
                throw CellError(expected: expectation)
            }
            offsets.append(bytes.count)
        case .nested:
            let json: JSONValue
            do { json = try JSONValue.parse(b) } catch { throw CellError(expected: "\(expectation) (JSON text)") }
            try append(json: json)
            return
        }
        appendValid()
    }

    /// Appends a JSON value (NDJSON, or a nested value in a text field).
    func append(json: JSONValue) throws {
        if json == .null { appendNull(); return }
        switch (type, json) {
        case (.boolean, .bool(let v)): bools.append(v)
        case (.byte, .number(let n)), (.short, .number(let n)), (.int, .number(let n)), (.long, .number(let n)):
            try withBytes(n) { try append(text: $0) }
            return
        case (.float, .number(let n)), (.double, .number(let n)), (.decimal, .number(let n)):
            try withBytes(n) { try append(text: $0) }
            return
        case (_, .string(let s)) where type.isPrimitive:
            // A JSON string is text in the column's textual forms ("42", "true", "2026-01-01").
            try withBytes(s) { try append(text: $0) }
            return
        case (.struct(let fields), .object(let members)):
            // Each field takes the last member with its name (exact, else in another case).
            var chosen = [Int](repeating: -1, count: fields.count)
            var unknown: String?
            for (m, member) in members.enumerated() {
                guard let k = fields.firstIndex(where: { $0.name == member.0 })
                        ?? fields.firstIndex(where: { $0.name.lowercased() == member.0.lowercased() }) else {
                    unknown = unknown ?? member.0
                    continue
                }
                chosen[k] = m
            }
            for k in fields.indices {
                do {
                    try children[k].append(json: chosen[k] >= 0 ? members[chosen[k]].1 : .null)
                } catch {
                    for j in 0...k { children[j].truncate(to: count) }
                    throw error
                }
            }
            if let unknown {
                for c in children { c.truncate(to: count) }
                throw CellError(expected: "an object with the fields \(fields.map(\.name).joined(separator: ", ")) (found '\(unknown)': add it with --merge-schema or lake alter TABLE add-column)")
            }
        case (.array, .array(let items)):
            let child = children[0]
            let before = child.count
            do { for item in items { try child.append(json: item) } } catch { child.truncate(to: before); throw error }
            offsets.append(child.count)
        case (.map, .object(let members)):
            // Map keys are unique: a repeated key is one entry (in its first place) holding its last value.
            let (keys, values) = (children[0], children[1])
            let before = keys.count
            var entries = members
            if members.count > 1 {
                var place: [String: Int] = [:]
                entries = []
                for (k, v) in members {
                    if let p = place[k] { entries[p].1 = v } else { place[k] = entries.count; entries.append((k, v)) }
                }
            }
            do {
                for (k, v) in entries {
                    try withBytes(k) { try keys.append(text: $0) }
                    try values.append(json: v)
                }
            } catch {
                keys.truncate(to: before)
                values.truncate(to: before)
                throw error
            }
            offsets.append(keys.count)
        case (.string, _):
            // Numbers, booleans and nested values in a string column keep their JSON text.
            try withBytes(json.serialized()) { try append(text: $0) }
            return
        default:
            throw CellError(expected: expectation)
        }
        appendValid()
    }

    private func withBytes(_ s: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var utf8 = Array(s.utf8)
        try utf8.withUnsafeMutableBytes { try body(UnsafeRawBufferPointer($0)) }
    }

    /// Drops values past the first `n`, in time proportional to how many go.
    func truncate(to n: Int) {
        guard n < count else { return }
        switch type {
        case .boolean: bools.removeSubrange(n...)
        case .byte, .short, .int, .long, .date, .timestamp, .timestampNTZ: ints.removeSubrange(n...)
        case .float, .double: floats.removeSubrange(n...)
        case .decimal: decimals.removeSubrange(n...)
        case .string, .binary:
            bytes.removeSubrange(offsets[n]...)
            offsets.removeSubrange((n + 1)...)
        case .struct: for c in children { c.truncate(to: n) }
        case .array, .map:
            for c in children { c.truncate(to: offsets[n]) }
            offsets.removeSubrange((n + 1)...)
        }
        if validity.count > 0 {
            for i in n..<count where !validity[i] { nulls -= 1 }
            validity.truncate(to: n)
        }
        count = n
    }

    /// The column built so far; the builder starts empty again.
    func finish() -> Column {
        let storage: ColumnStorage
        switch type {
        case .boolean: storage = .bool(bools)
        case .byte: storage = .int8(ints.map { Int8(truncatingIfNeeded: $0) })
        case .short: storage = .int16(ints.map { Int16(truncatingIfNeeded: $0) })
        case .int, .date: storage = .int32(ints.map { Int32(truncatingIfNeeded: $0) })
        case .long, .timestamp, .timestampNTZ: storage = .int64(ints)
        case .float: storage = .float32(floats.map { Float($0) })
        case .double: storage = .float64(floats)
        case .decimal: storage = .int128(decimals)
        case .string, .binary: storage = .bytes(offsets: offsets, bytes: bytes)
        case .struct: storage = .structure(children.map { $0.finish() })
        case .array: storage = .list(offsets: offsets, child: children[0].finish())
        case .map: storage = .map(offsets: offsets, keys: children[0].finish(), values: children[1].finish())
        }
        let column = Column(type: type, count: count, validity: nulls > 0 ? validity : nil, storage: storage)
        bools = []; ints = []; floats = []; decimals = []; offsets = [0]; bytes = []
        validity = Bitmap(repeating: true, count: 0)
        nulls = 0
        count = 0
        return column
    }
}
