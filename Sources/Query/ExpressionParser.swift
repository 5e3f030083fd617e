import LakeCore
import Columnar

/// Parses `--where` text (DESIGN §3 `PRED`): comparisons, `AND OR NOT`, parentheses,
/// `IN`, `BETWEEN`, `IS [NOT] NULL`, `LIKE … [ESCAPE …]`, arithmetic, and literals (`42`,
/// `1.5`, `'text'`, `DATE '…'`, `TIMESTAMP '…'`, `true`, `false`, `NULL`).
/// Errors carry the character position.
///
/// Nesting is limited to ``maxDepth`` levels: every operator (`AND`, `OR`, comparisons,
/// arithmetic, `IN`, `BETWEEN`, `LIKE`, `IS NULL`), every `NOT` or sign and every pair of
/// parentheses is one level, so a chain of N `AND`s is N levels deep (plus its operands) and
/// an N-term sum N levels.
/// Deeper text is refused (a ``QueryError`` with the position) before the parser recurses
/// past the limit, and everything downstream (binding, pruning, evaluation, which recurse
/// over the tree) can rely on it.
public struct ExpressionParser {
    /// The deepest expression accepted (as SQLite's and DuckDB's default limits).
    public static let maxDepth = 1000

    /// An expression and the depth of its tree (a leaf is 1).
    private struct Parsed {
        var expression: Expression
        var depth: Int
    }

    enum Token: Equatable {
        case identifier(String)
        case quotedIdentifier(String)
        case number(String)
        case string(String)
        case symbol(String)
        case end
    }

    private var tokens: [(token: Token, position: Int)] = []
    private var index = 0
    /// Parentheses, `NOT`s and signs open around the current position: each adds a level to
    /// whatever is parsed inside, so the recursion stops at the limit.
    private var nesting = 0

    /// Parses a whole predicate.
    public static func parse(_ text: String) throws -> Expression {
        var parser = ExpressionParser()
        parser.tokens = try tokenize(text)
        let parsed = try parser.orExpression()
        guard parser.peek == .end else {
            throw QueryError("unexpected \(parser.describe(parser.peek))", position: parser.position)
        }
        return parsed.expression
    }

    static func tooDeep(at position: Int) -> QueryError {
        QueryError("the expression nests more than \(maxDepth) levels deep (each AND, OR, NOT, operator and pair of "
                   + "parentheses is a level); simplify it, e.g. a long OR chain of equalities as IN (…)", position: position)
    }

    /// A node over `children`, refused when it would be deeper than the limit.
    private func node(_ e: Expression, _ children: Parsed..., at position: Int) throws -> Parsed {
        try node(e, depth: 1 + (children.map(\.depth).max() ?? 0), at: position)
    }

    private func node(_ e: Expression, depth: Int, at position: Int) throws -> Parsed {
        guard depth <= Self.maxDepth else { throw Self.tooDeep(at: position) }
        return Parsed(expression: e, depth: depth)
    }

    /// Goes one level deeper (into parentheses, a `NOT` or a sign), refusing to go past the
    /// limit before the caller recurses; ``leave()`` comes back out. (After an error the
    /// parse is over, so a throw needs no matching `leave`.)
    private mutating func enter(at position: Int) throws {
        guard nesting < Self.maxDepth else { throw Self.tooDeep(at: position) }
        nesting += 1
    }

    private mutating func leave() { nesting -= 1 }

