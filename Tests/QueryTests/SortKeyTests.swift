import Columnar
import Testing
@testable import Query

/// Sort keys order rows as their values do: bytewise order of the lexicographic keys is
/// `ORDER BY` order (nulls first), and Z-order keys interleave the columns' scaled bits.
@Suite struct SortKeyTests {
    static func keys(_ encoder: SortKeyEncoder, _ batch: RecordBatch) -> [[UInt8]] {
        guard case .bytes(let offsets, let bytes) = encoder.keys(batch).storage else { return [] }
        return (0..<batch.rowCount).map { Array(bytes[offsets[$0]..<offsets[$0 + 1]]) }
    }

    static func batch(_ columns: [(String, Column)]) -> RecordBatch {
        RecordBatch(schema: Schema(columns.map { Field($0.0, $0.1.type) }), columns: columns.map(\.1))
    }

    /// The row order the keys give (ties kept in row order).
    static func order(_ keys: [[UInt8]]) -> [Int] {
        keys.indices.sorted { keys[$0].lexicographicallyPrecedes(keys[$1]) || (keys[$0] == keys[$1] && $0 < $1) }
    }

    @Test func integersFloatsAndNullsSortAsValues() {
        let longs: [Int64] = [5, -3, .min, .max, 0, -1, 42]
        let doubles: [Double] = [2.5, -0.0, .infinity, -.infinity, .nan, 0.0, -7.25]
        let valid = Bitmap([true, true, true, true, true, false, true])
        let rows = Self.batch([("l", Column(type: .long, count: 7, validity: valid, storage: .int64(longs))),
                               ("d", Column(type: .double, count: 7, storage: .float64(doubles)))])
        let byLong = Self.order(Self.keys(.lexicographic([0]), rows))
        // The null (row 5) first, then the values ascending.
        #expect(byLong == [5, 2, 1, 4, 0, 6, 3])
        let byDouble = Self.order(Self.keys(.lexicographic([1]), rows))
        // -0.0 and 0.0 are equal (kept in row order), NaN sorts last.
        #expect(byDouble == [3, 6, 1, 5, 0, 2, 4])
    }

    @Test func stringsCompareByteWiseWithZerosAndPrefixes() {
        let values: [[UInt8]] = [Array("b".utf8), Array("a".utf8), [0x61, 0x00], Array("ab".utf8), [], [0x61, 0x00, 0x01]]
        var offsets = [0], bytes: [UInt8] = []
        for v in values { bytes += v; offsets.append(bytes.count) }
        let rows = Self.batch([("s", Column(type: .binary, count: values.count, storage: .bytes(offsets: offsets, bytes: bytes)))])
        let order = Self.order(Self.keys(.lexicographic([0]), rows))
        #expect(order.map { values[$0] } == values.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test func laterColumnsBreakTies() {
        let rows = Self.batch([("a", Column(type: .int, count: 4, storage: .int32([2, 1, 2, 1]))),
                               ("b", Column(type: .decimal(precision: 38, scale: 0), count: 4,
                                            storage: .int128([-5, Int128(1) << 100, -(Int128(1) << 90), 3])))])
        #expect(Self.order(Self.keys(.lexicographic([0, 1]), rows)) == [3, 1, 2, 0])
    }

    @Test func zOrderInterleavesTheScaledBitsOfEachColumn() {
        // Two columns spanning 0...255 each: scaled to the full width, the top 32 bits of
        // each interleave a first, b second.
        let a: [Int64] = [0, 255, 128, 7, 200], b: [Int64] = [255, 0, 64, 7, 13]
        let rows = Self.batch([("a", Column(type: .long, count: 5, storage: .int64(a))),
                               ("b", Column(type: .long, count: 5, storage: .int64(b)))])
        let encoder = SortKeyEncoder.zOrder([0, 1], bounds: [[(.int(0), .int(255))], [(.int(0), .int(255))]])
        for (row, key) in Self.keys(encoder, rows).enumerated() {
            let word = key.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            // 0...255 scaled by a shift of 120 bits: the value lands in the top 8 of 64 bits.
            var expected: UInt64 = 0
            for bit in 0..<8 {
                let fromA = UInt64(a[row]) >> UInt64(7 - bit) & 1, fromB = UInt64(b[row]) >> UInt64(7 - bit) & 1
                expected |= fromA << UInt64(63 - 2 * bit) | fromB << UInt64(62 - 2 * bit)
            }
            #expect(word == expected, "row \(row)")
        }
    }

    @Test func zOrderScalesDoublesLinearlyBetweenTheirBounds() {
        let values: [Double] = [0, 250, 500, 750, 1000]
        let rows = Self.batch([("d", Column(type: .double, count: 5, storage: .float64(values)))])
        let encoder = SortKeyEncoder.zOrder([0], bounds: [[(.double(0), .double(1000))]])
        let words = Self.keys(encoder, rows).map { $0.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        #expect(words.map { $0 >> 62 } == [0, 1, 2, 3, 3])
        #expect(words == words.sorted())
    }
}
