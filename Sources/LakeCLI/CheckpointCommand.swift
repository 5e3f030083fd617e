import ArgumentParser
import Lake

/// `lake checkpoint`
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Write a Parquet checkpoint of the latest version (and _last_checkpoint).")

    @Argument(help: "The table.")
    var table: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) { emit(global, try global.warehouseHandle().checkpoint(try TableName(parsing: table))) }
    }
}

extension CheckpointResult: CommandOutput {
    var json: JSON {
        .orderedObject([("table", .string(table)), ("version", .int(Int(version))), ("written", .bool(written)),
                        ("actions", actions.map { .int(Int($0)) } ?? .null), ("files", files.map { .int(Int($0)) } ?? .null),
                        ("bytes", bytes.map { .int(Int($0)) } ?? .null), ("log_files_deleted", .int(logFilesDeleted))])
    }

    var text: String {
        var text = written
            ? "checkpointed \(table) at version \(version): \(actions ?? 0) actions, \(files ?? 0) file(s), \(bytes ?? 0) bytes\n"
            : "\(table) has a checkpoint at version \(version) already\n"
        if logFilesDeleted > 0 { text += "deleted \(logFilesDeleted) expired log file(s)\n" }
        return text
    }
}
