import Catalog
import Columnar
import DeltaLog
import LakeCore
import Parquet

/// What `create` did.
public struct CreateResult: Sendable {
    public var name: String
    public var location: String
    public var version: Int64
    /// False when the table already existed and `ifNotExists` kept it.
    public var created: Bool
}

/// A request to create a table.
public struct CreateRequest {
    public var name: TableName
    public var schema: Schema
    public var partitionBy: [String] = []
    public var properties: [(String, String)] = []
    public var location: String?
    public var comment: String?
    public var ifNotExists = false

    public init(name: TableName, schema: Schema) {
        self.name = name
        self.schema = schema
    }
}

extension Warehouse {
    /// Creates a table: version 0 of its log (protocol, metadata), then its catalog entry.
    public func create(_ request: CreateRequest) throws -> CreateResult {
        let location: String
        var catalogName: (String, String)?
        switch request.name {
        case .catalog(let ns, let n):
            catalogName = (ns, n)
            if let existing = try catalogCreatingWarehouse().table(namespace: ns, name: n) {
                if request.ifNotExists {
                    return CreateResult(name: existing.qualifiedName, location: existing.location,
                                        version: max(0, existing.version), created: false)
                }
                throw LakeError(.alreadyExists, "table \(ns).\(n) already exists (at \(existing.location)); use --if-not-exists to keep it")
            }
            location = request.location.map(Paths.absolute) ?? defaultLocation(namespace: ns, name: n)
        case .path(let p):
            if let requested = request.location, Paths.absolute(requested) != p {
                throw LakeError(.invalidArgument, "--location conflicts with the table path \(p)")
            }
            location = p
        }
        try validate(request)
        let table = DeltaTable(root: location, storage: storage)
        if let other = try registeredTable(at: location), other.qualifiedName != catalogName.map({ "\($0.0).\($0.1)" }) {
            throw LakeError(.invalidArgument, "refusing \(location) as a table location: it is already the location of table \(other.qualifiedName)")
        }
        if table.exists, (try? table.latestVersion()) != nil {
            guard request.ifNotExists else {
                throw LakeError(.alreadyExists, "\(location) already holds a Delta table; use lake register to add it to the catalog")
            }
            return try adopt(table, request, catalogName)
        }

        try checkLocation(location, registering: false, name: catalogName.map { "\($0.0).\($0.1)" })
        let now = SystemClock.nowMillis()
        var schema = request.schema, properties = request.properties
        var protocolAction = Self.protocolFor(request)
        // A table mapped from the start: every field gets an id and a fresh physical name.
        let mode = properties.first { $0.0 == "delta.columnMapping.mode" }?.1.lowercased()
        switch mode {
        case nil, "none": break
        case "name", "id":
            let (mapped, maxID) = ColumnMapping.assign(schema, maxID: 0, keepNames: false)
            schema = mapped
            properties.removeAll { $0.0 == "delta.columnMapping.maxColumnId" }
            properties.append(("delta.columnMapping.maxColumnId", String(maxID)))
            protocolAction = TableFeatures.enabling("columnMapping", readerFeature: true, legacy: (2, 5), in: protocolAction)
        case let other?:
            throw LakeError(.invalidArgument, "delta.columnMapping.mode '\(DisplayText.value(other))' is not one of none, name, id")
        }
        if properties.contains(where: { $0.0 == "delta.enableDeletionVectors" && $0.1.lowercased() == "true" }) {
            protocolAction = TableFeatures.enabling("deletionVectors", readerFeature: true, legacy: nil, in: protocolAction)
        }
        if let key = properties.first(where: { $0.0.lowercased().hasPrefix(TableConstraints.prefix) })?.0 {
            throw LakeError(.invalidArgument, "--property \(DisplayText.value(key)): constraints are added after create with lake alter TABLE add-constraint NAME \"EXPR\"")
        }
        if properties.contains(where: { $0.0 == "delta.enableChangeDataFeed" && $0.1.lowercased() == "true" }) {
            protocolAction = TableFeatures.enabling("changeDataFeed", readerFeature: false, legacy: (1, 4), in: protocolAction)
        }
        let metadata = Metadata(id: SystemClock.uuid(), name: catalogName?.1, description: request.comment,
                                schemaString: SchemaJSON.encode(schema).serialized(),
                                partitionColumns: request.partitionBy, configuration: properties, createdTime: now)
        var transaction = Transaction(creating: table, operation: "CREATE TABLE",
                                      actions: [.protocolAction(protocolAction), .metaData(metadata)],
                                      inCommitTimestamps: Self.wantsInCommitTimestamps(request.properties))
        transaction.parameters = [
            ("partitionBy", JSONValue.array(request.partitionBy.map(JSONValue.string)).serialized()),
            ("description", request.comment ?? ""),
            ("properties", JSONValue.strings(properties).serialized()),
        ]
        do {
            _ = try transaction.commit()
        } catch let error as DeltaError where error.kind == .conflict {
            // Another create won the race for version 0.
            if request.ifNotExists { return try adopt(table, request, catalogName) }
            throw LakeError(.alreadyExists, "\(request.name) was created by another writer at the same time")
        }
        guard let (ns, n) = catalogName else {
            return CreateResult(name: location, location: location, version: 0, created: true)
        }
        let catalog = try catalog()
        do {
            let entry = try catalog.register(namespace: ns, name: n, location: location, comment: request.comment, created: now,
                                             managed: isManagedLocation(location))
            try CatalogIndex.catchUp(entry, table: table, catalog: catalog, wait: true)
        } catch let error as CatalogError where error.kind == .alreadyExists {
            if request.ifNotExists, let existing = try catalog.table(namespace: ns, name: n), existing.location == location {
                return CreateResult(name: existing.qualifiedName, location: location, version: 0, created: false)
            }
            throw LakeError(.alreadyExists, error.message)
        }
        return CreateResult(name: "\(ns).\(n)", location: location, version: 0, created: true)
    }

