#if canImport(Glibc)
import Glibc
#endif

/// Parsing of values from the bytes of a text field, without allocating: integers with
/// range checks, floats (exact fast path, `strtod` otherwise), exact decimals, booleans,
/// base64. Every function returns nil when the text is not a value of its type.
enum TextParsing {
    /// The bytes without leading and trailing spaces and tabs.
    @inline(__always)
    static func trimmed(_ b: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var lo = 0, hi = b.count
        while lo < hi && (b[lo] == 0x20 || b[lo] == 0x09) { lo += 1 }
        while hi > lo && (b[hi - 1] == 0x20 || b[hi - 1] == 0x09) { hi -= 1 }
        return UnsafeRawBufferPointer(rebasing: b[lo..<hi])
    }

    /// An optionally signed decimal integer within `min...max`.
    @inline(__always)
    static func integer(_ raw: UnsafeRawBufferPointer, min: Int64 = .min, max: Int64 = .max) -> Int64? {
        let b = trimmed(raw)
        var i = 0
        var negative = false
        if i < b.count && (b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+")) {
            negative = b[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < b.count else { return nil }
        // Accumulate negatively so Int64.min parses.
        var v: Int64 = 0
        while i < b.count {
            let d = b[i] &- 0x30
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (n, o2) = m.subtractingReportingOverflow(Int64(d))
            guard !o1 && !o2 else { return nil }
            v = n
            i += 1
        }
        if !negative {
            guard v != .min else { return nil }
            v = -v
        }
        guard v >= min && v <= max else { return nil }
        return v
    }

    /// Whether the text is an integer that only failed the range check.
    static func isOutOfRangeInteger(_ raw: UnsafeRawBufferPointer) -> Bool {
        let b = trimmed(raw)
        var i = 0
        if i < b.count && (b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+")) { i += 1 }
        guard i < b.count else { return false }
        return b[i...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    private static let exactPowers: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { r, _ in r * 10 } }

    /// A float: decimal or scientific notation, `NaN`, `Infinity`, `-Infinity`, `inf`.
    static func double(_ raw: UnsafeRawBufferPointer) -> Double? {
        let b = trimmed(raw)
        guard !b.isEmpty else { return nil }
        // Fast path: [-]digits[.digits] with at most 15 significant digits is exact.
        var i = 0
        var negative = false
        if b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: "+") { negative = b[0] == UInt8(ascii: "-"); i = 1 }
        var mantissa: Int64 = 0
        var digits = 0
        var fraction = 0
        var seenPoint = false
        var simple = i < b.count
        while i < b.count {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                if digits < 15 { mantissa = mantissa * 10 + Int64(c - 0x30); digits += 1; if seenPoint { fraction += 1 } }
                else { simple = false; break }
            } else if c == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else {
                simple = false
                break
            }
            i += 1
        }
        if simple && (digits > 0) {
            let v = Double(mantissa) / exactPowers[fraction]
            return negative ? -v : v
        }
        return slowDouble(b)
    }

    private static func slowDouble(_ b: UnsafeRawBufferPointer) -> Double? {
        if b.count <= 9 {
            switch String(decoding: b, as: UTF8.self).lowercased() {
            case "nan", "+nan", "-nan": return .nan
            case "inf", "+inf", "infinity", "+infinity": return .infinity
            case "-inf", "-infinity": return -.infinity
            default: break
            }
        }
        // strtod accepts hex floats and "nan(...)": only plain decimal text is a value here,
        // checked before anything is copied.
        for c in b where !((c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x2B || c == 0x2D || c == 0x65 || c == 0x45) {
            return nil
        }
        var text = [CChar](repeating: 0, count: b.count + 1)
        for k in 0..<b.count { text[k] = CChar(bitPattern: b[k]) }
        var end: UnsafeMutablePointer<CChar>?
        let v = text.withUnsafeMutableBufferPointer { p -> Double in
            let r = strtod(p.baseAddress!, &end)
            return end == p.baseAddress! + b.count ? r : .nan
        }
        return v.isNaN ? nil : v
    }

    /// An exact decimal with `scale` fraction digits and at most `precision` digits; trailing
    /// fraction zeros beyond the scale are allowed, anything else beyond it is an error.
    static func decimal(_ raw: UnsafeRawBufferPointer, precision: Int, scale: Int) -> Int128? {
        let b = trimmed(raw)
        var i = 0
        var negative = false
        if i < b.count && (b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+")) { negative = b[i] == UInt8(ascii: "-"); i += 1 }
        var v: Int128 = 0
        var intDigits = 0, fracDigits = 0
        var seenPoint = false, anyDigit = false
        var extraFraction: [UInt8] = []
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: ".") {
                guard !seenPoint else { return nil }
                seenPoint = true
            } else if c >= 0x30 && c <= 0x39 {
                anyDigit = true
                if seenPoint {
                    if fracDigits < scale { v = v * 10 + Int128(c - 0x30); fracDigits += 1 } else { extraFraction.append(c) }
                } else {
                    if intDigits > 0 || c != 0x30 { intDigits += 1 }
                    guard intDigits <= 38 else { return nil }
                    v = v * 10 + Int128(c - 0x30)
                }
            } else {
                return nil
            }
            i += 1
        }
        guard anyDigit, extraFraction.allSatisfy({ $0 == 0x30 }), intDigits <= precision - scale else { return nil }
        for _ in fracDigits..<scale { v *= 10 }
        return negative ? -v : v
    }

    /// `true/false`, `t/f`, `yes/no`, `1/0`, any case.
    static func boolean(_ raw: UnsafeRawBufferPointer) -> Bool? {
        let b = trimmed(raw)
        guard b.count <= 5 else { return nil }
        var lower = ""
        for c in b { lower.unicodeScalars.append(Unicode.Scalar(c >= 0x41 && c <= 0x5A ? c + 32 : c)) }
        switch lower {
        case "true", "t", "yes", "y", "1": return true
        case "false", "f", "no", "n", "0": return false
        default: return nil
        }
    }

    private static let base64Values: [UInt8] = {
        var table = [UInt8](repeating: 255, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { table[Int(c)] = UInt8(i) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Standard or URL-safe base64, padding optional; appends the bytes to `out`.
    static func base64(_ raw: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        let b = trimmed(raw)
        var acc: UInt32 = 0, bits = 0
        var padding = 0
        for c in b {
            if c == UInt8(ascii: "=") { padding += 1; continue }
            guard padding == 0 else { return false }
            let v = base64Values[Int(c)]
            guard v != 255 else { return false }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return padding <= 2
    }
}
