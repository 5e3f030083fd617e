import Columnar
import LakeCore

/// A value expression in the `--where` grammar (columns, literals, `+ - * / %`), bound to a
/// schema: what `lake update --set COL = EXPR` computes.
public struct ValueExpression: Sendable {
    private let bound: Predicate

    public init(parsing text: String, schema: Schema) throws {
        bound = try Predicate(value: try ExpressionParser.parse(text), schema: schema)
    }

    /// Columns the expression reads, as named in the schema.
    public var columns: Set<String> { bound.expression.columns }

    /// The expression's value for every row of `batch`, as a column of `type`. Throws
    /// `QueryError` naming the first value that does not fit: an integer out of range, a
    /// decimal beyond its precision, a null where `nullable` is false, or a value of another kind.
    public func column(_ batch: RecordBatch, as type: DataType, nullable: Bool) throws -> Column {
        let n = batch.rowCount
        let vector = try bound.evaluate(bound.expression, batch, n)
        let validity = vector.validity
        if !nullable, let validity, (0..<n).contains(where: { !validity[$0] }) {
            throw QueryError("NULL does not fit: the column does not allow nulls")
        }
        func valid(_ i: Int) -> Bool { validity?[i] ?? true }
        func fail(_ i: Int, _ what: String) -> QueryError { QueryError("\(what) does not fit \(type)") }
        func integers(_ v: [Int64], min: Int64, max: Int64) throws -> [Int64] {
            for i in 0..<n where valid(i) && (v[i] < min || v[i] > max) { throw fail(i, "\(v[i])") }
            return v
        }
        let storage: ColumnStorage
        switch (type, vector) {
        case (.boolean, .boolean(let v, _)): storage = .bool(v)
        case (.byte, .integer(let v, _)): storage = .int8(try integers(v, min: -128, max: 127).map { Int8(truncatingIfNeeded: $0) })
        case (.short, .integer(let v, _)): storage = .int16(try integers(v, min: -32768, max: 32767).map { Int16(truncatingIfNeeded: $0) })
        case (.int, .integer(let v, _)):
            storage = .int32(try integers(v, min: Int64(Int32.min), max: Int64(Int32.max)).map { Int32(truncatingIfNeeded: $0) })
        case (.long, .integer(let v, _)): storage = .int64(v)
        case (.float, .integer(let v, _)): storage = .float32(v.map(Float.init))
        case (.double, .integer(let v, _)): storage = .float64(v.map(Double.init))
        case (.float, .double(let v, _)): storage = .float32(v.map(Float.init))
        case (.double, .double(let v, _)): storage = .float64(v)
        case (.float, .decimal(let v, let s, _)): storage = .float32(v.map { Float(Double($0) / Double(pow10(s))) })
        case (.double, .decimal(let v, let s, _)): storage = .float64(v.map { Double($0) / Double(pow10(s)) })
        case (.decimal(let p, let s), .integer(let v, _)):
            storage = .int128(try Self.rescale(v.map { Int128($0) }, from: 0, to: s, precision: p, valid: valid, fail: fail))
        case (.decimal(let p, let s), .decimal(let v, let from, _)):
            storage = .int128(try Self.rescale(v, from: from, to: s, precision: p, valid: valid, fail: fail))
        case (.string, .string(let o, let b, _)): storage = .bytes(offsets: o, bytes: b)
        case (.date, .date(let v, _)): storage = .int32(v.map { Int32(truncatingIfNeeded: $0) })
        case (.timestamp, .timestamp(let v, _, _)), (.timestampNTZ, .timestamp(let v, _, _)): storage = .int64(v)
        case (_, .null):
            return try Column(type, Array(repeating: .null, count: n))
        default:
            throw QueryError("the value is not a \(type)")
        }
        return Column(type: type, count: n, validity: validity, storage: storage)
    }

    /// Decimals of scale `from` as `precision`/`to`: exact (never rounded), within range.
    private static func rescale(_ values: [Int128], from: Int, to: Int, precision: Int, valid: (Int) -> Bool,
                                fail: (Int, String) -> QueryError) throws -> [Int128] {
        let limit = pow10(precision)
        return try values.enumerated().map { i, value in
            guard valid(i) else { return 0 }
            var scaled = value
            if to >= from {
                let (product, overflow) = value.multipliedReportingOverflow(by: pow10(to - from))
                guard !overflow else { throw fail(i, "the value") }
                scaled = product
            } else {
                let factor = pow10(from - to)
                guard value % factor == 0 else { throw fail(i, "a value with more than \(to) decimal places") }
                scaled = value / factor
            }
            guard scaled < limit && scaled > -limit else { throw fail(i, "the value") }
            return scaled
        }
    }
}
