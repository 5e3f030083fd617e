import LakeCore
/// Builds a dictionary for RLE_DICTIONARY encoding: the distinct values in first-seen order
/// and one index per value. Open-addressing hash tables over the raw value bytes; no value is
/// allocated on its own.
///
/// Building stops (returns nil) as soon as the dictionary's PLAIN size passes `limit`, which is
/// the signal to fall back to PLAIN encoding for the chunk, or early when the first values are
/// all distinct and the chunk holds more values than the limit allows.
enum DictionaryBuilder {
    struct Result {
        var dictionary: LeafValues
        var indices: [UInt32]
    }

    static func build(_ values: LeafValues, limit: Int) -> Result? {
        switch values {
        case .boolean, .int96: return nil
        case .int32(let v):
            return fixed(v, limit: limit, key: { UInt64(UInt32(bitPattern: $0)) }).map { Result(dictionary: .int32($0.0), indices: $0.1) }
        case .int64(let v):
            return fixed(v, limit: limit, key: { UInt64(bitPattern: $0) }).map { Result(dictionary: .int64($0.0), indices: $0.1) }
        case .float(let v):
            return fixed(v, limit: limit, key: { UInt64($0.bitPattern) }).map { Result(dictionary: .float($0.0), indices: $0.1) }
        case .double(let v):
            return fixed(v, limit: limit, key: { $0.bitPattern }).map { Result(dictionary: .double($0.0), indices: $0.1) }
        case .byteArray(let offsets, let bytes):
            return byteArrays(offsets: offsets, bytes: bytes, limit: limit)
        case .fixed(let width, let bytes):
            // Same table as byte arrays, over equally sized slices.
            let count = width == 0 ? 0 : bytes.count / width
            let offsets = (0...count).map { $0 * width }
            guard let r = byteArrays(offsets: offsets, bytes: bytes, limit: limit),
                  case .byteArray(_, let dictBytes) = r.dictionary else { return nil }
            return Result(dictionary: .fixed(width: width, bytes: dictBytes), indices: r.indices)
        }
    }

