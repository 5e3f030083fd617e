import Columnar
import LakeCore
import Parquet

/// Reads checkpoints into actions (PROTOCOL.md, "Checkpoints"): classic and multi-part
/// Parquet checkpoints, and V2 checkpoints (`N.checkpoint.<uuid>.json|parquet`, or a classic
/// name holding `checkpointMetadata`) with their sidecar files in `_delta_log/_sidecars`.
///
/// Every file is read only when it is a regular file reached through no link, and a sidecar
/// only inside `_sidecars`.
public enum CheckpointReader {
    static let actionColumns = ["protocol", "metaData", "add", "remove", "txn", "domainMetadata", "checkpointMetadata", "sidecar"]

    /// The actions of the checkpoint of `version` made of `names` (in `logDirectory`), sidecars
    /// included; without `files`, only the actions that are not adds or removes.
    static func read(_ names: [String], version: Int64, logDirectory: String, storage: any Storage,
                     files: Bool = true) throws -> [Action] {
        let columns = files ? actionColumns : actionColumns.filter { $0 != "add" && $0 != "remove" }
        var actions: [Action] = []
        for name in names {
            let path = logDirectory + "/" + name
            try checkRegular(path, storage: storage)
            if name.hasSuffix(".json") {
                guard let bytes = try storage.read(path) else { throw DeltaError(.notFound, "checkpoint \(path) is missing") }
                actions += try Action.parseCommit(bytes, version: version)
            } else {
                actions += try readParquet(path, version: version, columns: columns)
            }
        }
        // Sidecars hold only adds and removes.
        guard files else { return actions }
        var sidecars: [String] = []
        for case .other("sidecar", let body) in actions {
            guard let path = body["path"]?.stringValue else { throw DeltaError(.corrupt, "checkpoint \(version): a sidecar action without 'path'") }
            sidecars.append(try sidecarPath(path, logDirectory: logDirectory, version: version))
        }
        if !sidecars.isEmpty, storage.info(logDirectory + "/_sidecars")?.kind != .directory {
            throw DeltaError(.corrupt, "checkpoint \(version) has sidecars, but \(logDirectory)/_sidecars is not a directory (lake does not follow links inside a table)")
        }
        for path in sidecars {
            try checkRegular(path, storage: storage)
            actions += try readParquet(path, version: version, columns: columns)
        }
        return actions
    }

    /// The actions of one checkpoint file's bytes (for fuzzing the reader).
    public static func read(bytes: UnsafeRawBufferPointer) throws -> [Action] {
        try read(try ParquetReader(bytes: bytes), columns: actionColumns)
    }

    /// A sidecar's absolute path: a name (or relative path) in `_delta_log/_sidecars`, or an
    /// absolute URI that must lead there.
    public static func sidecarPath(_ path: String, logDirectory: String, version: Int64) throws -> String {
        let directory = logDirectory + "/_sidecars"
        var decoded = Partitioning.uriDecode(path)
        if decoded.hasPrefix("file://") { decoded = String(decoded.dropFirst("file://".count)) }
        if decoded.hasPrefix("file:") { decoded = String(decoded.dropFirst("file:".count)) }
        let full = decoded.hasPrefix("/") ? Paths.absolute(decoded) : Paths.absolute(directory + "/" + decoded)
        // Directly in `_sidecars`, as the protocol keeps them: no subfolder to follow.
        guard Paths.parent(of: full) == directory, !decoded.contains("://") else {
            throw DeltaError(.corrupt, "checkpoint \(version): sidecar \(DisplayText.value(path)) lies outside \(directory)")
        }
        return full
    }

    private static func checkRegular(_ path: String, storage: any Storage) throws {
        switch storage.info(path)?.kind {
        case .regular?: return
        case nil: throw DeltaError(.notFound, "checkpoint file \(path) is missing")
        default: throw DeltaError(.corrupt, "checkpoint file \(path) is not a regular file (lake does not follow links inside a table)")
        }
    }

    private static func readParquet(_ path: String, version: Int64, columns: [String]) throws -> [Action] {
        do {
            return try read(try ParquetReader(path: path), columns: columns)
        } catch let error as ParquetError {
            throw DeltaError(error.kind == .unsupported ? .unsupported : .corrupt, "checkpoint \(version): \(path): \(error)")
        }
    }

    private static func read(_ reader: ParquetReader, columns: [String]) throws -> [Action] {
        var actions: [Action] = []
        let available = columns.filter { reader.schema.schema.index(of: $0) != nil }
        for g in 0..<reader.rowGroupCount {
            let batch = try reader.readRowGroup(g, columns: available)
            let adds = available.firstIndex(of: "add").flatMap { AddColumns(batch.columns[$0]) }
            let addIndex = adds == nil ? -1 : available.firstIndex(of: "add")!
            for row in 0..<batch.rowCount {
                for (c, column) in batch.columns.enumerated() where !column.isNull(row) {
                    if c == addIndex, let adds {
                        actions.append(.add(try adds.add(at: row)))
                        continue
                    }
                    var body = json(column.value(at: row), column.type)
                    // Checkpoints may carry stats only in parsed form.
                    if available[c] == "add", body["stats"] == nil, let parsed = body["stats_parsed"] {
                        body = body.setting("stats", .string(parsed.serialized()))
                    }
                    actions.append(try Action(json: .object([(available[c], body)])))
                }
            }
        }
        return actions
    }

    /// A checkpoint value as the JSON the same action has in a commit file (dates and
    /// timestamps as the text statistics use).
    static func json(_ value: Value, _ type: DataType) -> JSONValue {
        switch (value, type) {
        case (.null, _): return .null
        case (.bool(let b), _): return .bool(b)
        case (.int(let days), .date):
            var out: [UInt8] = []
            ValueText.appendDate(days: days, to: &out)
            return .string(String(decoding: out, as: UTF8.self))
        case (.int(let micros), .timestamp): return .string(FileStats.timestampText(micros, utc: true))
        case (.int(let micros), .timestampNTZ): return .string(FileStats.timestampText(micros, utc: false))
        case (.int(let i), _): return .int(i)
        case (.float(let f), _): return .number(String(f))
        case (.double(let d), _): return .number(String(d))
        case (.decimal(let d), .decimal(_, let scale)):
            var out: [UInt8] = []
            ValueText.appendDecimal(d, scale: scale, to: &out)
            return .number(String(decoding: out, as: UTF8.self))
        case (.string(let s), _): return .string(s)
        case (.binary(let b), _): return .string(String(decoding: b, as: UTF8.self))
        case (.list(let items), .array(let element, _)): return .array(items.map { json($0, element) })
        case (.structure(let members), .struct(let fields)):
            return .object(zip(fields, members).compactMap { field, member in
                member == .null ? nil : (field.name, json(member, field.type))
            })
        case (.map(let entries), .map(let keyType, let valueType, _)):
            return .object(entries.map { entry in
                let key: String
                if case .string(let s) = entry.key { key = s } else { key = json(entry.key, keyType).serialized() }
                return (key, json(entry.value, valueType))
            })
        default: return .null
        }
    }
}
