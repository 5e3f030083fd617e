/// One value of any column type, for code that works value by value: tests, small
/// literal tables, statistics. Bulk paths work on ``ColumnStorage`` buffers instead.
public indirect enum Value: Hashable, Sendable {
    case null
    case bool(Bool)
    /// Any integer type, `date` (days) and timestamps (microseconds).
    case int(Int64)
    case float(Float)
    case double(Double)
    /// An unscaled decimal; the scale comes from the column type.
    case decimal(Int128)
    case string(String)
    case binary([UInt8])
    case list([Value])
    case structure([Value])
    case map([(key: Value, value: Value)])

    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.float(let x), .float(let y)): return x.bitPattern == y.bitPattern || x == y && x.sign == y.sign
        case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern || x == y && x.sign == y.sign
        case (.decimal(let x), .decimal(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.binary(let x), .binary(let y)): return x == y
        case (.list(let x), .list(let y)), (.structure(let x), .structure(let y)): return x == y
        case (.map(let x), .map(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let v): hasher.combine(v)
        case .int(let v): hasher.combine(v)
        case .float(let v): hasher.combine(v.bitPattern)
        case .double(let v): hasher.combine(v.bitPattern)
        case .decimal(let v): hasher.combine(v)
        case .string(let v): hasher.combine(v)
        case .binary(let v): hasher.combine(v)
        case .list(let v), .structure(let v): hasher.combine(v)
        case .map(let v): for e in v { hasher.combine(e.key); hasher.combine(e.value) }
        }
    }
}

extension Column {
    /// Value `index` as a ``Value`` (allocates for strings and nested values).
    public func value(at index: Int) -> Value {
        if isNull(index) { return .null }
        switch storage {
        case .bool(let v): return .bool(v[index])
        case .int8(let v): return .int(Int64(v[index]))
        case .int16(let v): return .int(Int64(v[index]))
        case .int32(let v): return .int(Int64(v[index]))
        case .int64(let v): return .int(v[index])
        case .float32(let v): return .float(v[index])
        case .float64(let v): return .double(v[index])
        case .int128(let v): return .decimal(v[index])
        case .bytes(let offsets, let bytes):
            let slice = Array(bytes[offsets[index]..<offsets[index + 1]])
            if case .string = type { return .string(String(decoding: slice, as: UTF8.self)) }
            return .binary(slice)
        case .structure(let children): return .structure(children.map { $0.value(at: index) })
        case .list(let offsets, let child):
            return .list((offsets[index]..<offsets[index + 1]).map { child.value(at: $0) })
        case .map(let offsets, let keys, let values):
            return .map((offsets[index]..<offsets[index + 1]).map {
                (key: keys.value(at: $0), value: values.value(at: $0))
            })
        }
    }

    /// The rows `range`, copied into a new column.
    public func slice(_ range: Range<Int>) -> Column {
        let validity = self.validity?.slice(range)
        let storage: ColumnStorage
        switch self.storage {
        case .bool(let v): storage = .bool(Array(v[range]))
        case .int8(let v): storage = .int8(Array(v[range]))
        case .int16(let v): storage = .int16(Array(v[range]))
        case .int32(let v): storage = .int32(Array(v[range]))
        case .int64(let v): storage = .int64(Array(v[range]))
        case .float32(let v): storage = .float32(Array(v[range]))
        case .float64(let v): storage = .float64(Array(v[range]))
        case .int128(let v): storage = .int128(Array(v[range]))
        case .bytes(let offsets, let bytes):
            let base = offsets[range.lowerBound]
            storage = .bytes(offsets: offsets[range.lowerBound...range.upperBound].map { $0 - base },
                             bytes: Array(bytes[base..<offsets[range.upperBound]]))
        case .structure(let children): storage = .structure(children.map { $0.slice(range) })
        case .list(let offsets, let child):
            let lo = offsets[range.lowerBound], hi = offsets[range.upperBound]
            storage = .list(offsets: offsets[range.lowerBound...range.upperBound].map { $0 - lo },
                            child: child.slice(lo..<hi))
        case .map(let offsets, let keys, let values):
            let lo = offsets[range.lowerBound], hi = offsets[range.upperBound]
            storage = .map(offsets: offsets[range.lowerBound...range.upperBound].map { $0 - lo },
                           keys: keys.slice(lo..<hi), values: values.slice(lo..<hi))
        }
        return Column(type: type, count: range.count, validity: validity, storage: storage)
    }

