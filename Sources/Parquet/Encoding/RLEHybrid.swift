/// The RLE / bit-packing hybrid encoding (`Encodings.md`), used for repetition and definition
/// levels, dictionary indices and RLE booleans.
///
/// A stream is a sequence of runs: `varint(count << 1)` then the value in `ceil(width/8)`
/// bytes (a repeated run), or `varint(groups << 1 | 1)` then `groups * 8` values packed
/// least-significant-bit first in `width` bits each (a bit-packed run).
enum RLEHybrid {
    /// The number of bits needed to store values up to `maxValue`.
    static func bitWidth(_ maxValue: Int) -> Int {
        maxValue == 0 ? 0 : (Int.bitWidth - maxValue.leadingZeroBitCount)
    }

    /// Encodes `values` (each below `1 << width`) and appends the stream to `out`.
    static func encode<T: FixedWidthInteger & UnsignedInteger>(_ values: UnsafeBufferPointer<T>, width: Int,
                                                               into out: inout [UInt8]) {
        let n = values.count
        if n == 0 { return }
        if width == 0 {
            // Only zeros: a single repeated run, no value bytes.
            appendVarint(UInt64(n) << 1, to: &out)
            return
        }
        let valueBytes = (width + 7) / 8
        var literalStart = 0  // first value not yet written
        var i = 0
        while i < n {
            // Length of the run of equal values starting at i.
            let v = values[i]
            var j = i + 1
            while j < n && values[j] == v { j += 1 }
            let run = j - i
            if run >= 8 {
                // Values before i go out bit-packed; they must fill whole groups of 8, so borrow
                // from the run's head as needed.
                let pending = i - literalStart
                let borrow = (8 - pending % 8) % 8
                if pending > 0 && run - borrow >= 8 {
                    writeBitPacked(values, literalStart..<(i + borrow), width: width, into: &out)
                    literalStart = i + borrow
                } else if pending > 0 {
                    i = j
                    continue
                }
                let runLength = j - literalStart
                appendVarint(UInt64(runLength) << 1, to: &out)
                var x = UInt64(v)
                for _ in 0..<valueBytes { out.append(UInt8(truncatingIfNeeded: x)); x >>= 8 }
                literalStart = j
            }
            i = j
        }
        if literalStart < n {
            writeBitPacked(values, literalStart..<n, width: width, into: &out)
        }
    }

    /// Appends one bit-packed run holding `range` of `values`, zero-padded to whole groups.
    private static func writeBitPacked<T: FixedWidthInteger & UnsignedInteger>(
        _ values: UnsafeBufferPointer<T>, _ range: Range<Int>, width: Int, into out: inout [UInt8]
    ) {
        let groups = (range.count + 7) / 8
        appendVarint(UInt64(groups) << 1 | 1, to: &out)
        let start = out.count
        let byteCount = groups * width
        out.append(contentsOf: repeatElement(0, count: byteCount))
        out.withUnsafeMutableBufferPointer { buffer in
            var acc: UInt64 = 0
            var bits = 0
            var pos = start
            for k in range {
                acc |= UInt64(values[k]) << UInt64(bits)
                bits += width
                while bits >= 8 {
                    buffer[pos] = UInt8(truncatingIfNeeded: acc)
                    pos += 1
                    acc >>= 8
                    bits -= 8
                }
            }
            if bits > 0 { buffer[pos] = UInt8(truncatingIfNeeded: acc) }
        }
    }

    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}

/// Decodes an RLE / bit-packed hybrid stream; every run header and length is checked against
/// the bytes available.
struct RLEHybridDecoder {
    private let data: UnsafeRawBufferPointer
    private var position: Int
    private let width: Int
    private let end: Int

    /// A decoder over `data[range]` for values of `width` bits (0...32).
    init(_ data: UnsafeRawBufferPointer, range: Range<Int>, width: Int) throws {
        guard (0...32).contains(width) else {
            throw ParquetError.corrupt("RLE bit width \(width) is out of range")
        }
        guard range.lowerBound >= 0, range.upperBound <= data.count else {
            throw ParquetError.corrupt("RLE data out of bounds")
        }
        self.data = data
        self.position = range.lowerBound
        self.end = range.upperBound
        self.width = width
    }

