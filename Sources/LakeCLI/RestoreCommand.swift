import ArgumentParser
import Lake

/// `lake restore`
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Make the table's contents those of an older version, in one new commit.",
        discussion: "Files added since are removed and files removed since are added back; the history keeps every version.")

    @Argument(help: "The table.")
    var table: String

    @OptionGroup var version: VersionOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if version.version == nil && version.asOf == nil {
            throw ValidationError("restore needs --version N or --as-of TIME")
        }
    }

    func run() throws {
        try runReportingErrors(global) {
            let result = try global.warehouseHandle().restore(try TableName(parsing: table), to: try version.selector())
            emit(global, result, warnings: result.warnings)
        }
    }
}

extension RestoreResult: CommandOutput {
    var json: JSON {
        .orderedObject([
            ("table", .string(table)), ("version", .int(Int(version))), ("restored_version", .int(Int(restoredVersion))),
            ("committed", .bool(committed)), ("rows_deleted", .int(Int(rowsDeleted))), ("rows_inserted", .int(Int(rowsInserted))),
            ("rows_updated", .int(0)), ("files_removed", .int(filesRemoved)), ("files_added", .int(filesAdded)),
        ])
    }

    var text: String {
        guard committed else { return "\(table) already has the contents of version \(restoredVersion) (version \(version)): nothing to commit\n" }
        return "restored \(table) to version \(restoredVersion): \(filesRemoved) file(s) removed, \(filesAdded) added back: version \(version)\n"
    }
}
