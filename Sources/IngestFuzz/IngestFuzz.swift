import Columnar
import LakeCore
import Ingest
import FuzzSupport
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer entry point for the text readers: the bytes are loaded as CSV (with and without
/// a header) and as NDJSON into a table with every type, under a bad-row budget. Any outcome
/// but a crash, a hang or a giant allocation is fine. Build with `make fuzz`.
/// A table with every type (built per call: a global would read as a leak to LeakSanitizer).
func fuzzSchema() -> Schema {
    Schema([
    Field("a", .long), Field("b", .string), Field("c", .double), Field("d", .decimal(precision: 12, scale: 2)),
    Field("e", .date), Field("f", .timestamp), Field("g", .boolean), Field("h", .binary),
    Field("i", .array(element: .int, containsNull: true)), Field("j", .struct([Field("x", .string)])),
    Field("k", .map(key: .string, value: .long, valueContainsNull: true)), Field("l", .timestampNTZ),
    ])
}

func fuzzPath() -> String { "/tmp/lake-ingest-fuzz-\(getpid())" }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIngest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    for (format, header) in [("csv", true), ("csv", false), ("json", true)] {
        let path = fuzzPath() + "." + format
        unlink(path)
        try? LocalStorage().writeNew(path, Array(UnsafeBufferPointer(start: data, count: size)))
        var options = IngestOptions()
        options.delimited.header = header
        options.maxBadRows = 5
        try? Ingest.read([path], table: fuzzSchema(), options: options, budget: BadRowBudget(limit: 5)) { _ in }
        if header { _ = try? SchemaInference.infer(path, options: options) }
        unlink(path)
    }
    return 0
}

#if FUZZING
@_cdecl("IngestFuzz_main")
public func ingestFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzzIngest)
}
#else
@main
struct IngestFuzzReplay {
    static func main() { replayFiles(fuzzIngest) }
}
#endif
