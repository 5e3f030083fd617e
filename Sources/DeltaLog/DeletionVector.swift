import LakeCore

/// A deletion vector: the row positions of one data file that are deleted (PROTOCOL.md,
/// "Deletion Vectors" and "Deletion Vector Format").
///
/// The bytes are a magic number (1681511377, little-endian) and a 64-bit Roaring bitmap in
/// the portable format: a bucket count, then per bucket the high 32 bits and a 32-bit Roaring
/// bitmap (array, bitmap and run containers). Storage type `i` holds them Z85-encoded in the
/// descriptor; `u` and `p` in a file that starts with a version byte (1) and frames each
/// vector at its offset with a big-endian size before and a big-endian CRC-32 after.
public struct DeletionVector: Sendable {
    /// The deleted row positions, ascending.
    public let rows: [UInt64]

    public static let magic: UInt32 = 1_681_511_377

    /// Reads the vector `descriptor` (an action's `deletionVector`) describes, for a table at
    /// `root`; the file's bytes come from `read`. Throws `corrupt` naming what is wrong.
    /// `maxRows` bounds what a corrupt vector can make lake hold (the file's row count).
    public static func load(_ descriptor: JSONValue, root: String, maxRows: Int64,
                            read: (String) throws -> [UInt8]) throws -> DeletionVector {
        guard let type = descriptor["storageType"]?.stringValue, let value = descriptor["pathOrInlineDv"]?.stringValue else {
            throw DeltaError(.corrupt, "a deletion vector descriptor without storageType or pathOrInlineDv")
        }
        let cardinality = descriptor["cardinality"]?.intValue
        let vector: DeletionVector
        if type == "i" {
            guard let bytes = Z85.decode(Array(value.utf8)) else {
                throw DeltaError(.corrupt, "inline deletion vector '\(DisplayText.value(value))' is not Z85 text")
            }
            let size = descriptor["sizeInBytes"]?.intValue.map(Int.init) ?? bytes.count
            guard size <= bytes.count else { throw DeltaError(.corrupt, "inline deletion vector shorter than its sizeInBytes") }
            vector = try parse(bytes[..<size], what: "inline deletion vector", maxRows: maxRows)
        } else {
            guard let path = try DeletionVectorFile.path(descriptor, root: root) else {
                throw DeltaError(.corrupt, "deletion vector storage type '\(type)' names no file")
            }
            let file = try read(path)
            let offset = Int(descriptor["offset"]?.intValue ?? 1)
            vector = try framed(file, at: offset, size: descriptor["sizeInBytes"]?.intValue.map(Int.init), path: path, maxRows: maxRows)
        }
        if let cardinality, cardinality != Int64(vector.rows.count) {
            throw DeltaError(.corrupt, "deletion vector holds \(vector.rows.count) rows, its descriptor says \(cardinality)")
        }
        return vector
    }

    /// The vector stored at `offset` of a deletion vector file: size, bytes, CRC-32.
    static func framed(_ file: [UInt8], at offset: Int, size expected: Int?, path: String, maxRows: Int64) throws -> DeletionVector {
        func fail(_ what: String) -> DeltaError { DeltaError(.corrupt, "\(DisplayText.path(path)): \(what)") }
        guard file.first == 1 else { throw fail("not a deletion vector file of format version 1") }
        guard offset >= 1, offset <= file.count - 4 else { throw fail("no deletion vector at offset \(offset)") }
        let size = Int(bigEndian32(file, offset))
        guard size <= file.count - offset - 8 else { throw fail("the deletion vector at offset \(offset) runs past the end of the file") }
        if let expected, expected != size { throw fail("the deletion vector at offset \(offset) has \(size) bytes, its descriptor says \(expected)") }
        let data = file[(offset + 4)..<(offset + 4 + size)]
        guard CRC32.checksum(data) == bigEndian32(file, offset + 4 + size) else {
            throw fail("the deletion vector at offset \(offset) fails its CRC-32 check")
        }
        return try parse(data, what: DisplayText.path(path), maxRows: maxRows)
    }

    /// A vector from its serialized bytes (magic and portable 64-bit Roaring bitmap).
    public static func parse(_ bytes: ArraySlice<UInt8>, what: String, maxRows: Int64) throws -> DeletionVector {
        var reader = LittleEndianReader(bytes: bytes, what: what)
        guard try reader.u32() == magic else { throw DeltaError(.corrupt, "\(what): not a deletion vector (wrong magic number)") }
        let buckets = try reader.u64()
        guard buckets <= UInt64(bytes.count) else { throw DeltaError(.corrupt, "\(what): \(buckets) buckets cannot fit in \(bytes.count) bytes") }
        var rows: [UInt64] = []
        var previous: UInt64?
        for _ in 0..<buckets {
            let high = UInt64(try reader.u32())
            if let previous, high <= previous { throw DeltaError(.corrupt, "\(what): bucket keys are not ascending") }
            previous = high
            try reader.roaring32 { low in
                guard rows.count < maxRows else { throw DeltaError(.corrupt, "\(what): more deleted rows than the file's \(maxRows)") }
                rows.append(high << 32 | UInt64(low))
            }
        }
        return DeletionVector(rows: rows)
    }

