import Testing
@testable import Columnar

@Suite struct BitmapTests {
    @Test func setsAndCounts() {
        var b = Bitmap(repeating: false, count: 130)
        b[0] = true
        b[64] = true
        b[129] = true
        #expect(b.setCount == 3)
        #expect(b[64] && !b[63])
        b.append(true)
        #expect(b.count == 131 && b[130])
    }

    @Test func fullBitmapHasNoStrayBits() {
        let b = Bitmap(repeating: true, count: 70)
        #expect(b.setCount == 70)
        #expect(b.slice(60..<70).setCount == 10)
    }
}

@Suite struct ColumnTests {
    @Test func buildsFlatColumnsWithNulls() throws {
        let c = try Column(.long, [.int(1), .null, .int(3)])
        #expect(c.count == 3)
        #expect(c.nullCount == 1)
        #expect(c.value(at: 1) == .null)
        #expect(c.value(at: 2) == .int(3))
    }

    @Test func allValidColumnsDropTheirBitmap() throws {
        let c = try Column(.string, [.string("a"), .string("")])
        #expect(c.validity == nil)
        #expect(c.value(at: 1) == .string(""))
    }

    @Test func rejectsValuesThatDoNotFit() {
        let tooBig = #expect(throws: ColumnarError.self) { try Column(.byte, [.int(300)]) }
        #expect(tooBig?.description.contains("300 does not fit") == true, "\(tooBig.map(String.init(describing:)) ?? "")")
        let notBool = #expect(throws: ColumnarError.self) { try Column(.boolean, [.string("yes")]) }
        #expect(notBool?.description.contains("is not a boolean") == true, "\(notBool.map(String.init(describing:)) ?? "")")
    }

    @Test func nestedValuesRoundTripThroughSlices() throws {
        let type = DataType.array(element: .struct([Field("x", .int), Field("y", .string)]), containsNull: true)
        let values: [Value] = [
            .list([.structure([.int(1), .string("a")]), .null]),
            .null,
            .list([]),
            .list([.structure([.null, .string("b")])]),
        ]
        let c = try Column(type, values)
        #expect((0..<4).map { c.value(at: $0) } == values)
        let s = c.slice(2..<4)
        #expect(s.value(at: 0) == values[2])
        #expect(s.value(at: 1) == values[3])
    }

    @Test func mapsKeepEntryOrder() throws {
        let c = try Column(.map(key: .string, value: .long, valueContainsNull: true),
                           [.map([(key: .string("b"), value: .int(2)), (key: .string("a"), value: .null)])])
        #expect(c.value(at: 0) == .map([(key: .string("b"), value: .int(2)), (key: .string("a"), value: .null)]))
        let nullKey = #expect(throws: ColumnarError.self) {
            try Column(.map(key: .string, value: .long, valueContainsNull: true), [.map([(key: .null, value: .int(1))])])
        }
        #expect(nullKey?.description == "map keys cannot be null")
    }

    @Test func typeDescriptionsMatchTheSchemaSpec() {
        #expect(DataType.decimal(precision: 12, scale: 2).description == "decimal(12,2)")
        #expect(DataType.map(key: .string, value: .array(element: .long, containsNull: true), valueContainsNull: true).description
                == "map<string,array<long>>")
        #expect(DataType.struct([Field("a", .int), Field("b", .timestampNTZ)]).description == "struct<a:int,b:timestamp_ntz>")
    }
}
