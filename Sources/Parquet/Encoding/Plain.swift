/// PLAIN encoding: fixed-width values little-endian back to back, booleans bit-packed,
/// byte arrays as a 4-byte little-endian length then the bytes.
enum Plain {
    /// Appends the PLAIN encoding of `values[range]` to `out`.
    static func encode(_ values: LeafValues, _ range: Range<Int>, into out: inout [UInt8]) {
        switch values {
        case .boolean(let v):
            var byte: UInt8 = 0
            var bit = 0
            out.reserveCapacity(out.count + (range.count + 7) / 8)
            for i in range {
                if v[i] { byte |= 1 << UInt8(bit) }
                bit += 1
                if bit == 8 { out.append(byte); byte = 0; bit = 0 }
            }
            if bit > 0 { out.append(byte) }
        case .int32(let v): appendRaw(v, range, &out)
        case .int64(let v): appendRaw(v, range, &out)
        case .float(let v): appendRaw(v, range, &out)
        case .double(let v): appendRaw(v, range, &out)
        case .int96(let b): out += b[range.lowerBound * 12..<range.upperBound * 12]
        case .fixed(let w, let b): out += b[range.lowerBound * w..<range.upperBound * w]
        case .byteArray(let offsets, let bytes):
            let total = offsets[range.upperBound] - offsets[range.lowerBound] + 4 * range.count
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: total))
            out.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    var p = start
                    for i in range {
                        let lo = offsets[i], n = offsets[i + 1] - lo
                        dst.storeBytes(of: UInt32(n).littleEndian, toByteOffset: p, as: UInt32.self)
                        p += 4
                        if n > 0 {
                            (dst.baseAddress! + p).copyMemory(from: src.baseAddress! + lo, byteCount: n)
                        }
                        p += n
                    }
                }
            }
        }
    }

    private static func appendRaw<T>(_ v: [T], _ range: Range<Int>, _ out: inout [UInt8]) {
        v.withUnsafeBytes { raw in
            let size = MemoryLayout<T>.stride
            out.append(contentsOf: raw[range.lowerBound * size..<range.upperBound * size])
        }
    }

    /// Decodes `count` PLAIN values of `type` from `data[range]`, appending to `values`.
    /// Returns the byte position after the last value.
    @discardableResult
    static func decode(_ data: UnsafeRawBufferPointer, range: Range<Int>, count: Int,
                       into values: inout LeafValues) throws -> Int {
        let available = range.count
        func need(_ bytes: Int) throws {
            guard bytes <= available else {
                throw ParquetError.corrupt("PLAIN values need \(bytes) bytes, the page has \(available)")
            }
        }
        let base = range.lowerBound
        switch values {
        case .boolean(var v):
            try need((count + 7) / 8)
            values = .int32([])
            v.reserveCapacity(v.count + count)
            for i in 0..<count { v.append(data[base + i >> 3] >> UInt8(i & 7) & 1 == 1) }
            values = .boolean(v)
            return base + (count + 7) / 8
        case .int32(var v):
            try need(count * 4)
            values = .boolean([]); appendLoaded(data, base, count, &v); values = .int32(v)
            return base + count * 4
        case .int64(var v):
            try need(count * 8)
            values = .boolean([]); appendLoaded(data, base, count, &v); values = .int64(v)
            return base + count * 8
        case .float(var v):
            try need(count * 4)
            values = .boolean([]); appendLoaded(data, base, count, &v); values = .float(v)
            return base + count * 4
        case .double(var v):
            try need(count * 8)
            values = .boolean([]); appendLoaded(data, base, count, &v); values = .double(v)
            return base + count * 8
        case .int96(var b):
            try need(count * 12)
            values = .boolean([]); b += data[base..<base + count * 12]; values = .int96(b)
            return base + count * 12
        case .fixed(let w, var b):
            let (total, overflow) = count.multipliedReportingOverflow(by: w)
            guard !overflow else { throw ParquetError.corrupt("fixed-length values too large") }
            try need(total)
            values = .boolean([]); b += data[base..<base + total]; values = .fixed(width: w, bytes: b)
            return base + total
        case .byteArray(var offsets, var bytes):
            values = .boolean([])
            // Each value takes at least its 4-byte length: bound the reservation by the page.
            guard count <= available / 4 else {
                throw ParquetError.corrupt("\(count) byte-array values cannot fit in \(available) bytes")
            }
            offsets.reserveCapacity(offsets.count + count)
            var p = base
            let end = range.upperBound
            let start = p
            // First pass finds the total size so the byte buffer grows once.
            for _ in 0..<count {
                guard end - p >= 4 else { throw ParquetError.corrupt("byte-array length runs past the page") }
                let n = Int(UInt32(littleEndian: data.loadUnaligned(fromByteOffset: p, as: UInt32.self)))
                guard n <= end - p - 4 else {
                    throw ParquetError.corrupt("byte-array value of \(n) bytes runs past the page")
                }
                p += 4 + n
            }
            bytes.reserveCapacity(bytes.count + (p - start) - 4 * count)
            p = start
            for _ in 0..<count {
                let n = Int(UInt32(littleEndian: data.loadUnaligned(fromByteOffset: p, as: UInt32.self)))
                bytes += data[p + 4..<p + 4 + n]
                offsets.append(bytes.count)
                p += 4 + n
            }
            values = .byteArray(offsets: offsets, bytes: bytes)
            return p
        }
    }

    /// Appends `count` fixed-width values copied from (possibly unaligned) `data[base...]`.
    private static func appendLoaded<T: BitwiseCopyable>(_ data: UnsafeRawBufferPointer, _ base: Int,
                                                         _ count: Int, _ v: inout [T]) {
        let chunk = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(
                    from: data.baseAddress! + base, byteCount: count * MemoryLayout<T>.stride)
            }
            initialized = count
        }
        if v.isEmpty { v = chunk } else { v += chunk }
    }
}