    /// After this many values, a chunk whose values were all distinct and that holds more
    /// values than the dictionary may is given up on (8,192 draws without a repeat mean far
    /// more distinct values than draws).
    static let probeValues = 8192

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        var h = x &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return h
    }

    /// A full 64-bit mix (MurmurHash3's finalizer): a table's slot takes the low bits, and
    /// values such as doubles of few decimals differ mostly in their high ones.
    @inline(__always)
    private static func spread(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    private static func fixed<T>(_ values: [T], limit: Int, key: (T) -> UInt64) -> ([T], [UInt32])? {
        let n = values.count
        let maxEntries = max(1, limit / MemoryLayout<T>.size)
        // The hash table starts small and doubles as entries come, so a chunk of few distinct
        // values, or one given up on after the first probe values, never fills a table sized
        // for the limit; the keys' and indices' buffers are allocated whole but written only
        // as far as they are used.
        var table = SlotTable()
        let keys = UnsafeMutablePointer<UInt64>.allocate(capacity: min(n, maxEntries) + 1)
        defer { table.deallocate(); keys.deallocate() }
        var dictionary: [T] = []
        dictionary.reserveCapacity(min(n, maxEntries))
        var indices = [UInt32](unsafeUninitializedCapacity: n) { _, initialized in initialized = n }
        var entries = 0
        let ok = values.withUnsafeBufferPointer { v in
            indices.withUnsafeMutableBufferPointer { indices in
                for i in 0..<n {
                    // Values all distinct so far, more of them than the dictionary can hold:
                    // it would overflow, so the work stops now, not at the limit.
                    if i == Self.probeValues && entries == i && n > maxEntries { return false }
                    let k = key(v[i])
                    var slot = Int(truncatingIfNeeded: spread(k)) & table.mask
                    while true {
                        let entry = table.slots[slot]
                        if entry < 0 {
                            guard entries < maxEntries else { return false }
                            table.slots[slot] = Int32(entries)
                            keys[entries] = k
                            dictionary.append(v[i])
                            indices[i] = UInt32(entries)
                            entries += 1
                            table.grow(toHold: entries) { spread(keys[$0]) }
                            break
                        }
                        if keys[Int(entry)] == k {
                            indices[i] = UInt32(entry)
                            break
                        }
                        slot = (slot + 1) & table.mask
                    }
                }
                return true
            }
        }
        return ok ? (dictionary, indices) : nil
    }

    private static func hashBytes(_ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            h = mix(h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift += 8
            i += 1
        }
        return mix(h ^ tail)
    }

    private static func byteArrays(offsets: [Int], bytes: [UInt8], limit: Int) -> Result? {
        let n = offsets.count - 1
        // As for fixed-width values: a table that doubles as entries come, buffers written
        // only as far as they are used.
        var table = SlotTable()
        let hashes = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, n))
        defer { table.deallocate(); hashes.deallocate() }
        var entries = 0
        var dictOffsets: [Int] = [0]
        var dictBytes: [UInt8] = []
        var indices = [UInt32](unsafeUninitializedCapacity: n) { _, initialized in initialized = n }
        var plainSize = 0
        let ok: Bool = bytes.withUnsafeBytes { src -> Bool in
            indices.withUnsafeMutableBufferPointer { indices in
                let base = src.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
                for i in 0..<n {
                    // Distinct so far, and bound past the limit at that rate: PLAIN it is.
                    if i == Self.probeValues && entries == i && plainSize / i * n > 2 * limit { return false }
                    let lo = offsets[i], len = offsets[i + 1] - lo
                    let h = hashBytes(base + lo, len)
                    var slot = Int(truncatingIfNeeded: h) & table.mask
                    while true {
                        let entry = table.slots[slot]
                        if entry < 0 {
                            table.slots[slot] = Int32(entries)
                            hashes[entries] = h
                            dictBytes.append(contentsOf: UnsafeRawBufferPointer(start: base + lo, count: len))
                            dictOffsets.append(dictBytes.count)
                            indices[i] = UInt32(entries)
                            entries += 1
                            plainSize += 4 + len
                            if plainSize > limit { return false }
                            table.grow(toHold: entries) { hashes[$0] }
                            break
                        }
                        let e = Int(entry)
                        if hashes[e] == h {
                            let dlo = dictOffsets[e], dlen = dictOffsets[e + 1] - dlo
                            if dlen == len && (len == 0 || dictBytes.withUnsafeBytes {
                                ByteText.equal($0.baseAddress! + dlo, base + lo, len)
                            }) {
                                indices[i] = UInt32(entry)
                                break
                            }
                        }
                        slot = (slot + 1) & table.mask
                    }
                }
                return true
            }
        }
        guard ok else { return nil }
        return Result(dictionary: .byteArray(offsets: dictOffsets, bytes: dictBytes), indices: indices)
    }
}

/// Open-addressing slots holding entry indices (-1: empty) for the dictionary builders; it
/// starts small and doubles when half full.
private struct SlotTable {
    private(set) var slots: UnsafeMutablePointer<Int32>
    private(set) var mask: Int

    init() {
        mask = 1023
        slots = .allocate(capacity: mask + 1)
        slots.initialize(repeating: -1, count: mask + 1)
    }

    func deallocate() { slots.deallocate() }

    /// Doubles the table when `entries` fill half of it, placing entry `j` again by `hash(j)`.
    @inline(__always)
    mutating func grow(toHold entries: Int, hash: (Int) -> UInt64) {
        guard entries * 2 > mask + 1 else { return }
        slots.deallocate()
        mask = 2 * mask + 1
        slots = .allocate(capacity: mask + 1)
        slots.initialize(repeating: -1, count: mask + 1)
        for j in 0..<entries {
            var s = Int(truncatingIfNeeded: hash(j)) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(j)
        }
    }
}
