import LakeCore

/// Finds the column of a JSON key from its UTF-8 bytes: an open-addressing table over the
/// column names' bytes (FNV-1a hashes), built once per table, answers a key spelled exactly
/// as a column without making a `String`.
///
/// A key spelled otherwise is matched as `String`s, as header names are: exactly (so
/// Unicode-equivalent spellings match), then lower-cased (`Name`, `name` and `NAME` all find a
/// column `name`). Where two columns differ only in case, a lower-cased key finds the one
/// named exactly so, else the first.
struct JSONKeyMap {
    /// The names, one after another; entry `e` is `names[starts[e]..<starts[e + 1]]`.
    private var names: [UInt8] = []
    private var starts: [Int] = [0]
    private var columns: [Int] = []
    /// Entry indices by hash, -1 where empty; its count is a power of two.
    private var slots: [Int32]
    /// The names and their lower-cased forms as strings, for keys not spelled exactly.
    private var byName: [String: Int] = [:]

    init(_ columnNames: [String]) {
        var capacity = 16
        while capacity < 2 * columnNames.count { capacity *= 2 }
        slots = [Int32](repeating: -1, count: capacity)
        for (c, name) in columnNames.enumerated() {
            let key = Array(name.utf8)
            let found = key.withUnsafeBytes { slot(of: $0) }
            if slots[found] < 0 {
                slots[found] = Int32(columns.count)
                names += key
                starts.append(names.count)
                columns.append(c)
            }
            byName[name] = c
            if byName[name.lowercased()] == nil { byName[name.lowercased()] = c }
        }
    }

    /// The column of a key: spelled exactly as its name, else equal to it as text, else
    /// lower-cased.
    @inline(__always)
    func column(_ key: UnsafeRawBufferPointer) -> Int? {
        let e = slots[slot(of: key)]
        if e >= 0 { return columns[Int(e)] }
        let text = String(decoding: key, as: UTF8.self)
        return byName[text] ?? byName[text.lowercased()]
    }

    /// The slot holding `key`, or the empty slot where it would go.
    @inline(__always)
    private func slot(of key: UnsafeRawBufferPointer) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while true {
            let e = slots[s]
            if e < 0 { return s }
            let start = starts[Int(e)], length = starts[Int(e) + 1] - start
            if length == key.count && (length == 0 || names.withUnsafeBytes { ByteText.equal($0.baseAddress! + start, key.baseAddress!, length) }) {
                return s
            }
            s = (s + 1) & mask
        }
    }
}
