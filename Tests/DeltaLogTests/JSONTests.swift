import LakeCore
import Columnar
import Parquet
import Testing
@testable import DeltaLog
#if canImport(Glibc)
import Glibc
#endif

@Suite struct JSONTests {
    @Test func roundTripKeepsOrderNumbersAndEscapes() throws {
        let text = #"{"b":1,"a":[true,false,null],"n":12345678901234567890.125,"s":"q\"\\\n\u0001é😀","e":{}}"#
        let value = try JSONValue.parse(text)
        #expect(value["n"] == .number("12345678901234567890.125"))
        #expect(value["s"]?.stringValue == "q\"\\\n\u{1}é😀")
        #expect(value.serialized() == #"{"b":1,"a":[true,false,null],"n":12345678901234567890.125,"s":"q\"\\\n\u0001é😀","e":{}}"#)
    }

    @Test func surrogatePairsDecode() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"open", "{\"a\":1} x", "-"])
    func malformedTextIsAnError(text: String) {
        let error = #expect(throws: JSONError.self) { try JSONValue.parse(text) }
        // The offset points into the text (at most one past its end).
        #expect(error.map { (0...text.utf8.count).contains($0.offset) } == true, "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test func deepNestingIsAnError() {
        let text = String(repeating: "[", count: 10_000)
        let error = #expect(throws: JSONError.self) { try JSONValue.parse(text) }
        #expect(error?.message.contains("nested too deeply") == true, "\(error.map(String.init(describing:)) ?? "")")
    }
}

@Suite struct SchemaTests {
    @Test func specParsesEveryType() throws {
        let schema = try Schema(parsing: """
            id long not null, name string, amount decimal(12,2), ts timestamp, t2 timestamp_ntz, d date,
            b boolean, y byte, s short, i int, f float, x double, bin binary,
            tags array<string>, m map<string, bigint>, st struct<a:int, `b c`: string not null>
            """)
        #expect(schema.fields.count == 16)
        #expect(schema.fields[0] == Field("id", .long, nullable: false))
        #expect(schema.fields[2].type == .decimal(precision: 12, scale: 2))
        #expect(schema.fields[15].type == .struct([Field("a", .int), Field("b c", .string, nullable: false)]))
        // Delta's JSON form and back.
        let json = SchemaJSON.encode(schema).serialized()
        #expect(try SchemaJSON.decode(json) == schema)
        #expect(json.contains(#""type":"integer""#))
    }

    @Test(arguments: ["id lng", "id long,", "id decimal(40,2)", "a int, a long", "s struct<>", "m map<string>", "id long not"])
    func badSpecsAreErrors(spec: String) {
        let error = #expect(throws: SchemaSpecError.self) { try Schema(parsing: spec) }
        // The position points into the spec (at most one past its end).
        #expect(error.map { (0...spec.unicodeScalars.count).contains($0.position) } == true,
                "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test func unknownDeltaTypesAreRefusedByName() {
        let json = #"{"type":"struct","fields":[{"name":"v","type":"variant","nullable":true,"metadata":{}}]}"#
        do {
            _ = try SchemaJSON.decode(json)
            Issue.record("accepted a variant column")
        } catch let error as DeltaError {
            #expect(error.kind == .unsupported)
            #expect(error.message.contains("variant"))
        } catch {
            Issue.record("\(error)")
        }
    }
}

@Suite struct PartitioningTests {
    @Test func hiveDirectoryNamesEscape() {
        #expect(Partitioning.directoryName(column: "region", value: "us/east") == "region=us%2Feast")
        #expect(Partitioning.directoryName(column: "a", value: "x=y:z%") == "a=x%3Dy%3Az%25")
        #expect(Partitioning.directoryName(column: "a", value: nil) == "a=__HIVE_DEFAULT_PARTITION__")
        #expect(Partitioning.directoryName(column: "a", value: "B B é") == "a=B B é")
    }

    @Test func uriPathsRoundTrip() {
        let path = "region=us%2Feast/name with space é/part-0.parquet"
        let encoded = Partitioning.uriEncode(path)
        #expect(encoded == "region=us%252Feast/name%20with%20space%20%C3%A9/part-0.parquet")
        #expect(Partitioning.uriDecode(encoded) == path)
    }

    @Test func valuesSerializeAsTheProtocolSays() throws {
        let date = try Column(.date, [.int(20418)])
        #expect(Partitioning.serialize(date, 0) == "2025-11-26")
        let ts = try Column(.timestamp, [.int(1_764_115_200_000_001)])
        #expect(Partitioning.serialize(ts, 0) == "2025-11-26 00:00:00.000001")
        let dec = try Column(.decimal(precision: 5, scale: 2), [.decimal(-105)])
        #expect(Partitioning.serialize(dec, 0) == "-1.05")
        #expect(try Partitioning.parse("-1.05", type: .decimal(precision: 5, scale: 2)) == .decimal(-105))
        #expect(try Partitioning.parse("2025-11-26 00:00:00.000001", type: .timestamp) == .int(1_764_115_200_000_001))
        let bad = #expect(throws: DeltaError.self) { try Partitioning.parse("abc", type: .int) }
        #expect(bad?.kind == .corrupt)
        #expect(bad?.message.contains("'abc' is not a valid int") == true, "\(bad.map(String.init(describing:)) ?? "")")
    }
}

