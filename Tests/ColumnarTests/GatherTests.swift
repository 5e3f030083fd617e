import Columnar
import Testing

/// `gather` picks rows from several columns in any order, nested types and nulls included;
/// `take` is its one-source case.
@Suite struct GatherTests {
    static let listType = DataType.array(element: .string, containsNull: true)

    static func lists(_ rows: [[String?]?]) -> Column {
        var offsets = [0], strings: [String?] = []
        for row in rows {
            strings += row ?? []
            offsets.append(strings.count)
        }
        var textOffsets = [0], bytes: [UInt8] = []
        for s in strings {
            bytes += Array((s ?? "").utf8)
            textOffsets.append(bytes.count)
        }
        let child = Column(type: .string, count: strings.count, validity: Bitmap(strings.map { $0 != nil }),
                           storage: .bytes(offsets: textOffsets, bytes: bytes))
        return Column(type: listType, count: rows.count, validity: Bitmap(rows.map { $0 != nil }),
                      storage: .list(offsets: offsets, child: child))
    }

    @Test func gathersAcrossSourcesInOrder() {
        let first = Column(type: .long, count: 3, validity: Bitmap([true, false, true]), storage: .int64([1, 0, 3]))
        let second = Column(type: .long, count: 2, storage: .int64([10, 20]))
        let picked = Column.gather([first, second], [RowRef(source: 1, row: 1), RowRef(source: 0, row: 1),
                                                     RowRef(source: 0, row: 2), RowRef(source: 1, row: 0)])
        #expect((0..<4).map { picked.value(at: $0) } == [.int(20), .null, .int(3), .int(10)])
    }

    @Test func gathersNestedValues() {
        let a = Self.lists([["x", nil], nil, []]), b = Self.lists([["long text", "y"]])
        let picked = Column.gather([a, b], [RowRef(source: 1, row: 0), RowRef(source: 0, row: 2),
                                            RowRef(source: 0, row: 0), RowRef(source: 0, row: 1)])
        #expect(picked.value(at: 0) == .list([.string("long text"), .string("y")]))
        #expect(picked.value(at: 1) == .list([]))
        #expect(picked.value(at: 2) == .list([.string("x"), .null]))
        #expect(picked.value(at: 3) == .null)
        let taken = a.take([2, 0])
        #expect(taken.value(at: 0) == .list([]) && taken.value(at: 1) == .list([.string("x"), .null]))
    }
}
