import Columnar
import LakeCore
#if canImport(Glibc)
import Glibc
#endif

/// Column chunk statistics as the format defines them: min and max in the column's
/// type-defined order, PLAIN-encoded; never NaN; a zero minimum written as -0.0 and a zero
/// maximum as +0.0 so that readers comparing against either sign stay correct.
enum StatisticsBuilder {
    static func compute(_ values: LeafValues, nullCount: Int, type: DataType) -> Statistics {
        var s = Statistics()
        s.nullCount = Int64(nullCount)
        var minMax: ([UInt8], [UInt8])?
        var signedOrder = true
        switch values {
        case .boolean(let v):
            if !v.isEmpty {
                let lo = v.contains(false) ? false : true
                let hi = v.contains(true)
                minMax = ([lo ? 1 : 0], [hi ? 1 : 0])
            }
        case .int32(let v):
            if let lo = v.min(), let hi = v.max() { minMax = (le(lo), le(hi)) }
        case .int64(let v):
            if let lo = v.min(), let hi = v.max() { minMax = (le(lo), le(hi)) }
        case .float(let v):
            if let (lo, hi) = floatRange(v) { minMax = (le(lo.bitPattern), le(hi.bitPattern)) }
        case .double(let v):
            if let (lo, hi) = floatRange(v) { minMax = (le(lo.bitPattern), le(hi.bitPattern)) }
        case .int96:
            break
        case .byteArray(let offsets, let bytes):
            signedOrder = false
            if offsets.count > 1 {
                var lo = 0, hi = 0
                bytes.withUnsafeBytes { b in
                    for i in 1..<(offsets.count - 1) {
                        if ByteText.compare(b, offsets[i]..<offsets[i + 1], offsets[lo]..<offsets[lo + 1]) < 0 { lo = i }
                        if ByteText.compare(b, offsets[i]..<offsets[i + 1], offsets[hi]..<offsets[hi + 1]) > 0 { hi = i }
                    }
                }
                minMax = (Array(bytes[offsets[lo]..<offsets[lo + 1]]), Array(bytes[offsets[hi]..<offsets[hi + 1]]))
            }
        case .fixed(let width, let bytes):
            let count = width == 0 ? 0 : bytes.count / width
            if case .decimal = type, count > 0 {
                // Two's complement big-endian: signed comparison.
                var lo = 0, hi = 0
                for i in 1..<count {
                    if compareSignedBE(bytes, i * width, lo * width, width) < 0 { lo = i }
                    if compareSignedBE(bytes, i * width, hi * width, width) > 0 { hi = i }
                }
                minMax = (Array(bytes[lo * width..<(lo + 1) * width]), Array(bytes[hi * width..<(hi + 1) * width]))
            } else if count > 0 {
                signedOrder = false
                var lo = 0, hi = 0
                bytes.withUnsafeBytes { b in
                    for i in 1..<count {
                        if ByteText.compare(b, i * width..<(i + 1) * width, lo * width..<(lo + 1) * width) < 0 { lo = i }
                        if ByteText.compare(b, i * width..<(i + 1) * width, hi * width..<(hi + 1) * width) > 0 { hi = i }
                    }
                }
                minMax = (Array(bytes[lo * width..<(lo + 1) * width]), Array(bytes[hi * width..<(hi + 1) * width]))
            }
        }
        if let (lo, hi) = minMax {
            s.minValue = lo
            s.maxValue = hi
            // The deprecated fields are defined with signed comparison only.
            if signedOrder {
                s.legacyMin = lo
                s.legacyMax = hi
            }
        }
        return s
    }

    private static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.littleEndian) { Array($0) }
    }

    private static func floatRange<F: BinaryFloatingPoint>(_ v: [F]) -> (F, F)? {
        var lo = F.infinity, hi = -F.infinity
        var any = false
        for x in v where !x.isNaN {
            any = true
            if x < lo { lo = x }
            if x > hi { hi = x }
        }
        guard any else { return nil }
        if lo == 0 { lo = -F(0.0) }
        if hi == 0 { hi = F(0.0) }
        return (lo, hi)
    }

    private static func compareSignedBE(_ b: [UInt8], _ a: Int, _ c: Int, _ width: Int) -> Int {
        let x0 = Int8(bitPattern: b[a]), y0 = Int8(bitPattern: b[c])
        if x0 != y0 { return x0 < y0 ? -1 : 1 }
        for i in 1..<width where b[a + i] != b[c + i] { return b[a + i] < b[c + i] ? -1 : 1 }
        return 0
    }
}
