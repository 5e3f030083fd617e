import Columnar
import LakeCore

/// The actions of the Delta transaction log (PROTOCOL.md, "Actions").
///
/// Each typed action keeps the JSON it was read from (`raw`), so fields this implementation
/// does not know survive a rewrite (a checkpoint, a `remove` made from an `add`).
public enum Action: Sendable {
    case commitInfo(JSONValue)
    case protocolAction(ProtocolAction)
    case metaData(Metadata)
    case add(AddFile)
    case remove(RemoveFile)
    case txn(Txn)
    case domainMetadata(DomainMetadata)
    case cdc(ChangeDataFile)
    /// `checkpointMetadata`, `sidecar` and actions newer than this implementation.
    case other(String, JSONValue)

    /// The single-key object a commit file holds on one line.
    public var json: JSONValue {
        switch self {
        case .commitInfo(let v): return .object([("commitInfo", v)])
        case .protocolAction(let p): return .object([("protocol", p.raw)])
        case .metaData(let m): return .object([("metaData", m.raw)])
        case .add(let a): return .object([("add", a.raw)])
        case .remove(let r): return .object([("remove", r.raw)])
        case .txn(let t): return .object([("txn", t.raw)])
        case .domainMetadata(let d): return .object([("domainMetadata", d.raw)])
        case .cdc(let c): return .object([("cdc", c.raw)])
        case .other(let key, let v): return .object([(key, v)])
        }
    }

    /// Reads one action from its single-key object.
    public init(json: JSONValue) throws {
        guard case .object(let members) = json, let (key, body) = members.first else {
            throw DeltaError(.corrupt, "an action line is not a JSON object")
        }
        switch key {
        case "commitInfo": self = .commitInfo(body)
        case "protocol": self = .protocolAction(try ProtocolAction(body))
        case "metaData": self = .metaData(try Metadata(body))
        case "add": self = .add(try AddFile(body))
        case "remove": self = .remove(try RemoveFile(body))
        case "txn": self = .txn(try Txn(body))
        case "domainMetadata": self = .domainMetadata(try DomainMetadata(body))
        case "cdc": self = .cdc(try ChangeDataFile(body))
        default: self = .other(key, body)
        }
    }

    /// The actions of a commit file: one JSON object per line.
    public static func parseCommit(_ bytes: [UInt8], version: Int64) throws -> [Action] {
        var actions: [Action] = []
        var start = 0
        try bytes.withUnsafeBytes { raw in
            for i in 0...raw.count {
                guard i == raw.count || raw[i] == 0x0A else { continue }
                let line = UnsafeRawBufferPointer(rebasing: raw[start..<i])
                start = i + 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
                do {
                    actions.append(try Action(json: JSONValue.parse(line)))
                } catch let error as JSONError {
                    throw DeltaError(.corrupt, "commit \(version): \(error)")
                } catch let error as DeltaError {
                    throw DeltaError(error.kind, "commit \(version): \(error.message)")
                }
            }
        }
        return actions
    }

    /// A commit file's text: one action per line.
    public static func serializeCommit(_ actions: [Action]) -> [UInt8] {
        var out: [UInt8] = []
        for a in actions {
            a.json.write(to: &out)
            out.append(0x0A)
        }
        return out
    }
}

private func required<T>(_ value: T?, _ what: String, in action: String) throws -> T {
    guard let value else { throw DeltaError(.corrupt, "\(action) action without '\(what)'") }
    return value
}

/// Partition values in their serialized (string) form; nil for a null value.
public typealias PartitionValues = [(String, String?)]

/// Partition values as the log holds them; an empty value is null (PROTOCOL.md, "Partition
/// Value Serialization"), whoever wrote it.
func decodePartitionValues(_ json: JSONValue?) -> PartitionValues {
    guard case .object(let members)? = json else { return [] }
    return members.map { key, value in (key, value.stringValue.flatMap { $0.isEmpty ? nil : $0 }) }
}

func encodePartitionValues(_ values: PartitionValues) -> JSONValue {
    .object(values.map { ($0.0, $0.1.map(JSONValue.string) ?? .null) })
}

public struct ProtocolAction: Sendable {
    public var minReaderVersion: Int
    public var minWriterVersion: Int
    public var readerFeatures: [String]?
    public var writerFeatures: [String]?
    public var raw: JSONValue