    /// With `--if-not-exists`, an existing table at the location is the answer: make sure the
    /// catalog names it (its creator may not have registered it yet) and report it.
    private func adopt(_ table: DeltaTable, _ request: CreateRequest, _ catalogName: (String, String)?) throws -> CreateResult {
        if let (ns, n) = catalogName {
            let catalog = try catalog()
            if let other = try catalog.table(location: table.root), other.qualifiedName != "\(ns).\(n)" {
                throw LakeError(.alreadyExists, "\(table.root) is already registered as \(other.qualifiedName)")
            }
            if (try? catalog.register(namespace: ns, name: n, location: table.root, comment: request.comment,
                                      created: SystemClock.nowMillis(), managed: isManagedLocation(table.root))) == nil,
               try catalog.table(namespace: ns, name: n)?.location != table.root {
                throw LakeError(.alreadyExists, "table \(ns).\(n) exists at another location")
            }
        }
        return CreateResult(name: request.name.description == table.root ? table.root : "\(catalogName.map { "\($0.0).\($0.1)" } ?? table.root)",
                            location: table.root, version: try table.latestVersion(), created: false)
    }

    private func validate(_ request: CreateRequest) throws {
        let names = request.schema.fields.map(\.name)
        for column in request.partitionBy {
            guard let field = request.schema.fields.first(where: { $0.name == column }) else {
                throw LakeError(.invalidArgument, "partition column '\(column)' is not in the schema (\(names.joined(separator: ", ")))")
            }
            guard field.type.isPrimitive, field.type != .binary else {
                throw LakeError(.invalidArgument, "cannot partition by '\(column)': its type \(field.type) has no partition value form")
            }
        }
        if Set(request.partitionBy).count != request.partitionBy.count {
            throw LakeError(.invalidArgument, "a partition column is listed twice")
        }
        if request.partitionBy.count == names.count {
            throw LakeError(.invalidArgument, "a table needs at least one column that is not a partition column")
        }
        // A schema lake could not write data files for (nested deeper than Parquet's limit,
        // a struct without fields) is refused now, not at the first append.
        do {
            _ = try ParquetSchema(writing: request.schema)
        } catch let error as ParquetError {
            throw LakeError(.invalidArgument, "the schema cannot be stored: \(error.message)")
        }
    }

    static func wantsInCommitTimestamps(_ properties: [(String, String)]) -> Bool {
        properties.contains { $0.0 == "delta.enableInCommitTimestamps" && $0.1.lowercased() == "true" }
    }

    /// The lowest protocol the table's features need: (1, 2) unless timestamp_ntz (reader and
    /// writer feature) or in-commit timestamps (writer feature) ask for table features.
    static func protocolFor(_ request: CreateRequest) -> ProtocolAction {
        let ntz = request.schema.fields.contains { containsNTZ($0.type) }
        let ict = wantsInCommitTimestamps(request.properties)
        if !ntz && !ict { return ProtocolAction(minReaderVersion: 1, minWriterVersion: 2) }
        var writerFeatures = ["appendOnly", "invariants"]
        if ntz { writerFeatures.append("timestampNtz") }
        if ict { writerFeatures.append("inCommitTimestamp") }
        return ntz ? ProtocolAction(minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["timestampNtz"],
                                    writerFeatures: writerFeatures)
                   : ProtocolAction(minReaderVersion: 1, minWriterVersion: 7, writerFeatures: writerFeatures)
    }

    static func containsNTZ(_ type: DataType) -> Bool {
        switch type {
        case .timestampNTZ: return true
        case .struct(let fields): return fields.contains { containsNTZ($0.type) }
        case .array(let e, _): return containsNTZ(e)
        case .map(let k, let v, _): return containsNTZ(k) || containsNTZ(v)
        default: return false
        }
    }
}
