import Columnar
import LakeCore

/// Delta's schema serialization (`schemaString` in `metaData`), both ways. Field metadata
/// round-trips exactly.
public enum SchemaJSON {
    /// The JSON object for `schema`.
    public static func encode(_ schema: Schema) -> JSONValue {
        .object([("type", .string("struct")), ("fields", .array(schema.fields.map(encode)))])
    }

    static func encode(_ field: Field) -> JSONValue {
        .object([("name", .string(field.name)), ("type", encode(field.type)),
                 ("nullable", .bool(field.nullable)), ("metadata", .object(field.metadata))])
    }

    public static func encode(_ type: DataType) -> JSONValue {
        switch type {
        case .boolean: return .string("boolean")
        case .byte: return .string("byte")
        case .short: return .string("short")
        case .int: return .string("integer")
        case .long: return .string("long")
        case .float: return .string("float")
        case .double: return .string("double")
        case .decimal(let p, let s): return .string("decimal(\(p),\(s))")
        case .string: return .string("string")
        case .binary: return .string("binary")
        case .date: return .string("date")
        case .timestamp: return .string("timestamp")
        case .timestampNTZ: return .string("timestamp_ntz")
        case .struct(let fields):
            return .object([("type", .string("struct")), ("fields", .array(fields.map(encode)))])
        case .array(let element, let containsNull):
            return .object([("type", .string("array")), ("elementType", encode(element)), ("containsNull", .bool(containsNull))])
        case .map(let key, let value, let valueContainsNull):
            return .object([("type", .string("map")), ("keyType", encode(key)), ("valueType", encode(value)),
                            ("valueContainsNull", .bool(valueContainsNull))])
        }
    }

    /// The schema in a `schemaString`.
    public static func decode(_ text: String) throws -> Schema {
        let json = try JSONValue.parse(text)
        guard case .struct(let fields) = try decodeType(json) else {
            throw DeltaError(.corrupt, "the table schema is not a struct")
        }
        return Schema(fields)
    }

    static func decodeType(_ json: JSONValue) throws -> DataType {
        if let name = json.stringValue {
            switch name {
            case "boolean": return .boolean
            case "byte": return .byte
            case "short": return .short
            case "integer": return .int
            case "long": return .long
            case "float": return .float
            case "double": return .double
            case "string": return .string
            case "binary": return .binary
            case "date": return .date
            case "timestamp": return .timestamp
            case "timestamp_ntz": return .timestampNTZ
            default:
                if name.hasPrefix("decimal") {
                    if name == "decimal" { return .decimal(precision: 10, scale: 0) }
                    if let type = try? DataType(parsing: name) { return type }
                }
                throw DeltaError(.unsupported, "column type '\(DisplayText.value(name))' is not supported")
            }
        }
        switch json["type"]?.stringValue {
        case "struct":
            guard let fields = json["fields"]?.arrayValue else { throw DeltaError(.corrupt, "struct type without fields") }
            return .struct(try fields.map { f in
                guard let name = f["name"]?.stringValue, let type = f["type"] else {
                    throw DeltaError(.corrupt, "schema field without a name or type")
                }
                return Field(name, try decodeType(type), nullable: f["nullable"]?.boolValue ?? true,
                             metadata: f["metadata"]?.objectValue ?? [])
            })
        case "array":
            guard let element = json["elementType"] else { throw DeltaError(.corrupt, "array type without elementType") }
            return .array(element: try decodeType(element), containsNull: json["containsNull"]?.boolValue ?? true)
        case "map":
            guard let key = json["keyType"], let value = json["valueType"] else {
                throw DeltaError(.corrupt, "map type without keyType or valueType")
            }
            return .map(key: try decodeType(key), value: try decodeType(value),
                        valueContainsNull: json["valueContainsNull"]?.boolValue ?? true)
        default:
            throw DeltaError(.unsupported, "schema type \(json.serialized()) is not supported")
        }
    }
}
