import Columnar
import LakeCore

/// A Parquet file's schema in both forms: the flat list of schema elements stored in the
/// footer, and the lake `Schema` with the level tree used to shred and assemble values.
public struct ParquetSchema: Sendable {
    /// The lake schema of the file's top-level columns.
    public var schema: Schema
    /// The primitive columns in file order.
    public var leaves: [LeafDescriptor]
    /// The stored schema elements, root first.
    public var elements: [SchemaElement]
    /// One node per column of `schema`.
    var roots: [SchemaNode]
    /// Top-level columns left out of `schema` because they use something lake cannot read,
    /// with the reason. Reading them is refused; the other columns can still be read.
    public var unsupportedColumns: [(name: String, reason: String)] = []

    /// The deepest column type lake reads or writes (levels of struct, array and map).
    public static let maxNesting = 100
}

// MARK: - lake schema → Parquet schema (writing)

extension ParquetSchema {
    /// The Parquet schema this project writes for `schema`: 3-level lists, `key_value` maps,
    /// logical types with their matching converted types.
    public init(writing schema: Schema) throws {
        var elements = [SchemaElement()]
        elements[0].name = "schema"
        elements[0].numChildren = Int32(schema.fields.count)
        var leaves: [LeafDescriptor] = []
        var roots: [SchemaNode] = []
        for field in schema.fields {
            roots.append(try Self.writeNode(name: field.name, type: field.type, optional: field.nullable,
                                            repetition: field.nullable ? .optional : .required, fieldID: Self.fieldID(field),
                                            path: [], def: 0, rep: 0, elements: &elements, leaves: &leaves))
        }
        self.init(schema: schema, leaves: leaves, elements: elements, roots: roots)
    }

    /// The `field_id` a field asks to be written with (its ``fieldIDKey`` metadata).
    private static func fieldID(_ field: Field) -> Int32? {
        field.metadata.first { $0.0 == fieldIDKey }?.1.intValue.flatMap { Int32(exactly: $0) }
    }

    private static func writeNode(name: String, type: DataType, optional: Bool, repetition: Repetition, fieldID: Int32? = nil,
                                  path: [String], def: Int, rep: Int,
                                  elements: inout [SchemaElement], leaves: inout [LeafDescriptor]) throws -> SchemaNode {
        let definedAt = def + (optional ? 1 : 0)
        let info = SchemaNode.NodeInfo(name: name, type: type, optional: optional, definedAt: definedAt, repeatedAt: rep)
        let path = path + [name]
        guard path.count <= maxNesting else {
            throw ParquetError(.invalidArgument, "type nested deeper than \(maxNesting) levels")
        }
        var e = SchemaElement()
        e.name = name
        e.repetition = repetition
        e.fieldID = fieldID
        switch type {
        case .struct(let fields):
            guard !fields.isEmpty else {
                throw ParquetError(.invalidArgument, "struct column '\(name)' has no fields; Parquet needs at least one")
            }
            e.numChildren = Int32(fields.count)
            elements.append(e)
            let children = try fields.map {
                try writeNode(name: $0.name, type: $0.type, optional: $0.nullable,
                              repetition: $0.nullable ? .optional : .required, fieldID: Self.fieldID($0), path: path,
                              def: definedAt, rep: rep, elements: &elements, leaves: &leaves)
            }
            return .structure(info, children: children)
        case .array(let elementType, let containsNull):
            e.numChildren = 1
            e.convertedType = .list
            e.logicalType = .list
            elements.append(e)
            var group = SchemaElement()
            group.name = "list"
            group.repetition = .repeated
            group.numChildren = 1
            elements.append(group)
            let element = try writeNode(name: "element", type: elementType, optional: containsNull,
                                        repetition: containsNull ? .optional : .required, path: path + ["list"],
                                        def: definedAt + 1, rep: rep + 1, elements: &elements, leaves: &leaves)
            return .list(info, elementDef: definedAt + 1, elementRep: rep + 1, element: element)
        case .map(let keyType, let valueType, let valueContainsNull):
            e.numChildren = 1
            e.convertedType = .map
            e.logicalType = .map
            elements.append(e)
            var group = SchemaElement()
            group.name = "key_value"
            group.repetition = .repeated
            group.numChildren = 2
            elements.append(group)
            let key = try writeNode(name: "key", type: keyType, optional: false, repetition: .required,
                                    path: path + ["key_value"], def: definedAt + 1, rep: rep + 1,
                                    elements: &elements, leaves: &leaves)
            let value = try writeNode(name: "value", type: valueType, optional: valueContainsNull,
                                      repetition: valueContainsNull ? .optional : .required,
                                      path: path + ["key_value"], def: definedAt + 1, rep: rep + 1,
                                      elements: &elements, leaves: &leaves)
            return .map(info, entryDef: definedAt + 1, entryRep: rep + 1, key: key, value: value)
        default:
            annotate(&e, for: type)
            elements.append(e)
            leaves.append(LeafDescriptor(path: path, physicalType: e.type!, typeLength: Int(e.typeLength ?? 0),
                                         type: type, maxDefinitionLevel: definedAt, maxRepetitionLevel: rep,
                                         conversion: .none, element: e))
            return .leaf(info, leaf: leaves.count - 1)
        }
    }

