/// Checks of raw bytes as UTF-8, without making a `String`.
public enum UTF8Bytes {
    /// Whether every byte is ASCII (checked eight at a time).
    @inline(__always)
    public static func isASCII(_ b: UnsafeRawBufferPointer) -> Bool {
        guard let base = b.baseAddress else { return true }
        var i = 0
        var high: UInt64 = 0
        while i + 8 <= b.count {
            high |= base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < b.count { high |= UInt64(b[i]); i += 1 }
        return high & 0x8080_8080_8080_8080 == 0
    }

    /// Whether the bytes are valid UTF-8 (runs of ASCII checked eight bytes at a time).
    public static func isValid(_ b: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = b.count
        while i < n {
            if i + 8 <= n && b.baseAddress!.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            if c & 0xE0 == 0xC0 { length = 2; scalar = UInt32(c & 0x1F); minimum = 0x80 }
            else if c & 0xF0 == 0xE0 { length = 3; scalar = UInt32(c & 0x0F); minimum = 0x800 }
            else if c & 0xF8 == 0xF0 { length = 4; scalar = UInt32(c & 0x07); minimum = 0x10000 }
            else { return false }
            guard i + length <= n else { return false }
            for k in 1..<length {
                let d = b[i + k]
                guard d & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(d & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return false }
            i += length
        }
        return true
    }
}
