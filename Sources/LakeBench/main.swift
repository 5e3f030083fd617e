import Columnar
import Parquet
#if canImport(Glibc)
import Glibc
#endif

/// `lake-bench`: times lake's Parquet writer and reader in-process, so benchmark scripts can
/// compare them with pyarrow doing the same work in its own process.
///
///     lake-bench write INPUT.parquet OUTPUT.parquet [--codec zstd|snappy|uncompressed] [--level N] [--repeat N]
///     lake-bench read FILE.parquet [--repeat N]
///
/// Prints `{"seconds": best, "rows": N}`. Loading the input for `write` is not timed.

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func fail(_ message: String) -> Never {
    var line = "lake-bench: \(message)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(2)
}

func option(_ name: String, _ args: [String]) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

func readAll(_ path: String) throws -> (Schema, [RecordBatch]) {
    let reader = try ParquetReader(path: path)
    var batches: [RecordBatch] = []
    for g in 0..<reader.rowGroupCount { batches.append(try reader.readRowGroup(g)) }
    return (reader.schema.schema, batches)
}

configureAllocator()
let args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else { fail("usage: lake-bench write IN OUT | read FILE") }
let repeats = Int(option("--repeat", args) ?? "3") ?? 3
var best = Double.infinity
var rows = 0
do {
    switch command {
    case "write":
        guard args.count >= 3 else { fail("usage: lake-bench write IN OUT") }
        let (schema, batches) = try readAll(args[1])
        var options = ParquetWriter.Options()
        switch option("--codec", args) ?? "zstd" {
        case "zstd": options.codec = .zstd
        case "snappy": options.codec = .snappy
        case "uncompressed": options.codec = .uncompressed
        case let other: fail("unknown codec \(other)")
        }
        options.zstdLevel = Int32(option("--level", args) ?? "3") ?? 3
        for _ in 0..<repeats {
            let start = now()
            let writer = try ParquetWriter(path: args[2], schema: schema, options: options)
            for batch in batches { try writer.write(batch) }
            let meta = try writer.close()
            best = min(best, now() - start)
            rows = Int(meta.numRows)
        }
    case "read":
        guard args.count >= 2 else { fail("usage: lake-bench read FILE") }
        for _ in 0..<repeats {
            let start = now()
            let (_, batches) = try readAll(args[1])
            best = min(best, now() - start)
            rows = batches.reduce(0) { $0 + $1.rowCount }
        }
    default:
        fail("unknown command \(command)")
    }
} catch {
    fail("\(error)")
}
print("{\"seconds\": \(best), \"rows\": \(rows)}")
