import Columnar
#if canImport(Glibc)
import Glibc
#endif
import LakeCore
import Parquet

/// Per-file statistics for `add.stats` (PROTOCOL.md, "Per-file Statistics"): `numRecords`,
/// and per column `minValues`, `maxValues`, `nullCount`.
///
/// Bounds are always valid: timestamps are exact (to the microsecond); strings longer than 32
/// characters keep a truncated minimum and no maximum; float columns holding NaN get no bounds.
public enum FileStats {
    public static let stringPrefixLength = 32
    /// 0001-01-01T00:00:00 and 9999-12-31T23:59:59.999 in microseconds: the range of
    /// timestamps statistics can state.
    static let minStatsTimestamp: Int64 = -62_135_596_800_000_000
    static let maxStatsTimestamp: Int64 = 253_402_300_799_999_999

    /// Which top-level columns get statistics: `delta.dataSkippingStatsColumns` if set, else
    /// the first `delta.dataSkippingNumIndexedCols` leaf columns (32 by default, -1 for all).
    public static func indexedColumns(_ schema: Schema, properties: (String) -> String?) -> Set<String> {
        if let list = properties("delta.dataSkippingStatsColumns") {
            return Set(list.split(separator: ",").map { $0.trimmingSpaces("`") })
        }
        let limit = properties("delta.dataSkippingNumIndexedCols").flatMap(Int.init) ?? 32
        var chosen = Set<String>()
        var leaves = 0
        for field in schema.fields {
            if limit >= 0 && leaves >= limit { break }
            chosen.insert(field.name)
            leaves += leafCount(field.type)
        }
        return chosen
    }

    static func leafCount(_ type: DataType) -> Int {
        switch type {
        case .struct(let fields): return fields.reduce(0) { $0 + leafCount($1.type) }
        case .array, .map: return 1
        default: return 1
        }
    }

    /// Statistics of one data file, gathered batch by batch as the file is written.
    public struct Accumulator: Sendable {
        private let schema: Schema
        private let indexed: Set<String>
        private var rows = 0
        private var columns: [ColumnStats]

        /// With `stringBoundsFromFooter`, string columns only count nulls as batches come: their
        /// bounds are taken from the Parquet footer of the file once it is written
        /// (``takeStringBounds(from:)``), whose row group statistics are exact and were computed
        /// while the values were in cache.
        public init(schema: Schema, indexed: Set<String>, stringBoundsFromFooter: Bool = false) {
            self.schema = schema
            self.indexed = indexed
            columns = schema.fields.map { ColumnStats(type: $0.type, footerBounds: stringBoundsFromFooter) }
        }

        /// Sets the bounds of string columns from the row group statistics of `footer`, the
        /// file these rows were written to (the accumulator's schema names its columns).
        public mutating func takeStringBounds(from footer: FileMetaData) {
            var chunkIndex: [[String]: Int] = [:]
            for (i, chunk) in (footer.rowGroups.first?.columns ?? []).enumerated() {
                if let path = chunk.metaData?.pathInSchema { chunkIndex[path] = i }
            }
            for (c, field) in schema.fields.enumerated() where indexed.contains(field.name) {
                columns[c].takeBounds(path: [field.name], footer, chunkIndex)
            }
        }

        /// Adds the rows of `batch` (whose schema is the accumulator's).
        public mutating func add(_ batch: RecordBatch) {
            rows += batch.rowCount
            for (c, field) in schema.fields.enumerated() where indexed.contains(field.name) {
                columns[c].add(batch.columns[c], parentValidity: nil)
            }
        }

        public var rowCount: Int { rows }

        /// The stats JSON text for `add.stats`.
        public func json() -> String {
            var mins: [(String, JSONValue)] = [], maxs: [(String, JSONValue)] = [], nulls: [(String, JSONValue)] = []
            for (c, field) in schema.fields.enumerated() where indexed.contains(field.name) {
                columns[c].emit(field.name, &mins, &maxs, &nulls)
            }
            return JSONValue.object([
                ("numRecords", .int(rows)),
                ("minValues", .object(mins)), ("maxValues", .object(maxs)), ("nullCount", .object(nulls)),
            ]).serialized()
        }
    }

    /// Running statistics of one column (and its fields, for a struct).
    struct ColumnStats: Sendable {
        let type: DataType
        var nulls = 0
        var min: JSONValue?
        var max: JSONValue?
        var minKey: Value?
        var maxKey: Value?
        /// False once a value without usable bounds (NaN, a long string's max) was seen.
        var minUsable = true
        var maxUsable = true
        var children: [ColumnStats] = []

        /// Whether the bounds come from the file's footer (a string column, see ``Accumulator``).
        let footerBounds: Bool

        init(type: DataType, footerBounds: Bool) {
            self.type = type
            self.footerBounds = footerBounds && type == .string
            if case .struct(let fields) = type { children = fields.map { ColumnStats(type: $0.type, footerBounds: footerBounds) } }
        }

