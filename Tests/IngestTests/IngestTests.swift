import Columnar
import LakeCore
import Testing
@testable import Ingest
#if canImport(Glibc)
import Glibc
#endif

func withBytes<R>(_ s: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    var utf8 = Array(s.utf8)
    return try utf8.withUnsafeMutableBytes { try body(UnsafeRawBufferPointer($0)) }
}

func temporaryFile(_ contents: String, suffix: String) -> String {
    let path = "/tmp/lake-ingest-test-\(UInt64.random(in: 0...UInt64.max))\(suffix)"
    let f = fopen(path, "wb")!
    _ = contents.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count - 1, f) }
    fclose(f)
    return path
}

@Suite struct TextParsingTests {
    @Test func integersAreRangeChecked() {
        #expect(withBytes("-9223372036854775808") { TextParsing.integer($0) } == .min)
        #expect(withBytes(" 42 ") { TextParsing.integer($0) } == 42)
        #expect(withBytes("9223372036854775808") { TextParsing.integer($0) } == nil)
        #expect(withBytes("128") { TextParsing.integer($0, min: -128, max: 127) } == nil)
        #expect(withBytes("1.0") { TextParsing.integer($0) } == nil)
        #expect(withBytes("-") { TextParsing.integer($0) } == nil)
    }

    @Test func floatsRoundTrip() {
        for text in ["0.1", "-2.5", "1e-7", "123456789.123456789", "3.4028235e38", "-0"] {
            #expect(withBytes(text) { TextParsing.double($0) } == Double(text), "\(text)")
        }
        #expect(withBytes("NaN") { TextParsing.double($0) }?.isNaN == true)
        #expect(withBytes("-Infinity") { TextParsing.double($0) } == -.infinity)
        #expect(withBytes("0x10") { TextParsing.double($0) } == nil)
        #expect(withBytes("1,5") { TextParsing.double($0) } == nil)
    }

    @Test func decimalsAreExact() {
        #expect(withBytes("12.5") { TextParsing.decimal($0, precision: 5, scale: 2) } == 1250)
        #expect(withBytes("-0.01") { TextParsing.decimal($0, precision: 5, scale: 2) } == -1)
        #expect(withBytes("1.230") { TextParsing.decimal($0, precision: 5, scale: 2) } == 123)
        #expect(withBytes("1.234") { TextParsing.decimal($0, precision: 5, scale: 2) } == nil, "no rounding")
        #expect(withBytes("1234") { TextParsing.decimal($0, precision: 5, scale: 2) } == nil, "too many integer digits")
    }

    @Test func utf8Validation() {
        let good: [UInt8] = Array("héllo 日本 😀".utf8)
        #expect(good.withUnsafeBytes { UTF8Bytes.isValid($0) })
        for bad: [UInt8] in [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xC0, 0x80]] {
            #expect(!bad.withUnsafeBytes { UTF8Bytes.isValid($0) })
        }
    }
}

@Suite struct DelimitedReaderTests {
    let schema = Schema([Field("id", .long, nullable: false), Field("name", .string), Field("when", .timestamp)])

    func read(_ text: String, options: DelimitedOptions = DelimitedOptions(), maxBad: Int = 0) throws -> ([[Value]], BadRowBudget) {
        let path = temporaryFile(text, suffix: ".csv")
        defer { unlink(path) }
        let budget = BadRowBudget(limit: maxBad)
        let reader = try DelimitedReader(input: try InputStream(path: path), table: schema, options: options, budget: budget)
        var rows: [[Value]] = []
        while let batch = try reader.next() {
            for r in 0..<batch.rowCount { rows.append(batch.columns.map { $0.value(at: r) }) }
        }
        return (rows, budget)
    }

    @Test func rfc4180AndRealExports() throws {
        let text = "\u{FEFF}name,id,when\r\n\"a, \"\"b\"\"\nc\",1,2026-01-01T00:00:00Z\r\n,2,\n\"\",3,2026-01-01 01:00:00+01:00"
        let (rows, _) = try read(text)
        #expect(rows.count == 3)
        #expect(rows[0] == [.int(1), .string("a, \"b\"\nc"), .int(1_767_225_600_000_000)])
        #expect(rows[1] == [.int(2), .null, .null])
        #expect(rows[2] == [.int(3), .string(""), .int(1_767_225_600_000_000)])
    }

