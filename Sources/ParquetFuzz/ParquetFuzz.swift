import Parquet
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer entry point: any byte string must produce rows or a ParquetError, never a crash,
/// hang or giant allocation. Build with
/// `swift build -c debug --product ParquetFuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING`.
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
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

/// SwiftPM links an executable's entry point as `<module>_main`; hand control to libFuzzer.
@_cdecl("ParquetFuzz_main")
public func parquetFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzParquet)
}
#else
/// Without libFuzzer: replays the files named on the command line (a corpus or crash
/// reproducers) through the same entry point.
@main
struct ParquetFuzzReplay {
    static func main() throws {
        for path in CommandLine.arguments.dropFirst() {
            let contents = try readFile(path)
            contents.withUnsafeBytes { readEverything($0) }
            print("\(path): no crash")
        }
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else { return [] }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }
}
#endif