    /// The byte position after the last run read.
    var bytePosition: Int { position }

    private mutating func varint() throws -> UInt64 {
        try Varint.read(data, &position, end: end, "RLE run header")
    }

    /// Decodes exactly `out.count` values into `out`; a stream shorter than that is corrupt.
    /// With `maxValue`, values above it are rejected.
    mutating func decode<T: FixedWidthInteger & UnsignedInteger>(into out: UnsafeMutableBufferPointer<T>, maxValue: T = .max) throws {
        let n = out.count
        var filled = 0
        let valueBytes = (width + 7) / 8
        while filled < n {
            let header = try varint()
            if header & 1 == 0 {
                let runLength = header >> 1
                guard runLength > 0 else { throw ParquetError.corrupt("empty RLE run") }
                guard end - position >= valueBytes else { throw ParquetError.corrupt("RLE run value runs past the page") }
                var wide: UInt64 = 0
                for k in 0..<valueBytes { wide |= UInt64(data[position + k]) << UInt64(8 * k) }
                position += valueBytes
                guard wide <= UInt64(maxValue) else { throw ParquetError.corrupt("RLE value \(wide) exceeds \(maxValue)") }
                let v = T(truncatingIfNeeded: wide)
                let take = Int(min(runLength, UInt64(n - filled)))
                (out.baseAddress! + filled).update(repeating: v, count: take)
                filled += take
            } else {
                let groups = header >> 1
                guard groups > 0, groups <= UInt64(Int32.max) else { throw ParquetError.corrupt("bad bit-packed run length") }
                let valueCount = Int(groups) * 8
                let take = min(valueCount, n - filled)
                let runBytes = Int(groups) * width
                let neededBytes = (take * width + 7) / 8
                guard end - position >= neededBytes else {
                    throw ParquetError.corrupt("bit-packed run of \(runBytes) bytes runs past the page")
                }
                Self.unpack(data, from: position, availableBytes: end - position, width: width,
                            into: UnsafeMutableBufferPointer(rebasing: out[filled..<filled + take]))
                if maxValue != T.max {
                    for k in filled..<filled + take where out[k] > maxValue {
                        throw ParquetError.corrupt("RLE value \(out[k]) exceeds \(maxValue)")
                    }
                }
                position += min(runBytes, end - position)
                filled += take
            }
        }
    }

    /// Unpacks `out.count` values of `width` bits starting at byte `from`.
    static func unpack<T: FixedWidthInteger & UnsignedInteger>(_ data: UnsafeRawBufferPointer, from: Int,
                                                               availableBytes: Int, width: Int,
                                                               into out: UnsafeMutableBufferPointer<T>) {
        if width == 0 {
            out.update(repeating: 0)
            return
        }
        let mask: UInt64 = (1 << UInt64(width)) - 1
        let n = out.count
        // Fast path while 8 bytes can be loaded at the value's byte offset.
        var k = 0
        var bit = 0
        let safeLimit = availableBytes - 8
        while k < n {
            let byteOffset = bit >> 3
            if byteOffset > safeLimit { break }
            let word = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: from + byteOffset, as: UInt64.self))
            out[k] = T(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
            bit += width
            k += 1
        }
        // Tail: assemble from single bytes.
        while k < n {
            var v: UInt64 = 0
            var got = 0
            var b = bit
            while got < width {
                let byteIndex = b >> 3
                let byte: UInt64 = byteIndex < availableBytes ? UInt64(data[from + byteIndex]) : 0
                let shift = b & 7
                let take = min(8 - shift, width - got)
                v |= ((byte >> UInt64(shift)) & ((1 << UInt64(take)) - 1)) << UInt64(got)
                got += take
                b += take
            }
            out[k] = T(truncatingIfNeeded: v)
            bit += width
            k += 1
        }
    }
}
