/// The Thrift compact protocol, as Parquet uses it for file metadata and page headers.
///
/// Only what Parquet's structures need: structs, lists, binary, integers, bool, double.
/// The reader checks every length against the remaining bytes and limits nesting, so hostile
/// input ends in a ``ParquetError`` instead of a crash or a huge allocation.
enum ThriftType: UInt8 {
    case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6
    case double = 7, binary = 8, list = 9, set = 10, map = 11, `struct` = 12
}

/// Writes Thrift compact protocol into a byte array.
struct ThriftWriter {
    private(set) var bytes: [UInt8] = []
    private var lastFieldID: [Int16] = [0]

    init() { bytes.reserveCapacity(256) }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    private mutating func fieldHeader(_ id: Int16, _ type: ThriftType) {
        let delta = id - lastFieldID[lastFieldID.count - 1]
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            zigzag(Int64(id))
        }
        lastFieldID[lastFieldID.count - 1] = id
    }

    mutating func field(_ id: Int16, i32 value: Int32) { fieldHeader(id, .i32); zigzag(Int64(value)) }
    mutating func field(_ id: Int16, i64 value: Int64) { fieldHeader(id, .i64); zigzag(value) }
    mutating func field(_ id: Int16, byte value: Int8) { fieldHeader(id, .byte); bytes.append(UInt8(bitPattern: value)) }
    mutating func field(_ id: Int16, bool value: Bool) { fieldHeader(id, value ? .boolTrue : .boolFalse) }
    mutating func field(_ id: Int16, binary value: [UInt8]) {
        fieldHeader(id, .binary)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }
    mutating func field(_ id: Int16, string value: String) { field(id, binary: Array(value.utf8)) }

    /// A struct-typed field; `body` writes the struct's fields.
    mutating func field(_ id: Int16, struct body: (inout ThriftWriter) -> Void) {
        fieldHeader(id, .struct)
        writeStruct(body)
    }

    /// A list field of `count` elements of `elementType`; `body` writes the elements.
    mutating func field(_ id: Int16, list elementType: ThriftType, count: Int,
                        _ body: (inout ThriftWriter) -> Void) {
        fieldHeader(id, .list)
        if count < 15 {
            bytes.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            bytes.append(0xF0 | elementType.rawValue)
            varint(UInt64(count))
        }
        body(&self)
    }

    /// A whole struct (fields then STOP), as a list element or top-level value.
    mutating func writeStruct(_ body: (inout ThriftWriter) -> Void) {
        lastFieldID.append(0)
        body(&self)
        bytes.append(ThriftType.stop.rawValue)
        lastFieldID.removeLast()
    }

    /// A list element of type i32.
    mutating func element(i32 value: Int32) { zigzag(Int64(value)) }
    /// A list element of type binary.
    mutating func element(string value: String) {
        let utf8 = Array(value.utf8)
        varint(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}

/// Reads Thrift compact protocol from a byte buffer with every access bounds-checked.
struct ThriftReader {
    let bytes: UnsafeRawBufferPointer
    /// Added to positions in error messages, so they name offsets in the whole file.
    let baseOffset: Int
    private(set) var position = 0
    private var depth = 0
    private static let maxDepth = 64

    init(_ bytes: UnsafeRawBufferPointer, baseOffset: Int = 0) {
        self.bytes = bytes
        self.baseOffset = baseOffset
    }

    private func fail(_ message: String) -> ParquetError {
        .corrupt("Thrift metadata: \(message)", offset: baseOffset + position)
    }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("unexpected end of data") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        do {
            return try Varint.read(bytes, &position, end: bytes.count, "Thrift metadata")
        } catch var error as ParquetError {
            error.offset = baseOffset + position
            throw error
        }
    }

    mutating func zigzag() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    mutating func i32() throws -> Int32 {
        let v = try zigzag()
        guard let x = Int32(exactly: v) else { throw fail("i32 value \(v) out of range") }
        return x
    }

    mutating func i64() throws -> Int64 { try zigzag() }

    mutating func binary() throws -> [UInt8] {
        let length = try varint()
        guard length <= UInt64(bytes.count - position) else {
            throw fail("binary of \(length) bytes runs past the end of the data")
        }
        let n = Int(length)
        defer { position += n }
        return Array(bytes[position..<position + n])
    }

    mutating func string() throws -> String {
        String(decoding: try binary(), as: UTF8.self)
    }

    mutating func double() throws -> Double {
        guard bytes.count - position >= 8 else { throw fail("unexpected end of data") }
        defer { position += 8 }
        return Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)))
    }

    /// Reads a struct, calling `field` for each field id and type; `field` must consume the
    /// value (or call ``skip(_:)``).
    mutating func readStruct(_ field: (inout ThriftReader, Int16, ThriftType) throws -> Void) throws {
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        defer { depth -= 1 }
        var lastID: Int16 = 0
        while true {
            let header = try byte()
            if header == 0 { return }
            guard let type = ThriftType(rawValue: header & 0x0F) else {
                throw fail("unknown field type \(header & 0x0F)")
            }
            let delta = Int16(header >> 4)
            let id: Int16
            if delta != 0 {
                id = lastID &+ delta
            } else {
                let raw = try zigzag()
                guard let x = Int16(exactly: raw) else { throw fail("field id \(raw) out of range") }
                id = x
            }
            lastID = id
            try field(&self, id, type)
        }
    }

    /// Reads a bool field's value, which compact protocol stores in the field type.
    func bool(_ type: ThriftType) throws -> Bool {
        switch type {
        case .boolTrue: return true
        case .boolFalse: return false
        default: throw fail("expected a bool, found \(type)")
        }
    }

    /// Reads a list header; returns the element type and count (count checked against the
    /// bytes left, since every element takes at least one byte).
    mutating func listHeader() throws -> (ThriftType, Int) {
        let header = try byte()
        guard let type = ThriftType(rawValue: header & 0x0F) else {
            throw fail("unknown list element type \(header & 0x0F)")
        }
        var count = UInt64(header >> 4)
        if count == 15 { count = try varint() }
        guard count <= UInt64(bytes.count - position) else {
            throw fail("list of \(count) elements is longer than the data")
        }
        return (type, Int(count))
    }

    /// Reads a list of elements with `element`.
    mutating func list<T>(_ element: (inout ThriftReader, ThriftType) throws -> T) throws -> [T] {
        let (type, count) = try listHeader()
        var out: [T] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try element(&self, type)) }
        return out
    }

    /// Skips a value of `type`.
    mutating func skip(_ type: ThriftType) throws {
        switch type {
        case .stop: throw fail("unexpected STOP")
        case .boolTrue, .boolFalse: return
        case .byte: _ = try byte()
        case .i16, .i32, .i64: _ = try varint()
        case .double:
            guard bytes.count - position >= 8 else { throw fail("unexpected end of data") }
            position += 8
        case .binary:
            let length = try varint()
            guard length <= UInt64(bytes.count - position) else { throw fail("binary runs past the end") }
            position += Int(length)
        case .list, .set:
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw fail("nesting too deep") }
            let (elementType, count) = try listHeader()
            for _ in 0..<count {
                if elementType == .boolTrue || elementType == .boolFalse { _ = try byte() }
                else { try skip(elementType) }
            }
        case .map:
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw fail("nesting too deep") }
            let count = try varint()
            guard count <= UInt64(bytes.count - position) else { throw fail("map longer than the data") }
            if count == 0 { return }
            let kv = try byte()
            guard let k = ThriftType(rawValue: kv >> 4), let v = ThriftType(rawValue: kv & 0x0F) else {
                throw fail("bad map types")
            }
            for _ in 0..<count {
                if k == .boolTrue || k == .boolFalse { _ = try byte() } else { try skip(k) }
                if v == .boolTrue || v == .boolFalse { _ = try byte() } else { try skip(v) }
            }
        case .struct:
            try readStruct { r, _, t in try r.skip(t) }
        }
    }
}