    @Test func badRowsNameLineAndColumn() throws {
        do {
            _ = try read("id,name\n1,a\n2,b\nx,c\n")
            Issue.record("accepted a bad row")
        } catch let error as IngestError {
            #expect(error.message.contains(":4:id: "), "\(error.message)")
            #expect(error.message.contains("'x'"))
        }
        let (rows, budget) = try read("id,name\n1,a\nx,b\n3,c,extra\n4,d\n", maxBad: 2)
        #expect(rows.map { $0[0] } == [.int(1), .int(4)])
        #expect(budget.skipped.map(\.line) == [3, 4])
    }

    @Test func noHeaderMapsByPosition() throws {
        var options = DelimitedOptions()
        options.header = false
        options.delimiter = UInt8(ascii: ";")
        options.nullValue = "NA"
        let (rows, _) = try read("1;NA;\n2;x;2026-01-01T00:00:00Z", options: options)
        #expect(rows == [[.int(1), .null, .null], [.int(2), .string("x"), .int(1_767_225_600_000_000)]])
    }

    @Test func structuralErrorsFailTheLoad() {
        /// `text` is refused as bad input, with a message containing `words`.
        func refused(_ text: String, _ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let error = #expect(throws: IngestError.self, sourceLocation: sourceLocation) { try read(text) }
            #expect(error?.kind == .badInput, sourceLocation: sourceLocation)
            #expect(error?.message.contains(words) == true, "\(error.map(String.init(describing:)) ?? "")",
                    sourceLocation: sourceLocation)
        }
        refused("id,name\n1,\"open\n", "unterminated quote")
        refused("id,nope\n1,2\n", ":1:nope: no such column in the table")
        refused("name\nx\n", "column 'id' is missing")  // id is not null and missing
    }

    /// Inputs without rows are no error: an append of them commits nothing (a quiet hour).
    @Test func inputsWithoutRowsReadAsNoRows() throws {
        // "\n" was found by IngestFuzz: it used to loop forever.
        for text in ["", "\n", "\r\n\n", "id,name\n", "\u{FEFF}id,name\r\n"] {
            let (rows, _) = try read(text)
            #expect(rows.isEmpty, "\(text.debugDescription)")
        }
    }
}

@Suite struct InferenceTests {
    @Test func csvColumnsWiden() throws {
        let path = temporaryFile("a,b,c,d,e,f\n1,1,true,2026-01-01,2026-01-01T00:00:00Z,x\n2,1.5,false,2026-01-02,2026-01-01T00:00:00,\n",
                                 suffix: ".csv")
        defer { unlink(path) }
        let schema = try SchemaInference.infer(path, options: IngestOptions())
        #expect(schema.fields.map(\.type) == [.long, .double, .boolean, .date, .string, .string])
    }

    @Test func decimalsWhenAsked() throws {
        let path = temporaryFile("price\n12.50\n3.1\n100\n", suffix: ".csv")
        defer { unlink(path) }
        var options = IngestOptions()
        options.inferDecimal = true
        #expect(try SchemaInference.infer(path, options: options).fields[0].type == .decimal(precision: 38, scale: 2))
    }

    @Test func ndjsonNestedShapes() throws {
        let path = temporaryFile("{\"id\": 1, \"tags\": [\"a\"], \"p\": {\"x\": 1.5}}\n{\"id\": 2, \"p\": {\"y\": \"2026-01-01\"}}\n", suffix: ".json")
        defer { unlink(path) }
        let schema = try SchemaInference.infer(path, options: IngestOptions())
        #expect(schema.fields.map(\.name) == ["id", "tags", "p"])
        #expect(schema.fields[1].type == .array(element: .string, containsNull: true))
        #expect(schema.fields[2].type == .struct([Field("x", .double), Field("y", .date)]))
    }
}

@Suite struct HostileInputTests {
    let schema = Schema([Field("id", .long, nullable: false), Field("name", .string)])

