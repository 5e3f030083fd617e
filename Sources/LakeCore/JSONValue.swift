/// A JSON document as the Delta log stores it. Objects keep their key order and numbers keep
/// their text, so an action read and written again is unchanged (unknown fields included) and
/// 64-bit or decimal statistics never pass through a double.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number, as written.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// A member of an object (nil for other values or a missing key).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// An integer number (or a string holding one, as some writers store them).
    public var intValue: Int64? {
        switch self {
        case .number(let n): return Int64(n) ?? Double(n).flatMap { $0 == $0.rounded() ? Int64(exactly: $0) : nil }
        case .string(let s): return Int64(s)
        default: return nil
        }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [(String, JSONValue)]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The object with `key` set to `value` (replacing or appending), other members kept.
    public func setting(_ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        if let i = members.firstIndex(where: { $0.0 == key }) { members[i].1 = value } else { members.append((key, value)) }
        return .object(members)
    }

    /// A number from an integer.
    public static func int(_ v: some BinaryInteger) -> JSONValue { .number(String(v)) }

    /// A number whose text is `text`, when `text` is a JSON number (nothing else: no spaces,
    /// no `+`, no leading zeros).
    public static func number(exactly text: String) -> JSONValue? {
        guard !text.isEmpty, text.utf8.allSatisfy({ "0123456789-+.eE".utf8.contains($0) }),
              let parsed = try? JSONValue.parse(text), case .number = parsed else { return nil }
        return parsed
    }

    /// An object from string pairs.
    public static func strings(_ pairs: [(String, String)]) -> JSONValue {
        .object(pairs.map { ($0.0, .string($0.1)) })
    }
}

/// A JSON text that could not be parsed, with the byte offset of the problem.
public struct JSONError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var offset: Int
    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

// MARK: - Parsing

extension JSONValue {
    /// Parses one JSON value (surrounding white space allowed).
    public static func parse(_ text: String) throws -> JSONValue {
        var utf8 = Array(text.utf8)
        return try utf8.withUnsafeMutableBytes { try parse(UnsafeRawBufferPointer($0)) }
    }

    /// Parses one JSON value from UTF-8 bytes.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSONValue {
        var scanner = JSONScanner(bytes)
        let value = try scanner.value()
        scanner.skipSpace()
        guard scanner.atEnd else { throw scanner.fail("unexpected text after the value") }
        return value
    }
}

// MARK: - Writing

extension JSONValue {
    /// Compact JSON text (no white space), keys in their stored order.
    public func serialized() -> String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let n): out += n.utf8
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var utf8 = Array(s.utf8)
        utf8.withUnsafeMutableBytes { JSONText.appendEscaped(UnsafeRawBufferPointer($0), to: &out) }
        out.append(UInt8(ascii: "\""))
    }
}
