import Columnar
import Testing
@testable import Query

/// `--where` text nested thousands deep: refused with a position above the documented limit
/// (the parser never recursing past it), accepted and evaluated up to it.
@Suite struct DepthTests {
    static let limit = ExpressionParser.maxDepth

    /// Deep shapes: how many repetitions give exactly depth `depth`.
    enum Shape: String, CaseIterable {
        case and, or, sum, product, not, negate, parentheses, rightNested

        /// The text of this shape nested to `depth` levels (a comparison is 2: itself and
        /// its leaves).
        func text(depth: Int) -> String {
            switch self {
            case .and: return Array(repeating: "i > 0", count: depth - 1).joined(separator: " AND ")
            case .or: return Array(repeating: "i = 1", count: depth - 1).joined(separator: " OR ")
            // A sum of n terms is n levels (n - 1 operators, then the leaves); `> 0` adds one.
            case .sum: return Array(repeating: "i", count: depth - 1).joined(separator: " + ") + " > 0"
            case .product: return (Array(repeating: "1", count: depth - 2) + ["i"]).joined(separator: " * ") + " > 0"
            case .not: return String(repeating: "NOT ", count: depth - 2) + "i = 1"
            case .negate: return "i > " + String(repeating: "- ", count: depth - 2) + "i"
            case .parentheses: return String(repeating: "(", count: depth - 2) + "i = 1" + String(repeating: ")", count: depth - 2)
            // `(i = 1 AND (i = 1 AND (…)))`: each level a parenthesis and an AND.
            case .rightNested:
                let n = (depth - 2) / 2
                return String(repeating: "(i = 1 AND ", count: n) + "i = 1" + String(repeating: ")", count: n)
            }
        }
    }

    @Test(arguments: Shape.allCases)
    func atTheLimitParsesBindsAndRuns(shape: Shape) throws {
        let predicate = try Predicate(parsing: shape.text(depth: Self.limit), schema: testSchema)
        let selected = try predicate.select(try testBatch())
        let expected: [Int]
        switch shape {
        case .and, .sum, .product: expected = [0, 1, 3]
        case .negate: expected = []  // an even number of signs: i > i
        default: expected = [0]
        }
        #expect(selected == expected, "\(shape)")
        _ = predicate.mightMatch { _ in ColumnBounds(min: .int(1), max: .int(4), nullCount: 0, rowCount: 4) }
        _ = predicate.expression.description
    }

    @Test(arguments: Shape.allCases)
    func oneLevelMoreIsRefusedWithAPosition(shape: Shape) {
        let error = #expect(throws: QueryError.self) {
            try ExpressionParser.parse(shape.text(depth: Self.limit + 1 + (shape == .rightNested ? 1 : 0)))
        }
        #expect(error?.position != nil)
        #expect(error?.message.contains("more than \(Self.limit) levels") == true, "\(error.map(String.init(describing:)) ?? "")")
    }

    /// Far deeper text (the 5,000 ANDs, 30,000 parentheses, 5,000-term sums) is
    /// refused without the parser recursing: no stack overflow, one clear error.
    @Test(arguments: [
        String(repeating: "(", count: 30_000) + "i = 1" + String(repeating: ")", count: 30_000),
        String(repeating: "(", count: 30_000),
        Array(repeating: "i > 0", count: 5_000).joined(separator: " AND "),
        Array(repeating: "i", count: 5_000).joined(separator: "+") + " > 0",
        String(repeating: "NOT ", count: 30_000) + "b",
        "i > " + String(repeating: "-", count: 30_000) + "1",
        String(repeating: "(i = 1 AND ", count: 10_000) + "b" + String(repeating: ")", count: 10_000),
    ])
    func farDeeperIsRefused(text: String) {
        let error = #expect(throws: QueryError.self) { try Predicate(parsing: text, schema: testSchema) }
        #expect(error?.position != nil)
        #expect(error?.message.contains("levels") == true)
        #expect(error.map(String.init(describing:))?.contains("\n") == false)
    }

    @Test func longListsAreFlatAndUnlimited() throws {
        let list = (0..<20_000).map(String.init).joined(separator: ", ")
        #expect(try rows("i IN (\(list))") == [0, 1, 3])
    }

    /// Errors that echo an expression or a value cut it.
    @Test func errorsCutWhatTheyEcho() {
        let sum = Array(repeating: "i", count: 900).joined(separator: " + ")
        let error = #expect(throws: QueryError.self) { try Predicate(parsing: sum, schema: testSchema) }
        #expect((error?.message.count ?? 0) < 400, "\(error?.message.count ?? 0) characters")
        let long = String(repeating: "x", count: 10_000)
        let unknown = #expect(throws: QueryError.self) { try Predicate(parsing: "\(long) = 1", schema: testSchema) }
        #expect((unknown?.message.count ?? 0) < 400)
        #expect(unknown?.message.contains("…") == true)
    }
}
