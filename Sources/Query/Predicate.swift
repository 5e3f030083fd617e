import LakeCore
import Columnar

/// A `--where` expression checked against a schema and ready to run on batches.
///
/// Binding resolves column names (case-insensitively), casts string literals compared with
/// dates and timestamps, and type-checks: numbers compare with numbers (exactly between
/// integers and decimals, as doubles once a double is involved), strings with strings, dates
/// and timestamps with each other. Evaluation follows SQL's three-valued logic: only rows
/// where the predicate is TRUE are selected.
public struct Predicate: Sendable {
    public let expression: Expression
    public let schema: Schema

    /// The kind of value an expression produces.
    enum Kind: Equatable {
        case boolean, integer, double, string, date, null, other
        case decimal(scale: Int)
        case timestamp(utc: Bool)

        var isNumeric: Bool {
            switch self {
            case .integer, .double, .decimal: return true
            default: return false
            }
        }
        var isTemporal: Bool {
            switch self {
            case .date, .timestamp: return true
            default: return false
            }
        }
    }

    public init(_ expression: Expression, schema: Schema) throws {
        self.schema = schema
        var bound = try Self.resolve(expression, schema)
        bound = try Self.castLiterals(bound, schema)
        self.expression = bound
        let kind = try Self.kind(of: bound, schema)
        guard kind == .boolean || kind == .null else {
            throw QueryError("the expression \(shown(expression)) is not a condition (it gives a \(kind) value)")
        }
    }

    /// `expression` bound without requiring a condition (a value expression evaluates
    /// through the same code).
    init(value expression: Expression, schema: Schema) throws {
        self.schema = schema
        let bound = try Self.castLiterals(try Self.resolve(expression, schema), schema)
        _ = try Self.kind(of: bound, schema)
        self.expression = bound
    }

    /// Parses and binds `text`.
    public init(parsing text: String, schema: Schema) throws {
        do {
            try self.init(ExpressionParser.parse(text), schema: schema)
        } catch let error as QueryError where error.unknownColumn.map({ text.contains("\"\($0)\"") }) ?? false {
            // `region = "eu"`: double quotes name columns in SQL; the user meant a string.
            var hinted = error
            hinted.message += " (string literals take single quotes: '\(DisplayText.value(error.unknownColumn!))')"
            throw hinted
        }
    }

    /// Columns the predicate reads, as named in the schema.
    public var columns: Set<String> { expression.columns }

    // MARK: Binding