    /// Bytes of a FIXED_LEN_BYTE_ARRAY that holds any unscaled decimal of `precision` digits.
    static func decimalByteWidth(precision: Int) -> Int {
        var bytes = 1
        // Largest magnitude representable in `bytes` two's complement bytes: 2^(8*bytes-1) - 1.
        while Double(8 * bytes - 1) * 0.30102999566398120 < Double(precision) { bytes += 1 }
        return bytes
    }

    private static func annotate(_ e: inout SchemaElement, for type: DataType) {
        switch type {
        case .boolean: e.type = .boolean
        case .byte:
            e.type = .int32; e.logicalType = .integer(bitWidth: 8, isSigned: true); e.convertedType = .int8
        case .short:
            e.type = .int32; e.logicalType = .integer(bitWidth: 16, isSigned: true); e.convertedType = .int16
        case .int: e.type = .int32
        case .long: e.type = .int64
        case .float: e.type = .float
        case .double: e.type = .double
        case .decimal(let p, let s):
            if p <= 9 { e.type = .int32 } else if p <= 18 { e.type = .int64 } else {
                e.type = .fixedLenByteArray
                e.typeLength = Int32(decimalByteWidth(precision: p))
            }
            e.logicalType = .decimal(precision: Int32(p), scale: Int32(s))
            e.convertedType = .decimal
            e.precision = Int32(p)
            e.scale = Int32(s)
        case .string: e.type = .byteArray; e.logicalType = .string; e.convertedType = .utf8
        case .binary: e.type = .byteArray
        case .date: e.type = .int32; e.logicalType = .date; e.convertedType = .date
        case .timestamp:
            e.type = .int64; e.logicalType = .timestamp(isAdjustedToUTC: true, unit: .micros)
            e.convertedType = .timestampMicros
        case .timestampNTZ:
            e.type = .int64; e.logicalType = .timestamp(isAdjustedToUTC: false, unit: .micros)
        case .struct, .array, .map:
            preconditionFailure("nested types are not leaves")
        }
    }
}

// MARK: - Parquet schema → lake schema (reading)

extension ParquetSchema {
    /// The schema of a file from its stored elements, following the format's backward
    /// compatibility rules for lists and maps (2- and 3-level lists, unannotated repeated
    /// fields, `MAP_KEY_VALUE`).
    public init(reading elements: [SchemaElement]) throws {
        guard let root = elements.first else { throw ParquetError.corrupt("the schema is empty") }
        var index = 1
        var topLevel: [ElementTree] = []
        for _ in 0..<max(0, Int(root.numChildren ?? 0)) {
            topLevel.append(try ElementTree.parse(elements, &index, depth: 1))
        }
        guard index == elements.count else {
            throw ParquetError.corrupt("the schema has \(elements.count) elements but its tree uses \(index)")
        }
        var leaves: [LeafDescriptor] = []
        var roots: [SchemaNode] = []
        var fields: [Field] = []
        var unsupported: [(name: String, reason: String)] = []
        for tree in topLevel {
            let before = leaves.count
            do {
                let node = try Self.readNode(tree, forceRequired: false, path: [], def: 0, rep: 0, leaves: &leaves)
                roots.append(node)
                fields.append(Field(node.info.name, node.info.type, nullable: node.info.optional,
                                    metadata: Self.fieldIDMetadata(tree.element)))
            } catch let error as ParquetError where error.kind == .unsupported {
                // The column stays out of the schema; its chunks keep their places.
                leaves.removeSubrange(before...)
                Self.appendPlaceholderLeaves(tree, path: [], to: &leaves)
                unsupported.append((tree.element.name, error.message))
            }
        }
        self.init(schema: Schema(fields), leaves: leaves, elements: elements, roots: roots,
                  unsupportedColumns: unsupported)
    }

