import LakeCore

/// The logical type of a column: what its values mean, independent of how a file stores them.
///
/// These are exactly the types of the Delta Lake protocol's schema, so a table's schema maps
/// one to one onto columns. Physical layout (which buffer holds the values) follows from the
/// type; see ``ColumnStorage``.
public indirect enum DataType: Hashable, Sendable {
    case boolean
    /// 8-bit signed integer.
    case byte
    /// 16-bit signed integer.
    case short
    /// 32-bit signed integer.
    case int
    /// 64-bit signed integer.
    case long
    case float
    case double
    /// Exact decimal with `precision` digits (1...38), `scale` of them after the point.
    case decimal(precision: Int, scale: Int)
    /// UTF-8 text.
    case string
    case binary
    /// Days since 1970-01-01.
    case date
    /// Microseconds since the Unix epoch, an instant (UTC).
    case timestamp
    /// Microseconds since 1970-01-01T00:00:00 on a wall clock without time zone.
    case timestampNTZ
    case `struct`([Field])
    case array(element: DataType, containsNull: Bool)
    case map(key: DataType, value: DataType, valueContainsNull: Bool)

    /// The largest decimal precision a column can hold (128-bit unscaled values).
    public static let maxDecimalPrecision = 38

    /// Whether values are leaves (not struct, array or map).
    public var isPrimitive: Bool {
        switch self {
        case .struct, .array, .map: return false
        default: return true
        }
    }
}

extension DataType: CustomStringConvertible {
    /// The type as users write it in a schema spec: `long`, `decimal(12,2)`,
    /// `array<string>`, `struct<a:int,b:string>`, `map<string,long>`.
    public var description: String {
        switch self {
        case .boolean: return "boolean"
        case .byte: return "byte"
        case .short: return "short"
        case .int: return "int"
        case .long: return "long"
        case .float: return "float"
        case .double: return "double"
        case .decimal(let p, let s): return "decimal(\(p),\(s))"
        case .string: return "string"
        case .binary: return "binary"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .timestampNTZ: return "timestamp_ntz"
        case .struct(let fields):
            return "struct<" + fields.map { "\($0.name):\($0.type)" }.joined(separator: ",") + ">"
        case .array(let element, _): return "array<\(element)>"
        case .map(let key, let value, _): return "map<\(key),\(value)>"
        }
    }
}

/// A named, typed column of a schema or a struct.
///
/// `metadata` is the field's metadata object in the Delta schema (comments, column-mapping
/// ids, type changes, anything unknown), kept verbatim so a schema read and written again is
/// unchanged. It takes no part in equality: fields with the same name, type and nullability
/// hold the same values.
public struct Field: Hashable, Sendable {
    public var name: String
    public var type: DataType
    public var nullable: Bool
    public var metadata: [(String, JSONValue)]

    public init(_ name: String, _ type: DataType, nullable: Bool = true, metadata: [(String, JSONValue)] = []) {
        self.name = name
        self.type = type
        self.nullable = nullable
        self.metadata = metadata
    }

    public static func == (a: Field, b: Field) -> Bool {
        a.name == b.name && a.type == b.type && a.nullable == b.nullable
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(type)
        hasher.combine(nullable)
    }
}

/// The ordered fields of a table or a record batch.
public struct Schema: Hashable, Sendable {
    public var fields: [Field] { didSet { positions = Self.positions(of: fields) } }
    /// A wide schema's field positions by name (the first field of a name), so that looking
    /// every column up by name stays linear in the columns.
    private var positions: [String: Int]?

    public init(_ fields: [Field]) {
        self.fields = fields
        positions = Self.positions(of: fields)
    }

    private static func positions(of fields: [Field]) -> [String: Int]? {
        guard fields.count >= 32 else { return nil }
        var positions: [String: Int] = [:]
        positions.reserveCapacity(fields.count)
        for (i, field) in fields.enumerated() where positions[field.name] == nil { positions[field.name] = i }
        return positions
    }

    /// The index of the field called `name` (exact match), if any.
    public func index(of name: String) -> Int? {
        if let positions { return positions[name] }
        return fields.firstIndex { $0.name == name }
    }

    public static func == (a: Schema, b: Schema) -> Bool { a.fields == b.fields }
    public func hash(into hasher: inout Hasher) { hasher.combine(fields) }
}
