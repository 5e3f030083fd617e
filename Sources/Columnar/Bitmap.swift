/// A fixed-length sequence of bits packed into 64-bit words; used as a validity mask where
/// a set bit means "the value is present" and a clear bit means null.
public struct Bitmap: Hashable, Sendable {
    /// The packed bits, least significant bit first.
    public private(set) var words: [UInt64]
    /// How many bits the bitmap holds.
    public private(set) var count: Int

    /// A bitmap of `count` bits, all equal to `value`.
    public init(repeating value: Bool, count: Int) {
        self.count = count
        let wordCount = (count + 63) >> 6
        words = [UInt64](repeating: value ? ~0 : 0, count: wordCount)
        if value { clearTail() }
    }

    /// A bitmap from an array of booleans.
    public init(_ bits: [Bool]) {
        self.init(repeating: false, count: bits.count)
        for (i, b) in bits.enumerated() where b { words[i >> 6] |= 1 << UInt64(i & 63) }
    }

    @inline(__always)
    public subscript(index: Int) -> Bool {
        get { (words[index >> 6] >> UInt64(index & 63)) & 1 != 0 }
        set {
            if newValue { words[index >> 6] |= 1 << UInt64(index & 63) }
            else { words[index >> 6] &= ~(1 << UInt64(index & 63)) }
        }
    }

    /// Appends one bit at the end.
    public mutating func append(_ bit: Bool) {
        if count & 63 == 0 { words.append(0) }
        if bit { words[count >> 6] |= 1 << UInt64(count & 63) }
        count += 1
    }

    /// Drops the bits past the first `n` (no change when there are at most `n`).
    public mutating func truncate(to n: Int) {
        guard n < count else { return }
        count = n
        words.removeSubrange(((n + 63) >> 6)...)
        clearTail()
    }

    /// How many bits are set.
    public var setCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The bits `range` as a new bitmap.
    public func slice(_ range: Range<Int>) -> Bitmap {
        var out = Bitmap(repeating: false, count: range.count)
        for i in 0..<range.count where self[range.lowerBound + i] { out[i] = true }
        return out
    }

    private mutating func clearTail() {
        let extra = count & 63
        if extra != 0 { words[words.count - 1] &= (1 << UInt64(extra)) - 1 }
    }
}
