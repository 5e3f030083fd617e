import Columnar
import LakeCore

/// A field of a schema addressed by path: `address.zip`, a list's element `items.element.price`,
/// a map's `attrs.key` / `attrs.value`. Backticks quote a name holding a dot: `` `a.b`.c ``.
public struct FieldPath: Sendable, CustomStringConvertible {
    public let parts: [String]

    public init(_ parts: [String]) { self.parts = parts }

    public init(parsing text: String) throws {
        var parts: [String] = [], current = "", quoted = false
        for c in text {
            if c == "`" { quoted.toggle(); continue }
            if c == "." && !quoted {
                parts.append(current)
                current = ""
                continue
            }
            current.append(c)
        }
        parts.append(current)
        guard !quoted, !parts.contains(where: \.isEmpty) else {
            throw DeltaError(.invalidArgument, "'\(DisplayText.value(text))' is not a column path (names joined by '.', backticks around a name with a dot)")
        }
        self.parts = parts
    }

    public var description: String {
        parts.map { $0.contains(".") ? "`\($0)`" : $0 }.joined(separator: ".")
    }

    /// The path of the struct holding the field, and the field's name.
    public var parent: FieldPath { FieldPath(Array(parts.dropLast())) }
    public var leafName: String { parts.last! }
}

/// The edits `lake alter` makes to a schema (PROTOCOL.md, "Column Mapping" and "Type
/// Widening" say which are allowed). Each returns a new schema or throws `invalidArgument`
/// naming the rule; fields keep all their metadata.
public enum SchemaEdit {
    /// Adds `field` to the struct at `parent` (the top level when empty), after `after` or at the end.
    public static func add(_ field: Field, to parent: FieldPath, after: String?, in schema: Schema) throws -> Schema {
        try fields(at: parent, in: schema) { fields in
            if let clash = fields.first(where: { $0.name.lowercased() == field.name.lowercased() }) {
                throw DeltaError(.invalidArgument, "column '\(FieldPath(parent.parts + [clash.name]))' already exists")
            }
            var fields = fields
            if let after {
                guard let index = fields.firstIndex(where: { $0.name == after }) else {
                    throw DeltaError(.invalidArgument, "--after: no column '\(FieldPath(parent.parts + [after]))'")
                }
                fields.insert(field, at: index + 1)
            } else {
                fields.append(field)
            }
            return fields
        }
    }

    /// Renames the field at `path`.
    public static func rename(_ path: FieldPath, to name: String, in schema: Schema) throws -> Schema {
        try update(path, in: schema) { field, siblings in
            if siblings.contains(where: { $0.name.lowercased() == name.lowercased() && $0.name != field.name }) {
                throw DeltaError(.invalidArgument, "column '\(FieldPath(path.parent.parts + [name]))' already exists")
            }
            var field = field
            field.name = name
            return field
        }
    }

    /// Drops the field at `path` (never the last one of its struct).
    public static func drop(_ path: FieldPath, in schema: Schema) throws -> Schema {
        try fields(at: path.parent, in: schema) { fields in
            guard let index = fields.firstIndex(where: { $0.name == path.leafName }) else { throw missing(path) }
            guard fields.count > 1 else {
                throw DeltaError(.invalidArgument, "'\(path)' is the last column \(path.parts.count == 1 ? "of the table" : "of its struct"); a schema cannot be empty")
            }
            var fields = fields
            fields.remove(at: index)
            return fields
        }
    }

    /// Changes the field at `path` with `change` (given the field and its siblings).
    public static func update(_ path: FieldPath, in schema: Schema, _ change: (Field, [Field]) throws -> Field) throws -> Schema {
        try fields(at: path.parent, in: schema) { fields in
            guard let index = fields.firstIndex(where: { $0.name == path.leafName }) else { throw missing(path) }
            var fields = fields
            fields[index] = try change(fields[index], fields)
            return fields
        }
    }

    /// Replaces the type at `path`: a field's, or a list's `element`, a map's `key` or `value`.
    public static func retype(_ path: FieldPath, in schema: Schema, _ change: (DataType) throws -> DataType) throws -> Schema {
        guard case .struct(let fields) = try transform(.struct(schema.fields), path.parts[...], path: [], change) else {
            preconditionFailure("the top level is a struct")
        }
        return Schema(fields)
    }

