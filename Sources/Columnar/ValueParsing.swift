/// Parsing of the text forms of dates and timestamps (ISO 8601 / RFC 3339 and the
/// space-separated form Delta partition values use).
extension ValueText {
    /// Days since 1970-01-01 of `YYYY-MM-DD`; nil when not a valid date.
    public static func parseDate(_ text: Substring) -> Int64? {
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBytes { parseDate(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// A timestamp from text; see ``parseTimestamp(bytes:)``.
    public static func parseTimestamp(_ text: Substring) -> (micros: Int64, hasOffset: Bool)? {
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBytes { parseTimestamp(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Days since 1970-01-01 of `YYYY-MM-DD` in UTF-8 bytes; nil when not a valid date.
    public static func parseDate(bytes utf8: UnsafeRawBufferPointer) -> Int64? {
        guard utf8.count == 10, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-"),
              let y = digits(utf8, 0, 4), let m = digits(utf8, 5, 2), let d = digits(utf8, 8, 2),
              (1...12).contains(m), d >= 1, d <= daysInMonth(year: Int64(y), month: m) else { return nil }
        return days(year: Int64(y), month: m, day: d)
    }

    /// A timestamp `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][Z|±HH:MM]` or a bare date (midnight).
    /// Returns microseconds since the epoch (UTC when an offset is given, else wall clock) and
    /// whether an offset (`Z` or `±HH:MM`) was present.
    public static func parseTimestamp(bytes utf8: UnsafeRawBufferPointer) -> (micros: Int64, hasOffset: Bool)? {
        guard utf8.count >= 10, let day = parseDate(bytes: UnsafeRawBufferPointer(rebasing: utf8[0..<10])) else { return nil }
        if utf8.count == 10 { return (day * 86_400_000_000, false) }
        guard utf8[10] == UInt8(ascii: "T") || utf8[10] == UInt8(ascii: "t") || utf8[10] == UInt8(ascii: " "),
              utf8.count >= 16, let hh = digits(utf8, 11, 2), utf8[13] == UInt8(ascii: ":"),
              let mm = digits(utf8, 14, 2), hh < 24, mm < 60 else { return nil }
        var i = 16
        var seconds = 0
        var micros = 0
        if i < utf8.count && utf8[i] == UInt8(ascii: ":") {
            guard let ss = digits(utf8, i + 1, 2), ss < 60 else { return nil }
            seconds = ss
            i += 3
            if i < utf8.count && utf8[i] == UInt8(ascii: ".") {
                i += 1
                var count = 0
                while i < utf8.count, utf8[i] >= 0x30, utf8[i] <= 0x39 {
                    if count < 6 { micros = micros * 10 + Int(utf8[i] - 0x30) }
                    count += 1
                    i += 1
                }
                guard count > 0 else { return nil }
                if count < 6 { for _ in count..<6 { micros *= 10 } }
            }
        }
        var offsetSeconds = 0
        var hasOffset = false
        if i < utf8.count {
            if (utf8[i] == UInt8(ascii: "Z") || utf8[i] == UInt8(ascii: "z")) && i == utf8.count - 1 {
                hasOffset = true
            } else if utf8[i] == UInt8(ascii: "+") || utf8[i] == UInt8(ascii: "-") {
                guard utf8.count == i + 6, let oh = digits(utf8, i + 1, 2), utf8[i + 3] == UInt8(ascii: ":"),
                      let om = digits(utf8, i + 4, 2), oh < 24, om < 60 else { return nil }
                offsetSeconds = (oh * 3600 + om * 60) * (utf8[i] == UInt8(ascii: "-") ? -1 : 1)
                hasOffset = true
            } else {
                return nil
            }
        }
        let secondsOfDay = Int64(hh * 3600 + mm * 60 + seconds - offsetSeconds)
        return (day * 86_400_000_000 + secondsOfDay * 1_000_000 + Int64(micros), hasOffset)
    }

    static func daysInMonth(year: Int64, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    @inline(__always)
    private static func digits(_ utf8: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Int? {
        guard start + count <= utf8.count else { return nil }
        var v = 0
        for k in start..<start + count {
            let c = utf8[k]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }
}
