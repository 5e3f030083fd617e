import Columnar
import Testing
@testable import Parquet

/// Every type lake has, with nulls and extremes, in one batch.
func allTypesBatch() throws -> RecordBatch {
    let fields = [
        Field("b", .boolean), Field("i8", .byte), Field("i16", .short), Field("i32", .int),
        Field("i64", .long, nullable: false), Field("f32", .float), Field("f64", .double),
        Field("d9", .decimal(precision: 9, scale: 2)), Field("d18", .decimal(precision: 18, scale: 4)),
        Field("d38", .decimal(precision: 38, scale: 10)), Field("s", .string), Field("bin", .binary),
        Field("dt", .date), Field("ts", .timestamp), Field("ntz", .timestampNTZ),
        Field("st", .struct([Field("a", .int), Field("b", .string, nullable: false)])),
        Field("l", .array(element: .long, containsNull: true)),
        Field("ll", .array(element: .array(element: .string, containsNull: true), containsNull: true)),
        Field("m", .map(key: .string, value: .double, valueContainsNull: true)),
        Field("ls", .array(element: .struct([Field("x", .double), Field("y", .string)]), containsNull: true)),
    ]
    let big = Int128(10).power(38) - 1
    let rows: [[Value]] = [
        [.bool(true), .int(-128), .int(-32768), .int(Int64(Int32.min)), .int(Int64.min), .float(.nan), .double(-0.0),
         .decimal(99_999_999), .decimal(-1), .decimal(big), .string("héllo 日本語 🎉"), .binary([0, 255]),
         .int(-25567), .int(-1), .int(1_764_000_000_123_456),
         .structure([.int(1), .string("x")]), .list([.int(1), .null, .int(3)]),
         .list([.list([.string("a")]), .list([]), .null]), .map([(key: .string("k"), value: .double(1.5)), (key: .string("n"), value: .null)]),
         .list([.structure([.double(1.5), .string("q")]), .null])],
        [.null, .null, .null, .null, .int(0), .float(-0.0), .null, .null, .null, .null, .string(""), .binary([]),
         .null, .null, .null, .null, .list([]), .null, .map([]), .list([])],
        [.bool(false), .int(127), .int(32767), .int(Int64(Int32.max)), .int(Int64.max), .float(.infinity), .double(-.infinity),
         .decimal(-99_999_999), .decimal(999_999_999_999_999_999), .decimal(-big), .null, .null,
         .int(0), .int(Int64.min / 2), .int(-1),
         .structure([.null, .string("")]), .null, .list([.null, .list([.string("b"), .null])]), .null, .null],
    ]
    return try batch(fields, rows)
}

extension Int128 {
    func power(_ n: Int) -> Int128 { (0..<n).reduce(1) { r, _ in r * self } }
}

