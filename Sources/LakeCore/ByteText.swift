#if canImport(Glibc)
import Glibc
#endif

/// Byte-level operations on strings for hot paths (paths in logs, file names): the generic
/// collection algorithms over `String.UTF8View` cost tens of instructions a byte, these a few.
public enum ByteText {
    /// Whether `count` bytes at `a` and `b` are equal, compared inline eight at a time (for
    /// short keys, where a call to `memcmp` costs more than the comparison).
    @inline(__always)
    public static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        var i = 0
        while i + 8 <= count {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < count {
            if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
            i += 1
        }
        return true
    }

    /// The bytewise order of the ranges `a` and `b` of `buffer` (negative, zero, positive;
    /// bytes unsigned, the shorter first on a tie). The first eight bytes are compared as one
    /// big-endian word, loaded at once where the buffer holds eight bytes there.
    @inline(__always)
    public static func compare(_ buffer: UnsafeRawBufferPointer, _ a: Range<Int>, _ b: Range<Int>) -> Int {
        let shared = min(a.count, b.count)
        if shared > 0, let base = buffer.baseAddress {
            let x = head(buffer, a.lowerBound, shared), y = head(buffer, b.lowerBound, shared)
            if x != y { return x < y ? -1 : 1 }
            if shared > 8 {
                let order = memcmp(base + a.lowerBound + 8, base + b.lowerBound + 8, shared - 8)
                if order != 0 { return Int(order) }
            }
        }
        return a.count - b.count
    }

    /// Up to the first eight of the `count` bytes of `buffer` at `at` as a big-endian integer
    /// (zero-padded).
    @inline(__always)
    private static func head(_ buffer: UnsafeRawBufferPointer, _ at: Int, _ count: Int) -> UInt64 {
        let p = buffer.baseAddress! + at
        if at + 8 <= buffer.count {
            let word = UInt64(bigEndian: p.loadUnaligned(as: UInt64.self))
            return count >= 8 ? word : word & ~(UInt64.max >> UInt64(8 * count))
        }
        var value: UInt64 = 0
        for i in 0..<min(count, 8) { value |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << UInt64(56 - 8 * i) }
        return value
    }

    /// Whether `text` holds `byte`.
    @inlinable
    public static func contains(_ text: String, _ byte: UInt8) -> Bool {
        var text = text
        return text.withUTF8 { $0.count > 0 && memchr($0.baseAddress!, Int32(byte), $0.count) != nil }
    }

    /// The byte offset of the last `byte` in `text`.
    @inlinable
    public static func lastOffset(of byte: UInt8, in text: String) -> Int? {
        var text = text
        return text.withUTF8 { bytes in
            var i = bytes.count - 1
            while i >= 0 {
                if bytes[i] == byte { return i }
                i -= 1
            }
            return nil
        }
    }

    /// The bytes `range` of `text` as a string.
    @inlinable
    public static func slice(_ text: String, _ range: Range<Int>) -> String {
        var text = text
        return text.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    /// Whether `a` sorts before `b` by their UTF-8 bytes (as `strcmp` orders file names).
    @inlinable
    public static func less(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y -> Bool in
                let n = min(x.count, y.count)
                let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                return c != 0 ? c < 0 : x.count < y.count
            }
        }
        if let result = fast ?? nil { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