    func failure(_ text: String, suffix: String = ".csv") -> IngestError? {
        let path = temporaryFile(text, suffix: suffix)
        defer { unlink(path) }
        do {
            let input = try InputStream(path: path)
            let budget = BadRowBudget(limit: 0)
            let reader: BatchReader = suffix == ".csv"
                ? try DelimitedReader(input: input, table: schema, options: DelimitedOptions(), budget: budget)
                : NDJSONReader(input: input, table: schema, budget: budget)
            while try reader.next() != nil {}
            return nil
        } catch let error as IngestError {
            return error
        } catch {
            Issue.record("\(error)")
            return nil
        }
    }

    /// A 10,000-character bad value is cut (with `…`) in the one-line message, and control
    /// characters in it are escaped, never passed on raw.
    @Test func badValuesAreCutAndEscaped() throws {
        let huge = "12" + String(repeating: "x", count: 10_000)
        let error = try #require(failure("id,name\n1,a\n\(huge),b\n"))
        #expect(error.kind == .badInput)
        #expect(error.message.contains(":3:id: '12xxx"), "\(error.message)")
        #expect(error.message.contains("…' is not"), "\(error.message)")
        #expect(error.message.count < 400, "\(error.message.count) characters")
        #expect(!error.message.contains(String(repeating: "x", count: 200)))

        let escaped = try #require(failure("id,name\n\"1\u{1B}[2J\n\u{7}\",a\n"))
        #expect(!escaped.message.unicodeScalars.contains { $0.value < 0x20 }, "\(escaped.message.debugDescription)")
        #expect(escaped.message.contains(#"'1\x1b[2J\n\x07'"#), "\(escaped.message)")

        let json = try #require(failure("{\"id\": \"\(String(repeating: "9", count: 10_000))\\u001b\"}\n", suffix: ".ndjson"))
        #expect(json.message.count < 400 && json.message.contains("…"), "\(json.message.count) characters")
        let key = try #require(failure("{\"\(String(repeating: "k", count: 10_000))\\u001b\": 1}\n", suffix: ".ndjson"))
        #expect(key.message.contains("…") && !key.message.contains(String(repeating: "k", count: 200)))
        let header = try #require(failure("id,\(String(repeating: "h", count: 10_000))\n1,2\n"))
        #expect(header.message.contains("…") && !header.message.contains(String(repeating: "h", count: 200)))
    }

    @Test func excerptsCutOnCharactersNotBytes() {
        let text = String(repeating: "é", count: 500)
        let shown = withBytes(text) { excerpt($0) }
        #expect(shown == "'" + String(repeating: "é", count: DisplayText.valueLimit) + "…'")
        #expect(withBytes("short") { excerpt($0) } == "'short'")
    }

    /// JSON nested deeper than the parser allows is a bad row (exit 1), never a crash or a
    /// usage error.
    @Test func deeplyNestedJSONIsBadInput() throws {
        let deep = "{\"id\": 1, \"name\": " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}\n"
        let error = try #require(failure(deep, suffix: ".ndjson"))
        #expect(error.kind == .badInput && error.category == .runtime)
        #expect(error.message.contains("nested too deeply"), "\(error.message)")
    }

    /// Named pipes are inputs (`<(zcat x.csv.gz)`); directories are not.
    @Test func pipesAreReadDirectoriesRefused() throws {
        let path = "/tmp/lake-ingest-fifo-\(UInt64.random(in: 0...UInt64.max)).csv"
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let feeder = BatchPipeline { _ in
            let fd = open(path, O_WRONLY)
            let text = Array("id,name\n1,a\n2,b\n".utf8)
            _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        let reader = try DelimitedReader(input: try InputStream(path: path), table: schema, options: DelimitedOptions(),
                                         budget: BadRowBudget(limit: 0))
        var rows = 0
        while let batch = try reader.next() { rows += batch.rowCount }
        #expect(rows == 2)
        _ = try feeder.next()
        feeder.wait()

        let error = #expect(throws: IngestError.self) { try InputStream(path: "/tmp") }
        #expect(error?.kind == .badInput && error?.message.contains("directory") == true)
    }

    /// The read-ahead thread has the large stack that deep predicates need, whatever the
    /// stack of pool threads.
    @Test func thePipelineThreadHasALargeStack() throws {
        let pipeline = BatchPipeline { emit in
            // pthread_getattr_np (a GNU extension the Glibc module does not import).
            typealias GetAttr = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
            var size = 0
            if let symbol = dlsym(nil, "pthread_getattr_np") {
                var attributes = pthread_attr_t()
                if unsafeBitCast(symbol, to: GetAttr.self)(pthread_self(), &attributes) == 0 {
                    pthread_attr_getstacksize(&attributes, &size)
                    pthread_attr_destroy(&attributes)
                }
            }
            let column = try Column(.long, [.int(Int64(size))])
            try emit(RecordBatch(schema: Schema([Field("size", .long)]), columns: [column]))
        }
        let batch = try #require(try pipeline.next())
        #expect(batch.columns[0].value(at: 0) == .int(Int64(BatchPipeline.stackSize)))
        #expect(try pipeline.next() == nil)
        pipeline.wait()
        #expect(BatchPipeline.stackSize >= 16 << 20)
    }
}

