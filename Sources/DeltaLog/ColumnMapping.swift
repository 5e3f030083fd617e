import Columnar
import LakeCore

/// Delta's column mapping (PROTOCOL.md, "Column Mapping"): the names in the schema are
/// logical; data files, statistics and partition values use each field's physical name
/// (`delta.columnMapping.physicalName`), and in `id` mode files are matched by Parquet
/// `field_id` (`delta.columnMapping.id`). Without mapping, physical names are the names.
public struct ColumnMapping: Sendable {
    public enum Mode: String, Sendable {
        case none, name, id
    }

    public static let idKey = "delta.columnMapping.id"
    public static let physicalNameKey = "delta.columnMapping.physicalName"
    /// Where a field read from a Parquet file carries its `field_id` (see `ParquetSchema`).
    public static let fileFieldIDKey = "parquet.field.id"

    public let mode: Mode

    public init(mode: Mode) { self.mode = mode }

    /// The mapping `metadata` configures; an unknown mode is `unsupported` (lake would misread it).
    public init(_ metadata: Metadata) throws {
        let text = metadata.property("delta.columnMapping.mode")?.lowercased() ?? "none"
        guard let mode = Mode(rawValue: text) else {
            throw DeltaError(.unsupported, "column mapping mode '\(DisplayText.value(text))' (delta.columnMapping.mode) is not one lake knows (none, name, id)")
        }
        self.mode = mode
    }

    /// The name data files, statistics and partition values use for `field`.
    public func physicalName(_ field: Field) -> String {
        guard mode != .none else { return field.name }
        return field.metadata.first { $0.0 == Self.physicalNameKey }?.1.stringValue ?? field.name
    }

    /// The column mapping id of `field`, if it has one.
    public static func id(_ field: Field) -> Int64? {
        field.metadata.first { $0.0 == idKey }?.1.intValue
    }

    /// `field` as data files store it: named by physical names all the way down.
    public func physicalField(_ field: Field) -> Field {
        guard mode != .none else { return field }
        return Field(physicalName(field), fileType(field.type, stored: nil), nullable: field.nullable, metadata: field.metadata)
    }

    /// `field` as lake writes it into a data file: physical names all the way down, and each
    /// field's column mapping id as its Parquet `field_id` (PROTOCOL.md: writers of mapped
    /// tables write both). Without mapping, the field as it is.
    public func writtenField(_ field: Field) -> Field {
        guard mode != .none else { return field }
        func written(_ type: DataType) -> DataType {
            switch type {
            case .struct(let fields): return .struct(fields.map(writtenField))
            case .array(let element, let containsNull): return .array(element: written(element), containsNull: containsNull)
            case .map(let key, let value, let valueContainsNull):
                return .map(key: written(key), value: written(value), valueContainsNull: valueContainsNull)
            default: return type
            }
        }
        let id = Self.id(field).map { [(Self.fileFieldIDKey, JSONValue.int($0))] } ?? []
        return Field(physicalName(field), written(field.type), nullable: field.nullable, metadata: id)
    }

    /// In a data file whose fields (at one level) are `fileFields`, the one that holds
    /// `field`: by field id in `id` mode (by physical name for a file written without ids),
    /// else by physical name. Nil when the file has no such column (it predates it).
    /// Resolves many fields against one file's (``fileField(for:in:)`` with the file's fields
    /// indexed once): `nil` where the file has no counterpart.
    public func fileFields(for fields: [Field], in file: Schema) -> [Field?] {
        var byID: [Int64: Int]?
        if mode == .id {
            var ids: [Int64: Int] = [:]
            for (i, f) in file.fields.enumerated() {
                if let id = f.metadata.first(where: { $0.0 == Self.fileFieldIDKey })?.1.intValue, ids[id] == nil { ids[id] = i }
            }
            if !ids.isEmpty { byID = ids }
        }
        return fields.map { field in
            if let byID, let id = Self.id(field) { return byID[id].map { file.fields[$0] } }
            return file.index(of: physicalName(field)).map { file.fields[$0] }
        }
    }

    public func fileField(for field: Field, in fileFields: [Field]) -> Field? {
        if mode == .id, let id = Self.id(field) {
            let withIDs = fileFields.filter { $0.metadata.contains { $0.0 == Self.fileFieldIDKey } }
            if !withIDs.isEmpty {
                return withIDs.first { $0.metadata.first { $0.0 == Self.fileFieldIDKey }?.1.intValue == id }
            }
        }
        let name = physicalName(field)
        return fileFields.first { $0.name == name }
    }

    /// `type` (a logical type) with every struct field named as the file's type `stored`
    /// names it (resolved as ``fileField(for:in:)`` does; physical names where the file has
    /// no counterpart): the type to cast the file's column to before it takes its logical names.
    public func fileType(_ type: DataType, stored: DataType?) -> DataType {
        switch type {
        case .struct(let fields):
            var storedFields: [Field] = []
            if case .struct(let s)? = stored { storedFields = s }
            return .struct(fields.map { field in
                let match = fileField(for: field, in: storedFields)
                var renamed = field
                renamed.name = match?.name ?? physicalName(field)
                renamed.type = fileType(field.type, stored: match?.type)
                return renamed
            })
        case .array(let element, let containsNull):
            var storedElement: DataType?
            if case .array(let e, _)? = stored { storedElement = e }
            return .array(element: fileType(element, stored: storedElement), containsNull: containsNull)
        case .map(let key, let value, let valueContainsNull):
            var storedKey: DataType?, storedValue: DataType?
            if case .map(let k, let v, _)? = stored { (storedKey, storedValue) = (k, v) }
            return .map(key: fileType(key, stored: storedKey), value: fileType(value, stored: storedValue),
                        valueContainsNull: valueContainsNull)
        default:
            return type
        }
    }
}

extension Snapshot {
    /// The table's column mapping (checked readable when the snapshot was loaded).
    public var columnMapping: ColumnMapping {
        (try? ColumnMapping(metadata)) ?? ColumnMapping(mode: .none)
    }

    /// A file's partition value of the (logical) partition column `column`: the outer
    /// optional is nil when the file lists no value for it, the inner one for a null value.
    public func partitionValue(_ file: AddFile, column: String) -> String?? {
        let mapping = columnMapping
        let key = mapping.mode == .none ? column : schema.fields.first { $0.name == column }.map(mapping.physicalName) ?? column
        return file.partitionValues.first { $0.0 == key }.map(\.1)
    }
}
