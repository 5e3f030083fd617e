/// The dense, non-null values of one leaf column in their Parquet physical representation:
/// what a data page's value section holds. Levels say where the nulls go.
enum LeafValues {
    case boolean([Bool])
    case int32([Int32])
    case int64([Int64])
    /// INT96 values as 12-byte little-endian records.
    case int96([UInt8])
    case float([Float])
    case double([Double])
    /// BYTE_ARRAY: value `i` is `bytes[offsets[i]..<offsets[i+1]]`.
    case byteArray(offsets: [Int], bytes: [UInt8])
    /// FIXED_LEN_BYTE_ARRAY of `width` bytes each.
    case fixed(width: Int, bytes: [UInt8])

    /// An empty buffer of the representation used for `type`.
    static func empty(_ type: PhysicalType, width: Int) -> LeafValues {
        switch type {
        case .boolean: return .boolean([])
        case .int32: return .int32([])
        case .int64: return .int64([])
        case .int96: return .int96([])
        case .float: return .float([])
        case .double: return .double([])
        case .byteArray: return .byteArray(offsets: [0], bytes: [])
        case .fixedLenByteArray: return .fixed(width: width, bytes: [])
        }
    }

    var count: Int {
        switch self {
        case .boolean(let v): return v.count
        case .int32(let v): return v.count
        case .int64(let v): return v.count
        case .int96(let v): return v.count / 12
        case .float(let v): return v.count
        case .double(let v): return v.count
        case .byteArray(let o, _): return o.count - 1
        case .fixed(let w, let b): return w == 0 ? 0 : b.count / w
        }
    }

    /// Size of the values in PLAIN encoding.
    var plainSize: Int {
        switch self {
        case .boolean(let v): return (v.count + 7) / 8
        case .int32(let v): return v.count * 4
        case .int64(let v): return v.count * 8
        case .int96(let v): return v.count
        case .float(let v): return v.count * 4
        case .double(let v): return v.count * 8
        case .byteArray(let o, let b): return b.count + 4 * (o.count - 1)
        case .fixed(_, let b): return b.count
        }
    }

    /// Appends `other` (same representation) to these values.
    mutating func append(_ other: LeafValues) {
        switch (self, other) {
        case (.boolean(var a), .boolean(let b)): self = .int32([]); a += b; self = .boolean(a)
        case (.int32(var a), .int32(let b)): self = .boolean([]); a += b; self = .int32(a)
        case (.int64(var a), .int64(let b)): self = .boolean([]); a += b; self = .int64(a)
        case (.int96(var a), .int96(let b)): self = .boolean([]); a += b; self = .int96(a)
        case (.float(var a), .float(let b)): self = .boolean([]); a += b; self = .float(a)
        case (.double(var a), .double(let b)): self = .boolean([]); a += b; self = .double(a)
        case (.byteArray(var o, var d), .byteArray(let o2, let d2)):
            self = .boolean([])
            let base = d.count
            o.reserveCapacity(o.count + o2.count - 1)
            for k in 1..<o2.count { o.append(base + o2[k]) }
            d += d2
            self = .byteArray(offsets: o, bytes: d)
        case (.fixed(let w, var a), .fixed(_, let b)): self = .boolean([]); a += b; self = .fixed(width: w, bytes: a)
        default: preconditionFailure("appending mismatched leaf values")
        }
    }
}
