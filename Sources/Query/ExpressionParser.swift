import Columnar

/// Parses `--where` text (DESIGN §3 `PRED`): comparisons, `AND OR NOT`, parentheses,
/// `IN`, `BETWEEN`, `IS [NOT] NULL`, `LIKE … [ESCAPE …]`, arithmetic, and literals (`42`,
/// `1.5`, `'text'`, `DATE '…'`, `TIMESTAMP '…'`, `true`, `false`, `NULL`).
/// Errors carry the character position.
public struct ExpressionParser {
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

    /// Parses a whole predicate.
    public static func parse(_ text: String) throws -> Expression {
        var parser = ExpressionParser()
        parser.tokens = try tokenize(text)
        let expression = try parser.orExpression()
        guard parser.peek == .end else {
            throw QueryError("unexpected \(parser.describe(parser.peek))", position: parser.position)
        }
        return expression
    }

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
                    throw QueryError("unexpected character '\(c)'", position: start)
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
        case .identifier(let s), .quotedIdentifier(let s): return "'\(s)'"
        case .number(let s): return "number \(s)"
        case .string(let s): return "string '\(s)'"
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

    private mutating func orExpression() throws -> Expression {
        var e = try andExpression()
        while keyword("or") { e = .or(e, try andExpression()) }
        return e
    }

    private mutating func andExpression() throws -> Expression {
        var e = try notExpression()
        while keyword("and") { e = .and(e, try notExpression()) }
        return e
    }

    private mutating func notExpression() throws -> Expression {
        if keyword("not") { return .not(try notExpression()) }
        return try predicate()
    }

    private mutating func predicate() throws -> Expression {
        let left = try additive()
        if keyword("is") {
            let negated = keyword("not")
            guard keyword("null") else { throw QueryError("expected NULL after IS", position: position) }
            return .isNull(left, negated: negated)
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
            return .inList(left, items, negated: negated)
        }
        if keyword("between") {
            let low = try additive()
            guard keyword("and") else { throw QueryError("expected AND in BETWEEN", position: position) }
            return .between(left, low, try additive(), negated: negated)
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
            return .like(left, pattern: pattern, escape: escape, negated: negated)
        }
        if negated { throw QueryError("expected IN, BETWEEN or LIKE after NOT", position: position) }
        for op in ["=", "!=", "<", "<=", ">", ">="] where peek == .symbol(op) {
            index += 1
            return .compare(ComparisonOperator(rawValue: op)!, left, try additive())
        }
        return left
    }

    private mutating func additive() throws -> Expression {
        var e = try multiplicative()
        while true {
            if symbol("+") { e = .arithmetic(.add, e, try multiplicative()) }
            else if symbol("-") { e = .arithmetic(.subtract, e, try multiplicative()) }
            else { return e }
        }
    }

    private mutating func multiplicative() throws -> Expression {
        var e = try unary()
        while true {
            if symbol("*") { e = .arithmetic(.multiply, e, try unary()) }
            else if symbol("/") { e = .arithmetic(.divide, e, try unary()) }
            else if symbol("%") { e = .arithmetic(.modulo, e, try unary()) }
            else { return e }
        }
    }

    private mutating func unary() throws -> Expression {
        if symbol("-") {
            let inner = try unary()
            if case .literal(.integer(let v)) = inner { return .literal(.integer(-v)) }
            if case .literal(.decimal(let v, let s)) = inner { return .literal(.decimal(-v, scale: s)) }
            if case .literal(.double(let v)) = inner { return .literal(.double(-v)) }
            return .negate(inner)
        }
        if symbol("+") { return try unary() }
        return try primary()
    }

    private mutating func primary() throws -> Expression {
        let at = position
        switch peek {
        case .symbol("("):
            index += 1
            let e = try orExpression()
            try expect(")")
            return e
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
                guard let d = ValueText.parseDate(Substring(s)) else { throw QueryError("'\(s)' is not a date (YYYY-MM-DD)", position: at) }
                return .literal(.date(d))
            case "timestamp", "timestamp_ntz":
                guard case .string(let s) = peek else { return .column(word) }
                index += 1
                guard let (t, zone) = ValueText.parseTimestamp(Substring(s)) else {
                    throw QueryError("'\(s)' is not a timestamp (e.g. 2026-01-01T00:00:00Z)", position: at)
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
            guard let d = Double(text) else { throw QueryError("'\(text)' is not a number", position: at) }
            return .double(d)
        }
        if !text.contains(".") {
            if let i = Int64(text) { return .integer(i) }
            if let d = Int128(text) { return .decimal(d, scale: 0) }
            throw QueryError("'\(text)' is not a number", position: at)
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let v = Int128(parts[0] + parts[1]), parts[0].count + parts[1].count <= 38 else {
            guard let d = Double(text) else { throw QueryError("'\(text)' is not a number", position: at) }
            return .double(d)
        }
        return .decimal(v, scale: parts[1].count)
    }
}
