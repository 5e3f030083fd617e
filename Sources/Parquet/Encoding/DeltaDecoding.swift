/// Decoders for the encodings other writers choose for data page v2 and for floats:
/// DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT.
enum DeltaDecoding {
    /// Reads a DELTA_BINARY_PACKED stream of `count` integers at `range`; returns them (as
    /// 64-bit, wrapping as the writer's type does) and the position after the stream.
    static func integers(_ data: UnsafeRawBufferPointer, _ range: Range<Int>, count: Int,
                         bits: Int) throws -> ([Int64], Int) {
        var p = range.lowerBound
        let end = range.upperBound
        func varint() throws -> UInt64 { try Varint.read(data, &p, end: end, "DELTA_BINARY_PACKED header") }
        func zigzag() throws -> Int64 { try Varint.readZigzag(data, &p, end: end, "DELTA_BINARY_PACKED header") }
        let blockSize = try varint()
        let miniblocks = try varint()
        let total = try varint()
        var last = try zigzag()
        guard blockSize > 0, blockSize % 128 == 0, blockSize <= 1 << 20, miniblocks > 0,
              blockSize % miniblocks == 0, (blockSize / miniblocks) % 32 == 0 else {
            throw ParquetError.corrupt("DELTA_BINARY_PACKED block of \(blockSize) values in \(miniblocks) miniblocks")
        }
        guard total >= UInt64(count) else {
            throw ParquetError.corrupt("DELTA_BINARY_PACKED holds \(total) values, the page needs \(count)")
        }
        let perMiniblock = Int(blockSize / miniblocks)
        var out = [Int64]()
        out.reserveCapacity(count)
        if count > 0 { out.append(last) }
        let mask: Int64 = bits == 32 ? 0xFFFF_FFFF : -1
        let totalInt = Int(min(total, UInt64(Int32.max)))
        var produced = min(1, totalInt)
        while produced < totalInt {
            let minDelta = try zigzag()
            guard end - p >= Int(miniblocks) else { throw ParquetError.corrupt("DELTA_BINARY_PACKED widths run past the page") }
            let widthsAt = p
            p += Int(miniblocks)
            for m in 0..<Int(miniblocks) where produced < totalInt {
                let width = Int(data[widthsAt + m])
                guard width <= 64 else { throw ParquetError.corrupt("DELTA_BINARY_PACKED bit width \(width)") }
                let bytes = perMiniblock * width / 8
                let take = min(perMiniblock, totalInt - produced)
                let needed = (take * width + 7) / 8
                guard end - p >= needed else { throw ParquetError.corrupt("DELTA_BINARY_PACKED miniblock runs past the page") }
                for k in 0..<take {
                    let delta = readBits(data, p, bitOffset: k * width, width: width)
                    last = last &+ minDelta &+ Int64(bitPattern: delta)
                    if bits == 32 { last = Int64(Int32(truncatingIfNeeded: last & mask)) }
                    if out.count < count { out.append(last) }
                }
                produced += take
                p += min(bytes, end - p)
            }
        }
        guard out.count == count else {
            throw ParquetError.corrupt("DELTA_BINARY_PACKED ended after \(out.count) of \(count) values")
        }
        return (out, p)
    }

    private static func readBits(_ data: UnsafeRawBufferPointer, _ base: Int, bitOffset: Int, width: Int) -> UInt64 {
        if width == 0 { return 0 }
        var v: UInt64 = 0
        var got = 0
        var bit = bitOffset
        while got < width {
            let byte = UInt64(data[base + bit >> 3])
            let shift = bit & 7
            let take = min(8 - shift, width - got)
            v |= ((byte >> UInt64(shift)) & ((1 << UInt64(take)) - 1)) << UInt64(got)
            got += take
            bit += take
        }
        return v
    }

