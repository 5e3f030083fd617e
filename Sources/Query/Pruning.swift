import Columnar

/// What statistics say about one column of a file or row group: bounds on its non-null
/// values and how many values are null.
public struct ColumnBounds: Sendable {
    /// A lower bound of the non-null values (nil: unknown).
    public var min: Value?
    /// An upper bound of the non-null values (nil: unknown).
    public var max: Value?
    public var nullCount: Int?
    public var rowCount: Int?

    public init(min: Value?, max: Value?, nullCount: Int?, rowCount: Int?) {
        self.min = min
        self.max = max
        self.nullCount = nullCount
        self.rowCount = rowCount
    }

    var allNull: Bool { nullCount != nil && nullCount == rowCount }
    var noNull: Bool { nullCount == 0 }
}

extension Predicate {
    /// Whether rows described by `bounds` (per column name) might satisfy the predicate;
    /// false only when statistics prove that none can. Columns without bounds never prune.
    public func mightMatch(_ bounds: (String) -> ColumnBounds?) -> Bool {
        Self.might(expression, schema, bounds)
    }

    static func might(_ e: Expression, _ schema: Schema, _ bounds: (String) -> ColumnBounds?) -> Bool {
        switch e {
        case .and(let a, let b): return might(a, schema, bounds) && might(b, schema, bounds)
        case .or(let a, let b): return might(a, schema, bounds) || might(b, schema, bounds)
        case .not(let x):
            switch x {
            case .compare(let op, let a, let b): return might(.compare(op.negated, a, b), schema, bounds)
            case .isNull(let y, let n): return might(.isNull(y, negated: !n), schema, bounds)
            case .between(let y, let lo, let hi, let n): return might(.between(y, lo, hi, negated: !n), schema, bounds)
            case .inList(let y, let items, let n): return might(.inList(y, items, negated: !n), schema, bounds)
            case .like(let y, let p, let esc, let n): return might(.like(y, pattern: p, escape: esc, negated: !n), schema, bounds)
            case .not(let y): return might(y, schema, bounds)
            case .and(let a, let b): return might(.or(.not(a), .not(b)), schema, bounds)
            case .or(let a, let b): return might(.and(.not(a), .not(b)), schema, bounds)
            default: return true
            }
        case .isNull(.column(let c), let negated):
            guard let b = bounds(c) else { return true }
            if negated { return !b.allNull }
            return !b.noNull
        case .compare(let op, .column(let c), .literal(let v)):
            return compareMight(op, c, v, schema, bounds)
        case .compare(let op, .literal(let v), .column(let c)):
            return compareMight(op.flipped, c, v, schema, bounds)
        case .compare(_, _, .literal(.null)), .compare(_, .literal(.null), _):
            return false
        case .inList(.column(let c), let items, false):
            return items.contains { item in
                if case .literal(let v) = item { return compareMight(.equal, c, v, schema, bounds) }
                return true
            }
        case .between(.column(let c), .literal(let lo), .literal(let hi), false):
            return compareMight(.greaterOrEqual, c, lo, schema, bounds) && compareMight(.lessOrEqual, c, hi, schema, bounds)
        case .like(.column(let c), let pattern, let escape, false):
            guard let b = bounds(c) else { return true }
            if b.allNull { return false }
            let matcher = LikePattern(pattern, escape: escape)
            guard case .literal(let prefix)? = matcher.pieces.first else { return true }
            if let max = b.max, case .string(let m) = max, Array(m.utf8).lexicographicallyPrecedes(prefix) { return false }
            if let min = b.min, case .string(let m) = min {
                let bytes = Array(m.utf8)
                if !bytes.starts(with: prefix) && prefix.lexicographicallyPrecedes(bytes) { return false }
            }
            return true
        default:
            return true
        }
    }

    static func compareMight(_ op: ComparisonOperator, _ column: String, _ literal: Literal, _ schema: Schema,
                             _ bounds: (String) -> ColumnBounds?) -> Bool {
        if case .null = literal { return false }
        guard let b = bounds(column) else { return true }
        if b.allNull { return false }
        let type = schema.fields.first { $0.name == column }?.type
        let isFloat = type == .float || type == .double
        // NaN sorts above every number: it can satisfy >, >= and != whatever the bounds.
        if isFloat && (op == .greater || op == .greaterOrEqual || op == .notEqual) { return true }
        if case .double(let d) = literal, d.isNaN { return true }
        let vsMin = b.min.flatMap { order(literal, $0, type) }  // literal ? min
        let vsMax = b.max.flatMap { order(literal, $0, type) }  // literal ? max
        switch op {
        case .equal: return !((vsMin.map { $0 < 0 } ?? false) || (vsMax.map { $0 > 0 } ?? false))
        case .notEqual: return !(vsMin == 0 && vsMax == 0)  // all values equal the literal
        case .less: return vsMin.map { $0 > 0 } ?? true         // some value < literal needs min < literal
        case .lessOrEqual: return vsMin.map { $0 >= 0 } ?? true
        case .greater: return vsMax.map { $0 < 0 } ?? true
        case .greaterOrEqual: return vsMax.map { $0 <= 0 } ?? true
        }
    }

    /// Orders a literal against a statistics value of a column of `type` (-1, 0, 1); nil when
    /// they do not compare.
    static func order(_ literal: Literal, _ value: Value, _ type: DataType?) -> Int? {
        func sign<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a > b ? 1 : 0) }
        guard let type else { return nil }
        switch (literal, value, type) {
        case (.integer(let l), .int(let v), .byte), (.integer(let l), .int(let v), .short),
             (.integer(let l), .int(let v), .int), (.integer(let l), .int(let v), .long):
            return sign(l, v)
        case (.decimal(let l, let s), .int(let v), .byte), (.decimal(let l, let s), .int(let v), .short),
             (.decimal(let l, let s), .int(let v), .int), (.decimal(let l, let s), .int(let v), .long):
            return sign(l, Int128(v) * pow10(s))
        case (.double(let l), .int(let v), _): return sign(l, Double(v))
        case (_, .decimal(let v), .decimal(_, let s)):
            switch literal {
            case .integer(let l): return sign(Int128(l) * pow10(s), v)
            case .decimal(let l, let ls):
                let scale = max(s, ls)
                return sign(l * pow10(scale - ls), v * pow10(scale - s))
            case .double(let l): return sign(l, Double(v) / Double(pow10(s)))
            default: return nil
            }
        case (_, .double, _), (_, .float, _):
            let d: Double
            if case .double(let x) = value { d = x } else if case .float(let f) = value { d = Double(f) } else { return nil }
            switch literal {
            case .integer(let l): return compareDoubles(Double(l), d)
            case .decimal(let l, let s): return compareDoubles(Double(l) / Double(pow10(s)), d)
            case .double(let l): return compareDoubles(l, d)
            default: return nil
            }
        case (.string(let l), .string(let v), .string):
            return Array(l.utf8).lexicographicallyPrecedes(Array(v.utf8)) ? -1 : (l == v ? 0 : 1)
        case (.boolean(let l), .bool(let v), .boolean):
            return l == v ? 0 : (l ? 1 : -1)
        case (_, .int(let v), .date):
            switch literal {
            case .date(let d): return sign(d, v)
            case .timestamp(let t, _): return sign(t, v * 86_400_000_000)
            default: return nil
            }
        case (_, .int(let v), .timestamp), (_, .int(let v), .timestampNTZ):
            switch literal {
            case .timestamp(let t, _): return sign(t, v)
            case .date(let d): return sign(d * 86_400_000_000, v)
            default: return nil
            }
        default:
            return nil
        }
    }
}
