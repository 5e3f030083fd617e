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

extension DeletionVector {
    /// The vector's bytes: the magic number and the portable 64-bit Roaring bitmap, each
    /// 16-bit chunk an array container (bitmap when it holds more than 4,096 rows).
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: UInt32) { for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
        u32(Self.magic)
        // Buckets by the high 32 bits, containers by the next 16.
        var buckets: [(high: UInt32, rows: [UInt32])] = []
        for row in rows {
            let high = UInt32(truncatingIfNeeded: row >> 32)
            if buckets.last?.high != high { buckets.append((high, [])) }
            buckets[buckets.count - 1].rows.append(UInt32(truncatingIfNeeded: row))
        }
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: UInt64(buckets.count) >> (8 * UInt64(i)))) }
        for bucket in buckets {
            u32(bucket.high)
            var containers: [(key: Int, values: [Int])] = []
            for v in bucket.rows {
                let key = Int(v >> 16)
                if containers.last?.key != key { containers.append((key, [])) }
                containers[containers.count - 1].values.append(Int(v & 0xFFFF))
            }
            // No run containers: the cookie without them, the count, keys and cardinalities,
            // then each container's offset from the cookie.
            let bitmapStart = out.count
            u32(12346)
            u32(UInt32(containers.count))
            for c in containers { u16(c.key); u16(c.values.count - 1) }
            var position = out.count + 4 * containers.count - bitmapStart
            for c in containers {
                u32(UInt32(position))
                position += c.values.count > 4096 ? 8192 : 2 * c.values.count
            }
            for c in containers {
                if c.values.count > 4096 {
                    var words = [UInt64](repeating: 0, count: 1024)
                    for v in c.values { words[v >> 6] |= 1 << UInt64(v & 63) }
                    for w in words { for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: w >> (8 * UInt64(i)))) } }
                } else {
                    for v in c.values { u16(v) }
                }
            }
        }
        return out
    }

    /// Writes `rows` as a new deletion vector file (`deletion_vector_<uuid>.bin`, storage
    /// type `u`) in the table at `root`, framed as PROTOCOL.md asks, through `writeNew`
    /// (path, bytes); returns its descriptor.
    public static func write(_ rows: [UInt64], root: String, writeNew: (String, [UInt8]) throws -> Void) throws -> JSONValue {
        let data = DeletionVector(rows: rows).serialized()
        var bytes: [UInt8] = [1]
        func big32(_ v: UInt32) { bytes += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        big32(UInt32(data.count))
        bytes += data
        big32(CRC32.checksum(data))
        var uuid = (0..<16).map { _ in UInt8.random(in: 0...255) }
        uuid[6] = (uuid[6] & 0x0F) | 0x40
        uuid[8] = (uuid[8] & 0x3F) | 0x80
        let encoded = Z85.encode(uuid)
        guard let path = try DeletionVectorFile.path(.object([("storageType", .string("u")), ("pathOrInlineDv", .string(encoded))]), root: root) else {
            throw DeltaError(.corrupt, "a new deletion vector has no path")
        }
        try writeNew(path, bytes)
        return .object([("storageType", .string("u")), ("pathOrInlineDv", .string(encoded)), ("offset", .int(1)),
                        ("sizeInBytes", .int(data.count)), ("cardinality", .int(rows.count))])
    }
}

extension Z85 {
    /// Z85 text of `bytes` (a multiple of 4 bytes).
    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i + 4 <= bytes.count {
            var value = UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
            var chunk = [UInt8](repeating: 0, count: 5)
            for k in stride(from: 4, through: 0, by: -1) {
                chunk[k] = DeletionVectorFile.alphabet[Int(value % 85)]
                value /= 85
            }
            out += chunk
            i += 4
        }
        return String(decoding: out, as: UTF8.self)
    }
}
