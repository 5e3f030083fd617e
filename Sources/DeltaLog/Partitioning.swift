import Columnar
import LakeCore

/// Partition values as the protocol serializes them ("Partition Value Serialization"), Hive
/// directory names, and the URI encoding of paths in `add`/`remove`.
public enum Partitioning {
    /// The directory name Hive (and Spark, delta-rs) use for a null partition value.
    public static let nullDirectoryValue = "__HIVE_DEFAULT_PARTITION__"

    /// The serialized form of value `row` of a partition column; nil for null.
    public static func serialize(_ column: Column, _ row: Int) -> String? {
        if column.isNull(row) { return nil }
        var out: [UInt8] = []
        switch column.storage {
        case .bool(let v): return v[row] ? "true" : "false"
        case .int8(let v): return String(v[row])
        case .int16(let v): return String(v[row])
        case .int32(let v):
            if column.type == .date { ValueText.appendDate(days: Int64(v[row]), to: &out) } else { return String(v[row]) }
        case .int64(let v):
            switch column.type {
            case .timestamp, .timestampNTZ:
                // `YYYY-MM-DD HH:MM:SS[.ffffff]`, UTC for timestamp.
                ValueText.appendTimestamp(micros: v[row], utc: false, to: &out)
                if let t = out.firstIndex(of: UInt8(ascii: "T")) { out[t] = UInt8(ascii: " ") }
            default: return String(v[row])
            }
        case .float32(let v): ValueText.appendFloat(v[row], to: &out)
        case .float64(let v): ValueText.appendFloat(v[row], to: &out)
        case .int128(let v):
            guard case .decimal(_, let scale) = column.type else { return nil }
            ValueText.appendDecimal(v[row], scale: scale, to: &out)
        case .bytes(let offsets, let bytes):
            // The protocol reads an empty partition value as null, so an empty string is one.
            guard offsets[row + 1] > offsets[row] else { return nil }
            return String(decoding: bytes[offsets[row]..<offsets[row + 1]], as: UTF8.self)
        case .structure, .list, .map:
            return nil
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A column of `count` copies of a serialized partition value (nil: null) of `type`.
    public static func column(_ text: String?, type: DataType, count: Int) throws -> Column {
        guard let text else {
            return try Column(type, Array(repeating: .null, count: count))
        }
        let value = try parse(text, type: type)
        return try Column(type, Array(repeating: value, count: count))
    }

    /// The value of a serialized partition value.
    public static func parse(_ text: String, type: DataType) throws -> Value {
        func bad() -> DeltaError { DeltaError(.corrupt, "partition value '\(DisplayText.value(text))' is not a valid \(type)") }
        switch type {
        case .string: return .string(text)
        case .binary: return .binary(Array(text.utf8))
        case .boolean:
            switch text.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw bad()
            }
        case .byte, .short, .int, .long:
            guard let v = Int64(text) else { throw bad() }
            return .int(v)
        case .float:
            guard let v = Float(text) ?? floatSpecial(text).map(Float.init) else { throw bad() }
            return .float(v)
        case .double:
            guard let v = Double(text) ?? floatSpecial(text) else { throw bad() }
            return .double(v)
        case .date:
            guard let d = ValueText.parseDate(Substring(text)) else { throw bad() }
            return .int(d)
        case .timestamp, .timestampNTZ:
            guard let t = ValueText.parseTimestamp(Substring(text)) else { throw bad() }
            return .int(t.micros)
        case .decimal(_, let scale):
            guard let v = parseDecimal(text, scale: scale) else { throw bad() }
            return .decimal(v)
        case .struct, .array, .map:
            throw DeltaError(.unsupported, "partitioning by a \(type) column")
        }
    }

    private static func floatSpecial(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return nil
        }
    }

    /// An unscaled decimal with `scale` digits from `123.45` text; nil when it has more digits.
    public static func parseDecimal(_ text: String, scale: Int) -> Int128? {
        var s = Substring(text)
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !(whole.isEmpty && parts.count == 1) else { return nil }
        var fraction = parts.count == 2 ? parts[1] : ""
        guard whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit) else { return nil }
        while fraction.count > scale && fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= scale else { return nil }
        let digits = String(whole) + String(fraction) + String(repeating: "0", count: scale - fraction.count)
        guard digits.count <= 39, let v = Int128(digits.isEmpty ? "0" : digits) else { return nil }
        return negative ? -v : v
    }

    private static let hiveEscaped: Set<UInt8> = Set(Array("\"#%'*/:=?\\{[]^".utf8) + [0x7F] + Array(1..<0x20))

    /// A Hive directory component `column=value`, with the characters Hive escapes as `%XX`.
    public static func directoryName(column: String, value: String?) -> String {
        escapeHive(column) + "=" + (value.map(escapeHive) ?? nullDirectoryValue)
    }

    static func escapeHive(_ text: String) -> String {
        var bytes: [UInt8] = []
        for b in text.utf8 {
            if hiveEscaped.contains(b) { bytes += Array(("%" + String(b, radix: 16, uppercase: true).leftPadded(2)).utf8) }
            else { bytes.append(b) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let uriUnreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/!$&'()*+,;=:@".utf8))

    /// A relative file path as a URI path (RFC 2396): other bytes as `%XX`.
    public static func uriEncode(_ path: String) -> String {
        var bytes: [UInt8] = []
        for b in path.utf8 {
            if uriUnreserved.contains(b) { bytes.append(b) }
            else { bytes += Array(("%" + String(b, radix: 16, uppercase: true).leftPadded(2)).utf8) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The file path a URI path names (`%XX` decoded).
    public static func uriDecode(_ path: String) -> String {
        guard ByteText.contains(path, UInt8(ascii: "%")) else { return path }
        var out: [UInt8] = []
        let bytes = Array(path.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
               let v = UInt8(String(decoding: bytes[i + 1...i + 2], as: UTF8.self), radix: 16) {
                out.append(v)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
