#if canImport(Glibc)
import Glibc
#endif

/// Finds the column of a JSON key from its UTF-8 bytes, without making a `String`: an
/// open-addressing table over the column names (FNV-1a hashes), built once per table.
///
/// A key matches a column of the same name, else one whose name is the key in lower case
/// (names are compared lower-cased, so `Name`, `name` and `NAME` all find a column `name`);
/// where two columns differ only in case, the first one wins for the lower-cased spelling.
struct JSONKeyMap {
    /// The names, one after another; entry `e` is `names[starts[e]..<starts[e + 1]]`.
    private var names: [UInt8] = []
    private var starts: [Int] = [0]
    private var columns: [Int] = []
    /// Entry indices by hash, -1 where empty; its count is a power of two.
    private var slots: [Int32]

    init(_ columnNames: [String]) {
        slots = [Int32](repeating: -1, count: max(16, (columnNames.count * 4).nextPowerOfTwo))
        for (c, name) in columnNames.enumerated() { insert(Array(name.utf8), column: c) }
        for (c, name) in columnNames.enumerated() { insert(Array(name.lowercased().utf8), column: c) }
    }

    /// Adds `key` unless some column already has it.
    private mutating func insert(_ key: [UInt8], column: Int) {
        let found = key.withUnsafeBytes { b in slot(of: b) }
        guard slots[found] < 0 else { return }
        slots[found] = Int32(columns.count)
        names += key
        starts.append(names.count)
        columns.append(column)
    }

    /// The column of a key, matched exactly, then lower-cased.
    @inline(__always)
    func column(_ key: UnsafeRawBufferPointer) -> Int? {
        let e = slots[slot(of: key)]
        if e >= 0 { return columns[Int(e)] }
        var lower = Array(String(decoding: key, as: UTF8.self).lowercased().utf8)
        let l = lower.withUnsafeMutableBytes { slots[slot(of: UnsafeRawBufferPointer($0))] }
        return l >= 0 ? columns[Int(l)] : nil
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
            if length == key.count && names.withUnsafeBytes({ n in
                length == 0 || memcmp(n.baseAddress! + start, key.baseAddress!, length) == 0
            }) { return s }
            s = (s + 1) & mask
        }
    }
}

extension Int {
    /// The smallest power of two at least this (1 for 0).
    fileprivate var nextPowerOfTwo: Int {
        var p = 1
        while p < self { p <<= 1 }
        return p
    }
}
