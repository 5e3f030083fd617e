import Columnar

/// Turns a leaf's dense physical values into the lake column storage: nulls spread out by the
/// validity mask, and values converted (narrowed integers, decimals, timestamp units, INT96,
/// half floats).
enum LeafConverter {
    static func storage(_ values: LeafValues, leaf: LeafDescriptor, validity: Bitmap?, count: Int) throws -> ColumnStorage {
        let name = leaf.path.joined(separator: ".")
        func scatter<T>(_ dense: [T], zero: T) -> [T] {
            guard let validity else { return dense }
            var out = [T](repeating: zero, count: count)
            var k = 0
            for i in 0..<count where validity[i] {
                out[i] = dense[k]
                k += 1
            }
            return out
        }
        switch (leaf.type, values) {
        case (.boolean, .boolean(let v)):
            return .bool(scatter(v, zero: false))
        case (.byte, .int32(let v)):
            return .int8(scatter(v.map { Int8(truncatingIfNeeded: $0) }, zero: 0))
        case (.short, .int32(let v)):
            if leaf.conversion == .unsigned { return .int16(scatter(v.map { Int16(UInt8(truncatingIfNeeded: $0)) }, zero: 0)) }
            return .int16(scatter(v.map { Int16(truncatingIfNeeded: $0) }, zero: 0))
        case (.int, .int32(let v)), (.date, .int32(let v)):
            if leaf.conversion == .unsigned { return .int32(scatter(v.map { Int32(UInt16(truncatingIfNeeded: $0)) }, zero: 0)) }
            return .int32(scatter(v, zero: 0))
        case (.long, .int32(let v)) where leaf.conversion == .unsigned:
            return .int64(scatter(v.map { Int64(UInt32(bitPattern: $0)) }, zero: 0))
        case (.long, .int64(let v)):
            return .int64(scatter(v, zero: 0))
        case (.timestamp, .int64(let v)), (.timestampNTZ, .int64(let v)):
            switch leaf.conversion {
            case .timestampMillis:
                var out: [Int64] = []
                out.reserveCapacity(v.count)
                for x in v {
                    let (micros, overflow) = x.multipliedReportingOverflow(by: 1000)
                    guard !overflow else { throw ParquetError.corrupt("timestamp \(x) ms in \(name) is out of range") }
                    out.append(micros)
                }
                return .int64(scatter(out, zero: 0))
            case .timestampNanos:
                return .int64(scatter(v.map { floorDivide($0, 1000) }, zero: 0))
            default:
                return .int64(scatter(v, zero: 0))
            }
        case (.timestamp, .int96(let bytes)):
            // 8 bytes nanoseconds of the day, then 4 bytes Julian day, little-endian.
            var out = [Int64](repeating: 0, count: bytes.count / 12)
            bytes.withUnsafeBytes { raw in
                for i in 0..<out.count {
                    let nanos = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 12, as: Int64.self))
                    let day = Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 12 + 8, as: Int32.self)))
                    out[i] = (day - 2_440_588) &* 86_400_000_000 &+ floorDivide(nanos, 1000)
                }
            }
            return .int64(scatter(out, zero: 0))
        case (.float, .float(let v)):
            return .float32(scatter(v, zero: 0))
        case (.float, .fixed(2, let bytes)) where leaf.conversion == .float16:
            var out = [Float](repeating: 0, count: bytes.count / 2)
            for i in 0..<out.count { out[i] = halfToFloat(UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8) }
            return .float32(scatter(out, zero: 0))
        case (.double, .double(let v)):
            return .float64(scatter(v, zero: 0))
        case (.decimal, .int32(let v)):
            return .int128(scatter(v.map { Int128($0) }, zero: 0))
        case (.decimal, .int64(let v)):
            if leaf.conversion == .unsigned { return .int128(scatter(v.map { Int128(UInt64(bitPattern: $0)) }, zero: 0)) }
            return .int128(scatter(v.map { Int128($0) }, zero: 0))
        case (.decimal, .fixed(let width, let bytes)):
            let n = width == 0 ? 0 : bytes.count / width
            var out = [Int128](repeating: 0, count: n)
            for i in 0..<n { out[i] = bigEndianSigned(bytes, i * width, width) }
            return .int128(scatter(out, zero: 0))
        case (.decimal, .byteArray(let offsets, let bytes)):
            var out = [Int128](repeating: 0, count: offsets.count - 1)
            for i in 0..<out.count {
                let lo = offsets[i], n = offsets[i + 1] - lo
                guard n <= 16 else { throw ParquetError.unsupported("decimal of \(n) bytes in \(name)") }
                out[i] = n == 0 ? 0 : bigEndianSigned(bytes, lo, n)
            }
            return .int128(scatter(out, zero: 0))
        case (.string, .byteArray(let offsets, let bytes)), (.binary, .byteArray(let offsets, let bytes)):
            guard let validity else { return .bytes(offsets: offsets, bytes: bytes) }
            var out = [Int](repeating: 0, count: count + 1)
            var k = 0
            for i in 0..<count {
                if validity[i] { k += 1 }
                out[i + 1] = offsets[k]
            }
            return .bytes(offsets: out, bytes: bytes)
        case (.binary, .fixed(let width, let bytes)), (.string, .fixed(let width, let bytes)):
            var out = [Int](repeating: 0, count: count + 1)
            var k = 0
            for i in 0..<count {
                if validity?[i] ?? true { k += 1 }
                out[i + 1] = k * width
            }
            return .bytes(offsets: out, bytes: bytes)
        default:
            throw ParquetError.unsupported("column \(name) stores \(leaf.physicalType) values for type \(leaf.type)")
        }
    }

    @inline(__always)
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// A big-endian two's complement integer of `width` (1...16) bytes.
    static func bigEndianSigned(_ bytes: [UInt8], _ start: Int, _ width: Int) -> Int128 {
        var v: Int128 = bytes[start] >= 0x80 ? -1 : 0
        for k in 0..<width { v = (v << 8) | Int128(bytes[start + k]) }
        return v
    }

    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}
