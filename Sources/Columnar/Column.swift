/// The buffers behind a column. Fixed-width values live in one contiguous array (null slots
/// hold zero); strings and binary are an offsets array plus one byte buffer; nested columns
/// hold their children. No value is a separate allocation.
public enum ColumnStorage: Sendable {
    case bool([Bool])
    case int8([Int8])
    case int16([Int16])
    /// `int` and `date` (days since the epoch).
    case int32([Int32])
    /// `long`, `timestamp` and `timestamp_ntz` (microseconds).
    case int64([Int64])
    case float32([Float])
    case float64([Double])
    /// Decimals as their unscaled 128-bit value.
    case int128([Int128])
    /// Strings and binary: value `i` is `bytes[offsets[i]..<offsets[i+1]]`; `offsets` has
    /// `count + 1` entries starting at 0.
    case bytes(offsets: [Int], bytes: [UInt8])
    /// One child column per struct field, each with the struct's row count.
    case structure([Column])
    /// Lists: row `i` holds child elements `offsets[i]..<offsets[i+1]`.
    indirect case list(offsets: [Int], child: Column)
    /// Maps: row `i` holds entries `offsets[i]..<offsets[i+1]` of `keys` and `values`.
    indirect case map(offsets: [Int], keys: Column, values: Column)
}

/// A typed column of `count` values with an optional validity mask.
public struct Column: Sendable {
    /// The logical type of the values.
    public var type: DataType
    /// How many values (rows) the column holds.
    public var count: Int
    /// Which values are present; `nil` means none is null.
    public var validity: Bitmap?
    /// The value buffers, laid out as ``ColumnStorage`` describes for `type`.
    public var storage: ColumnStorage

    /// Makes a column; the buffers must match `type` and `count` (checked in debug builds).
    public init(type: DataType, count: Int, validity: Bitmap? = nil, storage: ColumnStorage) {
        self.type = type
        self.count = count
        self.validity = validity.flatMap { $0.setCount == count ? nil : $0 }
        self.storage = storage
        assert(Column.storageMatches(type: type, storage: storage, count: count),
               "storage does not match \(type) × \(count)")
    }

    /// Whether value `index` is null.
    @inline(__always)
    public func isNull(_ index: Int) -> Bool {
        guard let validity else { return false }
        return !validity[index]
    }

    /// How many values are null.
    public var nullCount: Int { validity.map { count - $0.setCount } ?? 0 }

    static func storageMatches(type: DataType, storage: ColumnStorage, count: Int) -> Bool {
        switch (type, storage) {
        case (.boolean, .bool(let v)): return v.count == count
        case (.byte, .int8(let v)): return v.count == count
        case (.short, .int16(let v)): return v.count == count
        case (.int, .int32(let v)), (.date, .int32(let v)): return v.count == count
        case (.long, .int64(let v)), (.timestamp, .int64(let v)), (.timestampNTZ, .int64(let v)):
            return v.count == count
        case (.float, .float32(let v)): return v.count == count
        case (.double, .float64(let v)): return v.count == count
        case (.decimal, .int128(let v)): return v.count == count
        case (.string, .bytes(let o, _)), (.binary, .bytes(let o, _)): return o.count == count + 1
        case (.struct(let fields), .structure(let children)):
            return fields.count == children.count && children.allSatisfy { $0.count == count }
        case (.array, .list(let o, _)): return o.count == count + 1
        case (.map, .map(let o, let k, let v)): return o.count == count + 1 && k.count == v.count
        default: return false
        }
    }
}

/// A set of equally long columns with their schema: the unit that flows between readers,
/// writers and operators.
public struct RecordBatch: Sendable {
    public var schema: Schema
    public var columns: [Column]

    /// How many rows every column holds.
    public var rowCount: Int { columns.first?.count ?? 0 }

    public init(schema: Schema, columns: [Column]) {
        precondition(schema.fields.count == columns.count, "one column per field")
        self.schema = schema
        self.columns = columns
    }

    /// The rows `range` of every column, copied into a new batch.
    public func slice(_ range: Range<Int>) -> RecordBatch {
        RecordBatch(schema: schema, columns: columns.map { $0.slice(range) })
    }
}