    /// The type at `path`, if there is one.
    public static func type(at path: FieldPath, in schema: Schema) -> DataType? {
        var found: DataType?
        _ = try? transform(.struct(schema.fields), path.parts[...], path: []) { type in
            found = type
            return type
        }
        return found
    }

    /// The field at `path`, if there is one.
    public static func field(_ path: FieldPath, in schema: Schema) -> Field? {
        guard case .struct(let fields)? = path.parts.count == 1 ? .struct(schema.fields) : type(at: path.parent, in: schema) else {
            return nil
        }
        return fields.first { $0.name == path.leafName }
    }

    /// The longest prefix of `path` that ends at a struct field (the rest walks a list's
    /// `element` or a map's `key`/`value` below it).
    public static func fieldPrefix(_ path: FieldPath, in schema: Schema) -> FieldPath {
        var type = DataType.struct(schema.fields), end = 0
        for (i, part) in path.parts.enumerated() {
            switch type {
            case .struct(let fields):
                guard let field = fields.first(where: { $0.name == part }) else { return FieldPath(Array(path.parts.prefix(end))) }
                type = field.type
                end = i + 1
            case .array(let element, _) where part == "element": type = element
            case .map(let key, _, _) where part == "key": type = key
            case .map(_, let value, _) where part == "value": type = value
            default: return FieldPath(Array(path.parts.prefix(end)))
            }
        }
        return FieldPath(Array(path.parts.prefix(end)))
    }

    static func missing(_ path: FieldPath) -> DeltaError {
        DeltaError(.invalidArgument, "no column '\(path)'")
    }

    /// Applies `body` to the fields of the struct at `path` (the top level when empty).
    private static func fields(at path: FieldPath, in schema: Schema, _ body: ([Field]) throws -> [Field]) throws -> Schema {
        try retype(path, in: schema) { type in
            guard case .struct(let fields) = type else {
                throw DeltaError(.invalidArgument, "'\(path)' is a \(type), not a struct"
                                 + (type.isPrimitive ? "" : " (address a list's element as .element, a map's as .key or .value)"))
            }
            return .struct(try body(fields))
        }
    }

    /// `type` with `body` applied at `parts`: struct fields by name, lists by `element`,
    /// maps by `key` and `value`.
    private static func transform(_ type: DataType, _ parts: ArraySlice<String>, path: [String],
                                  _ body: (DataType) throws -> DataType) throws -> DataType {
        guard let first = parts.first else { return try body(type) }
        let rest = parts.dropFirst(), here = path + [first]
        switch type {
        case .struct(var fields):
            guard let index = fields.firstIndex(where: { $0.name == first }) else { throw missing(FieldPath(here)) }
            fields[index].type = try transform(fields[index].type, rest, path: here, body)
            return .struct(fields)
        case .array(let element, let containsNull) where first == "element":
            return .array(element: try transform(element, rest, path: here, body), containsNull: containsNull)
        case .map(let key, let value, let valueContainsNull) where first == "key":
            return .map(key: try transform(key, rest, path: here, body), value: value, valueContainsNull: valueContainsNull)
        case .map(let key, let value, let valueContainsNull) where first == "value":
            return .map(key: key, value: try transform(value, rest, path: here, body), valueContainsNull: valueContainsNull)
        default:
            throw missing(FieldPath(here))
        }
    }
}

/// Type widening (PROTOCOL.md, "Type Widening"): the changes a reader can apply to old files
/// by widening their values on read.
public enum TypeWidening {
    /// Whether a column of type `from` may become `to`.
    public static func allowed(from: DataType, to: DataType) -> Bool {
        func rank(_ t: DataType) -> Int? {
            switch t {
            case .byte: return 1
            case .short: return 2
            case .int: return 3
            case .long: return 4
            default: return nil
            }
        }
        switch (from, to) {
        case let (a, b) where rank(a) != nil && rank(b) != nil: return rank(a)! < rank(b)!
        case (.float, .double): return true
        case (.byte, .double), (.short, .double), (.int, .double): return true
        case (.date, .timestampNTZ): return true
        case (.decimal(let p1, let s1), .decimal(let p2, let s2)):
            return p2 >= p1 && s2 >= s1 && (p2 - p1) >= (s2 - s1) && (p1, s1) != (p2, s2)
        case (.byte, .decimal(let p, let s)): return p - s >= 3
        case (.short, .decimal(let p, let s)): return p - s >= 5
        case (.int, .decimal(let p, let s)): return p - s >= 10
        case (.long, .decimal(let p, let s)): return p - s >= 20
        default: return false
        }
    }

