import DeltaLog
import FuzzSupport

/// libFuzzer entry point for the Delta log's readers of untrusted bytes: a commit file's
/// actions, the schema JSON inside `metaData` (and column mapping over it), per-file stats (the `numRecords` scan and the
/// bounds), partition values, deletion vector descriptors and vectors, sidecar paths, Parquet
/// checkpoints (inputs starting with `PAR1`; V2 JSON checkpoints read as commits) and
/// `_last_checkpoint`.
/// Build with `make fuzz` (see README); without `-DFUZZING` it replays files.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? LastCheckpoint.parse(bytes)
    // The same bytes as a deletion vector, inline and as a vector file.
    _ = try? DeletionVector.parse(bytes[...], what: "fuzz", maxRows: 1 << 20)
    _ = try? DeletionVector.load(.object([("storageType", .string("p")), ("pathOrInlineDv", .string("/table/dv.bin")),
                                          ("offset", .int(1))]), root: "/table", maxRows: 1 << 20) { _ in bytes }
    let actions: [Action]
    if bytes.starts(with: Array("PAR1".utf8)) {
        guard let read = try? UnsafeRawBufferPointer(start: data, count: size).withMemoryRebound(to: UInt8.self, {
            try CheckpointReader.read(bytes: UnsafeRawBufferPointer($0))
        }) else { return 0 }
        actions = read
    } else {
        guard let parsed = try? Action.parseCommit(bytes, version: 0) else { return 0 }
        actions = parsed
    }
    for action in actions {
        switch action {
        case .metaData(let m):
            if let schema = try? SchemaJSON.decode(m.schemaString) {
                // Column mapping resolution over the schema's own fields (ids, physical names).
                let mapping = (try? ColumnMapping(m)) ?? ColumnMapping(mode: .id)
                for field in schema.fields {
                    _ = try? Partitioning.parse(m.id, type: field.type)
                    _ = mapping.writtenField(field)
                    _ = mapping.fileType(field.type, stored: mapping.fileField(for: field, in: schema.fields)?.type)
                }
                _ = ColumnMapping.assign(schema, maxID: ColumnMapping.maxID(schema), keepNames: true)
                _ = m.replacing(schema: schema)
            }
        case .add(let add):
            _ = add.numRecords
            _ = add.statistics?.bounds(of: "a", type: .long)
            _ = try? DeltaTable.resolve(add.path, root: "/table")
            if let descriptor = add[field: "deletionVector"] {
                _ = try? DeletionVectorFile.path(descriptor, root: "/table")
                _ = DeletionVectorFile.uniqueID(descriptor)
            }
        case .other("sidecar", let body):
            _ = body["path"]?.stringValue.map { try? CheckpointReader.sidecarPath($0, logDirectory: "/table/_delta_log", version: 0) }
        default:
            break
        }
    }
    _ = Action.serializeCommit(actions)
    return 0
}

#if FUZZING
@_cdecl("LogFuzz_main")
public func logFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzzLog)
}
#else
@main
struct LogFuzzReplay {
    static func main() { replayFiles(fuzzLog) }
}
#endif
