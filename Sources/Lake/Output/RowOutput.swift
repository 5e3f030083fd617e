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
    /// quietly.
    public func print(_ format: RowFormat, to path: String? = nil) throws {
        var fd: Int32 = 1
        if let path {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw StorageError(path: path, "cannot create \(path): \(String(cString: strerror(errno)))") }
        }
        defer { if fd != 1 { close(fd) } }
        let printer = RowPrinter(format: format.text, schema: schema, output: OutputStream(fd: fd))
        do {
            try printer.begin()
            while let batch = try next() { try printer.write(batch) }
            try printer.finish()
        } catch is OutputClosed {
            return
        }
    }

    /// Writes every row to a new Parquet file at `path` with lake's writer.
    public func writeParquet(to path: String, options: ParquetExportOptions) throws -> ParquetExportResult {
        var writerOptions = ParquetWriter.Options()
        writerOptions.codec = options.codec.parquet
        writerOptions.zstdLevel = options.zstdLevel
        if let rows = options.rowGroupRows { writerOptions.rowGroupRows = rows }
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
    /// Rows per row group (the writer's default when nil).
    public var rowGroupRows: Int?

    public init() {}
}

/// What `scan --format parquet` wrote.
public struct ParquetExportResult: Sendable {
    public var file: String
    public var rows: Int
    public var rowGroups: Int
}
