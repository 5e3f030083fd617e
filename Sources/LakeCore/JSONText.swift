/// JSON string escaping, shared by the log's JSON, command output and the value formats.
public enum JSONText {
    /// Appends bytes as the contents of a JSON string (without quotes), escaping quotes,
    /// backslashes and control characters; invalid UTF-8 becomes U+FFFD.
    public static func appendEscaped(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        if !UTF8Bytes.isValid(bytes) {
            var valid = Array(String(decoding: bytes, as: UTF8.self).utf8)
            valid.withUnsafeMutableBytes { appendEscapedValid(UnsafeRawBufferPointer($0), to: &out) }
            return
        }
        appendEscapedValid(bytes, to: &out)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// Appends valid UTF-8, escaped: runs that need no escape are copied at once.
    private static func appendEscapedValid(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var run = 0
        for (i, b) in bytes.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
            if i > run { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<i])) }
            run = i + 1
            switch b {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case 0x0A: out += #"\n"#.utf8
            case 0x0D: out += #"\r"#.utf8
            case 0x09: out += #"\t"#.utf8
            default:
                out += #"\u00"#.utf8
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            }
        }
        if bytes.count > run { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run...])) }
    }
}