    init(_ json: JSONValue) throws {
        minReaderVersion = Int(try required(json["minReaderVersion"]?.intValue, "minReaderVersion", in: "protocol"))
        minWriterVersion = Int(try required(json["minWriterVersion"]?.intValue, "minWriterVersion", in: "protocol"))
        readerFeatures = json["readerFeatures"]?.arrayValue?.compactMap(\.stringValue)
        writerFeatures = json["writerFeatures"]?.arrayValue?.compactMap(\.stringValue)
        raw = json
    }

    public init(minReaderVersion: Int, minWriterVersion: Int, readerFeatures: [String]? = nil, writerFeatures: [String]? = nil) {
        var members: [(String, JSONValue)] = [("minReaderVersion", .int(minReaderVersion)), ("minWriterVersion", .int(minWriterVersion))]
        if let readerFeatures { members.append(("readerFeatures", .array(readerFeatures.map(JSONValue.string)))) }
        if let writerFeatures { members.append(("writerFeatures", .array(writerFeatures.map(JSONValue.string)))) }
        raw = .object(members)
        self.minReaderVersion = minReaderVersion
        self.minWriterVersion = minWriterVersion
        self.readerFeatures = readerFeatures
        self.writerFeatures = writerFeatures
    }
}

public struct Metadata: Sendable {
    public var id: String
    public var name: String?
    public var description: String?
    public var schemaString: String
    public var partitionColumns: [String]
    public var configuration: [(String, String)]
    public var createdTime: Int64?
    public var raw: JSONValue

    init(_ json: JSONValue) throws {
        id = try required(json["id"]?.stringValue, "id", in: "metaData")
        name = json["name"]?.stringValue
        description = json["description"]?.stringValue
        schemaString = try required(json["schemaString"]?.stringValue, "schemaString", in: "metaData")
        partitionColumns = json["partitionColumns"]?.arrayValue?.compactMap(\.stringValue) ?? []
        configuration = json["configuration"]?.objectValue?.compactMap { k, v in v.stringValue.map { (k, $0) } } ?? []
        createdTime = json["createdTime"]?.intValue
        raw = json
    }

    public init(id: String, name: String?, description: String?, schemaString: String, partitionColumns: [String],
                configuration: [(String, String)], createdTime: Int64) {
        var members: [(String, JSONValue)] = [("id", .string(id))]
        if let name { members.append(("name", .string(name))) }
        if let description { members.append(("description", .string(description))) }
        members += [
            ("format", .object([("provider", .string("parquet")), ("options", .object([]))])),
            ("schemaString", .string(schemaString)),
            ("partitionColumns", .array(partitionColumns.map(JSONValue.string))),
            ("configuration", .strings(configuration)),
            ("createdTime", .int(createdTime)),
        ]
        raw = .object(members)
        self.id = id
        self.name = name
        self.description = description
        self.schemaString = schemaString
        self.partitionColumns = partitionColumns
        self.configuration = configuration
        self.createdTime = createdTime
    }

    /// A table property.
    public func property(_ key: String) -> String? {
        configuration.first { $0.0 == key }?.1
    }

    /// This metadata with another schema, partition columns or configuration; every other
    /// member (id, format, name, description, creation time, fields newer than lake) kept.
    public func replacing(schema: Schema? = nil, partitionColumns: [String]? = nil,
                          configuration: [(String, String)]? = nil) -> Metadata {
        var members = raw.objectValue ?? []
        func set(_ key: String, _ value: JSONValue) {
            if let index = members.firstIndex(where: { $0.0 == key }) { members[index].1 = value } else { members.append((key, value)) }
        }
        if let schema { set("schemaString", .string(SchemaJSON.encode(schema).serialized())) }
        if let partitionColumns { set("partitionColumns", .array(partitionColumns.map(JSONValue.string))) }
        if let configuration { set("configuration", .strings(configuration)) }
        // Only the members set above changed, each to a valid value.
        return try! Metadata(.object(members))
    }
}

public struct AddFile: Sendable {
    /// The path as stored: a URI relative to the table root (percent-encoded).
    public var path: String
    public var partitionValues: PartitionValues
    public var size: Int64
    public var modificationTime: Int64
    public var dataChange: Bool
    /// The statistics JSON text, if any.
    public var stats: String?
    /// The statistics, parsed (nil when absent or not a JSON object).
    public var statistics: FileStatistics?
    public var hasDeletionVector: Bool
    /// Fields beyond the typed ones (tags, deletion vectors, fields newer than lake), kept
    /// as read; the typed fields are the truth for the rest, so a snapshot of many files
    /// holds no parse tree per file.
    private let extra: [(String, JSONValue)]

