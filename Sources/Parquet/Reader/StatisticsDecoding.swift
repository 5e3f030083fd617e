import Columnar

/// Decodes PLAIN-encoded statistics bytes into lake values.
enum StatisticsDecoding {
    /// Whether the deprecated `min`/`max` fields (written with signed comparison by old
    /// writers) order this column's values correctly.
    static func legacyOrderIsReliable(_ leaf: LeafDescriptor) -> Bool {
        guard leaf.conversion != .unsigned else { return false }
        switch leaf.physicalType {
        case .boolean, .int32, .int64, .float, .double: return true
        case .int96, .byteArray, .fixedLenByteArray: return false
        }
    }

    static func value(_ bytes: [UInt8], _ leaf: LeafDescriptor) -> Value? {
        var values = LeafValues.empty(leaf.physicalType, width: leaf.typeLength)
        let ok: Bool = bytes.withUnsafeBytes { raw in
            switch leaf.physicalType {
            case .byteArray:
                values = .byteArray(offsets: [0, bytes.count], bytes: bytes)
                return true
            case .fixedLenByteArray:
                guard bytes.count == leaf.typeLength else { return false }
                values = .fixed(width: leaf.typeLength, bytes: bytes)
                return true
            default:
                return (try? Plain.decode(raw, range: 0..<raw.count, count: 1, into: &values)) != nil
            }
        }
        guard ok, let storage = try? LeafConverter.storage(values, leaf: leaf, validity: nil, count: 1) else { return nil }
        let column = Column(type: leaf.type, count: 1, storage: storage)
        let value = column.value(at: 0)
        switch value {
        case .float(let f) where f.isNaN: return nil
        case .double(let d) where d.isNaN: return nil
        default: return value
        }
    }
}