@Suite struct NDJSONDirectPathTests {
    let schema = Schema([Field("id", .long, nullable: false), Field("Name", .string), Field("qty", .int),
                         Field("s", .struct([Field("a", .int), Field("b", .string)])), Field("m", .map(key: .string, value: .long, valueContainsNull: true))])

    /// The rows `text` loads, as (id, Name, qty, s, m) text.
    func rows(_ text: String, maxBadRows: Int = 0) throws -> [[Value]] {
        let path = temporaryFile(text, suffix: ".ndjson")
        defer { unlink(path) }
        let reader = NDJSONReader(input: try InputStream(path: path), table: schema, budget: BadRowBudget(limit: maxBadRows), batchRows: 3)
        var out: [[Value]] = []
        while let batch = try reader.next() {
            for r in 0..<batch.rowCount { out.append(batch.columns.map { $0.value(at: r) }) }
        }
        return out
    }

    @Test func keysInAnyOrderAnyCaseAndRepeatedLoadTheLastValue() throws {
        let got = try rows("""
            {"id":1,"Name":"a","qty":1}
            {"qty":2,"id":2,"name":"b"}
            {"id":3,"NAME":"c","qty":3,"Name":"z","qty":"4"}
            {"id":4,"qty":"lots","qty":5}
            {"id":5,"s":{"a":1,"b":"x","a":2},"m":{"k":1,"j":2,"k":3}}
            {"id":6,"s":{"b":"y"},"s":null,"id":7}
            """)
        let plain = try rows("""
            {"id":1,"Name":"a","qty":1}
            {"id":2,"Name":"b","qty":2}
            {"id":3,"Name":"z","qty":4}
            {"id":4,"qty":5}
            {"id":5,"s":{"a":2,"b":"x"},"m":{"k":3,"j":2}}
            {"id":7}
            """)
        #expect(got == plain)
        #expect(got.count == 6)
        #expect(got[2][1] == .string("z") && got[2][2] == .int(4))
        #expect(got[4][4] == .map([(key: .string("k"), value: .int(3)), (key: .string("j"), value: .int(2))]))
    }

    @Test func keysMatchUnicodeEquivalentNamesAndMalformedLinesProvideNothing() throws {
        let table = Schema([Field("id", .long), Field("café", .string), Field("qty", .int)])
        // "cafe\u0301" (decomposed) is the column "café" (composed); the cut line gives no key.
        let path = temporaryFile("{\"id\":1,\"cafe\u{301}\":\"a\"}\n{\"qty\":1\n{\"ID\":2,\"CAFÉ\":\"b\"}\n", suffix: ".ndjson")
        defer { unlink(path) }
        let reader = NDJSONReader(input: try InputStream(path: path), table: table, budget: BadRowBudget(limit: 1))
        let batch = try #require(try reader.next())
        #expect(batch.rowCount == 2)
        #expect(batch.columns[1].value(at: 0) == .string("a") && batch.columns[1].value(at: 1) == .string("b"))
        #expect(reader.providedColumns == [0, 1])
    }