@Suite struct FileStatsTests {
    @Test func boundsAreValidForEveryType() throws {
        let long = String(repeating: "z", count: 40)
        let schema = Schema([Field("i", .long), Field("s", .string), Field("t", .timestamp), Field("f", .double),
                             Field("d", .date), Field("st", .struct([Field("a", .int)]))])
        let batch = RecordBatch(schema: schema, columns: [
            try Column(.long, [.int(5), .null, .int(-2)]),
            try Column(.string, [.string("b"), .string(long), .null]),
            try Column(.timestamp, [.int(1_500), .int(2_999_001), .null]),
            try Column(.double, [.double(1), .double(.nan), .null]),
            try Column(.date, [.int(0), .int(1), .null]),
            try Column(.struct([Field("a", .int)]), [.structure([.int(7)]), .null, .structure([.null])]),
        ])
        let stats = try JSONValue.parse(FileStats.json(batch, indexed: Set(schema.fields.map(\.name))))
        #expect(stats["numRecords"] == .number("3"))
        #expect(stats["minValues"]?["i"] == .number("-2"))
        #expect(stats["maxValues"]?["i"] == .number("5"))
        #expect(stats["minValues"]?["s"] == .string("b"))
        #expect(stats["maxValues"]?["s"] == nil, "a 40-character maximum cannot be kept as a prefix")
        #expect(stats["minValues"]?["t"] == .string("1970-01-01T00:00:00.001500Z"))
        #expect(stats["maxValues"]?["t"] == .string("1970-01-01T00:00:02.999001Z"))
        #expect(stats["minValues"]?["f"] == nil, "NaN rules out bounds")
        #expect(stats["minValues"]?["d"] == .string("1970-01-01"))
        #expect(stats["nullCount"]?["st"]?["a"] == .number("2"))
        #expect(stats["minValues"]?["st"]?["a"] == .number("7"))
    }
}

extension FileStatsTests {
    /// String bounds taken from the written file's footer are those computed from the batches,
    /// over several row groups, nested strings, nulls, a column of nulls, long and multi-byte values.
    @Test func stringBoundsFromTheFooterMatchTheBatches() throws {
        let long = "a" + String(repeating: "é", count: 40)
        let schema = Schema([Field("s", .string), Field("n", .string), Field("st", .struct([Field("a", .string), Field("b", .long)])),
                             Field("i", .long)])
        func batch(_ k: Int) throws -> RecordBatch {
            var texts: [Value] = [], structs: [Value] = [], ints: [Value] = []
            for i in 0..<50 {
                let text = i == 13 && k == 1 ? long : "v\(k)-\(i * 37 % 50)"
                texts.append(i % 7 == 0 ? .null : .string(text))
                let a: Value = i % 3 == 0 ? .null : .string("a\(k)\(i)")
                structs.append(i % 5 == 0 ? .null : .structure([a, .int(Int64(i))]))
                ints.append(.int(Int64(i * k)))
            }
            return RecordBatch(schema: schema, columns: [
                try Column(.string, texts),
                try Column(.string, [Value](repeating: .null, count: 50)),
                try Column(.struct([Field("a", .string), Field("b", .long)]), structs),
                try Column(.long, ints),
            ])
        }
        let path = "/tmp/lake-footer-stats-\(UInt64.random(in: 0...UInt64.max)).parquet"
        defer { unlink(path) }
        var options = ParquetWriter.Options()
        options.rowGroupRows = 30
        let writer = try ParquetWriter(path: path, schema: schema, options: options)
        let indexed = Set(schema.fields.map(\.name))
        var fromFooter = FileStats.Accumulator(schema: schema, indexed: indexed, stringBoundsFromFooter: true)
        var fromBatches = FileStats.Accumulator(schema: schema, indexed: indexed)
        for k in 0..<3 {
            let b = try batch(k)
            try writer.write(b)
            fromFooter.add(b)
            fromBatches.add(b)
        }
        let footer = try writer.close()
        #expect(footer.rowGroups.count == 5)
        fromFooter.takeStringBounds(from: footer)
        #expect(fromFooter.json() == fromBatches.json())
        let stats = try JSONValue.parse(fromFooter.json())
        #expect(stats["minValues"]?["s"] == .string("a" + String(repeating: "é", count: 31)))
        #expect(stats["maxValues"]?["s"] == .string("v2-8"))
        #expect(stats["minValues"]?["n"] == nil && stats["nullCount"]?["n"] == .number("150"))
        #expect(stats["minValues"]?["st"]?["a"] == .string("a01"))
    }
}

@Suite struct PathTests {
    @Test func pathsOutsideTheTableAreRefused() {
        let outside = #expect(throws: DeltaError.self) { try DeltaTable.resolve("../other/x.parquet", root: "/data/t") }
        #expect(outside?.kind == .corrupt)
        #expect(outside?.message.contains("lies outside the table") == true)
        let remote = #expect(throws: DeltaError.self) { try DeltaTable.resolve("s3://bucket/x.parquet", root: "/data/t") }
        #expect(remote?.kind == .unsupported)
        #expect(remote?.message.contains("not on the local file system") == true)
        #expect(try! DeltaTable.resolve("a%3Db/x.parquet", root: "/data/t") == "/data/t/a=b/x.parquet")
    }
}
