import LakeCore
import Columnar

/// A predicate or value expression over a row, as parsed from `--where` text.
public indirect enum Expression: Sendable, CustomStringConvertible {
    case column(String)
    case literal(Literal)
    case not(Expression)
    case negate(Expression)
    case and(Expression, Expression)
    case or(Expression, Expression)
    case compare(ComparisonOperator, Expression, Expression)
    case arithmetic(ArithmeticOperator, Expression, Expression)
    case isNull(Expression, negated: Bool)
    case inList(Expression, [Expression], negated: Bool)
    case between(Expression, Expression, Expression, negated: Bool)
    case like(Expression, pattern: String, escape: Character?, negated: Bool)

    public var description: String {
        switch self {
        case .column(let name): return "\"\(name)\""
        case .literal(let l): return l.description
        case .not(let e): return "(NOT \(e))"
        case .negate(let e): return "(-\(e))"
        case .and(let a, let b): return "(\(a) AND \(b))"
        case .or(let a, let b): return "(\(a) OR \(b))"
        case .compare(let op, let a, let b): return "(\(a) \(op.rawValue) \(b))"
        case .arithmetic(let op, let a, let b): return "(\(a) \(op.rawValue) \(b))"
        case .isNull(let e, let n): return "(\(e) IS \(n ? "NOT " : "")NULL)"
        case .inList(let e, let items, let n): return "(\(e) \(n ? "NOT " : "")IN (\(items.map(\.description).joined(separator: ", "))))"
        case .between(let e, let lo, let hi, let n): return "(\(e) \(n ? "NOT " : "")BETWEEN \(lo) AND \(hi))"
        case .like(let e, let p, let esc, let n):
            return "(\(e) \(n ? "NOT " : "")LIKE '\(p)'\(esc.map { " ESCAPE '\($0)'" } ?? ""))"
        }
    }

    /// The columns the expression reads.
    public var columns: Set<String> {
        switch self {
        case .column(let name): return [name]
        case .literal: return []
        case .not(let e), .negate(let e), .isNull(let e, _), .like(let e, _, _, _): return e.columns
        case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b):
            return a.columns.union(b.columns)
        case .inList(let e, let items, _): return items.reduce(e.columns) { $0.union($1.columns) }
        case .between(let e, let lo, let hi, _): return e.columns.union(lo.columns).union(hi.columns)
        }
    }
}

public enum ComparisonOperator: String, Sendable {
    case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

    /// The operator with its operands swapped (`a < b` ⇔ `b > a`).
    var flipped: ComparisonOperator {
        switch self {
        case .less: return .greater
        case .lessOrEqual: return .greaterOrEqual
        case .greater: return .less
        case .greaterOrEqual: return .lessOrEqual
        default: return self
        }
    }

    /// The operator true exactly when this one is false (for non-null operands).
    var negated: ComparisonOperator {
        switch self {
        case .equal: return .notEqual
        case .notEqual: return .equal
        case .less: return .greaterOrEqual
        case .lessOrEqual: return .greater
        case .greater: return .lessOrEqual
        case .greaterOrEqual: return .less
        }
    }
}

public enum ArithmeticOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
}

/// A literal value in an expression.
public enum Literal: Sendable, CustomStringConvertible {
    case null
    case boolean(Bool)
    case integer(Int64)
    /// An exact decimal: unscaled value and scale (from text like `1.50`).
    case decimal(Int128, scale: Int)
    case double(Double)
    case string(String)
    case date(Int64)
    /// Microseconds; `hasZone` when the text had `Z` or an offset.
    case timestamp(Int64, hasZone: Bool)

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .boolean(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .decimal(let v, let s):
            var out: [UInt8] = []
            ValueText.appendDecimal(v, scale: s, to: &out)
            return String(decoding: out, as: UTF8.self)
        case .double(let d): return String(d)
        case .string(let s): return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        case .date(let d):
            var out: [UInt8] = []
            ValueText.appendDate(days: d, to: &out)
            return "DATE '" + String(decoding: out, as: UTF8.self) + "'"
        case .timestamp(let t, let zone):
            var out: [UInt8] = []
            ValueText.appendTimestamp(micros: t, utc: zone, to: &out)
            return "TIMESTAMP '" + String(decoding: out, as: UTF8.self) + "'"
        }
    }
}

/// A predicate text that does not parse or bind: the message and the character position.
public struct QueryError: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// 1-based character position in the predicate text, when known.
    public var position: Int?
    /// The name, when the error is that no column has it.
    public var unknownColumn: String?

    public init(_ message: String, position: Int? = nil) {
        self.message = message
        self.position = position
    }

    public var description: String {
        position.map { "--where, at character \($0): \(message)" } ?? "--where: \(message)"
    }
}

extension QueryError: LakeFailure {
    public var category: FailureCategory { .usage }
    public var errorType: String { "invalid_predicate" }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Index>? {
        guard !target.isEmpty, count >= target.count else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}