    /// The metadata key under which a field read from a file carries its Parquet `field_id`
    /// (what Delta's column mapping in `id` mode resolves columns by).
    public static let fieldIDKey = "parquet.field.id"

    private static func fieldIDMetadata(_ element: SchemaElement) -> [(String, JSONValue)] {
        element.fieldID.map { [(fieldIDKey, .int($0))] } ?? []
    }

    /// Leaves standing for the primitive columns of an unsupported column, so chunk indices
    /// still line up; they are never decoded.
    private static func appendPlaceholderLeaves(_ tree: ElementTree, path: [String], to leaves: inout [LeafDescriptor]) {
        let path = path + [tree.element.name]
        if tree.isGroup {
            for child in tree.children { appendPlaceholderLeaves(child, path: path, to: &leaves) }
            return
        }
        leaves.append(LeafDescriptor(path: path, physicalType: tree.element.type!, typeLength: Int(tree.element.typeLength ?? 0),
                                     type: .binary, maxDefinitionLevel: 0, maxRepetitionLevel: 0,
                                     conversion: .none, element: tree.element))
    }

    /// Schema elements as a tree.
    struct ElementTree {
        var element: SchemaElement
        var children: [ElementTree]

        static func parse(_ elements: [SchemaElement], _ index: inout Int, depth: Int) throws -> ElementTree {
            guard depth <= ParquetSchema.maxNesting else { throw ParquetError.corrupt("schema nested too deeply") }
            guard index < elements.count else { throw ParquetError.corrupt("schema tree refers to missing elements") }
            let e = elements[index]
            index += 1
            var children: [ElementTree] = []
            if let n = e.numChildren, e.type == nil {
                guard n >= 0, Int(n) <= elements.count - index else {
                    throw ParquetError.corrupt("schema element '\(e.name)' claims \(n) children")
                }
                for _ in 0..<n { children.append(try parse(elements, &index, depth: depth + 1)) }
            } else if e.type == nil {
                throw ParquetError.corrupt("schema element '\(e.name)' has neither a type nor children")
            }
            return ElementTree(element: e, children: children)
        }

        var isGroup: Bool { element.type == nil }
        var isList: Bool { element.logicalType == .list || element.convertedType == .list }
        var isMap: Bool {
            element.logicalType == .map || element.convertedType == .map || element.convertedType == .mapKeyValue
        }
    }

