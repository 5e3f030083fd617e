/// Text from input (cell values, names, paths) made safe to show in a message: control
/// characters escaped, so nothing read from a file or an argument can move the cursor, change
/// colours or start a new line on the terminal, and long values cut to a readable length.
public enum DisplayText {
    /// How many characters of one value a message shows (a value of 200 characters is
    /// already cut).
    public static let valueLimit = 160
    /// How many characters of a path or name a message shows (the middle is cut).
    public static let pathLimit = 200
    /// How many characters a whole error message keeps (values are cut long before).
    public static let messageLimit = 4000

    /// `text` with every control character escaped: `\n`, `\r`, `\t`, other C0 and C1
    /// characters and DEL as `\x1b`-style escapes, line and paragraph separators and the
    /// bidirectional overrides as `\u{2028}`-style ones. Everything else is kept.
    public static func escapingControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else { out.append(scalar); continue }
            let escaped: String
            switch scalar {
            case "\n": escaped = "\\n"
            case "\r": escaped = "\\r"
            case "\t": escaped = "\\t"
            default:
                let hex = String(scalar.value, radix: 16)
                escaped = scalar.value < 0x100 ? "\\x" + hex.leftPadded(2) : "\\u{" + hex + "}"
            }
            out.append(contentsOf: escaped.unicodeScalars)
        }
        return String(out)
    }

    /// Whether a character is shown escaped.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    /// `text` cut to `limit` characters, ending in `…` when cut.
    public static func cut(_ text: String, limit: Int = valueLimit) -> String {
        let (kept, wasCut) = prefix(text, limit)
        return wasCut ? kept + "…" : kept
    }

    /// The first `limit` characters of `text`, and whether anything was left out.
    private static func prefix(_ text: String, _ limit: Int) -> (String, Bool) {
        var count = 0
        var end = text.startIndex
        while end < text.endIndex {
            if count == limit { return (String(text[..<end]), true) }
            count += 1
            end = text.index(after: end)
        }
        return (text, false)
    }

    /// `text` with its middle cut out when longer than `limit` characters (the start and the
    /// end kept, `…` between): a long path keeps its file name.
    public static func cutMiddle(_ text: String, limit: Int = valueLimit) -> String {
        let count = text.count
        guard count > limit else { return text }
        let head = limit / 2, tail = limit - head
        return String(text.prefix(head)) + "…" + String(text.suffix(tail))
    }

    /// A value from input as a message shows it: cut to ``valueLimit`` characters, control
    /// characters escaped.
    public static func value(_ text: String) -> String { escapingControls(cut(text)) }

    /// A value's bytes as a message shows them (invalid UTF-8 as U+FFFD).
    public static func value(_ bytes: UnsafeRawBufferPointer) -> String {
        // Decode no more than the limit can show (a character is at most 4 bytes), never the
        // whole of a huge value.
        let maxBytes = valueLimit * 4
        let (kept, wasCut) = prefix(String(decoding: bytes.prefix(maxBytes), as: UTF8.self), valueLimit)
        return escapingControls(wasCut || bytes.count > maxBytes ? kept + "…" : kept)
    }

    /// A path or name from input as a message shows it: its middle cut out past
    /// ``pathLimit`` characters, control characters escaped.
    public static func path(_ text: String) -> String { escapingControls(cutMiddle(text, limit: pathLimit)) }

    /// A whole message as the terminal gets it: control characters escaped, and cut (in the
    /// middle) past ``messageLimit`` characters.
    public static func message(_ text: String) -> String { escapingControls(cutMiddle(text, limit: messageLimit)) }
}
