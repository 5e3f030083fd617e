/// A cursor over JSON text in UTF-8, reading one token at a time without building values:
/// readers that know what they want (NDJSON ingest into typed columns) take strings as byte
/// ranges and numbers as their text, and build a ``JSONValue`` only where they need a tree.
///
/// The grammar is lenient where real files are: a number is any run of digits, signs,
/// points and exponents holding a digit (`01`, `+1` and `.5` pass; the column's type
/// decides), and raw control characters inside strings are kept. A `\u` escape of a lone
/// surrogate becomes U+FFFD.
public struct JSONScanner {
    /// The text.
    public let bytes: UnsafeRawBufferPointer
    /// The offset of the next byte to read.
    public var position: Int
    /// The unescaped bytes of the last string that held escapes (see ``string()``).
    public private(set) var scratch: [UInt8] = []
    /// How deeply arrays and objects may nest.
    public static let maxDepth = 512

    public init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    /// An error at the current position.
    public func fail(_ message: String) -> JSONError { JSONError(message: message, offset: position) }

    /// Whether every byte has been read.
    @inline(__always) public var atEnd: Bool { position >= bytes.count }

    /// The next byte, or 0 at the end.
    @inline(__always) public var next: UInt8 { position < bytes.count ? bytes[position] : 0 }

    /// Skips spaces, tabs, carriage returns and line feeds.
    @inline(__always)
    public mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// Reads `word` (`true`, `false`, `null`).
    public mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard bytes.count - position >= n else { throw fail("unexpected end") }
        for k in 0..<n where bytes[position + k] != word.utf8Start[k] { throw fail("invalid literal") }
        position += n
    }

    /// Reads a number; returns the range of its text.
    @inline(__always)
    public mutating func number() throws -> Range<Int> {
        let start = position
        var digits = 0
        if position < bytes.count && bytes[position] == UInt8(ascii: "-") { position += 1 }
        while position < bytes.count {
            let c = bytes[position]
            if c &- 0x30 < 10 {
                digits += 1
            } else if !(c == UInt8(ascii: ".") || c | 0x20 == UInt8(ascii: "e") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")) {
                break
            }
            position += 1
        }
        guard digits > 0 else { position = start; throw fail("expected a value") }
        return start..<position
    }

    /// Reads a string starting at its opening quote. Returns the range of its bytes when it
    /// holds no escapes; otherwise unescapes it into ``scratch`` and returns nil.
    @inline(__always)
    public mutating func string() throws -> Range<Int>? {
        position += 1  // the opening quote
        let start = position
        // Eight bytes at a time while none is a quote or a backslash.
        if let base = bytes.baseAddress {
            while position + 8 <= bytes.count {
                let w = base.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                let q = w ^ 0x2222_2222_2222_2222, e = w ^ 0x5C5C_5C5C_5C5C_5C5C
                let zero = ((q &- 0x0101_0101_0101_0101) & ~q | (e &- 0x0101_0101_0101_0101) & ~e) & 0x8080_8080_8080_8080
                if zero != 0 { position += zero.trailingZeroBitCount >> 3; break }
                position += 8
            }
        }
        while position < bytes.count {
            let c = bytes[position]
            if c == UInt8(ascii: "\"") { position += 1; return start..<(position - 1) }
            if c == UInt8(ascii: "\\") { break }
            position += 1
        }
        try unescape(from: start)
        return nil
    }

    /// Reads a string as a `String`.
    public mutating func stringValue() throws -> String {
        if let range = try string() { return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Unescapes the rest of a string whose bytes from `start` up to `position` held none.
    private mutating func unescape(from start: Int) throws {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            // The run up to the next quote or escape is copied at once.
            let run = position
            while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") { position += 1 }
            if position > run { scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<position])) }
            guard position < bytes.count else { break }
            let c = bytes[position]
            position += 1
            if c == UInt8(ascii: "\"") { return }
            guard position < bytes.count else { break }
            let e = bytes[position]
            position += 1
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"): try unicodeEscape()
            default: throw fail("bad escape")
            }
        }
        throw fail("unterminated string")
    }

    /// The scalar of a `\\u` escape (after the `u`), appended as UTF-8: a surrogate pair
    /// combines; a lone surrogate is U+FFFD, and an escape after a lone high surrogate is
    /// read on its own.
    private mutating func unicodeEscape() throws {
        let first = try hex4()
        var scalar = first
        if (0xD800..<0xE000).contains(first) {
            scalar = 0xFFFD
            if first < 0xDC00, bytes.count - position >= 6,
               bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                let escape = position
                position += 2
                let low = try hex4()
                if (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    position = escape
                }
            }
        }
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - position >= 4 else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            position += 1
            v <<= 4
            switch c {
            case 0x30...0x39: v |= UInt32(c - 0x30)
            case 0x41...0x46: v |= UInt32(c - 0x41 + 10)
            case 0x61...0x66: v |= UInt32(c - 0x61 + 10)
            default: throw fail("bad \\u escape")
            }
        }
        return v
    }

    /// Reads any value as a tree (objects keep every member, in order).
    public mutating func value(depth: Int = 0) throws -> JSONValue {
        guard depth < Self.maxDepth else { throw fail("nested too deeply") }
        skipSpace()
        guard position < bytes.count else { throw fail("unexpected end") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var members: [(String, JSONValue)] = []
            skipSpace()
            if next == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipSpace()
                guard next == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let key = try stringValue()
                skipSpace()
                guard next == UInt8(ascii: ":") else { throw fail("expected ':'") }
                position += 1
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard position < bytes.count else { throw fail("unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [JSONValue] = []
            skipSpace()
            if next == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard position < bytes.count else { throw fail("unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try stringValue())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            let range = try number()
            return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self))
        }
    }
}