        /// The bounds of a string column (or of the string fields of a struct) from the
        /// statistics of its chunk, at `path`, in each row group of `footer`.
        mutating func takeBounds(path: [String], _ footer: FileMetaData, _ chunkIndex: [[String]: Int]) {
            if case .struct(let fields) = type {
                for k in children.indices { children[k].takeBounds(path: path + [fields[k].name], footer, chunkIndex) }
                return
            }
            guard footerBounds else { return }
            var low: [UInt8]?, high: [UInt8]?
            for group in footer.rowGroups {
                let i = chunkIndex[path].flatMap { i in i < group.columns.count && group.columns[i].metaData?.pathInSchema == path ? i : nil }
                    ?? group.columns.firstIndex { $0.metaData?.pathInSchema == path }
                guard let i, let statistics = group.columns[i].metaData?.statistics else { continue }
                if let v = statistics.minValue, low.map({ v.lexicographicallyPrecedes($0) }) ?? true { low = v }
                if let v = statistics.maxValue, high.map({ $0.lexicographicallyPrecedes(v) }) ?? true { high = v }
            }
            guard let low, let high else { return }
            let minText = String(String(decoding: low, as: UTF8.self).prefix(FileStats.stringPrefixLength))
            let maxText = String(decoding: high, as: UTF8.self)
            (min, minKey) = (.string(minText), .string(minText))
            if maxText.count <= FileStats.stringPrefixLength { (max, maxKey) = (.string(maxText), .string(maxText)) } else { maxUsable = false }
        }

        mutating func add(_ column: Column, parentValidity: Bitmap?) {
            var validity = column.validity
            if let parentValidity {
                var v = validity ?? Bitmap(repeating: true, count: column.count)
                for i in 0..<column.count where !parentValidity[i] { v[i] = false }
                validity = v
            }
            nulls += validity.map { column.count - $0.setCount } ?? 0
            if case .structure(let fields) = column.storage {
                for k in children.indices { children[k].add(fields[k], parentValidity: validity) }
                return
            }
            if footerBounds { return }
            var effective = column
            effective.validity = validity
            guard let b = FileStats.bounds(effective) else {
                if FileStats.boundsImpossible(effective) { minUsable = false; maxUsable = false }
                return
            }
            if minKey == nil || FileStats.less(b.minKey, minKey!) { minKey = b.minKey; min = b.min }
            if let bMax = b.max, let bMaxKey = b.maxKey {
                if maxKey == nil || FileStats.less(maxKey!, bMaxKey) { maxKey = bMaxKey; max = bMax }
            } else {
                maxUsable = false
            }
        }

        func emit(_ name: String, _ mins: inout [(String, JSONValue)], _ maxs: inout [(String, JSONValue)],
                  _ nullsOut: inout [(String, JSONValue)]) {
            if !children.isEmpty, case .struct(let fields) = type {
                var cMins: [(String, JSONValue)] = [], cMaxs: [(String, JSONValue)] = [], cNulls: [(String, JSONValue)] = []
                for (f, child) in zip(fields, children) { child.emit(f.name, &cMins, &cMaxs, &cNulls) }
                if !cMins.isEmpty { mins.append((name, .object(cMins))) }
                if !cMaxs.isEmpty { maxs.append((name, .object(cMaxs))) }
                nullsOut.append((name, .object(cNulls)))
                return
            }
            nullsOut.append((name, .int(nulls)))
            if minUsable, let min { mins.append((name, min)) }
            if maxUsable, let max { maxs.append((name, max)) }
        }
    }

    /// Whether a column's values rule out bounds (NaN in a float column).
    public static func boundsImpossible(_ column: Column) -> Bool {
        let valid = column.validity
        switch column.storage {
        case .float32(let v): return (0..<v.count).contains { (valid?[$0] ?? true) && v[$0].isNaN }
        case .float64(let v): return (0..<v.count).contains { (valid?[$0] ?? true) && v[$0].isNaN }
        default: return false
        }
    }