    private static func readNode(_ tree: ElementTree, forceRequired: Bool, path: [String], def: Int, rep: Int,
                                 leaves: inout [LeafDescriptor]) throws -> SchemaNode {
        let e = tree.element
        let path = path + [e.name]
        let repetition = forceRequired ? .required : (e.repetition ?? .required)
        guard def < 250, rep < 250 else { throw ParquetError.unsupported("schema nested deeper than 250 levels") }

        if repetition == .repeated {
            // A repeated field outside a LIST: a required list of required elements.
            let element = try readNode(tree, forceRequired: true, path: Array(path.dropLast()),
                                       def: def + 1, rep: rep + 1, leaves: &leaves)
            let type = DataType.array(element: element.info.type, containsNull: false)
            let info = SchemaNode.NodeInfo(name: e.name, type: type, optional: false, definedAt: def, repeatedAt: rep)
            return .list(info, elementDef: def + 1, elementRep: rep + 1, element: element)
        }
        let optional = repetition == .optional
        let definedAt = def + (optional ? 1 : 0)

        if tree.isGroup && tree.isList {
            guard tree.children.count == 1, tree.children[0].element.repetition == .repeated else {
                throw ParquetError.corrupt("LIST column '\(path.joined(separator: "."))' must have one repeated child")
            }
            let repeated = tree.children[0]
            let elementTree: ElementTree
            let elementForced: Bool
            if !repeated.isGroup || repeated.children.count > 1 || repeated.element.name == "array"
                || repeated.element.name == e.name + "_tuple" {
                elementTree = repeated      // 2-level list: the repeated field is the element
                elementForced = true
            } else {
                guard repeated.children.count == 1 else {
                    throw ParquetError.corrupt("LIST column '\(path.joined(separator: "."))' has an empty repeated group")
                }
                elementTree = repeated.children[0]
                elementForced = false
            }
            let elementPath = elementForced ? path : path + [repeated.element.name]
            let element = try readNode(elementTree, forceRequired: elementForced, path: elementPath,
                                       def: definedAt + 1, rep: rep + 1, leaves: &leaves)
            let type = DataType.array(element: element.info.type, containsNull: element.info.optional)
            let info = SchemaNode.NodeInfo(name: e.name, type: type, optional: optional, definedAt: definedAt, repeatedAt: rep)
            return .list(info, elementDef: definedAt + 1, elementRep: rep + 1, element: element)
        }

        if tree.isGroup && tree.isMap {
            guard tree.children.count == 1, tree.children[0].element.repetition == .repeated,
                  tree.children[0].isGroup else {
                throw ParquetError.corrupt("MAP column '\(path.joined(separator: "."))' must have one repeated group")
            }
            let entries = tree.children[0]
            guard entries.children.count == 2 else {
                throw ParquetError.unsupported("MAP column '\(path.joined(separator: "."))' with \(entries.children.count) fields in its key_value group")
            }
            let entryPath = path + [entries.element.name]
            let key = try readNode(entries.children[0], forceRequired: true, path: entryPath,
                                   def: definedAt + 1, rep: rep + 1, leaves: &leaves)
            let value = try readNode(entries.children[1], forceRequired: false, path: entryPath,
                                     def: definedAt + 1, rep: rep + 1, leaves: &leaves)
            let type = DataType.map(key: key.info.type, value: value.info.type, valueContainsNull: value.info.optional)
            let info = SchemaNode.NodeInfo(name: e.name, type: type, optional: optional, definedAt: definedAt, repeatedAt: rep)
            return .map(info, entryDef: definedAt + 1, entryRep: rep + 1, key: key, value: value)
        }

        if tree.isGroup {
            guard !tree.children.isEmpty else {
                throw ParquetError.unsupported("empty group column '\(path.joined(separator: "."))'")
            }
            var children: [SchemaNode] = []
            var fields: [Field] = []
            for child in tree.children {
                let node = try readNode(child, forceRequired: false, path: path, def: definedAt, rep: rep, leaves: &leaves)
                children.append(node)
                fields.append(Field(node.info.name, node.info.type, nullable: node.info.optional,
                                    metadata: Self.fieldIDMetadata(child.element)))
            }
            let info = SchemaNode.NodeInfo(name: e.name, type: .struct(fields), optional: optional, definedAt: definedAt, repeatedAt: rep)
            return .structure(info, children: children)
        }

        let (type, conversion) = try leafType(e, path: path)
        var width = 0
        if e.type == .fixedLenByteArray {
            guard let length = e.typeLength, length > 0, length <= 1 << 20 else {
                throw ParquetError.corrupt("FIXED_LEN_BYTE_ARRAY column '\(path.joined(separator: "."))' has no valid length")
            }
            width = Int(length)
        }
        leaves.append(LeafDescriptor(path: path, physicalType: e.type!, typeLength: width, type: type,
                                     maxDefinitionLevel: definedAt, maxRepetitionLevel: rep,
                                     conversion: conversion, element: e))
        let info = SchemaNode.NodeInfo(name: e.name, type: type, optional: optional, definedAt: definedAt, repeatedAt: rep)
        return .leaf(info, leaf: leaves.count - 1)
    }

