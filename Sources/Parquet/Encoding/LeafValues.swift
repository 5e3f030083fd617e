/// The dense, non-null values of one leaf column in their Parquet physical representation:
/// what a data page's value section holds. Levels say where the nulls go.
enum LeafValues: Sendable {
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

    /// The parts joined in order, copied once into buffers of the exact total size. (Appending
    /// part by part to an enum payload could copy the whole buffer each time.)
    static func concatenate(_ parts: [LeafValues], type: PhysicalType, width: Int) -> LeafValues {
        if parts.count == 1 { return parts[0] }
        func join<T>(_ extract: (LeafValues) -> [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(parts.reduce(0) { $0 + extract($1).count })
            for p in parts { out += extract(p) }
            return out
        }
        switch type {
        case .boolean: return .boolean(join { if case .boolean(let v) = $0 { return v }; return [] })
        case .int32: return .int32(join { if case .int32(let v) = $0 { return v }; return [] })
        case .int64: return .int64(join { if case .int64(let v) = $0 { return v }; return [] })
        case .int96: return .int96(join { if case .int96(let v) = $0 { return v }; return [] })
        case .float: return .float(join { if case .float(let v) = $0 { return v }; return [] })
        case .double: return .double(join { if case .double(let v) = $0 { return v }; return [] })
        case .fixedLenByteArray:
            return .fixed(width: width, bytes: join { if case .fixed(_, let v) = $0 { return v }; return [] })
        case .byteArray:
            var offsets: [Int] = [0]
            var bytes: [UInt8] = []
            var totalValues = 0, totalBytes = 0
            for case .byteArray(let o, let b) in parts { totalValues += o.count - 1; totalBytes += b.count }
            offsets.reserveCapacity(totalValues + 1)
            bytes.reserveCapacity(totalBytes)
            for case .byteArray(let o, let b) in parts {
                let base = bytes.count
                for k in 1..<o.count { offsets.append(base + o[k]) }
                bytes += b
            }
            return .byteArray(offsets: offsets, bytes: bytes)
        }
    }
}
