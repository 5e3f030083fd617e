import Parquet
import FuzzSupport

/// libFuzzer entry point: any byte string must produce rows or a ParquetError, never a crash,
/// hang or giant allocation. `make fuzz` builds and runs it; without `-DFUZZING` it replays files.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParquet(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    readEverything(bytes)
    return 0
}

/// Opens the bytes as a Parquet file and decodes every row group and statistic.
func readEverything(_ bytes: UnsafeRawBufferPointer) {
    guard let reader = try? ParquetReader(bytes: bytes) else { return }
    for g in 0..<reader.rowGroupCount {
        _ = try? reader.readRowGroup(g, columns: reader.schema.schema.fields.map(\.name))
        for leaf in reader.schema.leaves.indices { _ = reader.statistics(rowGroup: g, leaf: leaf) }
    }
}

#if FUZZING
@_cdecl("ParquetFuzz_main")
public func parquetFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzzParquet)
}
#else
@main
struct ParquetFuzzReplay {
    static func main() { replayFiles(fuzzParquet) }
}
#endif