    /// The `delta.typeChanges` entry of a widening, as Delta writes type names.
    public static func change(from: DataType, to: DataType) -> JSONValue {
        .object([("fromType", SchemaJSON.encode(from)), ("toType", SchemaJSON.encode(to))])
    }
}

extension ColumnMapping {
    /// `schema` with every field that has no column mapping id given one (after `maxID`) and
    /// a physical name: its current name when `keepNames` (the names existing files already
    /// use), else a fresh `col-<uuid>`. Returns the schema and the new highest id.
    public static func assign(_ schema: Schema, maxID: Int64, keepNames: Bool) -> (Schema, Int64) {
        var next = maxID
        func assign(_ field: Field) -> Field {
            var field = field
            if ColumnMapping.id(field) == nil {
                next += 1
                field.metadata.append((idKey, .int(next)))
            }
            if !field.metadata.contains(where: { $0.0 == physicalNameKey }) {
                field.metadata.append((physicalNameKey, .string(keepNames ? field.name : "col-\(SystemClock.uuid())")))
            }
            field.type = assign(field.type)
            return field
        }
        func assign(_ type: DataType) -> DataType {
            switch type {
            case .struct(let fields): return .struct(fields.map(assign))
            case .array(let e, let n): return .array(element: assign(e), containsNull: n)
            case .map(let k, let v, let n): return .map(key: assign(k), value: assign(v), valueContainsNull: n)
            default: return type
            }
        }
        return (Schema(schema.fields.map(assign)), next)
    }

    /// The highest column mapping id in `schema` (nested fields included).
    public static func maxID(_ schema: Schema) -> Int64 {
        func maxID(_ type: DataType) -> Int64 {
            switch type {
            case .struct(let fields): return fields.map { Swift.max(id($0) ?? 0, maxID($0.type)) }.max() ?? 0
            case .array(let e, _): return maxID(e)
            case .map(let k, let v, _): return Swift.max(maxID(k), maxID(v))
            default: return 0
            }
        }
        return maxID(.struct(schema.fields))
    }
}

extension TableFeatures {
    /// `p` with `feature` supported: for a table still on legacy versions, the legacy pair
    /// that implies it (`legacy`) when there is one and the table uses no feature list;
    /// otherwise reader 3 / writer 7 with the feature named (in the reader list too when it is
    /// a reader feature), every feature the legacy versions implied kept.
    public static func enabling(_ feature: String, readerFeature: Bool, legacy: (reader: Int, writer: Int)?,
                                in p: ProtocolAction) -> ProtocolAction {
        var readerFeatures = p.readerFeatures, writerFeatures = p.writerFeatures
        if (writerFeatures ?? []).contains(feature) && (!readerFeature || (readerFeatures ?? []).contains(feature)) { return p }
        if p.minWriterVersion < 7, let legacy, p.minReaderVersion < 3 {
            return ProtocolAction(minReaderVersion: max(p.minReaderVersion, legacy.reader), minWriterVersion: max(p.minWriterVersion, legacy.writer))
        }
        // Table features: the legacy versions' features become named ones.
        if p.minWriterVersion < 7 {
            let implied: [(Int, String)] = [(2, "appendOnly"), (2, "invariants"), (3, "checkConstraints"),
                                            (4, "changeDataFeed"), (4, "generatedColumns"), (5, "columnMapping"),
                                            (6, "identityColumns")]
            writerFeatures = implied.filter { p.minWriterVersion >= $0.0 }.map(\.1)
        }
        if p.minReaderVersion < 3 {
            readerFeatures = p.minReaderVersion >= 2 ? ["columnMapping"] : []
        }
        if !(writerFeatures ?? []).contains(feature) { writerFeatures = (writerFeatures ?? []) + [feature] }
        if readerFeature && !(readerFeatures ?? []).contains(feature) { readerFeatures = (readerFeatures ?? []) + [feature] }
        let needsReaderFeatures = !(readerFeatures ?? []).isEmpty
        return ProtocolAction(minReaderVersion: needsReaderFeatures ? 3 : p.minReaderVersion, minWriterVersion: 7,
                              readerFeatures: needsReaderFeatures ? readerFeatures : nil, writerFeatures: writerFeatures)
    }
}
