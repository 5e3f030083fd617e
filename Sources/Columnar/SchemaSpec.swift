import LakeCore
/// Parses the schema specs users write on the command line:
/// `"id long not null, name string, amount decimal(12,2), tags array<string>, s struct<a:int,b:string>"`.
///
/// Types: `boolean byte short int long float double decimal(p,s) string binary date timestamp
/// timestamp_ntz`, and nested `struct<…> array<…> map<…,…>`; common SQL aliases (`bigint`,
/// `integer`, `smallint`, `tinyint`, `bool`, `varchar`, `text`) are accepted. Names may be
/// quoted with backticks; `comment 'TEXT'` after a column's type describes it.
public struct SchemaSpecError: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// Character position in the spec.
    public var position: Int
    public var description: String { "schema spec, at character \(position + 1): \(message)" }
}

extension SchemaSpecError: LakeFailure {
    public var category: FailureCategory { .usage }
    public var errorType: String { "invalid_schema" }
}

extension Schema {
    /// The schema described by `spec`.
    public init(parsing spec: String) throws {
        var parser = SpecParser(Array(spec.unicodeScalars))
        var fields: [Field] = []
        repeat {
            fields.append(try parser.field(separator: nil))
        } while try parser.consumeComma()
        try parser.expectEnd()
        var seen = Set<String>()
        for f in fields where !seen.insert(f.name.lowercased()).inserted {
            throw SchemaSpecError(message: "column '\(f.name)' appears twice", position: 0)
        }
        self.init(fields)
    }
}

extension DataType {
    /// The type written as in a schema spec (`decimal(12,2)`, `array<string>`, …).
    public init(parsing text: String) throws {
        var parser = SpecParser(Array(text.unicodeScalars))
        self = try parser.type()
        try parser.expectEnd()
    }
}

private struct SpecParser {
    let chars: [Unicode.Scalar]
    var i = 0

    init(_ chars: [Unicode.Scalar]) { self.chars = chars }

    func fail(_ message: String) -> SchemaSpecError { SchemaSpecError(message: message, position: i) }

    mutating func skipSpace() {
        while i < chars.count && chars[i].properties.isWhitespace { i += 1 }
    }

    mutating func peek(_ c: Unicode.Scalar) -> Bool {
        skipSpace()
        return i < chars.count && chars[i] == c
    }

    mutating func expect(_ c: Unicode.Scalar) throws {
        guard peek(c) else { throw fail("expected '\(c)'") }
        i += 1
    }

    mutating func consumeComma() throws -> Bool {
        if peek(",") { i += 1; return true }
        return false
    }

    mutating func expectEnd() throws {
        skipSpace()
        guard i == chars.count else { throw fail("unexpected '\(String(chars[i]))'") }
    }

    /// A name: letters, digits, `_`, or anything between backticks.
    mutating func name() throws -> String {
        skipSpace()
        if i < chars.count && chars[i] == "`" {
            i += 1
            var out = ""
            while i < chars.count && chars[i] != "`" { out.unicodeScalars.append(chars[i]); i += 1 }
            guard i < chars.count else { throw fail("unterminated `name`") }
            i += 1
            guard !out.isEmpty else { throw fail("empty name") }
            return out
        }
        var out = ""
        while i < chars.count, chars[i].properties.isAlphabetic || ("0"..."9").contains(chars[i]) || chars[i] == "_" {
            out.unicodeScalars.append(chars[i])
            i += 1
        }
        guard !out.isEmpty else { throw fail(i < chars.count ? "expected a name, found '\(String(chars[i]))'" : "expected a name") }
        return out
    }

    mutating func integer() throws -> Int {
        skipSpace()
        var digits = ""
        while i < chars.count, ("0"..."9").contains(chars[i]) { digits.unicodeScalars.append(chars[i]); i += 1 }
        guard let v = Int(digits) else { throw fail("expected a number") }
        return v
    }

    /// `NAME TYPE [NOT NULL] [COMMENT 'TEXT']`, or inside struct<> also `NAME: TYPE`. A
    /// comment goes into the field's metadata (`comment`), as Spark keeps it.
    mutating func field(separator: Unicode.Scalar?) throws -> Field {
        let fieldName = try name()
        if let separator, peek(separator) { i += 1 }
        let fieldType = try type()
        var nullable = true
        var metadata: [(String, JSONValue)] = []
        var save = i
        skipSpace()
        if let word = try? name(), word.lowercased() == "not" {
            guard let null = try? name(), null.lowercased() == "null" else { throw fail("expected NULL after NOT") }
            nullable = false
            save = i
        } else {
            i = save
        }
        skipSpace()
        if let word = try? name(), word.lowercased() == "comment" {
            metadata.append(("comment", .string(try quoted())))
        } else {
            i = save
        }
        return Field(fieldName, fieldType, nullable: nullable, metadata: metadata)
    }

    /// `'TEXT'`, with `''` for a quote inside.
    mutating func quoted() throws -> String {
        try expect("'")
        var out = ""
        while i < chars.count {
            if chars[i] == "'" {
                if i + 1 < chars.count && chars[i + 1] == "'" {
                    out.unicodeScalars.append("'")
                    i += 2
                    continue
                }
                i += 1
                return out
            }
            out.unicodeScalars.append(chars[i])
            i += 1
        }
        throw fail("unterminated 'text'")
    }

    mutating func type() throws -> DataType {
        let start = i
        let word = try name().lowercased()
        switch word {
        case "boolean", "bool": return .boolean
        case "byte", "tinyint": return .byte
        case "short", "smallint": return .short
        case "int", "integer": return .int
        case "long", "bigint": return .long
        case "float", "real": return .float
        case "double": return .double
        case "string", "varchar", "text": return .string
        case "binary": return .binary
        case "date": return .date
        case "timestamp": return .timestamp
        case "timestamp_ntz": return .timestampNTZ
        case "decimal", "numeric":
            guard peek("(") else { return .decimal(precision: 10, scale: 0) }
            try expect("(")
            let p = try integer()
            var s = 0
            if try consumeComma() { s = try integer() }
            try expect(")")
            guard (1...DataType.maxDecimalPrecision).contains(p), (0...p).contains(s) else {
                i = start
                throw fail("decimal(\(p),\(s)) is out of range: precision 1 to 38, scale 0 to precision")
            }
            return .decimal(precision: p, scale: s)
        case "array":
            try expect("<")
            let element = try type()
            try expect(">")
            return .array(element: element, containsNull: true)
        case "map":
            try expect("<")
            let key = try type()
            guard try consumeComma() else { throw fail("expected ',' between map key and value types") }
            let value = try type()
            try expect(">")
            return .map(key: key, value: value, valueContainsNull: true)
        case "struct":
            try expect("<")
            var fields: [Field] = []
            if !peek(">") {
                repeat { fields.append(try field(separator: ":")) } while try consumeComma()
            }
            try expect(">")
            guard !fields.isEmpty else { throw fail("a struct needs at least one field") }
            return .struct(fields)
        default:
            i = start
            throw fail("unknown type '\(word)'")
        }
    }
}