@Suite struct RoundTripTests {
    @Test(arguments: [CompressionCodec.zstd, .snappy, .uncompressed])
    func everyTypeRoundTrips(codec: CompressionCodec) throws {
        let input = try allTypesBatch()
        var options = ParquetWriter.Options()
        options.codec = codec
        let path = try writeFile([input], options: options)
        let reader = try ParquetReader(path: path)
        #expect(reader.schema.schema == input.schema)
        #expect(reader.metadata.createdBy?.hasPrefix("lake version") == true)
        let rows = try readRows(path)
        for r in 0..<input.rowCount {
            #expect(rows[r] == input.columns.map { $0.value(at: r) }, "row \(r)")
        }
        for chunk in reader.metadata.rowGroups[0].columns { #expect(chunk.metaData?.codec == codec) }
    }

    @Test func manyRowGroupsAndPages() throws {
        let n = 100_000
        let ids = Column(type: .long, count: n, storage: .int64((0..<Int64(n)).map { $0 * 7 }))
        var offsets = [0], bytes: [UInt8] = []
        var validity = Bitmap(repeating: true, count: n)
        for i in 0..<n {
            if i % 11 == 0 { validity[i] = false } else { bytes += "v\(i % 300)".utf8 }
            offsets.append(bytes.count)
        }
        let names = Column(type: .string, count: n, validity: validity, storage: .bytes(offsets: offsets, bytes: bytes))
        let input = RecordBatch(schema: Schema([Field("id", .long), Field("name", .string)]), columns: [ids, names])
        var options = ParquetWriter.Options()
        options.rowGroupRows = 30_000
        options.pageSize = 16 << 10
        let path = try writeFile([input.slice(0..<50_000), input.slice(50_000..<n)], options: options)
        let reader = try ParquetReader(path: path)
        #expect(reader.rowGroupCount == 4)
        #expect(reader.metadata.rowGroups.map(\.numRows) == [30_000, 30_000, 30_000, 10_000])
        let rows = try readRows(path)
        #expect(rows.count == n)
        for i in stride(from: 0, to: n, by: 997) {
            #expect(rows[i] == [input.columns[0].value(at: i), input.columns[1].value(at: i)])
        }
        #expect(reader.metadata.rowGroups[0].columns[1].metaData?.encodings.contains(.rleDictionary) == true)
    }

    @Test func highCardinalityFallsBackToPlain() throws {
        let n = 20_000
        var offsets = [0], bytes: [UInt8] = []
        for i in 0..<n { bytes += "unique-value-\(i)".utf8; offsets.append(bytes.count) }
        let input = RecordBatch(schema: Schema([Field("s", .string)]),
                                columns: [Column(type: .string, count: n, storage: .bytes(offsets: offsets, bytes: bytes))])
        var options = ParquetWriter.Options()
        options.dictionaryPageSizeLimit = 4096
        let path = try writeFile([input], options: options)
        let reader = try ParquetReader(path: path)
        let encodings = reader.metadata.rowGroups[0].columns[0].metaData!.encodings
        #expect(!encodings.contains(.rleDictionary))
        let rows = try readRows(path)
        #expect(rows[12_345] == [.string("unique-value-12345")])
    }

    @Test func projectionReadsOnlyTheNamedColumnsInOrder() throws {
        let path = try writeFile([try allTypesBatch()])
        let rows = try readRows(path, columns: ["s", "i8"])
        #expect(rows[0] == [.string("héllo 日本語 🎉"), .int(-128)])
        let error = #expect(throws: ParquetError.self) { try readRows(path, columns: ["nope"]) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("no column 'nope'") == true)
    }

    @Test func emptyBatchWritesAValidFile() throws {
        let input = try batch([Field("a", .long)], [])
        let path = try writeFile([input])
        let reader = try ParquetReader(path: path)
        #expect(reader.rowCount == 0)
        #expect(try readRows(path).isEmpty)
    }

    @Test func nullInNonNullableColumnIsRefused() throws {
        let input = try batch([Field("a", .long, nullable: false)], [[.int(1)], [.null]])
        let error = #expect(throws: ParquetError.self) { try writeFile([input]) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("not nullable") == true)
    }

    @Test func decimalTooWideIsRefused() throws {
        let input = try batch([Field("d", .decimal(precision: 3, scale: 0))], [[.decimal(1000)]])
        let error = #expect(throws: ParquetError.self) { try writeFile([input]) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("more than 3 digits") == true)
    }
}

@Suite struct StatisticsTests {
    func stats(_ field: Field, _ values: [Value]) throws -> ColumnStatistics {
        let path = try writeFile([try batch([field], values.map { [$0] })])
        return try #require(try ParquetReader(path: path).statistics(rowGroup: 0, leaf: 0))
    }

    @Test func integersAndNulls() throws {
        let s = try stats(Field("a", .long), [.int(5), .null, .int(-3), .int(9)])
        #expect(s.nullCount == 1)
        #expect(s.min == .int(-3))
        #expect(s.max == .int(9))
    }

    @Test func floatsIgnoreNaNAndSignZeros() throws {
        let s = try stats(Field("a", .double), [.double(.nan), .double(0.0), .double(2.5)])
        #expect(s.min == .double(-0.0))
        #expect(s.max == .double(2.5))
        let allNaN = try stats(Field("a", .float), [.float(.nan)])
        #expect(allNaN.min == nil && allNaN.max == nil)
    }

    @Test func stringsCompareAsUnsignedBytes() throws {
        let s = try stats(Field("a", .string), [.string("b"), .string("é"), .string("a")])
        #expect(s.min == .string("a"))
        #expect(s.max == .string("é"))
    }

    @Test func wideDecimalsCompareSigned() throws {
        let s = try stats(Field("a", .decimal(precision: 30, scale: 2)), [.decimal(-5), .decimal(3), .decimal(-700)])
        #expect(s.min == .decimal(-700))
        #expect(s.max == .decimal(3))
    }
}