    @Test func aBadLastValueIsABadRowWhateverCameBefore() throws {
        let path = temporaryFile("{\"id\":1,\"qty\":5,\"qty\":2147483648}\n", suffix: ".ndjson")
        defer { unlink(path) }
        let reader = NDJSONReader(input: try InputStream(path: path), table: schema, budget: BadRowBudget(limit: 0))
        let error = #expect(throws: IngestError.self) { _ = try reader.next() }
        #expect(error?.message.contains(":1:qty: 2147483648 is not an integer that fits int") == true, "\(error.map { $0.message } ?? "")")
        #expect(try rows("{\"id\":1,\"qty\":5,\"qty\":2147483648}\n{\"id\":2}\n", maxBadRows: 1).count == 1)
    }
}

@Suite struct JSONScannerTests {
    func scan(_ text: String, _ body: (inout JSONScanner) throws -> Void) rethrows {
        var utf8 = Array(text.utf8)
        try utf8.withUnsafeMutableBytes { b in
            var scanner = JSONScanner(UnsafeRawBufferPointer(b))
            try body(&scanner)
        }
    }

    @Test func stringsWithoutEscapesAreRangesOfTheText() throws {
        try scan(#""a long string without escapes" 1"#) { s in
            let range = try s.string()
            #expect(range == 1..<30)
            s.skipSpace()
            let number = try s.number()
            #expect(number == 32..<33)
        }
    }

    @Test(arguments: [
        (#""\ud83d\ude00""#, "😀"), (#""\ud83d\u0041""#, "\u{FFFD}A"), (#""\ud83d\ud83d\ude00""#, "\u{FFFD}😀"),
        (#""\ude00x""#, "\u{FFFD}x"), (#""a\"b\\c\/d\n""#, "a\"b\\c/d\n"), (#""\u00e9 and é""#, "é and é"),
    ])
    func escapesAndSurrogatesUnescape(text: String, expected: String) throws {
        try scan(text) { s in
            let value = try s.stringValue()
            #expect(value == expected)
        }
        #expect(try JSONValue.parse(text) == .string(expected))
    }

    @Test func longDecimalsParse() {
        let digits = "0." + String(repeating: "1", count: 80)
        #expect(withBytes(digits) { TextParsing.double($0) } == 0.1111111111111111)
    }
}

@Suite struct JSONKeyMapTests {
    @Test func keysMatchExactlyThenInLowerCaseAndTheFirstColumnWins() {
        let map = JSONKeyMap(["id", "Name", "name", "Été"] + (0..<300).map { "c\($0)" })
        #expect(withBytes("id") { map.column($0) } == 0)
        #expect(withBytes("Name") { map.column($0) } == 1)
        #expect(withBytes("name") { map.column($0) } == 2)
        #expect(withBytes("NAME") { map.column($0) } == 2)  // lower-cased, it is the name of column 2
        #expect(withBytes("nAmE") { map.column($0) } == 2)
        #expect(withBytes("été") { map.column($0) } == 3)
        #expect(withBytes("ÉTÉ") { map.column($0) } == 3)
        #expect(withBytes("c299") { map.column($0) } == 303)
        #expect(withBytes("C17") { map.column($0) } == 21)
        #expect(withBytes("nope") { map.column($0) } == nil)
        #expect(withBytes("") { map.column($0) } == nil)
    }
}

@Suite struct ColumnBuilderTruncateTests {
    @Test func truncateKeepsTheFirstValuesAndTheirNulls() throws {
        let builder = ColumnBuilder(.string)
        for i in 0..<200 {
            if i % 3 == 0 { builder.appendNull() } else { try withBytes("v\(i)") { try builder.append(text: $0) } }
        }
        builder.truncate(to: 130)
        try withBytes("last") { try builder.append(text: $0) }
        let column = builder.finish()
        #expect(column.count == 131)
        #expect(column.nullCount == 44)
        #expect(column.value(at: 128) == .string("v128"))
        #expect(column.value(at: 129) == .null)
        #expect(column.value(at: 130) == .string("last"))
        #expect(column.isNull(129) && !column.isNull(128) && !column.isNull(130))
    }
}