    /// The action's JSON object, unknown fields included.
    public var raw: JSONValue {
        var members: [(String, JSONValue)] = [
            ("path", .string(path)), ("partitionValues", encodePartitionValues(partitionValues)),
            ("size", .int(size)), ("modificationTime", .int(modificationTime)), ("dataChange", .bool(dataChange)),
        ]
        if let stats { members.append(("stats", .string(stats))) }
        return .object(members + extra)
    }

    init(_ json: JSONValue) throws {
        path = try required(json["path"]?.stringValue, "path", in: "add")
        partitionValues = decodePartitionValues(json["partitionValues"])
        size = json["size"]?.intValue ?? 0
        modificationTime = json["modificationTime"]?.intValue ?? 0
        dataChange = json["dataChange"]?.boolValue ?? true
        stats = json["stats"]?.stringValue
        statistics = stats.flatMap(FileStatistics.init(parsing:))
        if let dv = json["deletionVector"], dv != .null { hasDeletionVector = true } else { hasDeletionVector = false }
        extra = json.objectValue?.filter { !Self.typedFields.contains($0.0) } ?? []
    }

    static let typedFields: Set<String> = ["path", "partitionValues", "size", "modificationTime", "dataChange", "stats"]

    /// A new add; `extra` holds fields beyond the typed ones (tags, a deletion vector, …).
    public init(path: String, partitionValues: PartitionValues, size: Int64, modificationTime: Int64,
                dataChange: Bool, stats: String?, extra: [(String, JSONValue)] = []) {
        self.path = path
        self.partitionValues = partitionValues
        self.size = size
        self.modificationTime = modificationTime
        self.dataChange = dataChange
        self.stats = stats
        statistics = stats.flatMap(FileStatistics.init(parsing:))
        hasDeletionVector = extra.contains { $0.0 == "deletionVector" && $0.1 != .null }
        self.extra = extra
    }

    /// The same file with the deletion vector `descriptor` (rows deleted since it was added):
    /// statistics marked wide (`tightBounds` false, as PROTOCOL.md asks once rows are gone),
    /// every other field kept.
    public func deleting(with descriptor: JSONValue) -> AddFile {
        var stats = self.stats
        if let text = stats, case .object(var members)? = try? JSONValue.parse(text) {
            if let i = members.firstIndex(where: { $0.0 == "tightBounds" }) { members[i].1 = .bool(false) } else { members.append(("tightBounds", .bool(false))) }
            stats = JSONValue.object(members).serialized()
        }
        return AddFile(path: path, partitionValues: partitionValues, size: size, modificationTime: modificationTime,
                       dataChange: true, stats: stats, extra: extra.filter { $0.0 != "deletionVector" } + [("deletionVector", descriptor)])
    }

    /// A field of the action (typed or not) by name.
    public subscript(field name: String) -> JSONValue? {
        extra.first { $0.0 == name }?.1 ?? (Self.typedFields.contains(name) ? raw[name] : nil)
    }

    /// The number of records from the statistics, when present (of the physical file: rows
    /// a deletion vector removes included).
    public var numRecords: Int64? { statistics?.numRecords }

    /// The rows this file's deletion vector removes (its cardinality); 0 without one.
    public var deletedRows: Int64 {
        hasDeletionVector ? (self[field: "deletionVector"]?["cardinality"]?.intValue ?? 0) : 0
    }

    /// The rows of the logical file: `numRecords` less the deletion vector's.
    public var liveRecords: Int64? { numRecords.map { $0 - deletedRows } }
}

public struct RemoveFile: Sendable {
    public var path: String
    public var deletionTimestamp: Int64?
    public var dataChange: Bool
    /// The file's size and statistics, when the writer recorded them (`extendedFileMetadata`).
    public var size: Int64?
    public var statistics: FileStatistics?
    public var raw: JSONValue

