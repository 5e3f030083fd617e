import Columnar
import LakeCore
import Parquet
import Query
#if canImport(Glibc)
import Glibc
#endif

/// The text forms rows print in.
public enum RowFormat: String, CaseIterable, Sendable {
    case table, csv, tsv, json, jsonl

    var text: TextFormat { TextFormat(rawValue: rawValue)! }
}

extension RowStream {
    /// Prints every row in `format` to the file `path` (created or truncated), or to stdout
    /// when nil. A reader that goes away (a closed pipe: `lake scan … | head`) ends the output
    /// quietly. `before` and `after` are written around the rows (a JSON document holding
    /// the array of rows).
    public func print(_ format: RowFormat, to path: String? = nil, before: String = "", after: String = "") throws {
        var fd: Int32 = 1
        if let path {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw StorageError(path: path, "cannot create \(path): \(String(cString: strerror(errno)))") }
        }
        defer { if fd != 1 { close(fd) } }
        let output = OutputStream(fd: fd)
        let printer = RowPrinter(format: format.text, schema: schema, output: output)
        do {
            if !before.isEmpty { try output.write { $0 += Array(before.utf8) } }
            try printer.begin()
            while let batch = try next() { try printer.write(batch) }
            try printer.finish()
            if !after.isEmpty {
                try output.write { $0 += Array(after.utf8) }
                try output.flush()
            }
        } catch is OutputClosed {
            return
        }
    }

    /// Writes every row to a new Parquet file at `path` with lake's writer.
    public func writeParquet(to path: String, options: ParquetExportOptions) throws -> ParquetExportResult {
        var writerOptions = ParquetWriter.Options()
        writerOptions.codec = options.codec.parquet
        writerOptions.zstdLevel = options.zstdLevel
        // Row groups of 256Ki rows unless asked otherwise, as tables are written: the export
        // holds one row group in memory, whatever the number of rows.
        writerOptions.rowGroupRows = options.rowGroupRows ?? 1 << 18
        writerOptions.rowGroupBytes = 64 << 20
        let writer = try ParquetWriter(path: path, schema: schema, options: writerOptions)
        var rows = 0
        do {
            while let batch = try next() {
                try writer.write(batch)
                rows += batch.rowCount
            }
            let meta = try writer.close()
            return ParquetExportResult(file: path, rows: rows, rowGroups: meta.rowGroups.count)
        } catch {
            writer.abort()
            throw error
        }
    }
}

/// How `scan --format parquet` writes its file.
public struct ParquetExportOptions: Sendable {
    public enum Codec: String, CaseIterable, Sendable {
        case zstd, snappy, uncompressed

        var parquet: CompressionCodec {
            switch self {
            case .zstd: return .zstd
            case .snappy: return .snappy
            case .uncompressed: return .uncompressed
            }
        }
    }

    public var codec: Codec = .zstd
    /// 1…22.
    public var zstdLevel: Int32 = 3
    /// Rows per row group (262,144 when nil).
    public var rowGroupRows: Int?

    public init() {}
}

/// What `scan --format parquet` wrote.
public struct ParquetExportResult: Sendable {
    public var file: String
    public var rows: Int
    public var rowGroups: Int
}