    /// Builds a column of `type` from values; `.null` makes a null slot.
    ///
    /// Throws ``ColumnarError`` when a value does not fit the type.
    public init(_ type: DataType, _ values: [Value]) throws {
        var validity = Bitmap(repeating: true, count: values.count)
        for (i, v) in values.enumerated() where v == .null { validity[i] = false }
        func ints<T: FixedWidthInteger>(_: T.Type) throws -> [T] {
            try values.map {
                switch $0 {
                case .null: return 0
                case .int(let x):
                    guard let v = T(exactly: x) else { throw ColumnarError("\(x) does not fit \(type)") }
                    return v
                default: throw ColumnarError("\($0) is not a \(type) value")
                }
            }
        }
        let storage: ColumnStorage
        switch type {
        case .boolean:
            storage = .bool(try values.map {
                switch $0 { case .null: return false; case .bool(let b): return b
                default: throw ColumnarError("\($0) is not a boolean") }
            })
        case .byte: storage = .int8(try ints(Int8.self))
        case .short: storage = .int16(try ints(Int16.self))
        case .int, .date: storage = .int32(try ints(Int32.self))
        case .long, .timestamp, .timestampNTZ: storage = .int64(try ints(Int64.self))
        case .float:
            storage = .float32(try values.map {
                switch $0 { case .null: return 0; case .float(let x): return x
                default: throw ColumnarError("\($0) is not a float") }
            })
        case .double:
            storage = .float64(try values.map {
                switch $0 { case .null: return 0; case .double(let x): return x
                default: throw ColumnarError("\($0) is not a double") }
            })
        case .decimal:
            storage = .int128(try values.map {
                switch $0 { case .null: return 0; case .decimal(let x): return x
                default: throw ColumnarError("\($0) is not a decimal") }
            })
        case .string, .binary:
            var offsets = [0]
            var bytes: [UInt8] = []
            for v in values {
                switch v {
                case .null: break
                case .string(let s): bytes.append(contentsOf: s.utf8)
                case .binary(let b): bytes.append(contentsOf: b)
                default: throw ColumnarError("\(v) is not a \(type) value")
                }
                offsets.append(bytes.count)
            }
            storage = .bytes(offsets: offsets, bytes: bytes)
        case .struct(let fields):
            var children: [Column] = []
            for (f, field) in fields.enumerated() {
                let childValues = try values.map { v -> Value in
                    switch v {
                    case .null: return .null
                    case .structure(let members) where members.count == fields.count: return members[f]
                    default: throw ColumnarError("\(v) is not a \(type) value")
                    }
                }
                children.append(try Column(field.type, childValues))
            }
            storage = .structure(children)
        case .array(let element, _):
            var offsets = [0]
            var elements: [Value] = []
            for v in values {
                switch v {
                case .null: break
                case .list(let items): elements.append(contentsOf: items)
                default: throw ColumnarError("\(v) is not a \(type) value")
                }
                offsets.append(elements.count)
            }
            storage = .list(offsets: offsets, child: try Column(element, elements))
        case .map(let keyType, let valueType, _):
            var offsets = [0]
            var keys: [Value] = [], items: [Value] = []
            for v in values {
                switch v {
                case .null: break
                case .map(let entries):
                    for e in entries {
                        guard e.key != .null else { throw ColumnarError("map keys cannot be null") }
                        keys.append(e.key); items.append(e.value)
                    }
                default: throw ColumnarError("\(v) is not a \(type) value")
                }
                offsets.append(keys.count)
            }
            storage = .map(offsets: offsets, keys: try Column(keyType, keys),
                           values: try Column(valueType, items))
        }
        self.init(type: type, count: values.count, validity: validity, storage: storage)
    }
}

/// A value that does not fit the column it was meant for.
public struct ColumnarError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