    private static func tokenize(_ text: String) throws -> [(Token, Int)] {
        let chars = Array(text.unicodeScalars)
        var out: [(Token, Int)] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let start = i + 1
            if c.properties.isWhitespace { i += 1; continue }
            if c == "'" {
                var s = ""
                i += 1
                while true {
                    guard i < chars.count else { throw QueryError("unterminated string", position: start) }
                    if chars[i] == "'" {
                        if i + 1 < chars.count && chars[i + 1] == "'" { s.unicodeScalars.append("'"); i += 2; continue }
                        i += 1
                        break
                    }
                    s.unicodeScalars.append(chars[i])
                    i += 1
                }
                out.append((.string(s), start))
            } else if c == "\"" || c == "`" {
                var s = ""
                i += 1
                while i < chars.count && chars[i] != c { s.unicodeScalars.append(chars[i]); i += 1 }
                guard i < chars.count else { throw QueryError("unterminated quoted name", position: start) }
                i += 1
                out.append((.quotedIdentifier(s), start))
            } else if ("0"..."9").contains(c) || (c == "." && i + 1 < chars.count && ("0"..."9").contains(chars[i + 1])) {
                var s = ""
                while i < chars.count, ("0"..."9").contains(chars[i]) || chars[i] == "." { s.unicodeScalars.append(chars[i]); i += 1 }
                if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                    s.unicodeScalars.append(chars[i]); i += 1
                    if i < chars.count, chars[i] == "+" || chars[i] == "-" { s.unicodeScalars.append(chars[i]); i += 1 }
                    while i < chars.count, ("0"..."9").contains(chars[i]) { s.unicodeScalars.append(chars[i]); i += 1 }
                }
                out.append((.number(s), start))
            } else if c.properties.isAlphabetic || c == "_" {
                var s = ""
                while i < chars.count, chars[i].properties.isAlphabetic || ("0"..."9").contains(chars[i]) || chars[i] == "_" {
                    s.unicodeScalars.append(chars[i]); i += 1
                }
                out.append((.identifier(s), start))
            } else {
                let two = i + 1 < chars.count ? String(c) + String(chars[i + 1]) : ""
                if ["<=", ">=", "<>", "!=", "=="].contains(two) {
                    out.append((.symbol(two == "<>" ? "!=" : two == "==" ? "=" : two), start))
                    i += 2
                } else if "=<>+-*/%(),".unicodeScalars.contains(c) {
                    out.append((.symbol(String(c)), start))
                    i += 1
                } else {
                    throw QueryError("unexpected character '\(DisplayText.escapingControls(String(c)))'", position: start)
                }
            }
        }
        out.append((.end, chars.count + 1))
        return out
    }

    private var peek: Token { tokens[index].token }
    private var position: Int { tokens[index].position }

    private func describe(_ t: Token) -> String {
        switch t {
        case .identifier(let s), .quotedIdentifier(let s): return "'\(DisplayText.value(s))'"
        case .number(let s): return "number \(DisplayText.value(s))"
        case .string(let s): return "string '\(DisplayText.value(s))'"
        case .symbol(let s): return "'\(s)'"
        case .end: return "end of the expression"
        }
    }

    private mutating func keyword(_ word: String) -> Bool {
        if case .identifier(let s) = peek, s.lowercased() == word { index += 1; return true }
        return false
    }

    private func isKeyword(_ word: String, at offset: Int = 0) -> Bool {
        guard index + offset < tokens.count, case .identifier(let s) = tokens[index + offset].token else { return false }
        return s.lowercased() == word
    }

    private mutating func symbol(_ s: String) -> Bool {
        if peek == .symbol(s) { index += 1; return true }
        return false
    }

    private mutating func expect(_ s: String) throws {
        guard symbol(s) else { throw QueryError("expected '\(s)', found \(describe(peek))", position: position) }
    }

    private mutating func orExpression() throws -> Parsed {
        var e = try andExpression()
        while true {
            let at = position
            guard keyword("or") else { return e }
            let right = try andExpression()
            e = try node(.or(e.expression, right.expression), e, right, at: at)
        }
    }

    private mutating func andExpression() throws -> Parsed {
        var e = try notExpression()
        while true {
            let at = position
            guard keyword("and") else { return e }
            let right = try notExpression()
            e = try node(.and(e.expression, right.expression), e, right, at: at)
        }
    }

    private mutating func notExpression() throws -> Parsed {
        let at = position
        if keyword("not") {
            try enter(at: at)
            let inner = try notExpression()
            leave()
            return try node(.not(inner.expression), inner, at: at)
        }
        return try predicate()
    }

    private mutating func predicate() throws -> Parsed {
        let left = try additive()
        let at = position
        if keyword("is") {
            let negated = keyword("not")
            guard keyword("null") else { throw QueryError("expected NULL after IS", position: position) }
            return try node(.isNull(left.expression, negated: negated), left, at: at)
        }
        var negated = false
        if isKeyword("not") && (isKeyword("in", at: 1) || isKeyword("between", at: 1) || isKeyword("like", at: 1)) {
            index += 1
            negated = true
        }
        if keyword("in") {
            try expect("(")
            var items = [try additive()]
            while symbol(",") { items.append(try additive()) }
            try expect(")")
            let depth = 1 + max(left.depth, items.map(\.depth).max() ?? 0)
            return try node(.inList(left.expression, items.map(\.expression), negated: negated), depth: depth, at: at)
        }
        if keyword("between") {
            let low = try additive()
            guard keyword("and") else { throw QueryError("expected AND in BETWEEN", position: position) }
            let high = try additive()
            return try node(.between(left.expression, low.expression, high.expression, negated: negated), left, low, high, at: at)
        }
        if keyword("like") {
            guard case .string(let pattern) = peek else { throw QueryError("LIKE needs a string pattern", position: position) }
            index += 1
            var escape: Character?
            if keyword("escape") {
                guard case .string(let e) = peek, e.count == 1 else {
                    throw QueryError("ESCAPE needs a one-character string", position: position)
                }
                index += 1
                escape = e.first
            }
            return try node(.like(left.expression, pattern: pattern, escape: escape, negated: negated), left, at: at)
        }
        if negated { throw QueryError("expected IN, BETWEEN or LIKE after NOT", position: position) }
        for op in ["=", "!=", "<", "<=", ">", ">="] where peek == .symbol(op) {
            index += 1
            let right = try additive()
            return try node(.compare(ComparisonOperator(rawValue: op)!, left.expression, right.expression), left, right, at: at)
        }
        return left
    }

    private mutating func additive() throws -> Parsed {
        var e = try multiplicative()
        while true {
            let at = position
            let op: ArithmeticOperator
            if symbol("+") { op = .add } else if symbol("-") { op = .subtract } else { return e }
            let right = try multiplicative()
            e = try node(.arithmetic(op, e.expression, right.expression), e, right, at: at)
        }
    }

    private mutating func multiplicative() throws -> Parsed {
        var e = try unary()
        while true {
            let at = position
            let op: ArithmeticOperator
            if symbol("*") { op = .multiply } else if symbol("/") { op = .divide } else if symbol("%") { op = .modulo } else { return e }
            let right = try unary()
            e = try node(.arithmetic(op, e.expression, right.expression), e, right, at: at)
        }
    }

    private mutating func unary() throws -> Parsed {
        let at = position
        if symbol("-") {
            try enter(at: at)
            let inner = try unary()
            leave()
            // A sign counts as a level even when folded into a literal.
            switch inner.expression {
            case .literal(.integer(let v)): return try node(.literal(.integer(-v)), inner, at: at)
            case .literal(.decimal(let v, let s)): return try node(.literal(.decimal(-v, scale: s)), inner, at: at)
            case .literal(.double(let v)): return try node(.literal(.double(-v)), inner, at: at)
            default: return try node(.negate(inner.expression), inner, at: at)
            }
        }
        if symbol("+") {
            try enter(at: at)
            let inner = try unary()
            leave()
            return try node(inner.expression, inner, at: at)
        }
        return try primary()
    }

    private mutating func primary() throws -> Parsed {
        let at = position
        if case .symbol("(") = peek {
            index += 1
            try enter(at: at)
            let inner = try orExpression()
            leave()
            try expect(")")
            return try node(inner.expression, inner, at: at)
        }
        return Parsed(expression: try value(at: at), depth: 1)
    }

    private mutating func value(at: Int) throws -> Expression {
        switch peek {
        case .number(let text):
            index += 1
            return .literal(try Self.number(text, at))
        case .string(let s):
            index += 1
            return .literal(.string(s))
        case .quotedIdentifier(let name):
            index += 1
            return .column(name)
        case .identifier(let word):
            index += 1
            switch word.lowercased() {
            case "null": return .literal(.null)
            case "true": return .literal(.boolean(true))
            case "false": return .literal(.boolean(false))
            case "date":
                guard case .string(let s) = peek else { return .column(word) }
                index += 1
                guard let d = ValueText.parseDate(Substring(s)) else { throw QueryError("'\(DisplayText.value(s))' is not a date (YYYY-MM-DD)", position: at) }
                return .literal(.date(d))
            case "timestamp", "timestamp_ntz":
                guard case .string(let s) = peek else { return .column(word) }
                index += 1
                guard let (t, zone) = ValueText.parseTimestamp(Substring(s)) else {
                    throw QueryError("'\(DisplayText.value(s))' is not a timestamp (e.g. 2026-01-01T00:00:00Z)", position: at)
                }
                return .literal(.timestamp(t, hasZone: zone))
            case "and", "or", "not", "in", "between", "like", "is", "escape":
                throw QueryError("expected a value, found \(word.uppercased())", position: at)
            default:
                return .column(word)
            }
        default:
            throw QueryError("expected a value, found \(describe(peek))", position: at)
        }
    }

    static func number(_ text: String, _ at: Int) throws -> Literal {
        if text.contains("e") || text.contains("E") {
            guard let d = Double(text) else { throw QueryError("'\(DisplayText.value(text))' is not a number", position: at) }
            return .double(d)
        }
        if !text.contains(".") {
            if let i = Int64(text) { return .integer(i) }
            if let d = Int128(text) { return .decimal(d, scale: 0) }
            throw QueryError("'\(DisplayText.value(text))' is not a number", position: at)
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let v = Int128(parts[0] + parts[1]), parts[0].count + parts[1].count <= 38 else {
            guard let d = Double(text) else { throw QueryError("'\(DisplayText.value(text))' is not a number", position: at) }
            return .double(d)
        }
        return .decimal(v, scale: parts[1].count)
    }
}