    /// Orders two bound keys of the same column.
    public static func less(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.double(let x), .double(let y)): return x < y
        case (.decimal(let x), .decimal(let y)): return x < y
        case (.string(let x), .string(let y)): return x.utf8.lexicographicallyPrecedes(y.utf8)
        default: return false
        }
    }

    /// The stats JSON text of a single batch holding all of one file's rows.
    public static func json(_ batch: RecordBatch, indexed: Set<String>) -> String {
        var accumulator = Accumulator(schema: batch.schema, indexed: indexed)
        accumulator.add(batch)
        return accumulator.json()
    }

    /// Min and max of the non-null values: stats JSON and a key to compare them by; `max` is
    /// nil when no valid upper bound can be written (a string longer than the prefix).
    /// Nil when there are no values or the type has no bounds.
    public static func bounds(_ column: Column) -> (min: JSONValue, minKey: Value, max: JSONValue?, maxKey: Value?)? {
        let valid = column.validity
        @inline(__always)
        func range<T: Comparable>(_ v: [T]) -> (T, T)? {
            guard let valid else {
                guard var lo = v.first else { return nil }
                var hi = lo
                for x in v {
                    if x < lo { lo = x }
                    if x > hi { hi = x }
                }
                return (lo, hi)
            }
            guard let first = (0..<v.count).first(where: { valid[$0] }) else { return nil }
            var lo = v[first], hi = lo
            for i in first..<v.count where valid[i] {
                let x = v[i]
                if x < lo { lo = x }
                if x > hi { hi = x }
            }
            return (lo, hi)
        }
        func text(_ body: (inout [UInt8]) -> Void) -> String {
            var out: [UInt8] = []
            body(&out)
            return String(decoding: out, as: UTF8.self)
        }
        func ints<T: BinaryInteger>(_ r: (T, T)?) -> (JSONValue, Value, JSONValue?, Value?)? {
            r.map { (.int($0.0), .int(Int64($0.0)), .int($0.1), .int(Int64($0.1))) }
        }
        switch column.storage {
        case .int8(let v): return ints(range(v))
        case .int16(let v): return ints(range(v))
        case .int32(let v):
            guard let (lo, hi) = range(v) else { return nil }
            if column.type == .date {
                return (.string(text { ValueText.appendDate(days: Int64(lo), to: &$0) }), .int(Int64(lo)),
                        .string(text { ValueText.appendDate(days: Int64(hi), to: &$0) }), .int(Int64(hi)))
            }
            return ints((lo, hi))
        case .int64(let v):
            guard let (lo, hi) = range(v) else { return nil }
            switch column.type {
            case .timestamp, .timestampNTZ:
                let utc = column.type == .timestamp
                // Exact bounds (microseconds when they are not whole milliseconds), within
                // the four-digit years statistics can state.
                guard lo >= minStatsTimestamp, hi <= maxStatsTimestamp else { return nil }
                return (.string(timestampText(lo, utc: utc)), .int(lo), .string(timestampText(hi, utc: utc)), .int(hi))
            default:
                return ints((lo, hi))
            }
        case .float32(let v):
            if boundsImpossible(column) { return nil }
            return range(v).map { (floatJSON(Double($0.0)), .double(Double($0.0)), floatJSON(Double($0.1)), .double(Double($0.1))) }
        case .float64(let v):
            if boundsImpossible(column) { return nil }
            return range(v).map { (floatJSON($0.0), .double($0.0), floatJSON($0.1), .double($0.1)) }
        case .int128(let v):
            guard case .decimal(_, let scale) = column.type, let (lo, hi) = range(v) else { return nil }
            return (.number(text { ValueText.appendDecimal(lo, scale: scale, to: &$0) }), .decimal(lo),
                    .number(text { ValueText.appendDecimal(hi, scale: scale, to: &$0) }), .decimal(hi))
        case .bytes(let offsets, let bytes):
            guard column.type == .string else { return nil }
            var lo: Int?, hi: Int?
            bytes.withUnsafeBytes { b in
                for i in 0..<column.count where valid?[i] ?? true {
                    guard let low = lo, let high = hi else { lo = i; hi = i; continue }
                    // (Below the minimum is never above the maximum.)
                    let value = offsets[i]..<offsets[i + 1]
                    if ByteText.compare(b, value, offsets[low]..<offsets[low + 1]) < 0 { lo = i }
                    else if ByteText.compare(b, value, offsets[high]..<offsets[high + 1]) > 0 { hi = i }
                }
            }
            guard let lo, let hi else { return nil }
            let minText = String(String(decoding: bytes[offsets[lo]..<offsets[lo + 1]], as: UTF8.self).prefix(stringPrefixLength))
            let maxText = String(decoding: bytes[offsets[hi]..<offsets[hi + 1]], as: UTF8.self)
            let maxFits = maxText.count <= stringPrefixLength
            return (.string(minText), .string(minText), maxFits ? .string(maxText) : nil, maxFits ? .string(maxText) : nil)
        case .bool, .structure, .list, .map:
            return nil
        }
    }

    private static func floatJSON(_ d: Double) -> JSONValue {
        d.isInfinite ? .string(d < 0 ? "-Infinity" : "Infinity") : .number(d == 0 ? "0.0" : "\(d)")
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmm` or `.mmmmmm` (+ `Z` for UTC): milliseconds when exact.
    static func timestampText(_ micros: Int64, utc: Bool) -> String {
        var days = micros / 86_400_000_000
        var rest = micros % 86_400_000_000
        if rest < 0 { rest += 86_400_000_000; days -= 1 }
        var out: [UInt8] = []
        // Whole seconds print without a fraction; the fraction follows explicitly.
        ValueText.appendTimestamp(micros: days * 86_400_000_000 + rest / 1_000_000 * 1_000_000, utc: false, to: &out)
        let fraction = rest % 1_000_000
        let text = fraction % 1000 == 0 ? String(fraction / 1000).leftPadded(3) : String(fraction).leftPadded(6)
        out += Array(".".utf8) + Array(text.utf8)
        if utc { out.append(UInt8(ascii: "Z")) }
        return String(decoding: out, as: UTF8.self)
    }
}