    static func bigEndian32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}

/// Little-endian reading with bounds checks, for the Roaring format.
private struct LittleEndianReader {
    let bytes: ArraySlice<UInt8>
    let what: String
    var position: Int

    init(bytes: ArraySlice<UInt8>, what: String) {
        self.bytes = bytes
        self.what = what
        position = bytes.startIndex
    }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, bytes.endIndex - position >= count else {
            throw DeltaError(.corrupt, "\(what): the bitmap ends early")
        }
        defer { position += count }
        return bytes[position..<position + count]
    }

    mutating func u16() throws -> UInt16 {
        let b = try take(2)
        return UInt16(b[b.startIndex]) | UInt16(b[b.startIndex + 1]) << 8
    }

    mutating func u32() throws -> UInt32 {
        let b = try take(4)
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[b.startIndex + $1]) << (8 * UInt32($1)) }
    }

    mutating func u64() throws -> UInt64 {
        let b = try take(8)
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[b.startIndex + $1]) << (8 * UInt64($1)) }
    }

    /// One 32-bit Roaring bitmap in the portable format (RoaringFormatSpec), each value in
    /// ascending order handed to `emit`.
    mutating func roaring32(_ emit: (UInt32) throws -> Void) throws {
        let cookie = try u32()
        let containers: Int
        var runFlags: ArraySlice<UInt8> = []
        if cookie & 0xFFFF == 12347 {
            containers = Int(cookie >> 16) + 1
            runFlags = try take((containers + 7) / 8)
        } else if cookie == 12346 {
            containers = Int(try u32())
            guard containers <= 65536 else { throw DeltaError(.corrupt, "\(what): \(containers) containers in one bitmap") }
        } else {
            throw DeltaError(.corrupt, "\(what): not a Roaring bitmap (cookie \(cookie))")
        }
        var keys: [UInt16] = [], cardinalities: [Int] = []
        for _ in 0..<containers {
            keys.append(try u16())
            cardinalities.append(Int(try u16()) + 1)
        }
        // Offsets (always without run containers, and with them from 4 containers on): the
        // containers follow in order, so they are not needed.
        if runFlags.isEmpty || containers >= 4 { _ = try take(4 * containers) }
        var previousKey: Int = -1
        for c in 0..<containers {
            let key = keys[c]
            guard Int(key) > previousKey else { throw DeltaError(.corrupt, "\(what): container keys are not ascending") }
            previousKey = Int(key)
            let base = UInt32(key) << 16
            let isRun = !runFlags.isEmpty && runFlags[runFlags.startIndex + c / 8] >> (c % 8) & 1 == 1
            if isRun {
                let runs = Int(try u16())
                var last = -1
                for _ in 0..<runs {
                    let start = Int(try u16()), length = Int(try u16())
                    guard start > last, start + length <= 0xFFFF else { throw DeltaError(.corrupt, "\(what): a run container is out of order") }
                    for v in start...(start + length) { try emit(base | UInt32(v)) }
                    last = start + length
                }
            } else if cardinalities[c] <= 4096 {
                var last = -1
                for _ in 0..<cardinalities[c] {
                    let v = Int(try u16())
                    guard v > last else { throw DeltaError(.corrupt, "\(what): an array container is out of order") }
                    try emit(base | UInt32(v))
                    last = v
                }
            } else {
                let words = try take(8192)
                for w in 0..<1024 {
                    var word = (0..<8).reduce(UInt64(0)) { $0 | UInt64(words[words.startIndex + w * 8 + $1]) << (8 * UInt64($1)) }
                    while word != 0 {
                        let bit = word.trailingZeroBitCount
                        try emit(base | UInt32(w * 64 + bit))
                        word &= word - 1
                    }
                }
            }
        }
    }
}

/// Z85 (ZeroMQ's base 85), as Delta encodes inline deletion vectors and UUIDs in names.
enum Z85 {
    /// The bytes of Z85 text (a multiple of 5 characters); nil when it is not Z85.
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        guard text.count % 5 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 5 * 4)
        var i = 0
        while i < text.count {
            var value: UInt64 = 0
            for k in 0..<5 {
                guard let d = DeletionVectorFile.digit[text[i + k]] else { return nil }
                value = value * 85 + UInt64(d)
            }
            guard value <= UInt64(UInt32.max) else { return nil }
            out += [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
            i += 5
        }
        return out
    }
}

/// CRC-32 (IEEE 802.3, as `java.util.zip.CRC32` computes it).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
