
/// The text forms of values that every output format and command shares (DESIGN §3):
/// floats in shortest round-trip form, decimals exact, dates `YYYY-MM-DD`, timestamps
/// RFC 3339 with microseconds when non-zero, binary as base64.
///
/// Everything appends UTF-8 to a byte buffer; nothing allocates per value except for
/// float formatting, which goes through Swift's shortest-representation printer.
public enum ValueText {
    /// Appends a signed integer in decimal.
    @inline(__always)
    public static func appendInt(_ value: Int64, to out: inout [UInt8]) {
        if value == 0 { out.append(UInt8(ascii: "0")); return }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch
        var magnitude = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            while magnitude > 0 {
                scratch[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            if value < 0 { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: scratch[(24 - count)...])
        }
    }

    /// Appends a float in shortest round-trip form; NaN and infinities as `NaN`,
    /// `Infinity`, `-Infinity`.
    public static func appendFloat<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F, to out: inout [UInt8]) {
        if value.isNaN { out += "NaN".utf8; return }
        if value.isInfinite { out += (value < 0 ? "-Infinity" : "Infinity").utf8; return }
        out += value.description.utf8
    }

    /// Appends an unscaled decimal with `scale` digits after the point, exactly.
    public static func appendDecimal(_ unscaled: Int128, scale: Int, to out: inout [UInt8]) {
        var digits = Array(unscaled.magnitude.description.utf8)
        if unscaled < 0 { out.append(UInt8(ascii: "-")) }
        guard scale > 0 else { out += digits; return }
        if digits.count <= scale {
            digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: scale - digits.count + 1), at: 0)
        }
        out += digits[..<(digits.count - scale)]
        out.append(UInt8(ascii: "."))
        out += digits[(digits.count - scale)...]
    }

    /// The civil date of a day count since 1970-01-01 (proleptic Gregorian).
    public static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Days since 1970-01-01 of a civil date (proleptic Gregorian).
    public static func days(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    @inline(__always)
    private static func appendPadded(_ v: Int, width: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var x = v
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(x / divisor % 10))
            x %= divisor
            divisor /= 10
        }
    }

    /// Appends `YYYY-MM-DD` (years outside 0...9999 with a sign, as ISO 8601 expands them).
    public static func appendDate(days: Int64, to out: inout [UInt8]) {
        let (y, m, d) = civil(fromDays: days)
        if y < 0 || y > 9999 {
            out.append(y < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let digits = Array(String(y.magnitude).utf8)
            if digits.count < 4 { out += repeatElement(UInt8(ascii: "0"), count: 4 - digits.count) }
            out += digits
        } else {
            appendPadded(Int(y), width: 4, to: &out)
        }
        out.append(UInt8(ascii: "-"))
        appendPadded(m, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(d, width: 2, to: &out)
    }

    /// Appends an RFC 3339 timestamp from microseconds since the epoch; with `utc`, a `Z`.
    public static func appendTimestamp(micros: Int64, utc: Bool, to out: inout [UInt8]) {
        var days = micros / 86_400_000_000
        var rest = micros % 86_400_000_000
        if rest < 0 { rest += 86_400_000_000; days -= 1 }
        appendDate(days: days, to: &out)
        out.append(UInt8(ascii: "T"))
        let seconds = Int(rest / 1_000_000), fraction = Int(rest % 1_000_000)
        appendPadded(seconds / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(seconds / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(seconds % 60, width: 2, to: &out)
        if fraction != 0 {
            out.append(UInt8(ascii: "."))
            appendPadded(fraction, width: 6, to: &out)
        }
        if utc { out.append(UInt8(ascii: "Z")) }
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Appends standard base64 (with padding).
    public static func appendBase64(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var i = 0
        let n = bytes.count
        while i + 3 <= n {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(base64Alphabet[Int(v >> 18 & 63)]); out.append(base64Alphabet[Int(v >> 12 & 63)])
            out.append(base64Alphabet[Int(v >> 6 & 63)]); out.append(base64Alphabet[Int(v & 63)])
            i += 3
        }
        if n - i == 1 {
            let v = UInt32(bytes[i]) << 16
            out.append(base64Alphabet[Int(v >> 18 & 63)]); out.append(base64Alphabet[Int(v >> 12 & 63)])
            out += "==".utf8
        } else if n - i == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(base64Alphabet[Int(v >> 18 & 63)]); out.append(base64Alphabet[Int(v >> 12 & 63)])
            out.append(base64Alphabet[Int(v >> 6 & 63)]); out += "=".utf8
        }
    }

}