    static func resolve(_ e: Expression, _ schema: Schema) throws -> Expression {
        func r(_ x: Expression) throws -> Expression { try resolve(x, schema) }
        switch e {
        case .column(let name):
            guard let field = schema.fields.first(where: { $0.name == name })
                    ?? schema.fields.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                var error = QueryError("no column '\(DisplayText.value(name))' (the table has: \(schema.fields.map(\.name).joined(separator: ", ")))")
                error.unknownColumn = name
                throw error
            }
            return .column(field.name)
        case .literal: return e
        case .not(let x): return .not(try r(x))
        case .negate(let x): return .negate(try r(x))
        case .and(let a, let b): return .and(try r(a), try r(b))
        case .or(let a, let b): return .or(try r(a), try r(b))
        case .compare(let op, let a, let b): return .compare(op, try r(a), try r(b))
        case .arithmetic(let op, let a, let b): return .arithmetic(op, try r(a), try r(b))
        case .isNull(let x, let n): return .isNull(try r(x), negated: n)
        case .inList(let x, let items, let n): return .inList(try r(x), try items.map(r), negated: n)
        case .between(let x, let lo, let hi, let n): return .between(try r(x), try r(lo), try r(hi), negated: n)
        case .like(let x, let p, let esc, let n): return .like(try r(x), pattern: p, escape: esc, negated: n)
        }
    }

    /// String literals next to date or timestamp values become dates or timestamps.
    static func castLiterals(_ e: Expression, _ schema: Schema) throws -> Expression {
        func r(_ x: Expression) throws -> Expression { try castLiterals(x, schema) }
        func cast(_ x: Expression, toward other: Expression) throws -> Expression {
            // A number compared with a float column is compared as a float (as DuckDB does):
            // `f32 = 0.1` matches the float nearest 0.1.
            if case .column(let name) = other, schema.fields.first(where: { $0.name == name })?.type == .float,
               case .literal(let l) = x {
                switch l {
                case .integer(let i): return .literal(.double(Double(Float(i))))
                case .decimal(let v, let s): return .literal(.double(Double(Float(Double(v) / Double(pow10(s))))))
                case .double(let d): return .literal(.double(Double(Float(d))))
                default: break
                }
            }
            guard case .literal(.string(let s)) = x, let k = try? kind(of: other, schema), k.isTemporal else { return x }
            if k == .date, let d = ValueText.parseDate(Substring(s)) { return .literal(.date(d)) }
            if let (t, zone) = ValueText.parseTimestamp(Substring(s)) { return .literal(.timestamp(t, hasZone: zone)) }
            throw QueryError("'\(DisplayText.value(s))' is not a \(k == .date ? "date" : "timestamp")")
        }
        switch e {
        case .compare(let op, let a, let b):
            let (a2, b2) = (try r(a), try r(b))
            return .compare(op, try cast(a2, toward: b2), try cast(b2, toward: a2))
        case .inList(let x, let items, let n):
            let x2 = try r(x)
            return .inList(x2, try items.map { try cast(try r($0), toward: x2) }, negated: n)
        case .between(let x, let lo, let hi, let n):
            let x2 = try r(x)
            return .between(x2, try cast(try r(lo), toward: x2), try cast(try r(hi), toward: x2), negated: n)
        case .not(let x): return .not(try r(x))
        case .and(let a, let b): return .and(try r(a), try r(b))
        case .or(let a, let b): return .or(try r(a), try r(b))
        default: return e
        }
    }

    static func kind(of type: DataType) -> Kind {
        switch type {
        case .boolean: return .boolean
        case .byte, .short, .int, .long: return .integer
        case .float, .double: return .double
        case .decimal(_, let s): return .decimal(scale: s)
        case .string: return .string
        case .date: return .date
        case .timestamp: return .timestamp(utc: true)
        case .timestampNTZ: return .timestamp(utc: false)
        default: return .other
        }
    }

    static func kind(of e: Expression, _ schema: Schema) throws -> Kind {
        switch e {
        case .column(let name): return kind(of: schema.fields.first { $0.name == name }!.type)
        case .literal(let l):
            switch l {
            case .null: return .null
            case .boolean: return .boolean
            case .integer: return .integer
            case .decimal(_, let s): return .decimal(scale: s)
            case .double: return .double
            case .string: return .string
            case .date: return .date
            case .timestamp(_, let zone): return .timestamp(utc: zone)
            }
        case .not(let x):
            let k = try kind(of: x, schema)
            guard k == .boolean || k == .null else { throw QueryError("NOT needs a condition, not \(shown(x))") }
            return .boolean
        case .and(let a, let b), .or(let a, let b):
            for x in [a, b] {
                let k = try kind(of: x, schema)
                guard k == .boolean || k == .null else { throw QueryError("AND/OR need conditions, not \(shown(x))") }
            }
            return .boolean
        case .negate(let x):
            let k = try kind(of: x, schema)
            guard k.isNumeric || k == .null else { throw QueryError("cannot negate \(shown(x))") }
            return k
        case .arithmetic(let op, let a, let b):
            let (ka, kb) = (try kind(of: a, schema), try kind(of: b, schema))
            if ka == .null || kb == .null { return .null }
            guard ka.isNumeric && kb.isNumeric else {
                throw QueryError("'\(op.rawValue)' needs numbers: \(shown(a)) \(op.rawValue) \(shown(b))")
            }
            return arithmeticKind(op, ka, kb)
        case .compare(_, let a, let b):
            try checkComparable(a, b, schema)
            return .boolean
        case .isNull(let x, _):
            _ = try kind(of: x, schema)
            return .boolean
        case .inList(let x, let items, _):
            for item in items { try checkComparable(x, item, schema) }
            return .boolean
        case .between(let x, let lo, let hi, _):
            try checkComparable(x, lo, schema)
            try checkComparable(x, hi, schema)
            return .boolean
        case .like(let x, _, _, _):
            let k = try kind(of: x, schema)
            guard k == .string || k == .null else { throw QueryError("LIKE needs a string, not \(shown(x))") }
            return .boolean
        }
    }

    static func arithmeticKind(_ op: ArithmeticOperator, _ a: Kind, _ b: Kind) -> Kind {
        if a == .double || b == .double || op == .divide { return .double }
        switch (a, b) {
        case (.integer, .integer): return .integer
        case (.decimal(let s), .integer), (.integer, .decimal(let s)):
            return op == .multiply ? .decimal(scale: s) : .decimal(scale: s)
        case (.decimal(let s), .decimal(let t)):
            return op == .multiply ? (s + t <= 18 ? .decimal(scale: s + t) : .double) : .decimal(scale: max(s, t))
        default: return .double
        }
    }

    static func checkComparable(_ a: Expression, _ b: Expression, _ schema: Schema) throws {
        let (ka, kb) = (try kind(of: a, schema), try kind(of: b, schema))
        if ka == .null || kb == .null { return }
        let ok = (ka.isNumeric && kb.isNumeric) || (ka == .string && kb == .string) || (ka.isTemporal && kb.isTemporal)
            || (ka == .boolean && kb == .boolean)
        guard ok else { throw QueryError("cannot compare \(shown(a)) (\(ka)) with \(shown(b)) (\(kb))") }
    }
}

/// An expression as an error message shows it: cut to about `DisplayText.valueLimit`
/// characters (a deep expression would print thousands).
func shown(_ e: Expression) -> String { DisplayText.cut(e.description) }

extension Predicate.Kind: CustomStringConvertible {
    var description: String {
        switch self {
        case .boolean: return "boolean"
        case .integer: return "integer"
        case .double: return "double"
        case .string: return "string"
        case .date: return "date"
        case .null: return "null"
        case .other: return "non-comparable"
        case .decimal(let s): return "decimal (scale \(s))"
        case .timestamp(let utc): return utc ? "timestamp" : "timestamp_ntz"
        }
    }
}
