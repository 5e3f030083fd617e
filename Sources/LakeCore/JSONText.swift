/// JSON string escaping, shared by the log's JSON, command output and the value formats.
public enum JSONText {
    /// Appends bytes as the contents of a JSON string (without quotes), escaping quotes,
    /// backslashes and control characters; invalid UTF-8 becomes U+FFFD.
    public static func appendEscaped(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var ascii = true
        for b in bytes where b >= 0x80 { ascii = false; break }
        if !ascii {
            let text = String(decoding: bytes, as: UTF8.self)
            var utf8 = Array(text.utf8)
            utf8.withUnsafeMutableBytes { appendEscapedValid(UnsafeRawBufferPointer($0), to: &out) }
            return
        }
        appendEscapedValid(bytes, to: &out)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private static func appendEscapedValid(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case 0x0A: out += #"\n"#.utf8
            case 0x0D: out += #"\r"#.utf8
            case 0x09: out += #"\t"#.utf8
            case 0..<0x20:
                out += #"\u00"#.utf8
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            default: out.append(b)
            }
        }
    }
}
