import ArgumentParser
import Columnar
import DeltaLog
import Ingest
import Lake
import Parquet
import Query
#if canImport(Glibc)
import Glibc
#endif

/// `lake scan FILE.parquet`: print rows, or rewrite them with lake's own Parquet writer.
struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read rows from a table or a Parquet file and print them (or write them as Parquet with --format parquet)."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, tsv, json, jsonl, parquet
    }

    enum Codec: String, ExpressibleByArgument, CaseIterable {
        case zstd, snappy, uncompressed

        var parquet: CompressionCodec {
            switch self {
            case .zstd: return .zstd
            case .snappy: return .snappy
            case .uncompressed: return .uncompressed
            }
        }
    }

    @Argument(help: "A table (NAME, NAMESPACE.NAME or a directory) or a Parquet file.")
    var source: String

    @OptionGroup var versions: VersionOptions

    @Option(help: "Comma-separated columns to read (default: all).")
    var columns: String?

    @Option(name: .customLong("where"), parsing: .unconditional, help: "Only rows where this SQL condition is true: \"region = 'eu' AND amount > 100\".")
    var predicate: String?

    @Flag(help: "Print the plan and what pruning achieved instead of rows.")
    var explain = false

    @Option(help: "Stop after this many rows.")
    var limit: Int?

    @Option(help: "Output format: table (default on a terminal), csv (default otherwise), tsv, json, jsonl, parquet.")
    var format: Format?

    @Option(help: "Write to this file instead of stdout (required for --format parquet).")
    var output: String?

    @Option(help: "Parquet output: compression codec (zstd, snappy, uncompressed).")
    var codec: Codec = .zstd

    @Option(help: "Parquet output: zstd level (1-22).")
    var zstdLevel: Int32 = 3

    @Option(help: "Parquet output: rows per row group.")
    var rowGroupRows: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be zero or more") }
        if format == .parquet && output == nil { throw ValidationError("--format parquet needs --output FILE") }
        if !(1...22).contains(zstdLevel) { throw ValidationError("--zstd-level must be between 1 and 22") }
        if let rowGroupRows, rowGroupRows < 1 { throw ValidationError("--row-group-rows must be at least 1") }
    }

    func run() throws {
        try runReportingErrors(global) {
            let projection = columns.map { $0.split(separator: ",").map { $0.trimmingSpaces() } }
            // No bar when rows go to the same terminal.
            let showProgress = !global.quiet && (output != nil || isatty(1) == 0)
            let schema: Schema
            let batchesFromSource: () throws -> RecordBatch?
            if FileSystem.exists(source) && !FileSystem.isDirectory(source) {
                guard versions.version == nil && versions.asOf == nil else {
                    throw ValidationError("--version and --as-of apply to tables, not to a Parquet file")
                }
                guard !explain else { throw ValidationError("--explain applies to tables") }
                (schema, batchesFromSource) = try fileBatches(projection, showProgress: showProgress)
            } else {
                let (_, _, snapshot) = try global.snapshot(of: source, versions)
                let scan = try TableScan(snapshot: snapshot, columns: projection, predicate: predicate, limit: limit)
                if explain {
                    while try scan.next() != nil {}
                    printExplain(scan)
                    return
                }
                schema = scan.schema
                let progress = Progress(label: "scan", total: Int(min(Int64(limit ?? .max), snapshot.statsRowCount ?? 0)),
                                        quiet: !showProgress || snapshot.statsRowCount == nil)
                batchesFromSource = {
                    let batch = try scan.next()
                    if batch == nil { progress.finish() } else { progress.update(scan.delivered) }
                    return batch
                }
            }
            // Decoding the next row group overlaps with formatting and writing this one.
            let producer = BatchSource(next: batchesFromSource)
            let pipeline = BatchPipeline(capacity: 2) { emit in
                while let batch = try producer.next() { try emit(batch) }
            }
            defer { pipeline.cancel() }
            let chosen = format ?? (isatty(1) == 1 && output == nil ? .table : .csv)
            let batches = { try pipeline.next() }
            if chosen == .parquet {
                try writeParquet(batches, schema: schema)
            } else {
                try printRows(batches, schema: schema, format: TextFormat(rawValue: chosen.rawValue)!)
            }
        }
    }

    /// The rows of a Parquet file: projected, and filtered when there is a predicate (a
    /// file has no log statistics to prune with).
    private func fileBatches(_ projection: [String]?, showProgress: Bool) throws -> (Schema, () throws -> RecordBatch?) {
        let reader = try ParquetReader(path: source)
        let schema = try reader.projectedSchema(projection)
        let progress = Progress(label: "scan", total: min(limit ?? .max, reader.rowCount), quiet: !showProgress)
        guard let predicate else {
            return (schema, BatchStream(reader: reader, columns: projection, limit: limit, progress: progress).next)
        }
        let filter = try Predicate(parsing: predicate, schema: reader.schema.schema)
        let wanted = schema.fields.map(\.name)
        let stream = BatchStream(reader: reader, columns: wanted + filter.columns.sorted().filter { !wanted.contains($0) },
                                 limit: nil, progress: progress)
        var remaining = limit ?? .max
        return (schema, {
            while remaining > 0, var batch = try stream.next() {
                batch = batch.take(try filter.select(batch))
                batch = RecordBatch(schema: schema, columns: Array(batch.columns.prefix(wanted.count)))
                if batch.rowCount == 0 { continue }
                if batch.rowCount > remaining { batch = batch.slice(0..<remaining) }
                remaining -= batch.rowCount
                return batch
            }
            return nil
        })
    }

    private func printExplain(_ scan: TableScan) {
        let s = scan.statistics
        let json = JSON.orderedObject([
            ("table", .string(scan.snapshot.root)), ("version", .int(Int(scan.snapshot.version))),
            ("predicate", scan.predicate.map { .string($0.expression.description) } ?? .null),
            ("columns", .array(scan.schema.fields.map { .string($0.name) })),
            ("files_total", .int(s.filesTotal)), ("files_pruned_by_partition", .int(s.filesPrunedByPartition)),
            ("files_skipped_by_stats", .int(s.filesSkippedByStats)), ("files_read", .int(s.filesRead)),
            ("row_groups_read", .int(s.rowGroupsRead)), ("row_groups_skipped", .int(s.rowGroupsSkipped)),
            ("bytes_read", .int(Int(s.bytesRead))), ("rows_read", .int(s.rowsRead)), ("rows_returned", .int(s.rowsReturned)),
        ])
        var text = "scan \(scan.snapshot.root) at version \(scan.snapshot.version)\n"
        text += "  columns: \(scan.schema.fields.map(\.name).joined(separator: ", "))\n"
        if let p = scan.predicate { text += "  filter: \(p.expression)\n" }
        text += "  files: \(s.filesTotal) total, \(s.filesPrunedByPartition) pruned by partition, \(s.filesSkippedByStats) skipped by stats, \(s.filesRead) read\n"
        text += "  row groups: \(s.rowGroupsRead) read, \(s.rowGroupsSkipped) skipped by statistics\n"
        text += "  bytes read: \(s.bytesRead) (compressed column chunks)\n"
        text += "  rows: \(s.rowsRead) read, \(s.rowsReturned) returned\n"
        emit(global, json: json, text: text)
    }

    private func printRows(_ next: () throws -> RecordBatch?, schema: Schema, format: TextFormat) throws {
        var fd: Int32 = 1
        if let output {
            fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw CommandFailure(.runtime, type: "io", "cannot create \(output): \(String(cString: strerror(errno)))")
            }
        }
        defer { if fd != 1 { close(fd) } }
        let printer = RowPrinter(format: format, schema: schema, output: OutputStream(fd: fd))
        do {
            try printer.begin()
            while let batch = try next() { try printer.write(batch) }
            try printer.finish()
        } catch is OutputClosed {
            throw OutputClosedSignal()
        }
    }

    private func writeParquet(_ next: () throws -> RecordBatch?, schema: Schema) throws {
        var options = ParquetWriter.Options()
        options.codec = codec.parquet
        options.zstdLevel = zstdLevel
        if let rowGroupRows { options.rowGroupRows = rowGroupRows }
        let writer = try ParquetWriter(path: output!, schema: schema, options: options)
        var rows = 0
        do {
            while let batch = try next() {
                try writer.write(batch)
                rows += batch.rowCount
            }
            let meta = try writer.close()
            if global.json {
                print(JSON.object(["file": .string(output!), "rows": .int(rows), "row_groups": .int(meta.rowGroups.count)]).serialized())
            } else if !global.quiet {
                writeStandardError("wrote \(rows) rows in \(meta.rowGroups.count) row group(s) to \(output!)\n")
            }
        } catch {
            writer.abort()
            throw error
        }
    }
}

/// A batch producer handed to the read-ahead thread, which alone calls it.
private struct BatchSource: @unchecked Sendable {
    let next: () throws -> RecordBatch?
}

/// Row groups of a file as a stream of batches, stopping at a row limit.
final class BatchStream {
    private let reader: ParquetReader
    private let columns: [String]?
    private let progress: Progress
    private var remaining: Int
    private var delivered = 0
    private var nextGroup = 0

    init(reader: ParquetReader, columns: [String]?, limit: Int?, progress: Progress) {
        self.reader = reader
        self.columns = columns
        self.remaining = limit ?? Int.max
        self.progress = progress
    }

    /// The next batch, or nil at the end (which also clears the progress bar).
    func next() throws -> RecordBatch? {
        while remaining > 0 && nextGroup < reader.rowGroupCount {
            var batch = try reader.readRowGroup(nextGroup, columns: columns)
            nextGroup += 1
            if batch.rowCount == 0 { continue }
            if batch.rowCount > remaining { batch = batch.slice(0..<remaining) }
            remaining -= batch.rowCount
            delivered += batch.rowCount
            progress.update(delivered)
            return batch
        }
        progress.finish()
        return nil
    }
}