    static func binaryPacked(_ data: UnsafeRawBufferPointer, _ range: Range<Int>, count: Int,
                             into values: inout LeafValues) throws {
        switch values {
        case .int32(var v):
            let (ints, _) = try integers(data, range, count: count, bits: 32)
            values = .boolean([])
            v.append(contentsOf: ints.lazy.map { Int32(truncatingIfNeeded: $0) })
            values = .int32(v)
        case .int64(var v):
            let (ints, _) = try integers(data, range, count: count, bits: 64)
            values = .boolean([])
            v.append(contentsOf: ints)
            values = .int64(v)
        default:
            throw ParquetError.unsupported("DELTA_BINARY_PACKED for non-integer values")
        }
    }

    static func lengthByteArray(_ data: UnsafeRawBufferPointer, _ range: Range<Int>, count: Int,
                                into values: inout LeafValues) throws {
        guard case .byteArray(var offsets, var bytes) = values else {
            throw ParquetError.unsupported("DELTA_LENGTH_BYTE_ARRAY for fixed-width values")
        }
        let (lengths, start) = try integers(data, range, count: count, bits: 32)
        var p = start
        values = .boolean([])
        for n in lengths {
            guard n >= 0, n <= range.upperBound - p else {
                throw ParquetError.corrupt("DELTA_LENGTH_BYTE_ARRAY value of \(n) bytes runs past the page")
            }
            bytes += data[p..<p + Int(n)]
            offsets.append(bytes.count)
            p += Int(n)
        }
        values = .byteArray(offsets: offsets, bytes: bytes)
    }

    static func byteArray(_ data: UnsafeRawBufferPointer, _ range: Range<Int>, count: Int,
                          into values: inout LeafValues) throws {
        let (prefixes, suffixStart) = try integers(data, range, count: count, bits: 32)
        let (suffixLengths, bytesStart) = try integers(data, suffixStart..<range.upperBound, count: count, bits: 32)
        var p = bytesStart
        var previous: [UInt8] = []
        var current: [UInt8] = []
        var decoded: [[UInt8]] = []
        decoded.reserveCapacity(count)
        for i in 0..<count {
            let prefix = Int(prefixes[i]), suffix = Int(suffixLengths[i])
            guard prefix >= 0, prefix <= previous.count, suffix >= 0, suffix <= range.upperBound - p else {
                throw ParquetError.corrupt("DELTA_BYTE_ARRAY value \(i) has an invalid prefix or suffix length")
            }
            current.removeAll(keepingCapacity: true)
            current += previous[0..<prefix]
            current += data[p..<p + suffix]
            p += suffix
            decoded.append(current)
            swap(&previous, &current)
        }
        switch values {
        case .byteArray(var offsets, var bytes):
            values = .boolean([])
            for v in decoded { bytes += v; offsets.append(bytes.count) }
            values = .byteArray(offsets: offsets, bytes: bytes)
        case .fixed(let width, var bytes):
            values = .boolean([])
            for v in decoded {
                guard v.count == width else { throw ParquetError.corrupt("DELTA_BYTE_ARRAY value is not \(width) bytes") }
                bytes += v
            }
            values = .fixed(width: width, bytes: bytes)
        default:
            throw ParquetError.unsupported("DELTA_BYTE_ARRAY for non-byte-array values")
        }
    }

    static func byteStreamSplit(_ data: UnsafeRawBufferPointer, _ range: Range<Int>, count: Int,
                                into values: inout LeafValues) throws {
        let width: Int
        switch values {
        case .int32, .float: width = 4
        case .int64, .double: width = 8
        case .fixed(let w, _): width = w
        default: throw ParquetError.unsupported("BYTE_STREAM_SPLIT for boolean or byte-array values")
        }
        guard range.count == count * width else {
            throw ParquetError.corrupt("BYTE_STREAM_SPLIT page holds \(range.count) bytes, expected \(count * width)")
        }
        var interleaved = [UInt8](repeating: 0, count: count * width)
        for k in 0..<width {
            let stream = range.lowerBound + k * count
            for i in 0..<count { interleaved[i * width + k] = data[stream + i] }
        }
        try interleaved.withUnsafeBytes { raw in
            _ = try Plain.decode(raw, range: 0..<raw.count, count: count, into: &values)
        }
    }
}
