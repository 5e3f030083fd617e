import ArgumentParser
import Lake

/// `lake append`
struct AppendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append", abstract: "Append rows from CSV, TSV, NDJSON or Parquet files (or stdin) to a table, in one commit.")

    @Argument(help: "The table.")
    var table: String

    @Argument(help: "Input files, or - for stdin.")
    var files: [String] = []

    @Flag(name: .customLong("merge-schema"), help: "Add the inputs' columns the table lacks (nullable, at the end) in the same commit; a Parquet input's wider types widen the table's where it allows type widening.")
    var mergeSchema = false

    @Option(name: .customLong("txn"), help: "APP:VERSION: commit as this application's VERSION, or do nothing (exit 0) when the table already records APP at VERSION or later.")
    var txn: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let progress = Progress(label: "append", unit: .bytes, quiet: global.quiet)
            var options = input.loadOptions
            options.mergeSchema = mergeSchema
            options.transaction = try txn.map(ApplicationTransaction.init(parsing:))
            let result = try global.warehouseHandle().append(to: try TableName(parsing: table), files: files,
                                                             options: options, progress: progress.bytes)
            progress.finish()
            emit(global, result, warnings: result.warnings)
        }
    }
}

extension AppendResult: CommandOutput {
    var json: JSON {
        .orderedObject([
            ("table", .string(name)), ("version", version.map { .int(Int($0)) } ?? .null), ("rows", .int(rows)),
            ("files", .int(files)), ("bytes", .int(Int(bytes))), ("skipped_rows", .int(skippedRows)),
            ("bad_rows", .array(badRows.map { b in
                JSON.orderedObject([("file", .string(b.file)), ("line", b.line.map { .int($0) } ?? .null),
                                    ("column", b.column.map { .string($0) } ?? .null), ("message", .string(b.message))])
            })),
            ("columns_added", .array(columnsAdded.map(JSON.string))),
            ("columns_filled_with_null", .array(columnsFilledWithNull.map(JSON.string))),
            ("notes", .array(notes.map(JSON.string))),
            ("skipped", .bool(skipped != nil)),
        ])
    }

    var text: String {
        if let skipped { return "skipped: \(skipped)\n" }
        var text = version.map { "appended \(rows) rows in \(files) file(s) (\(bytes) bytes) to \(name): version \($0)\n" }
            ?? "appended 0 rows (nothing to commit)\n"
        if skippedRows > 0 {
            text += "skipped \(skippedRows) bad row(s):\n" + badRows.map { "  \($0.description)\n" }.joined()
            if skippedRows > badRows.count { text += "  …\n" }
        }
        if !columnsAdded.isEmpty { text += "added column(s) \(columnsAdded.joined(separator: ", "))\n" }
        if version != nil && !columnsFilledWithNull.isEmpty {
            text += "no input had column(s) \(columnsFilledWithNull.joined(separator: ", ")): filled with null\n"
        }
        return text + notes.map { "note: \($0)\n" }.joined()
    }
}
