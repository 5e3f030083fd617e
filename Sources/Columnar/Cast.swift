/// Casts between column types where every value converts exactly: integer widening and
/// checked narrowing, integers and floats to wider floats, integers and decimals to decimals
/// that hold them, float to double, date to timestamp_ntz, and nested types whose parts cast
/// (struct fields matched by name, a missing nullable one null). Anything lossy or
/// ambiguous (string ↔ number, timestamp ↔ timestamp_ntz) is refused.
public enum Cast {
    /// Whether two types are the same apart from the nullability of nested elements.
    public static func sameShape(_ a: DataType, _ b: DataType) -> Bool {
        switch (a, b) {
        case (.struct(let x), .struct(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.name == $1.name && sameShape($0.type, $1.type) }
        case (.array(let x, _), .array(let y, _)): return sameShape(x, y)
        case (.map(let k1, let v1, _), .map(let k2, let v2, _)): return sameShape(k1, k2) && sameShape(v1, v2)
        default: return a == b
        }
    }

    /// `column` as `type`; throws ``ColumnarError`` describing the first value that does not fit.
    public static func column(_ column: Column, to type: DataType) throws -> Column {
        if column.type == type { return column }
        if sameShape(column.type, type) {
            var copy = column
            copy.type = type
            return relabel(copy, type)
        }
        let valid = column.validity
        func ints() -> [Int64]? {
            switch column.storage {
            case .int8(let v): return v.map(Int64.init)
            case .int16(let v): return v.map(Int64.init)
            case .int32(let v) where column.type != .date: return v.map(Int64.init)
            case .int64(let v) where column.type == .long: return v
            default: return nil
            }
        }
        func narrow<T: FixedWidthInteger>(_ v: [Int64], _: T.Type) throws -> [T] {
            try v.enumerated().map { i, x in
                guard let y = T(exactly: x) else {
                    if valid?[i] == false { return 0 }
                    throw ColumnarError("value \(x) (row \(i + 1)) does not fit \(type)")
                }
                return y
            }
        }
        let storage: ColumnStorage
        switch type {
        case .byte, .short, .int, .long:
            guard let v = ints() else { throw ColumnarError("cannot convert \(column.type) to \(type)") }
            switch type {
            case .byte: storage = .int8(try narrow(v, Int8.self))
            case .short: storage = .int16(try narrow(v, Int16.self))
            case .int: storage = .int32(try narrow(v, Int32.self))
            default: storage = .int64(v)
            }
        case .double:
            if case .float32(let f) = column.storage { storage = .float64(f.map(Double.init)) }
            else if let v = ints(), column.type != .long { storage = .float64(v.map(Double.init)) }
            else { throw ColumnarError("cannot convert \(column.type) to \(type) exactly") }
        case .float:
            guard let v = ints(), column.type == .byte || column.type == .short else {
                throw ColumnarError("cannot convert \(column.type) to \(type) exactly")
            }
            storage = .float32(v.map(Float.init))
        case .decimal(let precision, let scale):
            var unscaled: [Int128]
            var fromScale = 0
            if let v = ints() { unscaled = v.map { Int128($0) } }
            else if case .int128(let d) = column.storage, case .decimal(_, let s) = column.type { unscaled = d; fromScale = s }
            else { throw ColumnarError("cannot convert \(column.type) to \(type)") }
            guard scale >= fromScale else { throw ColumnarError("cannot convert \(column.type) to \(type) without rounding") }
            let factor = pow10(scale - fromScale)
            let limit = pow10(precision)
            for i in unscaled.indices where valid?[i] ?? true {
                let (scaled, overflow) = unscaled[i].multipliedReportingOverflow(by: factor)
                guard !overflow, scaled < limit, scaled > -limit else {
                    throw ColumnarError("value in row \(i + 1) does not fit \(type)")
                }
                unscaled[i] = scaled
            }
            storage = .int128(unscaled)
        case .timestampNTZ:
            // A date widened to timestamp_ntz (Delta type widening): midnight of that day.
            guard column.type == .date, case .int32(let days) = column.storage else {
                throw ColumnarError("cannot convert \(column.type) to \(type)")
            }
            storage = .int64(days.map { Int64($0) * 86_400_000_000 })
        case .struct(let fields):
            // Fields by name: one the column lacks (added to the schema later) is null, one
            // it has beyond them (dropped later) is left out.
            guard case .structure(let children) = column.storage, case .struct(let from) = column.type else {
                throw ColumnarError("cannot convert \(column.type) to \(type)")
            }
            storage = .structure(try fields.map { field in
                guard let index = from.firstIndex(where: { $0.name == field.name }) else {
                    guard field.nullable else { throw ColumnarError("cannot convert \(column.type) to \(type): no value for '\(field.name)'") }
                    return try Column(field.type, Array(repeating: .null, count: column.count))
                }
                return try Cast.column(children[index], to: field.type)
            })
        case .array(let element, _):
            guard case .list(let offsets, let child) = column.storage else { throw ColumnarError("cannot convert \(column.type) to \(type)") }
            storage = .list(offsets: offsets, child: try Cast.column(child, to: element))
        case .map(let k, let v, _):
            guard case .map(let offsets, let keys, let values) = column.storage else { throw ColumnarError("cannot convert \(column.type) to \(type)") }
            storage = .map(offsets: offsets, keys: try Cast.column(keys, to: k), values: try Cast.column(values, to: v))
        default:
            throw ColumnarError("cannot convert \(column.type) to \(type)")
        }
        return Column(type: type, count: column.count, validity: column.validity, storage: storage)
    }

    /// The same buffers labelled with `type`, whose structure is the column's but whose
    /// field names may differ (physical names becoming logical ones under column mapping).
    public static func renamed(_ column: Column, to type: DataType) -> Column {
        relabel(column, type)
    }

    /// The same buffers labelled with `type` all the way down (nullability flags differ only).
    private static func relabel(_ column: Column, _ type: DataType) -> Column {
        var copy = column
        copy.type = type
        switch (type, column.storage) {
        case (.struct(let fields), .structure(let children)):
            copy.storage = .structure(zip(children, fields).map { relabel($0, $1.type) })
        case (.array(let element, _), .list(let offsets, let child)):
            copy.storage = .list(offsets: offsets, child: relabel(child, element))
        case (.map(let k, let v, _), .map(let offsets, let keys, let values)):
            copy.storage = .map(offsets: offsets, keys: relabel(keys, k), values: relabel(values, v))
        default:
            break
        }
        return copy
    }
}