    init(_ json: JSONValue) throws {
        path = try required(json["path"]?.stringValue, "path", in: "remove")
        deletionTimestamp = json["deletionTimestamp"]?.intValue
        dataChange = json["dataChange"]?.boolValue ?? true
        size = json["size"]?.intValue
        statistics = json["stats"]?.stringValue.flatMap(FileStatistics.init(parsing:))
        raw = json
    }

    /// The `remove` of a live file, carrying its partition values, size and stats.
    public init(removing add: AddFile, at timestamp: Int64, dataChange: Bool) {
        var members: [(String, JSONValue)] = [
            ("path", .string(add.path)), ("deletionTimestamp", .int(timestamp)), ("dataChange", .bool(dataChange)),
            ("extendedFileMetadata", .bool(true)), ("partitionValues", encodePartitionValues(add.partitionValues)),
            ("size", .int(add.size)),
        ]
        if let stats = add.stats { members.append(("stats", .string(stats))) }
        // The removed file's identity includes its deletion vector (PROTOCOL.md, "Add File and Remove File").
        if add.hasDeletionVector, let vector = add[field: "deletionVector"] { members.append(("deletionVector", vector)) }
        raw = .object(members)
        path = add.path
        deletionTimestamp = timestamp
        self.dataChange = dataChange
        size = add.size
        statistics = add.statistics
    }
}

/// A `cdc` action (PROTOCOL.md, "Add CDC File"): a file under `_change_data/` holding the
/// rows a commit changed, with their `_change_type`. Only its commit names it; snapshots and
/// checkpoints never hold it.
public struct ChangeDataFile: Sendable {
    /// The path as stored: a URI relative to the table root (percent-encoded).
    public var path: String
    public var partitionValues: PartitionValues
    public var size: Int64
    public var raw: JSONValue

    init(_ json: JSONValue) throws {
        path = try required(json["path"]?.stringValue, "path", in: "cdc")
        partitionValues = decodePartitionValues(json["partitionValues"])
        size = json["size"]?.intValue ?? 0
        raw = json
    }

    /// The `cdc` action of a change data file just written (`dataChange` is always false).
    public init(path: String, partitionValues: PartitionValues, size: Int64) {
        self.path = path
        self.partitionValues = partitionValues
        self.size = size
        raw = .object([("path", .string(path)), ("partitionValues", encodePartitionValues(partitionValues)),
                       ("size", .int(size)), ("dataChange", .bool(false))])
    }

    /// The file as an `add` would name it, for reading it with the table's scan path.
    public var asFile: AddFile {
        AddFile(path: path, partitionValues: partitionValues, size: size, modificationTime: 0, dataChange: false, stats: nil)
    }
}

extension RemoveFile {
    /// The removed file as its `add` named it, as far as the `remove` says: its path,
    /// partition values (`extendedFileMetadata`), size and deletion vector.
    public var asFile: AddFile {
        let extra = raw["deletionVector"].map { [("deletionVector", $0)] } ?? []
        return AddFile(path: path, partitionValues: decodePartitionValues(raw["partitionValues"]), size: size ?? 0,
                       modificationTime: 0, dataChange: dataChange, stats: raw["stats"]?.stringValue, extra: extra)
    }

    /// Whether the `remove` records the file's partition values.
    public var hasPartitionValues: Bool { raw["partitionValues"].map { $0 != .null } ?? false }
}

public struct Txn: Sendable {
    public var appId: String
    public var version: Int64
    public var lastUpdated: Int64?
    public var raw: JSONValue

    init(_ json: JSONValue) throws {
        appId = try required(json["appId"]?.stringValue, "appId", in: "txn")
        version = try required(json["version"]?.intValue, "version", in: "txn")
        lastUpdated = json["lastUpdated"]?.intValue
        raw = json
    }

    /// That application `appId` has applied its `version`.
    public init(appId: String, version: Int64, lastUpdated: Int64) {
        raw = .object([("appId", .string(appId)), ("version", .int(version)), ("lastUpdated", .int(lastUpdated))])
        self.appId = appId
        self.version = version
        self.lastUpdated = lastUpdated
    }
}

public struct DomainMetadata: Sendable {
    public var domain: String
    public var configuration: String
    public var removed: Bool
    public var raw: JSONValue

    init(_ json: JSONValue) throws {
        domain = try required(json["domain"]?.stringValue, "domain", in: "domainMetadata")
        configuration = json["configuration"]?.stringValue ?? ""
        removed = json["removed"]?.boolValue ?? false
        raw = json
    }
}
