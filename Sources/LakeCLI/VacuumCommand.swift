import ArgumentParser
import Lake

/// `lake vacuum`
struct VacuumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vacuum",
        abstract: "Delete expired removed files and old unknown files, and expired log files.",
        discussion: """
            Deletes files under the table that its latest version does not reference and that \
            were removed (or, unknown to the log, last modified) longer than the retention ago: \
            by default the table's delta.deletedFileRetentionDuration (7 days). Never touches \
            _ or . folders (but _change_data), symbolic links, other tables, or anything outside the table. Then \
            deletes log files past delta.logRetentionDuration by the protocol's rule, unless \
            delta.enableExpiredLogCleanup is false.
            """)

    @Argument(help: "The table.")
    var table: String

    @Option(help: "Keep files removed within this DURATION (90s, 30m, 168h, 7d); default: the table's setting.")
    var retain: String?

    @Flag(name: .customLong("dry-run"), help: "List what would be deleted; delete nothing.")
    var dryRun = false

    @Flag(help: "Allow a retention shorter than the table's delta.deletedFileRetentionDuration.")
    var force = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let request = VacuumRequest(retainMillis: try retain.map { try DurationText.parse($0, option: "--retain") },
                                        dryRun: dryRun, force: force)
            let progress = Progress(label: "vacuum", unit: .files, quiet: global.quiet)
            let result = try global.warehouseHandle().vacuum(try TableName(parsing: table), request, progress: progress.counts)
            progress.finish()
            emit(global, result, warnings: result.warnings)
        }
    }
}

extension VacuumResult: CommandOutput {
    var json: JSON {
        .orderedObject([
            ("table", .string(table)), ("version", .int(Int(version))), ("dry_run", .bool(dryRun)),
            ("retention", .string(DurationText.format(retentionMillis))), ("files", .array(files.map(JSON.string))),
            ("files_deleted", .int(filesDeleted)), ("bytes_deleted", .int(Int(bytesDeleted))),
            ("log_files_deleted", .int(logFilesDeleted)), ("symlinks_skipped", .array(symlinksSkipped.map(JSON.string))),
            ("tables_skipped", .array(otherTablesSkipped.map(JSON.string))), ("young_files_kept", .int(youngFilesKept)),
        ])
    }

    var text: String {
        var text = ""
        if dryRun {
            text += files.map { "\($0)\n" }.joined()
            text += "would delete \(filesDeleted) file(s) (\(bytesDeleted) bytes) and \(logFilesDeleted) log file(s) from \(table) "
                + "(retention \(DurationText.format(retentionMillis)))\n"
        } else {
            text += "vacuumed \(table): deleted \(filesDeleted) file(s) (\(bytesDeleted) bytes) and \(logFilesDeleted) log file(s) "
                + "(retention \(DurationText.format(retentionMillis))): version \(version)\n"
        }
        if youngFilesKept > 0 {
            text += "kept \(youngFilesKept) unknown file(s) younger than the retention (a running write may own them)\n"
        }
        for link in symlinksSkipped { text += "skipped symbolic link \(link) (never followed or deleted)\n" }
        for other in otherTablesSkipped { text += "skipped \(other): it holds another table\n" }
        return text
    }
}