    /// The lake type of a primitive schema element.
    static func leafType(_ e: SchemaElement, path: [String]) throws -> (DataType, LeafConversion) {
        let name = path.joined(separator: ".")
        func refuse(_ what: String) -> ParquetError {
            .unsupported("column '\(name)' has type \(what), which lake does not support")
        }
        func decimal() throws -> DataType {
            var p = Int(e.precision ?? 0), s = Int(e.scale ?? 0)
            if case .decimal(let lp, let ls) = e.logicalType { p = Int(lp); s = Int(ls) }
            guard (1...DataType.maxDecimalPrecision).contains(p), (0...p).contains(s) else {
                throw refuse("decimal(\(p),\(s))")
            }
            return .decimal(precision: p, scale: s)
        }
        let isDecimal: Bool = {
            if case .decimal = e.logicalType { return true }
            return e.convertedType == .decimal
        }()
        switch e.type! {
        case .boolean:
            return (.boolean, .none)
        case .int32:
            if isDecimal { return (try decimal(), .none) }
            if let logical = e.logicalType {
                switch logical {
                case .integer(let width, let signed):
                    switch (width, signed) {
                    case (8, true): return (.byte, .none)
                    case (16, true): return (.short, .none)
                    case (32, true): return (.int, .none)
                    case (8, false): return (.short, .unsigned)
                    case (16, false): return (.int, .unsigned)
                    case (32, false): return (.long, .unsigned)
                    default: throw refuse("INT(\(width), \(signed))")
                    }
                case .date: return (.date, .none)
                case .time: throw refuse("TIME")
                default: break
                }
            }
            switch e.convertedType {
            case .int8: return (.byte, .none)
            case .int16: return (.short, .none)
            case .uint8: return (.short, .unsigned)
            case .uint16: return (.int, .unsigned)
            case .uint32: return (.long, .unsigned)
            case .date: return (.date, .none)
            case .timeMillis: throw refuse("TIME_MILLIS")
            default: return (.int, .none)
            }
        case .int64:
            if isDecimal { return (try decimal(), .none) }
            if let logical = e.logicalType {
                switch logical {
                case .integer(64, false): return (.decimal(precision: 20, scale: 0), .unsigned)
                case .timestamp(let utc, let unit):
                    let type: DataType = utc ? .timestamp : .timestampNTZ
                    switch unit {
                    case .millis: return (type, .timestampMillis)
                    case .micros: return (type, .none)
                    case .nanos: return (type, .timestampNanos)
                    }
                case .time: throw refuse("TIME")
                default: break
                }
            }
            switch e.convertedType {
            case .uint64: return (.decimal(precision: 20, scale: 0), .unsigned)
            case .timestampMillis: return (.timestamp, .timestampMillis)
            case .timestampMicros: return (.timestamp, .none)
            case .timeMicros: throw refuse("TIME_MICROS")
            default: return (.long, .none)
            }
        case .int96:
            return (.timestamp, .int96)
        case .float:
            return (.float, .none)
        case .double:
            return (.double, .none)
        case .byteArray:
            if isDecimal { return (try decimal(), .none) }
            if e.logicalType == .string || e.logicalType == .json || e.logicalType == .enumeration
                || e.convertedType == .utf8 || e.convertedType == .json || e.convertedType == .enumeration {
                return (.string, .none)
            }
            if case .other(let id) = e.logicalType { throw refuse("logical type #\(id)") }
            return (.binary, .none)
        case .fixedLenByteArray:
            if isDecimal {
                let type = try decimal()
                guard let length = e.typeLength, length >= 1, length <= 16 else { throw refuse("decimal in \(e.typeLength ?? 0) bytes") }
                return (type, .none)
            }
            if e.logicalType == .float16 {
                guard e.typeLength == 2 else { throw ParquetError.corrupt("FLOAT16 column '\(name)' is not 2 bytes wide") }
                return (.float, .float16)
            }
            if e.convertedType == .interval { throw refuse("INTERVAL") }
            return (.binary, .none)
        }
    }
}
