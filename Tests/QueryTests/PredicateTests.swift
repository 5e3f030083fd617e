import Columnar
import Testing
@testable import Query

let testSchema = Schema([Field("i", .long), Field("d", .decimal(precision: 10, scale: 2)), Field("f", .double),
                         Field("s", .string), Field("day", .date), Field("ts", .timestamp), Field("b", .boolean)])

func testBatch() throws -> RecordBatch {
    let rows: [[Value]] = [
        [.int(1), .decimal(150), .double(1.5), .string("apple"), .int(0), .int(0), .bool(true)],
        [.int(2), .null, .double(.nan), .string("banana_split"), .int(1), .int(86_400_000_000), .bool(false)],
        [.null, .decimal(-5), .null, .null, .null, .null, .null],
        [.int(4), .decimal(400), .double(-0.0), .string("Ápfel 100%"), .int(3), .int(1), .bool(true)],
    ]
    let columns = try testSchema.fields.indices.map { c in try Column(testSchema.fields[c].type, rows.map { $0[c] }) }
    return RecordBatch(schema: testSchema, columns: columns)
}

func rows(_ text: String) throws -> [Int] {
    try Predicate(parsing: text, schema: testSchema).select(testBatch())
}

@Suite struct PredicateTests {
    @Test(arguments: [
        ("i = 2", [1]), ("i <> 2", [0, 3]), ("i >= 2", [1, 3]), ("NOT i = 2", [0, 3]),
        ("i IS NULL", [2]), ("i IS NOT NULL", [0, 1, 3]),
        ("i IN (1, 4)", [0, 3]), ("i IN (1, NULL)", [0]), ("i NOT IN (1, NULL)", []), ("i NOT IN (1, 4)", [1]),
        ("i BETWEEN 2 AND 4", [1, 3]), ("i NOT BETWEEN 2 AND 4", [0]),
        ("d > 1", [0, 3]), ("d = 1.5", [0]), ("d = 1.50", [0]), ("d < i", []), ("d > f", [3]),
        ("f > 100", [1]), ("f = 0", [3]), ("f <> f", []),
        ("s LIKE 'a%'", [0]), ("s LIKE '%a_a%'", [1]), ("s LIKE '%!%' ESCAPE '!'", [3]), ("s LIKE '_pfel%'", [3]),
        ("s NOT LIKE '%a%'", [3]), ("s > 'b'", [1, 3]), ("s = 'it''s'", []),
        ("day = DATE '1970-01-02'", [1]), ("day < TIMESTAMP '1970-01-02T00:00:00Z'", [0]), ("day = '1970-01-04'", [3]),
        ("ts >= DATE '1970-01-02'", [1]), ("ts = TIMESTAMP '1970-01-01 00:00:00.000001'", [3]),
        ("b", [0, 3]), ("NOT b", [1]), ("b = false OR i = 4", [1, 3]), ("b AND i > 1", [3]),
        ("i + 1 > 2", [1, 3]), ("i * 2 = 8", [3]), ("i % 2 = 0", [1, 3]), ("i / 2 = 0.5", [0]), ("-i < -3", [3]),
        ("d * 2 = 3", [0]), ("d + i = 2.5", [0]), ("i / 0 IS NULL", [0, 1, 2, 3]),
        ("(i = 1 OR i IS NULL) AND NOT (d < 0)", [0]), ("i = NULL", []), ("NOT (i = NULL)", []),
    ])
    func selectsLikeSQL(text: String, expected: [Int]) throws {
        #expect(try rows(text) == expected, "\(text)")
    }

    @Test(arguments: ["i >", "i = 'x", "(i = 1", "i LIKE 5", "i = 1 2", "i BETWEEN 1", "i IS 5", "#"])
    func parseErrorsHavePositions(text: String) {
        do {
            _ = try Predicate(parsing: text, schema: testSchema)
            Issue.record("accepted \(text)")
        } catch let error as QueryError {
            #expect(error.position != nil, "\(text): \(error)")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// Text that parses but does not fit the schema: refused when binding (so without a
    /// position), with a message that says why.
    @Test(arguments: [
        ("nope = 1", "no column 'nope'"), ("s > 5", "cannot compare"), ("i LIKE 'a'", "LIKE needs a string"),
        ("day = 5", "cannot compare"), ("i + s > 1", "needs numbers"), ("i", "is not a condition"),
    ])
    func bindErrors(text: String, words: String) {
        let error = #expect(throws: QueryError.self) { try Predicate(parsing: text, schema: testSchema) }
        #expect(error?.position == nil, "\(text): \(error.map(String.init(describing:)) ?? "")")
        #expect(error?.message.contains(words) == true, "\(text): \(error.map(String.init(describing:)) ?? "")")
    }

    @Test func columnsResolveCaseInsensitively() throws {
        #expect(try rows("I = 1 AND \"S\" = 'apple'") == [0])
    }
}

@Suite struct PruningTests {
    func might(_ text: String, _ bounds: [String: ColumnBounds]) throws -> Bool {
        try Predicate(parsing: text, schema: testSchema).mightMatch { bounds[$0] }
    }

    let range = ["i": ColumnBounds(min: .int(10), max: .int(20), nullCount: 0, rowCount: 100)]

    @Test func rangesRuleOutFiles() throws {
        #expect(try !might("i = 5", range))
        #expect(try might("i = 15", range))
        #expect(try !might("i > 20", range))
        #expect(try might("i >= 20", range))
        #expect(try !might("i < 10", range))
        #expect(try !might("i BETWEEN 21 AND 30", range))
        #expect(try !might("i IN (1, 2, 30)", range))
        #expect(try !might("i IS NULL", range))
        #expect(try !might("NOT i >= 10", range))
        #expect(try might("i = 5 OR i = 15", range))
        #expect(try !might("i = 5 AND s = 'x'", range))
        #expect(try might("i + 1 = 5", range), "expressions are never pruned")
    }

    @Test func allNullFilesMatchOnlyNullTests() throws {
        let nulls = ["i": ColumnBounds(min: nil, max: nil, nullCount: 5, rowCount: 5)]
        #expect(try !might("i = 1", nulls))
        #expect(try might("i IS NULL", nulls))
        #expect(try !might("i IS NOT NULL", nulls))
    }

    @Test func floatsKeepNaNCandidates() throws {
        let f = ["f": ColumnBounds(min: .double(1), max: .double(2), nullCount: 0, rowCount: 5)]
        #expect(try might("f > 5", f), "NaN sorts above every number")
        #expect(try !might("f < 0", f))
    }

    @Test func stringPrefixes() throws {
        let s = ["s": ColumnBounds(min: .string("kiwi"), max: .string("mango"), nullCount: 0, rowCount: 5)]
        #expect(try !might("s LIKE 'apple%'", s))
        #expect(try might("s LIKE 'l%'", s))
        #expect(try !might("s = 'zebra'", s))
    }
}
