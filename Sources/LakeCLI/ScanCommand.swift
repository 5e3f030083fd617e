import ArgumentParser
import Lake
#if canImport(Glibc)
import Glibc
#endif

/// `lake scan`: print rows of a table or a Parquet file, write them as Parquet, or explain
/// the plan.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Read rows from a table or a Parquet file and print them (or write them as Parquet with --format parquet)."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, tsv, json, jsonl, parquet
    }

    @Argument(help: "A table (NAME, NAMESPACE.NAME or a directory) or a Parquet file.")
    var source: String

    @OptionGroup var versions: VersionOptions

    @Option(help: "Comma-separated columns to read (default: all).")
    var columns: String?

    @Option(name: .customLong("where"), parsing: .unconditional, help: "Only rows where this SQL condition is true: \"region = 'eu' AND amount > 100\".")
    var predicate: String?

    @Flag(help: "Print the plan (files kept and pruned, from the log alone) instead of rows.")
    var explain = false

    @Flag(help: "With --explain: run the scan and add what it read (row groups, bytes, rows).")
    var analyze = false

    @Option(parsing: .unconditional, help: "Stop after this many rows.")
    var limit: Int?

    @Option(help: "Output format: table (default on a terminal), csv (default otherwise), tsv, json, jsonl, parquet.")
    var format: Format?

    @Option(help: "Write to this file instead of stdout (required for --format parquet).")
    var output: String?

    @Option(help: "Parquet output: compression codec (zstd, snappy, uncompressed).")
    var codec: ParquetExportOptions.Codec = .zstd

    @Option(help: "Parquet output: zstd level (1-22).")
    var zstdLevel: Int32 = 3

    @Option(help: "Parquet output: rows per row group.")
    var rowGroupRows: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be a positive integer (or 0)") }
        if format == .parquet && output == nil { throw ValidationError("--format parquet needs --output FILE") }
        if !(1...22).contains(zstdLevel) { throw ValidationError("--zstd-level must be between 1 and 22") }
        if let rowGroupRows, rowGroupRows < 1 { throw ValidationError("--row-group-rows must be at least 1") }
        if analyze && !explain { throw ValidationError("--analyze goes with --explain") }
    }

    func run() throws {
        try runReportingErrors(global) {
            var request = ScanRequest(source: source)
            request.version = try versions.selector()
            request.columns = columns.map(commaList)
            request.predicate = predicate
            request.limit = limit
            let warehouse = global.warehouseHandle()
            if explain {
                emit(global, try warehouse.explain(request, analyze: analyze))
                return
            }
            // No bar when rows go to the same terminal.
            let progress = Progress(label: "scan", unit: .rows, quiet: global.quiet || (output == nil && isatty(1) == 1))
            let rows = try warehouse.openRows(request, progress: progress.rows)
            progress.expect(rows.expectedRows)
            defer { progress.finish() }
            let chosen = format ?? (global.json ? .json : isatty(1) == 1 && output == nil ? .table : .csv)
            guard chosen == .parquet, let output else {
                try rows.print(RowFormat(rawValue: chosen.rawValue)!, to: output)
                return
            }
            var options = ParquetExportOptions()
            options.codec = codec
            options.zstdLevel = zstdLevel
            options.rowGroupRows = rowGroupRows
            let written = try rows.writeParquet(to: output, options: options)
            progress.finish()
            if global.json {
                print(written.json.serialized())
            } else if !global.quiet {
                writeStandardError(written.text)
            }
            // (With --json the document above is the output; rows went to the file.)
        }
    }
}

extension ParquetExportOptions.Codec: ExpressibleByArgument {}

extension ParquetExportResult: CommandOutput {
    var json: JSON { .object(["file": .string(file), "rows": .int(rows), "row_groups": .int(rowGroups)]) }
    var text: String { "wrote \(rows) rows in \(rowGroups) row group(s) to \(file)\n" }
}

extension ScanExplanation: CommandOutput {
    var json: JSON {
        var members: [(String, JSON)] = [
            ("table", .string(table)), ("location", .string(location)), ("version", .int(Int(version))),
            ("predicate", predicate.map { .string($0) } ?? .null),
            ("columns", .array(columns.map { .string($0) })),
            ("files_total", .int(plan.filesTotal)), ("files_pruned_by_partition", .int(plan.filesPrunedByPartition)),
            ("files_skipped_by_stats", .int(plan.filesSkippedByStats)),
            ("files_read", .int(measured?.filesRead ?? plan.files.count)),
        ]
        if let s = measured {
            members += [
                ("row_groups_read", .int(s.rowGroupsRead)), ("row_groups_skipped", .int(s.rowGroupsSkipped)),
                ("bytes_read", .int(Int(s.bytesRead))), ("rows_read", .int(s.rowsRead)), ("rows_returned", .int(s.rowsReturned)),
            ]
        }
        members += [
            ("analyzed", .bool(measured != nil)),
            ("files", .array(files.map { JSON.orderedObject([("path", .string($0.path)), ("reason", .string($0.reason))]) })),
        ]
        return .orderedObject(members)
    }

    var text: String {
        var text = "scan \(table) at version \(version)\n"
        text += "  columns: \(columns.joined(separator: ", "))\n"
        if let predicate { text += "  filter: \(predicate)\n" }
        text += "  files: \(plan.filesTotal) total, \(plan.filesPrunedByPartition) pruned by partition, \(plan.filesSkippedByStats) skipped by stats, \(plan.files.count) to read\n"
        for file in files { text += "    \(file.path) (\(file.reason))\n" }
        if let s = measured {
            text += "  analyzed: \(s.filesRead) file(s) read\n"
            text += "  row groups: \(s.rowGroupsRead) read, \(s.rowGroupsSkipped) skipped by statistics\n"
            text += "  bytes read: \(s.bytesRead) (compressed column chunks)\n"
            text += "  rows: \(s.rowsRead) read, \(s.rowsReturned) returned\n"
        }
        return text
    }
}
