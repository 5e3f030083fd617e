import DeltaLog
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer entry point for the Delta log's readers of untrusted bytes: a commit file's
/// actions, the schema JSON inside `metaData`, per-file stats, and partition values.
/// Build with `make fuzz` (see README); without `-DFUZZING` it replays files.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let actions = try? Action.parseCommit(bytes, version: 0) else { return 0 }
    for action in actions {
        switch action {
        case .metaData(let m):
            if let schema = try? SchemaJSON.decode(m.schemaString) {
                for field in schema.fields {
                    _ = try? Partitioning.parse(m.id, type: field.type)
                }
            }
        case .add(let add):
            _ = add.numRecords
            _ = try? DeltaTable.resolve(add.path, root: "/table")
        default:
            break
        }
    }
    _ = Action.serializeCommit(actions)
    return 0
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

@_cdecl("LogFuzz_main")
public func logFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzLog)
}
#else
@main
struct LogFuzzReplay {
    static func main() throws {
        for path in CommandLine.arguments.dropFirst() {
            let bytes = try FileSystem.read(path) ?? []
            _ = bytes.withUnsafeBufferPointer { fuzzLog($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
            print("\(path): no crash")
        }
    }
}
#endif
